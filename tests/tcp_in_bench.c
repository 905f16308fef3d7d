/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-tcp-in-bench: what receiving costs per TCP segment, one RX burst at a
 * time, through the real engine_poll over the test harness's in-memory port:
 * the whole poll's TSC cycles in any build, and with the cost accounting
 * (-Dcost_accounting=true) the tcp_in and net layers too. Built to weigh the
 * per-burst flow lookup (docs/ARCHITECTURE.md, "TCP input a burst at a
 * time") on a shared machine: each poll is measured on its own and the
 * median over thousands of polls is reported, so that a poll the host took
 * the CPU from does not move it.
 *
 *   tern-tcp-in-bench [CONNS [BURST [POLLS [echo]]]]
 *
 *   open CONNS passive connections (SYN, SYN-ACK, ACK), then POLLS times:
 *   BURST segments of 64 bytes, round robin over the connections (each the
 *   next in-order data of its connection) -> harness_inject -> engine_poll
 *   -> drop what came out; the readable callback frees what arrived.
 *
 *   echo: a request/response server instead, as tern-echo under rr: the
 *   readable callback copies each request out and sends it back (the reply
 *   leaves in the same poll), every segment carries timestamps, and each
 *   request acknowledges the replies before it. A poll's cycles per segment
 *   are then the server's cycles per request, the port's cost aside.
 *
 * Prints one JSON line: the 10th, 50th and 90th percentile of a poll's
 * cycles per segment, for the whole poll and (with cost accounting, else 0)
 * the tcp_in layer, the net layer and the stack's layers together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "bench_common.h"
#include "harness.h"
#include "tern.h"

#define BENCH_LEN 64
#define BENCH_ISN 1000u

struct bench_conn {
	uint16_t port;
	uint32_t iss; /* ours */
	uint32_t nxt; /* the peer's next sequence number */
	uint32_t una; /* what the peer acknowledges: our replies so far */
};

static bool bench_echo; /* the request/response mode */
static uint32_t bench_ts;

static void
bench_echo_readable(struct tern_conn *c, void *arg)
{
	uint8_t buf[2048];
	size_t n;

	(void)arg;
	while ((n = tern_recv_copy(c, buf, sizeof(buf))) > 0)
		if (tern_send(c, buf, n) != (ssize_t)n)
			abort(); /* every reply is acknowledged before the next: room */
}

static const struct tern_conn_ops bench_echo_ops = { .readable = bench_echo_readable };

static void
bench_readable(struct tern_conn *c, void *arg)
{
	struct rte_mbuf *m;

	(void)arg;
	while ((m = tern_recv(c)) != NULL)
		rte_pktmbuf_free(m);
}

static const struct tern_conn_ops bench_ops = { .readable = bench_readable };

static struct rte_mbuf *
bench_frame(struct harness *h, const struct bench_conn *c, uint8_t flags, uint32_t seq,
            uint32_t ack, const uint8_t *data, uint16_t len)
{
	struct frame_tcp t = frame_peer_seg(c->port, BENCH_PORT, seq, ack, flags, data, len);

	if (bench_echo) { /* RFC 7323: as Linux and Tern's loadgen send them */
		t.opts.has_ts = true;
		t.opts.ts_val = ++bench_ts;
		t.opts.ts_ecr = (flags & TH_SYN) ? 0 : 1;
		t.opts.sack_ok = (flags & TH_SYN) != 0;
	}
	return frame_tcp(h->pool, &harness_iface(h)->mac, &t);
}

static int
bench_open(struct harness *h, struct bench_conn *c)
{
	struct rte_mbuf *out[4];
	struct frame_tcp t;
	unsigned n = harness_exchange(h, bench_frame(h, c, TH_SYN, BENCH_ISN, 0, NULL, 0), out, 4);

	if (n != 1 || frame_tcp_read(out[0], &t) != 0 || t.flags != (TH_SYN | TH_ACK))
		return -1;
	c->iss = t.seq;
	c->una = t.seq + 1;
	c->nxt = BENCH_ISN + 1;
	rte_pktmbuf_free(out[0]);
	n = harness_exchange(h, bench_frame(h, c, TH_ACK, c->nxt, c->una, NULL, 0), out, 4);
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(out[i]);
	return 0;
}

/* Cycles of one poll: [0] the whole engine_poll (rte_rdtsc around it, any
 * build); with cost accounting also [1] tcp_in, [2] net, [3] the stack's
 * own layers (net, tcp_in, app, tcp_out, timers: not the driver's, whose
 * driver_rx also holds the time between polls, here the frame building). */
#define BENCH_FIGS 4
static const char *const bench_names[BENCH_FIGS] = { "poll", "tcp_in", "net", "stack" };

static void
bench_sample(const struct engine *eng, uint64_t *v)
{
	v[0] = rte_rdtsc();
#ifdef TERN_COST_ACCOUNTING
	const uint64_t *c = eng->cost.cycles;
	v[1] = c[COST_TCP_IN];
	v[2] = c[COST_NET];
	v[3] = c[COST_NET] + c[COST_TCP_IN] + c[COST_APP] + c[COST_TCP_OUT] + c[COST_TIMERS];
#else
	(void)eng;
	v[1] = v[2] = v[3] = 0;
#endif
}

static void
bench_print(unsigned conns, unsigned burst, unsigned polls, struct bench_figs *figs,
            const struct engine *eng)
{
	printf("{\"tool\":\"tern-tcp-in-bench\",\"cost_accounting\":%s,\"mode\":\"%s\","
	       "\"conns\":%u,\"burst\":%u,\"polls\":%u",
	       bench_cost_accounting(), bench_echo ? "echo" : "in", conns, burst, polls);
	bench_figs_print(figs, polls, burst);
	printf(",\"tcp_segs_in\":%lu,\"tcp_segs_out\":%lu,\"drops_tcp_no_conn\":%lu}\n",
	       eng->stats.tcp_segs_in, eng->stats.tcp_segs_out, eng->stats.drops[DROP_TCP_NO_CONN]);
}

int
main(int argc, char **argv)
{
	unsigned conns = argc > 1 ? (unsigned)atoi(argv[1]) : 16;
	unsigned burst = argc > 2 ? (unsigned)atoi(argv[2]) : 64;
	unsigned polls = argc > 3 ? (unsigned)atoi(argv[3]) : 20000;
	static const uint8_t payload[BENCH_LEN];
	struct config cfg;

	bench_echo = argc > 4 && strcmp(argv[4], "echo") == 0;
	if (conns == 0 || burst == 0 || burst > ENGINE_BURST_MAX || polls == 0 ||
	    (argc > 4 && !bench_echo)) {
		fprintf(stderr, "usage: tern-tcp-in-bench [CONNS [BURST<=%u [POLLS [echo]]]]\n",
		        ENGINE_BURST_MAX);
		return 2;
	}
	bench_config(&cfg, burst, conns, conns);
	/* The runtime's per-lcore mbuf cache ([pool] cache's default): the
	 * harness runs without one for exact in-use counts, which would put a
	 * ring operation on every allocation and free. */
	cfg.pool_cache = 256;
	struct harness *h = harness_open(&cfg);
	struct bench_conn *c = calloc(conns, sizeof(*c));
	struct bench_figs figs = { .n = BENCH_FIGS, .names = bench_names, .sample = bench_sample };
	struct rte_mbuf **in = calloc(burst, sizeof(*in));
	if (h == NULL || c == NULL || bench_figs_alloc(&figs, polls) != 0 || in == NULL) {
		fprintf(stderr, "tern-tcp-in-bench: set-up failed\n");
		return 1;
	}
	harness_learn(h, PEER_IP, &peer_mac);
	if (harness_listen(h, BENCH_PORT, bench_echo ? &bench_echo_ops : &bench_ops, NULL) != 0)
		return 1;
	for (unsigned k = 0; k < conns; k++) {
		c[k].port = (uint16_t)(1024 + k);
		if (bench_open(h, &c[k]) != 0) {
			fprintf(stderr, "tern-tcp-in-bench: connection %u did not open\n", k);
			return 1;
		}
	}
	unsigned next = 0;
	for (unsigned p = 0; p < polls; p++) {
		for (unsigned i = 0; i < burst; i++) {
			struct bench_conn *x = &c[next];
			next = next + 1 == conns ? 0 : next + 1;
			in[i] = bench_frame(h, x, TH_ACK, x->nxt, x->una, payload, BENCH_LEN);
			x->nxt += BENCH_LEN;
			if (bench_echo)
				x->una += BENCH_LEN; /* the reply, acknowledged by the next */
		}
		harness_inject(h, in, burst);
		bench_poll(h, &figs, p);
		bench_discard_sent(h);
	}
	bench_print(conns, burst, polls, &figs, h->eng);
	for (unsigned k = 0; k < conns; k++) {
		struct rte_mbuf *m =
		        bench_frame(h, &c[k], TH_RST | TH_ACK, c[k].nxt, c[k].una, NULL, 0);
		harness_inject(h, &m, 1);
		harness_poll(h);
	}
	harness_drain(h);
	harness_close(h);
	free(c);
	bench_figs_free(&figs);
	free(in);
	return 0;
}
