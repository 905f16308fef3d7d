#!/usr/bin/env python3
# An echo client that makes Tern's send queue hold data at odd offsets:
# writes of odd sizes (so the echo's segments end at odd offsets), a pause
# now and then (so they leave one by one), then 200 kB at once (segments
# spanning several send-queue buffers). Exit 0 only if every byte came back.
#
#   odd_echo.py ADDR        (tern-echo's port 7)
import os
import socket
import sys
import time

s = socket.create_connection((sys.argv[1], 7), timeout=10)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
sent = bytearray()
for i in range(201):
    # odd sizes from 501 to 2999: the echo's segments start at odd offsets
    # of the send queue and cross its buffers' boundaries there
    d = os.urandom(501 + 2 * ((i * 389) % 1250))
    s.sendall(d)
    sent += d
    if i % 10 == 0:
        time.sleep(0.002)
# Within what the two send and receive buffers hold: the echo never blocks
# on a reader that is still writing.
big = os.urandom(200001)
s.sendall(big)
sent += big
s.shutdown(socket.SHUT_WR)
back = bytearray()
while True:
    d = s.recv(1 << 20)
    if not d:
        break
    back += d
ok = back == sent
print(f"odd_echo: sent {len(sent)} bytes, {len(back)} came back, {'equal' if ok else 'DIFFERENT'}")
sys.exit(0 if ok else 1)
