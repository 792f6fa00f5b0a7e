# The supervisor's wallboard in a real terminal (tmux) against a real
# guichetd: refused to an agent; its figures follow the event stream (a
# citizen's chat arrives, the queue's line changes, an alert is raised);
# a presence set and a chat reassigned from it reach the agent's own desk.
# Headless, `monitor` gives the snapshot and `staffing` Erlang C's answer.
. "$(dirname "$0")/lib.bash"
GUICHET=${GUICHET:-$(pwd)/build/guichet}
command -v tmux >/dev/null || { echo "not ok 1 - tmux is missing"; exit 1; }
exec 3>&1
SOCK=$T/tmux.sock
export LANG=C.UTF-8 LC_ALL=C.UTF-8
tm() { tmux -u -S "$SOCK" "$@"; }
# see SESSION PATTERN [SECONDS]: wait until that screen matches (else show it)
see() {
	wait_for "${3:-15}" sh -c "tmux -u -S '$SOCK' capture-pane -p -t '$1' | grep -Eq -- \"\$0\"" "$2" &&
		return 0
	tm capture-pane -p -t "$1" | sed 's/^/# | /' >&3
	return 1
}
keys() { tm send-keys -t "$@"; }
trap 'tm kill-server 2>/dev/null; finish' EXIT

start_server --offer-timeout 60 --heartbeat 2
ALICE=$(login alice)
SOPHIE=$(login sophie)
export XDG_CONFIG_HOME=$T/none XDG_STATE_HOME=$T/state XDG_CACHE_HOME=$T/cache
g() { "$GUICHET" --server "$URL" --cacert "$CACERT" "$@"; }

# --- an agent is refused, before any screen, and by guichetd too ---------------------
GUICHET_TOKEN=$ALICE g --monitor >"$T/out" 2>"$T/err" </dev/null
expect_eq "guichet --monitor as an agent: exit 1" "$?" 1
expect_match "...saying why" "$(cat "$T/err")" 'monitor : réservé aux superviseurs'
GUICHET_TOKEN=$ALICE g -e monitor >"$T/out" 2>"$T/err"
expect_eq "headless monitor as an agent: exit 1" "$?" 1
TOKEN=$ALICE
expect_eq "guichetd refuses the agent the snapshot" "$(req GET /api/v1/monitor)" 403

# --- headless: the snapshot, and staffing by Erlang C --------------------------------------
GUICHET_TOKEN=$SOPHIE g -e monitor -e 'staffing etat-civil chat calls=100 aht=180 target=20 goal=80' \
	>"$T/out" 2>"$T/err"
expect_eq "headless monitor and staffing as a supervisor: exit 0" "$?" 0
expect_eq "monitor gives the snapshot, with its service-level definition" \
	"$(head -1 "$T/out" | jq -r '.result.sl_definition | test("answered within 20 s")')" true
expect_eq "...and every agent" "$(head -1 "$T/out" | jq '[.result.agents[].login] | index("alice") != null')" true
expect_eq "100 chats per 30 min of 180 s, 80 % in 20 s: 14 agents" \
	"$(sed -n 2p "$T/out" | jq .result.agents_needed)" 14
expect_eq "...13 give 79.6 %, 15 give more" \
	"$(sed -n 2p "$T/out" | jq -c '[.result.options[] | [.agents, (.service_level * 1000 | round)]]')" \
	'[[13,796],[14,888],[15,941]]'
GUICHET_TOKEN=$SOPHIE g -e 'staffing etat-civil fax' >"$T/out" 2>"$T/err"
expect_eq "a channel that is not one: exit 1" "$?" 1

# --- the wallboard follows the event stream -------------------------------------------
printf 'set alert_queue 1\nset notify osc9\n' >"$T/rc"
tm -f /dev/null new-session -d -s wall -x 160 -y 50 \
	"env GUICHET_TOKEN='$SOPHIE' LANG=C.UTF-8 '$GUICHET' --server '$URL' --cacert '$CACERT' -F '$T/rc' --monitor"
tm pipe-pane -t wall -o "cat >>'$T/bytes'"
check "the wallboard opens on its title" see wall 'Supervision : files, agents, engagements'
check "...with the service-level definition on screen" see wall 'NS = répondu en 20 s ÷ \(répondu \+ abandonné après 5 s ou plus\)'
check "...the queues' columns" see wall 'FILE \(service/canal\) +attente'
check "...the agents, alice offline" see wall 'Alice Martin \(alice\) +offline'
check "...the commitments at risk" see wall 'ENGAGEMENTS MENACÉS'
check "nothing waits yet in affaires-scolaires/chat" \
	sh -c "! tmux -u -S '$SOCK' capture-pane -p -t wall | grep -q 'affaires-scolaires/chat'"

TOKEN=
jreq POST /public/v1/chats '{"name":"Zoé","subject":"Cantine","text":"Bonjour, comment inscrire mon fils à la cantine ?"}' >/dev/null
C1=$(jbody .id)
check "a citizen's chat arrives: its queue shows 1 waiting" see wall 'affaires-scolaires/chat +1 +0:[0-9]{2} +1 '
jreq POST /public/v1/chats '{"name":"Yann","subject":"Cantine","text":"Les menus de la cantine ?"}' >/dev/null
C2=$(jbody .id)
check "a second one: 2 waiting, 2 offered" see wall 'affaires-scolaires/chat +2 +[0-9]:[0-9]{2} +2 '
check "...and the alert of the guichetrc threshold" see wall 'ALERTE affaires-scolaires/chat : 2 en attente \(seuil 1\)'
check "...notified to the terminal once, as OSC 9 (set notify osc9)" wait_for 10 sh -c \
	"grep -a -c \"\$(printf '\\033]9;')[^\$(printf '\\007')]*2 en attente\" '$T/bytes' | grep -qx 1"

# --- actions from the wallboard reach the agent's desk ------------------------------------
tm new-session -d -s alice -x 100 -y 30 \
	"env GUICHET_TOKEN='$ALICE' LANG=C.UTF-8 '$GUICHET' --server '$URL' --cacert '$CACERT'"
check "alice's desk is up" see alice 'alice \(agent\) .* en ligne'
keys wall : "agent alice presence available" Enter
check "a presence set from the wallboard shows in alice's status bar" see alice 'alice \(agent\) · disponible'
check "...and on the wallboard" see wall 'Alice Martin \(alice\) +available'
TOKEN=$ALICE
check "the waiting chats are offered to alice" wait_for 15 sh -c \
	"curl -sS --cacert '$CACERT' -X POST -H 'Authorization: Bearer $ALICE' -o /dev/null -w '%{http_code}' \
	 '$URL/api/v1/chats/$C1/accept' | grep -q 200"
check "alice's chat shows as her activity" see wall 'Alice Martin \(alice\) +available +chat '
keys wall : "reassign $C1 ines" Enter
check "a chat reassigned from the wallboard: alice's desk says so" \
	see alice "le chat $C1 a été confié à ines par sophie"
TOKEN=$SOPHIE
req GET "/api/v1/chats/$C1" >/dev/null
expect_eq "...and guichetd has it with ines" "$(jbody .agent)" ines
TOKEN=$SOPHIE req GET "/api/v1/audit?action=chat.reassign" >/dev/null
expect_match "...audited, with sophie as the one who did it" "$(body)" '"sophie"'
keys wall : "agent alice presence paused \"réunion d'équipe\"" Enter
check "a pause set from the wallboard, with its reason, on alice's desk" \
	see alice "alice \(agent\) · en pause : réunion d'équipe"
keys wall : "agent alice services etat-civil voirie" Enter
check "services changed from the wallboard show on alice's line" see wall 'Alice Martin \(alice\) .* etat-civil,voirie'
TOKEN=$SOPHIE req GET /api/v1/agents >/dev/null
expect_eq "...and guichetd has them" "$(jq -c '[.items[] | select(.login == "alice") | .services[]?] // [] | sort' "$T/body" 2>/dev/null)" '["etat-civil","voirie"]'
keys wall : "staffing affaires-scolaires chat aht=240" Enter
check "staffing from the prompt answers on the message line" \
	see wall 'affaires-scolaires/chat : [0-9.]+ erlangs ; 80 % en 20 s : [0-9]+ agents'

