/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timer wheel tests (stack/timer/timer_wheel.c); no DPDK needed.
 *
 *   scripts:      ARM / CANCEL / ON_FIRE / RUN / JUMP, then FIRED / QUIET / PENDING
 *                 checks; each script runs from several clock bases
 *   programmatic: every small delay, slack per level, idle jump, next_due
 *   random:       a million timers against a reference model
 *
 * The reference restates the header's contract instead of reusing the code:
 * level n holds delays up to 63 * 8^n ticks and has a granularity of 8^n; a
 * timer's bucket is due at its expiry rounded up to that granularity; an expiry
 * at or before the clock counts as the clock's next tick.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "timer/timer_wheel.h"

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))
#define ARRAY_SIZE(a)                   (sizeof(a) / sizeof((a)[0]))

/* Clock bases every script and most tests run from: zero, an odd value, a
 * large one, and one tick short of a boundary of every level. */
static const uint64_t bases[] = {
	0,
	1000003,
	UINT64_C(0x123456789ab),
	(UINT64_C(1) << 42) - 1,
};

/* ---- Reference model of the contract ---- */

#define REF_LEVELS 8

/* Granularity of level @lvl: 8^lvl ticks. */
static uint64_t
ref_gran(unsigned lvl)
{
	uint64_t g = 1;

	while (lvl-- > 0)
		g *= 8;
	return g;
}

/* Longest delay level @lvl holds: 63 granules. */
static uint64_t
ref_level_max(unsigned lvl)
{
	return 63 * ref_gran(lvl);
}

#define REF_MAX_DELAY ref_level_max(REF_LEVELS - 1)

/* Shortest delay level @lvl holds. */
static uint64_t
ref_level_min(unsigned lvl)
{
	return lvl == 0 ? 1 : ref_level_max(lvl - 1) + 1;
}

/* Granularity of the level for a delay of @delay ticks: a timer armed that far
 * ahead may fire up to one tick less than that late. */
static uint64_t
ref_slack_gran(uint64_t delay)
{
	unsigned lvl = 0;

	while (lvl < REF_LEVELS - 1 && delay > ref_level_max(lvl))
		lvl++;
	return ref_gran(lvl);
}

/* Tick the bucket of a timer armed at clock @now for @expires comes due. */
static uint64_t
ref_due(uint64_t now, uint64_t expires)
{
	uint64_t e = expires > now ? expires : now + 1;
	uint64_t g = ref_slack_gran(e - now);

	return (e + g - 1) / g * g;
}

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* splitmix64: small, fast, and good enough to pick delays. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t
rng_seed(const char *what)
{
	const char *env = getenv("TW_SEED");
	uint64_t seed = env != NULL ? strtoull(env, NULL, 0) : UINT64_C(0x7e57c0de5eed);

	print_message("%s: seed %#" PRIx64 " (set TW_SEED to change)\n", what, seed);
	return seed;
}

/* A delay in a level drawn uniformly, then uniform within the level's range. */
static uint64_t
rand_delay(uint64_t *rng)
{
	unsigned lvl = rng_next(rng) % REF_LEVELS;
	uint64_t lo = ref_level_min(lvl), hi = ref_level_max(lvl);

	return lo + rng_next(rng) % (hi - lo + 1);
}

/* ---- Scripts ---- */

enum probe_id { A, B, C, D, E, F, G, H, NPROBES };

enum on_fire {
	DO_NOTHING,
	DO_REARM_IN,     /* arm itself arg ticks after the clock */
	DO_ARM_OTHER_IN, /* arm probe other arg ticks after the clock */
	DO_CANCEL_OTHER,
};

struct probe {
	struct timer_node node;
	enum on_fire action;
	int64_t arg;
	unsigned other;
};

struct fire {
	unsigned id;
	uint64_t at; /* the wheel's clock in the callback */
	bool checked;
};

#define LOG_MAX 64

struct world {
	struct timer_wheel w;
	uint64_t base; /* tick 0 of the script */
	struct probe probe[NPROBES];
	struct fire log[LOG_MAX];
	unsigned nlog;
	uint64_t ran; /* what the last RUN or JUMP's advances returned */
};

enum step_kind {
	S_ARM,
	S_CANCEL,
	S_STOP,
	S_ON_FIRE,
	S_RUN,
	S_JUMP,
	S_FIRED,
	S_FIRED_NEXT,
	S_QUIET,
	S_PENDING,
	S_TOTAL,
	S_RAN,
	S_NEXT_DUE,
};

struct step {
	enum step_kind kind;
	unsigned id;
	int64_t lo; /* ticks from the base, a count, or the callback's argument */
	int64_t hi;
	enum on_fire action;
	unsigned other;
};

/* The step macros and scripts are laid out by hand, a step or a few per line
 * like a packetdrill script. */
/* clang-format off */
/* Arm probe ID for tick T. */
#define ARM(ID, T) { .kind = S_ARM, .id = (ID), .lo = (T) }
#define CANCEL(ID) { .kind = S_CANCEL, .id = (ID) }
/* timer_stop: not pending, left in its bucket. */
#define STOP(ID) { .kind = S_STOP, .id = (ID) }
/* What probe ID's callback does. */
#define ON_FIRE(ID, ACT, ARG, OTHER)                                                              \
	{ .kind = S_ON_FIRE, .id = (ID), .action = (ACT), .lo = (ARG), .other = (OTHER) }
/* Advance to tick T stopping at every bucket due on the way (by next_due), so
 * that a callback sees the tick its bucket came due. */
#define RUN(T) { .kind = S_RUN, .lo = (T) }
/* Advance to tick T in one call. */
#define JUMP(T) { .kind = S_JUMP, .lo = (T) }
/* Probe ID fired (its earliest unchecked firing) at a tick in [LO, HI]. */
#define FIRED(ID, LO, HI) { .kind = S_FIRED, .id = (ID), .lo = (LO), .hi = (HI) }
#define FIRED_AT(ID, T)	  FIRED(ID, T, T)
/* The earliest unchecked firing is probe ID's, at tick T. */
#define FIRED_NEXT(ID, T) { .kind = S_FIRED_NEXT, .id = (ID), .lo = (T), .hi = (T) }
/* Every firing so far has been checked. */
#define QUIET()		  { .kind = S_QUIET }
#define PENDING(N)	  { .kind = S_PENDING, .lo = (N) }
#define TOTAL_FIRED(N)	  { .kind = S_TOTAL, .lo = (N) }
#define RAN(N)		  { .kind = S_RAN, .lo = (N) }
#define NEXT_DUE(LO, HI)  { .kind = S_NEXT_DUE, .lo = (LO), .hi = (HI) }
#define NEXT_DUE_NONE()	  { .kind = S_NEXT_DUE, .lo = -1 }

/* clang-format on */

#define STEP_FAIL(wd, i, fmt, ...)                                                                 \
	fail_msg("base %#" PRIx64 " step %zu: " fmt, (wd)->base, (i), ##__VA_ARGS__)

struct script {
	const struct step *steps;
	size_t nb_steps;
};

static void
probe_fire(struct timer_node *node, void *ctx)
{
	struct world *wd = ctx;
	struct probe *p = container_of(node, struct probe, node);
	uint64_t now = wd->w.now;

	assert_false(timer_pending(node));
	assert_true(now >= node->expires); /* never early */
	assert_true(wd->nlog < LOG_MAX);
	wd->log[wd->nlog++] = (struct fire){ .id = (unsigned)(p - wd->probe), .at = now };
	switch (p->action) {
	case DO_NOTHING:
		break;
	case DO_REARM_IN:
		timer_arm(&wd->w, node, now + (uint64_t)p->arg);
		break;
	case DO_ARM_OTHER_IN:
		timer_arm(&wd->w, &wd->probe[p->other].node, now + (uint64_t)p->arg);
		break;
	case DO_CANCEL_OTHER:
		timer_cancel(&wd->w, &wd->probe[p->other].node);
		break;
	}
}

static void
world_run(struct world *wd, uint64_t to)
{
	uint64_t due;

	wd->ran = 0;
	while ((due = timer_wheel_next_due(&wd->w)) <= to) {
		assert_true(due > wd->w.now);
		wd->ran += timer_wheel_advance(&wd->w, due);
	}
	wd->ran += timer_wheel_advance(&wd->w, to);
	assert_int_equal(wd->w.now, to);
}

/* Check a FIRED or FIRED_NEXT step against the log. */
static void
check_fired(struct world *wd, const struct step *s, size_t i)
{
	uint64_t lo = wd->base + (uint64_t)s->lo, hi = wd->base + (uint64_t)s->hi;

	for (unsigned k = 0; k < wd->nlog; k++) {
		struct fire *f = &wd->log[k];

		if (f->checked)
			continue;
		if (f->id != s->id && s->kind == S_FIRED_NEXT)
			STEP_FAIL(wd, i, "expected %c next, %c fired first", 'A' + s->id,
			          'A' + f->id);
		if (f->id != s->id)
			continue;
		if (f->at < lo || f->at > hi)
			STEP_FAIL(wd, i, "%c fired at %" PRIu64 ", expected %" PRId64 "..%" PRId64,
			          'A' + s->id, f->at - wd->base, s->lo, s->hi);
		f->checked = true;
		return;
	}
	STEP_FAIL(wd, i, "%c did not fire", 'A' + s->id);
}

static void
check_quiet(struct world *wd, size_t i)
{
	for (unsigned k = 0; k < wd->nlog; k++)
		if (!wd->log[k].checked)
			STEP_FAIL(wd, i, "unexpected: %c fired at %" PRIu64, 'A' + wd->log[k].id,
			          wd->log[k].at - wd->base);
}

static void
check_next_due(struct world *wd, const struct step *s, size_t i)
{
	uint64_t due = timer_wheel_next_due(&wd->w);

	if (s->lo < 0 && due != UINT64_MAX)
		STEP_FAIL(wd, i, "next_due %" PRIu64 ", expected none", due - wd->base);
	if (s->lo >= 0 && (due < wd->base + (uint64_t)s->lo || due > wd->base + (uint64_t)s->hi))
		STEP_FAIL(wd, i, "next_due %" PRIu64 ", expected %" PRId64 "..%" PRId64,
		          due - wd->base, s->lo, s->hi);
}

static void
step_do(struct world *wd, const struct step *s, size_t i)
{
	struct probe *p = &wd->probe[s->id];

	switch (s->kind) {
	case S_ARM:
		timer_arm(&wd->w, &p->node, wd->base + (uint64_t)s->lo);
		break;
	case S_CANCEL:
		timer_cancel(&wd->w, &p->node);
		break;
	case S_STOP:
		timer_stop(&wd->w, &p->node);
		break;
	case S_ON_FIRE:
		p->action = s->action;
		p->arg = s->lo;
		p->other = s->other;
		break;
	case S_RUN:
		world_run(wd, wd->base + (uint64_t)s->lo);
		break;
	case S_JUMP:
		wd->ran = timer_wheel_advance(&wd->w, wd->base + (uint64_t)s->lo);
		break;
	case S_FIRED:
	case S_FIRED_NEXT:
		check_fired(wd, s, i);
		break;
	case S_QUIET:
		check_quiet(wd, i);
		break;
	case S_PENDING:
		if (wd->w.pending != (uint64_t)s->lo)
			STEP_FAIL(wd, i, "%" PRIu64 " pending, expected %" PRId64, wd->w.pending,
			          s->lo);
		break;
	case S_TOTAL:
		if (wd->w.fired != (uint64_t)s->lo)
			STEP_FAIL(wd, i, "%" PRIu64 " fired in all, expected %" PRId64, wd->w.fired,
			          s->lo);
		break;
	case S_RAN:
		if (wd->ran != (uint64_t)s->lo)
			STEP_FAIL(wd, i, "advance ran %" PRIu64 ", expected %" PRId64, wd->ran,
			          s->lo);
		break;
	case S_NEXT_DUE:
		check_next_due(wd, s, i);
		break;
	}
}

static void
script_test(void **state)
{
	const struct script *sc = *state;

	for (size_t b = 0; b < ARRAY_SIZE(bases); b++) {
		struct world wd = { .base = bases[b] };

		timer_wheel_init(&wd.w, bases[b], &wd);
		for (unsigned i = 0; i < NPROBES; i++)
			timer_init(&wd.probe[i].node, probe_fire);
		for (size_t i = 0; i < sc->nb_steps; i++)
			step_do(&wd, &sc->steps[i], i);
	}
}

/* clang-format off */

/* Level 0 (delays up to 63 ticks) is exact. */
static const struct step exact_level0[] = {
	ARM(A, 1), ARM(B, 37), ARM(C, 63), PENDING(3), NEXT_DUE(1, 1),
	RUN(36), FIRED_AT(A, 1), QUIET(),
	RUN(37), FIRED_AT(B, 37), QUIET(),
	RUN(1000), FIRED_AT(C, 63), QUIET(),
	PENDING(0), TOTAL_FIRED(3), NEXT_DUE_NONE(),
};

/* The edges of the header's table: never early, under a granule late. */
static const struct step level_edges[] = {
	ARM(A, 63), ARM(B, 64), ARM(C, 504), ARM(D, 505),
	ARM(E, 4032), ARM(F, 4033), ARM(G, 16515073), ARM(H, 132120576),
	RUN(200000000), RAN(8),
	FIRED_AT(A, 63), FIRED(B, 64, 71), FIRED(C, 504, 511), FIRED(D, 505, 568),
	FIRED(E, 4032, 4095), FIRED(F, 4033, 4544),
	FIRED(G, 16515073, 16515073 + 2097151), FIRED(H, 132120576, 132120576 + 2097151),
	QUIET(), PENDING(0),
};

/* Several levels come due in one advance: they run in order of due tick. */
static const struct step order_in_one_advance[] = {
	ARM(A, 5000), ARM(B, 3), ARM(C, 600), ARM(D, 70), ARM(E, 40000),
	JUMP(100000), RAN(5),
	FIRED_NEXT(B, 100000), FIRED_NEXT(D, 100000), FIRED_NEXT(C, 100000),
	FIRED_NEXT(A, 100000), FIRED_NEXT(E, 100000), QUIET(),
};

/* An expiry at or before the clock: the first tick after it, and only once the
 * clock moves. */
static const struct step arm_in_past[] = {
	RUN(5000), ARM(A, 100), ARM(B, 5000), PENDING(2), NEXT_DUE(5001, 5001),
	JUMP(5000), RAN(0), QUIET(), JUMP(4000), RAN(0), QUIET(),
	JUMP(5001), RAN(2), FIRED_AT(A, 5001), FIRED_AT(B, 5001), QUIET(), PENDING(0),
};

static const struct step cancel[] = {
	ARM(A, 10), ARM(B, 2000), PENDING(2),
	CANCEL(A), PENDING(1), NEXT_DUE(2000, 2063),
	CANCEL(A), PENDING(1), /* not pending: harmless */
	CANCEL(C),	       /* never armed: harmless */
	CANCEL(B), PENDING(0), NEXT_DUE_NONE(),
	RUN(5000), RAN(0), QUIET(), TOTAL_FIRED(0),
};

/* Cancelling from the middle, then an end, of a bucket's list; the bucket stays
 * non-empty until the last goes. */
static const struct step cancel_in_bucket[] = {
	ARM(A, 20), ARM(B, 20), ARM(C, 20),
	CANCEL(B), NEXT_DUE(20, 20), CANCEL(C), NEXT_DUE(20, 20), PENDING(1),
	RUN(100), FIRED_AT(A, 20), QUIET(), NEXT_DUE_NONE(),
	ARM(A, 300), ARM(B, 300), CANCEL(A), CANCEL(B), NEXT_DUE_NONE(), PENDING(0),
};

static const struct step rearm_earlier[] = {
	ARM(A, 3000), RUN(5), ARM(A, 10), PENDING(1), NEXT_DUE(10, 10),
	RUN(10), FIRED_AT(A, 10), QUIET(),
	RUN(10000), QUIET(), PENDING(0), TOTAL_FIRED(1),
};

static const struct step rearm_later[] = {
	ARM(A, 10), ARM(A, 3000), PENDING(1), NEXT_DUE(3000, 3063),
	RUN(2999), QUIET(),
	ARM(A, 40000), PENDING(1), RUN(39999), QUIET(),
	RUN(100000), FIRED(A, 40000, 40000 + 4095), QUIET(), TOTAL_FIRED(1),
};

/* timer_stop: pending no more, and it never fires from the bucket it is
 * left in (timer_wheel.h). Armed again later it fires as the new arming
 * says, armed again earlier too; the advance that reaches a stopped node's
 * bucket runs nothing, next_due passes it by, and timer_cancel takes a
 * stopped node out. */
static const struct step stop_rearm[] = {
	ARM(A, 60), STOP(A), PENDING(0), STOP(A), PENDING(0),
	ARM(A, 700), PENDING(1), JUMP(60), RAN(0), QUIET(),
	NEXT_DUE(700, 763), JUMP(699), RAN(0), RUN(763), FIRED(A, 700, 763), QUIET(),
	ARM(B, 800), ARM(C, 900), STOP(B), STOP(C), ARM(C, 820), PENDING(1),
	NEXT_DUE(820, 827), RUN(899), FIRED(C, 820, 827), QUIET(), PENDING(0),
	NEXT_DUE_NONE(),
	ARM(D, 2000), STOP(D), CANCEL(D), NEXT_DUE_NONE(), PENDING(0),
	RUN(5000), QUIET(), TOTAL_FIRED(2),
};

/* Timers of one bucket run latest armed first, as linking each arming at
 * the head gives, though a node armed again for its own bucket, or for a
 * later one after its first came due, was never moved (timer_wheel.h). */
static const struct step rearm_order[] = {
	ARM(A, 20), ARM(B, 20), ARM(A, 20),
	RUN(20), FIRED_NEXT(A, 20), FIRED_NEXT(B, 20), QUIET(),
	ARM(C, 30), ARM(C, 40), ARM(D, 40),
	JUMP(40), RAN(2), FIRED_NEXT(D, 40), FIRED_NEXT(C, 40), QUIET(),
	ARM(E, 50), ARM(F, 60), ARM(E, 60), ARM(G, 60), STOP(F),
	RUN(60), FIRED_NEXT(G, 60), FIRED_NEXT(E, 60), QUIET(), PENDING(0),
};

/* A callback re-arming its own timer: a periodic timer. Periods missed by a
 * long advance are not caught up: it runs once, then a period from the clock. */
static const struct step periodic[] = {
	ON_FIRE(A, DO_REARM_IN, 50, A), ARM(A, 50),
	RUN(200), RAN(4), FIRED_AT(A, 50), FIRED_AT(A, 100), FIRED_AT(A, 150), FIRED_AT(A, 200),
	QUIET(), PENDING(1),
	JUMP(100000), RAN(1), FIRED_AT(A, 100000), QUIET(), NEXT_DUE(100050, 100050),
	CANCEL(A), PENDING(0), TOTAL_FIRED(5),
};

/* A callback arming a timer for a tick already run: it runs at the next
 * advance, so the current one ends. */
static const struct step rearm_due_from_callback[] = {
	ON_FIRE(A, DO_REARM_IN, 0, A), ON_FIRE(B, DO_REARM_IN, -500, B),
	ARM(A, 5), ARM(B, 7),
	JUMP(1000), RAN(2), FIRED_AT(A, 1000), FIRED_AT(B, 1000), QUIET(),
	PENDING(2), NEXT_DUE(1001, 1001),
	JUMP(1001), RAN(2), FIRED_AT(A, 1001), FIRED_AT(B, 1001), QUIET(),
	CANCEL(A), CANCEL(B), PENDING(0), TOTAL_FIRED(4),
};

/* A callback cancelling a timer due in the same advance, not yet run. */
static const struct step cancel_due_from_callback[] = {
	ON_FIRE(A, DO_CANCEL_OTHER, 0, B), ARM(A, 10), ARM(B, 20), ARM(C, 30),
	JUMP(100), RAN(2), FIRED_NEXT(A, 100), FIRED_NEXT(C, 100), QUIET(),
	PENDING(0), TOTAL_FIRED(2),
};

/* ... or moving it later. */
static const struct step move_due_from_callback[] = {
	ON_FIRE(A, DO_ARM_OTHER_IN, 500, B), ARM(A, 10), ARM(B, 20),
	JUMP(100), RAN(1), FIRED_AT(A, 100), QUIET(), PENDING(1), NEXT_DUE(600, 607),
	RUN(1000), FIRED(B, 600, 607), QUIET(), PENDING(0),
};

static const struct step counters[] = {
	PENDING(0), TOTAL_FIRED(0),
	ARM(A, 10), ARM(B, 20), ARM(C, 30), PENDING(3),
	ARM(B, 40), PENDING(3), /* re-armed: still one */
	CANCEL(C), PENDING(2),
	ON_FIRE(A, DO_REARM_IN, 45, A),
	RUN(50), RAN(2), FIRED_AT(A, 10), FIRED_AT(B, 40), QUIET(), PENDING(1), TOTAL_FIRED(2),
	RUN(55), RAN(1), FIRED_AT(A, 55), QUIET(), PENDING(1), TOTAL_FIRED(3),
	CANCEL(A), PENDING(0), TOTAL_FIRED(3),
};

/* Beyond the last level (132120576 ticks): parked, put back when the park
 * comes due, and still never early. */
static const struct step beyond_last_level[] = {
	ARM(A, 1000000000), ARM(B, 300000000), PENDING(2),
	RUN(999999999), FIRED(B, 300000000, 300000000 + 2097151), QUIET(), PENDING(1),
	RUN(1100000000), FIRED(A, 1000000000, 1000000000 + 2097151), QUIET(),
	PENDING(0), TOTAL_FIRED(2),
	ARM(C, 5000000000), JUMP(4000000000), RAN(0), PENDING(1), JUMP(4999999999), RAN(0),
	JUMP(6000000000), RAN(1), FIRED_AT(C, 6000000000), QUIET(), PENDING(0),
};

/* clang-format on */

#define SCRIPT(S) static struct script S##_script = { S, ARRAY_SIZE(S) }
#define SCRIPT_TEST(S)                                                                             \
	{                                                                                          \
		.name = "script_" #S, .test_func = script_test, .initial_state = &S##_script       \
	}

SCRIPT(exact_level0);
SCRIPT(level_edges);
SCRIPT(order_in_one_advance);
SCRIPT(arm_in_past);
SCRIPT(cancel);
SCRIPT(cancel_in_bucket);
SCRIPT(rearm_earlier);
SCRIPT(rearm_later);
SCRIPT(stop_rearm);
SCRIPT(rearm_order);
SCRIPT(periodic);
SCRIPT(rearm_due_from_callback);
SCRIPT(cancel_due_from_callback);
SCRIPT(move_due_from_callback);
SCRIPT(counters);
SCRIPT(beyond_last_level);

/* ---- Programmatic tests: a timer that records when it fired ---- */

struct stamp {
	struct timer_node node;
	uint64_t want; /* expiry asked for */
	uint64_t due;  /* reference: tick its bucket comes due */
	uint64_t fired_at;
	uint64_t order; /* position among all firings */
	unsigned fires;
};

struct stamp_world {
	struct timer_wheel w;
	uint64_t seq;
};

static void
stamp_fire(struct timer_node *node, void *ctx)
{
	struct stamp_world *sw = ctx;
	struct stamp *s = container_of(node, struct stamp, node);

	s->fired_at = sw->w.now;
	s->order = sw->seq++;
	s->fires++;
}

static void
stamp_arm(struct stamp_world *sw, struct stamp *s, uint64_t want)
{
	timer_init(&s->node, stamp_fire);
	s->want = want;
	s->due = ref_due(sw->w.now, want);
	s->fires = 0;
	timer_arm(&sw->w, &s->node, want);
}

/* Advance to @to stopping at every due bucket, so stamps record the due tick. */
static void
stamp_run(struct stamp_world *sw, uint64_t to)
{
	uint64_t due;

	while ((due = timer_wheel_next_due(&sw->w)) <= to) {
		assert_true(due > sw->w.now);
		timer_wheel_advance(&sw->w, due);
	}
	timer_wheel_advance(&sw->w, to);
}

/* Every delay from 0 to 64, one tick at a time: exact up to 63. */
static void
test_every_small_delay(void **state)
{
	(void)state;
	for (size_t b = 0; b < ARRAY_SIZE(bases); b++) {
		struct stamp_world sw = { .seq = 0 };
		struct stamp s[65];
		uint64_t t0 = bases[b] + 17; /* arm after the clock has moved */

		timer_wheel_init(&sw.w, bases[b], &sw);
		timer_wheel_advance(&sw.w, t0);
		for (unsigned d = 0; d < ARRAY_SIZE(s); d++)
			stamp_arm(&sw, &s[d], t0 + d);
		for (uint64_t t = t0 + 1; t <= t0 + 100; t++)
			timer_wheel_advance(&sw.w, t);
		assert_int_equal(s[0].fired_at, t0 + 1);
		for (unsigned d = 1; d < 64; d++) {
			assert_int_equal(s[d].fires, 1);
			assert_int_equal(s[d].fired_at, t0 + d);
		}
		assert_in_range(s[64].fired_at, t0 + 64, t0 + 71);
		assert_int_equal(sw.w.pending, 0);
	}
}

#define SLACK_PER_LEVEL 24

/* Delays of level @lvl from the clock @now: both edges and their neighbours,
 * the middle, the worst case (expiry one past a multiple of the granularity),
 * and random ones. Returns the index of the worst case. */
static unsigned
slack_delays(uint64_t *d, unsigned lvl, uint64_t now, uint64_t *rng)
{
	uint64_t lo = ref_level_min(lvl), hi = ref_level_max(lvl), g = ref_gran(lvl);
	unsigned n = 0;

	d[n++] = lo;
	d[n++] = lo + 1;
	d[n++] = (lo + hi) / 2;
	d[n++] = hi - 1;
	d[n++] = hi;
	/* (now + d) % g == 1, the first such d in the level */
	d[n] = lo + ((1 + g - (now + lo) % g) % g);
	n++;
	while (n < SLACK_PER_LEVEL)
		d[n++] = lo + rng_next(rng) % (hi - lo + 1);
	return 5;
}

/* Never early, under a granule late, for every level and many clock phases;
 * the worst case is reached, so the header's slack column is tight. */
static void
test_slack_per_level(void **state)
{
	uint64_t rng = rng_seed("slack_per_level");
	struct stamp *s = calloc(REF_LEVELS * SLACK_PER_LEVEL, sizeof(*s));
	const uint64_t phases[] = { 0, 1, 7, 8, 63, 511, 4095, 32767, 262143, 2097151, 2097152 };

	(void)state;
	assert_non_null(s);
	for (size_t b = 0; b < ARRAY_SIZE(bases); b++) {
		for (size_t ph = 0; ph < ARRAY_SIZE(phases) + 4; ph++) {
			struct stamp_world sw = { .seq = 0 };
			uint64_t now =
			        bases[b] + (ph < ARRAY_SIZE(phases) ? phases[ph]
			                                            : rng_next(&rng) % (1u << 24));
			unsigned worst[REF_LEVELS];

			timer_wheel_init(&sw.w, bases[b], &sw);
			timer_wheel_advance(&sw.w, now);
			for (unsigned lvl = 0; lvl < REF_LEVELS; lvl++) {
				uint64_t d[SLACK_PER_LEVEL];
				struct stamp *ls = &s[lvl * SLACK_PER_LEVEL];

				worst[lvl] = slack_delays(d, lvl, now, &rng);
				for (unsigned i = 0; i < SLACK_PER_LEVEL; i++)
					stamp_arm(&sw, &ls[i], now + d[i]);
			}
			stamp_run(&sw, now + REF_MAX_DELAY + ref_gran(REF_LEVELS - 1));
			for (unsigned lvl = 0; lvl < REF_LEVELS; lvl++) {
				uint64_t g = ref_gran(lvl);
				struct stamp *ls = &s[lvl * SLACK_PER_LEVEL];

				for (unsigned i = 0; i < SLACK_PER_LEVEL; i++) {
					assert_int_equal(ls[i].fires, 1);
					assert_in_range(ls[i].fired_at, ls[i].want,
					                ls[i].want + g - 1);
				}
				assert_int_equal(ls[worst[lvl]].fired_at,
				                 ls[worst[lvl]].want + g - 1);
			}
			assert_int_equal(sw.w.pending, 0);
		}
	}
	free(s);
}

#define JUMP_TIMERS 100000u

/* Advancing 10^9 ticks in one call runs everything, in order of due tick, and
 * takes time in proportion to the timers, not the ticks. */
static void
test_large_idle_jump(void **state)
{
	uint64_t rng = rng_seed("large_idle_jump");
	struct stamp *s = calloc(JUMP_TIMERS, sizeof(*s));
	uint64_t *by_order = calloc(JUMP_TIMERS, sizeof(*by_order));
	struct stamp_world sw = { .seq = 0 };
	uint64_t now = bases[2];
	double t;

	(void)state;
	assert_non_null(s);
	assert_non_null(by_order);
	timer_wheel_init(&sw.w, now, &sw);
	for (unsigned i = 0; i < JUMP_TIMERS; i++)
		stamp_arm(&sw, &s[i], now + (i % 64 == 0 ? 0 : rand_delay(&rng)));
	t = seconds();
	assert_int_equal(timer_wheel_advance(&sw.w, now + 1000000000), JUMP_TIMERS);
	t = seconds() - t;
	print_message("large_idle_jump: %u timers over 10^9 ticks in %.3f ms\n", JUMP_TIMERS,
	              t * 1e3);
	assert_true(t < 1.0);
	assert_int_equal(sw.w.pending, 0);
	assert_int_equal(sw.w.fired, JUMP_TIMERS);
	for (unsigned i = 0; i < JUMP_TIMERS; i++) {
		assert_int_equal(s[i].fires, 1);
		by_order[s[i].order] = s[i].due;
	}
	for (unsigned k = 1; k < JUMP_TIMERS; k++)
		assert_true(by_order[k - 1] <= by_order[k]);

	/* An idle wheel crosses 2^60 ticks at once; so does one with a timer. */
	now = sw.w.now;
	assert_int_equal(timer_wheel_advance(&sw.w, now + (UINT64_C(1) << 60)), 0);
	now = sw.w.now;
	stamp_arm(&sw, &s[0], now + 123456789);
	assert_int_equal(timer_wheel_advance(&sw.w, now + (UINT64_C(1) << 60)), 1);
	free(by_order);
	free(s);
}

static void
next_due_in_callback(struct timer_node *node, void *ctx)
{
	struct stamp_world *sw = ctx;
	struct stamp *s = container_of(node, struct stamp, node);

	/* Another timer still waits its turn in this advance: due now. */
	s->fired_at = timer_wheel_next_due(&sw->w);
	s->fires++;
}

static void
test_next_due(void **state)
{
	uint64_t rng = rng_seed("next_due");

	(void)state;
	for (size_t b = 0; b < ARRAY_SIZE(bases); b++) {
		struct stamp_world sw = { .seq = 0 };
		struct stamp s[3];
		uint64_t now = bases[b] + 5;

		timer_wheel_init(&sw.w, bases[b], &sw);
		assert_true(timer_wheel_next_due(&sw.w) == UINT64_MAX);
		/* One timer per level: the bucket's due tick, and it runs there. */
		for (unsigned lvl = 0; lvl < REF_LEVELS; lvl++) {
			uint64_t g = ref_gran(lvl), want, due;

			timer_wheel_advance(&sw.w, now);
			want = now + ref_level_min(lvl) + rng_next(&rng) % (ref_level_max(lvl) / 2);
			stamp_arm(&sw, &s[0], want);
			due = timer_wheel_next_due(&sw.w);
			assert_int_equal(due, s[0].due);
			assert_in_range(due, want, want + g - 1);
			assert_int_equal(due % g, 0);
			assert_int_equal(timer_wheel_advance(&sw.w, due - 1), 0);
			assert_int_equal(timer_wheel_advance(&sw.w, due), 1);
			assert_true(timer_wheel_next_due(&sw.w) == UINT64_MAX);
			now = due + rng_next(&rng) % 1000;
		}
		/* The earliest of several; then the next once it is cancelled. */
		timer_wheel_advance(&sw.w, now);
		stamp_arm(&sw, &s[0], now + 5000);
		stamp_arm(&sw, &s[1], now + 30);
		stamp_arm(&sw, &s[2], now + 400);
		assert_int_equal(timer_wheel_next_due(&sw.w), now + 30);
		timer_cancel(&sw.w, &s[1].node);
		assert_in_range(timer_wheel_next_due(&sw.w), now + 400, now + 407);
		/* From a callback, with another still to run: now. */
		s[0].node.fn = next_due_in_callback;
		s[2].node.fn = next_due_in_callback;
		timer_wheel_advance(&sw.w, now + 10000);
		assert_int_equal(s[0].fires + s[2].fires, 2);
		assert_true(s[0].fired_at == now + 10000 || s[2].fired_at == now + 10000);
		assert_true(timer_wheel_next_due(&sw.w) == UINT64_MAX);
	}
}

/* ---- A million timers against the reference model ---- */

#define RAND_TIMERS 1000000u

struct rtimer {
	struct timer_node node;
	uint64_t want; /* expiry asked for */
	uint64_t due;  /* reference: tick its bucket comes due */
	uint32_t armed;
	uint32_t fires;
};

struct rmodel {
	struct timer_wheel w;
	struct rtimer *t;
	uint32_t used; /* timers [0, used) have been armed at least once */
	uint64_t rng;
	uint64_t now;      /* the model's clock: target of the advance in progress */
	uint64_t prev_now; /* the clock before that advance */
	uint64_t last_due; /* of the last firing in this advance, for order */
	bool draining;     /* callbacks stop re-arming */
	uint64_t live;     /* armed and neither fired nor cancelled since */
	uint64_t created;
	uint64_t superseded; /* cancelled, or re-armed while pending */
	uint64_t fired;
	uint64_t advances;
	uint64_t max_live;
};

static uint64_t
rmodel_expiry(struct rmodel *m)
{
	/* Now and the past too: they count as the next tick. */
	if (rng_next(&m->rng) % 32 == 0)
		return m->now - rng_next(&m->rng) % 100;
	return m->now + rand_delay(&m->rng);
}

/* A timer to cancel or re-arm: half the time one of the last few hundred
 * armed, most of them still pending, else any. */
static struct rtimer *
rmodel_pick(struct rmodel *m)
{
	uint64_t r = rng_next(&m->rng);
	uint32_t window = m->used < 512 ? m->used : 512;

	if (r & 1)
		return &m->t[m->used - 1 - (r >> 1) % window];
	return &m->t[(r >> 1) % m->used];
}

static void
rmodel_arm(struct rmodel *m, struct rtimer *t, uint64_t want)
{
	if (t->armed)
		m->superseded++;
	else
		m->live++;
	m->created++;
	t->armed = 1;
	t->want = want;
	t->due = ref_due(m->now, want);
	timer_arm(&m->w, &t->node, want);
}

/* Separate statements: both draw from the generator, and the order in which a
 * call's arguments are evaluated is unspecified (the run must not depend on
 * the compiler). */
static void
rmodel_rearm_any(struct rmodel *m)
{
	struct rtimer *t = rmodel_pick(m);

	rmodel_arm(m, t, rmodel_expiry(m));
}

static void
rmodel_cancel(struct rmodel *m, struct rtimer *t)
{
	if (t->armed) {
		m->superseded++;
		m->live--;
	}
	t->armed = 0;
	timer_cancel(&m->w, &t->node);
}

/* As rmodel_cancel, by timer_stop: the node stays in the wheel. */
static void
rmodel_stop(struct rmodel *m, struct rtimer *t)
{
	if (t->armed) {
		m->superseded++;
		m->live--;
	}
	t->armed = 0;
	timer_stop(&m->w, &t->node);
}

static void
rtimer_fire(struct timer_node *node, void *ctx)
{
	struct rmodel *m = ctx;
	struct rtimer *t = container_of(node, struct rtimer, node);
	uint64_t r;

	if (!t->armed || t->want > m->now || t->due <= m->prev_now || t->due > m->now ||
	    t->due < m->last_due || timer_pending(node) || m->w.now != m->now)
		fail_msg("timer %td (armed %u) wants %" PRIu64 " due %" PRIu64
		         " fired in advance (%" PRIu64 ", %" PRIu64 "] after due %" PRIu64,
		         t - m->t, t->armed, t->want, t->due, m->prev_now, m->now, m->last_due);
	m->last_due = t->due;
	t->armed = 0;
	t->fires++;
	m->live--;
	m->fired++;
	if (m->draining)
		return;
	/* What owners do from callbacks: re-arm themselves, cancel or move others. */
	r = rng_next(&m->rng) % 64;
	if (r < 4)
		rmodel_arm(m, t, rmodel_expiry(m));
	else if (r == 4)
		rmodel_cancel(m, rmodel_pick(m));
	else if (r == 6)
		rmodel_stop(m, rmodel_pick(m));
	else if (r == 5)
		rmodel_rearm_any(m);
}

static unsigned
rmodel_advance(struct rmodel *m, uint64_t to)
{
	uint64_t fired = m->fired;
	unsigned ran;

	m->prev_now = m->now;
	m->now = to;
	m->last_due = 0;
	m->advances++;
	ran = timer_wheel_advance(&m->w, to);
	assert_int_equal(ran, m->fired - fired);
	assert_int_equal(m->w.now, to);
	assert_int_equal(m->w.pending, m->live);
	assert_int_equal(m->w.fired, m->fired);
	if (m->live > m->max_live)
		m->max_live = m->live;
	return ran;
}

/* next_due is exact: nothing runs a tick before it, its bucket runs at it
 * (stopped nodes and nodes armed again for later included). */
static void
rmodel_check_next_due(struct rmodel *m)
{
	uint64_t due = timer_wheel_next_due(&m->w);

	if (due == UINT64_MAX) {
		assert_int_equal(m->live, 0);
		return;
	}
	assert_true(due > m->now);
	assert_int_equal(rmodel_advance(m, due - 1), 0);
	assert_true(rmodel_advance(m, due) >= 1);
	assert_int_equal(m->last_due, due);
}

/* Steps by phase of the run: fine ones let timers pile up in the wheel, coarse
 * ones cross levels and jump far beyond all of them. */
static uint64_t
rmodel_step(struct rmodel *m, unsigned phase)
{
	unsigned r = rng_next(&m->rng) % 1000;

	if (phase < 2 || r < 700)
		return 1 + rng_next(&m->rng) % (r < 980 ? 16 : 1024);
	if (r < 900)
		return 1 + rng_next(&m->rng) % 1024;
	if (phase == 2 || r < 980)
		return 1 + rng_next(&m->rng) % (1u << 20);
	if (r < 997)
		return 1 + rng_next(&m->rng) % (1u << 27);
	return 1000000000;
}

static void
rmodel_drain(struct rmodel *m)
{
	m->draining = true;
	rmodel_advance(m, m->now + REF_MAX_DELAY + ref_gran(REF_LEVELS - 1));
	assert_int_equal(m->live, 0);
	assert_int_equal(m->w.pending, 0);
	assert_true(timer_wheel_next_due(&m->w) == UINT64_MAX);
	assert_int_equal(m->created, m->superseded + m->fired);
	for (uint32_t i = 0; i < m->used; i++)
		if (m->t[i].armed)
			fail_msg("timer %u never fired", i);
}

static void
noop_fire(struct timer_node *node, void *ctx)
{
	(void)node;
	(void)ctx;
}

/* What lazy re-arming is for (timer_wheel.h): arming a node again for later,
 * or after timer_stop, leaves it where it is in the wheel (no unlink, no
 * link); earlier moves it; timer_cancel takes it out. */
static void
test_rearm_later_stays(void **state)
{
	struct timer_wheel w;
	struct timer_node a;

	(void)state;
	timer_wheel_init(&w, 1000, NULL);
	timer_init(&a, noop_fire);
	timer_arm(&w, &a, 1010);
	struct timer_node **at = a.pprev;
	assert_non_null(at);
	timer_arm(&w, &a, 4000);
	assert_ptr_equal(a.pprev, at);
	assert_int_equal(w.bitmap[2], 0);
	assert_true(timer_pending(&a));
	assert_int_equal(w.pending, 1);
	timer_stop(&w, &a);
	assert_false(timer_pending(&a));
	assert_int_equal(w.pending, 0);
	assert_ptr_equal(a.pprev, at);
	timer_arm(&w, &a, 1020);
	assert_ptr_equal(a.pprev, at);
	assert_int_equal(w.pending, 1);
	timer_arm(&w, &a, 1005);
	assert_true(a.pprev != at);
	timer_cancel(&w, &a);
	assert_null(a.pprev);
	assert_int_equal(w.pending, 0);
	assert_true(timer_wheel_next_due(&w) == UINT64_MAX);
}

static void
test_random_million(void **state)
{
	struct rmodel *m = calloc(1, sizeof(*m));
	uint64_t ops = 0;
	double t = seconds();

	(void)state;
	assert_non_null(m);
	m->t = calloc(RAND_TIMERS, sizeof(*m->t));
	assert_non_null(m->t);
	m->rng = rng_seed("random_million");
	m->now = bases[2] + 99991;
	timer_wheel_init(&m->w, m->now, m);
	for (uint32_t i = 0; i < RAND_TIMERS; i++)
		timer_init(&m->t[i].node, rtimer_fire);

	rmodel_arm(m, &m->t[m->used++], rmodel_expiry(m));
	while (m->used < RAND_TIMERS) {
		unsigned op = rng_next(&m->rng) % 100;

		ops++;
		if (op < 55)
			rmodel_arm(m, &m->t[m->used++], rmodel_expiry(m));
		else if (op < 65)
			rmodel_rearm_any(m);
		else if (op < 69)
			rmodel_cancel(m, rmodel_pick(m));
		else if (op < 74)
			rmodel_stop(m, rmodel_pick(m));
		else if (op < 75)
			rmodel_check_next_due(m);
		else
			rmodel_advance(m, m->now + rmodel_step(m, (ops >> 16) % 4));
	}
	rmodel_drain(m);
	t = seconds() - t;
	print_message("random_million: %u timers, %" PRIu64 " arms, %" PRIu64
	              " cancelled or re-armed while pending, %" PRIu64 " fired, %" PRIu64
	              " advances, up to %" PRIu64 " pending, %.2f s\n",
	              m->used, m->created, m->superseded, m->fired, m->advances, m->max_live, t);
	free(m->t);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		SCRIPT_TEST(exact_level0),
		SCRIPT_TEST(level_edges),
		SCRIPT_TEST(order_in_one_advance),
		SCRIPT_TEST(arm_in_past),
		SCRIPT_TEST(cancel),
		SCRIPT_TEST(cancel_in_bucket),
		SCRIPT_TEST(rearm_earlier),
		SCRIPT_TEST(rearm_later),
		SCRIPT_TEST(stop_rearm),
		SCRIPT_TEST(rearm_order),
		SCRIPT_TEST(periodic),
		SCRIPT_TEST(rearm_due_from_callback),
		SCRIPT_TEST(cancel_due_from_callback),
		SCRIPT_TEST(move_due_from_callback),
		SCRIPT_TEST(counters),
		SCRIPT_TEST(beyond_last_level),
		cmocka_unit_test(test_every_small_delay),
		cmocka_unit_test(test_slack_per_level),
		cmocka_unit_test(test_large_idle_jump),
		cmocka_unit_test(test_next_due),
		cmocka_unit_test(test_rearm_later_stays),
		cmocka_unit_test(test_random_million),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
