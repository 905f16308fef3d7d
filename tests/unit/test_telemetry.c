/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the /tern/ telemetry commands read, over the harness: the connection
 * listing, page by page, gathered from another thread through tern_core_post
 * while the engine is polled here (each connection once, its 4-tuple, state,
 * bytes and queues); the pool scan in slices; the configuration in force
 * named key by key as config/tap.ini names them; the counters under the exit
 * report's names; the commands' parameter.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <rte_byteorder.h>

#include "core/stats.h"
#include "harness.h"
#include "runtime/telemetry.h"
#include "tcp/tcp.h"
#include "tcp/tcp_info.h"
#include "tern.h"

#define US_PORT    7
#define PEER_PORT0 40000
#define PEER_ISN   5000000u
#define NB_CONNS   30 /* a full page and part of a second */
#define DATA_CONN  3  /* the connection that receives bytes it does not read */
#define DATA_BYTES 1000

static struct harness *h;
static struct engine *engines[1];
static const struct telemetry tm = { .app = "test", .engines = engines, .nb_engines = 1 };

/* The application does not read: bytes stay in the receive queue. */
static const struct tern_conn_ops idle_ops = { 0 };

static struct rte_mbuf *
peer_segment(uint16_t sport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t len)
{
	static uint8_t data[DATA_BYTES];

	return frame_peer_tcp(harness_pool(), &harness_iface(h)->mac, sport, US_PORT, seq, ack,
	                      flags, data, len);
}

/* Inject, poll, and return our segment's sequence number (one expected). */
static uint32_t
exchange(struct rte_mbuf *in)
{
	struct rte_mbuf *out[4];
	struct frame_tcp t;
	unsigned n = harness_exchange(h, in, out, 4);

	assert_true(n >= 1);
	assert_int_equal(frame_tcp_read(out[0], &t), 0);
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(out[i]);
	return t.seq;
}

static void
inject(struct rte_mbuf *m)
{
	harness_inject(h, &m, 1);
	harness_poll(h);
}

static int
setup(void **state)
{
	(void)state;
	h = harness_open(NULL);
	if (h == NULL)
		return -1;
	engines[0] = h->eng;
	harness_learn(h, PEER_IP, &peer_mac);
	if (harness_listen(h, US_PORT, &idle_ops, NULL) != 0)
		return -1;
	for (uint16_t i = 0; i < NB_CONNS; i++) {
		uint16_t sport = PEER_PORT0 + i;
		uint32_t iss = exchange(peer_segment(sport, PEER_ISN, 0, TH_SYN, 0));
		inject(peer_segment(sport, PEER_ISN + 1, iss + 1, TH_ACK, 0));
		if (i == DATA_CONN) /* its ACK is delayed */
			inject(peer_segment(sport, PEER_ISN + 1, iss + 1, TH_ACK | TH_PSH,
			                    DATA_BYTES));
	}
	harness_drain(h);
	return h->eng->tcp.used == NB_CONNS ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	harness_close(h);
	return 0;
}

struct gather {
	unsigned page;
	struct telemetry_conns_page pg;
	int ret;
	bool done;
};

static void *
gatherer(void *arg)
{
	struct gather *g = arg;

	g->ret = telemetry_conns_gather(&tm, g->page, &g->pg);
	__atomic_store_n(&g->done, true, __ATOMIC_RELEASE);
	return NULL;
}

/* Page @page gathered from a thread while this one polls the engine. */
static void
gather_page(struct gather *g, unsigned page)
{
	pthread_t t;
	struct timespec start, now;

	*g = (struct gather){ .page = page };
	assert_int_equal(pthread_create(&t, NULL, gatherer, g), 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		harness_poll(h);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (!__atomic_load_n(&g->done, __ATOMIC_ACQUIRE) && now.tv_sec - start.tv_sec < 5);
	pthread_join(t, NULL);
	assert_int_equal(g->ret, 0);
}

/* Two pages hold the 30 connections once each, 24 then 6, every one
 * ESTABLISHED between 198.18.0.2:7 and its peer's port; the third is empty. */
static void
test_conns_pages(void **state)
{
	struct gather g;
	bool seen[NB_CONNS] = { false };

	(void)state;
	for (unsigned page = 0; page < 3; page++) {
		gather_page(&g, page);
		assert_int_equal(g.pg.total, NB_CONNS);
		assert_int_equal(g.pg.n, page == 0   ? TELEMETRY_CONNS_PAGE
		                         : page == 1 ? NB_CONNS - TELEMETRY_CONNS_PAGE
		                                     : 0);
		for (unsigned i = 0; i < g.pg.n; i++) {
			const struct tcp_conn_info *ci = &g.pg.conns[i];
			unsigned k = rte_be_to_cpu_16(ci->key.remote_port) - PEER_PORT0;
			assert_true(k < NB_CONNS);
			assert_false(seen[k]);
			seen[k] = true;
			assert_int_equal(ci->state, TCP_ESTABLISHED);
			assert_int_equal(g.pg.engine[i], 0);
			assert_int_equal(rte_be_to_cpu_32(ci->key.local_ip), US_IP);
			assert_int_equal(rte_be_to_cpu_32(ci->key.remote_ip), PEER_IP);
			assert_int_equal(rte_be_to_cpu_16(ci->key.local_port), US_PORT);
			assert_int_equal(ci->mss, 1460);
			assert_string_equal(ci->cc, "newreno");
			assert_int_equal(ci->bytes_received, k == DATA_CONN ? DATA_BYTES : 0);
			assert_int_equal(ci->rcv_queued, k == DATA_CONN ? DATA_BYTES : 0);
			assert_int_equal(ci->bytes_acked, 0);
			assert_int_equal(ci->snd_queued, 0);
			/* Without a sample, RFC 6298 2.1's initial RTO. */
			if (ci->srtt_us == 0)
				assert_int_equal(ci->rto_ms, h->cfg.tcp_rto_init_ms);
			assert_true(ci->rcv_wnd > 0);
		}
	}
	for (unsigned k = 0; k < NB_CONNS; k++)
		assert_true(seen[k]);
}

/* A scan of one slot at a time finds what one long scan finds, and a
 * connection that ends drops out of the listing. */
static void
test_conns_scan_slices(void **state)
{
	struct tcp_conn_info all[NB_CONNS + 1], one[NB_CONNS + 1];
	struct tcp_conns_cursor cur = { 0 };
	unsigned n_all, n_one = 0;

	(void)state;
	n_all = tcp_conns_scan(h->eng, &cur, UINT32_MAX, all, NB_CONNS + 1);
	assert_int_equal(n_all, NB_CONNS);
	assert_int_equal(cur.slot, h->eng->tcp.nb_conns);
	cur = (struct tcp_conns_cursor){ .skip = 5 };
	while (cur.slot < h->eng->tcp.nb_conns)
		n_one += tcp_conns_scan(h->eng, &cur, 1, &one[n_one], NB_CONNS + 1 - n_one);
	assert_int_equal(n_one, NB_CONNS - 5);
	for (unsigned i = 0; i < n_one; i++)
		assert_memory_equal(&one[i].key, &all[5 + i].key, sizeof(one[i].key));

	/* The peer resets its connection: it leaves the pool at the next output
	 * pass and the listing with it. */
	uint16_t sport = rte_be_to_cpu_16(all[0].key.remote_port);
	inject(peer_segment(sport, PEER_ISN + 1, 0, TH_RST, 0));
	cur = (struct tcp_conns_cursor){ 0 };
	assert_int_equal(tcp_conns_scan(h->eng, &cur, UINT32_MAX, one, NB_CONNS + 1), NB_CONNS - 1);
	for (unsigned i = 0; i < NB_CONNS - 1; i++)
		assert_int_not_equal(one[i].key.remote_port, all[0].key.remote_port);
}

/* config_foreach names the keys config/tap.ini sets, in its order, with the
 * values as the file writes them (the defaults equal the file). */
struct ini_line {
	char text[192];
};

struct config_seen {
	struct ini_line lines[128];
	unsigned n;
};

static void
config_collect(void *ctx, const char *section, const char *key, const char *value,
               const uint64_t *number)
{
	struct config_seen *cs = ctx;

	assert_true(cs->n < RTE_DIM(cs->lines));
	if (number != NULL) {
		char digits[24];
		snprintf(digits, sizeof(digits), "%lu", (unsigned long)*number);
		assert_string_equal(digits, value);
	}
	snprintf(cs->lines[cs->n++].text, sizeof(cs->lines[0].text), "[%s] %s = %s", section, key,
	         value);
}

static void
test_config_keys_as_tap_ini(void **state)
{
	const char *root = getenv("TERN_SOURCE_ROOT");
	char path[512], line[256], section[32] = "";
	struct config_seen cs = { .n = 0 };
	struct config cfg;
	unsigned n = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/config/tap.ini", root != NULL ? root : ".");
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	config_defaults(&cfg);
	config_foreach(&cfg, config_collect, &cs);
	while (fgets(line, sizeof(line), f) != NULL) {
		char key[64], value[64], want[192];
		if (sscanf(line, "[%31[^]]]", section) == 1)
			continue;
		if (sscanf(line, "%63[a-z_] = %63s", key, value) != 2)
			continue; /* comments, blank lines */
		snprintf(want, sizeof(want), "[%s] %s = %s", section, key, value);
		assert_true(n < cs.n);
		assert_string_equal(cs.lines[n].text, want);
		n++;
	}
	fclose(f);
	assert_true(n > 40);
	assert_int_equal(n, cs.n);
}

/* Keys left unset (the MAC, the gateway) are left out; set, they appear. */
static void
test_config_optional_keys(void **state)
{
	struct config_seen cs = { .n = 0 };
	struct config cfg;
	bool mac = false, gw = false;

	(void)state;
	config_defaults(&cfg);
	cfg.mac_set = true;
	cfg.mac = (struct rte_ether_addr){ { 0x02, 0, 0, 0, 0, 0x0a } };
	cfg.ip_gateway = PEER_IP;
	cfg.fault_rx.drop = 0.05;
	config_foreach(&cfg, config_collect, &cs);
	for (unsigned i = 0; i < cs.n; i++) {
		mac |= strcmp(cs.lines[i].text, "[port] mac = 02:00:00:00:00:0A") == 0;
		gw |= strcmp(cs.lines[i].text, "[ip] gateway = 198.18.0.1") == 0;
	}
	assert_true(mac);
	assert_true(gw);
	bool drop = false;
	for (unsigned i = 0; i < cs.n; i++)
		drop |= strcmp(cs.lines[i].text, "[fault] rx_drop = 0.05") == 0;
	assert_true(drop);
}

/* The counters under the exit report's names: every counter, and the drops
 * that happened, as "drop.<reason>". */
struct stats_seen {
	unsigned counters;
	unsigned drops;
	bool opened;
	bool no_conn;
};

static void
stats_collect(void *ctx, const char *group, const char *name, uint64_t v)
{
	struct stats_seen *ss = ctx;

	if (group == NULL) {
		ss->counters++;
		ss->opened |= strcmp(name, "tcp_conns_opened") == 0 && v == 2;
	} else {
		assert_string_equal(group, "drop");
		ss->drops++;
		ss->no_conn |= strcmp(name, "tcp_no_conn") == 0 && v == 3;
	}
}

static void
test_stats_names(void **state)
{
	struct net_stats s = { .tcp_conns_opened = 2 };
	struct stats_seen ss = { 0 };
	char *buf = NULL;
	size_t len = 0;

	(void)state;
	s.drops[DROP_TCP_NO_CONN] = 3;
	stats_foreach(&s, stats_collect, &ss);
	assert_int_equal(ss.counters, sizeof(s) / sizeof(uint64_t) - DROP_MAX);
	assert_int_equal(ss.drops, 1);
	assert_true(ss.opened);
	assert_true(ss.no_conn);
	FILE *f = open_memstream(&buf, &len);
	stats_print(f, "total.", &s);
	fclose(f);
	assert_non_null(strstr(buf, "total.tcp_conns_opened 2\n"));
	assert_non_null(strstr(buf, "total.drop.tcp_no_conn 3\n"));
	assert_null(strstr(buf, "drop.ip_short"));
	unsigned lines = 0;
	for (char *p = buf; *p != '\0'; p++)
		lines += *p == '\n';
	assert_int_equal(lines, ss.counters + ss.drops);
	free(buf);
}

static void
test_param_index(void **state)
{
	unsigned v = 99;

	(void)state;
	assert_int_equal(telemetry_param_index(NULL, 7, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(telemetry_param_index("", 7, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(telemetry_param_index("12", 7, &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(telemetry_param_index("x", 7, &v), -EINVAL);
	assert_int_equal(telemetry_param_index("-1", 7, &v), -EINVAL);
	assert_int_equal(telemetry_param_index("1 ", 7, &v), -EINVAL);
	assert_int_equal(telemetry_param_index("12345678901", 7, &v), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conns_pages),
		cmocka_unit_test(test_conns_scan_slices),
		cmocka_unit_test(test_config_keys_as_tap_ini),
		cmocka_unit_test(test_config_optional_keys),
		cmocka_unit_test(test_stats_names),
		cmocka_unit_test(test_param_index),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
