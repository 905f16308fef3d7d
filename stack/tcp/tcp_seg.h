/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A received TCP segment, parsed and checked, and the burst of them TCP input
 * gathers before it looks their connections up all at once (DESIGN.md,
 * principle 3: RX burst -> parse all -> bulk flow lookup -> TCP input per
 * segment).
 *
 *   ipv4_input / steer_drain -> tcp_input_queue (parse, hash) -> tcp_rx_burst
 *   end of the RX burst, or FLOW_BURST_MAX queued -> tcp_input_flush
 */
#ifndef TERN_TCP_SEG_H
#define TERN_TCP_SEG_H

#include <stdint.h>

#include "flow/flow_table.h"
#include "wire/tcp.h"

struct rte_mbuf;

/* A received segment, parsed and checked (host order). */
struct tcp_seg {
	uint32_t seq;
	uint32_t ack;
	uint32_t len; /* payload bytes (SYN and FIN not counted) */
	uint32_t wnd; /* as sent (unscaled) */
	uint8_t flags;
	/* Wire segments after the first that tcp_gro_merge joined to it
	 * (0: none). Each counts for the delayed-ACK rule. */
	uint16_t merged;
	struct tcp_opts opts;
	struct rte_mbuf *m; /* data at the payload */
};

/* Sequence space the segment occupies: payload, plus one for SYN and FIN. */
static inline uint32_t
tcp_seg_space(const struct tcp_seg *s)
{
	return s->len + ((s->flags & TH_SYN) != 0) + ((s->flags & TH_FIN) != 0);
}

/* Segments parsed and waiting for their flow lookup, in arrival order. The
 * arrays are parallel: flow_lookup_burst takes keys and hashes as arrays, and
 * keyp[i] is &key[i] for good (set once by tcp_engine_init). */
struct tcp_rx_burst {
	unsigned n;
	uint32_t hash[FLOW_BURST_MAX];
	struct flow_key key[FLOW_BURST_MAX];
	const struct flow_key *keyp[FLOW_BURST_MAX];
	struct tcp_seg seg[FLOW_BURST_MAX];
	/* While a segment that belongs to no connection is dispatched: its key
	 * and hash, and flow_adds when its miss was known. The key is absent
	 * while flow_adds has not moved, and a passive open inserts it
	 * without looking it up again (tcp_tcb_insert). NULL otherwise. */
	const struct flow_key *absent_key;
	uint32_t absent_hash;
	uint64_t absent_adds;
	/* How many keys tcp_tcb_insert added since the burst's bulk lookup, and
	 * the hashes of the first FLOW_BURST_MAX of them: a miss whose hash is
	 * none of them still misses (tcp_owner_now). */
	unsigned nb_added;
	uint32_t added_hash[FLOW_BURST_MAX];
};

/* A key went into the flow table under @hash (tcp_tcb_insert). */
static inline void
tcp_rx_note_added(struct tcp_rx_burst *b, uint32_t hash)
{
	if (b->nb_added < FLOW_BURST_MAX)
		b->added_hash[b->nb_added] = hash;
	b->nb_added++;
}

/* A key of @hash that missed the bulk lookup, made when flow_adds was
 * @since, still misses now that it is @now: every key added since was
 * noted here, and none has its hash (one key, one hash). False when that
 * cannot be told: look it up again. */
static inline bool
tcp_rx_miss_holds(const struct tcp_rx_burst *b, uint32_t hash, uint64_t since, uint64_t now)
{
	if (now - since != b->nb_added || b->nb_added > FLOW_BURST_MAX)
		return false;
	for (unsigned i = 0; i < b->nb_added; i++)
		if (b->added_hash[i] == hash)
			return false;
	return true;
}

#endif /* TERN_TCP_SEG_H */
