# POST /api/v1/batch over real HTTPS: a desk's outbox replayed in one
# request; each item is the single request it stands for (same answer,
# same Idempotency-Key, same rights, same audit), the run stops at the
# first refusal, and a malformed or unbatchable batch does nothing.
# stores: both (tests/run runs it again on PostgreSQL)
. "$(dirname "$0")/lib.bash"
start_server

ALICE=$(login alice)
SOPHIE=$(login sophie)
TOKEN=$ALICE
req GET '/api/v1/cases?assignee=me&status=open&limit=1' >/dev/null
CASE=$(jbody '.items[0].id')
NOTES=/api/v1/cases/$CASE/notes

# item PATH KEY BODY: one batch item (the body is the raw JSON text)
item() { jq -cn --arg p "$1" --arg k "$2" --arg b "$3" '{method:"POST",path:$p,idempotency_key:$k,body:$b}'; }
# batch ITEM...: the batch body
batch() { printf '%s\n' "$@" | jq -cs '{requests:.}'; }
# notes PREFIX: the texts of the case's notes starting with PREFIX, oldest first
notes() {
	local t=$TOKEN
	TOKEN=$ALICE
	req GET "/api/v1/cases/$CASE/events" >/dev/null
	TOKEN=$t
	jbody "[.items[] | select(.kind==\"note\") | .data.text | select(startswith(\"$1\"))] | reverse | join(\"|\")"
}
# audited: how many case.note records the audit log holds for the case
audited() {
	local t=$TOKEN
	TOKEN=$SOPHIE
	req GET '/api/v1/audit?actor=alice&limit=1000' >/dev/null
	TOKEN=$t
	jbody "[.items[] | select(.action==\"case.note\" and .target_id==$CASE)] | length"
}

# --- a batch of notes ---------------------------------------------------------
AUDITED=$(audited)
S1=$(stream "$SOPHIE" "$T/s1")
wait_for 10 grep -q '^:' "$T/s1"
B1=$(batch "$(item $NOTES b1-k0 '{"text":"b1-0"}')" "$(item $NOTES b1-k1 '{"text":"b1-1"}')" \
	"$(item $NOTES b1-k2 '{"text":"b1-2"}')")
expect_eq "a batch of 3 notes is 200" "$(jreq POST /api/v1/batch "$B1")" 200
expect_eq "...with 3 answers 201" "$(jbody '[.responses[].status] | join(",")')" 201,201,201
expect_eq "...each the created note" "$(jbody '[.responses[].body.text] | join(",")')" b1-0,b1-1,b1-2
expect_match "...with its Location" "$(jbody '.responses[0].location')" "^/api/v1/cases/$CASE/events/[0-9]+$"
IDS=$(jbody '[.responses[].body.id] | join(",")')
expect_eq "the case holds the 3 notes, in order" "$(notes b1-)" "b1-0|b1-1|b1-2"
expect_eq "the notes are audited like single ones" "$(audited)" $((AUDITED + 3))
N0=$(echo "$IDS" | cut -d, -f1)
check "other desks hear of the notes" wait_for 10 grep -q "\"note_id\":$N0" "$T/s1"
kill "$S1"

expect_eq "the same batch again is 200" "$(jreq POST /api/v1/batch "$B1")" 200
expect_eq "...with the same answers" "$(jbody '[.responses[].body.id] | join(",")')" "$IDS"
expect_eq "...and no new note" "$(notes b1-)" "b1-0|b1-1|b1-2"
expect_eq "...nor audit record" "$(audited)" $((AUDITED + 3))

# --- an item and a single request with the same key are the same request ------
expect_eq "a single request with a key used in a batch (same bytes) is 201" \
	"$(jreq POST $NOTES '{"text":"b1-1"}' -H 'Idempotency-Key: b1-k1')" 201
expect_eq "...the stored answer" "$(jbody .id)" "$(echo "$IDS" | cut -d, -f2)"
expect_eq "...no duplicate" "$(notes b1-)" "b1-0|b1-1|b1-2"
expect_eq "a single note first" "$(jreq POST $NOTES '{"text":"s1"}' -H 'Idempotency-Key: s1-k')" 201
SINGLE=$(jbody .id)
expect_eq "...then in a batch with the same key and bytes" \
	"$(jreq POST /api/v1/batch "$(batch "$(item $NOTES s1-k '{"text":"s1"}')" "$(item $NOTES s2-k '{"text":"s2"}')")")" 200
expect_eq "...answers the single request's answer, then runs the next" \
	"$(jbody '[.responses[] | "\(.status):\(.body.text)"] | join(",")') $(jbody '.responses[0].body.id')" \
	"201:s1,201:s2 $SINGLE"
expect_eq "...no duplicate" "$(notes s)" "s1|s2"
expect_eq "a key reused for other bytes in a batch" \
	"$(jreq POST /api/v1/batch "$(batch "$(item $NOTES s1-k '{"text":"other"}')")")" 200
expect_eq "...is that item's 422" "$(jbody '[.responses[].status] | join(",")')" 422

# --- the run stops at the first refusal -----------------------------------------
B2=$(batch "$(item $NOTES f-k0 '{"text":"f-0"}')" "$(item /api/v1/cases/999999999/notes f-k1 '{"text":"f-1"}')" \
	"$(item $NOTES f-k2 '{"text":"f-2"}')")
expect_eq "a batch whose 2nd item is refused is 200" "$(jreq POST /api/v1/batch "$B2")" 200
expect_eq "...with 2 answers: 201, then the refusal" "$(jbody '[.responses[].status] | join(",")')" 201,404
expect_eq "...the refusal is a problem" "$(jbody '.responses[1].body.status')" 404
expect_eq "...the 1st note is kept, the 3rd not run" "$(notes f-)" "f-0"
expect_eq "an empty note as 2nd item" \
	"$(jreq POST /api/v1/batch "$(batch "$(item $NOTES e-k0 '{"text":"e-0"}')" "$(item $NOTES e-k1 '{"text":""}')" "$(item $NOTES e-k2 '{"text":"e-2"}')")"; jbody '[.responses[].status] | join(",")')" \
	"200201,422"
expect_eq "...keeps the 1st note only" "$(notes e-)" "e-0"
expect_eq "the refused item's key is free again: fixed, it runs" \
	"$(jreq POST /api/v1/batch "$(batch "$(item $NOTES e-k1 '{"text":"e-1"}')")"; jbody '.responses[0].status')" 200201
expect_eq "...and the run goes on where it stopped" "$(notes e-)" "e-0|e-1"

# --- rights: what she could not post alone -------------------------------------
TOKEN=$SOPHIE
req GET '/api/v1/cases?service=voirie&limit=1' >/dev/null
VOIRIE=$(jbody '.items[0].id')
TOKEN=$ALICE
expect_eq "alice may not post a note on a voirie case alone" \
	"$(jreq POST /api/v1/cases/$VOIRIE/notes '{"text":"v-0"}')" 403
expect_eq "...nor in a batch" \
	"$(jreq POST /api/v1/batch "$(batch "$(item /api/v1/cases/$VOIRIE/notes v-k0 '{"text":"v-0"}')")"; jbody '[.responses[].status] | join(",")')" \
	200403
TOKEN=$SOPHIE
expect_eq "...nothing was written there" \
	"$(req GET /api/v1/cases/$VOIRIE/events >/dev/null; jbody '[.items[] | select(.kind=="note" and .data.text=="v-0")] | length')" 0
TOKEN=$ALICE

# --- other batchable writes -------------------------------------------------------
req GET /api/v1/cases/$CASE >/dev/null
CID=$(jbody .citizen_id)
expect_eq "an interaction in a batch" \
	"$(jreq POST /api/v1/batch "$(batch "$(item /api/v1/interactions i-k0 "{\"citizen_id\":$CID,\"channel\":\"counter\",\"direction\":\"in\",\"summary\":\"Visite en lot\"}")")"; jbody '.responses[0].status')" \
	200201
expect_match "...with its Location" "$(jbody '.responses[0].location')" '^/api/v1/interactions/[0-9]+$'

# --- refused as a whole: nothing runs ---------------------------------------------
many=$(for i in $(seq 101); do item $NOTES "m-k$i" "{\"text\":\"m-$i\"}"; done | jq -cs '{requests:.}')
expect_eq "101 items is 422" "$(jreq POST /api/v1/batch "$many")" 422
expect_eq "...a problem" "$(header Content-Type)" "application/problem+json"
expect_eq "no item is 422" "$(jreq POST /api/v1/batch '{"requests":[]}')" 422
expect_eq "...nothing written" "$(notes m-)" ""
ok_item=$(item $NOTES w-k0 '{"text":"w-0"}')
for bad in "PATCH /api/v1/cases/$CASE" "GET /api/v1/cases" "POST /api/v1/batch" "POST /api/v1/cases" \
	"GET /api/v1/events" "POST /api/v1/nowhere"; do
	expect_eq "$bad is not batchable: 422" \
		"$(jreq POST /api/v1/batch "$(batch "$ok_item" "$(jq -cn --arg m "${bad% *}" --arg p "${bad#* }" '{method:$m,path:$p,idempotency_key:"w-k1",body:"{}"}')")"; jbody .title)" \
		"422Not batchable"
done
expect_match "...naming the item" "$(jbody .detail)" '^requests\[1\]: '
expect_eq "a path with a query string is 422" \
	"$(jreq POST /api/v1/batch "$(batch "$ok_item" "$(item "$NOTES?x=1" w-k1 '{"text":"w-1"}')")")" 422
for bad in '{"method":"POST","path":"'$NOTES'","body":"{\"text\":\"w\"}"}' \
	'{"method":"POST","path":"'$NOTES'","idempotency_key":"w-k1","body":{"text":"w"}}' \
	'{"method":"POST","path":"'$NOTES'","idempotency_key":"w-k1","body":"{}","headers":{}}' \
	'{"method":"POST","path":"'$NOTES'","idempotency_key":"w k1","body":"{}"}' \
	'{"method":"POST","path":"'$NOTES'","idempotency_key":"","body":"{}"}' \
	'"POST '$NOTES'"'; do
	expect_eq "a malformed item is 422 naming it: $bad" \
		"$(jreq POST /api/v1/batch "{\"requests\":[$ok_item,$bad]}"; jbody .detail | cut -c1-11)" \
		"422requests[1]"
done
expect_eq "a member besides requests is 422" \
	"$(jreq POST /api/v1/batch "{\"requests\":[$ok_item],\"atomic\":true}")" 422
expect_eq "a batch that is not JSON is 400" "$(jreq POST /api/v1/batch '{"requests":[')" 400
expect_eq "...none of them wrote anything" "$(notes w-)" ""
TOKEN=
expect_eq "no token is 401" "$(jreq POST /api/v1/batch "$(batch "$ok_item")")" 401
TOKEN=$ALICE
expect_eq "...nothing written" "$(notes w-)" ""

# --- metrics: an item counts as a request of its route -----------------------------
# (the one note refused with a 404 was an item: no single request had one)
expect_eq "the items are counted under their route" \
	"$(curl -sS --cacert "$CACERT" "$URL/metrics" | grep -F 'route="POST /api/v1/cases/{id}/notes",status="404"')" \
	'guichetd_requests_total{route="POST /api/v1/cases/{id}/notes",status="404"} 1'
