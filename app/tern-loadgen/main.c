/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-loadgen: the client side of the request/response, connection-rate and
 * bulk benchmarks, as a Tern program. It drives any echo server (responses
 * equal requests) or, for bulk, any sink, and prints a progress line a
 * second, then a latency histogram and one JSON line with every result.
 *
 *   tern-loadgen [EAL args] -- [--config FILE] [--ip ADDR/LEN]
 *                --connect A.B.C.D:PORT [--mode rr|crr|bulk|mixed|http-ka|http-close]
 *                [--conns N]
 *                [--bulk-conns N] (mixed: N bulk senders beside --conns rr)
 *                [--size BYTES] [--duration S] [--rate R] [--closer client|server]
 *                [--ports P] [--server-pid PID]   (--mode idle: idle.c)
 *                [--bulk-send lend|copy]          (lend.c)
 *
 *   main -> tern_init -> lg_on_start / lg_on_poll (conn.c) on every engine
 *        -> tern_run -> lg_report_all: sum the engines, histogram, JSON
 *
 * Connections and --rate are split evenly over the engines. Exit status 0
 * if nothing failed and something was measured. http-ka and http-close are
 * rr and crr speaking HTTP/1.1 (GET /) to an HTTP server such as tern-httpd;
 * each response is parsed (http_client.h), and one that is malformed or not
 * 200 is an error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_lcore.h>

#include "loadgen.h"

static const struct tern_opt lg_opts[] = {
	{ "--connect", "A.B.C.D:PORT", "the server (an echo server for rr and crr)" },
	{ "--mode", "rr|crr|bulk|idle|mixed|http-ka|http-close",
	  "persistent (rr, default), a connection per request, bulk, idle connections, rr "
	  "and bulk at once, or HTTP GET / kept alive or with a connection each (the server "
	  "closing)" },
	{ "--conns", "N", "connections at once (1); mixed: the rr ones" },
	{ "--bulk-conns", "N", "mixed: bulk senders beside the --conns rr connections" },
	{ "--size", "BYTES", "request and response size (64); http modes: not used" },
	{ "--duration", "S",
	  "seconds measured, once every connection is up (crr: the first) (10)" },
	{ "--rate", "R",
	  "open loop: requests (crr: connections) per second in all; 0: closed loop (0)" },
	{ "--ports", "P", "idle: spread --conns over P server ports from --connect's (1)" },
	{ "--server-pid", "PID", "idle: report that process's RSS change too" },
	{ "--closer", "client|server",
	  "crr: who closes first (client); server: wait for its FIN (echo --close-after); "
	  "http-close: always the server" },
	{ "--bulk-send", "lend|copy",
	  "bulk and mixed: the bulk stream's sends lend the payload (tern_send_mbuf, the "
	  "default) or copy it (tern_send)" },
	{ NULL, NULL, NULL },
};

/* ---- options ------------------------------------------------------------ */

/* tern_app's parse_opt: lg_common's options, and --bulk-send. */
static int
lg_parse_app_opt(void *ctx, const char *opt, const char *v)
{
	struct lg *lg = ctx;

	if (strcmp(opt, "--bulk-send") != 0)
		return lg_parse_opt(&lg->opt, opt, v);
	if (strcmp(v, "lend") != 0 && strcmp(v, "copy") != 0)
		return -EINVAL;
	lg->bulk_copy = strcmp(v, "copy") == 0;
	return 0;
}

/* ---- results ------------------------------------------------------------ */

/* The engines' sums, their latency histogram merged, and the longest window. */
struct lg_total {
	struct lg_stats st;
	struct hist hist;
	uint64_t window_us;
	unsigned measured; /* engines whose window opened */
};

static void
lg_sum(struct lg *lg, struct lg_total *tot)
{
	hist_reset(&tot->hist);
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++) {
		struct lg_core *lc = &lg->cores[i];
		lc->stopping = true; /* what closes from now on is the runtime stopping */
		if (lc->t0_us == 0)
			continue;
		uint64_t end = lc->end_us != 0 ? lc->end_us : lc->now_us;
		tot->window_us = RTE_MAX(tot->window_us, end - lc->t0_us);
		tot->measured++;
		tot->st.requests += lc->st.requests;
		tot->st.conns += lc->st.conns;
		tot->st.tx_bytes += lc->st.tx_bytes;
		tot->st.rx_bytes += lc->st.rx_bytes;
		tot->st.bulk_tx_bytes += lc->st.bulk_tx_bytes;
		tot->st.bulk_rx_bytes += lc->st.bulk_rx_bytes;
		tot->st.dropped += lc->st.dropped;
		tot->st.mss = RTE_MAX(tot->st.mss, lc->st.mss);
		hist_merge(&tot->hist, &lc->hist);
	}
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++) {
		tot->st.errors += lg->cores[i].st.errors;
		tot->st.stalled += lg->cores[i].st.stalled;
	}
}

/* Histogram, summary and JSON; returns the exit status they imply. */
static int
lg_report_all(struct lg *lg)
{
	struct lg_total *t = calloc(1, sizeof(*t));
	int status;

	if (t == NULL) {
		fprintf(stderr, LG_NAME ": no memory for the results\n");
		return 1;
	}
	if (lg->opt.mode == LG_IDLE) {
		free(t);
		return lg_idle_report(lg);
	}
	lg_sum(lg, t);
	bool nothing =
	        lg_print_results(LG_NAME, &lg->opt, lg->nb_cores, t->window_us, &t->st, &t->hist);
	status = t->st.errors != 0 || t->st.stalled != 0 || lg->setup_failed != 0 ||
	         t->measured == 0 || nothing;
	free(t);
	return status;
}

/* ---- main --------------------------------------------------------------- */

static int
lg_check_tern_opts(const struct lg_opts *o)
{
	const char *bad = lg_check_opts(o);

	if (bad != NULL) {
		fprintf(stderr, LG_NAME ": %s\n", bad);
		return -EINVAL;
	}
	if (o->mss != 0) {
		fprintf(stderr, LG_NAME ": --mss: Tern's MSS follows [port] mtu (MTU - 40)\n");
		return -EINVAL;
	}
	return 0;
}

/* What requests carry: --size bytes of 'x', or the HTTP request repeated
 * (whose length stands for --size, which the JSON then reports as 0: the
 * response's length is the server's). */
static int
lg_payload_init(struct lg *lg)
{
	struct lg_opts *o = &lg->opt;
	char req[LG_HTTP_REQUEST_MAX];

	if (!lg_mode_http(o->mode)) {
		memset(lg->payload, 'x', sizeof(lg->payload));
		lg->request_bytes = o->size;
		return 0;
	}
	int n = lg_http_request(req, sizeof(req), "/", o->ip, o->port, o->mode == LG_HTTP_CLOSE);
	if (n <= 0) {
		fprintf(stderr, LG_NAME ": the HTTP request does not fit\n");
		return -ENOSPC;
	}
	lg->payload_period = (uint32_t)n;
	lg->request_bytes = (uint32_t)n;
	for (size_t off = 0; off + (size_t)n <= sizeof(lg->payload); off += (size_t)n)
		memcpy(lg->payload + off, req, (size_t)n);
	o->size = 0;
	return 0;
}

int
main(int argc, char **argv)
{
	struct lg *lg = calloc(1, sizeof(*lg));
	struct tern_app app = {
		.name = LG_NAME,
		.summary = "TCP load generator: request/response, connections per second, bulk",
		.opts = lg_opts,
		.parse_opt = lg_parse_app_opt,
	};
	struct tern *t;
	int ret, status;

	if (lg == NULL) {
		fprintf(stderr, LG_NAME ": no memory\n");
		return 1;
	}
	lg->opt = (struct lg_opts){
		.mode = LG_RR, .conns = 1, .size = 64, .duration_s = 10, .ports = 1
	};
	app.ctx = lg;
	ret = tern_init(argc, argv, &app, &t);
	if (t == NULL) {
		free(lg);
		return ret;
	}
	if (lg_check_tern_opts(&lg->opt) != 0) {
		tern_fini(t);
		free(lg);
		return 2;
	}
	if (lg_payload_init(lg) != 0) {
		tern_fini(t);
		free(lg);
		return 2;
	}
	if ((lg->opt.mode == LG_BULK || lg->opt.mode == LG_MIXED) && !lg->bulk_copy &&
	    lg_lend_init(lg) != 0) {
		tern_fini(t);
		free(lg);
		return 1;
	}
	lg->nb_cores = rte_lcore_count();
	tern_on_start(t, lg_on_start, lg);
	tern_on_poll(t, lg_on_poll, lg);
	tern_run(t);
	status = lg_report_all(lg);
	fflush(stdout); /* the result is out before tern_fini waits for a memif peer */
	if (tern_fini(t) != 0)
		status = 1;
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++) {
		free(lg->cores[i].slots);
		free(lg->cores[i].http);
	}
	free(lg);
	return status;
}
