#!/usr/bin/env python3
# The mail part of `make bench` (driven by tests/bench/mail): guichet, neomutt
# and aerc open the same notmuch index of N messages, each in a
# pseudo-terminal of the same size, measured from outside the same way as
# the desk part (desk_bench.py's Pty): the time to the first usable screen
# with mail on it, and the peak memory (VmHWM) at that point.  For guichet
# the first usable screen is its work list showing the threads to handle
# (and, second figure, its mail screen after `m`); for neomutt and aerc,
# their message index.  Prints the table, the ratios and the goal: guichet
# at least 5 times faster to a first usable screen than the faster of the
# two, at no more memory.
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from desk_bench import BURST_QUIET, GUICHET_ERRORS, Failed, Pty, first_screen, warm  # noqa: E402


def env_for(home, extra=None):
    env = {k: v for k, v in os.environ.items() if k == "PATH"}
    env.update(TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8", HOME=home)
    env.update(extra or {})
    return env


def run_guichet(a, rows, cols):
    home = os.path.join(a.work, "guichet-%dx%d" % (cols, rows))
    for d in ("config", "state", "data"):
        os.makedirs(os.path.join(home, d), exist_ok=True)
    rc = os.path.join(home, "guichetrc")
    with open(rc, "w") as f:
        f.write("set mail_config %s\n" % a.config)
    env = env_for(home, {"GUICHET_TOKEN": os.environ["GUICHET_TOKEN"],
                         "XDG_CONFIG_HOME": os.path.join(home, "config"),
                         "XDG_STATE_HOME": os.path.join(home, "state"),
                         "XDG_DATA_HOME": os.path.join(home, "data")})
    warm(a.top)
    term = Pty([a.guichet, "--server", a.server, "--cacert", a.cacert, "-F", rc], env, rows, cols)
    try:
        # a mail line of the work list: "@ 03/11/2026 14:05 sender subject"
        _, first = first_screen(term, r"@ \d\d/\d\d/\d{4} \d\d:\d\d", "the work list's mail",
                                fail=GUICHET_ERRORS)
        hwm = term.vm_hwm_kb()
        term.mark()
        t = term.send(b"m")
        term.wait_for(r"\d+ message\(s\) —", 60, "the mail screen", GUICHET_ERRORS)
        last = term.settle(BURST_QUIET, t, 60, "the mail screen")
        mail_ms = ((last or term.last) - t) * 1000
        term.quit(b"q")
    finally:
        term.kill()
    return {"program": "guichet", "size": "%dx%d" % (cols, rows), "first_ms": first,
            "hwm_mb": hwm / 1024.0, "note": "work list with mail; mail screen %.0f ms" % mail_ms}


def run_neomutt(a, rows, cols):
    home = os.path.join(a.work, "neomutt-%dx%d" % (cols, rows))
    os.makedirs(home, exist_ok=True)
    url = "notmuch://%s" % a.mail
    rc = os.path.join(home, "muttrc")
    with open(rc, "w") as f:
        f.write("set nm_default_url = \"%s\"\nset nm_db_limit = 0\n"
                "set nm_query_type = threads\nset nm_query_window_duration = 0\n"
                "set folder = \"%s\"\nset spool_file = \"%s?query=tag:inbox\"\n"
                "set record = \"\"\nset postponed = \"%s/postponed\"\n"
                "set mail_check_stats = no\nset header_cache = \"\"\nset sort = threads\n"
                % (url, a.mail, url, home))
    warm(a.top)
    term = Pty([a.neomutt, "-n", "-F", rc, "-f", url + "?query=tag:inbox"],
               env_for(home, {"NOTMUCH_CONFIG": a.config}), rows, cols)
    try:
        # an index line's size column: "(0.2K)"; the status line may be cut at 80 columns
        m, first = first_screen(term, r"\(\d+(?:\.\d)?K\)", "the message index", deadline_s=600)
        hwm = term.vm_hwm_kb()
        term.quit(b"q")
    finally:
        term.kill()
    return {"program": "neomutt", "size": "%dx%d" % (cols, rows), "first_ms": first,
            "hwm_mb": hwm / 1024.0, "note": "index of tag:inbox, threaded"}


def run_aerc(a, rows, cols):
    home = os.path.join(a.work, "aerc-%dx%d" % (cols, rows))
    conf = os.path.join(home, ".config", "aerc")
    os.makedirs(conf, exist_ok=True)
    qmap = os.path.join(conf, "querymap")
    with open(qmap, "w") as f:
        f.write("inbox=tag:inbox\n")
    acc = os.path.join(conf, "accounts.conf")
    with open(acc, "w") as f:
        f.write("[bench]\nsource = notmuch://%s\nquery-map = %s\ndefault = inbox\n"
                "from = Bench <bench@example.org>\noutgoing = /bin/false\n" % (a.mail, qmap))
    os.chmod(acc, 0o600)
    with open(os.path.join(conf, "aerc.conf"), "w") as f:
        f.write("[general]\nunsafe-accounts-conf = true\n[ui]\n"
                "timestamp-format = 2006-01-02 15:04\nthis-day-time-format = 2006-01-02 15:04\n"
                "this-week-time-format = 2006-01-02 15:04\nthis-year-time-format = 2006-01-02 15:04\n"
                "threading-enabled = true\n")
    warm(a.top)
    term = Pty([a.aerc], env_for(home, {"NOTMUCH_CONFIG": a.config,
                                        "XDG_CONFIG_HOME": os.path.join(home, ".config")}),
               rows, cols)
    try:
        _, first = first_screen(term, r"\d{4}-\d\d-\d\d \d\d:\d\d", "the message list",
                                deadline_s=600)
        hwm = term.vm_hwm_kb()
        term.send(b":quit\r")
    finally:
        term.kill()
    return {"program": "aerc", "size": "%dx%d" % (cols, rows), "first_ms": first,
            "hwm_mb": hwm / 1024.0, "note": "message list of tag:inbox"}


def report(results, messages):
    print("mail: a notmuch index of %d messages; first usable screen and peak memory" % messages)
    print("%-8s %-7s %12s %9s  %s" % ("program", "size", "first (ms)", "VmHWM MB", "what"))
    for r in results:
        print("%-8s %-7s %12.0f %9.1f  %s" % (r["program"], r["size"], r["first_ms"], r["hwm_mb"],
                                              r["note"]))
    for size in sorted({r["size"] for r in results}):
        g = [r for r in results if r["size"] == size and r["program"] == "guichet"]
        peers = [r for r in results if r["size"] == size and r["program"] != "guichet"]
        if not g or not peers:
            continue
        best = min(peers, key=lambda r: r["first_ms"])
        speed = best["first_ms"] / g[0]["first_ms"]
        lighter = min(p["hwm_mb"] for p in peers)
        print("%s: %s/guichet first screen %.1fx (goal >= 5x: %s); guichet %.1f MB, "
              "lightest peer %.1f MB (goal: no more: %s)"
              % (size, best["program"], speed, "met" if speed >= 5 else "NOT met", g[0]["hwm_mb"],
                 lighter, "met" if g[0]["hwm_mb"] <= lighter else "NOT met"))


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--guichet", required=True)
    p.add_argument("--server", required=True)
    p.add_argument("--cacert", required=True)
    p.add_argument("--maildir", required=True, help="DIR:N (DIR/mail indexed by DIR/notmuch-config)")
    p.add_argument("--neomutt", default="neomutt")
    p.add_argument("--aerc", default="aerc")
    p.add_argument("--sizes", default="80x24,160x48")
    p.add_argument("--work", required=True)
    p.add_argument("--json")
    a = p.parse_args()
    top, n = a.maildir.rsplit(":", 1)
    a.top, a.messages = os.path.abspath(top), int(n)
    a.mail, a.config = os.path.join(a.top, "mail"), os.path.join(a.top, "notmuch-config")
    results = []
    try:
        for size in a.sizes.split(","):
            cols, rows = (int(x) for x in size.split("x"))
            results.append(run_guichet(a, rows, cols))
            results.append(run_neomutt(a, rows, cols))
            results.append(run_aerc(a, rows, cols))
    except Failed as e:
        print("mail bench: FAILED: %s" % e, file=sys.stderr)
        return 1
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    report(results, a.messages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
