/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tcp_reclaim's look ahead (stack/tcp/tcp_tw_ring.h): which TIME_WAIT it
 * guesses the reclaim a few SYNs on will take. Cases by hand, then a
 * seeded search against a model of the TIME_WAIT list (oldest first):
 * connections enter TIME_WAIT, leave it early (reopened, reset) or are
 * reclaimed oldest first. Once they stop leaving early, the guesses must
 * come true again within a bounded number of reclaims, and the read cursor
 * never passes the write cursor. No DPDK runtime needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/tcp_tw_ring.h"

#define RING_SIZE 16u

static uint32_t ids[RING_SIZE];

static struct tcp_tw_ring
ring_new(void)
{
	memset(ids, 0xff, sizeof(ids));
	return (struct tcp_tw_ring){ .ids = ids, .mask = RING_SIZE - 1 };
}

static void
push_range(struct tcp_tw_ring *ring, uint32_t first, uint32_t last)
{
	for (uint32_t id = first; id <= last; id++)
		tcp_tw_ring_push(ring, id);
}

/* 1..10 entered in order; 1 is reclaimed: 2 is next, 8 reclaims on is 9. */
static void
test_ahead_in_order(void **state)
{
	struct tcp_tw_ring ring = ring_new();

	(void)state;
	push_range(&ring, 1, 10);
	assert_int_equal(tcp_tw_ring_ahead(&ring, 1, 1), 2);
	assert_int_equal(ring.r, 1);
	assert_int_equal(tcp_tw_ring_ahead(&ring, 2, 8), 10);
	assert_int_equal(tcp_tw_ring_ahead(&ring, 3, 8), TCP_TW_RING_NONE); /* 11 never came */
}

/* 1 and 2 left TIME_WAIT early: reclaiming 3 passes their entries too. */
static void
test_ahead_skips_stale(void **state)
{
	struct tcp_tw_ring ring = ring_new();

	(void)state;
	push_range(&ring, 1, 12);
	assert_int_equal(tcp_tw_ring_ahead(&ring, 3, 8), 11);
	assert_int_equal(ring.r, 3);
}

/* An id the ring does not hold (its entry was overwritten) passes at most
 * TCP_TW_RING_SKIP_MAX entries: the cost per reclaim stays fixed. */
static void
test_ahead_skip_bounded(void **state)
{
	struct tcp_tw_ring ring = ring_new();

	(void)state;
	push_range(&ring, 100, 100 + RING_SIZE - 1);
	tcp_tw_ring_ahead(&ring, 7, 1);
	assert_int_equal(ring.r, TCP_TW_RING_SKIP_MAX);
	assert_true(ring.r <= ring.w);
	assert_int_equal(tcp_tw_ring_ahead(&ring, 7, 1), TCP_TW_RING_NONE);
	assert_int_equal(ring.r, ring.w);
}

/* 40 entered while nothing was reclaimed (a pool that was not full): the
 * first 24 were overwritten. Reclaiming 25 starts at the oldest held. */
static void
test_ahead_after_overwrite(void **state)
{
	struct tcp_tw_ring ring = ring_new();

	(void)state;
	push_range(&ring, 1, 40);
	assert_int_equal(tcp_tw_ring_ahead(&ring, 25, 4), 29);
	assert_int_equal(ring.r, 25);
}

static void
test_ahead_empty(void **state)
{
	struct tcp_tw_ring ring = ring_new();

	(void)state;
	assert_int_equal(tcp_tw_ring_ahead(&ring, 0, 1), TCP_TW_RING_NONE);
	assert_int_equal(ring.r, 0);
	assert_int_equal(ring.w, 0);
}

/* The model: the TIME_WAIT list, oldest first, of connection ids. */
#define MODEL_MAX 4096u
#define AHEAD     4u

struct model {
	uint32_t list[MODEL_MAX];
	unsigned n;
	uint32_t next_id;
};

static void
model_remove(struct model *m, unsigned i)
{
	memmove(&m->list[i], &m->list[i + 1], (m->n - i - 1) * sizeof(m->list[0]));
	m->n--;
}

/* A guess made at reclaim number @at: what reclaim @at + AHEAD takes. */
struct guess {
	uint64_t at;
	uint32_t id;
};

/*
 * Each seed: 1,500 random steps in which connections enter TIME_WAIT, leave
 * it early or are reclaimed, then 1,500 in which none leaves early. A stale
 * entry between a reclaim and the one it guesses for makes a guess wrong,
 * so only the calm half's guesses are held to be right: all those made once
 * every entry held when it began has been reclaimed (at most RING_SIZE
 * reclaims; each reclaim passes the stale entries before its own).
 */
static void
test_ahead_search(void **state)
{
	(void)state;
	for (unsigned seed = 1; seed <= 200; seed++) {
		struct tcp_tw_ring ring = ring_new();
		struct model m = { .n = 0 };
		struct guess g[AHEAD];
		uint64_t reclaims = 0, calm_since = UINT64_MAX, checked = 0;

		srand(seed);
		for (unsigned step = 0; step < 3000; step++) {
			if (step == 1500)
				calm_since = reclaims;
			int op = rand() % 10;
			if (m.n < RING_SIZE / 2 && op < 5) {
				m.list[m.n++] = m.next_id;
				tcp_tw_ring_push(&ring, m.next_id++);
			} else if (calm_since == UINT64_MAX && m.n > 0 && op == 5) {
				model_remove(&m, (unsigned)rand() % m.n);
			} else if (m.n > 0) {
				uint32_t taken = m.list[0];
				const struct guess *due = &g[reclaims % AHEAD];

				if (reclaims >= AHEAD && calm_since != UINT64_MAX &&
				    due->at >= calm_since + RING_SIZE &&
				    due->id != TCP_TW_RING_NONE) {
					assert_int_equal(due->id, taken);
					checked++;
				}
				model_remove(&m, 0);
				g[reclaims % AHEAD] = (struct guess){
					.at = reclaims,
					.id = tcp_tw_ring_ahead(&ring, taken, AHEAD),
				};
				reclaims++;
			}
			assert_true(ring.r <= ring.w); /* never past the newest entry */
		}
		assert_true(checked > 100);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ahead_in_order),
		cmocka_unit_test(test_ahead_skips_stale),
		cmocka_unit_test(test_ahead_skip_bounded),
		cmocka_unit_test(test_ahead_after_overwrite),
		cmocka_unit_test(test_ahead_empty),
		cmocka_unit_test(test_ahead_search),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
