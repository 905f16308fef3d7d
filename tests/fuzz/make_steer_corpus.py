#!/usr/bin/env python3
"""Write the seed corpus of fuzz_steer (tests/fuzz/corpus/steer/): short
stories in fuzz_steer.c's record format, which is fuzz_engine's with a lane
byte after the kind of every frame record (the RX queue, a copy on the other
queue, held for the next poll). Two engines; slot 0's flow is engine 0's and
slot 1's engine 1's (both ESTABLISHED at the start), slots 2 and 3 free
passive ones of engines 0 and 1, slots 4 and 5 active opens from the engine
a connect names. Run it from anywhere; it rewrites the seeds whose names it
owns."""
import os
import struct

from make_engine_corpus import (ACK_RAW, ACKF, A_ABORT, A_CLOSE, A_CONNECT, A_RECV, A_RECV_MBUF,
                                A_SEND, A_SHUT, BCAST, FIN, IP_CKSUM, IP_RELSEQ, IP_SLOT, OPTS_TS,
                                PEER_IP, PEER_MAC, PSH, RST, SEQ_RAW, SYN, US_IP, ack, advance, app,
                                eth, ip, raw, seg, tcp_hdr)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "steer")

# The lane byte (fuzz_steer.c's enum lane).
COPY, HOLD = 1 << 1, 1 << 7


def on(q, record, copy=False, hold=False):
    """@record (a fuzz_engine frame record) landing on queue @q."""
    lane = q | (COPY if copy else 0) | (HOLD if hold else 0)
    return record[:1] + bytes([lane]) + record[1:]


def connect(slot, engine):
    return app(slot, A_CONNECT, engine)


def passive_open(slot, q_syn, q_ack, isn=0x1000):
    return (on(q_syn, seg(slot, SYN, SEQ_RAW, seq=isn))
            + on(q_ack, seg(slot, ACKF, SEQ_RAW, seq=isn + 1, ack=1)))


def active_open(slot, engine, q):
    return connect(slot, engine) + on(q, seg(slot, SYN | ACKF, SEQ_RAW, seq=0x40000000, ack=1))


def burst(slot, queues, units=4, ts=False):
    """Data segments in order, each on its queue, all in one poll: those on
    the owner run first, those handed over after (a reordering)."""
    r = b""
    for i, q in enumerate(queues):
        last = i == len(queues) - 1
        r += on(q, seg(slot, PSH | ACKF, OPTS_TS if ts else 0, seq=i * units * 8, units=units),
                hold=not last)
    return r


STORIES = {
    "data_on_the_other_engine": on(1, seg(0, PSH | ACKF, OPTS_TS, units=20)) + app(0, A_RECV, 10)
    + on(0, seg(1, PSH | ACKF, 0, units=30)) + app(1, A_RECV_MBUF),
    "data_both_queues_one_poll": burst(1, [0, 1, 0, 1, 1, 0]) + app(1, A_RECV, 255),
    "data_both_queues_ts": burst(0, [1, 0, 1, 0], ts=True) + app(0, A_RECV, 255) + advance(10),
    "data_copied_to_both": on(0, seg(1, PSH | ACKF, 0, units=10), copy=True)
    + on(1, seg(0, PSH | ACKF, OPTS_TS, units=10), copy=True) + app(0, A_RECV, 5) + app(1, A_RECV, 5),
    "send_acked_on_the_other": app(0, A_SEND, 40) + on(1, ack(0)) + app(1, A_SEND, 40) + on(0, ack(1))
    + advance(10),
    "sack_on_both": app(0, A_SEND, 255) + on(1, ack(0, sack=((10, 40), (30, 20))))
    + on(0, ack(0, sack=((10, 40),))) + on(1, ack(0, sack=((10, 40),))) + advance(0x45) + on(0, ack(0)),
    "passive_open_syn_elsewhere": passive_open(2, 1, 1) + on(0, seg(2, PSH | ACKF, units=4))
    + app(2, A_RECV, 1),
    "passive_open_ack_elsewhere": passive_open(3, 1, 0) + on(0, seg(3, PSH | ACKF, units=4), copy=True)
    + app(3, A_RECV, 1),
    "passive_open_held": on(0, seg(2, SYN, SEQ_RAW, seq=77), hold=True) + on(1, seg(3, SYN, SEQ_RAW, seq=99))
    + on(1, seg(2, ACKF, SEQ_RAW, seq=78, ack=1), hold=True) + on(0, seg(3, ACKF, SEQ_RAW, seq=100, ack=1)),
    "active_open_engine0_reply_on_1": active_open(4, 0, 1) + app(4, A_SEND, 8)
    + on(1, seg(4, PSH | ACKF, 0, ack=0, units=3)) + app(4, A_RECV, 1),
    "active_open_engine1_reply_on_0": active_open(5, 1, 0) + app(5, A_SEND, 8)
    + on(0, seg(5, PSH | ACKF, 0, ack=0, units=3)) + app(5, A_RECV, 1),
    "active_opens_crossed": connect(4, 0) + connect(5, 1)
    + on(1, seg(4, SYN | ACKF, SEQ_RAW, seq=5, ack=1), hold=True)
    + on(0, seg(5, SYN | ACKF, SEQ_RAW, seq=9, ack=1)) + app(4, A_CLOSE) + app(5, A_CLOSE)
    + on(0, seg(4, FIN | ACKF, ack=1)) + on(1, seg(5, FIN | ACKF, ack=1)) + advance(0x60),
    "active_refused_elsewhere": connect(4, 1) + on(0, seg(4, RST | ACKF, SEQ_RAW, seq=0, ack=1)),
    "active_syn_ack_copied": connect(5, 0) + on(0, seg(5, SYN | ACKF, SEQ_RAW, seq=3, ack=1), copy=True),
    "peer_fin_elsewhere": on(1, seg(0, FIN | ACKF, OPTS_TS)) + app(0, A_RECV) + app(0, A_CLOSE)
    + advance(0x40) + on(0, ack(0)),
    "our_fin_first": app(1, A_SEND, 10) + app(1, A_CLOSE) + on(0, ack(1)) + on(1, seg(1, FIN | ACKF, ack=0))
    + advance(0x60),
    "rst_elsewhere": on(1, seg(0, RST, 0)) + on(0, seg(1, RST | ACKF, 0)),
    "rst_then_data_one_poll": on(1, seg(1, RST, 0), hold=True) + on(0, seg(1, PSH | ACKF, units=2)),
    "time_wait_reopen": app(0, A_CLOSE) + on(1, ack(0)) + on(1, seg(0, FIN | ACKF, OPTS_TS, ack=0))
    + on(0, seg(0, SYN, SEQ_RAW | OPTS_TS, seq=0x70000000)) + advance(0x20),
    "shutdown_both": app(0, A_SHUT) + app(1, A_SHUT) + on(1, seg(0, FIN | ACKF, OPTS_TS, ack=1))
    + on(0, seg(1, FIN | ACKF, ack=1)) + advance(0x41),
    "abort_then_segments": app(1, A_SEND, 3) + app(1, A_ABORT) + on(0, seg(1, ACKF, 0))
    + on(1, seg(1, ACKF, 0)),
    "abort_active_then_segments": active_open(4, 1, 1) + app(4, A_ABORT) + on(0, seg(4, ACKF))
    + on(1, seg(4, PSH | ACKF, units=1)),
    "rto_give_up": app(0, A_SEND, 100) + app(1, A_SEND, 100) + advance(0xC0) + advance(0xC0)
    + advance(0xC0),
    "zero_window": app(1, A_SEND, 200) + on(0, ack(1, win=0)) + advance(0x40) + advance(0x60)
    + on(1, ack(1, win=8192)),
    "raw_arp_request": on(1, raw(eth(BCAST, 0x0806, struct.pack("!HHBBH", 1, 0x0800, 6, 4, 1)
                                      + PEER_MAC + PEER_IP + b"\0" * 6 + US_IP))),
    "ip_ping_both": on(0, ip(1, IP_CKSUM, b"\x08\x00\x00\x00\x12\x34\x00\x01" + bytes(range(56))))
    + on(1, ip(1, IP_CKSUM, b"\x08\x00\x00\x00\x12\x34\x00\x02" + bytes(range(56)))),
    "ip_tcp_slot_elsewhere": on(1, ip(0, IP_SLOT | IP_CKSUM | IP_RELSEQ | 0x10,
                                      tcp_hdr(0, 0, 0, 0, ACKF | PSH, data=b"abcd"))),
    "ip_tcp_other_tuples": on(0, ip(0, IP_CKSUM, tcp_hdr(1234, 80, 77, 0, SYN)))
    + on(1, ip(0, IP_CKSUM, tcp_hdr(1235, 80, 77, 0, SYN)))
    + on(1, ip(0, IP_CKSUM, tcp_hdr(1234, 50001, 77, 0, ACKF)))
    + on(0, ip(0, IP_CKSUM, tcp_hdr(1234, 50000, 77, 0, SYN))),
    "out_of_window_elsewhere": on(1, seg(0, PSH | ACKF, 0, seq=30000, units=4))
    + on(1, seg(0, ACKF, ACK_RAW, ack=0x12345678)) + on(0, seg(1, SYN, 0)),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, data in STORIES.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
