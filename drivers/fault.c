/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault injection: the per-packet decisions, the hold-back queue for reordering
 * and the seeded generator behind them. The rules are in fault.h.
 *
 *   fault_burst -> fault_release_aged -> per packet: fault_apply
 *               -> fault_pass (output, then fault_tick_held) -> copy back
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include <rte_mbuf.h>

#include "drivers/fault.h"

/* The output being built: an array on fault_burst's stack. */
struct fault_out {
	struct rte_mbuf **pkts;
	uint16_t n;
	uint16_t cap;
};

/* splitmix64 (Vigna, prng.di.unimi.it): spreads any seed, 0 included, over
 * the whole state, as the xorshift authors recommend for seeding. */
static uint64_t
fault_splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* xorshift128+ with the shifts 23, 18, 5 (Vigna, "Further scramblings of
 * Marsaglia's xorshift generators", 2017). Fast, and the state cannot reach
 * zero since splitmix64 never yields two zero words in a row. */
static uint64_t
fault_next(struct fault *f)
{
	uint64_t s1 = f->rng[0];
	const uint64_t s0 = f->rng[1];
	const uint64_t result = s0 + s1;

	f->rng[0] = s0;
	s1 ^= s1 << 23;
	f->rng[1] = s1 ^ s0 ^ (s1 >> 18) ^ (s0 >> 5);
	return result;
}

/* True with probability @p: the top 53 bits make a double uniform in [0, 1).
 * p == 0 draws nothing, so an unused fault does not shift the sequence of the
 * others and costs nothing. */
static bool
fault_chance(struct fault *f, double p)
{
	if (p <= 0.0)
		return false;
	return (double)(fault_next(f) >> 11) * 0x1.0p-53 < p;
}

/* Uniform in [0, @k): the high 32 bits scaled by multiply-shift (Lemire); the
 * bias, below k / 2^32, does not matter for frame-sized k. */
static uint32_t
fault_below(struct fault *f, uint32_t k)
{
	return (uint32_t)(((fault_next(f) >> 32) * k) >> 32);
}

bool
fault_config_active(const struct fault_config *cfg)
{
	return cfg->drop > 0.0 || cfg->duplicate > 0.0 || cfg->reorder > 0.0 ||
	       cfg->corrupt > 0.0 || cfg->truncate > 0.0;
}

/* Written so that NaN fails too. */
static bool
fault_prob_valid(double p)
{
	return p >= 0.0 && p <= 1.0;
}

int
fault_init(struct fault *f, const struct fault_config *cfg, uint64_t seed,
           struct rte_mempool *clone_pool)
{
	if (!fault_prob_valid(cfg->drop) || !fault_prob_valid(cfg->duplicate) ||
	    !fault_prob_valid(cfg->reorder) || !fault_prob_valid(cfg->corrupt) ||
	    !fault_prob_valid(cfg->truncate))
		return -EINVAL;
	if (cfg->reorder > 0.0 && cfg->reorder_gap < 1)
		return -EINVAL;
	if (cfg->duplicate > 0.0 && clone_pool == NULL)
		return -EINVAL;

	memset(f, 0, sizeof(*f));
	f->cfg = *cfg;
	f->enabled = fault_config_active(cfg);
	f->clone_pool = clone_pool;
	f->rng[0] = fault_splitmix64(&seed);
	f->rng[1] = fault_splitmix64(&seed);
	return 0;
}

/* A frame we may write to: no other reference to any segment's header or
 * data. Direct with refcnt 1 is enough, since attaching a clone raises the
 * refcnt of the direct mbuf it points at. */
static bool
fault_exclusive(const struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next)
		if (rte_mbuf_refcnt_read(m) != 1 || !RTE_MBUF_DIRECT(m))
			return false;
	return true;
}

/* Make *@mp safe to modify, replacing it by a private copy if it is shared
 * (the sender's retransmit queue must keep the original bytes). Returns false
 * if it is shared and no copy could be had: the caller skips the fault. */
static bool
fault_own(struct fault *f, struct rte_mbuf **mp)
{
	struct rte_mbuf *copy;

	if (fault_exclusive(*mp))
		return true;
	if (f->clone_pool == NULL)
		return false;
	copy = rte_pktmbuf_copy(*mp, f->clone_pool, 0, UINT32_MAX);
	if (copy == NULL)
		return false;
	rte_pktmbuf_free(*mp);
	*mp = copy;
	return true;
}

/* On RX the port may have judged the checksums already; after the damage its
 * verdict no longer holds, so the stack must check for itself. (On TX the
 * engine computes checksums in software before a damaging fault runs.) */
static void
fault_forget_cksum(struct rte_mbuf *m)
{
	m->ol_flags &= ~(RTE_MBUF_F_RX_IP_CKSUM_MASK | RTE_MBUF_F_RX_L4_CKSUM_MASK);
}

static void
fault_corrupt(struct fault *f, struct rte_mbuf **mp)
{
	uint8_t *p;
	uint32_t byte;
	uint32_t bit;

	if (rte_pktmbuf_data_len(*mp) == 0 || !fault_own(f, mp))
		return;
	byte = fault_below(f, rte_pktmbuf_data_len(*mp));
	bit = fault_below(f, 8);
	p = rte_pktmbuf_mtod_offset(*mp, uint8_t *, byte);
	*p ^= (uint8_t)(1u << bit);
	fault_forget_cksum(*mp);
	f->stats.corrupted++;
}

/* rte_pktmbuf_trim only shortens the last segment, so in a chain the new
 * length cannot fall below what the other segments hold. */
static void
fault_truncate(struct fault *f, struct rte_mbuf **mp)
{
	uint32_t len = rte_pktmbuf_pkt_len(*mp);
	uint32_t last_len;
	uint32_t lo;
	uint32_t new_len;

	/* Own it first: a private copy may be laid out in other segments. */
	if (len < 2 || !fault_own(f, mp))
		return;
	last_len = rte_pktmbuf_data_len(rte_pktmbuf_lastseg(*mp));
	lo = len - last_len > 1 ? len - last_len : 1;
	if (lo > len - 1)
		return;
	new_len = lo + fault_below(f, len - lo);
	if (rte_pktmbuf_trim(*mp, (uint16_t)(len - new_len)) != 0)
		return;
	fault_forget_cksum(*mp);
	f->stats.truncated++;
}

/* Append @m to the output, or free it and count overflow if it is full.
 * Returns true if it went in. */
static bool
fault_put(struct fault *f, struct fault_out *o, struct rte_mbuf *m)
{
	if (o->n == o->cap) {
		rte_pktmbuf_free(m);
		f->stats.overflow++;
		return false;
	}
	o->pkts[o->n++] = m;
	return true;
}

/* Keep held[i] at position @keep of the compacted queue. */
static void
fault_keep_held(struct fault *f, uint16_t i, uint16_t keep)
{
	f->held[keep] = f->held[i];
	f->held_left[keep] = f->held_left[i];
	f->held_calls[keep] = f->held_calls[i];
}

/* A frame went out: count down every held frame and release, oldest first,
 * those that reach 0. Released frames do not count down the others. */
static void
fault_tick_held(struct fault *f, struct fault_out *o)
{
	uint16_t keep = 0;
	uint16_t i;

	for (i = 0; i < f->nb_held; i++) {
		if (--f->held_left[i] == 0)
			fault_put(f, o, f->held[i]);
		else
			fault_keep_held(f, i, keep++);
	}
	f->nb_held = keep;
}

/* A survivor or a duplicate goes out, and counts as a later packet for the
 * held ones (unless it did not fit: then it never passed). */
static void
fault_pass(struct fault *f, struct fault_out *o, struct rte_mbuf *m)
{
	if (fault_put(f, o, m))
		fault_tick_held(f, o);
}

/* The idle rule of fault.h: frames held through FAULT_HOLD_CALLS calls go
 * out before the new burst. */
static void
fault_release_aged(struct fault *f, struct fault_out *o)
{
	uint16_t keep = 0;
	uint16_t i;

	for (i = 0; i < f->nb_held; i++) {
		if (f->held_calls[i] >= FAULT_HOLD_CALLS)
			fault_put(f, o, f->held[i]);
		else
			fault_keep_held(f, i, keep++);
	}
	f->nb_held = keep;
}

static void
fault_hold(struct fault *f, struct rte_mbuf *m)
{
	f->held[f->nb_held] = m;
	f->held_left[f->nb_held] = f->cfg.reorder_gap;
	f->held_calls[f->nb_held] = 0;
	f->nb_held++;
	f->stats.reordered++;
}

/* The five decisions of fault.h for one packet, in their order. */
static void
fault_apply(struct fault *f, struct fault_out *o, struct rte_mbuf *m)
{
	struct rte_mbuf *dup = NULL;

	if (fault_chance(f, f->cfg.drop)) {
		rte_pktmbuf_free(m);
		f->stats.dropped++;
		return;
	}
	if (fault_chance(f, f->cfg.corrupt))
		fault_corrupt(f, &m);
	if (fault_chance(f, f->cfg.truncate))
		fault_truncate(f, &m);
	if (fault_chance(f, f->cfg.duplicate)) {
		if (f->clone_pool != NULL)
			dup = rte_pktmbuf_copy(m, f->clone_pool, 0, UINT32_MAX);
		if (dup == NULL)
			f->stats.overflow++;
		else
			f->stats.duplicated++;
	}
	if (fault_chance(f, f->cfg.reorder) && f->nb_held < FAULT_HOLD_MAX)
		fault_hold(f, m);
	else
		fault_pass(f, o, m);
	if (dup != NULL)
		fault_pass(f, o, dup);
}

uint16_t
fault_burst(struct fault *f, struct rte_mbuf **pkts, uint16_t n, uint16_t cap)
{
	struct rte_mbuf *out_pkts[FAULT_BURST_MAX];
	struct fault_out o = { .pkts = out_pkts, .n = 0, .cap = cap };
	uint16_t i;

	if (!f->enabled)
		return n;
	assert(cap <= FAULT_BURST_MAX);
	assert(n <= cap);
	/* Never write past out_pkts, even when asserts are compiled out. */
	if (o.cap > FAULT_BURST_MAX)
		o.cap = FAULT_BURST_MAX;

	f->stats.seen += n;
	fault_release_aged(f, &o);
	for (i = 0; i < n; i++)
		fault_apply(f, &o, pkts[i]);
	for (i = 0; i < f->nb_held; i++)
		f->held_calls[i]++;

	if (o.n > 0)
		memcpy(pkts, out_pkts, o.n * sizeof(pkts[0]));
	return o.n;
}

void
fault_flush(struct fault *f)
{
	uint16_t i;

	for (i = 0; i < f->nb_held; i++)
		rte_pktmbuf_free(f->held[i]);
	f->nb_held = 0;
}
