/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table on rte_hash: CRC32-C keys (the SSE4.2 instruction), single writer
 * (the owning core), bulk lookups with precomputed hashes.
 */
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

struct flow_table {
	struct rte_hash *hash;
	uint64_t adds; /* keys added so far (flow_adds) */
};

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
	int ret = rte_hash_add_key_with_hash_data(ft->hash, key, hash, owner);
	if (ret < 0)
		return -ENOSPC;
	ft->adds++;
	return 0;
}

int
flow_del(struct flow_table *ft, const struct flow_key *key, uint32_t hash)
{
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
flow_lookup_burst(const struct flow_table *ft, const struct flow_key *const *keys,
                  const uint32_t *hashes, unsigned n, void **owners)
{
	uint64_t hits = 0;

	RTE_ASSERT(n <= FLOW_BURST_MAX);
	if (n == 0)
		return 0;
	rte_hash_lookup_with_hash_bulk_data(ft->hash, (const void **)(uintptr_t)keys,
	                                    (hash_sig_t *)(uintptr_t)hashes, n, &hits, owners);
	for (unsigned i = 0; i < n; i++)
		if ((hits & (1ull << i)) == 0)
			owners[i] = NULL;
	return (unsigned)__builtin_popcountll(hits);
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
