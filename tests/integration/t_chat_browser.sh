# The citizen chat page in a real browser: Debian's chromium, driven by
# playwright-core (tests/browser/chat.test.mjs), against a real guichetd
# with demo data, the page reached through tcp_proxy.py so that its
# connections can be cut mid-chat.  The agent answers from the real desk in
# headless mode.  guichetd's self-signed certificate is trusted by its SPKI
# hash only (--ignore-certificate-errors-spki-list): verification stays on
# for everything else.  Screenshots (320 and 1280 px) go to
# $B/test-artefacts/chat/.
#
# Skipped, saying why, when chromium is absent or does not start, or when
# node or the node packages (contrib/deps installs them) are missing.
. "$(dirname "$0")/lib.bash"
TOP=$(cd "$(dirname "$0")/../.." && pwd)
GUICHET=${GUICHET:-$TOP/build/guichet}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
BROWSER_DIR=$TOP/tests/browser
B=${B:-build}
case $B in /*) ART=$B/test-artefacts/chat ;; *) ART=$TOP/$B/test-artefacts/chat ;; esac
PROXY_PID=

stop_proxy() {
	if [ -n "$PROXY_PID" ] && kill -0 "$PROXY_PID" 2>/dev/null; then
		kill -TERM "$PROXY_PID" 2>/dev/null
		wait "$PROXY_PID" 2>/dev/null
	fi
	PROXY_PID=
}
trap 'stop_proxy; finish' EXIT

start_server
PORT=${URL##*:}
python3 "$TOP/tests/integration/tcp_proxy.py" 127.0.0.1 "$PORT" "$T/cut" "$T/proxy.port" 2>>"$T/proxy.log" &
PROXY_PID=$!
if ! wait_for 10 test -s "$T/proxy.port"; then
	not_ok "the proxy starts" "$(cat "$T/proxy.log")"
	exit 1
fi
PAGE_URL=https://127.0.0.1:$(cat "$T/proxy.port")

# Without a browser: the page's files reach us through the proxy.
st=$(curl -sS --cacert "$CACERT" -o "$T/page.html" -w '%{http_code}' "$PAGE_URL/chat")
expect_eq "GET /chat through the proxy" "$st" 200
for f in chat.css chat.js embed.js; do
	expect_eq "GET /chat/$f through the proxy" \
		"$(curl -sS --cacert "$CACERT" -o /dev/null -w '%{http_code}' "$PAGE_URL/chat/$f")" 200
done

# --- can a browser run here? -----------------------------------------------------
why=
if [ ! -x "$CHROMIUM" ]; then
	why="chromium cannot start: $CHROMIUM is absent (Debian package chromium; contrib/deps test installs it)"
elif ! command -v node >/dev/null 2>&1; then
	why="node is absent (Debian package nodejs; contrib/deps test installs it)"
elif [ ! -f "$BROWSER_DIR/node_modules/playwright-core/package.json" ] ||
	[ ! -f "$BROWSER_DIR/node_modules/axe-core/axe.min.js" ]; then
	why="tests/browser/node_modules is missing (contrib/deps test runs npm ci there)"
else
	prc=0
	probe=$(timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$T/probe-profile" --dump-dom about:blank 2>&1 >"$T/probe.out") || prc=$?
	if ! grep -q '<body' "$T/probe.out"; then
		last=$(printf '%s' "$probe" | grep -v '^$' | tail -1)
		why="chromium cannot start: ${last:-$CHROMIUM --headless exited with status $prc and said nothing}"
	fi
fi
if [ -n "$why" ]; then
	ok "chat in a real browser # SKIP $why"
	exit 0
fi

# --- the certificate, the agent and the citizen ----------------------------------------
SPKI=$(openssl s_client -connect "127.0.0.1:$PORT" -servername 127.0.0.1 </dev/null 2>/dev/null |
	openssl x509 -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
expect_match "guichetd's certificate: its SPKI hash" "$SPKI" '^[A-Za-z0-9+/]{43}=$'

ALICE=$(login alice)
TOKEN=$ALICE
req GET '/api/v1/citizens?q=martin&limit=20' >/dev/null
CITIZEN_ID=$(jbody '[.items[] | select(.emails | length > 0)][0].id')
CITIZEN_EMAIL=$(jbody '[.items[] | select(.emails | length > 0)][0].emails[0]')
expect_match "a demo citizen with an email, found through the API" "$CITIZEN_EMAIL" '^[^@ ]+@[^@ ]+$'
TOKEN=

# --- the browser ---------------------------------------------------------------------
rm -rf "$ART"
mkdir -p "$ART"
PAGE_URL=$PAGE_URL API_URL=$URL CACERT=$CACERT AGENT_TOKEN=$ALICE GUICHET=$GUICHET \
	CUT_FILE=$T/cut SPKI=$SPKI ART_DIR=$ART CITIZEN_ID=$CITIZEN_ID CITIZEN_EMAIL=$CITIZEN_EMAIL \
	PROFILE_DIR=$T/profile CHROMIUM=$CHROMIUM TAP_START=$TAP_N \
	timeout 120 node "$BROWSER_DIR/chat.test.mjs" 2>"$T/node.err" | tee "$T/node.out"
rc=${PIPESTATUS[0]}
TAP_N=$((TAP_N + $(grep -Ec '^(not )?ok ' "$T/node.out")))
TAP_FAILED=$((TAP_FAILED + $(grep -c '^not ok ' "$T/node.out")))
if [ "$rc" -ne 0 ] && ! grep -q '^not ok ' "$T/node.out"; then
	not_ok "the browser script ends well (status $rc)" "$(tail -20 "$T/node.err")"
elif [ -s "$T/node.err" ]; then
	sed 's/^/# node: /' "$T/node.err" | head -20
fi
rm -f "$T/cut"
