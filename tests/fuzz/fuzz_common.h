/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the engine targets (fuzz_engine.c: one engine; fuzz_steer.c: several
 * on one port) share: the input read as fields, the peer's frames built from
 * records (docs/FUZZING.md gives their layout), the stream every peer sends,
 * the application's calls on a connection and what it holds, the setup's
 * handshakes, the loop over the records, and the checks of what an engine
 * sends and of its control blocks.
 *
 *   target -> fuzz_records_run -> the target's handler for each kind
 *          -> fuzz_rec_seg | fuzz_rec_raw | fuzz_rec_ip | fuzz_rec_ack -> frame
 *          -> fuzz_rd_app -> fuzz_app_run -> fuzz_app_call -> fuzz_stream_ok
 *          -> fuzz_sent_take -> the target's check -> fuzz_sent_read ; fuzz_tcb_check
 */
#ifndef TERN_FUZZ_COMMON_H
#define TERN_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flow/flow_table.h"
#include "harness.h"
#include "tcp/tcp.h"
#include "tern.h"

/* The port every engine listens on: where a slot's frames go before it has
 * a local port of its own. */
#define FUZZ_LISTEN_PORT  80
#define FUZZ_PEER_TS_BASE 0x7fff0000u /* the peer's timestamp clock crosses 2^31 */
#define FUZZ_RECORDS_MAX  256         /* records per input */
#define FUZZ_TEARDOWN_S   600         /* no connection may outlive this once abandoned */

struct fuzz_slot;

/* Report what went wrong in target @who (on slot @s, if any) and abort:
 * libFuzzer keeps the input. */
_Noreturn void fuzz_abort(const char *who, const char *what, const struct fuzz_slot *s);

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

/* @s's 4-tuple as the flow tables key it (local port 0 before an active
 * slot has connected). */
struct flow_key fuzz_slot_key(const struct fuzz_slot *s);

struct fuzz_target;

/* What the application holds: the slots, and the connections on 4-tuples
 * of the fuzzer's own making (ports out of a raw header), held to be aborted
 * at the end; @target finds them in its engines. */
struct fuzz_held {
	struct fuzz_slot *slots;
	unsigned nb_slots;
	struct tern_conn **others;
	unsigned nb_others;
	const struct fuzz_target *target;
};

/* The application's callbacks, their argument (tern_listen's and
 * tern_connect's) the struct fuzz_held: an accepted or connected connection
 * goes to its slot, or among the others; a closed one is held no longer. */
extern const struct tern_conn_ops fuzz_held_ops;

/* Empty every slot and let go of the others: slot i below @nb_passive is
 * @passive_ports[i] to our listening port, the rest are for active opens
 * to @active_port. */
void fuzz_held_reset(const struct fuzz_held *h, unsigned nb_passive, const uint16_t *passive_ports,
                     uint16_t active_port);

/* The application aborts every connection it still holds. */
void fuzz_held_abort(const struct fuzz_held *h);

/* Slot @s's control block (NULL if none), its numbers taken into @s. */
struct tcb *fuzz_held_look(const struct fuzz_held *h, struct fuzz_slot *s);

/* fuzz_rec_ip's @slot_of, @ctx the struct fuzz_held: slot @n, looked at. */
struct fuzz_slot *fuzz_held_slot_of(void *ctx, unsigned n);

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

/* An APP record: slot<<3 | op (enum fuzz_app_op), argument. */
struct fuzz_app_rec {
	struct fuzz_slot *s;
	enum fuzz_app_op op;
	uint8_t arg;
};

struct fuzz_app_rec fuzz_rd_app(struct fuzz_reader *r, const struct fuzz_held *h);

/* Any op but a connect (the target's own): fuzz_app_call on what @a's slot
 * holds, *@what set to what went wrong or NULL. False if the slot holds
 * nothing the application may call (nothing called, nothing to poll). */
bool fuzz_app_run(const struct fuzz_app_rec *a, uint8_t *buf, size_t buf_len, const char **what);

/* The application's tern_connect on active slot @s returned @c: it holds
 * it from now; connected or closed follows. */
void fuzz_slot_connecting(struct fuzz_slot *s, struct tern_conn *c);

/* ---- the setup's handshakes ----------------------------------------------- */

/* The peer's SYN that opens slot @s (the @i-th) to our listening port: with
 * every option (MSS 1460, window scale 7, SACK, timestamps at @peer_ts), or
 * with an MSS of 536 alone. */
struct frame_tcp fuzz_handshake_syn(const struct fuzz_slot *s, unsigned i, bool options,
                                    uint32_t peer_ts);

/* The peer's ACK of @synack that completes @syn's handshake. */
struct frame_tcp fuzz_handshake_ack(const struct frame_tcp *syn, const struct frame_tcp *synack,
                                    bool options, uint32_t peer_ts);

/* The peer's answer to an engine's ARP request, from @mp. */
struct rte_mbuf *fuzz_peer_arp_reply(struct rte_mempool *mp, const struct rte_ether_addr *us_mac);

/* ---- a target ------------------------------------------------------------- */

enum { FUZZ_RECORD_KINDS = 6 };

/* What a target does: @start on its first input (the EAL, its engines), then
 * for every input @setup, each record read by its handler (a kind byte
 * modulo FUZZ_RECORD_KINDS picks @record[kind]: SEG, RAW, IP, ADVANCE, APP,
 * ACK, docs/FUZZING.md) followed by @drain and @check, and @teardown. It
 * finds a slot's control block in its engines (@tcb_of) and a connection's
 * slot (@slot_of_conn, NULL if none); @who names it in a failure. */
struct fuzz_target {
	const char *who;
	struct tcb *(*tcb_of)(const struct fuzz_slot *s);
	struct fuzz_slot *(*slot_of_conn)(struct tern_conn *c);
	void (*start)(void);
	void (*setup)(void);
	void (*record[FUZZ_RECORD_KINDS])(struct fuzz_reader *r);
	void (*drain)(void); /* take and check what was sent, answer ARP */
	void (*check)(void); /* the engines' and connections' invariants */
	void (*teardown)(void);
};

/* One input through @t (at most FUZZ_RECORDS_MAX records); LLVMFuzzerTestOneInput's
 * body. */
int fuzz_run(const struct fuzz_target *t, const uint8_t *data, size_t size);

/* ---- checks ------------------------------------------------------------------ */

/* Read a frame an engine sent: 1 and @t filled for a TCP segment, 0 for
 * anything else that is fine, -1 (and *@what) if it is an IPv4 packet not
 * from US_IP, with a bad checksum, or a TCP segment that does not parse. */
int fuzz_sent_read(struct rte_mbuf *m, struct frame_tcp *t, const char **what);

/* True if @m asks, by ARP, where the peer (PEER_IP) is. */
bool fuzz_arp_asks_peer(struct rte_mbuf *m);

/* Each of the @n frames an engine sent, @out, checked by @check(@ctx, m),
 * then freed. True if one of them asked where the peer is. */
bool fuzz_sent_take(struct rte_mbuf **out, unsigned n, void (*check)(void *ctx, struct rte_mbuf *m),
                    void *ctx);

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

/* A target's first call: fuzz_config into @cfg, the EAL up, and its state
 * of @size bytes, zeroed (NULL if either fails). */
void *fuzz_start(size_t size, struct config *cfg);

#endif /* TERN_FUZZ_COMMON_H */
