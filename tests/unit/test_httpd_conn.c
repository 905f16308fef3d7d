/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-httpd's connection over the harness: a canned response the send
 * buffer takes only part of goes out whole and as it was when it was
 * answered, though its Date changes (once a second) before the rest goes.
 *
 *   one connection, a 4096-byte send buffer; "GET /bytes/N" and "GET /" in
 *   one segment, nothing acknowledged -> the buffer fills part way into
 *   GET /'s canned response -> a new second (httpd_responses_date) -> all
 *   acknowledged -> the rest. N runs over a range so that for some N the
 *   buffer ends inside the Date field; the test checks it did.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "harness.h"
#include "http_client.h"
#include "httpd.h"
#include "tern.h"

#define PORT      80
#define PEER_PORT 4000
#define ISN       1000u
#define STREAM    16384

struct peer {
	uint32_t nxt;  /* our next sequence number */
	uint32_t irs;  /* the server's initial sequence number */
	uint32_t high; /* stream bytes received so far */
	char stream[STREAM];
};

static struct rte_mbuf *
seg(struct harness *h, const struct peer *p, uint8_t flags, const char *data, uint16_t len)
{
	struct frame_tcp t = { .src_ip = PEER_IP,
		               .dst_ip = US_IP,
		               .sport = PEER_PORT,
		               .dport = PORT,
		               .seq = p->nxt,
		               .ack = p->irs + 1 + p->high,
		               .flags = flags,
		               .win = 65535,
		               .data = (const uint8_t *)data,
		               .len = len };

	if (flags & TH_SYN) {
		t.opts.has_mss = true;
		t.opts.mss = 1460;
	}
	return frame_tcp(h->pool, &harness_iface(h)->mac, &t);
}

/* Inject @m, poll, and take what the server sent into the stream. */
static void
exchange(struct harness *h, struct peer *p, struct rte_mbuf *m)
{
	struct rte_mbuf *out[64];
	struct frame_tcp t;
	unsigned n;

	harness_inject(h, &m, 1);
	harness_advance_us(h, 10);
	while ((n = harness_collect(h, out, RTE_DIM(out))) != 0) {
		for (unsigned i = 0; i < n; i++) {
			assert_int_equal(frame_tcp_read(out[i], &t), 0);
			if (t.flags & TH_SYN)
				p->irs = t.seq;
			uint32_t off = t.seq - (p->irs + 1);
			if (t.len > 0 && off == p->high && off + t.len <= STREAM) {
				memcpy(p->stream + off, t.data, t.len);
				p->high += t.len;
			}
			rte_pktmbuf_free(out[i]);
		}
	}
}

/* Forty days, an hour, a minute and a second on: every field of the Date
 * but the year differs, so a Date torn between two seconds is neither. */
#define LATER_S (40 * 86400 + 3661)

/* One run with GET /bytes/@n first: returns 1 if the send buffer ended
 * inside GET /'s Date, 0 otherwise; fails if GET /'s Date is a mix of the
 * second it was answered in and the next (it may be either whole: a
 * response nothing of which was taken yet goes as the canned one is). */
static int
run_one(struct harness *h, struct httpd *hd, uint64_t n)
{
	static struct peer p;
	char req[128];
	int len = snprintf(
	        req, sizeof(req),
	        "GET /bytes/%lu HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n",
	        (unsigned long)n);
	struct httpd_core *hc;
	char want[HTTP_DATE_LEN + 1], later[HTTP_DATE_LEN + 1];

	assert_int_equal(harness_reset(h, NULL), 0);
	harness_learn(h, PEER_IP, &peer_mac);
	unsigned idx = tern_core_index((struct tern_core *)h->eng);
	httpd_core_free(hd->cores[idx]);
	hd->cores[idx] = NULL;
	httpd_core_start((struct tern_core *)h->eng, hd);
	hc = hd->cores[idx];
	assert_non_null(hc);
	assert_int_equal(harness_listen(h, PORT, &httpd_conn_ops, hd), 0);
	memset(&p, 0, sizeof(p));
	p.nxt = ISN;
	exchange(h, &p, seg(h, &p, TH_SYN, NULL, 0));
	p.nxt++;
	exchange(h, &p, seg(h, &p, TH_ACK, NULL, 0));
	/* Both requests, nothing of the responses acknowledged: the send
	 * buffer fills. */
	exchange(h, &p, seg(h, &p, TH_ACK, req, (uint16_t)len));
	p.nxt += (uint32_t)len;
	uint32_t first = p.high;
	/* A new second, then everything acknowledged: the rest goes. */
	memcpy(want, hc->resp.date, sizeof(want));
	assert_true(httpd_responses_date(&hc->resp, hc->resp.date_s + LATER_S));
	memcpy(later, hc->resp.date, sizeof(later));
	for (int i = 0; i < 20 && p.high < STREAM; i++) {
		uint32_t before = p.high;
		exchange(h, &p, seg(h, &p, TH_ACK, NULL, 0));
		if (p.high == before)
			break;
	}
	/* Two whole responses; the second's Date is the one it was answered with. */
	struct lg_http_resp r;
	enum lg_http_status st;
	size_t off = 0, second = 0;
	lg_http_init(&r);
	for (int k = 0; k < 2; k++) {
		if (k == 1)
			second = off;
		off += lg_http_feed(&r, p.stream + off, p.high - off, &st);
		assert_int_equal(st, LG_HTTP_DONE);
		assert_int_equal(r.status, 200);
	}
	assert_int_equal(off, p.high);
	const char *d = memmem(p.stream + second, p.high - second, "\r\nDate: ", 8);
	assert_non_null(d);
	size_t date_at = (size_t)(d + 8 - p.stream);
	bool split = first > date_at && first < date_at + HTTP_DATE_LEN;
	if (memcmp(p.stream + date_at, want, HTTP_DATE_LEN) != 0 &&
	    (split || memcmp(p.stream + date_at, later, HTTP_DATE_LEN) != 0))
		fail_msg("N=%lu: GET /'s Date is '%.29s', answered at '%s' (%u bytes went first)",
		         (unsigned long)n, p.stream + date_at, want, first);
	return split;
}

static void
test_partial_canned(void **state)
{
	struct httpd hd = { .tag = HTTPD_TAG_SERVER, .port = PORT, .conns_per_core = 4 };
	struct config cfg;
	int torn = 0;

	(void)state;
	harness_config_defaults(&cfg);
	cfg.tcp_snd_buf = 4096;
	struct harness *h = harness_open(&cfg);
	assert_non_null(h);
	for (uint64_t n = 3700; n < 4096; n++)
		torn += run_one(h, &hd, n);
	/* Else the test proved nothing: no run split a Date. */
	assert_true(torn > 0);
	unsigned idx = tern_core_index((struct tern_core *)h->eng);
	harness_close(h);
	httpd_core_free(hd.cores[idx]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_partial_canned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
