/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-loadgen's engine side: connection slots, Tern's callbacks, and the
 * per-iteration poll that is the load generator's clock.
 *
 *   lg_on_start -> lg_open (rr, bulk, mixed: every connection; crr: the slots,
 *                  or one warm-up connection in open loop)
 *   connected   -> lg_request (rr closed loop, crr) | lg_pump (bulk)
 *   readable    -> responses complete in order (echo: counted in bytes; http:
 *                  lg_http_feed) -> lg_complete -> next request (rr closed
 *                  loop) or tern_close (crr)
 *
 * http-ka and http-close are rr and crr (lg_conn_mode) whose requests are
 * HTTP's and whose responses are parsed, each slot with its own parser.
 *   lg_on_poll  -> open loop: issue what is due | crr: reopen free slots;
 *                  a progress line a second; stalled connections (no
 *                  progress for 1 s) are errors; tern_core_stop_all
 *                  at the end
 *
 * The window opens when the engine's connections are all up (crr: its first
 * one; lg_window_opens: ARP and the handshakes are not measured) and lasts
 * --duration seconds. A request's
 * latency runs from when it was due: in open loop that is its slot in the
 * schedule, not when a connection could take it, so a stalled server shows
 * in the latency rather than hiding in a lower rate (coordinated omission).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "loadgen.h"

static const struct tern_conn_ops lg_ops;

static bool
lg_counting(const struct lg_core *lc)
{
	return lc->t0_us != 0 && !lc->stopping;
}

void
lg_error(struct lg_core *lc, const char *fmt, ...)
{
	va_list ap;

	lc->st.errors++;
	if (lc->err_lines >= LG_ERR_LINES)
		return;
	fprintf(stderr, LG_NAME ": core %u: ", tern_core_index(lc->core));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (++lc->err_lines == LG_ERR_LINES)
		fprintf(stderr, LG_NAME ": core %u: (further errors only counted)\n",
		        tern_core_index(lc->core));
}

static void
lg_finish(struct lg_core *lc)
{
	lc->stopping = true;
	lc->end_us = lc->now_us;
	tern_core_stop_all(lc->core);
}

/* ---- slots -------------------------------------------------------------- */

static struct lg_conn *
lg_slot_get(struct lg_core *lc)
{
	struct lg_conn *lcn = lc->free;

	if (lcn == NULL)
		return NULL;
	lc->free = lcn->free_next;
	memset(lcn, 0, offsetof(struct lg_conn, due_us));
	lcn->lc = lc;
	if (lc->http != NULL) /* from calloc: zeroed, as lg_http_init leaves it */
		lg_http_reuse(&lc->http[lcn - lc->slots]);
	lc->open++;
	return lcn;
}

static void
lg_slot_put(struct lg_conn *lcn)
{
	struct lg_core *lc = lcn->lc;

	lcn->c = NULL;
	lcn->free_next = lc->free;
	lc->free = lcn;
	lc->open--;
}

/* Open a connection in a free slot; @due_us is when it was due; @bulk: a
 * mixed run's bulk sender. */
static int
lg_open(struct lg_core *lc, uint64_t due_us, bool bulk)
{
	const struct lg_opts *o = &lc->lg->opt;
	struct lg_conn *lcn = lg_slot_get(lc);
	struct tern_conn *c;

	if (lcn == NULL)
		return -ENOSPC;
	lcn->open_us = due_us;
	lcn->progress_us = lc->now_us;
	lcn->early = lc->t0_us == 0;
	lcn->bulk = bulk;
	int ret = tern_connect(lc->core, o->ip, o->port, &lg_ops, lcn, &c);
	if (ret != 0) {
		lg_error(lc, "connect: %s", strerror(-ret));
		lg_slot_put(lcn);
		return ret;
	}
	lcn->c = c;
	return 0;
}

/* ---- requests and responses --------------------------------------------- */

/* The slice of the payload that sends the next bytes owed: all alike, or
 * (http) from where the stream is in its request, as many whole requests
 * after it as fit. */
static size_t
lg_payload_slice(const struct lg *lg, uint64_t owed, const uint8_t **src)
{
	uint32_t p = lg->payload_period;

	if (p == 0) {
		*src = lg->payload;
		return (size_t)RTE_MIN(owed, (uint64_t)LG_CHUNK);
	}
	uint32_t phase = (uint32_t)((p - owed % p) % p);
	*src = lg->payload + phase;
	return (size_t)RTE_MIN(owed, (uint64_t)(LG_CHUNK / p * p - phase));
}

/* Queue what is owed; when Tern takes less, the writable callback resumes. */
static void
lg_pump(struct lg_conn *lcn)
{
	struct lg_core *lc = lcn->lc;

	/* A bulk stream lends the payload (lend.c); requests are copied: a
	 * lent mbuf for 64 bytes would cost more than the copy. */
	bool lend =
	        lc->lg->lend_pool != NULL && lg_conn_mode(lc->lg->opt.mode, lcn->bulk) == LG_BULK;

	while (lcn->tx_owed > 0) {
		const uint8_t *src;
		size_t n = lg_payload_slice(lc->lg, lcn->tx_owed, &src);
		ssize_t done = lend ? lg_lend_send(lc, lcn->c, n) : tern_send(lcn->c, src, n);
		if (done <= 0)
			return; /* full (writable follows) or failing (closed follows) */
		lcn->tx_owed -= (uint64_t)done;
		lcn->progress_us = tern_core_now_us(lc->core);
		if (lg_counting(lc)) {
			lc->st.tx_bytes += (uint64_t)done;
			lc->st.bulk_tx_bytes += lcn->bulk ? (uint64_t)done : 0;
		}
	}
}

static void
lg_request(struct lg_conn *lcn, uint64_t due_us)
{
	lcn->due_us[(lcn->head + lcn->inflight) % LG_DEPTH] = due_us;
	lcn->inflight++;
	lcn->tx_owed += lcn->lc->lg->request_bytes;
	lg_pump(lcn);
}

/* The oldest request in flight has its whole response; counted if @ok (an
 * HTTP error status is an error, not a request served). */
static void
lg_complete(struct lg_conn *lcn, bool ok)
{
	struct lg_core *lc = lcn->lc;
	uint64_t due = lcn->due_us[lcn->head];

	lcn->head = (lcn->head + 1) % LG_DEPTH;
	lcn->inflight--;
	if (ok && lg_counting(lc) && due >= lc->t0_us) {
		lc->st.requests++;
		hist_record(&lc->hist, lc->now_us - due);
	}
}

/* A response is complete: closed loop rr asks again at once. */
static void
lg_answered(struct lg_conn *lcn, bool ok)
{
	struct lg_core *lc = lcn->lc;
	const struct lg_opts *o = &lc->lg->opt;

	lg_complete(lcn, ok);
	if (lg_conn_mode(o->mode, lcn->bulk) == LG_RR && lc->rate == 0 && !lc->stopping)
		lg_request(lcn, lc->now_us);
}

/* crr: the response is in; wait for the server's FIN (it closes first), or close. */
static void
lg_crr_done(struct tern_conn *c, struct lg_conn *lcn)
{
	struct lg_core *lc = lcn->lc;
	const struct lg_opts *o = &lc->lg->opt;

	if (!lg_mode_per_conn(o->mode) || lcn->inflight != 0 || lcn->closing || lcn->wait.linked)
		return;
	if (lg_server_closes(o)) {
		lg_wait_add(&lc->waiting, &lcn->wait, lc->now_us + LG_PEER_CLOSE_US);
		return;
	}
	lcn->closing = true;
	tern_close(c);
}

/* Responses echo requests, so they end at multiples of --size. */
static void
lg_responses(struct tern_conn *c, struct lg_conn *lcn, uint64_t n)
{
	const struct lg_opts *o = &lcn->lc->lg->opt;

	lcn->rx_have += n;
	while (lcn->inflight > 0 && lcn->rx_have >= o->size) {
		lcn->rx_have -= o->size;
		lg_answered(lcn, true);
	}
	lg_crr_done(c, lcn);
}

/* A stream that cannot be followed any further: an error, and the
 * connection goes (closed loop rr carries on with the others). */
static void
lg_http_broken(struct tern_conn *c, struct lg_conn *lcn, const char *why)
{
	lg_error(lcn->lc, "http: %s; closing the connection", why);
	lg_wait_del(&lcn->lc->waiting, &lcn->wait);
	lcn->closing = true;
	tern_close(c);
}

/* One HTTP response is whole: it answers the oldest request, and it must be
 * a 200 that keeps the connection (http-ka) or closes it (http-close). */
static void
lg_http_answered(struct lg_conn *lcn, const struct lg_http_resp *r)
{
	struct lg_core *lc = lcn->lc;
	bool per_conn = lg_mode_per_conn(lc->lg->opt.mode);
	bool ok = r->status == 200 && r->close == per_conn;

	if (r->status != 200)
		lg_error(lc, "http: status %u", r->status);
	else if (r->close != per_conn)
		lg_error(lc, "http: the response says %s",
		         r->close ? "Connection: close" : "nothing of closing");
	lg_answered(lcn, ok);
}

/* Parse what came, segment by segment (the chain is read in place). */
static void
lg_http_responses(struct tern_conn *c, struct lg_conn *lcn, const struct rte_mbuf *m)
{
	struct lg_core *lc = lcn->lc;
	struct lg_http_resp *r = &lc->http[lcn - lc->slots];

	for (; m != NULL; m = m->next) {
		const char *p = rte_pktmbuf_mtod(m, const char *);
		size_t n = m->data_len;

		while (n > 0) {
			enum lg_http_status st;
			size_t used = lg_http_feed(r, p, n, &st);

			if (st == LG_HTTP_ERROR) {
				lg_http_broken(c, lcn, lg_http_error_str(r->error));
				return;
			}
			if (st == LG_HTTP_DONE && lcn->inflight == 0) {
				lg_http_broken(c, lcn, "a response to no request");
				return;
			}
			if (st == LG_HTTP_DONE)
				lg_http_answered(lcn, r);
			p += used;
			n -= used;
		}
	}
	lg_crr_done(c, lcn);
}

/* The server's FIN with nothing outstanding, as --closer server expects. */
static bool
lg_peer_closed_cleanly(const struct lg_conn *lcn)
{
	const struct lg_core *lc = lcn->lc;
	const struct lg_opts *o = &lc->lg->opt;
	const struct lg_http_resp *r = lc->http != NULL ? &lc->http[lcn - lc->slots] : NULL;

	return lg_mode_per_conn(o->mode) && lg_server_closes(o) && lcn->inflight == 0 &&
	       lcn->rx_have == 0 && (r == NULL || (!r->in_body && r->head_len == 0));
}

/* ---- callbacks ---------------------------------------------------------- */

static void
lg_connected(struct tern_conn *c, void *arg)
{
	struct lg_conn *lcn = arg;
	struct lg_core *lc = lcn->lc;
	enum lg_mode mode = lg_conn_mode(lc->lg->opt.mode, lcn->bulk);

	lc->now_us = tern_core_now_us(lc->core); /* this iteration's, not the last poll's */
	lcn->up = true;
	lcn->progress_us = lc->now_us;
	lc->st.mss = RTE_MAX(lc->st.mss, tern_conn_mss(c));
	lc->nb_up++;
	if (lc->t0_us == 0 && lg_window_opens(lc->lg->opt.mode, lc->nb_up, lc->nb_slots)) {
		lc->t0_us = lc->now_us;
		lc->report_us = lc->now_us;
	}
	if (lg_counting(lc) && !lg_server_closes(&lc->lg->opt))
		lc->st.conns++; /* --closer server counts them closed (lg_closed) */
	lcn->c = c;
	if (mode == LG_BULK) {
		lcn->tx_owed = UINT64_MAX;
		lg_pump(lcn);
	} else if (mode == LG_CRR) {
		lg_request(lcn, lcn->open_us);
	} else if (lc->rate == 0) {
		lg_request(lcn, lc->now_us);
	}
}

static void
lg_readable(struct tern_conn *c, void *arg)
{
	struct lg_conn *lcn = arg;
	struct lg_core *lc = lcn->lc;
	struct rte_mbuf *m = tern_recv(c); /* zero copy: echo and bulk count only the length */
	uint64_t n = m != NULL ? m->pkt_len : 0;

	lc->now_us = tern_core_now_us(lc->core); /* this iteration's, not the last poll's */
	if (n > 0)
		lcn->progress_us = lc->now_us;
	if (lg_counting(lc)) {
		lc->st.rx_bytes += n;
		lc->st.bulk_rx_bytes += lcn->bulk ? n : 0;
	}
	if (lc->http != NULL && !lcn->closing)
		lg_http_responses(c, lcn, m);
	else if (lg_conn_mode(lc->lg->opt.mode, lcn->bulk) != LG_BULK)
		lg_responses(c, lcn, n);
	rte_pktmbuf_free(m);
	if (tern_recv_eof(c) && !lcn->closing) {
		lg_wait_del(&lc->waiting, &lcn->wait);
		if (!lc->stopping && !lg_peer_closed_cleanly(lcn))
			lg_error(lc, "the server closed a connection with %u requests in flight",
			         lcn->inflight);
		lcn->closing = true;
		tern_close(c);
	}
}

static void
lg_writable(struct tern_conn *c, void *arg)
{
	struct lg_conn *lcn = arg;

	RTE_SET_USED(c);
	lg_pump(lcn);
}

static void
lg_closed(struct tern_conn *c, void *arg, int reason)
{
	struct lg_conn *lcn = arg;
	struct lg_core *lc = lcn->lc;

	RTE_SET_USED(c);
	lg_wait_del(&lc->waiting, &lcn->wait);
	/* -ESHUTDOWN: the runtime is stopping (another core's run ended first
	 * and stopped every core), not a connection that failed. */
	if (reason != 0 && reason != -ESHUTDOWN && !lc->stopping)
		lg_error(lc, "connection %s: %s", lcn->up ? "lost" : "failed", strerror(-reason));
	else if (reason == 0 && lcn->up && lg_server_closes(&lc->lg->opt) && lg_counting(lc))
		lc->st.conns++;
	lg_slot_put(lcn);
}

static const struct tern_conn_ops lg_ops = {
	.connected = lg_connected,
	.readable = lg_readable,
	.writable = lg_writable,
	.closed = lg_closed,
};

/* ---- the clock ---------------------------------------------------------- */

/* Open loop: issue every request (crr: connection) due by now. One that no
 * connection can take now is dropped and counted. */
static void
lg_issue(struct lg_core *lc)
{
	/* Request i is due at t0 + i / rate: by now, requests 0 .. elapsed x rate are. */
	uint64_t target = (lc->now_us - lc->t0_us) * lc->rate / 1000000u + 1;

	while (lc->issued < target && !lc->stopping) {
		uint64_t due = lc->t0_us + lc->issued * 1000000u / lc->rate;
		lc->issued++;
		if (lg_mode_per_conn(lc->lg->opt.mode)) {
			if (lg_open(lc, due, false) != 0)
				lc->st.dropped++;
			continue;
		}
		struct lg_conn *lcn = &lc->slots[lc->rr_next];
		lc->rr_next = (lc->rr_next + 1) % lc->nb_slots;
		if (lcn->c != NULL && lcn->up && !lcn->closing && lcn->inflight < LG_DEPTH)
			lg_request(lcn, due);
		else
			lc->st.dropped++;
	}
}

/* --closer server: a server that has not closed within LG_PEER_CLOSE_US of
 * the response is an error; the client closes instead. */
static void
lg_expire_waits(struct lg_core *lc)
{
	struct lg_wait *w;

	while ((w = lg_wait_expired(&lc->waiting, lc->now_us)) != NULL) {
		struct lg_conn *lcn = container_of(w, struct lg_conn, wait);
		lg_error(lc, "the server did not close within %u ms", LG_PEER_CLOSE_US / 1000u);
		lcn->closing = true;
		tern_close(lcn->c);
	}
}

/* Every LG_STALL_SWEEP_US: a connection that waits on the server and has
 * made no progress for LG_STALL_US is an error, counted once (a server that
 * stops answering, or segments that reach another engine, must not pass for
 * a quiet run). A scan of the slots four times a second, not per segment. */
static void
lg_sweep_stalls(struct lg_core *lc)
{
	const struct lg_opts *o = &lc->lg->opt;

	if (lc->now_us - lc->sweep_us < LG_STALL_SWEEP_US)
		return;
	lc->sweep_us = lc->now_us;
	for (unsigned i = 0; i < lc->nb_slots; i++) {
		struct lg_conn *lcn = &lc->slots[i];
		if (lcn->c == NULL || lcn->stalled ||
		    !lg_conn_waiting(lg_conn_mode(o->mode, lcn->bulk), lcn->up, lcn->closing,
		                     lcn->inflight, lcn->tx_owed) ||
		    lc->now_us - lcn->progress_us < lg_stall_bound_us(lcn->up, lcn->early))
			continue;
		lcn->stalled = true;
		lc->st.stalled++;
		lg_error(lc, "a connection %s made no progress for %.1f s (%u requests in flight)",
		         lcn->up ? "(up)" : "(connecting)",
		         (double)(lc->now_us - lcn->progress_us) / 1e6, lcn->inflight);
	}
}

/* Closed loop crr: a new connection in every free slot. */
static void
lg_reopen(struct lg_core *lc)
{
	while (lc->free != NULL && !lc->stopping)
		if (lg_open(lc, lc->now_us, false) != 0)
			return;
}

static void
lg_report(struct lg_core *lc)
{
	double s = (double)(lc->now_us - lc->report_us) / 1e6;
	const struct lg_stats *a = &lc->st, *b = &lc->last;

	printf(LG_NAME ": core %u %5.1f s: %9.0f req/s %8.0f conn/s tx %8.1f Mbit/s rx %8.1f "
	               "Mbit/s, %u open, %" PRIu64 " errors\n",
	       tern_core_index(lc->core), (double)(lc->now_us - lc->t0_us) / 1e6,
	       (double)(a->requests - b->requests) / s, (double)(a->conns - b->conns) / s,
	       (double)(a->tx_bytes - b->tx_bytes) * 8 / 1e6 / s,
	       (double)(a->rx_bytes - b->rx_bytes) * 8 / 1e6 / s, lc->open, a->errors);
	fflush(stdout);
	lc->last = lc->st;
	lc->report_us = lc->now_us;
}

void
lg_on_poll(struct tern_core *core, void *arg)
{
	struct lg *lg = arg;
	struct lg_core *lc = &lg->cores[tern_core_index(core)];

	lc->now_us = tern_core_now_us(core);
	if (lc->stopping || !lc->started)
		return;
	if (lg->opt.mode == LG_IDLE) {
		lg_idle_poll(lc);
		return;
	}
	if (lc->t0_us == 0) {
		if (lc->open == 0) {
			lg_error(lc, "no connection could be opened");
			lg_finish(lc);
		} else if (lc->now_us - lc->start_us >= LG_START_TIMEOUT_US) {
			if (lg_window_late(lc->nb_up)) {
				fprintf(stderr,
				        LG_NAME ": core %u: %u of %u connections up within %u s: "
				                "measuring with those\n",
				        tern_core_index(core), lc->nb_up, lc->nb_slots,
				        LG_START_TIMEOUT_US / 1000000u);
				lc->t0_us = lc->report_us = lc->now_us;
				return;
			}
			lg_error(lc, "no connection up within %u s",
			         LG_START_TIMEOUT_US / 1000000u);
			lg_finish(lc);
		}
		return;
	}
	if (lc->now_us - lc->report_us >= LG_REPORT_US)
		lg_report(lc);
	if (lc->now_us - lc->t0_us >= (uint64_t)lg->opt.duration_s * 1000000u) {
		if (lc->now_us - lc->report_us >= LG_REPORT_US / 2)
			lg_report(lc); /* the last part second, if it is long enough to mean much */
		lg_finish(lc);
		return;
	}
	lg_expire_waits(lc);
	lg_sweep_stalls(lc);
	if (lc->rate != 0)
		lg_issue(lc);
	else if (lg_mode_per_conn(lg->opt.mode))
		lg_reopen(lc);
	if (!lg_mode_per_conn(lg->opt.mode) && lc->open == 0) {
		lg_error(lc, "every connection has ended");
		lg_finish(lc);
	}
}

/* ---- per engine --------------------------------------------------------- */

static uint64_t
lg_share(uint64_t total, unsigned idx, unsigned n)
{
	return total * (idx + 1) / n - total * idx / n;
}

void
lg_on_start(struct tern_core *core, void *arg)
{
	struct lg *lg = arg;
	unsigned idx = tern_core_index(core);
	struct lg_core *lc = &lg->cores[idx];
	const struct lg_opts *o = &lg->opt;

	lc->lg = lg;
	lc->core = core;
	lg_lend_core_init(lc);
	lc->now_us = lc->start_us = tern_core_now_us(core);
	hist_reset(&lc->hist);
	lc->nb_rr = (unsigned)lg_share(o->conns, idx, lg->nb_cores);
	lc->nb_slots = lc->nb_rr + (unsigned)lg_share(o->bulk_conns, idx, lg->nb_cores);
	lc->rate = lg_share(o->rate, idx, lg->nb_cores);
	if (lc->nb_slots == 0)
		return; /* more engines than connections: this one idles */
	lc->slots = calloc(lc->nb_slots, sizeof(*lc->slots));
	if (lg_mode_http(o->mode) && lc->slots != NULL) {
		lc->http = calloc(lc->nb_slots, sizeof(*lc->http));
		if (lc->http == NULL) {
			free(lc->slots);
			lc->slots = NULL;
		}
	}
	if (lc->slots == NULL) {
		fprintf(stderr, LG_NAME ": core %u: no memory for %u connections\n", idx,
		        lc->nb_slots);
		__atomic_fetch_add(&lg->setup_failed, 1, __ATOMIC_RELAXED);
		tern_core_stop_all(core);
		return;
	}
	for (unsigned i = lc->nb_slots; i-- > 0;) {
		lc->slots[i].lc = lc;
		lc->slots[i].free_next = lc->free;
		lc->free = &lc->slots[i];
	}
	lc->started = true;
	if (o->mode == LG_IDLE) {
		lg_idle_start(lc);
		return;
	}
	/* Open loop crr opens one connection to warm ARP; the schedule starts
	 * when it is up. */
	unsigned n = lg_mode_per_conn(o->mode) && lc->rate != 0 ? 1 : lc->nb_slots;
	for (unsigned i = 0; i < n; i++)
		if (lg_open(lc, lc->now_us, o->mode == LG_MIXED && i >= lc->nb_rr) != 0)
			break;
}
