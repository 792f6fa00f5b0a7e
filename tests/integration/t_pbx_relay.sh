# The PBX relay (contrib/pbx/ami-relay), from a scripted AMI peer to a real guichetd.
# Calls queued, answered, abandoned and hung up reach /api/v1/calls. Secret
# files must be 0600 and never leak. An event guichetd refuses is logged and
# skipped. The relay logs in again when the AMI link drops, and retries a POST
# that got no answer.
#
# Asterisk is not packaged on Debian 12, so the test plays the PBX: a small
# Python AMI peer on a free loopback port sends the banner, checks the Login
# (a wrong secret gets "Response: Error"), then sends the event blocks of the
# script below, one step each time the test creates the step's file.
# stores: both (tests/run runs it again on PostgreSQL)
. "$(dirname "$0")/lib.bash"
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 is not installed"; exit 0; }
TOP=$(cd "$(dirname "$0")/../.." && pwd)
RELAY=$TOP/contrib/pbx/ami-relay
RELAY_PID=
PEER_PID=
PROXY_PID=
cleanup() {
	for p in $RELAY_PID $PEER_PID $PROXY_PID; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	finish
}
trap cleanup EXIT

start_server
SOPHIE=$(login sophie)
ALICE=$(login alice)
PBX=$("$GUICHETD" token create pbx --data "$DATA")
SECRET=ami-s3cr3t-$$-$RANDOM
(umask 077 && printf '%s\n' "$PBX" >"$T/token" && printf '%s\n' "$SECRET" >"$T/ami.secret" &&
	printf 'not-the-secret\n' >"$T/wrong.secret")
cat >"$T/queues" <<'EOF'
# QUEUE SERVICE-SLUG
etat-civil-queue  etat-civil
ghost-queue       no-such-service
EOF
cat >"$T/agents" <<'EOF'
Local/1001@agents alice
SIP/1002          bob
EOF

TOKEN=$ALICE
jreq POST /api/v1/citizens '{"given_name":"Lucie","family_name":"Ferrand","phones":["+33199887766"]}' >/dev/null
LUCIE=$(jbody .id)

# The AMI peer.  Session 1 (the first accepted login): step 1 at once, then
# step N when $T/goN exists; it drops the link when $T/drop exists.
# Session 2: one more call, then it keeps the link open.
python3 - "$T/ami.port" relay "$T/ami.secret" "$T" >"$T/peer.log" 2>&1 <<'PY' &
import os, socket, sys, time
port_file, user, secret_file, tdir = sys.argv[1:]
secret = open(secret_file).read().strip()
seq = [0]
def ev(name, seqno=True, **kv):
    seq[0] += 1
    lines = ["Event: " + name, "Privilege: call,all"]
    if seqno:
        lines.append("SequenceNumber: %d" % seq[0])
    lines += ["%s: %s" % (k, v) for k, v in kv.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()
A, B, C, U, D = "1700000000.1", "1700000000.3", "1700000000.5", "1700000000.7", "1700000001.1"
script1 = [
    [ev("FullyBooted", Status="Fully Booted"),
     ev("QueueCallerJoin", Channel="SIP/trunk-0001", CallerIDNum="01 99 88 77 66", CallerIDName="LUCIE F",
        Uniqueid=A, Linkedid=A, Queue="etat-civil-queue", Position=1, Count=1, Timestamp="%.6f" % (time.time() - 5)),
     ev("QueueCallerJoin", seqno=False, Channel="SIP/trunk-0002", CallerIDNum="anonymous",
        Uniqueid=B, Linkedid=B, Queue="etat-civil-queue", Position=2, Count=2),
     ev("QueueCallerJoin", Channel="SIP/trunk-0003", CallerIDNum="0611223344",
        Uniqueid=C, Linkedid=C, Queue="ghost-queue", Position=1, Count=1),
     ev("QueueCallerJoin", Channel="SIP/trunk-0004", CallerIDNum="0611223355",
        Uniqueid=U, Linkedid=U, Queue="parking", Position=1, Count=1),
     ev("Hangup", Channel="SIP/9999-0001", Uniqueid="1699999999.9", Linkedid="1699999999.9", Cause=16),
     ev("Newchannel", Channel="SIP/trunk-0005", Uniqueid="1700000000.9", Linkedid="1700000000.9")],
    [ev("AgentCalled", Queue="etat-civil-queue", Interface="Local/1001@agents", MemberName="Alice",
        Channel="SIP/trunk-0001", Uniqueid=A, Linkedid=A, DestChannel="Local/1001@agents-0001;1",
        DestUniqueid="1700000000.2", DestLinkedid=A),
     ev("AgentConnect", Queue="etat-civil-queue", Interface="Local/1001@agents", MemberName="Alice",
        Channel="SIP/trunk-0001", Uniqueid=A, Linkedid=A, HoldTime=4, RingTime=2),
     # The agent's channel of call A hangs up (same Linkedid): not the end.
     ev("Hangup", Channel="Local/1001@agents-0001;1", Uniqueid="1700000000.2", Linkedid=A, Cause=16),
     ev("QueueCallerAbandon", Queue="etat-civil-queue", Uniqueid=B, Linkedid=B, Position=1, HoldTime=30)],
    [ev("Hangup", Channel="SIP/trunk-0001", Uniqueid=A, Linkedid=A, Cause=16),
     ev("Hangup", Channel="SIP/trunk-0003", Uniqueid=C, Linkedid=C, Cause=16)],
]
script2 = [[ev("QueueCallerJoin", Channel="SIP/trunk-0009", CallerIDNum="0611223366",
               Uniqueid=D, Linkedid=D, Queue="etat-civil-queue", Position=1, Count=1)]]

def wait_file(path, secs=50):
    end = time.time() + secs
    while not os.path.exists(path):
        if time.time() > end:
            raise SystemExit("peer: no %s" % path)
        time.sleep(0.02)

def read_block(f):
    b = {}
    for line in f:
        line = line.rstrip("\r\n")
        if not line:
            if b:
                return b
            continue
        k, _, v = line.partition(":")
        b[k.strip()] = v.strip()
    return b

srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(4)
with open(port_file + ".tmp", "w") as f:
    f.write("%d\n" % srv.getsockname()[1])
os.rename(port_file + ".tmp", port_file)
sessions = 0
while True:
    conn, _ = srv.accept()
    conn.sendall(b"Asterisk Call Manager/5.0.1\r\n")
    f = conn.makefile("r", encoding="utf-8", newline="\r\n")
    login = read_block(f)
    if (login.get("Action") != "Login" or login.get("Username") != user
            or login.get("Secret") != secret):
        print("login refused", flush=True)
        conn.sendall(b"Response: Error\r\nActionID: %s\r\nMessage: Authentication failed\r\n\r\n"
                     % login.get("ActionID", "").encode())
        conn.shutdown(socket.SHUT_RDWR)
        f.close()
        conn.close()
        continue
    sessions += 1
    print("session %d events=%s" % (sessions, login.get("Events")), flush=True)
    conn.sendall(b"Response: Success\r\nActionID: %s\r\nMessage: Authentication accepted\r\n\r\n"
                 % login.get("ActionID", "").encode())
    for n, step in enumerate(script1 if sessions == 1 else script2, 1):
        if n > 1:
            wait_file(os.path.join(tdir, "go%d" % n))
        for block in step:
            conn.sendall(block)
        print("session %d step %d sent" % (sessions, n), flush=True)
    if sessions == 1:
        wait_file(os.path.join(tdir, "drop"))
        conn.shutdown(socket.SHUT_RDWR)  # the file from makefile() would keep it open
        f.close()
        conn.close()
        print("session 1 dropped", flush=True)
    else:
        srv.close()
        conn.recv(1)  # keep it open until the relay goes
        while conn.recv(4096):
            pass
        break
PY
PEER_PID=$!
# guichetd is reached through a TCP proxy: while $T/cut exists, the link to
# guichetd is down (every connection is closed at once).
python3 "$TOP/tests/integration/tcp_proxy.py" 127.0.0.1 "${URL##*:}" "$T/cut" "$T/proxy.port" 2>>"$T/proxy.log" &
PROXY_PID=$!
wait_for 20 test -s "$T/proxy.port" || { echo "Bail out! the proxy did not start"; exit 1; }
VIA=https://127.0.0.1:$(cat "$T/proxy.port")
wait_for 20 test -s "$T/ami.port" || { echo "Bail out! the AMI peer did not start"; cat "$T/peer.log"; exit 1; }
AMI=127.0.0.1:$(cat "$T/ami.port")

# relay ARGS...: exec the relay (run it in a subshell or as a background job,
# so that $! is the relay itself)
relay() {
	exec "$RELAY" --ami "$AMI" --ami-user relay --server "$VIA" --cacert "$CACERT" \
		--queue-map "$T/queues" --agent-map "$T/agents" "$@"
}

# Secret files: mode 0600 or the relay does not start.
cp "$T/ami.secret" "$T/open.secret" && chmod 644 "$T/open.secret"
(relay --ami-secret-file "$T/open.secret" --token-file "$T/token") >/dev/null 2>"$T/open.err"
st=$?
check "a secret file readable by others stops the relay" test "$st" -ne 0
expect_match "...with a message naming the file" "$(cat "$T/open.err")" "open\.secret.*0644.*0600"
cp "$T/token" "$T/open.token" && chmod 640 "$T/open.token"
(relay --ami-secret-file "$T/ami.secret" --token-file "$T/open.token") >/dev/null 2>"$T/opentok.err"
st=$?
check "so does a token file readable by the group" test "$st" -ne 0
expect_match "...naming it" "$(cat "$T/opentok.err")" "open\.token.*0640"
check "neither message shows the secret or the token" \
	sh -c "! grep -qF -e '$SECRET' -e '$PBX' '$T/open.err' '$T/opentok.err'"
(relay) >/dev/null 2>"$T/noarg.err"
check "the secrets are files, not arguments" grep -q -- "--ami-secret-file" "$T/noarg.err"
check "--help explains the mapping" sh -c "'$RELAY' --help | grep -q QueueCallerJoin"

# A wrong AMI secret: refused by the PBX, the relay stops and says so.
timeout 20 "$RELAY" --ami "$AMI" --ami-user relay --server "$URL" --cacert "$CACERT" \
	--ami-secret-file "$T/wrong.secret" --token-file "$T/token" >/dev/null 2>"$T/wrong.err"
st=$?
expect_eq "a refused AMI login stops the relay (status 3)" "$st" 3
expect_match "...and says why" "$(cat "$T/wrong.err")" "refused the login of relay: Authentication failed"

# The real run.
relay --ami-secret-file "$T/ami.secret" --token-file "$T/token" >/dev/null 2>"$T/relay.log" &
RELAY_PID=$!

# call_field CALL-ID JQ-FIELD: the field of that call in /api/v1/calls (as sophie).
call_field() {
	curl -sS --cacert "$CACERT" -H "Authorization: Bearer $SOPHIE" "$URL/api/v1/calls" |
		jq -r --arg c "$1" ".items[] | select(.call_id == \$c) | $2"
}
call_is() { [ "$(call_field "$1" "$2")" = "$3" ]; }
call_gone() { curl -sSf --cacert "$CACERT" -H "Authorization: Bearer $SOPHIE" "$URL/api/v1/calls" >"$T/calls" &&
	! jq -e --arg c "$1" '.items[] | select(.call_id == $c)' "$T/calls" >/dev/null; }
A=1700000000.1 B=1700000000.3 C=1700000000.5 U=1700000000.7 D=1700000001.1

check "the relay logs in with the call and agent events" wait_for 20 grep -q "session 1 events=call,agent" "$T/peer.log"
check "the first call waits in etat-civil" wait_for 20 call_is "$A" '.state + " " + .service' "queued etat-civil"
expect_eq "...from the caller's number in E.164" "$(call_field "$A" .from)" "+33199887766"
expect_eq "...which finds the citizen" "$(call_field "$A" .citizen_id)" "$LUCIE"
expect_match "...at the time the PBX gave" "$(call_field "$A" .started_at)" '^20[0-9-]{8}T'
check "the second call waits too" wait_for 20 call_is "$B" .state queued
expect_eq "...with no number for an anonymous caller" "$(call_field "$B" .from)" null
check "a call for a service guichetd does not know is refused and logged" \
	wait_for 20 grep -q "queued call $C service=no-such-service -> refused 422: service: no such service, dropped" "$T/relay.log"
check "...and the relay goes on" kill -0 "$RELAY_PID"
expect_eq "a queue missing from the map is not relayed" "$(call_field "$U" .id)" ""
check "...and the relay says so once" grep -q "queue parking is not in --queue-map" "$T/relay.log"

touch "$T/go2"
check "the abandoned call ends" wait_for 20 call_gone "$B"
expect_eq "the first call was answered by alice" "$(call_field "$A" '.state + " " + .agent')" "answered alice"
expect_match "...with an answer time" "$(call_field "$A" .answered_at)" '^20'
check "...was offered to her first (ringing)" grep -q "ringing call $A agent=alice -> 200" "$T/relay.log"

touch "$T/go3"
check "when the caller hangs up, the call ends" wait_for 20 call_gone "$A"
check "the refused call's later events are not sent" \
	wait_for 20 grep -q "ended call $C: not sent" "$T/relay.log"

# The link to guichetd goes down too: the next call's event gets no answer
# and is sent again, with the same Idempotency-Key, once guichetd is back.
touch "$T/cut" "$T/drop"
check "the relay sees the link drop" wait_for 20 grep -q "AMI link .*connection closed by the PBX; reconnecting" "$T/relay.log"
check "...and logs in again" wait_for 20 grep -q "session 2 events=call,agent" "$T/peer.log"
check "the next event gets no answer and is retried" \
	wait_for 20 grep -q "queued call $D service=etat-civil -> no answer: .*retrying" "$T/relay.log"
rm -f "$T/cut"
check "a call after the reconnection arrives once guichetd is back" wait_for 40 call_is "$D" '.state + " " + .service' "queued etat-civil"
check "the relay is still running" kill -0 "$RELAY_PID"
expect_eq "...and was sent once" "$(grep -c "queued call $D .*-> 201" "$T/relay.log")" 1

expect_eq "one log line per event relayed" "$(grep -Ec -- '-> 20[01]$' "$T/relay.log")" 7
check "the AMI secret never appears in the relay's log" sh -c "! grep -qF -- '$SECRET' '$T/relay.log' '$T/wrong.err'"
check "nor does the token" sh -c "! grep -qF -- '$PBX' '$T/relay.log' '$T/wrong.err'"

echo "1..$TAP_N"
