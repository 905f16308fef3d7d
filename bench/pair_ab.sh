#!/usr/bin/env bash
# Two Tern configurations against each other on the in-memory pair, run by
# run interleaved, so that a noisy neighbour or a change of vCPU placement
# (docs/PAIR.md) falls on both:
#
#   bench/pair_ab.sh [-c] [-r REPS] [-d SECONDS] [-o OUT.jsonl]
#                    [-a 'SERVER ARGS|CLIENT ARGS'] [-b '...'] A.ini B.ini WORKLOAD...
#
# WORKLOAD: rr-1 rr-16 rr-256 crr-8 bulk-1 mixed (bench/run.sh's rows).
# -c: the cost build (-Dcost_accounting), which adds each side's busy
# cycles per request (per segment for bulk), the figure the machine's load
# moves least. Each run records the CPUs' cache line round trip before it
# (the vCPU placement). Prints one line per run and the medians per
# configuration, with every run's round trip. -a and -b add program
# arguments to configuration a's or b's runs (tern-echo's, then tern-loadgen's,
# split at '|'): two ways of an application against each other on one config,
# e.g. -a '--echo-send copy|--bulk-send copy'.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
# DUR: the seconds each run measures (bench/pair_run.sh reads it).
REPS=3 DUR=3 OUT='' COST='' XA='' XB=''
export DUR
while getopts "cr:d:o:a:b:" o; do
	case $o in
	c) COST=1 ;;
	a) XA=$OPTARG ;;
	b) XB=$OPTARG ;;
	r) REPS=$OPTARG ;;
	d) DUR=$OPTARG ;;
	o) OUT=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
for x in "$XA" "$XB"; do
	[ -z "$x" ] || [[ $x == *'|'* ]] || { echo "$0: -a/-b: 'SERVER ARGS|CLIENT ARGS', with the '|'" >&2; exit 2; }
done
[ $# -ge 3 ] || { echo "usage: $0 [-c] [-r REPS] [-d S] [-o OUT] [-a 'S|C'] [-b 'S|C'] A.ini B.ini WORKLOAD..." >&2; exit 2; }
CFG_A=$(realpath "$1") CFG_B=$(realpath "$2")
shift 2
if [ ! -r "$CFG_A" ] || [ ! -r "$CFG_B" ]; then
	echo "$0: cannot read $CFG_A or $CFG_B" >&2
	exit 2
fi
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
# shellcheck source=bench/pair_run.sh
. "$ROOT/bench/pair_run.sh"
build_release bench/pair_ab.sh app/tern-echo app/tern-loadgen || exit 1
if [ -n "$COST" ]; then
	B=$ROOT/build-cost
	[ -f "$B/build.ninja" ] ||
		meson setup "$B" --buildtype=release -Dtests=false -Dcost_accounting=true >/dev/null
	ninja -C "$B" >/dev/null || { echo "$0: the cost build failed" >&2; exit 1; }
fi
declare -A ROW=(
	["rr-1"]="--mode rr --conns 1 --size 64|"
	["rr-16"]="--mode rr --conns 16 --size 64|"
	["rr-256"]="--mode rr --conns 256 --size 64|"
	["crr-8"]="--mode crr --conns 8 --size 64 --closer server|--close-after 64"
	["bulk-1"]="--mode bulk --conns 1 --size 65536|"
	["mixed"]="--mode mixed --conns 256 --bulk-conns 1 --size 64|"
)
for w in "$@"; do
	[ -n "${ROW[$w]:-}" ] || { echo "$0: no workload '$w' (${!ROW[*]})" >&2; exit 2; }
done
pair_scratch pair-ab
OUT=${OUT:-$TMP/ab.jsonl}
for _ in $(seq "$REPS"); do
	for w in "$@"; do
		IFS='|' read -r args sargs <<<"${ROW[$w]}"
		for side in a b; do
			cfg=$CFG_A x=$XA
			[ $side = b ] && cfg=$CFG_B x=$XB
			quiet=$(wait_quiet)
			rtt=$(cpu_pair_rtt)
			line=$(PAIR_CONFIG=$cfg run_tern "$args ${x#*|}" "$sargs ${x%%|*}")
			[ -n "$line" ] || line=null
			sc=$(grep -h '^{"tern_cost"' "$TMP/server.log" 2>/dev/null | tail -n 1)
			cc=$(grep -h '^{"tern_cost"' "$TMP/client.out" 2>/dev/null | tail -n 1)
			echo "{\"workload\":\"$w\",\"config\":\"$side\",\"busy_before\":$quiet,\"cpu_pair_rtt_ns\":${rtt:-null},\"result\":$line,\"cost_server\":${sc:-null},\"cost_client\":${cc:-null}}" |
				tee -a "$OUT"
		done
	done
done
python3 - "$OUT" "$CFG_A $XA" "$CFG_B $XB" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("\na: %s\nb: %s\n" % (sys.argv[2], sys.argv[3]))
print("| workload | config | rate (median, runs) | round trip ns, each run | p99 µs | bulk Mbit/s "
      "| busy cycles a request, server / client |")
print("|---|---|---|---|---|---|---|")
def cycles(r, side):
    c = (r.get("cost_" + side) or {}).get("tern_cost")
    res = r["result"]
    units = (c or {}).get("rx_pkts") if res.get("mode") == "bulk" else (
        res.get("requests") or res.get("connections"))
    return None if not c or not units else (c["total"] - c["cycles"]["idle"]) / units
for w in dict.fromkeys(r["workload"] for r in rows):
    for cfg in "ab":
        rs = [r for r in rows if r["workload"] == w and r["config"] == cfg and r["result"]]
        if not rs:
            continue
        res = [r["result"] for r in rs]
        rate = [x.get("rx_mbit_s") if x.get("mode") == "bulk" else x.get("requests_per_s") or x.get("connections_per_s")
                for x in res]
        med = lambda v: "—" if not v or None in v else "{:,.0f}".format(statistics.median(v))
        print("| %s | %s | %s (%s) | %s | %s | %s | %s / %s |" % (
            w, cfg, med(rate), ", ".join("{:,.0f}".format(v or 0) for v in rate),
            ", ".join("—" if r.get("cpu_pair_rtt_ns") is None else str(r["cpu_pair_rtt_ns"])
                      for r in rs),
            med([x.get("latency_us", {}).get("p99") for x in res]),
            med([x.get("bulk_mbit_s") for x in res]),
            med([cycles(r, "server") for r in rs]), med([cycles(r, "client") for r in rs])))
EOF
