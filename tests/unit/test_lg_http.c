/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-loadgen's HTTP response parser (RFC 9112) and request: every response
 * of the tables is fed whole, one byte at a time, and split in two at every
 * byte; the outcome, the bytes consumed, the status and "close" must be the
 * same each time. Malformed responses must be errors, never responses served.
 * Then back-to-back responses, the head limit, the request's bytes, and the
 * remembered head: any response after any other, and 50,000 seeded mutations
 * of them, give the outcome a fresh parser gives.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>

#include <cmocka.h>

#include "http_client.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

/* tern-httpd's GET / head before this change, and a 5-byte body. */
#define OK_HEAD                                                                                    \
	"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n"                     \
	"Connection: keep-alive\r\n\r\n"

struct resp_case {
	const char *name;
	const char *in;
	enum lg_http_error error; /* LG_HTTP_ERR_NONE: LG_HTTP_DONE */
	size_t consumed;          /* DONE: 0 means all of in */
	uint16_t status;          /* DONE: 0 means 200 */
	bool close;
};

static const struct resp_case good[] = {
	{ .name = "tern-httpd's head and body", .in = OK_HEAD "hello" },
	{ .name = "the next response's bytes are left",
	  .in = OK_HEAD "helloHTTP/1.1 200",
	  .consumed = sizeof(OK_HEAD "hello") - 1 },
	{ .name = "Connection: close",
	  .in = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\nx",
	  .close = true },
	{ .name = "close among options, any case, OWS",
	  .in = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: foo ,  CLOSE \r\n\r\n",
	  .close = true },
	{ .name = "keep-alive is not close",
	  .in = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: closed, keep-alive\r\n\r\n" },
	{ .name = "HTTP/1.0, empty reason", .in = "HTTP/1.0 200 \r\ncontent-length:2\r\n\r\nab" },
	{ .name = "equal Content-Length list",
	  .in = "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nab" },
	{ .name = "repeated equal Content-Length",
	  .in = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab" },
	{ .name = "404 with a body",
	  .in = "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno\n",
	  .status = 404 },
	{ .name = "204 has no body", .in = "HTTP/1.1 204 No Content\r\n\r\n", .status = 204 },
	{ .name = "304 ignores Content-Length",
	  .in = "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
	  .status = 304 },
	{ .name = "reason with obs-text and HTAB",
	  .in = "HTTP/1.1 200 O\tK \xe9\r\nContent-Length: 0\r\n\r\n" },
};

static const struct resp_case bad[] = {
	{ .name = "HTTP/2",
	  .in = "HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",
	  .error = LG_HTTP_ERR_STATUS_LINE },
	{ .name = "two-digit status",
	  .in = "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
	  .error = LG_HTTP_ERR_STATUS_LINE },
	{ .name = "no SP after the status code",
	  .in = "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n",
	  .error = LG_HTTP_ERR_STATUS_LINE },
	{ .name = "lowercase version",
	  .in = "http/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	  .error = LG_HTTP_ERR_STATUS_LINE },
	{ .name = "control byte in reason",
	  .in = "HTTP/1.1 200 O\x01K\r\nContent-Length: 0\r\n\r\n",
	  .error = LG_HTTP_ERR_STATUS_LINE },
	{ .name = "empty line first",
	  .in = "\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
	  .error = LG_HTTP_ERR_STATUS_LINE },
	{ .name = "bare LF",
	  .in = "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",
	  .error = LG_HTTP_ERR_LINE_END },
	{ .name = "bare LF ends the head",
	  .in = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\n",
	  .error = LG_HTTP_ERR_LINE_END },
	{ .name = "CR inside a field",
	  .in = "HTTP/1.1 200 OK\r\nContent-Length: 0\rX\r\n\r\n",
	  .error = LG_HTTP_ERR_LINE_END },
	{ .name = "no Content-Length",
	  .in = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nab",
	  .error = LG_HTTP_ERR_NO_LENGTH },
	{ .name = "chunked",
	  .in = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	  .error = LG_HTTP_ERR_TRANSFER_ENCODING },
	{ .name = "Content-Length not decimal",
	  .in = "HTTP/1.1 200 OK\r\nContent-Length: 0x5\r\n\r\n",
	  .error = LG_HTTP_ERR_CONTENT_LENGTH },
	{ .name = "Content-Length signed",
	  .in = "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n",
	  .error = LG_HTTP_ERR_CONTENT_LENGTH },
	{ .name = "Content-Length empty",
	  .in = "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n",
	  .error = LG_HTTP_ERR_CONTENT_LENGTH },
	{ .name = "Content-Length overflows",
	  .in = "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
	  .error = LG_HTTP_ERR_CONTENT_LENGTH },
	{ .name = "differing Content-Lengths",
	  .in = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
	  .error = LG_HTTP_ERR_CONTENT_LENGTH },
	{ .name = "differing Content-Length list",
	  .in = "HTTP/1.1 200 OK\r\nContent-Length: 2, 3\r\n\r\n",
	  .error = LG_HTTP_ERR_CONTENT_LENGTH },
	{ .name = "obs-fold",
	  .in = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n  more\r\n\r\n",
	  .error = LG_HTTP_ERR_FIELD },
	{ .name = "space before the colon",
	  .in = "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n",
	  .error = LG_HTTP_ERR_FIELD },
	{ .name = "no colon",
	  .in = "HTTP/1.1 200 OK\r\nContent-Length 0\r\n\r\n",
	  .error = LG_HTTP_ERR_FIELD },
	{ .name = "empty name",
	  .in = "HTTP/1.1 200 OK\r\n: 0\r\nContent-Length: 0\r\n\r\n",
	  .error = LG_HTTP_ERR_FIELD },
};

/* Feed @n bytes of @in in pieces cut at @cuts (ascending, < n), until the
 * parser stops; the bytes consumed in all. */
static size_t
feed_cut(struct lg_http_resp *r, const char *in, size_t n, const size_t *cuts, size_t ncuts,
         enum lg_http_status *st)
{
	size_t done = 0;

	*st = LG_HTTP_MORE;
	for (size_t i = 0; i <= ncuts && *st == LG_HTTP_MORE; i++) {
		size_t end = i < ncuts ? cuts[i] : n;
		while (done < end && *st == LG_HTTP_MORE)
			done += lg_http_feed(r, in + done, end - done, st);
	}
	return done;
}

static void
check(const struct resp_case *c, const char *how, struct lg_http_resp *r, size_t done,
      enum lg_http_status st)
{
	size_t n = strlen(c->in);

	if (c->error != LG_HTTP_ERR_NONE) {
		if (st != LG_HTTP_ERROR || r->error != c->error)
			fail_msg("%s (%s): status %d error %s, expected %s", c->name, how, st,
			         lg_http_error_str(r->error), lg_http_error_str(c->error));
		return;
	}
	if (st != LG_HTTP_DONE)
		fail_msg("%s (%s): status %d (%s), expected DONE", c->name, how, st,
		         lg_http_error_str(r->error));
	if (done != (c->consumed != 0 ? c->consumed : n))
		fail_msg("%s (%s): consumed %zu of %zu", c->name, how, done, n);
	assert_int_equal(r->status, c->status != 0 ? c->status : 200);
	assert_int_equal(r->close, c->close);
}

static void
run_case(const struct resp_case *c)
{
	size_t n = strlen(c->in);
	struct lg_http_resp r;
	enum lg_http_status st;
	char how[48];

	size_t done;

	/* done first: check() must see the status feed_cut() leaves. */
	lg_http_init(&r);
	done = feed_cut(&r, c->in, n, NULL, 0, &st);
	check(c, "whole", &r, done, st);
	/* One byte at a time. */
	lg_http_init(&r);
	done = 0;
	st = LG_HTTP_MORE;
	while (done < n && st == LG_HTTP_MORE)
		done += lg_http_feed(&r, c->in + done, 1, &st);
	check(c, "bytewise", &r, done, st);
	for (size_t cut = 1; cut < n; cut++) {
		lg_http_init(&r);
		snprintf(how, sizeof(how), "split at %zu", cut);
		done = feed_cut(&r, c->in, n, &cut, 1, &st);
		check(c, how, &r, done, st);
	}
}

static void
test_good(void **state)
{
	(void)state;
	for (size_t i = 0; i < DIM(good); i++)
		run_case(&good[i]);
}

static void
test_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < DIM(bad); i++)
		run_case(&bad[i]);
}

/* One case fed whole to @r, as lg_http_reuse() leaves it (the last head
 * remembered): the outcome must be the case's own. */
static void
run_after(const struct resp_case *c, const char *after, struct lg_http_resp *r)
{
	enum lg_http_status st;
	char how[96];

	lg_http_reuse(r);
	snprintf(how, sizeof(how), "whole, after '%s'", after);
	size_t done = feed_cut(r, c->in, strlen(c->in), NULL, 0, &st);
	check(c, how, r, done, st);
}

/* The remembered head (lg_http_feed takes a head of the same bytes as the
 * last one's outcome): every case after every good one, each twice, gives
 * its own outcome, the second time from the remembered head when it is
 * good. A head one byte away from the remembered one is parsed. */
static void
test_seen_head(void **state)
{
	static const struct resp_case near[] = {
		{ .name = "Content-Length: x after 5",
		  .in = "HTTP/1.1 200 OK\r\nContent-Length: x\r\nContent-Type: text/plain\r\n"
		        "Connection: keep-alive\r\n\r\nhello",
		  .error = LG_HTTP_ERR_CONTENT_LENGTH },
		{ .name = "Content-Length: 4 after 5",
		  .in = "HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Type: text/plain\r\n"
		        "Connection: keep-alive\r\n\r\nhell" },
		{ .name = "close after keep-alive",
		  .in = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n"
		        "Connection: close     \r\n\r\nhello",
		  .close = true },
	};
	struct lg_http_resp r;
	enum lg_http_status st;

	(void)state;
	for (size_t i = 0; i < DIM(good); i++) {
		for (size_t j = 0; j < DIM(good) + DIM(bad); j++) {
			const struct resp_case *c = j < DIM(good) ? &good[j] : &bad[j - DIM(good)];
			lg_http_init(&r);
			run_after(&good[i], "nothing", &r);
			run_after(c, good[i].name, &r);
			run_after(c, c->name, &r);
		}
	}
	for (size_t k = 0; k < DIM(near); k++) {
		lg_http_init(&r);
		run_after(&good[0], "nothing", &r);
		assert_int_equal(r.seen_len, sizeof(OK_HEAD) - 1);
		run_after(&near[k], good[0].name, &r);
	}
	/* The remembered head's bytes but its last: not whole yet. */
	lg_http_init(&r);
	run_after(&good[0], "nothing", &r);
	lg_http_reuse(&r);
	assert_int_equal(lg_http_feed(&r, OK_HEAD, sizeof(OK_HEAD) - 2, &st), sizeof(OK_HEAD) - 2);
	assert_int_equal(st, LG_HTTP_MORE);
	/* lg_http_reuse keeps it, lg_http_init forgets it; a head over
	 * LG_HTTP_SEEN_MAX bytes is not remembered. */
	lg_http_reuse(&r);
	assert_int_equal(r.seen_len, sizeof(OK_HEAD) - 1);
	lg_http_init(&r);
	assert_int_equal(r.seen_len, 0);
	static char big[LG_HTTP_SEEN_MAX + 64];
	static const char start[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX: ";
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, start, sizeof(start) - 1);
	memcpy(big + sizeof(big) - 5, "\r\n\r\n", 4);
	assert_int_equal(lg_http_feed(&r, big, sizeof(big) - 1, &st), sizeof(big) - 1);
	assert_int_equal(st, LG_HTTP_DONE);
	assert_int_equal(r.seen_len, 0);
}

/* xorshift64: the mutations below, the same each run. */
static uint64_t
next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* The remembered head searched for, not only the tables: seeded mutations
 * of the good cases (1-3 bytes changed, or the response cut short), each fed
 * whole to a parser that keeps its remembered head (after the unmutated
 * response half of the time) and to a fresh one: the two must agree on
 * everything the caller reads. */
static void
test_seen_head_mutations(void **state)
{
	struct lg_http_resp kept, fresh;
	uint64_t x = 0x7465726e6c67ull;
	char buf[256];

	(void)state;
	lg_http_init(&kept);
	for (unsigned i = 0; i < 50000; i++) {
		const struct resp_case *c = &good[next_rand(&x) % DIM(good)];
		size_t n = strlen(c->in), used_k, used_f;
		enum lg_http_status st_k, st_f;

		assert_true(n <= sizeof(buf));
		if (next_rand(&x) & 1) {
			lg_http_reuse(&kept);
			lg_http_feed(&kept, c->in, n, &st_k);
		}
		memcpy(buf, c->in, n);
		for (unsigned k = 1 + next_rand(&x) % 3; k > 0; k--)
			buf[next_rand(&x) % n] = (char)next_rand(&x);
		if (next_rand(&x) % 4 == 0)
			n = next_rand(&x) % n;
		lg_http_reuse(&kept);
		lg_http_init(&fresh);
		used_k = lg_http_feed(&kept, buf, n, &st_k);
		used_f = lg_http_feed(&fresh, buf, n, &st_f);
		if (st_k != st_f || used_k != used_f || kept.error != fresh.error ||
		    (st_k == LG_HTTP_DONE &&
		     (kept.status != fresh.status || kept.close != fresh.close)) ||
		    kept.body_left != fresh.body_left || kept.in_body != fresh.in_body)
			fail_msg("mutation %u of '%s': remembered %d/%zu/%s/%u/%d, fresh "
			         "%d/%zu/%s/%u/%d",
			         i, c->name, st_k, used_k, lg_http_error_str(kept.error),
			         kept.status, kept.close, st_f, used_f,
			         lg_http_error_str(fresh.error), fresh.status, fresh.close);
	}
}

/* An error sticks: nothing more is consumed until lg_http_init(). */
static void
test_error_sticks(void **state)
{
	static const char in[] = "HTTP/1.1 20 OK\r\n\r\n";
	struct lg_http_resp r;
	enum lg_http_status st;

	(void)state;
	lg_http_init(&r);
	lg_http_feed(&r, in, sizeof(in) - 1, &st);
	assert_int_equal(st, LG_HTTP_ERROR);
	assert_int_equal(lg_http_feed(&r, OK_HEAD "hello", 10, &st), 0);
	assert_int_equal(st, LG_HTTP_ERROR);
	lg_http_init(&r);
	assert_int_equal(lg_http_feed(&r, OK_HEAD "hello", sizeof(OK_HEAD "hello") - 1, &st),
	                 sizeof(OK_HEAD "hello") - 1);
	assert_int_equal(st, LG_HTTP_DONE);
}

/* Responses back to back in one buffer, and their bytes split anywhere. */
static void
test_back_to_back(void **state)
{
	static const char one[] = OK_HEAD "hello";
	char in[4 * sizeof(one)];
	struct lg_http_resp r;
	enum lg_http_status st;
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 4; i++) {
		memcpy(in + n, one, sizeof(one) - 1);
		n += sizeof(one) - 1;
	}
	for (size_t chunk = 1; chunk <= n; chunk++) {
		size_t done = 0, responses = 0;
		lg_http_init(&r);
		while (done < n) {
			size_t end = done + chunk < n ? done + chunk : n;
			size_t used = lg_http_feed(&r, in + done, end - done, &st);
			assert_int_not_equal(st, LG_HTTP_ERROR);
			if (st == LG_HTTP_DONE) {
				responses++;
				assert_int_equal((done + used) % (sizeof(one) - 1), 0);
			}
			done += used;
		}
		assert_int_equal(responses, 4);
		assert_false(r.in_body);
		assert_int_equal(r.head_len, 0);
	}
}

/* A head of exactly LG_HTTP_HEAD_MAX bytes passes, whole or in pieces; one
 * byte more is an error, also when no empty line ever comes. */
static void
test_head_limit(void **state)
{
	static char in[LG_HTTP_HEAD_MAX + 64];
	static const char start[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX: ";
	struct lg_http_resp r;
	enum lg_http_status st;

	(void)state;
	for (size_t extra = 0; extra <= 1; extra++) {
		size_t n = LG_HTTP_HEAD_MAX + extra;
		memcpy(in, start, sizeof(start) - 1);
		memset(in + sizeof(start) - 1, 'a', n - (sizeof(start) - 1) - 4);
		memcpy(in + n - 4, "\r\n\r\n", 4);
		size_t cuts[] = { 0, 7, 500, n - 1 };
		for (size_t k = 0; k < DIM(cuts); k++) {
			lg_http_init(&r);
			size_t done = feed_cut(&r, in, n, cuts[k] != 0 ? &cuts[k] : NULL,
			                       cuts[k] != 0, &st);
			if (extra == 0) {
				assert_int_equal(st, LG_HTTP_DONE);
				assert_int_equal(done, n);
			} else {
				assert_int_equal(st, LG_HTTP_ERROR);
				assert_int_equal(r.error, LG_HTTP_ERR_HEAD_TOO_LARGE);
			}
		}
	}
	/* No empty line: an error once the limit is reached, whole or bytewise. */
	memset(in, 'a', sizeof(in));
	memcpy(in, start, sizeof(start) - 1);
	lg_http_init(&r);
	lg_http_feed(&r, in, sizeof(in), &st);
	assert_int_equal(st, LG_HTTP_ERROR);
	assert_int_equal(r.error, LG_HTTP_ERR_HEAD_TOO_LARGE);
	lg_http_init(&r);
	st = LG_HTTP_MORE;
	for (size_t i = 0; i < sizeof(in) && st == LG_HTTP_MORE; i++)
		lg_http_feed(&r, in + i, 1, &st);
	assert_int_equal(st, LG_HTTP_ERROR);
	assert_int_equal(r.error, LG_HTTP_ERR_HEAD_TOO_LARGE);
}

static void
test_request(void **state)
{
	char buf[LG_HTTP_REQUEST_MAX];

	(void)state;
	assert_int_equal(lg_http_request(buf, sizeof(buf), "/", 0xc6120101, 80, false), 36);
	assert_string_equal(buf, "GET / HTTP/1.1\r\nHost: 198.18.1.1\r\n\r\n");
	int n = lg_http_request(buf, sizeof(buf), "/", 0xc6120101, 8080, true);
	assert_string_equal(buf,
	                    "GET / HTTP/1.1\r\nHost: 198.18.1.1:8080\r\nConnection: close\r\n\r\n");
	assert_int_equal(n, (int)strlen(buf));
	/* The longest address and port fit LG_HTTP_REQUEST_MAX. */
	assert_true(lg_http_request(buf, sizeof(buf), "/", 0xffffffff, 65535, true) > 0);
	assert_int_equal(lg_http_request(buf, 20, "/", 0xc6120101, 80, false), -ENOSPC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),         cmocka_unit_test(test_bad),
		cmocka_unit_test(test_error_sticks), cmocka_unit_test(test_back_to_back),
		cmocka_unit_test(test_head_limit),   cmocka_unit_test(test_request),
		cmocka_unit_test(test_seen_head),    cmocka_unit_test(test_seen_head_mutations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
