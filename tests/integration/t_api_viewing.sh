# Collision marks: an agent who opens a case or a citizen's file, or writes
# in it, is seen by the others (in the answer and as an event); leaving
# removes the mark; marks name real records only and bad modes are refused.
# stores: both (tests/run runs it again on PostgreSQL)
. "$(dirname "$0")/lib.bash"
start_server
ALICE=$(login alice)
SOPHIE=$(login sophie)

SSE=$(stream "$SOPHIE" "$T/sophie.sse")
wait_for 10 grep -q connected "$T/sophie.sse"

TOKEN=$ALICE
expect_eq "alice marks case 5 as open" "$(jreq PUT /api/v1/cases/5/viewing '{"mode":"viewing"}')" 200
expect_eq "the answer lists her mark" "$(jbody '[.viewers[] | .agent // .login] | join(",")')" alice
expect_match "the answer says how long a mark lasts" "$(jbody .ttl)" '^[0-9]+$'
check "sophie's stream gets the viewing event" wait_for 10 grep -q 'event: viewing' "$T/sophie.sse"
expect_match "...naming alice and the case" "$(grep -A1 'event: viewing' "$T/sophie.sse" | tail -1)" \
	'"target": *"case".*"id": *5.*"agent": *"alice".*"mode": *"viewing"'

TOKEN=$SOPHIE
jreq PUT /api/v1/cases/5/viewing '{"mode":"writing"}' >/dev/null
expect_eq "sophie writing in the same case sees both marks" \
	"$(jbody '[.viewers[] | .login + ":" + .mode] | join(",")')" "alice:viewing,sophie:writing"

TOKEN=$ALICE
expect_eq "alice leaves the case" "$(req DELETE /api/v1/cases/5/viewing)" 204
check "the others are told she left" \
	wait_for 10 grep -q '"agent": *"alice", *"mode": *"left"' "$T/sophie.sse"
TOKEN=$SOPHIE
jreq PUT /api/v1/cases/5/viewing '{"mode":"viewing"}' >/dev/null
expect_eq "her mark is gone" "$(jbody '[.viewers[].login] | join(",")')" sophie

expect_eq "a citizen's file can be marked too" \
	"$(jreq PUT /api/v1/citizens/3/viewing '{"mode":"viewing"}')" 200
expect_eq "a record that does not exist cannot" \
	"$(jreq PUT /api/v1/cases/999999999/viewing '{"mode":"viewing"}')" 404
expect_eq "an unknown mode is refused" \
	"$(jreq PUT /api/v1/cases/5/viewing '{"mode":"spying"}')" 422
expect_match "...with a problem that says why" "$(jbody .detail)" mode
TOKEN=
expect_eq "marks need a session" "$(jreq PUT /api/v1/cases/5/viewing '{"mode":"viewing"}')" 401
kill "$SSE"
echo "1..$TAP_N"
