/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HyStart++ (RFC 9406): slow start that watches each round trip's smallest
 * RTT and, when it rises, grows four times slower (Conservative Slow Start)
 * for a few rounds before congestion avoidance, instead of overshooting
 * into a burst of losses. Used by a module for its first slow start only
 * (RFC 9406 4.1); after a loss or a timeout it is standard slow start.
 *
 *   cc_cubic.c on_ack (cwnd < ssthresh) -> cc_hystart_ack -> cwnd, ssthresh
 */
#ifndef TERN_CC_HYSTART_H
#define TERN_CC_HYSTART_H

#include "tcp/tcp_cc.h"

/* RFC 9406 4.3's constants (times in microseconds). */
#define HYSTART_MIN_RTT_THRESH_US 4000
#define HYSTART_MAX_RTT_THRESH_US 16000
#define HYSTART_MIN_RTT_DIVISOR   8
#define HYSTART_N_RTT_SAMPLE      8
#define HYSTART_CSS_GROWTH_DIV    4
#define HYSTART_CSS_ROUNDS        5
#define HYSTART_L                 8 /* segments an ACK may add: we do not pace */
#define HYSTART_NO_RTT            UINT32_MAX

enum cc_hystart_phase {
	HYSTART_OFF = 0, /* standard slow start (after a loss or a timeout) */
	HYSTART_SS,      /* slow start, watching the RTT */
	HYSTART_CSS,     /* Conservative Slow Start */
};

void cc_hystart_init(struct cc_hystart *h);
/* An ACK of new data while cwnd < ssthresh: grow cwnd; CSS's end sets
 * ssthresh = cwnd (RFC 9406 4.2). */
void cc_hystart_ack(struct cc_hystart *h, struct tcb *tcb, const struct tcp_cc_ack *ack);

#endif /* TERN_CC_HYSTART_H */
