/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A log-linear latency histogram in the manner of HdrHistogram: values below
 * 128 are counted exactly; above, each power of two is split into 64 equal
 * buckets, so a bucket is at most 1/64 (1.6%) of its value wide: two
 * significant decimal digits. The array covers every uint64_t value and is
 * fixed: recording is an index computation and an increment.
 *
 *   lg_conn (response complete) -> hist_record
 *   main (after the run)        -> hist_merge per core -> hist_value_at, hist_print
 */
#ifndef LOADGEN_HIST_H
#define LOADGEN_HIST_H

#include <stdint.h>
#include <stdio.h>

#define HIST_SUB_BITS  7u /* 128 sub-buckets, 64 per octave */
#define HIST_SUB_COUNT (1u << HIST_SUB_BITS)
#define HIST_HALF      (HIST_SUB_COUNT / 2u)
/* The largest index: msb 63, shift 63 - 6 = 57, 57 * 64 + 127. */
#define HIST_BUCKETS ((64u - HIST_SUB_BITS + 2u) * HIST_HALF)

struct hist {
	uint64_t count;
	uint64_t min;
	uint64_t max;
	uint64_t sum;
	uint64_t buckets[HIST_BUCKETS];
};

void hist_reset(struct hist *h);
void hist_record(struct hist *h, uint64_t v);
void hist_merge(struct hist *dst, const struct hist *src);
/* The highest value equivalent to the one at percentile @pct (0..100). */
uint64_t hist_value_at(const struct hist *h, double pct);
double hist_mean(const struct hist *h);
/* Percentiles and one row per octave with a bar, @unit naming the values. */
void hist_print(const struct hist *h, const char *unit, FILE *f);

#endif /* LOADGEN_HIST_H */
