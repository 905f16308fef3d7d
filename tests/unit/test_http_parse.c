/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-httpd request parser (RFC 9112): every request head of the tables runs
 * whole, one byte at a time, and split in two at every byte; the outcome, the
 * bytes consumed and the request must be the same each time. Then pipelining,
 * the size limits, /bytes/N and the response heads, byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <inttypes.h>

#include <cmocka.h>

#include "http_parse.h"

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

/* The 16 bytes every field test starts with, and the 25 with a Host. */
#define RL  "GET / HTTP/1.1\r\n"
#define RLH RL "Host: a\r\n"
#define END "\r\n"

/* An input holding NUL bytes. */
#define BYTES(s) .in = (s), .len = sizeof(s) - 1

/*
 * One request head and what parsing it gives. Zero fields hold the common
 * case: a complete GET of "/" over HTTP/1.1 that keeps the connection, with
 * every byte consumed.
 */
struct head_case {
	const char *name;
	const char *in;
	size_t len;            /* 0: strlen(in) */
	enum http_error error; /* HTTP_ERR_NONE: HTTP_PARSE_DONE */
	size_t consumed;       /* 0: all of in */
	enum http_method method;
	const char *path; /* NULL: "/" */
	bool http10;
	bool close;
};

static const struct head_case good_heads[] = {
	{ .name = "simple GET", .in = RLH END },
	{ .name = "HEAD",
	  .in = "HEAD /x HTTP/1.1\r\nHost: a\r\n\r\n",
	  .method = HTTP_METHOD_HEAD,
	  .path = "/x" },
	{ .name = "POST without body is OTHER",
	  .in = "POST / HTTP/1.1\r\nHost: a\r\n\r\n",
	  .method = HTTP_METHOD_OTHER },
	{ .name = "methods are case-sensitive: get is OTHER",
	  .in = "get / HTTP/1.1\r\nHost: a\r\n\r\n",
	  .method = HTTP_METHOD_OTHER },
	{ .name = "GETX is OTHER",
	  .in = "GETX / HTTP/1.1\r\nHost: a\r\n\r\n",
	  .method = HTTP_METHOD_OTHER },
	{ .name = "GE is OTHER",
	  .in = "GE / HTTP/1.1\r\nHost: a\r\n\r\n",
	  .method = HTTP_METHOD_OTHER },
	{ .name = "method longer than the token buffer",
	  .in = "GETGETGETGETGETGETGETGETGETGET / HTTP/1.1\r\nHost: a\r\n\r\n",
	  .method = HTTP_METHOD_OTHER },
	{ .name = "HTTP/1.0 closes by default",
	  .in = "GET / HTTP/1.0\r\n\r\n",
	  .http10 = true,
	  .close = true },
	{ .name = "HTTP/1.0 with Host",
	  .in = "GET / HTTP/1.0\r\nHost: a\r\n\r\n",
	  .http10 = true,
	  .close = true },
	{ .name = "HTTP/1.0 keep-alive",
	  .in = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
	  .http10 = true },
	{ .name = "HTTP/1.0 Keep-Alive in a list",
	  .in = "GET / HTTP/1.0\r\nConnection: Upgrade, Keep-Alive\r\n\r\n",
	  .http10 = true },
	{ .name = "HTTP/1.1 keeps by default", .in = RLH END },
	{ .name = "HTTP/1.1 Connection: close",
	  .in = RLH "Connection: close\r\n" END,
	  .close = true },
	{ .name = "Connection name and token are case-insensitive",
	  .in = RLH "CONNECTION: CLOSE\r\n" END,
	  .close = true },
	{ .name = "close wins over keep-alive",
	  .in = RLH "Connection: keep-alive, close\r\n" END,
	  .close = true },
	{ .name = "close wins across field lines",
	  .in = RLH "Connection: keep-alive\r\nConnection: Upgrade\r\nconnection: close\r\n" END,
	  .close = true },
	{ .name = "HTTP/1.0 close wins",
	  .in = "GET / HTTP/1.0\r\nConnection: close,keep-alive\r\n\r\n",
	  .http10 = true,
	  .close = true },
	{ .name = "empty list elements and OWS",
	  .in = RLH "Connection: ,, \tclose\t ,\t\r\n" END,
	  .close = true },
	{ .name = "closed is not close", .in = RLH "Connection: closed\r\n" END },
	{ .name = "clos is not close", .in = RLH "Connection: clos\r\n" END },
	{ .name = "clo se is not close", .in = RLH "Connection: clo se\r\n" END },
	{ .name = "a long token is not close",
	  .in = RLH "Connection: close-close-close-close-close\r\n" END },
	{ .name = "Connection-Extra is not Connection",
	  .in = RLH "Connection-Extra: close\r\n" END },
	{ .name = "bare LF line ends (RFC 9112 2.2)", .in = "GET / HTTP/1.1\nHost: a\n\n" },
	{ .name = "mixed line ends", .in = "GET / HTTP/1.1\nHost: a\r\n\n" },
	{ .name = "empty lines before the request-line",
	  .in = "\r\n\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n" },
	{ .name = "query is dropped",
	  .in = "GET /bytes/10?a=1&b=/?c HTTP/1.1\r\nHost: a\r\n\r\n",
	  .path = "/bytes/10" },
	{ .name = "empty query", .in = "GET /x? HTTP/1.1\r\nHost: a\r\n\r\n", .path = "/x" },
	{ .name = "path characters kept as sent",
	  .in = "GET /a%20b/~x;y=1/./.. HTTP/1.1\r\nHost: a\r\n\r\n",
	  .path = "/a%20b/~x;y=1/./.." },
	{ .name = "field names are case-insensitive",
	  .in = RL "HOST: a\r\nCONTENT-length: 0\r\n" END },
	{ .name = "Content-Length: 0", .in = RLH "Content-Length: 0\r\n" END },
	{ .name = "Content-Length: 000", .in = RLH "Content-Length: 000\r\n" END },
	{ .name = "Content-Length without OWS", .in = RLH "Content-Length:0\r\n" END },
	{ .name = "Content-Length with OWS", .in = RLH "Content-Length: \t0 \t\r\n" END },
	{ .name = "Content-Length repeated, same value",
	  .in = RLH "Content-Length: 0\r\nContent-Length: 0\r\n" END },
	{ .name = "Content-Length list, same value", .in = RLH "Content-Length: 0, 0,\r\n" END },
	{ .name = "obs-text in a field value", .in = RLH "X: caf\xc3\xa9\r\n" END },
	{ .name = "empty field value", .in = RLH "X:\r\nY: \r\n" END },
	{ .name = "empty Host", .in = RL "Host:\r\n" END },
	{ .name = "every tchar in a field name", .in = RLH "!#$%&'*+-.^_`|~09azAZ: v\r\n" END },
	{ .name = "trailing OWS in a value", .in = RL "Host: a \t \r\n" END },
	{ .name = "colon and quotes in a value", .in = RLH "X: \"a:b\", (c)\r\n" END },
};

static const struct head_case bad_heads[] = {
	/* request-line, RFC 9112 3 */
	{ .name = "missing version",
	  .in = "GET /\r\n\r\n",
	  .error = HTTP_ERR_TARGET,
	  .consumed = 6 },
	{ .name = "empty version",
	  .in = "GET / \r\n\r\n",
	  .error = HTTP_ERR_VERSION,
	  .consumed = 7 },
	{ .name = "two spaces",
	  .in = "GET  / HTTP/1.1\r\n\r\n",
	  .error = HTTP_ERR_TARGET,
	  .consumed = 5 },
	{ .name = "HTTP/2.0",
	  .in = "GET / HTTP/2.0\r\n\r\n",
	  .error = HTTP_ERR_VERSION,
	  .consumed = 12 },
	{ .name = "HTTP/1.2",
	  .in = "GET / HTTP/1.2\r\n\r\n",
	  .error = HTTP_ERR_VERSION,
	  .consumed = 14 },
	{ .name = "lowercase http",
	  .in = "GET / http/1.1\r\n\r\n",
	  .error = HTTP_ERR_VERSION,
	  .consumed = 7 },
	{ .name = "HTTP/1.10",
	  .in = "GET / HTTP/1.10\r\n\r\n",
	  .error = HTTP_ERR_VERSION,
	  .consumed = 15 },
	{ .name = "space after version",
	  .in = "GET / HTTP/1.1 \r\n\r\n",
	  .error = HTTP_ERR_LINE_END,
	  .consumed = 15 },
	{ .name = "absolute-form",
	  .in = "GET http://a/ HTTP/1.1\r\n\r\n",
	  .error = HTTP_ERR_TARGET,
	  .consumed = 5 },
	{ .name = "asterisk-form",
	  .in = "OPTIONS * HTTP/1.1\r\n\r\n",
	  .error = HTTP_ERR_TARGET,
	  .consumed = 9 },
	{ .name = "space before method",
	  .in = " GET / HTTP/1.1\r\n\r\n",
	  .error = HTTP_ERR_METHOD,
	  .consumed = 1 },
	{ .name = "tab after method",
	  .in = "GET\t/ HTTP/1.1\r\n\r\n",
	  .error = HTTP_ERR_METHOD,
	  .consumed = 4 },
	{ .name = "NUL in method",
	  BYTES("G\0T / HTTP/1.1\r\n\r\n"),
	  .error = HTTP_ERR_METHOD,
	  .consumed = 2 },
	{ .name = "NUL in path",
	  BYTES("GET /a\0b HTTP/1.1\r\n\r\n"),
	  .error = HTTP_ERR_TARGET,
	  .consumed = 7 },
	{ .name = "NUL first",
	  BYTES("\0GET / HTTP/1.1\r\n\r\n"),
	  .error = HTTP_ERR_METHOD,
	  .consumed = 1 },
	{ .name = "DEL in path",
	  .in = "GET /a\x7f HTTP/1.1\r\n\r\n",
	  .error = HTTP_ERR_TARGET,
	  .consumed = 7 },
	{ .name = "tab in path",
	  .in = "GET /a\tb HTTP/1.1\r\n\r\n",
	  .error = HTTP_ERR_TARGET,
	  .consumed = 7 },
	{ .name = "control byte in query",
	  .in = "GET /?a\x01 HTTP/1.1\r\n\r\n",
	  .error = HTTP_ERR_TARGET,
	  .consumed = 8 },
	{ .name = "non-ASCII in path",
	  .in = "GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n",
	  .error = HTTP_ERR_TARGET,
	  .consumed = 9 },
	{ .name = "space in path",
	  .in = "GET /a b HTTP/1.1\r\n\r\n",
	  .error = HTTP_ERR_VERSION,
	  .consumed = 8 },
	{ .name = "bare CR after version",
	  .in = "GET / HTTP/1.1\rX\r\n\r\n",
	  .error = HTTP_ERR_LINE_END,
	  .consumed = 16 },
	{ .name = "bare CR before request-line",
	  .in = "\rGET / HTTP/1.1\r\n\r\n",
	  .error = HTTP_ERR_LINE_END,
	  .consumed = 2 },
	/* field lines, RFC 9112 5 */
	{ .name = "space before colon",
	  .in = RL "Host : a\r\n" END,
	  .error = HTTP_ERR_FIELD_SPACE,
	  .consumed = 21 },
	{ .name = "tab before colon",
	  .in = RL "Host\t: a\r\n" END,
	  .error = HTTP_ERR_FIELD_SPACE,
	  .consumed = 21 },
	{ .name = "obs-fold",
	  .in = RLH "X: b\r\n  c\r\n" END,
	  .error = HTTP_ERR_OBS_FOLD,
	  .consumed = 32 },
	{ .name = "obs-fold with tab",
	  .in = RLH "X: b\r\n\tc\r\n" END,
	  .error = HTTP_ERR_OBS_FOLD,
	  .consumed = 32 },
	{ .name = "whitespace before the first field",
	  .in = RL " Host: a\r\n" END,
	  .error = HTTP_ERR_OBS_FOLD,
	  .consumed = 17 },
	{ .name = "empty field name",
	  .in = RL ": a\r\n" END,
	  .error = HTTP_ERR_FIELD_NAME,
	  .consumed = 17 },
	{ .name = "separator in field name",
	  .in = RL "Ho(st: a\r\n" END,
	  .error = HTTP_ERR_FIELD_NAME,
	  .consumed = 19 },
	{ .name = "line without colon",
	  .in = RLH "Xyz\r\n" END,
	  .error = HTTP_ERR_FIELD_NAME,
	  .consumed = 29 },
	{ .name = "NUL in value",
	  BYTES(RL "Host: a\0b\r\n" END),
	  .error = HTTP_ERR_FIELD_VALUE,
	  .consumed = 24 },
	{ .name = "DEL in value",
	  .in = RLH "X: \x7f\r\n" END,
	  .error = HTTP_ERR_FIELD_VALUE,
	  .consumed = 29 },
	{ .name = "ESC in value",
	  .in = RLH "X: a\x1b\r\n" END,
	  .error = HTTP_ERR_FIELD_VALUE,
	  .consumed = 30 },
	{ .name = "bare CR in value",
	  .in = RL "Host: a\rb\r\n" END,
	  .error = HTTP_ERR_LINE_END,
	  .consumed = 25 },
	{ .name = "bare CR on the empty line",
	  .in = RLH "\rX",
	  .error = HTTP_ERR_LINE_END,
	  .consumed = 27 },
	/* Content-Length, RFC 9110 8.6 */
	{ .name = "Content-Length -1",
	  .in = RLH "Content-Length: -1\r\n" END,
	  .error = HTTP_ERR_CONTENT_LENGTH,
	  .consumed = 45 },
	{ .name = "Content-Length +1",
	  .in = RLH "Content-Length: +1\r\n" END,
	  .error = HTTP_ERR_CONTENT_LENGTH,
	  .consumed = 45 },
	{ .name = "Content-Length 1a",
	  .in = RLH "Content-Length: 1a\r\n" END,
	  .error = HTTP_ERR_CONTENT_LENGTH,
	  .consumed = 45 },
	{ .name = "Content-Length empty",
	  .in = RLH "Content-Length:\r\n" END,
	  .error = HTTP_ERR_CONTENT_LENGTH,
	  .consumed = 42 },
	{ .name = "Content-Length only commas",
	  .in = RLH "Content-Length: ,\r\n" END,
	  .error = HTTP_ERR_CONTENT_LENGTH,
	  .consumed = 44 },
	{ .name = "Content-Length 1 2",
	  .in = RLH "Content-Length: 1 2\r\n" END,
	  .error = HTTP_ERR_CONTENT_LENGTH,
	  .consumed = 46 },
	{ .name = "Content-Length 2^64",
	  .in = RLH "Content-Length: 18446744073709551616\r\n" END,
	  .error = HTTP_ERR_CONTENT_LENGTH,
	  .consumed = 63 },
	{ .name = "Content-Length differing lines",
	  .in = RLH "Content-Length: 0\r\nContent-Length: 1\r\n" END,
	  .error = HTTP_ERR_CONTENT_LENGTH,
	  .consumed = 63 },
	{ .name = "Content-Length differing list",
	  .in = RLH "Content-Length: 0, 1\r\n" END,
	  .error = HTTP_ERR_CONTENT_LENGTH,
	  .consumed = 47 },
	/* no request bodies here */
	{ .name = "body by Content-Length",
	  .in = RLH "Content-Length: 5\r\n" END "hello",
	  .error = HTTP_ERR_BODY,
	  .consumed = 46 },
	{ .name = "Content-Length 2^64-1",
	  .in = RLH "Content-Length: 18446744073709551615\r\n" END,
	  .error = HTTP_ERR_BODY },
	{ .name = "Transfer-Encoding",
	  .in = RLH "Transfer-Encoding: chunked\r\n" END,
	  .error = HTTP_ERR_BODY },
	{ .name = "Transfer-Encoding, any case and value",
	  .in = RLH "transfer-ENCODING: identity\r\n" END,
	  .error = HTTP_ERR_BODY },
	{ .name = "Transfer-Encoding with Content-Length 0",
	  .in = RLH "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n" END,
	  .error = HTTP_ERR_BODY },
	/* Host, RFC 9112 3.2 */
	{ .name = "HTTP/1.1 without Host", .in = RL END, .error = HTTP_ERR_HOST },
	{ .name = "two Hosts", .in = RLH "host: b\r\n" END, .error = HTTP_ERR_HOST },
	{ .name = "HTTP/1.0 with two Hosts",
	  .in = "GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n",
	  .error = HTTP_ERR_HOST },
};

static size_t
case_len(const struct head_case *c)
{
	return c->len != 0 ? c->len : strlen(c->in);
}

static enum http_parse_status
want_status(enum http_error err)
{
	if (err == HTTP_ERR_NONE)
		return HTTP_PARSE_DONE;
	return err >= HTTP_ERR_HEAD_TOO_LARGE ? HTTP_PARSE_TOO_LARGE : HTTP_PARSE_ERROR;
}

/* Compare one outcome with the case; on a mismatch say which case, how fed, and fail. */
static void
expect(const struct head_case *c, const char *mode, size_t split, enum http_parse_status st,
       size_t used, const struct http_parser *p)
{
	const struct http_request *r = &p->req;
	const char *path = c->path != NULL ? c->path : "/";
	size_t want_used = c->consumed != 0 ? c->consumed : case_len(c);
	bool ok = st == want_status(c->error) && used == want_used && p->error == c->error;

	if (ok && st == HTTP_PARSE_DONE)
		ok = r->method == c->method && strcmp(r->path, path) == 0 &&
		     r->path_len == strlen(path) && r->version_minor == (c->http10 ? 0 : 1) &&
		     r->keep_alive == !c->close && r->content_length == 0;
	if (ok)
		return;
	print_error("%s [%s, split %zu]: got status %d consumed %zu error \"%s\" method %d "
	            "path \"%s\" minor %d keep_alive %d\n",
	            c->name, mode, split, st, used, http_error_str(p->error), r->method, r->path,
	            r->version_minor, r->keep_alive);
	print_error("  want status %d consumed %zu error \"%s\" method %d path \"%s\" minor %d "
	            "keep_alive %d\n",
	            want_status(c->error), want_used, http_error_str(c->error), c->method, path,
	            c->http10 ? 0 : 1, !c->close);
	fail();
}

/* Feed in[0, split) and, if more is needed, in[split, len). */
static enum http_parse_status
feed_split(struct http_parser *p, const char *in, size_t len, size_t split, size_t *used)
{
	enum http_parse_status st;

	*used = http_parse(p, in, split, &st);
	if (st != HTTP_PARSE_MORE)
		return st;
	assert_int_equal(*used, split);
	*used += http_parse(p, in + split, len - split, &st);
	return st;
}

static enum http_parse_status
feed_bytewise(struct http_parser *p, const char *in, size_t len, size_t *used)
{
	enum http_parse_status st = HTTP_PARSE_MORE;
	size_t i;

	*used = 0;
	for (i = 0; i < len && st == HTTP_PARSE_MORE; i++) {
		size_t n = http_parse(p, in + i, 1, &st);

		assert_int_equal(n, 1);
		*used += n;
	}
	return st;
}

/* Whole, whole with bytes after it, one byte at a time, and split in two every @stride bytes. */
static void
run_case(const struct head_case *c, size_t stride)
{
	size_t len = case_len(c);
	char tail[HTTP_MAX_HEAD + 64];
	struct http_parser p;
	enum http_parse_status st;
	size_t used, k;

	http_parser_init(&p);
	st = feed_split(&p, c->in, len, len, &used);
	expect(c, "whole", len, st, used, &p);

	if (len + 3 <= sizeof(tail)) {
		memcpy(tail, c->in, len);
		memcpy(tail + len, "GET", 3);
		http_parser_init(&p);
		st = feed_split(&p, tail, len + 3, len + 3, &used);
		expect(c, "whole, then GET", len + 3, st, used, &p);
	}

	http_parser_init(&p);
	st = feed_bytewise(&p, c->in, len, &used);
	expect(c, "byte by byte", 1, st, used, &p);

	for (k = 0; k <= len; k += stride) {
		http_parser_init(&p);
		st = feed_split(&p, c->in, len, k, &used);
		expect(c, "two pieces", k, st, used, &p);
	}
}

static void
test_good_heads(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < DIM(good_heads); i++)
		run_case(&good_heads[i], 1);
}

static void
test_bad_heads(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < DIM(bad_heads); i++)
		run_case(&bad_heads[i], 1);
}

/* Every proper prefix of a head wants more and consumes all it is given. */
static void
test_incomplete(void **state)
{
	static const char head[] =
	        "\r\nGET /a?b HTTP/1.0\r\nConnection: keep-alive\nContent-Length: "
	        "0\r\nX: y\r\n\r\n";
	struct http_parser p;
	enum http_parse_status st;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(head) - 1; k++) {
		http_parser_init(&p);
		assert_int_equal(http_parse(&p, head, k, &st), k);
		assert_int_equal(st, HTTP_PARSE_MORE);
		assert_int_equal(p.error, HTTP_ERR_NONE);
	}
	assert_int_equal(http_parse(&p, head + k - 1, 1, &st), 1);
	assert_int_equal(st, HTTP_PARSE_DONE);
	assert_true(p.req.keep_alive);
	assert_string_equal(p.req.path, "/a");
}

/* DONE, ERROR and TOO_LARGE stick until http_parser_init(); no bytes is no progress. */
static void
test_terminal_states_stick(void **state)
{
	static const char good[] = RLH END;
	struct http_parser p;
	enum http_parse_status st;

	(void)state;
	http_parser_init(&p);
	assert_int_equal(http_parse(&p, good, 0, &st), 0);
	assert_int_equal(st, HTTP_PARSE_MORE);

	assert_int_equal(http_parse(&p, good, sizeof(good) - 1, &st), sizeof(good) - 1);
	assert_int_equal(st, HTTP_PARSE_DONE);
	assert_int_equal(http_parse(&p, good, sizeof(good) - 1, &st), 0);
	assert_int_equal(st, HTTP_PARSE_DONE);

	http_parser_init(&p);
	assert_int_equal(http_parse(&p, "GET x", 5, &st), 5);
	assert_int_equal(st, HTTP_PARSE_ERROR);
	assert_int_equal(http_parse(&p, good, sizeof(good) - 1, &st), 0);
	assert_int_equal(st, HTTP_PARSE_ERROR);
	assert_int_equal(p.error, HTTP_ERR_TARGET);

	http_parser_init(&p);
	assert_int_equal(http_parse(&p, good, sizeof(good) - 1, &st), sizeof(good) - 1);
	assert_int_equal(st, HTTP_PARSE_DONE);
	assert_int_equal(p.error, HTTP_ERR_NONE);
}

struct seen {
	size_t end; /* offset just past the head in the stream */
	enum http_method method;
	char path[HTTP_MAX_PATH];
	bool keep_alive;
};

/*
 * Parse a stream that arrives @chunk bytes at a time, as a connection would:
 * after each DONE, note the request, reset, and parse the rest. Returns the
 * requests seen; *last is the status the stream ended on.
 */
static size_t
feed_stream(const char *in, size_t len, size_t chunk, struct seen *out, size_t max,
            enum http_parse_status *last)
{
	struct http_parser p;
	size_t off = 0, n = 0;

	http_parser_init(&p);
	*last = HTTP_PARSE_MORE;
	while (off < len) {
		size_t end = off + chunk < len ? off + chunk : len;

		while (off < end) {
			off += http_parse(&p, in + off, end - off, last);
			if (*last == HTTP_PARSE_DONE) {
				assert_true(n < max);
				out[n].end = off;
				out[n].method = p.req.method;
				memcpy(out[n].path, p.req.path, sizeof(out[n].path));
				out[n].keep_alive = p.req.keep_alive;
				n++;
				http_parser_init(&p);
			} else if (*last != HTTP_PARSE_MORE) {
				return n;
			}
		}
	}
	if (*last == HTTP_PARSE_DONE)
		*last = HTTP_PARSE_MORE;
	return n;
}

static void
assert_seen(const struct seen *s, size_t end, enum http_method method, const char *path,
            bool keep_alive)
{
	assert_int_equal(s->end, end);
	assert_int_equal(s->method, method);
	assert_string_equal(s->path, path);
	assert_int_equal(s->keep_alive, keep_alive);
}

static const char two[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"   /* 28 bytes */
                          "HEAD /b HTTP/1.1\r\nHost: x\r\n\r\n"; /* 29 bytes */
static const char three[] =
        "GET /bytes/3 HTTP/1.1\r\nHost: x\r\n\r\n"                     /* 34 bytes */
        "GET / HTTP/1.0\nConnection: keep-alive\n\n"                   /* 39 bytes */
        "\r\nPUT /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"; /* 49 bytes */

/* One call per request on a buffer holding them all: consumed counts exact. */
static void
test_pipelined_one_by_one(void **state)
{
	struct http_parser p;
	enum http_parse_status st;
	size_t off;

	(void)state;
	http_parser_init(&p);
	assert_int_equal(http_parse(&p, two, sizeof(two) - 1, &st), 28);
	assert_int_equal(st, HTTP_PARSE_DONE);
	assert_string_equal(p.req.path, "/a");
	http_parser_init(&p);
	assert_int_equal(http_parse(&p, two + 28, sizeof(two) - 1 - 28, &st), 29);
	assert_int_equal(st, HTTP_PARSE_DONE);
	assert_int_equal(p.req.method, HTTP_METHOD_HEAD);
	assert_string_equal(p.req.path, "/b");

	http_parser_init(&p);
	assert_int_equal(http_parse(&p, three, sizeof(three) - 1, &st), 34);
	assert_int_equal(st, HTTP_PARSE_DONE);
	assert_string_equal(p.req.path, "/bytes/3");
	off = 34;
	http_parser_init(&p);
	assert_int_equal(http_parse(&p, three + off, sizeof(three) - 1 - off, &st), 39);
	assert_int_equal(st, HTTP_PARSE_DONE);
	assert_int_equal(p.req.version_minor, 0);
	assert_true(p.req.keep_alive);
	off += 39;
	http_parser_init(&p);
	assert_int_equal(http_parse(&p, three + off, sizeof(three) - 1 - off, &st), 49);
	assert_int_equal(st, HTTP_PARSE_DONE);
	assert_int_equal(p.req.method, HTTP_METHOD_OTHER);
	assert_false(p.req.keep_alive);
	assert_int_equal(off + 49, sizeof(three) - 1);
}

/* The same requests, at the same offsets, however the stream is cut. */
static void
test_pipelined_every_chunking(void **state)
{
	struct seen s[4];
	enum http_parse_status last;
	size_t chunk;

	(void)state;
	for (chunk = 1; chunk <= sizeof(two) - 1; chunk++) {
		assert_int_equal(feed_stream(two, sizeof(two) - 1, chunk, s, DIM(s), &last), 2);
		assert_int_equal(last, HTTP_PARSE_MORE);
		assert_seen(&s[0], 28, HTTP_METHOD_GET, "/a", true);
		assert_seen(&s[1], 57, HTTP_METHOD_HEAD, "/b", true);
	}
	for (chunk = 1; chunk <= sizeof(three) - 1; chunk++) {
		assert_int_equal(feed_stream(three, sizeof(three) - 1, chunk, s, DIM(s), &last), 3);
		assert_int_equal(last, HTTP_PARSE_MORE);
		assert_seen(&s[0], 34, HTTP_METHOD_GET, "/bytes/3", true);
		assert_seen(&s[1], 73, HTTP_METHOD_GET, "/", true);
		assert_seen(&s[2], 122, HTTP_METHOD_OTHER, "/c", false);
	}
}

/* A good request, then half of the next: one DONE, then MORE. Then a bad one. */
static void
test_pipelined_partial_and_bad(void **state)
{
	static const char partial[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTT";
	static const char bad[] =
	        "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost : x\r\n\r\n";
	struct seen s[4];
	enum http_parse_status last;
	size_t chunk;

	(void)state;
	for (chunk = 1; chunk <= sizeof(partial) - 1; chunk++) {
		assert_int_equal(feed_stream(partial, sizeof(partial) - 1, chunk, s, DIM(s), &last),
		                 1);
		assert_int_equal(last, HTTP_PARSE_MORE);
		assert_seen(&s[0], 28, HTTP_METHOD_GET, "/a", true);
	}
	for (chunk = 1; chunk <= sizeof(bad) - 1; chunk++) {
		assert_int_equal(feed_stream(bad, sizeof(bad) - 1, chunk, s, DIM(s), &last), 1);
		assert_int_equal(last, HTTP_PARSE_ERROR);
	}
}

/* "GET / HTTP/1.1\r\nHost: a\r\nX: " + filler + "\r\n\r\n": a head of @total bytes. */
static size_t
make_head(char *buf, size_t total)
{
	static const char pre[] = RLH "X: ";
	size_t fill = total - (sizeof(pre) - 1) - 4;

	memcpy(buf, pre, sizeof(pre) - 1);
	memset(buf + sizeof(pre) - 1, 'a', fill);
	memcpy(buf + sizeof(pre) - 1 + fill, "\r\n\r\n", 4);
	return total;
}

/* HTTP_MAX_HEAD bytes pass; one more is TOO_LARGE on that byte; so is 9000 of fields. */
static void
test_head_limit(void **state)
{
	static char buf[9100];
	struct head_case c = { .name = "head of HTTP_MAX_HEAD bytes", .in = buf };

	(void)state;
	c.len = make_head(buf, HTTP_MAX_HEAD);
	run_case(&c, 61);

	c.name = "head of HTTP_MAX_HEAD + 1 bytes";
	c.len = make_head(buf, HTTP_MAX_HEAD + 1);
	c.error = HTTP_ERR_HEAD_TOO_LARGE;
	c.consumed = HTTP_MAX_HEAD + 1;
	run_case(&c, 61);

	c.name = "9000 bytes of fields";
	c.len = make_head(buf, 9000);
	run_case(&c, 61);

	c.name = "empty lines count";
	memset(buf, '\n', 9000);
	c.len = 9000;
	run_case(&c, 61);
}

/* "GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n" with a target of @n bytes, @q of them query. */
static size_t
make_target(char *buf, size_t n, size_t q)
{
	static const char post[] = " HTTP/1.1\r\nHost: a\r\n\r\n";
	size_t len = 4;

	memcpy(buf, "GET /", 5);
	memset(buf + 5, 'p', n - 1 - q);
	len += n - q;
	if (q > 0) {
		buf[len] = '?';
		memset(buf + len + 1, 'q', q - 1);
		len += q;
	}
	memcpy(buf + len, post, sizeof(post));
	return len + sizeof(post) - 1;
}

/* The request-target, query included, fits in HTTP_MAX_PATH - 1 bytes or is TOO_LARGE. */
static void
test_target_limit(void **state)
{
	static char buf[600];
	static char want[HTTP_MAX_PATH];
	struct head_case c = { .in = buf, .path = want };

	(void)state;
	c.name = "path of HTTP_MAX_PATH - 1 bytes";
	c.len = make_target(buf, HTTP_MAX_PATH - 1, 0);
	memcpy(want, buf + 4, HTTP_MAX_PATH - 1);
	run_case(&c, 1);

	c.name = "path and query of HTTP_MAX_PATH - 1 bytes";
	c.len = make_target(buf, HTTP_MAX_PATH - 1, 55);
	want[HTTP_MAX_PATH - 1 - 55] = '\0';
	run_case(&c, 1);

	c.name = "path of HTTP_MAX_PATH bytes";
	c.len = make_target(buf, HTTP_MAX_PATH, 0);
	c.error = HTTP_ERR_TARGET_TOO_LONG;
	c.consumed = 4 + HTTP_MAX_PATH;
	run_case(&c, 1);

	c.name = "path and query of HTTP_MAX_PATH bytes";
	c.len = make_target(buf, HTTP_MAX_PATH, 100);
	run_case(&c, 1);

	c.name = "path of 500 bytes";
	c.len = make_target(buf, 500, 0);
	run_case(&c, 1);
}

static void
test_bytes_path(void **state)
{
	static const struct {
		const char *path;
		uint64_t n;
	} good[] = {
		{ .path = "/bytes/0", .n = 0 },
		{ .path = "/bytes/1", .n = 1 },
		{ .path = "/bytes/10", .n = 10 },
		{ .path = "/bytes/1048576", .n = 1048576 },
		{ .path = "/bytes/1073741823", .n = HTTP_BYTES_MAX - 1 },
		{ .path = "/bytes/1073741824", .n = HTTP_BYTES_MAX },
	};
	static const char *const bad[] = {
		"",
		"/",
		"/bytes",
		"/bytes/",
		"/bytes//1",
		"/Bytes/1",
		"bytes/1",
		"/bytes/-1",
		"/bytes/+1",
		"/bytes/ 1",
		"/bytes/1 ",
		"/bytes/01",
		"/bytes/00",
		"/bytes/1a",
		"/bytes/1/",
		"/bytes/1.0",
		"/bytes/0x10",
		"/bytes/1e3",
		"/bytes/1073741825",
		"/bytes/9999999999",
		"/bytes/18446744073709551616",
		"/bytes/99999999999999999999999999999",
		"/bytes/\xef\xbc\x91",
		"/bytes/1?x",
	};
	uint64_t n;
	size_t i;

	(void)state;
	for (i = 0; i < DIM(good); i++) {
		n = 42;
		assert_true(http_bytes_path(good[i].path, &n));
		assert_int_equal(n, good[i].n);
	}
	for (i = 0; i < DIM(bad); i++) {
		n = 42;
		if (http_bytes_path(bad[i], &n)) {
			print_error("\"%s\" matched as %" PRIu64 "\n", bad[i], n);
			fail();
		}
		assert_int_equal(n, 42);
	}
}

/* RFC 9110 5.6.7's example: 784111777 s after the epoch. */
#define DATE "Sun, 06 Nov 1994 08:49:37 GMT"

static void
assert_head(int code, uint64_t content_length, bool keep_alive, const char *want)
{
	char buf[256];
	int n;

	memset(buf, 'X', sizeof(buf));
	n = http_format_head(buf, sizeof(buf), code, content_length, keep_alive, DATE);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(buf, want, strlen(want) + 1);
}

/* Response heads byte for byte: Date after the status-line (RFC 9110
 * 6.6.1), and 405 carries Allow (RFC 9110 15.5.6). */
static void
test_format_head(void **state)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nDate: " DATE "\r\nContent-Length: 5\r\n"
	                         "Content-Type: text/plain\r\nConnection: keep-alive\r\n\r\n";
	char buf[256];

	(void)state;
	assert_head(200, 5, true, ok);
	assert_head(200, HTTP_BYTES_MAX, false,
	            "HTTP/1.1 200 OK\r\nDate: " DATE "\r\nContent-Length: 1073741824\r\n"
	            "Content-Type: text/plain\r\nConnection: close\r\n\r\n");
	assert_head(200, UINT64_MAX, true,
	            "HTTP/1.1 200 OK\r\nDate: " DATE "\r\nContent-Length: 18446744073709551615\r\n"
	            "Content-Type: text/plain\r\nConnection: keep-alive\r\n\r\n");
	assert_head(400, 0, false,
	            "HTTP/1.1 400 Bad Request\r\nDate: " DATE "\r\nContent-Length: 0\r\n"
	            "Content-Type: text/plain\r\nConnection: close\r\n\r\n");
	assert_head(404, 10, true,
	            "HTTP/1.1 404 Not Found\r\nDate: " DATE "\r\nContent-Length: 10\r\n"
	            "Content-Type: text/plain\r\nConnection: keep-alive\r\n\r\n");
	assert_head(
	        405, 0, true,
	        "HTTP/1.1 405 Method Not Allowed\r\nDate: " DATE "\r\nContent-Length: 0\r\n"
	        "Content-Type: text/plain\r\nAllow: GET, HEAD\r\nConnection: keep-alive\r\n\r\n");

	assert_int_equal(http_format_head(buf, sizeof(buf), 500, 0, true, DATE), -EINVAL);
	assert_int_equal(http_format_head(buf, sizeof(buf), 0, 0, true, DATE), -EINVAL);
	assert_int_equal(http_format_head(buf, sizeof(buf), -200, 0, true, DATE), -EINVAL);
	assert_int_equal(http_format_head(NULL, 0, 200, 5, true, DATE), -ENOSPC);
	assert_int_equal(http_format_head(buf, sizeof(ok) - 1, 200, 5, true, DATE), -ENOSPC);
	assert_int_equal(http_format_head(buf, sizeof(ok), 200, 5, true, DATE), sizeof(ok) - 1);
	assert_memory_equal(buf, ok, sizeof(ok));
}

/* RFC 9110 5.6.7: IMF-fixdate, its own example, and the days and months
 * around it. */
static void
test_format_date(void **state)
{
	char buf[HTTP_DATE_LEN + 1];

	(void)state;
	memset(buf, 'X', sizeof(buf));
	http_format_date(buf, 784111777);
	assert_string_equal(buf, DATE);
	http_format_date(buf, 0);
	assert_string_equal(buf, "Thu, 01 Jan 1970 00:00:00 GMT");
	http_format_date(buf, 951782400); /* a leap day */
	assert_string_equal(buf, "Tue, 29 Feb 2000 00:00:00 GMT");
	http_format_date(buf, 1798761599);
	assert_string_equal(buf, "Thu, 31 Dec 2026 23:59:59 GMT");
	assert_int_equal(strlen(buf), HTTP_DATE_LEN);
}

static void
test_error_str(void **state)
{
	int e;

	(void)state;
	for (e = HTTP_ERR_NONE; e <= HTTP_ERR_TARGET_TOO_LONG; e++)
		assert_string_not_equal(http_error_str((enum http_error)e), "unknown error");
	assert_string_equal(http_error_str((enum http_error)(HTTP_ERR_TARGET_TOO_LONG + 1)),
	                    "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_heads),
		cmocka_unit_test(test_bad_heads),
		cmocka_unit_test(test_incomplete),
		cmocka_unit_test(test_terminal_states_stick),
		cmocka_unit_test(test_pipelined_one_by_one),
		cmocka_unit_test(test_pipelined_every_chunking),
		cmocka_unit_test(test_pipelined_partial_and_bad),
		cmocka_unit_test(test_head_limit),
		cmocka_unit_test(test_target_limit),
		cmocka_unit_test(test_bytes_path),
		cmocka_unit_test(test_format_head),
		cmocka_unit_test(test_format_date),
		cmocka_unit_test(test_error_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
