/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What congestion control keeps in every control block: the state of the
 * connection's module (one union, sized by the largest) and Proportional
 * Rate Reduction's counters (RFC 6937 3), which every module shares.
 *
 *   tcp_cb.h embeds these -> tcp_cc.c, tcp_prr.c and the modules use them
 */
#ifndef TERN_TCP_CC_STATE_H
#define TERN_TCP_CC_STATE_H

#include <stdbool.h>
#include <stdint.h>

/* HyStart++ (RFC 9406 4.2): the RTT of this round and the last, in
 * microseconds (UINT32_MAX: none yet), and Conservative Slow Start. */
struct cc_hystart {
	uint32_t window_end;   /* the round ends when this is acked */
	uint32_t last_min_rtt; /* lastRoundMinRTT */
	uint32_t cur_min_rtt;  /* currentRoundMinRTT */
	uint32_t css_baseline; /* cssBaselineMinRtt */
	uint16_t samples;      /* rttSampleCount */
	uint8_t css_rounds;    /* rounds spent in CSS */
	uint8_t phase;         /* enum cc_hystart_phase */
	bool started;          /* the first round has begun */
};

/* CUBIC (RFC 9438 4): windows in bytes, times in microseconds. */
struct cc_cubic {
	uint64_t epoch_us;   /* start of this congestion avoidance stage (0: none) */
	uint32_t w_max;      /* W_max: the window before the last reduction */
	uint32_t cwnd_epoch; /* cwnd_epoch: cwnd when the stage began */
	uint32_t cwnd_prior; /* cwnd_prior: cwnd before the last reduction */
	uint32_t w_est;      /* W_est: what Reno would have (the Reno-friendly region) */
	uint32_t k_ms;       /* K in milliseconds */
	uint32_t w_est_frac; /* W_est's growth below one byte, x 2^16 */
	uint32_t cwnd_frac;  /* cwnd's growth below one byte, x 2^16 */
	struct cc_hystart hystart;
};

/* One member per module with state (NewReno has none). */
union tcp_cc_priv {
	struct cc_cubic cubic;
};

/* RFC 6937 3, in bytes; valid while TF_IN_RECOVERY. */
struct tcp_prr {
	uint32_t delivered;  /* prr_delivered */
	uint32_t out;        /* prr_out */
	uint32_t recover_fs; /* RecoverFS: FlightSize when recovery began */
	uint32_t sndcnt;     /* what the last ACK allows, less what went since */
	/* Without SACK, the bytes duplicate ACKs say arrived above snd.una (one
	 * MSS each, RFC 6937 3): what a SACK scoreboard would hold. */
	uint32_t dup_bytes;
};

#endif /* TERN_TCP_CC_STATE_H */
