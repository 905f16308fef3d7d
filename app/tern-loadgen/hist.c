/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The log-linear histogram of hist.h. Index of a value v >= 128: with
 * shift = msb(v) - 6, v >> shift lies in [64, 128), and the index is
 * shift * 64 + (v >> shift): octaves follow each other without a gap.
 */
#include <string.h>

#include "hist.h"

static unsigned
hist_index(uint64_t v)
{
	if (v < HIST_SUB_COUNT)
		return (unsigned)v;
	unsigned shift = (unsigned)(63 - __builtin_clzll(v)) - (HIST_SUB_BITS - 1);
	return shift * HIST_HALF + (unsigned)(v >> shift);
}

/* The lowest and highest value that share bucket @idx. */
static void
hist_bounds(unsigned idx, uint64_t *lo, uint64_t *hi)
{
	if (idx < HIST_SUB_COUNT) {
		*lo = *hi = idx;
		return;
	}
	unsigned shift = idx / HIST_HALF - 1;
	uint64_t sub = idx - shift * HIST_HALF;
	*lo = sub << shift;
	*hi = *lo + ((uint64_t)1 << shift) - 1;
}

void
hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void
hist_record(struct hist *h, uint64_t v)
{
	h->buckets[hist_index(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

void
hist_merge(struct hist *dst, const struct hist *src)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t
hist_value_at(const struct hist *h, double pct)
{
	uint64_t rank, seen = 0, lo, hi;

	if (h->count == 0)
		return 0;
	rank = (uint64_t)(pct / 100.0 * (double)h->count + 0.999999);
	if (rank == 0)
		rank = 1;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->buckets[i];
		if (seen >= rank) {
			hist_bounds(i, &lo, &hi);
			return hi < h->max ? hi : h->max;
		}
	}
	return h->max;
}

double
hist_mean(const struct hist *h)
{
	return h->count == 0 ? 0.0 : (double)h->sum / (double)h->count;
}

/* One row per octave [2^k, 2^(k+1)): count, cumulative percentage, a bar. */
static void
hist_print_octaves(const struct hist *h, const char *unit, FILE *f)
{
	uint64_t octave[65] = { 0 }, peak = 0, seen = 0, lo, hi;

	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		if (h->buckets[i] == 0)
			continue;
		hist_bounds(i, &lo, &hi);
		unsigned k = lo == 0 ? 0 : (unsigned)(64 - __builtin_clzll(lo));
		octave[k] += h->buckets[i];
	}
	for (unsigned k = 0; k < 65; k++)
		peak = octave[k] > peak ? octave[k] : peak;
	for (unsigned k = 0; k < 65; k++) {
		if (octave[k] == 0)
			continue;
		seen += octave[k];
		uint64_t from = k == 0 ? 0 : (uint64_t)1 << (k - 1);
		unsigned bar = (unsigned)((octave[k] * 40 + peak - 1) / peak);
		fprintf(f, "  %10llu+ %s %12llu %8.4f%% %.*s\n", (unsigned long long)from, unit,
		        (unsigned long long)octave[k], 100.0 * (double)seen / (double)h->count,
		        (int)bar, "########################################");
	}
}

static const double hist_pcts[] = { 50.0, 90.0, 99.0, 99.9, 99.99, 100.0 };

void
hist_print(const struct hist *h, const char *unit, FILE *f)
{
	if (h->count == 0) {
		fprintf(f, "  (no samples)\n");
		return;
	}
	fprintf(f, "  %llu samples, min %llu %s, mean %.1f %s\n", (unsigned long long)h->count,
	        (unsigned long long)h->min, unit, hist_mean(h), unit);
	for (unsigned i = 0; i < sizeof(hist_pcts) / sizeof(hist_pcts[0]); i++)
		fprintf(f, "  p%-6g %10llu %s\n", hist_pcts[i],
		        (unsigned long long)hist_value_at(h, hist_pcts[i]), unit);
	hist_print_octaves(h, unit, f);
}
