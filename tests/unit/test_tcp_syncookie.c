/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN flood defence, segment in -> segment out: SYN cookies (RFC 4987 3.6)
 * with and without timestamps (window scale and SACK ride in our TSval only
 * when there are timestamps), forged and stale cookies, the cookie's layout
 * bit by bit, a cookie connection equal to a handshake's, and the half-open
 * budget ([tcp] syn_backlog) that decides when cookies take over.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "core/config.h"
#include "engine/engine.h"
#include "flow/flow_table.h"
#include "frames.h"
#include "tcp/tcp.h"
#include "tcp_script.h"
#include "tern.h"

/* Windows we advertise, from harness_config_defaults(): a 256 KB receive
 * buffer needs window scale 3 (RFC 7323 2.3); a SYN's window is never
 * scaled (RFC 7323 2.2) and at most 65535. */
#define RCV_BUF          262144u
#define WS_US            3
#define WIN_SYN          65535              /* min(RCV_BUF, 65535) */
#define WIN_NO_WS        65535              /* unscaled: the field's largest */
#define WIN_WS           (RCV_BUF >> WS_US) /* 32768: the whole buffer, scaled */
#define COOKIE_PERIOD_MS 64000              /* tcp_syncookie.c */
#define TS_BITS          0x1fu              /* our TSval's low bits: the options */

static void
cfg_always(struct config *cfg)
{
	cfg->tcp_syncookies = TCP_SYNCOOKIES_ALWAYS;
}

static void
cfg_backlog_2(struct config *cfg)
{
	cfg->tcp_syn_backlog = 2;
}

static void
cfg_backlog_1_quick(struct config *cfg)
{
	cfg->tcp_syn_backlog = 1;
	cfg->tcp_syn_retries = 1;
}

static void
cfg_backlog_1_no_cookies(struct config *cfg)
{
	cfg->tcp_syn_backlog = 1;
	cfg->tcp_syncookies = TCP_SYNCOOKIES_NO;
}

/* ---- helpers for APP() steps --------------------------------------------- */

static struct tcb *
tcb_at(struct harness *h, uint16_t peer_port)
{
	struct flow_key key = {
		.local_ip = rte_cpu_to_be_32(US_IP),
		.remote_ip = rte_cpu_to_be_32(PEER_IP),
		.local_port = rte_cpu_to_be_16(SCRIPT_US_PORT),
		.remote_port = rte_cpu_to_be_16(peer_port),
	};

	return flow_lookup(h->eng->flows, &key, flow_hash(h->eng->flows, &key));
}

/* A segment from the peer's address at @port (MSS 1460 on a SYN); what the
 * engine answered, if anything, in @reply. Returns the number of frames. */
static unsigned
peer_segment(struct harness *h, uint16_t port, uint8_t flags, uint32_t seq, uint32_t ack,
             struct frame_tcp *reply)
{
	struct frame_tcp t = { .src_ip = PEER_IP,
		               .dst_ip = US_IP,
		               .sport = port,
		               .dport = SCRIPT_US_PORT,
		               .seq = seq,
		               .ack = ack,
		               .flags = flags,
		               .win = 65535 };
	struct rte_mbuf *out[8];

	if (flags & TH_SYN) {
		t.opts.has_mss = true;
		t.opts.mss = 1460;
	}
	unsigned n = harness_exchange(h, frame_tcp(h->pool, &harness_iface(h)->mac, &t), out,
	                              RTE_DIM(out));
	memset(reply, 0, sizeof(*reply));
	if (n > 0 && frame_tcp_read(out[0], reply) != 0)
		reply->flags = 0;
	reply->data = NULL;
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(out[i]);
	return n;
}

static int
expect_counts(struct script_run *r, uint32_t syn_rcvd, uint64_t sent, uint64_t accepted,
              uint64_t rejected)
{
	const struct engine *eng = script_harness(r)->eng;

	if (eng->tcp.syn_rcvd != syn_rcvd || eng->stats.tcp_syncookies_sent != sent ||
	    eng->stats.tcp_syncookies_accepted != accepted ||
	    eng->stats.tcp_syncookies_rejected != rejected)
		return script_fail(r,
		                   "half-open %u, cookies sent %lu accepted %lu rejected %lu; "
		                   "expected %u, %lu, %lu, %lu",
		                   eng->tcp.syn_rcvd, eng->stats.tcp_syncookies_sent,
		                   eng->stats.tcp_syncookies_accepted,
		                   eng->stats.tcp_syncookies_rejected, syn_rcvd, sent, accepted,
		                   rejected);
	return 0;
}

static int
one_cookie_sent(struct script_run *r)
{
	if (script_harness(r)->eng->tcp.used != 0)
		return script_fail(r, "a cookie SYN-ACK left a connection behind");
	return expect_counts(r, 0, 1, 0, 0);
}

static int
one_cookie_accepted(struct script_run *r)
{
	return expect_counts(r, 0, 1, 1, 0);
}

/* What the SYN asked for came back through the TSecr and the cookie. */
static int
ts_options_kept(struct script_run *r)
{
	struct tcb *t = script_tcb(r);
	uint32_t want = TF_TS_OK | TF_WS_OK | TF_SACK_OK | TF_PASSIVE;

	if (t == NULL || (t->flags & want) != want)
		return script_fail(r, "timestamps, window scale and SACK not all on");
	if (t->snd.wscale != 7 || t->rcv.wscale != WS_US || t->snd.wnd != 65535u << 7)
		return script_fail(r, "window scales %u/%u, window %u", t->snd.wscale,
		                   t->rcv.wscale, t->snd.wnd);
	if (t->mss != 1300) /* the peer's 1400 rounds down to the table's 1300 */
		return script_fail(r, "mss %u, expected 1300", t->mss);
	return expect_counts(r, 0, 1, 1, 0);
}

static int
no_options(struct script_run *r)
{
	struct tcb *t = script_tcb(r);

	if (t == NULL || (t->flags & (TF_TS_OK | TF_WS_OK | TF_SACK_OK)) != 0)
		return script_fail(r, "options on without timestamps to carry them");
	if (t->snd.wscale != 0 || t->rcv.wscale != 0 || t->mss != 1460)
		return script_fail(r, "window scales %u/%u, mss %u", t->snd.wscale, t->rcv.wscale,
		                   t->mss);
	return expect_counts(r, 0, 1, 1, 0);
}

static int
forged_rejected(struct script_run *r)
{
	const struct engine *eng = script_harness(r)->eng;

	/* L0 + 1 may carry into the period's bits: stale then, not bad. */
	uint64_t bad = eng->stats.drops[DROP_TCP_SYNCOOKIE_BAD];
	uint64_t stale = eng->stats.drops[DROP_TCP_SYNCOOKIE_STALE];

	if (bad + stale != 2 || bad == 0 || eng->tcp.used != 0)
		return script_fail(r, "tcp_syncookie_bad %lu, _stale %lu, connections %u", bad,
		                   stale, eng->tcp.used);
	return expect_counts(r, 0, 1, 0, 2);
}

static int
forged_then_accepted(struct script_run *r)
{
	return expect_counts(r, 0, 1, 1, 2);
}

static int
stale_rejected(struct script_run *r)
{
	const struct engine *eng = script_harness(r)->eng;

	if (eng->stats.drops[DROP_TCP_SYNCOOKIE_STALE] != 1 || eng->tcp.used != 0)
		return script_fail(r, "tcp_syncookie_stale %lu, connections %u",
		                   eng->stats.drops[DROP_TCP_SYNCOOKIE_STALE], eng->tcp.used);
	return expect_counts(r, 0, 1, 0, 1);
}

/* ---- cookies for every SYN ------------------------------------------------ */

/* With timestamps: the SYN-ACK answers every option (its TSval is our clock
 * with the options in its low bits, checked in cookie_layout), no state is
 * kept, the ACK makes the connection ESTABLISHED with window scale, SACK
 * and the MSS of the cookie's table, and data goes both ways. */
static const struct script_step cookie_with_timestamps[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1400, .ws = 7, .sackok = true,
	       .ts = TS_ON)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .win = WIN_SYN, .mss = 1460,
	        .ws = WS_US, .sackok = true, .ts = TS_ON, .tsval = ANY)),
	STATE(TCP_CLOSED),
	APP(one_cookie_sent),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	OUT_NONE(),
	STATE(TCP_ESTABLISHED),
	ACCEPTED(),
	APP(ts_options_kept),
	/* 1300 less 12 bytes of timestamps a segment. */
	APP_SEND(2000),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .len = 1288, .win = WIN_WS)),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1289, .ack = R0 + 1, .len = 712,
	        .win = WIN_WS)),
	/* Out of order: a SACK block at once (RFC 2018 4), then the hole. */
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 101, .ack = L0 + 2001, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2001, .ack = R0 + 1, .win = WIN_WS,
	        .sack = { { R0 + 101, R0 + 201 } })),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 2001, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2001, .ack = R0 + 201,
	        .win = (RCV_BUF - 200) >> WS_US)),
	APP_RECV(200),
	STATE(TCP_ESTABLISHED),
};

/* Without timestamps nothing can carry the options: the SYN-ACK offers
 * neither window scale nor SACK, and the connection has neither. */
static const struct script_step cookie_without_timestamps[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460, .ws = 7, .sackok = true)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .win = WIN_SYN,
	        .mss = 1460)),
	STATE(TCP_CLOSED),
	APP(one_cookie_sent),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	OUT_NONE(),
	STATE(TCP_ESTABLISHED),
	ACCEPTED(),
	APP(no_options),
	APP_SEND(2000),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .len = 1460, .win = WIN_NO_WS)),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1461, .ack = R0 + 1, .len = 540,
	        .win = WIN_NO_WS)),
	/* Out of order: a duplicate ACK, no SACK. */
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 101, .ack = L0 + 2001, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2001, .ack = R0 + 1, .win = WIN_NO_WS)),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 2001, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2001, .ack = R0 + 201, .win = WIN_NO_WS)),
	APP_RECV(200),
};

/* The ACK that completes the handshake may carry data: the connection is
 * opened, then the data taken as in ESTABLISHED. */
static const struct script_step cookie_third_segment_with_data[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .win = WIN_SYN,
	        .mss = 1460)),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	STATE(TCP_ESTABLISHED),
	ACCEPTED(),
	PENDING(100),
	APP(one_cookie_accepted),
	WITHIN_MS(40),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 101, .win = WIN_NO_WS)),
	APP_RECV(100),
};

/* An ACK that does not acknowledge our cookie, or comes with another ISN of
 * the peer's, is answered as RFC 9293 3.10.7.2 answers any ACK to a
 * listener, <SEQ=SEG.ACK><CTL=RST>, and counted; the good one still opens. */
static const struct script_step cookie_forged[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .win = WIN_SYN,
	        .mss = 1460)),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 2)),
	OUT(SEG(US, .flags = TH_RST, .seq = L0 + 2, .win = 0)),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 2, .ack = L0 + 1)),
	OUT(SEG(US, .flags = TH_RST, .seq = L0 + 1, .win = 0)),
	STATE(TCP_CLOSED),
	NO_EVENT(),
	APP(forged_rejected),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	OUT_NONE(),
	STATE(TCP_ESTABLISHED),
	ACCEPTED(),
	APP(forged_then_accepted),
};

/* A cookie is good in the 64-second period of its SYN and the next: a
 * period later it still opens the connection ... */
static const struct script_step cookie_one_period_later[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .win = WIN_SYN,
	        .mss = 1460)),
	ADVANCE_MS(COOKIE_PERIOD_MS),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	OUT_NONE(),
	STATE(TCP_ESTABLISHED),
	ACCEPTED(),
	APP(one_cookie_accepted),
};

/* ... two periods later it is stale: a RST, counted. */
static const struct script_step cookie_stale[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .win = WIN_SYN,
	        .mss = 1460)),
	ADVANCE_MS(2 * COOKIE_PERIOD_MS),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	OUT(SEG(US, .flags = TH_RST, .seq = L0 + 1, .win = 0)),
	STATE(TCP_CLOSED),
	NO_EVENT(),
	APP(stale_rejected),
};

/* ---- the half-open budget -------------------------------------------------- */

#define OTHER_PORT_1 50001
#define OTHER_PORT_2 50002
#define OTHER_PORT_3 50003
#define OTHER_ISN    0x12345678u

/* Two passive opens from other ports fill a budget of two: each gets a
 * SYN-ACK and a connection in SYN_RCVD; no cookie yet. */
static int
two_half_open(struct script_run *r)
{
	struct harness *h = script_harness(r);
	struct frame_tcp a;
	uint16_t ports[] = { OTHER_PORT_1, OTHER_PORT_2 };

	for (unsigned i = 0; i < RTE_DIM(ports); i++) {
		if (peer_segment(h, ports[i], TH_SYN, OTHER_ISN, 0, &a) != 1 ||
		    a.flags != (TH_SYN | TH_ACK) || a.ack != OTHER_ISN + 1)
			return script_fail(r, "no SYN-ACK for port %u", ports[i]);
		struct tcb *t = tcb_at(h, ports[i]);
		if (t == NULL || t->state != TCP_SYN_RCVD || t->snd.iss != a.seq)
			return script_fail(r, "no connection in SYN_RCVD for port %u", ports[i]);
	}
	return expect_counts(r, 2, 0, 0, 0);
}

/* The budget is spent: the script's SYN got a cookie, no connection. */
static int
third_got_cookie(struct script_run *r)
{
	if (script_harness(r)->eng->tcp.used != 2)
		return script_fail(r, "%u connections, expected the 2 half-open ones",
		                   script_harness(r)->eng->tcp.used);
	return expect_counts(r, 2, 1, 0, 0);
}

/* A cookie connection is not half-open: the budget is still full. */
static int
third_accepted(struct script_run *r)
{
	return expect_counts(r, 2, 1, 1, 0);
}

/* A half-open connection reset by its peer gives its place back: the next
 * SYN opens a connection in SYN_RCVD again, not a cookie. */
static int
reset_gives_back(struct script_run *r)
{
	struct harness *h = script_harness(r);
	struct tcb *t = tcb_at(h, OTHER_PORT_1);
	struct frame_tcp a;

	if (t == NULL)
		return script_fail(r, "the half-open connection is gone");
	if (peer_segment(h, OTHER_PORT_1, TH_RST, OTHER_ISN + 1, 0, &a) != 0)
		return script_fail(r, "a RST was answered");
	if (tcb_at(h, OTHER_PORT_1) != NULL || expect_counts(r, 1, 1, 1, 0) != 0)
		return script_fail(r, "the reset did not give the budget back");
	if (peer_segment(h, OTHER_PORT_3, TH_SYN, OTHER_ISN, 0, &a) != 1 ||
	    a.flags != (TH_SYN | TH_ACK))
		return script_fail(r, "no SYN-ACK for port %u", OTHER_PORT_3);
	t = tcb_at(h, OTHER_PORT_3);
	if (t == NULL || t->state != TCP_SYN_RCVD || t->snd.iss != a.seq)
		return script_fail(r, "port %u got a cookie, not a connection", OTHER_PORT_3);
	/* Reset both now, before their SYN-ACKs are resent into the script. */
	if (peer_segment(h, OTHER_PORT_2, TH_RST, OTHER_ISN + 1, 0, &a) != 0 ||
	    peer_segment(h, OTHER_PORT_3, TH_RST, OTHER_ISN + 1, 0, &a) != 0)
		return script_fail(r, "a RST was answered");
	return expect_counts(r, 0, 1, 1, 0);
}

static const struct script_step budget_then_cookie[] = {
	LISTEN(),
	APP(two_half_open),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .win = WIN_SYN,
	        .mss = 1460)),
	STATE(TCP_CLOSED),
	APP(third_got_cookie),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	OUT_NONE(),
	STATE(TCP_ESTABLISHED),
	ACCEPTED(),
	APP(third_accepted),
	APP(reset_gives_back),
	OUT_NONE(),
};

static int
one_half_open(struct script_run *r)
{
	return expect_counts(r, 1, 0, 0, 0);
}

/* Budget 1, spent by the script's connection: another port gets a cookie. */
static int
other_gets_cookie(struct script_run *r)
{
	struct harness *h = script_harness(r);
	struct frame_tcp a;

	if (peer_segment(h, OTHER_PORT_1, TH_SYN, OTHER_ISN, 0, &a) != 1 ||
	    a.flags != (TH_SYN | TH_ACK) || tcb_at(h, OTHER_PORT_1) != NULL)
		return script_fail(r, "port %u did not get a cookie", OTHER_PORT_1);
	return expect_counts(r, 1, 1, 0, 0);
}

/* The half-open connection timed out: its place is free again. */
static int
timeout_gives_back(struct script_run *r)
{
	struct harness *h = script_harness(r);
	struct frame_tcp a;

	if (expect_counts(r, 0, 1, 0, 0) != 0)
		return -1;
	if (peer_segment(h, OTHER_PORT_2, TH_SYN, OTHER_ISN, 0, &a) != 1 ||
	    a.flags != (TH_SYN | TH_ACK))
		return script_fail(r, "no SYN-ACK for port %u", OTHER_PORT_2);
	struct tcb *t = tcb_at(h, OTHER_PORT_2);
	if (t == NULL || t->state != TCP_SYN_RCVD)
		return script_fail(r, "port %u got a cookie, not a connection", OTHER_PORT_2);
	if (expect_counts(r, 1, 1, 0, 0) != 0)
		return -1;
	if (peer_segment(h, OTHER_PORT_2, TH_RST, OTHER_ISN + 1, 0, &a) != 0)
		return script_fail(r, "a RST was answered");
	return expect_counts(r, 0, 1, 0, 0);
}

/* [tcp] syn_retries = 1: the SYN-ACK is resent once (RTO 1 s), then the
 * connection gives up after the backed-off 2 s and resets (RFC 9293
 * 3.10.7.4: the peer knows our ISN); its place in the budget comes back. */
static const struct script_step half_open_timeout[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .win = WIN_SYN,
	        .mss = 1460)),
	STATE(TCP_SYN_RCVD),
	APP(one_half_open),
	APP(other_gets_cookie),
	WITHIN_MS(1000 + WHEEL_SLACK_MS(1000)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .win = WIN_SYN,
	        .mss = 1460)),
	WITHIN_MS(2000 + WHEEL_SLACK_MS(2000)),
	OUT(SEG(US, .flags = TH_RST | TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_NO_WS)),
	STATE(TCP_CLOSED),
	NO_EVENT(),
	APP(timeout_gives_back),
};

/* syncookies = no: past the budget a SYN is dropped and counted; the peer
 * retries. */
static int
dropped_past_budget(struct script_run *r)
{
	struct harness *h = script_harness(r);
	struct frame_tcp a;

	if (peer_segment(h, OTHER_PORT_1, TH_SYN, OTHER_ISN, 0, &a) != 0)
		return script_fail(r, "a SYN past the budget was answered");
	if (h->eng->stats.drops[DROP_TCP_SYN_BACKLOG_FULL] != 1)
		return script_fail(r, "tcp_syn_backlog_full %lu",
		                   h->eng->stats.drops[DROP_TCP_SYN_BACKLOG_FULL]);
	return expect_counts(r, 1, 0, 0, 0);
}

static const struct script_step no_cookies_past_budget[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .win = WIN_SYN,
	        .mss = 1460)),
	APP(dropped_past_budget),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	STATE(TCP_ESTABLISHED),
	ACCEPTED(),
};

/* ---- a cookie connection equals a handshake's -------------------------------- */

/* Every field the SYN and the ACK decide, relative to the run's bases. Not
 * the RTT: a cookie's SYN-ACK was not timed (its TSval is lowered). */
#define SNAP_FIELDS(X)                                                                             \
	X(state, t->state)                                                                         \
	X(flags, t->flags & ~(uint32_t)(TF_IN_OUTPUT | TF_HAVE_RTT))                               \
	X(mss, t->mss)                                                                             \
	X(snd.una, t->snd.una - l0)                                                                \
	X(snd.nxt, t->snd.nxt - l0)                                                                \
	X(snd.max, t->snd.max - l0)                                                                \
	X(snd.wnd, t->snd.wnd)                                                                     \
	X(snd.max_wnd, t->snd.max_wnd)                                                             \
	X(snd.wl1, t->snd.wl1 - r0)                                                                \
	X(snd.wl2, t->snd.wl2 - l0)                                                                \
	X(snd.iss, t->snd.iss - l0)                                                                \
	X(snd.wscale, t->snd.wscale)                                                               \
	X(rcv.nxt, t->rcv.nxt - r0)                                                                \
	X(rcv.adv, t->rcv.adv - r0)                                                                \
	X(rcv.irs, t->rcv.irs - r0)                                                                \
	X(rcv.wscale, t->rcv.wscale)                                                               \
	X(ts_recent, t->ts_recent - tsp)                                                           \
	X(ts_recent_tick, (uint32_t)t->ts_recent_tick - t0)                                        \
	X(segs_unacked, t->segs_unacked)                                                           \
	X(snd_buf, t->snd_buf)                                                                     \
	X(rcv_buf, t->rcv_buf)                                                                     \
	X(cwnd, t->cwnd)                                                                           \
	X(ssthresh, t->ssthresh)                                                                   \
	X(recover, t->recover - l0)                                                                \
	X(backoff, t->backoff)                                                                     \
	X(rexmt pending, timer_pending(&t->rexmt))                                                 \
	X(delack pending, timer_pending(&t->delack))                                               \
	X(keepalive pending, timer_pending(&t->keepalive))                                         \
	X(last_rx_tick, (uint32_t)t->last_rx_tick - t0)                                            \
	X(ops, t->ops != NULL)

static const char *const snap_names[] = {
#define SNAP_NAME(name, expr) #name,
	SNAP_FIELDS(SNAP_NAME)
#undef SNAP_NAME
};
#define SN_MAX RTE_DIM(snap_names)

struct snaps {
	uint32_t v[SCRIPT_VARIANTS][2][SN_MAX];
	unsigned which; /* 0: handshake, 1: cookie */
};

static int
snap_take(struct script_run *r)
{
	struct snaps *s = script_user(r);
	struct tcb *t = script_tcb(r);
	uint32_t l0 = script_value(r, L0), r0 = script_value(r, R0), tsp = script_value(r, TSP);
	uint32_t t0 = script_value(r, TSL);
	uint32_t *v = s->v[script_variant(r)][s->which];
	unsigned i = 0;

	if (t == NULL)
		return script_fail(r, "no connection to take a snapshot of");
#define SNAP_TAKE(name, expr) v[i++] = (uint32_t)(expr);
	SNAP_FIELDS(SNAP_TAKE)
#undef SNAP_TAKE
	return 0;
}

static const struct script_step handshake_snap[] = {
	HANDSHAKE_TS(),
	APP(snap_take),
};

static const struct script_step cookie_snap[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460, .ws = 0, .sackok = true,
	       .ts = TS_ON)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .win = WIN_SYN, .mss = 1460,
	        .ws = WS_US, .sackok = true, .ts = TS_ON, .tsval = ANY)),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	ACCEPTED(),
	APP(snap_take),
};

static void
test_cookie_equals_handshake(void **state)
{
	struct snaps s = { 0 };
	struct tcp_script a = { .name = "handshake",
		                .steps = handshake_snap,
		                .nb_steps = RTE_DIM(handshake_snap),
		                .user = &s,
		                .file = __FILE__ };
	struct tcp_script b = { .name = "cookie",
		                .steps = cookie_snap,
		                .nb_steps = RTE_DIM(cookie_snap),
		                .config = cfg_always,
		                .user = &s,
		                .file = __FILE__ };
	unsigned bad = 0;

	(void)state;
	assert_int_equal(tcp_script_run(&a), 0);
	s.which = 1;
	assert_int_equal(tcp_script_run(&b), 0);
	for (unsigned v = 0; v < SCRIPT_VARIANTS; v++)
		for (unsigned i = 0; i < SN_MAX; i++)
			if (s.v[v][0][i] != s.v[v][1][i]) {
				print_error("variant %u: %s: handshake %u, cookie %u\n", v,
				            snap_names[i], s.v[v][0][i], s.v[v][1][i]);
				bad++;
			}
	assert_int_equal(bad, 0);
}

/* ---- the cookie, bit by bit -------------------------------------------------- */

static const struct tern_conn_ops quiet_ops;

/* For MSS values around the table's entries, window scales and SACK: the
 * ISN's low bits hold the period and the MSS index, the TSval the options
 * and is never ahead of our clock nor more than 31 ticks behind; an ACK
 * whose TSecr or ISN differs in one bit is refused; the right one opens
 * the connection with what the SYN asked for. */
static void
test_cookie_layout(void **state)
{
	static const struct {
		uint16_t mss; /* 0: no MSS option (536) */
		uint16_t idx;
	} mss[] = { { 0, 0 },    { 500, 0 },  { 536, 0 },  { 1299, 0 }, { 1300, 1 },
		    { 1439, 1 }, { 1440, 2 }, { 1459, 2 }, { 1460, 3 }, { 9000, 3 } };
	static const int ws[] = { -1, 0, 7, 14 };
	struct config cfg;
	uint16_t port = 20000;

	(void)state;
	harness_config_defaults(&cfg);
	cfg.tcp_syncookies = TCP_SYNCOOKIES_ALWAYS;
	cfg.arp_timeout_s = 86400; /* the peer stays resolved for the whole test */
	struct harness *h = harness_open(&cfg);
	assert_non_null(h);
	harness_learn(h, PEER_IP, &peer_mac);
	assert_int_equal(harness_listen(h, SCRIPT_US_PORT, &quiet_ops, NULL), 0);
	for (unsigned m = 0; m < RTE_DIM(mss); m++) {
		for (unsigned w = 0; w < RTE_DIM(ws); w++) {
			for (unsigned sack = 0; sack < 2; sack++, port++) {
				/* Let the clock's low bits and the period move. */
				harness_advance_us(h, 7777000);
				harness_drain(h);
				struct frame_tcp syn = {
					.src_ip = PEER_IP,
					.dst_ip = US_IP,
					.sport = port,
					.dport = SCRIPT_US_PORT,
					.seq = 1000u * port,
					.flags = TH_SYN,
					.win = 65535,
					.opts = { .has_mss = mss[m].mss != 0,
					          .mss = mss[m].mss,
					          .has_wscale = ws[w] >= 0,
					          .wscale = (uint8_t)(ws[w] >= 0 ? ws[w] : 0),
					          .sack_ok = sack != 0,
					          .has_ts = true,
					          .ts_val = 5555 },
				};
				struct rte_mbuf *out[4];
				unsigned n = harness_exchange(
				        h, frame_tcp(h->pool, &harness_iface(h)->mac, &syn), out,
				        4);
				assert_int_equal(n, 1);
				struct frame_tcp sa;
				assert_int_equal(frame_tcp_read(out[0], &sa), 0);
				rte_pktmbuf_free(out[0]);
				uint32_t now = (uint32_t)h->eng->now_ticks;
				uint32_t period = (uint32_t)(h->eng->now_ticks / COOKIE_PERIOD_MS);
				uint32_t bits =
				        (ws[w] >= 0 ? (uint32_t)ws[w] : 0xfu) | (sack ? 0x10u : 0);
				assert_int_equal(sa.flags, TH_SYN | TH_ACK);
				assert_int_equal(sa.ack, syn.seq + 1);
				assert_int_equal(sa.seq & 3, mss[m].idx);
				assert_int_equal((sa.seq >> 2) & 7, period & 7);
				assert_true(sa.opts.has_ts);
				assert_int_equal(sa.opts.ts_ecr, 5555);
				assert_int_equal(sa.opts.ts_val & TS_BITS, bits);
				assert_true(seq_leq(sa.opts.ts_val, now) &&
				            now - sa.opts.ts_val <= TS_BITS);
				assert_int_equal(sa.opts.has_wscale, ws[w] >= 0);
				assert_int_equal(sa.opts.sack_ok, sack != 0);

				/* One bit off in the TSecr, then in the MAC: refused. */
				struct frame_tcp ack = { .src_ip = PEER_IP,
					                 .dst_ip = US_IP,
					                 .sport = port,
					                 .dport = SCRIPT_US_PORT,
					                 .seq = syn.seq + 1,
					                 .ack = sa.seq + 1,
					                 .flags = TH_ACK,
					                 .win = 1000,
					                 .opts = { .has_ts = true,
					                           .ts_val = 5556,
					                           .ts_ecr = sa.opts.ts_val ^
					                                     0x10 } };
				uint64_t rejected = h->eng->stats.tcp_syncookies_rejected;
				for (unsigned k = 0; k < 2; k++) {
					n = harness_exchange(
					        h, frame_tcp(h->pool, &harness_iface(h)->mac, &ack),
					        out, 4);
					assert_int_equal(n, 1);
					struct frame_tcp rst;
					assert_int_equal(frame_tcp_read(out[0], &rst), 0);
					rte_pktmbuf_free(out[0]);
					assert_int_equal(rst.flags, TH_RST);
					ack.opts.ts_ecr = sa.opts.ts_val;
					ack.ack = (sa.seq ^ 0x100000u) + 1;
				}
				assert_int_equal(h->eng->stats.tcp_syncookies_rejected,
				                 rejected + 2);
				ack.ack = sa.seq + 1;
				n = harness_exchange(
				        h, frame_tcp(h->pool, &harness_iface(h)->mac, &ack), out,
				        4);
				assert_int_equal(n, 0);
				struct tcb *t = tcb_at(h, port);
				assert_non_null(t);
				assert_int_equal(t->state, TCP_ESTABLISHED);
				uint16_t want_mss = mss[m].idx == 0   ? 536
				                    : mss[m].idx == 1 ? 1300
				                    : mss[m].idx == 2 ? 1440
				                                      : 1460;
				assert_int_equal(t->mss, want_mss);
				assert_int_equal((t->flags & TF_WS_OK) != 0, ws[w] >= 0);
				assert_int_equal(t->snd.wscale, ws[w] >= 0 ? ws[w] : 0);
				assert_int_equal(t->rcv.wscale, ws[w] >= 0 ? WS_US : 0);
				assert_int_equal(t->snd.wnd, 1000u << t->snd.wscale);
				assert_int_equal((t->flags & TF_SACK_OK) != 0, sack != 0);
				assert_true(t->flags & TF_TS_OK);
				assert_int_equal(t->ts_recent, 5556);
				tcp_drop(h->eng, t, -ECONNABORTED);
			}
		}
	}
	harness_advance_us(h, 1000);
	harness_drain(h);
	assert_int_equal(h->eng->tcp.used, 0);
	assert_int_equal(harness_pool_in_use(h), 0);
	harness_close(h);
}

static int
run_script(void **state)
{
	return tcp_script_run(*state);
}

static void
script_test(void **state)
{
	assert_int_equal(run_script(state), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		SCRIPT_TEST(script_test, cookie_with_timestamps, cfg_always),
		SCRIPT_TEST(script_test, cookie_without_timestamps, cfg_always),
		SCRIPT_TEST(script_test, cookie_third_segment_with_data, cfg_always),
		SCRIPT_TEST(script_test, cookie_forged, cfg_always),
		SCRIPT_TEST(script_test, cookie_one_period_later, cfg_always),
		SCRIPT_TEST(script_test, cookie_stale, cfg_always),
		SCRIPT_TEST(script_test, budget_then_cookie, cfg_backlog_2),
		SCRIPT_TEST(script_test, half_open_timeout, cfg_backlog_1_quick),
		SCRIPT_TEST(script_test, no_cookies_past_budget, cfg_backlog_1_no_cookies),
		cmocka_unit_test(test_cookie_equals_handshake),
		cmocka_unit_test(test_cookie_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
