#!/usr/bin/env python3
"""Many Linux echo clients at once against tern-echo's port 7, from several
source addresses so that the tap spreads their flows over its queues.

Usage: echo_many.py ADDR FIRST LAST PER SIZE
Opens PER connections from each of 198.18.0.FIRST .. 198.18.0.LAST (already
on the interface), all at once; each writes SIZE bytes of a pattern while it
reads the echo back, then shuts down its side. Prints how many got their
bytes back byte for byte; exits 1 unless all did.
"""
import socket
import sys
import threading

addr = sys.argv[1]
first, last, per, size = (int(a) for a in sys.argv[2:6])
blob = bytes((i * 7) % 251 for i in range(size))
results = []


def recv_all(s):
    chunks = []
    try:
        while True:
            d = s.recv(1 << 16)
            if not d:
                break
            chunks.append(d)
    except OSError as e:
        print("recv: %s" % e)
    return b"".join(chunks)


def client(src):
    s = socket.socket()
    s.settimeout(30)
    try:
        s.bind((src, 0))
        s.connect((addr, 7))
        back = []
        rd = threading.Thread(target=lambda: back.append(recv_all(s)))
        rd.start()
        s.sendall(blob)
        s.shutdown(socket.SHUT_WR)
        rd.join()
        results.append(back[0] == blob if back else False)
    except OSError as e:
        print("client from %s: %s" % (src, e))
        results.append(False)
    finally:
        s.close()


ts = [threading.Thread(target=client, args=("198.18.0.%d" % i,))
      for i in range(first, last + 1) for _ in range(per)]
for t in ts:
    t.start()
for t in ts:
    t.join()
good = sum(results)
print("%d of %d echo connections got their %d bytes back byte for byte" % (good, len(ts), size))
sys.exit(0 if good == len(ts) else 1)
