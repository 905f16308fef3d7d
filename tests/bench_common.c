/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-poll benches' shared pieces (bench_common.h).
 */
#include <stdio.h>
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "bench_common.h"

void
bench_config(struct config *cfg, unsigned burst, unsigned tcbs, unsigned conns)
{
	harness_config_defaults(cfg);
	cfg->burst = (uint16_t)burst;
	cfg->tcp_conns = tcbs + 16;
	cfg->flows = 2 * tcbs + 1024;
	cfg->pool_mbufs = 16383;
	cfg->tcp_syn_backlog = conns + 16;
}

int
bench_figs_alloc(struct bench_figs *figs, unsigned polls)
{
	for (unsigned f = 0; f < figs->n; f++) {
		figs->v[f] = calloc(polls, sizeof(uint64_t));
		if (figs->v[f] == NULL) {
			bench_figs_free(figs);
			return -1;
		}
	}
	return 0;
}

void
bench_figs_free(struct bench_figs *figs)
{
	for (unsigned f = 0; f < figs->n; f++) {
		free(figs->v[f]);
		figs->v[f] = NULL;
	}
}

void
bench_poll(struct harness *h, struct bench_figs *figs, unsigned p)
{
	uint64_t v0[BENCH_FIGS_MAX], v1[BENCH_FIGS_MAX];

	h->tsc += rte_get_tsc_hz() / 100000;
	figs->sample(h->eng, v0);
	engine_poll(h->eng, h->tsc);
	figs->sample(h->eng, v1);
	for (unsigned f = 0; f < figs->n; f++)
		figs->v[f][p] = v1[f] - v0[f];
}

const char *
bench_cost_accounting(void)
{
#ifdef TERN_COST_ACCOUNTING
	return "true";
#else
	return "false";
#endif
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Percentile @p of @v (sorted here). */
static uint64_t
pct(uint64_t *v, unsigned n, unsigned p)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[(size_t)n * p / 100 < n ? (size_t)n * p / 100 : n - 1];
}

void
bench_figs_print(struct bench_figs *figs, unsigned polls, unsigned per)
{
	for (unsigned f = 0; f < figs->n; f++)
		printf(",\"%s\":[%.1f,%.1f,%.1f]", figs->names[f],
		       (double)pct(figs->v[f], polls, 10) / per,
		       (double)pct(figs->v[f], polls, 50) / per,
		       (double)pct(figs->v[f], polls, 90) / per);
}

void
bench_discard_sent(struct harness *h)
{
	struct rte_mbuf *out[ENGINE_TX_MAX];
	unsigned n;

	while ((n = harness_collect(h, out, RTE_DIM(out))) != 0)
		rte_pktmbuf_free_bulk(out, n);
}
