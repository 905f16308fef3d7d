/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern_core_post: a thread that is not an engine asks engine N to run a
 * function on its core and waits for the result (DESIGN.md, "Many cores":
 * threads that are not lcores reach an engine only through a ring).
 *
 *   poster: request (malloc) -> rte_ring_enqueue (MP) -> wait on its state
 *   engine: engine_poll -> post_drain -> rte_ring_dequeue (SC) -> fn -> DONE
 *
 * No lock on either side: the engine pays one read of the ring's indexes per
 * iteration when nothing is posted. A request's state moves once from
 * PENDING, by compare-and-swap, either to RUNNING (the engine took it) or to
 * CANCELLED (the poster gave up first); whoever loses the race learns that
 * the other owns the end of the request. So a poster that times out returns
 * at once and its function never runs later (its @arg may be gone), and one
 * whose function already runs waits for it to finish. The side that sees the
 * request last frees it: the poster after DONE, the engine after CANCELLED.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <rte_lcore.h>
#include <rte_ring.h>

#include "engine/engine.h"
#include "runtime/post.h"
#include "tern.h"

#define POST_RING_SIZE 256   /* slots per engine: 255 requests may wait */
#define POST_BURST     8     /* run per loop iteration at most */
#define POST_WAIT_NS   20000 /* the poster looks again after this long */

enum post_state {
	POST_PENDING = 0,
	POST_RUNNING,
	POST_DONE,
	POST_CANCELLED,
};

struct post_req {
	int (*fn)(struct tern_core *core, void *arg);
	void *arg;
	int result;
	uint32_t state; /* enum post_state, atomic */
};

int
post_init(struct engine *eng)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "posts_%p", (void *)eng);
	eng->posts = rte_ring_create(name, POST_RING_SIZE, rte_socket_id(), RING_F_SC_DEQ);
	return eng->posts == NULL ? -ENOMEM : 0;
}

/* The engine takes @req: false if its poster gave up (then it is freed). */
static bool
post_take(struct post_req *req)
{
	uint32_t expected = POST_PENDING;

	if (__atomic_compare_exchange_n(&req->state, &expected, POST_RUNNING, false,
	                                __ATOMIC_ACQUIRE, __ATOMIC_ACQUIRE))
		return true;
	free(req); /* CANCELLED: the poster has left */
	return false;
}

static void
post_answer(struct post_req *req, int result)
{
	req->result = result;
	/* Release: the poster reads the result, and whatever @fn wrote, after
	 * it sees DONE. It may free @req at once: do not touch it after. */
	__atomic_store_n(&req->state, POST_DONE, __ATOMIC_RELEASE);
}

void
post_drain(struct engine *eng)
{
	void *reqs[POST_BURST];
	unsigned n = rte_ring_dequeue_burst(eng->posts, reqs, POST_BURST, NULL);

	for (unsigned i = 0; i < n; i++) {
		struct post_req *req = reqs[i];

		if (post_take(req))
			post_answer(req, req->fn((struct tern_core *)eng, req->arg));
	}
}

void
post_fini(struct engine *eng)
{
	void *req;

	if (eng->posts == NULL)
		return;
	while (rte_ring_dequeue(eng->posts, &req) == 0)
		if (post_take(req))
			post_answer(req, -ESHUTDOWN);
	rte_ring_free(eng->posts);
	eng->posts = NULL;
}

static uint64_t
post_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wait for @req until @deadline_ns; past it, cancel it if the engine has
 * not taken it yet. Returns the result, or -ETIMEDOUT (then @req is the
 * engine's to free). */
static int
post_wait(struct post_req *req, uint64_t deadline_ns)
{
	const struct timespec pause = { .tv_nsec = POST_WAIT_NS };

	for (;;) {
		uint32_t state = __atomic_load_n(&req->state, __ATOMIC_ACQUIRE);

		if (state == POST_DONE) {
			int result = req->result;
			free(req);
			return result;
		}
		if (state == POST_PENDING && post_now_ns() >= deadline_ns) {
			uint32_t expected = POST_PENDING;
			if (__atomic_compare_exchange_n(&req->state, &expected, POST_CANCELLED,
			                                false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
				return -ETIMEDOUT;
			continue; /* the engine took it meanwhile: wait for @fn */
		}
		/* A sleep, not a spin: the poster may share a CPU with an engine. */
		nanosleep(&pause, NULL);
	}
}

int
tern_core_post(struct tern_core *core, int (*fn)(struct tern_core *core, void *arg), void *arg,
               unsigned timeout_ms)
{
	struct engine *eng = (struct engine *)core;
	unsigned lcore = rte_lcore_id();

	if (core == NULL || fn == NULL)
		return -EINVAL;
	/* An engine waiting here would stop polling: its own request would
	 * never run, and two engines posting to each other would wait both. */
	if (lcore != LCORE_ID_ANY && rte_lcore_has_role(lcore, ROLE_RTE) > 0)
		return -EDEADLK;
	struct post_req *req = malloc(sizeof(*req));
	if (req == NULL)
		return -ENOMEM;
	*req = (struct post_req){ .fn = fn, .arg = arg, .state = POST_PENDING };
	uint64_t deadline = post_now_ns() + (uint64_t)timeout_ms * 1000000u;
	if (rte_ring_enqueue(eng->posts, req) != 0) {
		free(req);
		return -EAGAIN;
	}
	return post_wait(req, deadline);
}
