/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cross-thread submission (tern_core_post): threads that are not engines
 * post a function to an engine's ring; the engine runs it on its own core,
 * once per loop iteration at most a few, and the poster waits for the result.
 *
 *   any thread -> tern_core_post -> rte_ring (MP/SC) -> engine_poll -> post_drain -> fn
 *              <- result (the request's state, release/acquire) <----------------'
 */
#ifndef TERN_POST_H
#define TERN_POST_H

#include <stdbool.h>

#include <rte_ring.h>

#include "engine/engine.h"

/* The engine's ring of posted requests; 0 or -ENOMEM. */
int post_init(struct engine *eng);

/* The engine is going away: every request still queued is answered with
 * -ESHUTDOWN (or freed, if its poster gave up), then the ring is freed.
 * Posting to the engine after this is a use after free (post only between
 * tern_init and tern_fini). */
void post_fini(struct engine *eng);

/* Run what was posted (a few a call). On the engine's core, from its loop. */
void post_drain(struct engine *eng);

/* Anything posted? One read of the ring's indexes, for the loop. */
static inline bool
post_pending(const struct engine *eng)
{
	return !rte_ring_empty(eng->posts);
}

#endif /* TERN_POST_H */
