/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a seed varies besides the applications: the link profile (named, so a
 * run can be restricted to one and the results are counted per profile) and
 * each engine's TCP configuration, small buffers often (small and zero
 * windows are where bugs hide).
 *
 *   sim_run_seed -> sim_profile_pick (link, both directions) -> sim_config_pick
 */
#include <string.h>

#include "sim.h"
#include "sim_profile.h"

#define US 1000ull
#define MS 1000000ull

/* Every profile starts from a wire of some speed, delay and queue. */
static void
link_base(struct sim_rng *r, struct sim_link_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->delay_ns = sim_rng_log(r, 5 * US, 2 * MS);
	c->bw_bps = sim_rng_log(r, 10000000ull, 10000000000ull);
	c->queue_max = (uint32_t)sim_rng_log(r, 16, 1024);
}

static void
pick_clean(struct sim_rng *r, struct sim_link_cfg *c)
{
	link_base(r, c);
}

static void
pick_loss(struct sim_rng *r, struct sim_link_cfg *c)
{
	link_base(r, c);
	/* One direction in five is clean: loss of data only, or of ACKs only. */
	c->loss_ppm = sim_rng_below(r, 5) == 0 ? 0 : (uint32_t)sim_rng_log(r, 1000, 50000);
}

static void
pick_reorder(struct sim_rng *r, struct sim_link_cfg *c)
{
	link_base(r, c);
	c->reorder_ppm = (uint32_t)sim_rng_log(r, 10000, 200000);
	c->reorder_ns = sim_rng_log(r, 10 * US, 5 * MS);
	c->loss_ppm = (uint32_t)sim_rng_below(r, 5000);
}

static void
pick_duplicate(struct sim_rng *r, struct sim_link_cfg *c)
{
	link_base(r, c);
	c->dup_ppm = (uint32_t)sim_rng_log(r, 10000, 100000);
	c->loss_ppm = (uint32_t)sim_rng_below(r, 5000);
}

static void
pick_corrupt(struct sim_rng *r, struct sim_link_cfg *c)
{
	link_base(r, c);
	c->corrupt_ppm = (uint32_t)sim_rng_log(r, 5000, 50000);
	c->truncate_ppm = (uint32_t)sim_rng_log(r, 5000, 50000);
}

static void
pick_wan(struct sim_rng *r, struct sim_link_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->delay_ns = sim_rng_log(r, 5 * MS, 80 * MS);
	c->bw_bps = sim_rng_log(r, 2000000ull, 100000000ull);
	c->queue_max = (uint32_t)sim_rng_log(r, 4, 64); /* tail drop is the loss */
	c->loss_ppm = (uint32_t)sim_rng_below(r, 10000);
}

static void
pick_chaos(struct sim_rng *r, struct sim_link_cfg *c)
{
	link_base(r, c);
	c->loss_ppm = (uint32_t)sim_rng_below(r, 50000);
	c->reorder_ppm = (uint32_t)sim_rng_below(r, 100000);
	c->reorder_ns = sim_rng_log(r, 10 * US, 5 * MS);
	c->dup_ppm = (uint32_t)sim_rng_below(r, 50000);
	c->corrupt_ppm = (uint32_t)sim_rng_below(r, 20000);
	c->truncate_ppm = (uint32_t)sim_rng_below(r, 20000);
}

const struct sim_profile sim_profiles[] = {
	{ "clean", pick_clean },         { "loss", pick_loss },       { "reorder", pick_reorder },
	{ "duplicate", pick_duplicate }, { "corrupt", pick_corrupt }, { "wan", pick_wan },
	{ "chaos", pick_chaos },
};
const unsigned sim_nb_profiles = sizeof(sim_profiles) / sizeof(sim_profiles[0]);

int
sim_profile_find(const char *name)
{
	for (unsigned i = 0; i < sim_nb_profiles; i++)
		if (strcmp(sim_profiles[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Buffer sizes: mostly 4-64 KiB (windows of a few segments, zero windows),
 * often past 64 KiB (window scaling at work), up to 1 MiB. */
static uint32_t
pick_buf(struct sim_rng *r)
{
	uint64_t p = sim_rng_below(r, 10);

	if (p < 6)
		return (uint32_t)sim_rng_log(r, 4096, 65536);
	if (p < 9)
		return (uint32_t)sim_rng_range(r, 65537, 524288);
	return (uint32_t)sim_rng_log(r, 4096, 1048576);
}

static const uint16_t mtus[] = { 296, 576, 1280, 1500, 1500, 1500 };

void
sim_config_pick(struct sim_rng *r, struct config *c, unsigned idx)
{
	harness_config_defaults(c);
	config_set_ip(c, idx == 0 ? "198.18.0.2/24" : "198.18.0.3/24");
	c->pool_mbufs = SIM_POOL_MBUFS;
	/* A per-lcore cache reuses warm mbufs (the count of those in use
	 * still includes it: rte_mempool_avail_count adds the caches). */
	c->pool_cache = 256;
	c->tcp_conns = 16;
	c->flows = 256;
	c->arp_timeout_s = 86400; /* learned once, never aged within a run */
	c->tcp_snd_buf = pick_buf(r);
	c->tcp_rcv_buf = pick_buf(r);
	c->tcp_timestamps = sim_rng_below(r, 4) != 0;
	c->tcp_sack = sim_rng_below(r, 4) != 0;
	c->tcp_window_scaling = sim_rng_below(r, 4) != 0;
	c->tcp_tail_loss_probe = sim_rng_below(r, 4) != 0;
	c->mtu = mtus[sim_rng_below(r, sizeof(mtus) / sizeof(mtus[0]))];
	c->tcp_delack_ms = sim_rng_below(r, 4) == 0 ? (uint32_t)sim_rng_range(r, 1, 200) : 40;
	c->tcp_init_cwnd = sim_rng_below(r, 5) == 0 ? (uint32_t)sim_rng_range(r, 1, 4) : 10;
	c->tcp_rto_min_ms = sim_rng_below(r, 2) == 0 ? (uint32_t)sim_rng_range(r, 10, 300) : 200;
	c->tcp_rto_max_ms = (uint32_t)sim_rng_range(r, 2000, SIM_RTO_MAX_MS);
	if (c->tcp_rto_init_ms > c->tcp_rto_max_ms)
		c->tcp_rto_init_ms = c->tcp_rto_max_ms;
	/* Loss is the link's, not a dead peer: give up only after many tries. */
	c->tcp_retries = 30; /* past the stall bound: a stall is reported as one */
	c->tcp_syn_retries = 10;
	/* 2 MSL longer than the longest backed-off RTO: a peer's resent FIN
	 * always finds TIME_WAIT still there (virtual time costs nothing). */
	c->tcp_msl_s = c->tcp_rto_max_ms / 1000 + 1;
	c->tcp_keepalive_intvl_s = 1;
	c->tcp_keepalive_probes = 20;
	c->tcp_zero_copy_tx = sim_rng_below(r, 2) != 0;
	c->tcp_cc = sim_rng_below(r, 2) == 0 ? TCP_CC_CHOICE_NEWRENO : TCP_CC_CHOICE_CUBIC;
}

void
sim_host_pick(struct sim_rng *x, struct config *c, struct sim_host *h)
{
	/* A third of the hosts: a port with TSO (tcp_tso.c needs TCP checksums
	 * and chains too), and then a quarter of them with [tcp] tso = no
	 * (the checksum offload alone). */
	h->tso = sim_rng_below(x, 3) == 0;
	if (h->tso && sim_rng_below(x, 4) == 0)
		c->tcp_tso = TCP_TSO_NO;
	/* A third of the applications lend some of their writes. */
	h->lend = sim_rng_below(x, 3) == 0;
}

bool
sim_trust_pick(struct sim_rng *z, const struct sim_link *l)
{
	/* Drawn on every link, so that the draw never depends on the profile. */
	bool trust = sim_rng_below(z, 4) == 0;

	for (unsigned i = 0; i < 2; i++)
		if (l->dir[i].cfg.corrupt_ppm != 0 || l->dir[i].cfg.truncate_ppm != 0)
			return false;
	return trust;
}

void
sim_arp_pick(struct sim_rng *y, struct sim_arp_host h[2], bool all)
{
	for (unsigned i = 0; i < 2; i++) {
		struct sim_arp_host *a = &h[i];
		/* Every draw but the count of moves is made, on or off: a pick
		 * does not shift another. */
		a->on = sim_rng_below(y, 5) == 0 || all;
		a->nb_moves = sim_rng_below(y, 10) == 0
		                      ? (unsigned)sim_rng_range(y, 1, SIM_ARP_MOVES_MAX)
		                      : 0;
		uint64_t at = 0;
		for (unsigned k = 0; k < SIM_ARP_MOVES_MAX; k++) {
			/* Most runs last well under a second of virtual time. */
			at += sim_rng_log(y, MS, 3000 * MS);
			a->move_at[k] = at;
			a->announce[k] = sim_rng_below(y, 3) != 0;
		}
		a->cold = sim_rng_below(y, 3) == 0;
		/* Half the ageing hosts age faster than [arp] timeout_s can say
		 * (its floor is a second): short runs age entries too. */
		bool fast = sim_rng_below(y, 2) == 0;
		uint32_t age_ms = (uint32_t)sim_rng_log(y, 30, 900);
		a->timeout_s = (uint32_t)sim_rng_range(y, 1, 5);
		bool lossy = sim_rng_below(y, 2) == 0;
		uint32_t loss = (uint32_t)sim_rng_log(y, 1000, 100000);
		/* Small bounds (config.c's floors: pending 1, pending_total 16),
		 * so that both are reached: one address may hold more than the
		 * pool when pending > pending_total. */
		a->pending = (uint32_t)sim_rng_log(y, 1, 64);
		a->pending_total = (uint32_t)sim_rng_range(y, 16, 48);
		/* At least two tries: with ARP loss of up to 10% per frame, one
		 * try lost too often in a row would look like a stall. */
		a->retries = (uint32_t)sim_rng_range(y, 2, 5);
		a->retry_ms = (uint32_t)sim_rng_log(y, 20, 1000);
		a->age_ms = fast ? age_ms : 0;
		a->loss_ppm = lossy ? loss : 0;
	}
	for (unsigned i = 0; i < 2; i++) {
		if (h[i].nb_moves > 0)
			h[!i].on = true;
		if (!h[i].on) {
			h[i].cold = false;
			h[i].age_ms = h[i].loss_ppm = 0;
		}
	}
}
