#!/usr/bin/env python3
"""A blind attacker against one established connection (RFC 5961): it knows
the 4-tuple, not the sequence numbers, and sends RSTs and SYNs with random
ones. Tern must answer with few ACKs (RFC 5961 challenge ACKs, rate-limited
per connection; out-of-window segments without data rate-limited too) and
keep the connection.

Usage: blind_attack.py IFACE TERN_IP TERN_MAC COUNT SECONDS. Run inside the
test's namespace, where IFACE is the tap's kernel side. Connects to TERN_IP:7,
checks the echo, sends COUNT RSTs and COUNT SYNs from its own 4-tuple within
SECONDS, counting the pure ACKs Tern sends it meanwhile, then checks the
echo again. Prints "acks N rate R/s sent S" and exits 1 if the connection
broke.
"""
import random
import socket
import struct
import sys
import time

IFACE, TERN_IP, TERN_MAC, COUNT, SECONDS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def segment(src, dst, sport, dport, seq, flags, src_mac, dst_mac):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), random.getrandbits(16), 0, 64, 6, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dst_mac + src_mac + b"\x08\x00" + ip + tcp


def echo_ok(s, line):
    s.sendall(line)
    got = b""
    while len(got) < len(line):
        d = s.recv(4096)
        if not d:
            return False
        got += d
    return got == line


s = socket.create_connection((TERN_IP, 7), timeout=5)
my_ip, my_port = s.getsockname()
if not echo_ok(s, b"before the attack\n"):
    print("echo before the attack failed")
    sys.exit(1)
raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
raw.bind((IFACE, 0))
raw.setblocking(False)
my_mac = raw.getsockname()[4]
tern_mac = bytes(int(b, 16) for b in TERN_MAC.split(":"))
frames = []
for i in range(COUNT):
    frames.append(segment(my_ip, TERN_IP, my_port, 7, random.getrandbits(32), 0x04, my_mac, tern_mac))
    frames.append(segment(my_ip, TERN_IP, my_port, 7, random.getrandbits(32), 0x02, my_mac, tern_mac))
random.shuffle(frames)
acks = sent = 0
t0 = time.time()
deadline = t0 + SECONDS
for i, f in enumerate(frames):
    # Pace to spread the frames over SECONDS; never past the bound.
    while time.time() < t0 + SECONDS * i / len(frames):
        pass
    if time.time() > deadline + 1:
        break
    raw.send(f)
    sent += 1
    while True:
        try:
            pkt = raw.recv(2048)
        except BlockingIOError:
            break
        # Tern -> us: IPv4/TCP from TERN_IP:7 to my_port, ACK without data.
        if len(pkt) >= 54 and pkt[12:14] == b"\x08\x00" and pkt[23] == 6 and \
                socket.inet_ntoa(pkt[26:30]) == TERN_IP:
            ihl = (pkt[14] & 0xF) * 4
            tcp = pkt[14 + ihl:]
            dport = struct.unpack("!H", tcp[2:4])[0]
            total = struct.unpack("!H", pkt[16:18])[0]
            doff = (tcp[12] >> 4) * 4
            if dport == my_port and tcp[13] & 0x10 and total - ihl - doff == 0:
                acks += 1
elapsed = time.time() - t0
ok = echo_ok(s, b"after the attack\n")
s.close()
print("acks %d rate %.1f/s sent %d in %.2f s, connection %s" %
      (acks, acks / elapsed, sent, elapsed, "intact" if ok else "BROKEN"))
sys.exit(0 if ok else 1)
