/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-loadgen's HTTP/1.1 responses, a line at a time: memchr finds each
 * line's LF, so a head is scanned once and a body is only counted. A head
 * split over segments is gathered in r->head and parsed again from its start
 * as bytes come (at most LG_HTTP_HEAD_MAX of them; rare: a head is one
 * segment's worth).
 *
 * A head byte for byte the same as the last one parsed takes that one's
 * outcome after one memcmp (head_seen). The parse is the client's own cost in
 * every HTTP row: tern-httpd's 130-byte head took about 290 TSC cycles to
 * parse, more than the rest of a keep-alive request's work in tern-loadgen;
 * its heads change once a second, with their Date.
 *
 *   lg_http_feed -> head_parse -> status_line, field_line (content_length,
 *                   connection) -> body bytes counted down
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http_client.h"

/* RFC 9110 5.6.2: tchar. */
static bool
is_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
fail(struct lg_http_resp *r, enum lg_http_error err)
{
	r->error = err;
	return -1;
}

/* RFC 9112 4: status-line = HTTP-version SP status-code SP [ reason-phrase ],
 * reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ). */
static int
status_line(struct lg_http_resp *r, const char *s, size_t n)
{
	if (n < 13 || memcmp(s, "HTTP/1.", 7) != 0 || !is_digit(s[7]) || s[8] != ' ' ||
	    !is_digit(s[9]) || !is_digit(s[10]) || !is_digit(s[11]) || s[12] != ' ')
		return fail(r, LG_HTTP_ERR_STATUS_LINE);
	for (size_t i = 13; i < n; i++)
		if (((uint8_t)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
			return fail(r, LG_HTTP_ERR_STATUS_LINE);
	r->status = (uint16_t)((s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0'));
	return 0;
}

/* RFC 9110 8.6: Content-Length = 1*DIGIT; a list of equal values may stand
 * for one. @v..@end is the value without its surrounding whitespace. */
static int
content_length(struct lg_http_resp *r, const char *v, const char *end, uint64_t *cl, bool *seen)
{
	if (v == end)
		return fail(r, LG_HTTP_ERR_CONTENT_LENGTH);
	while (v < end) {
		uint64_t n = 0;
		const char *d = v;

		for (; v < end && is_digit(*v); v++) {
			if (n > (UINT64_MAX - 9) / 10)
				return fail(r, LG_HTTP_ERR_CONTENT_LENGTH);
			n = n * 10 + (uint64_t)(*v - '0');
		}
		if (v == d || (*seen && n != *cl))
			return fail(r, LG_HTTP_ERR_CONTENT_LENGTH);
		*cl = n;
		*seen = true;
		while (v < end && is_ows(*v))
			v++;
		if (v < end && *v++ != ',')
			return fail(r, LG_HTTP_ERR_CONTENT_LENGTH);
		while (v < end && is_ows(*v))
			v++;
	}
	return 0;
}

/* RFC 9112 9.6: "close" among the Connection options, case-insensitively. */
static bool
says_close(const char *v, const char *end)
{
	while (v < end) {
		const char *e = memchr(v, ',', (size_t)(end - v));
		const char *t = e != NULL ? e : end;

		while (t > v && is_ows(t[-1]))
			t--;
		if (t - v == 5 && strncasecmp(v, "close", 5) == 0)
			return true;
		if (e == NULL)
			break;
		for (v = e + 1; v < end && is_ows(*v); v++)
			;
	}
	return false;
}

/* What head_parse gathers from the field lines. */
struct head_fields {
	uint64_t content_length;
	bool cl_seen;
};

/* RFC 9112 5: field-line = field-name ":" OWS field-value OWS; no
 * whitespace before the colon (5.1), no obs-fold (5.2). */
static int
field_line(struct lg_http_resp *r, const char *s, size_t n, struct head_fields *f)
{
	const char *end = s + n;
	size_t name = 0;

	while (name < n && is_tchar((uint8_t)s[name]))
		name++;
	if (name == 0 || name == n || s[name] != ':')
		return fail(r, LG_HTTP_ERR_FIELD);
	if (memchr(s, '\0', n) != NULL)
		return fail(r, LG_HTTP_ERR_FIELD);
	const char *v = s + name + 1;
	while (v < end && is_ows(*v))
		v++;
	while (end > v && is_ows(end[-1]))
		end--;
	if (name == 14 && strncasecmp(s, "content-length", 14) == 0)
		return content_length(r, v, end, &f->content_length, &f->cl_seen);
	if (name == 17 && strncasecmp(s, "transfer-encoding", 17) == 0)
		return fail(r, LG_HTTP_ERR_TRANSFER_ENCODING);
	if (name == 10 && strncasecmp(s, "connection", 10) == 0 && says_close(v, end))
		r->close = true;
	return 0;
}

/* RFC 9112 6.3 item 1: no body, whatever the fields say. */
static bool
bodiless(uint16_t status)
{
	return status < 200 || status == 204 || status == 304;
}

/*
 * Parse the head at the start of @p (@n bytes). Returns its length once its
 * empty line is there (r->status, r->close and r->body_left set), 0 if more
 * bytes are needed, -1 if it is malformed (r->error).
 */
static int
head_parse(struct lg_http_resp *r, const char *p, size_t n)
{
	struct head_fields f = { 0, false };
	size_t off = 0;

	r->close = false;
	for (unsigned line = 0;; line++) {
		const char *lf = memchr(p + off, '\n', n - off);
		if (lf == NULL)
			return 0;
		size_t len = (size_t)(lf - (p + off));
		/* RFC 9112 2.2: CRLF ends a line; a CR anywhere else is an error. */
		if (len == 0 || p[off + len - 1] != '\r' || memchr(p + off, '\r', len - 1) != NULL)
			return fail(r, LG_HTTP_ERR_LINE_END);
		len--;
		if (len == 0 && line > 0) {
			off += 2;
			break;
		}
		int ret = line == 0        ? status_line(r, p + off, len)
		          : is_ows(p[off]) ? fail(r, LG_HTTP_ERR_FIELD)
		                           : field_line(r, p + off, len, &f);
		if (ret != 0)
			return -1;
		off += len + 2;
	}
	if (off > LG_HTTP_HEAD_MAX)
		return fail(r, LG_HTTP_ERR_HEAD_TOO_LARGE);
	if (bodiless(r->status))
		r->body_left = 0;
	else if (f.cl_seen)
		r->body_left = f.content_length;
	else
		return fail(r, LG_HTTP_ERR_NO_LENGTH);
	return (int)off;
}

/* The last head's outcome, if @buf (@len bytes) begins with its bytes. */
static bool
head_seen(struct lg_http_resp *r, const char *buf, size_t len, size_t *used)
{
	if (r->seen_len == 0 || len < r->seen_len || memcmp(buf, r->seen, r->seen_len) != 0)
		return false;
	r->status = r->seen_status;
	r->close = r->seen_close;
	r->body_left = r->seen_body;
	*used = r->seen_len;
	return true;
}

/* Remember the head head_parse just took from @buf (@h bytes). */
static void
head_remember(struct lg_http_resp *r, const char *buf, size_t h)
{
	if (h > LG_HTTP_SEEN_MAX)
		return;
	memcpy(r->seen, buf, h);
	r->seen_len = (uint16_t)h;
	r->seen_status = r->status;
	r->seen_close = r->close;
	r->seen_body = r->body_left;
}

void
lg_http_reuse(struct lg_http_resp *r)
{
	r->body_left = 0;
	r->in_body = false;
	r->status = 0;
	r->close = false;
	r->error = LG_HTTP_ERR_NONE;
	r->head_len = 0;
}

void
lg_http_init(struct lg_http_resp *r)
{
	lg_http_reuse(r);
	r->seen_len = 0;
}

/* The head, from @buf or from what was kept of it before: LG_HTTP_DONE once
 * it is whole (@used: the bytes of @buf it took), else MORE or ERROR. */
static enum lg_http_status
head_feed(struct lg_http_resp *r, const char *buf, size_t len, size_t *used)
{
	size_t old = r->head_len;
	int h;

	if (old == 0) {
		if (head_seen(r, buf, len, used))
			return LG_HTTP_DONE;
		h = head_parse(r, buf, len);
		if (h > 0) {
			head_remember(r, buf, (size_t)h);
			*used = (size_t)h;
			return LG_HTTP_DONE;
		}
		if (h == 0 && len >= LG_HTTP_HEAD_MAX)
			fail(r, LG_HTTP_ERR_HEAD_TOO_LARGE);
		if (r->error != LG_HTTP_ERR_NONE)
			return LG_HTTP_ERROR;
		memcpy(r->head, buf, len);
		r->head_len = (uint16_t)len;
		*used = len;
		return LG_HTTP_MORE;
	}
	size_t take = len < LG_HTTP_HEAD_MAX - old ? len : LG_HTTP_HEAD_MAX - old;
	memcpy(r->head + old, buf, take);
	r->head_len = (uint16_t)(old + take);
	h = head_parse(r, r->head, r->head_len);
	if (h > 0) {
		r->head_len = 0;
		*used = (size_t)h - old; /* the bytes before were incomplete: h > old */
		return LG_HTTP_DONE;
	}
	if (h == 0 && r->head_len == LG_HTTP_HEAD_MAX)
		fail(r, LG_HTTP_ERR_HEAD_TOO_LARGE);
	*used = take;
	return r->error != LG_HTTP_ERR_NONE ? LG_HTTP_ERROR : LG_HTTP_MORE;
}

size_t
lg_http_feed(struct lg_http_resp *r, const char *buf, size_t len, enum lg_http_status *st)
{
	size_t used = 0;

	if (r->error != LG_HTTP_ERR_NONE) {
		*st = LG_HTTP_ERROR;
		return 0;
	}
	if (!r->in_body) {
		*st = head_feed(r, buf, len, &used);
		if (*st != LG_HTTP_DONE)
			return used;
		r->in_body = true;
	}
	uint64_t body = len - used < r->body_left ? len - used : r->body_left;
	r->body_left -= body;
	used += (size_t)body;
	if (r->body_left != 0) {
		*st = LG_HTTP_MORE;
		return used;
	}
	r->in_body = false;
	*st = LG_HTTP_DONE;
	return used;
}

const char *
lg_http_error_str(enum lg_http_error err)
{
	static const char *const names[LG_HTTP_ERR_COUNT] = {
		[LG_HTTP_ERR_NONE] = "no error",
		[LG_HTTP_ERR_STATUS_LINE] = "bad status-line",
		[LG_HTTP_ERR_LINE_END] = "a line not ended by CRLF",
		[LG_HTTP_ERR_FIELD] = "bad field line",
		[LG_HTTP_ERR_CONTENT_LENGTH] = "bad Content-Length",
		[LG_HTTP_ERR_NO_LENGTH] = "a body without Content-Length",
		[LG_HTTP_ERR_TRANSFER_ENCODING] = "Transfer-Encoding (not supported)",
		[LG_HTTP_ERR_HEAD_TOO_LARGE] = "response head too large",
	};

	return (unsigned)err < LG_HTTP_ERR_COUNT ? names[err] : "unknown error";
}

int
lg_http_request(char *buf, size_t len, const char *path, uint32_t ip, uint16_t port, bool close)
{
	char host[32];
	int n;

	if (port == 80)
		snprintf(host, sizeof(host), "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xff,
		         (ip >> 8) & 0xff, ip & 0xff);
	else
		snprintf(host, sizeof(host), "%u.%u.%u.%u:%u", ip >> 24, (ip >> 16) & 0xff,
		         (ip >> 8) & 0xff, ip & 0xff, port);
	n = snprintf(buf, len, "GET %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", path, host,
	             close ? "Connection: close\r\n" : "");
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}
