#!/usr/bin/env bash
# Bulk Tern -> Linux over net_tap with [tcp] tso and zero_copy_tx each way
# (issue 11, item 3): what net_tap's TSO (done in software by librte_gso)
# and referencing the send queue give where the kernel is the receiver.
#
#   bench/tso_tap.sh [MIB] [REPS]        (as root; defaults 500 MiB, 3 runs)
#
# tern-bulk (release build, CPU 0) sends MIB MiB to a Linux sink in a
# namespace (CPU 1) that reads and counts, no hashing, so the sink is not
# what limits; each run prints the configuration, the sink's goodput and
# Tern's counters of super-segments and segments. Runs alternate between
# configurations. Addresses 198.18.4.0/24 (Tern .1, Linux .2); the
# namespace and every process started here go on exit.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
MIB=${1:-500}
REPS=${2:-3}
[ "$(id -u)" -eq 0 ] || { echo "bench/tso_tap.sh: run as root" >&2; exit 1; }
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
build_release bench/tso_tap.sh app/tern-bulk || exit 1

NS=tern-tso-bench-$$
TAP=tern-tso0
TERN_IP=198.18.4.1
SINK_IP=198.18.4.2
PORT=5001
TMP=$(mktemp -d /tmp/tern-tso-bench.XXXXXX)
TERN_PID=

cleanup() {
	[ -n "$TERN_PID" ] && kill -KILL "$TERN_PID" 2>/dev/null && wait "$TERN_PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$NS" || exit 1
ip -n "$NS" link set lo up
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1

# The sink: connect, read into one buffer until EOF, print bytes and Mbit/s.
cat >"$TMP/sink.py" <<'EOF'
import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=30)
buf = bytearray(1 << 20)
n = 0
t0 = time.monotonic()
while True:
    k = s.recv_into(buf)
    if k == 0:
        break
    n += k
dt = time.monotonic() - t0
print(f"{n} {dt:.3f} {n * 8 / dt / 1e6:.1f}")
EOF

# run TSO ZERO_COPY: one transfer; prints one line.
run() {
	local cfg=$TMP/tern.ini log=$TMP/tern.log out
	printf '[port]\nmtu = 1500\n[ip]\naddress = %s/24\n[tcp]\ntso = %s\nzero_copy_tx = %s\n' \
		"$TERN_IP" "$1" "$2" >"$cfg"
	ip netns exec "$NS" nice "$B/app/tern-bulk" --no-huge -m 512 --no-pci --no-shconf \
		--file-prefix "$NS" --vdev "net_tap0,iface=$TAP" -l 0 -- --config "$cfg" \
		--listen $PORT --send "${MIB}MiB" >"$log" 2>&1 &
	TERN_PID=$!
	for _ in $(seq 100); do
		grep -q ": up on port" "$log" && break
		sleep 0.1
	done
	ip -n "$NS" addr add "$SINK_IP/24" dev "$TAP"
	ip -n "$NS" link set "$TAP" txqueuelen 10000 up
	out=$(timeout 120 ip netns exec "$NS" nice taskset -c 1 python3 "$TMP/sink.py" "$TERN_IP" $PORT)
	kill -INT "$TERN_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$TERN_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$TERN_PID" 2>/dev/null
	wait "$TERN_PID" 2>/dev/null
	TERN_PID=
	c() { sed -n "s/^total\.$1 \([0-9]*\)$/\1/p" "$log"; }
	printf 'tso=%-4s zero_copy_tx=%-3s %s  Mbit/s %s  (bytes secs: %s)  tso_sends %s tso_segs %s segs_out %s retransmits %s\n' \
		"$1" "$2" "$(date -u +%T)" "$(echo "$out" | awk '{print $3}')" \
		"$(echo "$out" | awk '{print $1, $2}')" "$(c tcp_tso_sends)" "$(c tcp_tso_segs)" \
		"$(c tcp_segs_out)" "$(c tcp_retransmits)"
	for _ in $(seq 50); do
		ip -n "$NS" link show "$TAP" >/dev/null 2>&1 || break
		sleep 0.1
	done
}

echo "bench/tso_tap.sh: $MIB MiB a run, $REPS runs each, $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
for _ in $(seq "$REPS"); do
	run auto no
	run no no
	run auto yes
	run no yes
done
