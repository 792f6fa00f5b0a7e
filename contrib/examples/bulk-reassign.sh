#!/bin/sh
# Give every open case of one agent to another (an absence, a departure):
#   bulk-reassign.sh FROM_LOGIN TO_LOGIN [SERVICE]
# TO_LOGIN - gives the cases to nobody (back to the service's queue).
# Lists the cases with guichet's headless mode, then assigns them in one
# batch (open case REF, assign TO for each) and waits for the outbox.
# Needs a saved session or GUICHET_TOKEN; GUICHET names the program.
# Exit status: guichet's (guichet(1), EXIT STATUS).
set -eu
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: $0 FROM_LOGIN TO_LOGIN [SERVICE]" >&2
	exit 2
fi
from=$1 to=$2 service=${3-}
# Logins and service codes are lower-case words: nothing else may reach
# the batch, where a newline would be another command.
for w in "$from" "$service" "$to"; do
	case $w in
	*[!a-z0-9._-]* | -?*) echo "bulk-reassign: not a login or service code: $w" >&2; exit 2 ;;
	esac
done
if [ -z "$from" ] || [ -z "$to" ] || [ "$from" = - ]; then
	echo "usage: $0 FROM_LOGIN TO_LOGIN [SERVICE]" >&2
	exit 2
fi
g=${GUICHET:-guichet}
why() {
	case $1 in
	3) echo "bulk-reassign: not logged in (guichet --login LOGIN once, or GUICHET_TOKEN)" >&2 ;;
	4) echo "bulk-reassign: guichetd unreachable, nothing was changed" >&2 ;;
	*) echo "bulk-reassign: $2 (guichet's exit status $1)" >&2 ;;
	esac
}

rc=0
list=$("$g" -e "cases status=open assignee=$from limit=500${service:+ service=$service}" \
	--format text) || rc=$?
if [ "$rc" != 0 ]; then
	why "$rc" "cannot list the cases"
	exit "$rc"
fi
# text: one case a line, tab-separated; the reference is the second column
refs=$(printf '%s\n' "$list" | cut -f2 | grep -E '^[0-9]{4}-[0-9]+$' || true)
if [ -z "$refs" ]; then
	echo "no open case assigned to $from"
	exit 0
fi
n=$(printf '%s\n' "$refs" | awk 'END { print NR }')
[ "$n" -lt 500 ] || echo "bulk-reassign: 500 cases, the limit: run it again for the rest" >&2

err=$(mktemp)
trap 'rm -f "$err"' EXIT
printf '%s\n' "$refs" | while read -r ref; do
	printf 'open case %s\nassign %s\n' "$ref" "$to"
done | "$g" --batch --wait=60 >/dev/null 2>"$err" || rc=$?
cat "$err" >&2
# guichet's standard error: a JSON record per failed command (case k is
# lines 2k-1 and 2k), then a line per change left in the outbox, with its
# state in parentheses.
failed=$(sed -n 's/^{"line":\([0-9]*\),.*"ok":false.*/\1/p' "$err" |
	awk '{ k[int(($1 + 1) / 2)] = 1 } END { for (i in k) c++; print c + 0 }')
queued=$(grep -v '^{' "$err" | grep -c -e '(queued)' -e '(sending)' || true)
ok=$((n - failed - queued))
[ "$ok" -ge 0 ] || ok=0

case $rc in
0) echo "$n case(s) reassigned from $from to $to" ;;
1 | 5)
	echo "$ok of $n case(s) reassigned from $from to $to"
	[ "$failed" = 0 ] || echo "bulk-reassign: $failed case(s) not reassigned, see guichet's messages above" >&2
	# this guichet keeps its outbox in memory: what is left is lost at exit
	[ "$queued" = 0 ] || echo "bulk-reassign: $queued change(s) still in guichet's outbox when it" \
		"stopped, not confirmed by guichetd; run this again once guichetd answers" >&2
	;;
*) why "$rc" "the batch stopped" ;;
esac
exit "$rc"
