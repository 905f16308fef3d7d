/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A seeded search over a server that closes first, with small pools and flow
 * tables of either size ([tcp] conns 16..128 against [limits] flows
 * 64..256), so that both ways a SYN makes room are taken, in any order and
 * any mix: an empty pool (tcp_tcb_alloc) and a full flow table
 * (tcp_tcb_insert) each end the oldest TIME_WAIT or else reset the oldest
 * orphan (tcp_reclaim, through the TIME_WAIT look-ahead of tcp_tw_ring.h).
 * Connections to a second listener stay open, so that a pool or a table full
 * of them must refuse a SYN, counted. Before the table ended orphans too, a
 * table full of them refused every SYN until they timed out (seed 12).
 *
 * A model follows every connection: FIN_WAIT_1 after the handshake (the
 * application closes at once), FIN_WAIT_2 when the peer ACKs our FIN,
 * TIME_WAIT when the peer's FIN comes, gone when a timer, a reclaim or a
 * reset ends it. Each step is one of: a new connection, the peer ACKing our
 * FIN, the peer's FIN, or time passing in short ticks. After every step each
 * connection the model holds is in the flow table in the model's state, and
 * nothing else is; a SYN is answered, or its refusal is counted with nothing
 * left that could have made room; the reclaims the engine counts are the
 * oldest TIME_WAITs and orphans of the model, and each reset orphan's peer
 * hears its RST. Timers may end a connection only once their time has come,
 * and must have by a little after (the wheel's slack).
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "flow/flow_table.h"
#include "harness.h"
#include "tcp/tcp.h"
#include "tern.h"

#define US_PORT    80 /* the application closes on accept */
#define KEEP_PORT  81 /* the application keeps the connection open */
#define PEER_PORT0 20000
#define PEER_ISN   5000000u
#define SEEDS      150
#define STEPS      400
#define MODEL_MAX  (STEPS + 1)
#define MSL_MS     1000u /* [tcp] msl_s = 1: TIME_WAIT and an orphan's FIN_WAIT_2 last 2 s */
/* A timer of 2 s sits in the wheel's level 2: never early, up to 63 ticks of
 * 1 ms late (timer_wheel.h); and a tick either way for where the clock was. */
#define TIMER_EARLY_MS 2u
#define TIMER_LATE_MS  (63u + 2u)

enum mstate { M_GONE, M_ESTABLISHED, M_FIN_WAIT_1, M_FIN_WAIT_2, M_TIME_WAIT };

struct mconn {
	uint16_t port;
	uint16_t us_port; /* US_PORT or KEEP_PORT */
	enum mstate state;
	uint32_t iss;
	uint64_t since_ms; /* when it entered its state */
	uint64_t tw_order; /* entry into TIME_WAIT: the list's order */
	uint64_t orphan_order;
};

static struct harness *h;
static struct mconn model[MODEL_MAX];
static unsigned nb_model;
static uint64_t now_ms, tw_seq, orphan_seq;
static uint64_t rng;
static unsigned cur_seed, cur_step; /* for failure messages */
static unsigned weights[4];         /* a seed's odds of open, ACK of our FIN, peer's FIN, time */
static unsigned keep_in_4;          /* ... and of a new connection's going to the keeper, in 4 */

static uint64_t
next_rand(void)
{
	/* splitmix64: a seed alone fixes the run. */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned
below(unsigned n)
{
	return (unsigned)(next_rand() % n);
}

static void
close_at_once(struct tern_conn *c, void *arg)
{
	(void)arg;
	tern_close(c);
}

static const struct tern_conn_ops closer_ops = {
	.accepted = close_at_once,
};
static const struct tern_conn_ops keeper_ops = { 0 };

/* Outputs of one exchange, as the peer reads them: at most a FIN from
 * every connection the largest pool holds, and a SYN-ACK. */
#define OUTS_MAX 160

struct outs {
	unsigned n;
	struct frame_tcp t[OUTS_MAX];
};

static void
collect(struct outs *o)
{
	struct rte_mbuf *frames[32];
	unsigned n;

	o->n = 0;
	while ((n = harness_collect(h, frames, RTE_DIM(frames))) != 0)
		for (unsigned i = 0; i < n; i++) {
			assert_true(o->n < OUTS_MAX);
			assert_int_equal(frame_tcp_read(frames[i], &o->t[o->n++]), 0);
			rte_pktmbuf_free(frames[i]);
		}
}

static void
send_peer(const struct mconn *m, uint32_t seq, uint32_t ack, uint8_t flags, struct outs *o)
{
	harness_inject(h,
	               (struct rte_mbuf *[]){ frame_peer_tcp(harness_pool(), &harness_iface(h)->mac,
	                                                     m->port, m->us_port, seq, ack, flags,
	                                                     NULL, 0) },
	               1);
	harness_poll(h);
	collect(o);
}

static const struct tcb *
lookup(const struct mconn *m)
{
	struct flow_key key = {
		.local_ip = harness_iface(h)->ip_be,
		.remote_ip = rte_cpu_to_be_32(PEER_IP),
		.local_port = rte_cpu_to_be_16(m->us_port),
		.remote_port = rte_cpu_to_be_16(m->port),
	};
	return flow_lookup(h->eng->flows, &key, flow_hash(h->eng->flows, &key));
}

static const uint8_t tcp_of[] = {
	[M_ESTABLISHED] = TCP_ESTABLISHED,
	[M_FIN_WAIT_1] = TCP_FIN_WAIT_1,
	[M_FIN_WAIT_2] = TCP_FIN_WAIT_2,
	[M_TIME_WAIT] = TCP_TIME_WAIT,
};

/* An orphan: closed by the application, waiting on the peer. */
static bool
is_orphan(const struct mconn *m)
{
	return m->state == M_FIN_WAIT_1 || m->state == M_FIN_WAIT_2;
}

/* The oldest TIME_WAIT (by entry into it: the list's order), or the oldest
 * orphan (by the application's close); NULL if none. */
static struct mconn *
oldest(bool time_wait)
{
	struct mconn *best = NULL;

	for (unsigned i = 0; i < nb_model; i++) {
		struct mconn *m = &model[i];
		if (time_wait ? m->state != M_TIME_WAIT : !is_orphan(m))
			continue;
		if (best == NULL || (time_wait ? m->tw_order < best->tw_order
		                               : m->orphan_order < best->orphan_order))
			best = m;
	}
	return best;
}

/* TIME_WAITs and orphans: what a SYN may end to make room. */
static unsigned
count_reclaimable(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nb_model; i++)
		n += model[i].state == M_TIME_WAIT || is_orphan(&model[i]);
	return n;
}

/* Every connection of the model is in the table in its state; nothing else. */
static void
check_table(unsigned seed, unsigned step)
{
	unsigned live = 0;

	for (unsigned i = 0; i < nb_model; i++) {
		const struct mconn *m = &model[i];
		const struct tcb *tcb = lookup(m);
		if (m->state == M_GONE) {
			if (tcb != NULL)
				fail_msg("seed %u step %u: port %u gone in the model, %s in the "
				         "table",
				         seed, step, m->port, tcp_state_name(tcb->state));
			continue;
		}
		live++;
		if (tcb == NULL || tcb->state != tcp_of[m->state])
			fail_msg("seed %u step %u: port %u: model state %d, table %s", seed, step,
			         m->port, m->state,
			         tcb != NULL ? tcp_state_name(tcb->state) : "none");
	}
	assert_int_equal(h->eng->tcp.used, live);
	assert_int_equal(flow_count(h->eng->flows), live);
}

/* The engine's reclaims during one SYN: the model's oldest go, and each
 * reset orphan's peer hears a RST. */
static void
apply_reclaims(uint64_t tw_reclaimed, uint64_t orphans_reclaimed, const struct outs *o)
{
	for (uint64_t k = 0; k < tw_reclaimed; k++) {
		struct mconn *m = oldest(true);
		assert_non_null(m);
		m->state = M_GONE;
	}
	for (uint64_t k = 0; k < orphans_reclaimed; k++) {
		struct mconn *m = oldest(false);
		bool rst = false;
		assert_non_null(m);
		for (unsigned i = 0; i < o->n; i++)
			rst |= o->t[i].dport == m->port && (o->t[i].flags & TH_RST);
		assert_true(rst);
		m->state = M_GONE;
	}
}

/* A new connection, to the closer or the keeper. */
static void
step_open(void)
{
	struct net_stats before = h->eng->stats;
	struct mconn *m = &model[nb_model];
	struct outs o;

	*m = (struct mconn){
		.port = (uint16_t)(PEER_PORT0 + nb_model),
		.us_port = below(4) < keep_in_4 ? KEEP_PORT : US_PORT,
	};
	nb_model++;
	send_peer(m, PEER_ISN, 0, TH_SYN, &o);
	const struct net_stats *after = &h->eng->stats;
	uint64_t tw = after->tcp_time_wait_reclaimed - before.tcp_time_wait_reclaimed;
	uint64_t orphans = after->tcp_orphans_reclaimed - before.tcp_orphans_reclaimed;
	uint64_t table_full = after->tcp_flow_table_full - before.tcp_flow_table_full;
	uint64_t pool_empty = after->tcp_conn_pool_empty - before.tcp_conn_pool_empty;
	apply_reclaims(tw, orphans, &o);
	const struct frame_tcp *synack = NULL;
	for (unsigned i = 0; i < o.n; i++)
		if (o.t[i].dport == m->port && o.t[i].flags == (TH_SYN | TH_ACK))
			synack = &o.t[i];
	if (synack == NULL) {
		/* Refused: counted once, and nothing was left to make room (or
		 * a full table's bound of reclaims a SYN was spent). */
		assert_int_equal(table_full + pool_empty, 1);
		if (count_reclaimable() != 0 && !(table_full != 0 && tw + orphans == 8))
			fail_msg("seed %u step %u: SYN refused (%s) with %u TIME_WAITs or orphans "
			         "left "
			         "(%" PRIu64 " and %" PRIu64 " ended for it)",
			         cur_seed, cur_step, table_full ? "table full" : "pool empty",
			         count_reclaimable(), tw, orphans);
		assert_int_equal(o.n, orphans); /* only the resets */
		m->state = M_GONE;
		return;
	}
	assert_int_equal(table_full + pool_empty, 0);
	assert_int_equal(o.n, orphans + 1);
	m->iss = synack->seq;
	send_peer(m, PEER_ISN + 1, m->iss + 1, TH_ACK, &o);
	if (m->us_port == KEEP_PORT) {
		assert_int_equal(o.n, 0);
		m->state = M_ESTABLISHED;
		return;
	}
	/* The application closes on accept: our FIN. */
	assert_int_equal(o.n, 1);
	assert_int_equal(o.t[0].flags, TH_FIN | TH_ACK);
	assert_int_equal(o.t[0].seq, m->iss + 1);
	m->state = M_FIN_WAIT_1;
	m->since_ms = now_ms;
	m->orphan_order = ++orphan_seq;
}

static struct mconn *
pick(enum mstate a, enum mstate b)
{
	unsigned n = 0, k;

	for (unsigned i = 0; i < nb_model; i++)
		n += model[i].state == a || model[i].state == b;
	if (n == 0)
		return NULL;
	k = below(n);
	for (unsigned i = 0; i < nb_model; i++)
		if ((model[i].state == a || model[i].state == b) && k-- == 0)
			return &model[i];
	return NULL;
}

/* The peer ACKs our FIN: FIN_WAIT_2, an orphan still. */
static void
step_ack_fin(void)
{
	struct mconn *m = pick(M_FIN_WAIT_1, M_FIN_WAIT_1);
	struct outs o;

	if (m == NULL)
		return;
	send_peer(m, PEER_ISN + 1, m->iss + 2, TH_ACK, &o);
	assert_int_equal(o.n, 0);
	m->state = M_FIN_WAIT_2;
	m->since_ms = now_ms;
}

/* The peer's FIN, ACKing ours: we ACK it and hold TIME_WAIT. */
static void
step_peer_fin(void)
{
	struct mconn *m = pick(M_FIN_WAIT_1, M_FIN_WAIT_2);
	struct outs o;

	if (m == NULL)
		return;
	send_peer(m, PEER_ISN + 1, m->iss + 2, TH_FIN | TH_ACK, &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.t[0].flags, TH_ACK);
	assert_int_equal(o.t[0].ack, PEER_ISN + 2);
	m->state = M_TIME_WAIT;
	m->since_ms = now_ms;
	m->tw_order = ++tw_seq;
}

/* Time passes in ticks of up to 300 ms. A TIME_WAIT or an orphan's
 * FIN_WAIT_2 must end at 2 MSL, within the wheel's slack, and not before; a
 * FIN_WAIT_1 resends its FIN and may give up, but not before its first
 * retransmission was due. */
static void
step_time(void)
{
	unsigned ticks = 1 + below(4);
	struct outs o;

	for (unsigned t = 0; t < ticks; t++) {
		uint64_t ms = 1 + below(300);
		harness_advance_us(h, ms * 1000);
		now_ms += ms;
		collect(&o);
		for (unsigned i = 0; i < o.n; i++)
			assert_true(o.t[i].flags == (TH_FIN | TH_ACK) || (o.t[i].flags & TH_RST));
		for (unsigned i = 0; i < nb_model; i++) {
			struct mconn *m = &model[i];
			if (m->state == M_GONE || m->state == M_ESTABLISHED)
				continue;
			uint64_t age = now_ms - m->since_ms;
			bool present = lookup(m) != NULL;
			if (m->state == M_FIN_WAIT_1) {
				if (!present) {
					assert_true(age >= h->cfg.tcp_rto_min_ms);
					m->state = M_GONE;
				}
				continue;
			}
			if ((age + TIMER_EARLY_MS < 2 * MSL_MS && !present) ||
			    (age > 2 * MSL_MS + TIMER_LATE_MS && present))
				fail_msg("port %u in state %d for %" PRIu64 " ms: %s", m->port,
				         m->state, age, present ? "still there" : "gone");
			if (!present)
				m->state = M_GONE;
		}
	}
}

static void
run_seed(unsigned seed)
{
	static const uint32_t conns[] = { 16, 32, 64, 128 };
	static const uint32_t flows[] = { 64, 128, 256 };
	struct config cfg;

	rng = seed;
	harness_config_defaults(&cfg);
	cfg.tcp_conns = conns[below(RTE_DIM(conns))];
	cfg.flows = flows[below(RTE_DIM(flows))];
	cfg.tcp_msl_s = MSL_MS / 1000;
	cfg.tcp_syncookies = TCP_SYNCOOKIES_NO; /* every SYN takes a block */
	assert_int_equal(harness_reset(h, &cfg), 0);
	harness_learn(h, PEER_IP, &peer_mac);
	assert_int_equal(harness_listen(h, US_PORT, &closer_ops, NULL), 0);
	assert_int_equal(harness_listen(h, KEEP_PORT, &keeper_ops, NULL), 0);
	nb_model = 0;
	now_ms = tw_seq = orphan_seq = 0;
	/* Each seed its own odds: new connections against closes, so that
	 * the table and the pool fill with TIME_WAITs, orphans, or open
	 * connections; time now and then, so that timers end some. */
	weights[0] = 4 + below(8);
	weights[1] = below(6);
	weights[2] = below(10);
	weights[3] = 1 + below(2);
	keep_in_4 = below(4);
	unsigned total = weights[0] + weights[1] + weights[2] + weights[3];
	for (unsigned step = 0; step < STEPS; step++) {
		unsigned r = below(total);
		cur_seed = seed;
		cur_step = step;
		if (r < weights[0])
			step_open();
		else if (r < weights[0] + weights[1])
			step_ack_fin();
		else if (r < weights[0] + weights[1] + weights[2])
			step_peer_fin();
		else
			step_time();
		check_table(seed, step);
	}
}

static void
test_table_and_pool_search(void **state)
{
	uint64_t tw = 0, orphans = 0, full = 0, empty = 0;

	(void)state;
	for (unsigned seed = 1; seed <= SEEDS; seed++) {
		run_seed(seed);
		tw += h->eng->stats.tcp_time_wait_reclaimed;
		orphans += h->eng->stats.tcp_orphans_reclaimed;
		full += h->eng->stats.tcp_flow_table_full;
		empty += h->eng->stats.tcp_conn_pool_empty;
	}
	print_message("%u seeds: %" PRIu64 " TIME_WAITs and %" PRIu64 " orphans reclaimed, %" PRIu64
	              " SYNs refused for a full table, %" PRIu64 " for an empty pool\n",
	              SEEDS, tw, orphans, full, empty);
	/* The search reached every path it is for. */
	assert_true(tw > 0 && orphans > 0 && full > 0 && empty > 0);
}

static int
setup(void **state)
{
	(void)state;
	h = harness_open(NULL);
	return h == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	harness_drain(h);
	harness_close(h);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_table_and_pool_search, setup, teardown),
	};

	if (harness_eal_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
