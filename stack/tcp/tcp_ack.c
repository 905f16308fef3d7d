/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ACK processing (RFC 9293 3.10.7.4 fifth step): what the peer acknowledged
 * leaves the send queue, the send window is updated, RTT is sampled (RFC 6298,
 * RFC 7323 4) and the congestion window moves (RFC 5681, NewReno RFC 6582).
 *
 *   tcp_in_sync -> tcp_ack_process -> tcp_ack_new_data | tcp_ack_duplicate
 *                                   -> state changes when our FIN is acked
 */
#include <errno.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "core/config.h"
#include "engine/engine.h"
#include "core/mbuf_chain.h"
#include "tcp/tcp.h"
#include "tcp/tcp_cc.h"

/* Retransmission timeout from the RTT estimate (RFC 6298 2.2-2.5). The
 * estimate is fixed point: srtt_us8 is 8 x SRTT, rttvar_us4 4 x RTTVAR, in
 * microseconds, as in Jacobson's paper. */
void
tcp_rtt_sample(struct engine *eng, struct tcb *tcb, uint32_t rtt_us)
{
	const struct config *cfg = eng->cfg;

	if (!(tcb->flags & TF_HAVE_RTT)) {
		tcb->srtt_us8 = rtt_us * 8;
		tcb->rttvar_us4 = rtt_us * 2; /* RTTVAR = R/2 */
		tcb->flags |= TF_HAVE_RTT;
	} else {
		int32_t err = (int32_t)rtt_us - (int32_t)(tcb->srtt_us8 >> 3);
		tcb->srtt_us8 += err; /* SRTT += (R - SRTT) / 8 */
		if (err < 0)
			err = -err;
		err -= (int32_t)(tcb->rttvar_us4 >> 2);
		tcb->rttvar_us4 += err; /* RTTVAR += (|R - SRTT| - RTTVAR) / 4 */
	}
	/* RTO = SRTT + max(G, 4 x RTTVAR), G = one tick. */
	uint64_t rto_us = (tcb->srtt_us8 >> 3) + RTE_MAX(tcb->rttvar_us4, ENGINE_TICK_US);
	uint64_t rto_ms = (rto_us + 999) / 1000;
	tcb->rto_ms = (uint32_t)RTE_MIN(RTE_MAX(rto_ms, cfg->tcp_rto_min_ms), cfg->tcp_rto_max_ms);
}

/* Drop @n acknowledged bytes from the front of the send queue; the mbufs
 * it frees return to the engine's send budget. */
static void
tcp_sndq_trim(struct engine *eng, struct tcb *tcb, uint32_t n)
{
	tcb->sndq_len -= n;
	/* The cursor's segment survives only if it starts at or past the new
	 * front: segments before it are freed, the one holding it trimmed. */
	if (tcb->sndq_cur != NULL && tcb->sndq_cur_off >= n)
		tcb->sndq_cur_off -= n;
	else
		tcb->sndq_cur = NULL;
	eng->tcp.sndq_segs -= mbuf_chain_drop_front(&tcb->sndq, &tcb->sndq_tail, n);
}

/* RFC 6582 3.2 steps 3-5 inside recovery (cwnd is PRR's, tcp_prr_ack);
 * outside it the module grows cwnd (tcp_cc.h). */
static void
tcp_cc_on_ack(struct engine *eng, struct tcb *tcb, uint32_t acked, uint32_t ack, uint32_t rtt_us)
{
	if (tcb->flags & TF_IN_RECOVERY) {
		if (seq_geq(ack, tcb->recover)) {
			/* Full ACK: leave recovery at ssthresh. */
			tcp_cc_exit_recovery(tcb, engine_now_us(eng));
			tcb->flags &= ~TF_IN_RECOVERY;
			tcb->dupacks = 0;
			tcb->rxt_credit = 0;
		} else { /* partial ACK: the next hole is lost too */
			/* Unless this recovery resent it already (RFC 6675
			 * NextSeg() never picks a resent segment again; if that
			 * copy is lost too, RACK or the probe timer says so),
			 * or it is at snd.nxt: a recovery begun after a timeout
			 * (RFC 6582 4.2) sends it in order anyway.
			 * cwnd is PRR's (tcp_prr_ack): no RFC 6582 deflation. */
			if (seq_lt(ack, tcb->snd.nxt) &&
			    ((tcb->flags & TF_SACK_OK) ? !tcp_sb_resent_at(tcb, ack)
			                               : !seq_lt(ack, tcb->high_rxt)))
				tcb->flags |= TF_REXMT_ONE;
		}
		return;
	}
	tcb->dupacks = 0;
	tcp_cc_ack(tcb, &(struct tcp_cc_ack){
	                        .now_us = engine_now_us(eng), .acked = acked, .rtt_us = rtt_us });
}

/* RFC 6582 3.2 step 1 lets duplicates of an ACK not past `recover` start no
 * fast retransmit: after a timeout, go-back-N may have resent what the peer
 * holds, and each such copy draws a duplicate. But a segment lost again in
 * that resent window then waits for the next timeout, backed off and, for
 * want of a clean RTT sample (Karn), not brought down again: on a link that
 * tail-drops a fifth of the window, one loss per timeout (simulation seed
 * 108168, 2.9 MB unechoed after 300 s). The ACK heuristic (RFC 6582 4.2)
 * tells the two apart: if the last cumulative ACK moved at most four
 * segments and cwnd is above one, the peer is getting in order what we
 * resend, so the duplicates mean a loss. With SACK, RACK finds a lost
 * retransmission (tcp_rack.c), so this is the no-SACK path only. */
static bool
tcp_dupacks_mean_new_loss(const struct tcb *tcb)
{
	return !(tcb->flags & TF_SACK_OK) && tcb->cwnd > tcb->mss &&
	       tcb->ack_advance <= 4u * tcb->mss;
}

/* RFC 5681 3.2 and RFC 6582 3.2 steps 1-2: the third duplicate ACK starts
 * fast retransmit; in recovery, PRR (tcp_prr_ack) sets what may go. */
static void
tcp_ack_duplicate(struct engine *eng, struct tcb *tcb)
{
	uint32_t mss = tcb->mss;

	tcb->dupacks++;
	if (tcb->flags & TF_IN_RECOVERY) {
		/* A segment left the network: with SACK, tcp_loss_on_ack
		 * lets a lost one go in its place (NextSeg()); how much may
		 * go is PRR's (tcp_prr_ack replaces RFC 6582 3.2 step 4's
		 * inflation). */
		return;
	}
	/* RFC 6675 5 step 3 (IsLost(snd.una)): three duplicates, or, with
	 * SACK, three SACKed runs or more than two segments' worth SACKed
	 * above snd.una: one ACK that SACKs three segments (the ACKs between
	 * were lost, or the receiver coalesced them) is enough. */
	bool lost = tcb->dupacks >= 3 ||
	            ((tcb->flags & TF_SACK_OK) &&
	             (tcp_sb_sacked_runs(tcb) >= 3 || tcp_sb_sacked_bytes(tcb) > 2u * mss));
	if (lost && (seq_gt(tcb->snd.una, tcb->recover) || tcp_dupacks_mean_new_loss(tcb)))
		tcp_enter_recovery(eng, tcb);
}

/* RFC 5681 3.2 step 2-3 / RFC 6582 3.2 step 2: the module's ssthresh,
 * retransmit the first unacknowledged segment. */
void
tcp_enter_recovery(struct engine *eng, struct tcb *tcb)
{
	tcp_cc_enter_recovery(tcb, engine_now_us(eng));
	tcb->recover = tcb->snd.max;
	tcb->high_rxt = tcb->snd.una;
	tcb->rxt_credit = 0;
	tcb->flags |= TF_IN_RECOVERY | TF_REXMT_ONE;
	tcb->flags &= ~TF_RTT_TIMING; /* Karn: no sample from a retransmission */
	eng->stats.tcp_fast_retransmits++;
}

/* The RTT sample the ACK gives, in microseconds (TCP_CC_NO_RTT: none). */
static uint32_t
tcp_rtt_from_ack(struct engine *eng, struct tcb *tcb, const struct tcp_seg *seg)
{
	uint32_t rtt_us = TCP_CC_NO_RTT;

	if ((tcb->flags & TF_TS_OK) && seg->opts.has_ts && seg->opts.ts_ecr != 0) {
		/* RFC 7323 4.1: our TSval is the tick count, so the echo is a send time. */
		uint32_t rtt_ms = (uint32_t)eng->now_ticks - seg->opts.ts_ecr;
		if (rtt_ms < 60u * 60 * 1000)
			rtt_us = rtt_ms * ENGINE_TICK_US;
	} else if ((tcb->flags & TF_RTT_TIMING) && seq_gt(seg->ack, tcb->rtt_seq)) {
		tcb->flags &= ~TF_RTT_TIMING;
		rtt_us = (uint32_t)(eng->now_ticks - tcb->rtt_start_tick) * ENGINE_TICK_US;
	}
	if (rtt_us != TCP_CC_NO_RTT)
		tcp_rtt_sample(eng, tcb, rtt_us);
	return rtt_us;
}

/* Our FIN was acknowledged: RFC 9293 3.10.7.4 fifth step, per state. */
static void
tcp_fin_acked(struct engine *eng, struct tcb *tcb)
{
	switch (tcb->state) {
	case TCP_FIN_WAIT_1:
		tcp_set_state(eng, tcb, TCP_FIN_WAIT_2);
		/* An orphan must not wait for the peer's FIN forever. */
		if (tcb->flags & TF_APP_CLOSED)
			tcp_rexmt_arm(eng, tcb, TCP_TIMER_FIN_WAIT_2,
			              2000ull * eng->cfg->tcp_msl_s);
		break;
	case TCP_CLOSING:
		tcp_time_wait_enter(eng, tcb);
		break;
	case TCP_LAST_ACK:
		tcp_set_state(eng, tcb, TCP_CLOSED);
		tcp_close_tcb(eng, tcb, 0);
		break;
	default:
		break;
	}
}

static void
tcp_ack_new_data(struct engine *eng, struct tcb *tcb, const struct tcp_seg *seg)
{
	uint32_t acked = seg->ack - tcb->snd.una;
	bool fin_acked = (tcb->flags & TF_FIN_SENT) && acked == tcb->sndq_len + 1;

	tcp_sndq_trim(eng, tcb, acked - fin_acked);
	tcb->bytes_acked += acked - fin_acked;
	tcb->snd.una = seg->ack;
	tcb->ack_advance = acked;
	if (seq_lt(tcb->snd.nxt, tcb->snd.una))
		tcb->snd.nxt = tcb->snd.una; /* acked past a rewind after a timeout */
	uint32_t rtt_us = tcp_rtt_from_ack(eng, tcb, seg);
	tcb->backoff = 0;
	tcb->flags &= ~TF_TLP_DONE; /* new data acked: the next flight may probe */
	tcb->probes = 0;
	tcp_cc_on_ack(eng, tcb, acked, seg->ack, rtt_us);
	/* RFC 6298 5.2-5.3: stop the timer when all is acked, else restart it. */
	tcp_rexmt_restart(eng, tcb);
	if (fin_acked)
		tcp_fin_acked(eng, tcb);
	else if (tcb->flags & TF_WRITABLE_WAIT)
		tcp_notify_writable(eng, tcb);
}

/* The SYN-ACK we sent is acknowledged: the passive open completes. */
static bool
tcp_syn_rcvd_ack(struct engine *eng, struct tcb *tcb, const struct tcp_seg *seg)
{
	if (!seq_gt(seg->ack, tcb->snd.una) || seq_gt(seg->ack, tcb->snd.max)) {
		tcp_respond_rst(eng, &tcb->key, seg->ack, 0, TH_RST);
		return false;
	}
	tcb->snd.una = seg->ack;
	tcb->snd.wnd = (uint32_t)seg->wnd << tcb->snd.wscale;
	tcb->snd.max_wnd = RTE_MAX(tcb->snd.max_wnd, tcb->snd.wnd);
	tcb->snd.wl1 = seg->seq;
	tcb->snd.wl2 = seg->ack;
	tcp_rexmt_stop(eng, tcb);
	tcb->backoff = 0;
	tcp_rtt_from_ack(eng, tcb, seg);
	tcp_set_state(eng, tcb, TCP_ESTABLISHED);
	tcp_notify_established(eng, tcb);
	/* Closed in SYN_RCVD: the FIN goes now (RFC 9293 3.10.4). */
	if (tcb->state == TCP_ESTABLISHED && (tcb->flags & TF_FIN_QUEUED)) {
		tcp_set_state(eng, tcb, TCP_FIN_WAIT_1);
		tcp_mark_output(eng, tcb);
	}
	return tcb->state != TCP_CLOSED;
}

bool
tcp_ack_process(struct engine *eng, struct tcb *tcb, const struct tcp_seg *seg)
{
	if (tcb->state == TCP_SYN_RCVD)
		return tcp_syn_rcvd_ack(eng, tcb, seg);
	/* RFC 5961 5.2: acceptable is SND.UNA - MAX.SND.WND <= SEG.ACK <=
	 * SND.NXT (our snd.max: after a timeout snd.nxt goes back). Anything
	 * else, an ACK of what we never sent or one no window could explain,
	 * is dropped with a (rate-limited) ACK, data and all: a blind
	 * injection must guess the ACK field too. */
	if (seq_gt(seg->ack, tcb->snd.max) || seq_lt(seg->ack, tcb->snd.una - tcb->snd.max_wnd)) {
		eng->stats.drops[DROP_TCP_BAD_ACK]++;
		tcp_challenge_ack(eng, tcb);
		return false;
	}
	struct tcp_prr_mark prr_mark; /* RFC 6937: what this ACK delivers */
	tcp_prr_mark(tcb, &prr_mark);
	uint32_t wnd = (uint32_t)seg->wnd << tcb->snd.wscale;
	bool window_same = wnd == tcb->snd.wnd;
	/* Update the send window from the newest segment (RFC 9293 3.10.7.4),
	 * and from any segment whose ACK is new, as Linux does
	 * (tcp_may_update_window): snd.wnd counts from snd.una, so an ACK that
	 * moved snd.una without its window (a retransmission, older than wl1)
	 * moved the right edge with it, and we sent past the peer's window
	 * (simulation, seed 753). */
	if (seq_gt(seg->ack, tcb->snd.una) ||
	    (seq_geq(seg->ack, tcb->snd.una) &&
	     (seq_lt(tcb->snd.wl1, seg->seq) ||
	      (tcb->snd.wl1 == seg->seq && seq_leq(tcb->snd.wl2, seg->ack))))) {
		tcb->snd.wnd = wnd;
		tcb->snd.max_wnd = RTE_MAX(tcb->snd.max_wnd, wnd);
		tcb->snd.wl1 = seg->seq;
		tcb->snd.wl2 = seg->ack;
		if (wnd != 0 && tcb->rexmt_kind == TCP_TIMER_PERSIST) {
			/* Answered probes are no retransmissions: the data's
			 * retries start from zero (RFC 1122 4.2.2.17). */
			tcp_rexmt_stop(eng, tcb);
			tcb->backoff = 0;
		}
	}
	bool new_data = seq_gt(seg->ack, tcb->snd.una);
	if (new_data)
		tcp_ack_new_data(eng, tcb, seg);
	if (tcb->state == TCP_CLOSED)
		return false;
	uint32_t sack_new;
	uint32_t delivered = tcp_sb_update(tcb, seg, (uint32_t)engine_now_us(eng), &sack_new);
	/* RFC 5681 2 defines a duplicate with an unchanged window and no data;
	 * an ACK that carries SACK blocks reports a segment arriving above a
	 * hole whatever the window did, and one that SACKs new bytes counts
	 * even when it carries data (RFC 6675 2): when both sides send, as an
	 * echo does, every ACK rides on data, and losses would otherwise wait
	 * for a timer. */
	bool pure =
	        seg->len == 0 && !(seg->flags & TH_FIN) && (window_same || seg->opts.nb_sack > 0);
	bool dup = !new_data && seg->ack == tcb->snd.una && tcb->snd.una != tcb->snd.max &&
	           (pure || sack_new > 0);
	if (dup)
		tcp_ack_duplicate(eng, tcb);
	if (tcb->state == TCP_CLOSED)
		return false;
	tcp_loss_on_ack(eng, tcb, delivered);
	if ((tcb->flags & TF_IN_RECOVERY) && (new_data || dup || delivered > 0))
		tcp_prr_ack(tcb, &prr_mark, dup);
	tcp_mark_output(eng, tcb); /* the window or cwnd may let more out */
	return true;
}
