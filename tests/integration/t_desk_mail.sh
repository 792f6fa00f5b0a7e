# Mail in the desk's screen: guichet runs in tmux against a real guichetd
# whose demo mailbox is a real Maildir indexed by notmuch.  A new mail
# delivered while the desk runs (into new/, then `notmuch new`) appears in
# the work list; it is opened, linked to a case, and answered through the
# agent's editor (which takes the terminal and gives it back) and a
# sendmail that keeps what it is given.  The bytes the desk writes are
# captured: no escape sequence from a hostile mail reaches the terminal.
. "$(dirname "$0")/lib.bash"
GUICHET=${GUICHET:-$(pwd)/build/guichet}
command -v tmux >/dev/null || { echo "not ok 1 - tmux is missing"; exit 1; }
command -v notmuch >/dev/null || { echo "1..0 # SKIP notmuch is not installed"; exit 0; }
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
keys() { tm send-keys -t desk "$@"; }
trap 'tm kill-server 2>/dev/null; finish' EXIT

start_server --demo-mail "$T/mail"
ALICE=$(login alice)
TOKEN=$ALICE
export NOTMUCH_CONFIG=$T/mail/notmuch-config
MD=$T/mail/Maildir

# A citizen with a case, who is going to write in.
jreq POST /api/v1/citizens '{"given_name":"Maëlle","family_name":"Courriel","emails":["maelle.courriel@example.org"]}' >/dev/null
CID=$(jbody .id)
jreq POST /api/v1/cases "{\"citizen_id\":$CID,\"subject\":\"Acte de mariage\",\"service\":\"etat-civil\",\"channel\":\"email\"}" >/dev/null
REF=$(jbody .ref)
KID=$(jbody .id)

mkdir -p "$T/sent" "$T/bin"
cat >"$T/bin/sendmail" <<EOF
#!/bin/sh
cat >"$T/sent/\$(date +%s%N).eml"
EOF
# The agent's editor: types an answer on top, as a person would, then quits.
cat >"$T/bin/editor" <<'EOF'
#!/bin/sh
{ sed '/^$/q' "$1"; echo "Bonjour, votre acte part par courrier demain."; sed '1,/^$/d' "$1"; } >"$1.new" && mv "$1.new" "$1"
EOF
chmod +x "$T/bin/"*
cat >"$T/rc" <<EOF
set mail_config $NOTMUCH_CONFIG
set mail_from "Mairie de Saint-Aubin <contact@mairie-saint-aubin.example>"
set sendmail "$T/bin/sendmail -t -oi"
EOF
# The demo's mail is all handled but one hostile message: escapes in its
# subject, sender and text (OSC title, OSC 52 clipboard, clear screen, C1).
notmuch tag +guichet/done -- tag:inbox
python3 - >"$MD/new/$(date +%s).hostile.test" <<'EOF'
import sys, base64
subj = "=?UTF-8?B?%s?=" % base64.b64encode("Urgent \x1b[2J\x1b]0;pwned\x07 fin".encode()).decode()
sys.stdout.buffer.write(("From: =?UTF-8?Q?Eve_=1B]52;c;ZXZpbA=3D=3D=07?= <eve@example.com>\n"
  "To: contact@mairie-saint-aubin.example\nSubject: %s\n"
  "Message-ID: <tmux-evil@example.org>\nDate: Mon, 2 Nov 2026 10:00:00 +0100\n\n"
  "Texte \x1b]52;c;ZXZpbA==\x07 \x1b[31mrouge\x1b[0m \u009b31m fin.\n" % subj).encode())
EOF
notmuch new --quiet
tm -f /dev/null new-session -d -s desk -x 140 -y 40 \
	"env XDG_STATE_HOME='$T/state' XDG_CONFIG_HOME='$T/config' GUICHET_TOKEN='$ALICE' \
	 VISUAL='$T/bin/editor' LANG=C.UTF-8 '$GUICHET' --server '$URL' --cacert '$CACERT' -F '$T/rc'"
tm pipe-pane -t desk -o "cat >>'$T/bytes'"
check "the work list shows the mail to handle" see '^@ [0-9/]+ [0-9:]+ '
check "...and its heading counts it" see 'offre\(s\), 1 courriel\(s\), [0-9]+ dossier\(s\)'
check "...the hostile subject drawn as harmless text" see 'Urgent .*fin'
keys Home Enter
check "the hostile mail opens, its text harmless" see 'Texte .*rouge.* fin'
keys h

# --- a new mail arrives while the desk is open ------------------------------------------
python3 - >"$MD/new/$(date +%s).tmux.test" <<'EOF'
import sys, email.utils
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "Maëlle Courriel <maelle.courriel@example.org>"
m["To"] = "contact@mairie-saint-aubin.example"
m["Subject"] = "Où en est mon acte de mariage ?"
m["Date"] = email.utils.formatdate(localtime=True)
m["Message-ID"] = "<tmux-1@example.org>"
m.set_content("Bonjour,\nJ'attends toujours mon acte de mariage.\nMaëlle")
sys.stdout.buffer.write(bytes(m))
EOF
notmuch new --quiet
check "the new mail appears in the work list, its sender matched to the citizen" \
	see 'Où en est mon acte de mariage \?.*Maëlle Courriel *$' 20
keys Home Down Enter
check "Enter opens the thread: its text" see "J'attends toujours mon acte de mariage"
check "...with the sender presumed to be the citizen" see 'usager présumé \(par l.adresse\) : Maëlle Courriel'

# --- linked to a case --------------------------------------------------------------------
keys l
check "l asks for the case" see ':link'
keys " $REF" Enter
check "...the link is said done" see 'enregistré'
expect_eq "...tagged in notmuch, as mutt and aerc will see" \
	"$(notmuch count "id:tmux-1@example.org and tag:guichet/linked and tag:guichet/case/$KID")" 1
req GET "/api/v1/citizens/$CID/timeline" >/dev/null
expect_eq "...and on guichetd, in the case" \
	"$(jbody '[.items[] | select(.external_ref == "<tmux-1@example.org>")][0].case_id')" "$KID"

# --- answered ----------------------------------------------------------------------------
keys r
check "r: the editor ran and the desk came back, saying it was sent (then recorded)" \
	see 'réponse envoyée à maelle.courriel@example.org|courriel · Re: Où en est mon acte de mariage \? : enregistré' 20
check "...the answer shows in the thread" see 'Bonjour, votre acte part par courrier demain'
expect_eq "...sendmail got it" "$(ls "$T/sent" | wc -l)" 1
check "...to her, in her thread" grep -q '^In-Reply-To: <tmux-1@example.org>' "$T"/sent/*.eml
expect_eq "the thread is tagged replied" "$(notmuch count 'id:tmux-1@example.org and tag:guichet/replied')" 1
check "the desk never wrote an escape sequence from the mail (OSC, clear screen)" \
	sh -c "! grep -aqE \"\$(printf '\\033\\\\]52|\\033\\\\]0;pwned|\\302\\233')\" '$T/bytes'"

keys q
wait_for 10 sh -c "! tmux -u -S '$SOCK' has-session -t desk 2>/dev/null"
echo "1..$TAP_N"
