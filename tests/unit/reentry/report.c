/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the search says: a seed's first failure (kept, with its seed and step,
 * for the search to print), the traced seed's story, and at the end what the
 * search reached, from its own counters and the engine's.
 *
 *   checks, peer, app -> bug (first only) -> test_reentry_search prints it
 *   run_seed -> count_engine;  test_reentry_search -> print_counters
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "reentry.h"

void
bug(struct reentry *re, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (re->failed)
		return;
	re->failed = true;
	n = snprintf(re->bug_msg, sizeof(re->bug_msg), "seed %u step %u: ", re->cur_seed,
	             re->cur_step);
	va_start(ap, fmt);
	vsnprintf(re->bug_msg + n, sizeof(re->bug_msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

void
trace(const struct reentry *re, const char *fmt, ...)
{
	va_list ap;

	if (!re->tracing)
		return;
	printf("%6" PRIu64 " ms %*s", re->now_ms, (int)(2 * re->cb_depth), "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

void
trace_seg(const struct reentry *re, const struct frame_tcp *t, bool out, const char *note)
{
	char line[192];

	if (!re->tracing)
		return;
	frame_tcp_format(line, sizeof(line), t, out, 0, 0, re->now_ms);
	trace(re, "%u %s %u: %s%s", out ? t->sport : t->dport, out ? ">" : "<",
	      out ? t->dport : t->sport, line, note);
}

void
count_engine(struct reentry *re)
{
	const struct net_stats *st = &re->h->eng->stats;
	struct counters *cnt = &re->cnt;

	cnt->orphans_reclaimed += st->tcp_orphans_reclaimed;
	cnt->tw_reclaimed += st->tcp_time_wait_reclaimed;
	cnt->tw_reused += st->tcp_time_wait_reused;
	cnt->tw_reopened += st->tcp_time_wait_reopened;
	cnt->cookies_accepted += st->tcp_syncookies_accepted;
	cnt->pool_empty += st->tcp_conn_pool_empty;
	cnt->ports_exhausted += st->tcp_local_ports_exhausted;
	cnt->table_full += st->tcp_flow_table_full;
	cnt->rto_timeouts += st->tcp_rto_timeouts;
	cnt->keepalive_probes += st->tcp_keepalive_probes;
	cnt->window_probes += st->tcp_window_probes;
	cnt->lent_segs += st->tcp_lent_segs;
	cnt->tx_pieces_copied += st->tcp_tx_pieces_copied;
	for (unsigned i = 0; i < TCP_NSTATES; i++)
		cnt->state_entries[i] += re->h->eng->tcp.state_changes[i];
}

void
print_counters(const struct reentry *re, unsigned seeds)
{
	const struct counters *cnt = &re->cnt;

	print_message("%u seeds of %u steps: %" PRIu64 " polls; %" PRIu64 " connects (%" PRIu64
	              " opened), %" PRIu64 " in callbacks (%" PRIu64 " opened), %" PRIu64
	              " in closed callbacks (%" PRIu64 " opened); in callbacks %" PRIu64
	              " closes, %" PRIu64 " aborts, %" PRIu64 " shutdowns, %" PRIu64
	              " sends; callbacks nested %u deep\n",
	              seeds, STEPS, cnt->polls, cnt->connects, cnt->connects_ok,
	              cnt->nested_connects, cnt->nested_connects_ok, cnt->connects_in_closed,
	              cnt->connects_in_closed_ok, cnt->closes_in_cb, cnt->aborts_in_cb,
	              cnt->shutdowns_in_cb, cnt->sends_in_cb, cnt->depth_max);
	print_message("%" PRIu64 " accepted, %" PRIu64 " connected, %" PRIu64 " closed (%" PRIu64
	              " reset for room, %" PRIu64 " while on the orphan list, %" PRIu64
	              " on the TIME_WAIT list)\n",
	              cnt->accepted, cnt->connected, cnt->closed, cnt->closed_by_reclaim,
	              cnt->closed_listed_orphan, cnt->closed_listed_tw);
	print_message("blocks reopened under a callback of theirs: %" PRIu64 " accepted, %" PRIu64
	              " connected, %" PRIu64 " readable, %" PRIu64 " writable\n",
	              cnt->reused_under_cb[0], cnt->reused_under_cb[1], cnt->reused_under_cb[2],
	              cnt->reused_under_cb[3]);
	print_message("engine: %" PRIu64 " orphans and %" PRIu64 " TIME_WAITs reclaimed, %" PRIu64
	              " TIME_WAITs reused, %" PRIu64 " reopened, %" PRIu64
	              " cookies accepted; opens refused: %" PRIu64 " for an empty pool, %" PRIu64
	              " for a full table, %" PRIu64 " for no port; %" PRIu64
	              " RTO timeouts, %" PRIu64 " keepalive and %" PRIu64 " window probes\n",
	              cnt->orphans_reclaimed, cnt->tw_reclaimed, cnt->tw_reused, cnt->tw_reopened,
	              cnt->cookies_accepted, cnt->pool_empty, cnt->table_full, cnt->ports_exhausted,
	              cnt->rto_timeouts, cnt->keepalive_probes, cnt->window_probes);
	print_message("tern_send_mbuf: %" PRIu64 " plain chains, %" PRIu64
	              " external buffers (%" PRIu64 " in callbacks, %" PRIu64
	              " not built: the test's pool or table dry); %" PRIu64 " taken (%" PRIu64
	              " segments; %" PRIu64 " frames copied for too many pieces), refused %" PRIu64
	              " -ENOBUFS, %" PRIu64 " -EMSGSIZE, %" PRIu64
	              " -ENOTCONN/-EPIPE; external buffers back %" PRIu64
	              " after the peer's ACK, %" PRIu64
	              " at the connection's end unacknowledged, %" PRIu64
	              " refused (freed by the application), %" PRIu64 " in teardown\n",
	              cnt->lends_plain, cnt->lends_ext, cnt->lends_in_cb, cnt->lends_skipped,
	              cnt->lends_ok, cnt->lent_segs, cnt->tx_pieces_copied, cnt->lends_nobufs,
	              cnt->lends_msgsize, cnt->lends_closed, cnt->ext_freed_acked,
	              cnt->ext_freed_at_end, cnt->ext_freed_refused, cnt->ext_freed_teardown);
	char states[256];
	size_t off = 0;
	for (unsigned i = TCP_SYN_SENT; i < TCP_NSTATES; i++)
		off += (size_t)snprintf(states + off, sizeof(states) - off, " %s %" PRIu64,
		                        tcp_state_name((enum tcp_state)i), cnt->state_entries[i]);
	print_message("entries into states:%s\n", states);
}
