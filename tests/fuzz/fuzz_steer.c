/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: software steering (flow/steer.c, DESIGN.md "Many
 * cores"). Two engines share one in-memory port (tests/harness/
 * harness_multi.h), which, like net_tap, picks no queue by our hash: each
 * record says which RX queue its frame lands on, so one flow's segments
 * reach both engines in any order, and the engine that does not own a flow
 * must hand its segments to the one that does. Each input starts with both
 * engines listening on port 80 and two connections ESTABLISHED, one owned by
 * each engine, whose handshakes landed on the other. The records are
 * fuzz_engine's (docs/FUZZING.md), each frame record with a lane byte after
 * its kind: the queue, a copy on the other queue, or held for the next
 * record's poll.
 *
 * After every record: every live control block is in its own engine's flow
 * table, in no other's, and on the engine the steering rule names for its
 * 4-tuple; every TCP segment leaves by the queue of the engine that owns its
 * flow (so none is answered, RST or otherwise, by another engine); when every
 * frame of a poll was a segment of a connection live throughout it, no
 * engine counted one as "no connection"; no steering ring dropped anything
 * (a poll's frames fit in one); every frame sent is well formed;
 * every byte the application reads is the one the peer sent there. At the
 * end the application aborts what it holds, time runs until every
 * connection is gone, and every mbuf is back in its pool and every flow
 * table empty.
 *
 *   LLVMFuzzerTestOneInput -> fuzz_run -> setup: hm_reset, listen, handshakes
 *     -> per record: lane + seg | raw | ip | ack, advance | app
 *        -> poll (steer rings), drain every queue -> checks
 *     -> teardown: abort, wait out the timers -> no tcb, no flow, no mbuf
 */
#include <assert.h>
#include <stdio.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "engine/engine.h"
#include "flow/flow_table.h"
#include "flow/rss.h"
#include "flow/steer.h"
#include "fuzz_common.h"
#include "fuzz_lend.h"
#include "harness_multi.h"
#include "tcp/tcp.h"
#include "tern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ENGINES        2
#define US_PORT        FUZZ_LISTEN_PORT
#define PEER_PORT_BASE 40000
#define ACTIVE_PORT    7 /* where the application's tern_connect goes */
#define SLOTS_PASSIVE  4 /* peer ports to our port 80: slot i's flow is engine i % 2's */
#define SLOTS          6 /* and two for active opens, from either engine */
#define APP_BUF        65536
#define OTHERS         (16 * ENGINES)         /* connections on 4-tuples of the fuzzer's own */
#define WATCH_MAX      (2 * FUZZ_RECORDS_MAX) /* frames of one poll: two a record at most */

/* Every frame of a poll fits in a steering ring: none may be dropped. */
static_assert(WATCH_MAX + ENGINES < STEER_RING_SIZE, "a poll's frames fit in a steering ring");

/* The lane byte of a frame record. */
enum lane {
	LANE_QUEUE = 1 << 0, /* the RX queue (modulo ENGINES) */
	LANE_COPY = 1 << 1,  /* a copy lands on the next queue too */
	LANE_HOLD = 1 << 7,  /* no poll yet: lands with the next record's frames */
};

/* The frames of the poll to come. "Clean" while every one is a segment of
 * a slot whose connection was live when it was sent: if those connections
 * are all still there after the poll, they were there throughout it, and
 * no engine may have found "no connection" for any segment. */
struct poll_watch {
	bool clean;
	unsigned n;
	struct {
		const struct fuzz_slot *s;
		const struct tcb *tcb;
	} w[WATCH_MAX];
};

struct fuzz_state {
	struct hm *hm;
	struct rte_ether_addr us_mac;
	struct fuzz_slot slots[SLOTS];
	struct tern_conn *others[OTHERS];
	struct fuzz_held held; /* the two above */
	uint16_t passive_ports[SLOTS_PASSIVE];
	uint32_t peer_ts;
	struct poll_watch watch;
	uint8_t app_buf[APP_BUF];
};

static struct fuzz_state *fuzz;
static const struct fuzz_target target; /* its hooks, at the end */

static _Noreturn void
fuzz_fail(const char *what, const struct fuzz_slot *s)
{
	fuzz_abort(target.who, what, s);
}

/* ---- who owns what ------------------------------------------------------- */

/* The engine that owns the flow @rip:@rport -> @lip:@lport (host order), by
 * the rule (flow/steer.h): a local port of the ephemeral range that no
 * listener holds is an active open's, the engine whose port set it came
 * from; anything else is a passive open's, the engine our hash names. */
static unsigned
flow_owner(uint32_t rip, uint32_t lip, uint16_t rport, uint16_t lport)
{
	const struct rss *r = hm_iface(fuzz->hm)->rss;
	const struct config *cfg = &fuzz->hm->cfg;

	if (lport != US_PORT && lport >= cfg->tcp_local_port_min &&
	    lport <= cfg->tcp_local_port_max)
		return rss_owner_of_active(r, rip, lip, rport, lport);
	return rss_owner_of_passive(r, rip, lip, rport, lport);
}

static unsigned
key_owner(const struct flow_key *k)
{
	return flow_owner(rte_be_to_cpu_32(k->remote_ip), rte_be_to_cpu_32(k->local_ip),
	                  rte_be_to_cpu_16(k->remote_port), rte_be_to_cpu_16(k->local_port));
}

static struct tcb *
lookup(unsigned e, const struct flow_key *key)
{
	struct flow_table *ft = fuzz->hm->engines[e]->flows;

	return flow_lookup(ft, key, flow_hash(ft, key));
}

/* The slot's control block, in whichever engine has it. */
static struct tcb *
slot_tcb(const struct fuzz_slot *s)
{
	struct flow_key key = fuzz_slot_key(s);

	for (unsigned e = 0; s->local_port != 0 && e < ENGINES; e++) {
		struct tcb *tcb = lookup(e, &key);
		if (tcb != NULL)
			return tcb;
	}
	return NULL;
}

static struct tcb *
slot_look(struct fuzz_slot *s)
{
	return fuzz_held_look(&fuzz->held, s);
}

/* ---- the application's callbacks ------------------------------------------ */

static struct fuzz_slot *
slot_of_conn(struct tern_conn *c)
{
	const struct flow_key *k = &((struct tcb *)c)->key;

	for (unsigned i = 0; i < SLOTS; i++) {
		struct fuzz_slot *s = &fuzz->slots[i];
		if (s->peer_port == rte_be_to_cpu_16(k->remote_port) &&
		    s->local_port == rte_be_to_cpu_16(k->local_port) &&
		    k->remote_ip == RTE_BE32(PEER_IP))
			return s;
	}
	return NULL;
}

/* ---- polls, and what they must not do ------------------------------------- */

static uint64_t
no_conn_total(void)
{
	uint64_t n = 0;

	for (unsigned e = 0; e < ENGINES; e++)
		n += fuzz->hm->engines[e]->stats.drops[DROP_TCP_NO_CONN];
	return n;
}

/* Note a frame for the poll to come: @s the slot whose segment it is, NULL
 * for anything else. */
static void
watch_frame(const struct fuzz_slot *s)
{
	struct poll_watch *w = &fuzz->watch;
	const struct tcb *tcb = s != NULL ? slot_tcb(s) : NULL;

	if (tcb == NULL || w->n == WATCH_MAX) {
		w->clean = false;
		return;
	}
	w->w[w->n].s = s;
	w->w[w->n].tcb = tcb;
	w->n++;
}

/* Run the engines until every ring is empty, then check the watch: a
 * segment of a connection live throughout the poll reached its owner, which
 * found the connection. */
static void
poll_engines(uint64_t advance_us)
{
	struct poll_watch *w = &fuzz->watch;
	uint64_t no_conn = no_conn_total();
	bool live = w->clean;

	if (advance_us != 0)
		hm_advance_us(fuzz->hm, advance_us);
	else
		hm_poll(fuzz->hm);
	for (unsigned i = 0; i < w->n && live; i++) {
		const struct tcb *tcb = slot_tcb(w->w[i].s);
		live = tcb == w->w[i].tcb && tcb->state != TCP_CLOSED;
	}
	if (live && w->n > 0 && no_conn_total() != no_conn)
		fuzz_fail("a segment of a live connection was taken as \"no connection\"",
		          w->w[0].s);
	/* A ring that drops here lost what it had room for (WATCH_MAX). */
	for (unsigned e = 0; e < ENGINES; e++)
		if (fuzz->hm->engines[e]->stats.drops[DROP_STEER_FULL] != 0)
			fuzz_fail("a steering ring dropped a segment it had room for", NULL);
	w->clean = true;
	w->n = 0;
}

/* Put @m on the queue the lane byte names (a copy on the next one too, if
 * it asks), then poll unless it holds. @s: as watch_frame. */
static void
deliver(struct rte_mbuf *m, uint8_t lane, const struct fuzz_slot *s)
{
	unsigned q = (lane & LANE_QUEUE) % ENGINES;
	struct hm *hm = fuzz->hm;

	if (m != NULL) {
		/* The NIC would take the copy's buffer from that queue's pool. */
		unsigned q2 = (q + 1) % ENGINES;
		struct rte_mbuf *copy = (lane & LANE_COPY)
		                                ? rte_pktmbuf_copy(m, hm->pools[q2], 0, UINT32_MAX)
		                                : NULL;
		watch_frame(s);
		hm_inject(hm, q, &m, 1);
		if (copy != NULL) {
			watch_frame(s);
			hm_inject(hm, q2, &copy, 1);
		}
	}
	if (!(lane & LANE_HOLD))
		poll_engines(0);
}

/* ---- frames from the peer -------------------------------------------------- */

/* The peer's frame for queue @lane (its buffer from that queue's pool). */
static struct fuzz_peer
peer(uint8_t lane)
{
	return (struct fuzz_peer){ .pool = fuzz->hm->pools[(lane & LANE_QUEUE) % ENGINES],
		                   .us_mac = &fuzz->us_mac,
		                   .now_ticks = (uint32_t)fuzz->hm->engines[0]->now_ticks,
		                   .peer_ts = &fuzz->peer_ts };
}

/* SEG: lane, slot, then fuzz_rec_seg's fields. */
static void
rec_seg(struct fuzz_reader *r)
{
	uint8_t lane = fuzz_rd8(r);
	struct fuzz_slot *s = &fuzz->slots[fuzz_rd8(r) % SLOTS];
	struct fuzz_peer p = peer(lane);

	slot_look(s);
	deliver(fuzz_rec_seg(r, &p, s), lane, s);
}

/* RAW: lane, then fuzz_rec_raw's fields. */
static void
rec_raw(struct fuzz_reader *r)
{
	uint8_t lane = fuzz_rd8(r);
	struct fuzz_peer p = peer(lane);

	deliver(fuzz_rec_raw(r, &p), lane, NULL);
}

/* IP: lane, then fuzz_rec_ip's fields. */
static void
rec_ip(struct fuzz_reader *r)
{
	uint8_t lane = fuzz_rd8(r);
	struct fuzz_peer p = peer(lane);

	deliver(fuzz_rec_ip(r, &p, fuzz_held_slot_of, &fuzz->held), lane, NULL);
}

/* ACK: lane, then fuzz_rec_ack's first byte (slot in its bits 0-2) and
 * fields. */
static void
rec_ack(struct fuzz_reader *r)
{
	uint8_t lane = fuzz_rd8(r), b = fuzz_rd8(r);
	struct fuzz_slot *s = &fuzz->slots[(b & 7) % SLOTS];
	struct fuzz_peer p = peer(lane);

	slot_look(s);
	deliver(fuzz_rec_ack(r, b, &p, s), lane, s);
}

/* ADVANCE: fuzz_rec_advance_ms's byte. */
static void
rec_advance(struct fuzz_reader *r)
{
	uint64_t ms = fuzz_rec_advance_ms(r);

	fuzz->peer_ts += (uint32_t)ms;
	poll_engines(ms * 1000);
}

/* ---- the application -------------------------------------------------------- */

/* An active open on slot @s from engine @e: its local port comes from @e's
 * set, so the peer's answers are @e's whichever queue they land on. */
static void
app_connect(struct fuzz_slot *s, unsigned e)
{
	struct tern_conn *c;

	if (s - fuzz->slots < SLOTS_PASSIVE || s->conn != NULL || slot_tcb(s) != NULL)
		return;
	if (tern_connect((struct tern_core *)fuzz->hm->engines[e], PEER_IP, ACTIVE_PORT,
	                 &fuzz_held_ops, &fuzz->held, &c) != 0)
		return;
	fuzz_slot_connecting(s, c);
	poll_engines(0);
}

/* APP: fuzz_rd_app's fields (for a connect, the argument is the engine,
 * modulo ENGINES). */
static void
rec_app(struct fuzz_reader *r)
{
	struct fuzz_app_rec a = fuzz_rd_app(r, &fuzz->held);
	const char *what = NULL;

	if (a.op == FUZZ_APP_CONNECT) {
		app_connect(a.s, a.arg % ENGINES);
	} else if (fuzz_app_run(&a, fuzz->app_buf, sizeof(fuzz->app_buf), &what)) {
		if (what != NULL)
			fuzz_fail(what, a.s);
		poll_engines(0);
	}
}

/* ---- what the engines sent ------------------------------------------------- */

/* A frame queue @q sent: well formed, and a TCP segment only of a flow that
 * engine @q owns, no larger than its connection's MSS (RFC 9293 3.7.1). */
static void
check_sent(void *ctx, struct rte_mbuf *m)
{
	unsigned q = *(const unsigned *)ctx;
	struct frame_tcp t;
	const char *what = NULL;
	int kind = fuzz_sent_read(m, &t, &what);

	if (kind < 0)
		fuzz_fail(what, NULL);
	if (kind == 0)
		return;
	if (flow_owner(t.dst_ip, t.src_ip, t.dport, t.sport) != q) {
		fprintf(stderr, "fuzz_steer: queue %u sent flags 0x%x %u -> %u\n", q, t.flags,
		        t.sport, t.dport);
		fuzz_fail("an engine sent a segment of a flow another engine owns", NULL);
	}
	struct flow_key key = {
		.local_ip = rte_cpu_to_be_32(t.src_ip),
		.remote_ip = rte_cpu_to_be_32(t.dst_ip),
		.local_port = rte_cpu_to_be_16(t.sport),
		.remote_port = rte_cpu_to_be_16(t.dport),
	};
	const struct tcb *tcb = lookup(q, &key);
	if (tcb != NULL && t.len > tcb->mss)
		fuzz_fail("sent a segment larger than the MSS", NULL);
}

/* Take and check what every queue sent; the peer answers ARP requests on the
 * queue that asked, as a live peer would once an entry has aged out. */
static void
drain_answering_arp(void)
{
	struct rte_mbuf *out[64];
	bool asked[ENGINES] = { false };
	bool any = false;
	unsigned n;

	for (unsigned q = 0; q < ENGINES; q++)
		while ((n = hm_collect(fuzz->hm, q, out, RTE_DIM(out))) > 0)
			asked[q] |= fuzz_sent_take(out, n, check_sent, &q);
	for (unsigned q = 0; q < ENGINES; q++) {
		if (!asked[q])
			continue;
		struct rte_mbuf *m = fuzz_peer_arp_reply(fuzz->hm->pools[q], &fuzz->us_mac);
		if (m != NULL)
			hm_inject(fuzz->hm, q, &m, 1);
		any = true;
	}
	if (any)
		poll_engines(0);
}

/* Drop what the queues sent, unchecked (teardown). */
static void
drain_quietly(void)
{
	struct rte_mbuf *out[64];
	unsigned n;

	for (unsigned q = 0; q < ENGINES; q++)
		while ((n = hm_collect(fuzz->hm, q, out, RTE_DIM(out))) > 0)
			rte_pktmbuf_free_bulk(out, n);
}

/* ---- the engines' tables ---------------------------------------------------- */

/* Every live control block of engine @e is in @e's flow table, in no other
 * engine's, and @e owns its 4-tuple; the table holds nothing else. */
static void
check_engine(unsigned e)
{
	const struct engine *eng = fuzz->hm->engines[e];
	const struct tcp_engine *te = &eng->tcp;
	uint32_t in_flow = 0;

	for (uint32_t i = 0; i < te->nb_conns; i++) {
		const struct tcb *tcb = &te->conns[i];
		if (!fuzz_tcb_in_use(te, tcb) || tcb->state == TCP_CLOSED)
			continue;
		const char *what = fuzz_tcb_check(tcb);
		if (what == NULL && !(tcb->flags & TF_IN_FLOW))
			what = "a live connection is in no flow table";
		if (what == NULL && lookup(e, &tcb->key) != tcb)
			what = "a live connection is not found in its engine's flow table";
		if (what == NULL && key_owner(&tcb->key) != e)
			what = "a connection lives on an engine that does not own its flow";
		for (unsigned o = 0; what == NULL && o < ENGINES; o++)
			if (o != e && lookup(o, &tcb->key) != NULL)
				what = "a flow is in two engines' tables";
		if (what != NULL) {
			fuzz_dump_tcbs("fuzz_steer", eng);
			fuzz_fail(what, NULL);
		}
		in_flow++;
	}
	if (flow_count(eng->flows) != in_flow)
		fuzz_fail("a flow table holds a flow with no live connection", NULL);
}

static void
check_engines(void)
{
	for (unsigned e = 0; e < ENGINES; e++)
		check_engine(e);
	for (unsigned i = 0; i < SLOTS; i++)
		slot_look(&fuzz->slots[i]);
}

/* ---- setup, teardown ---------------------------------------------------------- */

/* A passive open on slot @i with every frame on queue @q: SYN, the owner's
 * SYN-ACK, the ACK. */
static void
handshake(unsigned i, unsigned q, bool options)
{
	struct fuzz_slot *s = &fuzz->slots[i];
	struct rte_mbuf *out[8];
	struct frame_tcp syn = fuzz_handshake_syn(s, i, options, fuzz->peer_ts), synack;

	deliver(frame_tcp(fuzz->hm->pools[q], &fuzz->us_mac, &syn), (uint8_t)q, NULL);
	unsigned owner = flow_owner(PEER_IP, US_IP, s->peer_port, US_PORT);
	unsigned n = hm_collect(fuzz->hm, owner, out, RTE_DIM(out));
	int ret = n == 1 && frame_tcp_read(out[0], &synack) == 0 ? 0 : -1;
	rte_pktmbuf_free_bulk(out, n);
	if (ret != 0)
		fuzz_fail("the setup's SYN drew no SYN-ACK from the owner", s);
	struct frame_tcp ack = fuzz_handshake_ack(&syn, &synack, options, fuzz->peer_ts);
	deliver(frame_tcp(fuzz->hm->pools[q], &fuzz->us_mac, &ack), (uint8_t)q, NULL);
	drain_quietly();
	if (s->conn == NULL)
		fuzz_fail("the setup's handshake did not establish", s);
}

static void
setup(void)
{
	fuzz_held_reset(&fuzz->held, SLOTS_PASSIVE, fuzz->passive_ports, ACTIVE_PORT);
	fuzz->peer_ts = FUZZ_PEER_TS_BASE;
	fuzz->watch = (struct poll_watch){ .clean = true };
	fuzz_lend_reset();
	if (hm_reset(fuzz->hm) != 0)
		fuzz_fail("hm_reset failed", NULL);
	hm_learn(fuzz->hm, PEER_IP, &peer_mac);
	hm_listen(fuzz->hm, US_PORT, &fuzz_held_ops, &fuzz->held);
	/* Slot 0's flow is engine 0's and slot 1's engine 1's: each
	 * handshake lands on the other engine. */
	handshake(0, 1, true);
	handshake(1, 0, false);
}

static bool
all_gone(void)
{
	for (unsigned e = 0; e < ENGINES; e++)
		if (fuzz->hm->engines[e]->tcp.used != 0)
			return false;
	return hm_pools_in_use(fuzz->hm) == 0;
}

static void
teardown(void)
{
	/* Frames still held by the last records first: they may open a
	 * connection, which the application then holds too. */
	poll_engines(0);
	drain_answering_arp();
	check_engines();
	fuzz_held_abort(&fuzz->held);
	fuzz->watch.clean = false;
	poll_engines(0);
	drain_quietly();
	/* Until the connections are gone and what waited on ARP (the peer no
	 * longer answers) is dropped. */
	for (unsigned t = 0; t < FUZZ_TEARDOWN_S && !all_gone(); t++) {
		poll_engines(1000000);
		drain_quietly();
	}
	for (unsigned e = 0; e < ENGINES; e++) {
		const struct engine *eng = fuzz->hm->engines[e];
		if (eng->tcp.used != 0) {
			fuzz_dump_tcbs("fuzz_steer", eng);
			fuzz_fail(
			        "a connection outlived " RTE_STR(FUZZ_TEARDOWN_S) " s after it was "
			                                                          "abandoned",
			        NULL);
		}
		if (flow_count(eng->flows) != 0)
			fuzz_fail("a flow table is not empty with no connection left", NULL);
		if (eng->tcp.sndq_segs != 0 || eng->tcp.rcv_segs != 0)
			fuzz_fail("an engine's budgets count mbufs with no connection left", NULL);
	}
	unsigned in_use = hm_pools_in_use(fuzz->hm);
	if (in_use != 0) {
		fprintf(stderr, "fuzz_steer: %u mbufs in use\n", in_use);
		fuzz_fail("mbufs leaked", NULL);
	}
	const char *lend = fuzz_lend_check();
	if (lend != NULL)
		fuzz_fail(lend, NULL);
}

/* Peer ports for the passive slots: slot i's flow to port 80 is owned by
 * engine i % ENGINES, the lowest such ports from PEER_PORT_BASE. */
static void
pick_passive_ports(void)
{
	unsigned next = 0;

	for (uint16_t p = PEER_PORT_BASE; next < SLOTS_PASSIVE && p < PEER_PORT_BASE + 1000; p++)
		if (flow_owner(PEER_IP, US_IP, p, US_PORT) == next % ENGINES)
			fuzz->passive_ports[next++] = p;
	if (next < SLOTS_PASSIVE)
		fuzz_fail("no peer ports hash to every engine", NULL);
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
	fuzz->hm = hm_open(&cfg, ENGINES);
	if (fuzz->hm == NULL)
		fuzz_fail("hm_open failed", NULL);
	if (hm_iface(fuzz->hm)->rss == NULL || hm_iface(fuzz->hm)->rss->mode != RSS_SOFT)
		fuzz_fail("the ring port does not steer in software", NULL);
	fuzz->us_mac = hm_iface(fuzz->hm)->mac;
	fuzz->held = (struct fuzz_held){ fuzz->slots, SLOTS, fuzz->others, OTHERS, &target };
	pick_passive_ports();
}

static const struct fuzz_target target = {
	.who = "fuzz_steer",
	.tcb_of = slot_tcb,
	.slot_of_conn = slot_of_conn,
	.start = fuzz_init,
	.setup = setup,
	.record = { rec_seg, rec_raw, rec_ip, rec_advance, rec_app, rec_ack },
	.drain = drain_answering_arp,
	.check = check_engines,
	.teardown = teardown,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_run(&target, data, size);
}
