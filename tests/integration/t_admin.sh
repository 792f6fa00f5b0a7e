# guichetd's administration commands on a real data directory: init, agent,
# service, token; and the audit chain: intact, purged whole and carried on
# from its anchor, then edited, then cut.
# stores: both
. "$(dirname "$0")/lib.bash"
D=$T/admin
G() { "$GUICHETD" "$@" --data "$D"; }

check "init creates a data directory" G init
expect_eq "the data directory is private" "$(stat -c %a "$D")" 700
expect_eq "the CA key is 0600" "$(stat -c %a "$D/ca-key.pem")" 600
expect_eq "the server key is 0600" "$(stat -c %a "$D/server-key.pem")" 600
expect_eq "the audit key is 0600" "$(stat -c %a "$D/audit.key")" 600
check "init again keeps everything" G init
check "add a service" G service add voirie "Voirie" --keywords "nid de poule,trottoir"
expect_match "a bad SLA is refused" "$(G service add x "X" --sla '{"answer":{"default":"vite"}}' 2>&1)" 'duration'
check "add an agent, password from standard input" sh -c "echo 's3cret-pass' | '$GUICHETD' agent add bob --services voirie --data '$D'"
expect_match "an unknown service is refused" \
	"$(echo pw | G agent add eve --services nowhere 2>&1)" 'unknown service'
expect_match "agents are listed" "$(G agent list)" 'bob +agent'
TOK=$(G token create bob)
expect_match "token create prints a token" "$TOK" '^[A-Za-z0-9_-]{43}$'
# every byte the store holds: the SQLite files (with the WAL), or
# PostgreSQL's dump
store_bytes() { if [ -n "${GUICHETD_STORE:-}" ]; then pg_dump -a "$GUICHETD_STORE"; else cat "$D"/guichet.db*; fi; }
holds() { store_bytes | grep -a -q -- "$1"; }
lacks() { ! holds "$1"; }
check "the store can be read whole" holds bob
check "no token is stored in clear" lacks "$TOK"
check "no password is stored in clear" lacks s3cret-pass

DATA=$D
start_server
TOKEN=$TOK
expect_eq "the token works" "$(req GET /api/v1/me)" 200
jreq POST /api/v1/citizens '{"given_name":"Ana","family_name":"Lima"}' >/dev/null
CIT=$(jbody .id)
req GET /api/v1/citizens/$CIT >/dev/null
# Many reads at once: their audit records are committed in groups, and the
# chain must come out whole.
seq 1000 | xargs -P 32 -I{} curl -sS -o /dev/null --cacert "$CACERT" \
	-H "Authorization: Bearer $TOKEN" "$URL/api/v1/citizens/$CIT"
check "disable bob" G agent disable bob
expect_eq "a disabled agent's token stops working" "$(req GET /api/v1/me)" 401
stop_server

expect_match "the audit chain verifies, after 1000 concurrent reads" "$(G audit verify)" 'intact'
expect_match "...each of them recorded" \
	"$(store_sql "SELECT count(*) FROM audit WHERE action = 'citizen.read'")" \
	'^(100[1-9]|10[1-9][0-9]|1[1-9][0-9]{2})$'
# --- a purge that takes every record: the chain goes on from its anchor -------
# Every record is made two years old (the trigger that keeps the log
# append-only dropped, as only this test may), then purged.
if [ -n "${GUICHETD_STORE:-}" ]; then
	store_sql "DROP TRIGGER audit_no_update ON audit" >/dev/null
else
	store_sql "DROP TRIGGER audit_no_update" >/dev/null
fi
ALL=$(store_sql "UPDATE audit SET at = at - 2 * 366 * 86400; SELECT count(*) FROM audit")
expect_eq "audit purge takes every record older than a year" "$(G audit purge)" \
	"guichetd: $ALL audit records older than 365 days purged"
expect_eq "...none is left" "$(store_sql "SELECT count(*) FROM audit")" 0
expect_match "an emptied log verifies" "$(G audit verify)" 'intact'
echo pw | G agent add carla --services voirie >/dev/null
TOKEN=$(G token create carla)
start_server
req GET /api/v1/citizens/$CIT >/dev/null
expect_eq "after the purge, a citizen's file is read" "$(req GET /api/v1/citizens/$CIT)" 200
stop_server
expect_match "the records written after the purge verify" "$(G audit verify)" 'intact'
FIRST=$(store_sql "SELECT min(id) FROM audit")
expect_eq "...the first of them chained to the purge's anchor" \
	"$(store_sql "SELECT count(*) FROM audit a, audit_anchor n WHERE a.id = $FIRST AND a.prev_hash = n.hash")" 1

# --- tampering: an intruder with the database's rights, no trigger in the way ---
ACTOR=$(store_sql "SELECT actor FROM audit WHERE id = $FIRST")
store_sql "UPDATE audit SET actor = 'mallory' WHERE id = $FIRST" >/dev/null
out=$(G audit verify)
expect_eq "an edited record is detected (exit status 3)" "$?" 3
expect_match "...and named" "$out" "record $FIRST: its content was changed"
store_sql "UPDATE audit SET actor = '$ACTOR' WHERE id = $FIRST; DELETE FROM audit WHERE id = (SELECT max(id) FROM audit)" >/dev/null
expect_match "a removed newest record is detected" "$(G audit verify)" 'TAMPERED'
