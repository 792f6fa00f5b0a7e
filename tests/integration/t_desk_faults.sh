# Network faults at the desk, in a real terminal: guichet in tmux talks to
# guichetd through a TCP proxy (tcp_proxy.py) that cuts the link.  The agent
# keeps working while it is cut (a note waits in the outbox, on disk), the
# desk is then killed with SIGKILL; a new desk, started while the link is
# still cut, has the note back from disk, and once the link is back
# delivers it exactly once.
. "$(dirname "$0")/lib.bash"
GUICHET=${GUICHET:-$(pwd)/build/guichet}
command -v tmux >/dev/null || { echo "not ok 1 - tmux is missing"; exit 1; }
SOCK=$T/tmux.sock
export LANG=C.UTF-8 LC_ALL=C.UTF-8
tm() { tmux -u -S "$SOCK" "$@"; }
see() { # see SESSION PATTERN [SECONDS]
	wait_for "${3:-20}" sh -c "tmux -u -S '$SOCK' capture-pane -p -t '$1' | grep -Eq -- \"\$0\"" "$2" &&
		return 0
	tm capture-pane -p -t "$1" | sed 's/^/# | /'
	return 1
}

start_server --heartbeat 2
ALICE=$(login alice)
TOKEN=$ALICE
python3 "$(dirname "$0")/tcp_proxy.py" 127.0.0.1 "${URL##*:}" "$T/cut" "$T/proxy.port" &
PROXY=$!
trap 'tm kill-server 2>/dev/null; kill $PROXY 2>/dev/null; finish' EXIT
wait_for 20 test -s "$T/proxy.port" || { echo "not ok 1 - the proxy did not start"; exit 1; }
VIA=https://127.0.0.1:$(cat "$T/proxy.port")
REF=$(req GET "/api/v1/cases?status=open&assignee=alice&limit=1" >/dev/null; jbody '.items[0].ref')
desk() { # desk SESSION: a desk through the proxy
	tm -f /dev/null new-session -d -s "$1" -x 100 -y 30 \
		"exec env GUICHET_TOKEN='$ALICE' '$GUICHET' --server '$VIA' --cacert '$CACERT' --login alice"
}
notes() {
	req GET "/api/v1/cases/$REF/events" >/dev/null
	jbody '[.items[] | select(.kind == "note" and .data.text == "Écrit pendant la coupure")] | length'
}

desk one
check "the desk is online through the proxy" see one ' · en ligne · '
tm send-keys -t one : "open case $REF" Enter
check "the case is open" see one ' état : open '

touch "$T/cut"
check "the link cut: the desk says it is offline" see one ' · hors ligne · ' 60
tm send-keys -t one n "Écrit pendant la coupure" Enter
check "the agent's note is kept, and said so" see one 'gardé dans l.envoi'
check "...the status bar counts it (on disk: no 'en mémoire')" see one ' · 1 en attente · '
tm send-keys -t one '?'
check "...and the desk still answers keys: ? opens the help" see one 'guichet — Aide'
tm send-keys -t one Escape

PID=$(tm display-message -p -t one '#{pane_pid}')
expect_eq "the pane runs guichet itself" "$(ps -o comm= -p "$PID")" guichet
kill -KILL "$PID"
check "the desk is killed (SIGKILL)" wait_for 10 sh -c "! kill -0 $PID"
expect_eq "...with the note not delivered" "$(notes)" 0

desk two # the link still cut: what it shows waiting can only come from the disk
check "a new desk, the link still cut, has the note back from disk: 1 waits" see two ' · 1 en attente · '
rm -f "$T/cut"
check "the link back, it delivers it: nothing waits any more" \
	wait_for 60 sh -c "! tmux -u -S '$SOCK' capture-pane -p -t two | grep -q ' en attente · '"
check "...the note is on the server" wait_for 30 test "$(notes)" -ge 1
expect_eq "...exactly once" "$(notes)" 1

# --- a long absence: the events missed are purged (410), the desk reads again ----
check "desk two is online" see two ' · en ligne · '
CASE_ID=$(req GET "/api/v1/cases/$REF" >/dev/null; jbody .id)
tm send-keys -t two : "open case $REF" Enter
check "...the case opens" see two ' état : open '
# an event the desk is sure to have had: the resume point is after it
jreq POST "/api/v1/cases/$CASE_ID/notes" '{"text":"Note avant la purge"}' \
	-H "Idempotency-Key: before-purge-1" >/dev/null
check "...a note written elsewhere appears on it (the desk follows the events)" \
	see two 'Note avant la purge' 30
PORT=${URL##*:}
stop_server
check "guichetd stopped: the desk says it is offline" see two ' · hors ligne · ' 60
python3 - "$DATA/guichet.db" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1])
old = int(time.time()) - 30 * 86400
c.execute("UPDATE events SET at = ?", (old,))
# what happened while the desk was away, long ago enough to be purged
c.executemany("INSERT INTO events(type, data_json, staff, at) VALUES('test.away', '{}', 1, ?)",
              ((old,) for _ in range(10)))
c.commit()
PY
start_server --heartbeat 2 --listen "127.0.0.1:$PORT" --events-retention 1 3>&-
check "back after the purge, the desk says it reads everything again" \
	see two 'tout est relu' 60
check "...and is online" see two ' · en ligne · '
jreq POST "/api/v1/cases/$CASE_ID/notes" '{"text":"Note après la purge"}' \
	-H "Idempotency-Key: after-purge-1" >/dev/null
check "...events flow again: a note written elsewhere appears on the open case" \
	see two 'Note après la purge' 30
