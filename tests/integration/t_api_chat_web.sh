# The server side of the citizen's web chat: the page and its guards (CSP,
# types, no inline code), the subjects, the event-stream ticket (the chat
# token never in a URL), the agent's first name (never the login), "the
# agent is writing", the rate limits (429 + Retry-After) and CORS for the
# origins the administrator allowed.  The page itself runs in a browser in
# t_chat_browser.sh.
# stores: both (tests/run runs it again on PostgreSQL)
. "$(dirname "$0")/lib.bash"
ORIGIN=https://www.mairie.example
start_server --chat-origin "$ORIGIN" --chat-rate 6 --chat-start-rate 4

# --- the page ---------------------------------------------------------------
TOKEN=
expect_eq "GET /chat serves the page" "$(req GET /chat)" 200
expect_match "...as HTML" "$(header Content-Type)" '^text/html; charset=utf-8'
expect_match "...in French" "$(body)" '<html lang="fr"'
csp=$(header Content-Security-Policy)
expect_match "...with a CSP that allows only its own files" "$csp" "default-src 'self'; script-src 'self'; style-src 'self'"
expect_match "...that may be framed by the allowed origin only" "$csp" "frame-ancestors 'self' $ORIGIN\$"
expect_eq "...no referrer leaves it" "$(header Referrer-Policy)" no-referrer
expect_eq "...no type sniffing" "$(header X-Content-Type-Options)" nosniff
if grep -Eqi '<script>|<script [^>]*>[^<]|<style| style=| on[a-z]+=' "$T/body"; then
	not_ok "the page has no inline script, style or handler (the CSP would block it)"
else
	ok "the page has no inline script, style or handler (the CSP would block it)"
fi
expect_eq "its script is served" "$(req GET /chat/chat.js)" 200
expect_match "...as JavaScript" "$(header Content-Type)" '^text/javascript'
expect_match "...under the same CSP" "$(header Content-Security-Policy)" "script-src 'self'"
if grep -Eq 'innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(' "$T/body"; then
	not_ok "the script never turns text into HTML"
else
	ok "the script never turns text into HTML"
fi
expect_eq "its style sheet is served" "$(req GET /chat/chat.css)" 200
expect_match "...as CSS" "$(header Content-Type)" '^text/css'
expect_eq "the embedding script is served" "$(req GET /chat/embed.js)" 200
expect_eq "no other file" "$(req GET /chat/secret.db)" 404
expect_eq "no way out of the folder" "$(req GET /chat/..%2fguichet.db)" 404

expect_eq "the subjects are public" "$(req GET /public/v1/subjects)" 200
expect_match "...each a service with its name" "$(jbody '.items[] | select(.service == "etat-civil") | .label')" 'État civil'
expect_eq "...and nothing more about it" "$(jbody '[.items[] | keys | join(",")] | unique | join(" ")')" 'label,service'

# --- a chat, its ticket and its stream --------------------------------------
st=$(jreq POST /public/v1/chats '{"name":"Zoé","service":"etat-civil","text":"Bonjour, un acte de naissance ?"}')
expect_eq "a citizen starts a chat" "$st" 201
CHAT=$(jbody .id)
CT=$(jbody .token)
st=$(jreq POST /public/v1/chats '{"service":"etat-civil","text":"Une autre question"}')
OTHER=$(jbody .id)
OT=$(jbody .token)

TOKEN=$CT
expect_eq "the chat token buys a stream ticket" "$(req POST /public/v1/chats/$CHAT/ticket)" 201
TICKET=$(jbody .ticket)
expect_match "...valid for minutes" "$(jbody .expires_in)" '^[0-9]+$'
case $TICKET in *"$CT"*) not_ok "the ticket does not hold the token" ;; *) ok "the ticket does not hold the token" ;; esac
expect_eq "a ticket is only for one's own chat" "$(req POST /public/v1/chats/$OTHER/ticket)" 403
TOKEN=
C1=$T/citizen.events
curl -sS -N --cacert "$CACERT" "$URL/public/v1/chats/$CHAT/events?ticket=$TICKET&after=0" >"$C1" 2>/dev/null &
check "the ticket opens the chat's stream (EventSource sends no header)" wait_for 10 grep -q 'event: chat.status' "$C1"
expect_eq "the ticket opens no other chat's stream" "$(req GET "/public/v1/chats/$OTHER/events?ticket=$TICKET")" 403
bad=${TICKET%?}A
[ "$bad" = "$TICKET" ] && bad=${TICKET%?}B
expect_eq "a damaged ticket is refused" "$(req GET "/public/v1/chats/$CHAT/events?ticket=$bad")" 401
expect_eq "the chat token itself is no ticket" "$(req GET "/public/v1/chats/$CHAT/events?ticket=$CT")" 401
expect_eq "a ticket reads nothing else" "$(req GET "/public/v1/chats/$CHAT?ticket=$TICKET")" 401

ALICE=$(login alice)
TOKEN=$ALICE
expect_eq "alice becomes available" "$(jreq PUT /api/v1/me/presence '{"presence":"available"}')" 200
expect_eq "alice accepts" "$(req POST /api/v1/chats/$CHAT/accept)" 200
check "the citizen is told who answers, by first name" wait_for 10 grep -q '"agent": *"Alice"' "$C1"
if grep -q '"alice"' "$C1"; then not_ok "the citizen never sees the agent's login"; else ok "the citizen never sees the agent's login"; fi
expect_eq "alice is writing: told" "$(req POST /api/v1/chats/$CHAT/typing)" 204
check "...the citizen sees that an agent is writing" wait_for 10 grep -q 'event: chat.typing' "$C1"
expect_eq "...told again at once: answered, not repeated" "$(req POST /api/v1/chats/$CHAT/typing)" 204
expect_eq "...and not for a chat she does not hold" "$(req POST /api/v1/chats/$OTHER/typing)" 409
expect_eq "alice answers" "$(jreq POST /api/v1/chats/$CHAT/messages '{"text":"Bonjour Zoé"}')" 201
check "the answer reaches the stream" wait_for 10 grep -q 'Bonjour Zoé' "$C1"
expect_eq "only one writing event was sent for the two" "$(grep -c 'event: chat.typing' "$C1")" 1
TOKEN=$CT
expect_eq "the citizen reads the chat" "$(req GET /public/v1/chats/$CHAT)" 200
expect_eq "...the agent by first name" "$(jbody .agent)" Alice
expect_eq "...on her message too" "$(jbody '.messages[] | select(.sender == "agent") | .agent')" Alice
expect_eq "...and no login anywhere" "$(jq '[.. | strings | select(. == "alice")] | length' "$T/body")" 0

# --- rate limits ---------------------------------------------------------------
codes=""
for i in 1 2 3 4 5 6 7; do
	codes="$codes $(jreq POST /public/v1/chats/$CHAT/messages "{\"text\":\"message $i\"}")"
done
expect_match "a burst of messages is cut at five (--chat-rate 6)" "$codes" '^ 201 201 201 201 201 429 429$'
expect_match "...with Retry-After in seconds" "$(header Retry-After)" '^[0-9]+$'
expect_match "...and a problem that says why" "$(jbody .detail)" 'too many messages in this chat'
expect_eq "...as problem+json" "$(header Content-Type)" application/problem+json
TOKEN=$ALICE
expect_eq "a refused message is not stored" "$(req GET /api/v1/chats/$CHAT)" 200
expect_eq "...five of seven are there" "$(jq '[.messages[] | select(.text | startswith("message "))] | length' "$T/body")" 5

# --- the end and the survey the page sends ---------------------------------------
expect_eq "alice ends the chat" "$(req POST /api/v1/chats/$CHAT/close)" 200
TOKEN=$CT
expect_eq "a survey with a mark and a word, no recommendation, is taken" \
	"$(jreq POST /public/v1/chats/$CHAT/survey '{"csat":4,"comment":"Merci"}')" 201
expect_eq "...its answer has no nps" "$(jbody 'has("nps")')" false
TOKEN=$OT
expect_eq "another chat has its own limit" "$(jreq POST /public/v1/chats/$OTHER/messages '{"text":"bonjour"}')" 201
TOKEN=
codes=""
for i in 1 2 3; do
	codes="$codes $(jreq POST /public/v1/chats "{\"service\":\"accueil\",\"text\":\"question $i\"}")"
done
expect_match "new chats from one address are limited too (--chat-start-rate 4)" "$codes" ' 429$'
expect_match "...with Retry-After" "$(header Retry-After)" '^[0-9]+$'

# --- CORS ------------------------------------------------------------------------
expect_eq "a preflight from the allowed origin" \
	"$(req OPTIONS /public/v1/chats -H "Origin: $ORIGIN" -H 'Access-Control-Request-Method: POST')" 204
expect_eq "...is allowed" "$(header Access-Control-Allow-Origin)" "$ORIGIN"
expect_match "...with the headers the page sends" "$(header Access-Control-Allow-Headers)" 'Idempotency-Key'
expect_eq "a preflight from another origin" \
	"$(req OPTIONS /public/v1/chats -H 'Origin: https://evil.example' -H 'Access-Control-Request-Method: POST')" 204
expect_eq "...is not allowed" "$(header Access-Control-Allow-Origin)" ""
expect_eq "the allowed origin reads the subjects" "$(req GET /public/v1/subjects -H "Origin: $ORIGIN")" 200
expect_eq "...with CORS" "$(header Access-Control-Allow-Origin)" "$ORIGIN"
TOKEN=$ALICE
expect_eq "the agent API has no CORS" "$(req GET /api/v1/me -H "Origin: $ORIGIN")" 200
expect_eq "...for any origin" "$(header Access-Control-Allow-Origin)" ""

# --- configuration -------------------------------------------------------------
out=$("$GUICHETD" serve --data "$T/none" --chat-origin 'https://x.example/path' 2>&1)
expect_eq "an origin with a path is refused" "$?" 2
expect_match "...with a clear message" "$out" 'takes an origin'
out=$("$GUICHETD" serve --data "$T/none" --chat-origin "https://a.example; script-src *" 2>&1)
expect_match "an origin cannot widen the CSP" "$out" 'takes an origin'
finish
