/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP input (RFC 9293 3.10.7 "SEGMENT ARRIVES"): checks, then a handler per
 * state. Input never transmits: it updates the tcb and marks it for output.
 *
 *   ipv4_input -> tcp_input_queue -> tcp_parse, flow_hash (a burst of them)
 *   engine_poll -> tcp_input_flush -> flow_lookup_burst -> per segment, in order:
 *     tcp_owner_now -> tcp_in_closed | tcp_in_listen | tcp_in_syn_sent | tcp_in_time_wait
 *      | tcp_in_sync (steps 1-8 for SYN_RCVD .. LAST_ACK)
 *   tcp_in_listen -> SYN: a tcb in SYN_RCVD, or tcp_syncookie_send past the budget
 *                 -> ACK: tcp_syncookie_accept -> tcp_in_sync, or a RST
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "core/config.h"
#include "engine/engine.h"
#include "tcp/tcp.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_gro.h"
#include "tern.h"
#include "wire/cksum.h"
#include "wire/ipv4.h"

/* RFC 7323 5.5: a ts_recent idle for 24 days may be stale. */
#define TCP_PAWS_IDLE_MS (24ull * 24 * 3600 * 1000)
/* At most one ACK a connection per this many ms for segments without data
 * that we cannot accept (Linux's net.ipv4.tcp_invalid_ratelimit default). */
#define TCP_OOW_ACK_INTERVAL_MS 500

static bool
tcp_cksum_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ih, unsigned hl)
{
	uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	if (ck == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return true;
	if (ck == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return false;
	return cksum_ipv4_tcp_mbuf_ok(m, ih, hl);
}

/* Bounds, checksum, options; fills @seg and @key and leaves the mbuf's data
 * at the payload. Returns DROP_MAX if the segment is good. */
static enum drop_reason
tcp_parse(struct engine *eng, struct rte_mbuf *m, struct tcp_seg *seg, struct flow_key *key)
{
	const struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	unsigned hl = ipv4_hdr_len(ih), tcp_len = rte_pktmbuf_pkt_len(m) - hl; /* checked */

	if (tcp_len < TCP_MIN_HDR_LEN || rte_pktmbuf_data_len(m) < hl + TCP_MIN_HDR_LEN)
		return DROP_TCP_SHORT;
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)((const char *)ih + hl);
	unsigned off = tcp_hdr_len(th);
	if (off < TCP_MIN_HDR_LEN || off > tcp_len || hl + off > rte_pktmbuf_data_len(m))
		return DROP_TCP_BAD_OFF;
	if (!tcp_cksum_ok(m, ih, hl))
		return DROP_TCP_CKSUM;
	/* RFC 1122 4.2.3.10: no connections to broadcast or multicast. */
	if (ih->dst_addr != eng->ifc->ip_be)
		return DROP_TCP_BCAST;
	/* Every field of @seg is written below (the options by tcp_opts_parse,
	 * which clears them first): no clearing the whole of it too. */
	if (tcp_opts_parse((const uint8_t *)(th + 1), off - TCP_MIN_HDR_LEN, &seg->opts) != 0)
		return DROP_TCP_BAD_OPTS;
	seg->seq = rte_be_to_cpu_32(th->sent_seq);
	seg->ack = rte_be_to_cpu_32(th->recv_ack);
	seg->wnd = rte_be_to_cpu_16(th->rx_win);
	seg->flags = th->tcp_flags & (TH_FIN | TH_SYN | TH_RST | TH_PSH | TH_ACK | TH_URG);
	key->local_ip = ih->dst_addr;
	key->remote_ip = ih->src_addr;
	key->local_port = th->dst_port;
	key->remote_port = th->src_port;
	rte_pktmbuf_adj(m, (uint16_t)(hl + off));
	seg->len = rte_pktmbuf_pkt_len(m);
	seg->merged = 0;
	seg->m = m;
	return DROP_MAX;
}

/* RFC 9293 3.10.7.1: no connection. Answer anything but a RST with a RST. */
static void
tcp_in_closed(struct engine *eng, const struct flow_key *key, const struct tcp_seg *seg)
{
	if (seg->flags & TH_RST)
		return;
	if (seg->flags & TH_ACK)
		tcp_respond_rst(eng, key, seg->ack, 0, TH_RST);
	else
		tcp_respond_rst(eng, key, 0, seg->seq + tcp_seg_space(seg), TH_RST | TH_ACK);
}

/* Options of a SYN decide what the connection uses (RFC 7323 1.3, RFC 2018 2,
 * RFC 9293 3.7.1). */
static void
tcp_negotiate(struct engine *eng, struct tcb *tcb, const struct tcp_seg *seg)
{
	const struct config *cfg = eng->cfg;
	uint16_t our_mss = eng->ifc->mtu - 40;

	tcb->mss = seg->opts.has_mss ? RTE_MIN(seg->opts.mss, our_mss) : RTE_MIN(536, our_mss);
	if (tcb->mss < 64)
		tcb->mss = 64; /* a peer's tiny MSS must not make us send 1-byte segments */
	if (seg->opts.has_wscale && cfg->tcp_window_scaling) {
		tcb->flags |= TF_WS_OK;
		tcb->snd.wscale = RTE_MIN(seg->opts.wscale, 14);
	} else {
		tcb->rcv.wscale = 0;
	}
	if (seg->opts.sack_ok && cfg->tcp_sack)
		tcb->flags |= TF_SACK_OK;
	if (seg->opts.has_ts && cfg->tcp_timestamps) {
		tcb->flags |= TF_TS_OK;
		tcb->ts_recent = seg->opts.ts_val;
		tcb->ts_recent_tick = eng->now_ticks;
	}
	/* RFC 5681 3.1 with RFC 6928's initial window. */
	tcb->cwnd = eng->cfg->tcp_init_cwnd * tcb->mss;
	tcb->snd.wnd = seg->wnd; /* never scaled in a SYN (RFC 7323 2.2) */
	tcb->snd.max_wnd = tcb->snd.wnd;
	tcb->snd.wl1 = seg->seq;
	tcb->snd.wl2 = seg->ack;
}

static void tcp_in_sync(struct engine *eng, struct tcb *tcb, struct tcp_seg *seg);

/* An ACK to a listener (RFC 9293 3.10.7.2 answers it with a RST) may be the
 * end of a handshake we answered with a SYN cookie (RFC 4987 3.6): then it
 * opens the connection, ESTABLISHED at once, and is processed as such (it
 * may carry data or a FIN). Only while a cookie we sent may still be good. */
static void
tcp_in_listen_ack(struct engine *eng, const struct tcp_listener *l, const struct flow_key *key,
                  struct tcp_seg *seg)
{
	struct tcb *tcb;

	if (!(seg->flags & TH_SYN) && eng->now_ticks < eng->tcp.cookie_check_until) {
		int ret = tcp_syncookie_accept(eng, l, key, seg, &tcb);
		if (ret == 0) {
			tcp_notify_established(eng, tcb);
			if (tcb->state != TCP_CLOSED)
				tcp_in_sync(eng, tcb, seg);
			return;
		}
		if (ret == -ENOBUFS)
			return; /* counted; the peer's next segment tries again */
	}
	tcp_respond_rst(eng, key, seg->ack, 0, TH_RST);
}

/* A SYN past the half-open budget, or with the pool empty: a cookie, or
 * nothing. True if it was dealt with. */
static bool
tcp_in_listen_full(struct engine *eng, const struct flow_key *key, const struct tcp_seg *seg)
{
	const struct config *cfg = eng->cfg;

	if (cfg->tcp_syncookies == TCP_SYNCOOKIES_ALWAYS) {
		tcp_syncookie_send(eng, key, seg);
		return true;
	}
	if (eng->tcp.syn_rcvd < cfg->tcp_syn_backlog)
		return false;
	if (cfg->tcp_syncookies == TCP_SYNCOOKIES_YES)
		tcp_syncookie_send(eng, key, seg);
	else
		eng->stats.drops[DROP_TCP_SYN_BACKLOG_FULL]++; /* the peer retries its SYN */
	return true;
}

/* RFC 9293 3.10.7.2: a SYN to a listener opens a connection in SYN_RCVD,
 * within the half-open budget ([tcp] syn_backlog); past it, or with the
 * pool empty, a SYN cookie answers it. */
static void
tcp_in_listen(struct engine *eng, const struct tcp_listener *l, const struct flow_key *key,
              struct tcp_seg *seg)
{
	if (seg->flags & TH_RST)
		return;
	if (seg->flags & TH_ACK) {
		tcp_in_listen_ack(eng, l, key, seg);
		return;
	}
	if (!(seg->flags & TH_SYN) || (seg->flags & TH_FIN)) {
		eng->stats.drops[DROP_TCP_BAD_FLAGS]++;
		return;
	}
	if (tcp_in_listen_full(eng, key, seg))
		return;
	struct tcb *tcb = tcp_tcb_alloc(eng);
	if (tcb == NULL) {
		/* Counted; without cookies the peer retries its SYN. */
		if (eng->cfg->tcp_syncookies != TCP_SYNCOOKIES_NO)
			tcp_syncookie_send(eng, key, seg);
		return;
	}
	tcb->key = *key;
	tcp_tcb_setup(eng, tcb);
	tcp_cc_listener_apply(tcb, l);
	tcb->flags |= TF_PASSIVE;
	tcb->ops = l->ops;
	tcb->arg = l->arg;
	tcb->rcv.irs = seg->seq;
	tcb->rcv.nxt = seg->seq + 1;
	tcb->rcv.adv = tcb->rcv.nxt; /* nothing offered yet */
	tcb->snd.iss = tcp_isn(&eng->tcp.isn_key, key->local_ip, key->local_port, key->remote_ip,
	                       key->remote_port, engine_now_us(eng));
	tcb->snd.una = tcb->snd.nxt = tcb->snd.max = tcb->recover = tcb->snd.iss;
	tcp_negotiate(eng, tcb, seg);
	if (tcp_tcb_insert(eng, tcb) != 0) {
		tcp_tcb_free(eng, tcb);
		return;
	}
	tcp_set_state(eng, tcb, TCP_SYN_RCVD);
	tcb->flags |= TF_ACK_NOW; /* the SYN-ACK */
	tcp_mark_output(eng, tcb);
}

/* RFC 9293 3.10.7.3 */
static void
tcp_in_syn_sent(struct engine *eng, struct tcb *tcb, const struct tcp_seg *seg)
{
	bool ack_ok = false;

	if (seg->flags & TH_ACK) {
		if (seq_leq(seg->ack, tcb->snd.iss) || seq_gt(seg->ack, tcb->snd.max)) {
			if (!(seg->flags & TH_RST))
				tcp_respond_rst(eng, &tcb->key, seg->ack, 0, TH_RST);
			return;
		}
		ack_ok = true;
	}
	if (seg->flags & TH_RST) {
		if (ack_ok)
			tcp_drop(eng, tcb, -ECONNREFUSED);
		return;
	}
	if (!(seg->flags & TH_SYN))
		return;
	tcb->rcv.irs = seg->seq;
	tcb->rcv.nxt = seg->seq + 1;
	tcb->rcv.adv = tcb->rcv.nxt; /* our SYN's window had no left edge yet */
	tcp_negotiate(eng, tcb, seg);
	tcb->flags |= TF_ACK_NOW;
	tcp_mark_output(eng, tcb);
	if (!ack_ok) {
		/* Simultaneous open: both SYNs crossed; answer with a SYN-ACK. */
		tcb->snd.nxt = tcb->snd.iss;
		tcp_set_state(eng, tcb, TCP_SYN_RCVD);
		return;
	}
	tcb->snd.una = seg->ack;
	tcp_rexmt_stop(eng, tcb);
	tcp_set_state(eng, tcb, TCP_ESTABLISHED);
	tcp_keepalive_touch(eng, tcb);
	tcp_notify_established(eng, tcb);
}

/* RFC 6191: a new SYN may reopen a 4-tuple in TIME_WAIT if it is provably
 * newer: a larger timestamp, or (without timestamps) a larger sequence number. */
static bool
tcp_time_wait_reopen(const struct tcb *tcb, const struct tcp_seg *seg)
{
	if ((seg->flags & (TH_SYN | TH_ACK | TH_RST)) != TH_SYN)
		return false;
	if ((tcb->flags & TF_TS_OK) && seg->opts.has_ts)
		return seq_gt(seg->opts.ts_val, tcb->ts_recent);
	return seq_gt(seg->seq, tcb->rcv.nxt);
}

/* Whether an ACK for a segment we cannot accept may go now: one per
 * TCP_OOW_ACK_INTERVAL_MS a connection at most (Linux's
 * tcp_invalid_ratelimit), counted when not. */
static bool
tcp_oow_ack_allowed(struct engine *eng, struct tcb *tcb)
{
	if (tcb->oow_ack_tick != 0 &&
	    eng->now_ticks - tcb->oow_ack_tick < engine_ms_to_ticks(TCP_OOW_ACK_INTERVAL_MS)) {
		eng->stats.tcp_oow_acks_limited++;
		return false;
	}
	tcb->oow_ack_tick = eng->now_ticks;
	return true;
}

/* The duplicate ACK that answers a segment we cannot accept (out of window,
 * PAWS) resynchronises a peer that lost our ACKs. A segment with data always
 * gets one: a peer whose ACK was lost resends old data and needs it. One
 * without data is rate-limited, or a stream of forged segments, or two
 * stacks disagreeing about a window, draws an ACK each: an amplifier, and an
 * ACK loop. (TIME_WAIT limits data too: tcp_in_time_wait.) */
static void
tcp_oow_ack(struct engine *eng, struct tcb *tcb, const struct tcp_seg *seg)
{
	if ((seg->len == 0 || (seg->flags & TH_SYN)) && !tcp_oow_ack_allowed(eng, tcb))
		return;
	tcb->flags |= TF_ACK_NOW;
	tcp_mark_output(eng, tcb);
}

/* RFC 7323 5.3 (PAWS): a segment whose timestamp is older than ts_recent is
 * an old duplicate. Returns true if it must be dropped. */
static bool
tcp_paws_reject(struct engine *eng, struct tcb *tcb, const struct tcp_seg *seg)
{
	if (!(tcb->flags & TF_TS_OK) || !seg->opts.has_ts || (seg->flags & TH_RST))
		return false;
	if (!seq_lt(seg->opts.ts_val, tcb->ts_recent))
		return false;
	if (eng->now_ticks - tcb->ts_recent_tick > TCP_PAWS_IDLE_MS) {
		tcb->ts_recent = seg->opts.ts_val; /* idle too long: ts_recent is stale */
		return false;
	}
	eng->stats.drops[DROP_TCP_PAWS]++;
	tcp_oow_ack(eng, tcb, seg);
	return true;
}

/* RFC 9293 3.10.7.4 first: is any of the segment inside the receive window?
 * Trims what is outside. Returns false if nothing is.
 *
 * The window's right edge itself is accepted, as Linux does (tcp_sequence):
 * a sender that filled our window sends its pure ACKs with seq = the edge,
 * and with a zero window its probe starts there. RFC 9293 asks for "special
 * allowance" for the ACKs of such segments; its strict test would discard
 * them, and the ACK fields they carry are what frees our send queue. Their
 * data is cut off (and answered with an ACK). */
static bool
tcp_seq_acceptable(struct engine *eng, struct tcb *tcb, struct tcp_seg *seg)
{
	uint32_t wnd = seq_gt(tcb->rcv.adv, tcb->rcv.nxt) ? tcb->rcv.adv - tcb->rcv.nxt : 0;
	uint32_t space = tcp_seg_space(seg), nxt = tcb->rcv.nxt;

	/* RFC 5961 3.2: a RST counts only strictly inside the window. */
	if (seg->flags & TH_RST)
		return wnd == 0 ? seg->seq == nxt : seq_in(seg->seq, nxt, nxt + wnd);
	if (space == 0)
		return seq_in(seg->seq, nxt, nxt + wnd + 1);
	if (!seq_in(seg->seq, nxt, nxt + wnd + 1) && !seq_in(seg->seq + space - 1, nxt, nxt + wnd))
		return false;
	if (seq_lt(seg->seq, nxt)) { /* old bytes at the front: trim them */
		uint32_t cut = nxt - seg->seq;
		if (seg->flags & TH_SYN) {
			seg->flags &= ~TH_SYN;
			cut--;
			seg->seq++;
		}
		cut = RTE_MIN(cut, seg->len);
		rte_pktmbuf_adj(seg->m, (uint16_t)cut);
		seg->seq += cut;
		seg->len -= cut;
	}
	if (seq_gt(seg->seq + seg->len, nxt + wnd)) {
		/* Data past the window: trim it (and the FIN after it), and
		 * tell the peer where the window ends. A FIN right at the edge
		 * stays: it takes no buffer (as Linux, which takes a bare FIN
		 * on a zero window). */
		uint32_t keep = nxt + wnd - seg->seq;
		rte_pktmbuf_trim(seg->m, (uint16_t)(seg->len - keep));
		seg->len = keep;
		seg->flags &= ~TH_FIN;
		eng->stats.tcp_rcv_window_trims++;
		tcb->flags |= TF_ACK_NOW;
		tcp_mark_output(eng, tcb);
	}
	return true;
}

/* RFC 5961 7: challenge ACKs are rate limited per connection. */
void
tcp_challenge_ack(struct engine *eng, struct tcb *tcb)
{
	uint64_t second = eng->now_ticks / 1000;

	if (second != tcb->challenge_second) {
		tcb->challenge_second = second;
		tcb->challenge_acks = 0;
	}
	if (tcb->challenge_acks >= eng->cfg->tcp_challenge_acks)
		return;
	tcb->challenge_acks++;
	eng->stats.tcp_challenge_acks++;
	tcb->flags |= TF_ACK_NOW;
	tcp_mark_output(eng, tcb);
}

/* RFC 9293 3.10.7.4 second, with RFC 5961 3.2: only an exact RST resets. */
static void
tcp_in_rst(struct engine *eng, struct tcb *tcb, const struct tcp_seg *seg)
{
	if (seg->seq != tcb->rcv.nxt) {
		tcp_challenge_ack(eng, tcb);
		return;
	}
	eng->stats.tcp_resets_received++;
	/* A passive open the application never saw goes away quietly. */
	if (tcb->state == TCP_SYN_RCVD && (tcb->flags & TF_PASSIVE))
		tcb->ops = NULL;
	int reason = tcb->state == TCP_SYN_RCVD && !(tcb->flags & TF_PASSIVE) ? -ECONNREFUSED
	                                                                      : -ECONNRESET;
	tcp_set_state(eng, tcb, TCP_CLOSED);
	tcp_close_tcb(eng, tcb, reason);
}

/* A SYN on a connection past LISTEN, whatever its sequence number: checked
 * before the window, so that a blind SYN costs one rate-limited challenge
 * ACK, not an ACK each (RFC 5961 4.2). In SYN_RCVD the peer's own SYN again
 * (our SYN-ACK was lost) is answered with the SYN-ACK, rate-limited too. */
static void
tcp_in_syn_sync(struct engine *eng, struct tcb *tcb, const struct tcp_seg *seg)
{
	if (tcb->state == TCP_SYN_RCVD && !(seg->flags & TH_ACK) && seg->seq == tcb->rcv.irs) {
		eng->stats.drops[DROP_TCP_SYN_REPEATED]++;
		tcp_oow_ack(eng, tcb, seg);
		return;
	}
	eng->stats.drops[DROP_TCP_SYN_CHALLENGED]++;
	tcp_challenge_ack(eng, tcb);
}

/* RFC 9293 3.10.7.4 eighth: the peer's FIN, in sequence. */
void
tcp_fin_input(struct engine *eng, struct tcb *tcb)
{
	tcb->rcv.nxt++;
	tcb->flags |= TF_RCVD_FIN | TF_ACK_NOW;
	tcp_mark_output(eng, tcb);
	switch (tcb->state) {
	case TCP_SYN_RCVD:
	case TCP_ESTABLISHED:
		tcp_set_state(eng, tcb, TCP_CLOSE_WAIT);
		break;
	case TCP_FIN_WAIT_1:
		tcp_set_state(eng, tcb, TCP_CLOSING);
		break;
	case TCP_FIN_WAIT_2:
		/* Let the application read to the end before the closed callback. */
		tcp_notify_readable(eng, tcb);
		if (tcb->state == TCP_FIN_WAIT_2)
			tcp_time_wait_enter(eng, tcb);
		return;
	default:
		return;
	}
	tcp_notify_readable(eng, tcb);
}

/* Steps 1-8 of RFC 9293 3.10.7.4 for SYN_RCVD .. LAST_ACK. */
static void
tcp_in_sync(struct engine *eng, struct tcb *tcb, struct tcp_seg *seg)
{
	if (tcp_paws_reject(eng, tcb, seg))
		return;
	/* RFC 9293 3.5 figure 8, simultaneous open: the peer's SYN-ACK repeats
	 * the SYN we have; what it adds is the ACK of ours. */
	if (tcb->state == TCP_SYN_RCVD && !(tcb->flags & TF_PASSIVE) &&
	    (seg->flags & (TH_SYN | TH_ACK)) == (TH_SYN | TH_ACK) && seg->seq + 1 == tcb->rcv.nxt) {
		seg->flags &= ~TH_SYN;
		seg->seq++;
	}
	if ((seg->flags & (TH_SYN | TH_RST)) == TH_SYN) {
		tcp_in_syn_sync(eng, tcb, seg);
		return;
	}
	if (!tcp_seq_acceptable(eng, tcb, seg)) {
		eng->stats.drops[DROP_TCP_OUT_OF_WINDOW]++;
		/* RFC 9293: answer with an ACK; RFC 5961 3.2: not a RST. */
		if (!(seg->flags & TH_RST))
			tcp_oow_ack(eng, tcb, seg);
		return;
	}
	if (seg->flags & TH_RST) {
		tcp_in_rst(eng, tcb, seg);
		return;
	}
	if (!(seg->flags & TH_ACK))
		return;
	/* RFC 7323 4.3: remember the timestamp of a segment at or below
	 * Last.ACK.sent, which is rcv.nxt unless an ACK is owed: a delayed ACK
	 * echoes the earliest segment it acknowledges (case A). */
	if ((tcb->flags & TF_TS_OK) && seg->opts.has_ts && seq_leq(seg->seq, tcb->rcv.nxt) &&
	    !(seg->seq == tcb->rcv.nxt && (tcb->flags & TF_DELACK))) {
		tcb->ts_recent = seg->opts.ts_val;
		tcb->ts_recent_tick = eng->now_ticks;
	}
	tcp_keepalive_touch(eng, tcb);
	if (!tcp_ack_process(eng, tcb, seg) || tcb->state == TCP_CLOSED)
		return;
	if (tcb->state == TCP_TIME_WAIT)
		return;
	if (seg->len > 0 || (seg->flags & TH_FIN))
		tcp_reass_input(eng, tcb, seg);
}

static void
tcp_in_time_wait(struct engine *eng, struct tcb *tcb, struct tcp_seg *seg,
                 const struct flow_key *key)
{
	const struct tcp_listener *l = tcp_listener_find(eng, key->local_port);

	if (l != NULL && tcp_time_wait_reopen(tcb, seg)) {
		eng->stats.tcp_time_wait_reopened++;
		tcp_tcb_free(eng, tcb);
		tcp_in_listen(eng, l, key, seg);
		return;
	}
	if (tcp_paws_reject(eng, tcb, seg))
		return;
	if (seg->flags & TH_RST)
		return; /* RFC 1337: do not let a RST cut TIME_WAIT short */
	/* A retransmitted FIN (our last ACK was lost): ACK it again and restart
	 * the 2 MSL wait (RFC 9293 3.10.7.4 eighth). Anything else is an old
	 * duplicate: ACK it so the peer resynchronises, deliver nothing, at
	 * most once per TCP_OOW_ACK_INTERVAL_MS whatever it carries, as Linux's
	 * TIME_WAIT does (tcp_timewait_check_oow_rate_limit). The peer's data
	 * is all in (rcv.nxt is past its FIN), so one ACK tells it everything;
	 * one per segment answered a peer's go-back-N burst of old data, a
	 * thousand segments on a slow link, with a thousand ACKs, each met by
	 * the peer's RST as its connection had ended (tern-sim seed 75665,
	 * --first 60001). */
	eng->stats.drops[DROP_TCP_TIME_WAIT]++;
	if ((seg->flags & TH_FIN) && seg->seq + seg->len + 1 == tcb->rcv.nxt) {
		tcp_time_wait_enter(eng, tcb);
		tcb->flags |= TF_ACK_NOW;
		tcp_mark_output(eng, tcb);
		return;
	}
	if (tcp_oow_ack_allowed(eng, tcb)) {
		tcb->flags |= TF_ACK_NOW;
		tcp_mark_output(eng, tcb);
	}
}

static void
tcp_dispatch(struct engine *eng, struct tcb *tcb, struct tcp_seg *seg, const struct flow_key *key)
{
	if (tcb == NULL) {
		const struct tcp_listener *l = tcp_listener_find(eng, key->local_port);
		if (l != NULL) {
			tcp_in_listen(eng, l, key, seg);
		} else {
			eng->stats.drops[DROP_TCP_NO_CONN]++;
			tcp_in_closed(eng, key, seg);
		}
		return;
	}
	switch (tcb->state) {
	case TCP_SYN_SENT:
		tcp_in_syn_sent(eng, tcb, seg);
		break;
	case TCP_TIME_WAIT:
		tcp_in_time_wait(eng, tcb, seg, key);
		break;
	case TCP_CLOSED:
		tcp_in_closed(eng, key, seg);
		break;
	default:
		tcp_in_sync(eng, tcb, seg);
		break;
	}
}

void
tcp_input_queue(struct engine *eng, struct rte_mbuf *m)
{
	struct tcp_rx_burst *b = &eng->tcp.rx;
	unsigned i = b->n;
	enum drop_reason why = tcp_parse(eng, m, &b->seg[i], &b->key[i]);

	if (unlikely(why != DROP_MAX)) {
		engine_drop(eng, m, why);
		return;
	}
	eng->stats.tcp_segs_in++;
	b->hash[i] = flow_hash(eng->flows, &b->key[i]);
	b->n = i + 1;
	if (b->n == FLOW_BURST_MAX)
		tcp_input_flush(eng);
}

/* The connection a segment belongs to now. It was looked up with the whole
 * burst, before the segments ahead of it ran; they (or the callbacks they
 * ran) may since have closed that connection, or given its control block
 * to another 4-tuple (tcp_reclaim), or opened this segment's connection (a
 * SYN, then the ACK in the same burst; a TIME_WAIT reopened). A hit is
 * still good if the tcb is in the table under this key: keys are unique,
 * so the table holds exactly that. A miss still misses if nothing was
 * added since, or nothing under its hash (a burst of SYNs: each opens its
 * own connection). Anything else is looked up again. */
static struct tcb *
tcp_owner_now(struct engine *eng, struct tcb *tcb, const struct flow_key *key, uint32_t hash,
              uint64_t adds)
{
	if (tcb != NULL) {
		if ((tcb->flags & TF_IN_FLOW) && flow_key_eq(&tcb->key, key))
			return tcb;
	} else if (tcp_rx_miss_holds(&eng->tcp.rx, hash, adds, flow_adds(eng->flows))) {
		return NULL; /* nothing added since, or nothing of its hash */
	}
	eng->stats.tcp_lookups_again++;
	return flow_lookup(eng->flows, key, hash);
}

void
tcp_input_flush(struct engine *eng)
{
	struct tcp_rx_burst *b = &eng->tcp.rx;
	void *owners[FLOW_BURST_MAX];
	unsigned n = b->n;

	if (n == 0)
		return;
	uint64_t adds = flow_adds(eng->flows);
	flow_lookup_burst(eng->flows, b->keyp, b->hash, n, owners);
	b->nb_added = 0;
	for (unsigned i = 0; i < n; i++) {
		struct tcp_seg *seg = &b->seg[i];
		struct tcb *tcb = tcp_owner_now(eng, owners[i], &b->key[i], b->hash[i], adds);
		unsigned merged = 0;
		if (tcb == NULL) {
			b->absent_key = &b->key[i];
			b->absent_hash = b->hash[i];
			b->absent_adds = flow_adds(eng->flows);
		} else {
			merged = tcp_gro_merge(eng, tcb, b, i);
		}
		tcp_dispatch(eng, tcb, seg, &b->key[i]);
		b->absent_key = NULL;
		/* The payload was queued (seg->m cleared) or is not needed. */
		rte_pktmbuf_free(seg->m);
		i += merged; /* their payload went with this one's */
	}
	b->n = 0;
}
