/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software steering (DESIGN.md, "Many cores"): a TCP segment that lands on an
 * engine that does not own its flow is handed to the owner through a ring of
 * its own for that pair of engines (single producer, single consumer: no lock,
 * and the order of one engine's hand-offs is kept). net_tap picks the RX queue
 * itself, and a NIC may have fewer queues than cores, so this is how every
 * packet reaches the one engine that owns its flow.
 *
 *   ipv4_input -> steer_owner -> steer_to (ring of the pair) ... owner's loop:
 *   engine_poll -> steer_drain -> tcp_input_queue ... tcp_input_flush
 */
#ifndef TERN_STEER_H
#define TERN_STEER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_lcore.h>

#define STEER_RING_SIZE 1024 /* per pair: four bursts of 256 in flight */

struct engine;
struct rte_mbuf;
struct rte_ring;

struct steer {
	struct rte_ring *in[RTE_MAX_LCORE];  /* from engine i to us; ours to free */
	struct rte_ring *out[RTE_MAX_LCORE]; /* from us to engine i; its in[our index] */
	unsigned nb_in;                      /* rings in in[] (nb_engines - 1) */
};

/* Create @eng's incoming rings, one per other engine. 0 or -ENOMEM. */
int steer_init(struct engine *eng, unsigned nb_engines);

/* Point @eng's outgoing rings at the others' incoming ones (every engine
 * steer_init'ed first). */
void steer_link(struct engine *eng, struct engine **peers, unsigned nb_engines);

/* Free what waits in @eng's incoming rings, then the rings. */
void steer_fini(struct engine *eng);

/* The engine that owns the flow of TCP segment @m (at its IPv4 header,
 * checked by ipv4_input), computed from the tuple alone (flow/rss.h): a local port in
 * the ephemeral range that no listener holds is an active open's, owned by
 * the engine whose set the port came from; anything else is a passive
 * open's, owned by the engine our Toeplitz hash and table name. On a port
 * that RSS-steers for us (or with one engine) that is always this engine:
 * no lookup is made. A segment too short to name its ports stays here, for
 * TCP input to drop. */
unsigned steer_owner(const struct engine *eng, const struct rte_mbuf *m);

/* Hand @m (at its IPv4 header, checked by ipv4_input) to engine @owner. A full ring
 * drops it (drop.steer_ring_full: TCP resends it). */
void steer_to(struct engine *eng, unsigned owner, struct rte_mbuf *m);

/* Run what other engines handed us through TCP input, up to a burst per
 * ring. Returns the number of segments taken. */
unsigned steer_drain(struct engine *eng);

#endif /* TERN_STEER_H */
