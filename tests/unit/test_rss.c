/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RSS in software (stack/flow/rss.c) and the local port choice of active
 * opens: the Toeplitz hash against Microsoft's published vectors and against
 * DPDK's rte_softrss with the original key, the symmetric key, the port
 * chooser against rte_softrss for many remotes and two key/table set-ups,
 * disjoint per-engine sets, unpredictable choices, exhaustion; port_open's
 * modes on an in-memory port; then through tern_connect on a harness engine:
 * exhaustion counted, TIME_WAIT reuse, listened ports passed over. Last,
 * what a choice costs (printed).
 *
 *   test -> rss_init -> rss_scan_start / rss_scan_next -> rte_softrss checks
 *   test -> harness engine -> tern_connect -> counters, flow table
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_eth_ring.h>
#include <rte_mbuf.h>
#include <rte_thash.h>

#include "drivers/port.h"
#include "flow/rss.h"
#include "harness.h"
#include "tcp/tcp.h"
#include "tern.h"

#define PORT_MIN 49152
#define PORT_MAX 65535
#define REMOTES  2000 /* random remotes per set-up */

/* Microsoft, "Verifying the RSS Hash Calculation" (Windows driver docs,
 * MicrosoftDocs/windows-driver-docs, network/verifying-the-rss-hash-
 * calculation.md): the key and, for IPv4, destination and source with the
 * hash of the addresses alone and with the TCP ports. */
static const uint8_t ms_key[40] __rte_aligned(8) = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static const struct {
	uint32_t dst_ip, src_ip;
	uint16_t dport, sport;
	uint32_t hash_ip, hash_tcp;
} ms_vectors[] = {
	{ IPV4_ADDR(161, 142, 100, 80), IPV4_ADDR(66, 9, 149, 187), 1766, 2794, 0x323e8fc2,
	  0x51ccc178 },
	{ IPV4_ADDR(65, 69, 140, 83), IPV4_ADDR(199, 92, 111, 2), 4739, 14230, 0xd718262a,
	  0xc626b0ea },
	{ IPV4_ADDR(12, 22, 207, 184), IPV4_ADDR(24, 19, 198, 95), 38024, 12898, 0xd2d0a5de,
	  0x5c2b394a },
	{ IPV4_ADDR(209, 142, 163, 6), IPV4_ADDR(38, 27, 205, 30), 2217, 48228, 0x82989176,
	  0xafc7327f },
	{ IPV4_ADDR(202, 188, 127, 2), IPV4_ADDR(153, 39, 163, 191), 1303, 44251, 0x5d1809c5,
	  0x10e828a2 },
};

/* A fixed-seed xorshift64*, so a failure repeats. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* DPDK's generic Toeplitz with the key as given, none of rss.c's tables. */
static uint32_t
softrss(const uint8_t *key, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport)
{
	struct rte_ipv4_tuple t = {
		.src_addr = src, .dst_addr = dst, .sport = sport, .dport = dport
	};

	return rte_softrss((uint32_t *)&t, RTE_THASH_V4_L4_LEN, key);
}

static void
test_microsoft_vectors(void **state)
{
	struct rss r;

	(void)state;
	assert_int_equal(rss_init(&r, RSS_SOFT, 2, ms_key, sizeof(ms_key), 128), 0);
	for (unsigned i = 0; i < RTE_DIM(ms_vectors); i++) {
		struct rte_ipv4_tuple t = { .src_addr = ms_vectors[i].src_ip,
			                    .dst_addr = ms_vectors[i].dst_ip };
		assert_int_equal(rte_softrss((uint32_t *)&t, RTE_THASH_V4_L3_LEN, ms_key),
		                 ms_vectors[i].hash_ip);
		assert_int_equal(softrss(ms_key, ms_vectors[i].src_ip, ms_vectors[i].dst_ip,
		                         ms_vectors[i].sport, ms_vectors[i].dport),
		                 ms_vectors[i].hash_tcp);
		assert_int_equal(rss_hash(&r, ms_vectors[i].src_ip, ms_vectors[i].dst_ip,
		                          ms_vectors[i].sport, ms_vectors[i].dport),
		                 ms_vectors[i].hash_tcp);
	}
	rss_fini(&r);
}

/* rss_hash (byte tables from rte_softrss_be and the converted key) equals
 * rte_softrss with the key as given, for Microsoft's key at 52 bytes and two
 * random keys; the local port's share is its two bytes'. */
static void
test_hash_matches_softrss(void **state)
{
	uint8_t key[52] __rte_aligned(8);
	uint64_t s = 1;
	struct rss r;

	(void)state;
	for (unsigned k = 0; k < 3; k++) {
		for (unsigned i = 0; i < sizeof(key); i++)
			key[i] = k == 0 ? ms_key[i % sizeof(ms_key)] : (uint8_t)rnd(&s);
		assert_int_equal(rss_init(&r, RSS_HW, 4, key, sizeof(key), 512), 0);
		for (unsigned i = 0; i < 10000; i++) {
			uint64_t v = rnd(&s);
			uint32_t a = (uint32_t)v, b = (uint32_t)(v >> 32);
			uint16_t pa = (uint16_t)rnd(&s), pb = (uint16_t)rnd(&s);
			uint32_t h = rss_hash(&r, a, b, pa, pb);

			assert_int_equal(h, softrss(key, a, b, pa, pb));
			assert_int_equal(h, rss_hash(&r, a, b, pa, 0) ^ r.byte_hash[10][pb >> 8] ^
			                            r.byte_hash[11][pb & 0xff]);
			assert_int_equal(rss_queue_of(&r, a, b, pa, pb), (h & 511) % 4);
		}
		rss_fini(&r);
	}
}

/* The default key (0x6d5a at any length: IPv4/TCP reads its first 16 bytes)
 * hashes both directions alike; Microsoft's does not (so the check can fail). */
static void
test_symmetric_key(void **state)
{
	uint8_t key[52] __rte_aligned(8);
	unsigned asym = 0;
	uint64_t s = 2;

	(void)state;
	rss_key_default(key, sizeof(key));
	assert_int_equal(key[0], 0x6d);
	assert_int_equal(key[51], 0x5a);
	for (unsigned i = 0; i < 10000; i++) {
		uint64_t v = rnd(&s);
		uint32_t a = (uint32_t)v, b = (uint32_t)(v >> 32);
		uint16_t pa = (uint16_t)rnd(&s), pb = (uint16_t)rnd(&s);

		assert_int_equal(softrss(key, a, b, pa, pb), softrss(key, b, a, pb, pa));
		asym += softrss(ms_key, a, b, pa, pb) != softrss(ms_key, b, a, pb, pa);
	}
	assert_true(asym > 9900);
}

/* The symmetric key still spreads flows: each of 4 queues of a 128-entry
 * table gets a quarter of 100,000 random flows, within 2%. */
static void
test_default_key_spreads(void **state)
{
	uint8_t key[40] __rte_aligned(8);
	unsigned per_queue[4] = { 0 };
	uint64_t s = 3;
	struct rss r;

	(void)state;
	rss_key_default(key, sizeof(key));
	assert_int_equal(rss_init(&r, RSS_HW, 4, key, sizeof(key), 128), 0);
	for (unsigned i = 0; i < 100000; i++) {
		uint64_t v = rnd(&s);
		per_queue[rss_queue_of(&r, (uint32_t)v, (uint32_t)(v >> 32), (uint16_t)rnd(&s),
		                       (uint16_t)rnd(&s))]++;
	}
	for (unsigned q = 0; q < 4; q++)
		assert_in_range(per_queue[q], 23000, 27000);
	rss_fini(&r);
}

/* The first port @q's scan offers for a remote (all ports usable). */
static uint16_t
pick(struct rss_ports *ps, const struct rss *r, unsigned q, uint32_t lip, uint32_t rip,
     uint16_t rport)
{
	struct rss_scan scan;

	rss_scan_start(&scan, ps, r, q, PORT_MIN, PORT_MAX, lip, rip, rport);
	return rss_scan_next(&scan);
}

/* With the port steering (RSS_HW), the reply to every chosen port lands on
 * the engine that chose it, as rte_softrss with the key as given and a table
 * of entry i -> queue i % queues computes it: 2 queues over 128 entries and
 * 4 over 512, with the symmetric key and a random one. */
static void
test_chooser_hw(void **state)
{
	static const struct {
		uint16_t queues;
		uint32_t reta;
	} setups[] = { { 2, 128 }, { 4, 512 } };
	uint8_t key[40] __rte_aligned(8);
	struct rss_ports ps;
	uint64_t s = 4;
	struct rss r;

	(void)state;
	assert_int_equal(rss_ports_init(&ps), 0);
	for (unsigned k = 0; k < 2 * RTE_DIM(setups); k++) {
		unsigned nq = setups[k / 2].queues, mask = setups[k / 2].reta - 1;

		for (unsigned i = 0; i < sizeof(key); i++)
			key[i] = k % 2 == 0 ? (i % 2 == 0 ? 0x6d : 0x5a) : (uint8_t)rnd(&s);
		assert_int_equal(rss_init(&r, RSS_HW, nq, key, sizeof(key), mask + 1), 0);
		for (unsigned i = 0; i < REMOTES; i++) {
			uint32_t lip = (uint32_t)rnd(&s), rip = (uint32_t)rnd(&s);
			uint16_t rport = (uint16_t)rnd(&s);
			for (unsigned q = 0; q < nq; q++) {
				uint16_t p = pick(&ps, &r, q, lip, rip, rport);

				assert_in_range(p, PORT_MIN, PORT_MAX);
				assert_int_equal((softrss(key, rip, lip, rport, p) & mask) % nq, q);
				assert_int_equal(rss_owner_of_active(&r, rip, lip, rport, p), q);
			}
		}
		rss_fini(&r);
	}
}

/* Where the port cannot be steered (RSS_SOFT), engine q's ports are those
 * with port % queues == q, and so is the owner of an active open. */
static void
test_chooser_soft(void **state)
{
	uint8_t key[40] __rte_aligned(8);
	struct rss_ports ps;
	uint64_t s = 5;
	struct rss r;

	(void)state;
	rss_key_default(key, sizeof(key));
	assert_int_equal(rss_ports_init(&ps), 0);
	assert_int_equal(rss_init(&r, RSS_SOFT, 3, key, sizeof(key), RSS_RETA_SOFT), 0);
	for (unsigned i = 0; i < REMOTES; i++) {
		uint32_t lip = (uint32_t)rnd(&s), rip = (uint32_t)rnd(&s);
		uint16_t rport = (uint16_t)rnd(&s);
		for (unsigned q = 0; q < 3; q++) {
			uint16_t p = pick(&ps, &r, q, lip, rip, rport);

			assert_in_range(p, PORT_MIN, PORT_MAX);
			assert_int_equal(p % 3, q);
			assert_int_equal(rss_owner_of_active(&r, rip, lip, rport, p), q);
			/* passive opens: the hash's engine, the same both ways */
			assert_int_equal(rss_owner_of_passive(&r, rip, lip, rport, p),
			                 rss_queue_of(&r, lip, rip, p, rport));
		}
	}
	rss_fini(&r);
}

/* F's offset for a remote, as rss_scan_start finds it. */
static uint32_t
offset_of(struct rss_ports *ps, const struct rss *r, uint32_t lip, uint32_t rip, uint16_t rport)
{
	struct rss_scan scan;

	rss_scan_start(&scan, ps, r, 0, PORT_MIN, PORT_MAX, lip, rip, rport);
	return scan.offset;
}

/* The offset of the last remote asked for is kept (rss_ports' memo): it
 * must be F's for the remote asked now, whichever of the addresses or the
 * port changed, as a second chooser with the same secret and no memory of
 * the others computes it. 2,000 seeded asks over a few remotes. */
static void
test_offset_memo_exact(void **state)
{
	uint8_t key[40] __rte_aligned(8);
	struct rss_ports ps, fresh;
	uint64_t s = 9;
	struct rss r;

	(void)state;
	rss_key_default(key, sizeof(key));
	assert_int_equal(rss_init(&r, RSS_SOFT, 3, key, sizeof(key), RSS_RETA_SOFT), 0);
	assert_int_equal(rss_ports_init(&ps), 0);
	for (unsigned i = 0; i < 2000; i++) {
		/* Few values each, so that asks repeat and differ by one field. */
		uint32_t lip = 0xc6120001 + (uint32_t)(rnd(&s) % 2);
		uint32_t rip = 0xc6120101 + (uint32_t)(rnd(&s) % 2);
		uint16_t rport = (uint16_t)(80 + rnd(&s) % 2);
		uint32_t got = offset_of(&ps, &r, lip, rip, rport);

		fresh = ps;
		fresh.memo_valid = false;
		assert_int_equal(got, offset_of(&fresh, &r, lip, rip, rport));
	}
	/* and it is keyed: another remote, another offset */
	assert_int_not_equal(offset_of(&ps, &r, 1, 2, 3), offset_of(&ps, &r, 1, 2, 4));
	rss_fini(&r);
}

/* Walk engine @q's whole set for one remote into @owner (port -> q + 1);
 * returns its size. Every port must be new. */
static unsigned
walk_set(struct rss_ports *ps, const struct rss *r, unsigned q, uint32_t lip, uint32_t rip,
         uint16_t rport, uint8_t *owner, uint16_t lo, uint16_t hi)
{
	struct rss_scan scan;
	unsigned n = 0;
	uint16_t p;

	rss_scan_start(&scan, ps, r, q, lo, hi, lip, rip, rport);
	while ((p = rss_scan_next(&scan)) != 0) {
		assert_in_range(p, lo, hi);
		assert_int_equal(owner[p], 0);
		owner[p] = (uint8_t)(q + 1);
		n++;
	}
	assert_int_equal(rss_scan_next(&scan), 0); /* and stays exhausted */
	return n;
}

/* The engines' sets for a remote cover the range once between them, each
 * about 1/queues of it; two engines never offer the same port. */
static void
test_sets_disjoint(void **state)
{
	static uint8_t owner[65536];
	static const enum rss_mode modes[] = { RSS_HW, RSS_SOFT, RSS_SOFT };
	static const uint16_t queues[] = { 4, 2, 3 };
	uint8_t key[40] __rte_aligned(8);
	struct rss_ports ps;
	uint64_t s = 6;
	struct rss r;

	(void)state;
	rss_key_default(key, sizeof(key));
	assert_int_equal(rss_ports_init(&ps), 0);
	for (unsigned m = 0; m < RTE_DIM(modes); m++) {
		unsigned nq = queues[m];

		assert_int_equal(rss_init(&r, modes[m], nq, key, sizeof(key), 512), 0);
		for (unsigned i = 0; i < 20; i++) {
			uint32_t lip = (uint32_t)rnd(&s), rip = (uint32_t)rnd(&s);
			uint16_t rport = (uint16_t)rnd(&s), lo = PORT_MIN + i, hi = PORT_MAX - i;
			unsigned total = 0;

			memset(owner, 0, sizeof(owner));
			for (unsigned q = 0; q < nq; q++) {
				unsigned n = walk_set(&ps, &r, q, lip, rip, rport, owner, lo, hi);
				assert_in_range(n, (hi - lo + 1u) * 8 / (10 * nq),
				                (hi - lo + 1u) * 12 / (10 * nq));
				total += n;
			}
			assert_int_equal(total, hi - lo + 1u);
			for (unsigned p = lo; p <= hi; p++)
				assert_int_equal(
				        owner[p] - 1,
				        rss_owner_of_active(&r, rip, lip, rport, (uint16_t)p));
		}
		rss_fini(&r);
	}
}

/* Choices are not guessable: one engine's successive choices for a remote
 * differ, and engines with different secrets start in different places. */
static void
test_unpredictable(void **state)
{
	uint8_t key[40] __rte_aligned(8);
	uint16_t first[16];
	unsigned distinct = 0;
	struct rss_ports ps;
	struct rss r;

	(void)state;
	rss_key_default(key, sizeof(key));
	for (unsigned m = 0; m < 2; m++) {
		assert_int_equal(rss_init(&r, m == 0 ? RSS_HW : RSS_SOFT, 2, key, sizeof(key), 128),
		                 0);
		assert_int_equal(rss_ports_init(&ps), 0);
		uint16_t a = pick(&ps, &r, 1, US_IP, PEER_IP, 80);
		uint16_t b = pick(&ps, &r, 1, US_IP, PEER_IP, 80);
		assert_int_not_equal(a, b);
		for (unsigned i = 0; i < RTE_DIM(first); i++) {
			assert_int_equal(rss_ports_init(&ps), 0);
			ps.next = 0; /* only the secret differs */
			first[i] = pick(&ps, &r, 1, US_IP, PEER_IP, 80);
		}
		for (unsigned i = 0; i < RTE_DIM(first); i++) {
			unsigned j = 0;
			while (j < i && first[j] != first[i])
				j++;
			distinct += j == i;
		}
		rss_fini(&r);
	}
	/* 32 draws from ~8,000 ports each: a repeat now and then, no more */
	assert_true(distinct >= 28);
}

/* A set smaller than the engines: engine 1 of 2 gets nothing from a range
 * of one even port, engine 0 gets it once, then nothing. */
static void
test_scan_exhausted(void **state)
{
	uint8_t key[40] __rte_aligned(8);
	struct rss_ports ps;
	struct rss_scan scan;
	struct rss r;

	(void)state;
	rss_key_default(key, sizeof(key));
	assert_int_equal(rss_ports_init(&ps), 0);
	assert_int_equal(rss_init(&r, RSS_SOFT, 2, key, sizeof(key), 128), 0);
	rss_scan_start(&scan, &ps, &r, 1, 50000, 50000, US_IP, PEER_IP, 80);
	assert_int_equal(rss_scan_next(&scan), 0);
	rss_scan_start(&scan, &ps, &r, 0, 50000, 50000, US_IP, PEER_IP, 80);
	assert_int_equal(rss_scan_next(&scan), 50000);
	assert_int_equal(rss_scan_next(&scan), 0);
	rss_fini(&r);
}

/* ---- port_open on an in-memory port ------------------------------------ */

/* net_ring offers no RSS: with two queues port_open leaves the port alone
 * and mirrors the key ([port] rss_key, or the default at 40 bytes) with a
 * table of its own (RSS_SOFT); with one queue there is nothing to spread. */
static void
test_port_modes(void **state)
{
	static unsigned made;
	struct rte_mempool *pools[2];
	struct rte_ring *rings[2];
	struct config cfg;
	struct port p;
	char name[32];

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "rss_ring%u", i);
		rings[i] = rte_ring_create(name, 256, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "rss_pool%u", i);
		pools[i] = rte_pktmbuf_pool_create(name, 1023, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
		                                   SOCKET_ID_ANY);
		assert_non_null(rings[i]);
		assert_non_null(pools[i]);
	}
	for (unsigned k = 0; k < 3; k++) {
		uint16_t nq = k < 2 ? 2 : 1;
		harness_config_defaults(&cfg);
		if (k == 1) {
			cfg.rss_key_len = 16;
			memcpy(cfg.rss_key, ms_key, 16);
		}
		snprintf(name, sizeof(name), "rss_port%u", made++);
		int id = rte_eth_from_rings(name, rings, nq, rings, nq, SOCKET_ID_ANY);
		assert_true(id >= 0);
		cfg.port_id = (uint16_t)id;
		cfg.rx_desc = cfg.tx_desc = 64;
		assert_int_equal(port_open(&p, &cfg, nq, pools, stderr), 0);
		assert_false(p.caps.rss);
		assert_int_equal(p.rss.mode, k < 2 ? RSS_SOFT : RSS_SINGLE);
		assert_int_equal(p.rss.nb_queues, nq);
		assert_int_equal(p.rss.reta_size, k < 2 ? RSS_RETA_SOFT : 1);
		assert_int_equal(p.rss.key_len, k == 1 ? 16 : RSS_KEY_LEN_STD);
		assert_memory_equal(p.rss.key,
		                    k == 1 ? ms_key : (const uint8_t *)"\x6d\x5a\x6d\x5a", 4);
		port_close(&p);
	}
	for (unsigned i = 0; i < 2; i++) {
		rte_ring_free(rings[i]);
		rte_mempool_free(pools[i]);
	}
}

/* ---- through tern_connect on a harness engine (one queue) ------------- */

static struct harness *
open_ports(uint16_t lo, uint16_t hi)
{
	struct config cfg;

	harness_config_defaults(&cfg);
	cfg.tcp_local_port_min = lo;
	cfg.tcp_local_port_max = hi;
	struct harness *h = harness_open(&cfg);
	assert_non_null(h);
	harness_learn(h, PEER_IP, &(struct rte_ether_addr){ .addr_bytes = { 2, 0, 0, 0, 0, 1 } });
	return h;
}

static struct tcb *
connect_to(struct harness *h, uint16_t rport, int expect)
{
	struct tern_conn *c = NULL;

	assert_int_equal(tern_connect((struct tern_core *)h->eng, PEER_IP, rport, NULL, NULL, &c),
	                 expect);
	return (struct tcb *)c;
}

/* Eight ports: eight connections to one remote, each on its own port; the
 * ninth is refused and counted; another remote port still has all eight. */
static void
test_connect_exhausted(void **state)
{
	struct harness *h = open_ports(50000, 50007);
	uint8_t used[8] = { 0 };

	(void)state;
	for (unsigned i = 0; i < 8; i++) {
		struct tcb *tcb = connect_to(h, 80, 0);
		uint16_t p = rte_be_to_cpu_16(tcb->key.local_port);
		assert_in_range(p, 50000, 50007);
		assert_int_equal(used[p - 50000]++, 0);
	}
	assert_null(connect_to(h, 80, -EADDRNOTAVAIL));
	assert_int_equal(h->eng->stats.tcp_local_ports_exhausted, 1);
	assert_non_null(connect_to(h, 81, 0));
	assert_int_equal(h->eng->stats.tcp_local_ports_exhausted, 1);
	harness_close(h);
}

/* A destination whose ports are all taken is refused from memory while
 * nothing changes (a search costs a flow lookup a port of the range, which
 * an application retrying every poll paid each time): then one of its
 * connections ends and the next tern_connect searches and gets its port;
 * another destination is searched as ever. */
static void
test_connect_exhausted_remembered(void **state)
{
	struct harness *h = open_ports(50000, 50007);
	struct tcb *conns[8];

	(void)state;
	for (unsigned i = 0; i < 8; i++)
		conns[i] = connect_to(h, 80, 0);
	assert_int_equal(h->eng->stats.tcp_local_port_searches, 8);
	for (unsigned i = 0; i < 3; i++)
		assert_null(connect_to(h, 80, -EADDRNOTAVAIL));
	assert_int_equal(h->eng->stats.tcp_local_ports_exhausted, 3);
	assert_int_equal(h->eng->stats.tcp_local_port_searches, 9);
	assert_non_null(connect_to(h, 81, 0));
	assert_int_equal(h->eng->stats.tcp_local_port_searches, 10);
	uint16_t freed = conns[5]->key.local_port;
	tern_abort((struct tern_conn *)conns[5]);
	harness_poll(h);
	harness_drain(h);
	struct tcb *again = connect_to(h, 80, 0);
	assert_int_equal(again->key.local_port, freed);
	assert_int_equal(h->eng->stats.tcp_local_port_searches, 11);
	harness_close(h);
}

/* Remembered past a TIME_WAIT only until it may serve again: one second
 * after it began (tcp_tw_reusable), the next tern_connect searches and
 * reuses it. */
static void
test_connect_exhausted_until_time_wait_reusable(void **state)
{
	struct harness *h = open_ports(50000, 50000);
	struct tcb *tcb = connect_to(h, 80, 0);

	(void)state;
	tcb->flags |= TF_TS_OK;
	tcp_time_wait_enter(h->eng, tcb);
	harness_poll(h);
	harness_drain(h);
	assert_null(connect_to(h, 80, -EADDRNOTAVAIL));
	harness_advance_us(h, 500000);
	harness_drain(h);
	assert_null(connect_to(h, 80, -EADDRNOTAVAIL));
	assert_int_equal(h->eng->stats.tcp_local_port_searches, 2);
	harness_advance_us(h, 501000);
	harness_drain(h);
	assert_non_null(connect_to(h, 80, 0));
	assert_int_equal(h->eng->stats.tcp_local_port_searches, 3);
	assert_int_equal(h->eng->stats.tcp_time_wait_reused, 1);
	harness_close(h);
}

/* A 4-tuple in TIME_WAIT serves a new active open once it has waited a
 * second and used timestamps (tcp_tw_reusable), not before, not without. */
static void
test_connect_time_wait_reuse(void **state)
{
	struct harness *h = open_ports(50000, 50000);

	(void)state;
	for (unsigned ts = 0; ts < 2; ts++) {
		struct tcb *tcb = connect_to(h, 80 + ts, 0);
		if (ts)
			tcb->flags |= TF_TS_OK;
		tcp_time_wait_enter(h->eng, tcb);
		harness_poll(h);
		harness_drain(h);
		assert_null(connect_to(h, 80 + ts, -EADDRNOTAVAIL));
		harness_advance_us(h, 1001000);
		harness_drain(h);
		tcb = connect_to(h, 80 + ts, ts ? 0 : -EADDRNOTAVAIL);
		if (ts)
			assert_int_equal(rte_be_to_cpu_16(tcb->key.local_port), 50000);
	}
	assert_int_equal(h->eng->stats.tcp_time_wait_reused, 1);
	assert_int_equal(h->eng->stats.tcp_local_ports_exhausted, 3);
	harness_close(h);
}

/* The nested open of test_connect_nested_in_reclaim: one, to port 80. */
static struct tern_conn *nested_conn;
static int nested_ret = 1;

static void
closed_connects(struct tern_conn *c, void *arg, int reason)
{
	(void)reason;
	(void)arg;
	if (nested_ret != 1)
		return;
	nested_ret = 2; /* under way: its own reclaim runs this again */
	nested_ret = tern_connect(tern_conn_core(c), PEER_IP, 80, NULL, NULL, &nested_conn);
}

/* tern_connect's insert skips the second lookup when no key went in since
 * its port search; but the block's allocation may reclaim an orphan whose
 * closed callback opens a connection, on the port just chosen. Two orphans
 * fill a pool of two and two of ports 50000-50002; the open finds the third
 * free, the
 * first orphan's callback opens one to the same remote (the orphans' ports
 * are still theirs), gets the same port and the second orphan's block. The outer
 * open must be refused, not take the nested one's flow entry. */
static void
test_connect_nested_in_reclaim(void **state)
{
	static const struct tern_conn_ops ops = { .closed = closed_connects };
	struct config cfg;
	struct tern_conn *c = NULL;
	unsigned free_port = 50000 + 50001 + 50002;

	(void)state;
	harness_config_defaults(&cfg);
	cfg.tcp_local_port_min = 50000;
	cfg.tcp_local_port_max = 50002;
	cfg.tcp_conns = 2;
	struct harness *h = harness_open(&cfg);
	assert_non_null(h);
	harness_learn(h, PEER_IP, &(struct rte_ether_addr){ .addr_bytes = { 2, 0, 0, 0, 0, 1 } });
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(
		        tern_connect((struct tern_core *)h->eng, PEER_IP, 80, &ops, NULL, &c), 0);
		free_port -= rte_be_to_cpu_16(((struct tcb *)c)->key.local_port);
		/* Orphaned as tern_close leaves a connection that waits for its
		 * peer (one in SYN_SENT would close at once). */
		tcp_orphan_add(h->eng, (struct tcb *)c);
	}
	assert_int_equal(tern_connect((struct tern_core *)h->eng, PEER_IP, 80, NULL, NULL, &c),
	                 -EADDRNOTAVAIL);
	assert_int_equal(nested_ret, 0);
	struct tcb *nested = (struct tcb *)nested_conn;
	assert_int_equal(rte_be_to_cpu_16(nested->key.local_port), free_port);
	assert_ptr_equal(flow_lookup(h->eng->flows, &nested->key, nested->hash), nested);
	assert_int_equal(h->eng->stats.tcp_orphans_reclaimed, 2);
	harness_close(h);
}

/* A port a listener holds is not handed to an active open. */
static void
test_connect_skips_listener(void **state)
{
	static const struct tern_conn_ops ops = { 0 };
	struct harness *h = open_ports(50000, 50001);

	(void)state;
	assert_int_equal(harness_listen(h, 50000, &ops, NULL), 0);
	struct tcb *tcb = connect_to(h, 80, 0);
	assert_int_equal(rte_be_to_cpu_16(tcb->key.local_port), 50001);
	assert_null(connect_to(h, 80, -EADDRNOTAVAIL));
	harness_close(h);
}

/* ---- cost ---------------------------------------------------------------- */

struct tuple {
	uint32_t rip, lip;
	uint16_t rport, lport;
};

/* The fewest TSC cycles per call over 5 rounds of @n calls: a port choice
 * (@choose) or a queue_of, over @t's random remotes. */
static double
cost_of(bool choose, struct rss_ports *ps, const struct rss *r, const struct tuple *t, unsigned n,
        uint64_t *sink)
{
	double best = 1e18;

	for (unsigned round = 0; round < 5; round++) {
		uint64_t t0 = rte_rdtsc();
		for (unsigned i = 0; i < n; i++) {
			const struct tuple *u = &t[i % 4096];
			if (choose)
				*sink += pick(ps, r, i % r->nb_queues, u->lip, u->rip, u->rport);
			else
				*sink += rss_queue_of(r, u->rip, u->lip, u->rport, u->lport);
		}
		double c = (double)(rte_rdtsc() - t0) / n;
		best = c < best ? c : best;
	}
	return best;
}

/* TSC cycles per choice (offset, reply hash, walk to the first port in the
 * engine's set), and per rss_queue_of (a software steering decision). */
static void
test_pick_cost(void **state)
{
	static const struct {
		enum rss_mode mode;
		uint16_t queues;
		uint32_t reta;
	} setups[] = { { RSS_SINGLE, 1, 1 },
		       { RSS_SOFT, 2, 128 },
		       { RSS_HW, 2, 128 },
		       { RSS_HW, 4, 512 },
		       { RSS_HW, 16, 512 } };
	static struct tuple t[4096];
	uint8_t key[40] __rte_aligned(8);
	struct rss_ports ps;
	uint64_t s = 7, sink = 0;
	struct rss r;

	(void)state;
	for (unsigned i = 0; i < RTE_DIM(t); i++)
		t[i] = (struct tuple){ (uint32_t)rnd(&s), (uint32_t)rnd(&s), (uint16_t)rnd(&s),
			               (uint16_t)rnd(&s) };
	rss_key_default(key, sizeof(key));
	assert_int_equal(rss_ports_init(&ps), 0);
	for (unsigned k = 0; k < RTE_DIM(setups); k++) {
		assert_int_equal(rss_init(&r, setups[k].mode, setups[k].queues, key, sizeof(key),
		                          setups[k].reta),
		                 0);
		double choose = cost_of(true, &ps, &r, t, 100000, &sink);
		double queue_of = cost_of(false, &ps, &r, t, 1000000, &sink);
		printf("rss cost: %-6s %2u queues, table %3u: %4.0f cycles a port choice, "
		       "%4.0f a queue_of\n",
		       setups[k].mode == RSS_HW     ? "hw"
		       : setups[k].mode == RSS_SOFT ? "soft"
		                                    : "single",
		       setups[k].queues, setups[k].reta, choose, queue_of);
		rss_fini(&r);
	}
	assert_true(sink != 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_microsoft_vectors),
		cmocka_unit_test(test_hash_matches_softrss),
		cmocka_unit_test(test_symmetric_key),
		cmocka_unit_test(test_default_key_spreads),
		cmocka_unit_test(test_chooser_hw),
		cmocka_unit_test(test_chooser_soft),
		cmocka_unit_test(test_offset_memo_exact),
		cmocka_unit_test(test_sets_disjoint),
		cmocka_unit_test(test_unpredictable),
		cmocka_unit_test(test_scan_exhausted),
		cmocka_unit_test(test_port_modes),
		cmocka_unit_test(test_connect_exhausted),
		cmocka_unit_test(test_connect_exhausted_remembered),
		cmocka_unit_test(test_connect_exhausted_until_time_wait_reusable),
		cmocka_unit_test(test_connect_time_wait_reuse),
		cmocka_unit_test(test_connect_skips_listener),
		cmocka_unit_test(test_connect_nested_in_reclaim),
		cmocka_unit_test(test_pick_cost),
	};

	if (harness_eal_init() != 0)
		return 1;
	return cmocka_run_group_tests_name("rss", tests, NULL, NULL);
}
