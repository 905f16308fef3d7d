#!/usr/bin/env python3
"""Linux's TCP against tern-echo's services (DESIGN.md, stable contracts).

Usage: echo_client.py ADDR. Prints one line per check; exits 1 on the first
failure. Run inside the test's namespace.
"""
import hashlib
import selectors
import socket
import sys
import threading
import time

ADDR = sys.argv[1]


def conn(port):
    return socket.create_connection((ADDR, port), timeout=10)


def read_all(s):
    chunks = []
    while True:
        d = s.recv(1 << 20)
        if not d:
            return b"".join(chunks)
        chunks.append(d)


def check(name, ok, detail=""):
    print(("ok   " if ok else "FAIL ") + name + (": " + detail if detail else ""))
    if not ok:
        sys.exit(1)


def daytime():
    s = conn(13)
    line = read_all(s)  # Tern closes first (the active close)
    s.close()
    check("daytime: one line ending in \\n, then EOF", line.endswith(b"\n") and line.count(b"\n") == 1, repr(line))


def chargen():
    s = conn(19)
    t = time.time()
    data = read_all(s)
    s.close()
    want = bytes(i % 256 for i in range(1 << 20))
    check("chargen: 1,048,576 bytes, byte i = i mod 256", data == want,
          "%d bytes in %.3f s" % (len(data), time.time() - t))


def chargen_half_closed():
    # A peer's FIN ends its sending, not ours (RFC 9293 3.6): a client that
    # half-closes at once still gets every byte chargen promises.
    s = conn(19)
    s.shutdown(socket.SHUT_WR)
    data = read_all(s)
    s.close()
    want = bytes(i % 256 for i in range(1 << 20))
    check("chargen after our immediate half-close: 1,048,576 bytes", data == want,
          "%d bytes" % len(data))


def echo(size):
    blob = bytes((i * 7) % 251 for i in range(size))
    s = conn(7)
    got = []
    rd = threading.Thread(target=lambda: got.append(read_all(s)))
    rd.start()
    t = time.time()
    s.sendall(blob)
    s.shutdown(socket.SHUT_WR)  # Tern closes after our FIN once all is echoed
    rd.join(60)
    s.close()
    back = got[0] if got else b""
    check("echo: %d bytes back, sha256 equal" % size,
          hashlib.sha256(back).digest() == hashlib.sha256(blob).digest(),
          "%d bytes in %.3f s" % (len(back), time.time() - t))


def closed_port():
    try:
        conn(9)
        check("port 9: refused", False, "connected")
    except ConnectionRefusedError:
        check("port 9: refused (RST)", True)


def slow_readers(n):
    # Many chargen clients that do not read at first: their send queues
    # together want more mbufs than Tern's pool holds. The send budget must
    # keep enough back for receiving, or the ACKs that drain the queues are
    # lost and everything stalls.
    # Every byte is checked where it lands: byte i of each stream is i mod 256.
    want = bytes(i % 256 for i in range(1 << 20))
    socks = [conn(19) for _ in range(n)]
    time.sleep(1)
    sel = selectors.DefaultSelector()
    got = {s: 0 for s in socks}
    wrong = {s: False for s in socks}
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
    end = time.time() + 30
    while sel.get_map() and time.time() < end:
        for key, _ in sel.select(1):
            s = key.fileobj
            d = s.recv(1 << 20)
            if d:
                if d != want[got[s]:got[s] + len(d)]:
                    wrong[s] = True
                got[s] += len(d)
            else:
                sel.unregister(s)
    done = sum(1 for s in socks if got[s] == 1 << 20 and not wrong[s])
    bad = sum(1 for s in socks if wrong[s])
    for s in socks:
        s.close()
    check("%d slow chargen readers (more than the pool holds) all get 1 MiB, byte i = i mod 256" % n,
          done == n, "%d complete, %d with wrong bytes" % (done, bad))


def slow_echo_readers(n, size=1 << 20):
    # Many echo clients push 1 MiB each without reading for a while: what
    # Tern holds for them (echoed bytes not yet acked, received bytes not yet
    # echoed) wants more mbufs than its pool has. The send and receive
    # budgets keep RX going, so every byte still comes back.
    blob = bytes((i * 13) % 251 for i in range(size))
    socks = [conn(7) for _ in range(n)]
    sent = {s: 0 for s in socks}
    got = {s: 0 for s in socks}
    wrong = {s: False for s in socks}
    for s in socks:
        s.setblocking(False)
    t = time.time()
    while time.time() - t < 1:
        for s in socks:
            if sent[s] < size:
                try:
                    sent[s] += s.send(blob[sent[s]:sent[s] + 65536])
                except BlockingIOError:
                    pass
    sel = selectors.DefaultSelector()
    for s in socks:
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    end = time.time() + 90
    while time.time() < end and sum(got.values()) < n * size:
        for key, ev in sel.select(1):
            s = key.fileobj
            if ev & selectors.EVENT_READ:
                # The echo must be exactly what was sent, byte for byte.
                d = s.recv(1 << 20)
                if d != blob[got[s]:got[s] + len(d)]:
                    wrong[s] = True
                got[s] += len(d)
            if ev & selectors.EVENT_WRITE and sent[s] < size:
                try:
                    sent[s] += s.send(blob[sent[s]:sent[s] + 65536])
                except BlockingIOError:
                    pass
                if sent[s] == size:
                    sel.modify(s, selectors.EVENT_READ)
    done = sum(1 for s in socks if got[s] == size and not wrong[s])
    bad = sum(1 for s in socks if wrong[s])
    for s in socks:
        s.close()
    check("%d echo clients that read late all get their 1 MiB back, byte for byte" % n, done == n,
          "%d complete, %d with wrong bytes, in %.1f s" % (done, bad, time.time() - t))


def half_close():
    # Shut our write side first, then keep reading: the echo still arrives.
    s = conn(7)
    s.sendall(b"half-closed\n")
    s.shutdown(socket.SHUT_WR)
    check("echo after our half-close", read_all(s) == b"half-closed\n")
    s.close()


daytime()
chargen()
chargen_half_closed()
echo(11)
echo(20_000_000)
half_close()
slow_readers(160)
slow_echo_readers(160)
closed_port()
