/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-httpd-bench: what a keep-alive request costs tern-httpd and the stack
 * under it, one poll at a time, through the real engine_poll and tern-httpd's
 * own callbacks over the test harness's in-memory port (as
 * tern-tcp-in-bench): the whole poll's TSC cycles in any build, and with the
 * cost accounting (-Dcost_accounting=true) the application's layer (parse,
 * respond, send) and the stack's. Each poll is measured on its own and the
 * median over thousands of polls is reported, so that a poll the host took
 * the CPU from does not move it; under callgrind it gives where the
 * instructions go, which the shared machine cannot disturb.
 *
 *   tern-httpd-bench [ka|close [CONNS [POLLS]]]
 *
 *   ka (default): httpd_core_start, CONNS connections opened (SYN, SYN-ACK,
 *   ACK), then POLLS times: one "GET / HTTP/1.1" segment on every
 *   connection, each acknowledging what its connection sent so far ->
 *   harness_inject -> engine_poll (timed) -> the responses parsed as
 *   tern-loadgen parses them (http_client.c): every request must get its
 *   200, or the run fails.
 *
 *   close: a connection per request, the server closing first (as
 *   tern-loadgen --mode http-close): CONNS slots (a multiple of 3), each a
 *   poll at a stage: SYN; the ACK with "GET /" and "Connection: close"; the
 *   FIN that answers the server's (response and FIN). Slots are staggered,
 *   so every poll carries CONNS / 3 connections' worth of each stage; each
 *   new connection has a new port (the server keeps the old one's TIME_WAIT).
 *
 * Prints one JSON line: the 10th, 50th and 90th percentile of a poll's
 * cycles per request (close: per connection), for the whole poll and (with
 * cost accounting, else 0) the app layer and the stack's layers together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "bench_common.h"
#include "harness.h"
#include "http_client.h"
#include "httpd.h"
#include "tern.h"

#define BENCH_ISN 1000u

struct bench_conn {
	uint16_t port;
	uint8_t stage; /* close: what the slot sends next (0 SYN, 1 request, 2 FIN) */
	bool fin;      /* the server's FIN came */
	uint32_t nxt;  /* the peer's (our) next sequence number */
	uint32_t ack;  /* what the server sent so far, acknowledged with the next request */
	uint64_t responses;
	struct lg_http_resp resp;
};

/* The slot each client port is (close mode changes ports). */
static uint16_t slot_of_port[65536];

static struct rte_mbuf *
bench_frame(struct harness *h, const struct bench_conn *c, uint8_t flags, const void *data,
            uint16_t len)
{
	return frame_peer_tcp(h->pool, &harness_iface(h)->mac, c->port, BENCH_PORT, c->nxt, c->ack,
	                      flags, data, len);
}

/* What the server sent: advance the connection's ACK, parse its responses.
 * Returns -1 for a response that is not a 200 or does not parse. */
static int
bench_take(struct bench_conn *c, unsigned conns, struct rte_mbuf *m)
{
	struct frame_tcp t;

	if (frame_tcp_read(m, &t) != 0 || slot_of_port[t.dport] >= conns ||
	    c[slot_of_port[t.dport]].port != t.dport)
		return -1;
	struct bench_conn *x = &c[slot_of_port[t.dport]];
	x->ack = t.seq + t.len + ((t.flags & (TH_SYN | TH_FIN)) != 0);
	x->fin |= (t.flags & TH_FIN) != 0;
	size_t off = 0;
	while (off < t.len) {
		enum lg_http_status st;
		off += lg_http_feed(&x->resp, (const char *)t.data + off, t.len - off, &st);
		if (st == LG_HTTP_ERROR || (st == LG_HTTP_DONE && x->resp.status != 200))
			return -1;
		x->responses += st == LG_HTTP_DONE;
	}
	return 0;
}

static int
bench_collect(struct harness *h, struct bench_conn *c, unsigned conns)
{
	struct rte_mbuf *out[ENGINE_TX_MAX];
	unsigned n;
	int ret = 0;

	while ((n = harness_collect(h, out, RTE_DIM(out))) != 0) {
		for (unsigned i = 0; i < n; i++) {
			if (bench_take(c, conns, out[i]) != 0)
				ret = -1;
			rte_pktmbuf_free(out[i]);
		}
	}
	return ret;
}

static int
bench_open(struct harness *h, struct bench_conn *c, unsigned conns, struct bench_conn *x)
{
	struct rte_mbuf *m = bench_frame(h, x, TH_SYN, NULL, 0);

	harness_inject(h, &m, 1);
	harness_poll(h);
	if (bench_collect(h, c, conns) != 0 || x->ack == 0)
		return -1;
	x->nxt++;
	m = bench_frame(h, x, TH_ACK, NULL, 0);
	harness_inject(h, &m, 1);
	harness_poll(h);
	return bench_collect(h, c, conns);
}

/* Cycles of one poll: [0] the whole engine_poll; with cost accounting [1]
 * the application's layer (tern-httpd, with the tern_recv and tern_send it
 * calls) and [2] the stack's layers (net, tcp_in, app, tcp_out, timers). */
#define BENCH_FIGS 3
static const char *const bench_names[BENCH_FIGS] = { "poll", "app", "stack" };

static void
bench_sample(const struct engine *eng, uint64_t *v)
{
	v[0] = rte_rdtsc();
#ifdef TERN_COST_ACCOUNTING
	const uint64_t *c = eng->cost.cycles;
	v[1] = c[COST_APP];
	v[2] = c[COST_NET] + c[COST_TCP_IN] + c[COST_APP] + c[COST_TCP_OUT] + c[COST_TIMERS];
#else
	(void)eng;
	v[1] = v[2] = 0;
#endif
}

/* @per: requests (ka) or connections (close) a poll. */
static void
bench_print(bool close, unsigned conns, unsigned polls, unsigned per, struct bench_figs *figs,
            uint64_t responses)
{
	printf("{\"tool\":\"tern-httpd-bench\",\"mode\":\"%s\",\"cost_accounting\":%s,"
	       "\"conns\":%u,\"polls\":%u,\"responses\":%lu",
	       close ? "close" : "ka", bench_cost_accounting(), conns, polls,
	       (unsigned long)responses);
	bench_figs_print(figs, polls, per);
	printf("}\n");
}

/* close: slot @x's next segment, and its stage moved on; NULL when the
 * server has not answered the last one as it should have. */
static struct rte_mbuf *
bench_close_step(struct harness *h, struct bench_conn *x, uint16_t *next_port, const char *req,
                 uint16_t req_len)
{
	struct rte_mbuf *m = NULL;

	switch (x->stage) {
	case 0:
		x->port = (*next_port)++;
		x->nxt = BENCH_ISN;
		x->ack = 0;
		x->fin = false;
		lg_http_init(&x->resp);
		m = bench_frame(h, x, TH_SYN, NULL, 0);
		x->nxt++;
		break;
	case 1:
		if (x->ack == 0)
			return NULL; /* no SYN-ACK */
		m = bench_frame(h, x, TH_ACK, req, req_len);
		x->nxt += req_len;
		break;
	default:
		if (!x->fin)
			return NULL; /* the server did not close after its response */
		m = bench_frame(h, x, TH_FIN | TH_ACK, NULL, 0);
		x->nxt++;
		break;
	}
	x->stage = (uint8_t)((x->stage + 1) % 3);
	return m;
}

static int
run_ka(struct harness *h, struct bench_conn *c, unsigned conns, unsigned polls,
       struct bench_figs *figs, struct rte_mbuf **in, const char *req, uint16_t req_len)
{
	for (unsigned k = 0; k < conns; k++) {
		c[k].port = (uint16_t)(1024 + k);
		slot_of_port[c[k].port] = (uint16_t)k;
		c[k].nxt = BENCH_ISN;
		lg_http_init(&c[k].resp);
		if (bench_open(h, c, conns, &c[k]) != 0) {
			fprintf(stderr, "tern-httpd-bench: connection %u did not open\n", k);
			return -1;
		}
	}
	for (unsigned p = 0; p < polls; p++) {
		for (unsigned k = 0; k < conns; k++) {
			in[k] = bench_frame(h, &c[k], TH_ACK, req, req_len);
			c[k].nxt += req_len;
		}
		harness_inject(h, in, conns);
		bench_poll(h, figs, p);
		if (bench_collect(h, c, conns) != 0)
			return -1;
	}
	for (unsigned k = 0; k < conns; k++) {
		struct rte_mbuf *m = bench_frame(h, &c[k], TH_RST | TH_ACK, NULL, 0);
		harness_inject(h, &m, 1);
		harness_poll(h);
	}
	return 0;
}

static int
run_close(struct harness *h, struct bench_conn *c, unsigned conns, unsigned polls,
          struct bench_figs *figs, struct rte_mbuf **in, const char *req, uint16_t req_len)
{
	uint16_t next_port = 1024;

	/* Slot k starts at poll k % 3, so that every poll after the first two
	 * (untimed) carries each stage for a third of the slots. */
	for (unsigned p = 0; p < polls + 2; p++) {
		for (unsigned k = 0; k < conns; k++) {
			if (p < 2 && k % 3 > p) {
				in[k] = NULL;
				continue;
			}
			in[k] = bench_close_step(h, &c[k], &next_port, req, req_len);
			if (in[k] == NULL)
				return -1;
			slot_of_port[c[k].port] = (uint16_t)k;
		}
		unsigned n = 0;
		for (unsigned k = 0; k < conns; k++)
			if (in[k] != NULL)
				in[n++] = in[k];
		harness_inject(h, in, n);
		if (p >= 2)
			bench_poll(h, figs, p - 2);
		else
			harness_advance_us(h, 10);
		if (bench_collect(h, c, conns) != 0)
			return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	bool close = argc > 1 && strcmp(argv[1], "close") == 0;
	unsigned conns = argc > 2 ? (unsigned)atoi(argv[2]) : close ? 9 : 16;
	unsigned polls = argc > 3 ? (unsigned)atoi(argv[3]) : close ? 6000 : 20000;
	struct httpd httpd = { .tag = HTTPD_TAG_SERVER, .port = BENCH_PORT, .conns_per_core = 0 };
	char req[LG_HTTP_REQUEST_MAX];
	struct config cfg;

	if ((argc > 1 && !close && strcmp(argv[1], "ka") != 0) || conns == 0 ||
	    conns > ENGINE_BURST_MAX || polls == 0 || (close && conns % 3 != 0) ||
	    (close && (uint64_t)polls * conns / 3 + conns > 60000)) {
		fprintf(stderr,
		        "usage: tern-httpd-bench [ka|close [CONNS<=%u (close: a multiple of 3) "
		        "[POLLS (close: POLLS x CONNS / 3 <= 60000 ports)]]]\n",
		        ENGINE_BURST_MAX);
		return 2;
	}
	int req_len = lg_http_request(req, sizeof(req), "/", US_IP, BENCH_PORT, close);
	/* close: the server keeps every connection's TIME_WAIT (10 us a poll is
	 * far less than 2 MSL). */
	unsigned tcbs = close ? polls * conns / 3 + 2 * conns : conns;
	bench_config(&cfg, conns, tcbs, conns);
	httpd.conns_per_core = conns + 16;
	struct harness *h = harness_open(&cfg);
	struct bench_conn *c = calloc(conns, sizeof(*c));
	struct bench_figs figs = { .n = BENCH_FIGS, .names = bench_names, .sample = bench_sample };
	struct rte_mbuf **in = calloc(conns, sizeof(*in));
	if (h == NULL || c == NULL || bench_figs_alloc(&figs, polls) != 0 || in == NULL ||
	    req_len <= 0) {
		fprintf(stderr, "tern-httpd-bench: set-up failed\n");
		return 1;
	}
	harness_learn(h, PEER_IP, &peer_mac);
	httpd_core_start((struct tern_core *)h->eng, &httpd);
	unsigned idx = tern_core_index((struct tern_core *)h->eng);
	if (httpd.cores[idx] == NULL || harness_listen(h, BENCH_PORT, &httpd_conn_ops, &httpd) != 0)
		return 1;
	int ret = close ? run_close(h, c, conns, polls, &figs, in, req, (uint16_t)req_len)
	                : run_ka(h, c, conns, polls, &figs, in, req, (uint16_t)req_len);
	uint64_t responses = 0;
	for (unsigned k = 0; k < conns; k++)
		responses += c[k].responses;
	if (ret != 0) {
		fprintf(stderr, "tern-httpd-bench: a malformed, missing or non-200 response\n");
		return 1;
	}
	unsigned per = close ? conns / 3 : conns;
	bench_print(close, conns, polls, per, &figs, responses);
	/* ka: every request answered; close: all but those of the last two
	 * polls' stages. */
	uint64_t want = close ? (uint64_t)polls * per : (uint64_t)conns * polls;
	if (responses + (close ? 2 * per : 0) < want) {
		fprintf(stderr, "tern-httpd-bench: %lu responses, %lu expected\n",
		        (unsigned long)responses, (unsigned long)want);
		return 1;
	}
	harness_drain(h);
	harness_close(h);
	httpd_core_free(httpd.cores[idx]);
	free(c);
	bench_figs_free(&figs);
	free(in);
	return 0;
}
