/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the engine targets (fuzz_engine.c: one engine; fuzz_steer.c: several
 * on one port) share: the input read as fields, the peer's frames built from
 * records (docs/FUZZING.md gives their layout), the stream every peer sends,
 * the application's calls on a connection, and the checks of what an engine
 * sends and of its control blocks.
 *
 *   target -> fuzz_rec_seg | fuzz_rec_raw | fuzz_rec_ip | fuzz_rec_ack -> frame
 *          -> fuzz_app_call -> fuzz_stream_ok ; fuzz_sent_read ; fuzz_tcb_check
 */
#ifndef TERN_FUZZ_COMMON_H
#define TERN_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"
#include "tcp/tcp.h"
#include "tern.h"

/* The port every engine listens on: where a slot's frames go before it has
 * a local port of its own. */
#define FUZZ_LISTEN_PORT 80

/* ---- the input as a stream of fields: a field cut short reads zeros ---- */

struct fuzz_reader {
	const uint8_t *p;
	size_t left;
};

uint8_t fuzz_rd8(struct fuzz_reader *r);
uint16_t fuzz_rd16(struct fuzz_reader *r); /* big-endian */
uint32_t fuzz_rd32(struct fuzz_reader *r);

/* ---- the peer's stream ---------------------------------------------------- */

/* The bytes of every stream a peer sends: a function of the sequence number,
 * so that overlapping and retransmitted segments agree, and the application
 * can check each byte it reads. */
static inline uint8_t
fuzz_stream_byte(uint32_t seq)
{
	return (uint8_t)(seq * 7 + (seq >> 8) + (seq >> 16));
}

/* True if the @n bytes of @buf are the stream's from offset @at of a stream
 * whose first sequence number is @irs (the peer's ISN: data starts at irs+1). */
bool fuzz_stream_ok(const uint8_t *buf, size_t n, uint32_t irs, uint64_t at);

/* ---- one 4-tuple the peer talks on, and what the application holds ---- */

struct fuzz_slot {
	uint16_t local_port; /* host order; 0: an active slot never connected */
	uint16_t peer_port;
	struct tern_conn *conn; /* NULL once closed, or before accepted */
	bool app_closed;        /* tern_close called: only the stack may act now */
	uint32_t irs;           /* the peer's ISN: where its stream starts */
	uint64_t read_bytes;    /* stream offset the application has read to */
	/* The connection's numbers at the last look, for when it has gone. */
	uint32_t rcv_nxt, snd_una, snd_nxt;
	bool ts_ok; /* it has timestamps (RFC 7323), at the last look */
};

/* Take @tcb's numbers into @s (nothing if NULL: the last ones stay). */
void fuzz_slot_look(struct fuzz_slot *s, const struct tcb *tcb);

/* The application now holds @c on @s (accepted or connected). */
void fuzz_slot_opened(struct fuzz_slot *s, struct tern_conn *c);

/* ---- the peer's frames, as records read from the input ------------------ */

/* What a record's frame is built with. */
struct fuzz_peer {
	struct rte_mempool *pool;            /* the frame's mbuf comes from here */
	const struct rte_ether_addr *us_mac; /* the engines' MAC */
	uint32_t now_ticks;                  /* our timestamp clock, for echoes */
	uint32_t *peer_ts;                   /* the peer's timestamp clock */
};

/* SEG: a segment on @s, from its flags field on (flags, how, seq, ack,
 * window, options, payload length, cut). NULL if the pool is empty. */
struct rte_mbuf *fuzz_rec_seg(struct fuzz_reader *r, const struct fuzz_peer *p,
                              const struct fuzz_slot *s);

/* RAW: an Ethernet frame as given (length, bytes); with the length's top bit
 * set its destination MAC is made ours. */
struct rte_mbuf *fuzz_rec_raw(struct fuzz_reader *r, const struct fuzz_peer *p);

/* IP: a valid IPv4 header around a raw payload (protocol, how, length,
 * bytes). @slot_of(@ctx, n) gives slot n (of 0..7) when a TCP payload is to
 * take a slot's ports or numbers, refreshed. */
struct rte_mbuf *fuzz_rec_ip(struct fuzz_reader *r, const struct fuzz_peer *p,
                             struct fuzz_slot *(*slot_of)(void *ctx, unsigned n), void *ctx);

/* ADVANCE: how far the clock moves, in ms: 1..32 times 1, 4, .. 16384. */
uint64_t fuzz_rec_advance_ms(struct fuzz_reader *r);

/* ACK: the well-behaved peer's acknowledgment on @s, from the window field
 * on; @b is the record's first byte (8: ack a given amount, else all;
 * SACK blocks in bits 4 up). */
struct rte_mbuf *fuzz_rec_ack(struct fuzz_reader *r, uint8_t b, const struct fuzz_peer *p,
                              const struct fuzz_slot *s);

/* ---- the application ------------------------------------------------------ */

enum fuzz_app_op {
	FUZZ_APP_SEND,
	FUZZ_APP_RECV,
	FUZZ_APP_SHUTDOWN,
	FUZZ_APP_CLOSE,
	FUZZ_APP_ABORT,
	FUZZ_APP_CONNECT, /* the target's own: where and from which engine */
	FUZZ_APP_KEEPALIVE,
	FUZZ_APP_RECV_MBUF,
	FUZZ_APP_OPS
};

/* Call @op with @arg on what @s holds (nothing if it holds nothing or has
 * closed it), checking every byte read against the stream; @buf
 * (@buf_len bytes, at least 16 KB) is the application's. NULL, or what went
 * wrong. */
const char *fuzz_app_call(struct fuzz_slot *s, enum fuzz_app_op op, uint8_t arg, uint8_t *buf,
                          size_t buf_len);

/* ---- checks ------------------------------------------------------------------ */

/* Read a frame an engine sent: 1 and @t filled for a TCP segment, 0 for
 * anything else that is fine, -1 (and *@what) if it is an IPv4 packet not
 * from US_IP, with a bad checksum, or a TCP segment that does not parse. */
int fuzz_sent_read(struct rte_mbuf *m, struct frame_tcp *t, const char **what);

/* True if @m asks, by ARP, where the peer (PEER_IP) is. */
bool fuzz_arp_asks_peer(struct rte_mbuf *m);

/* NULL, or which of the control block's own invariants @tcb breaks
 * (RFC 9293 3.3.1's snd.una <= snd.nxt <= snd.max, the send buffer). */
const char *fuzz_tcb_check(const struct tcb *tcb);

/* True if @tcb is allocated (not on @te's free list). */
bool fuzz_tcb_in_use(const struct tcp_engine *te, const struct tcb *tcb);

/* Every allocated control block of @eng, one line each on stderr. */
void fuzz_dump_tcbs(const char *who, const struct engine *eng);

/* The engine targets' configuration: short timers, so that teardown waits
 * little; small buffers and a small pool, so that zero windows and
 * exhaustion are within reach. */
void fuzz_config(struct config *cfg);

#endif /* TERN_FUZZ_COMMON_H */
