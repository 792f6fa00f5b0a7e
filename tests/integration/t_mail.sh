# Mail in the desk, headless, on a real Maildir indexed by the real notmuch
# (guichetd --demo-mail writes the commune's 2,000 messages and runs
# `notmuch new`): the threads to handle, intake (`mail sync`) and its
# idempotence, a thread linked to a case, a case and a citizen made from a
# thread, a reply through $EDITOR and a sendmail that keeps what it gets
# (parsed here: headers, threading, body), the Sent copy indexed, the tags
# seen by the notmuch command line, hostile mail, and the index's write
# lock held by someone else.
. "$(dirname "$0")/lib.bash"
GUICHET=${GUICHET:-$(pwd)/build/guichet}
command -v notmuch >/dev/null || { echo "1..0 # SKIP notmuch is not installed"; exit 0; }
start_server --demo-mail "$T/mail"
ALICE=$(login alice)
export GUICHET_TOKEN=$ALICE NOTMUCH_CONFIG=$T/mail/notmuch-config
MD=$T/mail/Maildir
FROM='Mairie de Saint-Aubin <contact@mairie-saint-aubin.example>'

# sendmail replaced by a script that keeps each message it is given.
mkdir -p "$T/sent" "$T/bin"
cat >"$T/bin/sendmail" <<EOF
#!/bin/sh
[ "\$1 \$2" = "-t -oi" ] || exit 64
n=\$(ls "$T/sent" | wc -l)
cat >"$T/sent/\$((n + 1)).eml"
EOF
printf '#!/bin/sh\ncat >/dev/null\nexit 75\n' >"$T/bin/sendmail-down"
# The agent's editor: writes an answer above the quote.
cat >"$T/bin/editor" <<'EOF'
#!/bin/sh
f=$1
{ sed '/^$/q' "$f"; echo "Bonjour,"; echo; echo "Votre demande est bien reçue ; nous revenons vers vous sous 5 jours."; sed '1,/^$/d' "$f"; } >"$f.new" && mv "$f.new" "$f"
EOF
chmod +x "$T/bin/"*
cat >"$T/rc" <<EOF
set mail_config $NOTMUCH_CONFIG
set mail_from "$FROM"
set sendmail "$T/bin/sendmail -t -oi"
EOF
g() { "$GUICHET" --server "$URL" --cacert "$CACERT" -F "$T/rc" "$@"; }
sent_count() { ls "$T/sent" | wc -l; }

# deliver FILE: into new/, then `notmuch new` (mbsync's and notmuch's job).
deliver() {
	cp "$1" "$MD/new/$(date +%s).$$.$RANDOM.test"
	notmuch new --quiet
}
# mkmail ID FROM SUBJECT BODY [extra header lines]: an RFC 5322 message.
mkmail() {
	python3 - "$@" <<'EOF'
import sys, email.utils
from email.message import EmailMessage
mid, frm, subject, body = sys.argv[1:5]
m = EmailMessage()
m["From"] = frm
m["To"] = "contact@mairie-saint-aubin.example"
m["Subject"] = subject
m["Date"] = email.utils.formatdate(localtime=True)
m["Message-ID"] = "<%s>" % mid
m.set_content(body)
sys.stdout.buffer.write(bytes(m))
EOF
}

# --- the mail to handle ---------------------------------------------------------------
check "the demo mailbox holds at least 2,000 messages" test "$(notmuch count '*')" -ge 2000
check "...in threads" test "$(notmuch count --output=threads '*')" -lt "$(notmuch count '*')"
Q='tag:inbox and not tag:guichet/linked and not tag:guichet/replied and not tag:guichet/done'
g -e mail >"$T/out" 2>"$T/err"
expect_eq "mail: exit 0" "$?" 0
expect_eq "...the threads to handle, as notmuch counts them" "$(jq '.result | length' "$T/out")" \
	"$(notmuch count --output=threads "$Q")"
expect_eq "...oldest first" "$(jq '[.result[].date] == ([.result[].date] | sort)' "$T/out")" true

# A citizen of the demo writes in.
req GET "/api/v1/citizens?q=a&limit=50" -H "Authorization: Bearer $ALICE" >/dev/null
CID=$(jbody '[.items[] | select(.emails | length > 0)][0].id')
ADDR=$(jbody "[.items[] | select(.id == $CID)][0].emails[0]")
NAME=$(jbody "[.items[] | select(.id == $CID)][0] | .given_name + \" \" + .family_name")
mkmail "t1.$$@example.org" "$NAME <$ADDR>" "Demande d'acte de naissance — état civil" \
	$'Bonjour,\nJe voudrais une copie intégrale de mon acte de naissance.\nMerci.' >"$T/m1.eml"
deliver "$T/m1.eml"
g -e "mail id:t1.$$@example.org" >"$T/out"
expect_eq "a new message shows up in its thread, sender and subject decoded" \
	"$(jq -r '.result[0] | .from_addr + " | " + .subject' "$T/out")" \
	"$(echo "$ADDR" | tr A-Z a-z) | Demande d'acte de naissance — état civil"

# --- intake: mail sync -----------------------------------------------------------------
g -e 'mail sync' --wait=30 >"$T/out" 2>"$T/err"
expect_eq "mail sync: exit 0" "$?" 0
check "...recorded the messages of known citizens" test "$(jq '.result.recorded' "$T/out")" -ge 1
expect_eq "...the new one is tagged guichet/intake, as the notmuch command line sees" \
	"$(notmuch count "id:t1.$$@example.org and tag:guichet/intake")" 1
tl() { req GET "/api/v1/citizens/$CID/timeline?limit=100" -H "Authorization: Bearer $ALICE" >/dev/null
	jbody "[.items[] | select(.external_ref == \"<t1.$$@example.org>\")] | length"; }
expect_eq "...and the citizen's timeline on guichetd has it, once" "$(tl)" 1
expect_eq "...as an email come in" \
	"$(jbody "[.items[] | select(.external_ref == \"<t1.$$@example.org>\")][0] | .channel + \" \" + .direction")" \
	"email in"
check "...unknown senders are filed as unmatched" test "$(notmuch count tag:guichet/unmatched)" -ge 1
g -e 'mail sync' --wait=30 >"$T/out"
expect_eq "a second run has nothing left to take in" "$(jq -c '.result' "$T/out")" \
	'{"messages":0,"recorded":0,"unmatched":0}'
mkmail "t0.$$@example.org" "$FROM" "Réponse de la mairie" "Bonjour" >"$T/m0.eml"
deliver "$T/m0.eml"
g -e 'mail sync' --wait=30 >"$T/out"
expect_eq "the service's own mail in the inbox is filed unmatched at once, not asked about again" \
	"$(jq -c '.result' "$T/out").$(notmuch count "id:t0.$$@example.org and tag:guichet/unmatched")" \
	'{"messages":1,"recorded":0,"unmatched":1}.1'
notmuch tag -guichet/intake -- "id:t1.$$@example.org"
g -e 'mail sync' --wait=30 >"$T/out"
expect_eq "taken in again (tag removed by hand): recorded again..." "$(jq '.result.recorded' "$T/out")" 1
expect_eq "...and still one interaction for that Message-ID" "$(tl)" 1

# --- a thread linked to a case -------------------------------------------------------------
REF=$(req GET "/api/v1/citizens/$CID" -H "Authorization: Bearer $ALICE" >/dev/null; jbody '.cases[0].ref')
KID=$(jbody '.cases[0].id')
g -e "mail id:t1.$$@example.org" -e open -e "link $REF" --wait=30 >"$T/out" 2>"$T/err"
expect_eq "link: exit 0" "$?" 0
expect_eq "...open gave the thread read into text" \
	"$(jq -r 'select(.command == "open") | .result[0].body' "$T/out" | sed -n 2p)" \
	"Je voudrais une copie intégrale de mon acte de naissance."
expect_eq "...the message is tagged linked and with its case" \
	"$(notmuch count "id:t1.$$@example.org and tag:guichet/linked and tag:guichet/case/$KID")" 1
tl >/dev/null
expect_eq "...the interaction now belongs to the case" \
	"$(jbody "[.items[] | select(.external_ref == \"<t1.$$@example.org>\")][0].case_id")" "$KID"
expect_eq "...still once" "$(tl)" 1
g -e mail >"$T/out"
expect_eq "...and the thread has left the mail to handle" \
	"$(jq "[.result[] | select(.message_id == \"t1.$$@example.org\")] | length" "$T/out")" 0

# --- a reply ---------------------------------------------------------------------------------
mkmail "t2.$$@example.org" "$NAME <$ADDR>" "Inscription à la cantine" \
	$'Bonjour,\nComment inscrire ma fille à la cantine ?\nCordialement' >"$T/m2.eml"
deliver "$T/m2.eml"
VISUAL=$T/bin/editor g -e "mail id:t2.$$@example.org" -e open -e reply --wait=30 >"$T/out" 2>"$T/err"
expect_eq "reply: exit 0" "$?" 0
expect_eq "...sendmail got one message" "$(sent_count)" 1
python3 - "$T/sent/1.eml" "$ADDR" "t2.$$@example.org" >"$T/parsed" <<'EOF'
import sys, email
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
print(m["To"].addresses[0].addr_spec.lower() == sys.argv[2].lower())
print(m["Subject"])
print(m["In-Reply-To"])
print(("<%s>" % sys.argv[3]) in m["References"])
print(m["From"].addresses[0].addr_spec)
print(m["Message-ID"])
body = m.get_body(("plain",)).get_content()
print("bien reçue" in body)
print("> Comment inscrire ma fille à la cantine ?" in body)
print(m.get("Bcc") is None)
EOF
expect_eq "...to the citizen" "$(sed -n 1p "$T/parsed")" True
expect_eq "...Subject Re: the citizen's, decoded back" "$(sed -n 2p "$T/parsed")" "Re: Inscription à la cantine"
expect_eq "...In-Reply-To the citizen's message" "$(sed -n 3p "$T/parsed")" "<t2.$$@example.org>"
expect_eq "...References it too" "$(sed -n 4p "$T/parsed")" True
expect_eq "...from the service" "$(sed -n 5p "$T/parsed")" contact@mairie-saint-aubin.example
expect_eq "...the agent's text and the quoted question" "$(sed -n 7,8p "$T/parsed" | tr '\n' ' ')" "True True "
SENT_ID=$(sed -n 6p "$T/parsed" | tr -d '<>')
expect_eq "...its copy is in the Sent folder, indexed, tagged sent" \
	"$(notmuch count "id:$SENT_ID and tag:sent and folder:Sent")" 1
expect_eq "...in the citizen's thread" \
	"$(notmuch search --output=threads "id:$SENT_ID")" "$(notmuch search --output=threads "id:t2.$$@example.org")"
expect_eq "...the thread is tagged guichet/replied" "$(notmuch count "id:t2.$$@example.org and tag:guichet/replied")" 1
req GET "/api/v1/citizens/$CID/timeline?limit=100" -H "Authorization: Bearer $ALICE" >/dev/null
expect_eq "...and guichetd has the answer as an email sent" \
	"$(jbody "[.items[] | select(.external_ref == \"<$SENT_ID>\")][0] | .channel + \" \" + .direction")" "email out"

g -e "open citizen $CID" -e "timeline $CID limit=5" -e open >"$T/out" 2>&1
expect_eq "in the citizen's 360° view, Enter on that email opens its thread" \
	"$(jq -r 'select(.line == 3) | [.result[].message_id] | index("<t2.'$$'@example.org>") != null' "$T/out")" true
VISUAL=true g -e "mail id:t2.$$@example.org" -e open -e reply >"$T/out" 2>&1
expect_eq "a draft left as it was sends nothing (exit 1)" "$?.$(sent_count)" 1.1
expect_match "...and says so" "$(jq -r 'select(.command == "reply") | .error' "$T/out")" "rien n'est parti"
printf 'set sendmail "%s"\n' "$T/bin/sendmail-down" >>"$T/rc"
VISUAL=$T/bin/editor g -e "mail id:t2.$$@example.org" -e open -e reply >"$T/out" 2>&1
expect_eq "sendmail failing: exit 1, no copy kept in Sent" \
	"$?.$(ls "$MD/Sent/cur" | grep -c '\.guichet:2,S$')" "1.1"
expect_match "...the agent is told nothing left" "$(jq -r 'select(.command == "reply") | .error' "$T/out")" "75"
sed -i '$d' "$T/rc"

# --- a case and a citizen from a thread --------------------------------------------------------
mkmail "t3.$$@example.org" "Jean-Noël Inconnu <jean-noel.inconnu.$$@example.com>" "Nid-de-poule rue des Tilleuls" \
	$'Bonjour,\nUn trou énorme devant le 14.\nJean-Noël' >"$T/m3.eml"
deliver "$T/m3.eml"
g -e "mail id:t3.$$@example.org" -e open -e 'link-new voirie' >"$T/out" 2>&1
expect_eq "link-new from an unknown sender is refused (exit 1)" "$?" 1
expect_match "...saying to make the citizen first" "$(jq -r 'select(.command == "link-new") | .error' "$T/out")" "new-citizen"
g -e "mail id:t3.$$@example.org" -e open -e new-citizen --wait=30 >"$T/out" 2>&1
expect_eq "new-citizen: exit 0" "$?" 0
req GET "/api/v1/citizens?q=jean-noel.inconnu.$$@example.com" -H "Authorization: Bearer $ALICE" >/dev/null
expect_eq "...guichetd has the citizen, with the sender's name and address" \
	"$(jbody '.items[0] | .given_name + "|" + .family_name + "|" + .emails[0]')" \
	"Jean-Noël|Inconnu|jean-noel.inconnu.$$@example.com"
NEWCID=$(jbody '.items[0].id')
g -e "mail id:t3.$$@example.org" -e open -e 'link-new etat-civil' --wait=30 >"$T/out" 2>&1
expect_eq "link-new: exit 0" "$?" 0
req GET "/api/v1/citizens/$NEWCID" -H "Authorization: Bearer $ALICE" >/dev/null
expect_eq "...a case in that service with the mail's subject" "$(jbody '.cases[0] | .service + "|" + .subject')" \
	"etat-civil|Nid-de-poule rue des Tilleuls"
NEWK=$(jbody '.cases[0].id')
req GET "/api/v1/citizens/$NEWCID/timeline" -H "Authorization: Bearer $ALICE" >/dev/null
expect_eq "...and the message recorded in it" \
	"$(jbody "[.items[] | select(.external_ref == \"<t3.$$@example.org>\")][0].case_id")" "$NEWK"

# --- attachments, handled ------------------------------------------------------------------------
python3 - "$ADDR" "$$" >"$T/m4.eml" <<'EOF'
import sys, email.utils, os
from email.message import EmailMessage
m = EmailMessage()
m["From"] = sys.argv[1]; m["To"] = "contact@mairie-saint-aubin.example"
m["Subject"] = "Justificatif"; m["Message-ID"] = "<t4.%s@example.org>" % sys.argv[2]
m["Date"] = email.utils.formatdate()
m.set_content("Voici mon justificatif.")
m.add_attachment(bytes(range(256)) * 40, maintype="application", subtype="pdf", filename="justificatif domicile.pdf")
sys.stdout.buffer.write(bytes(m))
EOF
deliver "$T/m4.eml"
g -e "mail id:t4.$$@example.org" -e open -e "save 1 $T/pj.pdf" >"$T/out" 2>&1
expect_eq "save: exit 0" "$?" 0
expect_eq "...the attachment's exact bytes" "$(python3 -c 'import sys; print(open(sys.argv[1],"rb").read() == bytes(range(256))*40)' "$T/pj.pdf")" True
expect_eq "...listed with its name" \
	"$(jq -r 'select(.command == "open") | .result[0].attachments[0].filename' "$T/out")" "justificatif domicile.pdf"
g -e "mail id:t4.$$@example.org" -e open -e "save 1 $T/pj.pdf" >"$T/out" 2>&1
expect_eq "...an existing file is not overwritten (exit 1)" "$?" 1
g -e "mail id:t4.$$@example.org" -e open -e handled >"$T/out" 2>&1
expect_eq "handled: exit 0, tagged guichet/done" "$?.$(notmuch count "id:t4.$$@example.org and tag:guichet/done")" 0.1

# --- hostile mail ------------------------------------------------------------------------------
python3 - "$$" "$T/hostile" <<'EOF'
import sys, os, base64
pid, d = sys.argv[1], sys.argv[2]
os.makedirs(d, exist_ok=True)
esc = "=?UTF-8?B?%s?=" % base64.b64encode("Urgent \x1b[2J\x1b]52;c;cHduZWQ=\x07 \u202e".encode()).decode()
inj = "=?UTF-8?B?%s?=" % base64.b64encode(b"Question\r\nBcc: victim@example.net").decode()
msgs = {
 "esc": "From: =?UTF-8?Q?Eve_=1B]0;pwned=07?= <eve.%s@example.com>\nTo: contact@x\nSubject: %s\nMessage-ID: <h-esc.%s@example.org>\nDate: Mon, 2 Nov 2026 10:00:00 +0100\n\nTexte \x1b[31mrouge\x1b[0m et \x9b31m C1.\n" % (pid, esc, pid),
 "inj": "From: Mallory <mallory.%s@example.com>\nTo: contact@x\nSubject: %s\nMessage-ID: <h-inj.%s@example.org>\nDate: Mon, 2 Nov 2026 10:00:00 +0100\n\nBonjour\n" % (pid, inj, pid),
 "mime": "From: Bob <bob.%s@example.com>\nTo: contact@x\nSubject: Cassé\nMessage-ID: <h-mime.%s@example.org>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"XX\"\n\n--XX\nContent-Type: text/plain; charset=x-unknown-charset\nContent-Transfer-Encoding: quoted-printable\n\nCaf=E9 =ZZ =\n--XX\nContent-Type: text/html\n\n<p>jamais ferm" % (pid, pid),
 "big": "From: Big <big.%s@example.com>\nTo: contact@x\nSubject: Gros fichier\nMessage-ID: <h-big.%s@example.org>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"B\"\n\n--B\nContent-Type: text/plain\n\nCi-joint.\n--B\nContent-Type: application/octet-stream; name=\"gros.bin\"\nContent-Transfer-Encoding: base64\n\n%s\n--B--\n" % (pid, pid, "\n".join(base64.b64encode(os.urandom(57 * 1000)).decode()[i:i+76] for i in range(0, 76000, 76)) * 177),
}
for k, v in msgs.items():
    open(os.path.join(d, k + ".eml"), "wb").write(v.encode("latin-1", "surrogateescape") if isinstance(v, str) else v)
EOF
for k in esc inj mime big; do cp "$T/hostile/$k.eml" "$MD/new/hostile.$k.$$"; done
notmuch new --quiet
check "the 10 MB message is really there" test "$(stat -c %s "$T/hostile/big.eml")" -gt 10000000
for k in esc inj mime big; do
	g -e "mail id:h-$k.$$@example.org" -e open >"$T/out" 2>"$T/err"
	expect_eq "hostile mail ($k): read, exit 0" "$?" 0
	check "...no escape or bell byte reaches the output" sh -c "! LC_ALL=C grep -q \"\$(printf '[\\033\\007]')\" '$T/out'"
	check "...nor a C1 control or a bidi override" sh -c "! grep -qE \"\$(printf '\\302\\233|\\342\\200\\256')\" '$T/out'"
done
expect_match "the escape sequences are shown as harmless text" \
	"$(g -e "mail id:h-esc.$$@example.org" -e open | jq -r 'select(.command == "open") | .result[0].subject')" '^Urgent'
VISUAL=$T/bin/editor g -e "mail id:h-inj.$$@example.org" -e open -e reply >"$T/out" 2>&1
N=$(sent_count)
expect_eq "a reply to a header-injection subject is sent..." "$?" 0
check "...with no Bcc header made from the citizen's subject" sh -c "! grep -qi '^bcc:' '$T/sent/$N.eml'"

# --- the index's write lock held by another program -------------------------------------------
mkmail "t5.$$@example.org" "$NAME <$ADDR>" "Verrou" "Bonjour" >"$T/m5.eml"
deliver "$T/m5.eml"
python3 - "$MD/.notmuch/xapian/flintlock" "$T/locked" 120 <<'EOF' &
import fcntl, sys, time, os
f = open(sys.argv[1], "r+")
fcntl.lockf(f, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(float(sys.argv[3]))
EOF
LOCKER=$!
wait_for 20 test -e "$T/locked"
g -e mail >"$T/out" 2>&1
expect_eq "while notmuch is locked for writing, reading mail works" "$?" 0
g -e "mail id:t5.$$@example.org" -e open -e handled >"$T/out" 2>&1
expect_eq "...a tag cannot be written: exit 1, no hang" "$?" 1
expect_match "...and the agent is told why" "$(jq -r 'select(.command == "handled") | .error' "$T/out")" "occupé"
kill $LOCKER; wait $LOCKER 2>/dev/null
g -e "mail id:t5.$$@example.org" -e open -e handled >"$T/out" 2>&1
expect_eq "once the lock is free, the tag is written" \
	"$?.$(notmuch count "id:t5.$$@example.org and tag:guichet/done")" 0.1

echo "1..$TAP_N"
