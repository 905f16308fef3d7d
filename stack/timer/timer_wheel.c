/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timer wheel: arming, cancelling and running timers. The shape and its
 * guarantees are in timer_wheel.h; this file owns the index arithmetic.
 *
 *   timer_arm -> timer_place, timer_link_at: bucket list + bitmap bit
 *   timer_wheel_advance -> timer_collect, bucket_take: due buckets -> expired list -> node->fn
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
	*t = (struct timer_node){ .fn = fn };
}

/* The bucket an expiry of @exp goes to with the clock where it is: its
 * level in *@lvl, its due tick returned. */
static uint64_t
timer_place(const struct timer_wheel *w, uint64_t exp, unsigned *lvl)
{
	/* The clock's own tick has been run: the earliest a timer can fire is the next. */
	if (exp <= w->now)
		exp = w->now + 1;
	uint64_t delay = exp - w->now;

	if (delay > level_max_delay(TIMER_LEVELS - 1)) {
		/* Parked at the end of the last level; timer_wheel_advance puts it
		 * back when that comes due, as t->expires is still ahead then. */
		delay = level_max_delay(TIMER_LEVELS - 1);
		exp = w->now + delay;
	}
	*lvl = level_for_delay(delay);
	/* Due tick rounded up to the level's granules (exp >= 1, no overflow). */
	return (((exp - 1) >> level_shift(*lvl)) + 1) << level_shift(*lvl);
}

/* Put @t (not linked) in bucket @due of level @lvl: @due a multiple of the
 * level's granularity with now < due <= now + 64 granules. */
static void
timer_link_at(struct timer_wheel *w, struct timer_node *t, unsigned lvl, uint64_t due)
{
	unsigned idx = (due >> level_shift(lvl)) & TIMER_BUCKET_MASK;
	struct timer_bucket *b = &w->buckets[lvl][idx];

	t->next = b->head;
	if (t->next != NULL)
		t->next->pprev = &t->next;
	b->head = t;
	t->pprev = &b->head;
	t->slot_due = due;
	t->slot_lvl = (uint8_t)lvl;
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
	unsigned lvl;
	uint64_t due = timer_place(w, expires, &lvl);

	if (!t->armed)
		w->pending++;
	t->armed = true;
	t->expires = expires;
	t->due = due;
	t->lvl = (uint8_t)lvl;
	t->seq = ++w->armings;
	if (t->pprev != NULL) {
		/* In a wheel bucket (not the expired list, whose buckets came due
		 * at or before the clock) that comes due earlier, or is the one
		 * @due goes to: it stays, and moves on to @due then
		 * (bucket_take), or is run in its turn by seq. */
		if (t->slot_due > w->now &&
		    (t->slot_due < due || (t->slot_due == due && t->slot_lvl == lvl)))
			return;
		timer_unlink(w, t);
	}
	timer_link_at(w, t, lvl, due);
}

void
timer_cancel(struct timer_wheel *w, struct timer_node *t)
{
	if (t->pprev != NULL)
		timer_unlink(w, t);
	timer_stop(w, t);
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

/* Bucket @idx of level @lvl without its stopped nodes and its nodes armed
 * again for later (those to the buckets of their due ticks, as bucket_take
 * does); whether a timer due at the bucket's tick is left in it. */
static bool
bucket_tidy(struct timer_wheel *w, unsigned lvl, unsigned idx)
{
	struct timer_node *t = w->buckets[lvl][idx].head, *next;
	bool due = false;

	for (; t != NULL; t = next) {
		next = t->next;
		if (t->armed && t->due == t->slot_due) {
			due = true;
			continue;
		}
		timer_unlink(w, t);
		if (t->armed)
			timer_link_at(w, t, t->lvl, t->due);
	}
	return due;
}

uint64_t
timer_wheel_next_due(struct timer_wheel *w)
{
	/* Called from a callback: what waits on the expired list is due now. */
	if (w->expired.head != NULL)
		return w->now;
	for (;;) {
		uint64_t due = UINT64_MAX;
		unsigned at = 0;

		for (unsigned lvl = 0; lvl < TIMER_LEVELS; lvl++) {
			uint64_t d = level_next_due(w, lvl);

			if (d < due) {
				due = d;
				at = lvl;
			}
		}
		/* The earliest bucket may hold only nodes stopped or armed again
		 * for later (timer_wheel.h): tidied, the search goes on, so that
		 * the answer is a timer's, as eager arming would give. */
		if (due == UINT64_MAX ||
		    bucket_tidy(w, at, (unsigned)(due >> level_shift(at)) & TIMER_BUCKET_MASK))
			return due;
	}
}

/* Empty bucket @idx of level @lvl: its timers go at @tail, latest armed
 * first, as they would lie had every arming linked its node at the head;
 * but a stopped node leaves the wheel and one armed again for later goes to
 * the bucket of its due tick (timer_wheel.h), a later one, where the search
 * finds it in its turn, in this advance if it is due by @now. That bucket
 * is on the arming's level, which holds it: now < due <= now + 64 granules
 * held at arming and the clock has not moved since. Returns the new tail. */
static struct timer_node **
bucket_take(struct timer_wheel *w, unsigned lvl, unsigned idx, struct timer_node **tail)
{
	struct timer_bucket *b = &w->buckets[lvl][idx];
	struct timer_node *t = b->head, *next, *first = NULL, *last = NULL;

	assert(t != NULL);
	b->head = NULL;
	w->bitmap[lvl] &= ~(UINT64_C(1) << idx);
	for (; t != NULL; t = next) {
		next = t->next;
		t->next = NULL;
		t->pprev = NULL;
		if (!t->armed)
			continue;
		if (t->due != t->slot_due) {
			timer_link_at(w, t, t->lvl, t->due);
			continue;
		}
		/* By seq, highest first: a list linked at the head only is in
		 * that order already, and each node goes at the end. */
		if (first == NULL || last->seq > t->seq) {
			t->pprev = first == NULL ? &first : &last->next;
			*t->pprev = t;
			last = t;
			continue;
		}
		struct timer_node **pp = &first;
		while ((*pp)->seq > t->seq)
			pp = &(*pp)->next;
		t->next = *pp;
		t->next->pprev = &t->next;
		t->pprev = pp;
		*pp = t;
	}
	if (first == NULL)
		return tail;
	*tail = first;
	first->pprev = tail;
	return &last->next;
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
			tail = bucket_take(w, lvl, (due >> level_shift(lvl)) & TIMER_BUCKET_MASK,
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
		unsigned lvl;

		timer_unlink(w, t);
		if (!t->armed)
			continue; /* stopped by a callback of this advance */
		if (t->expires > now) {
			/* Parked beyond the last level: not due yet, back in, as
			 * newly armed (its place in its new bucket). */
			t->seq = ++w->armings;
			t->due = timer_place(w, t->expires, &lvl);
			t->lvl = (uint8_t)lvl;
			timer_link_at(w, t, lvl, t->due);
			continue;
		}
		t->armed = false;
		w->pending--;
		w->fired++;
		ran++;
		t->fn(t, w->ctx);
	}
	return ran;
}
