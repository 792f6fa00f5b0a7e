# The phone on the desk's screen: guichet runs in tmux, drives a real
# baresip (ctrl_tcp, no sound card), and sipp calls it on loopback.  The
# call pops over the work list with the presumed citizen and their open
# case; `a` answers, the timer runs, Z/U hold and resume, N takes a note,
# H hangs up, W asks the wrap-up, and the call is on guichetd.  baresip
# killed: the status bar says so and the desk keeps working; started
# again: the desk is back on the phone.  The caller's display name carries
# escape sequences: none reaches the terminal.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/phone_lib.bash"
GUICHET=${GUICHET:-$(pwd)/build/guichet}
command -v tmux >/dev/null || { echo "not ok 1 - tmux is missing"; exit 1; }
for p in baresip sipp python3; do
	command -v $p >/dev/null || { echo "1..0 # SKIP $p is not installed"; exit 0; }
done
exec 3>&1
SOCK=$T/tmux.sock
export LANG=C.UTF-8 LC_ALL=C.UTF-8
tm() { tmux -u -S "$SOCK" "$@"; }
shown() { tm capture-pane -p -t desk; }
see() {
	wait_for "${2:-15}" sh -c "tmux -u -S '$SOCK' capture-pane -p -t desk | grep -Eq -- \"\$0\"" "$1" &&
		return 0
	shown | sed 's/^/# | /' >&3
	return 1
}
gone() {
	wait_for "${2:-15}" sh -c "! tmux -u -S '$SOCK' capture-pane -p -t desk | grep -Eq -- \"\$0\"" "$1" &&
		return 0
	shown | sed 's/^/# | /' >&3
	return 1
}
keys() { tm send-keys -t desk "$@"; }
trap 'tm kill-server 2>/dev/null; phone_cleanup; finish' EXIT

start_server
ALICE=$(login alice)
TOKEN=$ALICE
baresip_setup
baresip_start || { not_ok "baresip starts"; exit 1; }

req GET /api/v1/me >/dev/null
SERVICE=$(jbody '.services[0]')
jreq POST /api/v1/citizens '{"given_name":"Jeanne","family_name":"Martin","phones":["06 12 34 56 78"]}' >/dev/null
CID=$(jbody .id)
jreq POST /api/v1/cases "{\"citizen_id\":$CID,\"service\":\"$SERVICE\",\"subject\":\"Carte grise\"}" >/dev/null
REF=$(jbody .ref)
CASE_ID=$(jbody .id)

cat >"$T/rc" <<EOF
set phone tcp:127.0.0.1:$CTRL_PORT
EOF
tm -f /dev/null new-session -d -s desk -x 140 -y 40 \
	"env XDG_STATE_HOME='$T/state' XDG_CONFIG_HOME='$T/config' GUICHET_TOKEN='$ALICE' \
	 LANG=C.UTF-8 '$GUICHET' --server '$URL' --cacert '$CACERT' -F '$T/rc'"
tm pipe-pane -t desk -o "cat >>'$T/bytes'"
check "the desk opens on the work list" see 'dossier\(s\)'
check "...the status bar says the phone is ready" see '☎ prêt'
keys P
check "...the agent is available" wait_for 10 sh -c \
	"curl -s --cacert '$CACERT' -H 'Authorization: Bearer $ALICE' '$URL/api/v1/me' | jq -e '.presence == \"available\"'"

# --- a citizen calls; their phone sends a hostile display name ----------------------------
EVIL=$(printf 'Jeanne \033]0;pwned\007M\033[2Jartin')
call c1 caller_waits.xml 0612345678 "$EVIL"
check "the call pops over the work list" see 'APPEL ENTRANT — \+33612345678'
check "...with the presumed citizen and their open case" \
	see "usager présumé \(numéro appelant\) : Jeanne Martin — dossiers ouverts : $REF"
check "...the display name drawn as harmless text" see '\(Jeanne .*M.*artin\)'
check "...and the keys to answer or decline" see 'a : décrocher +x : refuser'
check "...the status bar rings" see '☎ sonne'
keys a
check "a answers: the call is on the line" see 'EN LIGNE 0:0[0-9] — \+33612345678'
check "...its timer runs" see 'EN LIGNE 0:0[2-9]'
check "...and the status bar counts it too" see '☎ 0:0[2-9]'
check "...presence busy on guichetd" wait_for 10 sh -c \
	"curl -s --cacert '$CACERT' -H 'Authorization: Bearer $ALICE' '$URL/api/v1/me' | jq -e '.presence == \"busy\"'"
keys Z
check "Z puts the caller on hold" see 'EN ATTENTE [0-9]+:[0-9]+'
check "...with the keys to take them back" see 'U : reprendre'
keys U
check "U takes the call back" see 'EN LIGNE [0-9]+:[0-9]+'
keys N
check "N asks for a note" see ':call-note'
keys -l "Rappeler lundi pour le certificat"
keys Enter
check "...the note shows on the call" see 'note : Rappeler lundi pour le certificat'
keys H
check "H hangs up: the call is over, its length shown" see 'APPEL TERMINÉ [0-9]+:[0-9]{2}'
check "...and the wrap-up is asked" see 'W : code de clôture'
check "...the status bar is back to ready" see '☎ prêt'
check "...sipp saw the call end" wait_for 20 grep -q '^ended' "$T/c1.log"
check "...the wrap-up prompt opens by itself" see '^:wrapup'
keys Escape
check "Escape puts it away" gone '^:wrapup'
keys W
check "W opens it again" see '^:wrapup'
keys -l "information $REF"
check "...the code and the case typed in it" see ":wrapup information $REF"
keys Enter
check "...the wrap-up closes the call's pop-up" gone 'APPEL TERMINÉ'
recorded() {
	curl -s --cacert "$CACERT" -H "Authorization: Bearer $ALICE" \
		"$URL/api/v1/citizens/$CID/timeline?limit=5" >"$T/tl"
	jq -e '[.items[] | select(.channel == "phone")] | length == 1' "$T/tl" >/dev/null
}
check "the call is on guichetd, in the citizen's timeline" wait_for 15 recorded
IID=$(jq -r '[.items[] | select(.channel == "phone")][0].id' "$T/tl")
req GET "/api/v1/interactions/$IID" >/dev/null
expect_eq "...incoming, in the case, with its code" \
	"$(jbody .direction)/$(jbody .case_id)/$(jbody .wrapup_code)" "in/$CASE_ID/information"
expect_eq "...and the note" "$(jbody .summary)" "Rappeler lundi pour le certificat"

# --- baresip dies, then comes back ---------------------------------------------------------
baresip_kill
check "baresip killed: the status bar says the phone is unreachable" see 'téléphone injoignable'
keys /
keys -l "Martin"
keys Enter
check "...and the desk keeps working (search finds the citizen)" see 'Martin Jeanne +\+33612345678'
keys h
baresip_start
check "baresip back: the desk is on the phone again" see '☎ prêt' 20

# --- the caller hangs up while the agent is typing a note ----------------------------------
call c2 caller_hangs_up.xml 0612345678 "Jeanne Martin"
check "...and the next call rings on the desk" see 'APPEL ENTRANT — \+33612345678'
keys a
check "a answers it" see 'EN LIGNE'
keys N
keys -l "Pièce manquante : justificatif"
check "the agent types a note" see '^:call-note Pièce manquante : justificatif'
check "the caller hangs up" see 'APPEL TERMINÉ' 20
check "...the note being typed is still there, untouched" see '^:call-note Pièce manquante : justificatif$'
keys Enter
check "...and is kept with the ended call" see 'note : Pièce manquante : justificatif'
keys W
keys -l "orientation"
keys Enter
check "W, a code: the call is closed" gone 'APPEL TERMINÉ'
oriented() {
	curl -s --cacert "$CACERT" -H "Authorization: Bearer $ALICE" \
		"$URL/api/v1/citizens/$CID/timeline?limit=5" |
		jq -e '[.items[] | select(.channel == "phone" and .summary == "Pièce manquante : justificatif")] | length == 1' >/dev/null
}
check "...recorded on guichetd with the note" wait_for 15 oriented

# --- a call declined ----------------------------------------------------------------------
call c3 caller_waits.xml 0612345678 "Jeanne Martin"
check "a third call rings" see 'APPEL ENTRANT — \+33612345678'
keys x
check "x declines it" gone 'APPEL ENTRANT'
check "...sipp was refused" wait_for 20 sh -c "! kill -0 $(cat "$T/c3.pid")"

check "no escape sequence from the caller's display name reached the terminal" \
	sh -c "! grep -aqE \"\$(printf '\\033\\\\]0;pwned')\" '$T/bytes'"
