# set low_bandwidth in a real terminal: guichet runs in tmux against a real
# guichetd on loopback.  The same keys (20 moves down the work list, a case
# opened and left, 20 moves back up) are typed with low_bandwidth no and
# yes, the bytes guichet writes counted with pipe-pane: yes writes fewer,
# and no colour.  The option follows `set` at the prompt both ways.  The
# auto rule: no measure at all outside SSH, none that turns it on over a
# fast link, and over a slow one (slow_tty.py: what guichet writes comes
# out at 1,000 bytes a second) it turns on and says so.  Every wait is
# for a screen condition, with a deadline.
. "$(dirname "$0")/lib.bash"
GUICHET=${GUICHET:-$(pwd)/build/guichet}
SLOW_TTY=$(cd "$(dirname "$0")" && pwd)/slow_tty.py
command -v tmux >/dev/null || { echo "not ok 1 - tmux is missing"; exit 1; }
exec 3>&1
SOCK=$T/tmux.sock
export LANG=C.UTF-8 LC_ALL=C.UTF-8
tm() { tmux -u -S "$SOCK" "$@"; }
trap 'tm kill-server 2>/dev/null; finish' EXIT
# A colour SGR: 30-37, 40-47, 38;5;N, 48;5;N (39 and 49, the defaults, are not colours).
COLOUR='\[([0-9;]*;)?(3[0-7]|4[0-7]|38;5;[0-9]+|48;5;[0-9]+)[;m]'

start_server --heartbeat 2
ALICE=$(login alice)

# desk SESSION MODE [ENV...] [-- WRAPPER...]: guichet in tmux session
# SESSION with `set low_bandwidth MODE` in its guichetrc, a state of its own
# (every run starts alike), SSH_* cleared unless given in ENV.
desk() {
	local s=$1 mode=$2 envs=() wrap=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift && wrap=("$@")
	mkdir -p "$T/$s"
	printf 'set low_bandwidth %s\n' "$mode" >"$T/$s/guichetrc"
	tm -f /dev/null new-session -d -s "$s" -x 100 -y 30 \
		"env -u SSH_CONNECTION -u SSH_TTY -u SSH_CLIENT ${envs[*]} GUICHET_TOKEN='$ALICE' \
		 XDG_DATA_HOME='$T/$s/data' XDG_STATE_HOME='$T/$s/state' XDG_CONFIG_HOME='$T/$s/config' \
		 XDG_CACHE_HOME='$T/$s/cache' LANG=C.UTF-8 ${wrap[*]} \
		 '$GUICHET' -F '$T/$s/guichetrc' --server '$URL' --cacert '$CACERT'"
}
screen_of() { tm capture-pane -p -t "$1"; }
# see SESSION PATTERN [SECONDS]: wait until the screen matches (else show it)
see() {
	wait_for "${3:-15}" sh -c "tmux -u -S '$SOCK' capture-pane -p -t '$1' | grep -Eq -- \"\$0\"" "$2" &&
		return 0
	screen_of "$1" | sed 's/^/# | /' >&3
	return 1
}
coloured() { tm capture-pane -e -p -t "$1" | grep -Eq -- "$COLOUR"; }
uncoloured() { ! coloured "$1"; }
cursor_at() { [ "$(tm display-message -p -t "$1" '#{cursor_y}')" = "$2" ]; }
keys() { local s=$1; shift; tm send-keys -t "$s" "$@"; }

# walk SESSION: the same keys, each waited for on the screen (the selected
# line is under the cursor: line 2 is the first case).
walk() {
	local s=$1 i
	for i in $(seq 1 20); do
		keys "$s" j
		wait_for 10 cursor_at "$s" $((2 + i)) || return 1
	done
	keys "$s" Enter
	see "$s" ' état : [a-z-]+ +service : ' || return 1
	keys "$s" Escape
	see "$s" 'Liste de travail' || return 1
	wait_for 10 cursor_at "$s" 22 || return 1
	for i in $(seq 19 -1 0); do
		keys "$s" k
		wait_for 10 cursor_at "$s" $((2 + i)) || return 1
	done
}

# measure SESSION: the bytes guichet writes to its terminal during walk.
measure() {
	local s=$1
	tm pipe-pane -t "$s" -o "cat >'$T/$s/bytes'; touch '$T/$s/bytes.done'"
	walk "$s" || return 1
	tm pipe-pane -t "$s" # closes the pipe: cat ends
	wait_for 10 test -e "$T/$s/bytes.done"
}

# --- no, then yes: the same keys --------------------------------------------------------
for mode in no yes; do
	desk "$mode" "$mode"
	check "low_bandwidth $mode: the work list, loaded" see "$mode" ' [1-9][0-9]* dossier\(s\)'
	check "...online" see "$mode" ' · en ligne · '
	check "...the same keys typed and drawn (20 moves down, a case, 20 up)" measure "$mode"
done
NO_BYTES=$(wc -c <"$T/no/bytes")
YES_BYTES=$(wc -c <"$T/yes/bytes")
echo "# bytes written for the same keys: low_bandwidth no $NO_BYTES, yes $YES_BYTES"
check "low_bandwidth yes writes fewer bytes ($YES_BYTES) than no ($NO_BYTES)" \
	test "$YES_BYTES" -gt 0 -a "$YES_BYTES" -lt "$NO_BYTES"
check "no: the screen has colours" coloured no
check "yes: the screen has no colour at all" uncoloured yes
check "...and neither did the bytes" sh -c "! LC_ALL=C grep -aqP '\\x1b$COLOUR' '$T/yes/bytes'"
check "...but the title still stands out (reverse video)" \
	sh -c "tmux -u -S '$SOCK' capture-pane -e -p -t yes | head -1 | grep -q '\[7m\|;7m\|\[1;7m'"
check "...and the selected line" \
	sh -c "tmux -u -S '$SOCK' capture-pane -e -p -t yes | sed -n 3p | grep -q '\[7m\|;7m\|\[1;7m'"
check "neither asked the terminal anything (no measure: not auto)" \
	sh -c "! LC_ALL=C grep -aqP '\\x1b\\[6n' '$T/no/bytes' '$T/yes/bytes'"

# --- the clock: no redraws when the minute changes, yes waits for the next frame -------------
clock_of() { screen_of "$1" | sed -n 29p | grep -oE '[0-9]{2}:[0-9]{2}$'; }
same_clock() { [ -n "$(clock_of no)" ] && [ "$(clock_of no)" = "$(clock_of yes)" ]; }
check "both desks show the time" wait_for 10 same_clock
SHOWN=$(clock_of yes)
tm pipe-pane -t yes -o "cat >'$T/yes/clock'; touch '$T/yes/clock.done'"
ticked() { [ "$(clock_of no)" != "$SHOWN" ]; }
check "no: the minute changes on the screen by itself" wait_for 75 ticked
# The condition is the clock itself: both desks turn at least once a
# second, so two seconds after the minute changed, yes has had its turns.
TICKED_AT=$(date +%s)
two_seconds_on() { [ "$(date +%s)" -ge $((TICKED_AT + 2)) ]; }
wait_for 5 two_seconds_on
tm pipe-pane -t yes
wait_for 10 test -e "$T/yes/clock.done"
expect_eq "yes: the minute changing drew nothing (bytes written)" "$(wc -c <"$T/yes/clock")" 0
expect_eq "...and the screen still shows the time of its last frame" "$(clock_of yes)" "$SHOWN"
keys yes j
new_clock() { [ "$(clock_of yes)" = "$(clock_of no)" ]; }
check "...brought up to date by the next frame drawn anyway (a key)" wait_for 10 new_clock
keys yes k
tm kill-session -t no

# --- set at the prompt, both ways ----------------------------------------------------------
keys yes : "set low_bandwidth no" Enter
check "set low_bandwidth no at the prompt: the colours come back" wait_for 10 coloured yes
keys yes : "set theme dsfr" Enter
check "...set theme takes effect as usual (the dsfr title, colour 18)" \
	wait_for 10 sh -c "tmux -u -S '$SOCK' capture-pane -e -p -t yes | head -1 | grep -q '48;5;18'"
keys yes : "set low_bandwidth yes" Enter
check "set low_bandwidth yes: the colours go again" wait_for 10 uncoloured yes
keys yes : "set theme high-contrast" Enter
check "...and set theme meanwhile draws no colour either" see yes 'Liste de travail'
check "...(none on the screen)" uncoloured yes
keys yes : "set low_bandwidth no" Enter
check "...until low_bandwidth no, which shows the theme asked for meanwhile" wait_for 10 coloured yes
check "...with the work list still there" see yes 'Liste de travail'
keys yes : "set low_bandwidth maybe" Enter
check "a value that is not auto, yes or no is refused" see yes 'low_bandwidth : valeur inconnue'
tm kill-session -t yes

# --- auto ----------------------------------------------------------------------------------
# nudge SESSION: one move down and back up, each waited for on the screen
# (through the slow link: one move at a time, no backlog of keys).
nudge() {
	keys "$1" j
	wait_for 60 cursor_at "$1" 3 || return 1
	keys "$1" k
	wait_for 60 cursor_at "$1" 2
}
asked() { LC_ALL=C grep -aqP '\x1b\[6n' "$@"; }
not_asked() { ! asked "$@"; }
said_slow() { LC_ALL=C grep -aq 'liaison lente' "$1"; }
not_said_slow() { ! said_slow "$1"; }
nudges() { local i; for i in $(seq "$2"); do nudge "$1" || return 1; done; }

# Outside SSH, even over a slow link (500 bytes a second): never measured, never on.
desk slowlocal auto -- python3 "'$SLOW_TTY'" 500
tm pipe-pane -t slowlocal -o "cat >'$T/slowlocal/bytes'"
check "auto outside SSH over a slow link: the work list, loaded" see slowlocal ' [1-9][0-9]* dossier\(s\)' 60
check "...moves, each drawn" nudges slowlocal 6
keys slowlocal '?'
check "...then the help (all that was written before it has come through)" see slowlocal 'Aide — écran' 60
check "...it never asked the terminal anything (no measure outside SSH)" not_asked "$T/slowlocal/bytes"
check "...never said the link slow" not_said_slow "$T/slowlocal/bytes"
check "...and the colours stay" coloured slowlocal
tm kill-session -t slowlocal

# Over SSH on a fast link (tmux answers at once): measured, stays off.
desk fastssh auto "SSH_CONNECTION='192.0.2.7 50000 192.0.2.1 22'"
tm pipe-pane -t fastssh -o "cat >'$T/fastssh/bytes'"
check "auto over SSH on a fast link: the work list, loaded" see fastssh ' [1-9][0-9]* dossier\(s\)'
check "...the same keys" walk fastssh
check "...the terminal was asked where its cursor is (the measure)" asked "$T/fastssh/bytes"
check "...whose answers never ran as keys" \
	sh -c "! tmux -u -S '$SOCK' capture-pane -p -t fastssh | grep -q 'rien n.y est lié'"
check "...never said the link slow" not_said_slow "$T/fastssh/bytes"
check "...the colours stay" coloured fastssh
tm kill-session -t fastssh

# Over SSH on a slow link: on, said once, no colour.
desk slowssh auto "SSH_TTY=/dev/pts/99" -- python3 "'$SLOW_TTY'" 500
tm pipe-pane -t slowssh -o "cat >'$T/slowssh/bytes'"
check "auto over SSH on a slow link: the work list, loaded" see slowssh ' [1-9][0-9]* dossier\(s\)' 60
# moves until the desk has said it (in the bytes: the next key clears the message line)
slow_seen() { nudge slowssh && said_slow "$T/slowssh/bytes"; }
check "...after a few moves, the desk says the link is slow" wait_for 120 slow_seen
check "...in these words" env LC_ALL=C grep -aqF \
	'liaison lente : affichage économe (set low_bandwidth no pour revenir)' "$T/slowssh/bytes"
check "...and draws without colour" wait_for 60 uncoloured slowssh
check "...said once" test "$(LC_ALL=C grep -ao 'liaison lente' "$T/slowssh/bytes" | wc -l)" = 1
keys slowssh : "set low_bandwidth no" Enter
check "set low_bandwidth no brings the colours back" wait_for 60 coloured slowssh
tm kill-session -t slowssh
