#!/usr/bin/env python3
"""Send malformed frames into a tap from the kernel side (raw AF_PACKET).

Usage: malformed.py IFACE DST_MAC COUNT_PER_KIND
Run inside the test's network namespace: frames go only onto IFACE, towards
Tern. Prints one line per kind: "KIND COUNT EXPECTED_COUNTER".
"""
import socket
import struct
import sys
import time

SRC_MAC = bytes.fromhex("020000000001")
SRC_IP = socket.inet_aton("198.18.0.1")
DST_IP = socket.inet_aton("198.18.0.2")


def cksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(payload, ihl=5, total=None, good_cksum=True):
    total = 20 + len(payload) if total is None else total
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, 1, 0x4000, 64, 1, 0, SRC_IP, DST_IP)
    c = cksum(hdr)
    if not good_cksum:
        c ^= 0x5A5A
    return hdr[:10] + struct.pack("!H", c) + hdr[12:] + payload


def eth(dst, ethertype, payload):
    return dst + SRC_MAC + struct.pack("!H", ethertype) + payload


def kinds(dst):
    bcast = b"\xff" * 6
    ping = struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"x" * 32
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, SRC_MAC, SRC_IP, b"\0" * 6, DST_IP)
    return [
        ("bad_ip_checksum", eth(dst, 0x0800, ipv4(ping, good_cksum=False)), "ip_bad_cksum"),
        ("short_ip_header", eth(dst, 0x0800, ipv4(ping)[:8]), "ip_short"),
        ("ihl_below_5", eth(dst, 0x0800, ipv4(ping, ihl=4)), "ip_bad_ihl"),
        ("total_length_past_frame", eth(dst, 0x0800, ipv4(ping, total=1400)), "ip_bad_len"),
        ("bad_ethertype", eth(dst, 0x88B5, ping), "eth_bad_type"),
        ("truncated_arp", eth(bcast, 0x0806, arp[:20]), "arp_short"),
    ]


def main():
    iface, dst_mac, per_kind = sys.argv[1], sys.argv[2], int(sys.argv[3])
    dst = bytes.fromhex(dst_mac.replace(":", ""))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    table = kinds(dst)
    # Interleave the kinds so every burst Tern reads is a mix, and pace the
    # sending so the tap's queue (what the kernel holds for Tern) never overflows.
    for i in range(per_kind):
        for _, frame, _ in table:
            s.send(frame)
        if i % 32 == 31:
            time.sleep(0.001)
    for name, _, counter in table:
        print(name, per_kind, counter)


if __name__ == "__main__":
    main()
