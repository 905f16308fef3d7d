/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-httpd's canned responses: built from http_format_head() and the fixed
 * bodies once, their Date patched in place once a second (httpd_resp.h).
 */
#include <errno.h>
#include <string.h>

#include "httpd_resp.h"

const char httpd_index_page[] =
        "Hello from tern-httpd: HTTP/1.1 over Tern, a userspace TCP/IPv4 stack on DPDK.\n"
        "GET /bytes/N returns N bytes, N up to 1073741824.\n";
const unsigned httpd_index_page_len = sizeof(httpd_index_page) - 1;

static const struct {
	int code;
	const char *body; /* the error codes' */
} status_info[HTTPD_NSTATUS] = {
	[HTTPD_200] = { 200, NULL },
	[HTTPD_400] = { 400, "Bad Request\n" },
	[HTTPD_404] = { 404, "Not Found\n" },
	[HTTPD_405] = { 405, "Method Not Allowed\n" },
};

const char *
httpd_error_body(enum httpd_status status)
{
	return status_info[status].body;
}

static int
canned_build(struct httpd_canned *c, enum httpd_status status, bool keep_alive, const char *date)
{
	const char *body = status == HTTPD_200 ? httpd_index_page : status_info[status].body;
	size_t body_len = strlen(body);
	int n = http_format_head(c->bytes, sizeof(c->bytes), status_info[status].code, body_len,
	                         keep_alive, date);

	if (n < 0 || (size_t)n + body_len > sizeof(c->bytes))
		return -ENOSPC;
	memcpy(c->bytes + n, body, body_len);
	c->head_len = (uint16_t)n;
	c->len = (uint16_t)(n + body_len);
	/* http_format_head puts Date right after the status-line. */
	const char *d = strstr(c->bytes, "\r\nDate: ");
	if (d == NULL)
		return -EINVAL;
	c->date_off = (uint16_t)(d + 8 - c->bytes);
	return 0;
}

int
httpd_responses_init(struct httpd_responses *r, int64_t now_s)
{
	r->date_s = now_s;
	http_format_date(r->date, now_s);
	for (unsigned s = 0; s < HTTPD_NSTATUS; s++) {
		for (unsigned ka = 0; ka < 2; ka++) {
			int ret = canned_build(&r->canned[s][ka], (enum httpd_status)s, ka != 0,
			                       r->date);
			if (ret != 0)
				return ret;
		}
	}
	return 0;
}

bool
httpd_responses_date(struct httpd_responses *r, int64_t now_s)
{
	if (now_s == r->date_s)
		return false;
	r->date_s = now_s;
	http_format_date(r->date, now_s);
	for (unsigned s = 0; s < HTTPD_NSTATUS; s++)
		for (unsigned ka = 0; ka < 2; ka++)
			memcpy(r->canned[s][ka].bytes + r->canned[s][ka].date_off, r->date,
			       HTTP_DATE_LEN);
	return true;
}
