/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TSO (tcp_tso.c) at the segment level, over the harness with a port that
 * says it offers TSO, TCP checksums and chains: a window of new data leaves
 * as one super-segment (RTE_MBUF_F_TX_TCP_SEG, IPV4, IP_CKSUM, TCP_CKSUM;
 * tso_segsz the MSS; l2/l3/l4_len; the pseudo-header's sum without the
 * length in the checksum field, as rte_ipv4_phdr_cksum gives it for TSO);
 * when the peer's SACKs show a hole in it, the hole goes again as one
 * MSS-sized segment the port need not cut; with [tcp] tso = no the same
 * window leaves as MSS-sized segments. Copying and referencing
 * (zero_copy_tx) both; every mbuf home at the end.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>
#include <rte_tcp.h>

#include "harness.h"
#include "tcp/tcp.h"
#include "tern.h"

#define US_PORT   80
#define PEER_PORT 42000
#define PEER_ISN  7000000u
#define MSS       1460u
#define SENT_MAX  40000u
#define TX_FLAGS                                                                                   \
	(RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |                     \
	 RTE_MBUF_F_TX_TCP_CKSUM)

static struct harness *h;
static struct tern_conn *conn;
static uint8_t pattern[SENT_MAX];
static uint32_t sent_top; /* the highest payload offset sent, plus one */

static void
on_accepted(struct tern_conn *c, void *arg)
{
	(void)arg;
	conn = c;
}

static const struct tern_conn_ops ops = {
	.accepted = on_accepted,
};

/* A segment from the peer with SACK-permitted on its SYN and @nb SACK blocks
 * (offsets from @iss + 1) on an ACK. */
static struct rte_mbuf *
peer(uint32_t seq, uint32_t ack, uint8_t flags, uint32_t iss, const uint32_t (*sack)[2],
     unsigned nb)
{
	struct frame_tcp t = {
		.src_ip = PEER_IP,
		.dst_ip = US_IP,
		.sport = PEER_PORT,
		.dport = US_PORT,
		.seq = seq,
		.ack = ack,
		.flags = flags,
		.win = 65535,
	};
	if (flags & TH_SYN) {
		t.opts.has_mss = true;
		t.opts.mss = MSS;
		t.opts.sack_ok = true;
	}
	for (unsigned i = 0; i < nb; i++)
		t.opts.sack[i] =
		        (struct tcp_sack_block){ iss + 1 + sack[i][0], iss + 1 + sack[i][1] };
	t.opts.nb_sack = (uint8_t)nb;
	return frame_tcp(harness_pool(), &harness_iface(h)->mac, &t);
}

/* A connection from the peer; returns our ISN. */
static uint32_t
open_conn(void)
{
	struct rte_mbuf *out[4];
	struct frame_tcp t;

	conn = NULL;
	assert_int_equal(harness_exchange(h, peer(PEER_ISN, 0, TH_SYN, 0, NULL, 0), out, 4), 1);
	assert_int_equal(frame_tcp_read(out[0], &t), 0);
	rte_pktmbuf_free(out[0]);
	assert_int_equal(
	        harness_exchange(h, peer(PEER_ISN + 1, t.seq + 1, TH_ACK, 0, NULL, 0), out, 4), 0);
	assert_non_null(conn);
	return t.seq;
}

/* One frame as the engine handed it to the port. */
struct sent {
	uint32_t off; /* its first payload byte, from iss + 1 */
	uint32_t len;
	bool tso;
};

/* Take what the engine sent (unflattened): check each frame's headers, and
 * its payload against the pattern; for a super-segment, the offload fields
 * and the pseudo-header checksum. Returns how many frames carried data. */
static unsigned
take_sent(uint32_t iss, struct sent *s, unsigned max)
{
	struct rte_mbuf *frames[64];
	static uint8_t buf[70000];
	unsigned n = rte_ring_dequeue_burst(h->rings[1], (void **)frames, RTE_DIM(frames), NULL);
	unsigned data = 0;

	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = frames[i];
		const uint8_t *f = rte_pktmbuf_read(m, 0, m->pkt_len, buf);
		assert_non_null(f);
		struct rte_ipv4_hdr ih;
		memcpy(&ih, f + RTE_ETHER_HDR_LEN, sizeof(ih));
		const struct rte_tcp_hdr *th =
		        (const struct rte_tcp_hdr *)(f + RTE_ETHER_HDR_LEN + sizeof(ih));
		uint32_t thl = (th->data_off >> 4) * 4u;
		uint32_t hdrs = RTE_ETHER_HDR_LEN + (uint32_t)sizeof(ih) + thl;
		uint32_t len = m->pkt_len - hdrs;
		assert_int_equal(rte_be_to_cpu_16(ih.total_length), sizeof(ih) + thl + len);
		bool tso = (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) != 0;
		if (tso) {
			assert_int_equal(m->ol_flags & TX_FLAGS, TX_FLAGS);
			assert_int_equal(m->tso_segsz, MSS);
			assert_int_equal(m->l2_len, RTE_ETHER_HDR_LEN);
			assert_int_equal(m->l3_len, sizeof(ih));
			assert_int_equal(m->l4_len, thl);
			assert_true(len > MSS);
			/* RFC 9293 3.1's pseudo-header without the TCP length. */
			struct rte_ipv4_hdr ph = ih;
			ph.total_length = 0;
			uint32_t sum =
			        rte_raw_cksum(&ph.src_addr, 8) + rte_cpu_to_be_16(IPPROTO_TCP);
			sum = (sum & 0xffff) + (sum >> 16);
			sum = (sum & 0xffff) + (sum >> 16);
			assert_int_equal(th->cksum, (uint16_t)sum);
		} else {
			assert_true(len <= MSS);
		}
		if (len > 0) {
			uint32_t off = rte_be_to_cpu_32(th->sent_seq) - iss - 1;
			assert_true(off + len <= SENT_MAX);
			assert_memory_equal(f + hdrs, pattern + off, len);
			assert_true(data < max);
			s[data++] = (struct sent){ off, len, tso };
			if (off + len > sent_top)
				sent_top = off + len;
		}
		rte_pktmbuf_free(m);
	}
	return data;
}

static int
setup_with_fault(uint8_t tso, bool zero_copy, double tx_drop)
{
	struct config cfg;

	sent_top = 0;
	for (unsigned i = 0; i < SENT_MAX; i++)
		pattern[i] = (uint8_t)(i * 7 + i / 251);
	harness_config_defaults(&cfg);
	cfg.tcp_tso = tso;
	cfg.tcp_zero_copy_tx = zero_copy;
	cfg.fault_tx.drop = tx_drop;
	h = harness_open(&cfg);
	if (h == NULL)
		return -1;
	/* The ring port offers none of it: say it does, as a NIC would. */
	struct iface *ifc = (struct iface *)(uintptr_t)harness_iface(h);
	ifc->caps.tx_tso = ifc->caps.tx_tcp_cksum = ifc->caps.tx_multi_seg = true;
	harness_learn(h, PEER_IP, &peer_mac);
	return harness_listen(h, US_PORT, &ops, NULL);
}

static int
setup_with(uint8_t tso, bool zero_copy)
{
	return setup_with_fault(tso, zero_copy, 0);
}

/* A TX fault armed, so rare that it never fires here. */
static int
setup_tx_fault(void **state)
{
	(void)state;
	return setup_with_fault(TCP_TSO_AUTO, false, 1e-12);
}

static int
setup_copy(void **state)
{
	(void)state;
	return setup_with(TCP_TSO_AUTO, false);
}

static int
setup_ref(void **state)
{
	(void)state;
	return setup_with(TCP_TSO_AUTO, true);
}

static int
setup_no(void **state)
{
	(void)state;
	return setup_with(TCP_TSO_NO, false);
}

static int
teardown(void **state)
{
	(void)state;
	harness_close(h);
	return 0;
}

/* The initial window (10 segments, RFC 6928) of 30000 bytes queued. */
#define IW (10 * MSS)

static void
test_super_segment_then_mss_holes(void **state)
{
	(void)state;
	uint32_t iss = open_conn();
	unsigned base = harness_pool_in_use(h);
	struct sent s[64];

	assert_int_equal(tern_send(conn, pattern, 30000), 30000);
	harness_poll(h);
	/* The whole initial window in one super-segment of ten segments. */
	assert_int_equal(take_sent(iss, s, 64), 1);
	assert_true(s[0].tso);
	assert_int_equal(s[0].off, 0);
	assert_int_equal(s[0].len, IW);
	assert_int_equal(h->eng->stats.tcp_tso_sends, 1);
	assert_int_equal(h->eng->stats.tcp_tso_segs, 10);
	/* Its fourth segment is lost: the peer acknowledges three and SACKs
	 * the last six (RFC 6675 IsLost(): more than 2 x SMSS SACKed above). */
	const uint32_t sack[1][2] = { { 4 * MSS, IW } };
	unsigned hole = 0, fresh = 0;
	for (unsigned i = 0; i < 3 && hole == 0; i++) {
		harness_inject(h,
		               (struct rte_mbuf *[]){ peer(PEER_ISN + 1, iss + 1 + 3 * MSS, TH_ACK,
		                                           iss, sack, 1) },
		               1);
		harness_poll(h);
		unsigned n = take_sent(iss, s, 64);
		for (unsigned j = 0; j < n; j++) {
			if (s[j].off < IW) {
				/* Only the hole, and as one segment of the MSS. */
				assert_int_equal(s[j].off, 3 * MSS);
				assert_int_equal(s[j].len, MSS);
				assert_false(s[j].tso);
				hole++;
			} else {
				fresh++;
			}
		}
	}
	assert_int_equal(hole, 1);
	assert_true(h->eng->stats.tcp_retransmits >= 1);
	/* Every segment acknowledged as it goes, till all 30000 bytes are:
	 * every mbuf is home. */
	for (unsigned i = 0; i < 20 && sent_top > 0; i++) {
		uint32_t upto = sent_top;
		harness_inject(h,
		               (struct rte_mbuf *[]){
		                       peer(PEER_ISN + 1, iss + 1 + upto, TH_ACK, iss, NULL, 0) },
		               1);
		harness_poll(h);
		fresh += take_sent(iss, s, 64);
		if (upto == 30000)
			break;
	}
	assert_int_equal(sent_top, 30000);
	assert_true(fresh > 0);
	assert_true(h->eng->stats.tcp_tso_sends >= 2);
	assert_int_equal(harness_pool_in_use(h), base);
}

/* [tcp] tso = no on the same port (or TX faults set): the same window in
 * ten segments. */
static void
test_tso_no_sends_mss_segments(void **state)
{
	(void)state;
	uint32_t iss = open_conn();
	struct sent s[64];

	assert_int_equal(tern_send(conn, pattern, 30000), 30000);
	harness_poll(h);
	assert_int_equal(take_sent(iss, s, 64), 10);
	for (unsigned i = 0; i < 10; i++) {
		assert_false(s[i].tso);
		assert_int_equal(s[i].off, i * MSS);
		assert_int_equal(s[i].len, MSS);
	}
	assert_int_equal(h->eng->stats.tcp_tso_sends, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_super_segment_then_mss_holes, setup_copy,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_super_segment_then_mss_holes, setup_ref,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_tso_no_sends_mss_segments, setup_no, teardown),
		/* The fault layer stands for the wire: with TX faults the port
		 * gets the segments a peer sees, never super-segments. */
		cmocka_unit_test_setup_teardown(test_tso_no_sends_mss_segments, setup_tx_fault,
		                                teardown),
	};

	if (harness_eal_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
