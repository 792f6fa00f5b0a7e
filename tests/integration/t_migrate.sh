# guichetd migrate: a town hall's SQLite store, with reads audited, a case
# written and its events, copied into a private PostgreSQL cluster; the
# copy has every row and its audit chain verifies there; a target that
# holds data, or a source with a table PostgreSQL has no place for, is
# refused and leaves the target as it was.
. "$(dirname "$0")/lib.bash"
unset GUICHETD_STORE # the source is SQLite, whatever the run's store
start_server
ALICE=$(login alice)
TOKEN=$ALICE
req GET /api/v1/citizens/1 >/dev/null
jreq POST /api/v1/cases '{"citizen_id":1,"subject":"Carte d’identité perdue","service":"etat-civil"}' >/dev/null
REF=$(jbody .ref)
expect_match "a case is written on SQLite" "$REF" '^[0-9]{4}-[0-9]{6}$'
req GET "/api/v1/cases/$REF" >/dev/null
jq -S 'del(.restricted)' "$T/body" >"$T/case.sqlite"
stop_server

SQ_AUDIT=$("$GUICHETD" audit verify --data "$DATA")
expect_match "the SQLite audit chain is intact" "$SQ_AUDIT" 'intact \([1-9][0-9]* records'
pg_start && PGURI=$(pg_db migrate_target) || { not_ok "a PostgreSQL database for the copy"; exit 1; }
PGURI2=$(pg_db migrate_refused)

out=$("$GUICHETD" migrate --from "sqlite:$DATA" --to "$PGURI" 2>&1)
expect_eq "migrate succeeds" "$?" 0
expect_match "...copies the citizens" "$out" 'citizens +500 rows copied'
expect_match "...checks every table's rows" "$out" 'every table has as many rows as in SQLite'
expect_match "...verifies the copied audit chain" "$out" 'audit chain intact on the copy'
psql_n() { psql -X -A -t -q "$1" -c "$2"; }
py_n() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$DATA/guichet.db" "$1"; }
expect_eq "the audit log has the same records" \
	"$(psql_n "$PGURI" 'SELECT count(*) FROM audit')" "$(py_n 'SELECT count(*) FROM audit')"
expect_eq "...ending on the same hash" \
	"$(psql_n "$PGURI" "SELECT encode(hash, 'hex') FROM audit ORDER BY id DESC LIMIT 1")" \
	"$(py_n 'SELECT hex(hash) FROM audit ORDER BY id DESC LIMIT 1' | tr 'A-F' 'a-f')"
expect_eq "the event log continues from the same sequence" \
	"$(psql_n "$PGURI" 'SELECT last_seq FROM event_tail')" \
	"$(py_n "SELECT seq FROM sqlite_sequence WHERE name = 'events'")"
expect_eq "the written case is there, same reference" \
	"$(psql_n "$PGURI" "SELECT subject FROM cases WHERE ref = '$REF'")" "Carte d’identité perdue"
expect_eq "new ids continue after the copied ones" \
	"$(psql_n "$PGURI" "SELECT nextval(pg_get_serial_sequence('cases', 'id')) > (SELECT max(id) FROM cases)")" t
check "audit verify on PostgreSQL, with the town hall's key" sh -c \
	"'$GUICHETD' audit verify --data '$DATA' --store '$PGURI' | grep -q 'intact'"
expect_eq "...the same number of records as on SQLite" \
	"$("$GUICHETD" audit verify --data "$DATA" --store "$PGURI" | grep -o '([0-9]* records')" \
	"$(echo "$SQ_AUDIT" | grep -o '([0-9]* records')"
KEYLESS=$T/otherkey
mkdir -m 700 "$KEYLESS"
head -c 32 /dev/urandom >"$KEYLESS/audit.key"
expect_match "...and with another key the chain does not verify" \
	"$("$GUICHETD" audit verify --data "$KEYLESS" --store "$PGURI" 2>&1)" 'TAMPERED'
mkdir -m 700 "$T/newnode"
out=$("$GUICHETD" audit verify --data "$T/newnode" --store "$PGURI" 2>&1)
expect_eq "a new node without the town hall's audit key is refused" "$?" 1
expect_match "...told which key to copy" "$out" 'copy the key of the nodes'
check "...and it made no key of its own" test ! -e "$T/newnode/audit.key"

out=$("$GUICHETD" migrate --from "sqlite:$DATA" --to "$PGURI" 2>&1)
expect_eq "a second copy into a database that holds data is refused" "$?" 1
expect_match "...saying why" "$out" 'already holds data'
expect_eq "...and leaves it as it was" "$(psql_n "$PGURI" 'SELECT count(*) FROM citizens')" 500

python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("CREATE TABLE notes_locales(id INTEGER PRIMARY KEY, t TEXT)"); c.commit()' "$DATA/guichet.db"
out=$("$GUICHETD" migrate --from "sqlite:$DATA" --to "$PGURI2" 2>&1)
expect_eq "a source table with no place in PostgreSQL stops the copy" "$?" 1
expect_match "...naming it" "$out" 'notes_locales has no place'
expect_eq "...nothing is half-copied" "$(psql_n "$PGURI2" 'SELECT count(*) FROM citizens')" 0

out=$("$GUICHETD" migrate --from "sqlite:$DATA" 2>&1)
expect_eq "migrate without --to is a usage error" "$?" 2
out=$("$GUICHETD" migrate --from "sqlite:$T/nowhere" --to "$PGURI2" 2>&1)
expect_eq "a missing source is an error" "$?" 1
expect_match "...naming the file" "$out" 'nowhere/guichet.db'
