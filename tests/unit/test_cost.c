/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cost accounting (core/cost.h): after a handshake and an echoed exchange
 * over the harness's ring port, every layer that did work has cycles, the
 * packet counts equal the frames injected and emitted, and the report's JSON
 * line says so. The harness drives the real engine_poll over net_ring, so
 * driver_rx and driver_tx are rte_eth_rx_burst/rte_eth_tx_burst on the ring
 * PMD; only the clock the engine sees is the test's (cycles are real TSC).
 *
 * Built without -Dcost_accounting=true there is nothing to count: every
 * test reports itself skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "tern.h"

#ifdef TERN_COST_ACCOUNTING

#define ECHO_PORT 7
#define PEER_PORT 40000
#define PEER_ISN  1000u
#define DATA_LEN  100

struct fixture {
	struct harness *h;
	struct rte_ether_addr us;
	unsigned injected; /* frames handed to the engine */
	unsigned emitted;  /* frames the engine sent */
	unsigned echoed;   /* bytes the readable callback sent back */
};

/* The application: echo what arrives, from inside the readable callback. */
static void
echo_readable(struct tern_conn *c, void *arg)
{
	struct fixture *f = arg;
	uint8_t buf[512];
	size_t n;

	while ((n = tern_recv_copy(c, buf, sizeof(buf))) != 0)
		f->echoed += (unsigned)tern_send(c, buf, n);
}

static const struct tern_conn_ops echo_ops = {
	.readable = echo_readable,
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->h = harness_open(NULL);
	if (f->h == NULL)
		return -1;
	f->us = harness_iface(f->h)->mac;
	harness_learn(f->h, PEER_IP, &peer_mac);
	if (harness_listen(f->h, ECHO_PORT, &echo_ops, f) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	harness_close(f->h);
	free(f);
	return 0;
}

/* Inject one segment from the peer, poll, read the one segment expected
 * back into @out (when not NULL) and count both. */
static void
exchange(struct fixture *f, const struct frame_tcp *in, unsigned expect_out, struct frame_tcp *out)
{
	struct rte_mbuf *m = frame_tcp(f->h->pool, &f->us, in);
	struct rte_mbuf *got[8];

	assert_non_null(m);
	f->injected++;
	unsigned n = harness_exchange(f->h, m, got, 8);
	assert_int_equal(n, expect_out);
	if (n == 1 && out != NULL)
		assert_int_equal(frame_tcp_read(got[0], out), 0);
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(got[i]);
	f->emitted += n;
}

/* Handshake, 100 bytes echoed back by the callback, the echo acknowledged. */
static void
handshake_and_echo(struct fixture *f)
{
	static const uint8_t payload[DATA_LEN];
	struct frame_tcp seg = {
		.src_ip = PEER_IP,
		.dst_ip = US_IP,
		.sport = PEER_PORT,
		.dport = ECHO_PORT,
		.win = 65535,
	};
	struct frame_tcp out;

	seg.seq = PEER_ISN;
	seg.flags = TH_SYN;
	seg.opts = (struct tcp_opts){ .has_mss = true, .mss = 1460 };
	exchange(f, &seg, 1, &out);
	assert_int_equal(out.flags, TH_SYN | TH_ACK);
	uint32_t iss = out.seq;

	seg.opts = (struct tcp_opts){ 0 };
	seg.seq = PEER_ISN + 1;
	seg.ack = iss + 1;
	seg.flags = TH_ACK;
	exchange(f, &seg, 0, NULL);

	seg.flags = TH_ACK | TH_PSH;
	seg.data = payload;
	seg.len = DATA_LEN;
	exchange(f, &seg, 1, &out);
	assert_int_equal(out.len, DATA_LEN); /* the echo, carrying the ACK */
	assert_int_equal(f->echoed, DATA_LEN);

	seg.seq = PEER_ISN + 1 + DATA_LEN;
	seg.ack = iss + 1 + DATA_LEN;
	seg.flags = TH_ACK;
	seg.data = NULL;
	seg.len = 0;
	exchange(f, &seg, 0, NULL);
}

static void
test_layers_counted(void **state)
{
	struct fixture *f = *state;
	const struct cost *c = &f->h->eng->cost;

	handshake_and_echo(f);
	assert_int_equal(c->rx_pkts, f->injected);
	assert_int_equal(c->tx_pkts, f->emitted);
	static const enum cost_layer worked[] = {
		COST_DRIVER_RX, COST_NET,    COST_TCP_IN,    COST_APP,
		COST_TCP_OUT,   COST_TIMERS, COST_DRIVER_TX,
	};
	for (size_t i = 0; i < sizeof(worked) / sizeof(worked[0]); i++) {
		if (c->cycles[worked[i]] == 0)
			fail_msg("layer %s has no cycles", cost_layer_name(worked[i]));
	}
	/* harness_exchange polls until the RX ring is empty: no idle iteration. */
	assert_int_equal(c->cycles[COST_IDLE], 0);
	assert_true(cost_total(c) > 0);
}

/* An iteration that moves no packet goes to idle as a whole, and nothing
 * else grows. */
static void
test_idle_iteration(void **state)
{
	struct fixture *f = *state;
	const struct cost *c = &f->h->eng->cost;

	handshake_and_echo(f);
	struct cost before = *c;
	harness_poll(f->h);
	assert_true(c->cycles[COST_IDLE] > before.cycles[COST_IDLE]);
	for (unsigned i = 0; i < COST_MAX; i++)
		if (i != COST_IDLE)
			assert_int_equal(c->cycles[i], before.cycles[i]);
	assert_int_equal(c->rx_pkts, before.rx_pkts);
	assert_int_equal(c->tx_pkts, before.tx_pkts);
}

/* The report ends with exactly one JSON line that bench scripts grep. */
static void
test_report_json(void **state)
{
	struct fixture *f = *state;
	char *text = NULL, expect[128];
	size_t size = 0;
	FILE *mem = open_memstream(&text, &size);

	assert_non_null(mem);
	handshake_and_echo(f);
	cost_print(mem, &f->h->eng->cost, 0, 1000000000ull);
	fclose(mem);

	char *json = strstr(text, "{\"tern_cost\":");
	assert_non_null(json);
	assert_true(json == text || json[-1] == '\n'); /* at the start of a line */
	assert_null(strstr(json + 1, "{\"tern_cost\":"));
	assert_int_equal(strchr(json, '\n') - json + 1, strlen(json)); /* one line, the last */
	snprintf(expect, sizeof(expect),
	         "{\"tern_cost\":{\"core\":0,\"tsc_hz\":1000000000,\"rx_pkts\":%u,\"tx_pkts\":%u,"
	         "\"cycles\":{\"driver_rx\":",
	         f->injected, f->emitted);
	assert_memory_equal(json, expect, strlen(expect));
	for (unsigned i = 0; i < COST_MAX; i++) {
		char key[32];
		snprintf(key, sizeof(key), "\"%s\":", cost_layer_name(i));
		assert_non_null(strstr(json, key));
	}
	assert_non_null(strstr(json, "\"total\":"));
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_layers_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_iteration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_json, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* !TERN_COST_ACCOUNTING */

static void
test_cost_not_built_in(void **state)
{
	(void)state;
	skip(); /* built without -Dcost_accounting=true: nothing is counted */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cost_not_built_in),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

#endif /* TERN_COST_ACCOUNTING */
