/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-loadgen's HTTP/1.1 client side (--mode http-ka, http-close): the
 * request it sends, and an incremental parser of the responses, strict
 * enough that a malformed one is counted as an error rather than passing for
 * a request served. No DPDK, no allocation: a unit test drives it alone.
 *
 *   lg_on_start -> lg_http_request (the request's bytes, built once)
 *   readable    -> lg_http_feed(r, segment) ... LG_HTTP_DONE -> r->status,
 *                  r->close; the rest of the segment is the next response
 *
 * What a response must be (RFC 9112):
 *   - status-line: "HTTP/1." DIGIT SP 3DIGIT SP reason CRLF (4), the reason
 *     without control bytes;
 *   - field lines: a token, ':', a value without CR, LF or NUL, CRLF (5);
 *     obs-fold (a line starting with whitespace) is refused (5.2);
 *   - the head ends with an empty line, within LG_HTTP_HEAD_MAX bytes;
 *   - the body is delimited by Content-Length (6.3 item 6): decimal digits,
 *     repeated values equal; none, or Transfer-Encoding, is an error here (a
 *     server that closes to delimit a body cannot keep a connection alive,
 *     and chunked is not what a benchmark server of small pages sends);
 *   - 1xx, 204 and 304 have no body (6.3 item 1).
 * Bare LF line ends are refused: a recipient MAY accept them (2.2), but the
 * servers measured send CRLF, and one that does not is worth seeing.
 */
#ifndef LG_HTTP_CLIENT_H
#define LG_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest response head accepted (tern-httpd's are under 200 bytes,
 * nginx's under 300). */
#define LG_HTTP_HEAD_MAX 1024
/* The longest head remembered for the next response (tern-httpd's are about
 * 130 bytes). */
#define LG_HTTP_SEEN_MAX 256
/* Room for the request: "GET / HTTP/1.1", Host with an address and port,
 * and "Connection: close". */
#define LG_HTTP_REQUEST_MAX 96

enum lg_http_status {
	LG_HTTP_MORE,  /* every byte consumed, the response is not complete */
	LG_HTTP_DONE,  /* one response complete: r->status, r->close */
	LG_HTTP_ERROR, /* malformed: r->error says why; the stream cannot be followed */
};

enum lg_http_error {
	LG_HTTP_ERR_NONE,
	LG_HTTP_ERR_STATUS_LINE,       /* not "HTTP/1.x NNN reason" */
	LG_HTTP_ERR_LINE_END,          /* a line not ended by CRLF, or a CR inside one */
	LG_HTTP_ERR_FIELD,             /* obs-fold, an empty or bad name, no colon, a NUL */
	LG_HTTP_ERR_CONTENT_LENGTH,    /* not decimal, too large, or differing values */
	LG_HTTP_ERR_NO_LENGTH,         /* a body with no Content-Length */
	LG_HTTP_ERR_TRANSFER_ENCODING, /* Transfer-Encoding: not sent by the servers measured */
	LG_HTTP_ERR_HEAD_TOO_LARGE,    /* no empty line within LG_HTTP_HEAD_MAX bytes */
	LG_HTTP_ERR_COUNT,
};

/* One connection's parser; lg_http_init() before the first response. */
struct lg_http_resp {
	uint64_t body_left; /* body bytes still due (in_body) */
	bool in_body;       /* the head was parsed */
	uint16_t status;    /* the status code of the response being read or just done */
	bool close;         /* it said Connection: close */
	enum lg_http_error error;
	uint16_t head_len; /* bytes of an incomplete head kept in head[] */
	char head[LG_HTTP_HEAD_MAX];
	/* The last head parsed whole from one buffer, and what it said: a
	 * server answers alike request after request, and the parse of a head
	 * depends on its bytes alone, so a next head of the very same bytes
	 * takes its outcome without being parsed (lg_http_feed). */
	uint16_t seen_len; /* 0: none */
	uint16_t seen_status;
	bool seen_close;
	uint64_t seen_body;
	char seen[LG_HTTP_SEEN_MAX];
};

/* A parser's state before its first response; a zeroed struct is the same. */
void lg_http_init(struct lg_http_resp *r);

/* The same for its next connection, but remembering the last head: its
 * parse depends on its bytes alone, whichever connection they come on. */
void lg_http_reuse(struct lg_http_resp *r);

/*
 * Feed @len bytes of @buf. Returns how many were consumed and sets @st:
 * LG_HTTP_MORE (all of them), LG_HTTP_DONE (up to the response's last byte:
 * the rest begins the next one; r is ready for it), LG_HTTP_ERROR (r->error;
 * later calls keep reporting it until lg_http_init()).
 */
size_t lg_http_feed(struct lg_http_resp *r, const char *buf, size_t len, enum lg_http_status *st);

/* A short, fixed description of @err. */
const char *lg_http_error_str(enum lg_http_error err);

/*
 * Write "GET @path HTTP/1.1" with Host (@ip, host order, and @port unless it
 * is 80: RFC 9110 7.2) and, if @close, "Connection: close" into @buf. Returns
 * its length, or -ENOSPC if it does not fit in @len bytes with a NUL.
 */
int lg_http_request(char *buf, size_t len, const char *path, uint32_t ip, uint16_t port,
                    bool close);

#endif /* LG_HTTP_CLIENT_H */
