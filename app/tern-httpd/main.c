/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-httpd: HTTP/1.1 on Tern (DESIGN.md, stable contracts).
 *
 *   GET /          a small fixed text page
 *   GET /bytes/N   N bytes (N up to 1 GiB), streamed as the send buffer drains
 *   HEAD           the same heads, without the bodies
 *   anything else  405 (another method), 404 (another path), 400 and a close
 *                  (a malformed or oversized request head)
 *
 * Connections stay open between requests (HTTP/1.1's default) unless the
 * request says "Connection: close"; pipelined requests are answered in order.
 *
 *   tern-httpd [EAL args] -- [--config FILE] [--ip ADDR/LEN] [--port N] [--conns N]
 *
 *   main -> tern_listen (httpd_conn_ops), tern_on_start (httpd_core_start,
 *        httpd_core.c: the core's connection pool), tern_on_poll
 *        (httpd_core_poll) -> tern_run
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpd.h"

static const struct tern_opt httpd_opts[] = {
	{ "--port", "N", "TCP port to serve (default 80)" },
	{ "--conns", "N", "HTTP connections per core (default 16384, as [tcp] conns)" },
	{ NULL, NULL, NULL },
};

static int
httpd_parse_opt(void *ctx, const char *opt, const char *value)
{
	struct httpd *h = ctx;
	char *end;

	errno = 0;
	unsigned long v = strtoul(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || value[0] == '-' || v == 0)
		return -EINVAL;
	if (strcmp(opt, "--port") == 0) {
		if (v > UINT16_MAX)
			return -EINVAL;
		h->port = (uint16_t)v;
	} else if (strcmp(opt, "--conns") == 0) {
		if (v > 4194304)
			return -EINVAL;
		h->conns_per_core = (uint32_t)v;
	}
	return 0;
}

/* The counters of every core, summed, one "httpd.NAME VALUE" line each (as
 * the runtime prints "total.NAME VALUE"). */
static void
httpd_print_stats(const struct httpd *h)
{
	struct httpd_stats sum;

	memset(&sum, 0, sizeof(sum));
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++) {
		const struct httpd_stats *s = h->cores[i] != NULL ? &h->cores[i]->stats : NULL;
		if (s == NULL)
			continue;
		sum.conns += s->conns;
		sum.conns_refused += s->conns_refused;
		sum.conns_aborted += s->conns_aborted;
		sum.requests += s->requests;
		sum.bad_requests += s->bad_requests;
		for (unsigned j = 0; j < HTTPD_NSTATUS; j++)
			sum.status[j] += s->status[j];
		sum.body_bytes += s->body_bytes;
		sum.send_stalls += s->send_stalls;
		sum.linger_expired += s->linger_expired;
	}
	printf("httpd.conns %" PRIu64 "\nhttpd.conns_refused %" PRIu64
	       "\nhttpd.conns_aborted %" PRIu64 "\n",
	       sum.conns, sum.conns_refused, sum.conns_aborted);
	printf("httpd.requests %" PRIu64 "\nhttpd.bad_requests %" PRIu64 "\n", sum.requests,
	       sum.bad_requests);
	printf("httpd.status_200 %" PRIu64 "\nhttpd.status_400 %" PRIu64
	       "\nhttpd.status_404 %" PRIu64 "\nhttpd.status_405 %" PRIu64 "\n",
	       sum.status[HTTPD_200], sum.status[HTTPD_400], sum.status[HTTPD_404],
	       sum.status[HTTPD_405]);
	printf("httpd.body_bytes %" PRIu64 "\nhttpd.send_stalls %" PRIu64
	       "\nhttpd.linger_expired %" PRIu64 "\n",
	       sum.body_bytes, sum.send_stalls, sum.linger_expired);
}

int
main(int argc, char **argv)
{
	struct httpd h = {
		.tag = HTTPD_TAG_SERVER,
		.port = 80,
		.conns_per_core = HTTPD_CONNS_DEFAULT,
	};
	const struct tern_app app = {
		.name = "tern-httpd",
		.summary = "HTTP/1.1 on Tern: GET / and GET /bytes/N, keep-alive and pipelining",
		.opts = httpd_opts,
		.parse_opt = httpd_parse_opt,
		.ctx = &h,
	};
	struct tern *t;
	int ret = tern_init(argc, argv, &app, &t);

	if (t == NULL)
		return ret;
	ret = tern_listen(t, h.port, &httpd_conn_ops, &h);
	if (ret != 0) {
		fprintf(stderr, "tern-httpd: cannot listen on TCP %u: %s\n", h.port,
		        strerror(-ret));
		tern_fini(t);
		return 1;
	}
	tern_on_start(t, httpd_core_start, &h);
	tern_on_poll(t, httpd_core_poll, &h);
	tern_run(t);
	ret = tern_fini(t);
	httpd_print_stats(&h);
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++)
		httpd_core_free(h.cores[i]);
	return h.start_failed ? 1 : ret;
}
