/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP connection establishment, segment in -> segment out (RFC 9293 3.5,
 * 3.10.7.1-3.10.7.3; RFC 7323 and RFC 2018 option negotiation): passive and
 * active open, simultaneous open, the third packet of the handshake, resets
 * to closed ports, and the ESTABLISHED fixture checked against a handshake.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/tcp.h"
#include "tcp_script.h"

/* RFC 9293 3.5 figure 6 with RFC 7323 and RFC 2018 options: the SYN-ACK
 * answers each option the SYN offered (our window scale follows our 256 KB
 * buffer: 3), the window in a SYN is never scaled (RFC 7323 2.2), and only
 * the third segment makes the connection ESTABLISHED and the application
 * hear of it. */
static const struct script_step passive_open[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460, .ws = 7, .sackok = true,
	       .ts = TS_ON)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .win = WIN_UNSCALED,
	        .mss = 1460, .ws = 3, .sackok = true, .ts = TS_ON)),
	STATE(TCP_SYN_RCVD),
	NO_EVENT(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	OUT_NONE(),
	STATE(TCP_ESTABLISHED),
	ACCEPTED(),
	/* Timestamps are on: the first data segment carries them. */
	APP_SEND(100),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 100,
	        .win = WIN_FREE(0))),
};

/* A SYN without options: no window scaling, SACK or timestamps in the
 * answer, and segments of RFC 9293 3.7.1's default 536 bytes. */
static const struct script_step passive_open_no_options[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .win = WIN_UNSCALED,
	        .mss = 1460)),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	ACCEPTED(),
	APP_SEND(1000),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .len = 536,
	        .win = WIN_UNSCALED)),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 537, .ack = R0 + 1, .len = 464,
	        .win = WIN_UNSCALED)),
	STATE(TCP_ESTABLISHED),
};

/* The SYN-ACK was lost: the peer's retransmitted SYN gets it again, and
 * without one the SYN-ACK is retransmitted after the initial RTO. */
static const struct script_step passive_open_syn_retransmitted[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .mss = 1460,
	        .win = WIN_UNSCALED)),
	ADVANCE_MS(500),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .mss = 1460,
	        .win = WIN_UNSCALED)),
	ADVANCE_MS(499),
	OUT_NONE(),
	WITHIN_MS(1 + WHEEL_SLACK_MS(1000)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .mss = 1460,
	        .win = WIN_UNSCALED)),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	STATE(TCP_ESTABLISHED),
	ACCEPTED(),
};

/* The third segment of the handshake may carry data, or the peer's FIN:
 * both are taken once it has made the connection ESTABLISHED. */
static const struct script_step third_segment_with_data[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .mss = 1460,
	        .win = WIN_UNSCALED)),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	STATE(TCP_ESTABLISHED),
	ACCEPTED(),
	PENDING(100),
	ADVANCE_MS(40),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 101, .win = WIN_UNSCALED)),
	/* Unscaled, the window is at its largest already: reading sends no
	 * update (which the peer would count as a duplicate ACK). */
	APP_RECV(100),
	OUT_NONE(),
};

static const struct script_step third_segment_with_fin[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .mss = 1460,
	        .win = WIN_UNSCALED)),
	IN(SEG(PEER, .flags = TH_ACK | TH_FIN, .seq = R0 + 1, .ack = L0 + 1, .len = 10)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 12, .win = WIN_UNSCALED)),
	STATE(TCP_CLOSE_WAIT),
	ACCEPTED(),
	APP_RECV(10),
	RECV_EOF(),
};

/* A handshake of two packets cannot establish both directions: after SYN
 * and SYN-ACK the listener side knows nothing of whether the peer has our
 * ISN. An ACK that does not acknowledge exactly our SYN is answered with
 * <SEQ=SEG.ACK><CTL=RST> (RFC 9293 3.10.7.4 fifth, SYN-RECEIVED) and the
 * connection stays half open; a segment without ACK is dropped. */
static const struct script_step two_packet_handshake[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .mss = 1460,
	        .win = WIN_UNSCALED)),
	STATE(TCP_SYN_RCVD),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0)),
	OUT(SEG(US, .flags = TH_RST, .seq = L0, .win = 0)),
	STATE(TCP_SYN_RCVD),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 2)),
	OUT(SEG(US, .flags = TH_RST, .seq = L0 + 2, .win = 0)),
	IN(SEG(PEER, .flags = TH_PSH, .seq = R0 + 1, .len = 10)),
	OUT_NONE(),
	STATE(TCP_SYN_RCVD),
	NO_EVENT(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	STATE(TCP_ESTABLISHED),
	ACCEPTED(),
};

/* RFC 9293 3.10.7.2: an ACK to a listener is bad, whatever it acknowledges:
 * <SEQ=SEG.ACK><CTL=RST>, and no connection. A RST is ignored. */
static const struct script_step listen_ack[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = 12345)),
	OUT(SEG(US, .flags = TH_RST, .seq = 12345, .win = 0)),
	IN(SEG(PEER, .flags = TH_SYN | TH_ACK, .seq = R0, .ack = 777, .mss = 1460)),
	OUT(SEG(US, .flags = TH_RST, .seq = 777, .win = 0)),
	IN(SEG(PEER, .flags = TH_RST, .seq = R0 + 1)),
	OUT_NONE(),
	STATE(TCP_CLOSED),
	NO_EVENT(),
};

/* A RST for a half-open passive connection the application never saw:
 * gone, quietly (RFC 9293 3.10.7.4 second, SYN-RECEIVED). */
static const struct script_step syn_rcvd_reset[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .mss = 1460,
	        .win = WIN_UNSCALED)),
	IN(SEG(PEER, .flags = TH_RST, .seq = R0 + 1)),
	OUT_NONE(),
	STATE(TCP_CLOSED),
	NO_EVENT(),
};

/* RFC 9293 3.10.7.1: no connection and no listener. An ACK-bearing segment
 * gets <SEQ=SEG.ACK><CTL=RST>; otherwise <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
 * <CTL=RST,ACK>, SYN and FIN counted. A RST gets nothing. */
static const struct script_step closed_port[] = {
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	OUT(SEG(US, .flags = TH_RST | TH_ACK, .seq = 0, .ack = R0 + 1, .win = 0)),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = 5000)),
	OUT(SEG(US, .flags = TH_RST, .seq = 5000, .win = 0)),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = 0xfffffffe, .len = 100)),
	OUT(SEG(US, .flags = TH_RST, .seq = 0xfffffffe, .win = 0)),
	IN(SEG(PEER, .flags = TH_FIN | TH_PSH, .seq = R0 + 1, .len = 10)),
	OUT(SEG(US, .flags = TH_RST | TH_ACK, .seq = 0, .ack = R0 + 12, .win = 0)),
	IN(SEG(PEER, .flags = TH_RST, .seq = R0 + 1)),
	IN(SEG(PEER, .flags = TH_RST | TH_ACK, .seq = R0 + 1, .ack = 1)),
	OUT_NONE(),
	STATE(TCP_CLOSED),
};

/* tern_connect: a SYN offering every option (RFC 7323, RFC 2018), the
 * SYN-ACK acknowledged at once, the connected callback. */
static const struct script_step active_open[] = {
	CONNECT(),
	OUT(SEG(US, .flags = TH_SYN, .seq = L0, .win = WIN_UNSCALED, .mss = 1460, .ws = 3,
	        .sackok = true, .ts = TS_ON)),
	STATE(TCP_SYN_SENT),
	NO_EVENT(),
	IN(SEG(PEER, .flags = TH_SYN | TH_ACK, .seq = R0, .ack = L0 + 1, .mss = 1400, .ws = 2,
	       .sackok = true, .ts = TS_ON)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	STATE(TCP_ESTABLISHED),
	CONNECTED(),
	/* The peer's MSS (1400, less 12 bytes of timestamps) sizes our segments. */
	APP_SEND(2000),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .len = 1388,
	        .win = WIN_FREE(0))),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1389, .ack = R0 + 1, .len = 612,
	        .win = WIN_FREE(0))),
};

/* Data given to tern_connect's connection before it is established goes
 * with the first segment after the SYN-ACK, the ACK in it. */
static const struct script_step connect_send_early[] = {
	CONNECT(),
	OUT(SEG(US, .flags = TH_SYN, .seq = L0, .mss = 1460, .ws = 3, .sackok = true, .ts = TS_ON,
	        .win = WIN_UNSCALED)),
	APP_SEND(100),
	OUT_NONE(),
	IN(SEG(PEER, .flags = TH_SYN | TH_ACK, .seq = R0, .ack = L0 + 1, .mss = 1460)),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 100,
	        .win = WIN_UNSCALED)),
	CONNECTED(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 101)),
	OUT_NONE(),
};

/* The peer answers without options: none are used (RFC 7323 1.3, 2.2). */
static const struct script_step active_open_peer_without_options[] = {
	CONNECT(),
	OUT(SEG(US, .flags = TH_SYN, .seq = L0, .mss = 1460, .ws = 3, .sackok = true, .ts = TS_ON,
	        .win = WIN_UNSCALED)),
	IN(SEG(PEER, .flags = TH_SYN | TH_ACK, .seq = R0, .ack = L0 + 1, .win = 8192)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_UNSCALED)),
	CONNECTED(),
	APP_SEND(600),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .len = 536,
	        .win = WIN_UNSCALED)),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 537, .ack = R0 + 1, .len = 64,
	        .win = WIN_UNSCALED)),
};

/* RFC 9293 3.10.7.3: in SYN-SENT an ACK outside (ISS, SND.NXT] gets
 * <SEQ=SEG.ACK><CTL=RST> and changes nothing (with RST: dropped); a RST
 * that acknowledges our SYN refuses the connection. */
static const struct script_step active_open_refused[] = {
	CONNECT(),
	OUT(SEG(US, .flags = TH_SYN, .seq = L0, .mss = 1460, .ws = 3, .sackok = true, .ts = TS_ON,
	        .win = WIN_UNSCALED)),
	IN(SEG(PEER, .flags = TH_SYN | TH_ACK, .seq = R0, .ack = L0, .mss = 1460)),
	OUT(SEG(US, .flags = TH_RST, .seq = L0, .win = 0)),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0, .ack = L0 + 2)),
	OUT(SEG(US, .flags = TH_RST, .seq = L0 + 2, .win = 0)),
	IN(SEG(PEER, .flags = TH_RST | TH_ACK, .seq = R0, .ack = L0 + 2)),
	IN(SEG(PEER, .flags = TH_RST, .seq = R0)),
	OUT_NONE(),
	STATE(TCP_SYN_SENT),
	NO_EVENT(),
	IN(SEG(PEER, .flags = TH_RST | TH_ACK, .seq = 0, .ack = L0 + 1)),
	OUT_NONE(),
	STATE(TCP_CLOSED),
	CLOSED(-ECONNREFUSED),
};

/* RFC 9293 3.5 figure 8: the SYNs cross. Each side answers the other's SYN
 * with a SYN-ACK from SYN-RECEIVED; the peer's SYN-ACK completes ours. */
static const struct script_step simultaneous_open[] = {
	CONNECT(),
	OUT(SEG(US, .flags = TH_SYN, .seq = L0, .mss = 1460, .ws = 3, .sackok = true, .ts = TS_ON,
	        .win = WIN_UNSCALED)),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460, .ws = 7, .sackok = true,
	       .ts = TS_ON)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .mss = 1460, .ws = 3,
	        .sackok = true, .ts = TS_ON, .win = WIN_UNSCALED)),
	STATE(TCP_SYN_RCVD),
	NO_EVENT(),
	IN(SEG(PEER, .flags = TH_SYN | TH_ACK, .seq = R0, .ack = L0 + 1, .mss = 1460, .ws = 7,
	       .sackok = true, .ts = TS_ON)),
	OUT_NONE(),
	STATE(TCP_ESTABLISHED),
	CONNECTED(),
	APP_SEND(10),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 10,
	        .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 11)),
	OUT_NONE(),
};

/* Simultaneous open where the peer answers our SYN-ACK with a plain ACK. */
static const struct script_step simultaneous_open_ack[] = {
	CONNECT(),
	OUT(SEG(US, .flags = TH_SYN, .seq = L0, .mss = 1460, .ws = 3, .sackok = true, .ts = TS_ON,
	        .win = WIN_UNSCALED)),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .mss = 1460,
	        .win = WIN_UNSCALED)),
	STATE(TCP_SYN_RCVD),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	OUT_NONE(),
	STATE(TCP_ESTABLISHED),
	CONNECTED(),
};

/* Closed in SYN_RCVD (a simultaneous open, the application gives up before
 * the handshake completes): RFC 9293 3.10.4 sends the FIN once ESTABLISHED.
 * The ACK of our SYN then makes the connection ESTABLISHED and at once
 * FIN_WAIT_1, and the FIN follows. Found by fuzz_engine (its input is in
 * tests/fuzz/corpus/engine/engine-close-in-syn-rcvd): the state went to
 * FIN_WAIT_1 at the close, and the ACK of the SYN, taken there as an ACK of
 * one byte of data, trimmed an empty send queue to 4 GiB less one. */
static const struct script_step simultaneous_open_close[] = {
	CONNECT(),
	OUT(SEG(US, .flags = TH_SYN, .seq = L0, .mss = 1460, .ws = 3, .sackok = true, .ts = TS_ON,
	        .win = WIN_UNSCALED)),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .mss = 1460,
	        .win = WIN_UNSCALED)),
	STATE(TCP_SYN_RCVD),
	APP_CLOSE(),
	OUT_NONE(),
	STATE(TCP_SYN_RCVD),
	/* ESTABLISHED and at once FIN_WAIT_1: the application that closed
	 * hears no "connected". */
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	/* The peer offered no window scale: our window is the field's 65535. */
	OUT(SEG(US, .flags = TH_FIN | TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = 65535)),
	STATE(TCP_FIN_WAIT_1),
	IN(SEG(PEER, .flags = TH_FIN | TH_ACK, .seq = R0 + 1, .ack = L0 + 2)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2, .ack = R0 + 2, .win = 65535)),
	STATE(TCP_TIME_WAIT),
	CLOSED(0),
};

/* ---- the ESTABLISHED fixture equals a scripted handshake ---------------- */

enum {
	SN_STATE,
	SN_FLAGS,
	SN_MSS,
	SN_SND_UNA,
	SN_SND_NXT,
	SN_SND_MAX,
	SN_SND_WND,
	SN_SND_WL1,
	SN_SND_WL2,
	SN_SND_ISS,
	SN_SND_WSCALE,
	SN_RCV_NXT,
	SN_RCV_WND,
	SN_RCV_ADV,
	SN_RCV_IRS,
	SN_RCV_WSCALE,
	SN_TS_RECENT,
	SN_TS_RECENT_TICK,
	SN_SEGS_UNACKED,
	SN_SNDQ_LEN,
	SN_RCVQ_LEN,
	SN_SND_BUF,
	SN_RCV_BUF,
	SN_NB_OOO,
	SN_CWND,
	SN_SSTHRESH,
	SN_RECOVER,
	SN_DUPACKS,
	SN_BACKOFF,
	SN_SRTT,
	SN_RTTVAR,
	SN_RTO,
	SN_REXMT_KIND,
	SN_REXMT_PENDING,
	SN_DELACK_PENDING,
	SN_KEEPALIVE_PENDING,
	SN_KEEPALIVE_IDLE,
	SN_LAST_RX_TICK,
	SN_HAS_OPS,
	SN_ARG_IS_RUN,
	SN_MAX
};

static const char *const snap_names[SN_MAX] = {
	"state",
	"flags",
	"mss",
	"snd.una",
	"snd.nxt",
	"snd.max",
	"snd.wnd",
	"snd.wl1",
	"snd.wl2",
	"snd.iss",
	"snd.wscale",
	"rcv.nxt",
	"rcv.wnd",
	"rcv.adv",
	"rcv.irs",
	"rcv.wscale",
	"ts_recent",
	"ts_recent_tick",
	"segs_unacked",
	"sndq_len",
	"rcvq_len",
	"snd_buf",
	"rcv_buf",
	"nb_ooo",
	"cwnd",
	"ssthresh",
	"recover",
	"dupacks",
	"backoff",
	"srtt_us8",
	"rttvar_us4",
	"rto_ms",
	"rexmt_kind",
	"rexmt pending",
	"delack pending",
	"keepalive pending",
	"keepalive_idle_s",
	"last_rx_tick",
	"ops",
	"arg",
};

/* [variant][0: scripted, 1: fixture] */
struct sanity {
	uint32_t snap[SCRIPT_VARIANTS][2][SN_MAX];
	bool taken[SCRIPT_VARIANTS][2];
	unsigned which;
};

/* Every field of the control block, relative to the bases of the run. */
static int
snap_take(struct script_run *r)
{
	struct sanity *s = script_user(r);
	struct tcb *t = script_tcb(r);
	uint32_t l0 = script_value(r, L0), r0 = script_value(r, R0), tsp = script_value(r, TSP);
	uint32_t t0 = script_value(r, TSL);
	uint32_t *v = s->snap[script_variant(r)][s->which];

	if (t == NULL)
		return script_fail(r, "no connection to take a snapshot of");
	v[SN_STATE] = t->state;
	v[SN_FLAGS] = t->flags & ~(uint32_t)TF_IN_OUTPUT;
	v[SN_MSS] = t->mss;
	v[SN_SND_UNA] = t->snd.una - l0;
	v[SN_SND_NXT] = t->snd.nxt - l0;
	v[SN_SND_MAX] = t->snd.max - l0;
	v[SN_SND_WND] = t->snd.wnd;
	v[SN_SND_WL1] = t->snd.wl1 - r0;
	v[SN_SND_WL2] = t->snd.wl2 - l0;
	v[SN_SND_ISS] = t->snd.iss - l0;
	v[SN_SND_WSCALE] = t->snd.wscale;
	v[SN_RCV_NXT] = t->rcv.nxt - r0;
	v[SN_RCV_WND] = t->rcv.wnd;
	v[SN_RCV_ADV] = t->rcv.adv - r0;
	v[SN_RCV_IRS] = t->rcv.irs - r0;
	v[SN_RCV_WSCALE] = t->rcv.wscale;
	v[SN_TS_RECENT] = t->ts_recent - ((t->flags & TF_TS_OK) ? tsp : 0);
	v[SN_TS_RECENT_TICK] = (t->flags & TF_TS_OK) ? (uint32_t)t->ts_recent_tick - t0 : 0;
	v[SN_SEGS_UNACKED] = t->segs_unacked;
	v[SN_SNDQ_LEN] = t->sndq_len;
	v[SN_RCVQ_LEN] = t->rcvq_len;
	v[SN_SND_BUF] = t->snd_buf;
	v[SN_RCV_BUF] = t->rcv_buf;
	v[SN_NB_OOO] = t->nb_ooo;
	v[SN_CWND] = t->cwnd;
	v[SN_SSTHRESH] = t->ssthresh;
	v[SN_RECOVER] = t->recover - l0;
	v[SN_DUPACKS] = t->dupacks;
	v[SN_BACKOFF] = t->backoff;
	v[SN_SRTT] = t->srtt_us8;
	v[SN_RTTVAR] = t->rttvar_us4;
	v[SN_RTO] = t->rto_ms;
	v[SN_REXMT_KIND] = t->rexmt_kind;
	v[SN_REXMT_PENDING] = timer_pending(&t->rexmt);
	v[SN_DELACK_PENDING] = timer_pending(&t->delack);
	v[SN_KEEPALIVE_PENDING] = timer_pending(&t->keepalive);
	v[SN_KEEPALIVE_IDLE] = t->keepalive_idle_s;
	v[SN_LAST_RX_TICK] = (uint32_t)t->last_rx_tick - t0;
	v[SN_HAS_OPS] = t->ops != NULL;
	v[SN_ARG_IS_RUN] = t->arg == (void *)r;
	s->taken[script_variant(r)][s->which] = true;
	return 0;
}

static const struct script_step handshake_snap[] = {
	HANDSHAKE(),
	APP(snap_take),
};

static const struct script_step handshake_ts_snap[] = {
	HANDSHAKE_TS(),
	APP(snap_take),
};

static const struct script_step fixture_snap[] = {
	ESTABLISHED(),
	APP(snap_take),
};

static const struct script_step fixture_ts_snap[] = {
	ESTABLISHED_TS(),
	APP(snap_take),
};

static void
sanity_compare(const struct script_step *scripted, unsigned nb_scripted,
               const struct script_step *fixture, unsigned nb_fixture)
{
	struct sanity s = { 0 };
	struct tcp_script a = { .name = "handshake",
		                .steps = scripted,
		                .nb_steps = nb_scripted,
		                .user = &s,
		                .file = __FILE__ };
	struct tcp_script b = { .name = "fixture",
		                .steps = fixture,
		                .nb_steps = nb_fixture,
		                .user = &s,
		                .file = __FILE__ };
	unsigned bad = 0;

	s.which = 0;
	assert_int_equal(tcp_script_run(&a), 0);
	s.which = 1;
	assert_int_equal(tcp_script_run(&b), 0);
	for (unsigned v = 0; v < SCRIPT_VARIANTS; v++) {
		assert_true(s.taken[v][0] && s.taken[v][1]);
		for (unsigned i = 0; i < SN_MAX; i++) {
			if (s.snap[v][0][i] == s.snap[v][1][i])
				continue;
			print_error("variant %u: %s: handshake %u (0x%x), fixture %u (0x%x)\n", v,
			            snap_names[i], s.snap[v][0][i], s.snap[v][0][i],
			            s.snap[v][1][i], s.snap[v][1][i]);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* The fixture ESTABLISHED() is the state a handshake reaches. */
static void
test_fixture_sanity(void **state)
{
	(void)state;
	sanity_compare(handshake_snap, RTE_DIM(handshake_snap), fixture_snap,
	               RTE_DIM(fixture_snap));
}

/* ESTABLISHED_TS(), with timestamps. */
static void
test_fixture_ts_sanity(void **state)
{
	(void)state;
	sanity_compare(handshake_ts_snap, RTE_DIM(handshake_ts_snap), fixture_ts_snap,
	               RTE_DIM(fixture_ts_snap));
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
		SCRIPT_TEST(run, passive_open, NULL),
		SCRIPT_TEST(run, passive_open_no_options, NULL),
		SCRIPT_TEST(run, passive_open_syn_retransmitted, NULL),
		SCRIPT_TEST(run, third_segment_with_data, NULL),
		SCRIPT_TEST(run, third_segment_with_fin, NULL),
		SCRIPT_TEST(run, two_packet_handshake, NULL),
		SCRIPT_TEST(run, listen_ack, NULL),
		SCRIPT_TEST(run, syn_rcvd_reset, NULL),
		SCRIPT_TEST(run, closed_port, NULL),
		SCRIPT_TEST(run, active_open, NULL),
		SCRIPT_TEST(run, connect_send_early, NULL),
		SCRIPT_TEST(run, active_open_peer_without_options, NULL),
		SCRIPT_TEST(run, active_open_refused, NULL),
		SCRIPT_TEST(run, simultaneous_open, NULL),
		SCRIPT_TEST(run, simultaneous_open_ack, NULL),
		SCRIPT_TEST(run, simultaneous_open_close, NULL),
		cmocka_unit_test(test_fixture_sanity),
		cmocka_unit_test(test_fixture_ts_sanity),
	};

	return cmocka_run_group_tests_name("tcp_handshake", tests, NULL, NULL);
}
