# contrib/deps installs what is missing one run at a time, and waits (up to
# GUICHET_APT_WAIT seconds) for apt's and dpkg's locks when another program
# holds them.  Driven with a stand-in apt-get (APT_GET) that logs each run
# and refuses, as apt does, to start while one of its locks is held; the
# packages it "installs" are forced missing (GUICHET_DEPS_FORCE_MISSING), so
# nothing on the machine changes.  Runs without a server.
. "$(dirname "$0")/lib.bash"
DEPS="$(cd "$(dirname "$0")/../.." && pwd)/contrib/deps"
LOG=$T/apt.log

mkdir -p "$T/bin"
cat >"$T/bin/apt-get" <<'FAKE'
#!/bin/bash
# Stand-in apt-get: "start RUN ARGS" and "end RUN" lines in $FAKE_APT_LOG.
# Like apt it stops at once when a lock in $FAKE_APT_LOCKS is held.  With
# FAKE_APT_HOLD_FILE it stays running until that file matches
# FAKE_APT_HOLD_RE (20 s at most; "timeout RUN" is logged then).
log=$FAKE_APT_LOG run=${FAKE_APT_RUN:-?}
for f in ${FAKE_APT_LOCKS:-}; do
	if ! python3 -c 'import fcntl, sys; fcntl.lockf(open(sys.argv[1], "a"), fcntl.LOCK_EX | fcntl.LOCK_NB)' \
		"$f" 2>/dev/null; then
		echo "refused $run $*" >>"$log"
		echo "E: Could not get lock $f. It is held by process 1 (fake)" >&2
		exit 100
	fi
done
echo "start $run $*" >>"$log"
if [ -n "${FAKE_APT_HOLD_FILE:-}" ]; then
	deadline=$(($(date +%s) + 20))
	until grep -Eq -- "$FAKE_APT_HOLD_RE" "$FAKE_APT_HOLD_FILE" 2>/dev/null; do
		[ "$(date +%s)" -ge $deadline ] && { echo "timeout $run" >>"$log"; break; }
		sleep 0.02
	done
fi
echo "end $run" >>"$log"
FAKE
chmod +x "$T/bin/apt-get"

export APT_GET=$T/bin/apt-get GUICHET_DEPS_AS_ROOT=1 FAKE_APT_LOG=$LOG \
	GUICHET_DEPS_LOCK=$T/deps.lock GUICHET_APT_LOCKS="$T/lock-frontend $T/lists-lock"
unset GUICHET_DEPS_FORCE_MISSING GUICHET_APT_WAIT FAKE_APT_LOCKS FAKE_APT_HOLD_FILE FAKE_APT_HOLD_RE
touch "$T/lock-frontend" "$T/lists-lock"

# hold_lock FILE: another program holds an fcntl lock on FILE, as apt and
# dpkg do, until release_lock; sets HOLDER.
hold_lock() {
	rm -f "$1.held" "$1.release"
	python3 -c '
import fcntl, os, sys, time
f = open(sys.argv[1], "a")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
end = time.time() + 120
while not os.path.exists(sys.argv[3]) and time.time() < end:
    time.sleep(0.02)
' "$1" "$1.held" "$1.release" &
	HOLDER=$!
	wait_for 20 test -e "$1.held" || { echo "# could not lock $1"; exit 1; }
}
release_lock() {
	touch "$1.release"
	wait_for 20 sh -c "! kill -0 $HOLDER" || kill -KILL "$HOLDER"
	wait "$HOLDER" 2>/dev/null
}

# wait_exit PID: the exit status of a background run, once it has ended
# (killed after 60 s: 124).
wait_exit() {
	if wait_for 60 sh -c "! kill -0 $1"; then
		wait "$1"
	else
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		return 124
	fi
}

# The most apt-get runs under way at once, from the start/end lines.
max_overlap() {
	awk '$1 == "start" { n++; if (n > m) m = n } $1 == "end" { n-- } END { print m + 0 }' "$LOG"
}

# --- nothing missing ---------------------------------------------------------
rm -f "$LOG"
hold_lock "$T/lists-lock"
out=$(GUICHET_APT_WAIT=60 timeout 30 sh "$DEPS" test 2>&1)
expect_eq "nothing missing: contrib/deps succeeds at once, even with apt locked" "$?" 0
check "...without running apt-get" test ! -e "$LOG"
expect_eq "...and says nothing" "$out" ""
check "...nor takes its own lock" test ! -e "$T/deps.lock"
release_lock "$T/lists-lock"

# --- two runs at once ----------------------------------------------------------
# Run A's first apt-get stays running until run B says it waits for A.
rm -f "$LOG" "$T/a.err" "$T/b.err"
export GUICHET_DEPS_FORCE_MISSING="jq tmux"
FAKE_APT_RUN=A FAKE_APT_HOLD_FILE=$T/b.err FAKE_APT_HOLD_RE='waiting for another contrib/deps run' \
	sh "$DEPS" test 2>"$T/a.err" &
a=$!
wait_for 20 grep -q '^start A' "$LOG" || not_ok "run A reaches apt-get" "$(cat "$T/a.err")"
FAKE_APT_RUN=B sh "$DEPS" test 2>"$T/b.err" &
b=$!
wait_exit $a
ra=$?
wait_exit $b
rb=$?
expect_eq "two concurrent 'contrib/deps test': the first succeeds" "$ra" 0
expect_eq "...the second too" "$rb" 0
expect_match "...the second waits for the first, naming the lock" "$(cat "$T/b.err")" \
	"waiting for another contrib/deps run \(lock $T/deps.lock\)"
check "...while the first's apt-get was running" sh -c "! grep -q '^timeout' '$LOG'"
expect_eq "...their apt-get runs never overlap" "$(max_overlap)" 1
expect_eq "...one after the other: update and install of A, then of B" \
	"$(awk '{ print $1, $2, $3 }' "$LOG" | tr '\n' ',')" \
	"start A -o,end A ,start A -o,end A ,start B -o,end B ,start B -o,end B ,"
expect_match "...each installs the missing packages, non-interactively" \
	"$(grep -c '^start [AB] -o DPkg::Lock::Timeout=[0-9]* install -y -qq --no-install-recommends jq tmux$' "$LOG")" '^2$'
expect_match "...after an apt-get update" "$(grep -c '^start [AB] .* update -qq$' "$LOG")" '^2$'

# --- apt locked by another program, then released ------------------------------
rm -f "$LOG" "$T/c.err"
export FAKE_APT_LOCKS="$T/lock-frontend $T/lists-lock"
hold_lock "$T/lists-lock"
GUICHET_APT_WAIT=60 FAKE_APT_RUN=C sh "$DEPS" test 2>"$T/c.err" &
c=$!
if wait_for 20 grep -q 'waiting up to 60s' "$T/c.err"; then
	ok "apt's lists lock held: contrib/deps waits"
else
	not_ok "apt's lists lock held: contrib/deps waits" "$(cat "$T/c.err")"
fi
expect_match "...saying for which lock and whom" "$(cat "$T/c.err")" \
	"waiting up to 60s for $T/lists-lock, held by process $HOLDER \(python3[.0-9]*\)"
check "...and runs no apt-get meanwhile" test ! -e "$LOG"
release_lock "$T/lists-lock"
wait_exit $c
expect_eq "released: the install goes on and succeeds" "$?" 0
expect_match "...with apt-get update then install" "$(tr '\n' '|' <"$LOG")" \
	'^start C [^|]* update -qq\|end C\|start C [^|]* install [^|]* jq tmux\|end C\|$'
check "...apt-get never found its lock taken" sh -c "! grep -q '^refused' '$LOG'"

# --- apt locked past GUICHET_APT_WAIT --------------------------------------------
rm -f "$LOG"
hold_lock "$T/lock-frontend"
t0=$(($(date +%s%N) / 1000000))
out=$(GUICHET_APT_WAIT=2 FAKE_APT_RUN=D timeout 60 sh "$DEPS" test 2>&1)
rc=$?
t1=$(($(date +%s%N) / 1000000))
expect_match "dpkg's lock held past GUICHET_APT_WAIT=2: contrib/deps fails" "$rc" '^[1-9][0-9]*$'
check "...on its own, not killed by the test's timeout" test "$rc" -ne 124
expect_match "...saying which lock, who holds it, and how to wait longer" "$out" \
	"$T/lock-frontend is still held by process $HOLDER \(python3[.0-9]*\) after 2s; .*GUICHET_APT_WAIT=SECONDS"
expect_match "...after waiting the 2 s (${t0}..${t1} ms)" "$((t1 - t0))" '^(2[0-9]{3}|[3-9][0-9]{3})$'
check "...without running apt-get" test ! -e "$LOG"
release_lock "$T/lock-frontend"

# --- GUICHET_DEPS_AS_ROOT needs APT_GET --------------------------------------------
# Without APT_GET, an unprivileged run only prints the apt-get line to run.
as_nobody=()
[ "$(id -u)" -eq 0 ] && as_nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups)
if "${as_nobody[@]}" test -r "$DEPS" 2>/dev/null; then
	out=$(env -u APT_GET GUICHET_DEPS_AS_ROOT=1 "${as_nobody[@]}" sh "$DEPS" test 2>&1)
	expect_eq "unprivileged, GUICHET_DEPS_AS_ROOT without APT_GET: contrib/deps fails" "$?" 1
	expect_match "...with the exact apt-get line to run as root" "$out" \
		'^  apt-get install -y jq tmux$'
else
	ok "unprivileged run # SKIP no unprivileged user can read $DEPS"
fi
