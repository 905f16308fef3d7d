/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive merging (GRO): in-order full-sized data segments of one connection
 * that arrive next to each other in an RX burst are taken as one segment, so
 * TCP input runs once for the run instead of once for each (the ACK, the
 * timestamps, the receive queue and the application's readable callback).
 *
 *   tcp_input_flush -> tcp_gro_merge (segment i and those after it) ->
 *   tcp_dispatch of the merged segment; the others are skipped
 *
 * Only what would come out the same is merged, as Linux's GRO does
 * (tcp_gro_receive: same flags, same ACK, same options): ACK alone (PSH
 * allowed on any), the same ACK, window and timestamps, no SACK blocks, the
 * sequence numbers contiguous, every segment full-sized and of one size.
 * Each segment alone would then have passed the same checks with the same
 * result: PAWS and TS.Recent see one TSval; the ACK and window are those of
 * the first; only the first can move snd.una. And the connection must take
 * the run whole as it stands (tcp_reass_takes_whole: in order, inside our
 * window, nothing out of order held, room in the budgets), so nothing of
 * it is trimmed, refused or kept out of order, where one segment's fate
 * would differ from another's. The delayed-ACK rule counts each segment
 * (tcp_seg.merged).
 *
 * DPDK's librte_gro merges before TCP sees the frames: its output would be
 * parsed and checked again, and it rewrites the headers. Here the segments
 * are merged after their checks, from what parsing already found.
 */
#include <rte_mbuf.h>

#include "core/config.h"
#include "engine/engine.h"
#include "tcp/tcp.h"
#include "tcp/tcp_gro.h"

static bool
tcp_gro_same(const struct tcp_seg *a, const struct tcp_seg *s)
{
	/* PSH means nothing to a receiver that hands over every byte at once
	 * (RFC 9293 3.9.1: it may be ignored); a sender marks the last
	 * segment of each write with it. */
	return (s->flags & ~TH_PSH) == (a->flags & ~TH_PSH) && s->ack == a->ack &&
	       s->wnd == a->wnd && s->len == a->len && s->opts.nb_sack == 0 &&
	       s->opts.has_ts == a->opts.has_ts &&
	       (!a->opts.has_ts ||
	        (s->opts.ts_val == a->opts.ts_val && s->opts.ts_ecr == a->opts.ts_ecr));
}

unsigned
tcp_gro_merge(struct engine *eng, const struct tcb *tcb, struct tcp_rx_burst *b, unsigned i)
{
	struct tcp_seg *a = &b->seg[i];
	unsigned n = 0;

	if (!eng->cfg->tcp_gro || tcb->state != TCP_ESTABLISHED || (a->flags & ~TH_PSH) != TH_ACK ||
	    a->opts.nb_sack != 0 || a->len < tcp_full_seg_len(tcb) || a->m->nb_segs != 1)
		return 0;
	/* How many of the segments after it belong with it. */
	uint32_t next = a->seq + a->len;
	for (unsigned j = i + 1; j < b->n && n < TCP_GRO_SEGS_MAX; j++, n++) {
		const struct tcp_seg *s = &b->seg[j];
		if (b->hash[j] != b->hash[i] || !flow_key_eq(&b->key[j], &b->key[i]) ||
		    s->seq != next || !tcp_gro_same(a, s) || s->m->nb_segs != 1)
			break;
		next += s->len;
	}
	if (n == 0 || !tcp_reass_takes_whole(eng, tcb, a->seq, next - a->seq, n + 1))
		return 0;
	struct rte_mbuf *last = a->m;
	for (unsigned j = i + 1; j <= i + n; j++) {
		struct rte_mbuf *m = b->seg[j].m;
		last->next = m;
		last = m;
		a->m->pkt_len += m->pkt_len;
		b->seg[j].m = NULL;
	}
	a->m->nb_segs = (uint16_t)(n + 1);
	a->len = next - a->seq;
	a->merged = (uint16_t)n;
	eng->stats.tcp_rx_merged += n;
	return n;
}
