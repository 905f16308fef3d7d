/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the emulated line (drivers/link_emu.c): when each frame
 * leaves (its bytes plus 24 at the line rate, after the frame before it or
 * from when it came to an idle line), in order; a full ring refusing, as a
 * NIC's does; the fraction of a cycle carried from frame to frame; the
 * ranges; nothing leaking. The clock is the caller's, so the times are exact.
 *
 *   main -> harness_eal_init -> per test: pool_setup -> test -> pool_teardown (in use == 0)
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "drivers/link_emu.h"
#include "harness.h"

/* A 1 GHz clock and an 8 Gbit/s line: one byte a cycle, so a frame of L
 * bytes holds the line for L + 24 cycles exactly. */
#define TSC_HZ    1000000000ull
#define MBIT_1BPC 8000u

static struct rte_mbuf *
frame(struct rte_mempool *pool, uint16_t len, uint8_t tag)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, len);
	assert_non_null(p);
	p[0] = tag;
	return m;
}

static uint8_t
tag_of(const struct rte_mbuf *m)
{
	return *rte_pktmbuf_mtod(m, const uint8_t *);
}

/* Nothing is due before its time; each frame at its own, in order. */
static void
test_frames_leave_at_line_rate(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *in[3], *out[4];
	struct link_emu l;

	assert_int_equal(link_emu_init(&l, MBIT_1BPC, 16, TSC_HZ, SOCKET_ID_ANY), 0);
	for (uint8_t i = 0; i < 3; i++)
		in[i] = frame(pool, 100, i);
	assert_int_equal(link_emu_take(&l, in, 3, 1000), 3);
	assert_int_equal(l.line_free_tsc, 1000 + 3 * 124);
	assert_int_equal(link_emu_due(&l, 1123, out, 4), 0);
	assert_int_equal(link_emu_due(&l, 1124, out, 4), 1);
	assert_int_equal(tag_of(out[0]), 0);
	rte_pktmbuf_free(out[0]);
	assert_int_equal(link_emu_due(&l, 1371, out, 4), 1);
	assert_int_equal(tag_of(out[0]), 1);
	rte_pktmbuf_free(out[0]);
	assert_int_equal(link_emu_due(&l, 1372, out, 4), 1);
	assert_int_equal(tag_of(out[0]), 2);
	rte_pktmbuf_free(out[0]);
	assert_int_equal(l.count, 0);
	assert_int_equal(l.stats.taken, 3);
	assert_int_equal(l.stats.released, 3);
	assert_int_equal(l.stats.depth_max, 3);
	link_emu_fini(&l);
}

/* A line that went idle starts on a frame when it comes, not when the last
 * one ended: idle time is not saved up. A frame taken while it is busy
 * starts after the one before it. */
static void
test_idle_line_starts_now(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *m, *out[2];
	struct link_emu l;

	assert_int_equal(link_emu_init(&l, MBIT_1BPC, 16, TSC_HZ, SOCKET_ID_ANY), 0);
	m = frame(pool, 1476, 7); /* 1,500 cycles on the line */
	assert_int_equal(link_emu_take(&l, &m, 1, 0), 1);
	assert_int_equal(link_emu_due(&l, 10000, out, 2), 1);
	rte_pktmbuf_free(out[0]);
	m = frame(pool, 1476, 8);
	assert_int_equal(link_emu_take(&l, &m, 1, 50000), 1);
	assert_int_equal(l.line_free_tsc, 51500);
	m = frame(pool, 76, 9); /* taken before the first is off: behind it */
	assert_int_equal(link_emu_take(&l, &m, 1, 50100), 1);
	assert_int_equal(l.line_free_tsc, 51600);
	assert_int_equal(link_emu_due(&l, 51599, out, 2), 1);
	assert_int_equal(tag_of(out[0]), 8);
	rte_pktmbuf_free(out[0]);
	assert_int_equal(link_emu_due(&l, 51600, out, 2), 1);
	assert_int_equal(tag_of(out[0]), 9);
	rte_pktmbuf_free(out[0]);
	link_emu_fini(&l);
}

/* A full ring takes nothing more, as rte_eth_tx_burst on a full NIC ring:
 * the refused stay the caller's. Once frames leave, there is room again,
 * and the ring wraps around its end in order. */
static void
test_full_ring_refuses(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *in[20], *out[20];
	struct link_emu l;
	uint16_t k;

	assert_int_equal(link_emu_init(&l, MBIT_1BPC, 16, TSC_HZ, SOCKET_ID_ANY), 0);
	for (uint8_t i = 0; i < 20; i++)
		in[i] = frame(pool, 76, i); /* 100 cycles each */
	assert_int_equal(link_emu_take(&l, in, 20, 0), 16);
	assert_int_equal(l.stats.refused, 4);
	assert_int_equal(link_emu_take(&l, in + 16, 4, 0), 0);
	assert_int_equal(l.stats.refused, 8);
	/* Five off the line by cycle 500: room for the four refused. */
	k = link_emu_due(&l, 500, out, 20);
	assert_int_equal(k, 5);
	for (uint16_t i = 0; i < k; i++) {
		assert_int_equal(tag_of(out[i]), i);
		rte_pktmbuf_free(out[i]);
	}
	assert_int_equal(link_emu_take(&l, in + 16, 4, 500), 4);
	k = link_emu_due(&l, UINT64_MAX, out, 20);
	assert_int_equal(k, 15);
	for (uint16_t i = 0; i < k; i++) {
		assert_int_equal(tag_of(out[i]), i + 5);
		rte_pktmbuf_free(out[i]);
	}
	assert_int_equal(l.stats.depth_max, 16);
	link_emu_fini(&l);
}

/* A super-segment for the NIC to cut (TSO): its time on the line is that
 * of the frames it becomes, each with its headers and overhead. 10,054
 * bytes of payload behind 54 of headers, cut at 1,460: 7 frames, the last
 * of 1,294 bytes, so 10,054 + 7 x (54 + 24) bytes. */
static void
test_tso_counts_its_frames(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *m = frame(pool, 54 + 1054, 1), *out[1];
	struct link_emu l;

	for (unsigned k = 0; k < 5; k++) /* a chain of 10,108 bytes */
		assert_int_equal(rte_pktmbuf_chain(m, frame(pool, 1800, 2)), 0);
	assert_int_equal(rte_pktmbuf_pkt_len(m), 54 + 10054);

	m->ol_flags |= RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
	m->l2_len = 14;
	m->l3_len = 20;
	m->l4_len = 20;
	m->tso_segsz = 1460;
	assert_int_equal(link_emu_init(&l, MBIT_1BPC, 16, TSC_HZ, SOCKET_ID_ANY), 0);
	assert_int_equal(link_emu_take(&l, &m, 1, 0), 1);
	assert_int_equal(l.line_free_tsc, 10054 + 7 * (54 + 24));
	assert_int_equal(link_emu_due(&l, UINT64_MAX, out, 1), 1);
	rte_pktmbuf_free(out[0]);
	link_emu_fini(&l);
}

/* At most @cap frames a call, the rest next. */
static void
test_due_respects_cap(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *in[5], *out[5];
	struct link_emu l;

	assert_int_equal(link_emu_init(&l, MBIT_1BPC, 16, TSC_HZ, SOCKET_ID_ANY), 0);
	for (uint8_t i = 0; i < 5; i++)
		in[i] = frame(pool, 60, i);
	assert_int_equal(link_emu_take(&l, in, 5, 0), 5);
	assert_int_equal(link_emu_due(&l, UINT64_MAX, out, 2), 2);
	assert_int_equal(tag_of(out[1]), 1);
	rte_pktmbuf_free(out[0]);
	rte_pktmbuf_free(out[1]);
	assert_int_equal(link_emu_due(&l, UINT64_MAX, out, 5), 3);
	assert_int_equal(tag_of(out[0]), 2);
	for (unsigned i = 0; i < 3; i++)
		rte_pktmbuf_free(out[i]);
	link_emu_fini(&l);
}

/* 10 Gbit/s on a 1 GHz clock is 0.8 cycles a byte: no frame takes a whole
 * number of cycles, and rounding each would run the line 0.03% fast or slow
 * a 1,500-byte frame. 10,000 full frames back to back take their exact time
 * to within the fixed point's 2^-16 of a cycle a byte (0.0015%). */
static void
test_fraction_carried(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *m, *out[1];
	struct link_emu l;
	const uint64_t start = 123456789;
	const uint64_t exact = 10000ull * (1514 + 24) * 8 / 10; /* ns at 10 Gbit/s */

	assert_int_equal(link_emu_init(&l, 10000, 16, TSC_HZ, SOCKET_ID_ANY), 0);
	for (unsigned i = 0; i < 10000; i++) {
		m = frame(pool, 1514, 0);
		assert_int_equal(link_emu_take(&l, &m, 1, start), 1);
		assert_int_equal(link_emu_due(&l, UINT64_MAX, out, 1), 1);
		rte_pktmbuf_free(out[0]);
	}
	uint64_t took = l.line_free_tsc - start;
	assert_true(took <= exact);
	assert_true(exact - took <= exact / 50000);
	link_emu_fini(&l);
}

/* Frames still on the line at the end go back to the pool; a second fini
 * is harmless. */
static void
test_fini_frees_held(void **state)
{
	struct rte_mempool *pool = *state;
	struct rte_mbuf *in[8];
	struct link_emu l;

	assert_int_equal(link_emu_init(&l, MBIT_1BPC, 16, TSC_HZ, SOCKET_ID_ANY), 0);
	for (uint8_t i = 0; i < 8; i++)
		in[i] = frame(pool, 200, i);
	assert_int_equal(link_emu_take(&l, in, 8, 0), 8);
	link_emu_fini(&l);
	assert_false(l.enabled);
	assert_int_equal(l.count, 0);
	link_emu_fini(&l);
}

/* [fault] tx_link_mbit 0 is no line (nothing allocated); the ranges. */
static void
test_init_ranges(void **state)
{
	struct link_emu l;

	(void)state;
	assert_int_equal(link_emu_init(&l, 0, 1024, TSC_HZ, SOCKET_ID_ANY), 0);
	assert_false(l.enabled);
	assert_null(l.ring);
	assert_int_equal(link_emu_init(&l, LINK_EMU_MBIT_MAX + 1, 1024, TSC_HZ, SOCKET_ID_ANY),
	                 -EINVAL);
	assert_int_equal(link_emu_init(&l, 10000, LINK_EMU_RING_MIN - 1, TSC_HZ, SOCKET_ID_ANY),
	                 -EINVAL);
	assert_int_equal(link_emu_init(&l, 10000, LINK_EMU_RING_MAX + 1, TSC_HZ, SOCKET_ID_ANY),
	                 -EINVAL);
	assert_int_equal(
	        link_emu_init(&l, LINK_EMU_MBIT_MAX, LINK_EMU_RING_MAX, TSC_HZ, SOCKET_ID_ANY), 0);
	assert_true(l.enabled);
	link_emu_fini(&l);
}

/* Every test starts and ends with every mbuf of the harness's pool free. */
static int
pool_setup(void **state)
{
	struct rte_mempool *pool = harness_pool();

	if (pool == NULL || rte_mempool_in_use_count(pool) != 0)
		return -1;
	*state = pool;
	return 0;
}

static int
pool_teardown(void **state)
{
	assert_int_equal(rte_mempool_in_use_count(*state), 0);
	return 0;
}

#define TEST(fn) cmocka_unit_test_setup_teardown(fn, pool_setup, pool_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		TEST(test_frames_leave_at_line_rate), TEST(test_idle_line_starts_now),
		TEST(test_full_ring_refuses),         TEST(test_due_respects_cap),
		TEST(test_tso_counts_its_frames),     TEST(test_fraction_carried),
		TEST(test_fini_frees_held),           TEST(test_init_ranges),
	};

	if (harness_eal_init() != 0) {
		fprintf(stderr, "test_link_emu: rte_eal_init failed\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
