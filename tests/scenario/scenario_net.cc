// SPDX-License-Identifier: BSD-3-Clause
//
// Scenario tests (googletest) over the C harness: longer stories than the
// unit tests, told through frames. A Linux-like peer resolves us and pings
// while a storm of malformed frames and injected faults goes on; every good
// ping is answered, every bad frame is counted, and no mbuf is lost.

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "harness.h"

namespace
{

class NetScenario : public ::testing::Test
{
      protected:
	void SetUp() override
	{
		h = harness_open(nullptr);
		ASSERT_NE(h, nullptr);
		us = harness_iface(h)->mac;
	}
	void TearDown() override
	{
		harness_drain(h);
		EXPECT_EQ(harness_pool_in_use(h), 0u);
		harness_close(h);
	}

	// Frames out of the engine, taken off the wire.
	std::vector<rte_mbuf *> collect()
	{
		std::vector<rte_mbuf *> v;
		rte_mbuf *buf[64];
		unsigned n;
		while ((n = harness_collect(h, buf, 64)) > 0)
			v.insert(v.end(), buf, buf + n);
		return v;
	}

	uint64_t total_drops() const
	{
		uint64_t sum = 0;
		for (unsigned r = 0; r < DROP_MAX; r++)
			sum += h->eng->stats.drops[r];
		return sum;
	}

	// A malformed frame of kind @k (cycling through the kinds).
	rte_mbuf *malformed(unsigned k, std::mt19937 &rng)
	{
		rte_mbuf *m = frame_ping(h->pool, &us, PEER_IP, US_IP, 5, 5, 24);
		rte_ipv4_hdr *ih = frame_ip(m);
		switch (k % 6) {
		case 0: // bad IP checksum
			ih->hdr_checksum ^= 0x1111;
			break;
		case 1: // short frame: 8 bytes of IP header
			rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - 22);
			break;
		case 2: // IHL < 5
			ih->version_ihl = 0x40 | (rng() % 5);
			break;
		case 3: // total length past the frame
			ih->total_length = rte_cpu_to_be_16(100 + rng() % 1000);
			frame_ip_fix_cksum(m);
			break;
		case 4: // an EtherType we do not speak
			frame_eth(m)->ether_type = rte_cpu_to_be_16(0x9000 + rng() % 256);
			break;
		default: { // truncated ARP
			rte_pktmbuf_free(m);
			static const rte_ether_addr zero{};
			m = frame_arp(h->pool, RTE_ARP_OP_REQUEST, &bcast_mac, &peer_mac, PEER_IP,
			              &zero, US_IP);
			rte_pktmbuf_trim(m, 1 + rng() % 27);
			break;
		}
		}
		return m;
	}

	harness *h = nullptr;
	rte_ether_addr us{};
};

TEST_F(NetScenario, PingsAnsweredThroughMalformedStorm)
{
	std::mt19937 rng(20261125);
	const unsigned rounds = 200, bad_per_round = 50;
	unsigned replies = 0, arp_requests = 0;

	for (unsigned r = 0; r < rounds; r++) {
		std::vector<rte_mbuf *> in;
		for (unsigned i = 0; i < bad_per_round; i++)
			in.push_back(malformed(r * bad_per_round + i, rng));
		in.insert(in.begin() + rng() % in.size(),
		          frame_ping(h->pool, &us, PEER_IP, US_IP, 77, (uint16_t)r, 56));
		harness_inject(h, in.data(), (unsigned)in.size());
		harness_advance_us(h, 1000);
		for (rte_mbuf *m : collect()) {
			if (frame_icmp(m) != nullptr) {
				EXPECT_EQ(frame_icmp(m)->icmp_type, RTE_IP_ICMP_ECHO_REPLY);
				EXPECT_TRUE(frame_cksums_ok(m));
				replies++;
			} else if (frame_arp_hdr(m) != nullptr) {
				// We asked who the peer is: answer like Linux would.
				arp_requests++;
				rte_mbuf *ans = frame_arp(h->pool, RTE_ARP_OP_REPLY, &us, &peer_mac,
				                          PEER_IP, &us, US_IP);
				harness_inject(h, &ans, 1);
			}
			rte_pktmbuf_free(m);
		}
	}
	harness_advance_us(h, 1000);
	for (rte_mbuf *m : collect()) {
		if (frame_icmp(m) != nullptr)
			replies++;
		rte_pktmbuf_free(m);
	}
	EXPECT_EQ(replies, rounds);
	EXPECT_EQ(arp_requests, 1u);
	const net_stats &s = h->eng->stats;
	const unsigned per_kind = rounds * bad_per_round / 6;
	EXPECT_GE(s.drops[DROP_IP_CKSUM], per_kind);
	EXPECT_GE(s.drops[DROP_IP_SHORT], per_kind);
	EXPECT_GE(s.drops[DROP_IP_IHL], per_kind);
	EXPECT_GE(s.drops[DROP_IP_LEN], per_kind);
	EXPECT_GE(s.drops[DROP_ETH_TYPE], per_kind);
	EXPECT_GE(s.drops[DROP_ARP_SHORT], per_kind);
	EXPECT_EQ(total_drops(), (uint64_t)rounds * bad_per_round);
}

// Corrupt, truncate, duplicate and reorder what arrives: whatever survives is
// answered or counted, and the books balance.
TEST_F(NetScenario, FaultyLinkKeepsTheBooks)
{
	config cfg = h->cfg;
	harness_close(h);
	cfg.fault_rx = fault_config{ 0.05, 0.05, 0.05, 3, 0.2, 0.05 };
	cfg.fault_seed = 7;
	h = harness_open(&cfg);
	ASSERT_NE(h, nullptr);
	us = harness_iface(h)->mac;
	rte_mbuf *arp = frame_arp(h->pool, RTE_ARP_OP_REPLY, &us, &peer_mac, PEER_IP, &us, US_IP);
	// Teach the peer's MAC without faults getting in the way.
	arp_note note{ rte_cpu_to_be_32(PEER_IP), peer_mac, 0 };
	rte_pktmbuf_free(arp);
	arp_note_merge(h->eng, &note);

	unsigned replies = 0;
	for (unsigned i = 0; i < 5000; i++) {
		rte_mbuf *m = frame_ping(h->pool, &us, PEER_IP, US_IP, 1, (uint16_t)i, 32);
		harness_inject(h, &m, 1);
		harness_advance_us(h, 100);
		for (rte_mbuf *o : collect()) {
			EXPECT_TRUE(frame_cksums_ok(o));
			replies++;
			rte_pktmbuf_free(o);
		}
	}
	for (int i = 0; i < 4; i++)
		harness_advance_us(h, 100);
	for (rte_mbuf *o : collect()) {
		replies++;
		rte_pktmbuf_free(o);
	}
	const net_stats &s = h->eng->stats;
	const fault_stats &fs = h->eng->fault_rx.stats;
	EXPECT_GT(fs.corrupted, 500u);
	// Every frame that reached the stack was answered or dropped with a reason.
	EXPECT_EQ(s.rx_pkts, replies + total_drops());
	EXPECT_EQ(s.rx_pkts, 5000 - fs.dropped + fs.duplicated - fs.overflow);
	EXPECT_GT(replies, 3000u);
}

} // namespace
