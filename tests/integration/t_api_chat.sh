# Live chat end to end, and calls from telephony events: a citizen starts a
# chat, routing offers it to an available agent with the skill, the agent
# accepts and answers, the answer reaches the citizen's stream, the chat is
# closed and the survey answered.  Declined or expired offers move on.
# stores: both (tests/run runs it again on PostgreSQL)
. "$(dirname "$0")/lib.bash"
start_server --offer-timeout 2
ALICE=$(login alice)
SOPHIE=$(login sophie)

TOKEN=$ALICE
expect_eq "alice becomes available" "$(jreq PUT /api/v1/me/presence '{"presence":"available"}')" 200
A1=$T/alice.events
curl -sS -N --cacert "$CACERT" -H "Authorization: Bearer $ALICE" "$URL/api/v1/events" >"$A1" &
wait_for 10 grep -q connected "$A1"

TOKEN=
st=$(jreq POST /public/v1/chats '{"name":"Zoé","subject":"Cantine","text":"Bonjour, comment inscrire mon fils à la cantine ?"}')
expect_eq "a citizen starts a chat without an account" "$st" 201
CHAT=$(jbody .id)
CT=$(jbody .token)
expect_eq "the keyword rule routed it to affaires-scolaires" "$(jbody .service)" affaires-scolaires
expect_eq "it waits first in the queue" "$(jbody .queue_position)" 1
C1=$T/citizen.events
curl -sS -N --cacert "$CACERT" -H "Authorization: Bearer $CT" "$URL/public/v1/chats/$CHAT/events" >"$C1" &
wait_for 10 grep -q connected "$C1"

check "the chat is offered to alice" wait_for 10 grep -q "event: offer" "$A1"
expect_match "the offer names the chat" "$(grep -A1 'event: offer' "$A1" | grep data | tail -1)" "\"id\": ?$CHAT"

TOKEN=$CT
expect_eq "a chat token cannot read another chat" "$(req GET /public/v1/chats/$((CHAT + 1000)))" 403
expect_eq "a chat token cannot reach the agent API" "$(req GET /api/v1/me)" 403
TOKEN=$SOPHIE
expect_eq "nobody writes in a chat before it is accepted" \
	"$(req POST /api/v1/chats/$CHAT/messages -H 'Content-Type: application/json' --data-binary '{"text":"x"}')" 409
TOKEN=$ALICE
expect_eq "alice accepts" "$(req POST /api/v1/chats/$CHAT/accept)" 200
expect_eq "the chat is active" "$(jbody .status)" active
expect_eq "accepting twice is a conflict" "$(req POST /api/v1/chats/$CHAT/accept)" 409
expect_eq "alice answers" \
	"$(jreq POST /api/v1/chats/$CHAT/messages '{"text":"Bonjour Zoé, je regarde cela tout de suite."}')" 201
check "the answer reaches the citizen's stream" wait_for 10 grep -q 'je regarde cela' "$C1"
check "the citizen saw the chat become active" wait_for 10 grep -q '"status": *"active"' "$C1"
TOKEN=$CT
expect_eq "the citizen writes" "$(jreq POST /public/v1/chats/$CHAT/messages '{"text":"Merci !"}')" 201
check "alice sees the citizen's message" wait_for 10 grep -q 'Merci !' "$A1"
expect_eq "the survey waits for the end" "$(jreq POST /public/v1/chats/$CHAT/survey '{"csat":5}')" 409
TOKEN=$ALICE
expect_eq "a chat is not filed under an unknown case" \
	"$(jreq POST /api/v1/chats/$CHAT/close '{"wrapup_code":"information","case_id":999999}')" 422
expect_match "...and says so" "$(jbody .detail)" 'no case'
expect_eq "alice closes with a wrap-up code" "$(jreq POST /api/v1/chats/$CHAT/close '{"wrapup_code":"information"}')" 200
check "the citizen is told, with a survey" wait_for 10 grep -q '"survey": *true' "$C1"
TOKEN=$CT
expect_eq "the citizen answers the survey" "$(jreq POST /public/v1/chats/$CHAT/survey '{"csat":5,"nps":9}')" 201
expect_eq "only once" "$(jreq POST /public/v1/chats/$CHAT/survey '{"csat":1}')" 409
expect_eq "the citizen can read the whole conversation" "$(req GET /public/v1/chats/$CHAT)" 200
expect_eq "...three messages" "$(jbody '.messages | length')" 3
expect_eq "a closed chat takes no more messages" "$(jreq POST /public/v1/chats/$CHAT/messages '{"text":"?"}')" 409

# Decline and expiry: the next chat is declined by alice, then offered again
# after the others; with nobody else available, it comes back to her.
TOKEN=
jreq POST /public/v1/chats '{"service":"etat-civil","text":"Acte de décès"}' >/dev/null
CHAT2=$(jbody .id)
check "the second chat is offered to alice" wait_for 10 sh -c "grep -c 'event: offer' '$A1' | grep -q 2"
TOKEN=$ALICE
expect_eq "alice declines" "$(req POST /api/v1/chats/$CHAT2/decline)" 200
expect_eq "the chat waits again" "$(jbody .status)" queued
check "with nobody else free it comes back to her" wait_for 15 sh -c "grep -c 'event: offer' '$A1' | grep -q 3"
check "an offer nobody takes expires and is made again" wait_for 15 sh -c "grep -c 'event: offer' '$A1' | grep -q 4"

# Calls: a PBX bridge posts telephony events with a service token.
PBX=$("$GUICHETD" token create pbx --data "$DATA")
expect_match "the admin command prints a token once" "$PBX" '^[A-Za-z0-9_-]{43}$'
TOKEN=$ALICE
jreq POST /api/v1/citizens '{"given_name":"Paul","family_name":"Durand","phones":["+33145454545"]}' >/dev/null
PAUL=$(jbody .id)
TOKEN=$PBX
expect_eq "a ringing call is created" \
	"$(jreq POST /api/v1/telephony/events '{"call_id":"c-1","event":"ringing","from":"01 45 45 45 45","service":"etat-civil"}')" 201
expect_eq "the caller's number finds the citizen" "$(jbody .citizen_id)" "$PAUL"
expect_eq "the service token cannot read citizens" "$(req GET /api/v1/citizens/$PAUL)" 403
TOKEN=$ALICE
req POST /api/v1/chats/$CHAT2/decline >/dev/null
CALL=$(curl -sS --cacert "$CACERT" -H "Authorization: Bearer $ALICE" "$URL/api/v1/calls" | jq -r '.items[] | select(.call_id=="c-1") | .id')
check "the call is offered to alice" wait_for 15 grep -q "\"kind\": *\"call\"" "$A1"
expect_eq "alice takes the call" "$(req POST /api/v1/calls/$CALL/accept)" 200
expect_eq "the call is answered by alice" "$(jbody .agent)" alice
TOKEN=$PBX
expect_eq "the PBX says it ended" "$(jreq POST /api/v1/telephony/events '{"call_id":"c-1","event":"ended"}')" 200
expect_match "the call has an end" "$(jbody .ended_at)" '^20'
expect_eq "an event after the end is a conflict" "$(jreq POST /api/v1/telephony/events '{"call_id":"c-1","event":"answered"}')" 409
TOKEN=$SOPHIE
expect_eq "the monitor counts today's calls" "$(req GET /api/v1/monitor >/dev/null; jbody .today.calls_answered)" 1
expect_eq "...and today's satisfaction" "$(jbody .today.csat_avg)" 5
