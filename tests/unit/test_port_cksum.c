/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * [port] checksums = no (port_trust_cksum in drivers/port.c), over the
 * harness's net_ring port, an in-memory one that may take it:
 *   - by default a frame whose sums a trusting peer left unfinished (IPv4
 *     header sum 0, TCP sum the pseudo-header's only) is dropped and counted;
 *   - with checksums = no the same frames open a connection and deliver
 *     data, and what the engine sends is left unsummed the same way, marked
 *     for the port (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
 *     RTE_MBUF_F_TX_TCP_CKSUM);
 *   - a frame the RX fault layer damaged is checked after all, so dropped.
 */
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

#define US_PORT      80
#define PEER_PORT    42000
#define PEER_ISN     9000000u
#define TX_PORT_SUMS (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM)

static struct harness *h;
static struct tern_conn *conn;
static uint8_t received[256];
static size_t nb_received;

static void
on_accepted(struct tern_conn *c, void *arg)
{
	(void)arg;
	conn = c;
}

static void
on_readable(struct tern_conn *c, void *arg)
{
	(void)arg;
	nb_received += tern_recv_copy(c, received + nb_received, sizeof(received) - nb_received);
}

static const struct tern_conn_ops ops = {
	.accepted = on_accepted,
	.readable = on_readable,
};

static int
open_with(bool checksums, double rx_corrupt)
{
	struct config cfg;

	conn = NULL;
	nb_received = 0;
	harness_config_defaults(&cfg);
	cfg.port_checksums = checksums;
	cfg.fault_rx.corrupt = rx_corrupt;
	h = harness_open(&cfg);
	if (h == NULL)
		return -1;
	harness_learn(h, PEER_IP, &peer_mac);
	return harness_listen(h, US_PORT, &ops, NULL);
}

static int
setup_checked(void **state)
{
	(void)state;
	return open_with(true, 0);
}

static int
setup_trusted(void **state)
{
	(void)state;
	return open_with(false, 0);
}

static int
setup_trusted_damaged(void **state)
{
	(void)state;
	return open_with(false, 1.0);
}

static int
teardown(void **state)
{
	(void)state;
	harness_drain(h);
	harness_close(h);
	return 0;
}

/* A segment from the peer as a trusting peer sends it: IPv4 header sum 0,
 * TCP sum the pseudo-header's (what a port that sums on send starts from). */
static struct rte_mbuf *
unsummed(uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *data, uint16_t len)
{
	struct rte_mbuf *m = frame_peer_tcp(harness_pool(), &harness_iface(h)->mac, PEER_PORT,
	                                    US_PORT, seq, ack, flags, data, len);
	assert_non_null(m);
	struct rte_ipv4_hdr *ih = frame_ip(m);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ih + 1);
	ih->hdr_checksum = 0;
	th->cksum = rte_ipv4_phdr_cksum(ih, 0);
	return m;
}

/* The checks a default port makes: unfinished sums are drops, counted. */
static void
test_checked_drops_unsummed(void **state)
{
	struct rte_mbuf *out[4];
	uint64_t ip = h->eng->stats.drops[DROP_IP_CKSUM];
	uint64_t tcp = h->eng->stats.drops[DROP_TCP_CKSUM];

	(void)state;
	assert_false(harness_iface(h)->caps.no_cksum);
	assert_int_equal(harness_exchange(h, unsummed(PEER_ISN, 0, TH_SYN, NULL, 0), out, 4), 0);
	assert_int_equal(h->eng->stats.drops[DROP_IP_CKSUM], ip + 1);
	/* The IPv4 header mended, the TCP sum still unfinished. */
	struct rte_mbuf *m = unsummed(PEER_ISN, 0, TH_SYN, NULL, 0);
	frame_ip_fix_cksum(m);
	assert_int_equal(harness_exchange(h, m, out, 4), 0);
	assert_int_equal(h->eng->stats.drops[DROP_TCP_CKSUM], tcp + 1);
	assert_null(conn);
}

/* What the engine sent: sums left to the port, the TCP field holding the
 * pseudo-header's over the segment's length. */
static void
read_unsummed(struct rte_mbuf *m, struct frame_tcp *t)
{
	struct rte_ipv4_hdr *ih = frame_ip(m);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ih + 1);

	assert_int_equal(m->ol_flags & TX_PORT_SUMS, TX_PORT_SUMS);
	assert_int_equal(ih->hdr_checksum, 0);
	assert_int_equal(th->cksum, rte_ipv4_phdr_cksum(ih, 0));
	assert_int_equal(frame_tcp_read(m, t), 0);
}

static void
test_trusted_connects_and_delivers(void **state)
{
	static const uint8_t hello[] = "hello, in memory";
	struct rte_mbuf *out[4];
	struct frame_tcp t;
	uint64_t dropped = h->eng->stats.drops[DROP_IP_CKSUM] + h->eng->stats.drops[DROP_TCP_CKSUM];

	(void)state;
	assert_true(harness_iface(h)->caps.no_cksum);
	assert_int_equal(harness_exchange(h, unsummed(PEER_ISN, 0, TH_SYN, NULL, 0), out, 4), 1);
	read_unsummed(out[0], &t);
	rte_pktmbuf_free(out[0]);
	assert_int_equal(t.flags, TH_SYN | TH_ACK);
	assert_int_equal(t.ack, PEER_ISN + 1);
	uint32_t iss = t.seq;
	assert_int_equal(
	        harness_exchange(h, unsummed(PEER_ISN + 1, iss + 1, TH_ACK, NULL, 0), out, 4), 0);
	assert_non_null(conn);
	unsigned n = harness_exchange(
	        h, unsummed(PEER_ISN + 1, iss + 1, TH_ACK | TH_PSH, hello, sizeof(hello)), out, 4);
	assert_int_equal(nb_received, sizeof(hello));
	assert_memory_equal(received, hello, sizeof(hello));
	/* The ACK may wait for the delayed-ACK timer. */
	if (n == 0) {
		harness_advance_us(h, 500 * 1000);
		n = harness_collect(h, out, 4);
	}
	assert_int_equal(n, 1);
	read_unsummed(out[0], &t);
	rte_pktmbuf_free(out[0]);
	assert_int_equal(t.ack, PEER_ISN + 1 + sizeof(hello));
	/* And what the engine sends, summed by no one. */
	assert_int_equal(tern_send(conn, hello, sizeof(hello)), sizeof(hello));
	harness_poll(h);
	assert_int_equal(harness_collect(h, out, 4), 1);
	read_unsummed(out[0], &t);
	rte_pktmbuf_free(out[0]);
	assert_int_equal(t.len, sizeof(hello));
	assert_memory_equal(t.data, hello, sizeof(hello));
	assert_int_equal(h->eng->stats.drops[DROP_IP_CKSUM] + h->eng->stats.drops[DROP_TCP_CKSUM],
	                 dropped);
}

/* Damage the fault layer did is checked for, trust or not: every damaged
 * frame is dropped, none opens a connection. */
static void
test_trusted_checks_damaged(void **state)
{
	struct rte_mbuf *out[4];
	uint64_t rx = h->eng->stats.rx_pkts;
	uint64_t drops = 0;

	(void)state;
	for (uint32_t i = 0; i < 64; i++)
		assert_int_equal(harness_exchange(h,
		                                  unsummed(PEER_ISN + i * 1000, 0, TH_SYN, NULL, 0),
		                                  out, 4),
		                 0);
	assert_null(conn);
	assert_int_equal(h->eng->fault_rx.stats.corrupted, 64);
	for (unsigned r = 0; r < DROP_MAX; r++)
		drops += h->eng->stats.drops[r];
	assert_int_equal(h->eng->stats.rx_pkts - rx, 64);
	assert_int_equal(drops, 64);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_checked_drops_unsummed, setup_checked,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_trusted_connects_and_delivers, setup_trusted,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_trusted_checks_damaged, setup_trusted_damaged,
		                                teardown),
	};

	if (harness_eal_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
