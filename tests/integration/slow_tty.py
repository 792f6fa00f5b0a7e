#!/usr/bin/env python3
"""A slow link between a program and its terminal, for the tests.

usage: slow_tty.py BYTES_PER_SECOND COMMAND [ARGS...]

Runs COMMAND on a pseudo-terminal of its own and relays between it and
ours: what we type goes through at once, what it writes comes out at no
more than BYTES_PER_SECOND (a home link that cannot keep up).  The
terminal's answers to what the program asks (a cursor position report)
come back only once the request got through, as over a real slow link.
The pacing is the link being modelled, not synchronisation.  The window
size follows ours (SIGWINCH).  Exits with COMMAND's status.
"""
import fcntl
import os
import pty
import select
import signal
import sys
import termios
import time
import tty

CHUNK = 64  # bytes per write: the finer, the smoother the rate


def copy_size(master):
    try:
        ws = fcntl.ioctl(sys.stdin.fileno(), termios.TIOCGWINSZ, b"\0" * 8)
        fcntl.ioctl(master, termios.TIOCSWINSZ, ws)
    except OSError:
        pass


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    rate = float(sys.argv[1])
    pid, master = pty.fork()
    if pid == 0:
        os.execvp(sys.argv[2], sys.argv[2:])
    copy_size(master)
    signal.signal(signal.SIGWINCH, lambda *_: copy_size(master))
    stdin = sys.stdin.fileno()
    saved = None
    if os.isatty(stdin):
        saved = termios.tcgetattr(stdin)
        tty.setraw(stdin)
    pending = b""
    next_at = time.monotonic()
    try:
        while True:
            wait = None
            if pending:
                wait = max(0.0, next_at - time.monotonic())
            try:
                ready, _, _ = select.select([stdin, master] if not pending else [stdin], [], [], wait)
            except InterruptedError:
                continue
            if stdin in ready:
                data = os.read(stdin, 4096)
                if not data:
                    break
                os.write(master, data)
            if master in ready:
                try:
                    data = os.read(master, 4096)
                except OSError:  # the program is gone
                    data = b""
                if not data:
                    break
                pending += data
            if pending and time.monotonic() >= next_at:
                piece, pending = pending[:CHUNK], pending[CHUNK:]
                os.write(sys.stdout.fileno(), piece)
                next_at = time.monotonic() + len(piece) / rate
    finally:
        if saved is not None:
            termios.tcsetattr(stdin, termios.TCSADRAIN, saved)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
