/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet, IPv4 and ICMP echo: frames in -> frames out, and every malformed
 * frame dropped under its own counter with nothing sent and nothing leaked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"

struct fixture {
	struct harness *h;
	struct rte_ether_addr us; /* the engine's MAC */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->h = harness_open(NULL);
	if (f->h == NULL)
		return -1;
	f->us = harness_iface(f->h)->mac;
	/* The peer introduces itself, as Linux does before its first ping. */
	struct rte_mbuf *out[4];
	struct rte_mbuf *req = frame_arp(f->h->pool, RTE_ARP_OP_REQUEST, &bcast_mac, &peer_mac,
	                                 PEER_IP, &bcast_mac, US_IP);
	unsigned n = harness_exchange(f->h, req, out, 4);
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(out[i]);
	*state = f;
	return n == 1 ? 0 : -1;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	harness_drain(f->h);
	/* Whatever a test did, every mbuf is back in the pool. */
	assert_int_equal(harness_pool_in_use(f->h), 0);
	harness_close(f->h);
	free(f);
	return 0;
}

/* Send one frame and expect nothing out, the counter @why up by one. */
static void
expect_drop(struct fixture *f, struct rte_mbuf *m, enum drop_reason why)
{
	struct rte_mbuf *out[4];
	uint64_t before = f->h->eng->stats.drops[why];

	assert_non_null(m);
	assert_int_equal(harness_exchange(f->h, m, out, 4), 0);
	assert_int_equal(f->h->eng->stats.drops[why], before + 1);
}

static void
test_ping_reply(void **state)
{
	struct fixture *f = *state;
	struct rte_mbuf *out[4];
	struct rte_mbuf *req = frame_ping(f->h->pool, &f->us, PEER_IP, US_IP, 0x4242, 7, 56);
	uint8_t sent[64];

	memcpy(sent, frame_icmp(req), sizeof(sent));
	assert_int_equal(harness_exchange(f->h, req, out, 4), 1);
	struct rte_ether_hdr *eh = frame_eth(out[0]);
	assert_true(rte_is_same_ether_addr(&eh->dst_addr, &peer_mac));
	assert_true(rte_is_same_ether_addr(&eh->src_addr, &f->us));
	struct rte_ipv4_hdr *ih = frame_ip(out[0]);
	assert_non_null(ih);
	assert_int_equal(ih->src_addr, rte_cpu_to_be_32(US_IP));
	assert_int_equal(ih->dst_addr, rte_cpu_to_be_32(PEER_IP));
	assert_int_equal(ih->time_to_live, 64);
	assert_int_equal(rte_be_to_cpu_16(ih->total_length), 20 + 8 + 56);
	assert_true(frame_cksums_ok(out[0]));
	struct rte_icmp_hdr *icmp = frame_icmp(out[0]);
	assert_int_equal(icmp->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	assert_int_equal(icmp->icmp_ident, rte_cpu_to_be_16(0x4242));
	assert_int_equal(icmp->icmp_seq_nb, rte_cpu_to_be_16(7));
	/* RFC 792: the data comes back unchanged. */
	assert_memory_equal((uint8_t *)icmp + 8, sent + 8, 56);
	assert_int_equal(rte_pktmbuf_pkt_len(out[0]), 14 + 20 + 8 + 56);
	assert_int_equal(f->h->eng->stats.icmp_echo_replies, 1);
	rte_pktmbuf_free(out[0]);
}

static void
test_ping_padded_frame(void **state)
{
	struct fixture *f = *state;
	struct rte_mbuf *out[4];
	struct rte_mbuf *req = frame_ping(f->h->pool, &f->us, PEER_IP, US_IP, 1, 1, 0);

	/* Ethernet pads to 60 bytes: the stack must go by the IP length. */
	memset(rte_pktmbuf_append(req, 18), 0xee, 18);
	assert_int_equal(harness_exchange(f->h, req, out, 4), 1);
	assert_int_equal(rte_pktmbuf_pkt_len(out[0]), 14 + 20 + 8);
	assert_true(frame_cksums_ok(out[0]));
	rte_pktmbuf_free(out[0]);
}

static void
test_ping_with_ip_options(void **state)
{
	struct fixture *f = *state;
	struct rte_mbuf *out[4];
	uint8_t msg[8 + 4 + 16] = { 0 };

	/* Build by hand: IHL 6 with a 4-byte option (NOP x3, EOL). */
	struct rte_mbuf *m =
	        frame_ipv4(f->h->pool, &f->us, PEER_IP, US_IP, IPPROTO_ICMP, msg, sizeof(msg));
	struct rte_ipv4_hdr *ih = frame_ip(m);
	uint8_t *opt = (uint8_t *)(ih + 1);
	opt[0] = opt[1] = opt[2] = 1;
	opt[3] = 0;
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(opt + 4);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, 8 + 16);
	ih->version_ihl = 0x46;
	frame_ip_fix_cksum(m);
	assert_int_equal(harness_exchange(f->h, m, out, 4), 1);
	ih = frame_ip(out[0]);
	assert_int_equal(ih->version_ihl, 0x45);
	assert_int_equal(rte_be_to_cpu_16(ih->total_length), 20 + 8 + 16);
	assert_true(frame_cksums_ok(out[0]));
	assert_int_equal(frame_icmp(out[0])->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
	rte_pktmbuf_free(out[0]);
}

static void
test_eth_drops(void **state)
{
	struct fixture *f = *state;
	struct rte_mempool *mp = f->h->pool;
	struct rte_ether_addr other = { { 0x02, 0, 0, 0, 0, 0x99 } };

	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	memset(rte_pktmbuf_append(m, 10), 0, 10);
	expect_drop(f, m, DROP_ETH_SHORT);
	expect_drop(f, frame_ping(mp, &other, PEER_IP, US_IP, 1, 1, 8), DROP_ETH_NOT_FOR_US);
	m = frame_ping(mp, &f->us, PEER_IP, US_IP, 1, 1, 8);
	frame_eth(m)->ether_type = RTE_BE16(0x86dd);
	expect_drop(f, m, DROP_ETH_TYPE);
}

/* A valid ping to the engine, then @edit applied to its IPv4 header. */
static struct rte_mbuf *
ping_edited(struct fixture *f, void (*edit)(struct rte_ipv4_hdr *), bool fix_cksum)
{
	struct rte_mbuf *m = frame_ping(f->h->pool, &f->us, PEER_IP, US_IP, 9, 9, 16);

	edit(frame_ip(m));
	if (fix_cksum)
		frame_ip_fix_cksum(m);
	return m;
}

static void
edit_version(struct rte_ipv4_hdr *ih)
{
	ih->version_ihl = 0x65;
}
static void
edit_ihl_small(struct rte_ipv4_hdr *ih)
{
	ih->version_ihl = 0x44;
}
static void
edit_ihl_past(struct rte_ipv4_hdr *ih)
{
	ih->version_ihl = 0x4f;
}
static void
edit_cksum(struct rte_ipv4_hdr *ih)
{
	ih->hdr_checksum ^= 0x0101;
}
static void
edit_len_past(struct rte_ipv4_hdr *ih)
{
	ih->total_length = RTE_BE16(1400);
}
static void
edit_len_short(struct rte_ipv4_hdr *ih)
{
	ih->total_length = RTE_BE16(12);
}
static void
edit_ttl(struct rte_ipv4_hdr *ih)
{
	ih->time_to_live = 0;
}
static void
edit_frag(struct rte_ipv4_hdr *ih)
{
	ih->fragment_offset = RTE_BE16(0x2000);
}
static void
edit_src_bcast(struct rte_ipv4_hdr *ih)
{
	ih->src_addr = RTE_BE32(IPV4_ADDR(198, 18, 0, 255));
}
static void
edit_src_mcast(struct rte_ipv4_hdr *ih)
{
	ih->src_addr = RTE_BE32(IPV4_ADDR(224, 0, 0, 1));
}
static void
edit_dst(struct rte_ipv4_hdr *ih)
{
	ih->dst_addr = RTE_BE32(OTHER_IP);
}
static void
edit_proto(struct rte_ipv4_hdr *ih)
{
	ih->next_proto_id = IPPROTO_UDP;
}

static void
test_ipv4_drops(void **state)
{
	struct fixture *f = *state;

	struct rte_mbuf *m = frame_ipv4(f->h->pool, &f->us, PEER_IP, US_IP, 253, NULL, 0);
	rte_pktmbuf_trim(m, 10); /* 10 bytes of IP header */
	expect_drop(f, m, DROP_IP_SHORT);
	expect_drop(f, ping_edited(f, edit_version, true), DROP_IP_VERSION);
	expect_drop(f, ping_edited(f, edit_ihl_small, false), DROP_IP_IHL);
	expect_drop(f, ping_edited(f, edit_ihl_past, false), DROP_IP_IHL);
	expect_drop(f, ping_edited(f, edit_cksum, false), DROP_IP_CKSUM);
	expect_drop(f, ping_edited(f, edit_len_past, true), DROP_IP_LEN);
	expect_drop(f, ping_edited(f, edit_len_short, true), DROP_IP_LEN);
	expect_drop(f, ping_edited(f, edit_frag, true), DROP_IP_FRAGMENT);
	expect_drop(f, ping_edited(f, edit_src_bcast, true), DROP_IP_BAD_SRC);
	expect_drop(f, ping_edited(f, edit_src_mcast, true), DROP_IP_BAD_SRC);
	expect_drop(f, ping_edited(f, edit_dst, true), DROP_IP_NOT_FOR_US);
	expect_drop(f, ping_edited(f, edit_proto, true), DROP_IP_PROTO);
}

static void
test_icmp_drops(void **state)
{
	struct fixture *f = *state;
	struct rte_mempool *mp = f->h->pool;
	uint8_t four[4] = { 8, 0, 0, 0 };

	expect_drop(f, frame_ipv4(mp, &f->us, PEER_IP, US_IP, IPPROTO_ICMP, four, 4),
	            DROP_ICMP_SHORT);
	struct rte_mbuf *m = frame_ping(mp, &f->us, PEER_IP, US_IP, 1, 1, 8);
	frame_icmp(m)->icmp_cksum ^= 0x00ff;
	expect_drop(f, m, DROP_ICMP_CKSUM);
	/* An echo reply (type 0) sent to us is not answered. */
	m = frame_ping(mp, &f->us, PEER_IP, US_IP, 1, 1, 8);
	struct rte_icmp_hdr *icmp = frame_icmp(m);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = ~rte_raw_cksum(icmp, 16);
	expect_drop(f, m, DROP_ICMP_TYPE);
	/* RFC 1122 3.2.2.6: a ping to the broadcast address may be ignored. */
	expect_drop(f, frame_ping(mp, &bcast_mac, PEER_IP, IPV4_ADDR(198, 18, 0, 255), 1, 1, 8),
	            DROP_ICMP_TYPE);
}

/* RFC 1122 3.2.1.7: a host must not discard a datagram for its TTL. */
static void
test_ttl_zero_answered(void **state)
{
	struct fixture *f = *state;
	struct rte_mbuf *out[4];

	assert_int_equal(harness_exchange(f->h, ping_edited(f, edit_ttl, true), out, 4), 1);
	assert_non_null(frame_icmp(out[0]));
	assert_int_equal(frame_ip(out[0])->time_to_live, 64);
	rte_pktmbuf_free(out[0]);
}

static void
test_counters(void **state)
{
	struct fixture *f = *state;
	struct rte_mbuf *frames[32];

	for (unsigned i = 0; i < 32; i++)
		frames[i] = frame_ping(f->h->pool, &f->us, PEER_IP, US_IP, 3, (uint16_t)i, 32);
	uint64_t rx = f->h->eng->stats.rx_pkts, tx = f->h->eng->stats.tx_pkts;
	harness_inject(f->h, frames, 32);
	harness_poll(f->h);
	assert_int_equal(harness_drain(f->h), 32);
	assert_int_equal(f->h->eng->stats.rx_pkts, rx + 32);
	assert_int_equal(f->h->eng->stats.tx_pkts, tx + 32);
}

/* The loop's clock: engine_poll divides the TSC into wheel ticks only when
 * it left the last tick. Every reading, across tick edges, within one, far
 * ahead and back again, gives the ticks and microseconds a division would. */
static void
test_engine_clock(void **state)
{
	struct fixture *f = *state;
	struct engine *eng = f->h->eng;
	uint64_t tpt = eng->tsc_per_tick, base = f->h->tsc;
	const int64_t steps[] = { 1,
		                  (int64_t)tpt - 2,
		                  1,
		                  1,
		                  (int64_t)tpt,
		                  7 * (int64_t)tpt + 3,
		                  -3,
		                  -(int64_t)tpt,
		                  -5 * (int64_t)tpt,
		                  1000 * (int64_t)tpt,
		                  0,
		                  1 };
	uint64_t tsc = base + 10 * tpt;

	for (unsigned rep = 0; rep < 3; rep++)
		for (unsigned i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
			tsc = (uint64_t)((int64_t)tsc + steps[i]);
			engine_poll(eng, tsc);
			assert_int_equal(eng->now_ticks, tsc / tpt);
			assert_int_equal(engine_now_us(eng), tsc / (tpt / ENGINE_TICK_US));
		}
	f->h->tsc = tsc;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ping_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ping_padded_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ping_with_ip_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eth_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv4_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icmp_drops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ttl_zero_answered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_engine_clock, setup, teardown),
	};

	return cmocka_run_group_tests_name("net", tests, NULL, NULL);
}
