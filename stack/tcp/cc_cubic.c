/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUBIC (RFC 9438): in congestion avoidance the window follows
 *
 *	W_cubic(t) = C x (t - K)^3 + W_max			(RFC 9438 4.2)
 *	K = cbrt((W_max - cwnd_epoch) / C)
 *
 * t seconds into the stage, windows in segments, C = 0.4, and never falls
 * below W_est, the window Reno would have by now (4.3, the Reno-friendly
 * region). A loss sets ssthresh = 0.7 x FlightSize (beta_cubic, 4.6) and,
 * with fast convergence (4.7), W_max a little below the window it reached
 * when that was below the last W_max. Slow start is HyStart++ (RFC 9406)
 * the first time, standard after a loss or a timeout.
 *
 * Integer arithmetic only: windows in bytes, t and K in milliseconds, and
 * C x d^3 for d ms is d^3 x 4 / 10^10 segments, kept x 1024 (W_CUBIC_SHIFT)
 * until it is turned into bytes; K is an integer cube root.
 *
 *   tcp_cc.c -> tcp_cc_cubic.on_ack -> cc_hystart_ack | cubic_avoid
 *            -> on_loss | on_rto | on_exit_recovery
 */
#include <rte_common.h>

#include "tcp/cc_cubic.h"
#include "tcp/cc_hystart.h"

#define TCP_CWND_MAX (1u << 30)

/* beta_cubic = 7/10; alpha_cubic = 3 x (1 - beta) / (1 + beta) = 9/17 (4.3). */
#define BETA_NUM  7
#define BETA_DEN  10
#define ALPHA_NUM 9
#define ALPHA_DEN 17
/* |t - K| beyond 100 s would overflow d^3 x 4096; W_cubic there is past
 * any window we allow anyway (0.4 x 10^6 segments). */
#define CUBIC_D_MAX_MS 100000
#define W_CUBIC_SHIFT  10
#define FRAC_SHIFT     16

static struct cc_cubic *
cubic_of(struct tcb *tcb)
{
	return &tcb->cc.cubic;
}

/* floor(cbrt(x)) by bisection: about 21 steps, once a congestion event. */
uint32_t
cc_cubic_cbrt(uint64_t x)
{
	uint64_t lo = 0, hi = 1u << 21; /* (2^21)^3 = 2^63 > any x we pass */

	while (lo < hi) {
		uint64_t mid = (lo + hi + 1) / 2;
		if (mid * mid * mid <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	return (uint32_t)lo;
}

/* K = cbrt((W_max - cwnd_epoch) / C) in ms: (bytes / mss) / 0.4 s^3 is
 * bytes x 2.5 x 10^9 / mss ms^3. */
uint32_t
cc_cubic_k_ms(uint32_t w_max, uint32_t cwnd_epoch, uint16_t mss)
{
	if (w_max <= cwnd_epoch)
		return 0;
	return cc_cubic_cbrt((uint64_t)(w_max - cwnd_epoch) * 2500000000ull / mss);
}

/* W_cubic(t) in bytes, t in ms since the stage began. */
uint32_t
cc_cubic_w(uint32_t w_max, uint32_t k_ms, uint16_t mss, uint64_t t_ms)
{
	int64_t d = (int64_t)RTE_MIN(t_ms, (uint64_t)INT32_MAX) - (int64_t)k_ms;

	d = RTE_MAX(RTE_MIN(d, (int64_t)CUBIC_D_MAX_MS), -(int64_t)CUBIC_D_MAX_MS);
	/* C d^3 segments, x 2^W_CUBIC_SHIFT: d^3 x 4 x 1024 / 10^10. */
	int64_t segs = d * d * d * (4 << W_CUBIC_SHIFT) / 10000000000ll;
	int64_t w = (int64_t)w_max + segs * mss / (1 << W_CUBIC_SHIFT);
	return (uint32_t)RTE_MAX(RTE_MIN(w, (int64_t)TCP_CWND_MAX), (int64_t)0);
}

static void
cubic_init(struct tcb *tcb)
{
	cc_hystart_init(&cubic_of(tcb)->hystart);
}

/* The first ACK of a congestion avoidance stage (4.2): K from the last
 * W_max, or, after HyStart++ or a timeout left W_max unknown, K = 0 and
 * W_max the window now (4.8, 4.10). */
static void
cubic_epoch_start(struct cc_cubic *c, struct tcb *tcb, uint64_t now_us)
{
	c->epoch_us = RTE_MAX(now_us, 1ull);
	c->cwnd_epoch = tcb->cwnd;
	if (c->w_max == 0) {
		c->w_max = tcb->cwnd;
		c->cwnd_prior = tcb->cwnd;
	}
	c->k_ms = cc_cubic_k_ms(c->w_max, c->cwnd_epoch, tcb->mss);
	c->w_est = tcb->cwnd;
	c->w_est_frac = 0;
	c->cwnd_frac = 0;
}

/* @num / @den x @acked / cwnd bytes added to *@w, what falls below a byte
 * kept in *@frac (x 2^FRAC_SHIFT): @acked / cwnd is taken x 2^32 first so
 * that nothing overflows for any window up to 2^30. */
static void
cubic_add(uint32_t *w, uint32_t *frac, uint64_t num, uint64_t den, uint32_t acked, uint32_t cwnd)
{
	uint64_t share = ((uint64_t)RTE_MIN(acked, cwnd) << 32) / cwnd;
	uint64_t x = (num * share / den >> (32 - FRAC_SHIFT)) + *frac;

	*w = (uint32_t)RTE_MIN(*w + (x >> FRAC_SHIFT), (uint64_t)TCP_CWND_MAX);
	*frac = (uint32_t)(x & ((1u << FRAC_SHIFT) - 1));
}

/* RFC 9438 4.2-4.5: one ACK in congestion avoidance. */
static void
cubic_avoid(struct cc_cubic *c, struct tcb *tcb, const struct tcp_cc_ack *ack)
{
	uint32_t mss = tcb->mss, cwnd = tcb->cwnd;

	if (c->epoch_us == 0)
		cubic_epoch_start(c, tcb, ack->now_us);
	uint64_t t_ms = (ack->now_us - c->epoch_us) / 1000;
	uint64_t rtt_ms = (tcb->srtt_us8 >> 3) / 1000;
	/* 4.3: W_est grows by alpha_cubic segments a window, alpha 1 once it
	 * reaches the window before the last reduction. */
	bool alpha_one = c->w_est >= c->cwnd_prior;
	cubic_add(&c->w_est, &c->w_est_frac, (uint64_t)mss * (alpha_one ? 1 : ALPHA_NUM),
	          alpha_one ? 1 : ALPHA_DEN, ack->acked, cwnd);
	if (cc_cubic_w(c->w_max, c->k_ms, tcb->mss, t_ms) < c->w_est) {
		/* The Reno-friendly region (never below what cwnd is). */
		tcb->cwnd = RTE_MAX(cwnd, c->w_est);
		return;
	}
	/* 4.4-4.5: aim at W_cubic one RTT ahead, between cwnd and 1.5 cwnd;
	 * each ACK closes (target - cwnd) / cwnd of the gap per segment. */
	uint32_t target = cc_cubic_w(c->w_max, c->k_ms, tcb->mss, t_ms + rtt_ms);
	target = RTE_MAX(RTE_MIN(target, cwnd + cwnd / 2), cwnd);
	cubic_add(&tcb->cwnd, &c->cwnd_frac, target - cwnd, 1, ack->acked, cwnd);
}

static void
cubic_on_ack(struct tcb *tcb, const struct tcp_cc_ack *ack)
{
	struct cc_cubic *c = cubic_of(tcb);

	if (tcb->cwnd < tcb->ssthresh)
		cc_hystart_ack(&c->hystart, tcb, ack);
	else
		cubic_avoid(c, tcb, ack);
}

/* ssthresh = FlightSize x beta_cubic, at least two segments (4.6: with
 * FlightSize, since we do not stop cwnd growing when the application
 * leaves it unused). */
static uint32_t
cubic_reduced(const struct tcb *tcb, uint32_t flight)
{
	return RTE_MAX((uint32_t)((uint64_t)flight * BETA_NUM / BETA_DEN), 2u * tcb->mss);
}

/* RFC 9438 4.6-4.7: a congestion event. */
static uint32_t
cubic_on_loss(struct tcb *tcb, uint64_t now_us)
{
	struct cc_cubic *c = cubic_of(tcb);
	uint32_t flight = tcp_flight_size(tcb);
	uint32_t w = RTE_MIN(tcb->cwnd, flight);

	(void)now_us;
	/* Fast convergence: a loss below the last W_max means another flow
	 * took bandwidth; give way with W_max = w x (1 + beta) / 2. */
	if (w < c->w_max)
		c->w_max = (uint32_t)((uint64_t)w * (BETA_DEN + BETA_NUM) / (2 * BETA_DEN));
	else
		c->w_max = w;
	c->cwnd_prior = w;
	c->epoch_us = 0;
	c->hystart.phase = HYSTART_OFF;
	return cubic_reduced(tcb, flight);
}

static void
cubic_exit_recovery(struct tcb *tcb, uint64_t now_us)
{
	(void)now_us;
	cubic_of(tcb)->epoch_us = 0; /* the stage begins with the next ACK */
}

/* RFC 9438 4.8: ssthresh as for a loss; the first stage after it starts
 * with K = 0 and W_max the window then. */
static uint32_t
cubic_on_rto(struct tcb *tcb, uint64_t now_us)
{
	struct cc_cubic *c = cubic_of(tcb);

	(void)now_us;
	c->epoch_us = 0;
	c->w_max = 0;
	c->hystart.phase = HYSTART_OFF;
	return cubic_reduced(tcb, tcb->snd.max - tcb->snd.una);
}

const struct tcp_cc_ops tcp_cc_cubic = {
	.name = "cubic",
	.init = cubic_init,
	.on_ack = cubic_on_ack,
	.on_loss = cubic_on_loss,
	.on_exit_recovery = cubic_exit_recovery,
	.on_rto = cubic_on_rto,
};
