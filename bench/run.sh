#!/usr/bin/env bash
# Tern against the Linux kernel, side by side, in one run (issue 4, path (i)):
#
#   bench/run.sh [quick|full]
#
# Tern: tern-echo (server, CPU 0) and tern-loadgen (client, CPU 1), two
# processes joined by net_memif (docs/PAIR.md), one core each: the stack's own
# cost. Linux: tern-linux-echo (CPU 0) and tern-linux-loadgen (CPU 1) over
# loopback: the same client logic, message sizes and core budget. Each
# workload runs on both, alternating, `reps` times; before each run the script
# waits for a quiet machine and records how busy it was. Results go to
# results/<date>-<commit>.json and .md (min/median/max and Tern/Linux ratios).
#
# quick: 2 s per run, 3 repetitions, no bulk-8 (under 2 minutes on a quiet
# machine); full: 10 s, 5 repetitions, every workload.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
MODE=${1:-quick}
case "$MODE" in
quick) DUR=2 REPS=3 ;;
full) DUR=10 REPS=5 ;;
*)
	echo "usage: $0 [quick|full]" >&2
	exit 2
	;;
esac
[ "$(id -u)" -eq 0 ] || { echo "bench/run.sh: run as root (DPDK)" >&2; exit 1; }

# workload name, then tern-loadgen/tern-linux-loadgen arguments
WORKLOADS=(
	"rr-1|--mode rr --conns 1 --size 64"
	"rr-16|--mode rr --conns 16 --size 64"
	"rr-256|--mode rr --conns 256 --size 64"
	"crr-8|--mode crr --conns 8 --size 64"
	"bulk-1|--mode bulk --conns 1 --size 65536"
	"bulk-8|--mode bulk --conns 8 --size 65536"
)
[ "$MODE" = quick ] && unset 'WORKLOADS[5]'

B=$ROOT/build-release
if [ ! -f "$B/build.ninja" ]; then
	meson setup "$B" --buildtype=release -Dtests=false >/dev/null || exit 1
fi
ninja -C "$B" >/dev/null || { echo "bench/run.sh: build failed" >&2; exit 1; }
for p in app/tern-echo app/tern-loadgen bench/tern-linux-echo bench/tern-linux-loadgen; do
	[ -x "$B/$p" ] || { echo "bench/run.sh: $B/$p is missing" >&2; exit 1; }
done

TMP=$(mktemp -d /tmp/tern-bench.XXXXXX)
SERVER_PID=
cleanup() {
	[ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

# One Tern run: prints the loadgen's JSON line.
run_tern() {
	local args=$1 sock=$TMP/memif.sock log=$TMP/server.log
	rm -f "$sock"
	taskset -c 0 "$B/app/tern-echo" --no-huge -m 1024 --no-pci --file-prefix tbs$$ \
		--vdev "net_memif0,role=server,socket=$sock" -l 0 -- --config config/pair.ini \
		--ip 198.18.1.1/24 >"$log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 100); do
		grep -q ": up on port" "$log" && break
		sleep 0.1
	done
	# shellcheck disable=SC2086
	timeout $((DUR + 30)) taskset -c 1 "$B/app/tern-loadgen" --no-huge -m 1024 --no-pci \
		--file-prefix tbc$$ --vdev "net_memif0,role=client,socket=$sock" -l 1 -- \
		--config config/pair.ini --ip 198.18.1.2/24 --connect 198.18.1.1:7 \
		--duration "$DUR" $args 2>/dev/null | grep '^{"tool"' | tail -n 1
	# The client has stopped first (PLATFORM.md: memif shutdown order).
	kill -INT "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
}

run_linux() {
	local args=$1 port=$((20000 + RANDOM % 20000))
	taskset -c 0 "$B/bench/tern-linux-echo" --listen "127.0.0.1:$port" >/dev/null 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 50); do
		ss -ltnH "sport = :$port" 2>/dev/null | grep -q . && break
		sleep 0.1
	done
	# shellcheck disable=SC2086
	timeout $((DUR + 30)) taskset -c 1 "$B/bench/tern-linux-loadgen" --connect "127.0.0.1:$port" \
		--duration "$DUR" $args 2>/dev/null | grep '^{"tool"' | tail -n 1
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
}

mkdir -p results
stamp="$(date -u +%Y-%m-%d)-$(git rev-parse --short HEAD 2>/dev/null || echo nogit)"
RAW=results/$stamp.raw.jsonl
: >"$RAW"
for rep in $(seq "$REPS"); do
	for w in "${WORKLOADS[@]}"; do
		name=${w%%|*}
		args=${w#*|}
		for stack in tern linux; do
			busy=$(wait_quiet)
			before=$(cpu_snapshot)
			line=$("run_$stack" "$args")
			# A run that measured nothing (the server not up yet, a port
			# still held) is tried once more; a second failure is reported.
			if ! echo "$line" | grep -q '"duration_s":[1-9]'; then
				sleep 1
				line=$("run_$stack" "$args")
			fi
			emit_row "$RAW" "$name" "$stack" "$rep" "$busy" \
				"$(cpu_busy_json "$before" "$(cpu_snapshot)")" "$line"
		done
	done
done

python3 bench/report.py "$RAW" "$MODE" "$DUR" "results/$stamp.json" "results/$stamp.md" &&
	cat "results/$stamp.md"
