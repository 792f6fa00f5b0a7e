# guichetd's limits: body size (413), header size (431), idle and slow
# clients cut off while others are served, connections per address (429).
# stores: both (tests/run runs it again on PostgreSQL)
. "$(dirname "$0")/lib.bash"
start_server --timeout 2 --max-body 65536 --max-conn-per-ip 40
TOKEN=$(login alice)

big=$T/big.json
{ printf '{"given_name":"A","family_name":"'; head -c 100000 /dev/zero | tr '\0' x; printf '"}'; } >"$big"
# The server answers from Content-Length, before the body; with
# Expect: 100-continue the client waits for that answer instead of racing
# the closing connection with its upload.
expect_eq "an oversized body is 413" \
	"$(req POST /api/v1/citizens -H 'Content-Type: application/json' -H 'Expect: 100-continue' \
		--data-binary @"$big")" 413
expect_eq "...as problem+json" "$(jbody .status)" 413
expect_eq "an oversized chunked body is 413 too" \
	"$(req POST /api/v1/citizens -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @"$big")" 413
expect_eq "the server still answers after that" "$(req GET /healthz)" 200

HUGE=$(head -c 40000 /dev/zero | tr '\0' h)
st=$(req GET /healthz -H "X-Filler: $HUGE")
expect_match "an oversized header block is refused with 431" "$st" '^431$'

# A client that sends its TLS hello and then goes silent costs the server
# nothing while it waits (libmicrohttpd's epoll loop spun on such a
# half-done handshake, a core per connection: one client could stall a
# node).  The server's CPU time is read over a window of 1.5 s.
python3 - "$URL" "$SERVER_PID" >"$T/hello.out" 2>&1 <<'EOF'
import os, socket, ssl, sys, time
url, pid = sys.argv[1], sys.argv[2]
host, port = url.split("//")[1].rsplit(":", 1)
ctx = ssl.create_default_context()
ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(inc, out, server_hostname="localhost")
try:
    tls.do_handshake()
except ssl.SSLWantReadError:
    pass
def cpu():
    f = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
s = socket.create_connection((host, int(port)))
s.sendall(out.read())  # the ClientHello, and nothing after it
s.settimeout(5)
s.recv(65536)          # the server's answer: it is now waiting for us
before, start = cpu(), time.monotonic()
time.sleep(1.5)
print("server cpu %.0f%% of the window" % (100 * (cpu() - before) / (time.monotonic() - start)))
EOF
expect_match "a silent half-done TLS handshake costs the server no CPU" "$(cat "$T/hello.out")" \
	'^server cpu ([0-9]|1[0-9])% '
expect_eq "the server answers meanwhile and after" "$(req GET /healthz)" 200

# A client that opens a connection and never finishes its request is cut off
# after the idle timeout, while another client is served meanwhile.
python3 - "$URL" "$CACERT" >"$T/slow.out" 2>&1 <<'EOF' &
import socket, ssl, sys, time
url, cafile = sys.argv[1], sys.argv[2]
host, port = url.split("//")[1].rsplit(":", 1)
ctx = ssl.create_default_context(cafile=cafile)
s = ctx.wrap_socket(socket.create_connection((host, int(port))), server_hostname="localhost")
s.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n")  # never ends the headers
start = time.monotonic()
s.settimeout(30)
try:
    data = s.recv(100)
except Exception as e:
    data = b""
print("closed after %.1f s" % (time.monotonic() - start), "with", len(data), "bytes")
EOF
SLOW=$!
expect_eq "another client is served while the slow one waits" "$(req GET /healthz)" 200
wait_for 15 grep -q closed "$T/slow.out"
expect_match "the slow client is cut off by the timeout" "$(cat "$T/slow.out")" 'closed after [2-9]\.'
wait "$SLOW" 2>/dev/null

# Too many connections from one address: the extra ones get 429.
python3 - "$URL" "$CACERT" >"$T/many.out" 2>&1 <<'EOF'
import socket, ssl, sys
url, cafile = sys.argv[1], sys.argv[2]
host, port = url.split("//")[1].rsplit(":", 1)
ctx = ssl.create_default_context(cafile=cafile)
held = []
for i in range(40):  # the limit is 40: the 41st is one too many
    held.append(ctx.wrap_socket(socket.create_connection((host, int(port))), server_hostname="localhost"))
extra = ctx.wrap_socket(socket.create_connection((host, int(port))), server_hostname="localhost")
extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
extra.settimeout(10)
print(extra.recv(100).split(b"\r\n")[0].decode())
EOF
expect_match "a connection over the per-address limit gets 429" "$(cat "$T/many.out")" '429'
wait_for 10 sh -c "[ \"\$(curl -s -o /dev/null -w '%{http_code}' --cacert '$CACERT' '$URL/healthz')\" = 200 ]"
expect_eq "once they are gone the address is served again" "$(req GET /healthz)" 200
