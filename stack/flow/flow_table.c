/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table on rte_hash: CRC32-C keys (the SSE4.2 instruction), single writer
 * (the owning core), bulk lookups with precomputed hashes.
 *
 * In front of it, a direct-mapped cache of the flows last found or added,
 * indexed by the low bits of the key's hash: a burst of a few segments
 * (request/response traffic) otherwise pays rte_hash's bulk lookup, about
 * 200 instructions a key at 4 keys a burst, where a hit costs a load and a
 * 12-byte compare. It holds only flows the table holds (flow_del clears the
 * slot of the key it deletes), never a miss, so an answer from it is the
 * table's own.
 */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "flow/flow_table.h"

static_assert(sizeof(struct flow_key) == 12, "flow_key must have no padding");
static_assert(FLOW_BURST_MAX <= RTE_HASH_LOOKUP_BULK_MAX, "burst beyond rte_hash's bulk limit");

#define FLOW_CACHE_SLOTS 1024u /* a power of two; 24 KiB */

struct flow_cache_slot {
	struct flow_key key;
	void *owner; /* NULL: empty */
};

struct flow_table {
	struct rte_hash *hash;
	uint64_t adds; /* keys added so far (flow_adds) */
	struct flow_cache_slot cache[FLOW_CACHE_SLOTS];
};

static inline struct flow_cache_slot *
flow_cache_slot(struct flow_table *ft, uint32_t hash)
{
	return &ft->cache[hash & (FLOW_CACHE_SLOTS - 1)];
}

static inline void
flow_cache_fill(struct flow_table *ft, const struct flow_key *key, uint32_t hash, void *owner)
{
	struct flow_cache_slot *s = flow_cache_slot(ft, hash);

	s->key = *key;
	s->owner = owner;
}

/* CRC32-C over the key's three 32-bit words. rte_hash_crc() would read the
 * 12-byte key as a uint64_t first, which is a misaligned load for keys that
 * sit at 4-byte alignment in arrays. */
static uint32_t
flow_key_crc(const void *key, uint32_t len, uint32_t init)
{
	const uint32_t *w = key;

	RTE_SET_USED(len);
	return rte_hash_crc_4byte(w[2], rte_hash_crc_4byte(w[1], rte_hash_crc_4byte(w[0], init)));
}

struct flow_table *
flow_table_create(uint32_t entries, int socket)
{
	char name[RTE_HASH_NAMESIZE];
	struct flow_table *ft = rte_zmalloc_socket("flow_table", sizeof(*ft), 0, socket);

	if (ft == NULL)
		return NULL;
	/* rte_hash names are process-wide: make this one unique to the table. */
	snprintf(name, sizeof(name), "flow_%p", (void *)ft);
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = entries,
		.key_len = sizeof(struct flow_key),
		.hash_func = flow_key_crc,
		.socket_id = socket,
		/* Full buckets spill into extendable ones instead of failing early. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	ft->hash = rte_hash_create(&hp);
	if (ft->hash == NULL) {
		rte_free(ft);
		return NULL;
	}
	return ft;
}

void
flow_table_free(struct flow_table *ft)
{
	if (ft == NULL)
		return;
	rte_hash_free(ft->hash);
	rte_free(ft);
}

uint32_t
flow_hash(const struct flow_table *ft, const struct flow_key *key)
{
	return rte_hash_hash(ft->hash, key);
}

int
flow_add(struct flow_table *ft, const struct flow_key *key, uint32_t hash, void *owner)
{
	if (rte_hash_lookup_with_hash(ft->hash, key, hash) >= 0)
		return -EEXIST;
	return flow_add_absent(ft, key, hash, owner);
}

int
flow_add_absent(struct flow_table *ft, const struct flow_key *key, uint32_t hash, void *owner)
{
	/* rte_hash_add would give a present key this owner instead. */
	assert(rte_hash_lookup_with_hash(ft->hash, key, hash) < 0);
	int ret = rte_hash_add_key_with_hash_data(ft->hash, key, hash, owner);
	if (ret < 0)
		return -ENOSPC;
	ft->adds++;
	flow_cache_fill(ft, key, hash, owner); /* a new flow's next segment finds it here */
	return 0;
}

int
flow_del(struct flow_table *ft, const struct flow_key *key, uint32_t hash)
{
	struct flow_cache_slot *s = flow_cache_slot(ft, hash);

	if (s->owner != NULL && flow_key_eq(&s->key, key))
		s->owner = NULL;
	return rte_hash_del_key_with_hash(ft->hash, key, hash) >= 0 ? 0 : -ENOENT;
}

void *
flow_lookup(const struct flow_table *ft, const struct flow_key *key, uint32_t hash)
{
	void *owner;

	if (rte_hash_lookup_with_hash_data(ft->hash, key, hash, &owner) < 0)
		return NULL;
	return owner;
}

unsigned
flow_lookup_burst(struct flow_table *ft, const struct flow_key *const *keys, const uint32_t *hashes,
                  unsigned n, void **owners)
{
	const struct flow_key *miss_key[FLOW_BURST_MAX];
	uint32_t miss_hash[FLOW_BURST_MAX];
	void *miss_owner[FLOW_BURST_MAX];
	uint8_t miss_at[FLOW_BURST_MAX];
	unsigned found = 0, nm = 0;
	uint64_t hits = 0;

	RTE_ASSERT(n <= FLOW_BURST_MAX);
	for (unsigned i = 0; i < n; i++) {
		const struct flow_cache_slot *s = flow_cache_slot(ft, hashes[i]);
		if (s->owner != NULL && flow_key_eq(&s->key, keys[i])) {
			owners[i] = s->owner;
			found++;
			continue;
		}
		miss_key[nm] = keys[i];
		miss_hash[nm] = hashes[i];
		miss_at[nm++] = (uint8_t)i;
	}
	if (nm == 0)
		return found;
	rte_hash_lookup_with_hash_bulk_data(ft->hash, (const void **)miss_key, miss_hash, nm, &hits,
	                                    miss_owner);
	for (unsigned j = 0; j < nm; j++) {
		if ((hits & (1ull << j)) == 0) {
			owners[miss_at[j]] = NULL;
			continue;
		}
		owners[miss_at[j]] = miss_owner[j];
		flow_cache_fill(ft, miss_key[j], miss_hash[j], miss_owner[j]);
		found++;
	}
	return found;
}

uint64_t
flow_adds(const struct flow_table *ft)
{
	return ft->adds;
}

uint32_t
flow_count(const struct flow_table *ft)
{
	return (uint32_t)rte_hash_count(ft->hash);
}
