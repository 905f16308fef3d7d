/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-httpd: what main.c (options, per-core pools, start-up, counters) and
 * httpd_conn.c (one connection: parse, respond, close) share.
 *
 *   accepted -> httpd_conn_alloc (the core's pool) -> readable / writable
 *            -> httpd_serve: parse one request, queue its response, repeat
 *   closed   -> httpd_conn_free
 *   poll     -> lingering closes that ran out of time, sends that found no mbuf
 */
#ifndef TERN_HTTPD_H
#define TERN_HTTPD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

#include <rte_config.h>

#include <tern.h>

#include "http_parse.h"
#include "httpd_resp.h"

/* Room for any head http_format_head() writes (405 with a 20-digit length and
 * Date is 178 bytes), and for what is left of a canned response when the send
 * buffer took only part of it. */
#define HTTPD_OUT_MAX HTTPD_CANNED_MAX
/* GET /bytes/N sends byte i = HTTPD_PATTERN[i % HTTPD_PATTERN_PERIOD]: printable,
 * since the head says text/plain, and one line per period. */
#define HTTPD_PATTERN        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+\n"
#define HTTPD_PATTERN_PERIOD 64
/* Pattern bytes offered to tern_send() per call. */
#define HTTPD_CHUNK 16384
/* How long a lingering close waits for the peer's FIN (RFC 9112 9.6). */
#define HTTPD_LINGER_US (2 * 1000 * 1000)
/* Connections per core, the default of [tcp] conns. */
#define HTTPD_CONNS_DEFAULT 16384

/* The closed callback receives tern_listen()'s argument for a connection that
 * never reached accepted, and a struct httpd_conn otherwise: both structures
 * start with this tag to tell them apart. */
enum httpd_tag {
	HTTPD_TAG_SERVER = 1,
	HTTPD_TAG_CONN,
};

enum httpd_phase {
	HTTPD_SERVE,   /* parsing requests, queueing their responses */
	HTTPD_STALLED, /* tern_send found the mbuf pool dry: poll retries (core->stalled) */
	HTTPD_LINGER,  /* write side shut after a "close" response (core->linger) */
	HTTPD_CLOSING, /* tern_close called: only the closed callback is left */
};

struct httpd_stats {
	uint64_t conns;         /* accepted */
	uint64_t conns_refused; /* accepted with the core's pool empty: reset */
	uint64_t conns_aborted; /* closed by a reset, a timeout or a lack of resources */
	uint64_t requests;      /* request heads parsed whole */
	uint64_t bad_requests;  /* malformed or oversized heads (answered 400) */
	uint64_t status[HTTPD_NSTATUS];
	uint64_t body_bytes;     /* response body bytes to send */
	uint64_t send_stalls;    /* responses that found the mbuf pool dry (poll retries) */
	uint64_t linger_expired; /* lingering closes that did not see the peer's FIN */
};

struct httpd_core;

/* One connection. The parser is last: it is most of the size and only the
 * parsing touches it. httpd_accepted zeroes the fields before out_buf. */
struct httpd_conn {
	enum httpd_tag tag; /* first: see enum httpd_tag */
	enum httpd_phase phase;
	bool close_after;   /* FIN once the current response is queued */
	uint16_t out_left;  /* bytes at out not queued yet */
	const char *out;    /* a canned response, or out_buf: what is sent first */
	uint64_t body_left; /* /bytes/N: pattern bytes not queued yet, after out */
	uint64_t body_off;
	struct tern_conn *c;
	struct httpd_core *core;
	struct rte_mbuf *in; /* received bytes not parsed yet */
	uint64_t linger_until_us;
	TAILQ_ENTRY(httpd_conn) wait; /* on core->linger or core->stalled */
	struct httpd_conn *free_next;
	/* A /bytes/N head, or the rest of a canned response the send buffer did
	 * not take whole (its Date may change before the rest goes). */
	char out_buf[HTTPD_OUT_MAX];
	struct http_parser parser;
};

TAILQ_HEAD(httpd_conn_list, httpd_conn);

/* One engine's share: touched by that engine only (and by tern_fini's closed
 * callbacks once the engines have stopped). */
struct httpd_core {
	struct tern_core *core;
	struct httpd_conn *conns; /* the pool */
	struct httpd_conn *free;
	uint32_t nb_conns;
	uint32_t nb_fresh;             /* conns[nb_fresh..] were never used */
	struct httpd_conn_list linger; /* by deadline, as every linger lasts as long */
	struct httpd_conn_list stalled;
	struct httpd_stats stats;
	uint64_t date_check_us; /* when the wall clock's second next changes */
	struct httpd_responses resp;
	char pattern[HTTPD_CHUNK + HTTPD_PATTERN_PERIOD]; /* HTTPD_PATTERN repeated */
};

/* The server: tern_listen()'s, tern_on_start()'s and tern_on_poll()'s argument. */
struct httpd {
	enum httpd_tag tag; /* first: see enum httpd_tag */
	uint16_t port;
	uint32_t conns_per_core;
	bool start_failed;                       /* an engine could not get its pool */
	struct httpd_core *cores[RTE_MAX_LCORE]; /* by tern_core_index() */
};

/* httpd_core.c: the core's share. httpd_core_start is tern_on_start()'s
 * function (@arg: the struct httpd). */
void httpd_core_start(struct tern_core *core, void *arg);
void httpd_core_free(struct httpd_core *hc);
struct httpd_conn *httpd_conn_alloc(struct httpd_core *hc);
void httpd_conn_free(struct httpd_core *hc, struct httpd_conn *conn);

/* httpd_core.c: the Date of the canned responses, up to date (once a
 * second it reads the wall clock). */
void httpd_core_date(struct httpd_core *hc, uint64_t now_us);

/* httpd_conn.c */
extern const struct tern_conn_ops httpd_conn_ops;
void httpd_core_poll(struct tern_core *core, void *arg);

#endif /* TERN_HTTPD_H */
