/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP timers, segment in -> segment out against the fake clock: the
 * retransmission timeout (RFC 6298: initial 1 s, never early, doubled per
 * retry, reset after the configured retries), SYN and SYN-ACK retries,
 * zero-window probes (RFC 9293 3.8.6.1), keepalive (RFC 1122 4.2.3.6) and
 * the orphaned FIN_WAIT_2. A timer of d ms fires in [d, d + WHEEL_SLACK_MS(d)]:
 * ADVANCE_MS(d - 1), OUT_NONE() shows it is not early, WITHIN_MS() that it
 * is not later than the wheel allows.
 *
 * ESTABLISHED() has no RTT sample yet: its RTO is the initial 1 s.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/tcp.h"
#include "tcp_script.h"
#include "tern.h"

static void
three_retries(struct config *cfg)
{
	cfg->tcp_retries = 3;
}

/* RFC 6298 2.1, 5.4-5.6: the first retransmission after the initial RTO,
 * then 2 s, 4 s; after `retries` retransmissions the connection is reset. */
static const struct script_step rto_backoff_reset[] = {
	ESTABLISHED(),
	APP_SEND(1000),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 1000,
	        .win = WIN_FREE(0))),
	AFTER_MS(1000),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 1000,
	        .win = WIN_FREE(0))),
	AFTER_MS(2000),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 1000,
	        .win = WIN_FREE(0))),
	AFTER_MS(4000),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 1000,
	        .win = WIN_FREE(0))),
	STATE(TCP_ESTABLISHED),
	NO_EVENT(),
	AFTER_MS(8000),
	/* WIN_ANY: a RST's window means nothing to the peer, which checks only
	 * its sequence number (RFC 9293 3.10.7.4 second, RFC 5961 3.2). */
	OUT(SEG(US, .flags = TH_RST | TH_ACK, .seq = L0 + 1001, .ack = R0 + 1, .win = WIN_ANY)),
	STATE(TCP_CLOSED),
	CLOSED(-ETIMEDOUT),
};

/* After a timeout only one segment goes (cwnd = 1 MSS, RFC 5681 3.1); its
 * ACK lets the rest follow, and the backoff is forgotten. */
static const struct script_step rto_go_back[] = {
	ESTABLISHED(),
	APP_SEND(4000),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1461, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 2921, .ack = R0 + 1, .len = 1080,
	        .win = WIN_FREE(0))),
	AFTER_MS(1000),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	OUT_NONE(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1461)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1461, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 2921, .ack = R0 + 1, .len = 1080,
	        .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 4001)),
	OUT_NONE(),
	ADVANCE_MS(10000),
	OUT_NONE(),
};

/* Segment k (from 0) of a run of full segments from L0 + 1, and the
 * peer's ACK of the first k. */
#define GBN_SEG_F(k, f)                                                                            \
	SEG(US, .flags = (f), .seq = L0 + 1 + 1460 * (k), .ack = R0 + 1, .len = 1460,              \
	    .win = WIN_FREE(0))
#define GBN_SEG(k) GBN_SEG_F(k, TH_ACK)
#define GBN_ACK(k) IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1 + 1460 * (k)))
#define GBN_FLIGHT_OF_TEN()                                                                        \
	APP_SEND(14600), OUT(GBN_SEG(0)), OUT(GBN_SEG(1)), OUT(GBN_SEG(2)), OUT(GBN_SEG(3)),       \
	        OUT(GBN_SEG(4)), OUT(GBN_SEG(5)), OUT(GBN_SEG(6)), OUT(GBN_SEG(7)),                \
	        OUT(GBN_SEG(8)), OUT(GBN_SEG_F(9, TH_ACK | TH_PSH)), OUT_NONE()

static int
in_recovery_ssthresh_4380(struct script_run *r)
{
	const struct tcb *tcb = script_tcb(r);

	return (tcb->flags & TF_IN_RECOVERY) && tcb->ssthresh == 4380 ? 0 : -1;
}

static int
recovered_at_4380(struct script_run *r)
{
	const struct tcb *tcb = script_tcb(r);

	return !(tcb->flags & TF_IN_RECOVERY) && tcb->ssthresh == 4380 && tcb->cwnd == 4380 ? 0
	                                                                                    : -1;
}

/* RFC 6582 4.2 (the ACK heuristic): a flight of ten is lost and resent
 * after the timeout, one more segment per ACK of one (slow start). Segment
 * 3 is lost again: 4, 5 and 6 draw three duplicates. They are not past
 * `recover` (RFC 6582 3.2 step 1), but the last ACK moved one segment, so
 * the peer is getting what we resend: segment 3 goes at once, not after
 * the next, backed-off, timeout. Without SACK (RACK finds a lost
 * retransmission with it). A simulation (seed 108168: no SACK, a fifth of
 * the frames tail-dropped) moved one loss per 2 s timeout. */
static const struct script_step rto_then_loss_fast_retransmit[] = {
	ESTABLISHED(),
	GBN_FLIGHT_OF_TEN(),
	AFTER_MS(1000),
	OUT(GBN_SEG(0)),
	OUT_NONE(),
	GBN_ACK(1),
	OUT(GBN_SEG(1)),
	OUT(GBN_SEG(2)),
	OUT_NONE(),
	GBN_ACK(2),
	OUT(GBN_SEG(3)),
	OUT(GBN_SEG(4)),
	OUT_NONE(),
	GBN_ACK(3),
	OUT(GBN_SEG(5)),
	OUT(GBN_SEG(6)),
	OUT_NONE(),
	/* Limited transmit (RFC 3042) goes on in order. */
	GBN_ACK(3),
	OUT(GBN_SEG(7)),
	OUT_NONE(),
	GBN_ACK(3),
	OUT(GBN_SEG(8)),
	OUT_NONE(),
	GBN_ACK(3),
	OUT(GBN_SEG(3)),
	OUT_NONE(),
	/* Recovery halves what was resent, not the whole flight of ten
	 * (tcp_flight_size): ssthresh = 8760 / 2 (segments 3 to 8 out).
	 * Three of them arrived, so pipe is 4380 too: PRR lets no more out
	 * (RFC 6937 PRR-SSRB: ssthresh - pipe = 0). */
	APP(in_recovery_ssthresh_4380),
	/* Segment 3 arrives: the peer holds all to segment 9. A partial ACK
	 * (recover is snd.max, ten segments), but segment 9 has not gone
	 * since the timeout: it goes once, as go-back-N sends it, not also as
	 * NewReno's retransmission (RFC 6582 3.2 step 3). */
	GBN_ACK(9),
	OUT(GBN_SEG_F(9, TH_ACK | TH_PSH)),
	OUT_NONE(),
	/* The full ACK ends recovery at cwnd = ssthresh. */
	GBN_ACK(10),
	OUT_NONE(),
	APP(recovered_at_4380),
};

/* RFC 6582 4.2's other side: the ACKs were lost, not the data. The segment
 * resent after the timeout draws an ACK of all ten; duplicates of that ACK
 * after new data went (the network copied it, or copies of what we resent
 * arrived) come after an ACK that moved ten segments: the peer had what we
 * resent, they mean no loss, and nothing is resent. */
static const struct script_step rto_then_spurious_duplicates[] = {
	ESTABLISHED(),   GBN_FLIGHT_OF_TEN(), AFTER_MS(1000),
	OUT(GBN_SEG(0)), OUT_NONE(),          GBN_ACK(10),
	APP_SEND(2920),  OUT(GBN_SEG(10)),    OUT(GBN_SEG_F(11, TH_ACK | TH_PSH)),
	OUT_NONE(),      GBN_ACK(10),         OUT_NONE(),
	GBN_ACK(10),     OUT_NONE(),          GBN_ACK(10),
	OUT_NONE(),      ADVANCE_MS(100),     GBN_ACK(12),
	OUT_NONE(),
};

/* RFC 6298 2.2-2.3: a measured RTT of 100 ms gives RTO = SRTT + 4 RTTVAR
 * = 100 + 4 x 50 = 300 ms. */
static const struct script_step rto_from_rtt[] = {
	ESTABLISHED(),
	APP_SEND(100),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 100,
	        .win = WIN_FREE(0))),
	ADVANCE_MS(100),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 101)),
	APP_SEND(100),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 101, .ack = R0 + 1, .len = 100,
	        .win = WIN_FREE(0))),
	AFTER_MS(300),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 101, .ack = R0 + 1, .len = 100,
	        .win = WIN_FREE(0))),
	AFTER_MS(600),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 101, .ack = R0 + 1, .len = 100,
	        .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 201)),
	OUT_NONE(),
};

/* RFC 8985 7: with an RTT of 100 ms (SRTT 100, RTO 300) a silent flight is
 * probed after 2 SRTT by resending its last segment's worth of bytes (one
 * full segment ending at snd.max); when the probe brings
 * nothing back either, the flight is recovered as after three duplicate ACKs
 * (first segment resent, cwnd halved) instead of waiting for the RTO. */
static const struct script_step tail_loss_probe[] = {
	ESTABLISHED(),
	APP_SEND(100),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 100,
	        .win = WIN_FREE(0))),
	ADVANCE_MS(100),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 101)),
	APP_SEND(2000),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 101, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1561, .ack = R0 + 1, .len = 540,
	        .win = WIN_FREE(0))),
	AFTER_MS(200),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 641, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	AFTER_MS(200),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 101, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	/* The peer had the tail: one ACK covers everything. */
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 2101)),
	OUT_NONE(),
	ADVANCE_MS(10000),
	OUT_NONE(),
};

/* Segment k (from 0) of a run of full segments that starts at L0 + 101. */
#define KARN_SEG_F(k, f)                                                                           \
	SEG(US, .flags = (f), .seq = L0 + 101 + 1460 * (k), .ack = R0 + 1, .len = 1460,            \
	    .win = WIN_FREE(0))
#define KARN_SEG(k) KARN_SEG_F(k, TH_ACK)
#define KARN_ACK(k) IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 101 + 1460 * (k)))

/* Karn (RFC 6298 3): a segment sent in recovery past two holes is timed;
 * the second hole's retransmission (after the partial ACK) lies below it,
 * so the ACK that covers it times the repair too and must give no sample.
 * The RTT is 100 ms (RTO 250: SRTT 100, RTTVAR 37.5 after the second
 * sample); the ACK that covers the timed segment comes 200 ms after it was
 * sent. Taken as a sample it would make the RTO 325 ms (SRTT 112.5,
 * RTTVAR 53.1). A simulation (seed 6515, corrupt) timed a whole recovery,
 * 29 s, pinned the RTO at its maximum and stalled. */
static const struct script_step karn_no_sample_across_retransmission[] = {
	ESTABLISHED(),
	APP_SEND(100),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 100,
	        .win = WIN_FREE(0))),
	ADVANCE_MS(100),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 101)),
	APP_SEND(14600),
	OUT(KARN_SEG(0)),
	OUT(KARN_SEG(1)),
	OUT(KARN_SEG(2)),
	OUT(KARN_SEG(3)),
	OUT(KARN_SEG(4)),
	OUT(KARN_SEG(5)),
	OUT(KARN_SEG(6)),
	OUT(KARN_SEG(7)),
	OUT(KARN_SEG(8)),
	OUT(KARN_SEG_F(9, TH_ACK | TH_PSH)),
	OUT_NONE(),
	ADVANCE_MS(100),
	KARN_ACK(1),
	OUT_NONE(),
	/* Segments 1 and 2 were lost; 3 to 9 arrive. Without SACK each
	 * duplicate says a segment arrived (RFC 6937 3); the third resends
	 * segment 1 (ssthresh 6570, RecoverFS 13140). */
	KARN_ACK(1),
	OUT_NONE(),
	KARN_ACK(1),
	OUT_NONE(),
	KARN_ACK(1),
	OUT(KARN_SEG(1)),
	OUT_NONE(),
	/* More to send: PRR lets new segments go as duplicates come, the
	 * first (segment 10) timed, as nothing else is. */
	APP_SEND(2920),
	OUT_NONE(),
	KARN_ACK(1),
	OUT_NONE(),
	KARN_ACK(1),
	OUT_NONE(),
	KARN_ACK(1),
	OUT(KARN_SEG(10)),
	OUT_NONE(),
	KARN_ACK(1),
	OUT(KARN_SEG_F(11, TH_ACK | TH_PSH)),
	OUT_NONE(),
	/* Segment 1 repaired: a partial ACK, and segment 2 goes at once
	 * (RFC 6582 3.2 step 3). */
	KARN_ACK(2),
	OUT(KARN_SEG(2)),
	OUT_NONE(),
	ADVANCE_MS(200),
	KARN_ACK(12),
	OUT_NONE(),
	/* The RTO is still 250 ms. */
	APP_SEND(100),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 101 + 1460 * 12, .ack = R0 + 1,
	        .len = 100, .win = WIN_FREE(0))),
	AFTER_MS(250),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 101 + 1460 * 12, .ack = R0 + 1,
	        .len = 100, .win = WIN_FREE(0))),
};

static void
no_sack(struct config *cfg)
{
	cfg->tcp_sack = false;
}

static void
tlp_on(struct config *cfg)
{
	cfg->tcp_tail_loss_probe = true;
}

/* With rto_min at 1 s the RTO does not cap the probe timeout. */
static void
tlp_on_rto_min_1s(struct config *cfg)
{
	cfg->tcp_tail_loss_probe = true;
	cfg->tcp_rto_min_ms = 1000;
}

/* RFC 8985 7.2: with one segment in flight PTO = 2 SRTT + WCDelAckT (200
 * ms): the peer may hold its ACK of a lone segment for its delayed-ACK
 * time, and a probe before that resends what arrived (issue 11: the 10 ms
 * floor resent 13-36 k segments a keep-alive run). SRTT is 10 ms: the probe
 * goes 220 ms after the segment, not 20; an ACK delayed 200 ms stops it. */
static const struct script_step tlp_one_segment_waits_delayed_ack[] = {
	ESTABLISHED(),
	APP_SEND(100),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 100,
	        .win = WIN_FREE(0))),
	ADVANCE_MS(10),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 101)),
	APP_SEND(100),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 101, .ack = R0 + 1, .len = 100,
	        .win = WIN_FREE(0))),
	ADVANCE_MS(200),
	OUT_NONE(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 201)),
	OUT_NONE(),
	APP_SEND(100),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 201, .ack = R0 + 1, .len = 100,
	        .win = WIN_FREE(0))),
	/* SRTT is now 10 + (200 - 10) / 8 = 33.75 ms: 2 SRTT + 200 ms. */
	AFTER_MS(268),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 201, .ack = R0 + 1, .len = 100,
	        .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 301)),
	OUT_NONE(),
};

/* RFC 8985 7.2: sending new data restarts the probe timer. The ACK of the
 * first of two segments leaves one in flight and arms PTO = 2 SRTT +
 * WCDelAckT = 220 ms; the application writes two more, and with three in
 * flight the probe is due 2 SRTT after they left, at least 25 ms: not 220
 * ms (the flight's tail waited that long in a lossy bulk transfer, half its
 * goodput at 2% loss). */
static const struct script_step tlp_new_data_restarts_pto[] = {
	ESTABLISHED(),
	APP_SEND(100),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 100,
	        .win = WIN_FREE(0))),
	ADVANCE_MS(10),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 101)),
	APP_SEND(2920),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 101, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1561, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	ADVANCE_MS(10),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1561)),
	APP_SEND(2920),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 3021, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 4481, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	AFTER_MS(25),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 4481, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 5941)),
	OUT_NONE(),
};

/* RFC 8985 7.2 with more than one segment in flight: PTO = 2 SRTT, here 2
 * ms, but at least 25 ms (tcp_timer.c, TCP_PTO_MIN_MS): a loop or a peer not
 * scheduled for 20 ms is no loss. The ACK at 20 ms finds no probe sent; the
 * next flight, unanswered, is probed at 25 ms. */
static const struct script_step tlp_floor_rides_out_scheduling_gap[] = {
	ESTABLISHED(),
	APP_SEND(100),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 100,
	        .win = WIN_FREE(0))),
	ADVANCE_MS(1),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 101)),
	APP_SEND(2920),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 101, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1561, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	ADVANCE_MS(20),
	OUT_NONE(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 3021)),
	OUT_NONE(),
	APP_SEND(2920),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 3021, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 4481, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	AFTER_MS(25),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 4481, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 5941)),
	OUT_NONE(),
};

/* An unacknowledged FIN is retransmitted like data. */
static const struct script_step fin_retransmit[] = {
	ESTABLISHED(),
	APP_CLOSE(),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	AFTER_MS(1000),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_FIN | TH_ACK, .seq = R0 + 1, .ack = L0 + 2)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2, .ack = R0 + 2, .win = WIN_EDGE(262144, 1))),
	STATE(TCP_TIME_WAIT),
	CLOSED(0),
};

#define OUR_SYN()                                                                                  \
	OUT(SEG(US, .flags = TH_SYN, .seq = L0, .mss = 1460, .ws = 3, .sackok = true, .ts = TS_ON, \
	        .win = WIN_UNSCALED))

/* Our SYN: retransmitted after 1, 2, 4, 8 and 16 s (syn_retries 5), then
 * the connection gives up without a RST (the peer has none of our numbers). */
static const struct script_step syn_retries[] = {
	CONNECT(),
	OUR_SYN(),
	AFTER_MS(1000),
	OUR_SYN(),
	AFTER_MS(2000),
	OUR_SYN(),
	AFTER_MS(4000),
	OUR_SYN(),
	AFTER_MS(8000),
	OUR_SYN(),
	AFTER_MS(16000),
	OUR_SYN(),
	STATE(TCP_SYN_SENT),
	NO_EVENT(),
	ADVANCE_MS(32000 - 1),
	STATE(TCP_SYN_SENT),
	ADVANCE_MS(1 + WHEEL_SLACK_MS(32000)),
	OUT_NONE(),
	STATE(TCP_CLOSED),
	CLOSED(-ETIMEDOUT),
};

#define OUR_SYN_ACK()                                                                              \
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .mss = 1460,               \
	        .win = WIN_UNSCALED))

/* A half-open passive connection: the SYN-ACK is retransmitted the same
 * way; when it gives up, the application, which never accepted it, hears
 * nothing. */
static const struct script_step syn_ack_retries[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	OUR_SYN_ACK(),
	AFTER_MS(1000),
	OUR_SYN_ACK(),
	AFTER_MS(2000),
	OUR_SYN_ACK(),
	AFTER_MS(4000),
	OUR_SYN_ACK(),
	AFTER_MS(8000),
	OUR_SYN_ACK(),
	AFTER_MS(16000),
	OUR_SYN_ACK(),
	AFTER_MS(32000),
	/* WIN_ANY: a RST's window means nothing to the peer, which checks only
	 * its sequence number (RFC 9293 3.10.7.4 second, RFC 5961 3.2). */
	OUT(SEG(US, .flags = TH_RST | TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_ANY)),
	STATE(TCP_CLOSED),
	NO_EVENT(),
};

/* RFC 9293 3.8.6.1 lets the probe be any segment the peer must answer: ours
 * is SND.UNA - 1, without data. */
#define PROBE() OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 999, .ack = R0 + 1, .win = WIN_FREE(0)))

/* The peer's window closes with data waiting: zero-window probes after the
 * RTO (200 ms: RTO_min after a 0 ms sample), backing off; they go on as
 * long as the peer answers, and the data goes when the window opens. */
static const struct script_step zero_window_persist[] = {
	ESTABLISHED(),
	APP_SEND(999),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 999,
	        .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1000, .win = 0)),
	APP_SEND(500),
	OUT_NONE(),
	AFTER_MS(200),
	PROBE(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1000, .win = 0)),
	AFTER_MS(400),
	PROBE(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1000, .win = 0)),
	AFTER_MS(800),
	PROBE(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1000, .win = 0)),
	AFTER_MS(1600),
	PROBE(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1000, .win = 1000)),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1000, .ack = R0 + 1, .len = 500,
	        .win = WIN_FREE(0))),
	STATE(TCP_ESTABLISHED),
	/* Probes are not retransmissions: the data, lost, is retransmitted
	 * after the RTO like any other, not given up on. */
	AFTER_MS(200),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1000, .ack = R0 + 1, .len = 500,
	        .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1500)),
	OUT_NONE(),
	STATE(TCP_ESTABLISHED),
};

static void
keepalive_10s(struct config *cfg)
{
	cfg->tcp_keepalive_s = 10;
	cfg->tcp_keepalive_intvl_s = 2;
	cfg->tcp_keepalive_probes = 2;
}

#define KEEPALIVE() OUT(SEG(US, .flags = TH_ACK, .seq = L0, .ack = R0 + 1, .win = WIN_FREE(0)))

/* RFC 1122 4.2.3.6: after the idle time a probe; an answer starts the idle
 * time again; unanswered probes reset the connection. */
static const struct script_step keepalive[] = {
	ESTABLISHED(),
	AFTER_MS(10000),
	KEEPALIVE(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	OUT_NONE(),
	AFTER_MS(10000),
	KEEPALIVE(),
	AFTER_MS(2000),
	KEEPALIVE(),
	AFTER_MS(2000),
	/* WIN_ANY: a RST's window means nothing to the peer, which checks only
	 * its sequence number (RFC 9293 3.10.7.4 second, RFC 5961 3.2). */
	OUT(SEG(US, .flags = TH_RST | TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_ANY)),
	CLOSED(-ETIMEDOUT),
	STATE(TCP_CLOSED),
};

#define DATA_1000()                                                                                \
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 1000,           \
	        .win = WIN_FREE(0)))

/* RFC 1122 4.2.3.6 probes an idle connection. With data unacknowledged the
 * retransmissions are asking the peer already and give up on their own: no
 * probe goes beside them (at 10 s here), as in Linux. Once all is
 * acknowledged, the idle probes resume, the idle time counted from the ACK. */
static const struct script_step keepalive_not_beside_retransmissions[] = {
	ESTABLISHED(),
	APP_SEND(1000),
	DATA_1000(),
	AFTER_MS(1000),
	DATA_1000(),
	AFTER_MS(2000),
	DATA_1000(),
	AFTER_MS(4000),
	DATA_1000(),
	AFTER_MS(8000),
	DATA_1000(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1001)),
	OUT_NONE(),
	AFTER_MS(10000),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1000, .ack = R0 + 1, .win = WIN_FREE(0))),
	STATE(TCP_ESTABLISHED),
};

static int
keepalive_5s_on_this_conn(struct script_run *r)
{
	return tern_set_keepalive(script_conn(r), 5);
}

/* Keepalive is off by default and set per connection: with [tcp]
 * keepalive_s = 0, nothing is sent while idle until the application turns it
 * on for this connection; then probes follow its idle time. */
static const struct script_step keepalive_per_connection[] = {
	ESTABLISHED(),
	ADVANCE_MS(60000),
	OUT_NONE(),
	APP(keepalive_5s_on_this_conn),
	AFTER_MS(5000),
	KEEPALIVE(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	OUT_NONE(),
	APP_ABORT(),
	/* WIN_ANY: a RST's window means nothing to the peer, which checks only
	 * its sequence number (RFC 9293 3.10.7.4 second, RFC 5961 3.2). */
	OUT(SEG(US, .flags = TH_RST | TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_ANY)),
	CLOSED(-ECONNABORTED),
};

/* Closed by the application and acknowledged, the peer never sends its
 * FIN: FIN_WAIT_2 does not last forever (2 MSL here). */
static const struct script_step fin_wait_2_orphan[] = {
	ESTABLISHED(),
	APP_CLOSE(),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 2)),
	STATE(TCP_FIN_WAIT_2),
	ADVANCE_MS(60000 - 1),
	STATE(TCP_FIN_WAIT_2),
	NO_EVENT(),
	ADVANCE_MS(1 + WHEEL_SLACK_MS(60000)),
	OUT_NONE(),
	STATE(TCP_CLOSED),
	CLOSED(0),
};

static void
run(void **state)
{
	assert_int_equal(tcp_script_run(*state), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		SCRIPT_TEST(run, rto_backoff_reset, three_retries),
		SCRIPT_TEST(run, rto_go_back, NULL),
		SCRIPT_TEST(run, rto_from_rtt, NULL),
		SCRIPT_TEST(run, karn_no_sample_across_retransmission, no_sack),
		SCRIPT_TEST(run, rto_then_loss_fast_retransmit, no_sack),
		SCRIPT_TEST(run, rto_then_spurious_duplicates, no_sack),
		SCRIPT_TEST(run, tail_loss_probe, tlp_on),
		SCRIPT_TEST(run, tlp_one_segment_waits_delayed_ack, tlp_on_rto_min_1s),
		SCRIPT_TEST(run, tlp_floor_rides_out_scheduling_gap, tlp_on),
		SCRIPT_TEST(run, tlp_new_data_restarts_pto, tlp_on_rto_min_1s),
		SCRIPT_TEST(run, fin_retransmit, NULL),
		SCRIPT_TEST(run, syn_retries, NULL),
		SCRIPT_TEST(run, syn_ack_retries, NULL),
		SCRIPT_TEST(run, zero_window_persist, three_retries),
		SCRIPT_TEST(run, keepalive, keepalive_10s),
		SCRIPT_TEST(run, keepalive_per_connection, NULL),
		SCRIPT_TEST(run, keepalive_not_beside_retransmissions, keepalive_10s),
		SCRIPT_TEST(run, fin_wait_2_orphan, NULL),
	};

	return cmocka_run_group_tests_name("tcp_timers", tests, NULL, NULL);
}
