/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-httpd: the request-head state machine, one handler per state, one byte
 * per step, and the runs that take many bytes at once where a handler would
 * take them without a decision (a whole request-line or field line of the
 * common form, a token, a path, a value). Response heads: http_format.c.
 *
 *   http_parse() -> field_lines() | state_run() -> whole lines and runs
 *                -> state_handlers[p->state](p, byte) -> ... -> head_end()
 *
 * Every handler either moves p->state and returns HTTP_PARSE_MORE, or ends the
 * head: head_end() for DONE, fail() for ERROR and TOO_LARGE. A run leaves the
 * parser as the handlers would after the same bytes, or takes none of them:
 * whole, split anywhere and byte by byte give the same heads (the unit test
 * and fuzz_http check it).
 */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "http_parse.h"

static_assert(HTTP_MAX_PATH <= UINT16_MAX, "target_len is 16 bits");
static_assert(HTTP_TOKEN_MAX < UINT8_MAX, "tok_len saturates at 255");

static bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/*
 * What each byte may be, one lookup: RFC 9110 5.6.2 tchar (BT), RFC 5234
 * B.1 VCHAR (BV), RFC 9110 5.5 field-vchar / obs-text / SP / HTAB (BF,
 * what a field value may hold), and a path byte here (BP: a VCHAR but '?',
 * which starts the query). Every tchar is a path byte, every path byte a
 * VCHAR and every VCHAR a field byte. The ranges do not overlap: 0x21-0x7e
 * is split at each delimiter (RFC 9110 5.6.2's DQUOTE and "(),/:;<=>?@[\]{}").
 */
enum { BT = 1, BV = 2, BF = 4, BP = 8 };
#define T (BT | BP | BV | BF)
#define V (BP | BV | BF)
static const uint8_t byte_class[256] = {
	['\t'] = BF,
	[' '] = BF,
	['!'] = T,
	['"'] = V,
	['#' ... '\''] = T,
	['(' ... ')'] = V,
	['*' ... '+'] = T,
	[','] = V,
	['-' ... '.'] = T,
	['/'] = V,
	['0' ... '9'] = T,
	[':' ... '>'] = V,
	['?'] = BV | BF,
	['@'] = V,
	['A' ... 'Z'] = T,
	['[' ... ']'] = V,
	['^' ... '`'] = T,
	['a' ... 'z'] = T,
	['{'] = V,
	['|'] = T,
	['}'] = V,
	['~'] = T,
	[0x80 ... 0xff] = BF,
};
#undef T
#undef V

/* RFC 9110 5.6.2: tchar. */
static bool
is_tchar(uint8_t c)
{
	return byte_class[c] & BT;
}

/* RFC 5234 B.1: VCHAR, the visible ASCII characters. */
static bool
is_vchar(uint8_t c)
{
	return byte_class[c] & BV;
}

static bool
is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 5.5: field-vchar (VCHAR / obs-text), SP or HTAB. */
static bool
is_field_byte(uint8_t c)
{
	return byte_class[c] & BF;
}

static uint8_t
ascii_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static enum http_parse_status
status_of(enum http_error err)
{
	return err >= HTTP_ERR_HEAD_TOO_LARGE ? HTTP_PARSE_TOO_LARGE : HTTP_PARSE_ERROR;
}

static enum http_parse_status
fail(struct http_parser *p, enum http_error err)
{
	p->state = HTTP_ST_FAILED;
	p->error = err;
	return status_of(err);
}

static enum http_parse_status
to(struct http_parser *p, enum http_parse_state state)
{
	p->state = state;
	return HTTP_PARSE_MORE;
}

/* Append @c to the current token, or mark it too long to match anything. */
static void
tok_push(struct http_parser *p, uint8_t c)
{
	if (p->tok_len < HTTP_TOKEN_MAX)
		p->tok[p->tok_len] = (char)c;
	else
		p->tok_bad = true;
	if (p->tok_len < UINT8_MAX)
		p->tok_len++;
}

static bool
tok_is(const struct http_parser *p, const char *s)
{
	size_t n = strlen(s);

	return !p->tok_bad && p->tok_len == n && memcmp(p->tok, s, n) == 0;
}

static void
tok_reset(struct http_parser *p)
{
	p->tok_len = 0;
	p->tok_bad = false;
}

/* The empty line: RFC 9112 6.3 (no body here), 3.2 (Host), 9.3 (persistence). */
static enum http_parse_status
head_end(struct http_parser *p)
{
	struct http_request *req = &p->req;

	if (p->te_seen || req->content_length > 0)
		return fail(p, HTTP_ERR_BODY);
	if (p->host_count > 1 || (req->version_minor == 1 && p->host_count == 0))
		return fail(p, HTTP_ERR_HOST);
	if (p->conn_close)
		req->keep_alive = false;
	else
		req->keep_alive = req->version_minor == 1 || p->conn_keep_alive;
	p->state = HTTP_ST_DONE;
	return HTTP_PARSE_DONE;
}

/* RFC 9112 2.2: ignore empty lines received before the request-line. */
static enum http_parse_status
on_start(struct http_parser *p, uint8_t c)
{
	if (c == '\n')
		return HTTP_PARSE_MORE;
	if (c == '\r')
		return to(p, HTTP_ST_START_LF);
	if (!is_tchar(c))
		return fail(p, HTTP_ERR_METHOD);
	tok_push(p, c);
	return to(p, HTTP_ST_METHOD);
}

static enum http_parse_status
on_start_lf(struct http_parser *p, uint8_t c)
{
	if (c != '\n')
		return fail(p, HTTP_ERR_LINE_END);
	return to(p, HTTP_ST_START);
}

/* RFC 9112 3.1: method = token, case-sensitive. */
static enum http_parse_status
on_method(struct http_parser *p, uint8_t c)
{
	if (is_tchar(c)) {
		tok_push(p, c);
		return HTTP_PARSE_MORE;
	}
	if (c != ' ')
		return fail(p, HTTP_ERR_METHOD);
	if (tok_is(p, "GET"))
		p->req.method = HTTP_METHOD_GET;
	else if (tok_is(p, "HEAD"))
		p->req.method = HTTP_METHOD_HEAD;
	else
		p->req.method = HTTP_METHOD_OTHER;
	tok_reset(p);
	return to(p, HTTP_ST_TARGET_START);
}

/* Count one request-target byte against the path buffer. */
static bool
target_fits(struct http_parser *p)
{
	return ++p->target_len < HTTP_MAX_PATH;
}

/* RFC 9112 3.2.1: origin-form = absolute-path [ "?" query ]; nothing else here. */
static enum http_parse_status
on_target_start(struct http_parser *p, uint8_t c)
{
	if (c != '/')
		return fail(p, HTTP_ERR_TARGET);
	p->target_len = 1;
	p->req.path[p->req.path_len++] = '/';
	return to(p, HTTP_ST_PATH);
}

static enum http_parse_status
on_path(struct http_parser *p, uint8_t c)
{
	if (c == ' ') {
		p->req.path[p->req.path_len] = '\0';
		return to(p, HTTP_ST_VERSION);
	}
	if (!is_vchar(c))
		return fail(p, HTTP_ERR_TARGET);
	if (!target_fits(p))
		return fail(p, HTTP_ERR_TARGET_TOO_LONG);
	if (c == '?') {
		p->req.path[p->req.path_len] = '\0';
		return to(p, HTTP_ST_QUERY);
	}
	p->req.path[p->req.path_len++] = (char)c;
	return HTTP_PARSE_MORE;
}

static enum http_parse_status
on_query(struct http_parser *p, uint8_t c)
{
	if (c == ' ')
		return to(p, HTTP_ST_VERSION);
	if (!is_vchar(c))
		return fail(p, HTTP_ERR_TARGET);
	if (!target_fits(p))
		return fail(p, HTTP_ERR_TARGET_TOO_LONG);
	return HTTP_PARSE_MORE;
}

/* RFC 9112 2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive; 1.0 and 1.1 only. */
static enum http_parse_status
on_version(struct http_parser *p, uint8_t c)
{
	static const char prefix[] = "HTTP/1.";

	if (p->tok_len < sizeof(prefix) - 1) {
		if (c != (uint8_t)prefix[p->tok_len])
			return fail(p, HTTP_ERR_VERSION);
		p->tok_len++;
		return HTTP_PARSE_MORE;
	}
	if (c != '0' && c != '1')
		return fail(p, HTTP_ERR_VERSION);
	p->req.version_minor = c - '0';
	tok_reset(p);
	return to(p, HTTP_ST_LINE_END);
}

static enum http_parse_status
on_line_end(struct http_parser *p, uint8_t c)
{
	if (c == '\r')
		return to(p, HTTP_ST_LINE_LF);
	if (c == '\n')
		return to(p, HTTP_ST_FIELD_START);
	return fail(p, is_digit(c) ? HTTP_ERR_VERSION : HTTP_ERR_LINE_END);
}

static enum http_parse_status
on_line_lf(struct http_parser *p, uint8_t c)
{
	if (c != '\n')
		return fail(p, HTTP_ERR_LINE_END);
	return to(p, HTTP_ST_FIELD_START);
}

/* RFC 9112 5.2: a line starting with whitespace is obs-fold; refuse it. */
static enum http_parse_status
on_field_start(struct http_parser *p, uint8_t c)
{
	if (c == '\r')
		return to(p, HTTP_ST_HEAD_LF);
	if (c == '\n')
		return head_end(p);
	if (is_ows(c))
		return fail(p, HTTP_ERR_OBS_FOLD);
	if (!is_tchar(c))
		return fail(p, HTTP_ERR_FIELD_NAME);
	p->field = HTTP_FIELD_OTHER;
	p->elem_ws = false;
	p->elem_seen = false;
	p->elem_num = 0;
	tok_reset(p);
	tok_push(p, ascii_lower(c));
	return to(p, HTTP_ST_FIELD_NAME);
}

static enum http_field
field_of(const struct http_parser *p)
{
	if (tok_is(p, "host"))
		return HTTP_FIELD_HOST;
	if (tok_is(p, "connection"))
		return HTTP_FIELD_CONNECTION;
	if (tok_is(p, "content-length"))
		return HTTP_FIELD_CONTENT_LENGTH;
	if (tok_is(p, "transfer-encoding"))
		return HTTP_FIELD_TRANSFER_ENCODING;
	return HTTP_FIELD_OTHER;
}

/* RFC 9112 5.1: no whitespace between field name and colon. */
static enum http_parse_status
on_field_name(struct http_parser *p, uint8_t c)
{
	if (is_tchar(c)) {
		tok_push(p, ascii_lower(c));
		return HTTP_PARSE_MORE;
	}
	if (is_ows(c))
		return fail(p, HTTP_ERR_FIELD_SPACE);
	if (c != ':')
		return fail(p, HTTP_ERR_FIELD_NAME);
	p->field = field_of(p);
	if (p->field == HTTP_FIELD_HOST && p->host_count < 2)
		p->host_count++;
	if (p->field == HTTP_FIELD_TRANSFER_ENCODING)
		p->te_seen = true;
	tok_reset(p);
	return to(p, HTTP_ST_FIELD_VALUE);
}

/* RFC 9110 8.6: Content-Length = 1*DIGIT; several values must all be the same. */
static enum http_parse_status
content_length_end(struct http_parser *p)
{
	if (p->tok_bad)
		return fail(p, HTTP_ERR_CONTENT_LENGTH);
	if (p->cl_seen && p->req.content_length != p->elem_num)
		return fail(p, HTTP_ERR_CONTENT_LENGTH);
	p->cl_seen = true;
	p->req.content_length = p->elem_num;
	return HTTP_PARSE_MORE;
}

/* One list element ended (RFC 9110 5.6.1: empty elements are ignored). */
static enum http_parse_status
elem_end(struct http_parser *p)
{
	enum http_parse_status st = HTTP_PARSE_MORE;

	if (p->tok_len == 0)
		return HTTP_PARSE_MORE;
	p->elem_seen = true;
	if (p->field == HTTP_FIELD_CONTENT_LENGTH)
		st = content_length_end(p);
	else if (tok_is(p, "close"))
		p->conn_close = true;
	else if (tok_is(p, "keep-alive"))
		p->conn_keep_alive = true;
	tok_reset(p);
	p->elem_ws = false;
	p->elem_num = 0;
	return st;
}

/*
 * One byte of a Connection or Content-Length value: a comma-separated list of
 * elements with optional whitespace around each (RFC 9110 5.6.1). An element
 * with inner whitespace, or a Content-Length element that is not a decimal
 * that fits 64 bits, is marked bad.
 */
static enum http_parse_status
elem_byte(struct http_parser *p, uint8_t c)
{
	if (c == ',')
		return elem_end(p);
	if (is_ows(c)) {
		p->elem_ws = p->tok_len > 0;
		return HTTP_PARSE_MORE;
	}
	if (p->elem_ws)
		p->tok_bad = true;
	if (p->field == HTTP_FIELD_CONNECTION) {
		tok_push(p, ascii_lower(c));
		return HTTP_PARSE_MORE;
	}
	if (!is_digit(c) || p->elem_num > (UINT64_MAX - (c - '0')) / 10)
		p->tok_bad = true;
	else
		p->elem_num = p->elem_num * 10 + (c - '0');
	if (p->tok_len < UINT8_MAX)
		p->tok_len++;
	return HTTP_PARSE_MORE;
}

static bool
field_is_list(const struct http_parser *p)
{
	return p->field == HTTP_FIELD_CONNECTION || p->field == HTTP_FIELD_CONTENT_LENGTH;
}

static enum http_parse_status
field_end(struct http_parser *p)
{
	if (field_is_list(p)) {
		enum http_parse_status st = elem_end(p);

		if (st != HTTP_PARSE_MORE)
			return st;
	}
	if (p->field == HTTP_FIELD_CONTENT_LENGTH && !p->elem_seen)
		return fail(p, HTTP_ERR_CONTENT_LENGTH);
	return to(p, HTTP_ST_FIELD_START);
}

static enum http_parse_status
on_field_value(struct http_parser *p, uint8_t c)
{
	if (c == '\r')
		return to(p, HTTP_ST_FIELD_LF);
	if (c == '\n')
		return field_end(p);
	if (!is_field_byte(c))
		return fail(p, HTTP_ERR_FIELD_VALUE);
	if (field_is_list(p))
		return elem_byte(p, c);
	return HTTP_PARSE_MORE;
}

static enum http_parse_status
on_field_lf(struct http_parser *p, uint8_t c)
{
	if (c != '\n')
		return fail(p, HTTP_ERR_LINE_END);
	return field_end(p);
}

static enum http_parse_status
on_head_lf(struct http_parser *p, uint8_t c)
{
	if (c != '\n')
		return fail(p, HTTP_ERR_LINE_END);
	return head_end(p);
}

static enum http_parse_status (*const state_handlers[HTTP_ST_COUNT])(struct http_parser *,
                                                                     uint8_t) = {
	[HTTP_ST_START] = on_start,
	[HTTP_ST_START_LF] = on_start_lf,
	[HTTP_ST_METHOD] = on_method,
	[HTTP_ST_TARGET_START] = on_target_start,
	[HTTP_ST_PATH] = on_path,
	[HTTP_ST_QUERY] = on_query,
	[HTTP_ST_VERSION] = on_version,
	[HTTP_ST_LINE_END] = on_line_end,
	[HTTP_ST_LINE_LF] = on_line_lf,
	[HTTP_ST_FIELD_START] = on_field_start,
	[HTTP_ST_FIELD_NAME] = on_field_name,
	[HTTP_ST_FIELD_VALUE] = on_field_value,
	[HTTP_ST_FIELD_LF] = on_field_lf,
	[HTTP_ST_HEAD_LF] = on_head_lf,
};

/* Only what a head's parse reads before it writes: the path buffer is left
 * as it is (on_path ends the path with its NUL). */
void
http_parser_init(struct http_parser *p)
{
	memset(&p->req, 0, offsetof(struct http_request, path));
	p->req.path[0] = '\0';
	memset(&p->error, 0, sizeof(*p) - offsetof(struct http_parser, error));
	p->state = HTTP_ST_START;
	p->error = HTTP_ERR_NONE;
	p->req.method = HTTP_METHOD_OTHER;
}

/* Up to @n bytes at @s of class @cls: how many lead. */
static size_t
class_run(const uint8_t *s, size_t n, uint8_t cls)
{
	size_t i = 0;

	while (i < n && (byte_class[s[i]] & cls))
		i++;
	return i;
}

/* Append @n token bytes (lowercased if @lower), as tok_push() one by one would. */
static void
tok_append(struct http_parser *p, const uint8_t *s, size_t n, bool lower)
{
	size_t room = p->tok_len < HTTP_TOKEN_MAX ? HTTP_TOKEN_MAX - p->tok_len : 0;
	size_t keep = n < room ? n : room;

	for (size_t i = 0; i < keep; i++)
		p->tok[p->tok_len + i] = (char)(lower ? ascii_lower(s[i]) : s[i]);
	if (n > keep)
		p->tok_bad = true;
	p->tok_len = (uint8_t)(p->tok_len + n < UINT8_MAX ? p->tok_len + n : UINT8_MAX);
}

/* The states state_run() can take several bytes of at once. */
#define RUN_STATES                                                                                 \
	((1u << HTTP_ST_START) | (1u << HTTP_ST_METHOD) | (1u << HTTP_ST_FIELD_NAME) |             \
	 (1u << HTTP_ST_PATH) | (1u << HTTP_ST_QUERY) | (1u << HTTP_ST_FIELD_VALUE) |              \
	 (1u << HTTP_ST_VERSION))

/*
 * A whole request-line of the common form at @s (@n bytes): method SP
 * absolute-path SP "HTTP/1.0" or "HTTP/1.1" CRLF, the path without a query,
 * all within the limits. Taken at once, leaving the parser as the handlers
 * would after its LF (state FIELD_START); anything else, or a line not all
 * here, returns 0 and goes byte by byte, so every error is the handlers' own.
 */
static size_t
request_line(struct http_parser *p, const uint8_t *s, size_t n)
{
	static const char version[] = " HTTP/1.";
	uint64_t want, got;
	size_t m = class_run(s, n, BT);

	if (m == 0 || m == n || s[m] != ' ' || m + 1 == n || s[m + 1] != '/')
		return 0;
	/* target_fits(): the path stays under HTTP_MAX_PATH. */
	size_t room = n - (m + 1) < HTTP_MAX_PATH - 1 ? n - (m + 1) : HTTP_MAX_PATH - 1;
	size_t path = 1 + class_run(s + m + 2, room - 1, BP); /* a '?' falls back */
	const uint8_t *v = s + m + 1 + path;
	size_t end = m + 1 + path + sizeof(version) - 1 + 3; /* "0\r\n" */

	static_assert(sizeof(version) - 1 == sizeof(want), "one 8-byte compare");
	if (end > n)
		return 0;
	memcpy(&want, version, sizeof(want));
	memcpy(&got, v, sizeof(got));
	if (got != want)
		return 0;
	v += sizeof(version) - 1;
	if ((v[0] != '0' && v[0] != '1') || v[1] != '\r' || v[2] != '\n')
		return 0;
	if (m == 3 && s[0] == 'G' && s[1] == 'E' && s[2] == 'T')
		p->req.method = HTTP_METHOD_GET;
	else if (m == 4 && s[0] == 'H' && s[1] == 'E' && s[2] == 'A' && s[3] == 'D')
		p->req.method = HTTP_METHOD_HEAD;
	else
		p->req.method = HTTP_METHOD_OTHER;
	memcpy(p->req.path, s + m + 1, path);
	p->req.path[path] = '\0';
	p->req.path_len = (uint16_t)path;
	p->target_len = (uint16_t)path;
	p->req.version_minor = v[0] - '0';
	p->state = HTTP_ST_FIELD_START;
	return end;
}

/*
 * The bytes at @s (@n of them) that the current state would take one by one
 * without changing state or failing, taken at once: a method or field name
 * (tchar), a path (VCHAR but '?', within HTTP_MAX_PATH), a query, a field
 * value the parser need not read (field bytes but CR and LF), a Connection
 * option's letters, the version's "HTTP/1." whole, a whole request-line of the
 * common form (request_line()). Returns how many; the byte after them goes through the
 * state's handler.
 */
static size_t
state_run(struct http_parser *p, const uint8_t *s, size_t n)
{
	static const char version_prefix[] = "HTTP/1.";
	size_t k, room;

	switch (p->state) {
	case HTTP_ST_START:
		return request_line(p, s, n);
	case HTTP_ST_VERSION:
		/* on_version's prefix, when it is all here (else byte by byte). */
		if (p->tok_len != 0 || n < sizeof(version_prefix) - 1 ||
		    memcmp(s, version_prefix, sizeof(version_prefix) - 1) != 0)
			return 0;
		p->tok_len = sizeof(version_prefix) - 1;
		return sizeof(version_prefix) - 1;
	case HTTP_ST_METHOD:
		k = class_run(s, n, BT);
		tok_append(p, s, k, false);
		return k;
	case HTTP_ST_FIELD_NAME:
		k = class_run(s, n, BT);
		tok_append(p, s, k, true);
		return k;
	case HTTP_ST_PATH:
	case HTTP_ST_QUERY:
		/* target_fits(): the request-target stays under HTTP_MAX_PATH. */
		room = HTTP_MAX_PATH - 1u - p->target_len;
		if (p->state == HTTP_ST_PATH) {
			k = class_run(s, n < room ? n : room, BP); /* on_path() takes the '?' */
			memcpy(p->req.path + p->req.path_len, s, k);
			p->req.path_len = (uint16_t)(p->req.path_len + k);
		} else {
			k = class_run(s, n < room ? n : room, BV);
		}
		p->target_len = (uint16_t)(p->target_len + k);
		return k;
	case HTTP_ST_FIELD_VALUE:
		if (!field_is_list(p))
			return class_run(s, n, BF);
		/* A Connection option's letters (elem_byte() lowercases them
		 * into the token; one after inner whitespace spoils it: left
		 * to elem_byte()). */
		if (p->field != HTTP_FIELD_CONNECTION || p->elem_ws)
			return 0;
		k = class_run(s, n, BT);
		tok_append(p, s, k, true);
		return k;
	default:
		return 0;
	}
}

/* @s (@n bytes) equals @lower, ASCII case ignored (RFC 9110 5.1: field
 * names are case-insensitive); @lower is in lowercase. */
static bool
name_is(const uint8_t *s, size_t n, const char *lower, size_t lower_len)
{
	if (n != lower_len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (ascii_lower(s[i]) != (uint8_t)lower[i])
			return false;
	return true;
}

/* on_field_name()'s field_of() for a name seen whole (any length: one over
 * HTTP_TOKEN_MAX matches nothing there either). */
static enum http_field
field_named(const uint8_t *s, size_t n)
{
	switch (n) {
	case 4:
		return name_is(s, n, "host", 4) ? HTTP_FIELD_HOST : HTTP_FIELD_OTHER;
	case 10:
		return name_is(s, n, "connection", 10) ? HTTP_FIELD_CONNECTION : HTTP_FIELD_OTHER;
	case 14:
		return name_is(s, n, "content-length", 14) ? HTTP_FIELD_CONTENT_LENGTH
		                                           : HTTP_FIELD_OTHER;
	case 17:
		return name_is(s, n, "transfer-encoding", 17) ? HTTP_FIELD_TRANSFER_ENCODING
		                                              : HTTP_FIELD_OTHER;
	default:
		return HTTP_FIELD_OTHER;
	}
}

/*
 * In state FIELD_START: the whole field lines at @s (@n bytes) of the common
 * form, name ":" value CRLF with the name all tchar and the value all field
 * bytes, and the empty line that ends the head, each taken at once. What
 * the handlers would do byte by byte is done here in that order (a list
 * field's value still goes through elem_byte() a byte at a time), so the
 * outcome and the bytes consumed are theirs. A line not all here, or of
 * another form (bare LF, obs-fold, a bad byte), stops the run with the
 * parser at the line's start, for the handlers. Returns the bytes taken;
 * *st is the status after them.
 */
static size_t
field_lines(struct http_parser *p, const uint8_t *s, size_t n, enum http_parse_status *st)
{
	size_t i = 0;

	*st = HTTP_PARSE_MORE;
	while (p->state == HTTP_ST_FIELD_START) {
		if (n - i >= 2 && s[i] == '\r' && s[i + 1] == '\n') {
			*st = head_end(p);
			return i + 2;
		}
		const uint8_t *line = s + i;
		size_t left = n - i;
		size_t name = class_run(line, left, BT);
		if (name == 0 || name == left || line[name] != ':')
			return i;
		size_t v = name + 1;
		size_t end = v + class_run(line + v, left - v, BF);
		if (end + 1 >= left || line[end] != '\r' || line[end + 1] != '\n')
			return i;
		/* on_field_start(), then on_field_name() at the colon. */
		p->field = field_named(line, name);
		p->elem_ws = false;
		p->elem_seen = false;
		p->elem_num = 0;
		tok_reset(p);
		if (p->field == HTTP_FIELD_HOST && p->host_count < 2)
			p->host_count++;
		if (p->field == HTTP_FIELD_TRANSFER_ENCODING)
			p->te_seen = true;
		/* on_field_value() for each byte, then on_field_lf(). */
		for (size_t k = v; field_is_list(p) && k < end; k++) {
			if (p->field == HTTP_FIELD_CONNECTION && !p->elem_ws) {
				size_t r = class_run(line + k, end - k, BT); /* as state_run() */
				tok_append(p, line + k, r, true);
				k += r;
				if (k == end)
					break;
			}
			*st = elem_byte(p, line[k]);
			if (*st != HTTP_PARSE_MORE)
				return i + k + 1;
		}
		*st = field_end(p); /* sets the state: FIELD_START, or FAILED */
		i += end + 2;
		if (*st != HTTP_PARSE_MORE)
			return i;
	}
	return i;
}

size_t
http_parse(struct http_parser *p, const char *buf, size_t len, enum http_parse_status *status)
{
	const uint8_t *b = (const uint8_t *)buf;
	size_t i = 0;

	if (p->state == HTTP_ST_DONE || p->state == HTTP_ST_FAILED) {
		*status = p->state == HTTP_ST_DONE ? HTTP_PARSE_DONE : status_of(p->error);
		return 0;
	}
	/* The bytes this head may still have: one more is too large. */
	size_t budget = HTTP_MAX_HEAD - p->head_bytes;
	size_t lim = len < budget ? len : budget;
	enum http_parse_status st = HTTP_PARSE_MORE;

	while (i < lim && st == HTTP_PARSE_MORE) {
		if (p->state == HTTP_ST_FIELD_START) {
			i += field_lines(p, b + i, lim - i, &st);
			if (i == lim || st != HTTP_PARSE_MORE)
				break;
		}
		if (RUN_STATES & (1u << p->state)) {
			i += state_run(p, b + i, lim - i);
			if (i == lim)
				break;
			if (p->state == HTTP_ST_FIELD_START)
				continue; /* a whole request-line: the field lines next */
		}
		st = state_handlers[p->state](p, b[i]);
		i++;
	}
	p->head_bytes += (uint32_t)i;
	if (st == HTTP_PARSE_MORE && i < len) {
		/* lim < len: the byte past the budget. */
		st = fail(p, HTTP_ERR_HEAD_TOO_LARGE);
		p->head_bytes++;
		i++;
	}
	*status = st;
	return st == HTTP_PARSE_MORE ? len : i;
}

const char *
http_error_str(enum http_error err)
{
	static const char *const names[] = {
		[HTTP_ERR_NONE] = "no error",
		[HTTP_ERR_METHOD] = "bad method",
		[HTTP_ERR_TARGET] = "bad request-target",
		[HTTP_ERR_VERSION] = "unsupported HTTP version",
		[HTTP_ERR_LINE_END] = "bad line end",
		[HTTP_ERR_FIELD_NAME] = "bad field name",
		[HTTP_ERR_FIELD_SPACE] = "whitespace before colon",
		[HTTP_ERR_OBS_FOLD] = "obsolete line folding",
		[HTTP_ERR_FIELD_VALUE] = "control byte in field value",
		[HTTP_ERR_CONTENT_LENGTH] = "bad Content-Length",
		[HTTP_ERR_BODY] = "request body not supported",
		[HTTP_ERR_HOST] = "Host missing or repeated",
		[HTTP_ERR_HEAD_TOO_LARGE] = "request head too large",
		[HTTP_ERR_TARGET_TOO_LONG] = "request-target too long",
	};

	if ((size_t)err >= sizeof(names) / sizeof(names[0]) || names[err] == NULL)
		return "unknown error";
	return names[err];
}
