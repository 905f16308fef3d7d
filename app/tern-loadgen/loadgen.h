/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-loadgen's shared definitions: the options, a connection slot, and what
 * one engine owns. main.c parses options and reports; conn.c drives the
 * connections from Tern's callbacks and the per-iteration poll.
 */
#ifndef LOADGEN_H
#define LOADGEN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include <tern.h>

#include "hist.h"
#include "http_client.h"
#include "lg_common.h"

#define LG_NAME             "tern-loadgen"
#define LG_DEPTH            32u       /* requests in flight per connection (open loop) */
#define LG_CHUNK            16384u    /* bytes offered to tern_send at a time */
#define LG_START_TIMEOUT_US 10000000u /* no connection up by then: give up */
#define LG_REPORT_US        1000000u  /* a progress line every second */
#define LG_ERR_LINES        10u       /* error lines printed per core, then only counted */

struct lg_core;
struct rte_memzone;

/* One connection slot, free or in use. */
struct lg_conn {
	struct lg_core *lc;
	struct tern_conn *c; /* NULL while free */
	struct lg_conn *free_next;
	uint64_t tx_owed;          /* request bytes not yet taken by tern_send */
	uint64_t rx_have;          /* bytes of the oldest outstanding response */
	uint64_t open_us;          /* when the connection was due (crr latency starts there) */
	uint64_t progress_us;      /* opened, connected, or a byte sent or received */
	unsigned head;             /* oldest of due_us[] */
	unsigned inflight;         /* requests sent and not yet answered */
	bool up;                   /* connected */
	bool closing;              /* tern_close called */
	bool stalled;              /* counted as stalled (once) */
	bool early;                /* opened before the window (lg_stall_bound_us) */
	bool bulk;                 /* mixed: one of the bulk senders (lg_conn_mode) */
	struct lg_wait wait;       /* --closer server: on lc->waiting for the server's FIN */
	uint64_t due_us[LG_DEPTH]; /* when each request in flight was due */
};

/* --mode idle, per engine (idle.c). */
struct lg_idle {
	unsigned next;        /* the next slot to open */
	unsigned outstanding; /* handshakes in progress */
	uint64_t opened;      /* established */
	uint64_t held;        /* still established at the end */
	uint64_t t0_us;       /* the first connect */
	uint64_t up_us;       /* the first connection up: opening is timed from here */
	uint64_t open_end_us; /* every connect done; the hold starts; 0 before */
	struct tern_core_mem mem_before, mem_after;
	uint64_t rss_before, rss_after;               /* this process */
	uint64_t server_rss_before, server_rss_after; /* --server-pid */
};

/* What one engine owns; touched only by that engine while it runs. */
struct lg_core {
	const struct lg *lg;
	struct tern_core *core;
	struct lg_conn *slots;
	struct lg_http_resp *http; /* http modes: slot i's response parser; NULL otherwise */
	struct lg_conn *free;
	unsigned nb_slots;
	unsigned nb_rr;     /* mixed: slots below this are rr, the rest bulk */
	unsigned open;      /* slots in use */
	unsigned nb_up;     /* connections that were established */
	unsigned rr_next;   /* open loop rr: the next slot to offer a request */
	uint64_t rate;      /* this engine's share of --rate */
	uint64_t start_us;  /* the engine's first poll */
	uint64_t t0_us;     /* measurement start: all connections up (crr: the first); 0 before */
	uint64_t end_us;    /* measurement end */
	uint64_t now_us;    /* the last poll's clock */
	uint64_t issued;    /* open loop: requests or connections issued since t0 */
	uint64_t report_us; /* last progress line */
	uint64_t sweep_us;  /* last look for stalled connections */
	struct lg_wait_list waiting; /* --closer server: responses complete, FIN due */
	unsigned err_lines;
	bool started;
	bool stopping; /* duration over, or the runtime is stopping */
	struct lg_stats st;
	struct lg_stats last; /* at the last progress line */
	struct hist hist;     /* latency, microseconds */
	struct lg_idle idle;
	struct rte_mbuf_ext_shared_info lend_shinfo; /* lend.c: this engine's lent payload */
};

struct lg {
	struct lg_opts opt;
	unsigned nb_cores;
	unsigned setup_failed; /* engines that could not allocate (atomic) */
	/* What requests carry; read only. http modes: the request repeated
	 * (payload_period bytes each), so that a send of several requests, or
	 * the rest of one, is one slice of it; 0 otherwise (all of it alike). */
	uint32_t payload_period;
	uint32_t request_bytes; /* one request: --size, or the HTTP request's */
	bool bulk_copy;         /* --bulk-send copy: no lending (lend.c) */
	uint8_t payload[LG_CHUNK];
	/* lend.c: bulk and mixed runs send the payload by reference from here
	 * (NULL otherwise); headers for it come from lend_pool. */
	const struct rte_memzone *lend_mz;
	struct rte_mempool *lend_pool;
	struct lg_core cores[RTE_MAX_LCORE];
};

/* conn.c */
/* Count an error; print it (as printf), up to LG_ERR_LINES lines a core. */
void lg_error(struct lg_core *lc, const char *fmt, ...) __rte_format_printf(2, 3);
void lg_on_start(struct tern_core *core, void *arg);
void lg_on_poll(struct tern_core *core, void *arg);

/* lend.c */
/* The payload's memzone and the pool of headers that lend it: 0 or -ENOMEM
 * (said on stderr). */
int lg_lend_init(struct lg *lg);
void lg_lend_core_init(struct lg_core *lc);
/* Queue up to @n bytes of the payload on @c by reference: the bytes taken,
 * 0 if none now (writable follows), or -errno as tern_send_mbuf. */
ssize_t lg_lend_send(struct lg_core *lc, struct tern_conn *c, size_t n);

/* idle.c */
void lg_idle_start(struct lg_core *lc);
void lg_idle_poll(struct lg_core *lc);
int lg_idle_report(struct lg *lg);

#endif /* LOADGEN_H */
