#!/usr/bin/env python3
# Hold N echo connections to HOST:PORT open for test_telemetry.sh: each sends
# "hello" and reads it back, then the local ports go to READY_FILE (one line,
# space separated) and the connections stay open until READY_FILE is removed
# or HOLD_S seconds pass.
#   hold_conns.py HOST PORT N READY_FILE HOLD_S
import os
import socket
import sys
import time

host, port, n, ready, hold_s = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], \
    float(sys.argv[5])
conns = []
for _ in range(n):
    s = socket.create_connection((host, port), timeout=5)
    s.sendall(b"hello")
    got = b""
    while len(got) < 5:
        chunk = s.recv(5 - len(got))
        if not chunk:
            sys.exit("echo closed early")
        got += chunk
    if got != b"hello":
        sys.exit("echo answered %r" % got)
    conns.append(s)
tmp = ready + ".tmp"
with open(tmp, "w") as f:
    f.write(" ".join(str(s.getsockname()[1]) for s in conns) + "\n")
os.rename(tmp, ready)
end = time.monotonic() + hold_s
while os.path.exists(ready) and time.monotonic() < end:
    time.sleep(0.1)
for s in conns:
    s.close()
