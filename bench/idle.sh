#!/usr/bin/env bash
# Idle connections (issue item 1e): how many one core holds, how fast it opens
# them, and what each costs in memory, Tern against Linux:
#
#   bench/idle.sh quick|full RAWFILE
#
# quick: 20,000 connections ("idle-20k"), 1 repetition, held 2 s (a check that
# fits bench/run.sh's quick mode); full: 1,000,000 ("idle-1m"), 3 repetitions,
# held 10 s. Rows are appended to RAWFILE in
# bench/run.sh's format (bench/lib.sh emit_row), stack tern|linux.
#
# Tern: tern-echo --echo-ports 5001-5016 (CPU 0) and tern-loadgen --mode idle
# (CPU 1) over net_memif with config/idle.ini (1,048,576 connections an
# engine, local ports 1024-65535: 16 server ports give 1M 4-tuples), -m 4096
# each. Linux: tern-linux-echo --ports P and tern-linux-loadgen --mode idle
# --ports P in a namespace tern-idle-PID of its own (its lo,
# ip_local_port_range 1024 65535 there; nothing global changes), pinned
# alike. A process may hold only its hard RLIMIT_NOFILE of sockets (20,000
# in this container, even for root), so both Linux tools run a process a
# port, all on their one CPU, each holding one port's share: P is 16 as for
# Tern in quick mode (1,250 a port), but 64 at 1M (15,625 a port; 16 would be
# 62,500). Needs ~4 GiB for Tern and ~10 GiB for Linux at 1M (one at a
# time); it checks MemAvailable, and again before each Linux run (the kernel
# took ~10.1-10.2 KB a connection pair at 100k and 1M with the processes).
#
# IDLE_STACKS="tern linux" (default) picks the stacks, e.g. IDLE_STACKS=linux.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
MODE=${1:-}
RAW=${2:-}
case "$MODE" in
quick) CONNS=20000 REPS=1 NAME=idle-20k NEED_GB=3 LINUX_PORTS=16 HOLD=2 ;;
full) CONNS=1000000 REPS=3 NAME=idle-1m NEED_GB=10 LINUX_PORTS=64 HOLD=10 ;;
*)
	echo "usage: $0 quick|full RAWFILE" >&2
	exit 2
	;;
esac
[ -n "$RAW" ] || { echo "usage: $0 quick|full RAWFILE" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "bench/idle.sh: run as root (DPDK, namespaces)" >&2; exit 1; }
PORTS=16 BASE=5001
STACKS=${IDLE_STACKS:-tern linux}
for stack in $STACKS; do
	case "$stack" in
	tern | linux) ;;
	*)
		echo "bench/idle.sh: IDLE_STACKS: tern and/or linux, not $stack" >&2
		exit 2
		;;
	esac
done
# Opening is bounded by the tools (10 minutes); this bounds a whole run.
RUN_TIMEOUT=$((HOLD + 300))

avail_gb=$(awk '/^MemAvailable:/{print int($2 / 1048576)}' /proc/meminfo)
if [ "$avail_gb" -lt "$NEED_GB" ]; then
	echo "bench/idle.sh: $MODE needs ~${NEED_GB} GiB, MemAvailable is ${avail_gb} GiB" >&2
	exit 1
fi

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
build_release bench/idle.sh app/tern-echo app/tern-loadgen bench/tern-linux-echo \
	bench/tern-linux-loadgen || exit 1

TMP=$(mktemp -d /tmp/tern-idle.XXXXXX)
NS=tern-idle-$$
SERVER_PID=
cleanup() {
	[ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

stop_server() {
	stop_pid "$SERVER_PID" "$1" 600
	SERVER_PID=
}

# EAL memory a side: config/idle.ini's 1,048,576 control blocks of about 2 KB
# each (since the SACK scoreboard) and the flow table; at 2 GiB no engine
# started and every Tern run measured nothing.
TERN_MEM_MB=4096

run_tern() {
	local sock=$TMP/memif.sock log=$TMP/server.log
	rm -f "$sock"
	taskset -c 0 "$B/app/tern-echo" --no-huge -m "$TERN_MEM_MB" --no-pci --file-prefix tis$$ \
		--vdev "net_memif0,role=server,socket=$sock" -l 0 -- --config config/idle.ini \
		--ip 198.18.1.1/24 --echo-ports "$BASE-$((BASE + PORTS - 1))" >"$log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 300); do
		grep -q ": up on port" "$log" && break
		sleep 0.1
	done
	timeout "$RUN_TIMEOUT" taskset -c 1 "$B/app/tern-loadgen" --no-huge -m "$TERN_MEM_MB" --no-pci \
		--file-prefix tic$$ --vdev "net_memif0,role=client,socket=$sock" -l 1 -- \
		--config config/idle.ini --ip 198.18.1.2/24 --connect "198.18.1.1:$BASE" \
		--mode idle --conns "$CONNS" --ports "$PORTS" --duration "$HOLD" \
		--server-pid "$SERVER_PID" 2>"$TMP/client.err" | tee "$TMP/client.log" | grep '^{' | tail -n 1
	stop_server INT # the client has stopped first (PLATFORM.md: memif shutdown order)
}

# The kernel needs ~10.2 KB a connection pair (measured at 100k and 1M, the
# processes' own included); 11 KB and 1 GiB to spare, or no run: a host that
# swaps or OOM-kills measures nothing.
linux_mem_ok() {
	local avail_kb need_kb=$((CONNS * 11 + 1048576))
	avail_kb=$(awk '/^MemAvailable:/{print $2}' /proc/meminfo)
	if [ "$avail_kb" -lt "$need_kb" ]; then
		echo "bench/idle.sh: Linux at $CONNS connections needs ~$((need_kb / 1048576)) GiB, MemAvailable is $((avail_kb / 1048576)) GiB" >&2
		return 1
	fi
}

run_linux() {
	linux_mem_ok || { echo '{"error":"not enough MemAvailable"}'; return; }
	ip netns add "$NS" || return
	ip -n "$NS" link set lo up
	ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
	ip netns exec "$NS" taskset -c 0 "$B/bench/tern-linux-echo" --listen "127.0.0.1:$BASE" \
		--ports "$LINUX_PORTS" >"$TMP/server.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 50); do
		grep -q "listening" "$TMP/server.log" && break
		sleep 0.1
	done
	timeout "$RUN_TIMEOUT" ip netns exec "$NS" taskset -c 1 "$B/bench/tern-linux-loadgen" \
		--connect "127.0.0.1:$BASE" --mode idle --conns "$CONNS" --ports "$LINUX_PORTS" \
		--duration "$HOLD" --server-pid "$SERVER_PID" 2>"$TMP/client.err" |
		tee "$TMP/client.log" | grep '^{' | tail -n 1
	stop_server TERM
	ip netns del "$NS"
	# The kernel frees a million sockets lazily; let it settle before the next run.
	sleep 5
}

for rep in $(seq "$REPS"); do
	for stack in $STACKS; do
		busy=$(wait_quiet)
		before=$(cpu_snapshot)
		start=$(date +%s)
		line=$("run_$stack")
		echo "bench/idle.sh: $NAME $stack rep $rep took $(($(date +%s) - start)) s" >&2
		emit_row "$RAW" "$NAME" "$stack" "$rep" "$busy" \
			"$(cpu_busy_json "$before" "$(cpu_snapshot)")" "$line"
	done
done
