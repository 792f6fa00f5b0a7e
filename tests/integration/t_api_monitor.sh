# The supervisor's monitor and actions: the snapshot's queue statistics
# (service level, abandons), commitments and satisfaction move with what
# happens; a supervisor sets an agent's presence, skills and chats, each
# audited and told at once on the agent's event stream; an agent may not.
# stores: both (tests/run runs it again on PostgreSQL)
. "$(dirname "$0")/lib.bash"
start_server
ALICE=$(login alice)
SOPHIE=$(login sophie)
NADIA=$(login nadia)
PBX=$("$GUICHETD" token create pbx --data "$DATA")
# stat SERVICE CHANNEL FIELD: a queue_stats figure of the last snapshot (0 when no row)
stat() { jq -r --arg s "$1" --arg c "$2" \
	"[.queue_stats[] | select(.service == \$s and .channel == \$c) | .$3][0] // 0" "$T/body"; }

TOKEN=$ALICE
expect_eq "an agent may not read the monitor" "$(req GET /api/v1/monitor)" 403
expect_eq "...it is a problem+json" "$(header Content-Type)" application/problem+json
expect_eq "an agent may not set another's presence" \
	"$(jreq PUT /api/v1/agents/nadia/presence '{"presence":"offline"}')" 403
expect_eq "an agent may not change skills" "$(jreq PATCH /api/v1/agents/nadia '{"services":[]}')" 403
expect_eq "an agent may not reassign a chat" "$(jreq POST /api/v1/chats/1/reassign '{"agent":"alice"}')" 403

TOKEN=$SOPHIE
expect_eq "the supervisor reads the monitor" "$(req GET /api/v1/monitor)" 200
for m in today agents services queues queue_stats commitments satisfaction latest_comments \
	target_s short_abandon_s horizon_at sl_definition; do
	expect_eq "the snapshot has $m" "$(jbody "has(\"$m\")")" true
done
expect_eq "the target defaults to 20 s" "$(jbody .target_s)" 20
expect_eq "short abandons default to 5 s" "$(jbody .short_abandon_s)" 5
expect_match "the service level is defined in words" "$(jbody .sl_definition)" 'within 20 s.*5 s'
expect_match "due soon is counted to a horizon" "$(jbody .horizon_at)" '^20[0-9]{2}-'
expect_eq "commitments count what is overdue, as today's figures do" \
	"$(jbody '[.commitments.services[].overdue] | add')" "$(jbody .today.cases_overdue)"
if [ "$(jbody .today.cases_overdue)" -gt 0 ]; then
	expect_eq "the most urgent case is an overdue one" "$(jbody '.commitments.cases[0].overdue')" true
else
	ok "no overdue case in the demo data # SKIP"
fi
expect_eq "the urgent cases carry no citizen" \
	"$(jbody '[.commitments.cases[] | keys[]] | unique | map(select(test("citizen|name|email|phone"))) | length')" 0
expect_eq "a target of 0 is refused" "$(req GET '/api/v1/monitor?target=0')" 400
expect_eq "...as problem+json" "$(header Content-Type)" application/problem+json
expect_eq "a target that is no number is refused" "$(req GET '/api/v1/monitor?target=abc')" 400
expect_eq "a short abandon past 600 s is refused" "$(req GET '/api/v1/monitor?short_abandon=601')" 400
req GET '/api/v1/monitor?short_abandon=0' >/dev/null
CHATS0=$(stat affaires-scolaires chat offered)
ANS0=$(stat affaires-scolaires chat answered)
CALLS0=$(stat etat-civil phone offered)
AB0=$(stat etat-civil phone abandoned)

# A chat: waiting, then answered in time.
TOKEN=$ALICE
expect_eq "alice becomes available" "$(jreq PUT /api/v1/me/presence '{"presence":"available"}')" 200
A1=$T/alice.events
stream "$ALICE" "$A1" >/dev/null
N1=$T/nadia.events
stream "$NADIA" "$N1" >/dev/null
wait_for 10 grep -q connected "$A1"
wait_for 10 grep -q connected "$N1"
TOKEN=
jreq POST /public/v1/chats '{"name":"Zoé Petit","email":"zoe@example.org","subject":"Cantine","text":"Inscrire mon fils à la cantine"}' >/dev/null
CHAT=$(jbody .id)
CT=$(jbody .token)
TOKEN=$SOPHIE
req GET /api/v1/monitor >/dev/null
expect_eq "the chat is counted offered" "$(stat affaires-scolaires chat offered)" $((CHATS0 + 1))
expect_eq "...and waiting" "$(stat affaires-scolaires chat waiting)" 1
check "the chat is offered to alice" wait_for 10 grep -q "event: offer" "$A1"
TOKEN=$ALICE
expect_eq "alice accepts" "$(req POST /api/v1/chats/$CHAT/accept)" 200
TOKEN=$SOPHIE
req GET /api/v1/monitor >/dev/null
expect_eq "the chat is counted answered" "$(stat affaires-scolaires chat answered)" $((ANS0 + 1))
expect_eq "...nobody waits" "$(stat affaires-scolaires chat waiting)" 0
expect_match "...the service level is a fraction" "$(stat affaires-scolaires chat service_level)" '^(0|1|0\.[0-9]+)$'

# The supervisor gives the chat to nadia: both desks are told.
expect_eq "a chat goes to an unknown agent: no" "$(jreq POST /api/v1/chats/$CHAT/reassign '{"agent":"nobody"}')" 422
expect_eq "no such chat" "$(jreq POST /api/v1/chats/999999/reassign '{"agent":"nadia"}')" 404
expect_eq "sophie gives alice's chat to nadia" "$(jreq POST /api/v1/chats/$CHAT/reassign '{"agent":"nadia"}')" 200
expect_eq "...it stays active" "$(jbody .status)" active
expect_eq "...with nadia" "$(jbody .agent)" nadia
expect_eq "giving it to nadia again is a conflict" "$(jreq POST /api/v1/chats/$CHAT/reassign '{"agent":"nadia"}')" 409
check "nadia's stream is told" wait_for 10 grep -q "event: chat.reassigned" "$N1"
check "alice's stream is told" wait_for 10 grep -q "event: chat.reassigned" "$A1"
TOKEN=$NADIA
expect_eq "nadia closes it" "$(jreq POST /api/v1/chats/$CHAT/close '{"wrapup_code":"information"}')" 200
TOKEN=$CT
expect_eq "the citizen answers the survey with a comment" \
	"$(jreq POST /public/v1/chats/$CHAT/survey '{"csat":4,"nps":10,"comment":"Rapide et clair"}')" 201
TOKEN=$SOPHIE
req GET /api/v1/monitor >/dev/null
expect_eq "the comment is the latest" "$(jbody '.latest_comments[0].comment')" "Rapide et clair"
expect_eq "...with its service" "$(jbody '.latest_comments[0].service')" affaires-scolaires
expect_eq "...and no name nor email" "$(body | grep -c -e 'Zoé Petit' -e 'zoe@example.org')" 0
expect_eq "the survey counts in satisfaction" \
	"$(jbody '.satisfaction[] | select(.service == "affaires-scolaires") | .answers_today >= 1')" true
expect_match "the handle time is known" "$(stat affaires-scolaires chat aht_s)" '^[0-9]+$'

# A call hung up before an answer: abandoned, and counted in the service
# level when short abandons are not set apart.
TOKEN=$PBX
jreq POST /api/v1/telephony/events '{"call_id":"m-1","event":"ringing","from":"0600000000","service":"etat-civil"}' >/dev/null
expect_eq "the caller hangs up" "$(jreq POST /api/v1/telephony/events '{"call_id":"m-1","event":"ended"}')" 200
TOKEN=$SOPHIE
req GET '/api/v1/monitor?short_abandon=0' >/dev/null
expect_eq "the call is counted offered" "$(stat etat-civil phone offered)" $((CALLS0 + 1))
expect_eq "...and abandoned" "$(stat etat-civil phone abandoned)" $((AB0 + 1))
expect_eq "the service level is answered in target / (answered + abandoned - short abandons)" \
	"$(jbody '[.queue_stats[] | select(.answered + .abandoned - .short_abandons > 0) |
		(.service_level - .answered_in_target / (.answered + .abandoned - .short_abandons)) |
		fabs < 0.001] | all')" true
expect_eq "...null when nothing counts" \
	"$(jbody '[.queue_stats[] | select(.answered + .abandoned - .short_abandons == 0) | .service_level == null] | all')" true
req GET /api/v1/monitor >/dev/null
expect_match "with 5 s the quick hang-up is a short abandon" "$(stat etat-civil phone short_abandons)" '^[1-9]'

# Presence set by the supervisor: told to alice, audited.
expect_eq "sophie pauses alice" "$(jreq PUT /api/v1/agents/alice/presence '{"presence":"paused","reason":"formation"}')" 200
expect_eq "...alice is paused" "$(jbody .presence)" paused
expect_eq "a presence not in the list is refused" "$(jreq PUT /api/v1/agents/alice/presence '{"presence":"asleep"}')" 422
expect_eq "an unknown agent's presence" "$(jreq PUT /api/v1/agents/nobody/presence '{"presence":"busy"}')" 422
check "alice's stream is told" wait_for 10 grep -q '"by": *"sophie"' "$A1"
TOKEN=$ALICE
req GET /api/v1/me >/dev/null
expect_eq "alice sees herself paused" "$(jbody .presence)" paused
TOKEN=$SOPHIE
req GET '/api/v1/audit?actor=sophie&limit=50' >/dev/null
expect_eq "the audit log has it, sophie as actor" \
	"$(jbody '[.items[] | select(.action == "agent.presence")] | length > 0')" true

# A waiting chat given to nadia is offered to her.
TOKEN=
jreq POST /public/v1/chats '{"subject":"Cantine","text":"Les menus de la cantine"}' >/dev/null
CHAT2=$(jbody .id)
TOKEN=$SOPHIE
expect_eq "sophie gives a waiting chat to nadia" "$(jreq POST /api/v1/chats/$CHAT2/reassign '{"agent":"nadia"}')" 200
expect_eq "...it is offered to her" "$(jbody .status),$(jbody .offered_to)" offered,nadia
check "nadia's stream has the offer" wait_for 10 grep -q "event: offer" "$N1"
TOKEN=$NADIA
expect_eq "nadia takes it" "$(req POST /api/v1/chats/$CHAT2/accept)" 200
TOKEN=$SOPHIE

# Skills: an unknown slug changes nothing.
expect_eq "an unknown service is refused" "$(jreq PATCH /api/v1/agents/alice '{"services":["etat-civil","nowhere"]}')" 422
expect_match "...naming it" "$(jbody .detail)" nowhere
req GET /api/v1/agents >/dev/null
expect_eq "...and nothing changed" "$(jbody '.items[] | select(.login == "alice") | .services | length')" 3
expect_eq "more than 64 is refused" \
	"$(jreq PATCH /api/v1/agents/alice "{\"services\":[$(seq -s, 1 65 | sed 's/[0-9]*/"x"/g')]}")" 422
expect_eq "an empty list is taken" "$(jreq PATCH /api/v1/agents/alice '{"services":[]}')" 200
expect_eq "sophie moves alice to etat-civil only" "$(jreq PATCH /api/v1/agents/alice '{"services":["etat-civil"]}')" 200
expect_eq "...it is so" "$(jbody '.services | join(",")')" etat-civil
check "alice's stream is told" wait_for 10 grep -q "event: agent.skills" "$A1"
req GET '/api/v1/audit?actor=sophie&limit=50' >/dev/null
expect_eq "...audited" "$(jbody '[.items[] | select(.action == "agent.skills")] | length')" 2

# A case given to another agent by the supervisor reaches that agent.
req GET '/api/v1/cases?status=new&limit=1' >/dev/null
CASE=$(jbody '.items[0].id')
req GET /api/v1/cases/$CASE >/dev/null
V=$(jbody .version)
expect_eq "sophie gives a case to nadia" \
	"$(jreq PATCH /api/v1/cases/$CASE '{"assignee":"nadia"}' -H "If-Match: \"$V\"")" 200
check "nadia's stream is told" wait_for 10 grep -q "\"assignee\": *\"nadia\"" "$N1"
