#!/usr/bin/env python3
"""Static check: every json_pack() call in src/ passes as many arguments as
its format string asks for.  A miscounted format makes jansson return NULL
at run time (a lost event, a 500), which the compiler cannot see.

Prints TAP: one "ok" line per file holding json_pack calls, "not ok" with
the offending calls otherwise."""
import glob
import re
import sys

CONSUMING = set("sOoibIfn")  # 'n' consumes nothing: handled below


def split_args(s):
    """The top-level arguments of a call, s starting after its '('."""
    depth, args, cur, i, quote = 0, [], "", 0, None
    while i < len(s):
        c = s[i]
        if quote:
            cur += c
            if c == "\\":
                cur += s[i + 1]
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
            cur += c
        elif c in "([{":
            depth += 1
            cur += c
        elif c in ")]}":
            if depth == 0:
                args.append(cur.strip())
                return args
            depth -= 1
            cur += c
        elif c == "," and depth == 0:
            args.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    return None


def wanted(fmt):
    """How many arguments a pack format consumes."""
    n, i = 0, 0
    while i < len(fmt):
        c = fmt[i]
        if c in "sOoibIf":
            n += 1
            if c == "s" and i + 1 < len(fmt) and fmt[i + 1] in "#%":
                n += 1
                i += 1
        i += 1
    return n


def check(path):
    src = open(path, encoding="utf-8").read()
    bad = []
    calls = 0
    for m in re.finditer(r"\bjson_pack(_ex)?\(", src):
        args = split_args(src[m.end():])
        if not args:
            continue
        if m.group(1):
            args = args[2:]
        literal = re.fullmatch(r'\s*("(?:[^"\\]|\\.)*"\s*)+', args[0])
        if not literal:
            continue
        calls += 1
        fmt = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', args[0]))
        if wanted(fmt) != len(args) - 1:
            line = src[: m.start()].count("\n") + 1
            bad.append("%s:%d: format %r wants %d arguments, the call passes %d"
                       % (path, line, fmt, wanted(fmt), len(args) - 1))
    return calls, bad


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "src"
    n, failed = 0, 0
    for path in sorted(glob.glob(root + "/**/*.c", recursive=True)) + sorted(glob.glob("tests/unit/*.c")):
        calls, bad = check(path)
        if not calls:
            continue
        n += 1
        if bad:
            failed += 1
            print("not ok %d - json_pack arguments in %s" % (n, path))
            for b in bad:
                print("# " + b)
        else:
            print("ok %d - json_pack arguments in %s (%d calls)" % (n, path, calls))
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
