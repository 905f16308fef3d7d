/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One ACK per connection per RX burst (DESIGN.md principle 3): TCP input
 * only marks a connection, and output builds once per engine iteration, so
 * segments that arrive together are acknowledged together. Scripts queue
 * the peer's segments with IN_QUEUE() and take them in one RX burst with
 * POLL(); a test without the runner does the same for several connections.
 *
 *   IN_QUEUE x N -> POLL (engine_poll once) -> one ACK
 *   K connections x N segments -> harness_inject -> engine_poll once -> K ACKs
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_byteorder.h>

#include "tcp/tcp.h"
#include "tcp_script.h"
#include "tern.h"

/* The peer's in-order segment @i (from 0) of @len bytes. */
#define PEER_SEG(i, l)                                                                             \
	SEG(PEER, .flags = TH_ACK, .seq = R0 + 1 + (i) * (l), .ack = L0 + 1, .len = (l))

/* Sixteen full segments in one burst: every second one asks for an ACK
 * (RFC 5681 4.2), and the burst gets exactly one, for all of them, with the
 * window less the 23360 bytes unread. Nothing follows when the delayed-ACK
 * time passes: that ACK settled what was owed. */
static const struct script_step burst_one_ack[] = {
	ESTABLISHED(),
	IN_QUEUE(PEER_SEG(0, 1460)),
	IN_QUEUE(PEER_SEG(1, 1460)),
	IN_QUEUE(PEER_SEG(2, 1460)),
	IN_QUEUE(PEER_SEG(3, 1460)),
	IN_QUEUE(PEER_SEG(4, 1460)),
	IN_QUEUE(PEER_SEG(5, 1460)),
	IN_QUEUE(PEER_SEG(6, 1460)),
	IN_QUEUE(PEER_SEG(7, 1460)),
	IN_QUEUE(PEER_SEG(8, 1460)),
	IN_QUEUE(PEER_SEG(9, 1460)),
	IN_QUEUE(PEER_SEG(10, 1460)),
	IN_QUEUE(PEER_SEG(11, 1460)),
	IN_QUEUE(PEER_SEG(12, 1460)),
	IN_QUEUE(PEER_SEG(13, 1460)),
	IN_QUEUE(PEER_SEG(14, 1460)),
	IN_QUEUE(PEER_SEG(15, 1460)),
	POLL(),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1 + 16 * 1460,
	        .win = WIN_FREE(16 * 1460))),
	OUT_NONE(),
	PENDING(16 * 1460),
	ADVANCE_MS(200),
	OUT_NONE(),
	APP_RECV(16 * 1460),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1 + 16 * 1460, .win = WIN_FREE(0))),
};

/* Small segments in one burst ask for no ACK now: the delayed ACK covers
 * the three of them, 40 ms later. */
static const struct script_step burst_small_segments_delayed[] = {
	ESTABLISHED(),
	IN_QUEUE(PEER_SEG(0, 100)),
	IN_QUEUE(PEER_SEG(1, 100)),
	IN_QUEUE(PEER_SEG(2, 100)),
	POLL(),
	OUT_NONE(),
	ADVANCE_MS(39),
	OUT_NONE(),
	ADVANCE_MS(1),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 301, .win = WIN_FREE(300))),
	APP_RECV(300),
};

/* Three segments above a hole in one burst: three duplicate ACKs (RFC 5681
 * 4.2: an immediate duplicate ACK for each out-of-order segment), as three
 * bursts would give; each carries the one SACK block that covers all three,
 * the state after the burst. A sender that counts duplicate ACKs needs all
 * three, and when ACKs are lost each copy is one more chance for the block
 * to arrive: 10 MiB from Linux at 20% loss each way took 11.2 s with one
 * ACK for the burst, 2.2 s with one per segment. In-order data is still
 * one ACK a burst (burst_one_ack). */
static const struct script_step burst_out_of_order_ack_each[] = {
	ESTABLISHED(),
	IN_QUEUE(PEER_SEG(1, 1000)),
	IN_QUEUE(PEER_SEG(2, 1000)),
	IN_QUEUE(PEER_SEG(3, 1000)),
	POLL(),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,
	        .sack = { { R0 + 1001, R0 + 4001 } }, .win = WIN_FREE(3000))),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,
	        .sack = { { R0 + 1001, R0 + 4001 } }, .win = WIN_FREE(3000))),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,
	        .sack = { { R0 + 1001, R0 + 4001 } }, .win = WIN_FREE(3000))),
	OUT_NONE(),
	/* The hole filled in a burst of its own: one ACK for all. */
	IN_QUEUE(PEER_SEG(0, 1000)),
	POLL(),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 4001, .win = WIN_FREE(4000))),
	APP_RECV(4000),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 4001, .win = WIN_FREE(0))),
};

/* Ten segments above a hole in one burst: TCP_DUPACKS_PER_BURST (8)
 * duplicate ACKs, not ten: a burst of a hundred must not draw a hundred. */
#define ACK_OOO_10                                                                                 \
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,                                 \
	        .sack = { { R0 + 101, R0 + 1101 } }, .win = WIN_FREE(1000)))
static const struct script_step burst_out_of_order_acks_capped[] = {
	ESTABLISHED(),
	IN_QUEUE(PEER_SEG(1, 100)),
	IN_QUEUE(PEER_SEG(2, 100)),
	IN_QUEUE(PEER_SEG(3, 100)),
	IN_QUEUE(PEER_SEG(4, 100)),
	IN_QUEUE(PEER_SEG(5, 100)),
	IN_QUEUE(PEER_SEG(6, 100)),
	IN_QUEUE(PEER_SEG(7, 100)),
	IN_QUEUE(PEER_SEG(8, 100)),
	IN_QUEUE(PEER_SEG(9, 100)),
	IN_QUEUE(PEER_SEG(10, 100)),
	POLL(),
	ACK_OOO_10,
	ACK_OOO_10,
	ACK_OOO_10,
	ACK_OOO_10,
	ACK_OOO_10,
	ACK_OOO_10,
	ACK_OOO_10,
	ACK_OOO_10,
	OUT_NONE(),
};

static void
run(void **state)
{
	assert_int_equal(tcp_script_run(*state), 0);
}

/* ---- several connections in one burst ----------------------------------- */

#define BURST_CONNS    8
#define BURST_SEGS     16 /* per connection */
#define BURST_SEG_LEN  1460
#define BURST_US_PORT  80
#define BURST_PEER_ISN 0xfffff000u /* the data crosses 2^32 */

struct burst_conn {
	uint16_t peer_port;
	uint32_t iss; /* ours, from the SYN-ACK */
	struct tern_conn *conn;
};

struct burst_fixture {
	struct harness *h;
	struct burst_conn c[BURST_CONNS];
	unsigned accepted;
};

static void
burst_accepted(struct tern_conn *c, void *arg)
{
	struct burst_fixture *f = arg;

	if (f->accepted < BURST_CONNS)
		f->c[f->accepted].conn = c;
	f->accepted++;
}

static const struct tern_conn_ops burst_ops = { .accepted = burst_accepted };

static struct rte_mbuf *
burst_frame(struct burst_fixture *f, const struct burst_conn *c, uint8_t flags, uint32_t seq,
            uint32_t ack, const struct tcp_opts *opts, const uint8_t *data, uint16_t len)
{
	struct frame_tcp t = { .src_ip = PEER_IP,
		               .dst_ip = US_IP,
		               .sport = c->peer_port,
		               .dport = BURST_US_PORT,
		               .seq = seq,
		               .ack = ack,
		               .flags = flags,
		               .win = 65535,
		               .data = data,
		               .len = len };

	if (opts != NULL)
		t.opts = *opts;
	struct rte_mbuf *m = frame_tcp(f->h->pool, &harness_iface(f->h)->mac, &t);
	assert_non_null(m);
	return m;
}

/* The passive open of connection @c: SYN (MSS 1460, window scale 0), our
 * SYN-ACK read for our ISN, the ACK. */
static void
burst_open(struct burst_fixture *f, struct burst_conn *c)
{
	struct tcp_opts o = { .has_mss = true, .mss = 1460, .has_wscale = true, .wscale = 0 };
	struct rte_mbuf *out[4];
	struct frame_tcp t;

	unsigned n = harness_exchange(
	        f->h, burst_frame(f, c, TH_SYN, BURST_PEER_ISN, 0, &o, NULL, 0), out, RTE_DIM(out));
	assert_int_equal(n, 1);
	assert_int_equal(frame_tcp_read(out[0], &t), 0);
	assert_int_equal(t.flags, TH_SYN | TH_ACK);
	assert_int_equal(t.ack, BURST_PEER_ISN + 1);
	c->iss = t.seq;
	rte_pktmbuf_free(out[0]);
	n = harness_exchange(
	        f->h, burst_frame(f, c, TH_ACK, BURST_PEER_ISN + 1, c->iss + 1, NULL, NULL, 0), out,
	        RTE_DIM(out));
	assert_int_equal(n, 0);
}

/* K connections, N full segments each, all in one RX burst (K x N frames,
 * one engine_poll): exactly K segments out, one pure ACK per connection,
 * each acknowledging all N of its segments with its window less what is
 * unread (256 KB at scale 3). */
static void
test_burst_k_connections(void **state)
{
	struct burst_fixture f = { 0 };
	struct config cfg;
	static uint8_t payload[BURST_SEG_LEN];
	struct rte_mbuf *in[BURST_CONNS * BURST_SEGS];
	struct rte_mbuf *out[2 * BURST_CONNS];
	unsigned nb_in = 0;

	(void)state;
	harness_config_defaults(&cfg);
	cfg.burst = RTE_DIM(in); /* one RX burst takes them all */
	f.h = harness_open(&cfg);
	assert_non_null(f.h);
	harness_learn(f.h, PEER_IP, &peer_mac);
	assert_int_equal(harness_listen(f.h, BURST_US_PORT, &burst_ops, &f), 0);
	for (unsigned k = 0; k < BURST_CONNS; k++) {
		f.c[k].peer_port = (uint16_t)(40000 + k);
		burst_open(&f, &f.c[k]);
	}
	assert_int_equal(f.accepted, BURST_CONNS);

	/* Connection by connection, as a switch would interleave them or not:
	 * the order does not change what one poll owes each. */
	for (unsigned i = 0; i < BURST_SEGS; i++)
		for (unsigned k = 0; k < BURST_CONNS; k++)
			in[nb_in++] = burst_frame(&f, &f.c[k], TH_ACK,
			                          BURST_PEER_ISN + 1 + i * BURST_SEG_LEN,
			                          f.c[k].iss + 1, NULL, payload, BURST_SEG_LEN);
	harness_inject(f.h, in, nb_in);
	engine_poll(f.h->eng, f.h->tsc);
	assert_true(rte_ring_empty(f.h->rings[0]));

	unsigned n = harness_collect(f.h, out, RTE_DIM(out));
	bool acked[BURST_CONNS] = { false };
	assert_int_equal(n, BURST_CONNS);
	for (unsigned j = 0; j < n; j++) {
		struct frame_tcp t;
		assert_int_equal(frame_tcp_read(out[j], &t), 0);
		unsigned k = (unsigned)(t.dport - 40000);
		assert_true(k < BURST_CONNS);
		assert_false(acked[k]);
		acked[k] = true;
		assert_int_equal(t.flags, TH_ACK);
		assert_int_equal(t.len, 0);
		assert_int_equal(t.seq, f.c[k].iss + 1);
		assert_int_equal(t.ack, BURST_PEER_ISN + 1 + BURST_SEGS * BURST_SEG_LEN);
		assert_int_equal(t.win, WIN_FREE(BURST_SEGS * BURST_SEG_LEN));
		rte_pktmbuf_free(out[j]);
	}
	/* And nothing when the delayed-ACK time has passed. */
	harness_advance_us(f.h, 200000);
	assert_int_equal(harness_collect(f.h, out, RTE_DIM(out)), 0);

	for (unsigned k = 0; k < BURST_CONNS; k++)
		tern_abort(f.c[k].conn);
	harness_poll(f.h);
	harness_drain(f.h);
	assert_int_equal(f.h->eng->tcp.used, 0);
	assert_int_equal(harness_pool_in_use(f.h), 0);
	harness_close(f.h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		SCRIPT_TEST(run, burst_one_ack, NULL),
		SCRIPT_TEST(run, burst_small_segments_delayed, NULL),
		SCRIPT_TEST(run, burst_out_of_order_ack_each, NULL),
		SCRIPT_TEST(run, burst_out_of_order_acks_capped, NULL),
		cmocka_unit_test(test_burst_k_connections),
	};

	return cmocka_run_group_tests_name("tcp_burst", tests, NULL, NULL);
}
