/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-httpd's canned responses: every answer whose bytes are known in
 * advance (GET / and the error pages, each kept alive or closing, with or
 * without its body) built once per core, head and body in one buffer, so
 * that answering a request is one tern_send() of it and nothing is
 * formatted per request. Only the Date field (RFC 9110 6.6.1) changes: once
 * a second it is written into every one of them in place.
 *
 *   httpd_core_start -> httpd_responses_init
 *   route            -> httpd_canned_of -> one tern_send of ->bytes
 *   poll             -> httpd_responses_date (the second changed: patch)
 */
#ifndef TERN_HTTPD_RESP_H
#define TERN_HTTPD_RESP_H

#include <stdbool.h>
#include <stdint.h>

#include "http_parse.h"

/* The response codes this server sends, for the counters and the canned set. */
enum httpd_status {
	HTTPD_200,
	HTTPD_400,
	HTTPD_404,
	HTTPD_405,
	HTTPD_NSTATUS,
};

/* Room for the largest canned response (GET / kept alive: 256 bytes). */
#define HTTPD_CANNED_MAX 320

/* GET / of this server, for httpd_canned_of(HTTPD_200) and the tests. */
extern const char httpd_index_page[];
extern const unsigned httpd_index_page_len;

struct httpd_canned {
	uint16_t len;      /* head and body */
	uint16_t head_len; /* the head alone, what HEAD gets */
	uint16_t date_off; /* where the HTTP_DATE_LEN bytes of Date's value are */
	char bytes[HTTPD_CANNED_MAX];
};

struct httpd_responses {
	/* [status][keep_alive]: HEAD sends the first head_len bytes. */
	struct httpd_canned canned[HTTPD_NSTATUS][2];
	int64_t date_s; /* the second the Date fields say */
	char date[HTTP_DATE_LEN + 1];
};

/* Build every canned response with @now_s as their Date; 0, or -ENOSPC if
 * one would not fit (a build-time mistake, caught at start). */
int httpd_responses_init(struct httpd_responses *r, int64_t now_s);

/* The clock says @now_s: if the second changed, write the new Date into
 * every canned response. Returns true if it did. */
bool httpd_responses_date(struct httpd_responses *r, int64_t now_s);

/* The body of an error response of @status (not HTTPD_200). */
const char *httpd_error_body(enum httpd_status status);

static inline const struct httpd_canned *
httpd_canned_of(const struct httpd_responses *r, enum httpd_status status, bool keep_alive)
{
	return &r->canned[status][keep_alive];
}

#endif /* TERN_HTTPD_RESP_H */
