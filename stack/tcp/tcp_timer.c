/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A connection's timers on the engine's wheel (DESIGN.md principle 4): one for
 * the retransmission class (RTO per RFC 6298, zero-window probes, TIME_WAIT's
 * 2 MSL, an orphan's FIN_WAIT_2), one for the delayed ACK, one for keepalive.
 *
 *   timer wheel -> tcp_rexmt_fire -> tcp_rto_expired | probe | free
 *              -> tcp_delack_fire | tcp_keepalive_fire -> tcp_mark_output
 */
#include <errno.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "core/config.h"
#include "engine/engine.h"
#include "tcp/tcp.h"
#include "tcp/tcp_cc.h"

/* Probe timeouts in a row without progress before the RTO takes over (and
 * its backoff: a peer that answers nothing is not probed forever). */
#define TCP_PROBES_MAX 3

static void tcp_rexmt_fire(struct timer_node *node, void *ctx);
static void tcp_delack_fire(struct timer_node *node, void *ctx);
static void tcp_keepalive_fire(struct timer_node *node, void *ctx);

void
tcp_timers_init(struct tcb *tcb)
{
	timer_init(&tcb->rexmt, tcp_rexmt_fire);
	timer_init(&tcb->delack, tcp_delack_fire);
	timer_init(&tcb->keepalive, tcp_keepalive_fire);
}

void
tcp_timers_cancel(struct engine *eng, struct tcb *tcb)
{
	timer_cancel(&eng->wheel, &tcb->rexmt);
	timer_cancel(&eng->wheel, &tcb->delack);
	timer_cancel(&eng->wheel, &tcb->keepalive);
	tcb->rexmt_kind = TCP_TIMER_NONE;
}

void
tcp_rexmt_arm(struct engine *eng, struct tcb *tcb, enum tcp_rexmt_kind kind, uint64_t ms)
{
	tcb->rexmt_kind = (uint8_t)kind;
	timer_arm(&eng->wheel, &tcb->rexmt, eng->now_ticks + engine_ms_to_ticks(ms));
}

void
tcp_rexmt_stop(struct engine *eng, struct tcb *tcb)
{
	if (tcb->rexmt_kind != TCP_TIMER_RTO && tcb->rexmt_kind != TCP_TIMER_PERSIST &&
	    tcb->rexmt_kind != TCP_TIMER_TLP && tcb->rexmt_kind != TCP_TIMER_RACK)
		return;
	/* Left in the wheel: the next data sent re-arms it (timer_wheel.h). */
	timer_stop(&eng->wheel, &tcb->rexmt);
	tcb->rexmt_kind = TCP_TIMER_NONE;
}

/* RFC 8985 7.2: the worst case of the peer's delayed ACK, WCDelAckT. */
#define TCP_PTO_DELACK_MS 200u
/* The least PTO. 2 SRTT on a fast path is microseconds, and a probe then
 * fires whenever this loop or the peer's is not scheduled for a moment: a
 * 10 ms floor resent 13-36 k segments a keep-alive run (issue 11). A time
 * slice of a busy Linux host is up to tens of milliseconds. */
#define TCP_PTO_MIN_MS 25u

/* RFC 8985 7.2: PTO = 2 SRTT; with one segment in flight, plus WCDelAckT,
 * for the peer may hold its ACK for a second segment that never comes;
 * never later than the RTO. */
static uint32_t
tcp_pto_ms(const struct tcb *tcb)
{
	uint32_t pto = (tcb->srtt_us8 / 8 * 2 + 999) / 1000;

	if (tcb->snd.max - tcb->snd.una <= tcb->mss)
		pto += TCP_PTO_DELACK_MS;
	return RTE_MIN(RTE_MAX(pto, TCP_PTO_MIN_MS), tcb->rto_ms);
}

void
tcp_rexmt_restart(struct engine *eng, struct tcb *tcb)
{
	if (tcb->snd.una == tcb->snd.max) {
		tcp_rexmt_stop(eng, tcb);
		return;
	}
	bool synced = tcb->state != TCP_SYN_SENT && tcb->state != TCP_SYN_RCVD;
	/* The probe timer also stands in for RACK's reordering timer (RFC 8985
	 * 6.3): when the ACKs stop for a PTO after the probe, or in recovery,
	 * what is outstanding is lost; the RTO stays the last resort. */
	if (synced && eng->cfg->tcp_tail_loss_probe && (tcb->flags & TF_HAVE_RTT) &&
	    tcb->backoff == 0 && tcb->probes < TCP_PROBES_MAX)
		tcp_rexmt_arm(eng, tcb, TCP_TIMER_TLP, tcp_pto_ms(tcb));
	else
		tcp_rexmt_arm(eng, tcb, TCP_TIMER_RTO, tcb->rto_ms);
}

void
tcp_delack_arm(struct engine *eng, struct tcb *tcb)
{
	tcb->flags |= TF_DELACK;
	if (!timer_pending(&tcb->delack))
		timer_arm(&eng->wheel, &tcb->delack,
		          eng->now_ticks + engine_ms_to_ticks(eng->cfg->tcp_delack_ms));
}

/* RFC 6298 5.4-5.7: retransmit from snd.una, back off, shrink cwnd to one
 * segment (RFC 5681 3.1, tcp_cc_rto), and give up after the configured
 * retries. */
static void
tcp_rto_expired(struct engine *eng, struct tcb *tcb)
{
	const struct config *cfg = eng->cfg;
	bool syn = tcb->state == TCP_SYN_SENT || tcb->state == TCP_SYN_RCVD;

	if (tcb->backoff >= (syn ? cfg->tcp_syn_retries : cfg->tcp_retries)) {
		tcp_drop(eng, tcb, -ETIMEDOUT);
		return;
	}
	tcb->backoff++;
	eng->stats.tcp_rto_timeouts++;
	tcb->rto_ms = RTE_MIN(tcb->rto_ms * 2, cfg->tcp_rto_max_ms);
	tcp_cc_rto(tcb, engine_now_us(eng)); /* the module's ssthresh, cwnd one segment */
	tcb->dupacks = 0;
	tcb->recover = tcb->snd.max;
	tcb->flags &= ~(TF_IN_RECOVERY | TF_RTT_TIMING | TF_REXMT_ONE);
	tcb->snd.nxt = syn ? tcb->snd.iss : tcb->snd.una;
	/* Everything not SACKed is lost. What the peer SACKed stays SACKed and
	 * is not sent again: RFC 6675 5.1 allows keeping SACK information across
	 * a timeout where reneging is tested for (RFC 2018 errata 1610), and
	 * tcp_sb_update drops it when an ACK stops at a SACKed byte. */
	tcp_sb_timeout(tcb);
	tcb->rxt_credit = 0;
	if (syn)
		tcb->flags |= TF_ACK_NOW; /* resend the SYN or SYN-ACK */
	tcp_rexmt_arm(eng, tcb, TCP_TIMER_RTO, tcb->rto_ms);
	tcp_mark_output(eng, tcb);
}

/* RFC 9293 3.8.6.1: probe a zero window, backing off, for as long as the
 * peer answers (RFC 1122 4.2.2.17). The probe is a segment just below
 * snd.una, which the peer must ACK with its current window. A peer that
 * answers none of [tcp] retries probes in a row is gone: reset, as for
 * unanswered retransmissions. A connection the application closed is given
 * [tcp] retries probes whether answered or not: a peer that keeps its window
 * shut must not hold an orphan and its send queue for ever (RFC 6429, as
 * Linux's tcp_orphan_retries). */
static void
tcp_persist_expired(struct engine *eng, struct tcb *tcb)
{
	uint32_t retries = eng->cfg->tcp_retries;

	/* Every acceptable segment from the peer clears the count
	 * (tcp_keepalive_touch). */
	if (tcb->persist_silent >= retries ||
	    ((tcb->flags & TF_APP_CLOSED) && tcb->backoff >= retries)) {
		tcp_drop(eng, tcb, -ETIMEDOUT);
		return;
	}
	tcb->persist_silent++;
	tcp_send_ctl(eng, tcb, tcb->snd.una - 1, TH_ACK);
	eng->stats.tcp_window_probes++;
	if (tcb->backoff < 16)
		tcb->backoff++;
	uint64_t ms = RTE_MIN((uint64_t)tcb->rto_ms << tcb->backoff, eng->cfg->tcp_rto_max_ms);
	tcp_rexmt_arm(eng, tcb, TCP_TIMER_PERSIST, ms);
}

static void
tcp_rexmt_fire(struct timer_node *node, void *ctx)
{
	struct engine *eng = ctx;
	struct tcb *tcb = container_of(node, struct tcb, rexmt);
	uint8_t kind = tcb->rexmt_kind;

	tcb->rexmt_kind = TCP_TIMER_NONE;
	switch (kind) {
	case TCP_TIMER_RTO:
		tcp_rto_expired(eng, tcb);
		break;
	case TCP_TIMER_PERSIST:
		tcp_persist_expired(eng, tcb);
		break;
	case TCP_TIMER_TLP:
		/* RFC 8985 7.3: resend the last segment so that a lost tail
		 * shows up as SACK or duplicate ACKs instead of a timeout. */
		if (tcb->flags & TF_IN_RECOVERY) {
			/* A retransmission is lost and no ACK says so. */
			if (tcb->flags & TF_SACK_OK) {
				tcp_rack_probe_recovery(eng, tcb);
			} else {
				tcb->flags |= TF_REXMT_ONE;
				tcb->high_rxt = tcb->snd.una;
			}
		} else if (tcb->flags & TF_TLP_DONE) {
			/* The probe did not bring the flight back: recover now
			 * rather than wait for the RTO and slow start. */
			tcp_enter_recovery(eng, tcb);
		} else {
			tcb->flags |= TF_TLP | TF_TLP_DONE;
		}
		eng->stats.tcp_tail_loss_probes++;
		tcb->probes++;
		tcp_rexmt_restart(eng, tcb);
		tcp_mark_output(eng, tcb);
		break;
	case TCP_TIMER_RACK:
		tcp_rack_timeout(eng, tcb);
		break;
	case TCP_TIMER_TIME_WAIT:
		tcp_tcb_free(eng, tcb); /* 2 MSL are over */
		break;
	case TCP_TIMER_FIN_WAIT_2:
		tcp_set_state(eng, tcb, TCP_CLOSED);
		tcp_close_tcb(eng, tcb, 0);
		break;
	default:
		break;
	}
}

static void
tcp_delack_fire(struct timer_node *node, void *ctx)
{
	struct tcb *tcb = container_of(node, struct tcb, delack);

	if (!(tcb->flags & TF_DELACK))
		return;
	tcb->flags |= TF_ACK_NOW;
	tcp_mark_output(ctx, tcb);
}

void
tcp_keepalive_touch(struct engine *eng, struct tcb *tcb)
{
	tcb->last_rx_tick = eng->now_ticks;
	tcb->keepalive_probes = 0;
	tcb->persist_silent = 0;
	if (tcb->keepalive_idle_s != 0 && !timer_pending(&tcb->keepalive))
		timer_arm(&eng->wheel, &tcb->keepalive,
		          eng->now_ticks + engine_ms_to_ticks(tcb->keepalive_idle_s * 1000ull));
}

/* RFC 1122 4.2.3.6: after the idle time, probe; after the probes, reset. The
 * timer is not moved on every segment: it checks the idle time when it fires. */
static void
tcp_keepalive_fire(struct timer_node *node, void *ctx)
{
	struct engine *eng = ctx;
	struct tcb *tcb = container_of(node, struct tcb, keepalive);
	const struct config *cfg = eng->cfg;
	uint64_t idle_ticks = engine_ms_to_ticks(tcb->keepalive_idle_s * 1000ull);

	if (tcb->keepalive_idle_s == 0 || tcb->state < TCP_ESTABLISHED ||
	    tcb->state == TCP_TIME_WAIT)
		return;
	/* Data unacknowledged or waiting: the retransmission or persist timer
	 * is asking the peer already, and gives up by its own count. A probe
	 * beside it (as Linux, none) would only add traffic, reset a
	 * connection the retries would keep, and take a place in the ARP hold
	 * queue from the retransmission while the peer's address is resolved
	 * again (found by tern-sim with [arp] pending = 1). */
	if (tcb->sndq_len != 0 || tcb->snd.max != tcb->snd.una) {
		tcb->keepalive_probes = 0;
		timer_arm(&eng->wheel, &tcb->keepalive, eng->now_ticks + idle_ticks);
		return;
	}
	if (tcb->keepalive_probes == 0 && eng->now_ticks - tcb->last_rx_tick < idle_ticks) {
		timer_arm(&eng->wheel, &tcb->keepalive, tcb->last_rx_tick + idle_ticks);
		return;
	}
	if (tcb->keepalive_probes >= cfg->tcp_keepalive_probes) {
		tcp_drop(eng, tcb, -ETIMEDOUT);
		return;
	}
	tcb->keepalive_probes++;
	eng->stats.tcp_keepalive_probes++;
	tcp_send_ctl(eng, tcb, tcb->snd.una - 1, TH_ACK);
	timer_arm(&eng->wheel, &tcb->keepalive,
	          eng->now_ticks + engine_ms_to_ticks(cfg->tcp_keepalive_intvl_s * 1000ull));
}

/* RFC 9293 3.10.7.4: TIME_WAIT holds the 4-tuple for 2 MSL, so that late
 * segments of this connection cannot be taken for a new one's, and so the
 * last ACK can be sent again. Entering it again restarts the wait. */
void
tcp_time_wait_enter(struct engine *eng, struct tcb *tcb)
{
	tcp_set_state(eng, tcb, TCP_TIME_WAIT);
	tcb->tw_tick = eng->now_ticks;
	tcp_tw_list_add(eng, tcb);
	timer_cancel(&eng->wheel, &tcb->delack);
	timer_cancel(&eng->wheel, &tcb->keepalive);
	tcp_rexmt_arm(eng, tcb, TCP_TIMER_TIME_WAIT, 2000ull * eng->cfg->tcp_msl_s);
	if (tcb->ops != NULL)
		tcp_close_tcb(eng, tcb, 0);
	/* Nothing more will be sent or read: keep only the sequence state. */
	tcp_sndq_release(eng, tcb);
	tcp_rcvq_release(eng, tcb);
	tcp_reass_free(eng, tcb);
}
