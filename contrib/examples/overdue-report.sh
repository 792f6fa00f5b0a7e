#!/bin/sh
# Nightly report: the open cases past their due date, counted by service,
# as CSV (service,overdue).  Uses guichet's headless mode; needs a saved
# session or GUICHET_TOKEN.  GUICHET names the program (default: guichet).
# Exit status: 0, or guichet's own when it fails (guichet(1), EXIT STATUS).
set -eu
now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
rc=0
"${GUICHET:-guichet}" -e 'cases status=open limit=500' --format csv >"$tmp" || rc=$?
case $rc in
0) ;;
3) echo "overdue-report: not logged in (guichet --login LOGIN once, or GUICHET_TOKEN)" >&2; exit 3 ;;
4) echo "overdue-report: guichetd unreachable" >&2; exit 4 ;;
*) echo "overdue-report: guichet failed (exit $rc)" >&2; exit "$rc" ;;
esac
# Columns: id,ref,status,service,assignee,due_at,subject.  A subject may
# hold commas, quotes and newlines (RFC 4180 quoting), so records are read
# whole, never line by line.  ISO 8601 UTC dates compare as strings.
echo "service,overdue"
awk -v now="$now" '
function split_csv(rec,   i, c, f, n, q) {
	n = 0; f = ""; q = 0
	for (i = 1; i <= length(rec); i++) {
		c = substr(rec, i, 1)
		if (q && c == "\"" && substr(rec, i + 1, 1) == "\"") { f = f c; i++ }
		else if (c == "\"") q = !q
		else if (c == "," && !q) { field[++n] = f; f = "" }
		else f = f c
	}
	field[++n] = f
	return n
}
{
	rec = (open ? rec "\n" : "") $0
	t = $0; quotes += gsub(/"/, "", t)
	open = quotes % 2
	if (open) next
	quotes = 0
	if (split_csv(rec) != 7 || field[1] == "id") next
	rows++
	if (field[6] ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T/ && field[6] < now)
		n[field[4]]++
}
END {
	for (s in n) print s "," n[s]
	if (rows >= 500) print "overdue-report: 500 open cases read, the limit: there may be more" | "cat >&2"
}' "$tmp" | sort
