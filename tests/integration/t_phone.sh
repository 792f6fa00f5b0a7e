# The phone, headless, with a real softphone (baresip, ctrl_tcp, no sound
# card) and a real SIP peer (sipp) on loopback: a call from a citizen's
# number rings, is matched to them (a presumption), answered, held,
# resumed, noted, hung up and wrapped up; the phone interaction on
# guichetd has the direction, the notes, the wrap-up, the case and a
# duration within a second of sipp's; presence follows the call.  Then a
# caller who hangs up, a declined call, an unknown number made a citizen,
# an outgoing call, a call transferred (blind: baresip's REFER to the
# caller, whose NOTIFYs say the target answered, then its BYE; the call
# recorded as transferred), and baresip killed mid-call: the desk says
# so, keeps working, reconnects when it is back and closes the call it lost.
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/phone_lib.bash"
GUICHET=${GUICHET:-$(pwd)/build/guichet}
for p in baresip sipp python3; do
	command -v $p >/dev/null || { echo "1..0 # SKIP $p is not installed"; exit 0; }
done
trap 'phone_cleanup; finish' EXIT
start_server
ALICE=$(login alice)
TOKEN=$ALICE
baresip_setup
baresip_start || { not_ok "baresip starts"; exit 1; }

# A citizen with a mobile number, and a case of theirs in alice's service.
req GET /api/v1/me >/dev/null
SERVICE=$(jbody '.services[0]')
jreq POST /api/v1/citizens '{"given_name":"Jeanne","family_name":"Martin","phones":["06 12 34 56 78"]}' >/dev/null
CID=$(jbody .id)
jreq POST /api/v1/cases "{\"citizen_id\":$CID,\"service\":\"$SERVICE\",\"subject\":\"Renouvellement de carte d'identité\"}" >/dev/null
CASE_REF=$(jbody .ref)
CASE_ID=$(jbody .id)

# guichet --batch, fed one line at a time: g LINE prints that command's record.
mkfifo "$T/in"
GUICHET_TOKEN=$ALICE "$GUICHET" --server "$URL" --cacert "$CACERT" --batch --wait=20 \
	<"$T/in" >"$T/out" 2>"$T/err" &
GPID=$!
echo $GPID >"$T/guichet.pid"
exec 3>"$T/in"
N=0
has_records() { [ "$(cat "$T/out" "$T/err" | grep -c "^{")" -ge "$1" ]; }
g() {
	N=$((N + 1))
	printf '%s\n' "$1" >&3
	wait_for 50 has_records "$N"
	cat "$T/out" "$T/err" | grep "^{" | jq -c "select(.line == $N)"
}
presence() { TOKEN=$ALICE req GET /api/v1/me >/dev/null; jbody .presence; }
presence_is() { [ "$(presence)" = "$1" ]; }

g "phone" >"$T/r"
expect_eq "without the option, no phone" "$(jq -r .result.state "$T/r")" none
g "answer" >"$T/r"
expect_eq "...and its commands say how to have one" "$(jq -r .error "$T/r")" "pas de téléphone : set phone tcp:127.0.0.1:4444"
g "set phone tcp:127.0.0.1:$CTRL_PORT" >/dev/null
g "phone wait up 10" >"$T/r"
expect_eq "the desk connects to baresip's ctrl_tcp" "$(jq -r .result.state "$T/r")" up
g "presence available" >/dev/null

# --- a citizen calls --------------------------------------------------------------
call c1 caller_waits.xml 0612345678 "Jeanne Martin"
g "phone wait ringing 20" >"$T/r"
expect_eq "the call rings on the desk" "$(jq -r '.result.calls[0].state' "$T/r")" ringing
expect_eq "...its number read in E.164" "$(jq -r '.result.calls[0].number' "$T/r")" "+33612345678"
expect_eq "...the display name the phone sent" "$(jq -r '.result.calls[0].name' "$T/r")" "Jeanne Martin"
g "phone" >"$T/r"
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ "$(jq -r '.result.calls[0].citizen_id' "$T/r")" = "$CID" ] && break
	g "phone wait ringing 1" >"$T/r"
done
expect_eq "...matched to the citizen with that number" "$(jq -r '.result.calls[0].citizen_id' "$T/r")" "$CID"
expect_eq "...as a presumption" "$(jq -r '.result.calls[0].presumed' "$T/r")" true
CALL_ID=$(jq -r '.result.calls[0].id' "$T/r")
g "answer" >/dev/null
g "phone wait talking 10" >"$T/r"
expect_eq "answer: the call is established" "$(jq -r '.result.calls[0].state' "$T/r")" talking
check "...presence busy on guichetd" wait_for 10 presence_is busy
g "call-note Demande de rendez-vous pour la carte d'identité" >/dev/null
g "hold" >/dev/null
g "phone wait held 10" >"$T/r"
expect_eq "hold: the call waits" "$(jq -r '.result.calls[0].state' "$T/r")" held
g "resume" >/dev/null
g "phone wait talking 10" >"$T/r"
expect_eq "resume: back on the line" "$(jq -r '.result.calls[0].state' "$T/r")" talking
g "hangup" >/dev/null
g "phone wait wrapup 10" >"$T/r"
expect_eq "hang up: the call waits for its wrap-up" "$(jq -r '.result.wrapup.id' "$T/r")" "$CALL_ID"
expect_eq "...no call left on the line" "$(jq -r '.result.calls | length' "$T/r")" 0
check "...presence wrap-up on guichetd" wait_for 10 presence_is wrap-up
wait_for 20 grep -q '^ended' "$T/c1.log"
g "wrapup information $CASE_REF" >"$T/r"
IID=$(jq -r .result.id "$T/r")
expect_match "wrapup: the call is recorded" "$IID" '^[0-9]+$'
check "...presence back to available" wait_for 10 presence_is available
TOKEN=$ALICE req GET "/api/v1/interactions/$IID" >/dev/null
expect_eq "...as a phone interaction" "$(jbody .channel)/$(jbody .direction)" phone/in
expect_eq "...of the citizen, in the case" "$(jbody .citizen_id)/$(jbody .case_id)" "$CID/$CASE_ID"
expect_eq "...with its wrap-up code" "$(jbody .wrapup_code)" information
expect_eq "...and the notes" "$(jbody .summary)" "Demande de rendez-vous pour la carte d'identité"
expect_eq "...keyed by the SIP Call-ID" "$(jbody .external_ref)" "sip:$CALL_ID"
secs=$(jq -rn --arg s "$(jbody .started_at)" --arg e "$(jbody .ended_at)" '($e | fromdate) - ($s | fromdate)')
ms=$(sipp_ms c1)
expect_eq "...its duration within a second of sipp's (${secs} s, sipp ${ms} ms)" \
	"$(awk -v s="$secs" -v m="$ms" 'BEGIN { d = s * 1000 - m; print (d <= 1000 && d >= -1000) }')" 1
TOKEN=$ALICE req GET "/api/v1/citizens/$CID/timeline?limit=5" >/dev/null
expect_eq "...first in the citizen's timeline" "$(jbody '.items[0].id')" "$IID"

# --- the caller hangs up --------------------------------------------------------------
call c2 caller_hangs_up.xml "+33612345678" "Jeanne Martin"
g "phone wait ringing 20" >/dev/null
g "accept" >/dev/null
g "phone wait talking 10" >"$T/r"
expect_eq "accept answers the phone that rings" "$(jq -r '.result.calls[0].state' "$T/r")" talking
g "phone wait wrapup 20" >"$T/r"
expect_eq "the caller hangs up: wrap-up asked" "$(jq -r '.result.wrapup.number' "$T/r")" "+33612345678"
g "wrapup orientation" >"$T/r"
TOKEN=$ALICE req GET "/api/v1/interactions/$(jq -r .result.id "$T/r")" >/dev/null
secs=$(jq -rn --arg s "$(jbody .started_at)" --arg e "$(jbody .ended_at)" '($e | fromdate) - ($s | fromdate)')
ms=3000 # the caller's scenario talks for 3 s
expect_eq "...recorded, ${secs} s where the caller talked ${ms} ms" \
	"$(awk -v s="$secs" -v m="$ms" 'BEGIN { d = s * 1000 - m; print (d <= 1000 && d >= -1000) }')" 1
expect_eq "...without a case, with its code" "$(jbody .case_id)/$(jbody .wrapup_code)" null/orientation

# --- declined -------------------------------------------------------------------------------
call c3 caller_waits.xml "0033612345678" "Jeanne Martin"
g "phone wait ringing 20" >/dev/null
g "decline" >/dev/null
g "phone wait idle 10" >"$T/r"
expect_eq "decline: the call is gone, no wrap-up" "$(jq -r '.result.wrapup' "$T/r")" null
check "...sipp was refused" wait_for 20 sh -c "! kill -0 $(cat "$T/c3.pid")"
check "...a missed call is in the citizen's timeline" wait_for 10 sh -c \
	"curl -s --cacert '$CACERT' -H 'Authorization: Bearer $ALICE' '$URL/api/v1/citizens/$CID/timeline?limit=3' | jq -e '[.items[] | select(.summary == \"Appel manqué\")] | length == 1'"

# --- an unknown number ------------------------------------------------------------------------
call c4 caller_waits.xml 0698765432 ""
g "phone wait ringing 20" >/dev/null
g "phone" >"$T/r"
for i in 1 2 3 4 5 6 7 8 9 10; do
	[ "$(jq -r '.result.calls[0].number' "$T/r")" = "+33698765432" ] && break
	g "phone" >"$T/r"
done
expect_eq "a number no citizen has: no presumption" "$(jq -r '.result.calls[0].citizen_id' "$T/r")" null
g "new-citizen" >"$T/r"
expect_match "...new-citizen needs a name when the phone gives none" "$(jq -r .error "$T/r")" "PRÉNOM NOM"
g "answer" >/dev/null
g "new-citizen Paul Durand" >"$T/r"
PAUL=$(jq -r .result.id "$T/r")
expect_match "new-citizen makes the caller a citizen" "$PAUL" '^[0-9]+$'
TOKEN=$ALICE req GET "/api/v1/citizens/$PAUL" >/dev/null
expect_eq "...with the caller's number" "$(jbody '.phones[0]')" "+33698765432"
g "phone" >"$T/r"
expect_eq "...and the call is theirs" "$(jq -r '.result.calls[0].citizen_id' "$T/r")" "$PAUL"
g "hangup" >/dev/null
g "phone wait wrapup 10" >/dev/null
g "wrapup information" >"$T/r"
TOKEN=$ALICE req GET "/api/v1/interactions/$(jq -r .result.id "$T/r")" >/dev/null
expect_eq "...recorded for the new citizen" "$(jbody .citizen_id)" "$PAUL"

# --- an outgoing call -------------------------------------------------------------------------
UAS=$(free_port)
sipp -sn uas -i 127.0.0.1 -p "$UAS" -m 1 -nostdin >"$T/uas.out" 2>&1 3>&- &
echo $! >"$T/uas.pid"
wait_for 10 sh -c "ss -lun | grep -q ':$UAS '"
g "dial sip:0612345678@127.0.0.1:$UAS" >/dev/null
g "phone wait talking 20" >"$T/r"
expect_eq "dial: the call is established" "$(jq -r '.result.calls[0].direction' "$T/r")" out
g "hangup" >/dev/null
g "phone wait wrapup 10" >/dev/null
g "wrapup rappel" >"$T/r"
TOKEN=$ALICE req GET "/api/v1/interactions/$(jq -r .result.id "$T/r")" >/dev/null
expect_eq "...recorded as outgoing, for the citizen with that number" \
	"$(jbody .direction)/$(jbody .citizen_id)" "out/$CID"

# --- a call transferred -----------------------------------------------------------------------
# A blind transfer to a line of the service's: baresip sends the caller a
# REFER to it, the caller's NOTIFYs say the target answered, baresip leaves.
g "set phone_lines etat-civil=+33145454545,accueil=3939" >/dev/null
call c6 caller_transferred.xml 0612345678 "Jeanne Martin" -trace_msg -message_file "$T/c6.msg"
g "phone wait ringing 20" >/dev/null
g "answer" >/dev/null
g "phone wait talking 10" >"$T/r"
XFER_ID=$(jq -r '.result.calls[0].id' "$T/r")
g "call-transfer etat-civil" >"$T/r"
expect_eq "call-transfer: the softphone is asked to transfer the call" "$(jq -r .ok "$T/r")" true
check "...sipp gets a REFER" wait_for 20 grep -q '^refer-to' "$T/c6.log"
expect_match "...to the line's number, on the softphone's domain" \
	"$(sed -n 's/^refer-to *//p' "$T/c6.log")" '^<?sip:\+33145454545@127\.0\.0\.1>?$'
expect_eq "...in the call's dialog" \
	"$(grep -A12 '^REFER ' "$T/c6.msg" | sed -n 's/^Call-ID: *//p' | head -1 | tr -d '\r')" "$XFER_ID"
g "phone wait wrapup 20" >"$T/r"
expect_eq "the transfer done, the call leaves the desk" "$(jq -r '.result.calls | length' "$T/r")" 0
expect_eq "...and waits for its wrap-up, marked transferred" \
	"$(jq -r '.result.wrapup.id + " " + .result.wrapup.transferred' "$T/r")" "$XFER_ID etat-civil"
check "...baresip hung up on the caller after the NOTIFYs (sipp ends well)" wait_for 20 grep -q '^ended' "$T/c6.log"
check "...sipp's call succeeded" wait "$(cat "$T/c6.pid")"
g "wrapup orientation" >"$T/r"
TOKEN=$ALICE req GET "/api/v1/interactions/$(jq -r .result.id "$T/r")" >/dev/null
expect_eq "...recorded for the citizen, keyed by the SIP Call-ID" \
	"$(jbody .citizen_id) $(jbody .external_ref)" "$CID sip:$XFER_ID"
expect_eq "...saying where it was transferred" "$(jbody .summary)" "Appel entrant
(transféré vers etat-civil)"
check "...presence back to available" wait_for 10 presence_is available

# --- baresip dies mid-call --------------------------------------------------------------------
call c5 caller_waits.xml 0612345678 "Jeanne Martin"
g "phone wait ringing 20" >/dev/null
g "answer" >/dev/null
g "phone wait talking 10" >/dev/null
baresip_kill
g "phone wait down 10" >"$T/r"
expect_eq "baresip killed: the desk says so" "$(jq -r .result.state "$T/r")" down
expect_match "...and why" "$(jq -r .result.why "$T/r")" '.'
g "worklist" >"$T/r"
expect_eq "...and keeps working" "$(jq -r .ok "$T/r")" true
g "answer" >"$T/r"
expect_match "...a phone command says the phone is unreachable" "$(jq -r .error "$T/r")" "injoignable|ne sonne"
baresip_start
g "phone wait up 15" >"$T/r"
expect_eq "baresip back: the desk reconnects" "$(jq -r .result.state "$T/r")" up
g "phone wait wrapup 10" >"$T/r"
expect_eq "...finds the call gone and asks its wrap-up" "$(jq -r .result.wrapup.number "$T/r")" "+33612345678"
g "wrapup information" >"$T/r"
expect_match "...then records it" "$(jq -r .result.id "$T/r")" '^[0-9]+$'

exec 3>&-
rc=running
wait_for 30 sh -c "! kill -0 $GPID" && { wait $GPID; rc=$?; }
expect_eq "the script ends, status 1 for the commands refused on the way" "$rc" 1
expect_eq "...and nothing left unsent" "$(grep -Ec 'non envoyé|not sent' "$T/err")" 0
grep -v '^{' "$T/err" | sed 's/^/# /'
