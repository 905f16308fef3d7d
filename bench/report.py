#!/usr/bin/python3
"""Summarise bench/run.sh's raw results: min/median/max per workload and
stack, the Tern/Linux ratio of the medians, how busy each CPU was, and PNG
plots of the same figures.

Usage: report.py RAW.jsonl MODE DURATION OUT_PREFIX

Writes OUT_PREFIX.json, OUT_PREFIX.md, OUT_PREFIX-throughput.png and
OUT_PREFIX-latency.png (the plots only when matplotlib is there: Debian's
python3-matplotlib; the script says so when it is not).
"""
import json
import os
import statistics
import subprocess
import sys

from bench_machine import machine

raw, mode, duration, prefix = sys.argv[1:5]
rows = [json.loads(line) for line in open(raw) if line.strip()]

# key, label, more is better, where in a result to find it
METRICS = {
    "requests_per_s": ("req/s", True, ("requests_per_s",)),
    "connections_per_s": ("conn/s", True, ("connections_per_s",)),
    "tx_mbit_s": ("Mbit/s", True, ("tx_mbit_s",)),
    "p50_us": ("p50 µs", False, ("latency_us", "p50")),
    "p99_us": ("p99 µs", False, ("latency_us", "p99")),
    "p99_9_us": ("p99.9 µs", False, ("latency_us", "p99_9")),
    "conns_held": ("connections held", True, ("conns_held",)),
    "open_conns_per_s": ("opened/s", True, ("conns_per_s",)),
    "bytes_per_conn": ("bytes/conn, one side", False, ("mem_per_conn_bytes",)),
    # mixed: the rr connections and the bulk one of the same run, apart
    "rr_requests_per_s": ("rr req/s", True, ("rr_requests_per_s",)),
    "rr_p99_us": ("rr p99 µs", False, ("rr_p99_us",)),
    "rr_p99_9_us": ("rr p99.9 µs", False, ("rr_p99_9_us",)),
    "bulk_mbit_s": ("bulk Mbit/s", True, ("bulk_mbit_s",)),
}
# What each kind of workload is judged by; the first is its headline figure.
SHOWN = {
    "rr": ["requests_per_s", "p50_us", "p99_us", "p99_9_us"],
    "crr": ["connections_per_s", "p50_us", "p99_us"],
    "bulk": ["tx_mbit_s"],
    "http-ka": ["requests_per_s", "p50_us", "p99_us", "p99_9_us"],
    "http-close": ["connections_per_s", "p50_us", "p99_us", "p99_9_us"],
    "idle": ["conns_held", "bytes_per_conn", "open_conns_per_s"],
    "mixed": ["rr_requests_per_s", "rr_p99_us", "rr_p99_9_us", "bulk_mbit_s"],
}
# The mixed workload against its parts alone (issue 11): the rr latency
# beside the bulk flow within 2x of rr-256's alone, and the bulk flow
# keeping at least 70% of bulk-1's goodput.
MIXED_PARTS = [
    ("rr p99 µs", "rr-256", "p99_us", "rr_p99_us", "mixed/alone <= 2x"),
    ("rr p99.9 µs", "rr-256", "p99_9_us", "rr_p99_9_us", ""),
    ("rr req/s", "rr-256", "requests_per_s", "rr_requests_per_s", ""),
    ("bulk Mbit/s", "bulk-1", "tx_mbit_s", "bulk_mbit_s", "mixed/alone >= 70%"),
]
# A cache line round trip between the CPUs below this: the vCPUs were near
# (docs/PAIR.md: about 100-160 ns near, 380-650 ns far).
NEAR_RTT_NS = 300
# Said under the pair's table when it has HTTP rows.
HTTPD_NOTE = ("httpd-ka, httpd-close: tern-httpd (CPU 0) against tern-loadgen --mode http-ka "
              "(16 connections, GET / in closed loop) and http-close (8 at a time, one request "
              "each, the server closing first). No Linux HTTP server runs on the pair, so these "
              "rows have no Linux figure; nginx is measured against wrk over veth in the HTTP "
              "section, a different path and client, not a ratio to read across.")
# The three paths of issue 4, by workload name prefix.
SECTIONS = [
    ("In-memory pair (Tern: two processes over net_memif; Linux: loopback), one core each", ""),
    ("net_tap (Tern on net_tap, Linux clients in a namespace; Linux: veth between namespaces)",
     "tap-"),
    ("HTTP (wrk: tern-httpd on net_tap; nginx over veth)", "http-"),
    ("Idle connections (Tern: the in-memory pair, one engine a side; Linux: loopback, one "
     "CPU a side, a process per port for the 20,000-descriptor limit)", "idle-"),
]


def kind(workload):
    if workload.startswith("http-"):
        return workload
    if workload.startswith("httpd-"):
        return "http-" + workload[len("httpd-"):]
    name = workload[4:] if workload.startswith("tap-") else workload
    return name.split("-")[0]


def section(workload):
    for i, (_, pfx) in reversed(list(enumerate(SECTIONS))):
        if pfx and workload.startswith(pfx):
            return i
    return 0


def value(result, key):
    v = result
    for k in METRICS[key][2]:
        if not isinstance(v, dict):
            return None
        v = v.get(k)
    return v if isinstance(v, (int, float)) else None


def commit():
    # The run's commit (bench/run.sh passes it), so that a report made again
    # later from the raw file still names what was measured.
    if os.environ.get("BENCH_COMMIT"):
        return os.environ["BENCH_COMMIT"]
    try:
        return subprocess.check_output(["git", "rev-parse", "HEAD"], text=True).strip()
    except Exception:
        return "unknown"


def failed(result):
    # A run that measured nothing (server not up, refused) is reported, not
    # averaged in as zero.
    return not isinstance(result, dict) or "error" in result or not result.get("duration_s")


def spread(vals):
    return {"min": min(vals), "median": statistics.median(vals), "max": max(vals), "n": len(vals)}


summary = {}
for r in rows:
    w = summary.setdefault(r["workload"], {})
    s = w.setdefault(r["stack"], {"runs": [], "busy_before_pct": [], "cpu": {}, "failed": 0})
    if failed(r["result"]):
        s["failed"] += 1
        continue
    s["runs"].append(r["result"])
    s["busy_before_pct"].append(r["busy_before_pct"])
    if isinstance(r.get("cpu_pair_rtt_ns"), int):
        s.setdefault("rtt", []).append(r["cpu_pair_rtt_ns"])
    for cpu, pct in r.get("cpu_busy_pct", {}).items():
        s["cpu"].setdefault(cpu, []).append(pct)

figures = {}
for wname, stacks in summary.items():
    figures[wname] = {}
    for stack, s in stacks.items():
        f = figures[wname][stack] = {}
        for key in METRICS:
            vals = [v for v in (value(run, key) for run in s["runs"]) if v is not None]
            if vals:
                f[key] = spread(vals)
        f["busy_before_pct_max"] = max(s["busy_before_pct"], default=None)
        f["cpu_busy_pct"] = {cpu: spread(v) for cpu, v in sorted(s["cpu"].items())}
        if s.get("rtt"):
            f["cpu_pair_rtt_ns"] = spread(s["rtt"])
        f["failed_runs"] = s["failed"]
        f["errors"] = sum(run.get("errors", 0) for run in s["runs"])

doc = {
    "machine": machine(),
    "commit": commit(),
    "pollers_autogroup_nice": os.environ.get("BENCH_NICE_GOT"),
    "mode": mode,
    "duration_s": float(duration),
    "configuration": {
        "tern": "release build; pair: tern-echo (CPU 0) and tern-loadgen (CPU 1), two processes "
                "over net_memif, config/pair.ini; net_tap: tern-echo / tern-httpd on CPU 0, Linux "
                "clients in a namespace on CPU 1",
        "linux": "the same servers' logic (tern-linux-echo, nginx) on CPU 0 and clients "
                 "(tern-linux-loadgen, wrk) on CPU 1, over loopback or a veth pair",
    },
    "figures": figures,
    "runs": rows,
}


def fmt(x):
    return "%.3g" % x if abs(x) < 1000 else "{:,.0f}".format(x)


def cell(x):
    return "%s (%s–%s)" % (fmt(x["median"]), fmt(x["min"]), fmt(x["max"])) if x else "—"


def ratio(key, t, l):
    if not (t and l and t["median"] and l["median"]):
        return None
    more_better = METRICS[key][1]
    return t["median"] / l["median"] if more_better else l["median"] / t["median"]


def cpus(f):
    c = f.get("cpu_busy_pct", {}) if f else {}
    return "/".join("%d" % v["median"] for v in c.values()) or "—"


lines = []
for i, (title, _) in enumerate(SECTIONS):
    names = [w for w in summary if section(w) == i]
    if not names:
        continue
    lines += ["### " + title, "",
              "| workload | metric | Tern median (min–max) | Linux median (min–max) | Tern/Linux "
              "| CPU busy % Tern / Linux |",
              "|---|---|---|---|---|---|"]
    for wname in names:
        t_all, l_all = figures[wname].get("tern"), figures[wname].get("linux")
        for j, key in enumerate(SHOWN.get(kind(wname), [])):
            t = (t_all or {}).get(key)
            l = (l_all or {}).get(key)
            if not t and not l:
                continue
            r = ratio(key, t, l)
            rs = "—" if r is None else "%.1fx%s" % (r, "" if METRICS[key][1] else " lower")
            busy = "%s / %s" % (cpus(t_all), cpus(l_all)) if j == 0 else ""
            lines.append("| %s | %s | %s | %s | %s | %s |" % (
                wname, METRICS[key][0], cell(t), cell(l), rs, busy))
    lines.append("")
    if i == 0 and any(w.startswith("httpd-") for w in names):
        lines += [HTTPD_NOTE, ""]

# The mixed rows and the suffix of their parts alone: on the pair as it is,
# where the CPU bounds every flow, and on an emulated 10 Gbit/s line, where
# the line bounds the bulk flow (config/pair-10g.ini).
MIXED_RUNS = [("mixed", "", "rr-256 and bulk-1 in one run"),
              ("mixed-10g", "-10g", "rr-256-10g and bulk-1-10g in one run, on a 10 Gbit/s line")]
for mixed_w, sfx, title in MIXED_RUNS:
    if mixed_w not in figures:
        continue
    lines += ["### %s: %s, against each alone (medians)" % (mixed_w, title), "",
              "| figure | stack | alone | mixed | mixed/alone | target |",
              "|---|---|---|---|---|---|"]
    for label, alone_w, alone_k, mixed_k, target in MIXED_PARTS:
        alone_w += sfx
        for stack in ("tern", "linux"):
            a = figures.get(alone_w, {}).get(stack, {}).get(alone_k)
            m = figures[mixed_w].get(stack, {}).get(mixed_k)
            if a is None and m is None:
                continue  # Tern alone runs the -10g rows
            r = "%.2fx" % (m["median"] / a["median"]) if a and m and a["median"] else "—"
            lines.append("| %s | %s | %s | %s | %s | %s |" % (
                label, stack.capitalize(), cell(a), cell(m), r,
                target if stack == "tern" else ""))
    lines.append("")
    # The host moves the vCPUs between runs (docs/PAIR.md), and the medians
    # above may set runs of one placement against runs of the other; the
    # same ratios from runs of one placement only, where there are both.
    by_place = []
    for place, near in (("near", True), ("far", False)):
        for label, alone_w, alone_k, mixed_k, target in MIXED_PARTS:
            alone_w += sfx
            got = {}
            for w, k in ((alone_w, alone_k), (mixed_w, mixed_k)):
                got[w] = [value(r["result"], k) for r in rows
                          if r["workload"] == w and r["stack"] == "tern" and not failed(r["result"])
                          and isinstance(r.get("cpu_pair_rtt_ns"), int)
                          and (r["cpu_pair_rtt_ns"] < NEAR_RTT_NS) == near]
                got[w] = [v for v in got[w] if v is not None]
            if got[alone_w] and got[mixed_w]:
                a, m = statistics.median(got[alone_w]), statistics.median(got[mixed_w])
                by_place.append("| %s | %s | %s (%d) | %s (%d) | %s | %s |" % (
                    place, label, "{:,.0f}".format(a), len(got[alone_w]), "{:,.0f}".format(m),
                    len(got[mixed_w]), "%.2fx" % (m / a) if a else "—", target))
    if by_place:
        lines += ["Tern's, from runs of one vCPU placement only (near: a round trip under %d ns "
                  "before the run; medians, with the runs they come from):" % NEAR_RTT_NS, "",
                  "| placement | figure | alone | mixed | mixed/alone | target |",
                  "|---|---|---|---|---|---|"] + by_place + [""]

# Each pair run beside the cache line round trip between CPU 0 and CPU 1
# measured just before it (bench/cpu_pair_rtt.c): the host's placement of
# the two vCPUs, which moves between runs on a VM.
def stalls(res):
    st = res.get("loop_stalls") or {}
    side = [(st.get(k) or {}).get("1ms") for k in ("server", "client")]
    return "/".join("?" if v is None else str(v) for v in side)


rtt_rows = [r for r in rows if isinstance(r.get("cpu_pair_rtt_ns"), int) and not failed(r["result"])]
if rtt_rows:
    lines += ["### Each pair run and the CPUs' cache line round trip before it", "",
              "A frame of the pair crosses from one CPU to the other (docs/PAIR.md); on a VM the "
              "host places the two vCPUs near or far, and the round trip moves with it.", "",
              "Tern's runs also give each side's loop stalls: iterations begun 1 ms or more "
              "after the one before (server/client), mostly the poller descheduled.", "",
              "| workload | stack | headline figure, each run (round trip ns) | Tern's stalls "
              "past 1 ms, each run (server/client) |",
              "|---|---|---|---|"]
    for wname in [w for w in summary if section(w) == 0]:
        head = SHOWN.get(kind(wname), [None])[0]
        for stack in ("tern", "linux"):
            runs = [r for r in rtt_rows if r["workload"] == wname and r["stack"] == stack]
            if not runs or head is None:
                continue
            cells = ["%s (%d)" % (fmt(value(r["result"], head) or 0), r["cpu_pair_rtt_ns"])
                     for r in runs]
            lines.append("| %s | %s | %s %s | %s |" % (
                wname, stack.capitalize(), METRICS[head][0] + ":", ", ".join(cells),
                ", ".join(stalls(r["result"]) for r in runs) if stack == "tern" else ""))
    lines.append("")


def per_request(res, side):
    """What a cost row's cycles are divided by: requests, or connections
    where a connection carries one request (crr, http-close); the server's
    own count when it reports one (server_stats: tern-httpd)."""
    per_conn = res.get("mode") in ("crr", "http-close")
    srv = res.get("server_stats") if side == "server" else None
    if srv:
        return srv.get("conns" if per_conn else "requests") or 0
    return (res.get("connections") if per_conn else res.get("requests")) or 0


# Where the cycles go: the cost-accounting runs (Tern only) and perf stat.
RX_LAYERS = ["driver_rx", "net", "tcp_in", "app"]
TX_LAYERS = ["tcp_out", "driver_tx"]
cost_rows = [r for r in rows if r["workload"].startswith("cost-") and not failed(r["result"])]
if cost_rows:
    lines += ["### Where Tern's cycles go (TSC cycles per packet, -Dcost_accounting build)", "",
              "Received-side layers per received packet, sent-side layers per sent packet; "
              "busy = the share of the core not spent in empty polls.", "",
              "Per request: per response for rr and httpd-ka, per connection for crr and "
              "httpd-close; the client's count over its window, or for tern-httpd its own "
              "over the whole run (its cycles cover the whole run). app per request: the "
              "application's callbacks with the API calls they make (tern-httpd: parse, "
              "respond, send); none for bulk and mixed, whose segments are not requests. "
              "busy %: in mixed, which side's core is full sets the split between the rr "
              "connections and the bulk one. Round trip: the CPUs' cache line round trip "
              "before the run (the pair's placement: memif's driver layers cost several "
              "times more at the far one).", "",
              "| workload | side | round trip ns | " + " | ".join(RX_LAYERS) + " | " +
              " | ".join(TX_LAYERS) +
              " | timers | busy cycles per request | app cycles per request | busy % |",
              "|---|---|---|" + "---|" * (len(RX_LAYERS) + len(TX_LAYERS) + 4)]
    for r in cost_rows:
        res = r["result"]
        for side in ("server", "client"):
            c = res.get("cost_" + side, {}).get("tern_cost")
            if not c or not c.get("rx_pkts") or not c.get("tx_pkts"):
                continue
            cyc = c["cycles"]
            busy_cyc = c["total"] - cyc.get("idle", 0)
            per_req = per_request(res, side)
            if res.get("mode") in ("bulk", "mixed"):
                per_req = 0
            rtt = r.get("cpu_pair_rtt_ns")
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %.0f%% |" % (
                r["workload"][5:], side, "—" if rtt is None else rtt,
                " | ".join("%.0f" % (cyc[k] / c["rx_pkts"]) for k in RX_LAYERS),
                " | ".join("%.0f" % (cyc[k] / c["tx_pkts"]) for k in TX_LAYERS),
                "%.0f" % (cyc["timers"] / max(c["rx_pkts"], 1)),
                "%.0f" % (busy_cyc / per_req) if per_req else "—",
                "%.0f" % (cyc["app"] / per_req) if per_req else "—",
                100.0 * busy_cyc / c["total"]))
        doc.setdefault("cost", []).append(res)
    lines.append("")

perf_rows = [r for r in rows if r["workload"].startswith("perf-") and not failed(r["result"])]
if perf_rows:
    lines += ["### perf stat on the server during %s (software counters; this VM has no "
              "hardware counters)" % perf_rows[0]["workload"][5:], "",
              "| stack | req/s | CPU ms per second | context switches per 1k requests "
              "| CPU migrations | page faults | cycles, instructions |",
              "|---|---|---|---|---|---|---|"]
    for r in perf_rows:
        res = r["result"]
        p = res.get("perf_server", {})
        reqs = res.get("requests") or 0
        dur = res.get("duration_s") or 1
        tc = p.get("task-clock")
        cs = p.get("context-switches")
        lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            r["stack"].capitalize(), fmt(res.get("requests_per_s", 0)),
            "%.0f" % (tc / dur) if tc is not None else "—",
            "%.2f" % (1000.0 * cs / reqs) if cs is not None and reqs else "—",
            p.get("cpu-migrations", "—"), p.get("page-faults", "—"),
            "not supported" if p.get("cycles") is None else "%s, %s" % (
                p.get("cycles"), p.get("instructions"))))
    lines.append("")
with open(prefix + ".json", "w") as f:
    json.dump(doc, f, indent=1)

busy = max((max(s["busy_before_pct"], default=0) for st in summary.values() for s in st.values()),
           default=0)
nfailed = sum(s["failed"] for st in summary.values() for s in st.values())
lines.append(
    "%s mode, %s s per run, commit %s, %d CPUs (%s). CPU busy: median per CPU (cpu0/cpu1) during the runs; "
    "Tern polls, so its cores always read near 100%%. Before each run the script waited for a "
    "quiet machine: at most %d%% busy (%s). %d run(s) measured nothing and are left out." % (
        mode, duration, commit()[:10], os.cpu_count(), doc["machine"]["cpu_model"], busy,
        "quiet" if busy < 15 else "NOT quiet: figures are unreliable", nfailed))
nice = os.environ.get("BENCH_NICE_GOT")
if nice:
    lines.append("")
    lines.append("Both stacks' servers and clients ran at nice %s, each in a scheduling autogroup of "
                 "its own (bench/lib.sh: with autogroups, plain nice does not rank a task against "
                 "other sessions)." % nice)
with open(prefix + ".md", "w") as f:
    f.write("\n".join(lines) + "\n")


def plots():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report.py: no matplotlib (apt-get install python3-matplotlib): no plots",
              file=sys.stderr)
        return
    base = os.path.basename(prefix)

    def bars(ax, names, key, log):
        xs = range(len(names))
        for off, stack, color in ((-0.2, "tern", "tab:blue"), (0.2, "linux", "tab:gray")):
            med, lo, hi = [], [], []
            for w in names:
                f = figures[w].get(stack, {}).get(key)
                med.append(f["median"] if f else 0)
                lo.append(f["median"] - f["min"] if f else 0)
                hi.append(f["max"] - f["median"] if f else 0)
            ax.bar([x + off for x in xs], med, 0.4, yerr=[lo, hi], capsize=3, color=color,
                   label=stack.capitalize())
        ax.set_xticks(list(xs))
        ax.set_xticklabels(names, rotation=30, ha="right", fontsize=8)
        # Log only where Tern and Linux differ by more than 20x: a log axis
        # would make a small difference look like a large one.
        meds = [figures[w].get(st, {}).get(key, {}).get("median") for w in names
                for st in ("tern", "linux")]
        meds = [m for m in meds if m]
        if log and meds and max(meds) / min(meds) > 20:
            ax.set_yscale("log")
        ax.set_ylabel(METRICS[key][0])
        ax.legend(fontsize=8)

    # Throughput: one panel per headline metric.
    groups = {}
    for w in summary:
        head = SHOWN.get(kind(w), [None])[0]
        if head == "conns_held":
            head = "bytes_per_conn"  # both hold them all: what each costs tells them apart
        if head in ("requests_per_s", "connections_per_s", "tx_mbit_s", "bytes_per_conn"):
            groups.setdefault(head, []).append(w)
    if groups:
        fig, axes = plt.subplots(1, len(groups), figsize=(4.5 * len(groups), 4), squeeze=False)
        for ax, (key, names) in zip(axes[0], groups.items()):
            bars(ax, names, key, key != "tx_mbit_s")
            ax.set_title("%s (median, min–max%s)" % (
                METRICS[key][0], "" if METRICS[key][1] else "; lower better"), fontsize=10)
        fig.suptitle("Tern vs Linux, %s mode, %s" % (mode, base), fontsize=10)
        fig.tight_layout()
        fig.savefig(prefix + "-throughput.png", dpi=110)
        plt.close(fig)

    # Latency: p50/p99/p99.9 of every workload that has them.
    names = [w for w in summary if "p99_us" in SHOWN.get(kind(w), [])]
    if names:
        fig, axes = plt.subplots(1, 3, figsize=(14, 4), squeeze=False)
        for ax, key in zip(axes[0], ("p50_us", "p99_us", "p99_9_us")):
            bars(ax, names, key, True)
            ax.set_title(METRICS[key][0] + " round trip (lower is better)", fontsize=10)
        fig.tight_layout()
        fig.savefig(prefix + "-latency.png", dpi=110)
        plt.close(fig)


plots()
