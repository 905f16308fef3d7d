#!/usr/bin/env bash
# Tern against the Linux kernel, side by side, in one run (issue 4):
#
#   bench/run.sh [quick|full]      (./tern.sh bench [quick|full] installs what
#                                   it needs first)
#
# (i) In-memory pair: tern-echo (server, CPU 0) and tern-loadgen (client,
# CPU 1), two processes joined by net_memif (docs/PAIR.md), one core each: the
# stack's own cost. Linux: tern-linux-echo (CPU 0) and tern-linux-loadgen
# (CPU 1) over loopback with a 1460-byte MSS like Tern's: the same client
# logic, message sizes and core budget.
# (ii) net_tap and HTTP: bench/tap_path.sh. Idle connections: bench/idle.sh.
# Where the cycles go: per-layer cost counters (a -Dcost_accounting build) and
# perf stat on both servers.
#
# Each workload runs on both stacks, alternating, REPS times; before each run
# the script waits for a quiet machine and records how busy it was and how
# busy each CPU was during the run. Results: results/<date>-<commit>.json
# (-quick added in quick mode), .md (min/median/max, Tern/Linux ratios),
# .raw.jsonl (every run) and -throughput/-latency.png.
#
# quick: 1 s runs, 3 repetitions, a subset (about two minutes on a quiet
# machine); full: 10 s runs, 3 repetitions, every workload, 1M idle
# connections.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
MODE=${1:-quick}
case "$MODE" in
quick) DUR=1 REPS=3 ;;
full) DUR=10 REPS=3 ;;
*)
	echo "usage: $0 [quick|full]" >&2
	exit 2
	;;
esac
[ "$(id -u)" -eq 0 ] || { echo "bench/run.sh: run as root (DPDK)" >&2; exit 1; }
START_S=$(date +%s)

# name | tern-loadgen and tern-linux-loadgen arguments | both servers' arguments
# crr: the server closes first (--close-after 64), so TIME_WAIT stays with the
# server and the client's ports are free again at once, as with HTTP/1.0;
# crr-8-cc is the client closing, capped by its ephemeral ports and the 1 s
# before a TIME_WAIT port may be reused. mixed: rr-256's connections and
# bulk-1's in one run (issue 11), against each of them alone.
WORKLOADS=(
	"rr-1|--mode rr --conns 1 --size 64|"
	"rr-16|--mode rr --conns 16 --size 64|"
	"rr-256|--mode rr --conns 256 --size 64|"
	"crr-8|--mode crr --conns 8 --size 64 --closer server|--close-after 64"
	"crr-8-cc|--mode crr --conns 8 --size 64|"
	"bulk-1|--mode bulk --conns 1 --size 65536|"
	"mixed|--mode mixed --conns 256 --bulk-conns 1 --size 64|"
	"bulk-8|--mode bulk --conns 8 --size 65536|"
)
QUICK=(rr-1 rr-16 rr-256 crr-8 bulk-1 mixed)
# Linux's loopback MTU is 64 KiB; the issue's bulk is at a 1460-byte MSS.
LINUX_MSS="--mss 1460"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
build_release bench/run.sh app/tern-echo app/tern-loadgen bench/tern-linux-echo bench/tern-linux-loadgen || exit 1

TMP=$(mktemp -d /tmp/tern-bench.XXXXXX)
SERVER_PID=
cleanup() {
	[ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

# One Tern run: prints the loadgen's JSON line.
run_tern() {
	local args=$1 sargs=$2 sock=$TMP/memif.sock log=$TMP/server.log
	rm -f "$sock"
	# shellcheck disable=SC2086
	taskset -c 0 "$B/app/tern-echo" --no-huge -m 1024 --no-pci --file-prefix tbs$$ \
		--vdev "net_memif0,role=server,socket=$sock" -l 0 -- --config config/pair.ini \
		--ip 198.18.1.1/24 $sargs >"$log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 100); do
		grep -q ": up on port" "$log" && break
		sleep 0.1
	done
	perf_server_start
	# shellcheck disable=SC2086
	timeout $((DUR + 30)) taskset -c 1 "$B/app/tern-loadgen" --no-huge -m 1024 --no-pci \
		--file-prefix tbc$$ --vdev "net_memif0,role=client,socket=$sock" -l 1 -- \
		--config config/pair.ini --ip 198.18.1.2/24 --connect 198.18.1.1:7 \
		--duration "$DUR" $args >"$TMP/client.out" 2>/dev/null &
	local client=$!
	# Once the client has its result it stops polling and waits for the
	# server to leave first; stop the server then (runtime.c: a memif that
	# disconnects under a polling peer can crash that peer).
	for _ in $(seq $(((DUR + 30) * 20))); do
		grep -q '^{"tool"' "$TMP/client.out" && break
		kill -0 "$client" 2>/dev/null || break
		sleep 0.05
	done
	kill -INT "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	local server_rc=$?
	wait "$client" 2>/dev/null
	# The server's exit status goes with the result: a crash is never hidden.
	grep '^{"tool"' "$TMP/client.out" | tail -n 1 |
		sed "s/}\$/,\"server_exit\":$server_rc$(perf_server_json)}/"
	SERVER_PID=
}

run_linux() {
	local args=$1 sargs=$2 port=$((20000 + RANDOM % 20000))
	# shellcheck disable=SC2086
	taskset -c 0 "$B/bench/tern-linux-echo" --listen "127.0.0.1:$port" $LINUX_MSS $sargs \
		>/dev/null 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 50); do
		ss -ltnH "sport = :$port" 2>/dev/null | grep -q . && break
		sleep 0.1
	done
	perf_server_start
	# shellcheck disable=SC2086
	timeout $((DUR + 30)) taskset -c 1 "$B/bench/tern-linux-loadgen" --connect "127.0.0.1:$port" \
		--duration "$DUR" $LINUX_MSS $args 2>/dev/null | grep '^{"tool"' | tail -n 1 |
		sed "s/}\$/$(perf_server_json)}/"
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
}

# With PERF set, perf stat watches the server for the run's duration; the
# figures join the result as "perf_server" (hardware counters are not
# available in this VM: perf reports them as not supported, kept as null).
PERF=
perf_server_start() {
	[ -n "$PERF" ] || return 0
	rm -f "$TMP/perf.csv"
	perf stat -x, -o "$TMP/perf.csv" -e task-clock,context-switches,cpu-migrations,page-faults,cycles,instructions \
		-p "$SERVER_PID" -- sleep "$DUR" >/dev/null 2>&1 &
}
perf_server_json() {
	[ -n "$PERF" ] || return 0
	for _ in $(seq 100); do
		[ -s "$TMP/perf.csv" ] && grep -q instructions "$TMP/perf.csv" && break
		sleep 0.1
	done
	awk -F, 'BEGIN { printf ",\"perf_server\":{" }
		$3 != "" && $1 !~ /^#/ {
			v = ($1 ~ /^[0-9.]+$/) ? $1 : "null"
			printf "%s\"%s\":%s", (n++ ? "," : ""), $3, v
		}
		END { printf "}" }' "$TMP/perf.csv" 2>/dev/null
}

mkdir -p results
stamp="$(date -u +%Y-%m-%d)-$(git rev-parse --short HEAD 2>/dev/null || echo nogit)"
[ "$MODE" = quick ] && stamp=$stamp-quick
RAW=results/$stamp.raw.jsonl
: >"$RAW"
for rep in $(seq "$REPS"); do
	for w in "${WORKLOADS[@]}"; do
		IFS='|' read -r name args sargs <<<"$w"
		if [ "$MODE" = quick ] && [[ " ${QUICK[*]} " != *" $name "* ]]; then
			continue
		fi
		for stack in tern linux; do
			busy=$(wait_quiet)
			before=$(cpu_snapshot)
			line=$("run_$stack" "$args" "$sargs")
			# A run that measured nothing (the server not up yet, a port
			# still held) is tried once more; a second failure is reported.
			if ! echo "$line" | grep -q '"duration_s":[1-9]'; then
				sleep 1
				line=$("run_$stack" "$args" "$sargs")
			fi
			emit_row "$RAW" "$name" "$stack" "$rep" "$busy" \
				"$(cpu_busy_json "$before" "$(cpu_snapshot)")" "$line"
		done
	done
done

# (ii) net_tap against veth, and HTTP; then idle connections. Each appends
# its rows to the same raw file.
bench/tap_path.sh "$MODE" "$RAW" || echo "bench/run.sh: bench/tap_path.sh failed" >&2
bench/idle.sh "$MODE" "$RAW" || echo "bench/run.sh: bench/idle.sh failed" >&2

# Where the cycles go (issue 4, item 4), after the comparison proper: the
# Tern pair once more on a -Dcost_accounting build (both sides print their
# per-layer TSC cycles), then rr-16 on both stacks with perf stat on the server.
CB=$ROOT/build-cost
if [ ! -f "$CB/build.ninja" ]; then
	meson setup "$CB" --buildtype=release -Dtests=false -Dcost_accounting=true >/dev/null
fi
if ninja -C "$CB" >/dev/null; then
	for w in "${WORKLOADS[@]}"; do
		IFS='|' read -r name args sargs <<<"$w"
		case "$MODE/$name" in quick/rr-16 | full/rr-1 | full/rr-16 | full/crr-8 | full/bulk-1) ;;
		*) continue ;;
		esac
		busy=$(wait_quiet)
		before=$(cpu_snapshot)
		line=$(B=$CB run_tern "$args" "$sargs")
		server_cost=$(grep -h '^{"tern_cost"' "$TMP/server.log" | tail -n 1)
		client_cost=$(grep -h '^{"tern_cost"' "$TMP/client.out" | tail -n 1)
		[ -n "$line" ] && [ -n "$server_cost" ] && [ -n "$client_cost" ] &&
			line=$(echo "$line" | sed "s/}\$/,\"cost_server\":$server_cost,\"cost_client\":$client_cost}/")
		emit_row "$RAW" "cost-$name" tern 1 "$busy" "$(cpu_busy_json "$before" "$(cpu_snapshot)")" "$line"
	done
else
	echo "bench/run.sh: the cost-accounting build failed: no per-layer figures" >&2
fi
PERF=1
for stack in tern linux; do
	busy=$(wait_quiet)
	before=$(cpu_snapshot)
	line=$("run_$stack" "--mode rr --conns 16 --size 64" "")
	emit_row "$RAW" "perf-rr-16" "$stack" 1 "$busy" "$(cpu_busy_json "$before" "$(cpu_snapshot)")" "$line"
done
PERF=

echo "bench/run.sh: $MODE mode took $(($(date +%s) - START_S)) s"
BENCH_COMMIT=$(git rev-parse HEAD 2>/dev/null || echo unknown) /usr/bin/python3 bench/report.py "$RAW" "$MODE" "$DUR" "results/$stamp" &&
	cat "results/$stamp.md"
