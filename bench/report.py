#!/usr/bin/env python3
"""Summarise bench/run.sh's raw results: min/median/max per workload and
stack, and the Tern/Linux ratio of the medians.

Usage: report.py RAW.jsonl MODE DURATION OUT.json OUT.md
"""
import json
import os
import platform
import statistics
import subprocess
import sys

raw, mode, duration, out_json, out_md = sys.argv[1:6]
rows = [json.loads(line) for line in open(raw) if line.strip()]

# What each workload is judged by, and whether more is better.
METRICS = [
    ("requests_per_s", "req/s", True),
    ("connections_per_s", "conn/s", True),
    ("tx_mbit_s", "Mbit/s", True),
    ("p50_us", "p50 µs", False),
    ("p99_us", "p99 µs", False),
    ("p99_9_us", "p99.9 µs", False),
]
SHOWN = {
    "rr": ["requests_per_s", "p50_us", "p99_us", "p99_9_us"],
    "crr": ["connections_per_s", "p50_us", "p99_us"],
    "bulk": ["tx_mbit_s"],
}


def value(result, key):
    if key.endswith("_us"):
        lat = result.get("latency_us", {})
        return lat.get({"p50_us": "p50", "p99_us": "p99", "p99_9_us": "p99_9"}[key])
    return result.get(key)


def commit():
    try:
        return subprocess.check_output(["git", "rev-parse", "HEAD"], text=True).strip()
    except Exception:
        return "unknown"


def failed(result):
    # A run that measured nothing (server not up, refused) is reported, not
    # averaged in as zero.
    return not isinstance(result, dict) or "error" in result or not result.get("duration_s")


summary = {}
for r in rows:
    w = summary.setdefault(r["workload"], {})
    s = w.setdefault(r["stack"], {"runs": [], "busy_before_pct": [], "failed": 0})
    if failed(r["result"]):
        s["failed"] += 1
        continue
    s["runs"].append(r["result"])
    s["busy_before_pct"].append(r["busy_before_pct"])

figures = {}
for wname, stacks in summary.items():
    figures[wname] = {}
    for stack, s in stacks.items():
        figures[wname][stack] = {}
        for key, _, _ in METRICS:
            vals = [value(run, key) for run in s["runs"]]
            vals = [v for v in vals if isinstance(v, (int, float))]
            if vals:
                figures[wname][stack][key] = {
                    "min": min(vals), "median": statistics.median(vals), "max": max(vals),
                    "n": len(vals)}
        figures[wname][stack]["busy_before_pct_max"] = max(s["busy_before_pct"])
        figures[wname][stack]["failed_runs"] = s["failed"]
        figures[wname][stack]["errors"] = sum(run.get("errors", 0) for run in s["runs"]
                                              if isinstance(run, dict))

doc = {
    "machine": {"node": platform.node(), "kernel": platform.release(),
                "cpus": os.cpu_count(), "processor": platform.processor()},
    "commit": commit(),
    "mode": mode,
    "duration_s": float(duration),
    "configuration": {
        "tern": "tern-echo (CPU 0) and tern-loadgen (CPU 1), two processes over net_memif, "
                "release build, config/pair.ini",
        "linux": "tern-linux-echo (CPU 0) and tern-linux-loadgen (CPU 1) over loopback",
    },
    "figures": figures,
    "runs": rows,
}
with open(out_json, "w") as f:
    json.dump(doc, f, indent=1)

lines = [
    "| workload | metric | Tern median (min–max) | Linux median (min–max) | Tern/Linux |",
    "|---|---|---|---|---|",
]
for wname in summary:
    kind = wname.split("-")[0]
    for key in SHOWN.get(kind, []):
        label = next(l for k, l, _ in METRICS if k == key)
        more_better = next(b for k, _, b in METRICS if k == key)
        t = figures[wname].get("tern", {}).get(key)
        l = figures[wname].get("linux", {}).get(key)
        fmt = lambda x: "%.3g" % x if x < 1000 else "{:,.0f}".format(x)
        cell = lambda x: "%s (%s–%s)" % (fmt(x["median"]), fmt(x["min"]), fmt(x["max"])) if x else "—"
        ratio = "—"
        if t and l and t["median"] and l["median"]:
            r = t["median"] / l["median"] if more_better else l["median"] / t["median"]
            ratio = "%.1fx%s" % (r, "" if more_better else " lower")
        lines.append("| %s | %s | %s | %s | %s |" % (wname, label, cell(t), cell(l), ratio))
busy = max(max(s["busy_before_pct"]) for st in summary.values() for s in st.values())
nfailed = sum(s["failed"] for st in summary.values() for s in st.values())
lines.append("")
lines.append("%s mode, %s s per run, commit %s; the machine was at most %d%% busy before a run "
             "(%s); %d run(s) measured nothing and are left out." % (
                 mode, duration, commit()[:10], busy,
                 "quiet" if busy < 15 else "NOT quiet: figures are unreliable", nfailed))
with open(out_md, "w") as f:
    f.write("\n".join(lines) + "\n")
