/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern_core_post over the harness: threads that are not engines post
 * functions to an engine that the test polls on the main lcore; each runs on
 * the engine's thread and its result comes back. A poster that times out
 * (the engine is not polled) gets -ETIMEDOUT and its function never runs;
 * one still waiting when the engine goes gets -ESHUTDOWN; an lcore may not
 * post (it would wait for itself).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "harness.h"
#include "runtime/post.h"
#include "tern.h"

#define POSTERS        4
#define POSTS_EACH     200
#define POLL_BUDGET_MS 5000 /* the main thread polls at most this long */

static struct harness *h;
static pthread_t engine_thread;

/* What a poster asks and what the engine did with it. */
struct job {
	struct tern_core *core;
	unsigned timeout_ms;
	int value; /* in: what the function returns */
	int result;
	bool ran;
	bool ran_on_engine; /* pthread_self() was the polling thread */
	bool done;          /* atomic: the poster has its answer */
};

static int
job_run(struct tern_core *core, void *arg)
{
	struct job *j = arg;

	j->ran = true;
	j->ran_on_engine =
	        pthread_equal(pthread_self(), engine_thread) && core == (struct tern_core *)h->eng;
	return j->value;
}

static void *
poster(void *arg)
{
	struct job *j = arg;

	j->result = tern_core_post(j->core, job_run, j, j->timeout_ms);
	__atomic_store_n(&j->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Poll the engine until @done is set (bounded). */
static void
poll_until(const bool *done)
{
	uint64_t end = now_ms() + POLL_BUDGET_MS;

	while (!__atomic_load_n(done, __ATOMIC_ACQUIRE) && now_ms() < end)
		harness_poll(h);
	assert_true(__atomic_load_n(done, __ATOMIC_ACQUIRE));
}

static int
setup(void **state)
{
	(void)state;
	h = harness_open(NULL);
	engine_thread = pthread_self();
	return h == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	harness_close(h);
	return 0;
}

/* A pthread posts; the engine, polled here, runs the function on this
 * thread and the poster gets its return value. */
static void
test_post_runs_on_engine(void **state)
{
	struct job j = { .core = (struct tern_core *)h->eng, .timeout_ms = 2000, .value = 42 };
	pthread_t t;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, poster, &j), 0);
	poll_until(&j.done);
	pthread_join(t, NULL);
	assert_true(j.ran);
	assert_true(j.ran_on_engine);
	assert_int_equal(j.result, 42);
	/* Negative results come back as they are. */
	j = (struct job){ .core = (struct tern_core *)h->eng, .timeout_ms = 2000, .value = -EIO };
	assert_int_equal(pthread_create(&t, NULL, poster, &j), 0);
	poll_until(&j.done);
	pthread_join(t, NULL);
	assert_int_equal(j.result, -EIO);
	assert_int_equal(rte_ring_count(h->eng->posts), 0);
}

/* Nobody polls: the poster gives up after its timeout, and when the engine
 * polls again the cancelled request is dropped, its function never run
 * (ASan's leak check sees that the engine freed it). */
static void
test_post_times_out(void **state)
{
	struct job j = { .core = (struct tern_core *)h->eng, .timeout_ms = 50, .value = 1 };
	pthread_t t;
	uint64_t start = now_ms();

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, poster, &j), 0);
	pthread_join(t, NULL);
	assert_int_equal(j.result, -ETIMEDOUT);
	assert_true(now_ms() - start >= 50);
	assert_int_equal(rte_ring_count(h->eng->posts), 1);
	harness_poll(h);
	assert_int_equal(rte_ring_count(h->eng->posts), 0);
	assert_false(j.ran);
}

/* Many threads post at once (the ring's producers side): every function
 * runs once, on the engine, and every poster gets its own result. */
struct many {
	unsigned id;
	unsigned ok;
	bool done;
};

static unsigned runs_on_engine;

static int
count_run(struct tern_core *core, void *arg)
{
	(void)core;
	runs_on_engine++; /* only the engine's thread writes it */
	return (int)(uintptr_t)arg;
}

static void *
many_poster(void *arg)
{
	struct many *m = arg;

	for (unsigned i = 0; i < POSTS_EACH; i++) {
		int want = (int)(m->id * POSTS_EACH + i);
		if (tern_core_post((struct tern_core *)h->eng, count_run, (void *)(uintptr_t)want,
		                   2000) == want)
			m->ok++;
	}
	__atomic_store_n(&m->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static void
test_post_many_threads(void **state)
{
	struct many m[POSTERS];
	pthread_t t[POSTERS];

	(void)state;
	runs_on_engine = 0;
	for (unsigned i = 0; i < POSTERS; i++) {
		m[i] = (struct many){ .id = i };
		assert_int_equal(pthread_create(&t[i], NULL, many_poster, &m[i]), 0);
	}
	for (unsigned i = 0; i < POSTERS; i++) {
		poll_until(&m[i].done);
		pthread_join(t[i], NULL);
		assert_int_equal(m[i].ok, POSTS_EACH);
	}
	assert_int_equal(runs_on_engine, POSTERS * POSTS_EACH);
}

/* The engine goes away while a poster waits: it hears -ESHUTDOWN at once,
 * not after its timeout, and its function never runs. */
static void
test_post_engine_goes(void **state)
{
	struct job j = { .core = (struct tern_core *)h->eng, .timeout_ms = 10000, .value = 1 };
	pthread_t t;
	uint64_t end = now_ms() + POLL_BUDGET_MS;

	(void)state;
	assert_int_equal(pthread_create(&t, NULL, poster, &j), 0);
	while (rte_ring_count(h->eng->posts) == 0 && now_ms() < end)
		sched_yield();
	assert_int_equal(rte_ring_count(h->eng->posts), 1);
	uint64_t start = now_ms();
	assert_int_equal(harness_reset(h, NULL), 0); /* engine_fini, then a new engine */
	pthread_join(t, NULL);
	assert_int_equal(j.result, -ESHUTDOWN);
	assert_false(j.ran);
	assert_true(now_ms() - start < 5000);
}

/* An engine's lcore (the main one here) may not wait for an engine; bad
 * arguments are refused. */
static void
test_post_refused(void **state)
{
	(void)state;
	assert_int_equal(tern_core_post((struct tern_core *)h->eng, count_run, NULL, 100),
	                 -EDEADLK);
	assert_int_equal(tern_core_post(NULL, count_run, NULL, 100), -EINVAL);
	assert_int_equal(rte_ring_count(h->eng->posts), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_post_runs_on_engine), cmocka_unit_test(test_post_times_out),
		cmocka_unit_test(test_post_many_threads),   cmocka_unit_test(test_post_engine_goes),
		cmocka_unit_test(test_post_refused),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
