/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-httpd's canned responses (httpd_resp.h): each is what
 * http_format_head() and the body would give, byte for byte, with the Date
 * of its second; a new second rewrites the Date of every one and nothing
 * else; the same second rewrites nothing. And tern-loadgen's parser reads
 * every one of them as one whole response.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http_client.h"
#include "httpd_resp.h"

static const int codes[HTTPD_NSTATUS] = { 200, 400, 404, 405 };

/* What canned[@s][@ka] must hold at @now_s. */
static size_t
expected(enum httpd_status s, bool ka, int64_t now_s, char *buf, size_t len, size_t *head)
{
	char date[HTTP_DATE_LEN + 1];
	const char *body = s == HTTPD_200 ? httpd_index_page : httpd_error_body(s);
	int n;

	http_format_date(date, now_s);
	n = http_format_head(buf, len, codes[s], strlen(body), ka, date);
	assert_true(n > 0 && (size_t)n + strlen(body) <= len);
	memcpy(buf + n, body, strlen(body));
	*head = (size_t)n;
	return (size_t)n + strlen(body);
}

static void
check_all(const struct httpd_responses *r, int64_t now_s)
{
	char want[HTTPD_CANNED_MAX + 64];
	size_t head;

	for (unsigned s = 0; s < HTTPD_NSTATUS; s++) {
		for (unsigned ka = 0; ka < 2; ka++) {
			const struct httpd_canned *c = httpd_canned_of(r, s, ka);
			size_t n = expected(s, ka, now_s, want, sizeof(want), &head);

			assert_int_equal(c->len, n);
			assert_int_equal(c->head_len, head);
			assert_memory_equal(c->bytes, want, n);
		}
	}
}

static void
test_canned(void **state)
{
	struct httpd_responses r;

	(void)state;
	assert_int_equal(httpd_responses_init(&r, 784111777), 0);
	check_all(&r, 784111777);
	assert_int_equal(httpd_canned_of(&r, HTTPD_200, true)->len - httpd_index_page_len,
	                 httpd_canned_of(&r, HTTPD_200, true)->head_len);
	/* The same second: nothing to do. A new one: every Date, nothing else. */
	assert_false(httpd_responses_date(&r, 784111777));
	assert_true(httpd_responses_date(&r, 784111778));
	check_all(&r, 784111778);
	assert_true(httpd_responses_date(&r, 1798761599));
	check_all(&r, 1798761599);
}

/* The client the bench uses reads each canned response as one whole
 * response with its status, kept alive or closing as said, HEAD's too. */
static void
test_parsed(void **state)
{
	struct httpd_responses r;
	struct lg_http_resp p;
	enum lg_http_status st;

	(void)state;
	assert_int_equal(httpd_responses_init(&r, 784111777), 0);
	for (unsigned s = 0; s < HTTPD_NSTATUS; s++) {
		for (unsigned ka = 0; ka < 2; ka++) {
			const struct httpd_canned *c = httpd_canned_of(&r, s, ka);
			lg_http_init(&p);
			assert_int_equal(lg_http_feed(&p, c->bytes, c->len, &st), c->len);
			assert_int_equal(st, LG_HTTP_DONE);
			assert_int_equal(p.status, codes[s]);
			assert_int_equal(p.close, !ka);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_canned),
		cmocka_unit_test(test_parsed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
