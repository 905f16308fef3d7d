/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (RFC 4987 3.6): past the half-open budget ([tcp] syn_backlog)
 * a SYN to a listener is answered without keeping any state. What the
 * connection needs later travels in our SYN-ACK and comes back in the ACK
 * that completes the handshake: our ISN is the cookie, and, when the peer
 * sent timestamps, the low bits of our TSval carry its options (as Linux
 * does), returned in the ACK's TSecr.
 *
 *   tcp_in_listen (budget spent, or pool empty) -> tcp_syncookie_send -> tcp_respond
 *   tcp_in_listen (an ACK, no connection) -> tcp_syncookie_accept -> tcb in ESTABLISHED
 *
 * The cookie (our ISN), bit 31 first:
 *
 *   | MAC: 27 bits                                | count: 3 | mss: 2 |
 *
 *   count  the 64-second period the SYN came in, modulo 8. A cookie is good
 *          in that period and the next (64 to 128 s): any other count is
 *          stale, and one 8 periods old fails the MAC, which covers all of it.
 *   mss    index into cookie_mss: the largest entry not above the peer's MSS.
 *   MAC    the top 27 bits of the low 32 of SipHash-2-4 (libsodium's
 *          crypto_shorthash) under a per-engine secret, over the 4-tuple, the
 *          peer's ISN, the full period number, the MSS index and the options
 *          byte below, so that none of them can be changed without it.
 *
 * Our TSval's low 5 bits, when the SYN had timestamps:
 *
 *   | sack: 1 | wscale: 4 |   the peer's window scale, 15 for none
 *
 * The rest of the TSval is our clock, lowered by 32 ticks if the bits would
 * put it ahead: later TSvals never go backwards (RFC 7323 5, PAWS). Without
 * timestamps nothing can carry the options: the SYN-ACK offers neither
 * window scaling nor SACK, and the connection does without them.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>

#include <sodium.h>

#include "core/config.h"
#include "engine/engine.h"
#include "tcp/tcp.h"
#include "tcp/tcp_cc.h"

#define COOKIE_PERIOD_MS  64000u
#define COOKIE_MSS_BITS   2
#define COOKIE_COUNT_BITS 3
#define COOKIE_MAC_SHIFT  (COOKIE_MSS_BITS + COOKIE_COUNT_BITS)
#define COOKIE_COUNT_MASK ((1u << COOKIE_COUNT_BITS) - 1)
#define COOKIE_TS_MASK    0x1fu /* option bits in our TSval */
#define COOKIE_TS_SACK    0x10u
#define COOKIE_WS_NONE    0x0fu
#define COOKIE_OPTS_TS    0x80u /* in the MAC's options byte: the SYN had timestamps */

/* Common MSS values (Ethernet with and without tunnels or PPPoE, and RFC
 * 9293 3.7.1's default), smallest first. */
static const uint16_t cookie_mss[1u << COOKIE_MSS_BITS] = { 536, 1300, 1440, 1460 };

static uint32_t
cookie_period(const struct engine *eng)
{
	return (uint32_t)(eng->now_ticks / engine_ms_to_ticks(COOKIE_PERIOD_MS));
}

static uint32_t
cookie_mac(const struct engine *eng, const struct flow_key *key, uint32_t peer_isn, uint32_t period,
           uint8_t mss_idx, uint8_t opts)
{
	uint8_t in[22];
	uint8_t h[crypto_shorthash_BYTES];

	memcpy(in, &key->local_ip, 4);
	memcpy(in + 4, &key->local_port, 2);
	memcpy(in + 6, &key->remote_ip, 4);
	memcpy(in + 10, &key->remote_port, 2);
	memcpy(in + 12, &peer_isn, 4);
	memcpy(in + 16, &period, 4);
	in[20] = mss_idx;
	in[21] = opts;
	crypto_shorthash(h, in, sizeof(in), eng->tcp.cookie_key.k);
	uint32_t v =
	        (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
	return v >> COOKIE_MAC_SHIFT;
}

static uint32_t
cookie_make(const struct engine *eng, const struct flow_key *key, uint32_t peer_isn,
            uint32_t period, uint8_t mss_idx, uint8_t opts)
{
	return cookie_mac(eng, key, peer_isn, period, mss_idx, opts) << COOKIE_MAC_SHIFT |
	       (period & COOKIE_COUNT_MASK) << COOKIE_MSS_BITS | mss_idx;
}

/* Our window scale, as tcp_tcb_setup() chooses it (RFC 7323 2.3). */
static uint8_t
cookie_rcv_wscale(const struct config *cfg)
{
	uint8_t ws = 0;

	while (ws < 14 && (cfg->tcp_rcv_buf >> ws) > 65535)
		ws++;
	return ws;
}

/* Our clock with @bits in its low bits, never ahead of it. */
static uint32_t
cookie_tsval(const struct engine *eng, uint8_t bits)
{
	uint32_t now = (uint32_t)eng->now_ticks;
	uint32_t ts = (now & ~COOKIE_TS_MASK) | bits;

	if (seq_gt(ts, now))
		ts -= COOKIE_TS_MASK + 1;
	return ts;
}

void
tcp_syncookie_send(struct engine *eng, const struct flow_key *key, const struct tcp_seg *seg)
{
	const struct config *cfg = eng->cfg;
	uint16_t peer_mss = seg->opts.has_mss ? seg->opts.mss : 536;
	struct tcp_opts o;
	uint8_t idx = 0, opts = 0;

	for (uint8_t i = RTE_DIM(cookie_mss); i-- > 1;) {
		if (cookie_mss[i] <= peer_mss) {
			idx = i;
			break;
		}
	}
	memset(&o, 0, sizeof(o));
	o.has_mss = true;
	o.mss = eng->ifc->mtu - 40;
	if (seg->opts.has_ts && cfg->tcp_timestamps) {
		bool ws = seg->opts.has_wscale && cfg->tcp_window_scaling;
		bool sack = seg->opts.sack_ok && cfg->tcp_sack;
		uint8_t bits =
		        (uint8_t)((ws ? RTE_MIN((uint32_t)seg->opts.wscale, 14u) : COOKIE_WS_NONE) |
		                  (sack ? COOKIE_TS_SACK : 0u));
		opts = (uint8_t)(COOKIE_OPTS_TS | bits);
		o.has_wscale = ws;
		o.wscale = cookie_rcv_wscale(cfg);
		o.sack_ok = sack;
		o.has_ts = true;
		o.ts_val = cookie_tsval(eng, bits);
		o.ts_ecr = seg->opts.ts_val;
	}
	uint32_t isn = cookie_make(eng, key, seg->seq, cookie_period(eng), idx, opts);
	/* The window of a SYN is never scaled (RFC 7323 2.2). */
	tcp_respond(eng, key, isn, seg->seq + 1, TH_SYN | TH_ACK,
	            (uint16_t)RTE_MIN(cfg->tcp_rcv_buf, 65535u), &o);
	eng->stats.tcp_syncookies_sent++;
	/* A cookie lives two periods at most: until then ACKs to a listener
	 * may be its answer, and a period more is checked so that late ones
	 * are counted as stale; after that they are plain RFC 9293 3.10.7.2. */
	eng->tcp.cookie_check_until = eng->now_ticks + 3 * engine_ms_to_ticks(COOKIE_PERIOD_MS);
}

/* Is @seg's ACK our cookie? Its MSS index and options byte on success. */
static int
cookie_check(struct engine *eng, const struct flow_key *key, const struct tcp_seg *seg,
             uint8_t *mss_idx, uint8_t *opts)
{
	uint32_t isn = seg->ack - 1;
	uint32_t period = cookie_period(eng);
	uint32_t age = (period - (isn >> COOKIE_MSS_BITS)) & COOKIE_COUNT_MASK;

	if (age > 1) {
		eng->stats.drops[DROP_TCP_SYNCOOKIE_STALE]++;
		return -EINVAL;
	}
	*mss_idx = (uint8_t)(isn & ((1u << COOKIE_MSS_BITS) - 1));
	*opts = 0;
	if (seg->opts.has_ts && eng->cfg->tcp_timestamps)
		*opts = (uint8_t)(COOKIE_OPTS_TS | (seg->opts.ts_ecr & COOKIE_TS_MASK));
	if (cookie_make(eng, key, seg->seq - 1, period - age, *mss_idx, *opts) != isn) {
		eng->stats.drops[DROP_TCP_SYNCOOKIE_BAD]++;
		return -EINVAL;
	}
	return 0;
}

/* What tcp_in_listen, tcp_negotiate and tcp_syn_rcvd_ack would have set. */
static void
cookie_tcb_fill(struct engine *eng, struct tcb *tcb, const struct tcp_seg *seg, uint8_t mss_idx,
                uint8_t opts)
{
	const struct config *cfg = eng->cfg;
	uint16_t our_mss = eng->ifc->mtu - 40;

	tcb->rcv.irs = seg->seq - 1;
	tcb->rcv.nxt = seg->seq;
	/* What our SYN-ACK offered, unscaled (tcp_window_field for a SYN). */
	tcb->rcv.adv = tcb->rcv.nxt + RTE_MIN(cfg->tcp_rcv_buf, 65535u);
	tcb->snd.iss = seg->ack - 1;
	tcb->snd.una = tcb->snd.nxt = tcb->snd.max = seg->ack;
	tcb->recover = tcb->snd.iss;
	tcb->mss =
	        (uint16_t)RTE_MAX(RTE_MIN((uint32_t)cookie_mss[mss_idx], (uint32_t)our_mss), 64u);
	uint8_t ws = opts & COOKIE_WS_NONE;
	if ((opts & COOKIE_OPTS_TS) && ws != COOKIE_WS_NONE) {
		tcb->flags |= TF_WS_OK;
		tcb->snd.wscale = ws;
	} else {
		tcb->rcv.wscale = 0;
	}
	if ((opts & COOKIE_OPTS_TS) && (opts & COOKIE_TS_SACK))
		tcb->flags |= TF_SACK_OK;
	if (opts & COOKIE_OPTS_TS) {
		tcb->flags |= TF_TS_OK;
		tcb->ts_recent = seg->opts.ts_val;
		tcb->ts_recent_tick = eng->now_ticks;
	}
	/* RFC 5681 3.1 with RFC 6928's initial window. No RTT sample: our
	 * SYN-ACK's send time is not known (its TSval was lowered). */
	tcb->cwnd = cfg->tcp_init_cwnd * tcb->mss;
	tcb->snd.wnd = (uint32_t)seg->wnd << tcb->snd.wscale;
	tcb->snd.max_wnd = tcb->snd.wnd;
	tcb->snd.wl1 = seg->seq;
	tcb->snd.wl2 = seg->ack;
}

int
tcp_syncookie_accept(struct engine *eng, const struct tcp_listener *l, const struct flow_key *key,
                     const struct tcp_seg *seg, struct tcb **out)
{
	uint8_t mss_idx, opts;

	if (cookie_check(eng, key, seg, &mss_idx, &opts) != 0) {
		eng->stats.tcp_syncookies_rejected++;
		return -EINVAL;
	}
	struct tcb *tcb = tcp_tcb_alloc(eng);
	if (tcb == NULL)
		return -ENOBUFS; /* counted */
	tcb->key = *key;
	tcp_tcb_setup(eng, tcb);
	tcp_cc_listener_apply(tcb, l);
	tcb->flags |= TF_PASSIVE;
	tcb->ops = l->ops;
	tcb->arg = l->arg;
	cookie_tcb_fill(eng, tcb, seg, mss_idx, opts);
	if (tcp_tcb_insert(eng, tcb) != 0) {
		tcp_tcb_free(eng, tcb);
		return -ENOBUFS;
	}
	/* Straight from CLOSED: never half-open, so outside the budget. */
	tcp_set_state(eng, tcb, TCP_ESTABLISHED);
	eng->stats.tcp_syncookies_accepted++;
	*out = tcb;
	return 0;
}
