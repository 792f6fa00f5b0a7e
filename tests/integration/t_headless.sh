# Headless mode: the desk's commands from a script (-e, --batch), their
# results as JSON, CSV or text, and the exit codes of guichet(1), against
# a real guichetd on loopback.  Also the outbox seen from outside: a note
# written while guichetd is down is kept, and reaches the server exactly
# once when it is back on the same address.
# stores: both (tests/run runs it again on PostgreSQL)
. "$(dirname "$0")/lib.bash"
GUICHET=${GUICHET:-$(pwd)/build/guichet}
start_server
ALICE=$(login alice)
export GUICHET_TOKEN=$ALICE XDG_CONFIG_HOME=$T/none XDG_STATE_HOME=$T/state
g() { "$GUICHET" --server "$URL" --cacert "$CACERT" "$@"; }
# for `gx … &`: guichet itself is the job ($! its pid, the kill for it)
gx() { exec "$GUICHET" --server "$URL" --cacert "$CACERT" "$@"; }

# --- reading: cases, a case, a citizen, a timeline, a search ------------------------
g -e 'cases status=open assignee=me limit=5' >"$T/out" 2>"$T/err"
expect_eq "cases: exit 0" "$?" 0
expect_eq "...one JSON record for the one command" "$(wc -l <"$T/out")" 1
expect_eq "...saying which line and command" "$(jq -c '[.line, .command, .ok]' "$T/out")" '[1,"cases",true]'
expect_eq "...at most the limit, all mine and open" \
	"$(jq '[.result[] | select(.assignee == "alice" and .status == "open")] | length' "$T/out")" \
	"$(jq '.result | length' "$T/out")"
check "...and there are some" test "$(jq '.result | length' "$T/out")" -ge 1
REF=$(jq -r '.result[0].ref' "$T/out")
CASE_ID=$(jq -r '.result[0].id' "$T/out")
CITIZEN=$(jq -r '.result[0].citizen_id' "$T/out")
TOKEN=$ALICE req GET "/api/v1/cases?status=open&assignee=alice&limit=5" >/dev/null
expect_eq "...the same cases the API lists" "$(jq -c '[.result[].id]' "$T/out")" "$(jq -c '[.items[].id]' "$T/body")"

g -e "open case $REF" >"$T/out"
expect_eq "open case by reference: the case" "$(jq -r '.result.id' "$T/out")" "$CASE_ID"
check "...with its history" test "$(jq '.result.events | length' "$T/out")" -ge 1

g -e "open citizen $CITIZEN" --format csv >"$T/out"
expect_eq "csv: the header of a citizen" "$(sed -n 1p "$T/out")" "id,given_name,family_name,birth_date,phones,emails"
expect_match "...and the citizen's row" "$(sed -n 2p "$T/out")" "^$CITIZEN,"

g -e "timeline $CITIZEN limit=3" --format text >"$T/out"
check "text: a timeline of at most 3 lines" test "$(wc -l <"$T/out")" -le 3 -a "$(wc -l <"$T/out")" -ge 1
expect_match "...tab-separated: at, kind, channel, case_ref, summary" "$(head -1 "$T/out")" \
	$'^20[0-9-]+T[0-9:]+Z\t(interaction|case_event)\t'

FAMILY=$(TOKEN=$ALICE req GET "/api/v1/citizens/$CITIZEN" >/dev/null; jbody .family_name)
g -e "search $FAMILY" --format csv >"$T/out"
check "search finds the citizen by name" grep -q "^$CITIZEN," "$T/out"

# A citizen's name with an escape sequence is printed harmless.
jreq POST /api/v1/citizens "$(printf '{"given_name":"Eve\\u001b]0;pwned\\u0007","family_name":"Terminal\\u009b31m"}')" \
	-H "Authorization: Bearer $ALICE" >/dev/null
EVE=$(jbody .id)
g -e "open citizen $EVE" --format text >"$T/out"
check "no escape byte from data reaches the output (text)" sh -c "! LC_ALL=C grep -q \"\$(printf '[\\033\\007]')\" '$T/out'"
check "...nor a C1 control (U+009B)" sh -c "! grep -q \"\$(printf '\\302\\233')\" '$T/out'"
g -e "open citizen $EVE" >"$T/out"
check "...nor in JSON" sh -c "! grep -q \"\$(printf '\\302\\233')\" '$T/out'"

# --- writing, from stdin ---------------------------------------------------------------
printf '# a comment, then a blank line\n\nopen case %s\nnote Rappelé, pièces reçues\nstatus pending-citizen\n' "$REF" |
	g --batch >"$T/out" 2>"$T/err"
expect_eq "batch: exit 0" "$?" 0
expect_eq "...three records, numbered by input line" "$(jq -c '[.line, .command]' "$T/out" | tr -d '\n')" \
	'[3,"open"][4,"note"][5,"status"]'
expect_eq "...the status result is the case, now pending-citizen" "$(jq -r 'select(.command=="status") | .result.status' "$T/out")" pending-citizen
TOKEN=$ALICE req GET "/api/v1/cases/$CASE_ID/events" >/dev/null
expect_eq "...the note is on the server, once" "$(jq '[.items[] | select(.kind=="note" and .data.text=="Rappelé, pièces reçues")] | length' "$T/body")" 1

g -e "new-case $CITIZEN etat-civil Demande d'acte, par script" -e "assign sophie" -e "transfer voirie" \
	-e "presence paused réunion" -e "presence available" >"$T/out" 2>"$T/err"
expect_eq "new-case, assign, transfer, presence: exit 0" "$?" 0
NEW=$(jq -r 'select(.command=="new-case") | .result.id' "$T/out")
expect_eq "...the new case is the citizen's, with the whole subject" \
	"$(jq -r 'select(.command=="new-case") | "\(.result.citizen_id) \(.result.subject)"' "$T/out")" "$CITIZEN Demande d'acte, par script"
TOKEN=$ALICE req GET "/api/v1/cases/$NEW" >/dev/null
expect_eq "...assigned to sophie" "$(jq -r 'select(.command=="assign") | .result.assignee' "$T/out")" sophie
expect_eq "...then transferred to voirie's queue (as the API says)" \
	"$(jbody '"\(.assignee) \(.service)"')" "null voirie"
expect_eq "...my presence went through paused, then available" \
	"$(jq -r 'select(.command=="presence") | .result.presence' "$T/out" | tr '\n' ' ')" "paused available "

# --- exit codes ----------------------------------------------------------------------------
g -e 'frobnicate' >"$T/out" 2>"$T/err"
expect_eq "an unknown command: exit 1" "$?" 1
expect_eq "...said on stderr as a JSON record" "$(jq -c '[.line, .ok, .error]' "$T/err")" '[1,false,"commande inconnue : frobnicate"]'
g -e "status nonsense" -e "open case $REF" >/dev/null 2>"$T/err"
expect_eq "a refused argument: exit 1, and the next command still runs" "$?" 1
g -e 'cases' --format yaml >/dev/null 2>&1
expect_eq "a bad option: exit 2" "$?" 2
GUICHET_TOKEN=not-a-session g -e 'cases' >/dev/null 2>"$T/err"
expect_eq "a refused session: exit 3" "$?" 3
env -u GUICHET_TOKEN XDG_STATE_HOME=$T/nostate "$GUICHET" --server "$URL" --cacert "$CACERT" -e cases \
	</dev/null >/dev/null 2>"$T/err"
expect_eq "no session at all: exit 3, no password asked" "$?" 3
check "...and says how to get one" grep -q "GUICHET_TOKEN" "$T/err"
DEAD=https://127.0.0.1:$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$GUICHET" --server "$DEAD" --cacert "$CACERT" -e cases >/dev/null 2>"$T/err"
expect_eq "guichetd unreachable, nothing queued: exit 4" "$?" 4

# --- a live chat: a citizen writes, the agent answers and ends it from a script ------------
g -e "presence available" >/dev/null
TOKEN= jreq POST /public/v1/chats '{"name":"Zoé","subject":"Cantine","text":"Bonjour, la cantine ?"}' >/dev/null
CHAT=$(jbody .id)
CHAT_TOKEN=$(jbody .token)
g -e "accept $CHAT" >"$T/out" 2>"$T/err"
expect_eq "alice takes the waiting chat from a script (accept N): exit 0" "$?" 0
expect_eq "...the server has it active, held by alice" \
	"$(TOKEN=$ALICE req GET "/api/v1/chats/$CHAT" >/dev/null; jbody '.status + " " + .agent')" "active alice"
g -e "accept $CHAT" >"$T/out" 2>"$T/err"
expect_eq "taking it again is refused" "$?" 1
check "...with the server's reason" grep -q "accept" "$T/err"
g -e "accept Zoé" >"$T/out" 2>"$T/err"
expect_eq "accept takes a chat number only" "$?" 1
check "...and says so" grep -q "un numéro" "$T/err"
printf 'open chat %s\nsay Bonjour Zoé, le formulaire est en ligne.\nend information\n' "$CHAT" |
	g --batch >"$T/out" 2>"$T/err"
expect_eq "open chat, say, end: exit 0" "$?" 0
expect_eq "...three results, each ok" "$(jq -c '[.command, .ok]' "$T/out" | tr -d '\n')" \
	'["open",true]["say",true]["end",true]'
TOKEN=$CHAT_TOKEN req GET "/public/v1/chats/$CHAT" >/dev/null
expect_eq "the citizen reads the agent's answer" \
	"$(jbody '[.messages[] | select(.text == "Bonjour Zoé, le formulaire est en ligne.")] | length')" 1
expect_eq "...and the chat is closed" "$(jbody .status)" closed
g -e "presence offline" >/dev/null

# --- the outbox: guichetd goes away while a script writes --------------------------------
PORT=${URL##*:}
mkfifo "$T/in" "$T/in2"

# guichetd stays away: the script ends saying what was not sent.
g --batch --wait=1 <"$T/in2" >"$T/out" 2>"$T/err" &
DESK=$!
exec 3>"$T/in2"
echo "open case $REF" >&3
wait_for 30 grep -q '"command":"open"' "$T/out"
stop_server
echo "note jamais envoyée" >&3
exec 3>&-
wait "$DESK"
expect_eq "changes left in the outbox at exit: exit 5" "$?" 5
expect_match "...each said on stderr, kept for the next start" "$(cat "$T/err")" \
	'non envoyé \((queued|sending)\), gardé pour le prochain démarrage : note'
check "...in a sealed file under \$XDG_DATA_HOME/guichet, its text not readable there" \
	sh -c "ls '$XDG_DATA_HOME'/guichet/outbox-*.journal && ! grep -rq 'jamais envoy' '$XDG_DATA_HOME'"
expect_eq "...the file and the key are the agent's alone (0600)" \
	"$(stat -c %a "$XDG_DATA_HOME"/guichet/outbox-*.journal "$XDG_DATA_HOME"/guichet/key | sort -u)" 600

# guichetd comes back on the same address: the next start sends it, once.
start_server --listen "127.0.0.1:$PORT" 3>&-
expect_eq "guichetd is back on the same address" "${URL##*:}" "$PORT"
note_count() {
	TOKEN=$ALICE req GET "/api/v1/cases/$CASE_ID/events" >/dev/null
	jq --arg t "$1" '[.items[] | select(.kind=="note" and .data.text==$t)] | length' "$T/body"
}
g --wait=30 -e outbox >"$T/out" 2>"$T/err"
expect_eq "the next run sends what the last one left, and ends with an empty outbox: exit 0" "$?" 0
expect_eq "...the note left by the last run reached the server once" "$(note_count 'jamais envoyée')" 1
g --wait=30 -e outbox >"$T/out" 2>"$T/err"
expect_eq "...and is not sent again by the run after" "$(note_count 'jamais envoyée')" 1

# guichetd goes away while a running script writes; it comes back while the
# script still runs: the note arrives, once.
g --batch --wait=60 <"$T/in" >"$T/out" 2>"$T/err" &
DESK=$!
exec 3>"$T/in"
echo "open case $REF" >&3
wait_for 30 grep -q '"command":"open"' "$T/out"
expect_eq "the case is open in the running script" "$(jq -r 'select(.command=="open") | .result.id' "$T/out")" "$CASE_ID"
stop_server
echo "note Écrit pendant la coupure" >&3
wait_for 60 grep -q '"command":"note"' "$T/out"
expect_eq "a note while guichetd is down is kept: queued, with its outbox number" \
	"$(jq -c 'select(.command=="note") | [.ok, .result.queued, (.result.outbox_id > 0)]' "$T/out")" '[true,true,true]'
echo "outbox" >&3
wait_for 30 grep -q '"command":"outbox"' "$T/out"
expect_eq "...the outbox lists it, waiting" "$(jq -c 'select(.command=="outbox") | [.result[] | [.kind, .state]]' "$T/out")" \
	'[["case.note","queued"]]'
start_server --listen "127.0.0.1:$PORT" 3>&- # (the script's stdin stays ours to close)
notes_on_server() {
	TOKEN=$ALICE req GET "/api/v1/cases/$CASE_ID/events" >/dev/null
	jq '[.items[] | select(.kind=="note" and .data.text=="Écrit pendant la coupure")] | length' "$T/body"
}
# The script sends nothing more: the desk's loop still turns while it waits
# for its next line, and the outbox's retry delivers the note meanwhile.
wait_for 60 test "$(notes_on_server)" -ge 1
expect_eq "...once guichetd is back, the note arrives while the script still waits for input" \
	"$(notes_on_server)" 1
echo "outbox" >&3
wait_for 30 test "$(grep -c '"command":"outbox"' "$T/out")" -ge 2
expect_eq "...the script's outbox is empty then" \
	"$(jq -c 'select(.command=="outbox") | .result | length' "$T/out" | tail -1)" 0
exec 3>&-
wait "$DESK"
expect_eq "...the script ends with an empty outbox: exit 0" "$?" 0
expect_eq "...and the note reached the server exactly once" "$(notes_on_server)" 1

# --- killed: guichet said "queued", then got SIGKILL; the next start sends it ------------
gx --batch <"$T/in" >"$T/out" 2>"$T/err" &
DESK=$!
exec 3>"$T/in"
echo "open case $REF" >&3
wait_for 30 grep -q '"command":"open"' "$T/out"
stop_server
echo "note Gardée malgré le kill" >&3
wait_for 60 grep -q '"command":"note"' "$T/out"
expect_eq "a note while guichetd is down: queued, on disk" \
	"$(jq -c 'select(.command=="note") | [.result.queued, .result.durable]' "$T/out")" '[true,true]'
kill -KILL "$DESK"
wait "$DESK" 2>/dev/null
expect_eq "...guichet itself was killed (SIGKILL)" "$?" 137
exec 3>&-
start_server --listen "127.0.0.1:$PORT" 3>&-
g --wait=30 -e outbox >"$T/out" 2>"$T/err"
expect_eq "after SIGKILL, the next run sends it: exit 0" "$?" 0
expect_eq "...the note reached the server exactly once" "$(note_count 'Gardée malgré le kill')" 1

# --- several notes in one script while guichetd is down: each is told at once ------------
# (--login says whose outbox and cache they are: guichetd cannot, being away)
stop_server
{ echo "open case $REF"; for i in 1 2 3; do echo "note Hors ligne $i"; done; } >"$T/three.in"
g --login alice --batch <"$T/three.in" >"$T/out" 2>"$T/err"
expect_eq "the case opened by its reference from the cache, three notes while guichetd is down: kept, exit 5" "$?" 5
expect_eq "...each is told it is queued, on its own line" \
	"$(jq -c 'select(.command=="note") | [.line, .ok, .result.queued]' "$T/out" | paste -sd ' ')" \
	'[2,true,true] [3,true,true] [4,true,true]'
check "...none is left waiting for an answer that cannot come" sh -c "! grep -q 'pas de réponse' '$T/err'"
start_server --listen "127.0.0.1:$PORT"
g --login alice --wait=30 -e outbox >"$T/out" 2>"$T/err"
expect_eq "...the next run sends them: exit 0" "$?" 0
TOKEN=$ALICE req GET "/api/v1/cases/$CASE_ID/events" >/dev/null
expect_eq "...each reached the server once, in the order they were written" \
	"$(jq -r '[.items[] | select(.kind=="note" and (.data.text | startswith("Hors ligne")))] | sort_by(.id) | map(.data.text) | join(",")' "$T/body")" \
	"Hors ligne 1,Hors ligne 2,Hors ligne 3"

# --- a long replay: 250 notes queued offline go in batches, the lists read once a run -----
metric() { # metric ROUTE: how many answers guichetd has given on that route
	req GET /metrics >/dev/null
	grep -F "guichetd_requests_total{route=\"$1\"" "$T/body" | awk '{ n += $NF } END { print n + 0 }'
}
stop_server
{ echo "open case $REF"; for i in $(seq 250); do echo "note Rafale $i"; done; } >"$T/burst.in"
g --login alice --batch <"$T/burst.in" >"$T/out" 2>"$T/err"
expect_eq "250 notes while guichetd is down: each told queued, exit 5" \
	"$? $(jq -s '[.[] | select(.command=="note" and .result.queued)] | length' "$T/out")" "5 250"
start_server --listen "127.0.0.1:$PORT"
b0=$(metric "POST /api/v1/batch") n0=$(metric "POST /api/v1/cases/{id}/notes") l0=$(metric "GET /api/v1/cases")
g --login alice --wait=60 -e outbox >"$T/out" 2>"$T/err"
expect_eq "...the next run sends them all: exit 0" "$?" 0
expect_eq "...in 3 batches (100, 100, 50), 250 notes" \
	"$(( $(metric "POST /api/v1/batch") - b0 )) $(( $(metric "POST /api/v1/cases/{id}/notes") - n0 ))" "3 250"
lists=$(( $(metric "GET /api/v1/cases") - l0 ))
check "...the work list is read a few times ($lists), not once a note (at most one per ten)" test "$lists" -le 25
TOKEN=$ALICE req GET "/api/v1/citizens/$(TOKEN=$ALICE req GET "/api/v1/cases/$CASE_ID" >/dev/null; jbody .citizen_id)/timeline?limit=500" >/dev/null
expect_eq "...each note once, in the order written" \
	"$(jq -r '[.items[] | select(.kind=="case_event" and .event=="note" and ((.data.text // "") | startswith("Rafale ")))] | sort_by(.id) | map(.data.text | ltrimstr("Rafale ")) | join(",")' "$T/body")" \
	"$(seq -s, 250)"

# --- the outbox sealed by a passphrase (set cache_passphrase yes, --passphrase-fd) ------
PD=$T/pass-data
printf 'set cache_passphrase yes\n' >"$T/pass.rc"
printf 'le bon mot de passe\n' >"$T/pass.good"
printf 'un autre mot de passe\n' >"$T/pass.bad"
gp() { XDG_DATA_HOME=$PD g -F "$T/pass.rc" --passphrase-fd 3 "$@"; }
mkfifo "$T/in3"
gp --batch --wait=1 <"$T/in3" >"$T/out" 2>"$T/err" 3<"$T/pass.good" &
DESK=$!
exec 4>"$T/in3"
echo "open case $REF" >&4
wait_for 30 grep -q '"command":"open"' "$T/out"
stop_server
echo "note Scellée par la phrase de passe" >&4
exec 4>&-
wait "$DESK"
expect_eq "passphrase from fd 3: a note while guichetd is down is kept: exit 5" "$?" 5
expect_eq "...queued, on disk" "$(jq -c 'select(.command=="note") | [.result.queued, .result.durable]' "$T/out")" \
	'[true,true]'
expect_eq "...the passphrase file is made, the agent's alone (0600); no key file" \
	"$(stat -c %a "$PD/guichet/passphrase") $(test -e "$PD/guichet/key" && echo key)" "600 "
check "...neither the passphrase nor the note is readable on disk" \
	sh -c "ls '$PD'/guichet/outbox-*.journal && ! grep -rq -e 'bon mot' -e 'Scell' '$PD'"
before=$(cd "$PD/guichet" && ls -la --time-style=full-iso . && sha256sum outbox-*)
gp --wait=30 -e outbox >"$T/out" 2>"$T/err" 3<"$T/pass.bad"
rc=$?
check "a wrong passphrase: guichet fails (status $rc)" test "$rc" -ne 0 -a "$rc" -ne 5
expect_eq "...says so, and nothing else" "$(cat "$T/err")" "guichet: phrase de passe incorrecte"
expect_eq "...runs no command" "$(cat "$T/out")" ""
expect_eq "...and leaves the outbox's directory as it was (no file touched, set aside or made)" \
	"$(cd "$PD/guichet" && ls -la --time-style=full-iso . && sha256sum outbox-*)" "$before"
start_server --listen "127.0.0.1:$PORT" 3>&-
gp --wait=30 -e outbox >"$T/out" 2>"$T/err" 3<"$T/pass.good"
expect_eq "the right passphrase: the next run sends the note: exit 0" "$?" 0
expect_eq "...it reached the server once" "$(note_count 'Scellée par la phrase de passe')" 1

# --- the example scripts of contrib/examples -----------------------------------------------
# (they find guichetd as an agent's guichet does: in guichetrc)
export GUICHET XDG_CONFIG_HOME=$T/config
mkdir -p "$T/config/guichet"
printf 'set server %s\nset cacert %s\n' "$URL" "$CACERT" >"$T/config/guichet/guichetrc"
EX=$(dirname "$0")/../../contrib/examples
sh "$EX/overdue-report.sh" >"$T/report" 2>"$T/err"
expect_eq "overdue-report: exit 0" "$?" 0
expect_eq "...a CSV header" "$(head -1 "$T/report")" "service,overdue"
NOW=$(date -u +%Y-%m-%dT%H:%M:%SZ)
TOKEN=$ALICE req GET "/api/v1/cases?status=open&limit=500" >/dev/null
expect_eq "...the overdue open cases by service, as the API counts them" \
	"$(sed 1d "$T/report" | tr '\n' ' ')" \
	"$(jq -r --arg now "$NOW" '[.items[] | select(.due_at != null and .due_at < $now) | .service] | group_by(.) | map("\(.[0]),\(length)") | .[]' "$T/body" | sort | tr '\n' ' ')"
SERVICE=$(TOKEN=$ALICE req GET "/api/v1/cases?status=open&assignee=alice&limit=1" >/dev/null; jbody '.items[0].service')
BEFORE=$(TOKEN=$ALICE req GET "/api/v1/cases?status=open&assignee=alice&service=$SERVICE&limit=500" >/dev/null; jbody '.items | length')
sh "$EX/bulk-reassign.sh" alice sophie "$SERVICE" >"$T/out" 2>"$T/err"
expect_eq "bulk-reassign: exit 0" "$?" 0
expect_eq "...says how many" "$(cat "$T/out")" "$BEFORE case(s) reassigned from alice to sophie"
TOKEN=$ALICE req GET "/api/v1/cases?status=open&assignee=alice&service=$SERVICE&limit=500" >/dev/null
expect_eq "...none of alice's open $SERVICE cases is left" "$(jbody '.items | length')" 0
