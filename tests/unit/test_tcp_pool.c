/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection pool under pressure, over the harness: connections the
 * application closed (orphans saying goodbye to a peer that no longer
 * answers) give way to new ones when the pool runs dry, oldest first, with a
 * RST to their peer; TIME_WAITs give way when the flow table is full, as when
 * the pool is; and the engine's waiter lists stay consistent when their
 * connections are freed in any order.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "flow/flow_table.h"
#include "harness.h"
#include "tcp/tcp.h"
#include "tern.h"

#define POOL_CONNS 4
#define US_PORT    80
#define PEER_PORT0 41000
#define PEER_ISN   1000000u

static struct harness *h;

/* The application closes every connection as soon as it is accepted. */
static void
close_at_once(struct tern_conn *c, void *arg)
{
	(void)arg;
	tern_close(c);
}

static const struct tern_conn_ops closer_ops = {
	.accepted = close_at_once,
};

/* A segment from the peer's port @sport with @len bytes of @data; a SYN
 * offers MSS 1460. */
static struct rte_mbuf *
peer_frame(uint16_t sport, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *data,
           uint16_t len)
{
	return frame_peer_tcp(harness_pool(), &harness_iface(h)->mac, sport, US_PORT, seq, ack,
	                      flags, data, len);
}

static struct rte_mbuf *
peer_segment(uint16_t sport, uint32_t seq, uint32_t ack, uint8_t flags)
{
	return peer_frame(sport, seq, ack, flags, NULL, 0);
}

/* Inject one segment, poll, and read back what came out (at most @max). */
static unsigned
exchange(struct rte_mbuf *in, struct frame_tcp *out, unsigned max)
{
	struct rte_mbuf *frames[16];
	unsigned n = harness_exchange(h, in, frames, RTE_DIM(frames));

	for (unsigned i = 0; i < n; i++) {
		if (i < max)
			assert_int_equal(frame_tcp_read(frames[i], &out[i]), 0);
		rte_pktmbuf_free(frames[i]);
	}
	return n;
}

/* A handshake from @sport; the application closes at once, so our FIN
 * follows. Returns our ISN. */
static uint32_t
open_and_orphan(uint16_t sport)
{
	struct frame_tcp out[4];

	assert_int_equal(exchange(peer_segment(sport, PEER_ISN, 0, TH_SYN), out, 4), 1);
	assert_int_equal(out[0].flags, TH_SYN | TH_ACK);
	uint32_t iss = out[0].seq;
	assert_int_equal(exchange(peer_segment(sport, PEER_ISN + 1, iss + 1, TH_ACK), out, 4), 1);
	assert_int_equal(out[0].flags, TH_FIN | TH_ACK);
	return iss;
}

/* A harness whose listener closes at once, with @conns control blocks and
 * @flows flow-table entries (0: the harness's). */
static int
open_closer(uint32_t conns, uint32_t flows)
{
	struct config cfg;

	harness_config_defaults(&cfg);
	cfg.tcp_conns = conns;
	if (flows != 0)
		cfg.flows = flows;
	h = harness_open(&cfg);
	if (h == NULL)
		return -1;
	harness_learn(h, PEER_IP, &peer_mac);
	return harness_listen(h, US_PORT, &closer_ops, NULL);
}

static int
setup(void **state)
{
	(void)state;
	return open_closer(POOL_CONNS, 0);
}

static int
teardown(void **state)
{
	(void)state;
	harness_close(h);
	return 0;
}

/* Four orphans in FIN_WAIT_1 fill the pool; a fifth SYN resets the oldest
 * (its peer hears a RST) and is answered, rather than dropped. */
static void
test_orphans_give_way(void **state)
{
	struct frame_tcp out[4];
	uint32_t iss[POOL_CONNS + 1];

	(void)state;
	for (unsigned i = 0; i < POOL_CONNS; i++)
		iss[i] = open_and_orphan(PEER_PORT0 + i);
	assert_int_equal(h->eng->tcp.used, POOL_CONNS);
	unsigned n = exchange(peer_segment(PEER_PORT0 + POOL_CONNS, PEER_ISN, 0, TH_SYN), out, 4);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].flags, TH_RST | TH_ACK);
	assert_int_equal(out[0].dport, PEER_PORT0);
	assert_int_equal(out[0].seq, iss[0] + 2); /* past our FIN */
	assert_int_equal(out[1].flags, TH_SYN | TH_ACK);
	assert_int_equal(out[1].dport, PEER_PORT0 + POOL_CONNS);
	assert_int_equal(h->eng->stats.tcp_orphans_reclaimed, 1);
	assert_int_equal(h->eng->stats.tcp_conn_pool_empty, 0);
	/* The next SYN takes the next oldest. */
	n = exchange(peer_segment(PEER_PORT0 + POOL_CONNS + 1, PEER_ISN, 0, TH_SYN), out, 4);
	assert_int_equal(n, 2);
	assert_int_equal(out[0].dport, PEER_PORT0 + 1);
	assert_int_equal(h->eng->stats.tcp_orphans_reclaimed, 2);
	/* The reset connections are gone: their peers' segments meet a RST. */
	n = exchange(peer_segment(PEER_PORT0, PEER_ISN + 1, iss[0] + 2, TH_ACK), out, 4);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].flags, TH_RST);
}

/* A table of 64 flows for 256 control blocks ([limits] flows below [tcp]
 * conns, against OPERATIONS.md's advice, or a table too full for its cuckoo
 * paths). */
#define TABLE_FLOWS 64
#define TABLE_CONNS 256
#define TABLE_OPENS 300

static int
setup_small_table(void **state)
{
	(void)state;
	return open_closer(TABLE_CONNS, TABLE_FLOWS);
}

/* Connections closed by us first pile up in TIME_WAIT, one flow each, until
 * the table holds no more while the pool still has blocks. Each SYN after
 * that must still be answered: the oldest TIME_WAIT gives its entry way.
 * Before, the insert failed and the SYN was dropped without a word, and a
 * server closing first stalled at one connection per SYN retransmission. */
static void
test_time_wait_gives_way_to_full_table(void **state)
{
	struct frame_tcp out[4];

	(void)state;
	for (unsigned i = 0; i < TABLE_OPENS; i++) {
		uint16_t sport = (uint16_t)(PEER_PORT0 + i);
		uint32_t iss = open_and_orphan(sport);

		/* The peer's ACK of our FIN and its own FIN: we ACK, TIME_WAIT. */
		assert_int_equal(
		        exchange(peer_segment(sport, PEER_ISN + 1, iss + 2, TH_FIN | TH_ACK), out,
		                 4),
		        1);
		assert_int_equal(out[0].flags, TH_ACK);
		assert_true(flow_count(h->eng->flows) <= TABLE_FLOWS);
	}
	assert_true(h->eng->stats.tcp_time_wait_reclaimed >= TABLE_OPENS - TABLE_FLOWS);
	assert_int_equal(h->eng->stats.tcp_conn_pool_empty, 0);
	assert_int_equal(h->eng->stats.tcp_flow_table_full, 0);
	assert_true(h->eng->tcp.used <= TABLE_FLOWS);
}

/* With no TIME_WAIT to give way (every connection open), a SYN the table
 * has no room for goes unanswered, counted; the connections already open
 * keep working. */
static void
test_full_table_refuses_counted(void **state)
{
	struct frame_tcp out[4];
	unsigned opened = 0, refused = 0;

	(void)state;
	for (unsigned i = 0; i < 2 * TABLE_FLOWS; i++) {
		unsigned n = exchange(peer_segment((uint16_t)(PEER_PORT0 + i), PEER_ISN, 0, TH_SYN),
		                      out, 4);
		if (n == 1 && out[0].flags == (TH_SYN | TH_ACK))
			opened++;
		else
			refused++;
	}
	assert_true(opened > 0 && opened <= TABLE_FLOWS);
	assert_int_equal(refused, 2 * TABLE_FLOWS - opened);
	assert_int_equal(h->eng->stats.tcp_flow_table_full, refused);
	assert_int_equal(h->eng->tcp.used, opened);
}

/* Readers: count what each connection delivers, by its peer port. */
#define GOOD_CONNS   100
#define GOOD_BYTES   (4 * 1400)
#define HOSTILE_SEGS 5000
static uint32_t delivered[GOOD_CONNS + 1];

static void
count_readable(struct tern_conn *c, void *arg)
{
	uint32_t ip;
	uint16_t port;
	struct rte_mbuf *m = tern_recv(c);

	(void)arg;
	tern_conn_peer(c, &ip, &port);
	if (m != NULL && port >= PEER_PORT0 && port <= PEER_PORT0 + GOOD_CONNS)
		delivered[port - PEER_PORT0] += m->pkt_len;
	rte_pktmbuf_free(m);
}

static const struct tern_conn_ops reader_ops = {
	.readable = count_readable,
};

static int
setup_readers(void **state)
{
	struct config cfg;

	(void)state;
	harness_config_defaults(&cfg);
	cfg.tcp_conns = GOOD_CONNS + 8;
	h = harness_open(&cfg);
	if (h == NULL)
		return -1;
	harness_learn(h, PEER_IP, &peer_mac);
	memset(delivered, 0, sizeof(delivered));
	return harness_listen(h, US_PORT, &reader_ops, NULL);
}

static struct rte_mbuf *
peer_data(uint16_t sport, uint32_t seq, uint32_t ack, const uint8_t *data, uint16_t len)
{
	return peer_frame(sport, seq, ack, TH_ACK, data, len);
}

static uint32_t
open_conn(uint16_t sport)
{
	struct frame_tcp out[4];

	assert_int_equal(exchange(peer_segment(sport, PEER_ISN, 0, TH_SYN), out, 4), 1);
	uint32_t iss = out[0].seq;
	assert_int_equal(exchange(peer_segment(sport, PEER_ISN + 1, iss + 1, TH_ACK), out, 4), 0);
	return iss;
}

static unsigned
held_by(uint16_t sport)
{
	struct flow_key key = {
		.local_ip = rte_cpu_to_be_32(US_IP),
		.remote_ip = rte_cpu_to_be_32(PEER_IP),
		.local_port = rte_cpu_to_be_16(US_PORT),
		.remote_port = rte_cpu_to_be_16(sport),
	};
	struct tcb *tcb = flow_lookup(h->eng->flows, &key, flow_hash(h->eng->flows, &key));
	unsigned n = 0;

	assert_non_null(tcb);
	n = tcb->rcvq != NULL ? tcb->rcvq->nb_segs : 0;
	for (unsigned i = 0; i < tcb->nb_ooo; i++)
		n += tcb->ooo[i].head->nb_segs;
	return n;
}

/* One peer sends 1-byte segments out of order, each just before the last
 * (they join one run, a buffer each), beside 100 peers sending in order.
 * The hostile one holds no more than its share (4 x its 256 KB buffer in
 * 2 KiB buffers: 481 mbufs), however long it goes on; the others' data all
 * arrives. */
static void
test_hostile_beside_good(void **state)
{
	static uint8_t payload[1400];
	uint32_t iss[GOOD_CONNS + 1];
	uint16_t hostile = PEER_PORT0 + GOOD_CONNS;

	(void)state;
	for (unsigned i = 0; i <= GOOD_CONNS; i++)
		iss[i] = open_conn(PEER_PORT0 + i);
	for (unsigned k = 0; k < HOSTILE_SEGS; k++) {
		uint32_t seq = PEER_ISN + 1 + HOSTILE_SEGS - k; /* never rcv.nxt */
		harness_inject(h,
		               &(struct rte_mbuf *){
		                       peer_data(hostile, seq, iss[GOOD_CONNS] + 1, payload, 1) },
		               1);
		if (k % 64 == 63) {
			harness_poll(h);
			harness_drain(h);
		}
	}
	harness_poll(h);
	harness_drain(h);
	unsigned held = held_by(hostile);
	print_message("hostile connection holds %u mbufs after %u segments\n", held, HOSTILE_SEGS);
	assert_true(held <= 481);
	assert_true(h->eng->stats.drops[DROP_TCP_RCV_MEM] > 0);
	for (unsigned seg = 0; seg < GOOD_BYTES / 1400; seg++) {
		for (unsigned i = 0; i < GOOD_CONNS; i++)
			harness_inject(h,
			               &(struct rte_mbuf *){ peer_data(PEER_PORT0 + i,
			                                               PEER_ISN + 1 + seg * 1400,
			                                               iss[i] + 1, payload, 1400) },
			               1);
		harness_poll(h);
		harness_drain(h);
	}
	for (unsigned i = 0; i < GOOD_CONNS; i++)
		assert_int_equal(delivered[i], GOOD_BYTES);
	assert_int_equal(delivered[GOOD_CONNS], 0);
}

/* The engine's mbuf pool runs on the mempool driver [pool] handler names:
 * "stack" by default, so that every harness test and the simulation run
 * the engines on the driver the runtime uses. */
static void
test_mbuf_pool_handler(void **state)
{
	(void)state;
	assert_string_equal(rte_mempool_get_ops(h->pool->ops_index)->name, "stack");
	assert_string_equal(config_pool_ops(&h->cfg), "stack");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mbuf_pool_handler, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphans_give_way, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_gives_way_to_full_table,
		                                setup_small_table, teardown),
		cmocka_unit_test_setup_teardown(test_full_table_refuses_counted, setup_small_table,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_hostile_beside_good, setup_readers, teardown),
	};

	return cmocka_run_group_tests_name("tcp_pool", tests, NULL, NULL);
}
