# A long history at the desk: citizen 1 has 1,500 more contacts (guichetd
# --demo-timeline).  The desk shows the first page at once, reads the next
# ones ahead of the agent, and pages to the very end, saying where the agent
# is; every entry is reached once.
. "$(dirname "$0")/lib.bash"
GUICHET=${GUICHET:-$(pwd)/build/guichet}
start_server --demo-timeline 1500
TOKEN=$(login alice)
TOTAL=0 CUR=
for _ in $(seq 20); do
	req GET "/api/v1/citizens/1/timeline?limit=500${CUR:+&cursor=$CUR}" >/dev/null
	TOTAL=$((TOTAL + $(jbody '.items | length')))
	CUR=$(jbody '.next_cursor // empty')
	[ -z "$CUR" ] && break
done
OLDEST=$(jbody '.items[-1].summary // empty')
expect_match "the server holds the long timeline" "$TOTAL" '^1[5-9][0-9][0-9]$'

screen() {
	printf '%s\n' "$@" >"$T/script"
	GUICHET_TOKEN=$TOKEN XDG_CONFIG_HOME=$T/none "$GUICHET" --server "$URL" --cacert "$CACERT" \
		--size 24x80 --script "$T/script" ${ROLES:-} >"$T/screen" 2>"$T/stderr"
}
screen "open citizen 1"
expect_match "the first page shows, more to come (…)" "$(cat "$T/screen")" \
	"Historique, tous canaux \(récent d'abord\) : 1/…"
pgdn=()
for _ in $(seq 40); do pgdn+=("key <PgDn>"); done
screen "open citizen 1" "${pgdn[@]}"
expect_match "paging down goes past the first page read (200 lines)" "$(cat "$T/screen")" \
	"Historique, tous canaux \(récent d'abord\) : (2[1-9][0-9]|[3-9][0-9][0-9])/…"
ROLES=--dump-roles screen "open citizen 1" bottom bottom bottom bottom bottom
expect_match "End, again and again, reaches the very end: every entry, nothing more to load" \
	"$(sed '/^--- roles$/,$d' "$T/screen")" "Historique, tous canaux \(récent d'abord\) : $TOTAL/$TOTAL\$"
row=$(sed '1,/^--- roles$/d' "$T/screen" | grep -n '^S' | head -1 | cut -d: -f1)
expect_match "...where the selected line is the oldest contact" \
	"$(sed -n "${row:-0}p" "$T/screen")" "$(printf '%s' "${OLDEST:0:25}" | sed 's/[][\.*^$()+?{}|]/\\&/g')"
echo "1..$TAP_N"
