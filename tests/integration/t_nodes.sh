# Two guichetd nodes over one PostgreSQL database (a private cluster): an
# event written on one reaches a stream on the other; a node killed with
# SIGKILL loses no event: its reader resumes on the other node with
# Last-Event-ID and gets each missed event once; one node at a time routes
# chat offers, and the other takes over when it dies; collision marks and
# stream tickets hold across nodes; both nodes' writes keep one audit chain.
. "$(dirname "$0")/lib.bash"
pg_start && GUICHETD_STORE=$(pg_db nodes_$$) || { not_ok "a PostgreSQL database"; exit 1; }
export GUICHETD_STORE
start_server --offer-timeout 20 --heartbeat 1 # node A seeds the demo data
A_URL=$URL A_CA=$CACERT A_PID=$SERVER_PID
# node B: its own data directory, with the audit key every node shares
mkdir -m 700 "$T/dataB"
cp "$DATA/audit.key" "$T/dataB/audit.key"
start_b() {
	rm -f "$T/readyB.json"
	"$GUICHETD" --demo --data "$T/dataB" --listen "127.0.0.1:${1:-0}" --ready-file "$T/readyB.json" \
		--quiet --offer-timeout 20 --heartbeat 1 >>"$T/serverB.log" 2>&1 &
	B_PID=$!
	wait_for 60 test -s "$T/readyB.json" || { sed 's/^/# /' "$T/serverB.log"; exit 1; }
	B_URL=$(jq -r .url "$T/readyB.json") B_CA=$(jq -r .cacert "$T/readyB.json")
}
start_b
trap 'kill -KILL $B_PID 2>/dev/null; finish' EXIT
on() { URL=$1 CACERT=$2; }
on_a() { on "$A_URL" "$A_CA"; }
on_b() { on "$B_URL" "$B_CA"; }
ids() { grep '^id: ' "$1" | cut -d' ' -f2; }
# follow NODE TOKEN FILE [LAST-ID]: a stream on that node; prints its pid
follow() {
	local url=$1 ca=$2 tok=$3 file=$4 extra=()
	[ -n "${5:-}" ] && extra=(-H "Last-Event-ID: $5")
	curl -sS -N --cacert "$ca" -H "Authorization: Bearer $tok" "${extra[@]}" "$url/api/v1/events" \
		>"$file" 2>/dev/null &
	echo $!
}

on_a
SOPHIE=$(login sophie)
ALICE=$(login alice)
check "a session opened on one node works on the other" sh -c \
	"curl -sSf --cacert '$B_CA' -H 'Authorization: Bearer $SOPHIE' '$B_URL/api/v1/me' >/dev/null"

# --- an event crosses nodes ---------------------------------------------------
S1=$(follow "$A_URL" "$A_CA" "$SOPHIE" "$T/s1")
wait_for 10 grep -q connected "$T/s1"
on_b
TOKEN=$SOPHIE
jreq POST /api/v1/citizens '{"given_name":"Inès","family_name":"Deux-Nœuds"}' >/dev/null
CID=$(jbody .id)
check "a write on node B reaches a stream on node A" wait_for 10 grep -q 'event: citizen.created' "$T/s1"
LAST=$(ids "$T/s1" | tail -1)

# --- node A killed: its reader resumes on node B ----------------------------------
kill -KILL "$A_PID"
wait "$A_PID" 2>/dev/null
SERVER_PID=
check "the stream ends with its node" wait_for 10 sh -c "! kill -0 $S1 2>/dev/null"
for n in 1 2 3; do
	jreq POST /api/v1/interactions "{\"citizen_id\":$CID,\"channel\":\"sms\",\"direction\":\"out\",\"summary\":\"SMS $n\"}" >/dev/null
done
S2=$(follow "$B_URL" "$B_CA" "$SOPHIE" "$T/s2" "$LAST")
check "resuming on node B with Last-Event-ID delivers what was missed" \
	wait_for 10 sh -c "[ \$(grep -c 'event: interaction.created' '$T/s2') -ge 3 ]"
kill "$S2"
all=$( (ids "$T/s1"; ids "$T/s2") )
expect_eq "no event is doubled across the two nodes" "$(echo "$all" | sort -n | uniq -d | wc -l)" 0
first=$(echo "$all" | head -1)
last=$(echo "$all" | tail -1)
expect_eq "none is lost" "$(echo "$all" | wc -l | tr -d ' ')" $((last - first + 1))

# --- routing: node B takes the lead of the dead node A ----------------------------
TOKEN=$ALICE
expect_eq "alice becomes available (on node B)" "$(jreq PUT /api/v1/me/presence '{"presence":"available"}')" 200
AL=$(follow "$B_URL" "$B_CA" "$ALICE" "$T/alice")
wait_for 10 grep -q connected "$T/alice"
TOKEN=
jreq POST /public/v1/chats '{"name":"Zoé","subject":"Cantine","text":"Bonjour, comment inscrire mon fils à la cantine ?"}' >/dev/null
CHAT=$(jbody .id)
CT=$(jbody .token)
check "with node A dead, node B routes: the chat is offered to alice" \
	wait_for 20 grep -q "event: offer" "$T/alice"

# node A back: two nodes, and still one offer at a time
start_server --offer-timeout 20 --heartbeat 1
A_URL=$URL A_CA=$CACERT A_PID=$SERVER_PID
TOKEN=$ALICE
on_a
expect_eq "alice accepts on node A the offer node B made" "$(req POST /api/v1/chats/$CHAT/accept)" 200
on_b
expect_eq "...and accepting it again on node B is a conflict" "$(req POST /api/v1/chats/$CHAT/accept)" 409
offers=$(grep -A1 'event: offer' "$T/alice" | grep data | grep -Ec "\"id\": ?$CHAT[,}]")
expect_eq "the chat was offered once, not once per node" "$offers" 1

# --- a stream ticket made by one node opens on the other --------------------------
on_a
TOKEN=$CT
expect_eq "the chat token buys a ticket on node A" "$(req POST /public/v1/chats/$CHAT/ticket)" 201
TICKET=$(jbody .ticket)
curl -sS -N --cacert "$B_CA" "$B_URL/public/v1/chats/$CHAT/events?ticket=$TICKET&after=0" >"$T/c1" 2>/dev/null &
CS=$!
check "...which opens the chat's stream on node B" wait_for 10 grep -q 'event: chat.status' "$T/c1"
kill "$CS"

# --- collision marks across nodes ---------------------------------------------------
on_a
TOKEN=$ALICE
jreq PUT /api/v1/cases/5/viewing '{"mode":"writing"}' >/dev/null
on_b
TOKEN=$SOPHIE
jreq PUT /api/v1/cases/5/viewing '{"mode":"viewing"}' >/dev/null
expect_eq "sophie on node B sees alice writing on node A" \
	"$(jbody '[.viewers[] | .login + ":" + .mode] | join(",")')" "alice:writing,sophie:viewing"

# --- one audit chain ------------------------------------------------------------------
kill "$AL" 2>/dev/null
stop_server
kill -TERM "$B_PID"
wait_for 20 sh -c "! kill -0 $B_PID 2>/dev/null"
expect_match "the audit chain both nodes wrote verifies" \
	"$("$GUICHETD" audit verify --data "$DATA")" 'intact \([1-9][0-9]* records'
