/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the per-poll benches (tcp_in_bench.c, httpd_bench.c) share: the
 * harness sized for them, one timed engine_poll, and the percentiles of
 * the cycles they print.
 *
 *   bench -> bench_config -> harness_open
 *         -> bench_poll (sample, engine_poll, sample) -> bench_figs_print
 */
#ifndef TERN_BENCH_COMMON_H
#define TERN_BENCH_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "harness.h"

#define BENCH_PORT     80 /* the server's port */
#define BENCH_FIGS_MAX 4

/* What a bench measures of each poll: @n figures named @names, @sample
 * reading them into v[0..n-1] before and after (v[0]: rte_rdtsc), and the
 * difference of each poll's kept in @v[f][poll]. */
struct bench_figs {
	unsigned n;
	const char *const *names;
	void (*sample)(const struct engine *eng, uint64_t *v);
	uint64_t *v[BENCH_FIGS_MAX];
};

/* @cfg for a bench on harness_open: bursts of @burst, room for @tcbs
 * control blocks (twice as many flows) and for @conns handshakes at once. */
void bench_config(struct config *cfg, unsigned burst, unsigned tcbs, unsigned conns);

/* Room for @polls polls in each figure: 0, or -1 (nothing left allocated). */
int bench_figs_alloc(struct bench_figs *figs, unsigned polls);
void bench_figs_free(struct bench_figs *figs);

/* One timed poll of what was injected, the clock 10 us on (as in a steady
 * stream: delayed ACKs fire now and then); its figures go to poll @p. */
void bench_poll(struct harness *h, struct bench_figs *figs, unsigned p);

/* "true" in a -Dcost_accounting build, else "false". */
const char *bench_cost_accounting(void);

/* ,"name":[p10,p50,p90] for each figure, over @polls polls, each divided
 * by @per (segments, requests or connections a poll). Sorts the figures. */
void bench_figs_print(struct bench_figs *figs, unsigned polls, unsigned per);

/* Free every frame the engine sent. */
void bench_discard_sent(struct harness *h);

#endif /* TERN_BENCH_COMMON_H */
