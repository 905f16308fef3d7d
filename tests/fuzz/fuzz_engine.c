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
 *   LLVMFuzzerTestOneInput -> harness_reset -> setup (listen, handshakes)
 *     -> per record: seg | raw | ip | advance | app | ack -> poll, drain -> check
 *     -> teardown: abort, wait out the timers -> no tcb, no mbuf in use
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#define US_PORT        FUZZ_LISTEN_PORT
#define PEER_PORT_BASE 40000
#define ACTIVE_PORT    7           /* where the application's tern_connect goes */
#define SLOTS_PASSIVE  4           /* peer ports PEER_PORT_BASE + 0..3 to our port 80 */
#define SLOTS          6           /* and two for the application's active opens */
#define PEER_TS_BASE   0x7fff0000u /* the peer's timestamp clock crosses 2^31 */
#define TEARDOWN_S     600         /* no connection may outlive this once abandoned */
#define RECORDS_MAX    256         /* records per input */
#define APP_BUF        65536
#define OTHERS         16 /* connections on 4-tuples of the fuzzer's own making */

struct fuzz_state {
	struct harness *h;
	struct rte_ether_addr us_mac;
	struct fuzz_slot slots[SLOTS];
	struct tern_conn *others[OTHERS];
	struct tern_conn_ops ops;
	uint32_t peer_ts; /* the peer's timestamp clock */
	uint8_t app_buf[APP_BUF];
};

/* One instance: the EAL and its ports live as long as the process. */
static struct fuzz_state *fuzz;

static void
fuzz_fail(const char *what, const struct fuzz_slot *s)
{
	fprintf(stderr, "fuzz_engine: %s (peer port %u)\n", what, s != NULL ? s->peer_port : 0);
	abort();
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
	struct flow_key key = {
		.local_ip = rte_cpu_to_be_32(US_IP),
		.remote_ip = rte_cpu_to_be_32(PEER_IP),
		.local_port = rte_cpu_to_be_16(s->local_port),
		.remote_port = rte_cpu_to_be_16(s->peer_port),
	};
	struct flow_table *ft = fuzz->h->eng->flows;

	return s->local_port == 0 ? NULL : flow_lookup(ft, &key, flow_hash(ft, &key));
}

/* Refresh the slot's view of its connection's numbers. */
static struct tcb *
slot_look(struct fuzz_slot *s)
{
	struct tcb *tcb = slot_tcb(s);

	fuzz_slot_look(s, tcb);
	return tcb;
}

static void
slot_opened(struct tern_conn *c)
{
	struct fuzz_slot *s = slot_of_conn(c);

	if (s == NULL) {
		/* Ports out of a raw header: held, and aborted at the end. */
		for (unsigned i = 0; i < OTHERS; i++)
			if (fuzz->others[i] == NULL || fuzz->others[i] == c) {
				fuzz->others[i] = c;
				return;
			}
		fuzz_fail("more connections than the pool has", NULL);
	}
	fuzz_slot_opened(s, c);
}

static void
on_accepted(struct tern_conn *c, void *arg)
{
	(void)arg;
	slot_opened(c);
}

static void
on_connected(struct tern_conn *c, void *arg)
{
	(void)arg;
	slot_opened(c);
}

static void
on_closed(struct tern_conn *c, void *arg, int reason)
{
	(void)arg;
	(void)reason;
	for (unsigned i = 0; i < SLOTS; i++)
		if (fuzz->slots[i].conn == c)
			fuzz->slots[i].conn = NULL;
	for (unsigned i = 0; i < OTHERS; i++)
		if (fuzz->others[i] == c)
			fuzz->others[i] = NULL;
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

/* SEG: a segment to a slot (slot, then fuzz_rec_seg's fields). */
static void
rec_seg(struct fuzz_reader *r)
{
	struct fuzz_slot *s = &fuzz->slots[fuzz_rd8(r) % SLOTS];
	struct fuzz_peer p = peer();

	slot_look(s);
	inject(fuzz_rec_seg(r, &p, s));
}

/* RAW: an Ethernet frame (fuzz_rec_raw). */
static void
rec_raw(struct fuzz_reader *r)
{
	struct fuzz_peer p = peer();

	inject(fuzz_rec_raw(r, &p));
}

static struct fuzz_slot *
ip_slot(void *ctx, unsigned n)
{
	struct fuzz_slot *s = &fuzz->slots[n % SLOTS];

	(void)ctx;
	slot_look(s);
	return s;
}

/* IP: an IPv4 packet with a raw payload (fuzz_rec_ip). */
static void
rec_ip(struct fuzz_reader *r)
{
	struct fuzz_peer p = peer();

	inject(fuzz_rec_ip(r, &p, ip_slot, NULL));
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
check_sent(struct rte_mbuf *m)
{
	struct frame_tcp t;
	const char *what = NULL;
	int kind = fuzz_sent_read(m, &t, &what);

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
		for (unsigned i = 0; i < n; i++) {
			asked |= fuzz_arp_asks_peer(out[i]);
			check_sent(out[i]);
			rte_pktmbuf_free(out[i]);
		}
	if (asked)
		inject(frame_arp(fuzz->h->pool, RTE_ARP_OP_REPLY, &fuzz->us_mac, &peer_mac, PEER_IP,
		                 &fuzz->us_mac, US_IP));
}

/* ---- the application ---------------------------------------------------- */

static void
app_connect(struct fuzz_slot *s)
{
	struct tern_conn *c;

	if (s - fuzz->slots < SLOTS_PASSIVE || s->conn != NULL || (s->local_port && slot_tcb(s)))
		return;
	if (tern_connect((struct tern_core *)fuzz->h->eng, PEER_IP, ACTIVE_PORT, &fuzz->ops, NULL,
	                 &c) != 0)
		return;
	s->local_port = rte_be_to_cpu_16(((struct tcb *)c)->key.local_port);
	/* The application holds it from now; connected or closed follows. */
	s->conn = c;
	s->app_closed = false;
	s->read_bytes = 0;
	harness_poll(fuzz->h);
}

/* APP: slot<<3 | op (enum fuzz_app_op), argument. */
static void
rec_app(struct fuzz_reader *r)
{
	uint8_t b = fuzz_rd8(r), arg = fuzz_rd8(r);
	struct fuzz_slot *s = &fuzz->slots[(b >> 3) % SLOTS];
	enum fuzz_app_op op = (enum fuzz_app_op)((b & 7) % FUZZ_APP_OPS);

	if (op == FUZZ_APP_CONNECT) {
		app_connect(s);
		return;
	}
	if (s->conn == NULL || s->app_closed)
		return;
	const char *what = fuzz_app_call(s, op, arg, fuzz->app_buf, sizeof(fuzz->app_buf));
	if (what != NULL)
		fuzz_fail(what, s);
	harness_poll(fuzz->h);
}

/* ---- setup, checks, teardown --------------------------------------------- */

/* A passive open on slot @i, played out: SYN, our SYN-ACK, the ACK. */
static int
handshake(unsigned i, bool options)
{
	struct fuzz_slot *s = &fuzz->slots[i];
	struct rte_mbuf *out[8];
	struct frame_tcp syn = {
		.src_ip = PEER_IP,
		.dst_ip = US_IP,
		.sport = s->peer_port,
		.dport = US_PORT,
		.seq = 0xfffff000u + i * 0x10000000u,
		.flags = TH_SYN,
		.win = 65535,
		.opts = { .has_mss = true, .mss = options ? 1460 : 536 },
	}, synack;

	if (options) {
		syn.opts.has_wscale = true;
		syn.opts.wscale = 7;
		syn.opts.sack_ok = true;
		syn.opts.has_ts = true;
		syn.opts.ts_val = fuzz->peer_ts;
	}
	unsigned n = harness_exchange(fuzz->h, frame_tcp(fuzz->h->pool, &fuzz->us_mac, &syn), out,
	                              RTE_DIM(out));
	int ret = n == 1 && frame_tcp_read(out[0], &synack) == 0 ? 0 : -1;
	for (unsigned k = 0; k < n; k++)
		rte_pktmbuf_free(out[k]);
	if (ret != 0)
		return -1;
	struct frame_tcp ack = syn;
	ack.flags = TH_ACK;
	ack.seq = syn.seq + 1;
	ack.ack = synack.seq + 1;
	ack.opts = (struct tcp_opts){ .has_ts = options,
		                      .ts_val = fuzz->peer_ts,
		                      .ts_ecr = synack.opts.ts_val };
	inject(frame_tcp(fuzz->h->pool, &fuzz->us_mac, &ack));
	harness_drain(fuzz->h);
	return s->conn != NULL ? 0 : -1;
}

static void
setup(void)
{
	memset(fuzz->slots, 0, sizeof(fuzz->slots));
	memset(fuzz->others, 0, sizeof(fuzz->others));
	for (unsigned i = 0; i < SLOTS; i++) {
		fuzz->slots[i].local_port = i < SLOTS_PASSIVE ? US_PORT : 0;
		fuzz->slots[i].peer_port =
		        (uint16_t)(i < SLOTS_PASSIVE ? PEER_PORT_BASE + i : ACTIVE_PORT);
	}
	fuzz->peer_ts = PEER_TS_BASE;
	fuzz_lend_reset();
	if (harness_reset(fuzz->h, NULL) != 0)
		fuzz_fail("harness_reset failed", NULL);
	harness_learn(fuzz->h, PEER_IP, &peer_mac);
	harness_listen(fuzz->h, US_PORT, &fuzz->ops, NULL);
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

	for (unsigned i = 0; i < SLOTS; i++) {
		struct fuzz_slot *s = &fuzz->slots[i];
		if (s->conn != NULL && !s->app_closed)
			tern_abort(s->conn);
	}
	for (unsigned i = 0; i < OTHERS; i++)
		if (fuzz->others[i] != NULL)
			tern_abort(fuzz->others[i]);
	harness_poll(fuzz->h);
	harness_drain(fuzz->h);
	/* Until the connections are gone and what waited on ARP (the peer no
	 * longer answers) is dropped. */
	for (unsigned t = 0;
	     t < TEARDOWN_S && (eng->tcp.used != 0 || harness_pool_in_use(fuzz->h) != 0); t++) {
		harness_advance_us(fuzz->h, 1000000);
		harness_drain(fuzz->h);
	}
	if (eng->tcp.used != 0) {
		fuzz_dump_tcbs("fuzz_engine", eng);
		fuzz_fail("a connection outlived " RTE_STR(TEARDOWN_S) " s after it was abandoned",
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

static void
fuzz_init(void)
{
	struct config cfg;

	fuzz_config(&cfg);
	fuzz = calloc(1, sizeof(*fuzz));
	if (fuzz == NULL || harness_eal_init() != 0)
		fuzz_fail("no EAL", NULL);
	fuzz->h = harness_open(&cfg);
	if (fuzz->h == NULL)
		fuzz_fail("harness_open failed", NULL);
	fuzz->us_mac = harness_iface(fuzz->h)->mac;
	fuzz->ops = (struct tern_conn_ops){
		.accepted = on_accepted,
		.connected = on_connected,
		.closed = on_closed,
	};
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_reader r = { .p = data, .left = size };

	if (fuzz == NULL)
		fuzz_init();
	setup();
	for (unsigned n = 0; r.left > 0 && n < RECORDS_MAX; n++) {
		switch (fuzz_rd8(&r) % 6) {
		case 0:
			rec_seg(&r);
			break;
		case 1:
			rec_raw(&r);
			break;
		case 2:
			rec_ip(&r);
			break;
		case 3:
			rec_advance(&r);
			break;
		case 4:
			rec_app(&r);
			break;
		default:
			rec_ack(&r);
			break;
		}
		drain_answering_arp();
		check_slots();
	}
	teardown();
	return 0;
}
