/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The C test harness: EAL without hugepages or PCI, an in-memory port pair
 * (net_ring) with a real engine on one side and the test on the other, frame
 * builders, and "frames in -> frames out" helpers. Used by the cmocka unit
 * tests and, through this header, by the googletest scenario tests.
 *
 *   test -> harness_inject(frames) -> [ring port] -> engine_poll -> [ring port]
 *        -> harness_collect(frames out) -> asserts
 */
#ifndef TERN_HARNESS_H
#define TERN_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include <rte_ethdev.h>
#include <rte_ring.h>

/* The stack's internal headers are plain C: give them C linkage here so the
 * googletest scenarios can include this one header. */
#ifdef __cplusplus
extern "C" {
#endif

#include "core/config.h"
#include "engine/engine.h"
#include "frames.h"

struct tern_conn_ops;

/* Start the EAL once per process (--no-huge, --no-pci, --no-shconf, quiet
 * logs). Returns 0 or a negative errno. Safe to call more than once. */
int harness_eal_init(void);

/* A pool for test frames (created on first use). */
struct rte_mempool *harness_pool(void);

struct harness {
	struct config cfg;
	uint16_t port_id;          /* the engine's side of the pair */
	struct rte_ring *rings[2]; /* [0]: test -> engine, [1]: engine -> test */
	struct rte_mempool *pool;  /* the engine's pool */
	struct engine *eng;
	uint64_t tsc; /* the engine's clock, driven by the test */
};

/* What harness_open(NULL) uses: the built-in defaults with IP 198.18.0.2/24,
 * a small pool without a per-lcore cache (exact in-use counts), 1024 flows. */
void harness_config_defaults(struct config *cfg);

/* Build an engine on a fresh in-memory port with @cfg (NULL: defaults with IP
 * 198.18.0.2/24). The engine's clock starts at an arbitrary fixed TSC. The
 * pool has cfg->pool_mbufs mbufs and a per-lcore cache of cfg->pool_cache
 * (0 in the defaults; the in-use count includes the cache either way). */
struct harness *harness_open(const struct config *cfg);
void harness_close(struct harness *h);

/* Tear the engine down and build a new one on the same port and pool, as
 * harness_open() would (ports cannot be made without limit: RTE_MAX_ETHPORTS).
 * Both rings are emptied, the clock goes back to its start, listeners and the
 * ARP table start empty. @cfg (NULL: keep the current one) replaces the
 * configuration except the port and the pool settings; its mtu is what the
 * engine takes as the port's MTU (the ring port carries any frame). Returns
 * 0 or a negative errno (the harness is then unusable but can be closed). */
int harness_reset(struct harness *h, const struct config *cfg);

/* Hand @n frames to the engine's RX queue (ownership passes). */
void harness_inject(struct harness *h, struct rte_mbuf **frames, unsigned n);
/* Run one engine iteration at the current clock. */
void harness_poll(struct harness *h);
/* Move the clock forward by @us microseconds and poll. */
void harness_advance_us(struct harness *h, uint64_t us);
/* Replace every chained frame of @pkts (a segment whose payload references
 * the send queue) by a one-segment copy, freeing the chain: what the wire
 * would deliver, and what the frame readers take. Aborts if out of mbufs. */
void harness_flatten(struct rte_mbuf **pkts, unsigned n);
/* Take up to @max frames the engine sent, flattened; returns how many.
 * Caller frees. */
unsigned harness_collect(struct harness *h, struct rte_mbuf **out, unsigned max);
/* Free every frame the engine has sent so far; returns how many. */
unsigned harness_drain(struct harness *h);

/* Inject one frame, poll, collect what came out (at most @max). */
unsigned harness_exchange(struct harness *h, struct rte_mbuf *in, struct rte_mbuf **out,
                          unsigned max);

/* The peer opens a connection to a harness_listen port: frame_peer_tcp's
 * SYN from @peer_port to @us_port at @peer_isn, and the ACK of the one
 * SYN-ACK that answers it, which must draw nothing. Our ISN in *@iss: 0, or
 * -1 when the engine did not answer so. */
int harness_accept(struct harness *h, uint16_t peer_port, uint16_t us_port, uint32_t peer_isn,
                   uint32_t *iss);

/* The engine's interface (our MAC and address). */
const struct iface *harness_iface(const struct harness *h);

/* Listen on TCP @port (host order) as tern_listen() does for every core:
 * fills a slot of h->eng->tcp.listeners. 0, or -ENOSPC. */
int harness_listen(struct harness *h, uint16_t port, const struct tern_conn_ops *ops, void *arg);

/* Put @ip (host order) at @mac in the engine's ARP table, as if a reply had
 * come, without a frame. */
void harness_learn(struct harness *h, uint32_t ip, const struct rte_ether_addr *mac);

/* Number of mbufs of the engine's pool currently in use (not in the pool). */
unsigned harness_pool_in_use(const struct harness *h);

#ifdef __cplusplus
}
#endif

#endif /* TERN_HARNESS_H */
