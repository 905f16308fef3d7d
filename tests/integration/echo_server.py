#!/usr/bin/env python3
# Usage: echo_server.py ADDR PORT (prints 'listening' once it is).
# RFC 862 echo on ADDR:PORT: every byte back, close after the peer's FIN.
import selectors, socket, sys

sel = selectors.DefaultSelector()
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
# The address comes with each run's tap: bind to it before it exists.
ls.setsockopt(socket.IPPROTO_IP, 15, 1)  # IP_FREEBIND
ls.bind((sys.argv[1], int(sys.argv[2])))
ls.listen(4096)
ls.setblocking(False)
sel.register(ls, selectors.EVENT_READ)
print("listening", flush=True)
while True:
    for key, _ in sel.select():
        s = key.fileobj
        if s is ls:
            c, _ = ls.accept()
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            c.setblocking(False)
            sel.register(c, selectors.EVENT_READ)
            continue
        # A run ends with Tern resetting its connections: a reset, on the
        # read or on the echo, ends that connection, not the server.
        try:
            data = s.recv(65536)
            if data:
                s.setblocking(True)  # small echoes: a blocking send cannot stall long
                s.sendall(data)
                s.setblocking(False)
        except ConnectionError:
            data = b""
        if not data:
            sel.unregister(s)
            s.close()
