/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The scripted peer, a sketch of TCP: it answers a SYN with a SYN-ACK (or a
 * RST, or nothing), ACKs data and FINs, sends its own data, FINs and RSTs,
 * shuts its window, and loses segments, each by the seed's odds. Its segments
 * wait in the struct reentry's out_q until flush_out hands them to the engine.
 *
 *   step_peer -> pc_emit (-> lend_peer_ack) -> out_q -> flush_out -> harness_poll
 *     -> check_all
 *   settle -> peer_read (frames out) -> peer_on_frame -> answers -> flush_out
 *     -> lend_check_ended
 *
 * It also checks what it reads: every byte of ours is the application's.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "reentry.h"

#define SETTLE_MAX 24 /* exchanges with the peer after one step */

static struct pconn *
pconn_find(struct reentry *re, uint16_t us_port, uint16_t peer_port)
{
	struct pconn *pconns = re->pconns;

	for (unsigned i = 0; i < PCONNS; i++)
		if (pconns[i].used && pconns[i].us_port == us_port &&
		    pconns[i].peer_port == peer_port)
			return &pconns[i];
	return NULL;
}

/* A fresh connection of the peer's (replacing one of the same ports, or a
 * random one when all are taken). */
static struct pconn *
pconn_new(struct reentry *re, uint16_t us_port, uint16_t peer_port)
{
	struct pconn *pc = pconn_find(re, us_port, peer_port);

	for (unsigned i = 0; i < PCONNS && pc == NULL; i++)
		if (!re->pconns[i].used)
			pc = &re->pconns[i];
	if (pc == NULL)
		pc = &re->pconns[below(re, PCONNS)];
	uint32_t isn = (uint32_t)next_rand(re);
	*pc = (struct pconn){
		.used = true,
		.us_port = us_port,
		.peer_port = peer_port,
		.snd_una = isn,
		.snd_nxt = isn,
	};
	return pc;
}

/* A random connection of the peer's that @ok accepts. */
static struct pconn *
pconn_pick(struct reentry *re, bool (*ok)(const struct pconn *))
{
	struct pconn *pconns = re->pconns;
	unsigned n = 0, k;

	for (unsigned i = 0; i < PCONNS; i++)
		n += pconns[i].used && ok(&pconns[i]);
	if (n == 0)
		return NULL;
	k = below(re, n);
	for (unsigned i = 0; i < PCONNS; i++)
		if (pconns[i].used && ok(&pconns[i]) && k-- == 0)
			return &pconns[i];
	return NULL;
}

void
flush_out(struct reentry *re)
{
	harness_inject(re->h, re->out_q, re->nb_out);
	re->nb_out = 0;
	harness_poll(re->h);
	re->cnt.polls++;
	check_all(re, "after a poll");
}

static void
peer_emit(struct reentry *re, uint16_t us_port, uint16_t peer_port, uint32_t seq, uint32_t ack,
          uint8_t flags, uint16_t len, bool zero_win, uint32_t ts_ecr)
{
	struct frame_tcp t = frame_peer_seg(peer_port, us_port, seq, (flags & TH_ACK) ? ack : 0,
	                                    flags, re->peer_payload, len);

	t.win = zero_win ? 0 : 65535;
	trace_seg(re, &t, false, "");
	if ((flags & TH_SYN) && re->odds.peer_ts) {
		t.opts.sack_ok = true;
		t.opts.has_wscale = true; /* shift 0: the window field as is */
	}
	if (re->odds.peer_ts) {
		t.opts.has_ts = true;
		t.opts.ts_val = (uint32_t)re->now_ms + 1;
		t.opts.ts_ecr = ts_ecr;
	}
	if (re->nb_out == OUT_MAX)
		flush_out(re);
	re->out_q[re->nb_out] = frame_tcp(harness_pool(), &harness_iface(re->h)->mac, &t);
	if (re->out_q[re->nb_out] == NULL)
		bug(re, "the test frames' pool is empty");
	else
		re->nb_out++;
}

static void
pc_emit(struct reentry *re, struct pconn *pc, uint32_t seq, uint8_t flags, uint16_t len)
{
	/* Every ACK of our data goes out here: the lent buffers it covers. */
	if ((flags & TH_ACK) && pc->synced)
		lend_peer_ack(re, pc->us_port, pc->peer_port, pc->irs, pc->rcv_nxt);
	peer_emit(re, pc->us_port, pc->peer_port, seq, pc->rcv_nxt, flags, len, pc->zero_win,
	          pc->ts_recent);
}

/* The peer's new bytes (and perhaps its FIN), in sequence. */
static void
pc_send(struct reentry *re, struct pconn *pc, uint16_t len, bool fin)
{
	if (pc->fin_sent) {
		len = 0;
		fin = false;
	}
	pc_emit(re, pc, pc->snd_nxt, (uint8_t)(TH_ACK | (fin ? TH_FIN : 0)), len);
	pc->snd_nxt += len + fin;
	pc->fin_sent |= fin;
}

/* By the seed's odds (never at the end), the peer resets @pc, or reads our
 * segment and does not answer: true if it does not answer. */
static bool
pc_rst_or_mute(struct reentry *re, struct pconn *pc)
{
	if (re->coop)
		return false;
	if (pct(re, re->odds.rst_pct)) {
		pc_emit(re, pc, pc->snd_nxt, TH_RST | TH_ACK, 0);
		pc->used = false;
		return true;
	}
	return pct(re, re->odds.mute_pct);
}

/* Our SYN: a SYN-ACK, a refusal, or nothing (our SYN retransmits). */
static void
peer_on_syn(struct reentry *re, const struct frame_tcp *t)
{
	struct pconn *pc = pconn_find(re, t->sport, t->dport);

	if (pc == NULL || !pc->synced || pc->rcv_nxt != t->seq + 1) {
		pc = pconn_new(re, t->sport, t->dport);
		pc->irs = t->seq;
		pc->rcv_nxt = t->seq + 1;
		pc->synced = true;
	}
	if (!re->coop && pct(re, re->odds.rst_pct)) {
		peer_emit(re, t->sport, t->dport, 0, t->seq + 1, TH_RST | TH_ACK, 0, false, 0);
		pc->used = false;
		return;
	}
	if (!re->coop && pct(re, re->odds.mute_pct))
		return;
	pc_emit(re, pc, pc->snd_una, TH_SYN | TH_ACK, 0);
	pc->snd_nxt = pc->snd_una + 1;
}

/* Our SYN-ACK to the peer's SYN: the handshake's ACK, perhaps with data. */
static void
peer_on_synack(struct reentry *re, struct pconn *pc, const struct frame_tcp *t)
{
	pc->irs = t->seq;
	pc->rcv_nxt = t->seq + 1;
	pc->synced = true;
	pc->snd_una = t->ack;
	if (pc_rst_or_mute(re, pc))
		return;
	pc_send(re, pc, below(re, 3) == 0 && !re->coop ? (uint16_t)(1 + below(re, 300)) : 0, false);
}

/* Our data, FIN or ACK on a connection the peer knows. */
static void
peer_on_seg(struct reentry *re, struct pconn *pc, const struct frame_tcp *t)
{
	uint32_t space = t->len + !!(t->flags & TH_FIN);

	if (!pc->synced)
		return;
	if (seq_gt(t->ack, pc->snd_una) && seq_leq(t->ack, pc->snd_nxt))
		pc->snd_una = t->ack;
	if (seq_leq(t->seq, pc->rcv_nxt) && seq_gt(t->seq + space, pc->rcv_nxt)) {
		pc->rcv_nxt = t->seq + space;
		pc->fin_rcvd |= !!(t->flags & TH_FIN);
	}
	if (re->coop)
		pc->zero_win = false;
	if (space == 0) {
		if (pc->fin_sent && pc->fin_rcvd && pc->snd_una == pc->snd_nxt) {
			pc->used = false; /* both FINs acknowledged: done */
			return;
		}
		/* A keepalive or window probe (below what we hold): answer. */
		if (seq_lt(t->seq, pc->rcv_nxt) && (re->coop || !pct(re, re->odds.mute_pct)))
			pc_send(re, pc, 0, false);
		return;
	}
	if (pc_rst_or_mute(re, pc))
		return;
	uint16_t len = !re->coop && below(re, 4) == 0 ? (uint16_t)(1 + below(re, 300)) : 0;
	bool fin = pc->fin_rcvd && (re->coop || below(re, 2) == 0);
	pc_send(re, pc, len, fin);
}

/* Every byte we send is the application's: none of a lent buffer after its
 * free callback (poisoned then), none of Tern's own. */
static void
peer_check_bytes(struct reentry *re, const struct frame_tcp *t)
{
	unsigned i = app_bytes_end(re, t->data, t->len);

	if (i < t->len)
		bug(re, "%u > %u: byte %u of seq %u is %#x, not the application's%s", t->sport,
		    t->dport, i, t->seq, t->data[i],
		    t->data[i] == LEND_POISON ? " (a lent buffer after its free callback)" : "");
}

static void
peer_on_frame(struct reentry *re, const struct frame_tcp *t)
{
	struct pconn *pc;

	if (t->dst_ip != PEER_IP || t->src_ip != US_IP) {
		bug(re, "a frame from %#x to %#x", t->src_ip, t->dst_ip);
		return;
	}
	if (!re->coop && !(t->flags & TH_RST) && pct(re, re->odds.loss_pct)) {
		trace_seg(re, t, true, " (lost)");
		return;
	}
	trace_seg(re, t, true, "");
	peer_check_bytes(re, t);
	pc = pconn_find(re, t->sport, t->dport);
	if (pc != NULL && t->opts.has_ts)
		pc->ts_recent = t->opts.ts_val;
	if (t->flags & TH_RST) {
		if (pc != NULL)
			pc->used = false;
		return;
	}
	if ((t->flags & (TH_SYN | TH_ACK)) == TH_SYN) {
		peer_on_syn(re, t);
		return;
	}
	if (pc == NULL) {
		/* Not the peer's connection (any more): RFC 9293 3.10.7.1. */
		if (re->coop || below(re, 2) == 0)
			peer_emit(re, t->sport, t->dport, t->ack, 0, TH_RST, 0, false, 0);
		return;
	}
	if (t->flags & TH_SYN)
		peer_on_synack(re, pc, t);
	else
		peer_on_seg(re, pc, t);
}

/* Read what the engine sent and queue the peer's answers. */
static void
peer_read(struct reentry *re)
{
	struct rte_mbuf *frames[64];
	unsigned n;

	while ((n = harness_collect(re->h, frames, RTE_DIM(frames))) != 0) {
		for (unsigned i = 0; i < n; i++) {
			struct frame_tcp t;
			int ret = frame_tcp_read(frames[i], &t);
			if (ret == 0 && !re->failed)
				peer_on_frame(re, &t);
			else if (ret != 0 && ret != -EPROTO)
				bug(re, "the engine sent a bad frame (%d)", ret);
			rte_pktmbuf_free(frames[i]);
		}
	}
}

/* Exchange with the engine until it has nothing more to say (or a bound: the
 * application's callbacks may keep writing). */
void
settle(struct reentry *re)
{
	for (unsigned round = 0; round < SETTLE_MAX && !re->failed; round++) {
		peer_read(re);
		if (re->nb_out == 0)
			break;
		flush_out(re);
	}
	peer_read(re);
	for (unsigned i = 0; i < re->nb_out; i++)
		rte_pktmbuf_free(re->out_q[i]);
	re->nb_out = 0;
	/* No frame out holds a reference now. */
	lend_check_ended(re, "after the exchange");
}

/* ---- the peer's own moves ------------------------------------------------- */

static bool
pc_synced(const struct pconn *pc)
{
	return pc->synced && !pc->fin_sent;
}

static bool
pc_any(const struct pconn *pc)
{
	return pc->used;
}

static bool
pc_behind(const struct pconn *pc)
{
	return pc->synced && pc->snd_una != pc->snd_nxt;
}

/* The peer opens a connection to our listener, from one of a few ports (a
 * port may be in TIME_WAIT here, or still open). */
static void
step_syn(struct reentry *re)
{
	uint16_t port = (uint16_t)(PEER_PORT0 + below(re, re->odds.peer_ports));
	struct pconn *pc = pconn_new(re, US_PORT, port);

	pc_emit(re, pc, pc->snd_nxt, TH_SYN, 0);
	pc->snd_nxt++;
}

void
step_peer(struct reentry *re, enum step_kind k)
{
	struct pconn *pc;

	switch (k) {
	case S_SYN:
		step_syn(re);
		break;
	case S_DATA:
		if ((pc = pconn_pick(re, pc_synced)) != NULL)
			pc_send(re, pc, (uint16_t)(1 + below(re, sizeof(re->peer_payload))), false);
		break;
	case S_FIN:
		if ((pc = pconn_pick(re, pc_synced)) != NULL)
			pc_send(re, pc, below(re, 2) ? (uint16_t)(1 + below(re, 200)) : 0, true);
		break;
	case S_RST:
		if ((pc = pconn_pick(re, pc_any)) == NULL)
			break;
		/* Now and then off the mark: a challenge ACK (RFC 5961 3.2). */
		pc_emit(re, pc, pc->snd_nxt + (below(re, 4) == 0 ? 1000 : 0), TH_RST | TH_ACK, 0);
		pc->used = false;
		break;
	case S_WIN:
		if ((pc = pconn_pick(re, pc_synced)) != NULL) {
			pc->zero_win = !pc->zero_win;
			pc_send(re, pc, 0, false);
		}
		break;
	case S_RETX:
		/* Go back to what we acknowledged: resend it all. */
		if ((pc = pconn_pick(re, pc_behind)) != NULL) {
			uint32_t len = pc->snd_nxt - pc->snd_una - pc->fin_sent;
			pc_emit(re, pc, pc->snd_una,
			        (uint8_t)(TH_ACK | (pc->fin_sent ? TH_FIN : 0)),
			        (uint16_t)RTE_MIN(len, (uint32_t)sizeof(re->peer_payload)));
		}
		break;
	default:
		break;
	}
}
