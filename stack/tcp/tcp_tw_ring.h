/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ids of the connections that entered TIME_WAIT, in that order: where
 * tcp_reclaim looks ahead to fetch the control block it will take a few
 * SYNs later (tcp_conn.c). Only a hint: an entry whose connection left
 * TIME_WAIT early (reopened, reset, expired) is stale, and a wrong guess
 * costs a wasted prefetch, nothing else. The TIME_WAIT list itself cannot
 * be read ahead cheaply: its links are in those same cold blocks.
 *
 *   tcp_tw_list_add -> tcp_tw_ring_push;  tcp_reclaim -> tcp_tw_ring_ahead
 */
#ifndef TERN_TCP_TW_RING_H
#define TERN_TCP_TW_RING_H

#include <stdint.h>

/* Stale entries tcp_tw_ring_ahead passes at most per call: a fixed cost. */
#define TCP_TW_RING_SKIP_MAX 16u
#define TCP_TW_RING_NONE     UINT32_MAX

struct tcp_tw_ring {
	uint32_t *ids;
	uint32_t mask; /* entries - 1, a power of two less one */
	uint32_t w;    /* where the next entry goes */
	uint32_t r;    /* the oldest entry not passed yet */
};

static inline void
tcp_tw_ring_push(struct tcp_tw_ring *ring, uint32_t id)
{
	ring->ids[ring->w++ & ring->mask] = id;
}

/*
 * Connection @id, the oldest in TIME_WAIT (or, rarely, the next: tcp_reclaim
 * passes over one whose callback runs), is taken now: pass its entry and
 * the stale ones before it (at most TCP_TW_RING_SKIP_MAX), then return the
 * id the reclaim @ahead reclaims from now will take if no connection
 * leaves TIME_WAIT early meanwhile, or TCP_TW_RING_NONE if the ring does not
 * reach that far. @ahead >= 1.
 */
static inline uint32_t
tcp_tw_ring_ahead(struct tcp_tw_ring *ring, uint32_t id, uint32_t ahead)
{
	/* Entries overwritten while no reclaim read them (the pool was not
	 * full, TIME_WAITs ended by their timers) are gone: start at the
	 * oldest still held. */
	if (ring->w - ring->r > ring->mask + 1)
		ring->r = ring->w - (ring->mask + 1);
	for (unsigned k = 0; k < TCP_TW_RING_SKIP_MAX && ring->r != ring->w; k++) {
		if (ring->ids[ring->r++ & ring->mask] == id)
			break;
	}
	if (ring->w - ring->r < ahead)
		return TCP_TW_RING_NONE;
	return ring->ids[(ring->r + ahead - 1) & ring->mask];
}

#endif /* TERN_TCP_TW_RING_H */
