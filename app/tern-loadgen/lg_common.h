/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What tern-loadgen and tern-linux-loadgen share so that Tern and Linux are
 * driven and judged alike (issue 4: "the same client logic"): the options,
 * the counters, their parsing, and the report (histogram, summary line, one
 * JSON line with the same keys). No DPDK here: the Linux tool builds it too.
 */
#ifndef LG_COMMON_H
#define LG_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include "hist.h"

#define LG_MAX_CONNS     1000000u
#define LG_MAX_SIZE      (64u << 20)
#define LG_MAX_DURATION  86400u
#define LG_MAX_RATE      100000000u
#define LG_PEER_CLOSE_US 1000000u /* --closer server: the server's FIN is due by then */
#define LG_MIN_MSS       88u      /* Linux's TCP_MAXSEG floor (TCP_MIN_MSS) */
#define LG_MAX_MSS       65495u
/* A connection that waits on its peer this long without progress (connected,
 * a byte sent or received) has stalled: an error, counted apart. Handshakes
 * begun before the first connection was up get the start's bound instead:
 * the path is still being found then (ARP holds a few packets per address
 * while it resolves, so a SYN lost there is sent again after 1 s and 3 s,
 * RFC 6298's initial RTO backed off); one begun later has no such excuse. */
#define LG_STALL_US         1000000u
#define LG_CONNECT_STALL_US 10000000u         /* as the tools' start timeout */
#define LG_STALL_SWEEP_US   (LG_STALL_US / 4) /* so a stall is seen within 1.25 s */

/* How long a connection may go without progress: @up, or connecting since
 * before the measurement window (@early). */
static inline uint64_t
lg_stall_bound_us(bool up, bool early)
{
	return !up && early ? LG_CONNECT_STALL_US : LG_STALL_US;
}

enum lg_mode {
	LG_MODE_NONE = 0,
	LG_RR,      /* request/response on persistent connections */
	LG_CRR,     /* connect, request, response, close */
	LG_BULK,    /* send as fast as possible, discard what comes back */
	LG_IDLE,    /* open --conns, hold them idle --duration s, check they all stay up */
	LG_MIXED,   /* --conns closed-loop rr and --bulk-conns bulk senders in one run (issue 11):
	             what a bulk flow does to the latency of requests beside it */
	LG_HTTP_KA, /* rr with HTTP/1.1 GET / and its parsed response (http_client.h) */
	LG_HTTP_CLOSE, /* crr with GET / and "Connection: close": the server closes first */
};

#define LG_MODE_COUNT (LG_HTTP_CLOSE + 1)

/* Whether a --mode @mode run opens a connection per request (crr's shape). */
static inline bool
lg_mode_per_conn(enum lg_mode mode)
{
	return mode == LG_CRR || mode == LG_HTTP_CLOSE;
}

/* Whether requests are HTTP's (parsed responses) rather than echoed bytes. */
static inline bool
lg_mode_http(enum lg_mode mode)
{
	return mode == LG_HTTP_KA || mode == LG_HTTP_CLOSE;
}

extern const char *const lg_mode_names[LG_MODE_COUNT];

#define LG_IDLE_WINDOW      4096u      /* idle: handshakes outstanding at once */
#define LG_IDLE_OPEN_MAX_US 600000000u /* idle: opening gives up after 10 minutes */

/* Who closes a crr connection first, and so holds its TIME_WAIT. */
enum lg_closer {
	LG_CLOSER_CLIENT = 0, /* after the response, as before (the client's ports cap the rate) */
	LG_CLOSER_SERVER,     /* the server (echo --close-after): the client waits for its FIN,
	                         then closes passively; latency still ends at the response */
};

extern const char *const lg_closer_names[LG_CLOSER_SERVER + 1];

struct lg_opts {
	uint32_t ip; /* the server, host order */
	uint16_t port;
	enum lg_mode mode;
	unsigned conns;
	uint32_t size; /* request and response bytes */
	unsigned duration_s;
	uint64_t rate; /* requests (crr: connections) per second in all; 0: closed loop */
	enum lg_closer closer;
	bool closer_given;   /* --closer was on the command line */
	uint32_t mss;        /* --mss: the MSS to ask for (Linux: TCP_MAXSEG); 0: the stack's own */
	uint32_t ports;      /* idle: --conns spread over ports port .. port + ports - 1 */
	uint32_t server_pid; /* idle: also report this process's RSS change; 0: none */
	unsigned bulk_conns; /* mixed: bulk senders besides the --conns rr connections */
};

/* Whether the server closes first: --closer server, or http-close, whose
 * request says "Connection: close" (RFC 9112 9.6). */
static inline bool
lg_server_closes(const struct lg_opts *o)
{
	return o->closer == LG_CLOSER_SERVER || o->mode == LG_HTTP_CLOSE;
}

/* What is counted inside the measurement window. */
struct lg_stats {
	uint64_t requests; /* responses complete */
	uint64_t conns;    /* connections established (crr --closer server: closed cleanly) */
	uint64_t tx_bytes; /* taken by the send call */
	uint64_t rx_bytes;
	uint64_t errors;  /* stalls included */
	uint64_t stalled; /* connections that made no progress for LG_STALL_US */
	uint64_t dropped; /* open loop: due, but no connection could take it */
	uint32_t mss;     /* the largest segment a connection sent with (effective MSS) */
	/* mixed: what the bulk connections alone sent and received (also in
	 * tx_bytes and rx_bytes), so that the rr figures and the bulk goodput
	 * are reported apart. */
	uint64_t bulk_tx_bytes;
	uint64_t bulk_rx_bytes;
};

/* Connections waiting for the server's FIN (--closer server), oldest first:
 * every deadline is "response + LG_PEER_CLOSE_US", so a FIFO is in deadline
 * order and the poll looks only at its head. Embedded in each tool's
 * connection; a node is on the list iff linked. */
struct lg_wait {
	struct lg_wait *prev, *next;
	uint64_t until_us;
	bool linked;
};

struct lg_wait_list {
	struct lg_wait *head, *tail;
};

static inline void
lg_wait_add(struct lg_wait_list *l, struct lg_wait *w, uint64_t until_us)
{
	w->until_us = until_us;
	w->next = NULL;
	w->prev = l->tail;
	if (l->tail != NULL)
		l->tail->next = w;
	else
		l->head = w;
	l->tail = w;
	w->linked = true;
}

static inline void
lg_wait_del(struct lg_wait_list *l, struct lg_wait *w)
{
	if (!w->linked)
		return;
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		l->head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	else
		l->tail = w->prev;
	w->linked = false;
}

/* The oldest node whose deadline has passed, unlinked; NULL if none. */
static inline struct lg_wait *
lg_wait_expired(struct lg_wait_list *l, uint64_t now_us)
{
	struct lg_wait *w = l->head;

	if (w == NULL || w->until_us > now_us)
		return NULL;
	lg_wait_del(l, w);
	return w;
}

/* Whether the measurement window opens with @up of the run's @conns
 * connections up: at the first for crr (opening connections is its load),
 * once all are up for the others, so that no handshake is measured: with
 * 256 connections, the SYNs an unresolved ARP entry cannot hold wait out a
 * 1 s RTO, and a window opened at the first connection up measured 8
 * connections (and no bulk one beside them) for its first second. A run
 * whose connections are not all up by the start timeout opens it then with
 * those that are (lg_window_late). */
static inline bool
lg_window_opens(enum lg_mode mode, unsigned up, unsigned conns)
{
	return up > 0 && (lg_mode_per_conn(mode) || up >= conns);
}

/* At the start timeout, before the window opened: open it with @up
 * connections (true), or give up (false, none is up). */
static inline bool
lg_window_late(unsigned up)
{
	return up > 0;
}

/* The mode a connection of a --mode @mode run behaves in: a mixed run's
 * connections are rr ones, or bulk ones when @bulk; http-ka's are rr's, and
 * http-close's crr's, with HTTP's bytes. */
static inline enum lg_mode
lg_conn_mode(enum lg_mode mode, bool bulk)
{
	if (mode == LG_HTTP_KA)
		return LG_RR;
	if (mode == LG_HTTP_CLOSE)
		return LG_CRR;
	if (mode != LG_MIXED)
		return mode;
	return bulk ? LG_BULK : LG_RR;
}

/* Whether a connection waits on its peer, and so must make progress: it is
 * not up yet, owes request bytes or awaits a response, or it is a bulk
 * sender (@mode: lg_conn_mode's). A closing one waits for its FIN exchange, an idle one (open loop,
 * nothing in flight) for nothing; --closer server's wait for the FIN has its
 * own deadline (LG_PEER_CLOSE_US). */
static inline bool
lg_conn_waiting(enum lg_mode mode, bool up, bool closing, unsigned inflight, uint64_t tx_owed)
{
	if (closing)
		return false;
	return !up || inflight > 0 || tx_owed > 0 || mode == LG_BULK;
}

/* Strict decimal in [min, max]; 0 or -EINVAL. */
int lg_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* "A.B.C.D:PORT", host order; 0 or -EINVAL. */
int lg_parse_endpoint(const char *s, uint32_t *ip, uint16_t *port);
int lg_parse_mode(const char *s, enum lg_mode *mode);
/* One of --connect/--mode/--conns/--size/--duration/--rate/--mss/--closer/--ports/--server-pid/
 * --bulk-conns into @o; 0, or -EINVAL for a bad value or an option that is not one of them. */
int lg_parse_opt(struct lg_opts *o, const char *opt, const char *v);
/* What the options say together, checked once they are all read: NULL, or
 * one line saying what is wrong (both tools print it after their name). */
const char *lg_check_opts(const struct lg_opts *o);

/* --mode idle's outcome. */
struct lg_idle_result {
	uint64_t opened;  /* connections that were established */
	uint64_t held;    /* still established after the hold */
	uint64_t errors;  /* connects refused or failed, connections lost */
	uint64_t open_us; /* first connect to the last one established (or given up) */
	uint64_t hold_us;
	unsigned processes;        /* that held them (tern-linux-loadgen); 0: not printed */
	double mem_per_conn_bytes; /* the tool's headline figure (see its mem object) */
	char mem_json[1024];       /* the tool's memory figures, a JSON object */
};

/* VmRSS of process @pid (0: this one) in bytes; 0 if unknown. */
uint64_t lg_rss_bytes(unsigned pid);

/* The summary line and the JSON line of --mode idle; returns true if not
 * every connection was held. */
bool lg_print_idle(const char *tool, const struct lg_opts *o, const struct lg_idle_result *r);

/* Histogram (not for bulk), the summary line and the JSON line, as @tool
 * with @cores engines over @window_us. Returns true if nothing was measured. */
bool lg_print_results(const char *tool, const struct lg_opts *o, unsigned cores, uint64_t window_us,
                      const struct lg_stats *st, const struct hist *h);

#endif /* LG_COMMON_H */
