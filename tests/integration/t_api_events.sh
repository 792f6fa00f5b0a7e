# The event stream: every write emits its event; a reader resumes after a
# dropped connection with Last-Event-ID and gets every event once, in order;
# what a reader may see is filtered by role and service; keep-alives flow.
. "$(dirname "$0")/lib.bash"
start_server --heartbeat 1
ALICE=$(login alice)
SOPHIE=$(login sophie)

ids() { grep '^id: ' "$1" | cut -d' ' -f2; }

S1=$(stream "$SOPHIE" "$T/s1")
wait_for 10 grep -q connected "$T/s1"
ok "the stream opens with a comment line"
TOKEN=$SOPHIE
jreq POST /api/v1/citizens '{"given_name":"Ana","family_name":"Sousa"}' >/dev/null
CID=$(jbody .id)
check "a write reaches the open stream" wait_for 10 grep -q 'event: citizen.created' "$T/s1"
LAST=$(ids "$T/s1" | tail -1)
kill "$S1"
# While nobody listens, three more writes.
for n in 1 2 3; do
	jreq POST /api/v1/interactions "{\"citizen_id\":$CID,\"channel\":\"sms\",\"direction\":\"out\",\"summary\":\"SMS $n\"}" >/dev/null
done
S2=$(stream "$SOPHIE" "$T/s2" "$LAST")
check "resuming with Last-Event-ID delivers what was missed" \
	wait_for 10 sh -c "[ \$(grep -c 'event: interaction.created' '$T/s2') -ge 3 ]"
jreq POST /api/v1/interactions "{\"citizen_id\":$CID,\"channel\":\"sms\",\"direction\":\"out\",\"summary\":\"SMS 4\"}" >/dev/null
check "...then goes on live" wait_for 10 sh -c "[ \$(grep -c 'event: interaction.created' '$T/s2') -ge 4 ]"
kill "$S2"
all=$( (ids "$T/s1"; ids "$T/s2") )
expect_eq "no event is doubled" "$(echo "$all" | sort -n | uniq -d | wc -l)" 0
expect_eq "ids only go up" "$(echo "$all" | sort -n | tr '\n' ' ')" "$(echo "$all" | tr '\n' ' ')"
first=$(echo "$all" | head -1)
last=$(echo "$all" | tail -1)
expect_eq "no event is lost between the two connections" "$(echo "$all" | wc -l | tr -d ' ')" $((last - first + 1))

# Keep-alive comments on an idle stream.
S3=$(stream "$ALICE" "$T/s3")
check "an idle stream gets keep-alive comments" wait_for 10 grep -q 'keep-alive' "$T/s3"

# Filtering: a chat routed to voirie is not shown to alice (not in voirie),
# but is to the supervisor.
S4=$(stream "$SOPHIE" "$T/s4")
wait_for 10 grep -q connected "$T/s4"
TOKEN=
jreq POST /public/v1/chats '{"service":"voirie","text":"Un lampadaire est tombé"}' >/dev/null
check "the supervisor sees the new voirie chat" wait_for 10 grep -q 'event: chat.created' "$T/s4"
jreq POST /public/v1/chats '{"service":"etat-civil","text":"Acte de mariage"}' >/dev/null
check "alice sees the new etat-civil chat" wait_for 10 grep -q 'event: chat.created' "$T/s3"
expect_eq "alice saw only her service's chat" "$(grep -c 'event: chat.created' "$T/s3")" 1
kill "$S3" "$S4"

TOKEN=$ALICE
expect_eq "a bad Last-Event-ID is 400" "$(req GET /api/v1/events -H 'Last-Event-ID: abc')" 400
TOKEN=
expect_eq "the stream needs a token" "$(req GET /api/v1/events)" 401

# A stream does not outlive its session: after a logout, or once the agent
# is disabled, the server ends it (checked every two heartbeats).
ALICE2=$(login alice)
S5=$(stream "$ALICE2" "$T/s5")
wait_for 10 grep -q connected "$T/s5"
TOKEN=$ALICE2
expect_eq "logout" "$(req DELETE /api/v1/auth/token)" 204
check "the stream opened with that session ends" wait_for 15 sh -c "! kill -0 $S5 2>/dev/null"
KARIM=$(login karim)
S6=$(stream "$KARIM" "$T/s6")
wait_for 10 grep -q connected "$T/s6"
"$GUICHETD" agent disable karim --data "$DATA" >/dev/null 2>&1
check "the stream of an agent who is disabled ends" wait_for 15 sh -c "! kill -0 $S6 2>/dev/null"
kill "$S5" "$S6" 2>/dev/null
true
