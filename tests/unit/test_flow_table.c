/* SPDX-License-Identifier: BSD-3-Clause */
/* The flow table: add, find, delete, bulk lookup with precomputed hashes, full. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <rte_lcore.h>

#include "flow/flow_table.h"
#include "harness.h"

static struct flow_key
key_of(uint32_t i)
{
	struct flow_key k = {
		.local_ip = RTE_BE32(US_IP),
		.remote_ip = rte_cpu_to_be_32(PEER_IP + (i >> 16)),
		.local_port = RTE_BE16(80),
		.remote_port = rte_cpu_to_be_16((uint16_t)i),
	};
	return k;
}

static void
test_add_find_delete(void **state)
{
	(void)state;
	struct flow_table *ft = flow_table_create(1024, SOCKET_ID_ANY);
	int owners[100];

	assert_non_null(ft);
	for (uint32_t i = 0; i < 100; i++) {
		struct flow_key k = key_of(i);
		assert_int_equal(flow_add(ft, &k, flow_hash(ft, &k), &owners[i]), 0);
	}
	struct flow_key k = key_of(7);
	assert_int_equal(flow_add(ft, &k, flow_hash(ft, &k), &owners[0]), -EEXIST);
	assert_int_equal(flow_count(ft), 100);
	for (uint32_t i = 0; i < 100; i++) {
		k = key_of(i);
		assert_ptr_equal(flow_lookup(ft, &k, flow_hash(ft, &k)), &owners[i]);
	}
	k = key_of(7);
	assert_int_equal(flow_del(ft, &k, flow_hash(ft, &k)), 0);
	assert_int_equal(flow_del(ft, &k, flow_hash(ft, &k)), -ENOENT);
	assert_null(flow_lookup(ft, &k, flow_hash(ft, &k)));
	/* The same ports from another address is another flow. */
	k = key_of(1u << 16);
	assert_null(flow_lookup(ft, &k, flow_hash(ft, &k)));
	flow_table_free(ft);
}

static void
test_bulk_lookup(void **state)
{
	(void)state;
	struct flow_table *ft = flow_table_create(1024, SOCKET_ID_ANY);
	struct flow_key keys[FLOW_BURST_MAX];
	const struct flow_key *kp[FLOW_BURST_MAX];
	uint32_t hashes[FLOW_BURST_MAX];
	void *owners[FLOW_BURST_MAX];
	int tag[FLOW_BURST_MAX];

	for (uint32_t i = 0; i < FLOW_BURST_MAX; i++) {
		keys[i] = key_of(i);
		kp[i] = &keys[i];
		hashes[i] = flow_hash(ft, &keys[i]);
		if (i % 3 == 0)
			assert_int_equal(flow_add(ft, &keys[i], hashes[i], &tag[i]), 0);
	}
	unsigned hits = flow_lookup_burst(ft, kp, hashes, FLOW_BURST_MAX, owners);
	assert_int_equal(hits, (FLOW_BURST_MAX + 2) / 3);
	for (uint32_t i = 0; i < FLOW_BURST_MAX; i++)
		assert_ptr_equal(owners[i], i % 3 == 0 ? (void *)&tag[i] : NULL);
	assert_int_equal(flow_lookup_burst(ft, kp, hashes, 0, owners), 0);
	flow_table_free(ft);
}

static void
test_full_table_refuses(void **state)
{
	(void)state;
	const uint32_t size = 256;
	struct flow_table *ft = flow_table_create(size, SOCKET_ID_ANY);
	int owner;
	uint32_t added = 0;

	for (uint32_t i = 0; i < 2 * size; i++) {
		struct flow_key k = key_of(i);
		int ret = flow_add(ft, &k, flow_hash(ft, &k), &owner);
		if (ret == 0)
			added++;
		else
			assert_int_equal(ret, -ENOSPC);
	}
	/* Extendable buckets: the whole configured size is usable. */
	assert_int_equal(added, size);
	assert_int_equal(flow_count(ft), size);
	flow_table_free(ft);
}

/* A key known absent goes in without a lookup, as flow_add puts it: found
 * by both lookups, counted in flow_adds, and then present to flow_add. */
static void
test_add_absent(void **state)
{
	(void)state;
	struct flow_table *ft = flow_table_create(1024, SOCKET_ID_ANY);
	struct flow_key k = key_of(42), other = key_of(43);
	const struct flow_key *kp[2] = { &k, &other };
	uint32_t hashes[2] = { flow_hash(ft, &k), flow_hash(ft, &other) };
	void *owners[2];
	int owner, owner2;

	assert_non_null(ft);
	uint64_t adds = flow_adds(ft);
	assert_null(flow_lookup(ft, &k, hashes[0]));
	assert_int_equal(flow_add_absent(ft, &k, hashes[0], &owner), 0);
	assert_int_equal(flow_adds(ft), adds + 1);
	assert_int_equal(flow_count(ft), 1);
	assert_ptr_equal(flow_lookup(ft, &k, hashes[0]), &owner);
	assert_int_equal(flow_lookup_burst(ft, kp, hashes, 2, owners), 1);
	assert_ptr_equal(owners[0], &owner);
	assert_null(owners[1]);
	assert_int_equal(flow_add(ft, &k, hashes[0], &owner2), -EEXIST);
	assert_ptr_equal(flow_lookup(ft, &k, hashes[0]), &owner);
	assert_int_equal(flow_del(ft, &k, hashes[0]), 0);
	assert_null(flow_lookup(ft, &k, hashes[0]));
	flow_table_free(ft);
}

/* One key through the burst lookup, which answers from the cache in front
 * of the table when it can. */
static void *
burst_one(struct flow_table *ft, const struct flow_key *k)
{
	const struct flow_key *kp[1] = { k };
	uint32_t hash = flow_hash(ft, k);
	void *owner = (void *)1;

	unsigned hits = flow_lookup_burst(ft, kp, &hash, 1, &owner);
	assert_int_equal(hits, owner != NULL);
	return owner;
}

/* The lookups' cache never answers for the table wrongly: a deleted flow
 * is gone at once (its slot warm), one added again under the same key gets
 * its new owner, and keys that share a slot (4,096 keys over 1,024 slots)
 * each find their own, found and missed in mixed bursts and alone, over
 * rounds of deletes and adds (fails when flow_del leaves the slot). */
static void
test_burst_cache_follows_table(void **state)
{
	(void)state;
	enum { NKEYS = 4096, ROUNDS = 6 };
	struct flow_table *ft = flow_table_create(2 * NKEYS, SOCKET_ID_ANY);
	static struct flow_key keys[NKEYS];
	static int tag[NKEYS][2];
	static bool in[NKEYS];
	struct flow_key k = key_of(7);
	int a, b;

	assert_int_equal(flow_add(ft, &k, flow_hash(ft, &k), &a), 0);
	assert_ptr_equal(burst_one(ft, &k), &a);
	assert_ptr_equal(burst_one(ft, &k), &a); /* from the cache now */
	assert_int_equal(flow_del(ft, &k, flow_hash(ft, &k)), 0);
	assert_null(burst_one(ft, &k));
	assert_int_equal(flow_add(ft, &k, flow_hash(ft, &k), &b), 0);
	assert_ptr_equal(burst_one(ft, &k), &b);
	assert_int_equal(flow_del(ft, &k, flow_hash(ft, &k)), 0);

	for (uint32_t i = 0; i < NKEYS; i++)
		keys[i] = key_of(1000 + i * 7);
	for (unsigned r = 0; r < ROUNDS; r++) {
		/* Round r: key i is in when (i + r) % 3 != 0, owned by tag[i][r % 2]. */
		for (uint32_t i = 0; i < NKEYS; i++) {
			bool want = (i + r) % 3 != 0;
			uint32_t h = flow_hash(ft, &keys[i]);
			if (in[i])
				assert_int_equal(flow_del(ft, &keys[i], h), 0);
			in[i] = want;
			if (want)
				assert_int_equal(flow_add(ft, &keys[i], h, &tag[i][r % 2]), 0);
		}
		for (unsigned pass = 0; pass < 2; pass++) /* cold, then warm */
			for (uint32_t i = 0; i < NKEYS; i += FLOW_BURST_MAX / 4) {
				const struct flow_key *kp[FLOW_BURST_MAX / 4];
				uint32_t hashes[FLOW_BURST_MAX / 4];
				void *owners[FLOW_BURST_MAX / 4];
				unsigned n = FLOW_BURST_MAX / 4, want_hits = 0;
				for (unsigned j = 0; j < n; j++) {
					/* Strided: neighbours in a burst share slots often. */
					uint32_t x = (i + j * 1024u) % NKEYS;
					kp[j] = &keys[x];
					hashes[j] = flow_hash(ft, &keys[x]);
					want_hits += in[x];
				}
				assert_int_equal(flow_lookup_burst(ft, kp, hashes, n, owners),
				                 want_hits);
				for (unsigned j = 0; j < n; j++) {
					uint32_t x = (uint32_t)(kp[j] - keys);
					assert_ptr_equal(owners[j],
					                 in[x] ? (void *)&tag[x][r % 2] : NULL);
					assert_ptr_equal(flow_lookup(ft, kp[j], hashes[j]),
					                 owners[j]);
				}
			}
	}
	flow_table_free(ft);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_find_delete),
		cmocka_unit_test(test_bulk_lookup),
		cmocka_unit_test(test_full_table_refuses),
		cmocka_unit_test(test_add_absent),
		cmocka_unit_test(test_burst_cache_follows_table),
	};

	if (harness_eal_init() != 0)
		return 1;
	return cmocka_run_group_tests_name("flow_table", tests, NULL, NULL);
}
