#!/bin/sh
# Give every open case of one agent to another (an absence, a departure):
#   bulk-reassign.sh FROM_LOGIN TO_LOGIN [SERVICE]
# Lists the cases with guichet's headless mode, then assigns them in one
# batch and waits for the outbox.  GUICHET names the program.
set -eu
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: $0 FROM_LOGIN TO_LOGIN [SERVICE]" >&2
	exit 2
fi
from=$1 to=$2
filter="cases status=open assignee=$from limit=500${3:+ service=$3}"
g=${GUICHET:-guichet}
list=$("$g" -e "$filter" --format text) || { rc=$?; echo "bulk-reassign: cannot list the cases (exit $rc)" >&2; exit "$rc"; }
refs=$(printf '%s\n' "$list" | cut -f2 | sed '/^$/d')
[ -n "$refs" ] || { echo "no open case assigned to $from"; exit 0; }
n=$(printf '%s\n' "$refs" | wc -l)
rc=0
printf '%s\n' "$refs" | while read -r ref; do
	printf 'open case %s\nassign %s\n' "$ref" "$to"
done | "$g" --batch --wait=60 >/dev/null || rc=$?
case $rc in
0) echo "$n case(s) reassigned from $from to $to" ;;
5) echo "bulk-reassign: some changes are still queued and were not sent (guichetd unreachable?)" >&2 ;;
*) echo "bulk-reassign: guichet failed (exit $rc); see its messages above" >&2 ;;
esac
exit "$rc"
