/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the fault-injection layer (drivers/fault.c): each fault alone
 * with probability 1 and an exact expected output, the rates and the
 * repeatability of the seeded generator, the reorder hold queue (gap, idle
 * release, hold limit, overflow, flush) and config validation. Every test
 * ends with the pool's in-use count at 0: nothing leaks.
 *
 *   main -> rte_eal_init -> per test: pool_setup -> test -> pool_teardown (in use == 0)
 *
 * Frames carry a uint32 sequence number in their first bytes, then a pattern
 * that depends on it, so a frame can be named and its bytes checked.
 */
#include <assert.h>
#include <errno.h>
#include <math.h> /* NAN only: no libm needed */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "drivers/fault.h"

#define FRAME_LEN 64
#define SEED      0x7465726eULL /* "tern" */

/* The frame's bytes: sequence number (host order), then a pattern. */
static void
frame_fill(uint8_t *p, uint32_t seq, uint16_t len)
{
	uint16_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)(seq * 31 + i);
	if (len >= sizeof(seq))
		memcpy(p, &seq, sizeof(seq));
}

static struct rte_mbuf *
frame(struct rte_mempool *pool, uint32_t seq, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	assert_non_null(p);
	frame_fill(p, seq, len);
	return m;
}

static void
frames(struct rte_mempool *pool, struct rte_mbuf **pkts, uint32_t first, uint16_t n)
{
	uint16_t i;

	for (i = 0; i < n; i++)
		pkts[i] = frame(pool, first + i, FRAME_LEN);
}

static uint32_t
seq_of(const struct rte_mbuf *m)
{
	uint32_t seq;

	memcpy(&seq, rte_pktmbuf_mtod(m, const void *), sizeof(seq));
	return seq;
}

/* The output must be exactly these frames, in this order. */
static void
expect_seqs(struct rte_mbuf **pkts, uint16_t n, const uint32_t *want, uint16_t nb_want)
{
	uint16_t i;

	assert_int_equal(n, nb_want);
	for (i = 0; i < n; i++)
		assert_int_equal(seq_of(pkts[i]), want[i]);
}

#define EXPECT_SEQS(pkts, n, ...)                                                                  \
	expect_seqs(pkts, n, (const uint32_t[]){ __VA_ARGS__ },                                    \
	            sizeof((const uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t))

/* Bits that differ between the frame and what frame_fill wrote for @seq. */
static unsigned
bits_changed(const struct rte_mbuf *m, uint32_t seq)
{
	uint8_t want[FRAME_LEN];
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned bits = 0;
	uint16_t i;

	assert_int_equal(rte_pktmbuf_data_len(m), FRAME_LEN);
	frame_fill(want, seq, FRAME_LEN);
	for (i = 0; i < FRAME_LEN; i++)
		bits += (unsigned)__builtin_popcount(p[i] ^ want[i]);
	return bits;
}

static void
start(struct fault *f, struct fault_config cfg, uint64_t seed, struct rte_mempool *pool)
{
	assert_int_equal(fault_init(f, &cfg, seed, pool), 0);
	assert_true(f->enabled);
}

static void
test_disabled_passes_untouched(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *pkts[32], *orig[32];
	struct fault f;
	uint16_t i;

	assert_int_equal(fault_init(&f, &(struct fault_config){ .reorder_gap = 0 }, SEED, pool), 0);
	assert_false(f.enabled);
	frames(pool, pkts, 0, 32);
	memcpy(orig, pkts, sizeof(pkts));

	assert_int_equal(fault_burst(&f, pkts, 32, 32), 32);
	for (i = 0; i < 32; i++) {
		assert_ptr_equal(pkts[i], orig[i]);
		assert_int_equal(bits_changed(pkts[i], i), 0);
	}
	assert_int_equal(f.stats.seen, 0);
	rte_pktmbuf_free_bulk(pkts, 32);
}

static void
test_drop_all_frees(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *pkts[32];
	struct fault f;

	start(&f, (struct fault_config){ .drop = 1.0 }, SEED, pool);
	frames(pool, pkts, 0, 32);

	assert_int_equal(fault_burst(&f, pkts, 32, 32), 0);
	assert_int_equal(f.stats.seen, 32);
	assert_int_equal(f.stats.dropped, 32);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

#define RATE_FRAMES 100000
static_assert(RATE_FRAMES % 32 == 0, "run_drops sends whole bursts of 32");

/* Push RATE_FRAMES frames through drop=0.3 and mark those that came out.
 * Returns how many were dropped. */
static uint64_t
run_drops(struct rte_mempool *pool, uint64_t seed, bool *passed)
{
	struct rte_mbuf *pkts[32];
	struct fault f;
	uint32_t seq;
	uint16_t i, n;

	start(&f, (struct fault_config){ .drop = 0.3 }, seed, pool);
	memset(passed, 0, RATE_FRAMES * sizeof(*passed));
	for (seq = 0; seq < RATE_FRAMES; seq += 32) {
		frames(pool, pkts, seq, 32);
		n = fault_burst(&f, pkts, 32, 32);
		for (i = 0; i < n; i++)
			passed[seq_of(pkts[i])] = true;
		rte_pktmbuf_free_bulk(pkts, n);
	}
	return f.stats.dropped;
}

static void
test_drop_rate_and_repeatability(void **state)
{
	struct rte_mempool *pool = *state;
	bool *a = calloc(RATE_FRAMES, sizeof(*a));
	bool *b = calloc(RATE_FRAMES, sizeof(*b));
	const double n = RATE_FRAMES;
	double dev;

	assert_non_null(a);
	assert_non_null(b);
	/* Binomial(n, 0.3), sigma^2 = n * 0.3 * 0.7 (sigma ~ 145): within 5 sigma,
	 * about 1 false failure in 3.5 million; squared to keep off libm. */
	dev = (double)run_drops(pool, SEED, a) - n * 0.3;
	assert_true(dev * dev < 25 * n * 0.3 * 0.7);

	run_drops(pool, SEED, b);
	assert_memory_equal(a, b, RATE_FRAMES * sizeof(*a));
	run_drops(pool, SEED + 1, b);
	assert_memory_not_equal(a, b, RATE_FRAMES * sizeof(*a));
	free(a);
	free(b);
}

static void
test_duplicate_all_byte_equal(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *pkts[32], *orig[16];
	struct fault f;
	uint16_t i;

	start(&f, (struct fault_config){ .duplicate = 1.0 }, SEED, pool);
	frames(pool, pkts, 0, 16);
	memcpy(orig, pkts, sizeof(orig));

	assert_int_equal(fault_burst(&f, pkts, 16, 32), 32);
	for (i = 0; i < 16; i++) {
		struct rte_mbuf *m = pkts[2 * i], *copy = pkts[2 * i + 1];

		assert_ptr_equal(m, orig[i]);
		assert_ptr_not_equal(copy, m);
		assert_int_equal(rte_pktmbuf_pkt_len(copy), rte_pktmbuf_pkt_len(m));
		assert_memory_equal(rte_pktmbuf_mtod(copy, void *), rte_pktmbuf_mtod(m, void *),
		                    FRAME_LEN);
	}
	assert_int_equal(f.stats.duplicated, 16);
	assert_int_equal(f.stats.overflow, 0);
	rte_pktmbuf_free_bulk(pkts, 32);
}

/* Copies past @cap are freed and counted, not leaked. */
static void
test_duplicate_overflow_frees(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *pkts[20];
	struct fault f;
	uint16_t n;

	start(&f, (struct fault_config){ .duplicate = 1.0 }, SEED, pool);
	frames(pool, pkts, 0, 16);

	n = fault_burst(&f, pkts, 16, 20);
	EXPECT_SEQS(pkts, n, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9);
	assert_int_equal(f.stats.duplicated, 16);
	assert_int_equal(f.stats.overflow, 12);
	rte_pktmbuf_free_bulk(pkts, n);
}

static void
test_corrupt_flips_one_bit(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *pkts[64], *orig[64];
	struct fault f;
	uint16_t i;

	start(&f, (struct fault_config){ .corrupt = 1.0 }, SEED, pool);
	frames(pool, pkts, 0, 64);
	memcpy(orig, pkts, sizeof(pkts));

	assert_int_equal(fault_burst(&f, pkts, 64, 64), 64);
	for (i = 0; i < 64; i++) {
		assert_ptr_equal(pkts[i], orig[i]); /* ours alone: changed in place */
		assert_int_equal(bits_changed(pkts[i], i), 1);
	}
	assert_int_equal(f.stats.corrupted, 64);
	rte_pktmbuf_free_bulk(pkts, 64);
}

/* A frame someone else still references (a retransmit queue) is copied
 * before the bit flip: the other holder keeps the original bytes. */
static void
test_corrupt_shared_frame_copied(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *pkts[1];
	struct rte_mbuf *m = frame(pool, 7, FRAME_LEN);
	struct fault f;

	start(&f, (struct fault_config){ .corrupt = 1.0 }, SEED, pool);
	rte_mbuf_refcnt_update(m, 1);
	pkts[0] = m;

	assert_int_equal(fault_burst(&f, pkts, 1, 1), 1);
	assert_ptr_not_equal(pkts[0], m);
	assert_int_equal(bits_changed(pkts[0], 7), 1);
	assert_int_equal(bits_changed(m, 7), 0);
	assert_int_equal(rte_mbuf_refcnt_read(m), 1); /* the burst's reference was released */
	rte_pktmbuf_free(pkts[0]);
	rte_pktmbuf_free(m);
}

static void
test_truncate_shortens(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *pkts[65];
	uint8_t want[FRAME_LEN];
	struct fault f;
	uint16_t i, len;

	start(&f, (struct fault_config){ .truncate = 1.0 }, SEED, pool);
	frames(pool, pkts, 0, 64);
	pkts[64] = frame(pool, 64, 1); /* too short to cut */

	assert_int_equal(fault_burst(&f, pkts, 65, 65), 65);
	for (i = 0; i < 64; i++) {
		len = rte_pktmbuf_data_len(pkts[i]);
		assert_int_equal(rte_pktmbuf_pkt_len(pkts[i]), len);
		assert_in_range(len, 1, FRAME_LEN - 1);
		frame_fill(want, i, FRAME_LEN);
		assert_memory_equal(rte_pktmbuf_mtod(pkts[i], void *), want, len);
	}
	assert_int_equal(rte_pktmbuf_pkt_len(pkts[64]), 1);
	assert_int_equal(f.stats.truncated, 64);
	rte_pktmbuf_free_bulk(pkts, 65);
}

/* rte_pktmbuf_trim only shortens the last segment: a 100 + 20 byte chain is
 * cut to [100, 119] bytes, never into the head. */
static void
test_truncate_chain_within_last_segment(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *pkts[50];
	struct fault f;
	uint16_t i;

	start(&f, (struct fault_config){ .truncate = 1.0 }, SEED, pool);
	for (i = 0; i < 50; i++) {
		pkts[i] = frame(pool, i, 100);
		assert_int_equal(rte_pktmbuf_chain(pkts[i], frame(pool, 1000 + i, 20)), 0);
	}

	assert_int_equal(fault_burst(&f, pkts, 50, 50), 50);
	for (i = 0; i < 50; i++) {
		assert_int_equal(pkts[i]->nb_segs, 2);
		assert_int_equal(rte_pktmbuf_data_len(pkts[i]), 100);
		assert_in_range(rte_pktmbuf_pkt_len(pkts[i]), 100, 119);
	}
	assert_int_equal(f.stats.truncated, 50);
	rte_pktmbuf_free_bulk(pkts, 50);
}

/* Frame 0 is held; it goes out right after the third later frame. The
 * config is changed between calls so that only frame 0 is held. */
static void
test_reorder_gap_three(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *pkts[8];
	struct fault f;
	uint16_t n;

	start(&f, (struct fault_config){ .reorder = 1.0, .reorder_gap = 3 }, SEED, pool);
	frames(pool, pkts, 0, 1);
	assert_int_equal(fault_burst(&f, pkts, 1, 8), 0);
	assert_int_equal(f.nb_held, 1);

	f.cfg.reorder = 0.0;
	frames(pool, pkts, 1, 6);
	n = fault_burst(&f, pkts, 6, 8);
	EXPECT_SEQS(pkts, n, 1, 2, 3, 0, 4, 5, 6);
	assert_int_equal(f.nb_held, 0);
	assert_int_equal(f.stats.reordered, 1);
	rte_pktmbuf_free_bulk(pkts, n);
}

/* With the hold queue full, the next frames pass; all 32 held go out, oldest
 * first, behind the third of them; that empties the queue, so the frames
 * after are held again. */
static void
test_reorder_hold_limit(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *pkts[64];
	struct fault f;
	uint16_t n, i;

	start(&f, (struct fault_config){ .reorder = 1.0, .reorder_gap = 3 }, SEED, pool);
	frames(pool, pkts, 0, 40);

	n = fault_burst(&f, pkts, 40, 64);
	assert_int_equal(n, 35);
	EXPECT_SEQS(pkts, 3, 32, 33, 34);
	for (i = 0; i < 32; i++)
		assert_int_equal(seq_of(pkts[3 + i]), i);
	assert_int_equal(f.nb_held, 5);
	assert_int_equal(f.stats.reordered, FAULT_HOLD_MAX + 5);
	rte_pktmbuf_free_bulk(pkts, n);
	fault_flush(&f);
}

/* Idle link: held in call k, nothing passes in k + 1, out at the start of
 * k + 2. */
static void
test_reorder_idle_release(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *pkts[4];
	struct fault f;
	uint16_t n;

	start(&f, (struct fault_config){ .reorder = 1.0, .reorder_gap = 3 }, SEED, pool);
	frames(pool, pkts, 0, 1);
	assert_int_equal(fault_burst(&f, pkts, 1, 4), 0);
	f.cfg.reorder = 0.0;

	assert_int_equal(fault_burst(&f, pkts, 0, 4), 0);
	assert_int_equal(f.nb_held, 1);
	n = fault_burst(&f, pkts, 0, 4);
	EXPECT_SEQS(pkts, n, 0);
	assert_int_equal(f.nb_held, 0);
	rte_pktmbuf_free_bulk(pkts, n);
}

/* Slow link: fewer than reorder_gap frames in two calls; the held frame
 * still goes out at the start of the third, ahead of that call's frames. */
static void
test_reorder_slow_link_release(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *pkts[4];
	struct fault f;
	uint16_t n;

	start(&f, (struct fault_config){ .reorder = 1.0, .reorder_gap = 3 }, SEED, pool);
	frames(pool, pkts, 0, 1);
	assert_int_equal(fault_burst(&f, pkts, 1, 4), 0);
	f.cfg.reorder = 0.0;

	frames(pool, pkts, 1, 1);
	n = fault_burst(&f, pkts, 1, 4);
	EXPECT_SEQS(pkts, n, 1);
	rte_pktmbuf_free_bulk(pkts, n);

	frames(pool, pkts, 2, 1);
	n = fault_burst(&f, pkts, 1, 4);
	EXPECT_SEQS(pkts, n, 0, 2);
	rte_pktmbuf_free_bulk(pkts, n);
}

/* Released frames that do not fit are freed and counted. */
static void
test_reorder_release_overflow(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *pkts[4];
	struct fault f;
	uint16_t n;

	start(&f, (struct fault_config){ .reorder = 1.0, .reorder_gap = 1 }, SEED, pool);
	frames(pool, pkts, 0, 4);
	assert_int_equal(fault_burst(&f, pkts, 4, 4), 0);
	f.cfg.reorder = 0.0;

	frames(pool, pkts, 4, 1);
	n = fault_burst(&f, pkts, 1, 2);
	EXPECT_SEQS(pkts, n, 4, 0);
	assert_int_equal(f.stats.overflow, 3);
	assert_int_equal(f.nb_held, 0);
	rte_pktmbuf_free_bulk(pkts, n);
}

/* Random reordering over many bursts, then idle calls: every frame comes out
 * exactly once, and some out of order. */
static void
test_reorder_nothing_lost(void **state)
{
	struct rte_mempool *pool = *state;
	enum { TOTAL = 10016 };
	uint8_t *count = calloc(TOTAL, 1);
	struct rte_mbuf *pkts[64];
	uint32_t seq, last = 0, late = 0, k;
	struct fault f;
	uint16_t i, n;

	assert_non_null(count);
	start(&f, (struct fault_config){ .reorder = 0.2, .reorder_gap = 3 }, SEED, pool);
	for (seq = 0; seq < TOTAL + 32 * FAULT_HOLD_CALLS; seq += 32) {
		n = 0;
		if (seq < TOTAL) {
			frames(pool, pkts, seq, 32);
			n = 32;
		}
		n = fault_burst(&f, pkts, n, 64);
		for (i = 0; i < n; i++) {
			k = seq_of(pkts[i]);
			count[k]++;
			late += k < last;
			last = k > last ? k : last;
		}
		rte_pktmbuf_free_bulk(pkts, n);
	}
	assert_int_equal(f.nb_held, 0);
	for (seq = 0; seq < TOTAL; seq++)
		assert_int_equal(count[seq], 1);
	assert_int_equal(late, f.stats.reordered);
	assert_true(late > TOTAL / 10);
	free(count);
}

static void
test_flush_frees_held(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *pkts[8];
	struct fault f;

	start(&f, (struct fault_config){ .reorder = 1.0, .reorder_gap = 3 }, SEED, pool);
	frames(pool, pkts, 0, 8);
	assert_int_equal(fault_burst(&f, pkts, 8, 8), 0);
	assert_int_equal(f.nb_held, 8);
	assert_int_equal(rte_mempool_in_use_count(pool), 8);

	fault_flush(&f);
	assert_int_equal(f.nb_held, 0);
	assert_int_equal(rte_mempool_in_use_count(pool), 0);
}

/* One signature per output frame: length and FNV-1a of the bytes. */
static uint64_t
frame_sig(const struct rte_mbuf *m)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint64_t h = 0xcbf29ce484222325ULL;
	uint16_t i;

	for (i = 0; i < rte_pktmbuf_data_len(m); i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h ^ ((uint64_t)rte_pktmbuf_pkt_len(m) << 48);
}

#define MIX_BURSTS 64

/* All faults at once; fills @sig with the output's signatures, returns how
 * many. */
static unsigned
run_mix(struct rte_mempool *pool, uint64_t seed, uint64_t *sig)
{
	const struct fault_config cfg = { .drop = 0.1,
		                          .duplicate = 0.1,
		                          .reorder = 0.1,
		                          .reorder_gap = 2,
		                          .corrupt = 0.1,
		                          .truncate = 0.1 };
	struct rte_mbuf *pkts[64];
	struct fault f;
	unsigned nb_sig = 0, b;
	uint16_t i, n;

	start(&f, cfg, seed, pool);
	for (b = 0; b < MIX_BURSTS; b++) {
		frames(pool, pkts, b * 32, 32);
		n = fault_burst(&f, pkts, 32, 64);
		for (i = 0; i < n; i++)
			sig[nb_sig++] = frame_sig(pkts[i]);
		rte_pktmbuf_free_bulk(pkts, n);
	}
	fault_flush(&f);
	return nb_sig;
}

static void
test_same_seed_same_faults(void **state)
{
	struct rte_mempool *pool = *state;
	uint64_t *a = calloc(MIX_BURSTS * 64, sizeof(*a));
	uint64_t *b = calloc(MIX_BURSTS * 64, sizeof(*b));
	unsigned na, nb;

	assert_non_null(a);
	assert_non_null(b);
	na = run_mix(pool, SEED, a);
	nb = run_mix(pool, SEED, b);
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na * sizeof(*a));

	nb = run_mix(pool, SEED + 1, b);
	assert_true(na != nb || memcmp(a, b, na * sizeof(*a)) != 0);
	free(a);
	free(b);
}

static void
test_invalid_config(void **state)
{
	struct rte_mempool *pool = *state;
	const struct fault_config bad[] = {
		{ .drop = -0.1 },
		{ .drop = 1.5 },
		{ .duplicate = NAN },
		{ .corrupt = 2.0 },
		{ .truncate = -1.0 },
		{ .reorder = 1.1, .reorder_gap = 1 },
		{ .reorder = 0.5, .reorder_gap = 0 },
	};
	struct fault f;
	size_t i;

	for (i = 0; i < RTE_DIM(bad); i++)
		assert_int_equal(fault_init(&f, &bad[i], SEED, pool), -EINVAL);
	assert_int_equal(fault_init(&f, &(struct fault_config){ .duplicate = 0.5 }, SEED, NULL),
	                 -EINVAL);

	/* Probabilities 0 and 1 are valid; the gap is checked only when reordering. */
	assert_int_equal(fault_init(&f, &(struct fault_config){ .drop = 0.0 }, SEED, NULL), 0);
	assert_false(f.enabled);
	assert_int_equal(
	        fault_init(&f, &(struct fault_config){ .drop = 1.0, .reorder_gap = 0 }, SEED, NULL),
	        0);
	assert_true(f.enabled);
}

/* A fresh pool per test, so a leak shows in the test that caused it only. */
static int
pool_setup(void **state)
{
	struct rte_mempool *pool = rte_pktmbuf_pool_create(
	        "test_fault", 8191, 0, 0, 2048 + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY);

	if (pool == NULL)
		return -1;
	*state = pool;
	return 0;
}

/* After every test: every mbuf back in the pool. The pool goes first, so a
 * failure here does not keep the name taken for the next test. */
static int
pool_teardown(void **state)
{
	unsigned in_use = rte_mempool_in_use_count(*state);

	rte_mempool_free(*state);
	assert_int_equal(in_use, 0);
	return 0;
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, pool_setup, pool_teardown)

int
main(void)
{
	/* --no-shconf, not --in-memory: this DPDK turns --no-huge into
	 * --legacy-mem, which it refuses together with --in-memory. */
	char *eal_argv[] = { "test_fault",
		             "--no-huge",
		             "-m",
		             "128",
		             "--no-pci",
		             "--no-shconf",
		             "--log-level=lib.*:error",
		             "--no-telemetry",
		             NULL };
	const struct CMUnitTest tests[] = {
		TEST(test_disabled_passes_untouched),
		TEST(test_drop_all_frees),
		TEST(test_drop_rate_and_repeatability),
		TEST(test_duplicate_all_byte_equal),
		TEST(test_duplicate_overflow_frees),
		TEST(test_corrupt_flips_one_bit),
		TEST(test_corrupt_shared_frame_copied),
		TEST(test_truncate_shortens),
		TEST(test_truncate_chain_within_last_segment),
		TEST(test_reorder_gap_three),
		TEST(test_reorder_hold_limit),
		TEST(test_reorder_idle_release),
		TEST(test_reorder_slow_link_release),
		TEST(test_reorder_release_overflow),
		TEST(test_reorder_nothing_lost),
		TEST(test_flush_frees_held),
		TEST(test_same_seed_same_faults),
		TEST(test_invalid_config),
	};
	int ret;

	if (rte_eal_init((int)RTE_DIM(eal_argv) - 1, eal_argv) < 0) {
		fprintf(stderr, "test_fault: rte_eal_init failed\n");
		return 1;
	}
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return ret;
}
