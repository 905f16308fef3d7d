#!/usr/bin/env bash
# Raw frame rate of Tern's two in-memory port pairs, net_ring and net_memif, with
# tern-pair-bench (see docs/PAIR.md). Run as root:
#
#   bench/pair_bench.sh [-b BINARY] [-d SECONDS] [-r REPS] [-s "64 1500"] [-w SECONDS] [-k DIR]
#
#   -b  tern-pair-bench to run (default: build-release/bench/tern-pair-bench)
#   -d  seconds each sender sends (default 3)
#   -r  repetitions of every variant and size (default 3); repetitions are
#       interleaved, so a noisy neighbour spreads over all variants
#   -s  frame sizes in bytes (default "64 1500")
#   -w  before each run, wait up to this long for the machine to be under 15%
#       busy (default 60); the table shows the busiest figure seen before a run
#   -k  keep the raw JSON lines and logs in DIR (default: a temporary directory,
#       removed at exit)
#
# Variants: ring in one process on two lcores (sender and receiver threads) and
# on one lcore; memif the same way (two memif ports of one process); memif
# between two processes on two cores, and pinned to the same core. Prints one
# Markdown table: Mpps min/median/max per variant.
# Every process gets a timeout; a receiver still running at exit is stopped by
# its PID, and the memif sockets and EAL runtime directories it used are removed.
set -uo pipefail
SELF=$0
ROOT=$(cd "$(dirname "$0")/.." && pwd)

BIN=$ROOT/build-release/bench/tern-pair-bench
DURATION=3
REPS=3
SIZES="64 1500"
KEEP=
QUIET_WAIT=60
usage() {
	awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$SELF"
}
while getopts "b:d:r:s:w:k:h" opt; do
	case $opt in
	b) BIN=$OPTARG ;;
	d) DURATION=$OPTARG ;;
	r) REPS=$OPTARG ;;
	s) SIZES=$OPTARG ;;
	w) QUIET_WAIT=$OPTARG ;;
	k) KEEP=$OPTARG ;;
	h)
		usage
		exit 0
		;;
	*)
		usage >&2
		exit 2
		;;
	esac
done

die() {
	echo "pair_bench.sh: $*" >&2
	exit 1
}

[ -x "$BIN" ] || die "no $BIN: build it (ninja -C build-release) or give -b BINARY"
[ "$(id -u)" -eq 0 ] || die "DPDK's EAL needs root here: run as root"
[ "$(nproc)" -ge 2 ] || die "needs two CPUs (ring on two lcores, memif on two cores)"

if [ -n "$KEEP" ]; then
	OUT=$KEEP
	mkdir -p "$OUT" || die "cannot create $OUT"
else
	OUT=$(mktemp -d /tmp/tern-pair-bench.XXXXXX) || die "mktemp failed"
fi
EAL=(--no-huge -m 512 --no-pci --log-level=lib.eal:warning)
TIMEOUT=$((${DURATION%.*} + 35)) # per process: duration + 2 peer waits (10 s) + margin
RXPID=                           # the receiver running in the background, if any
PREFIXES=()                      # EAL --file-prefix values used
SOCKETS=()                       # memif socket paths used
RUN=0

cleanup() {
	local p
	# timeout(1) passes TERM on to the receiver, which stops cleanly on it.
	if [ -n "$RXPID" ]; then
		kill -TERM "$RXPID" 2>/dev/null && sleep 1
		kill -KILL "$RXPID" 2>/dev/null
	fi
	for p in "${PREFIXES[@]}"; do
		rm -rf "/var/run/dpdk/$p"
	done
	for p in "${SOCKETS[@]}"; do
		rm -f "$p"
	done
	if [ -z "$KEEP" ]; then
		rm -rf "$OUT"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# busy_pct: percent of CPU time not idle over the next second, all CPUs.
busy_pct() {
	local a b
	read -ra a </proc/stat
	sleep 1
	read -ra b </proc/stat
	awk -v a="${a[*]}" -v b="${b[*]}" 'BEGIN {
		n = split(a, x); split(b, y); t = 0
		for (i = 2; i <= n; i++) t += y[i] - x[i]
		idle = (y[5] - x[5]) + (y[6] - x[6])
		printf "%d", (t > 0 ? 100 * (t - idle) / t : 0) }'
}

# wait_quiet: up to QUIET_WAIT s for the machine to be under 15% busy; prints the
# last figure. Two cores are shared by everything: a busy neighbour halves a rate.
wait_quiet() {
	local busy _
	for _ in $(seq 1 "$QUIET_WAIT"); do
		busy=$(busy_pct)
		[ "$busy" -lt 15 ] && break
	done
	echo "$busy"
}

# field NAME LINE: the value of "NAME" in a one-line JSON object.
field() {
	sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" <<<"$2"
}

# record VARIANT SIZE BUSY RC JSON LOG...: one TSV row (variant size mpps gbps drops
# clean busy). Clean: exit 0, marker seen, every mbuf home, no EAL error logged.
record() {
	local v=$1 size=$2 busy=$3 rc=$4 json=$5 clean=0
	shift 5
	[ "$rc" -eq 0 ] && [ "$(field mbufs_in_use "$json")" = 0 ] &&
		[ "$(field marker_seen "$json")" = true ] && ! grep -q "Error" "$@" && clean=1
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "$size" "$(field mpps "$json")" \
		"$(field gbps "$json")" "$(field drops "$json")" "$clean" "$busy" >>"$OUT/runs.tsv"
	echo "$v $size B: $(field mpps "$json") Mpps, drops $(field drops "$json"), rc $rc," \
		"busy before ${busy}%" >&2
}

# run_one VARIANT MODE LCORE_LIST LCORES SIZE: one process, two ports (ring, or
# memif with the server vdev first, as tern-pair-bench --help says).
run_one() {
	local v=$1 mode=$2 list=$3 lcores=$4 size=$5 prefix sock json rc busy vdevs=()
	RUN=$((RUN + 1))
	prefix=tern-pair-$$-$RUN
	PREFIXES+=("$prefix")
	if [ "$mode" = memif ]; then
		sock=/tmp/tern-memif-$$-$RUN.sock
		SOCKETS+=("$sock")
		vdevs=(--vdev "net_memif0,role=server,socket=$sock"
			--vdev "net_memif1,role=client,socket=$sock")
	fi
	busy=$(wait_quiet)
	timeout -k 5 "$TIMEOUT" "$BIN" "${EAL[@]}" -l "$list" --file-prefix "$prefix" \
		"${vdevs[@]}" -- --mode "$mode" --lcores "$lcores" --size "$size" \
		--duration "$DURATION" >"$OUT/$RUN.json" 2>"$OUT/$RUN.log"
	rc=$?
	json=$(tail -n 1 "$OUT/$RUN.json")
	echo "$json" >>"$OUT/all.jsonl"
	record "$v" "$size" "$busy" "$rc" "$json" "$OUT/$RUN.log"
	rm -rf "/var/run/dpdk/$prefix"
	[ -n "${sock:-}" ] && rm -f "$sock"
}

# run_memif VARIANT RX_LCORE TX_LCORE SIZE: receiver (server) first; sender (client)
# ends the run and stops first.
run_memif() {
	local v=$1 rxl=$2 txl=$3 size=$4 sock rc rxrc busy json
	RUN=$((RUN + 1))
	sock=/tmp/tern-memif-$$-$RUN.sock
	SOCKETS+=("$sock")
	PREFIXES+=("tern-pair-$$-$RUN-rx" "tern-pair-$$-$RUN-tx")
	busy=$(wait_quiet)
	timeout -k 5 "$TIMEOUT" "$BIN" "${EAL[@]}" -l "$rxl" --file-prefix "tern-pair-$$-$RUN-rx" \
		--vdev "net_memif0,role=server,socket=$sock" -- --mode memif-rx --size "$size" \
		--duration "$DURATION" >"$OUT/$RUN-rx.json" 2>"$OUT/$RUN-rx.log" &
	RXPID=$!
	sleep 1
	timeout -k 5 "$TIMEOUT" "$BIN" "${EAL[@]}" -l "$txl" --file-prefix "tern-pair-$$-$RUN-tx" \
		--vdev "net_memif0,role=client,socket=$sock" -- --mode memif-tx --size "$size" \
		--duration "$DURATION" >"$OUT/$RUN-tx.json" 2>"$OUT/$RUN-tx.log"
	rc=$?
	wait "$RXPID"
	rxrc=$?
	RXPID=
	[ "$rc" -ne 0 ] && echo "$v $size B: sender exited with $rc (see $OUT/$RUN-tx.log)" >&2
	[ "$rxrc" -ne 0 ] && echo "$v $size B: receiver exited with $rxrc (see $OUT/$RUN-rx.log)" >&2
	json=$(tail -n 1 "$OUT/$RUN-rx.json")
	cat "$OUT/$RUN-tx.json" >>"$OUT/all.jsonl"
	echo "$json" >>"$OUT/all.jsonl"
	record "$v" "$size" "$busy" $((rc | rxrc)) "$json" "$OUT/$RUN-rx.log" "$OUT/$RUN-tx.log"
	rm -rf "/var/run/dpdk/tern-pair-$$-$RUN-rx" "/var/run/dpdk/tern-pair-$$-$RUN-tx" "$sock"
}

# table: min/median/max Mpps per variant and size, from runs.tsv.
table() {
	echo "| pair | frame | Mpps min | Mpps median | Mpps max | Gbit/s median | drops | clean runs | busy before |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for v in "ring, 2 lcores" "ring, 1 lcore" "memif, 1 process, 2 lcores" \
		"memif, 1 process, 1 lcore" "memif, 2 processes, 2 cores" \
		"memif, 2 processes, 1 core"; do
		for size in $SIZES; do
			awk -F '\t' -v v="$v" -v s="$size" '$1 == v && $2 == s' "$OUT/runs.tsv" |
				sort -t "$(printf '\t')" -k3,3g | awk -F '\t' -v v="$v" -v s="$size" '
				{ m[NR] = $3; g[NR] = $4; d += $5; c += $6; if ($7 > b) b = $7 }
				END {
					if (NR == 0) exit
					md = NR % 2 ? m[(NR + 1) / 2] : (m[NR / 2] + m[NR / 2 + 1]) / 2
					gd = NR % 2 ? g[(NR + 1) / 2] : (g[NR / 2] + g[NR / 2 + 1]) / 2
					printf "| %s | %s B | %.2f | %.2f | %.2f | %.2f | %d | %d/%d | <= %d%% |\n",
						v, s, m[1], md, m[NR], gd, d, c, NR, b }'
		done
	done
}

echo "pair_bench.sh: $BIN, ${DURATION} s per run, $REPS repetitions, sizes $SIZES;" \
	"raw results in $OUT" >&2
: >"$OUT/runs.tsv"
for _ in $(seq 1 "$REPS"); do
	for size in $SIZES; do
		run_one "ring, 2 lcores" ring 0-1 2 "$size"
		run_one "ring, 1 lcore" ring 0 1 "$size"
		run_one "memif, 1 process, 2 lcores" memif 0-1 2 "$size"
		run_one "memif, 1 process, 1 lcore" memif 0 1 "$size"
		run_memif "memif, 2 processes, 2 cores" 1 0 "$size"
		run_memif "memif, 2 processes, 1 core" 0 0 "$size"
	done
done
table
