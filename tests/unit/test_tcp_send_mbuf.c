/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern_send_mbuf: the application's chain queued by reference. Its last
 * segment carries an external buffer (rte_pktmbuf_attach_extbuf) of an odd
 * length, so that what tern_send queues after it starts at an odd offset;
 * the bytes on the wire are the application's, byte for byte, then
 * tern_send's; Tern never writes into the lent buffer (a sentinel after its
 * data stays); its free callback runs only once the ACK covers all of it
 * (a partial ACK is not enough), or when the connection is aborted; a chain
 * that does not fit is refused whole and left to the caller. Copying and
 * referencing (zero_copy_tx) both. A segment whose bytes lie in more lent
 * pieces than a frame may reference (TCP_REF_PIECES_MAX) is copied, not
 * chained piece by piece (counted), and fewer where the port chains fewer.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "tcp/tcp.h"
#include "tcp/tcp_payload_ref.h"
#include "tern.h"

#define US_PORT   80
#define PEER_PORT 42000
#define PEER_ISN  9000000u
#define EXT_LEN   4999u /* odd: tern_send's bytes start at an odd offset */
#define TAIL_LEN  3001u
#define STREAM    (EXT_LEN + 2000u + TAIL_LEN)
#define SENTINEL  0xee

static struct harness *h;
static struct tern_conn *conn;
static uint8_t stream[STREAM]; /* what the peer must receive */
static uint8_t ext_buf[8192];  /* the application's buffer (shinfo at its end) */
static unsigned ext_freed;     /* its free callback's calls */

static void
on_accepted(struct tern_conn *c, void *arg)
{
	(void)arg;
	conn = c;
}

static const struct tern_conn_ops ops = {
	.accepted = on_accepted,
};

static void
ext_free(void *addr, void *opaque)
{
	(void)opaque;
	assert_ptr_equal(addr, ext_buf);
	ext_freed++;
}

static struct rte_mbuf *
peer(uint32_t seq, uint32_t ack, uint8_t flags)
{
	return frame_peer_tcp(harness_pool(), &harness_iface(h)->mac, PEER_PORT, US_PORT, seq, ack,
	                      flags, NULL, 0);
}

/* A connection from the peer; returns our ISN. */
static uint32_t
open_conn(void)
{
	uint32_t iss;

	conn = NULL;
	assert_int_equal(harness_accept(h, PEER_PORT, US_PORT, PEER_ISN, &iss), 0);
	assert_non_null(conn);
	return iss;
}

/* The application's chain: 2000 bytes of stream in a plain mbuf of the test
 * pool, then EXT_LEN bytes in ext_buf, attached to another: the lent
 * buffer is the send queue's tail, with room after its data. */
static struct rte_mbuf *
app_chain(void)
{
	uint16_t len = sizeof(ext_buf);
	struct rte_mbuf_ext_shared_info *shinfo =
	        rte_pktmbuf_ext_shinfo_init_helper(ext_buf, &len, ext_free, NULL);
	assert_non_null(shinfo);
	assert_true(len >= EXT_LEN + 64);
	memcpy(ext_buf, stream + 2000, EXT_LEN);
	memset(ext_buf + EXT_LEN, SENTINEL, len - EXT_LEN);

	struct rte_mbuf *m = rte_pktmbuf_alloc(harness_pool());
	struct rte_mbuf *plain = rte_pktmbuf_alloc(harness_pool());
	assert_non_null(m);
	assert_non_null(plain);
	rte_pktmbuf_attach_extbuf(m, ext_buf, RTE_BAD_IOVA, len, shinfo);
	m->data_off = 0;
	m->data_len = EXT_LEN;
	m->pkt_len = EXT_LEN;
	memcpy(rte_pktmbuf_append(plain, 2000), stream, 2000);
	assert_int_equal(rte_pktmbuf_chain(plain, m), 0);
	return plain;
}

/* Frames sent since the last call, flattened: every payload byte checked
 * against the stream; returns the highest offset seen (plus one). */
static uint32_t
check_sent(uint32_t iss, uint32_t top)
{
	struct rte_mbuf *frames[64];
	unsigned n = harness_collect(h, frames, RTE_DIM(frames));

	for (unsigned i = 0; i < n; i++) {
		struct frame_tcp t;
		assert_int_equal(frame_tcp_read(frames[i], &t), 0);
		if (t.len > 0) {
			uint32_t off = t.seq - iss - 1;
			assert_true(off + t.len <= STREAM);
			assert_memory_equal(t.data, stream + off, t.len);
			if (off + t.len > top)
				top = off + t.len;
		}
		rte_pktmbuf_free(frames[i]);
	}
	return top;
}

static int
setup_with(bool zero_copy)
{
	struct config cfg;

	for (unsigned i = 0; i < STREAM; i++)
		stream[i] = (uint8_t)(i * 13 + i / 253);
	ext_freed = 0;
	harness_config_defaults(&cfg);
	cfg.tcp_zero_copy_tx = zero_copy;
	h = harness_open(&cfg);
	if (h == NULL)
		return -1;
	harness_learn(h, PEER_IP, &peer_mac);
	return harness_listen(h, US_PORT, &ops, NULL);
}

static int
setup_copy(void **state)
{
	(void)state;
	return setup_with(false);
}

static int
setup_ref(void **state)
{
	(void)state;
	return setup_with(true);
}

static int
teardown(void **state)
{
	(void)state;
	harness_close(h);
	return 0;
}

static void
test_bytes_then_free_on_ack(void **state)
{
	(void)state;
	uint32_t iss = open_conn();
	unsigned base = harness_pool_in_use(h);

	assert_int_equal(tern_send_mbuf(conn, app_chain()), 0);
	assert_int_equal(tern_send(conn, stream + EXT_LEN + 2000, TAIL_LEN), TAIL_LEN);
	for (unsigned i = 0; i < 64; i++)
		assert_int_equal(ext_buf[EXT_LEN + i], SENTINEL);
	harness_poll(h);
	assert_int_equal(check_sent(iss, 0), STREAM);
	assert_int_equal(ext_freed, 0);
	/* Part of the external buffer acknowledged: it stays. */
	harness_inject(h, (struct rte_mbuf *[]){ peer(PEER_ISN + 1, iss + 1 + 5000, TH_ACK) }, 1);
	harness_poll(h);
	check_sent(iss, 0);
	assert_int_equal(ext_freed, 0);
	/* All of it: freed, once. */
	harness_inject(
	        h, (struct rte_mbuf *[]){ peer(PEER_ISN + 1, iss + 1 + 2000 + EXT_LEN, TH_ACK) },
	        1);
	harness_poll(h);
	check_sent(iss, 0);
	assert_int_equal(ext_freed, 1);
	harness_inject(h, (struct rte_mbuf *[]){ peer(PEER_ISN + 1, iss + 1 + STREAM, TH_ACK) }, 1);
	harness_poll(h);
	check_sent(iss, 0);
	assert_int_equal(ext_freed, 1);
	assert_int_equal(harness_pool_in_use(h), base);
}

static void
test_free_on_abort(void **state)
{
	(void)state;
	uint32_t iss = open_conn();

	assert_int_equal(tern_send_mbuf(conn, app_chain()), 0);
	harness_poll(h);
	assert_int_equal(check_sent(iss, 0), EXT_LEN + 2000);
	assert_int_equal(ext_freed, 0);
	tern_abort(conn);
	harness_poll(h);
	check_sent(iss, 0);
	assert_int_equal(ext_freed, 1);
}

/* @n bytes of the stream from @off, one mbuf of the test pool each. */
static struct rte_mbuf *
byte_chain(uint32_t off, unsigned n)
{
	struct rte_mbuf *head = NULL;

	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(harness_pool());
		assert_non_null(m);
		*(uint8_t *)rte_pktmbuf_append(m, 1) = stream[off + i];
		if (head == NULL)
			head = m;
		else
			assert_int_equal(rte_pktmbuf_chain(head, m), 0);
	}
	return head;
}

/* The one data frame sent since the last call, as it left: its segments;
 * its bytes checked against the stream from @off. */
static unsigned
sent_one(uint32_t iss, uint32_t off, uint32_t len)
{
	struct rte_mbuf *m;
	struct frame_tcp t;

	assert_int_equal(rte_ring_dequeue(h->rings[1], (void **)&m), 0);
	assert_true(rte_ring_empty(h->rings[1]));
	unsigned segs = m->nb_segs;
	harness_flatten(&m, 1);
	assert_int_equal(frame_tcp_read(m, &t), 0);
	assert_int_equal(t.seq, iss + 1 + off);
	assert_int_equal(t.len, len);
	assert_memory_equal(t.data, stream + off, len);
	rte_pktmbuf_free(m);
	return segs;
}

/* A lent chain of 1-byte segments. Within TCP_REF_PIECES_MAX the segment
 * references each (a chain of as many); past it the bytes are copied into
 * the header's mbuf, else each frame would hold an mbuf of the pool per
 * byte (tern-sim seed 26096 ran its pool dry that way). */
static void
test_many_pieces_copied(void **state)
{
	(void)state;
	uint32_t iss = open_conn();
	unsigned base = harness_pool_in_use(h);
	const unsigned few = TCP_REF_PIECES_MAX, many = 300;

	assert_int_equal(tern_send_mbuf(conn, byte_chain(0, few)), 0);
	harness_poll(h);
	assert_int_equal(sent_one(iss, 0, few), 1 + few);
	assert_int_equal(h->eng->stats.tcp_tx_pieces_copied, 0);

	assert_int_equal(tern_send_mbuf(conn, byte_chain(few, many)), 0);
	harness_poll(h);
	assert_int_equal(sent_one(iss, few, many), 1);
	assert_int_equal(h->eng->stats.tcp_tx_pieces_copied, 1);

	harness_inject(h, (struct rte_mbuf *[]){ peer(PEER_ISN + 1, iss + 1 + few + many, TH_ACK) },
	               1);
	harness_poll(h);
	harness_drain(h);
	assert_int_equal(harness_pool_in_use(h), base);
}

/* A port that chains fewer segments a frame (tx_desc_lim.nb_mtu_seg_max,
 * here 4) bounds the references below TCP_REF_PIECES_MAX: the header takes
 * one, so 3 pieces go by reference and 4 are copied. */
static void
test_port_segs_bound(void **state)
{
	(void)state;
	uint32_t iss = open_conn();
	struct iface *ifc = (struct iface *)(uintptr_t)harness_iface(h);

	ifc->caps.tx_segs_max = 4;
	assert_int_equal(tern_send_mbuf(conn, byte_chain(0, 3)), 0);
	harness_poll(h);
	assert_int_equal(sent_one(iss, 0, 3), 4);
	assert_int_equal(h->eng->stats.tcp_tx_pieces_copied, 0);

	assert_int_equal(tern_send_mbuf(conn, byte_chain(3, 4)), 0);
	harness_poll(h);
	assert_int_equal(sent_one(iss, 3, 4), 1);
	assert_int_equal(h->eng->stats.tcp_tx_pieces_copied, 1);
	harness_drain(h);
}

static void
test_refused_whole(void **state)
{
	(void)state;
	open_conn();
	static uint8_t fill[262144];
	struct rte_mbuf *m = app_chain();

	/* The send buffer full but for less than the chain: refused, the
	 * chain the caller's, nothing queued of it. */
	ssize_t took = tern_send(conn, fill, sizeof(fill) - 100);
	assert_int_equal(took, sizeof(fill) - 100);
	assert_int_equal(tern_send_mbuf(conn, m), -ENOBUFS);
	assert_int_equal(m->pkt_len, EXT_LEN + 2000);
	assert_int_equal(m->nb_segs, 2);
	assert_int_equal(ext_freed, 0);
	assert_int_equal(tern_send_mbuf(conn, NULL), -EINVAL);
	rte_pktmbuf_free(m);
	assert_int_equal(ext_freed, 1);
	harness_drain(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bytes_then_free_on_ack, setup_copy, teardown),
		cmocka_unit_test_setup_teardown(test_bytes_then_free_on_ack, setup_ref, teardown),
		cmocka_unit_test_setup_teardown(test_free_on_abort, setup_copy, teardown),
		cmocka_unit_test_setup_teardown(test_free_on_abort, setup_ref, teardown),
		cmocka_unit_test_setup_teardown(test_refused_whole, setup_copy, teardown),
		cmocka_unit_test_setup_teardown(test_many_pieces_copied, setup_ref, teardown),
		cmocka_unit_test_setup_teardown(test_port_segs_bound, setup_ref, teardown),
	};

	if (harness_eal_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
