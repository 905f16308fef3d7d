/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segments whose payload references the send queue (tcp_payload_ref.c),
 * over the harness with buffers of 1024 bytes, so that every full segment
 * spans two or three send-queue mbufs: the bytes on the wire are the bytes
 * sent, in first transmissions and in retransmissions after partial ACKs,
 * while the ACKs trim the send queue under segments still in the TX ring;
 * and when all is acknowledged every mbuf is back in the pool (a missing
 * reference would free a buffer twice, an extra one would leak it).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "tcp/tcp.h"
#include "tern.h"

#define US_PORT   80
#define PEER_PORT 42000
#define PEER_ISN  5000000u
#define DATA_ROOM 1024
#define SENT_MAX  32768

static struct harness *h;
static struct tern_conn *conn;
static uint8_t pattern[SENT_MAX];

static void
on_accepted(struct tern_conn *c, void *arg)
{
	(void)arg;
	conn = c;
}

static const struct tern_conn_ops ops = {
	.accepted = on_accepted,
};

static struct rte_mbuf *
peer(uint32_t seq, uint32_t ack, uint8_t flags)
{
	return frame_peer_tcp(harness_pool(), &harness_iface(h)->mac, PEER_PORT, US_PORT, seq, ack,
	                      flags, NULL, 0);
}

/* What the engine sent since the last call, as it left (chains and all):
 * counts the frames of three or more segments, flattens them, checks every
 * data byte against the pattern at its sequence offset from @iss, frees
 * them. Returns the number of data segments; *@top is the highest byte
 * offset seen. */
static unsigned
check_sent(uint32_t iss, unsigned *chains, uint32_t *top)
{
	struct rte_mbuf *frames[64];
	unsigned n = rte_ring_dequeue_burst(h->rings[1], (void **)frames, RTE_DIM(frames), NULL);
	unsigned data = 0;

	for (unsigned i = 0; i < n; i++)
		if (frames[i]->nb_segs >= 3)
			(*chains)++;
	harness_flatten(frames, n);
	for (unsigned i = 0; i < n; i++) {
		struct frame_tcp t;
		assert_int_equal(frame_tcp_read(frames[i], &t), 0);
		if (t.len > 0) {
			uint32_t off = t.seq - iss - 1;
			assert_true(off + t.len <= SENT_MAX);
			assert_memory_equal(t.data, pattern + off, t.len);
			if (off + t.len > *top)
				*top = off + t.len;
			data++;
		}
		rte_pktmbuf_free(frames[i]);
	}
	return data;
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

static int
setup_with(bool zero_copy, uint16_t data_room)
{
	struct config cfg;

	for (unsigned i = 0; i < SENT_MAX; i++)
		pattern[i] = (uint8_t)(i * 7 + i / 251);
	harness_config_defaults(&cfg);
	cfg.pool_data_room = data_room;
	cfg.tcp_zero_copy_tx = zero_copy;
	h = harness_open(&cfg);
	if (h == NULL)
		return -1;
	harness_learn(h, PEER_IP, &peer_mac);
	return harness_listen(h, US_PORT, &ops, NULL);
}

static int
setup_ref(void **state)
{
	(void)state;
	return setup_with(true, DATA_ROOM);
}

static int
setup_copy(void **state)
{
	(void)state;
	/* The copy needs a buffer a whole frame fits in. */
	return setup_with(false, 2048);
}

static int
teardown(void **state)
{
	(void)state;
	harness_close(h);
	return 0;
}

/* Send, let ACKs trim the send queue while the segments are still in the TX
 * ring, send more into the freed room, then lose the rest and let the
 * retransmission timer resend it; finally acknowledge everything. Returns
 * how many frames were chains. */
static unsigned
send_ack_retransmit(void)
{
	uint32_t iss = open_conn();
	unsigned base = harness_pool_in_use(h);
	unsigned chains = 0;
	uint32_t top = 0;

	/* 7999 bytes: five full segments and a short one of odd length in the
	 * first flight, so that later segments start at odd offsets of the
	 * send queue's buffers (the checksum's byte pairing turns there). */
	assert_int_equal(tern_send(conn, pattern, 7999), 7999);
	harness_poll(h);
	/* Partial ACK (2 1/2 segments) while every segment is in the TX ring:
	 * the send queue drops its first buffers, then takes new bytes. */
	harness_inject(h, (struct rte_mbuf *[]){ peer(PEER_ISN + 1, iss + 1 + 3650, TH_ACK) }, 1);
	harness_poll(h);
	assert_int_equal(tern_send(conn, pattern + 7999, 6001), 6001);
	harness_poll(h);
	assert_true(check_sent(iss, &chains, &top) >= 6);
	assert_int_equal(top, 14000);
	/* Another partial ACK, inside a send-queue buffer; then silence: the
	 * retransmission timer resends from there. */
	harness_inject(h, (struct rte_mbuf *[]){ peer(PEER_ISN + 1, iss + 1 + 5000, TH_ACK) }, 1);
	harness_poll(h);
	check_sent(iss, &chains, &top);
	unsigned rexmits = 0;
	for (unsigned ms = 0; ms < 3000 && rexmits == 0; ms += 50) {
		harness_advance_us(h, 50000);
		rexmits += check_sent(iss, &chains, &top);
	}
	assert_true(rexmits >= 1);
	assert_true(h->eng->stats.tcp_retransmits >= 1);
	/* Everything acknowledged: the send queue is empty, and every buffer
	 * its segments referenced is back, once. */
	harness_inject(h, (struct rte_mbuf *[]){ peer(PEER_ISN + 1, iss + 1 + 14000, TH_ACK) }, 1);
	harness_poll(h);
	check_sent(iss, &chains, &top);
	assert_int_equal(harness_pool_in_use(h), base);
	return chains;
}

static void
test_ref_bytes_and_pool(void **state)
{
	(void)state;
	/* Full segments of 1460 over 1024-byte buffers: most are chains of a
	 * header and two or three references. */
	assert_true(send_ack_retransmit() >= 5);
}

static void
test_copy_bytes_and_pool(void **state)
{
	(void)state;
	/* zero_copy_tx = no: the same bytes, every frame one mbuf. */
	assert_int_equal(send_ack_retransmit(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ref_bytes_and_pool, setup_ref, teardown),
		cmocka_unit_test_setup_teardown(test_copy_bytes_and_pool, setup_copy, teardown),
	};

	if (harness_eal_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
