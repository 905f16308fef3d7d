#!/usr/bin/env python3
"""Write the seed corpus of fuzz_engine (tests/fuzz/corpus/engine/): short
stories in fuzz_engine.c's record format, built from real frames (ARP, ICMP,
TCP: SYN, SYN-ACK, data, FIN, RST) and malformed ones. Run it from anywhere;
it rewrites the seeds whose names it owns."""
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "engine")

# Record kinds (fuzz_engine.c: the first byte modulo 6).
SEG, RAW, IP, ADVANCE, APP, ACK = range(6)
# rec_seg's "how" bits.
SEQ_RAW, ACK_RAW, OPTS_TS, OPTS_RAW, BAD_CKSUM, TRUNCATE, WIN_RAW, NOT_US = (1 << i for i in range(8))
# TCP flags.
FIN, SYN, RST, PSH, ACKF, URG = 1, 2, 4, 8, 16, 32
# rec_app's operations.
A_SEND, A_RECV, A_SHUT, A_CLOSE, A_ABORT, A_CONNECT, A_KEEPALIVE, A_RECV_MBUF = range(8)
# rec_ip's "how" bits.
IP_SLOT, IP_CKSUM, IP_FIXLEN, IP_RELSEQ = 1, 2, 4, 8

PEER_MAC = bytes.fromhex("02 00 00 00 00 02")
BCAST = b"\xff" * 6
PEER_IP = bytes([198, 18, 0, 1])
US_IP = bytes([198, 18, 0, 2])


def seg(slot, flags, how=0, seq=0, ack=0, win=None, ts=None, opts=None, units=0, cut=None, hold=False):
    r = bytes([SEG, slot | (0x80 if hold else 0), flags, how])
    r += struct.pack(">I" if how & SEQ_RAW else ">h", seq)
    r += struct.pack(">I" if how & ACK_RAW else ">h", ack)
    if how & WIN_RAW:
        r += struct.pack(">H", win)
    if how & OPTS_TS:
        r += bytes(ts or (1, 0))
    if how & OPTS_RAW:
        r += bytes([len(opts)]) + bytes(opts)
    r += bytes([units])
    if how & TRUNCATE:
        r += struct.pack(">H", cut)
    return r


def raw(frame, to_us=False):
    """to_us: fuzz_engine puts the engine's MAC (unknown here) in the frame."""
    return bytes([RAW]) + struct.pack(">H", len(frame) | (0x8000 if to_us else 0)) + frame


def ip(proto_pick, how, l4):
    return bytes([IP, proto_pick, how]) + struct.pack(">H", len(l4)) + l4


def advance(ms_code):
    return bytes([ADVANCE, ms_code])


def app(slot, op, arg=0):
    return bytes([APP, (slot << 3) | op, arg])


def ack(slot, win=65535, sack=()):
    r = bytes([ACK, slot | (len(sack) << 4)]) + struct.pack(">H", win)
    for start, length in sack:
        r += bytes([start, length])
    return r


def cksum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(proto, payload, src=PEER_IP, dst=US_IP, ihl=5, total=None):
    total = 20 + len(payload) if total is None else total
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, 0x1234, 0, 64, proto, 0, src, dst)
    h = h[:10] + struct.pack("!H", cksum(h)) + h[12:]
    return h + payload


def eth(dst, ethertype, payload):
    return dst + PEER_MAC + struct.pack("!H", ethertype) + payload


def tcp_hdr(sport, dport, seq, ack_, flags, win=65535, opts=b"", data=b""):
    off = (20 + len(opts)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack_, off << 4, flags, win, 0, 0) + opts + data


STORIES = {
    # the well-behaved peer: data in, read, data out, acknowledged
    "data_in_out": seg(0, PSH | ACKF, OPTS_TS, units=20) + app(0, A_RECV, 10) + app(0, A_SEND, 40)
    + advance(10) + ack(0),
    "data_no_options": seg(1, PSH | ACKF, 0, units=100) + app(1, A_RECV_MBUF) + app(1, A_SEND, 200)
    + ack(1) + advance(40),
    "peer_fin": seg(1, FIN | ACKF) + app(1, A_RECV) + app(1, A_CLOSE) + advance(0x40) + ack(1),
    "our_fin_first": app(0, A_SEND, 10) + app(0, A_CLOSE) + ack(0) + seg(0, FIN | ACKF, OPTS_TS, ack=0)
    + advance(0x60),
    "peer_rst": seg(0, RST, 0) + seg(1, RST | ACKF, 0, seq=5),
    "syn_new_conn": seg(2, SYN, SEQ_RAW, seq=0x12345678) + seg(2, ACKF, SEQ_RAW, seq=0x12345679, ack=1)
    + seg(2, PSH | ACKF, 0, units=4) + app(2, A_RECV, 1),
    "syn_then_rst": seg(3, SYN, SEQ_RAW, seq=1000) + seg(3, RST, SEQ_RAW, seq=1001),
    "active_open": app(4, A_CONNECT) + seg(4, SYN | ACKF, SEQ_RAW, seq=0x80000000, ack=1)
    + app(4, A_SEND, 8) + seg(4, PSH | ACKF, 0, ack=0, units=3) + app(4, A_RECV, 1),
    "active_refused": app(5, A_CONNECT) + seg(5, RST | ACKF, SEQ_RAW, seq=0, ack=1),
    "zero_window": app(0, A_SEND, 200) + ack(0, win=0) + advance(0x40) + advance(0x60)
    + ack(0, win=8192),
    # A train in one burst: four full segments (slot 1 has no options, MSS
    # 536) that receive merging takes as one, then one past a hole.
    "burst_train": seg(1, ACKF, 0, units=67, hold=True) + seg(1, ACKF, 0, seq=536, units=67, hold=True)
    + seg(1, ACKF, 0, seq=1072, units=67, hold=True) + seg(1, ACKF, 0, seq=1608, units=67)
    + seg(1, ACKF, 0, seq=3000, units=67, hold=True) + seg(1, PSH | ACKF, 0, units=67, hold=True)
    + app(1, A_RECV, 255) + ack(1),
    "out_of_order": seg(0, PSH | ACKF, OPTS_TS, seq=800, units=50) + seg(0, PSH | ACKF, OPTS_TS, units=100)
    + app(0, A_RECV, 255),
    "sack_recovery": app(0, A_SEND, 255) + ack(0, sack=((10, 40), (30, 20))) + ack(0, sack=((10, 40),))
    + ack(0, sack=((10, 40),)) + advance(0x45) + ack(0),
    "rto_give_up": app(1, A_SEND, 100) + advance(0xA0) + advance(0xA0) + advance(0xC0),
    "keepalive": app(0, A_KEEPALIVE, 1) + advance(0xC0) + advance(0xC0),
    "old_timestamp": seg(0, PSH | ACKF, OPTS_TS, ts=(0, 0), units=1) + seg(0, ACKF, OPTS_RAW,
    opts=[1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0]),
    "bad_options": seg(0, ACKF, OPTS_RAW, opts=[2, 0]) + seg(0, ACKF, OPTS_RAW, opts=[3, 9, 20])
    + seg(1, SYN, OPTS_RAW, opts=[2, 4, 0, 1, 3, 3, 14, 4, 2, 5, 10, 0]),
    "bad_checksum_truncated": seg(0, PSH | ACKF, BAD_CKSUM, units=2) + seg(0, ACKF, TRUNCATE, cut=40)
    + seg(1, ACKF, NOT_US),
    "out_of_window": seg(0, PSH | ACKF, 0, seq=30000, units=4) + seg(0, ACKF, 0, ack=20000)
    + seg(0, SYN, 0),
    "shutdown_both": app(0, A_SHUT) + seg(0, FIN | ACKF, OPTS_TS, ack=1) + advance(0x41),
    "abort": app(0, A_SEND, 3) + app(0, A_ABORT) + seg(0, ACKF, 0),
    "raw_arp_request": raw(eth(BCAST, 0x0806, struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1) + PEER_MAC
    + PEER_IP + b"\0" * 6 + US_IP)),
    "raw_arp_truncated": raw(eth(BCAST, 0x0806, b"\x00\x01\x08\x00\x06")),
    "raw_short": raw(b"\x01\x02\x03"),
    "raw_ip_bad_ihl": raw(eth(BCAST, 0x0800, ipv4(6, tcp_hdr(40000, 80, 0, 0, SYN), ihl=4)), True),
    "raw_ip_bad_total": raw(eth(BCAST, 0x0800, ipv4(6, tcp_hdr(40000, 80, 0, 0, SYN), total=900)), True),
    "raw_ip_bad_version": raw(eth(BCAST, 0x0800, b"\x65" + ipv4(1, b"\x08\0\0\0")[1:]), True),
    "raw_ip_from_us": raw(eth(BCAST, 0x0800, ipv4(1, b"\x08\0\xf7\xff", src=US_IP)), True),
    "raw_ipv6": raw(eth(BCAST, 0x86DD, bytes(40)), True),
    "raw_vlan": raw(eth(BCAST, 0x8100, b"\x00\x05\x08\x00" + ipv4(1, b"\x08\0\0\0"))),
    "ip_ping": ip(1, IP_CKSUM, b"\x08\x00\x00\x00\x12\x34\x00\x01" + bytes(range(56))),
    "ip_icmp_other": ip(1, IP_CKSUM, b"\x00\x00\x00\x00\x00\x00\x00\x00"),
    "ip_udp": ip(2, 0, b"\x00\x35\x00\x35\x00\x08\x00\x00"),
    "ip_tcp_bad_offset": ip(0, IP_SLOT | IP_CKSUM, tcp_hdr(0, 0, 0, 0, ACKF)[:12] + b"\xf0\x10"
    + b"\xff\xff\x00\x00\x00\x00"),
    "ip_tcp_offset_4": ip(0, IP_SLOT | IP_CKSUM | IP_RELSEQ, tcp_hdr(0, 0, 0, 0, ACKF)[:12]
    + b"\x40\x10" + b"\xff\xff\x00\x00\x00\x00"),
    "ip_tcp_opts_past_header": ip(0, IP_SLOT | IP_CKSUM | IP_RELSEQ,
                                  tcp_hdr(0, 0, 0, 0, ACKF, opts=b"\x08\x0a\x00\x00")),
    "ip_tcp_fragment": ip(0, IP_SLOT | IP_CKSUM | 0x80, tcp_hdr(0, 0, 0, 0, SYN)),
    "ip_tcp_syn_fin": ip(0, IP_SLOT | IP_CKSUM | 0x20, tcp_hdr(40002, 80, 7, 0, SYN | FIN)),
    "ip_tcp_no_listener": ip(0, IP_CKSUM, tcp_hdr(1234, 9, 77, 0, SYN)),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in STORIES.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
