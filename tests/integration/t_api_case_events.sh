# Who hears of a case: by default every agent hears of every case's
# changes and notes (a town hall's desks all show them); with
# --case-events service, the case's service, its assignee and the
# supervisors only, and a change of service or assignee reaches all.
# A stream's events come in id order, so a later event seen proves that
# an earlier one was not skipped or was not sent.
# stores: both (tests/run runs it again on PostgreSQL)
. "$(dirname "$0")/lib.bash"
start_server
TOKEN=$(login sophie)
SOPHIE=$TOKEN
jreq POST /api/v1/citizens '{"given_name":"Gaëlle","family_name":"Texier"}' >/dev/null
CID=$(jbody .id)
new_case() {
	jreq POST /api/v1/cases "{\"citizen_id\":$CID,\"service\":\"$1\",\"subject\":\"$2\",\"assignee\":\"$3\"}" >/dev/null
	jbody .id
}
VOIRIE=$(new_case voirie "Nid-de-poule rue Haute" karim)
ETAT=$(new_case etat-civil "Copie d'acte de naissance" nadia)
note() { jreq POST "/api/v1/cases/$1/notes" "{\"text\":\"$2\"}" >/dev/null; jbody .note_id; }
# has FILE CASE KIND: the stream in FILE got a case.KIND event for CASE
has() { grep -A2 "^event: case\.$3\$" "$1" | grep -q "\"case_id\": *$2\b\|\"id\": *$2\b"; }
heard() { wait_for 10 has "$@"; }

A=$(login alice)
S1=$(stream "$A" "$T/a1")
wait_for 10 grep -q connected "$T/a1"
note "$VOIRIE" "par défaut" >/dev/null
check "by default an agent hears of a note on another service's case" heard "$T/a1" "$VOIRIE" note
kill "$S1"
stop_server

start_server --case-events service
A=$(login alice)
K=$(login karim)
N=$(login nadia)
TOKEN=$(login sophie)
SA=$(stream "$A" "$T/a")
SK=$(stream "$K" "$T/k")
SN=$(stream "$N" "$T/n")
SS=$(stream "$TOKEN" "$T/s")
for f in a k n s; do wait_for 10 grep -q connected "$T/$f"; done

note "$VOIRIE" "voirie seulement" >/dev/null
check "the service's agent hears of the note" heard "$T/k" "$VOIRIE" note
check "the supervisor hears of it" heard "$T/s" "$VOIRIE" note
note "$ETAT" "état civil seulement" >/dev/null
check "alice hears of a note in her service" heard "$T/a" "$ETAT" note
check "...and nadia, its assignee" heard "$T/n" "$ETAT" note
check "alice did not hear of the voirie note before it" sh -c "! grep -q '\"case_id\": *$VOIRIE\b' '$T/a'"

# Assigned outside its service: the assignee hears of it.
jreq POST "/api/v1/cases/$VOIRIE/transfer" '{"agent":"alice"}' >/dev/null
check "a reassignment reaches every agent (the one it leaves too)" heard "$T/k" "$VOIRIE" transferred
check "karim did not hear of the état civil note before it" sh -c "! grep -q '\"case_id\": *$ETAT\b' '$T/k'"
check "...and the one it goes to" heard "$T/a" "$VOIRIE" transferred
check "...and the others" heard "$T/n" "$VOIRIE" transferred
note "$VOIRIE" "pour alice" >/dev/null
check "the assignee from another service hears of its notes" heard "$T/a" "$VOIRIE" note
check "...and the service still does" heard "$T/k" "$VOIRIE" note
note "$ETAT" "repère" >/dev/null
check "nadia's stream went on" wait_for 10 sh -c "[ \$(grep -c '\"case_id\": *$ETAT\b' '$T/n') -ge 2 ]"
expect_eq "nadia heard of no voirie note" "$(grep -A2 '^event: case.note$' "$T/n" | grep -c "\"case_id\": *$VOIRIE\b")" 0

# Moved to another service: the old one hears it leave, then no more.
jreq POST "/api/v1/cases/$VOIRIE/transfer" '{"service":"etat-civil","agent":null}' >/dev/null
check "a transfer reaches the service it leaves" wait_for 10 sh -c \
	"[ \$(grep -c '^event: case.transferred' '$T/k') -ge 2 ]"
note "$VOIRIE" "en état civil" >/dev/null
check "the new service hears of its notes" wait_for 10 sh -c \
	"[ \$(grep -A2 '^event: case.note\$' '$T/n' | grep -c '\"case_id\": *$VOIRIE\b') -ge 1 ]"
jreq POST /api/v1/cases "{\"citizen_id\":$CID,\"service\":\"voirie\",\"subject\":\"Trottoir\",\"assignee\":\"karim\"}" >/dev/null
MARK=$(jbody .id)
check "karim hears of a new voirie case" heard "$T/k" "$MARK" created
expect_eq "karim did not hear of the moved case's note" \
	"$(grep -A2 '^event: case.note$' "$T/k" | grep -c "\"case_id\": *$VOIRIE\b")" 2
kill "$SA" "$SK" "$SN" "$SS"
