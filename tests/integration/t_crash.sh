# Crash consistency of the durable outbox: guichet (headless) writes notes
# through a TCP proxy that cuts the link at a random moment (so some notes
# are only queued, on disk), and is killed with SIGKILL at another random
# moment, CRASH_POINTS times (1000; 250 under ASan, which is slower); each
# run replays what the last one left, and may be killed while it does.
# Every note guichet confirmed (a result line with "ok": true: delivered,
# or queued with "durable": true) must be on the server exactly once at
# the end, and no note twice.  Prints the figure: runs, runs killed before
# their end, notes confirmed (of them queued), delivered, duplicated, lost.
. "$(dirname "$0")/lib.bash"
GUICHET=${GUICHET:-$(pwd)/build/guichet}
case $GUICHET in *build-asan*) POINTS=${CRASH_POINTS:-250} ;; *) POINTS=${CRASH_POINTS:-1000} ;; esac
NOTES=3
start_server
ALICE=$(login alice)
export GUICHET_TOKEN=$ALICE
python3 "$(dirname "$0")/tcp_proxy.py" 127.0.0.1 "${URL##*:}" "$T/cut" "$T/proxy.port" &
PROXY=$!
trap 'kill $PROXY 2>/dev/null; finish' EXIT
wait_for 20 test -s "$T/proxy.port" || { echo "# the proxy did not start"; exit 1; }
VIA=https://127.0.0.1:$(cat "$T/proxy.port")
# --login: whose outbox it is, known even when the link is down at start
g() { "$GUICHET" --server "$VIA" --cacert "$CACERT" --login alice "$@"; }
# the same, for `gx … &`: guichet itself is the background job, so that the
# kill strikes guichet and not a subshell around it
gx() { exec "$GUICHET" --server "$VIA" --cacert "$CACERT" --login alice "$@"; }
# what a run's output confirms: a note done, or queued on disk
confirmed_lines() {
	jq -r 'select(.command=="note" and .ok and (.result.queued != true or .result.durable)) |
		"\(.line) \(.result.queued == true)"' "$1" 2>/dev/null
}

# Ten cases, run i writing on case i mod 10: a case's history lists its
# latest 500 events, and every note must be seen.
TOKEN=$ALICE req GET "/api/v1/cases?status=active&assignee=alice&limit=10" >/dev/null
REFS=($(jbody '.items[].ref'))
IDS=($(jbody '.items[].id'))
check "ten cases to write on" test "${#IDS[@]}" -eq 10

# How long one run takes here, to spread the kills over a whole run.
script() { # run number: the script of that run
	printf 'open case %s\n' "${REFS[$(($1 % 10))]}"
	for k in $(seq "$NOTES"); do printf 'note crash %d.%d\n' "$1" "$k"; done
}
t0=$(date +%s%N)
script 0 | g --batch --wait=30 >"$T/out" 2>/dev/null
span_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
expect_eq "a whole run, unkilled: every note confirmed" \
	"$(jq -c 'select(.command=="note") | .ok' "$T/out" | grep -c true)" "$NOTES"
: >"$T/confirmed"
confirmed_lines "$T/out" | while read -r l q; do echo "crash 0.$((l - 1)) $q"; done >>"$T/confirmed"

killed=0
pick() { # a random moment within FRACTION of a run's length, in seconds
	awk -v r="$RANDOM" -v s="$span_ms" -v f="$1" 'BEGIN { printf "%.3f", r / 32768 * s * f / 1000 }'
}
for i in $(seq "$POINTS"); do
	script "$i" >"$T/script"
	gx --batch --wait=30 <"$T/script" >"$T/out" 2>/dev/null &
	pid=$!
	# The fault points: the link cut at a random moment, then the kill.
	# (These sleeps choose when faults strike; nothing waits on them.)
	sleep "$(pick 1.0)"
	touch "$T/cut"
	sleep "$(pick 0.5)"
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	[ $? -eq 137 ] && killed=$((killed + 1))
	rm -f "$T/cut"
	confirmed_lines "$T/out" | while read -r l q; do echo "crash $i.$((l - 1)) $q"; done \
		>>"$T/confirmed"
done

g --wait=120 -e outbox >"$T/out" 2>"$T/err"
expect_eq "after the last kill, one more run sends everything left: exit 0" "$?" 0
for id in "${IDS[@]}"; do
	TOKEN=$ALICE req GET "/api/v1/cases/$id/events" >/dev/null
	jq -r '.items[] | select(.kind=="note") | .data.text | select(startswith("crash "))' "$T/body"
done | sort | uniq -c | awk '{ print $2 " " $3 "\t" $1 }' >"$T/on_server"
confirmed=$(wc -l <"$T/confirmed")
queued=$(grep -c ' true$' "$T/confirmed")
delivered=$(wc -l <"$T/on_server")
duplicated=$(awk -F'\t' '$2 > 1' "$T/on_server" | wc -l)
lost=$(cut -d' ' -f1,2 "$T/confirmed" | while read -r n; do grep -q "^$n	" "$T/on_server" || echo "$n"; done | wc -l)
echo "# crash consistency: $POINTS runs, $killed killed before their end, $confirmed notes confirmed" \
	"($queued of them queued on disk, not yet delivered), $delivered delivered, $duplicated duplicated, $lost lost"
check "the kills struck runs before their end (at least a quarter of them)" test "$killed" -ge $((POINTS / 4))
check "...and some confirmed notes were only queued on disk when the kill came" test "$queued" -ge 1
expect_eq "no confirmed note lost" "$lost" 0
[ "$lost" -eq 0 ] || cut -d' ' -f1-3 "$T/confirmed" | while read -r n m q; do
		grep -q "^$n $m	" "$T/on_server" || echo "# lost: $n $m (confirmed as queued: $q)"; done
expect_eq "no note delivered twice" "$duplicated" 0
check "...and every note delivered was one guichet was asked to write" \
	sh -c "! grep -Ev '^crash [0-9]+\\.[1-$NOTES]	' '$T/on_server'"
