# The desk in a real terminal: guichet runs in tmux against a real guichetd
# on loopback; keys are typed with send-keys and the screen read back with
# capture-pane, every wait for a condition with a deadline.  The bytes
# guichet writes are captured too (pipe-pane), to check that no escape
# sequence from data ever reaches the terminal.
. "$(dirname "$0")/lib.bash"
GUICHET=${GUICHET:-$(pwd)/build/guichet}
command -v tmux >/dev/null || { echo "not ok 1 - tmux is missing"; exit 1; }
exec 3>&1
SOCK=$T/tmux.sock
export LANG=C.UTF-8 LC_ALL=C.UTF-8 # tmux draws UTF-8 only in a UTF-8 locale
tm() { tmux -u -S "$SOCK" "$@"; }
shown() { tm capture-pane -p -t desk; }
# see PATTERN [SECONDS]: wait until the screen matches (else show it)
see() {
	wait_for "${2:-15}" sh -c "tmux -u -S '$SOCK' capture-pane -p -t desk | grep -Eq -- \"\$0\"" "$1" &&
		return 0
	shown | sed 's/^/# | /' >&3 # past check's redirections, into the log
	return 1
}
keys() { tm send-keys -t desk "$@"; }
trap 'tm kill-server 2>/dev/null; finish' EXIT

start_server --offer-timeout 60 --heartbeat 2
ALICE=$(login alice)
SOPHIE=$(login sophie)
TOKEN=$ALICE

# A citizen whose name and notes carry terminal escapes: OSC title, OSC 52
# (clipboard), CSI cursor moves, C1 controls, a bidi override.
EVIL_NAME=$(printf 'Eve\033]0;pwned\007\033[2J\302\233H\342\200\256Reverse')
EVIL_NOTE=$(printf 'Note \033]52;c;ZXZpbA==\007 \033[10;10H \033[31mred\033[0m \302\2339m end')
jreq POST /api/v1/citizens "$(jq -cn --arg g "$EVIL_NAME" '{given_name: $g, family_name: "Malicieuse"}')" >/dev/null
EVIL=$(jbody .id)
jreq POST /api/v1/cases "$(jq -cn --argjson c "$EVIL" --arg s "$EVIL_NOTE" \
	'{citizen_id: $c, subject: $s, service: "etat-civil", channel: "email"}')" >/dev/null
EVIL_CASE=$(jbody .ref)
jreq POST /api/v1/interactions "$(jq -cn --argjson c "$EVIL" --arg s "$EVIL_NOTE" \
	'{citizen_id: $c, channel: "chat", direction: "in", summary: $s}')" >/dev/null

# A citizen known by her mail, with a case open: her chat will be matched to her.
jreq POST /api/v1/citizens '{"given_name":"Zoé","family_name":"Offre","emails":["zoe.offre@example.org"]}' >/dev/null
ZOE=$(jbody .id)
jreq POST /api/v1/cases "{\"citizen_id\":$ZOE,\"subject\":\"Acte de naissance\",\"service\":\"etat-civil\",\"channel\":\"web\"}" >/dev/null
ZOE_CASE=$(jbody .ref)

# --- log in at the prompt; the token is kept 0600 -------------------------------------
tm -f /dev/null new-session -d -s desk -x 100 -y 30 \
	"env XDG_STATE_HOME='$T/state' XDG_CONFIG_HOME='$T/config' LANG=C.UTF-8 \
	 '$GUICHET' --server '$URL' --cacert '$CACERT' --login alice"
tm pipe-pane -t desk -o "cat >>'$T/bytes'"
check "the password is asked" see 'Mot de passe'
keys demo Enter
check "after the login, the work list" see 'Liste de travail'
check "...with my cases, loaded" see ' [1-9][0-9]* dossier\(s\)'
expect_eq "the token is kept in a 0600 file" "$(stat -c %a "$T"/state/guichet/token-* 2>/dev/null)" 600
expect_eq "...with the login it belongs to (whose outbox to bring back offline)" \
	"$(sed -n 2p "$T"/state/guichet/token-* 2>/dev/null)" alice
check "the password was not echoed" sh -c "! tmux -u -S '$SOCK' capture-pane -p -t desk | grep -q demo"

# --- open, note, citizen ------------------------------------------------------------------
keys Enter
check "Enter opens the first work item" see 'guichet — Dossier'
check "...and loads it" see ' état : [a-z-]+ +service : '
keys n
check "n opens the prompt for a note" see '^:note ?$'
keys "Rappelé l’usager, dossier complet" Enter
check "the note is said done" see 'note : fait'
REF=$(shown | sed -n '2p' | awk '{print $1}')
req GET "/api/v1/cases/$REF/events" >/dev/null
expect_eq "the note is on the server" \
	"$(jbody 'any(.items[]; .kind == "note" and .data.text == "Rappelé l’usager, dossier complet")')" true
keys c
check "c opens the citizen 360°" see 'Usager — vue 360°'
check "...with the timeline of several channels" wait_for 10 sh -c "[ \$(tmux -u -S '$SOCK' capture-pane -p -t desk | grep -oE '[@TCSGLWN] [0-9]{2}/[0-9]{2}/[0-9]{2} ' | cut -c1 | sort -u | wc -l) -ge 2 ]"

# --- a stale change shows the conflict --------------------------------------------------------
keys Escape
check "Esc goes back to the case" see 'guichet — Dossier'
ID=$(curl -sS --cacert "$CACERT" -H "Authorization: Bearer $SOPHIE" "$URL/api/v1/cases/$REF" | jq -r .id)
VER=$(curl -sS --cacert "$CACERT" -H "Authorization: Bearer $SOPHIE" "$URL/api/v1/cases/$REF" | jq -r .version)
STATUS=$(curl -sS --cacert "$CACERT" -H "Authorization: Bearer $SOPHIE" "$URL/api/v1/cases/$REF" | jq -r .status)
TO=open # every status but open may go back to open
[ "$STATUS" = open ] && TO=pending-citizen
TOKEN=$SOPHIE
jreq PATCH "/api/v1/cases/$ID" "{\"status\":\"$TO\"}" -H "If-Match: \"$VER\"" >/dev/null
TOKEN=$ALICE
check "the desk says the case changed elsewhere" see 'modifié ailleurs depuis que vous'
keys : "status resolved" Enter
check "a stale status change shows the conflict and the current value" \
	see "refusé : le dossier a changé entre-temps \(état actuel : $TO\)"

# The refused change is kept in the outbox, beside what the case is now.
check "...the status bar counts the change to take up" see ' · 1 conflit\(s\) : outbox'
keys o
check "o shows the outbox" see 'guichet — Envoi : actions en attente'
check "...with the conflict, its case and the current state" see "CONFLIT +status → resolved · $REF — actuel : $TO"
CONFLICT=$(shown | grep CONFLIT | awk '{print $1}')
keys : "reapply $CONFLICT" Enter
check "reapply sends it again on the current version" see 'status → resolved : fait'
expect_eq "...and the case is resolved on the server" \
	"$(curl -sS --cacert "$CACERT" -H "Authorization: Bearer $SOPHIE" "$URL/api/v1/cases/$REF" | jq -r .status)" resolved
check "...the outbox is empty" see 'rien : tout est arrivé au serveur'
keys : "open case $REF" Enter
check "back to the case, read again: resolved" see ' état : resolved '
keys : "status open" Enter
check "(reopened for what follows)" see 'status → open : fait'

# --- collision: who else has the case open, or is writing in it -------------------------------
# marks_seen: sophie marks the case (mode $1) and prints the others' marks she is told of.
marks_seen() {
	curl -sS --cacert "$CACERT" -H "Authorization: Bearer $SOPHIE" -X PUT \
		-H 'Content-Type: application/json' -d "{\"mode\":\"$1\"}" "$URL/api/v1/cases/$ID/viewing" |
		jq -r '[.viewers[] | select(.login != "sophie") | .login + ":" + .mode] | join(",")'
}
marks_are() { [ "$(marks_seen "$1")" = "$2" ]; }
expect_eq "sophie opening the case is told alice has it open" "$(marks_seen writing)" alice:viewing
check "alice's case screen says sophie is writing in it" see 'Aussi ouvert par : sophie \(écrit\)'
keys n
check "when alice starts a note, sophie is told she is writing" \
	wait_for 10 marks_are viewing alice:writing
check "...and alice sees sophie now only has it open" see 'Aussi ouvert par : sophie$'
keys Escape
curl -sS --cacert "$CACERT" -H "Authorization: Bearer $SOPHIE" -X DELETE "$URL/api/v1/cases/$ID/viewing" -o /dev/null
check "when sophie leaves the case, the line goes" \
	wait_for 10 sh -c "! tmux -u -S '$SOCK' capture-pane -p -t desk | grep -q 'Aussi ouvert'"

# --- an offer pops up over any screen ------------------------------------------------------------
keys P
check "P makes me available" see ' · disponible · '
TOKEN=
jreq POST /public/v1/chats '{"name":"Zoé","email":"zoe.offre@example.org","subject":"Acte de naissance","text":"Bonjour, il me faut un acte de naissance.","service":"etat-civil"}' >/dev/null
CHAT=$(jbody .id)
CT=$(jbody .token)
curl -sS -N --cacert "$CACERT" -H "Authorization: Bearer $CT" "$URL/public/v1/chats/$CHAT/events" \
	>"$T/citizen.events" 2>/dev/null &
CITIZEN_STREAM=$!
check "the chat offer pops up over the case screen" see 'CHAT en attente — Zoé — Acte de naissance'
check "...naming the citizen presumed (her mail is not verified) and her open cases" \
	see "usager présumé \\(courriel déclaré, non vérifié\\) : Zoé Offre — dossiers ouverts : $ZOE_CASE \\([a-z-]+\\)"
keys a
check "a accepts it and the chat opens" see 'guichet — Chat'
check "...with the citizen's first message" see 'usager +Bonjour, il me faut un acte de naissance'
TOKEN=$ALICE
CHATS=$(curl -sS --cacert "$CACERT" -H "Authorization: Bearer $ALICE" "$URL/api/v1/chats" | jq -r '[.items[] | select(.agent=="alice" and .status=="active")] | length')
expect_eq "the accepted chat is active and mine on the server" "$CHATS" 1
keys Enter
check "Enter opens the input line" see '^:say ?$'
keys "Bonjour Zoé, je m’en occupe"
check "while I type, the citizen's page is told I am writing, by first name" \
	wait_for 10 grep -q '"agent": *"Alice"}' "$T/citizen.events"
keys " tout de suite." Enter
check "my answer shows in the conversation" see 'Alice +Bonjour Zoé, je m’en occupe'
check "...and reaches the citizen's event stream" wait_for 10 grep -q 'je m’en occupe' "$T/citizen.events"
TOKEN=$CT
jreq POST /public/v1/chats/$CHAT/messages '{"text":"Merci beaucoup !"}' >/dev/null
check "the citizen's answer appears live" see 'usager +Merci beaucoup'
keys E
keys information Enter
check "E ends the chat with a wrap-up code" see 'chat terminé'
check "...and the citizen is offered the survey" wait_for 10 grep -q '"survey": *true' "$T/citizen.events"
kill "$CITIZEN_STREAM" 2>/dev/null
TOKEN=$ALICE

# --- a call pops up too, the caller presumed from the number; x declines it -----------------
jreq POST /api/v1/citizens '{"given_name":"Paul","family_name":"Appelant","phones":["+33145454546"]}' >/dev/null
keys : "open case $REF" Enter
check "back on the case" see ' état : [a-z-]+ +service : '
keys P
check "available again" see ' · disponible · '
PBX=$("$GUICHETD" token create pbx --data "$DATA")
TOKEN=$PBX
jreq POST /api/v1/telephony/events '{"call_id":"desk-1","event":"ringing","from":"01 45 45 45 46","service":"etat-civil"}' >/dev/null
TOKEN=$ALICE
check "a ringing call pops up over the case" see 'APPEL en attente — \+33145454546'
check "...with the caller presumed from the number" see 'usager présumé \(numéro appelant\) : Paul Appelant'
keys x
check "x declines it and the pop-up goes" \
	wait_for 10 sh -c "! tmux -u -S '$SOCK' capture-pane -p -t desk | grep -q 'APPEL en attente'"
TOKEN=$PBX
jreq POST /api/v1/telephony/events '{"call_id":"desk-2","event":"ringing","from":"01 45 45 45 46","service":"etat-civil"}' >/dev/null
TOKEN=$ALICE
check "the next call pops up" see 'APPEL en attente — \+33145454546'
keys a
check "a takes it and opens the caller's file" see 'Paul Appelant'
check "...on the 360° view" see 'guichet — Usager — vue 360°'
check "...saying the identity is to be checked" see 'usager présumé \(vérifiez son identité\)'
expect_eq "the call is alice's on the server" \
	"$(req GET /api/v1/calls >/dev/null; jbody '[.items[] | select(.call_id == "desk-2") | .agent] | join(",")')" alice

# --- resize -----------------------------------------------------------------------------------------
tm resize-window -t desk -x 80 -y 24
check "after a resize to 80x24 the title is there" see 'guichet — '
check "...and the status bar" see '^ alice \(agent\)'
check "...on the line above the prompt's, line 23 of 24 (the desk took SIGWINCH and the new size)" \
	wait_for 10 sh -c "tmux -u -S '$SOCK' capture-pane -p -t desk | sed -n 23p | grep -q '^ alice (agent)'"
keys w
check "the work list at 80x24" see 'Liste de travail'
# Accessibility: the terminal cursor rests on the selected line, so braille
# displays and screen readers follow the agent.
keys Home j j
check "the terminal cursor rests on the selected line (the third case)" \
	wait_for 10 sh -c "[ \"\$(tmux -u -S '$SOCK' display-message -p -t desk '#{cursor_y}')\" = 4 ]"
keys k
check "...and follows it up" \
	wait_for 10 sh -c "[ \"\$(tmux -u -S '$SOCK' display-message -p -t desk '#{cursor_y}')\" = 3 ]"
widest() { shown | while IFS= read -r l; do echo "${#l}"; done | sort -n | tail -1; }
expect_match "no line is longer than 80 columns" "$(widest)" '^([0-9]|[1-7][0-9]|80)$'
# Every screen stays usable at 80x24: the case, its citizen, search, help.
keys Enter
check "at 80x24 the case opens with its header" see ' état : [a-z-]+ +service : '
expect_match "...within 80 columns" "$(widest)" '^([0-9]|[1-7][0-9]|80)$'
keys c
check "at 80x24 the citizen shows identity and timeline (under it)" see '^Historique, tous canaux'
expect_match "...within 80 columns" "$(widest)" '^([0-9]|[1-7][0-9]|80)$'
keys : "search martin" Enter
check "at 80x24 search lists results" see 'résultat\(s\) pour « martin »'
keys '?'
check "at 80x24 the help lists keys and commands" see '^ <Down> j +down +ligne suivante'
expect_match "...within 80 columns" "$(widest)" '^([0-9]|[1-7][0-9]|80)$'
keys w

# --- themes: the colours reach the terminal, NO_COLOR keeps only attributes ---------------------------
tm new-session -d -s dsfr -x 80 -y 24 "env GUICHET_TOKEN='$ALICE' XDG_CONFIG_HOME='$T/config' \
	'$GUICHET' --server '$URL' --cacert '$CACERT' --theme dsfr"
check "the dsfr theme starts" wait_for 15 sh -c "tmux -u -S '$SOCK' capture-pane -p -t dsfr | grep -q 'Liste de travail'"
check "...with the title in bleu France (#000091, colour 18 of 256)" \
	sh -c "tmux -u -S '$SOCK' capture-pane -e -p -t dsfr | head -1 | grep -q '48;5;18'"
tm kill-session -t dsfr
tm new-session -d -s nocolor -x 80 -y 24 "env NO_COLOR=1 GUICHET_TOKEN='$ALICE' \
	XDG_CONFIG_HOME='$T/config' '$GUICHET' --server '$URL' --cacert '$CACERT' --theme dsfr"
check "with NO_COLOR the desk starts" wait_for 15 sh -c "tmux -u -S '$SOCK' capture-pane -p -t nocolor | grep -q 'Liste de travail'"
check "...without any colour" sh -c "! tmux -u -S '$SOCK' capture-pane -e -p -t nocolor | grep -qE '\[([0-9;]*;)?(3[0-7]|4[0-7]|38;5;[0-9]+|48;5;[0-9]+)[;m]'"
check "...but the title still stands out (reverse video)" \
	sh -c "tmux -u -S '$SOCK' capture-pane -e -p -t nocolor | head -1 | grep -q '\[7m\|;7m\|\[1;7m'"
tm kill-session -t nocolor

# --- escapes from data never reach the terminal ------------------------------------------------------
keys : "search malicieuse" Enter
check "the citizen with escapes in her name is found" see 'Malicieuse Eve'
keys Enter
check "her file opens" see 'Usager — vue 360°'
check "her timeline shows the hostile note, defused" see 'Note .*end'
keys : "open case $EVIL_CASE" Enter
check "the case with escapes in its subject opens" see "$EVIL_CASE"
# --- guichetd goes away: what the agent writes waits in the outbox, then arrives once ---------------------
keys : "open case $REF" Enter
check "the case is open before guichetd goes" see ' état : open '
PORT=${URL##*:}
stop_server
check "the desk sees guichetd gone" see ' · hors ligne · ' 60
keys n "Écrit hors ligne" Enter
check "the note is kept, and said so" see 'pas de réponse du serveur, gardé dans l.envoi'
keys : "status pending-citizen" Enter
check "the status bar counts the two changes waiting" see ' · 2 en attente · '
start_server --offer-timeout 60 --heartbeat 2 --listen "127.0.0.1:$PORT"
check "guichetd back on the same address: the desk is online" see ' · en ligne · ' 60
check "...and nothing waits any more" wait_for 60 sh -c "! tmux -u -S '$SOCK' capture-pane -p -t desk | grep -q ' en attente · '"
req GET "/api/v1/cases/$REF/events" >/dev/null
expect_eq "the note reached guichetd exactly once" \
	"$(jbody '[.items[] | select(.kind == "note" and .data.text == "Écrit hors ligne")] | length')" 1
expect_eq "...and so did the status change, after it" \
	"$(jbody '[.items[] | select(.kind == "status" and .data.to == "pending-citizen")] | length >= 1')" true
req GET "/api/v1/cases/$REF" >/dev/null
expect_eq "the case is pending-citizen on the server" "$(jbody .status)" pending-citizen

# --- the session ends on the server (logout elsewhere, expiry, account disabled) --------------------------
TOKEN=$(head -1 "$T"/state/guichet/token-*) # (its second line: the login)
expect_eq "the desk's session is ended on the server" "$(req DELETE /api/v1/auth/token)" 204
TOKEN=$ALICE
check "the status bar says the session is over" see ' · session terminée · '
check "...and the message line says what to do" see 'la session a pris fin'
keys q
wait_for 10 sh -c "! tmux -u -S '$SOCK' has-session -t desk 2>/dev/null"
check "q quits" sh -c "! tmux -u -S '$SOCK' has-session -t desk 2>/dev/null"
check "the desk wrote bytes to the terminal" test -s "$T/bytes"
check "no OSC title from data" sh -c "! grep -aq 'pwned' '$T/bytes' || ! LC_ALL=C grep -aqP '\x1b\]0;pwned' '$T/bytes'"
check "no OSC sequence at all (title, clipboard)" sh -c "! LC_ALL=C grep -aqP '\x1b\]' '$T/bytes'"
check "no OSC 52 payload" sh -c "! LC_ALL=C grep -aqP '\x1b\]52' '$T/bytes'"
check "no C1 CSI" sh -c "! LC_ALL=C grep -aqP '\xc2\x9b' '$T/bytes'"
check "no bidi override" sh -c "! LC_ALL=C grep -aqP '\xe2\x80\xae' '$T/bytes'"
check "the data's colour escape arrived defused" env LC_ALL=C grep -aqP '\xef\xbf\xbd\[31mred' "$T/bytes"
check "...and never raw" sh -c "! LC_ALL=C grep -aqP '\x1b\[31mred' '$T/bytes'"

# The next start finds the saved token refused and asks for the password again.
tm new-session -d -s again -x 100 -y 30 \
	"env XDG_STATE_HOME='$T/state' XDG_CONFIG_HOME='$T/config' LANG=C.UTF-8 \
	 '$GUICHET' --server '$URL' --cacert '$CACERT' --login alice"
check "a refused saved session is said at the next start" \
	wait_for 15 sh -c "tmux -u -S '$SOCK' capture-pane -p -t again | grep -q 'La session enregistrée a pris fin'"
check "...and the password asked again" \
	wait_for 15 sh -c "tmux -u -S '$SOCK' capture-pane -p -t again | grep -q 'Mot de passe'"
tm send-keys -t again demo Enter
check "...after which the desk works" \
	wait_for 15 sh -c "tmux -u -S '$SOCK' capture-pane -p -t again | grep -q 'Liste de travail'"
tm kill-session -t again
