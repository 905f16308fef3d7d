#!/usr/bin/env bash
# Log types per module (stack/core/log.h), levels from the EAL's --log-level:
# tern.tcp:debug traces every TCP state change of a connection; at the default
# level nothing of it is printed; tern.port's INFO lines go with tern.port:warning.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

# run_echo [EAL log args...]: tern-echo with those EAL arguments, one echo
# exchange with nc, stopped; its output is left in $LOG.
run_echo() {
	ns_create
	ip netns exec "$NS" "$BUILD/app/tern-echo" --no-huge -m 512 --no-pci --no-shconf \
		--file-prefix "$NS" --vdev "net_tap0,iface=$TAP" -l 0 "$@" -- \
		--ip "$TERN_IP/24" >"$LOG" 2>&1 &
	TERN_PID=$!
	tern_wait_up tern-echo
	out=$(printf 'log me\n' | in_ns timeout 10 nc -N "$TERN_IP" 7)
	[ "$out" = "log me" ] || fail "nc to port 7 got '$out'"
	tern_stop INT
	ip netns del "$NS"
}

# The default level: no trace, but the port's INFO lines.
run_echo
grep -q "tern\.tcp:" "$LOG" && fail "the TCP trace printed at the default level"
grep -q "^tern\.port: port 0 (net_tap): 1 queue(s)" "$LOG" || fail "no tern.port line at the default level"
echo "  default level: no tern.tcp lines, tern.port at info"

# tern.tcp at debug: the passive open, the peer's FIN, our close.
run_echo --log-level=tern.tcp:debug --log-level=tern.port:warning
trace=$(grep "^tern\.tcp: " "$LOG")
echo "$trace" | sed 's/^/    /'
for step in "CLOSED -> SYN_RCVD" "SYN_RCVD -> ESTABLISHED" "ESTABLISHED -> CLOSE_WAIT" \
	"CLOSE_WAIT -> LAST_ACK" "LAST_ACK -> CLOSED"; do
	echo "$trace" | grep -qE "^tern\.tcp: engine 0 conn [0-9]+ $TERN_IP:7 > $PEER_IP:[0-9]+ $step$" ||
		fail "no trace line '$step'"
done
grep -q "^tern\.port:" "$LOG" && fail "tern.port:warning still printed tern.port's info lines"
echo "  --log-level=tern.tcp:debug: the state trace; tern.port:warning: no port lines"
echo "PASS"
