#!/usr/bin/python3
"""Summarise bench/scale.sh's raw results: each workload's figure at N
engines a side for Tern and Linux (min/median/max), how close each comes to
N times its one-engine figure, the steered segment's measured cost, and the
curve projected to 8 and 16 engines from measured costs.

Usage: scale_report.py RAW.jsonl MODE DURATION OUT_PREFIX
Writes OUT_PREFIX.json and OUT_PREFIX.md.
"""
import json
import os
import re
import statistics
import sys

from bench_machine import machine

raw, mode, duration, prefix = sys.argv[1:5]
rows = [json.loads(line) for line in open(raw) if line.strip()]

# The figure each workload is judged by.
HEADLINE = {"rr": ("requests_per_s", "req/s"), "crr": ("connections_per_s", "conn/s"),
            "bulk": ("tx_mbit_s", "Mbit/s")}
PROJECT_AT = [1, 2, 4, 8, 16]


def ok(res):
    return isinstance(res, dict) and "error" not in res and res.get("duration_s")


def spread(vals):
    return {"min": min(vals), "median": statistics.median(vals), "max": max(vals), "n": len(vals)}


def fmt(x):
    return "%.3g" % x if abs(x) < 1000 else "{:,.0f}".format(x)


def cell(s):
    return "%s (%s–%s)" % (fmt(s["median"]), fmt(s["min"]), fmt(s["max"])) if s else "—"


# figures[workload][N][stack] = spread of the headline, plus oversubscribed.
figures, oversubscribed, failed = {}, set(), 0
for r in rows:
    m = re.fullmatch(r"scale-(rr|crr|bulk)-n(\d+)", r["workload"])
    if not m:
        continue
    res = r["result"]
    if not ok(res):
        failed += 1
        continue
    w, n = m.group(1), int(m.group(2))
    v = res.get(HEADLINE[w][0])
    if not isinstance(v, (int, float)):
        failed += 1
        continue
    figures.setdefault(w, {}).setdefault(n, {}).setdefault(r["stack"], []).append(v)
    if res.get("oversubscribed"):
        oversubscribed.add(n)
for w in figures:
    for n in figures[w]:
        for stack in figures[w][n]:
            figures[w][n][stack] = spread(figures[w][n][stack])

steer = next((r["result"] for r in rows if r["workload"] == "scale-steer" and ok(r["result"])),
             None)
# A steered segment's extra cycles, both engines together: the hand-off's
# cycles on the sending and the receiving core, less what the same work
# costs when it is not handed off (direct: written, read and freed on one core).
steer_cycles = None
if steer:
    steer_cycles = max(0.0, steer["cross_send_cycles"] + steer["cross_recv_cycles"]
                       - steer["direct_cycles"])

# A request's own busy cycles (C) and received segments (k) on the server.
costs = {}
for r in rows:
    m = re.fullmatch(r"scale-cost-(rr|crr|bulk)", r["workload"])
    if not m or not ok(r["result"]):
        continue
    res = r["result"]
    c = (res.get("cost_server") or {}).get("tern_cost")
    if not c or not c.get("rx_pkts"):
        continue
    busy = c["total"] - c["cycles"].get("idle", 0)
    # bulk has no requests: a received segment is its unit.
    units = c["rx_pkts"] if m.group(1) == "bulk" else (res.get("requests") or
                                                        res.get("connections") or 0)
    if units:
        costs[m.group(1)] = {"cycles_per_unit": busy / units, "segments_per_unit":
                             c["rx_pkts"] / units, "unit": "segment" if m.group(1) == "bulk"
                             else ("connection" if m.group(1) == "crr" else "request")}

projection = {}
for w, cst in costs.items():
    one = figures.get(w, {}).get(1, {}).get("tern")
    if not one or steer_cycles is None:
        continue
    C, k, t1 = cst["cycles_per_unit"], cst["segments_per_unit"], one["median"]
    projection[w] = {
        str(n): {"software_steering": n * t1 * C / (C + steer_cycles * k * (n - 1) / n),
                 "efficiency": C / (C + steer_cycles * k * (n - 1) / n),
                 "hardware_rss": n * t1}
        for n in PROJECT_AT}

doc = {
    "machine": machine(),
    "commit": os.environ.get("BENCH_COMMIT", "unknown"),
    "mode": mode, "duration_s": float(duration),
    "figures": figures, "oversubscribed_engines": sorted(oversubscribed),
    "steer": steer, "steered_segment_cycles": steer_cycles, "costs": costs,
    "projection": projection, "runs": rows,
}
with open(prefix + ".json", "w") as f:
    json.dump(doc, f, indent=1)

lines = ["### Scale: N engines a side on the in-memory pair (Tern: one memif with N queues, "
         "RSS_SOFT steering; Linux: N pinned pairs over loopback)", "",
         "| workload | N | Tern median (min–max) | Linux median (min–max) | Tern/Linux "
         "| Tern vs N x (N = 1) | Linux vs N x (N = 1) |",
         "|---|---|---|---|---|---|---|"]
for w in ("rr", "crr", "bulk"):
    for n in sorted(figures.get(w, {})):
        t, l = figures[w][n].get("tern"), figures[w][n].get("linux")
        t1 = figures[w].get(1, {}).get("tern")
        l1 = figures[w].get(1, {}).get("linux")
        lines.append("| %s (%s) | %d%s | %s | %s | %s | %s | %s |" % (
            w, HEADLINE[w][1], n, " (oversubscribed)" if n in oversubscribed else "",
            cell(t), cell(l),
            "%.1fx" % (t["median"] / l["median"]) if t and l and l["median"] else "—",
            "%.2f" % (t["median"] / (n * t1["median"])) if t and t1 else "—",
            "%.2f" % (l["median"] / (n * l1["median"])) if l and l1 else "—"))
lines.append("")
if steer:
    lines += ["Steered segment (tern-steer-bench, medians of %d runs): %.0f cycles on the "
              "receiving core and %.0f on the owner handed across cores, against %.0f for the "
              "same work on one core: **%.0f extra cycles a steered segment** (%.1f Mpps "
              "across)." % (steer["runs"], steer["cross_send_cycles"],
                             steer["cross_recv_cycles"], steer["direct_cycles"], steer_cycles,
                             steer["cross_mpps"]), ""]
if projection:
    lines += ["### Projected (arithmetic from measured costs, not a measurement)", "",
              "T(N) = N · T(1) · C / (C + S · k · (N−1)/N): T(1) Tern's measured one-engine "
              "figure, C the server's busy cycles per unit at N = 1 (cost build), k the segments "
              "it receives per unit, S the steered segment's extra cycles, (N−1)/N the share of "
              "segments a port without RSS lands on the wrong engine. Assumes the client keeps "
              "up, no shared limit (NIC, memory bandwidth, LLC) and the polling of N−1 empty "
              "rings free. With hardware RSS and Tern's port choice nothing is steered: N · "
              "T(1).", "",
              "| workload | C cycles/unit | k | " + " | ".join("N = %d" % n for n in PROJECT_AT)
              + " |", "|---|---|---|" + "---|" * len(PROJECT_AT)]
    for w, p in projection.items():
        cst = costs[w]
        lines.append("| %s (%s) | %.0f / %s | %.2f | %s |" % (
            w, HEADLINE[w][1], cst["cycles_per_unit"], cst["unit"], cst["segments_per_unit"],
            " | ".join("%s (%.2f)" % (fmt(p[str(n)]["software_steering"]),
                                      p[str(n)]["efficiency"]) for n in PROJECT_AT)))
    lines += ["", "Each cell: projected figure with software steering (its efficiency against "
              "hardware RSS).", ""]
busy = max((r.get("busy_before_pct", 0) for r in rows), default=0)
lines.append("%s mode, %s s per run, commit %s, %d CPUs (%s). Before each run the script waited for "
             "a quiet machine: at most %d%% busy (%s). %d run(s) measured nothing and are left "
             "out." % (mode, duration, doc["commit"][:10], os.cpu_count(), doc["machine"]["cpu_model"], busy,
                       "quiet" if busy < 15 else "NOT quiet: figures are unreliable", failed))
with open(prefix + ".md", "w") as f:
    f.write("\n".join(lines) + "\n")
