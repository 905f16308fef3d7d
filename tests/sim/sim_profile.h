/* SPDX-License-Identifier: BSD-3-Clause */
/* Link profiles and TCP configurations a seed picks from (sim_profile.c). */
#ifndef TERN_SIM_PROFILE_H
#define TERN_SIM_PROFILE_H

#include "sim.h"

/* mbufs per engine pool: room for four connections with 1 MiB buffers each
 * way (the peer's receive queue holds the sender's mbufs). */
#define SIM_POOL_MBUFS 16383

/* The longest [tcp] rto_max_ms sim_config_pick draws. */
#define SIM_RTO_MAX_MS 10000

struct sim_profile {
	const char *name;
	void (*pick)(struct sim_rng *r, struct sim_link_cfg *c);
};

extern const struct sim_profile sim_profiles[];
extern const unsigned sim_nb_profiles;

/* Index of the profile called @name, or -1. */
int sim_profile_find(const char *name);

/* Engine @idx's configuration (0: the client, 1: the server). */
void sim_config_pick(struct sim_rng *r, struct config *c, unsigned idx);

/* From the seed's second stream @x (so that the first draws what it always
 * did): what engine's port offers and whether its application lends writes
 * (sim_nic.c, sim_lend.c); may set @c->tcp_tso. */
void sim_host_pick(struct sim_rng *x, struct config *c, struct sim_host *h);

/* From the seed's third stream @y (so that the first two draw what they
 * always did): each host's ARP ageing, hold bounds, ARP loss and MAC moves
 * (sim_arp.c); @all: ageing on both hosts (tern-sim --all-picks). The peer of a host that moves ages its entries too: it must
 * find the new MAC even when no announcement reaches it. */
void sim_arp_pick(struct sim_rng *y, struct sim_arp_host h[2], bool all);

/* From the seed's fourth stream @z (so that the first three draw what they
 * always did): whether both hosts run [port] checksums = no (s->trust), as
 * the in-memory pair does. Only on link @l when neither direction damages
 * frames: a port that trusts a link that flips bits is wrong by design, and
 * port_trust_cksum takes only in-memory ports. */
bool sim_trust_pick(struct sim_rng *z, const struct sim_link *l);

#endif /* TERN_SIM_PROFILE_H */
