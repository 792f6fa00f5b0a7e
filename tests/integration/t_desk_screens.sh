# The desk's screens, tested without a terminal (as tig's tests do): guichet
# runs a script of commands and keys against a real guichetd on loopback,
# on a screen of a fixed size, then prints the screen as text.  The lines
# that hold no date are compared exactly; the others by pattern.
. "$(dirname "$0")/lib.bash"
GUICHET=${GUICHET:-$(pwd)/build/guichet}
start_server
ALICE=$(login alice)

# screen SIZE SCRIPT-LINES...: the screen after the script, in $T/screen
screen() {
	local size=$1
	shift
	printf '%s\n' "$@" >"$T/script"
	GUICHET_TOKEN=$ALICE XDG_CONFIG_HOME=$T/none "$GUICHET" --server "$URL" --cacert "$CACERT" \
		--size "$size" --script "$T/script" ${RC:+-F "$RC"} >"$T/screen" 2>"$T/stderr"
}
line() { sed -n "$1p" "$T/screen"; }

# --- the work list -------------------------------------------------------------
screen 24x80 ""
expect_eq "the work list has its title" "$(line 1)" " guichet — Liste de travail"
expect_match "it counts offers and cases" "$(line 2)" '^ 0 offre\(s\), [0-9]+ dossier\(s\)'
expect_match "each case line: channel mark, reference, subject" "$(line 3)" '^[@TCSGLWN] 20[0-9]{2}-[0-9]{6} [^ ]'
expect_match "an overdue case says so in words" "$(cat "$T/screen")" 'retard [0-9]+ (j|h|min)'
expect_match "the status bar says who I am and the connection" "$(line 23)" '^ alice \(agent\) · [^·]+ · en ligne · [0-9]{2}:[0-9]{2}$'
# The clock is Paris time like every date on the desk, whatever the machine's zone.
before=$(TZ=Europe/Paris date +%H:%M)
TZ=Pacific/Auckland screen 24x80 ""
after=$(TZ=Europe/Paris date +%H:%M)
clock=$(line 23 | awk '{print $NF}')
check "the status bar's clock is Paris time, not the machine's zone ($clock)" \
	test "$clock" = "$before" -o "$clock" = "$after"
expect_eq "the screen is 24 lines" "$(wc -l <"$T/screen")" 24
widest() { LC_ALL=C.UTF-8 bash -c 'm=0; while IFS= read -r l; do [ ${#l} -gt $m ] && m=${#l}; done <"$1"; echo $m' _ "$1"; }
expect_match "no line is wider than 80 columns (characters, not bytes)" "$(widest "$T/screen")" '^([0-9]|[1-7][0-9]|80)$'
FIRST_REF=$(line 3 | awk '{print $2}')
# The colour roles of the same screen, one mark per cell (guichet(1), --dump-roles).
printf '\n' >"$T/script"
GUICHET_TOKEN=$ALICE XDG_CONFIG_HOME=$T/none "$GUICHET" --server "$URL" --cacert "$CACERT" \
	--size 24x80 --script "$T/script" --dump-roles >"$T/both" 2>"$T/stderr"
sed '1,/^--- roles$/d' "$T/both" >"$T/roles"
role() { sed -n "$1p" "$T/roles"; }
expect_eq "roles: the title line is drawn as the title" "$(role 1)" "$(printf 'T%.0s' $(seq 80))"
expect_eq "roles: the selected case, as selected, across the screen" "$(role 3)" "$(printf 'S%.0s' $(seq 80))"
expect_match "roles: an overdue countdown in the overdue role (and in words)" "$(role 4)" '[.m]O{8,}$'
expect_match "...the same line's words: retard" "$(line 4)" 'retard [0-9]+ (j|h|min)$'
expect_eq "roles: the status bar" "$(role 23)" "$(printf 'B%.0s' $(seq 80))"
expect_eq "roles: the message line" "$(role 24)" "$(printf 'M%.0s' $(seq 80))"

# --- a case, its citizen ------------------------------------------------------------
screen 24x80 "key <Enter>"
expect_eq "Enter opens the first case" "$(line 1)" " guichet — Dossier"
expect_match "...with its reference and subject" "$(line 2)" "^ $FIRST_REF  "
expect_match "...its status, service and agent" "$(line 3)" '^ état : [a-z-]+   service : [a-z-]+   agent : alice$'
expect_match "...its due date and time left" "$(line 4)" '^ échéance : [0-9]{2}/[0-9]{2}/[0-9]{2} [0-9:]{5} \((retard )?[0-9]'
expect_match "...and its history" "$(cat "$T/screen")" 'dossier créé \(alice\)'

screen 24x80 "key <Enter>" "key c"
expect_eq "c opens the case's citizen" "$(line 1)" " guichet — Usager — vue 360°"
expect_match "the 360° view has contacts" "$(cat "$T/screen")" 'Téléphones : \+33|Courriels : '
expect_match "...and the timeline across channels" "$(cat "$T/screen")" 'Historique, tous canaux'
expect_match "the timeline holds several channels" \
	"$(grep -cE '^[@TCSGLWN#] [0-9]{2}/' "$T/screen")" '^([3-9]|[1-9][0-9])$'
screen 48x160 "key <Enter>" "key c"
expect_match "at 160 columns, identity and timeline side by side" "$(line 2)" '^ [^ ].{30,} Historique, tous canaux'
expect_match "...with the citizen's cases" "$(cat "$T/screen")" ' Dossiers :'

# --- search: accents do not matter ----------------------------------------------------
TOKEN=$ALICE
jreq POST /api/v1/citizens '{"given_name":"Éloïse","family_name":"Lœuvre-Çaïd","phones":["06 99 88 77 66"]}' >/dev/null
screen 24x80 "search eloise loeuvre"
expect_eq "search has its title" "$(line 1)" " guichet — Recherche"
expect_match "a search without accents finds her" "$(line 3)" '^Lœuvre-Çaïd Éloïse +\+33699887766'
expect_eq "the message line counts the results" "$(line 24)" "1 résultat(s) pour « eloise loeuvre »"
screen 24x80 "search eloise loeuvre" "key <Enter>"
expect_match "Enter opens the citizen found" "$(line 2)" '^ Éloïse Lœuvre-Çaïd'

# --- duplicates: both records side by side, then the merge and its undo ------------------
jreq POST /api/v1/citizens '{"given_name":"Zoé","family_name":"Duplessis","phones":["06 11 22 33 44"]}' >/dev/null
KEEP=$(jbody .id)
jreq POST /api/v1/citizens '{"given_name":"Zoe","family_name":"Duplessis","emails":["zoe.d@example.org"]}' >/dev/null
DUP=$(jbody .id)
screen 24x80 "open citizen $KEEP" "merge $DUP"
expect_eq "merge shows both records" "$(line 1)" " guichet — Fusion de doublons"
expect_match "...the one kept on the left, the duplicate on the right" "$(line 2)" \
	"Garder : n° $KEEP +Fusionner ici : n° $DUP"
expect_match "...each with its contacts" "$(cat "$T/screen")" 'Téléphones : \+33611223344 .*Courriels : zoe\.d@example\.org|Courriels : zoe\.d@example\.org'
screen 24x80 "open citizen $KEEP" "merge $DUP" "key y"
expect_match "y confirms: the merge is done and can be undone" "$(line 24)" '^fusion faite \(n° [0-9]+\) : unmerge [0-9]+ pour l.annuler$'
MERGE=$(line 24 | sed 's/.*unmerge \([0-9]*\).*/\1/')
expect_eq "the duplicate now points to the kept record" "$(req GET /api/v1/citizens/$DUP >/dev/null; jbody .merged_into)" "$KEEP"
expect_eq "...whose file has both ways to reach her" "$(req GET /api/v1/citizens/$KEEP >/dev/null; jbody '[.phones[0], .emails[0]] | join(" ")')" "+33611223344 zoe.d@example.org"
screen 24x80 "unmerge $MERGE"
expect_eq "unmerge undoes it" "$(line 24)" "fusion $MERGE annulée"
expect_eq "...and the duplicate stands alone again" "$(req GET /api/v1/citizens/$DUP >/dev/null; jbody .merged_into)" null

# --- help, from the command table and the keymap ----------------------------------------
screen 24x80 "key ?"
expect_eq "? opens the help" "$(line 2)" " Aide — écran worklist (touches de l'écran, puis globales)"
expect_match "help lists keys with their command and help line" "$(line 3)" '^ <Down> j +down +ligne suivante'

# --- the : prompt and commands -------------------------------------------------------------
screen 24x80 "open case $FIRST_REF" "note Pièce d’identité reçue au guichet"
expect_eq "a note typed at the prompt is said done" "$(line 24)" "note : fait"
expect_match "...shows in the case's history" "$(cat "$T/screen")" "note de alice : Pièce d’identité reçue au guichet"
req GET "/api/v1/cases/$FIRST_REF/events" >/dev/null
expect_eq "...and is on the server" \
	"$(jbody 'any(.items[]; .kind == "note" and .data.text == "Pièce d’identité reçue au guichet")')" true
screen 24x80 "status nonsense"
expect_eq "a command without its case says so" "$(line 24)" "status : ouvrez d'abord un dossier"
screen 24x80 "frobnicate"
expect_eq "an unknown command says so" "$(line 24)" "commande inconnue : frobnicate"

screen 24x80 "presence paused réunion de service"
expect_match "a pause with its reason shows in the status bar" "$(line 23)" '^ alice \(agent\) · en pause : réunion de service · en ligne'
screen 24x80 "presence paused"
expect_eq "a pause needs a reason" "$(line 24)" "presence paused : donnez une raison (pause, réunion…)"
screen 24x80 "presence available"
expect_match "...and available again" "$(line 23)" '^ alice \(agent\) · disponible · en ligne'

# --- keymaps and guichetrc -------------------------------------------------------------------
RC=$T/guichetrc
printf '%s\n' 'bind worklist z help' 'bind nowhere z help' 'set theme dsfr' >"$RC"
screen 24x80 "key z"
expect_eq "a binding in guichetrc changes a key" "$(line 1)" " guichet — Aide"
expect_match "a bad line is reported with its file and line" "$(cat "$T/stderr")" "guichetrc:2: écran inconnu : nowhere"
printf '%s\n' "source $(pwd)/keymaps/emacs.keys" >"$RC"
screen 24x80 "key C-n" "key <Enter>"
expect_eq "a keymap file loaded with source works" "$(line 1)" " guichet — Dossier"
RC=

# --- themes and sizes ---------------------------------------------------------------------
for theme in default dsfr high-contrast mono; do
	printf 'set theme %s\n' "$theme" >"$T/theme.rc"
	RC=$T/theme.rc screen 24x80 ""
	expect_eq "the $theme theme draws the work list" "$(line 1)" " guichet — Liste de travail"
	expect_eq "...and its file reads without an error" "$(line 24)" ""
done
screen 24x80 "set theme nosuch"
expect_eq "set theme takes effect at once, and says when there is no such theme" "$(line 24)" \
	"thème introuvable : nosuch (le thème default est pris)"
mkdir -p "$T/cfg/guichet/themes"
printf '%s\n' 'color title white blue bold' 'color nowhere red' 'color error "#zzzzzz"' \
	>"$T/cfg/guichet/themes/maison.theme"
printf 'set theme maison\n' >"$T/theme.rc"
printf '\n' >"$T/script"
GUICHET_TOKEN=$ALICE XDG_CONFIG_HOME=$T/cfg "$GUICHET" --server "$URL" --cacert "$CACERT" \
	--size 24x80 --script "$T/script" -F "$T/theme.rc" >"$T/screen" 2>&1
expect_match "an agent's own theme is read from \$XDG_CONFIG_HOME/guichet/themes, its bad lines said" \
	"$(line 24)" 'maison\.theme:(2: color : rôle inconnu « nowhere »|3: color error)'
screen 24x80 "key <Enter>" "key c" "key ?"
expect_eq "every screen fits 80x24 (help)" "$(wc -l <"$T/screen")" 24

# --- English when the locale asks for it --------------------------------------------------------
printf '%s\n' 'frobnicate' >"$T/script"
LANG=C.UTF-8 LANGUAGE=en GUICHET_TOKEN=$ALICE XDG_CONFIG_HOME=$T/none "$GUICHET" --server "$URL" \
	--cacert "$CACERT" --size 24x80 --script "$T/script" >"$T/screen" 2>&1
expect_eq "in English: the title" "$(line 1)" " guichet — Work list"
expect_eq "...and the errors" "$(line 24)" "unknown command: frobnicate"
