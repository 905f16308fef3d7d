/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The simulation's own PRNG: xoshiro256** (Blackman and Vigna), seeded
 * through splitmix64. Not rte_rand: a seed must fix every choice of a run,
 * whatever else the process did before.
 */
#include "sim.h"

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void
sim_rng_seed(struct sim_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t
sim_rng_next(struct sim_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t
sim_rng_below(struct sim_rng *r, uint64_t n)
{
	/* The modulo bias is below 2^-40 for the ranges used here. */
	return sim_rng_next(r) % n;
}

uint64_t
sim_rng_range(struct sim_rng *r, uint64_t lo, uint64_t hi)
{
	return lo + sim_rng_below(r, hi - lo + 1);
}

uint64_t
sim_rng_log(struct sim_rng *r, uint64_t lo, uint64_t hi)
{
	/* Pick a bit length uniformly, then a value of that length. */
	unsigned blo = 63 - (unsigned)__builtin_clzll(lo), bhi = 63 - (unsigned)__builtin_clzll(hi);
	unsigned b = (unsigned)sim_rng_range(r, blo, bhi);
	uint64_t v = (1ull << b) | (sim_rng_next(r) & ((1ull << b) - 1));

	return v < lo ? lo : v > hi ? hi : v;
}

bool
sim_rng_ppm(struct sim_rng *r, uint32_t ppm)
{
	return ppm > 0 && sim_rng_below(r, 1000000) < ppm;
}
