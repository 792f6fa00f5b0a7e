# guichetd over real HTTPS: login, roles, citizens, cases (ETag/If-Match,
# status machine, notes, transfers), idempotency, audit, problem+json.
# stores: both (tests/run runs it again on PostgreSQL)
. "$(dirname "$0")/lib.bash"
start_server

# --- TLS and health ------------------------------------------------------
expect_eq "healthz answers over verified HTTPS" "$(req GET /healthz)" 200
check "a client without the demo CA is refused" sh -c "! curl -sS https://${URL#https://}/healthz"
check "TLS 1.1 is refused" sh -c "! curl -sS --cacert '$CACERT' --tls-max 1.1 '$URL/healthz'"
check "TLS 1.3 is accepted" curl -sSf --cacert "$CACERT" --tlsv1.3 "$URL/healthz"

# --- login ---------------------------------------------------------------
expect_eq "a wrong password is 401" \
	"$(jreq POST /api/v1/auth/login '{"login":"alice","password":"nope"}')" 401
expect_eq "the failure is problem+json" "$(header Content-Type)" "application/problem+json"
expect_eq "the problem names its status" "$(jbody .status)" 401
ALICE=$(login alice)
SOPHIE=$(login sophie)
ADMIN=$(login admin)
expect_match "alice gets a token" "$ALICE" '^[A-Za-z0-9_-]{43}$'
TOKEN=$ALICE
expect_eq "GET /me as alice" "$(req GET /api/v1/me)" 200
expect_eq "/me says agent" "$(jbody .role)" agent
TOKEN=
expect_eq "no token is 401" "$(req GET /api/v1/me)" 401
TOKEN=not-a-token
expect_eq "a bad token is 401" "$(req GET /api/v1/me)" 401

# --- roles ---------------------------------------------------------------
TOKEN=$ALICE
expect_eq "an agent may not read the audit log" "$(req GET /api/v1/audit)" 403
expect_eq "an agent may not read the monitor" "$(req GET /api/v1/monitor)" 403
expect_eq "an agent may not change an SLA" \
	"$(jreq PATCH /api/v1/services/voirie '{"sla":{"answer":{"default":"3d"}}}')" 403
expect_eq "an agent may not post telephony events" \
	"$(jreq POST /api/v1/telephony/events '{"call_id":"x","event":"ringing"}')" 403
TOKEN=$SOPHIE
expect_eq "a supervisor reads the monitor" "$(req GET /api/v1/monitor)" 200
expect_match "the monitor has today's figures" "$(jbody '.today | has("cases_overdue")')" true
TOKEN=$ADMIN
expect_eq "an admin changes an SLA" \
	"$(jreq PATCH /api/v1/services/voirie '{"sla":{"answer":{"default":"3d"}}}')" 200
expect_eq "a bad SLA is 422" \
	"$(jreq PATCH /api/v1/services/voirie '{"sla":{"answer":{"default":"soon"}}}')" 422

# --- citizens --------------------------------------------------------------
TOKEN=$ALICE
st=$(jreq POST /api/v1/citizens '{"given_name":"Éloïse","family_name":"Lœuvre-Çaïd","phones":["06 12 34 56 78"],"emails":["Eloise@Exemple.FR"]}')
expect_eq "create a citizen" "$st" 201
CID=$(jbody .id)
expect_eq "the phone is stored in E.164" "$(jbody '.phones[0]')" "+33612345678"
expect_eq "the mail domain is lowercased" "$(jbody '.emails[0]')" "Eloise@exemple.fr"
expect_eq "Location points to the record" "$(header Location)" "/api/v1/citizens/$CID"
expect_eq "ETag carries the version" "$(header ETag)" '"1"'
expect_eq "search without accents finds her" \
	"$(req GET '/api/v1/citizens?q=eloise%20loeuvre' >/dev/null; jbody '.items[0].id')" "$CID"
expect_eq "a one-word search (the name index) finds her" \
	"$(req GET '/api/v1/citizens?q=l%C5%93uvre' >/dev/null; jbody "[.items[].id] | index($CID) != null")" true
expect_eq "search by phone finds her" \
	"$(req GET '/api/v1/citizens?q=0612345678' >/dev/null; jbody '.items[0].id')" "$CID"
expect_eq "search by mail finds her" \
	"$(req GET '/api/v1/citizens?q=eloise@exemple.fr' >/dev/null; jbody '.items[0].id')" "$CID"
expect_eq "an unknown field is 422" "$(jreq POST /api/v1/citizens '{"given_name":"A","family_name":"B","shoe":1}')" 422
expect_eq "a too long name is 422" \
	"$(jreq POST /api/v1/citizens "{\"given_name\":\"$(head -c 300 /dev/zero | tr '\0' a)\",\"family_name\":\"B\"}")" 422
expect_eq "PATCH without If-Match is 428" "$(jreq PATCH /api/v1/citizens/$CID '{"address":"1 place de la Mairie"}')" 428
expect_eq "PATCH with If-Match 1" \
	"$(jreq PATCH /api/v1/citizens/$CID '{"address":"1 place de la Mairie"}' -H 'If-Match: "1"')" 200
expect_eq "the version went up" "$(jbody .version)" 2
expect_eq "a stale PATCH is 412" \
	"$(jreq PATCH /api/v1/citizens/$CID '{"address":"2 rue Haute"}' -H 'If-Match: "1"')" 412
expect_eq "the 412 carries the current record" "$(jbody .current.address)" "1 place de la Mairie"
expect_eq "the 412 carries the current ETag" "$(header ETag)" '"2"'
expect_eq "a search shows who matches, not the whole file" \
	"$(req GET '/api/v1/citizens?q=eloise%20loeuvre' >/dev/null; jbody '.items[0] | [has("address"), has("phones")] | join(",")')" false,true
expect_eq "an unknown citizen is 404" "$(req GET /api/v1/citizens/999999999)" 404
expect_eq "a non-numeric id is 404" "$(req GET /api/v1/citizens/abc)" 404

# --- cases -----------------------------------------------------------------
st=$(jreq POST /api/v1/cases "{\"citizen_id\":$CID,\"subject\":\"Demande d'acte de naissance\",\"service\":\"etat-civil\",\"channel\":\"email\"}")
expect_eq "create a case in alice's service" "$st" 201
CASE=$(jbody .id)
REF=$(jbody .ref)
expect_match "the case has a yearly reference" "$REF" '^[0-9]{4}-[0-9]{6}$'
expect_eq "a case is found by its reference too" "$(req GET /api/v1/cases/$REF >/dev/null; jbody .id)" "$CASE"
expect_match "an email gets an acknowledgement due date" "$(jbody .ack_due_at)" '^20[0-9]{2}-'
expect_eq "a new case is new" "$(jbody .status)" new
st=$(jreq POST /api/v1/cases "{\"citizen_id\":$CID,\"subject\":\"Il y a un nid de poule devant chez moi\"}")
expect_eq "a case without service is routed" "$st" 201
expect_eq "the keyword rule chose voirie" "$(jbody .service)" voirie
VOIRIE_CASE=$(jbody .id)
expect_eq "alice does not see voirie details" "$(req GET /api/v1/cases/$VOIRIE_CASE >/dev/null; jbody .restricted)" true
expect_eq "...but sees its status" "$(jbody .status)" new
expect_eq "...and not its subject" "$(jbody .subject)" null
expect_eq "alice may not change a voirie case" \
	"$(jreq PATCH /api/v1/cases/$VOIRIE_CASE '{"status":"open"}' -H 'If-Match: "1"')" 403
expect_eq "open the case" "$(jreq PATCH /api/v1/cases/$CASE '{"status":"open"}' -H 'If-Match: "1"')" 200
expect_match "opening acknowledges it" "$(jbody .acknowledged_at)" '^20'
expect_eq "new -> open is refused from closed... (open -> new) 422" \
	"$(jreq PATCH /api/v1/cases/$CASE '{"status":"new"}' -H 'If-Match: "2"')" 422
expect_eq "a stale status change is 412" \
	"$(jreq PATCH /api/v1/cases/$CASE '{"status":"resolved"}' -H 'If-Match: "1"')" 412
expect_eq "...with the current status" "$(jbody .current.status)" open
expect_eq "add a note" "$(jreq POST /api/v1/cases/$CASE/notes '{"text":"Pièce d’identité reçue."}')" 201
expect_eq "the case events show the note" \
	"$(req GET /api/v1/cases/$CASE/events >/dev/null; jbody '[.items[] | select(.kind=="note")][0].data.text')" \
	"Pièce d’identité reçue."
expect_eq "transfer to urbanisme" \
	"$(jreq POST /api/v1/cases/$CASE/transfer '{"service":"urbanisme","reason":"mauvais service"}')" 200
expect_eq "the case is in urbanisme" "$(jbody .service)" urbanisme
expect_eq "...out of alice's services: she sees no more than its status" "$(jbody .restricted),$(jbody .subject)" true,null
expect_eq "alice may no longer write a note in it" "$(jreq POST /api/v1/cases/$CASE/notes '{"text":"x"}')" 403
expect_eq "...nor transfer it back" "$(jreq POST /api/v1/cases/$CASE/transfer '{"service":"etat-civil"}')" 403
expect_eq "...nor read its history" "$(req GET /api/v1/cases/$CASE/events)" 403
TOKEN=$SOPHIE
expect_eq "the supervisor sees the transfer in the history" \
	"$(req GET /api/v1/cases/$CASE/events >/dev/null; jbody '[.items[] | select(.kind=="transfer")][0].data.to_service')" urbanisme
# A case's history pages like the timeline: notes written in the same
# second are told apart by id, each comes once, newest first.
for i in 1 2 3 4 5; do jreq POST /api/v1/cases/$CASE/notes "{\"text\":\"suivi $i\"}" >/dev/null; done
req GET /api/v1/cases/$CASE/events >/dev/null
ALL=$(jbody '[.items[].id] | join(" ")')
expect_eq "the whole history fits the default page" "$(jbody '.next_cursor'),$(jbody '.items | length > 6')" null,true
PAGED= CUR=
for _ in $(seq 50); do
	req GET "/api/v1/cases/$CASE/events?limit=2${CUR:+&cursor=$CUR}" >/dev/null
	PAGED="$PAGED $(jbody '[.items[].id] | join(" ")')"
	CUR=$(jbody '.next_cursor // empty')
	[ -z "$CUR" ] && break
done
expect_eq "paging through a case's history gives every event once, newest first" "$(echo $PAGED)" "$ALL"
expect_eq "a page of a case's history holds the limit" \
	"$(req GET "/api/v1/cases/$CASE/events?limit=2" >/dev/null; jbody '.items | length')" 2
expect_eq "a forged cursor is 400" "$(req GET "/api/v1/cases/$CASE/events?cursor=WzFd")" 400
expect_eq "a limit over 500 is 400" "$(req GET "/api/v1/cases/$CASE/events?limit=501")" 400
expect_eq "the work list sorts by due date" "$(req GET '/api/v1/cases?assignee=me&limit=5')" 200
TOKEN=$ALICE
expect_eq "alice's work list" "$(req GET '/api/v1/cases?assignee=me&status=active&limit=5')" 200
N1=$(jbody '.items | length')
C1=$(jbody .next_cursor)
expect_eq "a page holds the limit" "$N1" 5
expect_eq "the next page follows" "$(req GET "/api/v1/cases?assignee=me&status=active&limit=5&cursor=$C1")" 200
check "pages do not overlap" test "$(jq -r '.items[0].id' "$T/body")" != ""
expect_eq "a forged cursor is 400" "$(req GET '/api/v1/cases?cursor=xxxx')" 400
expect_eq "a bad limit is 400" "$(req GET '/api/v1/cases?limit=100000')" 400

# --- timeline and 360 --------------------------------------------------------------
expect_eq "the 360 view" "$(req GET /api/v1/citizens/$CID)" 200
expect_match "the 360 lists her cases" "$(jbody '.cases | length')" '^[2-9]$'
expect_eq "the timeline" "$(req GET /api/v1/citizens/$CID/timeline)" 200
expect_match "the timeline holds case events" "$(jbody '[.items[].kind] | unique | join(",")')" case_event
expect_eq "log a phone interaction" \
	"$(jreq POST /api/v1/interactions "{\"citizen_id\":$CID,\"channel\":\"phone\",\"direction\":\"in\",\"summary\":\"Appel pour suivi\"}")" 201
LOC=$(header Location)
expect_match "its Location names the new contact" "$LOC" '^/api/v1/interactions/[0-9]+$'
expect_eq "...which reads back" "$(req GET "$LOC"; echo " $(jbody .summary)")" "200 Appel pour suivi"
expect_eq "an unknown contact is 404" "$(req GET /api/v1/interactions/999999999)" 404
expect_eq "the timeline's newest entry is the call" \
	"$(req GET /api/v1/citizens/$CID/timeline >/dev/null; jbody '.items[0].channel')" phone
# Paging with a cursor, 3 at a time, gives the whole timeline once, in order.
req GET "/api/v1/citizens/$CID/timeline?limit=500" >/dev/null
ALL=$(jbody '[.items[] | .kind + ":" + (.id | tostring)] | join(" ")')
PAGED= CUR=
for _ in $(seq 200); do
	req GET "/api/v1/citizens/$CID/timeline?limit=3${CUR:+&cursor=$CUR}" >/dev/null
	PAGED="$PAGED $(jbody '[.items[] | .kind + ":" + (.id | tostring)] | join(" ")')"
	CUR=$(jbody '.next_cursor // empty')
	[ -z "$CUR" ] && break
done
expect_match "the timeline mixes interactions and case events" "$ALL" 'interaction:.*case_event:|case_event:.*interaction:'
expect_eq "paging through the timeline gives every entry once, newest first" "$(echo $PAGED)" "$ALL"

# --- idempotency ----------------------------------------------------------
B="{\"citizen_id\":$CID,\"channel\":\"counter\",\"direction\":\"in\",\"summary\":\"Visite\"}"
jreq POST /api/v1/interactions "$B" -H 'Idempotency-Key: k-123' >/dev/null
FIRST=$(jbody .id)
expect_eq "a replay answers the first answer" \
	"$(jreq POST /api/v1/interactions "$B" -H 'Idempotency-Key: k-123'; echo " $(jbody .id)")" "201 $FIRST"
expect_eq "...and made no second record" \
	"$(req GET /api/v1/citizens/$CID/timeline >/dev/null; jbody '[.items[] | select(.channel=="counter")] | length')" 1
expect_eq "the same key with another payload is 422" \
	"$(jreq POST /api/v1/interactions "${B/Visite/Autre}" -H 'Idempotency-Key: k-123')" 422
TOKEN=$SOPHIE
expect_eq "keys are per caller" \
	"$(jreq POST /api/v1/interactions "$B" -H 'Idempotency-Key: k-123'; echo " $(jbody '.id != '$FIRST)")" "201 true"
TOKEN=$ALICE
# A node that dies mid-request leaves its claim running: made here by
# turning a finished key back into a running claim.  Fresh, it is still
# "in progress"; once older than a request can run, a retry takes it over.
S="${B/Visite/Reprise}"
jreq POST /api/v1/interactions "$S" -H 'Idempotency-Key: k-stale' >/dev/null
STALE1=$(jbody .id)
store_sql "UPDATE idempotency SET state = 0, status = NULL, body = NULL WHERE key = 'k-stale'" >/dev/null
expect_eq "a running claim is 409 to a retry" \
	"$(jreq POST /api/v1/interactions "$S" -H 'Idempotency-Key: k-stale')" 409
store_sql "UPDATE idempotency SET created_at = created_at - 3600 WHERE key = 'k-stale'" >/dev/null
expect_eq "a claim its node left behind is taken over by the retry, which runs" \
	"$(jreq POST /api/v1/interactions "$S" -H 'Idempotency-Key: k-stale'; echo " $(jbody ".id != $STALE1")")" \
	"201 true"
STALE2=$(jbody .id)
expect_eq "...and the next retry replays that answer" \
	"$(jreq POST /api/v1/interactions "$S" -H 'Idempotency-Key: k-stale'; echo " $(jbody .id)")" "201 $STALE2"

# --- one email, one interaction, whoever records it ---------------------------
M="{\"citizen_id\":$CID,\"channel\":\"email\",\"direction\":\"in\",\"summary\":\"Objet : acte\",\"external_ref\":\"<m1@example.org>\"}"
expect_eq "an email is recorded by its Message-ID" "$(jreq POST /api/v1/interactions "$M")" 201
MAIL1=$(jbody .id)
expect_eq "recording it again (another desk, mail sync) answers the same contact" \
	"$(jreq POST /api/v1/interactions "$M"; echo " $(jbody .id)")" "200 $MAIL1"
expect_eq "linking it to a case later attaches that case to it" \
	"$(jreq POST /api/v1/interactions "${M%\}},\"case_id\":$CASE}"; echo " $(jbody .id) $(jbody .case_id)")" \
	"200 $MAIL1 $CASE"
expect_eq "...and the timeline holds it once" \
	"$(req GET /api/v1/citizens/$CID/timeline >/dev/null; jbody '[.items[] | select(.external_ref=="<m1@example.org>")] | length')" 1
expect_eq "linking it to another case is refused, with the contact as it is" \
	"$(jreq POST /api/v1/interactions "${M%\}},\"case_id\":$VOIRIE_CASE}"; echo " $(jbody .current.case_id)")" "409 $CASE"
jreq POST /api/v1/citizens '{"given_name":"Paul","family_name":"Autre"}' >/dev/null
expect_eq "the same Message-ID for another citizen is refused" \
	"$(jreq POST /api/v1/interactions "${M/:$CID,/:$(jbody .id),}")" 409

# --- malformed input -------------------------------------------------------
expect_eq "malformed JSON is 400" "$(jreq POST /api/v1/citizens '{"given_name":')" 400
expect_eq "duplicate keys are 400" "$(jreq POST /api/v1/citizens '{"given_name":"a","given_name":"b","family_name":"c"}')" 400
DEEP=$(printf '%.0s[' $(seq 1 100))
expect_eq "over-deep nesting is 400" "$(jreq POST /api/v1/citizens "{\"tags\":$DEEP}")" 400
expect_match "...and says why" "$(jbody .detail)" 'deep'
expect_eq "a wrong content type is 415" \
	"$(req POST /api/v1/citizens -H 'Content-Type: text/plain' --data-binary '{}')" 415
expect_eq "an unknown path is 404" "$(req GET /api/v1/nothing)" 404
expect_eq "a wrong method is 405" "$(req DELETE /api/v1/citizens)" 405
expect_match "...with Allow" "$(header Allow)" 'GET'

# --- audit -----------------------------------------------------------------
TOKEN=$SOPHIE
expect_eq "the audit log is readable by a supervisor" "$(req GET "/api/v1/audit?citizen_id=$CID")" 200
expect_match "reads of the 360 view are audited" "$(jbody '[.items[] | select(.action=="citizen.read" and .actor=="alice")] | length')" '^[1-9]'
expect_match "timeline reads are audited" "$(jbody '[.items[].action] | index("citizen.timeline") != null')" true
expect_match "writes are audited" "$(jbody '[.items[].action] | index("citizen.update") != null')" true
expect_match "searches are audited too" \
	"$(req GET '/api/v1/audit?actor=alice&limit=100' >/dev/null; jbody '[.items[] | select(.action=="citizen.search")] | length')" '^[1-9]'
check "...without what was searched" sh -c "! grep -qi 'loeuvre' '$T/body'"
expect_eq "the audit record has the client address" "$(jbody '.items[0].client_addr')" 127.0.0.1
check "the audit log holds no citizen text" sh -c "! grep -q 'Pièce' '$T/body'"

# --- merge ------------------------------------------------------------------
TOKEN=$ALICE
jreq POST /api/v1/citizens '{"given_name":"Éloïse","family_name":"Lœuvre-Çaïd","emails":["eloise.autre@exemple.fr"]}' >/dev/null
DUP=$(jbody .id)
jreq POST /api/v1/interactions "{\"citizen_id\":$DUP,\"channel\":\"letter\",\"direction\":\"in\",\"summary\":\"Courrier\"}" >/dev/null
expect_eq "merge the duplicate" "$(jreq POST /api/v1/citizens/$CID/merge "{\"duplicate_id\":$DUP}")" 201
MERGE=$(jbody .id)
expect_eq "the letter moved to the kept record" \
	"$(req GET /api/v1/citizens/$CID/timeline >/dev/null; jbody '[.items[] | select(.channel=="letter")] | length')" 1
expect_eq "the duplicate points to the kept record" "$(req GET /api/v1/citizens/$DUP >/dev/null; jbody .merged_into)" "$CID"
expect_eq "the kept record has both mail addresses" "$(req GET /api/v1/citizens/$CID >/dev/null; jbody '.emails | length')" 2
expect_eq "a one-word search leaves the merged record out too" \
	"$(req GET '/api/v1/citizens?q=loeuvre' >/dev/null; jbody "[.items[].id] | index($DUP) == null and index($CID) != null")" true
expect_eq "a search finds the kept record, not the merged one" \
	"$(req GET '/api/v1/citizens?q=eloise%20loeuvre' >/dev/null; jbody '[.items[].id] | join(",")')" "$CID"
expect_eq "merging again is refused" "$(jreq POST /api/v1/citizens/$CID/merge "{\"duplicate_id\":$DUP}")" 422
req GET /api/v1/citizens/$DUP >/dev/null
expect_eq "a merged record cannot be changed (409), its contacts live in the kept one" \
	"$(jreq PATCH /api/v1/citizens/$DUP '{"tags":["x"]}' -H "If-Match: \"$(jbody .version)\""; echo " $(jbody .merged_into)")" "409 $CID"
expect_eq "...so a search still leaves it out" \
	"$(req GET '/api/v1/citizens?q=loeuvre' >/dev/null; jbody "[.items[].id] | index($DUP) == null")" true
expect_eq "undo the merge" "$(req POST /api/v1/merges/$MERGE/undo)" 200
expect_eq "the letter is back" \
	"$(req GET /api/v1/citizens/$DUP/timeline >/dev/null; jbody '[.items[] | select(.channel=="letter")] | length')" 1
expect_eq "...and finds both again once the merge is undone" \
	"$(req GET '/api/v1/citizens?q=eloise%20loeuvre' >/dev/null; jbody '.items | length')" 2
expect_eq "...and the one-word search finds it again after the undo" \
	"$(req GET '/api/v1/citizens?q=loeuvre' >/dev/null; jbody "[.items[].id] | index($DUP) != null")" true
expect_eq "the duplicate stands alone again" "$(req GET /api/v1/citizens/$DUP >/dev/null; jbody .merged_into)" null
expect_eq "the kept record lost the copied address" "$(req GET /api/v1/citizens/$CID >/dev/null; jbody '.emails | length')" 1
TOKEN=$SOPHIE
expect_match "the merge and its undo are audited" \
	"$(req GET "/api/v1/audit?citizen_id=$DUP" >/dev/null; jbody '[.items[].action] | join(",")')" 'citizen.unmerged.*citizen.merged'

# --- metrics ------------------------------------------------------------------
TOKEN=
expect_eq "/metrics answers" "$(req GET /metrics)" 200
expect_match "metrics count requests by route" "$(body)" 'guichetd_requests_total\{route="GET /healthz",status="200"\} [1-9]'
expect_match "metrics have a latency histogram" "$(body)" 'guichetd_request_duration_seconds_bucket'
