/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HyStart++ (RFC 9406 4.2), per ACK of new data in slow start. A round ends
 * when the ACK passes what was sent when it began (window_end, RFC 9406
 * 4.2's "windowEnd = SND.NXT"). Each round keeps its smallest RTT sample;
 * once N_RTT_SAMPLE samples are in and the last round's minimum is known,
 * a rise of RttThresh or more ends slow start into CSS, and a fall below
 * the minimum that caused it resumes slow start.
 *
 *   cc_cubic.c -> cc_hystart_ack -> round bookkeeping, growth, CSS checks
 */
#include <rte_common.h>

#include "tcp/cc_hystart.h"

void
cc_hystart_init(struct cc_hystart *h)
{
	*h = (struct cc_hystart){
		.last_min_rtt = HYSTART_NO_RTT,
		.cur_min_rtt = HYSTART_NO_RTT,
		.css_baseline = HYSTART_NO_RTT,
		.phase = HYSTART_SS,
	};
}

/* "At the start of each round during standard slow start and CSS". True if
 * CSS has run its CSS_ROUNDS rounds (the partial round it began in counts). */
static bool
hystart_round_start(struct cc_hystart *h, const struct tcb *tcb)
{
	if (h->phase == HYSTART_CSS && ++h->css_rounds > HYSTART_CSS_ROUNDS)
		return true;
	h->last_min_rtt = h->cur_min_rtt;
	h->cur_min_rtt = HYSTART_NO_RTT;
	h->samples = 0;
	h->window_end = tcb->snd.nxt;
	return false;
}

/* RttThresh = max(MIN_RTT_THRESH, min(lastRoundMinRTT / MIN_RTT_DIVISOR,
 * MAX_RTT_THRESH)). */
static uint32_t
hystart_rtt_thresh(const struct cc_hystart *h)
{
	return RTE_MAX((uint32_t)HYSTART_MIN_RTT_THRESH_US,
	               RTE_MIN(h->last_min_rtt / HYSTART_MIN_RTT_DIVISOR,
	                       (uint32_t)HYSTART_MAX_RTT_THRESH_US));
}

static void
hystart_check(struct cc_hystart *h)
{
	if (h->samples < HYSTART_N_RTT_SAMPLE || h->cur_min_rtt == HYSTART_NO_RTT)
		return;
	if (h->phase == HYSTART_SS) {
		if (h->last_min_rtt == HYSTART_NO_RTT)
			return;
		if (h->cur_min_rtt >= h->last_min_rtt + hystart_rtt_thresh(h)) {
			h->css_baseline = h->cur_min_rtt;
			h->phase = HYSTART_CSS;
			h->css_rounds = 1;
		}
	} else if (h->cur_min_rtt < h->css_baseline) {
		/* The exit was spurious: back to slow start. */
		h->css_baseline = HYSTART_NO_RTT;
		h->phase = HYSTART_SS;
		h->css_rounds = 0;
	}
}

void
cc_hystart_ack(struct cc_hystart *h, struct tcb *tcb, const struct tcp_cc_ack *ack)
{
	uint32_t grow = RTE_MIN(ack->acked, (uint32_t)HYSTART_L * tcb->mss);

	if (h->phase == HYSTART_OFF) {
		/* RFC 5681 3.1 with RFC 3465's L = 1, as NewReno. */
		tcb->cwnd += RTE_MIN(ack->acked, (uint32_t)tcb->mss);
		return;
	}
	if (!h->started) {
		h->started = true;
		h->window_end = tcb->snd.nxt; /* the first round: what is out now */
	} else if (seq_geq(tcb->snd.una, h->window_end) && hystart_round_start(h, tcb)) {
		/* CSS is over: congestion avoidance from here (RFC 9406 4.2). */
		tcb->ssthresh = tcb->cwnd;
		h->phase = HYSTART_OFF;
		return;
	}
	tcb->cwnd += h->phase == HYSTART_CSS ? grow / HYSTART_CSS_GROWTH_DIV : grow;
	if (ack->rtt_us != TCP_CC_NO_RTT) {
		h->cur_min_rtt = RTE_MIN(h->cur_min_rtt, ack->rtt_us);
		h->samples++;
	}
	hystart_check(h);
}
