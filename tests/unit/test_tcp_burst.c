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
#include <rte_ether.h>
#include <rte_ip.h>

#include "tcp/tcp.h"
#include "tcp_script.h"
#include "tern.h"

/* The peer's in-order segment @i (from 0) of @len bytes. */
#define PEER_SEG(i, l)                                                                             \
	SEG(PEER, .flags = TH_ACK, .seq = R0 + 1 + (i) * (l), .ack = L0 + 1, .len = (l))
/* Full in-order segments @i.. queued for the next POLL: 2 and 4 of them. */
#define IN_FULL_2(i) IN_QUEUE(PEER_SEG(i, 1460)), IN_QUEUE(PEER_SEG((i) + 1, 1460))
#define IN_FULL_4(i) IN_FULL_2(i), IN_FULL_2((i) + 2)

/* Sixteen full segments in one burst, with sends left to the burst's end
 * (cfg_no_early_send): every second one asks for an ACK (RFC 5681 4.2), and
 * the burst gets exactly one, for all of them, with the window less the
 * 23360 bytes unread. Nothing follows when the delayed-ACK time passes: that
 * ACK settled what was owed. */
static const struct script_step burst_one_ack[] = {
	ESTABLISHED(),
	IN_FULL_4(0),
	IN_FULL_4(4),
	IN_FULL_4(8),
	IN_FULL_4(12),
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

/* Twelve full segments, with the default early_send_min of 8: the burst (12
 * of 32) did not fill, so the first half is ACKed before the second half is
 * handled, and the second half gets the second ACK. A sender waiting on our
 * ACKs hears half a burst sooner. */
static const struct script_step burst_acks_early[] = {
	ESTABLISHED(),
	IN_FULL_4(0),
	IN_FULL_4(4),
	IN_FULL_4(8),
	POLL(),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1 + 6 * 1460,
	        .win = WIN_FREE(6 * 1460))),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1 + 12 * 1460,
	        .win = WIN_FREE(12 * 1460))),
	OUT_NONE(),
	PENDING(12 * 1460),
	ADVANCE_MS(200),
	OUT_NONE(),
};

/* Six full segments, fewer than early_send_min: one ACK for the burst. */
static const struct script_step burst_small_one_ack[] = {
	ESTABLISHED(),
	IN_FULL_4(0),
	IN_FULL_2(4),
	POLL(),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1 + 6 * 1460,
	        .win = WIN_FREE(6 * 1460))),
	OUT_NONE(),
};

/* Sixteen segments that fill the burst (cfg_burst_16): frames queue at this
 * core, so they are handled together and get one ACK, early_send_min or not. */
static const struct script_step burst_full_one_ack[] = {
	ESTABLISHED(),
	IN_FULL_4(0),
	IN_FULL_4(4),
	IN_FULL_4(8),
	IN_FULL_4(12),
	POLL(),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1 + 16 * 1460,
	        .win = WIN_FREE(16 * 1460))),
	OUT_NONE(),
};

static void
cfg_no_early_send(struct config *cfg)
{
	cfg->early_send_min = 0;
}

static void
cfg_burst_16(struct config *cfg)
{
	cfg->burst = 16;
}

static void
cfg_burst_10(struct config *cfg)
{
	cfg->burst = 10;
}

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

/* Ten 100-byte segments above a one-segment hole, queued for one poll. */
#define IN_OOO_10()                                                                                \
	IN_QUEUE(PEER_SEG(1, 100)), IN_QUEUE(PEER_SEG(2, 100)), IN_QUEUE(PEER_SEG(3, 100)),        \
	        IN_QUEUE(PEER_SEG(4, 100)), IN_QUEUE(PEER_SEG(5, 100)),                            \
	        IN_QUEUE(PEER_SEG(6, 100)), IN_QUEUE(PEER_SEG(7, 100)),                            \
	        IN_QUEUE(PEER_SEG(8, 100)), IN_QUEUE(PEER_SEG(9, 100)),                            \
	        IN_QUEUE(PEER_SEG(10, 100))

/* Ten segments above a hole in one full burst (cfg_burst_10):
 * TCP_DUPACKS_PER_BURST (8) duplicate ACKs, not ten: a burst of a hundred
 * must not draw a hundred. (A burst that did not fill may be sent in two
 * halves, each under this cap: burst_out_of_order_halves.) */
#define ACK_OOO_10                                                                                 \
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,                                 \
	        .sack = { { R0 + 101, R0 + 1101 } }, .win = WIN_FREE(1000)))
/* Laid out by hand: the eight ACKs four a line. */
/* clang-format off */
static const struct script_step burst_out_of_order_acks_capped[] = {
	ESTABLISHED(),
	IN_OOO_10(),
	POLL(),
	ACK_OOO_10, ACK_OOO_10, ACK_OOO_10, ACK_OOO_10,
	ACK_OOO_10, ACK_OOO_10, ACK_OOO_10, ACK_OOO_10,
	OUT_NONE(),
};
/* clang-format on */

/* The same ten in a burst that did not fill (32 frames, the default
 * early_send_min of 8): it goes in two halves, each under the cap, and draws
 * one duplicate ACK a segment, no more: five with the SACK block of the
 * first half, then five with the block of all ten. Those keep the first
 * half's window: the right edge it offered is not taken back (RFC 9293
 * 3.8.6.2.2, tcp_output.c). */
#define ACK_OOO_HALF                                                                               \
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,                                 \
	        .sack = { { R0 + 101, R0 + 601 } }, .win = WIN_FREE(500)))
#define ACK_OOO_ALL                                                                                \
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,                                 \
	        .sack = { { R0 + 101, R0 + 1101 } }, .win = WIN_FREE(500)))
/* Laid out by hand: the five ACKs of each half a line. */
/* clang-format off */
static const struct script_step burst_out_of_order_halves[] = {
	ESTABLISHED(),
	IN_OOO_10(),
	POLL(),
	ACK_OOO_HALF, ACK_OOO_HALF, ACK_OOO_HALF, ACK_OOO_HALF, ACK_OOO_HALF,
	ACK_OOO_ALL, ACK_OOO_ALL, ACK_OOO_ALL, ACK_OOO_ALL, ACK_OOO_ALL,
	OUT_NONE(),
};
/* clang-format on */

/* ---- one lookup for the burst: what the segments ahead change ----------- *
 *
 * TCP input looks up every segment of a burst at once, before any of them
 * runs (tcp_input_flush). The scripts below put, in one burst, a segment that
 * opens or ends a connection ahead of another segment of the same 4-tuple:
 * the later one must meet the connection as the earlier one left it, exactly
 * as if each had been looked up on its own. */

/* How many looked-up owners the burst had changed by the time their segment
 * ran (the re-lookups), and segments that found no connection and no
 * listener. */
static int
expect_lookups(struct script_run *r, uint64_t again, uint64_t no_conn)
{
	const struct net_stats *st = &script_harness(r)->eng->stats;

	if (st->tcp_lookups_again != again || st->drops[DROP_TCP_NO_CONN] != no_conn)
		return script_fail(r, "tcp_lookups_again %lu, drop.tcp_no_conn %lu: want %lu, %lu",
		                   st->tcp_lookups_again, st->drops[DROP_TCP_NO_CONN], again,
		                   no_conn);
	return 0;
}

static int
again_1_no_conn_1(struct script_run *r)
{
	return expect_lookups(r, 1, 1);
}

static int
again_1_no_conn_0(struct script_run *r)
{
	return expect_lookups(r, 1, 0);
}

static int
again_2_no_conn_0(struct script_run *r)
{
	return expect_lookups(r, 2, 0);
}

/* SYN, the handshake's ACK and data, all in one burst. The SYN opens the
 * connection (the other two missed at lookup time and find it now), but the
 * ACK acknowledges a SYN-ACK not yet built: it is not acceptable in SYN_RCVD
 * (RFC 9293 3.10.7.4, ACK check: SND.UNA < SEG.ACK =< SND.NXT), and each gets
 * <SEQ=SEG.ACK><CTL=RST>. Then the output pass sends the SYN-ACK. */
static const struct script_step burst_syn_ack_data[] = {
	LISTEN(),
	IN_QUEUE(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460, .ws = 0, .sackok = true)),
	IN_QUEUE(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	IN_QUEUE(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	POLL(),
	OUT(SEG(US, .flags = TH_RST, .seq = L0 + 1, .win = 0)),
	OUT(SEG(US, .flags = TH_RST, .seq = L0 + 1, .win = 0)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .mss = 1460, .ws = 3,
	        .sackok = true, .win = WIN_UNSCALED)),
	STATE(TCP_SYN_RCVD),
	APP(again_2_no_conn_0),
	/* The peer, having the SYN-ACK now, completes the handshake. */
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	ACCEPTED(),
	STATE(TCP_ESTABLISHED),
	PENDING(100),
};

/* SYN, then the peer's RST in the same burst: the connection the SYN opened
 * is gone before any output, so nothing at all goes out (not a SYN-ACK). */
static const struct script_step burst_syn_rst[] = {
	LISTEN(),
	IN_QUEUE(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	IN_QUEUE(SEG(PEER, .flags = TH_RST, .seq = R0 + 1)),
	POLL(),
	OUT_NONE(),
	STATE(TCP_CLOSED),
	APP(again_1_no_conn_0),
};

/* A SYN cookie answered the SYN (no connection yet); the handshake's ACK and
 * two segments of data follow in one burst. The ACK opens the connection
 * from the cookie (RFC 4987 3.6); the data, which missed at lookup time,
 * is delivered to it in order: one ACK for both, delayed. */
static void
cfg_cookies_always(struct config *cfg)
{
	cfg->tcp_syncookies = TCP_SYNCOOKIES_ALWAYS;
}

static const struct script_step burst_cookie_ack_data[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	/* Without timestamps a cookie carries no window scale: 65535. */
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .win = 65535, .mss = 1460)),
	STATE(TCP_CLOSED),
	IN_QUEUE(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	IN_QUEUE(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	IN_QUEUE(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 101, .ack = L0 + 1, .len = 100)),
	POLL(),
	ACCEPTED(),
	STATE(TCP_ESTABLISHED),
	PENDING(200),
	APP(again_2_no_conn_0),
	WITHIN_MS(40),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 201, .win = 65535)),
	APP_RECV(200),
};

/* The peer's RST, then data of the same connection in one burst: the RST
 * ends the connection, so the data finds none (its looked-up control block
 * is closed) and is answered as RFC 9293 3.10.7.1 says: <SEQ=SEG.ACK><CTL=RST>. */
static const struct script_step burst_rst_then_data[] = {
	ESTABLISHED(),
	IN_QUEUE(SEG(PEER, .flags = TH_RST, .seq = R0 + 1)),
	IN_QUEUE(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	POLL(),
	CLOSED(-ECONNRESET),
	OUT(SEG(US, .flags = TH_RST, .seq = L0 + 1, .win = 0)),
	STATE(TCP_CLOSED),
	APP(again_1_no_conn_1),
};

/* A SYN that reopens a TIME_WAIT 4-tuple (RFC 6191: a higher sequence
 * number), and its duplicate, in one burst: the first frees the TIME_WAIT
 * control block and opens a new connection; the duplicate, looked up as the
 * old one, meets the new one in SYN_RCVD, which answers its own SYN once (one
 * SYN-ACK, no RST). Then the handshake completes and data flows. */
static const struct script_step burst_time_wait_reopen[] = {
	HANDSHAKE(),
	APP_CLOSE(),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_FIN | TH_ACK, .seq = R0 + 1, .ack = L0 + 2)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2, .ack = R0 + 2, .win = WIN_ANY)),
	STATE(TCP_TIME_WAIT),
	CLOSED(0),
	ADVANCE_MS(1000),
	IN_QUEUE(SEG(PEER, .flags = TH_SYN, .seq = R0 + 100000, .mss = 1460)),
	IN_QUEUE(SEG(PEER, .flags = TH_SYN, .seq = R0 + 100000, .mss = 1460)),
	POLL(),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L1, .ack = R0 + 100001, .mss = 1460,
	        .win = WIN_UNSCALED)),
	OUT_NONE(),
	STATE(TCP_SYN_RCVD),
	APP(again_1_no_conn_0),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 100001, .ack = L1 + 1, .len = 100)),
	ACCEPTED(),
	STATE(TCP_ESTABLISHED),
	PENDING(100),
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

/* The frames the engine sent: how many went to peer port @dport with
 * @flags, and (if @seq is not NULL) every one of them with sequence number
 * *@seq. Frees them all. */
struct burst_out {
	struct frame_tcp t[64];
	unsigned n;
};

static void
burst_take(struct burst_fixture *f, struct burst_out *o)
{
	struct rte_mbuf *out[RTE_DIM(o->t)];

	o->n = harness_collect(f->h, out, RTE_DIM(out));
	for (unsigned i = 0; i < o->n; i++) {
		assert_int_equal(frame_tcp_read(out[i], &o->t[i]), 0);
		/* Payload is not compared here: no pointer into a freed mbuf. */
		o->t[i].data = NULL;
		rte_pktmbuf_free(out[i]);
	}
}

static unsigned
burst_count(const struct burst_out *o, uint16_t dport, uint8_t flags)
{
	unsigned n = 0;

	for (unsigned i = 0; i < o->n; i++)
		n += o->t[i].dport == dport && o->t[i].flags == flags;
	return n;
}

static const struct frame_tcp *
burst_find(const struct burst_out *o, uint16_t dport, uint8_t flags)
{
	for (unsigned i = 0; i < o->n; i++)
		if (o->t[i].dport == dport && o->t[i].flags == flags)
			return &o->t[i];
	return NULL;
}

static void
burst_setup(struct burst_fixture *f, struct config *cfg, unsigned conns)
{
	f->h = harness_open(cfg);
	assert_non_null(f->h);
	harness_learn(f->h, PEER_IP, &peer_mac);
	assert_int_equal(harness_listen(f->h, BURST_US_PORT, &burst_ops, f), 0);
	for (unsigned k = 0; k < conns; k++) {
		f->c[k].peer_port = (uint16_t)(40000 + k);
		burst_open(f, &f->c[k]);
	}
	assert_int_equal(f->accepted, conns);
}

/* Every connection and mbuf back: the half-open ones reset by the peer,
 * the rest aborted (those in @skip are gone already). */
static void
burst_teardown(struct burst_fixture *f, unsigned conns, uint32_t skip, struct burst_conn *half,
               unsigned nb_half)
{
	for (unsigned i = 0; i < nb_half; i++) {
		struct rte_mbuf *m =
		        burst_frame(f, &half[i], TH_RST, BURST_PEER_ISN + 1, 0, NULL, NULL, 0);
		harness_inject(f->h, &m, 1);
		harness_poll(f->h);
	}
	for (unsigned k = 0; k < conns; k++)
		if (!(skip & (1u << k)))
			tern_abort(f->c[k].conn);
	harness_poll(f->h);
	harness_drain(f->h);
	assert_int_equal(f->h->eng->tcp.used, 0);
	assert_int_equal(harness_pool_in_use(f->h), 0);
	harness_close(f->h);
}

/* With one control block in the pool, connection A sits in TIME_WAIT. One
 * burst: B's SYN, then A's FIN retransmitted. B's SYN takes A's control
 * block for itself (tcp_reclaim: the pool is empty). A's FIN, looked up
 * with the burst, holds that block, in the table now under B's 4-tuple:
 * it must not run on B's connection. It finds none of its own and, being
 * an ACK to a listener, gets <SEQ=SEG.ACK><CTL=RST> (RFC 9293 3.10.7.2);
 * B gets its SYN-ACK. */
static void
test_burst_reclaimed_tcb(void **state)
{
	struct burst_fixture f = { 0 };
	struct burst_conn b = { .peer_port = 40001 };
	struct burst_out o;
	struct config cfg;

	(void)state;
	harness_config_defaults(&cfg);
	cfg.tcp_conns = 1;
	burst_setup(&f, &cfg, 1);
	struct burst_conn *a = &f.c[0];

	/* A to TIME_WAIT: we close first, the peer's FIN follows. */
	tern_close(a->conn);
	harness_poll(f.h);
	burst_take(&f, &o);
	assert_int_equal(burst_count(&o, 40000, TH_FIN | TH_ACK), 1);
	struct rte_mbuf *fin =
	        burst_frame(&f, a, TH_FIN | TH_ACK, BURST_PEER_ISN + 1, a->iss + 2, NULL, NULL, 0);
	harness_inject(f.h, &fin, 1);
	harness_poll(f.h);
	burst_take(&f, &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(f.h->eng->tcp.conns[0].state, TCP_TIME_WAIT);

	struct tcp_opts syn = { .has_mss = true, .mss = 1460 };
	struct rte_mbuf *in[2] = {
		burst_frame(&f, &b, TH_SYN, BURST_PEER_ISN, 0, &syn, NULL, 0),
		burst_frame(&f, a, TH_FIN | TH_ACK, BURST_PEER_ISN + 1, a->iss + 2, NULL, NULL, 0),
	};
	harness_inject(f.h, in, 2);
	harness_poll(f.h);
	burst_take(&f, &o);
	assert_int_equal(o.n, 2);
	const struct frame_tcp *rst = burst_find(&o, 40000, TH_RST);
	assert_non_null(rst);
	assert_int_equal(rst->seq, a->iss + 2);
	const struct frame_tcp *sa = burst_find(&o, 40001, TH_SYN | TH_ACK);
	assert_non_null(sa);
	assert_int_equal(sa->ack, BURST_PEER_ISN + 1);
	assert_int_equal(f.h->eng->stats.tcp_time_wait_reclaimed, 1);
	assert_int_equal(f.h->eng->stats.tcp_lookups_again, 1);
	assert_int_equal(f.h->eng->tcp.conns[0].state, TCP_SYN_RCVD);
	assert_int_equal(f.h->eng->tcp.conns[0].key.remote_port, rte_cpu_to_be_16(40001));

	burst_teardown(&f, 1, 1u << 0, &b, 1);
}

/* Two new connections' SYNs, then the first one's RST, in one burst. B's SYN
 * opens B. C's SYN missed at lookup time and still misses, as nothing was
 * added under its hash since: it opens C without a second lookup. B's RST
 * missed too, but B's key went in since: looked up again, it finds B and
 * resets it. One SYN-ACK goes out, C's. */
static void
test_burst_syns_apart(void **state)
{
	struct burst_fixture f = { 0 };
	struct burst_conn b = { .peer_port = 40001 }, c = { .peer_port = 40002 };
	struct tcp_opts syn = { .has_mss = true, .mss = 1460 };
	struct burst_out o;
	struct config cfg;

	(void)state;
	harness_config_defaults(&cfg);
	burst_setup(&f, &cfg, 1);
	struct rte_mbuf *in[3] = {
		burst_frame(&f, &b, TH_SYN, BURST_PEER_ISN, 0, &syn, NULL, 0),
		burst_frame(&f, &c, TH_SYN, BURST_PEER_ISN, 0, &syn, NULL, 0),
		burst_frame(&f, &b, TH_RST, BURST_PEER_ISN + 1, 0, NULL, NULL, 0),
	};
	harness_inject(f.h, in, RTE_DIM(in));
	harness_poll(f.h);
	burst_take(&f, &o);
	assert_int_equal(o.n, 1);
	const struct frame_tcp *sa = burst_find(&o, 40002, TH_SYN | TH_ACK);
	assert_non_null(sa);
	assert_int_equal(sa->ack, BURST_PEER_ISN + 1);
	assert_int_equal(f.h->eng->stats.tcp_resets_received, 1);
	assert_int_equal(f.h->eng->stats.tcp_lookups_again, 1);

	burst_teardown(&f, 1, 0, &c, 1);
}

/* One RX burst of 8 connections' data interleaved (16 segments each, more
 * than two bulk lookups' worth) with, in the middle of it, connection 3
 * reset by its peer and a new connection's SYN and, 64 segments later, its
 * duplicate. The reset one gets a RST for each segment after its reset (no
 * connection, an ACK to a listener: <SEQ=SEG.ACK><CTL=RST>); the new one,
 * one SYN-ACK; each established one, one ACK for all its data. */
#define MIX_LEN   100
#define MIX_RESET 3 /* the connection reset ... */
#define MIX_AT    4 /* ... before its segment MIX_AT */

static void
test_burst_interleaved_mixed(void **state)
{
	struct burst_fixture f = { 0 };
	struct burst_conn n = { .peer_port = 41000 };
	struct tcp_opts syn = { .has_mss = true, .mss = 1460 };
	static uint8_t payload[MIX_LEN];
	struct rte_mbuf *in[BURST_CONNS * BURST_SEGS + 3];
	struct burst_out o;
	struct config cfg;
	unsigned nb_in = 0, rst_at = 0, stale = 0;

	(void)state;
	harness_config_defaults(&cfg);
	cfg.burst = RTE_DIM(in);
	burst_setup(&f, &cfg, BURST_CONNS);
	for (unsigned i = 0; i < BURST_SEGS; i++) {
		for (unsigned k = 0; k < BURST_CONNS; k++) {
			uint32_t seq = BURST_PEER_ISN + 1 + i * MIX_LEN;
			if (k == MIX_RESET && i == MIX_AT) {
				rst_at = nb_in;
				in[nb_in++] =
				        burst_frame(&f, &f.c[k], TH_RST, seq, 0, NULL, NULL, 0);
			}
			/* Looked up with the RST, before it ran. */
			if (k == MIX_RESET && i >= MIX_AT &&
			    nb_in / FLOW_BURST_MAX == rst_at / FLOW_BURST_MAX)
				stale++;
			in[nb_in++] = burst_frame(&f, &f.c[k], TH_ACK | TH_PSH, seq, f.c[k].iss + 1,
			                          NULL, payload, MIX_LEN);
		}
		if (i == 2 || i == 2 + 64 / BURST_CONNS)
			in[nb_in++] = burst_frame(&f, &n, TH_SYN, BURST_PEER_ISN, 0, &syn, NULL, 0);
	}
	assert_int_equal(nb_in, RTE_DIM(in));
	harness_inject(f.h, in, nb_in);
	engine_poll(f.h->eng, f.h->tsc);
	assert_true(rte_ring_empty(f.h->rings[0]));
	burst_take(&f, &o);

	/* At once: the RSTs and the SYN-ACK. */
	unsigned resets = BURST_SEGS - MIX_AT;
	assert_int_equal(o.n, resets + 1);
	uint16_t port = f.c[MIX_RESET].peer_port;
	assert_int_equal(burst_count(&o, port, TH_RST), resets);
	for (unsigned j = 0; j < o.n; j++)
		if (o.t[j].dport == port)
			assert_int_equal(o.t[j].seq, f.c[MIX_RESET].iss + 1);
	const struct frame_tcp *sa = burst_find(&o, 41000, TH_SYN | TH_ACK);
	assert_non_null(sa);
	assert_int_equal(sa->ack, BURST_PEER_ISN + 1);

	/* Small segments: the ACKs are delayed (RFC 5681 4.2), one each. */
	harness_advance_us(f.h, 200000);
	burst_take(&f, &o);
	assert_int_equal(o.n, BURST_CONNS - 1);
	for (unsigned k = 0; k < BURST_CONNS; k++) {
		port = f.c[k].peer_port;
		if (k == MIX_RESET)
			continue;
		assert_int_equal(burst_count(&o, port, TH_ACK), 1);
		const struct frame_tcp *t = burst_find(&o, port, TH_ACK);
		assert_int_equal(t->seq, f.c[k].iss + 1);
		assert_int_equal(t->ack, BURST_PEER_ISN + 1 + BURST_SEGS * MIX_LEN);
		assert_int_equal(t->win, WIN_FREE(BURST_SEGS * MIX_LEN));
		assert_int_equal(t->len, 0);
	}
	struct net_stats *st = &f.h->eng->stats;
	assert_int_equal(st->tcp_resets_received, 1);
	/* Each segment once: two per handshake, then the burst. */
	assert_int_equal(st->tcp_segs_in, 2 * BURST_CONNS + RTE_DIM(in));
	/* Connection 3's segments looked up with its reset found their
	 * block closed; those looked up later simply missed. */
	assert_true(stale > 0 && stale < resets);
	assert_int_equal(st->tcp_lookups_again, stale);

	burst_teardown(&f, BURST_CONNS, 1u << MIX_RESET, &n, 1);
}

/* Segments another engine handed over (flow/steer.h) take the same way in:
 * one burst per ring, looked up together. Engine 1 is played by the test,
 * which puts frames in the ring as steer_to would (at the IPv4 header): two full segments of connection A, then a new connection's
 * SYN and its peer's RST. A gets one ACK for both; the SYN's connection is
 * gone before output, so no SYN-ACK. */
static struct rte_mbuf *
burst_steered(struct rte_mbuf *m)
{
	rte_pktmbuf_adj(m, sizeof(struct rte_ether_hdr));
	return m;
}

static void
test_burst_steered(void **state)
{
	struct burst_fixture f = { 0 };
	struct burst_conn b = { .peer_port = 41000 };
	struct tcp_opts syn = { .has_mss = true, .mss = 1460 };
	static uint8_t payload[BURST_SEG_LEN];
	struct burst_out o;
	struct config cfg;

	(void)state;
	harness_config_defaults(&cfg);
	burst_setup(&f, &cfg, 1);
	struct engine *peers[2] = { f.h->eng, f.h->eng };
	assert_int_equal(engine_connect(f.h->eng, peers, 2), 0);
	engine_link(f.h->eng);
	struct burst_conn *a = &f.c[0];
	struct rte_mbuf *m[4] = {
		burst_frame(&f, a, TH_ACK, BURST_PEER_ISN + 1, a->iss + 1, NULL, payload,
		            BURST_SEG_LEN),
		burst_frame(&f, a, TH_ACK | TH_PSH, BURST_PEER_ISN + 1 + BURST_SEG_LEN, a->iss + 1,
		            NULL, payload, BURST_SEG_LEN),
		burst_frame(&f, &b, TH_SYN, BURST_PEER_ISN, 0, &syn, NULL, 0),
		burst_frame(&f, &b, TH_RST, BURST_PEER_ISN + 1, 0, NULL, NULL, 0),
	};
	for (unsigned i = 0; i < RTE_DIM(m); i++)
		assert_int_equal(rte_ring_sp_enqueue(f.h->eng->steer.in[1], burst_steered(m[i])),
		                 0);
	harness_poll(f.h);
	burst_take(&f, &o);
	assert_int_equal(o.n, 1);
	assert_int_equal(o.t[0].dport, a->peer_port);
	assert_int_equal(o.t[0].flags, TH_ACK);
	assert_int_equal(o.t[0].ack, BURST_PEER_ISN + 1 + 2 * BURST_SEG_LEN);
	assert_int_equal(o.t[0].win, WIN_FREE(2 * BURST_SEG_LEN));
	assert_int_equal(f.h->eng->stats.steered_in, 4);
	/* The RST missed at lookup time; its SYN had opened the connection. */
	assert_int_equal(f.h->eng->stats.tcp_lookups_again, 1);
	assert_int_equal(f.h->eng->tcp.used, 1);

	burst_teardown(&f, 1, 0, NULL, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		SCRIPT_TEST(run, burst_one_ack, cfg_no_early_send),
		SCRIPT_TEST(run, burst_acks_early, NULL),
		SCRIPT_TEST(run, burst_small_one_ack, NULL),
		SCRIPT_TEST(run, burst_full_one_ack, cfg_burst_16),
		SCRIPT_TEST(run, burst_small_segments_delayed, NULL),
		SCRIPT_TEST(run, burst_out_of_order_ack_each, NULL),
		SCRIPT_TEST(run, burst_out_of_order_acks_capped, cfg_burst_10),
		SCRIPT_TEST(run, burst_out_of_order_halves, NULL),
		SCRIPT_TEST(run, burst_syn_ack_data, NULL),
		SCRIPT_TEST(run, burst_syn_rst, NULL),
		SCRIPT_TEST(run, burst_cookie_ack_data, cfg_cookies_always),
		SCRIPT_TEST(run, burst_rst_then_data, NULL),
		SCRIPT_TEST(run, burst_time_wait_reopen, NULL),
		cmocka_unit_test(test_burst_k_connections),
		cmocka_unit_test(test_burst_reclaimed_tcb),
		cmocka_unit_test(test_burst_syns_apart),
		cmocka_unit_test(test_burst_interleaved_mixed),
		cmocka_unit_test(test_burst_steered),
	};

	return cmocka_run_group_tests_name("tcp_burst", tests, NULL, NULL);
}
