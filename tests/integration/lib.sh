# Shared by the integration tests: a namespace named tern-*, Tern on net_tap
# inside it, addresses from 198.18.0.0/15 only, and cleanup of exactly what
# the test started. Source it; set BUILD to the build directory first.

set -u
TERN_IP=198.18.0.2
PEER_IP=198.18.0.1
# TERN_IT_NS: another tern-* name, for runs beside others on one host.
NS=${TERN_IT_NS:-tern-it}-$$
TAP=tern0
TERN_PID=
LOG=$(mktemp /tmp/tern-it.XXXXXX)

fail() {
	echo "FAIL: $*"
	[ -s "$LOG" ] && sed 's/^/  | /' "$LOG" | tail -n 30
	exit 1
}

cleanup() {
	if [ -n "$TERN_PID" ] && kill -0 "$TERN_PID" 2>/dev/null; then
		kill -KILL "$TERN_PID" 2>/dev/null
		wait "$TERN_PID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	rm -f "$LOG"
}
trap cleanup EXIT

ns_create() {
	ip netns add "$NS" || fail "cannot create namespace $NS"
	ip -n "$NS" link set lo up
	# No IPv6 chatter on the tap: every frame Tern sees is one the test sent.
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# tern_start PROGRAM LCORES [app args...]: run it in the namespace on a new tap.
# LCORES is -l's list, or --lcores' map when it has an @ (lcore@CPU,...).
tern_start() {
	local prog=$1 lcores=(-l "$2")
	[[ $2 == *@* ]] && lcores=(--lcores "$2")
	shift 2
	ip netns exec "$NS" "$BUILD/app/$prog" --no-huge -m 512 --no-pci --no-shconf \
		--file-prefix "$NS" --vdev "net_tap0,iface=$TAP" "${lcores[@]}" -- "$@" >"$LOG" 2>&1 &
	TERN_PID=$!
	tern_wait_up "$prog"
}

# tern_wait_up PROGRAM: after starting TERN_PID on the tap (logging to LOG),
# wait (bounded) until it is up, then give the tap its address.
tern_wait_up() {
	for _ in $(seq 100); do
		grep -q ": up on port" "$LOG" && break
		kill -0 "$TERN_PID" 2>/dev/null || fail "$1 exited during start-up"
		sleep 0.1
	done
	grep -q ": up on port" "$LOG" || fail "$1 did not come up in 10 s"
	ip -n "$NS" addr add "$PEER_IP/24" dev "$TAP"
	ip -n "$NS" link set "$TAP" txqueuelen 10000 up
	TERN_MAC=$(sed -n 's/.*: up on port.*mac \([0-9A-Fa-f:]*\),.*/\1/p' "$LOG" | tr 'A-F' 'a-f')
}

# tern_stop [SIGNAL]: stop it, wait (bounded), check it exited 0.
tern_stop() {
	local sig=${1:-INT} rc
	kill -"$sig" "$TERN_PID"
	for _ in $(seq 100); do
		kill -0 "$TERN_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$TERN_PID" 2>/dev/null && fail "Tern did not stop within 10 s of SIG$sig"
	wait "$TERN_PID"
	rc=$?
	TERN_PID=
	[ "$rc" -eq 0 ] || fail "Tern exited with status $rc"
}

# log_wait REGEX SECONDS: wait (bounded) until Tern's log has a line matching
# REGEX.
log_wait() {
	local tries=$(($2 * 10))
	while [ $tries -gt 0 ] && ! grep -qE "$1" "$LOG"; do
		sleep 0.1
		tries=$((tries - 1))
	done
}

# tern_end: SIGINT, wait (bounded: 10 s, then SIGKILL, said), and return
# Tern's exit status rather than fail on it (the caller records it).
tern_end() {
	local rc
	kill -INT "$TERN_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$TERN_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$TERN_PID" 2>/dev/null; then
		kill -KILL "$TERN_PID"
		echo "    Tern did not stop within 10 s of SIGINT"
	fi
	wait "$TERN_PID"
	rc=$?
	TERN_PID=
	return $rc
}

# A bulk transfer's report, "PROG: sent|received|echoed N bytes in S s, X
# Mbit/s, sha256 H" (tern-bulk and bulk_peer.py print it alike).
# line_field TEXT PROG FIELD: FIELD bytes|secs|mbit|sha of the first such line.
line_field() {
	local re="^$2: (sent|received|echoed) ([0-9]+) bytes in ([0-9.]+) s, ([0-9.]+) Mbit/s, sha256 ([0-9a-f]+)$"
	local idx
	case $3 in bytes) idx=2 ;; secs) idx=3 ;; mbit) idx=4 ;; sha) idx=5 ;; esac
	echo "$1" | sed -nE "s#$re#\\$idx#p" | head -n 1
}

# tern-bulk reports a connection once it has closed, after its FIN is
# acknowledged. A peer that read that FIN is done first, and Tern may still be
# in LAST_ACK (RFC 9293 3.6) for a final ACK the fault layer dropped: stopping
# it then would fail a transfer whose bytes all arrived (CI, loss5/rx).
# bulk_wait_report SECONDS: wait (bounded) for the report, success or failure.
bulk_wait_report() {
	log_wait '^tern-bulk: ((sent|received) [0-9]+ bytes|connection .* failed after)' "$1"
}

# counter NAME: a total counter from the exit report (0 if absent).
counter() {
	local v
	v=$(sed -n "s/^total\.$1 \([0-9]*\)$/\1/p" "$LOG")
	echo "${v:-0}"
}

# pools_full: every pool reported all its mbufs free.
pools_full() {
	grep -q "mbufs not returned" "$LOG" && return 1
	grep -qE ": pool .*: ([0-9]+) of \1 mbufs free" "$LOG"
}

# ini_set FILE SECTION KEY VALUE: change one key in a copy of tap.ini.
ini_set() {
	sed -i "/^\[$2\]/,/^\[/ s/^$3 = .*/$3 = $4/" "$1"
	grep -q "^$3 = $4$" "$1" || fail "could not set [$2] $3 in $1"
}

in_ns() {
	ip netns exec "$NS" "$@"
}

# tap_gone: wait (bounded) until the last Tern's tap has left the namespace,
# so that the next tern_start can create it again.
tap_gone() {
	for _ in $(seq 50); do
		ip -n "$NS" link show "$TAP" >/dev/null 2>&1 || break
		sleep 0.1
	done
}

# echo_server_start LOG: a Linux echo server (echo_server.py) on
# $PEER_IP:7 in the namespace, bound before the address exists; ECHO_PID is
# its PID, to stop by the caller.
echo_server_start() {
	local log=$1
	# Not through in_ns: a backgrounded function would leave $! pointing at a subshell.
	ip netns exec "$NS" python3 "$(dirname "${BASH_SOURCE[0]}")/echo_server.py" "$PEER_IP" 7 \
		>"$log" 2>&1 &
	ECHO_PID=$!
	for _ in $(seq 50); do
		grep -q listening "$log" && break
		sleep 0.1
	done
	grep -q listening "$log" || fail "the echo server did not start: $(cat "$log")"
}
