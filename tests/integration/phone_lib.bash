# Helpers for the phone tests (bash, after lib.bash): a real baresip with
# ctrl_tcp and no sound card (aufile as the source, aubridge as player,
# g711, one account on loopback with answermode=manual), on free ports,
# and sipp (the real SIP peer) placing calls to it.
SIPP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/sipp" && pwd)
BARESIP_PID=

# free_port: a port free for TCP and UDP on 127.0.0.1 (baresip's SIP listens on both).
free_port() {
	python3 - <<'EOF'
import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); break
    except OSError:
        pass
    finally:
        u.close(); t.close()
print(p)
EOF
}

# port_open PORT: something accepts TCP connections there.
port_open() { python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1).close()" "$1"; }

# baresip_setup: the configuration in $T/baresip; sets SIP_PORT, CTRL_PORT.
# The tone lasts a minute: baresip hangs a call up when its aufile source ends.
baresip_setup() {
	SIP_PORT=$(free_port)
	CTRL_PORT=$(free_port)
	mkdir -p "$T/baresip"
	python3 - "$T/baresip/tone.wav" <<'EOF'
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
second = b"".join(struct.pack("<h", int(3000 * math.sin(i / 8000 * 2 * math.pi * 440))) for i in range(8000))
w.writeframes(second * 60)  # 440 whole periods a second: the seconds join seamlessly
EOF
	cat >"$T/baresip/config" <<EOF
poll_method		poll
sip_listen		127.0.0.1:$SIP_PORT
audio_player		aubridge,nil
audio_source		aufile,$T/baresip/tone.wav
audio_alert		aubridge,nil
module_path		/usr/lib/baresip/modules
module			g711.so
module			aufile.so
module			aubridge.so
module_app		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:$CTRL_PORT
EOF
	echo "<sip:agent@127.0.0.1>;regint=0;answermode=manual" >"$T/baresip/accounts"
}

# baresip_start: run it; returns once its control socket accepts.  Neither it
# nor sipp keeps fd 3 (a test's pipe into guichet): the script's end is its EOF.
baresip_start() {
	baresip -f "$T/baresip" >>"$T/baresip.log" 2>&1 </dev/null 3>&- &
	BARESIP_PID=$!
	wait_for 20 port_open "$CTRL_PORT"
}

baresip_kill() {
	[ -n "$BARESIP_PID" ] && kill -KILL "$BARESIP_PID" 2>/dev/null && wait "$BARESIP_PID" 2>/dev/null
	BARESIP_PID=
}

# call NAME SCENARIO CALLER DISPLAY [sipp arguments]: sipp calls baresip
# from the number CALLER in the background; its log is $T/NAME.log
# (lines "answered ID MS", "ended ID MS"), its pid in $T/NAME.pid.
call() {
	local name=$1 scen=$2 caller=$3 display=$4
	shift 4
	sipp -sf "$SIPP_DIR/$scen" -key caller "$caller" -key caller_name "$display" -s agent \
		"127.0.0.1:$SIP_PORT" -m 1 -i 127.0.0.1 -p "$(free_port)" -timeout 120s \
		-trace_logs -log_file "$T/$name.log" -nostdin "$@" >"$T/$name.out" 2>&1 3>&- &
	echo $! >"$T/$name.pid"
}

# sipp_ms NAME: the call's length as sipp measured it (ms, answer to BYE).
sipp_ms() {
	awk '/^answered/ { a = $3 } /^ended/ { e = $3 } END { print e - a }' "$T/$1.log"
}

phone_cleanup() {
	baresip_kill
	for f in "$T"/*.pid; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null; done
	return 0
}
