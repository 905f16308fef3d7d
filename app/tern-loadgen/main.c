/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-loadgen: the client side of the request/response, connection-rate and
 * bulk benchmarks, as a Tern program. It drives any echo server (responses
 * equal requests) or, for bulk, any sink, and prints a progress line a
 * second, then a latency histogram and one JSON line with every result.
 *
 *   tern-loadgen [EAL args] -- [--config FILE] [--ip ADDR/LEN]
 *                --connect A.B.C.D:PORT [--mode rr|crr|bulk] [--conns N]
 *                [--size BYTES] [--duration S] [--rate R]
 *
 *   main -> tern_init -> lg_on_start / lg_on_poll (conn.c) on every engine
 *        -> tern_run -> lg_report_all: sum the engines, histogram, JSON
 *
 * Connections and --rate are split evenly over the engines. Exit status 0
 * if nothing failed and something was measured.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_lcore.h>

#include "loadgen.h"

#define LG_MAX_CONNS    1000000u
#define LG_MAX_SIZE     (64u << 20)
#define LG_MAX_DURATION 86400u
#define LG_MAX_RATE     100000000u

static const struct tern_opt lg_opts[] = {
	{ "--connect", "A.B.C.D:PORT", "the server (an echo server for rr and crr)" },
	{ "--mode", "rr|crr|bulk", "persistent (rr, default), a connection per request, or bulk" },
	{ "--conns", "N", "connections at once (1)" },
	{ "--size", "BYTES", "request and response size (64)" },
	{ "--duration", "S", "seconds measured, from the first connection up (10)" },
	{ "--rate", "R",
	  "open loop: requests (crr: connections) per second in all; 0: closed loop (0)" },
	{ NULL, NULL, NULL },
};

static const char *const lg_mode_names[] = {
	[LG_RR] = "rr",
	[LG_CRR] = "crr",
	[LG_BULK] = "bulk",
};

/* ---- options ------------------------------------------------------------ */

static int
lg_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int
lg_parse_endpoint(const char *s, uint32_t *ip, uint16_t *port)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	struct in_addr a;
	uint64_t p;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1 || lg_parse_uint(colon + 1, 1, 65535, &p) != 0)
		return -EINVAL;
	*ip = ntohl(a.s_addr);
	*port = (uint16_t)p;
	return 0;
}

static int
lg_parse_mode(const char *s, enum lg_mode *mode)
{
	for (unsigned i = 0; i < RTE_DIM(lg_mode_names); i++) {
		if (lg_mode_names[i] != NULL && strcmp(s, lg_mode_names[i]) == 0) {
			*mode = (enum lg_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

static int
lg_parse_opt(void *ctx, const char *opt, const char *v)
{
	struct lg_opts *o = ctx;
	uint64_t n;
	int ret;

	if (strcmp(opt, "--connect") == 0)
		return lg_parse_endpoint(v, &o->ip, &o->port);
	if (strcmp(opt, "--mode") == 0)
		return lg_parse_mode(v, &o->mode);
	if (strcmp(opt, "--rate") == 0)
		return lg_parse_uint(v, 0, LG_MAX_RATE, &o->rate);
	if (strcmp(opt, "--conns") == 0) {
		ret = lg_parse_uint(v, 1, LG_MAX_CONNS, &n);
		o->conns = ret == 0 ? (unsigned)n : o->conns;
	} else if (strcmp(opt, "--size") == 0) {
		ret = lg_parse_uint(v, 1, LG_MAX_SIZE, &n);
		o->size = ret == 0 ? (uint32_t)n : o->size;
	} else if (strcmp(opt, "--duration") == 0) {
		ret = lg_parse_uint(v, 1, LG_MAX_DURATION, &n);
		o->duration_s = ret == 0 ? (unsigned)n : o->duration_s;
	} else {
		ret = -EINVAL;
	}
	return ret;
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
		tot->st.dropped += lc->st.dropped;
		hist_merge(&tot->hist, &lc->hist);
	}
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++)
		tot->st.errors += lg->cores[i].st.errors;
}

static double
lg_per_s(uint64_t n, uint64_t us)
{
	return us == 0 ? 0.0 : (double)n * 1e6 / (double)us;
}

static void
lg_print_json(const struct lg *lg, const struct lg_total *t)
{
	const struct lg_opts *o = &lg->opt;
	const struct hist *h = &t->hist;

	printf("{\"tool\":\"" LG_NAME "\",\"mode\":\"%s\",\"server\":\"%u.%u.%u.%u:%u\","
	       "\"conns\":%u,\"size\":%u,\"rate\":%" PRIu64 ",\"cores\":%u,\"duration_s\":%.3f,"
	       "\"requests\":%" PRIu64 ",\"requests_per_s\":%.1f,\"connections\":%" PRIu64
	       ",\"connections_per_s\":%.1f,\"tx_bytes\":%" PRIu64 ",\"rx_bytes\":%" PRIu64
	       ",\"tx_mbit_s\":%.3f,\"rx_mbit_s\":%.3f,\"errors\":%" PRIu64 ",\"dropped\":%" PRIu64
	       ",\"latency_us\":{\"count\":%" PRIu64 ",\"min\":%" PRIu64
	       ",\"mean\":%.1f,\"p50\":%" PRIu64 ",\"p90\":%" PRIu64 ",\"p99\":%" PRIu64
	       ",\"p99_9\":%" PRIu64 ",\"max\":%" PRIu64 "}}\n",
	       lg_mode_names[o->mode], o->ip >> 24, (o->ip >> 16) & 0xff, (o->ip >> 8) & 0xff,
	       o->ip & 0xff, o->port, o->conns, o->size, o->rate, lg->nb_cores,
	       (double)t->window_us / 1e6, t->st.requests, lg_per_s(t->st.requests, t->window_us),
	       t->st.conns, lg_per_s(t->st.conns, t->window_us), t->st.tx_bytes, t->st.rx_bytes,
	       lg_per_s(t->st.tx_bytes * 8, t->window_us) / 1e6,
	       lg_per_s(t->st.rx_bytes * 8, t->window_us) / 1e6, t->st.errors, t->st.dropped,
	       h->count, h->count != 0 ? h->min : 0, hist_mean(h), hist_value_at(h, 50.0),
	       hist_value_at(h, 90.0), hist_value_at(h, 99.0), hist_value_at(h, 99.9), h->max);
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
	lg_sum(lg, t);
	if (lg->opt.mode != LG_BULK) {
		printf(LG_NAME ": latency (%s), microseconds:\n",
		       lg->opt.mode == LG_CRR ? "connect to response" : "request to response");
		hist_print(&t->hist, "us", stdout);
	}
	printf(LG_NAME ": %s, %u conns, %" PRIu64 " requests, %" PRIu64
	               " connections in %.3f s: %.0f req/s, %.0f conn/s, p50 %" PRIu64
	               " us, p99 %" PRIu64 " us, p99.9 %" PRIu64 " us, max %" PRIu64 " us, %" PRIu64
	               " errors\n",
	       lg_mode_names[lg->opt.mode], lg->opt.conns, t->st.requests, t->st.conns,
	       (double)t->window_us / 1e6, lg_per_s(t->st.requests, t->window_us),
	       lg_per_s(t->st.conns, t->window_us), hist_value_at(&t->hist, 50.0),
	       hist_value_at(&t->hist, 99.0), hist_value_at(&t->hist, 99.9), t->hist.max,
	       t->st.errors);
	lg_print_json(lg, t);
	fflush(stdout);
	bool nothing = lg->opt.mode == LG_BULK ? t->st.tx_bytes == 0 : t->st.requests == 0;
	if (nothing)
		fprintf(stderr, LG_NAME ": nothing was measured\n");
	status = t->st.errors != 0 || lg->setup_failed != 0 || t->measured == 0 || nothing;
	free(t);
	return status;
}

/* ---- main --------------------------------------------------------------- */

static int
lg_check_opts(const struct lg_opts *o)
{
	if (o->port == 0) {
		fprintf(stderr, LG_NAME ": give --connect A.B.C.D:PORT\n");
		return -EINVAL;
	}
	if (o->mode == LG_BULK && o->rate != 0) {
		fprintf(stderr, LG_NAME ": --rate: bulk has no rate; it sends as fast as it can\n");
		return -EINVAL;
	}
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
		.parse_opt = lg_parse_opt,
	};
	struct tern *t;
	int ret, status;

	if (lg == NULL) {
		fprintf(stderr, LG_NAME ": no memory\n");
		return 1;
	}
	lg->opt = (struct lg_opts){ .mode = LG_RR, .conns = 1, .size = 64, .duration_s = 10 };
	memset(lg->payload, 'x', sizeof(lg->payload));
	app.ctx = &lg->opt;
	ret = tern_init(argc, argv, &app, &t);
	if (t == NULL) {
		free(lg);
		return ret;
	}
	if (lg_check_opts(&lg->opt) != 0) {
		tern_fini(t);
		free(lg);
		return 2;
	}
	lg->nb_cores = rte_lcore_count();
	tern_on_start(t, lg_on_start, lg);
	tern_on_poll(t, lg_on_poll, lg);
	tern_run(t);
	status = lg_report_all(lg);
	if (tern_fini(t) != 0)
		status = 1;
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++)
		free(lg->cores[i].slots);
	free(lg);
	return status;
}
