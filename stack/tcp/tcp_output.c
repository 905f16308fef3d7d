/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP output: once per loop iteration, for every connection input, timers or
 * the application marked, build what it may send now: SYN or SYN-ACK, data up
 * to min(send window, cwnd), a FIN, a retransmission, or one ACK covering
 * everything received in the burst.
 *
 *   engine_poll -> tcp_output_burst -> tcp_sched_next (tcp_sched.c: whose turn,
 *                  how many new segments) -> tcp_output_one -> tcp_xmit
 *     -> tcp_build (headers, options, payload copied from the send queue, or
 *        referenced: tcp_payload_ref.c)
 *     -> ipv4_send (checksums, Ethernet, ARP) -> engine_tx
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "core/config.h"
#include "engine/engine.h"
#include "net/net.h"
#include "tcp/tcp.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_payload_ref.h"
#include "tcp/tcp_tmpl_send.h"
#include "tcp/tcp_tso.h"
#include "wire/cksum.h"
#include "wire/ipv4.h"

#define TCP_HEADROOM (RTE_ETHER_HDR_LEN + IPV4_MIN_HDR_LEN + TCP_MAX_HDR_LEN)

/* A segment that carries sequence space sent before: the engine's count
 * and the connection's (what /tern/conns shows). */
static inline void
tcp_count_retransmit(struct engine *eng, struct tcb *tcb)
{
	eng->stats.tcp_retransmits++;
	tcb->retransmits++;
	/* Karn (RFC 6298 3): the ACK that covers the timed segment covers
	 * this one too if it lies below, and then times the repair, not the
	 * path: a segment timed in recovery, sent past the holes, measured
	 * the whole recovery (29 s in a simulation, RTO pinned at its max).
	 * Any retransmission ends the measurement, as Linux's
	 * FLAG_RETRANS_DATA_ACKED does. */
	tcb->flags &= ~TF_RTT_TIMING;
}

/* Window field and the new right edge: never shrink what we offered
 * (RFC 9293 3.8.6.2.2, RFC 7323 2.4), never past 16 bits after scaling.
 *
 * The field counts units of 2^wscale bytes from rcv.nxt, which moves by any
 * number of bytes: a field rounded down can pull the edge left by up to
 * 2^wscale - 1 bytes. A sender that already filled the old edge then sits
 * past ours, and its pure ACKs (seq = its snd.nxt) fail the acceptability
 * test; with an echo that was a deadlock (the stall of issue 8: our queue
 * waited for ACKs we threw away). So when rounding down would land left of
 * the old edge, the field rounds up. */

static uint16_t
tcp_window_field(struct tcb *tcb, bool syn)
{
	uint32_t space = tcp_rcv_space(tcb);
	uint32_t edge = tcb->rcv.nxt + space;

	/* RFC 9293 3.8.6.2.2, the receiver's SWS avoidance: the edge moves
	 * right by at least min(half the buffer, an MSS), or not at all. */
	if (seq_lt(edge, tcb->rcv.adv) ||
	    (!syn && edge - tcb->rcv.adv < RTE_MIN(tcb->rcv_buf / 2, (uint32_t)tcb->mss)))
		edge = tcb->rcv.adv;
	uint32_t wnd = edge - tcb->rcv.nxt;
	uint8_t shift = syn ? 0 : tcb->rcv.wscale; /* RFC 7323 2.2: never in a SYN */
	uint32_t field = RTE_MIN(wnd >> shift, 65535u);
	if (seq_lt(tcb->rcv.nxt + (field << shift), tcb->rcv.adv) && field < 65535u)
		field++;
	tcb->rcv.adv = tcb->rcv.nxt + (field << shift);
	return (uint16_t)field;
}

static void
tcp_opts_for(struct engine *eng, struct tcb *tcb, uint8_t flags, struct tcp_opts *o)
{
	const struct config *cfg = eng->cfg;

	memset(o, 0, sizeof(*o));
	if (flags & TH_SYN) {
		bool active = tcb->state == TCP_SYN_SENT;
		o->has_mss = true;
		o->mss = eng->ifc->mtu - 40;
		/* Offer an option actively, or answer one the peer offered. */
		o->has_wscale = active ? cfg->tcp_window_scaling : (tcb->flags & TF_WS_OK) != 0;
		o->wscale = tcb->rcv.wscale;
		o->sack_ok = active ? cfg->tcp_sack : (tcb->flags & TF_SACK_OK) != 0;
		o->has_ts = active ? cfg->tcp_timestamps : (tcb->flags & TF_TS_OK) != 0;
	} else {
		o->has_ts = (tcb->flags & TF_TS_OK) != 0;
		if ((tcb->flags & TF_SACK_OK) && tcb->nb_ooo > 0 && (flags & TH_ACK))
			o->nb_sack = (uint8_t)tcp_reass_sack(tcb, o->sack, o->has_ts ? 3 : 4);
	}
	if (o->has_ts) {
		o->ts_val = (uint32_t)eng->now_ticks;
		o->ts_ecr = tcb->ts_recent;
	}
}

/* The send-queue segment holding byte @off (counted from snd.una), and @in,
 * where in it. It resumes from where the last segment built ended: a train
 * of segments walks the queue once, not once per segment from its head. */
static const struct rte_mbuf *
tcp_sndq_seek(struct tcb *tcb, uint32_t off, uint32_t *in)
{
	struct rte_mbuf *m = tcb->sndq;
	uint32_t base = 0;

	if (tcb->sndq_cur != NULL && tcb->sndq_cur_off <= off) {
		m = tcb->sndq_cur;
		base = tcb->sndq_cur_off;
	}
	while (m != NULL && off - base >= m->data_len) {
		base += m->data_len;
		m = m->next;
	}
	if (m != NULL) { /* never an empty segment: off - base < data_len */
		tcb->sndq_cur = m;
		tcb->sndq_cur_off = base;
	}
	*in = off - base;
	return m;
}

/* Copy @len bytes of a chain, starting @in bytes into its segment @m. */
static void
tcp_copy_payload(char *dst, const struct rte_mbuf *m, uint32_t in, uint32_t len)
{
	while (len > 0 && m != NULL) {
		uint32_t n = RTE_MIN(len, (uint32_t)m->data_len - in);
		memcpy(dst, rte_pktmbuf_mtod_offset(m, const char *, in), n);
		dst += n;
		len -= n;
		in = 0;
		m = m->next;
	}
}

/* Whether a segment's @len payload bytes (from @in bytes into the send
 * queue's segment @data) reference the send queue rather than being copied:
 * with [tcp] zero_copy_tx on a port that chains, and not when they lie in
 * more pieces than a frame may reference (counted). */
static bool
tcp_build_by_ref(struct engine *eng, const struct rte_mbuf *data, uint32_t in, uint32_t len)
{
	if (len == 0 || !tcp_payload_ref_enabled(eng))
		return false;
	if (tcp_payload_ref_fits(eng, data, in, len, false))
		return true;
	eng->stats.tcp_tx_pieces_copied++;
	return false;
}

/* Headers (and @len payload bytes from the chain segment @data, @in bytes
 * into it) into a new mbuf, checksummed (or marked for the port to), handed
 * to IPv4. Payload past @tso_segsz (0: none) makes a super-segment the port
 * cuts (tcp_tso.c). */
static int
tcp_build(struct engine *eng, const struct flow_key *key, uint32_t seq, uint32_t ack, uint8_t flags,
          uint16_t wnd, const struct tcp_opts *opts, const struct rte_mbuf *data, uint32_t in,
          uint32_t len, uint32_t tso_segsz, struct tcp_tmpl *tt)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(eng->pool);

	if (m == NULL) {
		eng->stats.drops[DROP_NO_MBUF]++;
		return -ENOBUFS;
	}
	uint8_t optbuf[TCP_MAX_OPT_LEN];
	unsigned olen = opts != NULL ? tcp_opts_build(optbuf, opts) : 0;
	unsigned thl = TCP_MIN_HDR_LEN + olen;
	bool tso = tso_segsz != 0 && len > tso_segsz;
	bool by_ref = tso || tcp_build_by_ref(eng, data, in, len);
	char *p = rte_pktmbuf_append(m, (uint16_t)(IPV4_MIN_HDR_LEN + thl + (by_ref ? 0 : len)));
	if (p == NULL || (by_ref && (tso ? tcp_tso_payload(eng, m, data, in, len)
	                                 : tcp_payload_ref_attach(eng, m, data, in, len)) != 0)) {
		rte_pktmbuf_free(m);
		eng->stats.drops[DROP_NO_MBUF]++;
		return -ENOBUFS;
	}
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)p;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ih + 1);
	if (len > 0 && !by_ref)
		tcp_copy_payload((char *)th + thl, data, in, len);
	ipv4_build(ih, key->local_ip, key->remote_ip, IPPROTO_TCP, (uint16_t)(thl + len),
	           eng->ifc->ttl, eng->ip_id++);
	th->src_port = key->local_port;
	th->dst_port = key->remote_port;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((thl / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(wnd);
	th->tcp_urp = 0;
	tcp_opts_copy(th + 1, optbuf, olen);
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = IPV4_MIN_HDR_LEN;
	m->l4_len = thl;
	if (tso) {
		tcp_tso_mark(eng, m, ih, th, tso_segsz, len);
	} else if (eng->ifc->caps.tx_tcp_cksum && (!by_ref || tcp_payload_ref_port_cksum(eng, m))) {
		m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
		/* The port finishes the sum from the pseudo-header's. In
		 * registers: DPDK's rte_ipv4_phdr_cksum builds the pseudo-header
		 * on the stack byte by byte and reads it back by words, a failed
		 * store forwarding. perf on rr-256's client over the pair: a
		 * fifth of tcp_build's samples sat on it, and tcp_build went from
		 * 12.1% to 10.3% of the core's without it. */
		th->cksum = cksum_fold(cksum_ipv4_phdr(ih, (uint16_t)(thl + len)));
	} else {
		m->ol_flags = 0;
		th->cksum = 0;
		th->cksum = by_ref ? tcp_payload_ref_cksum(m, ih) : cksum_ipv4_tcp(ih, th);
	}
	eng->stats.tcp_segs_out++;
	/* A connection's segments: by its header template (tcp_tmpl.h). */
	if (tt != NULL && tt->entry == NULL)
		tcp_tmpl_learn_before(eng, tt, key);
	if (tt == NULL || !tcp_tmpl_send(eng, tt, m)) {
		ipv4_send(eng, m);
		if (tt != NULL)
			tcp_tmpl_learn(eng, tt, key);
	}
	return 0;
}

void
tcp_respond_rst(struct engine *eng, const struct flow_key *key, uint32_t seq, uint32_t ack,
                uint8_t flags)
{
	eng->stats.tcp_resets_sent++;
	tcp_build(eng, key, seq, ack, flags, 0, NULL, NULL, 0, 0, 0, NULL);
}

void
tcp_respond(struct engine *eng, const struct flow_key *key, uint32_t seq, uint32_t ack,
            uint8_t flags, uint16_t wnd, const struct tcp_opts *opts)
{
	tcp_build(eng, key, seq, ack, flags, wnd, opts, NULL, 0, 0, 0, NULL);
}

/* SACK blocks our segments carry now: one per out-of-order run, as many as
 * fit beside the timestamps (RFC 2018 3). */
static unsigned
tcp_sack_blocks(const struct tcb *tcb)
{
	if (!(tcb->flags & TF_SACK_OK))
		return 0;
	return RTE_MIN((unsigned)tcb->nb_ooo, (tcb->flags & TF_TS_OK) ? 3u : 4u);
}

/* Payload bytes in one segment: the peer's MSS less the options the
 * segment carries (RFC 9293 3.7.1). Data segments carry the SACK blocks too
 * (RFC 2018 4: on every ACK while we hold out-of-order data): when both
 * sides send data, as an echo does, our ACKs ride on data, and without the
 * blocks the peer could neither count duplicate ACKs nor see the holes, so
 * every loss cost it a retransmission timeout. */
static uint32_t
tcp_payload_max(const struct tcb *tcb)
{
	unsigned sack = tcp_sack_blocks(tcb);

	return tcp_full_seg_len(tcb) - tcp_opts_sack_len(sack);
}

/* One segment of the connection; an ACK in it settles what we owed. */
static int
tcp_xmit(struct engine *eng, struct tcb *tcb, uint32_t seq, uint8_t flags, uint32_t len)
{
	struct tcp_opts opts;
	uint16_t wnd = tcp_window_field(tcb, flags & TH_SYN);

	const struct rte_mbuf *data = NULL;
	uint32_t in = 0, seg_max = 0, tso_segsz = 0;

	tcp_opts_for(eng, tcb, flags, &opts);
	if (len > 0) {
		data = tcp_sndq_seek(tcb, seq - tcb->snd.una, &in);
		seg_max = tcp_payload_max(tcb);
	}
	if (len > seg_max) /* only new data, as tcp_tso_len cut it */
		tso_segsz = tcp_tso_segsz(eng, tcb, seg_max);
	int ret = tcp_build(eng, &tcb->key, seq, tcb->rcv.nxt, flags, wnd, &opts, data, in, len,
	                    tso_segsz, &tcb->tmpl);
	if (ret == 0 && (tcb->flags & TF_IN_RECOVERY))
		tcp_prr_sent(tcb, len); /* RFC 6937 prr_out */
	/* The scoreboard keeps what left and when (RFC 6675 3, RFC 8985 6.1). */
	if (ret == 0 && !(flags & TH_SYN) && (len > 0 || (flags & TH_FIN)))
		tcp_sb_sent(tcb, seq, len + ((flags & TH_FIN) != 0), (uint32_t)engine_now_us(eng));
	if (ret == 0 && (flags & TH_ACK)) {
		tcb->flags &= ~(TF_ACK_NOW | TF_DELACK);
		tcb->segs_unacked = 0;
		/* Left in the wheel: the next data re-arms it (timer_wheel.h). */
		timer_stop(&eng->wheel, &tcb->delack);
	}
	return ret;
}

void
tcp_send_ctl(struct engine *eng, struct tcb *tcb, uint32_t seq, uint8_t flags)
{
	struct tcp_opts opts;

	tcp_opts_for(eng, tcb, flags, &opts);
	opts.nb_sack = 0;
	tcp_build(eng, &tcb->key, seq, tcb->rcv.nxt, flags, tcp_window_field(tcb, false),
	          (flags & TH_RST) ? NULL : &opts, NULL, 0, 0, 0, &tcb->tmpl);
}

/* The SYN (SYN_SENT) or SYN-ACK (SYN_RCVD), sent again whenever asked. */
static void
tcp_output_syn(struct engine *eng, struct tcb *tcb)
{
	bool syn_ack = tcb->state == TCP_SYN_RCVD;

	if (tcb->snd.nxt != tcb->snd.iss && !(tcb->flags & TF_ACK_NOW))
		return;
	if (tcp_xmit(eng, tcb, tcb->snd.iss, syn_ack ? TH_SYN | TH_ACK : TH_SYN, 0) != 0)
		return;
	if (tcb->snd.nxt == tcb->snd.iss) {
		tcb->snd.nxt = tcb->snd.iss + 1;
		tcb->snd.max = seq_max(tcb->snd.max, tcb->snd.nxt);
	}
	if (!timer_pending(&tcb->rexmt))
		tcp_rexmt_arm(eng, tcb, TCP_TIMER_RTO, tcb->rto_ms);
}

/* Fast retransmit / NewReno partial ACK: the first unacknowledged segment. */
static bool
tcp_output_rexmt_one(struct engine *eng, struct tcb *tcb)
{
	tcb->flags &= ~TF_REXMT_ONE;
	/* Only what was sent: a retransmission that ran past snd.max would
	 * carry new bytes snd.max does not cover, and the peer's ACK of them
	 * would be dropped as acking what we never sent (simulation, seed
	 * 3876). */
	uint32_t sent = seq_min(tcb->snd.max, tcb->snd.una + tcb->sndq_len) - tcb->snd.una;
	uint32_t len = RTE_MIN(tcp_payload_max(tcb), sent);
	uint8_t flags = TH_ACK;
	uint32_t run;

	/* Never into bytes the peer SACKed (a hole shorter than a segment). */
	tcp_sb_skip_sacked(tcb, tcb->snd.una, &run);
	len = RTE_MIN(len, run);

	if (len == 0 && !(tcb->flags & TF_FIN_SENT))
		return false;
	if (len == tcb->sndq_len && (tcb->flags & TF_FIN_SENT))
		flags |= TH_FIN;
	tcp_count_retransmit(eng, tcb);
	if (tcp_xmit(eng, tcb, tcb->snd.una, flags, len) != 0)
		return false;
	tcb->high_rxt = seq_max(tcb->high_rxt, tcb->snd.una + len);
	return true;
}

/* Lost segments, one per credit the ACKs gave, as RFC 6675 4 NextSeg()
 * picks them from the scoreboard: never a byte the peer SACKed. Only below
 * snd.nxt: after a timeout, what lies above it goes again in order
 * (tcp_output_data). */
static bool
tcp_output_holes(struct engine *eng, struct tcb *tcb)
{
	uint32_t data_end = tcb->snd.una + tcb->sndq_len;
	uint32_t seq, len;
	bool sent = false;

	while (tcp_sb_next_seg(tcb, tcp_payload_max(tcb), seq_min(tcb->snd.nxt, data_end), &seq,
	                       &len)) {
		/* NextSeg() says which (RFC 6675 4). How many: a credit first
		 * (outside recovery a segment per segment delivered; a timer
		 * that found a loss with no ACK to clock it, one), then in
		 * recovery what PRR lets out (RFC 6937 3). Requiring both
		 * starved recovery: an ACK's credit that PRR held back was gone
		 * by the ACK that let PRR send, and a timer's credit waited for
		 * an ACK that never came, until the RTO. */
		bool by_credit = tcb->rxt_credit > 0;
		if (!by_credit && !((tcb->flags & TF_IN_RECOVERY) && len <= tcb->prr.sndcnt))
			break;
		if (tcp_xmit(eng, tcb, seq, TH_ACK, len) != 0)
			break;
		tcp_count_retransmit(eng, tcb);
		if (by_credit)
			tcb->rxt_credit--;
		sent = true;
	}
	/* What NextSeg() does not find now waits for the next grant. */
	tcb->rxt_credit = 0;
	return sent;
}

/* RFC 8985 7.3: the tail loss probe resends the last segment sent. */
static bool
tcp_output_tlp(struct engine *eng, struct tcb *tcb)
{
	uint32_t data_end = tcb->snd.una + tcb->sndq_len;
	uint32_t sent_end = seq_min(tcb->snd.max, data_end);

	tcb->flags &= ~TF_TLP;
	if (tcb->snd.una == tcb->snd.max)
		return false;
	uint32_t start = seq_max(tcb->snd.una,
	                         sent_end - RTE_MIN(tcp_payload_max(tcb), sent_end - tcb->snd.una));
	uint8_t flags = TH_ACK;
	if ((tcb->flags & TF_FIN_SENT) && seq_gt(tcb->snd.max, data_end))
		flags |= TH_FIN;
	tcp_count_retransmit(eng, tcb);
	return tcp_xmit(eng, tcb, start, flags, sent_end - start) == 0;
}

/* New (or, after a timeout, resent) data within min(window, cwnd). */
static bool
tcp_output_data(struct engine *eng, struct tcb *tcb)
{
	uint32_t seg_max = tcp_payload_max(tcb);
	uint32_t cwnd = tcp_cc_send_window(tcb); /* in recovery, PRR's sndcnt */
	/* RFC 3042 limited transmit: a new segment for each of the first two
	 * duplicate ACKs keeps the ACK clock going when the window is small. */
	if (!(tcb->flags & TF_IN_RECOVERY) && tcb->dupacks > 0 && tcb->dupacks < 3)
		cwnd += tcb->dupacks * seg_max;
	uint32_t win = RTE_MIN(tcb->snd.wnd, cwnd);
	bool sent = false;

	for (;;) {
		/* After a timeout, going back over what was sent: what the peer
		 * SACKed is skipped (RFC 6675 5.1 keeps it, tcp_rto_expired), a
		 * hole goes alone. */
		uint32_t run = UINT32_MAX;
		if (seq_lt(tcb->snd.nxt, tcb->snd.max))
			tcb->snd.nxt = tcp_sb_skip_sacked(tcb, tcb->snd.nxt, &run);
		uint32_t off = tcb->snd.nxt - tcb->snd.una;
		uint32_t avail = tcb->sndq_len > off ? tcb->sndq_len - off : 0;
		uint32_t room = seq_lt(tcb->snd.nxt, tcb->snd.una + win)
		                        ? tcb->snd.una + win - tcb->snd.nxt
		                        : 0;
		/* One segment, or with TSO new data in whole segments
		 * (tcp_tso.c); what went before goes again MSS-sized. */
		uint32_t len = RTE_MIN(RTE_MIN(avail, room), run);
		len = seq_lt(tcb->snd.nxt, tcb->snd.max)
		              ? RTE_MIN(len, seg_max)
		              : tcp_tso_len(eng, tcb, seg_max, len, avail);
		if (len == 0)
			break;
		/* RFC 9293 3.8.6.2.1: no small segment while the window, not the
		 * data, is what limits it, unless nothing is in flight. */
		if (len < seg_max && len < avail && len != run && tcb->snd.una != tcb->snd.max)
			break;
		/* Its quantum for this round is spent: the rest in a later
		 * round or pass (fair output, tcp_sched.h). */
		if (!tcp_sched_take(&eng->tcp.sched))
			break;
		if (len > seg_max)
			tcp_sched_take_more(&eng->tcp.sched, (len - 1) / seg_max);
		uint8_t flags = TH_ACK | (len == avail ? TH_PSH : 0);
		/* The FIN rides on the queue's last bytes when the window has
		 * room for its sequence number too: one segment fewer for
		 * every connection that closes after writing (an HTTP/1.0
		 * response, a crr reply). */
		bool fin = len == avail && (tcb->flags & TF_FIN_QUEUED) && room > len;
		if (fin)
			flags |= TH_FIN;
		if (tcp_xmit(eng, tcb, tcb->snd.nxt, flags, len) != 0)
			break;
		if (seq_lt(tcb->snd.nxt, tcb->snd.max))
			tcp_count_retransmit(eng, tcb);
		else if (!(tcb->flags & (TF_TS_OK | TF_RTT_TIMING))) {
			tcb->flags |= TF_RTT_TIMING;
			tcb->rtt_seq = tcb->snd.nxt;
			tcb->rtt_start_tick = eng->now_ticks;
		}
		if (fin)
			tcb->flags |= TF_FIN_SENT;
		tcb->snd.nxt += len + fin;
		tcb->snd.max = seq_max(tcb->snd.max, tcb->snd.nxt);
		sent = true;
	}
	return sent;
}

/* Our FIN goes once every byte before it has been sent. */
static bool
tcp_output_fin(struct engine *eng, struct tcb *tcb)
{
	uint32_t fin_seq = tcb->snd.una + tcb->sndq_len;

	if (!(tcb->flags & TF_FIN_QUEUED) || tcb->snd.nxt != fin_seq)
		return false;
	/* Acknowledged already (snd.una is past it): never a second FIN. */
	if ((tcb->flags & TF_FIN_SENT) && tcb->snd.una == tcb->snd.max)
		return false;
	/* A FIN is a segment too: with data in flight it waits for room in
	 * the congestion window, as data does (after a timeout the loss
	 * window is one segment, RFC 5681 3.1). Sent regardless, it followed
	 * each timeout's retransmission of a hole, and an ARP queue of one,
	 * which keeps the latest packet (RFC 1122 2.3.2.2), kept the FIN and
	 * dropped the data at every timeout: the stall of tern-sim's seed
	 * 12499 (--first 10001). With nothing in flight it goes at once. */
	if (tcb->snd.una != fin_seq && !seq_lt(fin_seq, tcb->snd.una + tcp_cc_send_window(tcb)))
		return false;
	if (tcp_xmit(eng, tcb, fin_seq, TH_FIN | TH_ACK, 0) != 0)
		return false;
	if (tcb->flags & TF_FIN_SENT)
		tcp_count_retransmit(eng, tcb);
	tcb->flags |= TF_FIN_SENT;
	tcb->snd.nxt = fin_seq + 1;
	tcb->snd.max = seq_max(tcb->snd.max, tcb->snd.nxt);
	return true;
}

/* Pure ACKs this pass owes: one if an ACK is due and no segment carried
 * it; and RFC 5681 4.2's duplicate ACK for every out-of-order segment that
 * arrived since the last pass, less one a data segment carried. A burst
 * that brought three segments above a hole gives three duplicate ACKs, as
 * three bursts would: a sender that counts them (RFC 5681 3.2, NewReno
 * without SACK) needs three, and when ACKs are lost (20% each way in the
 * soak) each copy is one more chance for the SACK blocks to arrive. In-order
 * data stays one ACK a burst (DESIGN.md principle 3). */
static unsigned
tcp_pure_acks_owed(struct tcb *tcb, bool sent)
{
	unsigned owed = tcb->dupacks_owed;

	tcb->dupacks_owed = 0;
	if (sent)
		return owed > 0 ? owed - 1 : 0;
	if (tcb->flags & TF_ACK_NOW)
		return RTE_MAX(owed, 1u);
	return owed;
}

static void
tcp_output_one(struct engine *eng, struct tcb *tcb)
{
	switch (tcb->state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RCVD:
		tcp_output_syn(eng, tcb);
		return;
	case TCP_TIME_WAIT:
		if (tcb->flags & TF_ACK_NOW)
			tcp_xmit(eng, tcb, tcb->snd.max, TH_ACK, 0);
		return;
	default:
		break;
	}
	bool sent = false;
	uint32_t max_before = tcb->snd.max;
	if (tcb->flags & TF_REXMT_ONE)
		sent = tcp_output_rexmt_one(eng, tcb);
	if (tcb->rxt_credit > 0 || ((tcb->flags & TF_IN_RECOVERY) && tcb->prr.sndcnt > 0))
		sent |= tcp_output_holes(eng, tcb);
	if (tcb->flags & TF_TLP)
		sent |= tcp_output_tlp(eng, tcb);
	sent |= tcp_output_data(eng, tcb);
	sent |= tcp_output_fin(eng, tcb);
	/* RFC 8985 7.2: new data sent restarts the probe timer, whose PTO
	 * depends on the flight (armed by the ACK with one segment out, it
	 * waited WCDelAckT for a flight of many). */
	if (tcb->snd.max != max_before && tcb->rexmt_kind == TCP_TIMER_TLP)
		tcp_rexmt_restart(eng, tcb);
	if (tcb->snd.una != tcb->snd.max && !timer_pending(&tcb->rexmt))
		tcp_rexmt_restart(eng, tcb);
	/* Data waits on a zero window with nothing in flight: probe it. */
	if (tcb->snd.wnd == 0 && tcb->sndq_len > 0 && tcb->snd.una == tcb->snd.max &&
	    !timer_pending(&tcb->rexmt))
		tcp_rexmt_arm(eng, tcb, TCP_TIMER_PERSIST, tcb->rto_ms);
	/* A pure ACK goes at snd.max, not snd.nxt: after a timeout snd.nxt
	 * goes back below what the peer may hold, the peer would drop the ACK
	 * as an old duplicate unread, and when both sides timed out neither
	 * would ever learn its data arrived (found by the simulation, seed
	 * 8704; BSD sends its ACKs at snd_max for the same reason). */
	unsigned acks = tcp_pure_acks_owed(tcb, sent);
	while (acks-- > 0 && tcp_xmit(eng, tcb, tcb->snd.max, TH_ACK, 0) == 0)
		;
}

/* Writers that waited for the send budget hear once a quarter of it is
 * free again (before output, so what they send goes in this pass). */
static void
tcp_budget_wake(struct engine *eng)
{
	struct tcp_engine *te = &eng->tcp;
	LIST_HEAD(, tcb) woken = LIST_HEAD_INITIALIZER(woken);
	struct tcb *tcb;

	/* Those a callback puts back on the list wait for the next wake. */
	while ((tcb = LIST_FIRST(&te->budget_waiters)) != NULL) {
		LIST_REMOVE(tcb, budget_link);
		LIST_INSERT_HEAD(&woken, tcb, budget_link);
	}
	while ((tcb = LIST_FIRST(&woken)) != NULL) {
		LIST_REMOVE(tcb, budget_link);
		tcb->flags &= ~TF_BUDGET_WAIT;
		tcb->flags |= TF_WRITABLE_WAIT;
		if (tcb->state != TCP_CLOSED)
			tcp_notify_writable(eng, tcb);
	}
}

void
tcp_output_burst(struct engine *eng)
{
	struct tcp_engine *te = &eng->tcp;
	struct tcb *tcb;

	if (!LIST_EMPTY(&te->budget_waiters) && te->sndq_segs < te->sndq_segs_max / 4 * 3)
		tcp_budget_wake(eng);
	if (!LIST_EMPTY(&te->rcv_waiters) && te->rcv_segs < te->rcv_segs_max / 4 * 3)
		tcp_rcv_budget_wake(eng);
	/* The port's queue is full ([port] tx_queue_us): the marked stay
	 * marked, in their order, for a pass once the line has drained. */
	te->sched.line_wait = engine_tx_room(eng) == 0;
	if (te->sched.line_wait) {
		eng->stats.tcp_output_line_waits++;
		tcp_sched_recycle_closed(eng);
		return;
	}

	tcp_sched_begin(eng);
	while ((tcb = tcp_sched_next(eng)) != NULL) {
		if (tcb->state == TCP_CLOSED) {
			tcp_tcb_recycle(eng, tcb);
			continue;
		}
		tcp_output_one(eng, tcb);
		tcp_sched_after(eng, tcb);
	}
	/* Every block marked before the pass had its first round, the ended
	 * ones recycled. */
	te->sched.closed_seen = eng->stats.tcp_conns_closed;
}
