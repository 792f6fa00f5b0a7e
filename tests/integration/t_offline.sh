# The offline cache seen from outside: what guichet read online is there
# for the next run when guichetd is gone (the work list, a citizen, a
# case, a timeline, a search), encrypted (a canary name is nowhere in clear
# under $XDG_*), and a cache file that was tampered with is set aside and
# never trusted, without costing the outbox.  Real guichet, real guichetd
# on loopback, headless.
. "$(dirname "$0")/lib.bash"
GUICHET=${GUICHET:-$(pwd)/build/guichet}
start_server
ALICE=$(login alice)
export GUICHET_TOKEN=$ALICE XDG_CONFIG_HOME=$T/config XDG_STATE_HOME=$T/state \
	XDG_DATA_HOME=$T/share XDG_CACHE_HOME=$T/cache
g() { "$GUICHET" --server "$URL" --cacert "$CACERT" --login alice "$@"; }

# a citizen with a name found nowhere else, and a case of alice's for them
CANARY="Zéphyrinecanari"
jreq POST /api/v1/citizens "{\"given_name\":\"$CANARY\",\"family_name\":\"Oiseleur\",\"phones\":[\"0612345698\"],\"emails\":[\"zeph.canari@example.fr\"]}" \
	-H "Authorization: Bearer $ALICE" >/dev/null
CIT=$(jbody .id)
jreq POST /api/v1/cases "{\"citizen_id\":$CIT,\"service\":\"etat-civil\",\"subject\":\"Acte de naissance $CANARY\"}" \
	-H "Authorization: Bearer $ALICE" >/dev/null
CASE=$(jbody .id)
REF=$(jbody .ref)
check "the case is made" test -n "$CASE" -a "$CASE" != null

# --- online: what the agent reads is cached ------------------------------------------
g -e worklist -e "open citizen $CIT" -e "timeline $CIT limit=5" -e "open case $CASE" \
	>"$T/online" 2>"$T/err"
expect_eq "online: exit 0" "$?" 0
ls "$T/cache/guichet/"cache-*.db >/dev/null 2>&1
expect_eq "a cache file is written under \$XDG_CACHE_HOME/guichet" "$?" 0
CACHE=$(ls "$T/cache/guichet/"cache-*.db | head -1)
expect_eq "...mode 0600" "$(stat -c %a "$CACHE")" 600
check "...and holds the case" test -s "$CACHE"
check "the canary is nowhere in clear under \$XDG_*" \
	sh -c "! grep -r -q -a '$CANARY' '$T/config' '$T/state' '$T/share' '$T/cache'"
check "...nor without its accent" \
	sh -c "! grep -r -q -a -i 'zephyrinecanari' '$T/config' '$T/state' '$T/share' '$T/cache'"
check "...nor its phone number" \
	sh -c "! grep -r -q -a '612345698' '$T/config' '$T/state' '$T/share' '$T/cache'"
WORK=$(sed -n 1p "$T/online" | jq -c '[.result[] | .case.id // .offer.id]')

# --- offline: guichetd is gone ----------------------------------------------------------
stop_server
g -e worklist >"$T/out" 2>"$T/err"
expect_eq "offline: the work list answers (exit 0)" "$?" 0
expect_eq "...the same cases as online" "$(jq -c '[.result[] | .case.id // .offer.id]' "$T/out")" "$WORK"
expect_match "...and says it is the cache's" "$(cat "$T/err")" "hors ligne"

g -e "open citizen $CIT" >"$T/out" 2>"$T/err"
expect_eq "offline: the citizen opens (exit 0)" "$?" 0
expect_eq "...with their name" "$(jq -r .result.given_name "$T/out")" "$CANARY"
g -e "timeline $CIT limit=5" --format text >"$T/out" 2>"$T/err"
expect_eq "offline: the timeline answers" "$?" 0
g -e "open case $CASE" >"$T/out" 2>"$T/err"
expect_eq "offline: the case opens" "$(jq -r .result.ref "$T/out")" "$REF"

for q in "oiseleur" "ZEPHYRINECANARI" "06 12 34 56 98" "+33 6 12 34 56 98" "Zeph.Canari@example.fr" "$REF"; do
	g -e "search $q" >"$T/out" 2>"$T/err"
	expect_eq "offline search « $q » finds the citizen" "$(jq -c '[.result[].id]' "$T/out")" "[$CIT]"
done

g -e "open citizen 999999" >"$T/out" 2>"$T/err"
expect_eq "offline, what was never read: no answer (exit 4)" "$?" 4

# --- a tampered cache: set aside, rebuilt, the outbox untouched ---------------------------
g -e "open case $CASE" -e "note Écrit hors ligne" >"$T/out" 2>"$T/err"
OUTBOX=$(ls "$T/share/guichet/"outbox-*.journal | head -1)
check "offline, a note waits in the outbox file" test -s "$OUTBOX"
SIZE=$(stat -c %s "$CACHE")
printf '\001' | dd of="$CACHE" bs=1 seek=$((SIZE / 2)) conv=notrunc status=none
g -e worklist >"$T/out" 2>"$T/err"
expect_eq "a cache with a flipped byte is not trusted: no answer offline (exit 4)" "$?" 4
expect_match "...said clearly" "$(cat "$T/err")" "cache.*mis de côté"
check "...the file kept aside" sh -c "ls '$CACHE'.corrupt-* >/dev/null"

start_server --listen "127.0.0.1:${URL##*:}" 3>&-
g --wait -e worklist >"$T/out" 2>"$T/err"
expect_eq "back online: the work list is read again (exit 0)" "$?" 0
expect_eq "...the same cases" "$(jq -c '[.result[] | .case.id // .offer.id]' "$T/out")" "$WORK"
TOKEN=$ALICE req GET "/api/v1/cases/$CASE/events" >/dev/null
expect_eq "the note written offline reached guichetd once" \
	"$(jq '[.items[] | select(.data.text == "Écrit hors ligne")] | length' "$T/body")" 1
check "a new cache is written" test -s "$CACHE"
