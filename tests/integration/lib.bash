# Helpers for the integration tests (bash): start a real guichetd on a free
# loopback port with its own demo CA, speak HTTPS to it with certificate
# verification on (curl --cacert), print TAP lines ("ok N - what").
#
# Every wait is for a condition, with a deadline (wait_for); nothing relies
# on a fixed sleep.

set -u
GUICHETD=${GUICHETD:-$(pwd)/build/guichetd}
T=$(mktemp -d "${TMPDIR:-/tmp}/guichet-test.XXXXXX")
# Nothing a test runs reads or writes the real home: sessions, the durable
# outbox and its key, the embedded server all go under $T.
export XDG_DATA_HOME=$T/xdg-data XDG_STATE_HOME=$T/xdg-state XDG_CONFIG_HOME=$T/xdg-config XDG_CACHE_HOME=$T/xdg-cache
# On PostgreSQL (tests/run sets GUICHET_TEST_PG to its private cluster for
# the suites marked "# stores: both"), the suite has a database of its own,
# which every guichetd it runs (serve and the admin commands) uses.
if [ -n "${GUICHET_TEST_PG:-}" ]; then
	GUICHETD_STORE=$("$(dirname "${BASH_SOURCE[0]}")/../pg/cluster" createdb "$GUICHET_TEST_PG" \
		"$(basename "$0" .sh)_$$") || { echo "not ok 1 - a database for the suite"; exit 1; }
	export GUICHETD_STORE
fi
TAP_N=0
TAP_FAILED=0
SERVER_PID=
DATA=
URL=
CACERT=

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $1"; }
not_ok() {
	TAP_N=$((TAP_N + 1))
	TAP_FAILED=$((TAP_FAILED + 1))
	echo "not ok $TAP_N - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | head -20 | sed 's/^/# /'
	return 0
}

# expect_eq DESCRIPTION ACTUAL EXPECTED
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected [$3], got [$2]"; fi
}

# expect_match DESCRIPTION ACTUAL EXTENDED-REGEX
expect_match() {
	if printf '%s' "$2" | grep -Eq -- "$3"; then ok "$1"; else not_ok "$1" "[$2] does not match /$3/"; fi
}

# check DESCRIPTION COMMAND...: ok when the command succeeds
check() {
	local d=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$d"; else not_ok "$d" "command failed: $*"; fi
}

# wait_for SECONDS COMMAND...: poll the condition until it holds or the
# deadline passes (the short pause between polls is not synchronisation).
wait_for() {
	local deadline=$(($(date +%s%N) / 1000000 + $1 * 1000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $(($(date +%s%N) / 1000000)) -ge $deadline ] && return 1
		sleep 0.02
	done
	return 0
}

stop_server() {
	if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
		kill -TERM "$SERVER_PID" 2>/dev/null
		wait_for 20 sh -c "! kill -0 $SERVER_PID" || kill -KILL "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
	fi
	SERVER_PID=
}

# pg_start: a PostgreSQL cluster for this suite's databases: the run's
# (GUICHET_TEST_PG) or a private one, stopped at exit.  Its directory is
# outside $T: the cluster runs as postgres when we are root.  Call it in
# the suite's own shell (not in $(...)), then pg_db NAME prints the URI of
# a new database NAME.
PG_OWN=
PG_CLUSTER=${GUICHET_TEST_PG:-}
pg_start() {
	[ -n "$PG_CLUSTER" ] && return 0
	PG_OWN=$(mktemp -d "${TMPDIR:-/tmp}/guichet-pg.XXXXXX") || return 1
	PG_CLUSTER=$PG_OWN
	"$(dirname "${BASH_SOURCE[0]}")/../pg/cluster" start "$PG_CLUSTER" >/dev/null
}
pg_db() {
	"$(dirname "${BASH_SOURCE[0]}")/../pg/cluster" createdb "$PG_CLUSTER" "$1"
}

# store_sql STATEMENTS: run ;-separated SQL statements on the store the
# suite's guichetd uses (SQLite in $DATA, or GUICHETD_STORE's PostgreSQL
# database); prints the first column of the last one's first row.
store_sql() {
	if [ -n "${GUICHETD_STORE:-}" ]; then
		psql -X -A -t -q -v ON_ERROR_STOP=1 "$GUICHETD_STORE" -c "$1" | tail -1
		return
	fi
	python3 - "$DATA/guichet.db" "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
row = None
for s in sys.argv[2].split(';'):
    if s.strip():
        row = c.execute(s).fetchone()
c.commit()
print('' if row is None else row[0])
PY
}

finish() {
	stop_server
	if [ -n "$PG_OWN" ]; then
		"$(dirname "${BASH_SOURCE[0]}")/../pg/cluster" stop "$PG_OWN"
		rm -rf "$PG_OWN"
	fi
	rm -rf "$T"
	[ "$TAP_FAILED" -eq 0 ]
	exit $?
}
trap finish EXIT

# start_server [guichetd arguments...]: a demo server with its data in $T/data
# (kept across restarts in the same test); sets URL, CACERT, SERVER_PID.
start_server() {
	DATA=${DATA:-$T/data}
	rm -f "$T/ready.json"
	"$GUICHETD" --demo --data "$DATA" --listen 127.0.0.1:0 --ready-file "$T/ready.json" \
		--quiet "$@" >>"$T/server.log" 2>&1 &
	SERVER_PID=$!
	if ! wait_for 120 test -s "$T/ready.json"; then
		echo "# guichetd did not become ready:"
		sed 's/^/# /' "$T/server.log" | tail -20
		exit 1
	fi
	URL=$(jq -r .url "$T/ready.json")
	CACERT=$(jq -r .cacert "$T/ready.json")
}

# req METHOD PATH [curl arguments...]: the body goes to $T/body, headers to
# $T/headers; prints the HTTP status.  Uses $TOKEN when set.
req() {
	local m=$1 p=$2
	shift 2
	local auth=()
	[ -n "${TOKEN:-}" ] && auth=(-H "Authorization: Bearer $TOKEN")
	curl -sS --cacert "$CACERT" -X "$m" -o "$T/body" -D "$T/headers" -w '%{http_code}' \
		"${auth[@]}" "$@" "$URL$p"
}

# jreq METHOD PATH JSON [curl arguments...]: a request with a JSON body.
jreq() {
	local m=$1 p=$2 body=$3
	shift 3
	req "$m" "$p" -H 'Content-Type: application/json' --data-binary "$body" "$@"
}

body() { cat "$T/body"; }
jbody() { jq -r "$1" "$T/body"; }
header() { grep -i "^$1:" "$T/headers" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

# stream TOKEN FILE [LAST-ID]: follow /api/v1/events in the background into
# FILE; prints the reader's pid.
stream() {
	local extra=()
	[ -n "${3:-}" ] && extra=(-H "Last-Event-ID: $3")
	curl -sS -N --cacert "$CACERT" -H "Authorization: Bearer $1" "${extra[@]}" \
		"$URL/api/v1/events" >"$2" 2>/dev/null &
	echo $!
}

# login LOGIN: prints a session token (password "demo").
login() {
	curl -sS --cacert "$CACERT" -H 'Content-Type: application/json' \
		--data-binary "{\"login\":\"$1\",\"password\":\"demo\"}" "$URL/api/v1/auth/login" |
		jq -r .token
}
