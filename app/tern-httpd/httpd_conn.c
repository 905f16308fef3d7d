/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-httpd, one connection: requests are parsed one after another from the
 * byte stream and answered in order (RFC 9112 9.3.2), and a request is parsed
 * only once the previous response is wholly in the send buffer, so pipelined
 * requests wait in Tern's receive queue and the window holds the client back.
 *
 *   readable / writable -> httpd_serve -> httpd_pump   (queue the response)
 *                                      -> httpd_parse_next -> httpd_route
 *                                      -> httpd_linger_start (after "close")
 *   poll -> lingering closes out of time, sends that found no mbuf
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "httpd.h"

/* Drop the first @n bytes of the chain's first segment (@n <= its data_len);
 * returns the chain that is left, NULL when nothing is. */
static struct rte_mbuf *
httpd_chain_pull(struct rte_mbuf *m, size_t n)
{
	if (n < m->data_len) {
		rte_pktmbuf_adj(m, (uint16_t)n);
		return m;
	}
	struct rte_mbuf *next = m->next;
	if (next != NULL) {
		next->pkt_len = m->pkt_len - m->data_len;
		next->nb_segs = (uint16_t)(m->nb_segs - 1);
	}
	m->next = NULL;
	m->nb_segs = 1;
	rte_pktmbuf_free(m);
	return next;
}

/* Feed the parser until a head is complete or the bytes run out. What is
 * received is taken whole (zero-copy) only when the previous chain is used
 * up, so at most one receive buffer's worth waits here besides Tern's queue. */
static enum http_parse_status
httpd_parse_next(struct httpd_conn *conn)
{
	enum http_parse_status st = HTTP_PARSE_MORE;

	while (st == HTTP_PARSE_MORE) {
		struct rte_mbuf *m = conn->in;

		if (m == NULL && (m = tern_recv(conn->c)) == NULL)
			break;
		size_t n = http_parse(&conn->parser, rte_pktmbuf_mtod(m, const char *), m->data_len,
		                      &st);
		conn->in = httpd_chain_pull(m, n);
	}
	return st;
}

/* A canned response (httpd_resp.h): nothing formatted, one send. HEAD gets
 * the head GET would, with the body's length and without the body (RFC 9110
 * 9.3.2, 8.6). */
static void
httpd_respond(struct httpd_conn *conn, enum httpd_status status, bool keep_alive, bool with_body)
{
	struct httpd_stats *stats = &conn->core->stats;
	const struct httpd_canned *cn = httpd_canned_of(&conn->core->resp, status, keep_alive);

	conn->out = cn->bytes;
	conn->out_left = with_body ? cn->len : cn->head_len;
	conn->body_left = 0;
	conn->close_after = !keep_alive;
	stats->status[status]++;
	stats->body_bytes += (uint64_t)(conn->out_left - cn->head_len);
}

/* GET /bytes/N: the head formatted here, the body streamed from the core's
 * pattern as the send buffer drains. */
static void
httpd_respond_bytes(struct httpd_conn *conn, uint64_t n, bool keep_alive, bool with_body)
{
	struct httpd_core *hc = conn->core;
	int len = http_format_head(conn->out_buf, sizeof(conn->out_buf), 200, n, keep_alive,
	                           hc->resp.date);

	RTE_ASSERT(len > 0); /* HTTPD_OUT_MAX fits the longest head */
	conn->out = conn->out_buf;
	conn->out_left = (uint16_t)len;
	conn->body_off = 0;
	conn->body_left = with_body ? n : 0;
	conn->close_after = !keep_alive;
	hc->stats.status[HTTPD_200]++;
	hc->stats.body_bytes += conn->body_left;
}

/* A whole request head is in conn->parser.req: choose its response. */
static void
httpd_route(struct httpd_conn *conn)
{
	const struct http_request *req = &conn->parser.req;
	bool with_body = req->method == HTTP_METHOD_GET;
	uint64_t n;

	conn->core->stats.requests++;
	if (req->method == HTTP_METHOD_OTHER)
		httpd_respond(conn, HTTPD_405, req->keep_alive, true); /* RFC 9110 15.5.6 */
	else if (req->path_len == 1 && req->path[0] == '/')
		httpd_respond(conn, HTTPD_200, req->keep_alive, with_body);
	else if (http_bytes_path(req->path, &n))
		httpd_respond_bytes(conn, n, req->keep_alive, with_body);
	else
		httpd_respond(conn, HTTPD_404, req->keep_alive, with_body);
	http_parser_init(&conn->parser);
}

/* RFC 9112 3, 5: an invalid request-line or field line gets 400 (RFC 9110
 * 15.5.1); so does a head over HTTP_MAX_HEAD here. Such a head leaves no way to
 * find where the next request would start, so the connection closes after the
 * response and whatever follows the head is discarded. */
static void
httpd_bad_request(struct httpd_conn *conn)
{
	conn->core->stats.bad_requests++;
	rte_pktmbuf_free(conn->in);
	conn->in = NULL;
	httpd_respond(conn, HTTPD_400, false, true);
}

/* tern_send() took nothing: the send buffer is full (writable follows), the
 * connection is going away (closed follows), or the mbuf pool is dry. In the
 * last case no ACK may ever come to call writable: the core's poll retries. */
static bool
httpd_send_failed(struct httpd_conn *conn, ssize_t ret)
{
	struct httpd_core *hc = conn->core;

	if (ret == -ENOBUFS) {
		if (conn->phase != HTTPD_STALLED)
			hc->stats.send_stalls++; /* a retry that failed again is not counted */
		conn->phase = HTTPD_STALLED;
		TAILQ_INSERT_TAIL(&hc->stalled, conn, wait);
	}
	return false;
}

/* Part of a canned response went: keep the rest in the connection's own
 * buffer, since the canned one's Date may change before the rest goes. */
static void
httpd_out_keep(struct httpd_conn *conn)
{
	if (conn->out >= conn->out_buf && conn->out < conn->out_buf + sizeof(conn->out_buf))
		return;
	memcpy(conn->out_buf, conn->out, conn->out_left);
	conn->out = conn->out_buf;
}

/* Queue what is left of the current response; true once all of it is in the
 * send buffer. A canned response is one call; /bytes/N is streamed a chunk at
 * a time from the core's pattern, never buffered whole. */
static bool
httpd_pump(struct httpd_conn *conn)
{
	ssize_t n;

	while (conn->out_left > 0) {
		n = tern_send(conn->c, conn->out, conn->out_left);
		if (n <= 0)
			return httpd_send_failed(conn, n);
		conn->out += n;
		conn->out_left -= (uint16_t)n;
		if (conn->out_left > 0)
			httpd_out_keep(conn);
	}
	while (conn->body_left > 0) {
		const char *src = conn->core->pattern + conn->body_off % HTTPD_PATTERN_PERIOD;
		size_t len = (size_t)RTE_MIN(conn->body_left, (uint64_t)HTTPD_CHUNK);

		n = tern_send(conn->c, src, len);
		if (n <= 0)
			return httpd_send_failed(conn, n);
		conn->body_off += (uint64_t)n;
		conn->body_left -= (uint64_t)n;
	}
	return true;
}

/* The last call on the connection: the closed callback may run inside it
 * (RFC 2525 2.17: unread data turns a close into a reset). */
static void
httpd_close(struct httpd_conn *conn)
{
	conn->phase = HTTPD_CLOSING;
	tern_close(conn->c);
}

static void
httpd_linger_end(struct httpd_conn *conn)
{
	TAILQ_REMOVE(&conn->core->linger, conn, wait);
	rte_pktmbuf_free(tern_recv(conn->c));
	httpd_close(conn);
}

/* Read and drop what the peer still sends; its FIN ends the linger. */
static void
httpd_linger_drain(struct httpd_conn *conn)
{
	rte_pktmbuf_free(tern_recv(conn->c));
	if (tern_recv_eof(conn->c))
		httpd_linger_end(conn);
}

/*
 * RFC 9112 9.6: after a response that closes the connection, shut only the
 * write side (our FIN follows the response) and keep reading until the
 * client's FIN. Closing outright would make any request the client had
 * already sent reset the connection, and a reset can destroy the response
 * before the client reads it. The wait is bounded by HTTPD_LINGER_US.
 */
static void
httpd_linger_start(struct httpd_conn *conn)
{
	struct httpd_core *hc = conn->core;

	rte_pktmbuf_free(conn->in);
	conn->in = NULL;
	tern_shutdown(conn->c);
	conn->phase = HTTPD_LINGER;
	conn->linger_until_us = tern_core_now_us(hc->core) + HTTPD_LINGER_US;
	TAILQ_INSERT_TAIL(&hc->linger, conn, wait);
	httpd_linger_drain(conn);
}

/* Queue the current response, then parse and answer the next request, until
 * the send buffer fills, the received bytes run out or the connection is to
 * close. */
static void
httpd_serve(struct httpd_conn *conn)
{
	for (;;) {
		if (!httpd_pump(conn))
			return; /* writable (or the poll) calls again */
		conn->phase = HTTPD_SERVE;
		if (conn->close_after) {
			httpd_linger_start(conn);
			return;
		}
		switch (httpd_parse_next(conn)) {
		case HTTP_PARSE_MORE:
			/* The client half-closed and every request it sent is
			 * answered: finish (an unfinished head gets nothing). */
			if (tern_recv_eof(conn->c))
				httpd_close(conn);
			return;
		case HTTP_PARSE_DONE:
			httpd_route(conn);
			break;
		case HTTP_PARSE_ERROR:
		case HTTP_PARSE_TOO_LARGE:
			httpd_bad_request(conn);
			break;
		}
	}
}

static struct httpd_core *
httpd_core_of(const struct httpd *h, const struct tern_conn *c)
{
	return h->cores[tern_core_index(tern_conn_core(c))];
}

static void
httpd_accepted(struct tern_conn *c, void *listen_arg)
{
	struct httpd_core *hc = httpd_core_of(listen_arg, c);
	struct httpd_conn *conn = hc != NULL ? httpd_conn_alloc(hc) : NULL;

	if (conn == NULL) {
		/* Refuse this one connection, counted (DESIGN.md principle 5). */
		if (hc != NULL)
			hc->stats.conns_refused++;
		tern_conn_set_arg(c, NULL);
		tern_abort(c);
		return;
	}
	/* Everything before out_buf: the buffer and the parser (over 600
	 * bytes) need no zeroing per connection (http_parser_init resets what
	 * a parse reads). */
	memset(conn, 0, offsetof(struct httpd_conn, out_buf));
	conn->tag = HTTPD_TAG_CONN;
	conn->phase = HTTPD_SERVE;
	conn->c = c;
	conn->core = hc;
	http_parser_init(&conn->parser);
	tern_conn_set_arg(c, conn);
	hc->stats.conns++;
}

static void
httpd_readable(struct tern_conn *c, void *arg)
{
	struct httpd_conn *conn = arg;

	(void)c;
	if (conn->phase == HTTPD_LINGER)
		httpd_linger_drain(conn);
	else if (conn->phase == HTTPD_SERVE)
		httpd_serve(conn);
}

static void
httpd_writable(struct tern_conn *c, void *arg)
{
	struct httpd_conn *conn = arg;

	(void)c;
	if (conn->phase == HTTPD_SERVE)
		httpd_serve(conn);
}

static void
httpd_closed(struct tern_conn *c, void *arg, int reason)
{
	struct httpd_conn *conn = arg;

	(void)c;
	if (conn == NULL || conn->tag != HTTPD_TAG_CONN)
		return; /* refused, or never accepted */
	struct httpd_core *hc = conn->core;
	if (reason != 0 && reason != -ESHUTDOWN)
		hc->stats.conns_aborted++;
	if (conn->phase == HTTPD_LINGER)
		TAILQ_REMOVE(&hc->linger, conn, wait);
	else if (conn->phase == HTTPD_STALLED)
		TAILQ_REMOVE(&hc->stalled, conn, wait);
	rte_pktmbuf_free(conn->in);
	httpd_conn_free(hc, conn);
}

const struct tern_conn_ops httpd_conn_ops = {
	.accepted = httpd_accepted,
	.readable = httpd_readable,
	.writable = httpd_writable,
	.closed = httpd_closed,
};

/* Once per loop iteration: a look at the head of each list, so it costs
 * nothing while they are empty. */
void
httpd_core_poll(struct tern_core *core, void *arg)
{
	struct httpd_core *hc = ((struct httpd *)arg)->cores[tern_core_index(core)];
	struct httpd_conn_list retry = TAILQ_HEAD_INITIALIZER(retry);
	struct httpd_conn *conn;

	if (hc == NULL)
		return;
	uint64_t now = tern_core_now_us(core);
	httpd_core_date(hc, now);
	while ((conn = TAILQ_FIRST(&hc->linger)) != NULL && conn->linger_until_us <= now) {
		hc->stats.linger_expired++;
		httpd_linger_end(conn);
	}
	/* Serving may stall a connection again: take only those stalled now.
	 * Each stays HTTPD_STALLED until its response is queued. */
	TAILQ_CONCAT(&retry, &hc->stalled, wait);
	while ((conn = TAILQ_FIRST(&retry)) != NULL) {
		TAILQ_REMOVE(&retry, conn, wait);
		httpd_serve(conn);
	}
}
