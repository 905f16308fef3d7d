/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fair output (stack/tcp/tcp_sched.h): a bulk connection with a full window
 * to send does not fill the loop iteration while others wait. Connections
 * are opened by hand (as test_tcp_burst.c does), their congestion windows
 * opened wide, and one engine_poll's frames are read in the order the port
 * was handed them.
 *
 *   bulk A marked (tern_send of 170 segments), then B marked (a reply, or
 *   the peer's data owing an ACK) -> engine_poll once -> B's segment within
 *   A's first quantum, all of A's window still in the same iteration
 *   two bulk connections -> engine_poll -> quantum by quantum, the pass
 *   budget, then the rest at the next poll with no input
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_byteorder.h>
#include <rte_ether.h>

#include "engine/engine.h"
#include "harness.h"
#include "frames.h"
#include "tcp/tcp.h"
#include "tern.h"

#define S_US_PORT  80
#define S_PEER_ISN 1000u
#define S_MSS      1460u
#define S_BULK_SEG 170u /* a window of bulk data: 170 full segments fit snd_buf */
#define S_REPLY    64u
#define S_CONNS    3u
#define S_OUT_MAX  1024u

struct s_conn {
	uint16_t peer_port;
	uint32_t iss;
	struct tern_conn *conn;
};

struct s_fixture {
	struct harness *h;
	struct s_conn c[S_CONNS];
	unsigned accepted;
	struct frame_tcp out[S_OUT_MAX]; /* one poll's frames, in order */
	unsigned nb_out;
};

static uint8_t s_bulk[S_BULK_SEG * S_MSS];

static void
s_accepted(struct tern_conn *c, void *arg)
{
	struct s_fixture *f = arg;

	if (f->accepted < S_CONNS)
		f->c[f->accepted].conn = c;
	f->accepted++;
}

static const struct tern_conn_ops s_ops = { .accepted = s_accepted };

static struct rte_mbuf *
s_frame(struct s_fixture *f, const struct s_conn *c, uint8_t flags, uint32_t seq, uint32_t ack,
        const struct tcp_opts *opts, uint16_t len)
{
	static const uint8_t data[S_MSS];
	struct frame_tcp t = { .src_ip = PEER_IP,
		               .dst_ip = US_IP,
		               .sport = c->peer_port,
		               .dport = S_US_PORT,
		               .seq = seq,
		               .ack = ack,
		               .flags = flags,
		               .win = 65535,
		               .data = len != 0 ? data : NULL,
		               .len = len };

	if (opts != NULL)
		t.opts = *opts;
	struct rte_mbuf *m = frame_tcp(f->h->pool, &harness_iface(f->h)->mac, &t);
	assert_non_null(m);
	return m;
}

/* The passive open of @c: the peer offers MSS 1460 and window scale 7 (its
 * 65535 then means 8 MB: the peer's window never limits), no timestamps, so
 * that every full segment carries 1460 bytes; the congestion window is
 * opened past any window here (as after a long slow start). */
static void
s_open(struct s_fixture *f, struct s_conn *c)
{
	struct tcp_opts o = { .has_mss = true, .mss = S_MSS, .has_wscale = true, .wscale = 7 };
	struct rte_mbuf *out[4];
	struct frame_tcp t;

	/* On an emulated line the SYN-ACK leaves once the line has carried it:
	 * let a few microseconds pass. */
	harness_inject(f->h, (struct rte_mbuf *[]){ s_frame(f, c, TH_SYN, S_PEER_ISN, 0, &o, 0) },
	               1);
	harness_poll(f->h);
	harness_advance_us(f->h, 10);
	unsigned n = harness_collect(f->h, out, RTE_DIM(out));
	assert_int_equal(n, 1);
	assert_int_equal(frame_tcp_read(out[0], &t), 0);
	assert_int_equal(t.flags, TH_SYN | TH_ACK);
	c->iss = t.seq;
	rte_pktmbuf_free(out[0]);
	n = harness_exchange(f->h, s_frame(f, c, TH_ACK, S_PEER_ISN + 1, c->iss + 1, NULL, 0), out,
	                     RTE_DIM(out));
	assert_int_equal(n, 0);
}

/* The connections, on a port with an emulated line of @line_mbit Mbit/s
 * (0: none) and [port] tx_queue_us = @queue_us. */
static void
s_setup_line(struct s_fixture *f, uint32_t line_mbit, uint32_t queue_us)
{
	struct config cfg;

	harness_config_defaults(&cfg);
	cfg.fault_link_mbit = line_mbit;
	cfg.port_tx_queue_us = queue_us;
	f->h = harness_open(&cfg);
	assert_non_null(f->h);
	harness_learn(f->h, PEER_IP, &peer_mac);
	assert_int_equal(harness_listen(f->h, S_US_PORT, &s_ops, f), 0);
	for (unsigned k = 0; k < S_CONNS; k++) {
		f->c[k].peer_port = (uint16_t)(40000 + k);
		s_open(f, &f->c[k]);
	}
	assert_int_equal(f->accepted, S_CONNS);
	for (unsigned k = 0; k < S_CONNS; k++) {
		struct tcb *tcb = (struct tcb *)f->c[k].conn;
		assert_int_equal(tcb->mss, S_MSS);
		tcb->cwnd = 4 * S_BULK_SEG * S_MSS;
	}
}

static void
s_setup(struct s_fixture *f)
{
	s_setup_line(f, 0, 0);
}

static void
s_teardown(struct s_fixture *f)
{
	for (unsigned k = 0; k < S_CONNS; k++)
		if (f->c[k].conn != NULL)
			tern_abort(f->c[k].conn);
	harness_poll(f->h);
	harness_advance_us(f->h, 100); /* the RSTs off an emulated line too */
	harness_drain(f->h);
	assert_int_equal(f->h->eng->tcp.used, 0);
	assert_int_equal(harness_pool_in_use(f->h), 0);
	harness_close(f->h);
}

/* A window of bulk data queued on @c (marks it for output). */
static void
s_bulk_queue(struct s_conn *c)
{
	assert_int_equal(tern_send(c->conn, s_bulk, sizeof(s_bulk)), (ssize_t)sizeof(s_bulk));
}

/* One engine iteration (with @in, if any, as its RX burst); its frames,
 * in the order the port was handed them, into f->out. */
static void
s_poll(struct s_fixture *f, struct rte_mbuf **in, unsigned nb_in)
{
	struct rte_mbuf *m[S_OUT_MAX];

	if (nb_in > 0)
		harness_inject(f->h, in, nb_in);
	engine_poll(f->h->eng, f->h->tsc);
	f->nb_out = harness_collect(f->h, m, RTE_DIM(m));
	for (unsigned i = 0; i < f->nb_out; i++) {
		assert_int_equal(frame_tcp_read(m[i], &f->out[i]), 0);
		f->out[i].data = NULL; /* the mbuf goes now */
		rte_pktmbuf_free(m[i]);
	}
}

/* Frames of this poll to peer port @port carrying data. */
static unsigned
s_data_to(const struct s_fixture *f, uint16_t port)
{
	unsigned n = 0;

	for (unsigned i = 0; i < f->nb_out; i++)
		n += f->out[i].dport == port && f->out[i].len > 0;
	return n;
}

/* Where the first frame to @port is in this poll's output; f->nb_out if none. */
static unsigned
s_first_to(const struct s_fixture *f, uint16_t port)
{
	unsigned i = 0;

	while (i < f->nb_out && f->out[i].dport != port)
		i++;
	return i;
}

/* A's window is marked first, then B's small reply: the reply goes within
 * A's first quantum, and A's whole window still leaves in the same
 * iteration (one connection's window is within the pass's budget). Before
 * fair output the reply went after all 170 of A's segments. */
static void
test_sched_reply_beside_bulk(void **state)
{
	struct s_fixture *f = calloc(1, sizeof(*f));
	struct s_conn *a = &f->c[0], *b = &f->c[1];

	(void)state;
	s_setup(f);
	s_bulk_queue(a);
	assert_int_equal(tern_send(b->conn, s_bulk, S_REPLY), (ssize_t)S_REPLY);
	s_poll(f, NULL, 0);

	unsigned at = s_first_to(f, b->peer_port);
	assert_true(at < f->nb_out);
	assert_int_equal(f->out[at].len, S_REPLY);
	assert_int_equal(f->out[at].seq, b->iss + 1);
	assert_true(at <= TCP_SCHED_QUANTUM);
	assert_int_equal(s_data_to(f, a->peer_port), S_BULK_SEG);
	assert_int_equal(f->nb_out, S_BULK_SEG + 1);
	/* A's segments are in order, none lost to the rounds. */
	uint32_t seq = a->iss + 1;
	for (unsigned i = 0; i < f->nb_out; i++) {
		if (f->out[i].dport != a->peer_port)
			continue;
		assert_int_equal(f->out[i].seq, seq);
		assert_int_equal(f->out[i].len, S_MSS);
		seq += S_MSS;
	}
	assert_true(f->h->eng->stats.tcp_output_yields >= 1);
	assert_int_equal(f->h->eng->stats.tcp_output_passes_cut, 0);

	s_teardown(f);
	free(f);
}

/* A's window is marked first; in the same RX burst B's peer sends two full
 * segments, which want an ACK at once (RFC 5681 4.2). The pure ACK goes
 * within A's first quantum, not behind A's window. */
static void
test_sched_ack_beside_bulk(void **state)
{
	struct s_fixture *f = calloc(1, sizeof(*f));
	struct s_conn *a = &f->c[0], *b = &f->c[1];

	(void)state;
	s_setup(f);
	s_bulk_queue(a);
	struct rte_mbuf *in[2] = {
		s_frame(f, b, TH_ACK, S_PEER_ISN + 1, b->iss + 1, NULL, S_MSS),
		s_frame(f, b, TH_ACK, S_PEER_ISN + 1 + S_MSS, b->iss + 1, NULL, S_MSS),
	};
	s_poll(f, in, RTE_DIM(in));

	unsigned at = s_first_to(f, b->peer_port);
	assert_true(at < f->nb_out);
	assert_int_equal(f->out[at].flags, TH_ACK);
	assert_int_equal(f->out[at].len, 0);
	assert_int_equal(f->out[at].ack, S_PEER_ISN + 1 + 2 * S_MSS);
	assert_true(at <= TCP_SCHED_QUANTUM);
	assert_int_equal(s_data_to(f, a->peer_port), S_BULK_SEG);

	s_teardown(f);
	free(f);
}

/* Two bulk connections, 340 segments between them: one pass sends them a
 * quantum at a time, alternating, until its budget (TCP_SCHED_PASS_SEGS)
 * is spent; the rest leaves at the next iteration with nothing received
 * in between (the connections stayed marked), A's quantum first, as the
 * round-robin left off. */
static void
test_sched_pass_budget(void **state)
{
	struct s_fixture *f = calloc(1, sizeof(*f));
	struct s_conn *a = &f->c[0], *c = &f->c[2];

	(void)state;
	s_setup(f);
	s_bulk_queue(a);
	s_bulk_queue(c);
	s_poll(f, NULL, 0);

	assert_int_equal(f->nb_out, TCP_SCHED_PASS_SEGS);
	assert_int_equal(s_data_to(f, a->peer_port), TCP_SCHED_PASS_SEGS / 2);
	assert_int_equal(s_data_to(f, c->peer_port), TCP_SCHED_PASS_SEGS / 2);
	for (unsigned i = 0; i < f->nb_out; i++) {
		uint16_t want = (i / TCP_SCHED_QUANTUM) % 2 == 0 ? a->peer_port : c->peer_port;
		assert_int_equal(f->out[i].dport, want);
	}
	assert_int_equal(f->h->eng->stats.tcp_output_passes_cut, 1);

	s_poll(f, NULL, 0);
	assert_int_equal(f->nb_out, 2 * S_BULK_SEG - TCP_SCHED_PASS_SEGS);
	assert_int_equal(s_data_to(f, a->peer_port), S_BULK_SEG - TCP_SCHED_PASS_SEGS / 2);
	assert_int_equal(s_data_to(f, c->peer_port), S_BULK_SEG - TCP_SCHED_PASS_SEGS / 2);
	assert_int_equal(f->out[0].dport, a->peer_port);
	assert_int_equal(f->h->eng->stats.tcp_output_passes_cut, 1);

	s_teardown(f);
	free(f);
}

/* Two bulk connections left over from a pass cut short (a backlog), then
 * B's reply: at the next iteration the reply goes first, ahead of the
 * backlog, as a new flow ahead of old ones in fq; the backlog follows in its
 * order. Before, the reply went behind a quantum of each (frame 32). */
static void
test_sched_reply_before_backlog(void **state)
{
	struct s_fixture *f = calloc(1, sizeof(*f));
	struct s_conn *a = &f->c[0], *b = &f->c[1], *c = &f->c[2];

	(void)state;
	s_setup(f);
	s_bulk_queue(a);
	s_bulk_queue(c);
	s_poll(f, NULL, 0);
	assert_int_equal(f->h->eng->stats.tcp_output_passes_cut, 1);

	assert_int_equal(tern_send(b->conn, s_bulk, S_REPLY), (ssize_t)S_REPLY);
	s_poll(f, NULL, 0);
	assert_int_equal(f->out[0].dport, b->peer_port);
	assert_int_equal(f->out[0].len, S_REPLY);
	assert_int_equal(f->out[1].dport, a->peer_port);
	assert_int_equal(f->out[1 + TCP_SCHED_QUANTUM].dport, c->peer_port);
	assert_int_equal(f->nb_out, 2 * S_BULK_SEG - TCP_SCHED_PASS_SEGS + 1);

	s_teardown(f);
	free(f);
}

/* [port] tx_queue_us: while the port's line holds more than the limit, the
 * pass is put off and the connection stays marked; with room for a few
 * segments, the pass runs its first round in full (one quantum: a reply
 * never waits for the budget) and no further round. The line's backlog is
 * set by hand: the harness's port has no line. */
static void
test_sched_waits_for_line(void **state)
{
	struct s_fixture *f = calloc(1, sizeof(*f));
	struct s_conn *a = &f->c[0];
	struct engine *eng;

	(void)state;
	s_setup(f);
	eng = f->h->eng;
	eng->tx_queue_tsc = 1000;
	eng->tx_seg_tsc = 100;
	eng->link_emu.line_free_tsc = f->h->tsc + 1000; /* exactly full */
	s_bulk_queue(a);
	s_poll(f, NULL, 0);
	assert_int_equal(f->nb_out, 0);
	assert_int_equal(eng->stats.tcp_output_line_waits, 1);
	assert_true(tcp_output_pending(&eng->tcp));
	/* A connection that ends meanwhile still gives its block back at the
	 * pass put off: the pool does not look full while the line drains. */
	assert_int_equal(eng->tcp.used, S_CONNS);
	tern_abort(f->c[2].conn);
	f->c[2].conn = NULL;
	s_poll(f, NULL, 0);
	assert_int_equal(eng->stats.tcp_output_line_waits, 2);
	assert_int_equal(eng->tcp.used, S_CONNS - 1);
	for (unsigned i = 0; i < f->nb_out; i++) /* its RST, sent by the abort */
		assert_int_not_equal(f->out[i].dport, a->peer_port);

	eng->link_emu.line_free_tsc = f->h->tsc + 1000 - 450; /* room for 5 */
	s_poll(f, NULL, 0);
	assert_int_equal(f->nb_out, TCP_SCHED_QUANTUM);
	assert_int_equal(s_data_to(f, a->peer_port), TCP_SCHED_QUANTUM);
	assert_int_equal(f->out[0].seq, a->iss + 1);
	assert_int_equal(eng->stats.tcp_output_passes_cut, 1);

	eng->tx_queue_tsc = 0; /* no limit: the rest of the window at once */
	s_poll(f, NULL, 0);
	assert_int_equal(f->nb_out, S_BULK_SEG - TCP_SCHED_QUANTUM);
	assert_int_equal(f->out[0].seq, a->iss + 1 + TCP_SCHED_QUANTUM * S_MSS);
	assert_int_equal(eng->stats.tcp_output_line_waits, 2);

	s_teardown(f);
	free(f);
}

/* The whole path on an emulated line (drivers/link_emu.h): 8 Gbit/s on the
 * harness's 1 GHz clock is a byte a cycle, so a full frame (1,514 bytes and
 * 24 of preamble, FCS and gap) holds the line 1,538 cycles; with
 * tx_queue_us = 10 the line may hold 10,000 cycles, room for 7. A window
 * queued at once leaves one frame every 1,538 cycles, in order, with no
 * drop; the line never holds more than the limit and one quantum (the first
 * round of a pass runs in full), and the passes in between wait. */
static void
test_sched_paced_by_line(void **state)
{
	struct s_fixture *f = calloc(1, sizeof(*f));
	struct s_conn *a = &f->c[0];
	const uint64_t frame_tsc = 1514 + 24;
	uint32_t seq;
	unsigned got = 0;

	(void)state;
	s_setup_line(f, 8000, 10);
	struct engine *eng = f->h->eng;
	assert_true(eng->link_emu.enabled);
	assert_int_equal(eng->tx_seg_tsc, frame_tsc);
	uint64_t t0 = f->h->tsc;
	s_bulk_queue(a);
	seq = a->iss + 1;
	for (unsigned step = 0; got < S_BULK_SEG; step++) {
		assert_true(step <= 2 * S_BULK_SEG);
		f->h->tsc = t0 + step * frame_tsc / 2;
		s_poll(f, NULL, 0);
		for (unsigned i = 0; i < f->nb_out; i++, got++) {
			assert_int_equal(f->out[i].dport, a->peer_port);
			assert_int_equal(f->out[i].seq, seq);
			seq += S_MSS;
		}
		/* Each frame off the line by now, none before its time. */
		assert_int_equal(got, (f->h->tsc - t0) / frame_tsc);
		assert_true(eng->link_emu.count <= 7 + TCP_SCHED_QUANTUM);
	}
	assert_int_equal(eng->stats.drops[DROP_TX_FULL], 0);
	assert_true(eng->stats.tcp_output_line_waits > 0);
	assert_true(eng->link_emu.stats.depth_max <= 7 + TCP_SCHED_QUANTUM);
	assert_int_equal(eng->link_emu.stats.released, S_CONNS + S_BULK_SEG); /* and the SYN-ACKs */

	s_teardown(f);
	free(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sched_reply_beside_bulk),
		cmocka_unit_test(test_sched_ack_beside_bulk),
		cmocka_unit_test(test_sched_pass_budget),
		cmocka_unit_test(test_sched_reply_before_backlog),
		cmocka_unit_test(test_sched_waits_for_line),
		cmocka_unit_test(test_sched_paced_by_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
