/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Received data (RFC 9293 3.10.7.4 seventh and eighth steps): in-order bytes
 * go to the application's queue; out-of-order bytes are kept in a few runs
 * (TCP_OOO_MAX per connection) and delivered once the gap fills; duplicates
 * are discarded. The runs also give the SACK blocks we send (RFC 2018).
 *
 *   tcp_in_sync -> tcp_reass_input -> rcvq (in order) | ooo runs
 *               -> tcp_notify_readable ; tcp_fin_input when the FIN is next
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "core/config.h"
#include "engine/engine.h"
#include "core/mbuf_chain.h"
#include "tcp/tcp.h"

/* A connection may hold mbufs (receive queue and out-of-order runs
 * together) whose buffers add up to this many times its receive buffer:
 * what a buffer really costs is its size, not the bytes in it, and a peer
 * sending tiny segments must not pin the engine's pool (Linux charges skb
 * truesize against tcp_rmem likewise). Coalescing keeps honest peers far
 * below it. Bounded so that a chain's 16-bit segment count never wraps. */
#define TCP_RCV_TRUESIZE_FACTOR 4
#define TCP_RCV_SEGS_MIN        64u
#define TCP_RCV_SEGS_MAX        16384u

void
tcp_reass_free(struct engine *eng, struct tcb *tcb)
{
	for (unsigned i = 0; i < tcb->nb_ooo; i++) {
		eng->tcp.rcv_segs -= tcb->ooo[i].head->nb_segs;
		rte_pktmbuf_free(tcb->ooo[i].head);
	}
	tcb->nb_ooo = 0;
}

void
tcp_rcvq_release(struct engine *eng, struct tcb *tcb)
{
	if (tcb->rcvq != NULL)
		eng->tcp.rcv_segs -= tcb->rcvq->nb_segs;
	rte_pktmbuf_free(tcb->rcvq);
	tcb->rcvq = tcb->rcvq_tail = NULL;
	tcb->rcvq_len = 0;
}

/* Past its budget, receiving refuses data only when mbufs are really scarce
 * (an eighth of the pool left): a refused segment costs the peer a timeout,
 * and its backoff, which is worse than holding what already arrived. The
 * pool's count sums the per-lcore caches, so it is read only past the budget. */
static bool
tcp_mbufs_scarce(const struct engine *eng)
{
	return rte_mempool_avail_count(eng->pool) < eng->pool->size / 8;
}

/* Refused for the budget: the peer retransmits; the connection hears (a
 * window update) when the budget frees. */
static void
tcp_rcv_budget_refuse(struct engine *eng, struct tcb *tcb)
{
	eng->stats.drops[DROP_TCP_RCV_FULL]++;
	if (tcb->flags & TF_RCV_WAIT)
		return;
	tcb->flags |= TF_RCV_WAIT;
	LIST_INSERT_HEAD(&eng->tcp.rcv_waiters, tcb, rcv_wait_link);
}

void
tcp_rcv_budget_wake(struct engine *eng)
{
	struct tcb *tcb;

	/* No callback here: nothing can join the list while it empties. */
	while ((tcb = LIST_FIRST(&eng->tcp.rcv_waiters)) != NULL) {
		LIST_REMOVE(tcb, rcv_wait_link);
		tcb->flags &= ~TF_RCV_WAIT;
		if (tcb->state != TCP_CLOSED) {
			tcb->flags |= TF_ACK_NOW;
			tcp_mark_output(eng, tcb);
		}
	}
}

static uint32_t
tcp_rcv_segs_cap(const struct engine *eng, const struct tcb *tcb)
{
	uint32_t buf = rte_pktmbuf_data_room_size(eng->pool);
	uint64_t cap = (uint64_t)tcb->rcv_buf * TCP_RCV_TRUESIZE_FACTOR / buf;

	return (uint32_t)RTE_MIN(RTE_MAX(cap, (uint64_t)TCP_RCV_SEGS_MIN),
	                         (uint64_t)TCP_RCV_SEGS_MAX);
}

static uint32_t
tcp_rcv_segs_held(const struct tcb *tcb)
{
	uint32_t n = tcb->rcvq != NULL ? tcb->rcvq->nb_segs : 0;

	for (unsigned i = 0; i < tcb->nb_ooo; i++)
		n += tcb->ooo[i].head->nb_segs;
	return n;
}

/* In-order data is what lets the connection move: free out-of-order runs,
 * the highest first (the peer resends them), until @nb more segments fit.
 * True if they do. */
static bool
tcp_ooo_prune(struct engine *eng, struct tcb *tcb, uint32_t nb)
{
	uint32_t cap = tcp_rcv_segs_cap(eng, tcb);

	while (tcp_rcv_segs_held(tcb) + nb > cap && tcb->nb_ooo > 0) {
		struct tcp_ooo *o = &tcb->ooo[--tcb->nb_ooo];
		eng->tcp.rcv_segs -= o->head->nb_segs;
		rte_pktmbuf_free(o->head);
		eng->stats.tcp_ooo_pruned++;
	}
	/* SACK blocks must not report what we no longer hold (RFC 2018 8). */
	return tcp_rcv_segs_held(tcb) + nb <= cap;
}

/* Cut @n bytes from the front of a segment's payload. */
static bool
tcp_seg_cut_front(struct tcp_seg *seg, uint32_t n)
{
	if (n == 0)
		return true;
	if (rte_pktmbuf_adj(seg->m, (uint16_t)n) == NULL)
		return false;
	seg->seq += n;
	seg->len -= n;
	return true;
}

/* Move out-of-order runs that the in-order edge now reaches into rcvq. */
static void
tcp_reass_pull(struct engine *eng, struct tcb *tcb)
{
	while (tcb->nb_ooo > 0 && seq_leq(tcb->ooo[0].seq, tcb->rcv.nxt)) {
		struct tcp_ooo *o = &tcb->ooo[0];
		uint32_t end = o->seq + o->len;
		if (seq_gt(end, tcb->rcv.nxt) && rte_pktmbuf_pkt_len(o->head) > 0) {
			uint32_t cut = tcb->rcv.nxt - o->seq;
			/* Runs are single segments or chains whose first segment is
			 * the oldest bytes; an overlap lies inside the first one. */
			if (cut == 0 || rte_pktmbuf_adj(o->head, (uint16_t)cut) != NULL) {
				mbuf_chain_append(&tcb->rcvq, &tcb->rcvq_tail, o->head);
				tcb->rcvq_len += end - tcb->rcv.nxt;
				tcb->bytes_received += end - tcb->rcv.nxt;
				tcb->rcv.nxt = end;
				o->head = NULL;
			}
		}
		if (o->head != NULL)
			eng->tcp.rcv_segs -= o->head->nb_segs; /* nothing new in it */
		rte_pktmbuf_free(o->head);
		memmove(&tcb->ooo[0], &tcb->ooo[1], sizeof(tcb->ooo[0]) * --tcb->nb_ooo);
	}
}

/* Keep an out-of-order segment: extend or start a run. Returns true if kept. */
static bool
tcp_ooo_insert(struct engine *eng, struct tcb *tcb, struct tcp_seg *seg)
{
	uint32_t s = seg->seq, e = seg->seq + seg->len;
	unsigned i;

	for (i = 0; i < tcb->nb_ooo; i++) {
		struct tcp_ooo *o = &tcb->ooo[i];
		uint32_t oe = o->seq + o->len;
		if (seq_geq(s, o->seq) && seq_leq(e, oe))
			return false; /* nothing new */
		if (seq_lt(s, oe) && seq_gt(e, o->seq)) {
			/* Overlap: keep only what lies before this run, or after it. */
			if (seq_lt(s, o->seq)) {
				rte_pktmbuf_trim(seg->m, (uint16_t)(e - o->seq));
				seg->len = o->seq - s;
				e = o->seq;
			} else if (!tcp_seg_cut_front(seg, oe - s)) {
				return false;
			} else {
				s = oe;
			}
		}
		if (e == o->seq) { /* just before this run */
			struct rte_mbuf *last = rte_pktmbuf_lastseg(seg->m);
			mbuf_chain_append(&seg->m, &last, o->head);
			o->head = seg->m;
			o->seq = s;
			o->len += seg->len;
			return true;
		}
		if (s == oe) { /* just after this run: also joins the next one? */
			if (i + 1 < tcb->nb_ooo && seq_gt(e, tcb->ooo[i + 1].seq)) {
				/* Not past the next run's start: runs never
				 * overlap (simulation, seed 1374). */
				rte_pktmbuf_trim(seg->m, (uint16_t)(e - tcb->ooo[i + 1].seq));
				seg->len -= e - tcb->ooo[i + 1].seq;
				e = tcb->ooo[i + 1].seq;
			}
			uint32_t len = seg->len;
			if (mbuf_chain_coalesce(&o->head, &o->tail, seg->m)) {
				eng->tcp.rcv_segs--; /* counted by the caller, now freed */
				seg->m = NULL;
			} else {
				mbuf_chain_append(&o->head, &o->tail, seg->m);
			}
			o->len += len;
			if (i + 1 < tcb->nb_ooo && tcb->ooo[i + 1].seq == o->seq + o->len) {
				struct tcp_ooo *n = &tcb->ooo[i + 1];
				mbuf_chain_append(&o->head, &o->tail, n->head);
				o->len += n->len;
				memmove(n, n + 1, sizeof(*n) * (tcb->nb_ooo - i - 2));
				tcb->nb_ooo--;
			}
			return true;
		}
		if (seq_lt(e, o->seq))
			break; /* goes before run i */
	}
	if (tcb->nb_ooo == TCP_OOO_MAX) {
		eng->stats.drops[DROP_TCP_OOO_FULL]++;
		return false;
	}
	memmove(&tcb->ooo[i + 1], &tcb->ooo[i], sizeof(tcb->ooo[0]) * (tcb->nb_ooo - i));
	tcb->ooo[i] = (struct tcp_ooo){
		.seq = s, .len = seg->len, .head = seg->m, .tail = rte_pktmbuf_lastseg(seg->m)
	};
	tcb->nb_ooo++;
	return true;
}

/* RFC 1122 4.2.3.2 / RFC 5681 4.2: ACK at least every second full-sized
 * segment, otherwise within the delayed-ACK time. */
static void
tcp_ack_policy(struct engine *eng, struct tcb *tcb, const struct tcp_seg *seg)
{
	/* Full-sized: an MSS less the timestamp option every segment carries.
	 * Segments merged on receipt are full-sized each (tcp_gro_merge). */
	if (seg->len >= tcp_full_seg_len(tcb))
		tcb->segs_unacked += 1u + seg->merged;
	if (tcb->segs_unacked >= 2) {
		tcb->flags |= TF_ACK_NOW;
		tcp_mark_output(eng, tcb);
	} else {
		tcp_delack_arm(eng, tcb);
	}
}

bool
tcp_reass_takes_whole(const struct engine *eng, const struct tcb *tcb, uint32_t seq, uint32_t len,
                      unsigned nb)
{
	/* What tcp_seq_acceptable and tcp_reass_data would do to each segment
	 * alone: in order, nothing held out of order, no end seen, all inside
	 * the window we advertised (no trim), and room in both budgets. */
	if (tcb->state != TCP_ESTABLISHED || seq != tcb->rcv.nxt || tcb->nb_ooo != 0 ||
	    (tcb->flags & (TF_RCVD_FIN | TF_FIN_PENDING | TF_APP_CLOSED)))
		return false;
	if (seq_gt(seq + len, tcb->rcv.adv))
		return false;
	return eng->tcp.rcv_segs + nb <= eng->tcp.rcv_segs_max &&
	       tcp_rcv_segs_held(tcb) + nb <= tcp_rcv_segs_cap(eng, tcb);
}

/* The connection already holds its share of mbufs: refuse the segment
 * (the peer resends it), unless it is in order and freeing out-of-order runs
 * makes room. */
static bool
tcp_rcv_mem_refuse(struct engine *eng, struct tcb *tcb, struct tcp_seg *seg)
{
	uint16_t nb = seg->m->nb_segs;

	if (tcp_rcv_segs_held(tcb) + nb <= tcp_rcv_segs_cap(eng, tcb))
		return false;
	if (seg->seq == tcb->rcv.nxt && tcp_ooo_prune(eng, tcb, nb))
		return false;
	eng->stats.drops[DROP_TCP_RCV_MEM]++;
	seg->flags &= ~TH_FIN;
	tcb->flags |= TF_ACK_NOW;
	tcp_mark_output(eng, tcb);
	return true;
}

static void
tcp_reass_data(struct engine *eng, struct tcb *tcb, struct tcp_seg *seg)
{
	uint16_t nb = seg->m->nb_segs;

	if (eng->tcp.rcv_segs + nb > eng->tcp.rcv_segs_max && tcp_mbufs_scarce(eng)) {
		tcp_rcv_budget_refuse(eng, tcb);
		seg->flags &= ~TH_FIN;
		return;
	}
	if (tcp_rcv_mem_refuse(eng, tcb, seg))
		return;
	if (seg->seq != tcb->rcv.nxt) {
		/* Out of order: keep it, and ACK at once so the sender sees the
		 * hole (RFC 5681 4.2), with SACK blocks: one duplicate ACK for
		 * each such segment, even when a burst brings several. */
		tcb->ooo_recent = seg->seq;
		if (tcb->dupacks_owed < TCP_DUPACKS_PER_BURST)
			tcb->dupacks_owed++;
		eng->tcp.rcv_segs += nb;
		if (!tcp_ooo_insert(eng, tcb, seg))
			eng->tcp.rcv_segs -= nb;
		else
			seg->m = NULL;
		tcb->flags |= TF_ACK_NOW;
		tcp_mark_output(eng, tcb);
		return;
	}
	bool filled_gap = tcb->nb_ooo > 0;
	if (mbuf_chain_coalesce(&tcb->rcvq, &tcb->rcvq_tail, seg->m)) {
		eng->stats.tcp_rcv_coalesced++;
	} else {
		eng->tcp.rcv_segs += nb;
		mbuf_chain_append(&tcb->rcvq, &tcb->rcvq_tail, seg->m);
	}
	seg->m = NULL;
	tcb->rcvq_len += seg->len;
	tcb->bytes_received += seg->len;
	tcb->rcv.nxt += seg->len;
	tcp_reass_pull(eng, tcb);
	if (filled_gap) {
		tcb->flags |= TF_ACK_NOW;
		tcp_mark_output(eng, tcb);
	} else {
		tcp_ack_policy(eng, tcb, seg);
	}
}

void
tcp_reass_input(struct engine *eng, struct tcb *tcb, struct tcp_seg *seg)
{
	bool data_ok = tcb->state == TCP_ESTABLISHED || tcb->state == TCP_FIN_WAIT_1 ||
	               tcb->state == TCP_FIN_WAIT_2;

	if (!data_ok || (tcb->flags & TF_RCVD_FIN))
		return; /* the peer's FIN came already: nothing more is data */
	if (seg->len > 0 && (tcb->flags & TF_APP_CLOSED)) {
		/* RFC 9293 3.10.4 / RFC 2525 2.17: data for a closed reader. */
		tcp_drop(eng, tcb, -ECONNABORTED);
		return;
	}
	uint32_t before = tcb->rcvq_len;
	if (seg->flags & TH_FIN) {
		tcb->fin_seq = seg->seq + seg->len;
		tcb->flags |= TF_FIN_PENDING;
	}
	if (seg->len > 0)
		tcp_reass_data(eng, tcb, seg);
	if (tcb->rcvq_len != before) {
		tcp_notify_readable(eng, tcb);
		if (tcb->state == TCP_CLOSED)
			return;
	}
	if ((tcb->flags & TF_FIN_PENDING) && tcb->rcv.nxt == tcb->fin_seq) {
		tcb->flags &= ~TF_FIN_PENDING;
		tcp_fin_input(eng, tcb);
	}
}

unsigned
tcp_reass_sack(const struct tcb *tcb, struct tcp_sack_block *blocks, unsigned max)
{
	unsigned n = 0, first = tcb->nb_ooo;

	/* RFC 2018 4: the first block holds the segment that triggered this
	 * ACK (the latest out-of-order one); then the others, highest first. */
	for (unsigned i = 0; i < tcb->nb_ooo; i++)
		if (seq_in(tcb->ooo_recent, tcb->ooo[i].seq, tcb->ooo[i].seq + tcb->ooo[i].len))
			first = i;
	if (first < tcb->nb_ooo && n < max) {
		blocks[n].start = tcb->ooo[first].seq;
		blocks[n++].end = tcb->ooo[first].seq + tcb->ooo[first].len;
	}
	for (unsigned i = tcb->nb_ooo; i-- > 0 && n < max;) {
		if (i == first)
			continue;
		blocks[n].start = tcb->ooo[i].seq;
		blocks[n++].end = tcb->ooo[i].seq + tcb->ooo[i].len;
	}
	return n;
}
