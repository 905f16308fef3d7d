/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timer wheel: arming, cancelling and running timers. The shape and its
 * guarantees are in timer_wheel.h; this file owns the index arithmetic.
 *
 *   timer_arm -> timer_link: bucket list + bitmap bit
 *   timer_wheel_advance -> timer_collect: due buckets -> expired list -> node->fn
 *
 * The invariant everything rests on: a timer in level n sits in the bucket of
 * its due tick D, a multiple of 8^n with now < D <= now + 64 * 8^n. Those 64
 * multiples have 64 different bucket indexes, so a bucket holds timers of one
 * due tick only, and that tick is the next one at which the clock reaches the
 * bucket: nothing is lapped. Arming keeps it by the choice of level (a delay of
 * at most 63 * 8^n rounds up to at most 64 * 8^n - 1); advancing keeps it by
 * emptying every bucket whose D has been reached.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "timer/timer_wheel.h"

#define TIMER_BUCKET_MASK ((uint64_t)TIMER_BUCKETS - 1)

static inline unsigned
level_shift(unsigned lvl)
{
	return lvl * TIMER_CLK_SHIFT;
}

/* Longest delay level @lvl holds: 63 of its granules, one short of a lap, since
 * rounding the expiry up to the granularity may add almost one more. */
static inline uint64_t
level_max_delay(unsigned lvl)
{
	return TIMER_BUCKET_MASK << level_shift(lvl);
}

static unsigned
level_for_delay(uint64_t delay)
{
	unsigned lvl = 0;

	while (lvl < TIMER_LEVELS - 1 && delay > level_max_delay(lvl))
		lvl++;
	return lvl;
}

void
timer_wheel_init(struct timer_wheel *w, uint64_t now, void *ctx)
{
	memset(w, 0, sizeof(*w));
	w->now = now;
	w->ctx = ctx;
}

void
timer_init(struct timer_node *t, timer_fn *fn)
{
	t->next = NULL;
	t->pprev = NULL;
	t->expires = 0;
	t->fn = fn;
}

/* Put @t (not linked) in the bucket its expiry and the clock call for. */
static void
timer_link(struct timer_wheel *w, struct timer_node *t)
{
	/* The clock's own tick has been run: the earliest a timer can fire is the next. */
	uint64_t exp = t->expires > w->now ? t->expires : w->now + 1;
	uint64_t delay = exp - w->now;
	uint64_t slot;
	unsigned lvl, idx;
	struct timer_bucket *b;

	if (delay > level_max_delay(TIMER_LEVELS - 1)) {
		/* Parked at the end of the last level; timer_wheel_advance puts it
		 * back when that comes due, as t->expires is still ahead then. */
		delay = level_max_delay(TIMER_LEVELS - 1);
		exp = w->now + delay;
	}
	lvl = level_for_delay(delay);
	/* Due tick in granules of the level, rounded up (exp >= 1, no overflow). */
	slot = ((exp - 1) >> level_shift(lvl)) + 1;
	idx = slot & TIMER_BUCKET_MASK;
	b = &w->buckets[lvl][idx];

	t->next = b->head;
	if (t->next != NULL)
		t->next->pprev = &t->next;
	b->head = t;
	t->pprev = &b->head;
	w->bitmap[lvl] |= UINT64_C(1) << idx;
}

/* Take @t (linked) out of its list, which is a wheel bucket or the expired list. */
static void
timer_unlink(struct timer_wheel *w, struct timer_node *t)
{
	*t->pprev = t->next;
	if (t->next != NULL) {
		t->next->pprev = t->pprev;
	} else {
		/* Last in its list. If also first in a wheel bucket, that bucket is
		 * now empty: pprev then points at the bucket's head, which says
		 * which bucket it was (the node does not record it). */
		uintptr_t off = (uintptr_t)t->pprev - (uintptr_t)&w->buckets[0][0];

		if (off < sizeof(w->buckets)) {
			size_t i = off / sizeof(struct timer_bucket);

			w->bitmap[i / TIMER_BUCKETS] &= ~(UINT64_C(1) << (i % TIMER_BUCKETS));
		}
	}
	t->next = NULL;
	t->pprev = NULL;
}

void
timer_arm(struct timer_wheel *w, struct timer_node *t, uint64_t expires)
{
	if (t->pprev != NULL)
		timer_unlink(w, t);
	else
		w->pending++;
	t->expires = expires;
	timer_link(w, t);
}

void
timer_cancel(struct timer_wheel *w, struct timer_node *t)
{
	if (t->pprev == NULL)
		return;
	timer_unlink(w, t);
	w->pending--;
}

/* Due tick of the earliest non-empty bucket of level @lvl, or UINT64_MAX. By
 * the invariant its buckets are due at the 64 granules that follow the clock's
 * own, so rotating the bitmap to start at the first of them makes the lowest
 * set bit the earliest bucket. */
static uint64_t
level_next_due(const struct timer_wheel *w, unsigned lvl)
{
	uint64_t bits = w->bitmap[lvl];
	unsigned shift = level_shift(lvl);
	uint64_t first = (w->now >> shift) + 1;
	unsigned r = first & TIMER_BUCKET_MASK;
	uint64_t rot;

	if (bits == 0)
		return UINT64_MAX;
	rot = (bits >> r) | (bits << ((TIMER_BUCKETS - r) & TIMER_BUCKET_MASK));
	return (first + (uint64_t)__builtin_ctzll(rot)) << shift;
}

uint64_t
timer_wheel_next_due(const struct timer_wheel *w)
{
	uint64_t due = UINT64_MAX;

	/* Called from a callback: what waits on the expired list is due now. */
	if (w->expired.head != NULL)
		return w->now;
	for (unsigned lvl = 0; lvl < TIMER_LEVELS; lvl++) {
		uint64_t d = level_next_due(w, lvl);

		if (d < due)
			due = d;
	}
	return due;
}

/* Append the whole list of bucket @idx of level @lvl at @tail, leaving the
 * bucket empty. Returns the new tail. */
static struct timer_node **
bucket_splice(struct timer_wheel *w, unsigned lvl, unsigned idx, struct timer_node **tail)
{
	struct timer_bucket *b = &w->buckets[lvl][idx];
	struct timer_node *t = b->head;

	assert(t != NULL);
	*tail = t;
	t->pprev = tail;
	b->head = NULL;
	w->bitmap[lvl] &= ~(UINT64_C(1) << idx);
	while (t->next != NULL)
		t = t->next;
	return &t->next;
}

/* Move every bucket due at or before @now to the expired list, earliest due
 * first, going from one non-empty bucket to the next: the number of steps is
 * bounded by the number of non-empty buckets, not of ticks. The clock stays
 * where it was meanwhile; every bucket is due within a lap of it, so the
 * search from it still finds the next bucket once the earlier are emptied. */
static void
timer_collect(struct timer_wheel *w, uint64_t now)
{
	struct timer_node **tail = &w->expired.head;
	uint64_t lvl_due[TIMER_LEVELS];

	for (;;) {
		uint64_t due = UINT64_MAX;

		for (unsigned lvl = 0; lvl < TIMER_LEVELS; lvl++) {
			lvl_due[lvl] = level_next_due(w, lvl);
			if (lvl_due[lvl] < due)
				due = lvl_due[lvl];
		}
		if (due > now)
			break;
		for (unsigned lvl = 0; lvl < TIMER_LEVELS; lvl++) {
			if (lvl_due[lvl] != due)
				continue;
			tail = bucket_splice(w, lvl, (due >> level_shift(lvl)) & TIMER_BUCKET_MASK,
			                     tail);
		}
	}
}

unsigned
timer_wheel_advance(struct timer_wheel *w, uint64_t now)
{
	struct timer_node *t;
	unsigned ran = 0;

	assert(w->expired.head == NULL); /* not called from a callback */
	if (now <= w->now)
		return 0;
	/* Collect first and run afterwards, with the clock at @now: whatever a
	 * callback arms lands after @now, so this loop ends, and a callback that
	 * reads the engine's clock agrees with the wheel's. */
	timer_collect(w, now);
	w->now = now;
	while ((t = w->expired.head) != NULL) {
		timer_unlink(w, t);
		if (t->expires > now) {
			/* Parked beyond the last level: not due yet, back in. */
			timer_link(w, t);
			continue;
		}
		w->pending--;
		w->fired++;
		ran++;
		t->fn(t, w->ctx);
	}
	return ran;
}
