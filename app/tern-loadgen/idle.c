/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-loadgen --mode idle (issue item 1e): how many idle connections one
 * core holds, how fast it opens them, and what each costs in memory.
 *
 *   lg_idle_start -> slots, memory before
 *   lg_idle_poll  -> open while fewer than LG_IDLE_WINDOW handshakes are
 *                    outstanding (slot i to port + i mod --ports); all done:
 *                    hold --duration s; then memory after, count those
 *                    still established, stop
 *   connected / closed -> counts; a connection lost while held is an error
 *
 * Memory per connection is the engine's (tern_core_mem): the connection
 * pool's and the flow table's heap bytes over their entries (both are
 * allocated whole at start, so this is what every connection slot costs
 * whether used or not), plus the mbufs in use after opening less those
 * before, per connection held (what idle connections keep in queues: none
 * expected). The process's RSS change is reported beside it: with the pools
 * allocated and zeroed at start it says how much opening touched on top.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "loadgen.h"

#define LG_IDLE_PER_POLL 32u /* connects per loop iteration, at most */
/* Handshakes outstanding at once: LG_IDLE_WINDOW's 4096 SYNs, their SYN-ACKs
 * and ACKs would overflow the pair's rings (net_memif: 1024 slots a
 * direction; measured: 15,344 TX-full drops, each lost SYN waiting out a 1 s
 * RTO). Until the first connection is up (ARP) only one is. */
#define LG_IDLE_TERN_WINDOW RTE_MIN(256u, LG_IDLE_WINDOW)

static void
lg_idle_connected(struct tern_conn *c, void *arg)
{
	struct lg_conn *lcn = arg;
	struct lg_core *lc = lcn->lc;

	RTE_SET_USED(c);
	lcn->up = true;
	lc->idle.outstanding--;
	/* As in the other modes, ARP, the link coming up and the first
	 * handshake are not measured: opening is timed from the first up. */
	if (lc->idle.opened++ == 0)
		lc->idle.up_us = lc->now_us;
}

/* An idle peer sends nothing; anything is read and dropped, a FIN is a
 * connection lost. */
static void
lg_idle_readable(struct tern_conn *c, void *arg)
{
	struct lg_conn *lcn = arg;

	rte_pktmbuf_free(tern_recv(c));
	if (tern_recv_eof(c) && !lcn->closing) {
		lcn->closing = true;
		tern_close(c);
	}
}

static void
lg_idle_closed(struct tern_conn *c, void *arg, int reason)
{
	struct lg_conn *lcn = arg;
	struct lg_core *lc = lcn->lc;

	RTE_SET_USED(c);
	if (!lcn->up)
		lc->idle.outstanding--;
	/* -ESHUTDOWN: every core is stopping (another core's run ended). */
	if (!lc->stopping && reason != -ESHUTDOWN)
		lg_error(lc, "%s: %s", lcn->up ? "connection lost" : "connection failed",
		         strerror(reason != 0 ? -reason : ECONNRESET));
	lcn->c = NULL;
	lcn->up = false;
}

static const struct tern_conn_ops lg_idle_ops = {
	.connected = lg_idle_connected,
	.readable = lg_idle_readable,
	.closed = lg_idle_closed,
};

void
lg_idle_start(struct lg_core *lc)
{
	tern_core_mem(lc->core, &lc->idle.mem_before);
	lc->idle.rss_before = lg_rss_bytes(0);
	lc->idle.server_rss_before =
	        lc->lg->opt.server_pid ? lg_rss_bytes(lc->lg->opt.server_pid) : 0;
	lc->idle.t0_us = lc->now_us;
}

static void
lg_idle_open_more(struct lg_core *lc)
{
	const struct lg_opts *o = &lc->lg->opt;

	/* A few SYNs per iteration: a window's worth at once would overflow the
	 * TX ring and the peer's, and each one lost waits out a 1 s RTO. */
	unsigned window = lc->idle.opened == 0 ? 1u : LG_IDLE_TERN_WINDOW;

	for (unsigned n = 0;
	     n < LG_IDLE_PER_POLL && lc->idle.outstanding < window && lc->idle.next < lc->nb_slots;
	     n++) {
		struct lg_conn *lcn = &lc->slots[lc->idle.next];
		uint16_t port = (uint16_t)(o->port + lc->idle.next % o->ports);
		int ret;

		lc->idle.next++;
		lcn->lc = lc;
		ret = tern_connect(lc->core, o->ip, port, &lg_idle_ops, lcn, &lcn->c);
		if (ret != 0) {
			lg_error(lc, "connect: %s", strerror(-ret));
			continue;
		}
		lc->idle.outstanding++;
	}
}

/* Progress a second, as the other modes. */
static void
lg_idle_progress(struct lg_core *lc)
{
	if (lc->now_us - lc->report_us < LG_REPORT_US)
		return;
	lc->report_us = lc->now_us;
	printf(LG_NAME ": core %u %6.1f s: %" PRIu64 " established, %u outstanding, %" PRIu64
	               " errors\n",
	       tern_core_index(lc->core), (double)(lc->now_us - lc->idle.t0_us) / 1e6,
	       lc->idle.opened, lc->idle.outstanding, lc->st.errors);
	fflush(stdout);
}

static void
lg_idle_end(struct lg_core *lc)
{
	tern_core_mem(lc->core, &lc->idle.mem_after);
	lc->idle.rss_after = lg_rss_bytes(0);
	lc->idle.server_rss_after =
	        lc->lg->opt.server_pid ? lg_rss_bytes(lc->lg->opt.server_pid) : 0;
	for (unsigned i = 0; i < lc->nb_slots; i++)
		lc->idle.held += lc->slots[i].c != NULL && lc->slots[i].up && !lc->slots[i].closing;
	lc->stopping = true;
	lc->end_us = lc->now_us;
	tern_core_stop_all(lc->core);
}

void
lg_idle_poll(struct lg_core *lc)
{
	struct lg_idle *id = &lc->idle;

	lg_idle_progress(lc);
	if (id->open_end_us == 0) {
		lg_idle_open_more(lc);
		if (id->outstanding == 0 && id->next == lc->nb_slots) {
			id->open_end_us = lc->now_us;
			printf(LG_NAME ": core %u: %" PRIu64
			               " established in %.3f s; holding %u s\n",
			       tern_core_index(lc->core), id->opened,
			       (double)(lc->now_us - id->t0_us) / 1e6, lc->lg->opt.duration_s);
			fflush(stdout);
		} else if (lc->now_us - id->t0_us >= LG_IDLE_OPEN_MAX_US) {
			lg_error(lc, "opening took too long");
			id->open_end_us = lc->now_us;
			lg_idle_end(lc);
		}
		return;
	}
	if (lc->now_us - id->open_end_us >= (uint64_t)lc->lg->opt.duration_s * 1000000u)
		lg_idle_end(lc);
}

/* Sum the engines and print; the exit status. */
int
lg_idle_report(struct lg *lg)
{
	struct lg_idle_result r = { 0 };
	uint64_t pool = 0, flows = 0, mbuf_delta = 0, rss_delta = 0, srv_delta = 0;
	double static_per_conn = 0;
	uint32_t tcb = 0, mbuf_bytes = 0;

	for (unsigned i = 0; i < RTE_MAX_LCORE; i++) {
		const struct lg_core *lc = &lg->cores[i];
		const struct lg_idle *id = &lc->idle;
		r.errors += lc->st.errors;
		if (!lc->started)
			continue;
		r.opened += id->opened;
		r.held += id->held;
		r.open_us =
		        RTE_MAX(r.open_us, id->open_end_us - (id->up_us ? id->up_us : id->t0_us));
		r.hold_us = RTE_MAX(r.hold_us, lc->end_us - id->open_end_us);
		pool = id->mem_after.conn_pool_bytes;
		flows = id->mem_after.flow_table_bytes;
		tcb = id->mem_after.tcb_bytes;
		mbuf_bytes = id->mem_after.mbuf_bytes;
		static_per_conn = (double)pool / id->mem_after.conns_max +
		                  (double)flows / id->mem_after.flows_max;
		if (id->mem_after.mbufs_in_use > id->mem_before.mbufs_in_use)
			mbuf_delta += id->mem_after.mbufs_in_use - id->mem_before.mbufs_in_use;
		rss_delta += id->rss_after > id->rss_before ? id->rss_after - id->rss_before : 0;
		srv_delta += id->server_rss_after > id->server_rss_before
		                     ? id->server_rss_after - id->server_rss_before
		                     : 0;
		snprintf(r.mem_json, sizeof(r.mem_json),
		         "{\"per\":\"connection, one side (the client engine; the server's is "
		         "alike)\",\"tcb_bytes\":%u,\"conns_max\":%u,\"conn_pool_bytes\":%" PRIu64
		         ",\"flows_max\":%u,\"flow_table_bytes\":%" PRIu64
		         ",\"conns_in_use\":%u,\"flows_in_use\":%u,\"mbuf_bytes\":%u,"
		         "\"mbufs_in_use_before\":%u,\"mbufs_in_use_after\":%u",
		         tcb, id->mem_after.conns_max, pool, id->mem_after.flows_max, flows,
		         id->mem_after.conns_in_use, id->mem_after.flows_in_use, mbuf_bytes,
		         id->mem_before.mbufs_in_use, id->mem_after.mbufs_in_use);
	}
	double held = r.held != 0 ? (double)r.held : 1.0;
	double dyn = (double)mbuf_delta * mbuf_bytes / held;
	size_t len = strlen(r.mem_json);
	snprintf(r.mem_json + len, sizeof(r.mem_json) - len,
	         ",\"static_per_conn_bytes\":%.1f,\"mbufs_per_conn_bytes\":%.1f,"
	         "\"rss_delta_per_conn_bytes\":%.1f,\"server_rss_delta_per_conn_bytes\":%.1f}",
	         static_per_conn, dyn, (double)rss_delta / held, (double)srv_delta / held);
	r.mem_per_conn_bytes = static_per_conn + dyn;
	return lg_print_idle(LG_NAME, &lg->opt, &r) || r.errors != 0 || lg->setup_failed != 0;
}
