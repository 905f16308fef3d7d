/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-core flow table: TCP 4-tuple -> owner (a connection), on rte_hash.
 * Lookups come in bursts with the hash computed once per key (or taken from
 * the NIC's RSS hash by the caller), so the table's buckets are prefetched
 * together.
 *
 *   tcp input burst -> flow_hash() per segment -> flow_lookup_burst()
 *   connection open/close -> flow_add() / flow_del()
 */
#ifndef TERN_FLOW_TABLE_H
#define TERN_FLOW_TABLE_H

#include <stdbool.h>
#include <stdint.h>

#define FLOW_BURST_MAX 64 /* RTE_HASH_LOOKUP_BULK_MAX */

/* Network byte order throughout, as read from the headers. */
struct flow_key {
	uint32_t local_ip;
	uint32_t remote_ip;
	uint16_t local_port;
	uint16_t remote_port;
};

static inline bool
flow_key_eq(const struct flow_key *a, const struct flow_key *b)
{
	return a->local_ip == b->local_ip && a->remote_ip == b->remote_ip &&
	       a->local_port == b->local_port && a->remote_port == b->remote_port;
}

struct flow_table;

/* A table for @entries flows on NUMA @socket; NULL on failure (rte_errno). */
struct flow_table *flow_table_create(uint32_t entries, int socket);
void flow_table_free(struct flow_table *ft);

uint32_t flow_hash(const struct flow_table *ft, const struct flow_key *key);

/* 0, -EEXIST if the key is present, -ENOSPC if the table is full. */
int flow_add(struct flow_table *ft, const struct flow_key *key, uint32_t hash, void *owner);
/* flow_add for a key the caller knows is absent: it missed a lookup and
 * flow_adds has not moved since. No lookup first (a passive open's, about
 * 140 instructions); debug builds check. 0 or -ENOSPC. */
int flow_add_absent(struct flow_table *ft, const struct flow_key *key, uint32_t hash, void *owner);
/* 0 or -ENOENT. */
int flow_del(struct flow_table *ft, const struct flow_key *key, uint32_t hash);
/* The owner, or NULL. */
void *flow_lookup(const struct flow_table *ft, const struct flow_key *key, uint32_t hash);

/* Look up @n (<= FLOW_BURST_MAX) keys at once; owners[i] is NULL for a miss.
 * Returns the number of hits. */
unsigned flow_lookup_burst(struct flow_table *ft, const struct flow_key *const *keys,
                           const uint32_t *hashes, unsigned n, void **owners);

/* Keys added since the table was made. A lookup that missed still misses
 * while this has not moved (a bulk lookup's misses, rechecked later). */
uint64_t flow_adds(const struct flow_table *ft);

/* Number of flows in the table. */
uint32_t flow_count(const struct flow_table *ft);

#endif /* TERN_FLOW_TABLE_H */
