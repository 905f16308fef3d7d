/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Several engines on one in-memory port (net_ring with one RX and one TX
 * ring per queue), as `-l 0-N` gives on a NIC: the test decides which queue
 * each frame lands on, polls the engines in turn on one thread, and collects
 * what each queue sent. The engines are connected as the runtime connects
 * them (ARP notes, steering rings).
 *
 *   test -> hm_inject(queue, frames) -> engine[queue] -> steer ring -> owner
 *        -> hm_collect(queue) -> asserts
 */
#ifndef TERN_HARNESS_MULTI_H
#define TERN_HARNESS_MULTI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "harness.h"

#define HM_ENGINES_MAX 4

struct hm {
	struct config cfg;
	unsigned nb;
	uint16_t port_id;
	struct rte_ring *rx[HM_ENGINES_MAX]; /* test -> engine i's RX queue */
	struct rte_ring *tx[HM_ENGINES_MAX]; /* engine i's TX queue -> test */
	struct rte_mempool *pools[HM_ENGINES_MAX];
	struct engine *engines[HM_ENGINES_MAX];
	uint64_t tsc;
};

/* @nb engines (2..HM_ENGINES_MAX) on a fresh port with @cfg (NULL: the
 * harness defaults). NULL on failure (a line on stderr). */
struct hm *hm_open(const struct config *cfg, unsigned nb);
void hm_close(struct hm *hm);

/* Tear the engines down and build new ones on the same port and pools, as
 * hm_open() would (ports cannot be made without limit: RTE_MAX_ETHPORTS):
 * every ring emptied, the clock back at its start, no listener, empty ARP
 * tables. 0 or a negative errno (then @hm can only be closed). */
int hm_reset(struct hm *hm);

/* Frames into queue @q's RX ring (ownership passes). */
void hm_inject(struct hm *hm, unsigned q, struct rte_mbuf **frames, unsigned n);
/* Poll every engine in turn until no RX ring and no steering ring holds
 * anything. */
void hm_poll(struct hm *hm);
void hm_advance_us(struct hm *hm, uint64_t us);
/* Frames queue @q sent (caller frees). */
unsigned hm_collect(struct hm *hm, unsigned q, struct rte_mbuf **out, unsigned max);
/* Listen on @port (host order) on every engine, as tern_listen does. */
int hm_listen(struct hm *hm, uint16_t port, const struct tern_conn_ops *ops, void *arg);
/* Teach every engine's ARP table @ip (host order) at @mac. */
void hm_learn(struct hm *hm, uint32_t ip, const struct rte_ether_addr *mac);
/* The port's interface (our MAC and address), shared by the engines. */
const struct iface *hm_iface(const struct hm *hm);
/* mbufs of all the engines' pools in use. */
unsigned hm_pools_in_use(const struct hm *hm);

#ifdef __cplusplus
}
#endif

#endif /* TERN_HARNESS_MULTI_H */
