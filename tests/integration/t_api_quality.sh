# Published quality results (GET /public/v1/quality): traffic made through
# the real API (chats with surveys, a case resolved, a call) shows up in
# this month's figures; a service with 1 to 4 survey answers has its
# satisfaction hidden; nothing personal (names, emails, phones, logins,
# comments) is ever in the answer.  Then the desk's headless export of it.
# stores: both (tests/run runs it again on PostgreSQL)
. "$(dirname "$0")/lib.bash"
GUICHET=${GUICHET:-$(pwd)/build/guichet}
start_server --chat-start-rate 100000
ALICE=$(login alice)
# The month as guichetd counts it (Paris time; the system's zone database
# when there is one, UTC otherwise: wrong only in the hour around midnight
# at the turn of a month).
M=$(TZ=Europe/Paris date +%Y-%m)

TOKEN=
expect_eq "no login is needed" "$(req GET "/public/v1/quality?month=$M")" 200
expect_eq "...the answer may be cached by anyone for 5 minutes" "$(header Cache-Control)" "public, max-age=300"
expect_eq "...small counts are hidden under 5" "$(jbody .suppressed_under)" 5
check "...each member is defined" test "$(jbody '.definitions | has("csat_avg") and has("answered_in_delay_share")')" = true
# The small service is one of the test's own, with no demo history: the
# demo's surveys of this month grow with the day of the month, so any demo
# service may already hold 5.  Its agent, quentin, answers its chats.
stop_server
"$GUICHETD" service add regie-test "Régie (test)" --data "$DATA" >/dev/null
"$GUICHETD" agent add quentin --services regie-test --no-password --data "$DATA" >/dev/null
start_server --chat-start-rate 100000
QUENTIN=$("$GUICHETD" token create quentin --data "$DATA")
SMALL=regie-test
BIG=etat-civil

NAME=Quirinale
EMAIL=quirinale.vasseur@example.net
PHONE=+33178787878
COMMENT="Accueil parfait merci Quirinale"
TOKEN=$ALICE
expect_eq "alice becomes available" "$(jreq PUT /api/v1/me/presence '{"presence":"available"}')" 200
TOKEN=$QUENTIN
expect_eq "...and quentin" "$(jreq PUT /api/v1/me/presence '{"presence":"available"}')" 200

# chat SERVICE CSAT NPS: a chat started, taken by its service's agent
# (alice, or quentin for the small one), closed, surveyed.
chat() {
	local id ct agent=$ALICE
	[ "$1" = "$SMALL" ] && agent=$QUENTIN
	TOKEN= jreq POST /public/v1/chats "{\"name\":\"$NAME Vasseur\",\"email\":\"$EMAIL\",\"service\":\"$1\",\"text\":\"Bonjour, je suis $NAME, joignable au $PHONE\"}" >/dev/null
	id=$(jbody .id)
	ct=$(jbody .token)
	TOKEN=$agent req POST "/api/v1/chats/$id/accept" >/dev/null
	TOKEN=$agent jreq POST "/api/v1/chats/$id/close" '{"wrapup_code":"information"}' >/dev/null
	TOKEN=$ct jreq POST "/public/v1/chats/$id/survey" "{\"csat\":$2,\"nps\":$3,\"comment\":\"$COMMENT\"}"
}
n=0
for mark in 5 4 5 3 5 4; do
	[ "$(chat "$BIG" "$mark" 9)" = 201 ] && n=$((n + 1))
done
expect_eq "six chats of $BIG are answered and surveyed" "$n" 6
expect_eq "two chats of $SMALL too" "$(chat "$SMALL" 2 3)$(chat "$SMALL" 4 10)" 201201

# A case opened and resolved at once (within its delay), and a call.
TOKEN=$ALICE
jreq POST /api/v1/citizens "{\"given_name\":\"$NAME\",\"family_name\":\"Vasseur\",\"phones\":[\"$PHONE\"],\"emails\":[\"$EMAIL\"]}" >/dev/null
CID=$(jbody .id)
expect_eq "a case is opened" "$(jreq POST /api/v1/cases "{\"citizen_id\":$CID,\"subject\":\"Acte pour $NAME\",\"service\":\"$BIG\",\"channel\":\"email\"}")" 201
CASE=$(jbody .id)
VERSION=$(jbody .version)
expect_eq "...and resolved" \
	"$(jreq PATCH "/api/v1/cases/$CASE" '{"status":"resolved"}' -H "If-Match: \"$VERSION\"")" 200
PBX=$("$GUICHETD" token create pbx --data "$DATA")
TOKEN=$PBX
expect_eq "a call rings" "$(jreq POST /api/v1/telephony/events "{\"call_id\":\"q-1\",\"event\":\"ringing\",\"from\":\"$PHONE\",\"service\":\"$BIG\"}")" 201

TOKEN=
expect_eq "this month's figures" "$(req GET "/public/v1/quality?month=$M")" 200
cp "$T/body" "$T/month.json"
row() { jq -c --arg s "$1" '.months[0].services[] | select(.service == $s)' "$T/month.json"; }
expect_eq "...for the month asked" "$(jq -r '.months | map(.month) | join(" ")' "$T/month.json")" "$M"
check "$BIG has at least 6 satisfaction marks" test "$(row "$BIG" | jq .csat_answers)" -ge 6
expect_match "...and shows its satisfaction" "$(row "$BIG" | jq .csat_avg)" '^[1-5](\.[0-9]+)?$'
expect_match "...and its recommendation score" "$(row "$BIG" | jq .nps)" '^-?[0-9]+$'
check "...its chats were all picked up" test "$(row "$BIG" | jq .chats_answered_share)" = 1
expect_eq "$SMALL's satisfaction is hidden (2 answers)" "$(row "$SMALL" | jq -c '[.csat_avg, .csat_answers, .nps, .nps_answers]')" '[null,null,null,null]'
expect_eq "...and said to be" "$(row "$SMALL" | jq -c '.suppressed | map(select(startswith("csat") or startswith("nps")))')" \
	'["csat_avg","csat_answers","nps","nps_answers"]'
expect_eq "...its 2 chats are hidden too, with their share" \
	"$(row "$SMALL" | jq -c '[.chats, .chats_answered_share, (.suppressed | index("chats") != null)]')" '[null,null,true]'
for secret in "$NAME" "$EMAIL" "example.net" "78787878" "alice" "Alice" "quentin" "$QUENTIN" "$COMMENT" "parfait" "$ALICE"; do
	check "nothing personal in the answer: no '$secret'" sh -c "! grep -qF -- '$secret' '$T/month.json'"
done
expect_eq "a service alone" "$(req GET "/public/v1/quality?month=$M&service=$BIG")" 200
expect_eq "...has one row" "$(jbody '[.months[].services[]] | length')" 1
expect_eq "without a month: newest first, this month first" "$(req GET /public/v1/quality)" 200
expect_eq "...this month first" "$(jbody '.months[0].month')" "$M"
check "...at most 24 months" test "$(jbody '.months | length')" -le 24
expect_eq "...newest first" "$(jbody '[.months[].month] == ([.months[].month] | sort | reverse)')" true

for bad in 2026-13 2026-1 26-10 2026-10-01 abcd-ef; do
	expect_eq "a bad month ($bad) is a 400" "$(req GET "/public/v1/quality?month=$bad")" 400
done
expect_eq "...as problem+json" "$(header Content-Type)" application/problem+json
expect_eq "...and never cached" "$(header Cache-Control)" no-store
expect_eq "an unknown service is a 404" "$(req GET "/public/v1/quality?service=nowhere")" 404

# --- the desk's export, headless ----------------------------------------------------
export GUICHET_TOKEN=$ALICE XDG_CONFIG_HOME=$T/none XDG_STATE_HOME=$T/state
g() { "$GUICHET" --server "$URL" --cacert "$CACERT" "$@"; }
g -e "quality export --month $M --format csv" >"$T/out.csv" 2>"$T/err"
expect_eq "quality export csv: exit 0" "$?" 0
expect_eq "...a header of the members" "$(head -1 "$T/out.csv" | tr -d '\r')" \
	"month,service,name,cases_opened,cases_closed,answered_in_delay_share,calls,calls_picked_up_share,chats,chats_answered_share,response_time_avg_s,csat_avg,csat_answers,nps,nps_answers,suppressed"
check "...lines end in CRLF (RFC 4180)" sh -c "head -1 '$T/out.csv' | od -c | grep -q '\\\\r  \\\\n'"
expect_match "...a row for $BIG with its chats" "$(grep "^$M,$BIG," "$T/out.csv" | tr -d '\r' | cut -d, -f1,2,9)" "^$M,$BIG,([6-9]|[1-9][0-9]+)\$"
expect_match "...$SMALL's hidden satisfaction is empty" "$(grep "^$M,$SMALL," "$T/out.csv" | tr -d '\r' | cut -d, -f12-16)" \
	'^,,,,.*csat_avg csat_answers nps nps_answers'
g -e "quality export --month $M --format json" >"$T/out.json"
expect_eq "quality export json: exit 0" "$?" 0
expect_eq "...it parses, and is the API's answer" "$(jq -c '.months[0].month' "$T/out.json")" "\"$M\""
g -e "quality export --month $M --service $SMALL --output $T/file.csv" >"$T/out" 2>"$T/err"
expect_eq "--output writes a file" "$(tail -n +2 "$T/file.csv" | cut -d, -f2)" "$SMALL"
expect_eq "...and the result says where" "$(jq -r '.result.output' "$T/out")" "$T/file.csv"
check "...renamed into place whole: no temporary file left beside it" test ! -e "$T/file.csv.tmp"
g -e "quality export --month 2026-13" >"$T/out" 2>"$T/err"
expect_eq "a bad month is refused by the desk: exit 1" "$?" 1
g -e "quality export --format xml" >"$T/out" 2>"$T/err"
expect_eq "...so is an unknown format" "$?" 1
