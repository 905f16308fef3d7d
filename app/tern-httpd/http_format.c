/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-httpd's response side of http_parse.h: /bytes/N paths, the Date
 * field's IMF-fixdate and response heads (RFC 9110 6.6.1, 5.6.7).
 *
 *   route -> http_bytes_path(); httpd_resp / conn -> http_format_head(date)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http_parse.h"

static bool
is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

bool
http_bytes_path(const char *path, uint64_t *n)
{
	static const char prefix[] = "/bytes/";
	const char *s = path + sizeof(prefix) - 1;
	uint64_t v = 0;

	if (strncmp(path, prefix, sizeof(prefix) - 1) != 0 || !is_digit((uint8_t)*s))
		return false;
	if (s[0] == '0' && s[1] != '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (!is_digit((uint8_t)*s))
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > HTTP_BYTES_MAX)
			return false;
	}
	*n = v;
	return true;
}

static const char *
reason_of(int code)
{
	switch (code) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	default:
		return NULL;
	}
}

/* @v (0..99) as two digits at @p. */
static void
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

void
http_format_date(char *buf, int64_t t)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
		                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;
	int year;

	gmtime_r(&tt, &tm);
	year = (tm.tm_year + 1900) % 10000; /* 4DIGIT */
	/* "Sun, 06 Nov 1994 08:49:37 GMT": fixed positions. */
	memcpy(buf, "Xxx, 00 Xxx 0000 00:00:00 GMT", HTTP_DATE_LEN + 1);
	memcpy(buf, days[tm.tm_wday], 3);
	put2(buf + 5, tm.tm_mday);
	memcpy(buf + 8, months[tm.tm_mon], 3);
	put2(buf + 12, year / 100);
	put2(buf + 14, year % 100);
	put2(buf + 17, tm.tm_hour);
	put2(buf + 20, tm.tm_min);
	put2(buf + 23, tm.tm_sec);
}

int
http_format_head(char *buf, size_t len, int code, uint64_t content_length, bool keep_alive,
                 const char *date)
{
	const char *reason = reason_of(code);
	int n;

	if (reason == NULL)
		return -EINVAL;
	n = snprintf(buf, len,
	             "HTTP/1.1 %d %s\r\n"
	             "Date: %s\r\n"
	             "Content-Length: %" PRIu64 "\r\n"
	             "Content-Type: text/plain\r\n"
	             "%s"
	             "Connection: %s\r\n"
	             "\r\n",
	             code, reason, date, content_length, code == 405 ? "Allow: GET, HEAD\r\n" : "",
	             keep_alive ? "keep-alive" : "close");
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n;
}
