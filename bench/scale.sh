#!/usr/bin/env bash
# Scale mode (issue 9): N engines a side on the in-memory pair, Tern and
# Linux in the same run, for N = 1 up to what the machine has:
#
#   bench/scale.sh [quick|full]      (./tern.sh bench scale [quick|full])
#
# Tern: tern-echo with N lcores (CPUs 0..N-1) and tern-loadgen with N lcores
# (CPUs N..2N-1) over one net_memif with N queues. memif offers no RSS, so
# both run RSS_SOFT: a segment that lands on an engine that does not own its
# flow crosses to the owner through a steering ring (docs/ARCHITECTURE.md,
# "Many cores"): about (N-1)/N of them. Linux: N pairs of tern-linux-echo and
# tern-linux-loadgen pinned the same way, one port each (as SO_REUSEPORT
# sharding would spread them), their results summed.
#
# Each engine carries the same load at every N: rr 16 connections of 64-byte
# requests, crr 8 connections (the server closes first), bulk 1 connection
# of 64 KiB writes. Perfect scaling is N times the N = 1 figure.
#
# N runs to BENCH_SCALE_MAX, by default half the CPUs (two vCPUs: 1 a side).
# A larger BENCH_SCALE_MAX runs the engines of both sides on the same CPUs:
# those rows are marked "oversubscribed" and measure correctness and time
# slicing, not scaling (busy-polling engines share a CPU by the scheduler's
# slices).
#
# Then what a machine we do not have would do, from measured costs: the
# cycles of a steered segment (tern-steer-bench, the ring hand-off between
# two cores), and a request's own busy cycles and segments on the server (the
# -Dcost_accounting build at N = 1). bench/scale_report.py projects the curve
# to 8 and 16 engines with its assumptions stated.
#
# Results: results/<date>-<commit>[-quick]-scale.{raw.jsonl,json,md}.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
MODE=${1:-quick}
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_mode "$0" "$MODE"
NCPU=$(nproc)
HALF=$((NCPU / 2 > 0 ? NCPU / 2 : 1))
MAX=${BENCH_SCALE_MAX:-$HALF}
case "$MAX" in
'' | *[!0-9]*) echo "bench/scale.sh: BENCH_SCALE_MAX must be a number of engines, not '$MAX'" >&2; exit 2 ;;
esac
if [ "$MAX" -lt 1 ] || [ "$MAX" -gt 64 ]; then
	echo "bench/scale.sh: BENCH_SCALE_MAX must be 1..64, not $MAX" >&2
	exit 2
fi
START_S=$(date +%s)

# name | both loadgens' arguments | connections per engine | servers' arguments
SCALE_WORKLOADS=(
	"rr|--mode rr --size 64|16|"
	"crr|--mode crr --size 64 --closer server|8|--close-after 64"
	"bulk|--mode bulk --size 65536|1|"
)
LINUX_MSS="--mss 1460"

# shellcheck source=bench/pair_run.sh
. "$ROOT/bench/pair_run.sh"
build_release bench/scale.sh app/tern-echo app/tern-loadgen bench/tern-linux-echo \
	bench/tern-linux-loadgen bench/tern-steer-bench || exit 1

pair_scratch tern-scale

mkdir -p results
# The commit measured, taken now: one merged during the run is not it.
COMMIT=$(git rev-parse HEAD 2>/dev/null || echo unknown)
stamp="$(date -u +%Y-%m-%d)-${COMMIT:0:7}"
[ "$MODE" = quick ] && stamp=$stamp-quick
stamp=$stamp-scale
RAW=results/$stamp.raw.jsonl
: >"$RAW"

# Engines that share CPUs give theirs up when idle ([limits]
# idle_yield_polls), or the one that holds a CPU spins out its time slice.
sed 's/^\[limits\]$/[limits]\nidle_yield_polls = 64/' config/pair.ini >"$TMP/pair-yield.ini"

# tag_result N: the engines a side and whether they shared CPUs, added to the
# JSON line on stdin.
tag_result() {
	local over=false
	[ $((2 * $1)) -gt "$NCPU" ] && over=true
	sed "s/}\$/,\"engines\":$1,\"oversubscribed\":$over}/"
}

for rep in $(seq "$REPS"); do
	for n in $(seq "$MAX"); do
		PAIR_CONFIG=config/pair.ini
		if [ $((2 * n)) -gt "$NCPU" ]; then
			echo "bench/scale.sh: $n engines a side on $NCPU CPUs: oversubscribed (engines yield when idle), not a scaling figure"
			PAIR_CONFIG=$TMP/pair-yield.ini
		fi
		for w in "${SCALE_WORKLOADS[@]}"; do
			IFS='|' read -r name args per sargs <<<"$w"
			for stack in tern linux; do
				# Tern's loadgen spreads its connections over its N engines;
				# each Linux pair gets one engine's share.
				conns=$per
				[ "$stack" = tern ] && conns=$((per * n))
				busy=$(wait_quiet)
				before=$(cpu_snapshot)
				line=$(ENGINES=$n "run_$stack" "$args --conns $conns" "$sargs")
				if ! echo "$line" | grep -q '"duration_s":[1-9]'; then
					sleep 1
					line=$(ENGINES=$n "run_$stack" "$args --conns $conns" "$sargs")
				fi
				[ -n "$line" ] && line=$(echo "$line" | tag_result "$n")
				emit_row "$RAW" "scale-$name-n$n" "$stack" "$rep" "$busy" \
					"$(cpu_busy_json "$before" "$(cpu_snapshot)")" "$line"
			done
		done
	done
done

# The steered segment's cost: tern-steer-bench's three modes, three runs of
# 2,000,000 packets each, as one JSON line of medians.
if [ "$NCPU" -ge 2 ]; then
	busy=$(wait_quiet)
	before=$(cpu_snapshot)
	line=$(timeout 120 "$B/bench/tern-steer-bench" --no-huge -m 256 --no-pci --file-prefix tss$$ \
		-l 0-1 -- 2000000 3 2>/dev/null | awk '
		function med(a, n,   i, j, t) {
			for (i = 1; i <= n; i++)
				for (j = i + 1; j <= n; j++)
					if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
			return a[int((n + 1) / 2)]
		}
		$1 == "direct" { d[++nd] = $4 }
		$1 == "same" { s[++ns] = $4 }
		$1 == "cross" { cs[++nc] = $4; cr[nc] = $5; mp[nc] = $6 }
		END {
			if (nd == 0 || nc == 0) exit 1
			printf "{\"tool\":\"tern-steer-bench\",\"duration_s\":1,\"runs\":%d,", nc
			printf "\"direct_cycles\":%.1f,\"same_core_cycles\":%.1f,", med(d, nd), med(s, ns)
			printf "\"cross_send_cycles\":%.1f,\"cross_recv_cycles\":%.1f,\"cross_mpps\":%.2f}\n",
				med(cs, nc), med(cr, nc), med(mp, nc)
		}')
	emit_row "$RAW" "scale-steer" tern 1 "$busy" "$(cpu_busy_json "$before" "$(cpu_snapshot)")" "$line"
else
	echo "bench/scale.sh: one CPU: no cross-core hand-off to measure"
fi

# A request's own cost on one engine a side: the -Dcost_accounting build.
CB=$ROOT/build-cost
if [ ! -f "$CB/build.ninja" ]; then
	meson setup "$CB" --buildtype=release -Dtests=false -Dcost_accounting=true >/dev/null
fi
if ninja -C "$CB" >/dev/null; then
	for w in "${SCALE_WORKLOADS[@]}"; do
		IFS='|' read -r name args per sargs <<<"$w"
		busy=$(wait_quiet)
		before=$(cpu_snapshot)
		line=$(B=$CB ENGINES=1 PAIR_CONFIG=config/pair.ini run_tern "$args --conns $per" "$sargs")
		server_cost=$(grep -h '^{"tern_cost"' "$TMP/server.log" | tail -n 1)
		[ -n "$line" ] && [ -n "$server_cost" ] &&
			line=$(echo "$line" | sed "s/}\$/,\"cost_server\":$server_cost}/")
		emit_row "$RAW" "scale-cost-$name" tern 1 "$busy" \
			"$(cpu_busy_json "$before" "$(cpu_snapshot)")" "$line"
	done
else
	echo "bench/scale.sh: the cost-accounting build failed: no projection" >&2
fi

echo "bench/scale.sh: $MODE mode took $(($(date +%s) - START_S)) s"
BENCH_COMMIT=$COMMIT /usr/bin/python3 \
	bench/scale_report.py "$RAW" "$MODE" "$DUR" "results/$stamp" && cat "results/$stamp.md"
