/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A connection's link-layer header template (stack/tcp/tcp_tmpl.h): its
 * segments go to the next hop's address as ARP knows it now. A new MAC
 * address, or an entry that left the table (aged, its polls unanswered),
 * reaches the very next segment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "tern.h"

#define PORT 80
#define ISN  5000u

static const struct rte_ether_addr zero_mac;
static const struct rte_ether_addr new_mac = { { 0x02, 0, 0, 0, 0, 0x77 } };

struct conn {
	uint32_t nxt; /* the peer's next sequence number */
	uint32_t ack; /* what the server sent so far */
};

static void
echo_readable(struct tern_conn *c, void *arg)
{
	uint8_t buf[256];
	size_t n;

	(void)arg;
	while ((n = tern_recv_copy(c, buf, sizeof(buf))) > 0)
		assert_int_equal(tern_send(c, buf, n), (ssize_t)n);
}

static const struct tern_conn_ops echo_ops = { .readable = echo_readable };

static struct rte_mbuf *
seg(struct harness *h, const struct conn *c, uint8_t flags, uint16_t len)
{
	static const uint8_t data[64];
	struct frame_tcp t = { .src_ip = PEER_IP,
		               .dst_ip = US_IP,
		               .sport = 40000,
		               .dport = PORT,
		               .seq = c->nxt,
		               .ack = c->ack,
		               .flags = flags,
		               .win = 65535,
		               .data = len > 0 ? data : NULL,
		               .len = len };

	if (flags & TH_SYN) {
		t.opts.has_mss = true;
		t.opts.mss = 1460;
	}
	return frame_tcp(h->pool, &harness_iface(h)->mac, &t);
}

static int
setup(void **state)
{
	struct harness *h = harness_open(NULL);

	if (h == NULL)
		return -1;
	harness_learn(h, PEER_IP, &peer_mac);
	if (harness_listen(h, PORT, &echo_ops, NULL) != 0)
		return -1;
	*state = h;
	return 0;
}

static int
teardown(void **state)
{
	struct harness *h = *state;

	harness_drain(h);
	assert_int_equal(harness_pool_in_use(h), 0);
	harness_close(h);
	return 0;
}

/* The server's one segment out, read into @t; its frame's destination MAC. */
static void
take_one(struct harness *h, struct rte_mbuf *in, struct frame_tcp *t, struct rte_ether_addr *dst)
{
	struct rte_mbuf *out[4];

	assert_int_equal(harness_exchange(h, in, out, 4), 1);
	assert_int_equal(frame_tcp_read(out[0], t), 0);
	rte_ether_addr_copy(&frame_eth(out[0])->dst_addr, dst);
	rte_pktmbuf_free(out[0]);
}

static void
open_conn(struct harness *h, struct conn *c)
{
	struct frame_tcp t;
	struct rte_ether_addr dst;
	struct rte_mbuf *out[4];

	c->nxt = ISN;
	c->ack = 0;
	take_one(h, seg(h, c, TH_SYN, 0), &t, &dst);
	assert_int_equal(t.flags, TH_SYN | TH_ACK);
	c->nxt++;
	c->ack = t.seq + 1;
	assert_int_equal(harness_exchange(h, seg(h, c, TH_ACK, 0), out, 4), 0);
}

/* One request, its echo: the echo's destination MAC. */
static void
echo_once(struct harness *h, struct conn *c, struct rte_ether_addr *dst)
{
	struct frame_tcp t;

	take_one(h, seg(h, c, TH_ACK, 64), &t, dst);
	assert_int_equal(t.len, 64);
	c->nxt += 64;
	c->ack = t.seq + t.len;
}

static void
test_new_mac_reaches_next_segment(void **state)
{
	struct harness *h = *state;
	struct rte_ether_addr dst;
	struct rte_mbuf *out[4];
	struct conn c;

	open_conn(h, &c);
	for (int i = 0; i < 3; i++) { /* the first learns the template, the others use it */
		echo_once(h, &c, &dst);
		assert_true(rte_is_same_ether_addr(&dst, &peer_mac));
	}
	/* The peer moves to another MAC and says so (gratuitous ARP). */
	struct rte_mbuf *garp = frame_arp(h->pool, RTE_ARP_OP_REQUEST, &bcast_mac, &new_mac,
	                                  PEER_IP, &zero_mac, PEER_IP);
	assert_int_equal(harness_exchange(h, garp, out, 4), 0);
	for (int i = 0; i < 2; i++) {
		echo_once(h, &c, &dst);
		assert_true(rte_is_same_ether_addr(&dst, &new_mac));
	}
	struct rte_mbuf *rst = seg(h, &c, TH_RST | TH_ACK, 0);
	assert_int_equal(harness_exchange(h, rst, out, 4), 0);
}

/* Collect what went out: unicast ARP polls of the peer, and nothing else
 * (keepalives are off). Returns their number. */
static unsigned
drain_polls(struct harness *h)
{
	struct rte_mbuf *out[1];
	unsigned n = 0;

	while (harness_collect(h, out, 1) > 0) {
		struct rte_arp_hdr *ah = frame_arp_hdr(out[0]);
		assert_non_null(ah);
		assert_int_equal(rte_be_to_cpu_16(ah->arp_opcode), RTE_ARP_OP_REQUEST);
		assert_true(rte_is_same_ether_addr(&frame_eth(out[0])->dst_addr, &peer_mac));
		rte_pktmbuf_free(out[0]);
		n++;
	}
	return n;
}

/* One echo, to the peer's first MAC, then everything acknowledged. */
static void
echo_acked(struct harness *h, struct conn *c)
{
	struct rte_ether_addr dst;
	struct rte_mbuf *out[4];

	echo_once(h, c, &dst);
	assert_true(rte_is_same_ether_addr(&dst, &peer_mac));
	assert_int_equal(harness_exchange(h, seg(h, c, TH_ACK, 0), out, 4), 0);
}

/* The entry, used since it was confirmed, ages: it stays usable, and one
 * poll goes to the MAC it holds (RFC 1122 2.3.2.1). */
static void
age_in_use(struct harness *h)
{
	harness_advance_us(h, h->cfg.arp_timeout_s * 1000000ull * 9 / 8 + 2000);
	assert_true(arp_lookup(h->eng, rte_cpu_to_be_32(PEER_IP), NULL));
	assert_int_equal(drain_polls(h), 1);
}

static void
test_aged_out_next_hop_is_asked_again(void **state)
{
	struct harness *h = *state;
	struct rte_ether_addr dst;
	struct rte_mbuf *out[4];
	struct conn c;

	open_conn(h, &c);
	echo_once(h, &c, &dst); /* learns the template */
	assert_true(rte_is_same_ether_addr(&dst, &peer_mac));
	echo_acked(h, &c); /* by the template */
	/* The entry ages; the template still sends to it meanwhile. */
	age_in_use(h);
	echo_acked(h, &c);
	/* Answered, then used by the template alone, which marks it used as
	 * arp_output does: it is polled again when it ages, not dropped. */
	struct rte_mbuf *confirm = frame_arp(h->pool, RTE_ARP_OP_REPLY, &harness_iface(h)->mac,
	                                     &peer_mac, PEER_IP, &harness_iface(h)->mac, US_IP);
	assert_int_equal(harness_exchange(h, confirm, out, 4), 0);
	echo_acked(h, &c);
	age_in_use(h);
	/* The polls go unanswered (the peer moved without a word): the entry
	 * leaves the table. */
	for (uint32_t i = 0; i < h->cfg.arp_retries; i++)
		harness_advance_us(h, h->cfg.arp_retry_ms * 1000ull * 9 / 8 + 2000);
	assert_false(arp_lookup(h->eng, rte_cpu_to_be_32(PEER_IP), NULL));
	assert_int_equal(drain_polls(h), h->cfg.arp_retries - 1);
	/* The next echo waits for an answer to a new request, then goes to the
	 * address learned anew. */
	assert_int_equal(harness_exchange(h, seg(h, &c, TH_ACK, 64), out, 4), 1);
	c.nxt += 64;
	assert_non_null(frame_arp_hdr(out[0]));
	assert_true(rte_is_same_ether_addr(&frame_eth(out[0])->dst_addr, &bcast_mac));
	rte_pktmbuf_free(out[0]);
	struct rte_mbuf *reply = frame_arp(h->pool, RTE_ARP_OP_REPLY, &harness_iface(h)->mac,
	                                   &new_mac, PEER_IP, &harness_iface(h)->mac, US_IP);
	assert_int_equal(harness_exchange(h, reply, out, 4), 1);
	struct frame_tcp t;
	assert_int_equal(frame_tcp_read(out[0], &t), 0);
	assert_int_equal(t.len, 64);
	assert_true(rte_is_same_ether_addr(&frame_eth(out[0])->dst_addr, &new_mac));
	rte_pktmbuf_free(out[0]);
	c.ack = t.seq + t.len;
	echo_once(h, &c, &dst); /* and the template learned again */
	assert_true(rte_is_same_ether_addr(&dst, &new_mac));
	struct rte_mbuf *rst = seg(h, &c, TH_RST | TH_ACK, 0);
	assert_int_equal(harness_exchange(h, rst, out, 4), 0);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_new_mac_reaches_next_segment),
		T(test_aged_out_next_hop_is_asked_again),
	};
#undef T
	return cmocka_run_group_tests_name("tcp_tmpl", tests, NULL, NULL);
}
