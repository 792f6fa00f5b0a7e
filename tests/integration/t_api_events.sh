# The event stream: every write emits its event; a reader resumes after a
# dropped connection with Last-Event-ID and gets every event once, in order;
# what a reader may see is filtered by role and service; keep-alives flow.
# Events past --events-retention are purged; a resume point whose following
# events are gone gets 410 with the newest id; ids never go back.
# stores: both (tests/run runs it again on PostgreSQL)
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

# --- retention ------------------------------------------------------------
# Events are made old by moving their time back in the database while
# guichetd is stopped; the purge at start-up then takes them.

sql() { store_sql "$1"; }
newest() { TOKEN= req GET /healthz >/dev/null && jbody .last_event; }
MONTH=$((30 * 86400))

TOKEN=
jreq POST /public/v1/chats '{"service":"etat-civil","text":"Acte de naissance"}' >/dev/null
OLD_CHAT=$(jbody .id)
OLD_CHAT_TOKEN=$(jbody .token)
FIRST=$(sql "SELECT min(seq) FROM events")
OLD_NEWEST=$(newest)
stop_server
sql "UPDATE events SET at = at - $MONTH; UPDATE chats SET created_at = created_at - $MONTH WHERE id = $OLD_CHAT" >/dev/null
start_server --heartbeat 1
expect_eq "the start-up purge takes the events past the retention (168 hours)" \
	"$(sql "SELECT count(*) FROM events")" 0
expect_eq "the newest id is still known with no event kept" "$(newest)" "$OLD_NEWEST"

TOKEN=$SOPHIE
expect_eq "resuming from a purged id is 410" \
	"$(req GET /api/v1/events -m 10 -H "Last-Event-ID: $FIRST")" 410
expect_eq "...as problem+json" "$(header Content-Type)" "application/problem+json"
expect_eq "...titled" "$(jbody .title)" "Event history gone"
expect_eq "...of type gone" "$(jbody .type)" "https://guichet.invalid/problems/gone"
expect_eq "...with last_event = the newest id" "$(jbody .last_event)" "$OLD_NEWEST"
expect_eq "?after=0 asks for a history no longer whole: 410" \
	"$(req GET "/api/v1/events?after=0" -m 10)" 410

S7=$(stream "$SOPHIE" "$T/s7" "$OLD_NEWEST")
check "resuming from the newest id streams as before" wait_for 10 grep -q connected "$T/s7"
jreq POST /api/v1/interactions "{\"citizen_id\":$CID,\"channel\":\"sms\",\"direction\":\"out\",\"summary\":\"SMS 5\"}" >/dev/null
check "...and delivers the next event" wait_for 10 grep -q 'event: interaction.created' "$T/s7"
kill "$S7"
NEXT=$(ids "$T/s7" | head -1)
check "an event after the purge gets an id above every earlier one" test "$NEXT" -gt "$OLD_NEWEST"

TOKEN=$OLD_CHAT_TOKEN
expect_eq "a citizen's chat older than the purge: ?after=0 is 410" \
	"$(req GET "/public/v1/chats/$OLD_CHAT/events?after=0" -m 10)" 410
expect_eq "...with last_event" "$(jbody .last_event)" "$(newest)"
TOKEN=
jreq POST /public/v1/chats '{"service":"etat-civil","text":"Livret de famille"}' >/dev/null
NEW_CHAT=$(jbody .id)
curl -sS -N --cacert "$CACERT" -H "Authorization: Bearer $(jbody .token)" \
	"$URL/public/v1/chats/$NEW_CHAT/events?after=0" >"$T/c1" 2>/dev/null &
C1=$!
check "a chat begun after the purge still replays from ?after=0" \
	wait_for 10 grep -q 'event: chat.status' "$T/c1"
kill "$C1"

# A partial purge: the boundary is exact.
TOKEN=$SOPHIE
for n in 6 7 8; do
	jreq POST /api/v1/interactions "{\"citizen_id\":$CID,\"channel\":\"sms\",\"direction\":\"out\",\"summary\":\"SMS $n\"}" >/dev/null
done
K=$(sql "SELECT seq FROM events ORDER BY seq LIMIT 1 OFFSET 1")
stop_server
sql "UPDATE events SET at = at - $MONTH WHERE seq <= $K" >/dev/null
start_server --heartbeat 1 --events-retention 1
expect_eq "--events-retention 1: the events older than an hour go, the others stay" \
	"$(sql "SELECT min(seq) FROM events")" $((K + 1))
S8=$(stream "$SOPHIE" "$T/s8" "$K")
check "resuming just before the oldest kept event streams" wait_for 10 grep -q '^id: ' "$T/s8"
kill "$S8"
expect_eq "...from the oldest kept event" "$(ids "$T/s8" | head -1)" $((K + 1))
expect_eq "resuming one before that is 410" \
	"$(req GET /api/v1/events -m 10 -H "Last-Event-ID: $((K - 1))")" 410
expect_eq "...with last_event = the newest id" "$(jbody .last_event)" "$(newest)"

# After a restart the ring holds only the newest 4096 events: a resume
# point older than that is served from the database, every event once,
# with a purge boundary below it.
stop_server
if [ -n "${GUICHETD_STORE:-}" ]; then
	# PostgreSQL gives seqs from event_tail (store_pg_schema.c)
	sql "WITH t AS (UPDATE event_tail SET last_seq = last_seq + 6000 RETURNING last_seq)
	     INSERT INTO events(seq, type, data, staff, at)
	     SELECT t.last_seq - 6000 + n, 'test.bulk', '{\"n\":' || (n - 1) || '}', 1,
	            extract(epoch FROM now())::bigint FROM t, generate_series(1, 6000) n" >/dev/null
else
	python3 - "$DATA/guichet.db" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1])
now = int(time.time())
c.executemany("INSERT INTO events(type, data_json, staff, at) VALUES('test.bulk', ?, 1, ?)",
              (('{"n":%d}' % n, now) for n in range(6000)))
c.commit()
PY
fi
start_server --heartbeat 1 --events-retention 1
FROM=$(( $(newest) - 6000 ))
S9=$(stream "$SOPHIE" "$T/s9" "$FROM")
check "a resume point behind the ring gets every event from the database" \
	wait_for 30 sh -c "[ \$(grep -c '^id: ' '$T/s9') -ge 6000 ]"
kill "$S9"
expect_eq "...each once, none skipped" "$(ids "$T/s9" | uniq | wc -l | tr -d ' ')-$(ids "$T/s9" | head -1)-$(ids "$T/s9" | tail -1)" \
	"6000-$((FROM + 1))-$((FROM + 6000))"

# 0 keeps every event.
KEPT=$(sql "SELECT count(*) FROM events")
stop_server
sql "UPDATE events SET at = at - $MONTH" >/dev/null
start_server --heartbeat 1 --events-retention 0
expect_eq "--events-retention 0 keeps every event" "$(sql "SELECT count(*) FROM events")" "$KEPT"
expect_eq "--events-retention takes hours, not words" \
	"$("$GUICHETD" serve --data "$T/none" --events-retention soon >/dev/null 2>&1; echo $?)" 2
true
