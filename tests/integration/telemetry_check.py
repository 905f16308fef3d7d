#!/usr/bin/env python3
# Checks for test_telemetry.sh over what `dpdk-telemetry.py -f PREFIX` printed:
# one JSON object per command, in the order the commands were piped in, each
# keyed by the command without its parameter ({"/tern/conns": ...} for
# /tern/conns,1), so replies are matched to commands by their order.
#   telemetry_check.py commands ENGINES      the commands to pipe in
#   telemetry_check.py replies OUT ENGINES TERN_IP PEER_IP PORTS...
#   telemetry_check.py names OUT EXIT_LOG    (after piping /tern/stats alone)
import json
import sys


def commands(engines):
    return ["/tern/stats", "/tern/conns", "/tern/conns,1", "/tern/conns,2", "/tern/conns,x",
            f"/tern/stats,{engines}", "/tern/mem", "/tern/config"]


def replies(path, cmds):
    """{command with its parameter: the reply}"""
    with open(path) as f:
        lines = [json.loads(line) for line in f if line.startswith("{")]
    check(len(lines) == len(cmds), f"{len(lines)} replies to {len(cmds)} commands")
    return {cmd: reply[cmd.split(",")[0]] for cmd, reply in zip(cmds, lines)}


def check(cond, what):
    if not cond:
        sys.exit("telemetry: " + what)


def check_replies(path, engines, tern_ip, peer_ip, ports):
    r = replies(path, commands(engines))
    stats = r["/tern/stats"]
    check(stats is not None, "/tern/stats gave no answer")
    check(stats["engines"] == engines, f"/tern/stats: engines {stats['engines']}")
    total = stats["total"]
    check(total["tcp_conns_opened"] >= len(ports), f"tcp_conns_opened {total['tcp_conns_opened']}")
    check(total["tcp_segs_in"] > 0 and total["rx_pkts"] > 0, "no packets counted")
    check("drop" in total and "busy_loops" in total, "drop or busy_loops missing")
    for name, v in total.items():
        if name != "drop":
            s = sum(stats[f"engine{i}"][name] for i in range(engines))
            # Engines are read one after the other: the total is their sum.
            check(v == s, f"total.{name} {v} is not the engines' sum {s}")

    conns = r["/tern/conns"]
    check(conns is not None, "/tern/conns gave no answer")
    size = conns["page_size"]
    check(conns["total"] == len(ports), f"/tern/conns total {conns['total']}, want {len(ports)}")
    check(conns["pages"] == (len(ports) + size - 1) // size, f"pages {conns['pages']}")
    check(conns["pages"] == 2, "the test expects two pages")
    listed = dict(conns["conns"])
    page = r["/tern/conns,1"]
    check(page is not None, "/tern/conns,1 gave no answer")
    check(page["page"] == 1 and len(page["conns"]) == len(ports) - size, "page 1's entries")
    listed.update(page["conns"])
    check(len(listed) == len(ports), f"{len(listed)} entries over the pages, want {len(ports)}")
    seen = set()
    for c in listed.values():
        check(c["state"] == "ESTABLISHED", f"state {c['state']}")
        check(c["local"] == f"{tern_ip}:7", f"local {c['local']}")
        ip, port = c["remote"].split(":")
        check(ip == peer_ip, f"remote {c['remote']}")
        seen.add(int(port))
        check(c["bytes_received"] == 5 and c["bytes_acked"] == 5,
              f"bytes {c['bytes_received']}/{c['bytes_acked']}, want 5 each way")
        check(0 <= c["engine"] < engines, f"engine {c['engine']}")
        check(c["snd_queued"] == 0 and c["rcv_queued"] == 0, "queues not empty")
        check(c["rto_ms"] >= 200 and c["cwnd"] > 0 and c["rcv_wnd"] > 0 and c["mss"] > 0,
              f"rto/cwnd/rcv_wnd/mss {c['rto_ms']}/{c['cwnd']}/{c['rcv_wnd']}/{c['mss']}")
    check(seen == set(ports), f"listed ports {sorted(seen)} are not the client's {sorted(ports)}")
    last = r["/tern/conns,2"]
    check(last is not None and last["conns"] == {}, "the page past the end is not empty")
    check(r["/tern/conns,x"] is None, "/tern/conns,x answered")
    check(r[f"/tern/stats,{engines}"] is None, "a stats engine past the end answered")

    mem = r["/tern/mem"]
    check(mem is not None, "/tern/mem gave no answer")
    in_use = sum(mem[f"engine{i}"]["conns_in_use"] for i in range(engines))
    check(in_use == len(ports), f"conns_in_use {in_use}")
    check(all(mem[f"engine{i}"]["conns_max"] == 16384 for i in range(engines)), "conns_max")
    check(mem["engine0"]["tcb_bytes"] > 0 and mem["engine0"]["mbuf_bytes"] > 0, "sizes")

    cfg = r["/tern/config"]
    check(cfg is not None, "/tern/config gave no answer")
    check(cfg["app"] == "tern-echo" and cfg["engines"] == engines, "app or engines")
    check(cfg["ip"]["address"] == f"{tern_ip}/24", f"ip.address {cfg['ip']['address']}")
    check(cfg["tcp"]["conns"] == 16384 and cfg["tcp"]["sack"] == "yes", "tcp section")
    check(cfg["pool"]["mbufs"] == 16383, "pool section")
    print(f"  telemetry: {engines} engine(s), {len(ports)} connections listed over "
          f"{conns['pages']} page(s) of {size}, stats, mem and config answered")


def check_names(path, exit_log):
    """The counters telemetry names are the exit report's."""
    stats = replies(path, ["/tern/stats"])["/tern/stats"]
    tel = {k for k in stats["total"] if k != "drop"}
    tel |= {"drop." + k for k in stats["total"]["drop"]}
    printed = set()
    with open(exit_log) as f:
        for line in f:
            if line.startswith("total."):
                printed.add(line.split()[0][len("total."):])
    plain = {n for n in printed if not n.startswith("drop.")}
    check(plain == {n for n in tel if not n.startswith("drop.")},
          f"names differ: {sorted(plain ^ {n for n in tel if not n.startswith('drop.')})}")
    # Drops printed at exit are those that happened; telemetry's came earlier.
    check({n for n in tel if n.startswith("drop.")} <= printed, "a drop name is not printed")
    print(f"  telemetry: the {len(plain)} counter names equal the exit report's")


if __name__ == "__main__":
    if sys.argv[1] == "commands":
        print("\n".join(commands(int(sys.argv[2]))))
    elif sys.argv[1] == "replies":
        check_replies(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5],
                      [int(p) for p in sys.argv[6:]])
    else:
        check_names(sys.argv[2], sys.argv[3])
