/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software steering (flow/steer.c) with two engines on one in-memory port
 * (harness_multi): the port picks no queue by our hash (net_ring, like
 * net_tap, is RSS_SOFT), so the test puts each frame on the queue it likes
 * and checks that the engine owning the flow, and only it, answers:
 *   - a passive open whose SYN and data land on the other engine;
 *   - ten data segments on the wrong engine reach the owner in order (one
 *     ACK for all, no duplicate ACK);
 *   - active opens on both engines whose SYN-ACKs land on either queue;
 *   - no segment is ever answered as "no connection", and every mbuf comes
 *     back.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_byteorder.h>

#include "flow/rss.h"
#include "harness_multi.h"
#include "tcp/tcp.h"
#include "tern.h"

#define US_PORT   80
#define PEER_ISN  7000000u
#define NB_ACTIVE 64 /* active opens per engine */

static struct hm *hm;

static void
accepted_noop(struct tern_conn *c, void *arg)
{
	(void)c;
	(void)arg;
}

static const struct tern_conn_ops server_ops = { .accepted = accepted_noop };
static const struct tern_conn_ops client_ops = { 0 };

static struct rte_mbuf *
peer_seg(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
         const uint8_t *data, uint16_t len)
{
	return frame_peer_tcp(harness_pool(), &hm_iface(hm)->mac, sport, dport, seq, ack, flags,
	                      data, len);
}

static void
inject(unsigned q, struct rte_mbuf *m)
{
	assert_non_null(m);
	hm_inject(hm, q, &m, 1);
	hm_poll(hm);
}

/* Every TCP frame queue @q sent since the last call, into @out (at most
 * @max); the frames are freed. */
static unsigned
collect(unsigned q, struct frame_tcp *out, unsigned max)
{
	struct rte_mbuf *frames[64];
	unsigned n = hm_collect(hm, q, frames, RTE_DIM(frames));

	for (unsigned i = 0; i < n; i++) {
		if (i < max)
			assert_int_equal(frame_tcp_read(frames[i], &out[i]), 0);
		rte_pktmbuf_free(frames[i]);
	}
	return n;
}

static uint64_t
stat_of(unsigned e, size_t offset)
{
	return *(const uint64_t *)((const char *)&hm->engines[e]->stats + offset);
}
#define STAT(e, field) stat_of(e, offsetof(struct net_stats, field))

/* A peer port whose flow to US_PORT the hash gives to engine @owner. */
static uint16_t
peer_port_owned_by(unsigned owner)
{
	const struct rss *r = hm_iface(hm)->rss;

	for (uint16_t p = 40000; p < 41000; p++)
		if (rss_owner_of_passive(r, PEER_IP, US_IP, p, US_PORT) == owner)
			return p;
	fail_msg("no peer port of 1000 hashes to engine %u", owner);
	return 0;
}

static void
passive_open_on_the_wrong_engine(void **state)
{
	struct frame_tcp out[16];
	uint8_t data[10][100];
	(void)state;

	for (unsigned owner = 0; owner < 2; owner++) {
		unsigned other = 1 - owner;
		uint16_t sport = peer_port_owned_by(owner);
		uint64_t steered = STAT(other, steered_out);

		/* The SYN lands on the other engine: the owner answers. */
		inject(other, peer_seg(sport, US_PORT, PEER_ISN, 0, TH_SYN, NULL, 0));
		assert_int_equal(collect(other, out, 16), 0);
		assert_int_equal(collect(owner, out, 16), 1);
		assert_int_equal(out[0].flags, TH_SYN | TH_ACK);
		assert_int_equal(out[0].ack, PEER_ISN + 1);
		uint32_t iss = out[0].seq;
		assert_int_equal(STAT(other, steered_out), steered + 1);

		/* The handshake's ACK lands on the owner itself: no hand-off. */
		inject(owner, peer_seg(sport, US_PORT, PEER_ISN + 1, iss + 1, TH_ACK, NULL, 0));
		assert_int_equal(STAT(other, steered_out), steered + 1);

		/* Ten segments in one burst on the wrong engine: they reach the
		 * owner in their order, so one ACK covers all of them and no
		 * duplicate ACK (an out-of-order arrival) is sent. */
		struct rte_mbuf *burst[10];
		for (unsigned i = 0; i < 10; i++) {
			memset(data[i], 'a' + i, sizeof(data[i]));
			burst[i] = peer_seg(sport, US_PORT, PEER_ISN + 1 + i * 100, iss + 1, TH_ACK,
			                    data[i], 100);
			assert_non_null(burst[i]);
		}
		hm_inject(hm, other, burst, 10);
		hm_poll(hm);
		/* In order, small: nothing at once (an out-of-order segment would
		 * have drawn a duplicate ACK here), then the delayed ACK. */
		assert_int_equal(collect(owner, out, 16), 0);
		hm_advance_us(hm, 500 * 1000);
		assert_int_equal(collect(other, out, 16), 0);
		unsigned n = collect(owner, out, 16);
		assert_int_equal(n, 1);
		assert_int_equal(out[0].flags, TH_ACK);
		assert_int_equal(out[0].ack, PEER_ISN + 1 + 1000);
		assert_int_equal(out[0].opts.nb_sack, 0);
		assert_int_equal(STAT(other, steered_out), steered + 11);
		assert_int_equal(STAT(owner, steered_in), STAT(other, steered_out));
	}
	for (unsigned e = 0; e < 2; e++) {
		assert_int_equal(STAT(e, drops[DROP_TCP_NO_CONN]), 0);
		assert_int_equal(STAT(e, drops[DROP_STEER_FULL]), 0);
	}
}

/* Each engine opens NB_ACTIVE connections; its local ports come from its
 * own set, and the peer's SYN-ACKs land on either queue (every other one on
 * the wrong engine): each connection completes on the engine that opened
 * it, whose queue sends the final ACK. */
static void
active_opens_on_both_engines(void **state)
{
	struct tern_conn *conns[2][NB_ACTIVE];
	struct frame_tcp out[64];
	uint32_t iss[2][NB_ACTIVE];
	uint16_t lport[2][NB_ACTIVE];
	(void)state;

	for (unsigned e = 0; e < 2; e++) {
		for (unsigned i = 0; i < NB_ACTIVE; i++) {
			assert_int_equal(tern_connect((struct tern_core *)hm->engines[e], PEER_IP,
			                              US_PORT, &client_ops, NULL, &conns[e][i]),
			                 0);
			hm_poll(hm);
			assert_int_equal(collect(1 - e, out, 64), 0);
			assert_int_equal(collect(e, out, 64), 1);
			assert_int_equal(out[0].flags, TH_SYN);
			iss[e][i] = out[0].seq;
			lport[e][i] = out[0].sport;
			/* The port names its engine: the owner is computable from
			 * the tuple alone. */
			assert_int_equal(rss_owner_of_active(hm_iface(hm)->rss, PEER_IP, US_IP,
			                                     US_PORT, lport[e][i]),
			                 e);
		}
	}
	for (unsigned e = 0; e < 2; e++) {
		for (unsigned i = 0; i < NB_ACTIVE; i++) {
			unsigned q = (i & 1) ? 1 - e : e;
			inject(q, peer_seg(US_PORT, lport[e][i], PEER_ISN, iss[e][i] + 1,
			                   TH_SYN | TH_ACK, NULL, 0));
			assert_int_equal(collect(1 - e, out, 64), 0);
			assert_int_equal(collect(e, out, 64), 1);
			assert_int_equal(out[0].flags, TH_ACK);
			assert_int_equal(out[0].seq, iss[e][i] + 1);
			assert_int_equal(out[0].ack, PEER_ISN + 1);
			assert_int_equal(((struct tcb *)conns[e][i])->state, TCP_ESTABLISHED);
		}
		assert_int_equal(STAT(1 - e, steered_out) > 0, 1);
	}
	for (unsigned e = 0; e < 2; e++) {
		assert_int_equal(STAT(e, drops[DROP_TCP_NO_CONN]), 0);
		assert_int_equal(STAT(e, tcp_resets_sent), 0);
		for (unsigned i = 0; i < NB_ACTIVE; i++)
			tern_abort(conns[e][i]);
	}
	hm_poll(hm);
	for (unsigned e = 0; e < 2; e++)
		while (collect(e, out, 64) > 0)
			;
}

/* What the tests held is back: every mbuf of both engines' pools. */
static void
pools_full_after(void **state)
{
	(void)state;
	hm_poll(hm);
	assert_int_equal(hm_pools_in_use(hm), 0);
}

static int
setup(void **state)
{
	(void)state;
	hm = hm_open(NULL, 2);
	if (hm == NULL)
		return -1;
	hm_learn(hm, PEER_IP, &peer_mac);
	return hm_listen(hm, US_PORT, &server_ops, NULL);
}

static int
teardown(void **state)
{
	(void)state;
	struct frame_tcp out[64];
	/* Abort what is open, take what was sent: the pools must be full. */
	for (unsigned e = 0; e < hm->nb; e++)
		tcp_engine_stop(hm->engines[e], UINT32_MAX);
	hm_poll(hm);
	for (unsigned e = 0; e < hm->nb; e++)
		while (collect(e, out, 64) > 0)
			;
	pools_full_after(NULL);
	hm_close(hm);
	hm = NULL;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(passive_open_on_the_wrong_engine, setup, teardown),
		cmocka_unit_test_setup_teardown(active_opens_on_both_engines, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
