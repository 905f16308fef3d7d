/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NewReno's window (RFC 5681 3.1 growth, RFC 5681 3.2 / RFC 6582 3.2
 * halving): slow start by at most one segment an ACK (RFC 3465 with L = 1),
 * congestion avoidance by about one segment a round trip, half the flight on
 * a loss or a timeout. No state beyond cwnd and ssthresh.
 *
 *   tcp_cc.c -> tcp_cc_newreno.on_ack | on_loss | on_rto
 */
#include <rte_common.h>

#include "tcp/tcp_cc.h"

static void
newreno_init(struct tcb *tcb)
{
	(void)tcb;
}

static void
newreno_on_ack(struct tcb *tcb, const struct tcp_cc_ack *ack)
{
	uint32_t mss = tcb->mss;

	if (tcb->cwnd < tcb->ssthresh)
		tcb->cwnd += RTE_MIN(ack->acked, mss); /* slow start (RFC 3465, L = 1) */
	else
		tcb->cwnd += RTE_MAX(1u, mss * mss / tcb->cwnd); /* congestion avoidance */
}

/* RFC 5681 (4): ssthresh = max(FlightSize / 2, 2 * SMSS), after a loss
 * (3.2 step 2) as after a timeout (3.1). */
static uint32_t
newreno_half(const struct tcb *tcb, uint32_t flight)
{
	return RTE_MAX(flight / 2, 2u * tcb->mss);
}

static uint32_t
newreno_on_loss(struct tcb *tcb, uint64_t now_us)
{
	(void)now_us;
	return newreno_half(tcb, tcp_flight_size(tcb));
}

static uint32_t
newreno_on_rto(struct tcb *tcb, uint64_t now_us)
{
	(void)now_us;
	return newreno_half(tcb, tcb->snd.max - tcb->snd.una);
}

static void
newreno_exit_recovery(struct tcb *tcb, uint64_t now_us)
{
	(void)tcb;
	(void)now_us;
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.on_ack = newreno_on_ack,
	.on_loss = newreno_on_loss,
	.on_exit_recovery = newreno_exit_recovery,
	.on_rto = newreno_on_rto,
};
