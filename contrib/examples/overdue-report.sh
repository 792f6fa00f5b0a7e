#!/bin/sh
# Nightly report: the open cases past their due date, counted by service,
# as CSV (service,overdue).  Uses guichet's headless mode; needs a saved
# session or GUICHET_TOKEN.  GUICHET names the program (default: guichet).
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
# columns: id,ref,status,service,assignee,due_at,subject (ISO 8601 UTC dates
# compare as strings); the subject may hold quoted commas, it is last.
echo "service,overdue"
awk -F, -v now="$now" 'NR > 1 && $6 != "" && $6 < now { n[$4]++ }
	END { for (s in n) print s "," n[s] }' "$tmp" | sort
