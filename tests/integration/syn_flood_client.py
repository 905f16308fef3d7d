#!/usr/bin/env python3
"""The legitimate side of test_syn_flood.sh, run inside the namespace.

    syn_flood_client.py TERN_IP HELD CLIENTS TAP SECONDS MAX RATE -- FLOOD...

Opens HELD echo connections (port 7) and checks each echoes a line. Starts
FLOOD (the spoofed SYN flood; MAX SYNs, SECONDS and RATE, a number or auto,
are appended to it) and, once it has run a second, CLIENTS new connections
one after another, 150 ms apart, each in its own thread: connect (at most
3 s), send a line, read it back. When the flood is over, each held
connection echoes 64 KiB byte-exact. Prints the flood's lines, what the tap
TAP took and dropped meanwhile, "legit N/CLIENTS connected within 3 s, echo
ok M, connect latency median X ms p99 Y ms max Z ms" and "held N/HELD
byte-exact after the flood".
Exit status 0 if at least 95% of the clients connected and echoed and every
held connection survived, 1 otherwise.
"""
import socket
import subprocess
import sys
import threading
import time

CONNECT_TIMEOUT_S = 3.0
SPACING_S = 0.15
HELD_BYTES = 65536


def held_open(ip, n):
    conns = []
    for i in range(n):
        s = socket.create_connection((ip, 7), timeout=5)
        line = b"held %d before the flood\n" % i
        s.sendall(line)
        got = b""
        while len(got) < len(line):
            chunk = s.recv(4096)
            if not chunk:
                raise RuntimeError("held connection %d closed early" % i)
            got += chunk
        if got != line:
            raise RuntimeError("held connection %d echoed %r" % (i, got))
        conns.append(s)
    return conns


def held_check(conns):
    ok = 0
    for i, s in enumerate(conns):
        data = bytes((i * 7 + k) % 251 for k in range(HELD_BYTES))
        try:
            s.settimeout(10)
            sender = threading.Thread(target=s.sendall, args=(data,))
            sender.start()
            got = bytearray()
            while len(got) < len(data):
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
            sender.join()
            if bytes(got) == data:
                ok += 1
            else:
                print("held %d: %d of %d bytes, equal prefix %s" %
                      (i, len(got), len(data), bytes(got) == data[:len(got)]))
        except OSError as e:
            print("held %d: %s" % (i, e))
        s.close()
    return ok


def legit_one(ip, idx, results):
    line = b"legit client %d\n" % idx
    t0 = time.monotonic()
    try:
        s = socket.create_connection((ip, 7), timeout=CONNECT_TIMEOUT_S)
    except OSError as e:
        results[idx] = (False, False, time.monotonic() - t0, str(e))
        return
    lat = time.monotonic() - t0
    echoed = False
    try:
        s.settimeout(5)
        s.sendall(line)
        got = b""
        while len(got) < len(line):
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        echoed = got == line
    except OSError:
        pass
    s.close()
    results[idx] = (True, echoed, lat, "")


def percentile(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    k = min(len(sorted_vals) - 1, int(round(p / 100.0 * (len(sorted_vals) - 1))))
    return sorted_vals[k]


def tap_tx(tap, what="packets"):
    with open("/sys/class/net/%s/statistics/tx_%s" % (tap, what)) as f:
        return int(f.read())


def main():
    sep = sys.argv.index("--")
    ip, n_held, n_clients = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    tap, seconds, count, rate = sys.argv[4], sys.argv[5], sys.argv[6], sys.argv[7]
    flood_cmd = sys.argv[sep + 1:]

    held = held_open(ip, n_held)
    tx0, drop0 = tap_tx(tap), tap_tx(tap, "dropped")
    flood = subprocess.Popen(flood_cmd + [count, seconds, rate], stdout=subprocess.PIPE,
                             text=True)
    time.sleep(1.0)
    results = [None] * n_clients
    threads = []
    for i in range(n_clients):
        t = threading.Thread(target=legit_one, args=(ip, i, results))
        t.start()
        threads.append(t)
        time.sleep(SPACING_S)
    flood_running = flood.poll() is None
    for t in threads:
        t.join(15)
    out, _ = flood.communicate(timeout=60)
    print(out.strip())
    print("tap: %d frames taken, %d dropped during the flood" %
          (tap_tx(tap) - tx0, tap_tx(tap, "dropped") - drop0))
    if not flood_running:
        print("note: the flood ended before the last client started")
    connected = [r for r in results if r and r[0]]
    echoed = [r for r in connected if r[1]]
    lats = sorted(r[2] * 1000 for r in connected)
    print("legit %d/%d connected within %.0f s, echo ok %d, connect latency "
          "median %.1f ms p99 %.1f ms max %.1f ms" %
          (len(connected), n_clients, CONNECT_TIMEOUT_S, len(echoed),
           percentile(lats, 50), percentile(lats, 99), lats[-1] if lats else float("nan")))
    for i, r in enumerate(results):
        if r and not r[0]:
            print("  client %d: %s after %.2f s" % (i, r[3], r[2]))
    held_ok = held_check(held)
    print("held %d/%d byte-exact after the flood" % (held_ok, n_held))
    ok = len(echoed) * 100 >= 95 * n_clients and held_ok == n_held and flood.returncode == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
