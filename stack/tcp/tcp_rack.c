/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RACK (RFC 8985 6): loss detected by time. A run sent before the most
 * recently sent run the peer delivered, by more than RACK.rtt plus the
 * reordering window, is lost: this finds a lost retransmission, which
 * duplicate ACKs never can, without waiting for the retransmission timeout.
 *
 *   tcp_sb_update -> tcp_rack_on_delivered (6.2 steps 2-3)
 *   tcp_loss_on_ack / the reordering timer -> tcp_rack_detect_loss (steps 4-5)
 */
#include <rte_common.h>

#include "engine/engine.h"
#include "tcp/tcp.h"
#include "tcp/tcp_sack.h"

void
tcp_rack_on_delivered(struct tcb *tcb, uint32_t xmit_us, uint32_t end_seq, bool retrans,
                      uint32_t now_us)
{
	struct tcp_rack *r = &tcb->sb.rack;
	uint32_t rtt = now_us - xmit_us;

	/* Step 3, RACK_detect_reordering: a run never resent delivered below
	 * the highest delivered arrived out of order. */
	if (!r->valid || seq_gt(end_seq, r->fack))
		r->fack = end_seq;
	else if (seq_lt(end_seq, r->fack) && !retrans)
		r->reordering_seen = true;
	/* Step 2, RACK_update: an ACK of a resent run that came sooner than
	 * any RTT seen may be the ACK of the first copy: no sample. */
	if (retrans && r->min_rtt_us != UINT32_MAX && rtt < r->min_rtt_us)
		return;
	r->rtt_us = rtt;
	r->min_rtt_us = RTE_MIN(r->min_rtt_us, rtt);
	if (!r->valid || tcp_rack_sent_after(xmit_us, end_seq, r->xmit_us, r->end_seq)) {
		r->xmit_us = xmit_us;
		r->end_seq = end_seq;
		r->valid = true;
	}
}

/* Step 4, RACK_update_reo_wnd (without the DSACK adaptation: we do not
 * parse DSACK, so reo_wnd_mult stays 1). The window is at least a wheel
 * tick: the reordering timer cannot wait less, and on a sub-millisecond
 * path min_RTT / 4 would make every reordering a loss. */
uint32_t
tcp_rack_reo_wnd_us(const struct tcb *tcb)
{
	const struct tcp_rack *r = &tcb->sb.rack;

	if (!r->reordering_seen &&
	    ((tcb->flags & TF_IN_RECOVERY) ||
	     tcp_sb_sacked_bytes(tcb) >= 3u * tcb->mss)) /* DupThresh segments SACKed */
		return 0;
	uint32_t wnd = r->min_rtt_us == UINT32_MAX ? 0 : r->min_rtt_us / 4;
	if (tcb->flags & TF_HAVE_RTT)
		wnd = RTE_MIN(wnd, tcb->srtt_us8 >> 3);
	return RTE_MAX(wnd, ENGINE_TICK_US);
}

uint32_t
tcp_rack_detect_loss(struct tcb *tcb, uint32_t now_us, uint32_t *lost)
{
	struct tcp_scoreboard *sb = &tcb->sb;
	const struct tcp_rack *r = &sb->rack;
	uint32_t wait = 0;

	*lost = 0;
	/* Nothing left before RACK's segment (tcp_sb_clean): no walk. */
	if (!r->valid || tcp_sb_clean(sb))
		return 0;
	uint32_t thresh = r->rtt_us + tcp_rack_reo_wnd_us(tcb);
	for (unsigned i = 0; i < sb->n; i++) {
		uint8_t f = sb->flags[i];
		uint32_t end = i + 1 < sb->n ? sb->rec[i + 1].start : sb->end;
		if ((f & SB_SACKED) || (f & (SB_LOST | SB_RESENT)) == SB_LOST)
			continue; /* delivered, or lost and waiting to be resent */
		/* The map is in sequence order, not in time order (resent runs
		 * left later): every run is looked at, not only a prefix. */
		if (tcp_rack_sent_after(sb->rec[i].xmit_us, end, r->xmit_us, r->end_seq))
			continue;
		/* A resend in the same microsecond as RACK's segment: sequence
		 * order says nothing of which left first (RACK_sent_after's
		 * tie-break assumes it does); wait for a later one. */
		if ((f & SB_RESENT) && sb->rec[i].xmit_us == r->xmit_us)
			continue;
		uint32_t elapsed = now_us - sb->rec[i].xmit_us;
		if (elapsed >= thresh) {
			sb->flags[i] = (uint8_t)((f & SB_RETRANS) | SB_LOST);
			*lost += (end - sb->rec[i].start + tcb->mss - 1) / tcb->mss;
		} else {
			wait = RTE_MAX(wait, thresh - elapsed);
		}
	}
	return wait;
}

/* Segments that may be resent at once: a window's worth at most. */
#define TCP_RXT_CREDIT_MAX 64

static void
loss_grant(struct tcb *tcb, uint32_t segs)
{
	uint32_t seq, len;

	if (segs == 0 || !tcp_sb_next_seg(tcb, tcb->mss, tcb->snd.nxt, &seq, &len))
		return;
	tcb->rxt_credit = (uint16_t)RTE_MIN(tcb->rxt_credit + segs, (uint32_t)TCP_RXT_CREDIT_MAX);
}

/* What RACK and IsLost() marked: the loss starts recovery unless this window
 * is recovering already (RFC 6582 3.2 step 1's guard, recover). */
static void
loss_marked(struct engine *eng, struct tcb *tcb, uint32_t rack_segs, uint32_t dupthresh_bytes)
{
	eng->stats.tcp_rack_lost_segs += rack_segs;
	if ((rack_segs > 0 || dupthresh_bytes > 0) && !(tcb->flags & TF_IN_RECOVERY) &&
	    seq_gt(tcb->snd.una, tcb->recover))
		tcp_enter_recovery(eng, tcb);
}

/* The reordering timer shares the connection's retransmission timer (RFC
 * 8985 8 allows one): it takes the place of a later probe or RTO, which
 * comes back at its own time when it fires. Neither moves. */
static void
rack_arm(struct engine *eng, struct tcb *tcb, uint32_t wait_us)
{
	uint64_t due = eng->now_ticks + engine_ms_to_ticks((wait_us + 999) / 1000);

	if (wait_us == 0 || tcb->snd.una == tcb->snd.max)
		return;
	if (tcb->rexmt_kind == TCP_TIMER_RTO || tcb->rexmt_kind == TCP_TIMER_TLP) {
		if (tcb->rexmt.expires <= due)
			return;
		tcb->rack_saved_kind = tcb->rexmt_kind;
		tcb->rack_saved_tick = tcb->rexmt.expires;
	} else if (tcb->rexmt_kind != TCP_TIMER_RACK) {
		return; /* persist, TIME_WAIT, FIN_WAIT_2, none: not ours to move */
	} else if (tcb->rack_saved_kind != TCP_TIMER_NONE && due > tcb->rack_saved_tick) {
		due = tcb->rack_saved_tick; /* never past the RTO it stands in for */
	}
	tcb->rexmt_kind = TCP_TIMER_RACK;
	timer_arm(&eng->wheel, &tcb->rexmt, due);
}

/* Back to the timer the reordering timer stood in for. */
static void
rack_disarm(struct engine *eng, struct tcb *tcb)
{
	if (tcb->snd.una == tcb->snd.max || tcb->rack_saved_kind == TCP_TIMER_NONE) {
		tcp_rexmt_restart(eng, tcb);
		return;
	}
	tcb->rexmt_kind = tcb->rack_saved_kind;
	tcb->rack_saved_kind = TCP_TIMER_NONE;
	timer_arm(&eng->wheel, &tcb->rexmt, RTE_MAX(tcb->rack_saved_tick, eng->now_ticks));
}

void
tcp_loss_on_ack(struct engine *eng, struct tcb *tcb, uint32_t delivered)
{
	/* RACK marks nothing, nor IsLost() (nothing SACKed), and NextSeg()
	 * finds nothing to grant: no timer to arm either. */
	if (tcp_sb_clean(&tcb->sb))
		return;
	uint32_t rack_segs, dupthresh = 0;
	uint32_t wait = tcp_rack_detect_loss(tcb, (uint32_t)engine_now_us(eng), &rack_segs);

	if (tcb->flags & TF_SACK_OK)
		dupthresh = tcp_sb_mark_lost_dupthresh(tcb);
	loss_marked(eng, tcb, rack_segs, dupthresh);
	/* Outside recovery (a loss in a window already recovered), packet
	 * conservation: a segment that left the network lets one lost segment
	 * in. In recovery PRR says how much each ACK lets out (RFC 6937 3,
	 * tcp_prr_ack); the ACK that started it resends the first one only
	 * (RFC 6675 5 step 4.3). */
	if (!(tcb->flags & TF_IN_RECOVERY))
		loss_grant(tcb, (delivered + tcb->mss - 1) / tcb->mss);
	rack_arm(eng, tcb, wait);
}

void
tcp_rack_timeout(struct engine *eng, struct tcb *tcb)
{
	uint32_t lost;
	bool was_recovering = (tcb->flags & TF_IN_RECOVERY) != 0;
	uint32_t wait = tcp_rack_detect_loss(tcb, (uint32_t)engine_now_us(eng), &lost);

	eng->stats.tcp_rack_timeouts++;
	loss_marked(eng, tcb, lost, 0);
	/* No ACK brought this on: one segment goes (more follow the ACKs). */
	if (was_recovering || !(tcb->flags & TF_IN_RECOVERY))
		loss_grant(tcb, lost > 0 ? 1 : 0);
	rack_disarm(eng, tcb);
	rack_arm(eng, tcb, wait);
	tcp_mark_output(eng, tcb);
}

void
tcp_rack_probe_recovery(struct engine *eng, struct tcb *tcb)
{
	struct tcp_scoreboard *sb = &tcb->sb;
	uint32_t lost;

	tcp_rack_detect_loss(tcb, (uint32_t)engine_now_us(eng), &lost);
	eng->stats.tcp_rack_lost_segs += lost;
	/* Nothing came back for a PTO: no ACK will tell RACK that the first
	 * retransmission still out is lost. Take it as lost (RFC 8985 7.3's
	 * probe, for the head instead of the tail: a SACKed byte is never
	 * resent). */
	for (unsigned i = 0; lost == 0 && i < sb->n; i++) {
		if ((sb->flags[i] & (SB_SACKED | SB_RESENT)) == SB_RESENT) {
			sb->flags[i] = SB_RETRANS | SB_LOST;
			lost = 1;
		}
	}
	loss_grant(tcb, 1);
}
