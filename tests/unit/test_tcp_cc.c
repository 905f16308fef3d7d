/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control modules (tcp_cc.h) event by event: a control block
 * alone (no engine), a script of events (an ACK of so many bytes at such a
 * time with such an RTT sample, a loss, the end of recovery, a timeout),
 * and after each the cwnd and ssthresh the RFC's formulas give, computed
 * here in floating point from the RFC text, not from the code under test:
 *
 * - NewReno: RFC 5681 3.1 (slow start by min(acked, SMSS), congestion
 *   avoidance by SMSS^2 / cwnd), 3.2 and (4) (ssthresh = max(FlightSize / 2,
 *   2 SMSS)), 3.1 after a timeout (cwnd = 1 SMSS);
 * - CUBIC: RFC 9438 4.2 (K, W_cubic(t) at chosen t), 4.3 (the Reno-friendly
 *   W_est), 4.4-4.5 (target and the per-ACK step), 4.6 (beta 0.7), 4.7
 *   (fast convergence), 4.8 (timeout);
 * - HyStart++: RFC 9406 4.2 (a round's minimum RTT rising by RttThresh
 *   starts CSS; CSS grows by a quarter; CSS_ROUNDS rounds end slow start; a
 *   minimum back below the baseline resumes slow start);
 * - PRR: RFC 6937 3, sndcnt per ACK in the proportional branch and in
 *   PRR-SSRB's, with and without SACK, on a control block alone, then
 *   segment in -> segment out with each module: what goes out after each
 *   ACK, and cwnd = pipe + sndcnt.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/cc_cubic.h"
#include "tcp/cc_hystart.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_info.h"
#include "tcp_script.h"

#define MSS 1000u
#define ISS 4000000000u /* sequence numbers cross 2^32 */

/* A connection of module @id with cwnd @cwnd, ssthresh @ssthresh, @flight
 * bytes outstanding, SRTT @srtt_us. */
static void
conn(struct tcb *tcb, uint8_t id, uint32_t cwnd, uint32_t ssthresh, uint32_t flight,
     uint32_t srtt_us)
{
	memset(tcb, 0, sizeof(*tcb));
	tcb->mss = MSS;
	tcb->snd.una = ISS;
	tcb->snd.nxt = tcb->snd.max = ISS + flight;
	tcb->srtt_us8 = srtt_us * 8;
	tcb->ssthresh = ssthresh;
	tcp_cc_select(tcb, id);
	tcb->cwnd = cwnd;
}

/* @n bytes acked at @now_us with RTT sample @rtt_us; the flight stays as
 * large (the sender fills what was acked). */
static void
ack(struct tcb *tcb, uint32_t n, uint64_t now_us, uint32_t rtt_us)
{
	tcb->snd.una += n;
	tcb->snd.nxt += n;
	tcb->snd.max = tcb->snd.nxt;
	tcp_cc_ack(tcb, &(struct tcp_cc_ack){ .now_us = now_us, .acked = n, .rtt_us = rtt_us });
}

/* ---- NewReno ----------------------------------------------------------- */

static void
test_newreno_events(void **state)
{
	struct tcb tcb;

	(void)state;
	assert_int_equal(tcp_cc_find("newreno"), TCP_CC_NEWRENO);
	conn(&tcb, TCP_CC_NEWRENO, 10 * MSS, UINT32_MAX, 10 * MSS, 0);
	assert_string_equal(tcp_cc_name(&tcb), "newreno");
	/* Slow start: min(acked, SMSS) an ACK, whatever was acked. */
	ack(&tcb, 500, 0, TCP_CC_NO_RTT);
	assert_int_equal(tcb.cwnd, 10 * MSS + 500);
	ack(&tcb, 3 * MSS, 0, TCP_CC_NO_RTT);
	assert_int_equal(tcb.cwnd, 11 * MSS + 500);
	/* The loss: ssthresh = max(FlightSize / 2, 2 SMSS) = 5 SMSS. */
	tcp_cc_enter_recovery(&tcb, 0);
	assert_int_equal(tcb.ssthresh, 5 * MSS);
	tcp_cc_exit_recovery(&tcb, 0);
	assert_int_equal(tcb.cwnd, 5 * MSS);
	/* Congestion avoidance: SMSS^2 / cwnd an ACK. */
	double cwnd = 5 * MSS;
	for (int i = 0; i < 20; i++) {
		ack(&tcb, MSS, 0, TCP_CC_NO_RTT);
		cwnd += floor((double)MSS * MSS / cwnd);
		assert_int_equal(tcb.cwnd, (uint32_t)cwnd);
	}
	/* A small flight: ssthresh is at least 2 SMSS. */
	tcb.snd.max = tcb.snd.una + 3 * MSS;
	tcp_cc_rto(&tcb, 0);
	assert_int_equal(tcb.ssthresh, 2 * MSS);
	assert_int_equal(tcb.cwnd, MSS);
}

/* ---- CUBIC's formulas -------------------------------------------------- */

/* RFC 9438 (2): K = cbrt((W_max - cwnd_epoch) / C), seconds, segments. */
static double
rfc_k(double w_max, double cwnd_epoch)
{
	return cbrt((w_max - cwnd_epoch) / 0.4);
}

/* RFC 9438 (1): W_cubic(t) = C (t - K)^3 + W_max, segments. */
static double
rfc_w_cubic(double t, double k, double w_max)
{
	return 0.4 * pow(t - k, 3) + w_max;
}

static void
test_cubic_k_and_w_cubic(void **state)
{
	static const struct {
		uint32_t w_max, cwnd_epoch; /* segments */
	} cases[] = { { 100, 70 }, { 10, 7 }, { 1000, 700 }, { 85, 70 }, { 70, 70 } };
	static const uint32_t t_ms[] = { 0, 1, 500, 1000, 2000, 4217, 5000, 8000, 20000, 60000 };

	(void)state;
	assert_int_equal(cc_cubic_cbrt(0), 0);
	assert_int_equal(cc_cubic_cbrt(26), 2);
	assert_int_equal(cc_cubic_cbrt(27), 3);
	assert_int_equal(cc_cubic_cbrt(1000000000000000000ull), 1000000);
	for (unsigned i = 0; i < RTE_DIM(cases); i++) {
		double k = rfc_k(cases[i].w_max, cases[i].cwnd_epoch);
		uint32_t k_ms = cc_cubic_k_ms(cases[i].w_max * MSS, cases[i].cwnd_epoch * MSS, MSS);
		/* Rounded down to the millisecond. */
		assert_true(k_ms <= k * 1000 && k * 1000 < k_ms + 1);
		for (unsigned j = 0; j < RTE_DIM(t_ms); j++) {
			/* At the integer K the code uses; within a byte and a
			 * 1024th of a segment (the fixed point). */
			double w =
			        rfc_w_cubic(t_ms[j] / 1000.0, k_ms / 1000.0, cases[i].w_max) * MSS;
			double got = cc_cubic_w(cases[i].w_max * MSS, k_ms, MSS, t_ms[j]);
			if (w > (1u << 30))
				w = 1u << 30;
			if (fabs(got - w) > 2.0)
				fail_msg("W_cubic(%u ms), W_max %u, epoch %u: %.1f, expected %.1f",
				         t_ms[j], cases[i].w_max, cases[i].cwnd_epoch, got, w);
		}
	}
}

/* RFC 9438 4.6-4.7: ssthresh = 0.7 FlightSize; W_max the window at the loss,
 * or (fast convergence) 0.85 of it when below the last W_max. */
static void
test_cubic_loss_beta_fast_convergence(void **state)
{
	struct tcb tcb;

	(void)state;
	conn(&tcb, TCP_CC_CUBIC, 100 * MSS, 50 * MSS, 100 * MSS, 100000);
	assert_string_equal(tcp_cc_name(&tcb), "cubic");
	tcp_cc_enter_recovery(&tcb, 1000000);
	assert_int_equal(tcb.ssthresh, 70 * MSS);
	assert_int_equal(tcb.cc.cubic.w_max, 100 * MSS);
	tcp_cc_exit_recovery(&tcb, 1100000);
	assert_int_equal(tcb.cwnd, 70 * MSS);
	/* The next loss at 80 segments, below W_max: W_max = 80 x 0.85. */
	tcb.cwnd = 80 * MSS;
	tcb.snd.nxt = tcb.snd.max = tcb.snd.una + 80 * MSS;
	tcp_cc_enter_recovery(&tcb, 2000000);
	assert_int_equal(tcb.ssthresh, 56 * MSS);
	assert_int_equal(tcb.cc.cubic.w_max, 68 * MSS);
	/* A small flight: never below 2 segments. */
	tcb.snd.nxt = tcb.snd.max = tcb.snd.una + 2 * MSS;
	tcp_cc_enter_recovery(&tcb, 3000000);
	assert_int_equal(tcb.ssthresh, 2 * MSS);
	/* RFC 9438 4.8: a timeout takes the same ssthresh, cwnd one segment. */
	tcb.snd.nxt = tcb.snd.max = tcb.snd.una + 50 * MSS;
	tcp_cc_rto(&tcb, 4000000);
	assert_int_equal(tcb.ssthresh, 35 * MSS);
	assert_int_equal(tcb.cwnd, MSS);
}

/* The RFC's congestion avoidance, per ACK of @acked bytes at @t s into the
 * stage (bytes, floating point): 4.3's W_est, 4.4-4.5's target. */
struct cubic_model {
	double cwnd, w_max, k, w_est, cwnd_prior, rtt;
};

static void
model_ack(struct cubic_model *m, double t, double acked)
{
	double alpha = m->w_est >= m->cwnd_prior ? 1.0 : 3 * (1 - 0.7) / (1 + 0.7);

	m->w_est += alpha * MSS * acked / m->cwnd;
	if (rfc_w_cubic(t, m->k, m->w_max / MSS) * MSS < m->w_est) {
		m->cwnd = fmax(m->cwnd, m->w_est);
		return;
	}
	double target = rfc_w_cubic(t + m->rtt, m->k, m->w_max / MSS) * MSS;
	target = fmin(fmax(target, m->cwnd), 1.5 * m->cwnd);
	m->cwnd += (target - m->cwnd) * acked / m->cwnd;
}

/* After a loss at 100 segments: cwnd from 70 segments follows W_cubic
 * (concave, then convex past K = 4.22 s), one ACK of a segment every 5 ms
 * for 12 s, RTT 100 ms; every step within 0.1% of the model's. */
static void
test_cubic_avoidance_follows_w_cubic(void **state)
{
	struct tcb tcb;
	uint64_t t0 = 5000000;

	(void)state;
	conn(&tcb, TCP_CC_CUBIC, 100 * MSS, 50 * MSS, 100 * MSS, 100000);
	tcp_cc_enter_recovery(&tcb, t0);
	tcp_cc_exit_recovery(&tcb, t0);
	struct cubic_model m = { .cwnd = 70 * MSS,
		                 .w_max = 100 * MSS,
		                 .w_est = 70 * MSS,
		                 .cwnd_prior = 100 * MSS,
		                 .rtt = 0.1 };
	uint32_t k_ms = cc_cubic_k_ms(100 * MSS, 70 * MSS, MSS);
	m.k = k_ms / 1000.0;
	bool below = false, above = false;
	for (uint64_t us = 0; us <= 12000000; us += 5000) {
		ack(&tcb, MSS, t0 + us, 100000);
		model_ack(&m, floor(us / 1000.0) / 1000.0, MSS);
		if (fabs(tcb.cwnd - m.cwnd) > m.cwnd / 1000)
			fail_msg("t %.3f s: cwnd %u, expected %.0f", us / 1e6, tcb.cwnd, m.cwnd);
		below |= tcb.cwnd < 100 * MSS - MSS;
		above |= tcb.cwnd > 100 * MSS + 10 * MSS;
	}
	assert_true(below && above); /* both sides of the plateau were seen */
	assert_int_equal(tcb.ssthresh, 70 * MSS);
}

/* A short RTT and a small window: Reno's W_est outgrows W_cubic(t), and
 * cwnd is W_est (RFC 9438 4.3); alpha_cubic is 1 once W_est reaches
 * cwnd_prior. */
static void
test_cubic_reno_friendly(void **state)
{
	struct tcb tcb;
	uint64_t t0 = 1000000;

	(void)state;
	conn(&tcb, TCP_CC_CUBIC, 10 * MSS, 5 * MSS, 10 * MSS, 1000);
	tcp_cc_enter_recovery(&tcb, t0);
	tcp_cc_exit_recovery(&tcb, t0);
	assert_int_equal(tcb.cwnd, 7 * MSS);
	struct cubic_model m = { .cwnd = 7 * MSS,
		                 .w_max = 10 * MSS,
		                 .w_est = 7 * MSS,
		                 .cwnd_prior = 10 * MSS,
		                 .rtt = 0.001 };
	m.k = cc_cubic_k_ms(10 * MSS, 7 * MSS, MSS) / 1000.0;
	bool friendly = false;
	/* One window acked every millisecond, segment by segment. */
	for (uint64_t ms = 1; ms <= 400; ms++) {
		uint32_t w = tcb.cwnd / MSS;
		for (uint32_t i = 0; i < w; i++) {
			ack(&tcb, MSS, t0 + ms * 1000, 1000);
			model_ack(&m, ms / 1000.0, MSS);
			if (fabs(tcb.cwnd - m.cwnd) > 2 + m.cwnd / 1000)
				fail_msg("%" PRIu64 " ms: cwnd %u, expected %.0f", ms, tcb.cwnd,
				         m.cwnd);
		}
		friendly |= m.w_est > rfc_w_cubic(ms / 1000.0, m.k, 10) * MSS;
	}
	assert_true(friendly);
	/* Some 400 RTTs: 3 segments at alpha 9/17 (about 6 RTTs), the rest
	 * at 1: about 400 segments. */
	assert_true(tcb.cwnd > 395 * MSS && tcb.cwnd < 405 * MSS);
}

/* ---- HyStart++ ---------------------------------------------------------- */

/* One round of slow start: its first ACK ends the last round (RFC 9406
 * 4.2: it reaches windowEnd; no RTT sample, so that each round's minimum is
 * its own), then @samples ACKs with RTT @rtt_us, a segment each, over one
 * RTT from @*now. The sender has sent up to the round's end when it
 * starts: windowEnd is that. */
static void
round_trip(struct tcb *tcb, uint64_t *now, uint32_t samples, uint32_t rtt_us)
{
	tcb->snd.una += MSS;
	tcb->snd.nxt = tcb->snd.max = tcb->snd.una + (samples + 1) * MSS;
	tcp_cc_ack(tcb,
	           &(struct tcp_cc_ack){ .now_us = *now, .acked = MSS, .rtt_us = TCP_CC_NO_RTT });
	for (uint32_t i = 0; i < samples; i++) {
		*now += rtt_us / (samples + 1);
		tcb->snd.una += MSS;
		tcp_cc_ack(tcb,
		           &(struct tcp_cc_ack){ .now_us = *now, .acked = MSS, .rtt_us = rtt_us });
	}
}

static void
test_hystart_css_then_avoidance(void **state)
{
	struct tcb tcb;
	uint64_t now = 1000000;

	(void)state;
	conn(&tcb, TCP_CC_CUBIC, 10 * MSS, UINT32_MAX, 10 * MSS, 0);
	/* Rounds at 100 ms: slow start, a segment an ACK (RFC 9406's
	 * min(N, L x SMSS)). */
	round_trip(&tcb, &now, 9, 100000);
	assert_int_equal(tcb.cwnd, 20 * MSS);
	round_trip(&tcb, &now, 19, 100000);
	assert_int_equal(tcb.cwnd, 40 * MSS);
	/* 110 ms: below lastRoundMinRTT + RttThresh (100 + 12.5 ms). */
	round_trip(&tcb, &now, 39, 110000);
	assert_int_equal(tcb.cwnd, 80 * MSS);
	assert_int_equal(tcb.cc.cubic.hystart.phase, HYSTART_SS);
	/* 123.75 ms: 110 + 13.75, enough. CSS from the 8th sample on: the
	 * round's first ACK and 8 more at a segment, 71 at a quarter. */
	round_trip(&tcb, &now, 79, 123750);
	assert_int_equal(tcb.cc.cubic.hystart.phase, HYSTART_CSS);
	assert_int_equal(tcb.cwnd, 80 * MSS + 9 * MSS + 71 * MSS / 4);
	assert_true(tcb.ssthresh == UINT32_MAX);
	/* Four more CSS rounds (the partial one counted): a quarter an ACK,
	 * whatever the RTT does above the baseline. */
	for (int r = 0; r < 4; r++) {
		uint32_t before = tcb.cwnd;
		round_trip(&tcb, &now, 99, 130000);
		assert_int_equal(tcb.cwnd, before + 100 * MSS / 4);
		assert_int_equal(tcb.cc.cubic.hystart.phase, HYSTART_CSS);
	}
	/* The first ACK of the sixth round ends CSS: ssthresh = cwnd, and
	 * congestion avoidance from there (W_max = cwnd, K = 0). */
	uint32_t cwnd = tcb.cwnd;
	round_trip(&tcb, &now, 0, 130000);
	assert_int_equal(tcb.ssthresh, cwnd);
	assert_int_equal(tcb.cwnd, cwnd);
	assert_int_equal(tcb.cc.cubic.hystart.phase, HYSTART_OFF);
	round_trip(&tcb, &now, 9, 130000);
	assert_int_equal(tcb.cc.cubic.w_max, cwnd);
	assert_int_equal(tcb.cc.cubic.k_ms, 0);
	assert_true(tcb.cwnd > cwnd && tcb.cwnd < cwnd + MSS);
}

/* Without the RTT rise, slow start goes on: the same rounds at 100 ms. */
static void
test_hystart_flat_rtt_stays(void **state)
{
	struct tcb tcb;
	uint64_t now = 1000000;

	(void)state;
	conn(&tcb, TCP_CC_CUBIC, 10 * MSS, UINT32_MAX, 10 * MSS, 0);
	round_trip(&tcb, &now, 9, 100000);
	round_trip(&tcb, &now, 19, 100000);
	round_trip(&tcb, &now, 39, 112499);
	round_trip(&tcb, &now, 79, 112499);
	assert_int_equal(tcb.cc.cubic.hystart.phase, HYSTART_SS);
	assert_int_equal(tcb.cwnd, 160 * MSS);
}

/* RFC 9406 4.2: a CSS round whose minimum RTT falls below the baseline
 * resumes slow start; a timeout ends HyStart++ (standard slow start after,
 * RFC 9406 4.1). */
static void
test_hystart_spurious_css_and_rto(void **state)
{
	struct tcb tcb;
	uint64_t now = 1000000;

	(void)state;
	conn(&tcb, TCP_CC_CUBIC, 10 * MSS, UINT32_MAX, 10 * MSS, 0);
	round_trip(&tcb, &now, 9, 50000);
	round_trip(&tcb, &now, 19, 56250); /* RttThresh 6.25 ms: CSS */
	assert_int_equal(tcb.cc.cubic.hystart.phase, HYSTART_CSS);
	assert_int_equal(tcb.cc.cubic.hystart.css_baseline, 56250);
	uint32_t before = tcb.cwnd;
	round_trip(&tcb, &now, 19, 56249); /* below the baseline: slow start again */
	assert_int_equal(tcb.cc.cubic.hystart.phase, HYSTART_SS);
	/* A quarter for the first ACK and 8 samples, then a segment. */
	assert_int_equal(tcb.cwnd, before + 9 * MSS / 4 + 11 * MSS);
	tcb.snd.max = tcb.snd.una + 20 * MSS;
	tcp_cc_rto(&tcb, now);
	assert_int_equal(tcb.cc.cubic.hystart.phase, HYSTART_OFF);
	assert_int_equal(tcb.ssthresh, 14 * MSS);
	/* Standard slow start: a segment an ACK at most, even of three. */
	tcb.snd.una += 3 * MSS;
	tcp_cc_ack(&tcb, &(struct tcp_cc_ack){ .now_us = now, .acked = 3 * MSS, .rtt_us = 9000 });
	assert_int_equal(tcb.cwnd, 2 * MSS);
}

/* Fewer than N_RTT_SAMPLE samples in a round: no decision (RFC 9406 4.2). */
static void
test_hystart_needs_samples(void **state)
{
	struct tcb tcb;
	uint64_t now = 1000000;

	(void)state;
	conn(&tcb, TCP_CC_CUBIC, 4 * MSS, UINT32_MAX, 4 * MSS, 0);
	round_trip(&tcb, &now, 8, 50000);
	round_trip(&tcb, &now, 7, 90000); /* a 40 ms rise, 7 samples */
	assert_int_equal(tcb.cc.cubic.hystart.phase, HYSTART_SS);
	round_trip(&tcb, &now, 8, 50000);
	round_trip(&tcb, &now, 8, 90000); /* the 8th sample decides */
	assert_int_equal(tcb.cc.cubic.hystart.phase, HYSTART_CSS);
}

/* ---- PRR (RFC 6937 3) ------------------------------------------------ */

#define M 1460u /* the segment of the PRR tests */

/* The peer reports, in a duplicate ACK of snd.una, that it holds
 * [@start, @end) (the scoreboard's tcp_sb_update, RFC 2018). */
static void
prr_sack(struct tcb *tcb, uint32_t start, uint32_t end)
{
	struct tcp_seg seg = { .ack = tcb->snd.una, .flags = TH_ACK };
	uint32_t sacked;

	seg.opts.nb_sack = 1;
	seg.opts.sack[0] = (struct tcp_sack_block){ start, end };
	tcp_sb_update(tcb, &seg, 0, &sacked);
}

/* A control block in recovery's first ACK: @segs segments out from @una
 * (one run on the scoreboard), the peer SACKed 2 of them above a hole,
 * this ACK a third. Nothing is marked lost, so pipe is the flight less
 * what was SACKed (RFC 6675 4 SetPipe). */
static void
prr_enter(struct tcb *tcb, uint8_t id, uint32_t segs)
{
	struct tcp_prr_mark m;

	memset(tcb, 0, sizeof(*tcb));
	tcb->mss = M;
	tcb->flags = TF_SACK_OK;
	tcb->snd.una = ISS;
	tcb->snd.nxt = tcb->snd.max = ISS + segs * M;
	tcb->ssthresh = UINT32_MAX;
	tcp_cc_select(tcb, id);
	tcb->cwnd = segs * M;
	tcp_sb_init(&tcb->sb);
	tcp_sb_sent(tcb, ISS, segs * M, 0);
	prr_sack(tcb, ISS + M, ISS + 3 * M);
	tcb->dupacks = 2;
	tcp_prr_mark(tcb, &m);
	prr_sack(tcb, ISS + M, ISS + 4 * M);
	tcb->dupacks = 3;
	tcb->flags |= TF_IN_RECOVERY;
	tcp_cc_enter_recovery(tcb, 0);
	tcp_prr_ack(tcb, &m, true);
}

/* The peer's SACKed run now ends @segs segments above snd.una. */
static void
prr_sack_to(struct tcb *tcb, uint32_t segs)
{
	struct tcp_prr_mark m;

	tcp_prr_mark(tcb, &m);
	prr_sack(tcb, tcb->snd.una + M, tcb->snd.una + segs * M);
	tcp_prr_ack(tcb, &m, true);
}

/* PRR-SSRB, where its bound is what limits: CUBIC's ssthresh (0.7 x 10
 * segments = 10220) leaves pipe (7 segments) at ssthresh from the first
 * ACK; retransmissions PRR did not grant (the fast retransmit, probes)
 * put prr_out past prr_delivered; then an ACK of one segment may let out
 * only MAX(prr_delivered - prr_out, DeliveredData) + MSS, though ssthresh
 * - pipe is larger. */
static void
test_prr_ssrb_bound(void **state)
{
	struct tcb tcb;

	(void)state;
	prr_enter(&tcb, TCP_CC_CUBIC, 10);
	assert_int_equal(tcb.ssthresh, 10220);
	assert_int_equal(tcb.prr.recover_fs, 10 * M);
	/* pipe 10220, not above: min(10220 - 10220, 1460 + 1460) = 0. */
	assert_int_equal(tcb.prr.sndcnt, 0);
	assert_int_equal(tcb.cwnd, 10220);
	for (int i = 0; i < 3; i++)
		tcp_prr_sent(&tcb, M); /* fast retransmit, two probes */
	/* Three more SACKed (one ACK for three): delivered 5840, out 4380,
	 * pipe 5840: min(10220 - 5840, max(1460, 4380) + 1460) = 4380. */
	prr_sack_to(&tcb, 7);
	assert_int_equal(tcb.prr.sndcnt, 4380);
	assert_int_equal(tcb.cwnd, 10220);
	for (int i = 0; i < 3; i++)
		tcp_prr_sent(&tcb, M); /* holes resent: pipe does not move */
	assert_int_equal(tcb.prr.sndcnt, 0);
	/* One more: delivered 7300 < out 8760; pipe 4380: min(5840,
	 * max(0, 1460) + 1460) = 2920, the bound. */
	prr_sack_to(&tcb, 8);
	assert_int_equal(tcb.prr.sndcnt, 2920);
	assert_int_equal(tcb.cwnd, 4380 + 2920);
	/* The end of recovery: cwnd = ssthresh. */
	tcp_cc_exit_recovery(&tcb, 0);
	assert_int_equal(tcb.cwnd, 10220);
}

/* PRR's proportional part, NewReno (ssthresh half of 20 segments): each
 * ACK of a segment lets out CEIL(prr_delivered x 14600 / 29200) - prr_out,
 * one segment every other ACK. */
static void
test_prr_proportional(void **state)
{
	struct tcb tcb;

	(void)state;
	prr_enter(&tcb, TCP_CC_NEWRENO, 20);
	assert_int_equal(tcb.ssthresh, 14600);
	assert_int_equal(tcb.prr.sndcnt, 730); /* CEIL(1460 / 2) */
	tcp_prr_sent(&tcb, M);                 /* the fast retransmit */
	uint32_t out = M, sacked = 3;
	for (uint32_t delivered = 2 * M; delivered <= 6 * M; delivered += M) {
		prr_sack_to(&tcb, ++sacked + 1);
		uint32_t due = (delivered * 14600 + 29200 - 1) / 29200;
		assert_int_equal(tcb.prr.sndcnt, due - out);
		assert_int_equal(tcb.cwnd, tcb.snd.max - tcb.snd.una - sacked * M + due - out);
		if (tcb.prr.sndcnt >= M) { /* a new segment */
			tcp_prr_sent(&tcb, M);
			tcp_sb_sent(&tcb, tcb.snd.max, M, 0);
			tcb.snd.nxt = tcb.snd.max += M;
			out += M;
		}
	}
}

/* Without SACK: a duplicate ACK delivered one segment (RFC 6937 3), pipe
 * is the flight less a segment per duplicate, and a partial ACK delivers
 * only what the duplicates had not already counted. */
static void
test_prr_no_sack(void **state)
{
	struct tcb tcb;
	struct tcp_prr_mark m;

	(void)state;
	memset(&tcb, 0, sizeof(tcb));
	tcb.mss = M;
	tcb.snd.una = ISS;
	tcb.snd.nxt = tcb.snd.max = ISS + 10 * M;
	tcb.ssthresh = UINT32_MAX;
	tcp_cc_select(&tcb, TCP_CC_NEWRENO);
	tcb.cwnd = 10 * M;
	tcb.dupacks = 2;
	tcp_prr_mark(&tcb, &m);
	tcb.dupacks = 3;
	tcb.flags |= TF_IN_RECOVERY;
	tcp_cc_enter_recovery(&tcb, 0);
	tcp_prr_ack(&tcb, &m, true);
	/* ssthresh 7300, pipe 7 segments: CEIL(1460 x 7300 / 14600). */
	assert_int_equal(tcb.ssthresh, 7300);
	assert_int_equal(tcp_cc_pipe(&tcb), 7 * M);
	assert_int_equal(tcb.prr.delivered, M);
	assert_int_equal(tcb.prr.sndcnt, 730);
	tcp_prr_sent(&tcb, M);
	tcp_prr_mark(&tcb, &m);
	tcb.dupacks++;
	tcp_prr_ack(&tcb, &m, true);
	assert_int_equal(tcb.prr.delivered, 2 * M);
	assert_int_equal(tcp_cc_pipe(&tcb), 6 * M);
	assert_int_equal(tcb.prr.sndcnt, 0);
	/* A partial ACK of 5 segments, 4 of them counted by duplicates:
	 * one delivered; pipe 5 segments, below ssthresh: SSRB min(7300 -
	 * 7300, ...) = 0. */
	tcp_prr_mark(&tcb, &m);
	tcb.snd.una += 5 * M;
	tcp_prr_ack(&tcb, &m, false);
	assert_int_equal(tcb.prr.delivered, 3 * M);
	assert_int_equal(tcp_cc_pipe(&tcb), 5 * M);
	assert_int_equal(tcb.prr.sndcnt, 7300 - 5 * M);
}

/* Segment in -> segment out: the peer's ACKs SACK one more segment each,
 * above a lost first one. Segment k of 1460 bytes starts at L0 + 1 + (k - 1)
 * x 1460; the initial window is 20 segments ([tcp] init_cwnd). After each
 * ACK, CC_EXPECT checks cwnd = pipe + sndcnt and ssthresh. */
#define SEG_AT(k) (L0 + 1 + ((k)-1) * 1460)
#define DATA(k)                                                                                    \
	OUT(SEG(US, .flags = TH_ACK, .seq = SEG_AT(k), .ack = R0 + 1, .len = 1460,                 \
	        .win = WIN_FREE(0)))
#define DATA_PSH(k)                                                                                \
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = SEG_AT(k), .ack = R0 + 1, .len = 1460,        \
	        .win = WIN_FREE(0)))
#define ACK_TO(k, ...) IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = SEG_AT(k), __VA_ARGS__))

static int
cc_expect(struct script_run *r)
{
	const struct script_step *st = script_current_step(r);
	const struct tcb *tcb = script_tcb(r);

	if (tcb->cwnd != (uint32_t)st->arg || tcb->ssthresh != (uint32_t)st->reason)
		return script_fail(r, "cwnd %u ssthresh %u, expected %u %u", tcb->cwnd,
		                   tcb->ssthresh, (uint32_t)st->arg, (uint32_t)st->reason);
	return 0;
}

#define CC_EXPECT(cwnd, ssthresh)                                                                  \
	SCRIPT_STEP(STEP_CALL, .fn = cc_expect, .arg = (cwnd), .reason = (ssthresh),               \
	            .what = "cc_expect")

static const struct script_step prr_newreno[] = {
	ESTABLISHED(),
	APP_SEND(20 * 1460),
	DATA(1),
	DATA(2),
	DATA(3),
	DATA(4),
	DATA(5),
	DATA(6),
	DATA(7),
	DATA(8),
	DATA(9),
	DATA(10),
	DATA(11),
	DATA(12),
	DATA(13),
	DATA(14),
	DATA(15),
	DATA(16),
	DATA(17),
	DATA(18),
	DATA(19),
	DATA_PSH(20),
	/* Segment 1 is lost: two duplicate ACKs, nothing to send. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(3) } }),
	OUT_NONE(),
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(4) } }),
	OUT_NONE(),
	/* The third: recovery, ssthresh 14600, RecoverFS 29200. Segment 1
	 * is deemed lost (RFC 6675 4 IsLost) and not resent yet, so pipe
	 * counts 16 segments, 23360 > ssthresh: CEIL(1460 x 14600 / 29200)
	 * - 0 = 730; the fast retransmit goes whatever it allows. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(5) } }),
	DATA(1),
	OUT_NONE(),
	CC_EXPECT(24090, 14600),
	/* More to send: only what PRR allows goes. */
	APP_SEND(20 * 1460),
	OUT_NONE(),
	/* pipe 23360 > ssthresh: CEIL(2920 x 14600 / 29200) - 1460 = 0. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(6) } }),
	OUT_NONE(),
	CC_EXPECT(23360, 14600),
	/* pipe 21900 > ssthresh: CEIL(4380 x 14600 / 29200) - 1460 = 730. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(7) } }),
	OUT_NONE(),
	CC_EXPECT(22630, 14600),
	/* pipe 20440 > ssthresh: CEIL(5840 x 14600 / 29200) - 1460 = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(8) } }),
	DATA(21),
	OUT_NONE(),
	CC_EXPECT(21900, 14600),
	/* pipe 20440 > ssthresh: CEIL(7300 x 14600 / 29200) - 2920 = 730. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(9) } }),
	OUT_NONE(),
	CC_EXPECT(21170, 14600),
	/* pipe 18980 > ssthresh: CEIL(8760 x 14600 / 29200) - 2920 = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(10) } }),
	DATA(22),
	OUT_NONE(),
	CC_EXPECT(20440, 14600),
	/* pipe 18980 > ssthresh: CEIL(10220 x 14600 / 29200) - 4380 = 730. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(11) } }),
	OUT_NONE(),
	CC_EXPECT(19710, 14600),
	/* pipe 17520 > ssthresh: CEIL(11680 x 14600 / 29200) - 4380 = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(12) } }),
	DATA(23),
	OUT_NONE(),
	CC_EXPECT(18980, 14600),
	/* pipe 17520 > ssthresh: CEIL(13140 x 14600 / 29200) - 5840 = 730. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(13) } }),
	OUT_NONE(),
	CC_EXPECT(18250, 14600),
	/* pipe 16060 > ssthresh: CEIL(14600 x 14600 / 29200) - 5840 = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(14) } }),
	DATA(24),
	OUT_NONE(),
	CC_EXPECT(17520, 14600),
	/* pipe 16060 > ssthresh: CEIL(16060 x 14600 / 29200) - 7300 = 730. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(15) } }),
	OUT_NONE(),
	CC_EXPECT(16790, 14600),
	/* pipe 14600: SSRB min(0, max(17520 - 7300, 1460) + 1460) = 0. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(16) } }),
	OUT_NONE(),
	CC_EXPECT(14600, 14600),
	/* pipe 13140: SSRB min(1460, max(18980 - 7300, 1460) + 1460) = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(17) } }),
	DATA(25),
	OUT_NONE(),
	CC_EXPECT(14600, 14600),
	/* pipe 13140: SSRB min(1460, max(20440 - 8760, 1460) + 1460) = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(18) } }),
	DATA(26),
	OUT_NONE(),
	CC_EXPECT(14600, 14600),
	/* pipe 13140: SSRB min(1460, max(21900 - 10220, 1460) + 1460) = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(19) } }),
	DATA(27),
	OUT_NONE(),
	CC_EXPECT(14600, 14600),
	/* pipe 13140: SSRB min(1460, max(23360 - 11680, 1460) + 1460) = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(20) } }),
	DATA(28),
	OUT_NONE(),
	CC_EXPECT(14600, 14600),
	/* pipe 13140: SSRB min(1460, max(24820 - 13140, 1460) + 1460) = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(21) } }),
	DATA(29),
	OUT_NONE(),
	CC_EXPECT(14600, 14600),
	/* The fast retransmit arrives: the ACK reaches recover, cwnd = ssthresh
	 * (RFC 6937 3); 13140 bytes are out, room for one more segment. */
	ACK_TO(21),
	DATA(30),
	OUT_NONE(),
	CC_EXPECT(14600, 14600),
};

static const struct script_step prr_cubic[] = {
	ESTABLISHED(),
	APP_SEND(20 * 1460),
	DATA(1),
	DATA(2),
	DATA(3),
	DATA(4),
	DATA(5),
	DATA(6),
	DATA(7),
	DATA(8),
	DATA(9),
	DATA(10),
	DATA(11),
	DATA(12),
	DATA(13),
	DATA(14),
	DATA(15),
	DATA(16),
	DATA(17),
	DATA(18),
	DATA(19),
	DATA_PSH(20),
	/* Segment 1 is lost: two duplicate ACKs, nothing to send. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(3) } }),
	OUT_NONE(),
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(4) } }),
	OUT_NONE(),
	/* The third: recovery, ssthresh 20440, RecoverFS 29200; pipe 23360
	 * (segment 1 deemed lost, not resent yet) > ssthresh: CEIL(1460 x
	 * 20440 / 29200) - 0 = 1022; the fast retransmit goes whatever it
	 * allows. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(5) } }),
	DATA(1),
	OUT_NONE(),
	CC_EXPECT(24382, 20440),
	/* More to send: only what PRR allows goes. */
	APP_SEND(20 * 1460),
	OUT_NONE(),
	/* pipe 23360 > ssthresh: CEIL(2920 x 20440 / 29200) - 1460 = 584. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(6) } }),
	OUT_NONE(),
	CC_EXPECT(23944, 20440),
	/* pipe 21900 > ssthresh: CEIL(4380 x 20440 / 29200) - 1460 = 1606. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(7) } }),
	DATA(21),
	OUT_NONE(),
	CC_EXPECT(23506, 20440),
	/* pipe 21900 > ssthresh: CEIL(5840 x 20440 / 29200) - 2920 = 1168. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(8) } }),
	OUT_NONE(),
	CC_EXPECT(23068, 20440),
	/* pipe 20440: SSRB min(0, max(7300 - 2920, 1460) + 1460) = 0. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(9) } }),
	OUT_NONE(),
	CC_EXPECT(20440, 20440),
	/* pipe 18980: SSRB min(1460, max(8760 - 2920, 1460) + 1460) = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(10) } }),
	DATA(22),
	OUT_NONE(),
	CC_EXPECT(20440, 20440),
	/* pipe 18980: SSRB min(1460, max(10220 - 4380, 1460) + 1460) = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(11) } }),
	DATA(23),
	OUT_NONE(),
	CC_EXPECT(20440, 20440),
	/* pipe 18980: SSRB min(1460, max(11680 - 5840, 1460) + 1460) = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(12) } }),
	DATA(24),
	OUT_NONE(),
	CC_EXPECT(20440, 20440),
	/* pipe 18980: SSRB min(1460, max(13140 - 7300, 1460) + 1460) = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(13) } }),
	DATA(25),
	OUT_NONE(),
	CC_EXPECT(20440, 20440),
	/* pipe 18980: SSRB min(1460, max(14600 - 8760, 1460) + 1460) = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(14) } }),
	DATA(26),
	OUT_NONE(),
	CC_EXPECT(20440, 20440),
	/* pipe 18980: SSRB min(1460, max(16060 - 10220, 1460) + 1460) = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(15) } }),
	DATA(27),
	OUT_NONE(),
	CC_EXPECT(20440, 20440),
	/* pipe 18980: SSRB min(1460, max(17520 - 11680, 1460) + 1460) = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(16) } }),
	DATA(28),
	OUT_NONE(),
	CC_EXPECT(20440, 20440),
	/* pipe 18980: SSRB min(1460, max(18980 - 13140, 1460) + 1460) = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(17) } }),
	DATA(29),
	OUT_NONE(),
	CC_EXPECT(20440, 20440),
	/* pipe 18980: SSRB min(1460, max(20440 - 14600, 1460) + 1460) = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(18) } }),
	DATA(30),
	OUT_NONE(),
	CC_EXPECT(20440, 20440),
	/* pipe 18980: SSRB min(1460, max(21900 - 16060, 1460) + 1460) = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(19) } }),
	DATA(31),
	OUT_NONE(),
	CC_EXPECT(20440, 20440),
	/* pipe 18980: SSRB min(1460, max(23360 - 17520, 1460) + 1460) = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(20) } }),
	DATA(32),
	OUT_NONE(),
	CC_EXPECT(20440, 20440),
	/* pipe 18980: SSRB min(1460, max(24820 - 18980, 1460) + 1460) = 1460. */
	ACK_TO(1, .sack = { { SEG_AT(2), SEG_AT(21) } }),
	DATA(33),
	OUT_NONE(),
	CC_EXPECT(20440, 20440),
	/* The fast retransmit arrives: the ACK reaches recover, cwnd = ssthresh
	 * (RFC 6937 3); 18980 bytes are out, room for one more segment. */
	ACK_TO(21),
	DATA(34),
	OUT_NONE(),
	CC_EXPECT(20440, 20440),
};

static void
iw20_newreno(struct config *cfg)
{
	cfg->tcp_init_cwnd = 20;
}

static void
iw20_cubic(struct config *cfg)
{
	cfg->tcp_init_cwnd = 20;
	cfg->tcp_cc = TCP_CC_CHOICE_CUBIC;
}

/* ---- Which module a connection gets ------------------------------------ */

static int
listen_cubic(struct script_run *r)
{
	return tcp_listener_set_cc(script_harness(r)->eng, rte_cpu_to_be_16(SCRIPT_US_PORT),
	                           TCP_CC_CUBIC);
}

static int
no_such_listener(struct script_run *r)
{
	int ret = tcp_listener_set_cc(script_harness(r)->eng, rte_cpu_to_be_16(SCRIPT_US_PORT + 1),
	                              TCP_CC_CUBIC);
	return ret == -ENOENT ? 0 : script_fail(r, "set_cc on no listener: %d", ret);
}

static int
cc_name_is(struct script_run *r, const char *name)
{
	const struct tcb *tcb = script_tcb(r);
	struct tcp_conn_info ci;

	if (tcb == NULL)
		return script_fail(r, "no connection");
	tcp_conn_info(tcb, &ci);
	if (strcmp(tcp_cc_name(tcb), name) != 0 || strcmp(ci.cc, name) != 0)
		return script_fail(r, "module %s (info %s), expected %s", tcp_cc_name(tcb), ci.cc,
		                   name);
	return 0;
}

static int
is_cubic(struct script_run *r)
{
	return cc_name_is(r, "cubic");
}

static int
is_newreno(struct script_run *r)
{
	return cc_name_is(r, "newreno");
}

/* A listener's choice (tern_listen_cc) over [tcp] congestion_control, for a
 * passive open; one without a choice takes the configuration's. */
static const struct script_step listener_chooses_cubic[] = {
	LISTEN(),
	APP(listen_cubic),
	APP(no_such_listener),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460, .ws = 0, .sackok = true)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .mss = 1460, .ws = 3,
	        .sackok = true, .win = WIN_UNSCALED)),
	APP(is_cubic),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	ACCEPTED(),
	APP(is_cubic),
};

static const struct script_step listener_default[] = {
	HANDSHAKE(),
	APP(is_newreno),
};

static const struct script_step config_cubic[] = {
	HANDSHAKE(),
	APP(is_cubic),
};

/* A SYN cookie's connection, made from the ACK alone, gets the listener's
 * module too. */
static const struct script_step cookie_listener_chooses_cubic[] = {
	LISTEN(),
	APP(listen_cubic),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460, .ws = 0, .sackok = true,
	       .ts = TS_ON)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .mss = 1460, .ws = 3,
	        .sackok = true, .ts = TS_ON, .tsval = ANY, .win = WIN_ANY)),
	STATE(TCP_CLOSED),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	STATE(TCP_ESTABLISHED),
	ACCEPTED(),
	APP(is_cubic),
};

static void
cfg_cubic(struct config *cfg)
{
	cfg->tcp_cc = TCP_CC_CHOICE_CUBIC;
}

static void
cfg_cookies(struct config *cfg)
{
	cfg->tcp_syncookies = TCP_SYNCOOKIES_ALWAYS;
}

static void
run(void **state)
{
	assert_int_equal(tcp_script_run(*state), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_newreno_events),
		cmocka_unit_test(test_cubic_k_and_w_cubic),
		cmocka_unit_test(test_cubic_loss_beta_fast_convergence),
		cmocka_unit_test(test_cubic_avoidance_follows_w_cubic),
		cmocka_unit_test(test_cubic_reno_friendly),
		cmocka_unit_test(test_hystart_css_then_avoidance),
		cmocka_unit_test(test_hystart_flat_rtt_stays),
		cmocka_unit_test(test_hystart_spurious_css_and_rto),
		cmocka_unit_test(test_hystart_needs_samples),
		cmocka_unit_test(test_prr_ssrb_bound),
		cmocka_unit_test(test_prr_proportional),
		cmocka_unit_test(test_prr_no_sack),
		SCRIPT_TEST(run, prr_newreno, iw20_newreno),
		SCRIPT_TEST(run, prr_cubic, iw20_cubic),
		SCRIPT_TEST(run, listener_chooses_cubic, NULL),
		SCRIPT_TEST(run, listener_default, NULL),
		SCRIPT_TEST(run, config_cubic, cfg_cubic),
		SCRIPT_TEST(run, cookie_listener_chooses_cubic, cfg_cookies),
	};

	return cmocka_run_group_tests_name("tcp_cc", tests, NULL, NULL);
}
