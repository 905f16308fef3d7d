/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-httpd: incremental HTTP/1.1 request-head parser (RFC 9112) and response
 * head formatter. No allocation, no pointers into the caller's buffers: the
 * parser keeps all it needs in its own fixed-size state, so bytes may arrive
 * split anywhere across TCP segments, down to one byte at a time.
 *
 *   conn receive -> http_parse(p, bytes) -> HTTP_PARSE_DONE -> p->req
 *                -> route (GET /, GET /bytes/N via http_bytes_path())
 *                -> http_format_head() -> send; http_parser_init(p); parse the rest
 *
 * What this small server accepts (anything else is HTTP_PARSE_ERROR or
 * HTTP_PARSE_TOO_LARGE, both answered with 400 and a close):
 *   - request-line: method SP origin-form SP "HTTP/1.0" or "HTTP/1.1", one SP
 *     each, no control characters (RFC 9112 3). Methods are case-sensitive
 *     tokens: GET, HEAD, anything else is HTTP_METHOD_OTHER (answer 405).
 *     The request-target must start with '/'; its query is checked and dropped.
 *   - empty lines before the request-line are skipped (RFC 9112 2.2).
 *   - a bare LF ends a line (RFC 9112 2.2); a bare CR is an error.
 *   - field-name ':' OWS field-value OWS; whitespace before the colon and
 *     obs-fold are errors (RFC 9112 5.1, 5.2).
 *   - HTTP/1.1 requests carry exactly one Host; HTTP/1.0 at most one (RFC 9112 3.2).
 *   - no request body: Transfer-Encoding, or a Content-Length above 0, is an
 *     error. Content-Length must be decimal digits; repeated (or listed) values
 *     must agree (RFC 9110 8.6).
 *   - Connection is a case-insensitive token list; "close" wins over
 *     "keep-alive" (RFC 9112 9.3).
 */
#ifndef TERN_HTTP_PARSE_H
#define TERN_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of a request head, from the request-line to the empty line included. */
#define HTTP_MAX_HEAD 8192
/* Size of the path buffer: the whole request-target (path and query) must fit
 * in HTTP_MAX_PATH - 1 bytes. */
#define HTTP_MAX_PATH 256
/* Largest N of GET /bytes/N: 1 GiB. */
#define HTTP_BYTES_MAX (UINT64_C(1) << 30)
/* Longest method, field name or list element the parser compares. */
#define HTTP_TOKEN_MAX 24

enum http_method {
	HTTP_METHOD_GET,
	HTTP_METHOD_HEAD,
	HTTP_METHOD_OTHER,
};

enum http_parse_status {
	HTTP_PARSE_MORE,      /* all bytes consumed, the head is not complete yet */
	HTTP_PARSE_DONE,      /* one request head complete in p->req */
	HTTP_PARSE_ERROR,     /* malformed: answer 400 and close */
	HTTP_PARSE_TOO_LARGE, /* head or request-target too long: answer 400 and close */
};

/* Why a request was refused; p->error after HTTP_PARSE_ERROR or _TOO_LARGE. */
enum http_error {
	HTTP_ERR_NONE,
	HTTP_ERR_METHOD,         /* empty method, or a non-token byte in it */
	HTTP_ERR_TARGET,         /* not origin-form, or a control/non-ASCII byte */
	HTTP_ERR_VERSION,        /* not HTTP/1.0 or HTTP/1.1 */
	HTTP_ERR_LINE_END,       /* junk after the version, or a bare CR */
	HTTP_ERR_FIELD_NAME,     /* empty field name, or a non-token byte in it */
	HTTP_ERR_FIELD_SPACE,    /* whitespace between field name and colon */
	HTTP_ERR_OBS_FOLD,       /* a line starting with whitespace */
	HTTP_ERR_FIELD_VALUE,    /* a control byte in a field value */
	HTTP_ERR_CONTENT_LENGTH, /* not decimal, overflow, or differing values */
	HTTP_ERR_BODY,           /* Transfer-Encoding, or Content-Length > 0 */
	HTTP_ERR_HOST,           /* Host missing (HTTP/1.1) or repeated */
	/* From here on, errors are reported as HTTP_PARSE_TOO_LARGE. */
	HTTP_ERR_HEAD_TOO_LARGE,  /* more than HTTP_MAX_HEAD bytes */
	HTTP_ERR_TARGET_TOO_LONG, /* request-target of HTTP_MAX_PATH bytes or more */
};

struct http_request {
	enum http_method method;
	int version_minor;        /* 0 or 1 */
	bool keep_alive;          /* the connection stays open after the response */
	uint64_t content_length;  /* always 0: bodies are refused */
	uint16_t path_len;        /* strlen(path) */
	char path[HTTP_MAX_PATH]; /* absolute-path, NUL-terminated, query dropped */
};

/* Internal: where the parser is in the head. */
enum http_parse_state {
	HTTP_ST_START,    /* before the request-line: skipping empty lines */
	HTTP_ST_START_LF, /* CR of an empty line before the request-line */
	HTTP_ST_METHOD,
	HTTP_ST_TARGET_START,
	HTTP_ST_PATH,
	HTTP_ST_QUERY,
	HTTP_ST_VERSION,
	HTTP_ST_LINE_END,    /* after the version: CR or LF */
	HTTP_ST_LINE_LF,     /* after the request-line's CR */
	HTTP_ST_FIELD_START, /* at the start of a field line or of the empty line */
	HTTP_ST_FIELD_NAME,
	HTTP_ST_FIELD_VALUE,
	HTTP_ST_FIELD_LF, /* after a field line's CR */
	HTTP_ST_HEAD_LF,  /* after the empty line's CR */
	HTTP_ST_DONE,
	HTTP_ST_FAILED,
	HTTP_ST_COUNT,
};

/* Internal: the field whose value is being read. */
enum http_field {
	HTTP_FIELD_OTHER,
	HTTP_FIELD_HOST,
	HTTP_FIELD_CONNECTION,
	HTTP_FIELD_CONTENT_LENGTH,
	HTTP_FIELD_TRANSFER_ENCODING,
};

/*
 * Parser state: the request being built, and the fields below it that the
 * state handlers share. Everything is inline; copy or memset it freely.
 */
struct http_parser {
	struct http_request req;
	enum http_error error;
	enum http_parse_state state;
	enum http_field field;
	uint32_t head_bytes;      /* bytes of this head consumed so far */
	uint16_t target_len;      /* bytes of the request-target so far */
	uint8_t tok_len;          /* bytes of the current token (saturates at 255) */
	bool tok_bad;             /* current token too long, or not what its field wants */
	bool elem_ws;             /* whitespace seen after the current list element */
	bool elem_seen;           /* the current field value had a non-empty element */
	bool cl_seen;             /* a Content-Length value was recorded */
	bool te_seen;             /* Transfer-Encoding present */
	bool conn_close;          /* Connection: close */
	bool conn_keep_alive;     /* Connection: keep-alive */
	uint8_t host_count;       /* Host field lines (saturates at 2) */
	uint64_t elem_num;        /* Content-Length element being read */
	char tok[HTTP_TOKEN_MAX]; /* method, lowercased field name, list element */
};

/* Make @p ready for a new request head. */
void http_parser_init(struct http_parser *p);

/*
 * Feed @len bytes of @buf. Returns how many were consumed and sets @status:
 *   HTTP_PARSE_MORE      all @len consumed, the head needs more bytes;
 *   HTTP_PARSE_DONE      consumed up to and including the head's last LF: the
 *                        rest of @buf belongs to the next (pipelined) request;
 *                        p->req is complete;
 *   HTTP_PARSE_ERROR,
 *   HTTP_PARSE_TOO_LARGE consumed up to and including the offending byte;
 *                        p->error says why.
 * DONE, ERROR and TOO_LARGE stick: later calls consume nothing and report the
 * same status until http_parser_init().
 */
size_t http_parse(struct http_parser *p, const char *buf, size_t len,
                  enum http_parse_status *status);

/* A short, fixed description of @err for logs. */
const char *http_error_str(enum http_error err);

/*
 * Match "/bytes/N" strictly: N is decimal digits only, without sign or leading
 * zeros ("0" itself is fine), at most HTTP_BYTES_MAX, and nothing follows it.
 * On a match, stores N in @n and returns true.
 */
bool http_bytes_path(const char *path, uint64_t *n);

/* An IMF-fixdate is always this long: "Sun, 06 Nov 1994 08:49:37 GMT". */
#define HTTP_DATE_LEN 29

/* RFC 9110 5.6.7: @t (seconds since the epoch) as an IMF-fixdate, UTC, into
 * @buf (HTTP_DATE_LEN bytes and a NUL). */
void http_format_date(char *buf, int64_t t);

/*
 * Write a response head for @code (200, 400, 404 or 405) into @buf:
 *
 *   HTTP/1.1 200 OK\r\n
 *   Date: @date\r\n                         (RFC 9110 6.6.1)
 *   Content-Length: N\r\n
 *   Content-Type: text/plain\r\n
 *   Allow: GET, HEAD\r\n                    (405 only, RFC 9110 15.5.6)
 *   Connection: keep-alive | close\r\n
 *   \r\n
 *
 * and a NUL after it. Returns the head's length (without the NUL), -EINVAL for
 * another code, or -ENOSPC if it does not fit in @len bytes with its NUL.
 */
int http_format_head(char *buf, size_t len, int code, uint64_t content_length, bool keep_alive,
                     const char *date);

#endif /* TERN_HTTP_PARSE_H */
