/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: frames into a real engine (tests/harness/: a net_ring
 * port, a fake clock). Each input starts from the same state, built by real
 * handshakes: a listener on port 80 and two ESTABLISHED connections, one with
 * timestamps, SACK and window scaling, one with none. The input is then read
 * as records, each a kind byte (modulo 6) and its fields (rec_* below; the
 * table is in docs/FUZZING.md): a segment to a connection with sequence
 * numbers relative to its state and valid checksums unless asked otherwise,
 * a raw frame, an IPv4 packet with a raw payload, a clock advance, an
 * application call, a well-behaved ACK. After every record no live
 * connection breaks RFC 9293's ordering of snd.una, snd.nxt and snd.max,
 * and every frame sent is well formed; every byte the application reads is
 * the one the peer sent at that place in the stream. At the end the
 * application aborts what it holds, time runs until every connection is
 * gone, and every mbuf must be back in the pool.
 *
 *   LLVMFuzzerTestOneInput -> fuzz_run -> setup: harness_reset, listen, handshakes
 *     -> per record: seg | raw | ip | advance | app | ack -> poll, drain -> check
 *     -> teardown: abort, wait out the timers -> no tcb, no mbuf in use
 */
#include <stdio.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "engine/engine.h"
#include "flow/flow_table.h"
#include "fuzz_common.h"
#include "fuzz_lend.h"
#include "harness.h"
#include "tcp/tcp.h"
#include "tern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PEER_PORT_BASE 40000
#define ACTIVE_PORT    7 /* where the application's tern_connect goes */
#define SLOTS_PASSIVE  4 /* peer ports PEER_PORT_BASE + 0..3 to our port 80 */
#define SLOTS          6 /* and two for the application's active opens */
#define APP_BUF        65536
#define OTHERS         16 /* connections on 4-tuples of the fuzzer's own making */

struct fuzz_state {
	struct harness *h;
	struct rte_ether_addr us_mac;
	struct fuzz_slot slots[SLOTS];
	struct tern_conn *others[OTHERS];
	struct fuzz_held held; /* the two above */
	uint16_t passive_ports[SLOTS_PASSIVE];
	uint32_t peer_ts; /* the peer's timestamp clock */
	uint8_t app_buf[APP_BUF];
};

/* One instance: the EAL and its ports live as long as the process. */
static struct fuzz_state *fuzz;
static const struct fuzz_target target; /* its hooks, at the end */

static _Noreturn void
fuzz_fail(const char *what, const struct fuzz_slot *s)
{
	fuzz_abort(target.who, what, s);
}

/* ---- slots, and the application's callbacks ----------------------------- */

static struct fuzz_slot *
slot_of_conn(struct tern_conn *c)
{
	uint32_t ip;
	uint16_t port;

	tern_conn_peer(c, &ip, &port);
	for (unsigned i = 0; i < SLOTS; i++) {
		struct fuzz_slot *s = &fuzz->slots[i];
		uint16_t local = rte_be_to_cpu_16(((struct tcb *)c)->key.local_port);
		if (s->peer_port == port && s->local_port == local)
			return s;
	}
	return NULL;
}

static struct tcb *
slot_tcb(const struct fuzz_slot *s)
{
	struct flow_key key = fuzz_slot_key(s);
	struct flow_table *ft = fuzz->h->eng->flows;

	return s->local_port == 0 ? NULL : flow_lookup(ft, &key, flow_hash(ft, &key));
}

/* Refresh the slot's view of its connection's numbers. */
static struct tcb *
slot_look(struct fuzz_slot *s)
{
	return fuzz_held_look(&fuzz->held, s);
}

/* ---- frames from the peer ----------------------------------------------- */

static void
inject(struct rte_mbuf *m)
{
	if (m == NULL)
		return; /* the pool is empty: what the fuzzer did, not a bug */
	harness_inject(fuzz->h, &m, 1);
	harness_poll(fuzz->h);
}

static struct fuzz_peer
peer(void)
{
	return (struct fuzz_peer){ .pool = fuzz->h->pool,
		                   .us_mac = &fuzz->us_mac,
		                   .now_ticks = (uint32_t)fuzz->h->eng->now_ticks,
		                   .peer_ts = &fuzz->peer_ts };
}

/* SEG: a segment to a slot (slot, then fuzz_rec_seg's fields). The slot
 * byte's top bit holds the frame for the next poll instead of polling now:
 * segments held in a row arrive in one RX burst, as a sender's train does,
 * and reach what only a burst does (receive merging, tcp_gro.c; the
 * early send; the burst's lookups). */
static void
rec_seg(struct fuzz_reader *r)
{
	uint8_t b = fuzz_rd8(r);
	struct fuzz_slot *s = &fuzz->slots[(b & 0x7f) % SLOTS];
	struct fuzz_peer p = peer();

	slot_look(s);
	struct rte_mbuf *m = fuzz_rec_seg(r, &p, s);
	if (!(b & 0x80))
		inject(m);
	else if (m != NULL)
		harness_inject(fuzz->h, &m, 1); /* a full ring frees it */
}

/* RAW: an Ethernet frame (fuzz_rec_raw). */
static void
rec_raw(struct fuzz_reader *r)
{
	struct fuzz_peer p = peer();

	inject(fuzz_rec_raw(r, &p));
}

/* IP: an IPv4 packet with a raw payload (fuzz_rec_ip). */
static void
rec_ip(struct fuzz_reader *r)
{
	struct fuzz_peer p = peer();

	inject(fuzz_rec_ip(r, &p, fuzz_held_slot_of, &fuzz->held));
}

/* ADVANCE: the clock moves (fuzz_rec_advance_ms). */
static void
rec_advance(struct fuzz_reader *r)
{
	uint64_t ms = fuzz_rec_advance_ms(r);

	fuzz->peer_ts += (uint32_t)ms;
	harness_advance_us(fuzz->h, ms * 1000);
}

/* ACK: the well-behaved peer's acknowledgment (slot in the first byte). */
static void
rec_ack(struct fuzz_reader *r)
{
	uint8_t b = fuzz_rd8(r);
	struct fuzz_slot *s = &fuzz->slots[(b & 7) % SLOTS];
	struct fuzz_peer p = peer();

	slot_look(s);
	inject(fuzz_rec_ack(r, b, &p, s));
}

/* Whatever the input, what the engine sends is well formed: IPv4 from our
 * address with valid checksums, TCP segments that parse and carry no more
 * payload than the connection's MSS (RFC 9293 3.7.1). */
static void
check_sent(void *ctx, struct rte_mbuf *m)
{
	struct frame_tcp t;
	const char *what = NULL;
	int kind = fuzz_sent_read(m, &t, &what);

	(void)ctx;
	if (kind < 0)
		fuzz_fail(what, NULL);
	if (kind == 0)
		return;
	for (unsigned i = 0; i < SLOTS; i++) {
		const struct fuzz_slot *s = &fuzz->slots[i];
		if (t.sport != s->local_port || t.dport != s->peer_port)
			continue;
		const struct tcb *tcb = slot_tcb(s);
		if (tcb != NULL && t.len > tcb->mss)
			fuzz_fail("sent a segment larger than the MSS", s);
	}
}

/* Take what the engine sent, check it; the peer answers its ARP requests,
 * as a live peer would once the engine's entry has aged out. */
static void
drain_answering_arp(void)
{
	struct rte_mbuf *out[64];
	unsigned n;
	bool asked = false;

	while ((n = harness_collect(fuzz->h, out, RTE_DIM(out))) > 0)
		asked |= fuzz_sent_take(out, n, check_sent, NULL);
	if (asked)
		inject(fuzz_peer_arp_reply(fuzz->h->pool, &fuzz->us_mac));
}

/* ---- the application ---------------------------------------------------- */

static void
app_connect(struct fuzz_slot *s)
{
	struct tern_conn *c;

	if (s - fuzz->slots < SLOTS_PASSIVE || s->conn != NULL || (s->local_port && slot_tcb(s)))
		return;
	if (tern_connect((struct tern_core *)fuzz->h->eng, PEER_IP, ACTIVE_PORT, &fuzz_held_ops,
	                 &fuzz->held, &c) != 0)
		return;
	fuzz_slot_connecting(s, c);
	harness_poll(fuzz->h);
}

/* APP: fuzz_rd_app's fields. */
static void
rec_app(struct fuzz_reader *r)
{
	struct fuzz_app_rec a = fuzz_rd_app(r, &fuzz->held);
	const char *what = NULL;

	if (a.op == FUZZ_APP_CONNECT) {
		app_connect(a.s);
	} else if (fuzz_app_run(&a, fuzz->app_buf, sizeof(fuzz->app_buf), &what)) {
		if (what != NULL)
			fuzz_fail(what, a.s);
		harness_poll(fuzz->h);
	}
}

/* ---- setup, checks, teardown --------------------------------------------- */

/* A passive open on slot @i, played out: SYN, our SYN-ACK, the ACK. */
static int
handshake(unsigned i, bool options)
{
	struct fuzz_slot *s = &fuzz->slots[i];
	struct rte_mbuf *out[8];
	struct frame_tcp syn = fuzz_handshake_syn(s, i, options, fuzz->peer_ts), synack;
	unsigned n = harness_exchange(fuzz->h, frame_tcp(fuzz->h->pool, &fuzz->us_mac, &syn), out,
	                              RTE_DIM(out));
	int ret = n == 1 && frame_tcp_read(out[0], &synack) == 0 ? 0 : -1;
	for (unsigned k = 0; k < n; k++)
		rte_pktmbuf_free(out[k]);
	if (ret != 0)
		return -1;
	struct frame_tcp ack = fuzz_handshake_ack(&syn, &synack, options, fuzz->peer_ts);
	inject(frame_tcp(fuzz->h->pool, &fuzz->us_mac, &ack));
	harness_drain(fuzz->h);
	return s->conn != NULL ? 0 : -1;
}

static void
setup(void)
{
	fuzz_held_reset(&fuzz->held, SLOTS_PASSIVE, fuzz->passive_ports, ACTIVE_PORT);
	fuzz->peer_ts = FUZZ_PEER_TS_BASE;
	fuzz_lend_reset();
	if (harness_reset(fuzz->h, NULL) != 0)
		fuzz_fail("harness_reset failed", NULL);
	harness_learn(fuzz->h, PEER_IP, &peer_mac);
	harness_listen(fuzz->h, FUZZ_LISTEN_PORT, &fuzz_held_ops, &fuzz->held);
	if (handshake(0, true) != 0 || handshake(1, false) != 0)
		fuzz_fail("the setup's handshakes did not establish", NULL);
}

/* The control blocks' own invariants (fuzz_tcb_check), for every live one. */
static void
check_slots(void)
{
	for (unsigned i = 0; i < SLOTS; i++) {
		struct fuzz_slot *s = &fuzz->slots[i];
		const struct tcb *tcb = slot_look(s);
		const char *what = tcb != NULL ? fuzz_tcb_check(tcb) : NULL;
		if (what != NULL)
			fuzz_fail(what, s);
	}
}

static void
teardown(void)
{
	struct engine *eng = fuzz->h->eng;

	fuzz_held_abort(&fuzz->held);
	harness_poll(fuzz->h);
	harness_drain(fuzz->h);
	/* Until the connections are gone and what waited on ARP (the peer no
	 * longer answers) is dropped. */
	for (unsigned t = 0;
	     t < FUZZ_TEARDOWN_S && (eng->tcp.used != 0 || harness_pool_in_use(fuzz->h) != 0);
	     t++) {
		harness_advance_us(fuzz->h, 1000000);
		harness_drain(fuzz->h);
	}
	if (eng->tcp.used != 0) {
		fuzz_dump_tcbs("fuzz_engine", eng);
		fuzz_fail("a connection outlived " RTE_STR(FUZZ_TEARDOWN_S) " s after it was "
		                                                            "abandoned",
		          NULL);
	}
	if (eng->tcp.sndq_segs != 0 || eng->tcp.rcv_segs != 0)
		fuzz_fail("the engine's budgets still count mbufs with no connection left", NULL);
	unsigned in_use = harness_pool_in_use(fuzz->h);
	if (in_use != 0) {
		fprintf(stderr, "fuzz_engine: %u mbufs in use\n", in_use);
		fuzz_fail("mbufs leaked", NULL);
	}
	const char *lend = fuzz_lend_check();
	if (lend != NULL)
		fuzz_fail(lend, NULL);
}

/* The first input's: the EAL, the engines, the application. */
static void
fuzz_init(void)
{
	struct config cfg;

	if (fuzz != NULL)
		return;
	fuzz = fuzz_start(sizeof(*fuzz), &cfg);
	if (fuzz == NULL)
		fuzz_fail("no EAL", NULL);
	fuzz->h = harness_open(&cfg);
	if (fuzz->h == NULL)
		fuzz_fail("harness_open failed", NULL);
	fuzz->us_mac = harness_iface(fuzz->h)->mac;
	fuzz->held = (struct fuzz_held){ fuzz->slots, SLOTS, fuzz->others, OTHERS, &target };
	for (unsigned i = 0; i < SLOTS_PASSIVE; i++)
		fuzz->passive_ports[i] = (uint16_t)(PEER_PORT_BASE + i);
}

static const struct fuzz_target target = {
	.who = "fuzz_engine",
	.tcb_of = slot_tcb,
	.slot_of_conn = slot_of_conn,
	.start = fuzz_init,
	.setup = setup,
	.record = { rec_seg, rec_raw, rec_ip, rec_advance, rec_app, rec_ack },
	.drain = drain_answering_arp,
	.check = check_slots,
	.teardown = teardown,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_run(&target, data, size);
}
