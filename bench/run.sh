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
# HTTP on the pair: tern-httpd (CPU 0) against tern-loadgen --mode http-ka
# and http-close (CPU 1); Linux has no HTTP server on the pair, so these rows
# have no Linux column (nginx, over veth against wrk, is in section (ii)).
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
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_mode "$0" "$MODE"
START_S=$(date +%s)

# name | tern-loadgen and tern-linux-loadgen arguments | both servers' arguments
#      [| Tern's server program: Tern alone runs the row [| its configuration,
#      if not config/pair.ini]]
# crr: the server closes first (--close-after 64), so TIME_WAIT stays with the
# server and the client's ports are free again at once, as with HTTP/1.0;
# crr-8-cc is the client closing, capped by its ephemeral ports and the 1 s
# before a TIME_WAIT port may be reused. mixed: rr-256's connections and
# bulk-1's in one run (issue 11), against each of them alone. httpd-ka:
# 16 keep-alive connections asking GET / in closed loop; httpd-close: 8 at
# a time, each asking once with "Connection: close", so that tern-httpd
# closes first (RFC 9112 9.6) and holds the TIME_WAIT, as crr-8. *-10g: the
# same on a 10 Gbit/s line each way (config/pair-10g.ini: emulated, as a NIC
# port's), where the line, not the CPU, bounds the bulk flow; Tern alone,
# since Linux's loopback has no line to set.
WORKLOADS=(
	"rr-1|--mode rr --conns 1 --size 64|"
	"rr-16|--mode rr --conns 16 --size 64|"
	"rr-256|--mode rr --conns 256 --size 64|"
	"crr-8|--mode crr --conns 8 --size 64 --closer server|--close-after 64"
	"crr-8-cc|--mode crr --conns 8 --size 64|"
	"bulk-1|--mode bulk --conns 1 --size 65536|"
	"mixed|--mode mixed --conns 256 --bulk-conns 1 --size 64|"
	"bulk-8|--mode bulk --conns 8 --size 65536|"
	"httpd-ka|--mode http-ka --conns 16|--port 7|tern-httpd"
	"httpd-close|--mode http-close --conns 8|--port 7|tern-httpd"
	"rr-256-10g|--mode rr --conns 256 --size 64||tern-echo|config/pair-10g.ini"
	"bulk-1-10g|--mode bulk --conns 1 --size 65536||tern-echo|config/pair-10g.ini"
	"mixed-10g|--mode mixed --conns 256 --bulk-conns 1 --size 64||tern-echo|config/pair-10g.ini"
)
QUICK=(rr-1 rr-16 rr-256 crr-8 bulk-1 mixed httpd-ka httpd-close rr-256-10g bulk-1-10g mixed-10g)
# Linux's loopback MTU is 64 KiB; the issue's bulk is at a 1460-byte MSS.
LINUX_MSS="--mss 1460"

build_release bench/run.sh app/tern-echo app/tern-httpd app/tern-loadgen bench/tern-linux-echo \
	bench/tern-linux-loadgen bench/tern-cpu-pair-rtt || exit 1
BENCH_NICE_GOT=$(bench_prio_check)
export BENCH_NICE_GOT

# run_tern, run_linux and perf stat on the server: bench/pair_run.sh.
# shellcheck source=bench/pair_run.sh
. "$ROOT/bench/pair_run.sh"
pair_scratch tern-bench

mkdir -p results
# The commit measured, taken now: one merged during the run is not it.
COMMIT=$(git rev-parse HEAD 2>/dev/null || echo unknown)
stamp="$(date -u +%Y-%m-%d)-${COMMIT:0:7}"
[ "$MODE" = quick ] && stamp=$stamp-quick
RAW=results/$stamp.raw.jsonl
: >"$RAW"
for rep in $(seq "$REPS"); do
	for w in "${WORKLOADS[@]}"; do
		IFS='|' read -r name args sargs app cfg <<<"$w"
		if [ "$MODE" = quick ] && [[ " ${QUICK[*]} " != *" $name "* ]]; then
			continue
		fi
		stacks="tern linux"
		[ -n "$app" ] && stacks=tern
		for stack in $stacks; do
			busy=$(wait_quiet)
			rtt=$(cpu_pair_rtt)
			before=$(cpu_snapshot)
			line=$(SERVER_APP=${app:-tern-echo} PAIR_CONFIG=${cfg:-config/pair.ini} \
				"run_$stack" "$args" "$sargs")
			# A run that measured nothing (the server not up yet, a port
			# still held) is tried once more; a second failure is reported.
			if ! echo "$line" | grep -q '"duration_s":[1-9]'; then
				sleep 1
				line=$(SERVER_APP=${app:-tern-echo} PAIR_CONFIG=${cfg:-config/pair.ini} \
					"run_$stack" "$args" "$sargs")
			fi
			emit_row "$RAW" "$name" "$stack" "$rep" "$busy" \
				"$(cpu_busy_json "$before" "$(cpu_snapshot)")" "$line" "$rtt"
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
		IFS="|" read -r name args sargs app _ <<<"$w"
		case "$MODE/$name" in quick/rr-16 | full/rr-1 | full/rr-16 | full/crr-8 | full/bulk-1) ;;
		full/rr-256 | full/mixed | */httpd-ka | */httpd-close) ;;
		*) continue ;;
		esac
		busy=$(wait_quiet)
		rtt=$(cpu_pair_rtt)
		before=$(cpu_snapshot)
		line=$(B=$CB SERVER_APP=${app:-tern-echo} run_tern "$args" "$sargs")
		server_cost=$(grep -h '^{"tern_cost"' "$TMP/server.log" | tail -n 1)
		client_cost=$(grep -h '^{"tern_cost"' "$TMP/client.out" | tail -n 1)
		[ -n "$line" ] && [ -n "$server_cost" ] && [ -n "$client_cost" ] &&
			line=$(echo "$line" | sed "s/}\$/,\"cost_server\":$server_cost,\"cost_client\":$client_cost}/")
		emit_row "$RAW" "cost-$name" tern 1 "$busy" "$(cpu_busy_json "$before" "$(cpu_snapshot)")" \
			"$line" "$rtt"
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
BENCH_COMMIT=$COMMIT /usr/bin/python3 bench/report.py "$RAW" "$MODE" "$DUR" "results/$stamp" &&
	cat "results/$stamp.md"
