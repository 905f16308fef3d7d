/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hierarchical timer wheel (Varghese & Lauck), one per engine (lcore).
 *
 * Owns: pending timers of one core. Timer nodes are embedded in their owner
 * (connection, ARP entry, ...); arming, cancelling and re-arming are O(1) and
 * never allocate.
 *
 *   engine_poll() -> timer_wheel_advance(now) -> node->fn(node, ctx)
 *
 * Shape: the non-cascading levels of the Linux kernel's timer wheel. TIMER_LEVELS
 * levels of TIMER_BUCKETS (64) buckets; level n has a granularity of 8^n ticks. A
 * timer is put in the lowest level whose range covers its delay and stays there;
 * it fires when the bucket it landed in comes due, which is its expiry rounded
 * *up* to the level's granularity: a timer never fires early, and fires at most
 * 8^n - 1 ticks late. Level n >= 1 only holds delays above 63 * 8^(n-1), so that
 * is less than 8/63 (about 1/8) of the delay.
 *
 * Level n holds delays up to 63 * 8^n, not 64 * 8^n: rounding up adds up to one
 * granule, and a bucket must come due before the clock laps its level (64
 * granules), or it would hold timers of two different laps.
 *
 * With the engine's tick of 1 ms (ENGINE_TICK_US):
 *
 *   level  granularity  delays it holds (ticks)   at 1 ms        worst slack
 *   0      1            0 .. 63                   .. 63 ms       0 (exact)
 *   1      8            64 .. 504                 .. 504 ms      7 ms
 *   2      64           505 .. 4032               .. 4.0 s       63 ms
 *   3      512          4033 .. 32256             .. 32 s        0.5 s
 *   4      4096         32257 .. 258048           .. 4.3 min     4.1 s
 *   5      32768        258049 .. 2064384         .. 34 min      33 s
 *   6      262144       2064385 .. 16515072       .. 4.6 h       4.4 min
 *   7      2097152      16515073 .. 132120576     .. 36.7 h      35 min
 *
 * An expiry at or before the clock counts as a delay of one tick (the clock's
 * own tick has been run already). A delay beyond the last level is parked at
 * the end of its range; when that bucket comes due the timer is put back in the
 * wheel instead of firing, so it too never fires early.
 *
 * Callbacks run after the clock has moved to the advance's @now, so a timer
 * armed from a callback is relative to that. Nothing here is thread-safe, and
 * a callback must not call timer_wheel_advance(). The clock is a tick count
 * that must stay below 2^63.
 */
#ifndef TERN_TIMER_WHEEL_H
#define TERN_TIMER_WHEEL_H

#include <stdbool.h>
#include <stdint.h>

#define TIMER_LEVEL_BITS 6
#define TIMER_BUCKETS    (1u << TIMER_LEVEL_BITS)
#define TIMER_CLK_SHIFT  3
#define TIMER_LEVELS     8

struct timer_node;

/* Called when the timer expires, with the wheel's context (the engine). The
 * node is no longer pending when this runs; the callback may re-arm it. */
typedef void timer_fn(struct timer_node *node, void *ctx);

/*
 * Lazy re-arming: a request/response connection stops and re-arms its
 * retransmission and delayed-ACK timers on nearly every segment, each time
 * a little later. timer_stop leaves the node in its bucket, no longer armed;
 * timer_arm leaves a node where it is when its bucket comes due before the
 * new arming's (or is that very bucket), and notes the new due tick. When
 * the bucket comes due, a stopped node leaves quietly and a moved one goes
 * to the bucket of its due tick, on the level the arming chose; the timers
 * of a bucket that comes due run latest armed first. So every timer runs at
 * the very tick, and in the very order, that unlinking and linking at every
 * arming gives (the order in which buckets are run, and within one, newest
 * on the list first). timer_wheel_next_due tidies the buckets it passes on
 * the way to a timer's, so that its answer is the same too.
 */
struct timer_node {
	struct timer_node *next;
	struct timer_node **pprev; /* NULL while in no list */
	uint64_t expires;          /* tick the owner asked for */
	timer_fn *fn;
	uint64_t due;      /* the tick it fires at, as its arming placed it */
	uint64_t slot_due; /* while linked: when the bucket it is in comes due */
	uint64_t seq;      /* when it was last armed: the wheel's arming count */
	uint8_t lvl;       /* the level its arming chose */
	uint8_t slot_lvl;  /* while linked: the level of the bucket it is in */
	bool armed;        /* pending: armed, and neither run nor stopped since */
};

struct timer_bucket {
	struct timer_node *head;
};

struct timer_wheel {
	uint64_t now;     /* ticks processed so far: every bucket due at or before is run */
	void *ctx;        /* passed to every callback */
	uint64_t pending; /* armed, and neither run nor cancelled nor stopped since */
	uint64_t armings; /* timer_arm calls: each node's seq */
	uint64_t fired;   /* callbacks run, in all */
	uint64_t bitmap[TIMER_LEVELS]; /* bit b of level l: bucket b non-empty */
	struct timer_bucket buckets[TIMER_LEVELS][TIMER_BUCKETS];
	struct timer_bucket expired; /* due, waiting for its callback within one advance */
};

/* Whether timer_wheel_advance to @now has anything to do (the clock moved):
 * tested inline, an idle loop iteration skips the call. */
static inline bool
timer_wheel_due(const struct timer_wheel *w, uint64_t now)
{
	return now > w->now;
}

/* Prepare an empty wheel whose clock reads @now ticks. */
void timer_wheel_init(struct timer_wheel *w, uint64_t now, void *ctx);

/* Prepare a node (not pending) that will call @fn. */
void timer_init(struct timer_node *t, timer_fn *fn);

static inline bool
timer_pending(const struct timer_node *t)
{
	return t->armed;
}

/* Arm @t to fire at tick @expires (not before). Re-arms if already pending,
 * including a timer that is due and waiting for its turn in the current advance.
 * An @expires at or before the wheel's clock fires at the next advance that
 * moves the clock. */
void timer_arm(struct timer_wheel *w, struct timer_node *t, uint64_t expires);

/* Cancel @t if pending; harmless otherwise. The node leaves the wheel: it
 * may be freed or re-initialised afterwards. */
void timer_cancel(struct timer_wheel *w, struct timer_node *t);

/* Stop @t if pending, as timer_cancel, but leave it in its bucket to be
 * re-armed cheaply (see above); the owner must timer_cancel it before
 * freeing it. */
static inline void
timer_stop(struct timer_wheel *w, struct timer_node *t)
{
	if (t->armed) {
		t->armed = false;
		w->pending--;
	}
}

/* Move the clock to @now and run every timer whose bucket came due, in order of
 * bucket expiry. Skips empty stretches using the bitmaps, so a long idle gap
 * costs O(levels * buckets), not O(ticks). A @now at or before the clock runs
 * nothing. Timers armed by the callbacks run at a later advance, never in this
 * one. Returns the number of timers run. */
unsigned timer_wheel_advance(struct timer_wheel *w, uint64_t now);

/* Earliest tick at which some bucket could come due, or UINT64_MAX if the wheel
 * is empty (lets an idle engine know how long it may sleep). Not const: it
 * takes stopped and moved nodes out of the buckets it passes. */
uint64_t timer_wheel_next_due(struct timer_wheel *w);

#endif /* TERN_TIMER_WHEEL_H */
