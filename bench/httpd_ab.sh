#!/usr/bin/env bash
# Two tern-httpd binaries against each other on the in-memory pair, runs
# alternated (a shared machine drifts: alternation spreads it over both),
# keep-alive and a connection per request, with what each costs the server:
#
#   bench/httpd_ab.sh [-l] BUILD PROG_A PROG_B [REPS [DUR]]     (as root)
#
#   e.g. bench/httpd_ab.sh build-cost tern-httpd-base tern-httpd 3 3
#
# -l: PROG_A and PROG_B are two builds of tern-loadgen instead, the client,
# against BUILD's tern-httpd; the cost columns are then the client's, over
# its measured window and its own counts.
#
# PROG_A and PROG_B are programs in BUILD/app (a copy of an older build's
# tern-httpd kept beside the new one). Each run is bench/pair_run.sh's
# run_tern: the server on CPU 0, tern-loadgen --mode http-ka (16
# connections) or http-close (8) on CPU 1, DUR seconds (3). On a
# -Dcost_accounting build each row also has the server's busy cycles (not
# the empty polls) and its application layer's (tern-httpd with the
# tern_recv and tern_send it calls) per request (per connection for
# http-close), over its whole run and its own count (server_stats). Before
# each run it waits up to BENCH_QUIET_WAIT_S (20) seconds for the machine to
# be under 15% busy (bench/lib.sh) and records how busy it was, and the CPUs'
# cache line round trip (the vCPU placement, docs/PAIR.md). One JSON line a
# run, then the medians.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
CLIENT=''
[ "${1:-}" = -l ] && { CLIENT=1; shift; }
[ $# -ge 3 ] || { echo "usage: $0 [-l] BUILD PROG_A PROG_B [REPS [DUR]]" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "$0: run as root (DPDK)" >&2; exit 1; }
B=$(cd "$1" && pwd) A=$2 Z=$3 REPS=${4:-3} DUR=${5:-3}
for p in "$A" "$Z" tern-loadgen tern-httpd; do
	[ -x "$B/app/$p" ] || { echo "$0: no $B/app/$p" >&2; exit 1; }
done
export BENCH_QUIET_WAIT_S=${BENCH_QUIET_WAIT_S:-20}
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
# shellcheck source=bench/pair_run.sh
. "$ROOT/bench/pair_run.sh"
pair_scratch tern-httpd-ab
OUT=$TMP/rows.jsonl

for rep in $(seq "$REPS"); do
	for w in "http-ka|--mode http-ka --conns 16" "http-close|--mode http-close --conns 8"; do
		IFS='|' read -r name args <<<"$w"
		for prog in "$A" "$Z"; do
			busy=$(wait_quiet)
			rtt=$(cpu_pair_rtt)
			if [ -n "$CLIENT" ]; then
				line=$(LOADGEN_APP=$prog SERVER_APP=tern-httpd run_tern "$args" "--port 7")
				cost=$(grep -h '^{"tern_cost"' "$TMP/client.out" | tail -n 1)
			else
				line=$(SERVER_APP=$prog run_tern "$args" "--port 7")
				cost=$(grep -h '^{"tern_cost"' "$TMP/server.log" | tail -n 1)
			fi
			printf '{"prog":"%s","workload":"%s","rep":%d,"busy_before_pct":%d,"cpu_pair_rtt_ns":%s,"result":%s,"cost":%s}\n' \
				"$prog" "$name" "$rep" "$busy" "${rtt:-null}" "${line:-null}" "${cost:-null}" | tee -a "$OUT"
		done
	done
done

/usr/bin/python3 - "$OUT" "$CLIENT" <<'EOF'
import json, statistics, sys

rows = [json.loads(l) for l in open(sys.argv[1])]
client = sys.argv[2] == "1"
groups = {}
for r in rows:
    res, cost = r["result"] or {}, (r["cost"] or {}).get("tern_cost")
    per_conn = r["workload"] == "http-close"
    rate = res.get("connections_per_s" if per_conn else "requests_per_s")
    g = groups.setdefault((r["workload"], r["prog"]),
                          {"rate": [], "busy": [], "app": [], "errors": 0, "before": [], "rtt": []})
    g["before"].append(r["busy_before_pct"])
    g["rtt"].append(str(r["cpu_pair_rtt_ns"]))
    g["errors"] += (res.get("errors") or 0) + (res.get("server_exit") or 0)
    if rate:
        g["rate"].append(rate)
    n = (res if client else res.get("server_stats") or {}).get(
        ("connections" if client else "conns") if per_conn else "requests")
    if cost and n:
        c = cost["cycles"]
        g["busy"].append((cost["total"] - c["idle"]) / n)
        g["app"].append(c["app"] / n)

def med(v):
    return "%.0f" % statistics.median(v) if v else "-"

print("cost columns: the %s's" % ("client" if client else "server"))
print("workload    program               runs  median rate/s   busy cyc/unit  app cyc/unit  errors"
      "  machine busy before %")
for (w, p), g in sorted(groups.items()):
    print("%-11s %-21s %4d  %13s  %13s  %12s  %6d  %s  (rates: %s; round trip ns: %s)" % (
        w, p, len(g["rate"]), med(g["rate"]), med(g["busy"]), med(g["app"]), g["errors"],
        "/".join(str(b) for b in g["before"]), ", ".join("%.0f" % x for x in g["rate"]),
        ", ".join(g["rtt"])))
EOF
