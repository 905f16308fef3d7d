/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: tern-httpd's request-head parser (app/tern-httpd/
 * http_parse.c). The input is a byte stream as a connection would receive
 * it, pipelined heads and all. It is parsed three ways: in one piece, split
 * in two at a point the input's last byte picks, and one byte at a time. The
 * parser promises that bytes may arrive split anywhere, so the three must
 * give the same heads, statuses, errors and byte counts; each result must
 * also keep the header's promises (a path that starts with '/', its length,
 * version 0 or 1, no body).
 *
 *   LLVMFuzzerTestOneInput -> parse_stream(whole | two pieces | bytes)
 *     -> http_parse, http_parser_init after each DONE -> results_equal
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_parse.h"

/* Heads recorded per stream; the rest of a long stream is parsed unrecorded. */
#define FUZZ_HTTP_HEADS_MAX 64

struct head_result {
	enum http_parse_status status;
	enum http_error error;
	size_t end; /* stream offset just past the head's last consumed byte */
	struct http_request req;
};

struct stream_result {
	unsigned nb_heads;
	struct head_result heads[FUZZ_HTTP_HEADS_MAX];
	enum http_parse_status last; /* status of the unfinished head at the end */
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_fail(const char *what, size_t size)
{
	fprintf(stderr, "fuzz_http: %s (input of %zu bytes)\n", what, size);
	abort();
}

/* What every finished head must satisfy (http_parse.h). */
static void
check_head(const struct head_result *h, size_t size)
{
	const struct http_request *r = &h->req;

	if (h->status == HTTP_PARSE_DONE) {
		if (h->error != HTTP_ERR_NONE)
			fuzz_fail("DONE with an error set", size);
		if (r->path[0] != '/' || r->path_len != strnlen(r->path, HTTP_MAX_PATH) ||
		    r->path_len >= HTTP_MAX_PATH)
			fuzz_fail("DONE with a path that is not absolute or not terminated", size);
		if (r->version_minor != 0 && r->version_minor != 1)
			fuzz_fail("DONE with a version other than 1.0 and 1.1", size);
		if (r->content_length != 0)
			fuzz_fail("DONE with a body", size);
		if (r->method > HTTP_METHOD_OTHER)
			fuzz_fail("DONE with an unknown method", size);
		uint64_t n = 0;
		if (http_bytes_path(r->path, &n) && n > HTTP_BYTES_MAX)
			fuzz_fail("/bytes/N above HTTP_BYTES_MAX", size);
		char buf[256];
		if (http_format_head(buf, sizeof(buf), 200, n, r->keep_alive,
		                     "Sun, 06 Nov 1994 08:49:37 GMT") <= 0)
			fuzz_fail("http_format_head failed on a parsed request", size);
	} else {
		bool too_large = h->error >= HTTP_ERR_HEAD_TOO_LARGE;
		if (h->error == HTTP_ERR_NONE)
			fuzz_fail("ERROR or TOO_LARGE without a reason", size);
		if (too_large != (h->status == HTTP_PARSE_TOO_LARGE))
			fuzz_fail("TOO_LARGE and the reason disagree", size);
		if (http_error_str(h->error) == NULL)
			fuzz_fail("no description for an error", size);
	}
}

/* Feed @data to a parser in pieces of @piece bytes (the first piece is @first
 * bytes long), starting a new head after each DONE as tern-httpd does. */
static void
parse_stream(const uint8_t *data, size_t size, size_t first, size_t piece,
             struct stream_result *out)
{
	struct http_parser p;
	enum http_parse_status st = HTTP_PARSE_MORE;
	size_t off = 0, piece_end = first;

	memset(out, 0, sizeof(*out));
	http_parser_init(&p);
	while (off < size) {
		if (piece_end > size || piece_end <= off)
			piece_end = size;
		size_t len = piece_end - off;
		size_t n = http_parse(&p, (const char *)data + off, len, &st);
		if (n > len || (st == HTTP_PARSE_MORE && n != len))
			fuzz_fail("http_parse consumed more than given, or less with MORE", size);
		off += n;
		if (off == piece_end)
			piece_end = off + piece;
		if (st == HTTP_PARSE_MORE)
			continue;
		if (n == 0)
			fuzz_fail("a head ended without consuming a byte", size);
		if (out->nb_heads < FUZZ_HTTP_HEADS_MAX) {
			struct head_result *h = &out->heads[out->nb_heads++];
			h->status = st;
			h->error = p.error;
			h->end = off;
			h->req = p.req;
			check_head(h, size);
		}
		if (st != HTTP_PARSE_DONE)
			break; /* 400 and close: the rest is never read */
		/* DONE sticks until the parser starts over. */
		if (http_parse(&p, "G", 1, &st) != 0 || st != HTTP_PARSE_DONE)
			fuzz_fail("DONE did not stick", size);
		http_parser_init(&p);
		st = HTTP_PARSE_MORE;
	}
	out->last = st;
}

static void
results_equal(const struct stream_result *a, const struct stream_result *b, const char *how,
              size_t size)
{
	char what[128];

	snprintf(what, sizeof(what), "parsing %s differs from parsing in one piece", how);
	if (a->nb_heads != b->nb_heads || a->last != b->last)
		fuzz_fail(what, size);
	for (unsigned i = 0; i < a->nb_heads; i++) {
		const struct head_result *x = &a->heads[i], *y = &b->heads[i];
		if (x->status != y->status || x->error != y->error || x->end != y->end)
			fuzz_fail(what, size);
		if (x->status != HTTP_PARSE_DONE)
			continue;
		if (x->req.method != y->req.method ||
		    x->req.version_minor != y->req.version_minor ||
		    x->req.keep_alive != y->req.keep_alive || x->req.path_len != y->req.path_len ||
		    strcmp(x->req.path, y->req.path) != 0)
			fuzz_fail(what, size);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stream_result whole, split, bytes;

	parse_stream(data, size, size, size, &whole);
	if (size < 2)
		return 0;
	size_t cut = 1 + data[size - 1] * (size - 1) / 256;
	parse_stream(data, size, cut, size, &split);
	results_equal(&whole, &split, "in two pieces", size);
	parse_stream(data, size, 1, 1, &bytes);
	results_equal(&whole, &bytes, "one byte at a time", size);
	return 0;
}
