/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-httpd, one engine's share: its pool of connections, set up as the
 * engine starts and freed after tern_fini.
 *
 *   tern_on_start -> httpd_core_start (pool, lists, pattern, canned responses)
 *   poll          -> httpd_core_date
 *   accepted      -> httpd_conn_alloc | closed -> httpd_conn_free
 *   main's end    -> httpd_core_free
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "httpd.h"

/* From the core's pool: a free one, else one never used (so the pages of the
 * pool are touched only as connections need them). */
struct httpd_conn *
httpd_conn_alloc(struct httpd_core *hc)
{
	struct httpd_conn *conn = hc->free;

	if (conn != NULL)
		hc->free = conn->free_next;
	else if (hc->nb_fresh < hc->nb_conns)
		conn = &hc->conns[hc->nb_fresh++];
	return conn;
}

void
httpd_conn_free(struct httpd_core *hc, struct httpd_conn *conn)
{
	conn->free_next = hc->free;
	hc->free = conn;
}

/* On each core as its loop starts. The memory comes from malloc, not
 * rte_malloc: the closed callbacks run inside tern_fini, which ends with the
 * EAL's cleanup, so the pools are freed after it. */
void
httpd_core_start(struct tern_core *core, void *arg)
{
	struct httpd *h = arg;
	unsigned idx = tern_core_index(core);
	struct httpd_core *hc = calloc(1, sizeof(*hc));
	struct httpd_conn *conns = hc != NULL ? calloc(h->conns_per_core, sizeof(*conns)) : NULL;

	if (conns == NULL) {
		fprintf(stderr, "tern-httpd: core %u: cannot allocate %" PRIu32 " connections\n",
		        idx, h->conns_per_core);
		free(hc);
		__atomic_store_n(&h->start_failed, true, __ATOMIC_RELAXED);
		tern_core_stop_all(core);
		return;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (httpd_responses_init(&hc->resp, ts.tv_sec) != 0) {
		fprintf(stderr, "tern-httpd: a canned response does not fit\n");
		free(conns);
		free(hc);
		__atomic_store_n(&h->start_failed, true, __ATOMIC_RELAXED);
		tern_core_stop_all(core);
		return;
	}
	hc->date_check_us = tern_core_now_us(core) + 1000000u - (uint64_t)ts.tv_nsec / 1000u;
	hc->core = core;
	hc->conns = conns;
	hc->nb_conns = h->conns_per_core;
	TAILQ_INIT(&hc->linger);
	TAILQ_INIT(&hc->stalled);
	for (size_t i = 0; i < sizeof(hc->pattern); i++)
		hc->pattern[i] = HTTPD_PATTERN[i % HTTPD_PATTERN_PERIOD];
	h->cores[idx] = hc;
}

/* Once per loop iteration; the clock is read only when the second is due
 * to change, and then the next change is due a second after it. */
void
httpd_core_date(struct httpd_core *hc, uint64_t now_us)
{
	struct timespec ts;

	if (now_us < hc->date_check_us)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	httpd_responses_date(&hc->resp, ts.tv_sec);
	hc->date_check_us = now_us + 1000000u - (uint64_t)ts.tv_nsec / 1000u;
}

void
httpd_core_free(struct httpd_core *hc)
{
	if (hc == NULL)
		return;
	free(hc->conns);
	free(hc);
}
