/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP in the simulation: tables that age while connections are open, small
 * bounds on the packets waiting for an address (net/arp_hold.c), ARP frames
 * lost, a cold start (the first SYN waits for the peer's reply), and a host
 * whose MAC changes mid-run (a peer replaced behind the same address, as a
 * failover or a moved VM does), with or without a gratuitous ARP (RFC 5227
 * 2.4). The engines keep their own MACs (an interface's is fixed for its
 * life): the wire knows a moved host by its new MAC, so the sim rewrites
 * what that host sends (source, ARP sender) and delivers to it only frames
 * for the new MAC; one for an old MAC finds nobody and is lost.
 *
 *   setup -> sim_arp_setup (picks) -> sim_arp_config -> harness_reset ->
 *   sim_arp_start (ageing, learn) ; loop -> sim_arp_event (moves)
 *   poll: sim_arp_before -> harness_poll -> sim_arp_after -> link_take:
 *   sim_arp_tx (checks, ARP loss) -> port -> sim_arp_wire -> link ->
 *   sim_arp_deliver ; sim_arp_check (hold pool, conservation)
 *
 * On the wire, a frame engine i sends to its peer goes to the MAC its table
 * held for the peer when the poll began or when it ended (the header
 * template, tcp_tmpl.h, may only be used while the entry it came from is
 * reachable at that MAC): never while the table held nothing, never to a
 * MAC the peer left once the table had learned its new one. ARP frames are
 * never reordered nor duplicated by the link (sim_link.c), so an old reply
 * cannot overtake an announcement and teach the old MAC again.
 */
#include <inttypes.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "net/arp.h"
#include "net/iface.h"
#include "sim.h"
#include "sim_profile.h"
#include "tcp/tcp.h"

static const char *const host_names[2] = { "client", "server" };

static void
mac_str(char *buf, size_t n, const struct rte_ether_addr *a)
{
	rte_ether_format_addr(buf, (uint16_t)n, a);
}

/* What a view of the table says of the peer: its MAC, or "nothing". */
static void
view_str(char *buf, size_t n, const struct sim_arp_view *v)
{
	if (v->reachable)
		mac_str(buf, n, &v->mac);
	else
		snprintf(buf, n, "nothing");
}

void
sim_arp_setup(struct sim *s)
{
	struct sim_arp_host picks[2];

	sim_arp_pick(&s->yrng, picks, s->all_picks);
	for (unsigned i = 0; i < 2; i++) {
		struct sim_arp *a = &s->arp[i];
		memset(a, 0, sizeof(*a));
		a->pick = picks[i];
		sim_rng_seed(&a->rng, sim_rng_next(&s->yrng));
	}
}

/* A round trip on the seed's link, its queues full, in ms (rounded up). */
static uint32_t
path_rtt_ms(const struct sim *s)
{
	uint64_t ns = 0;

	for (unsigned d = 0; d < 2; d++) {
		const struct sim_link_cfg *c = &s->link.dir[d].cfg;
		ns += c->delay_ns + c->reorder_ns;
		ns += (uint64_t)c->queue_max * 1514 * 8 * 1000000000ull / c->bw_bps;
	}
	return (uint32_t)(ns / 1000000 + 1);
}

void
sim_arp_config(struct sim *s, unsigned i)
{
	const struct sim_arp_host *p = &s->arp[i].pick;
	struct config *c = &s->cfg[i];

	if (!p->on)
		return;
	/* A request is worth asking again only once its answer could have
	 * come, and an entry worth keeping only if it outlives a resolution
	 * or ten: on a WAN profile, a round trip behind a full queue is
	 * hundreds of ms. Shorter is a table that can never be used, not a
	 * case of interest. */
	uint32_t path_ms = path_rtt_ms(s);
	c->arp_timeout_s = p->timeout_s;
	c->arp_pending = p->pending;
	c->arp_pending_total = p->pending_total;
	c->arp_retries = p->retries;
	c->arp_retry_ms = RTE_MIN(RTE_MAX(p->retry_ms, 2 * path_ms), 60000u);
	s->arp[i].age_ms = p->age_ms != 0 ? RTE_MAX(p->age_ms, 10 * path_ms) : 0;
}

void
sim_arp_start(struct sim *s)
{
	for (unsigned i = 0; i < 2; i++) {
		struct sim_arp *a = &s->arp[i];
		struct engine *eng = s->h[i]->eng;
		/* The ring ports' MAC is zero, and the same for both: ARP
		 * rejects a zero sender (RFC 826 needs a station address), and
		 * the checks need to tell the hosts apart. A locally
		 * administered address each, as a NIC would have its own. */
		struct iface *ifc = (struct iface *)(uintptr_t)harness_iface(s->h[i]);
		ifc->mac = (struct rte_ether_addr){ { 0x02, 0x00, 0x5e, 0x00, 0x00,
			                              (uint8_t)(i + 2) } };
		rte_ether_addr_copy(&ifc->mac, &a->wire);
		/* The same timer and code as [arp] timeout_s, only sooner. */
		if (a->age_ms != 0)
			eng->arp.timeout_ticks = engine_ms_to_ticks(a->age_ms);
	}
	for (unsigned i = 0; i < 2; i++)
		if (!s->arp[i].pick.cold)
			harness_learn(s->h[i], s->cfg[!i].ip_addr, &harness_iface(s->h[!i])->mac);
}

uint64_t
sim_arp_next(const struct sim *s)
{
	uint64_t next = UINT64_MAX;

	for (unsigned i = 0; i < 2; i++) {
		const struct sim_arp *a = &s->arp[i];
		if (a->moved < a->pick.nb_moves && a->pick.move_at[a->moved] < next)
			next = a->pick.move_at[a->moved];
	}
	return next;
}

unsigned
sim_arp_event(struct sim *s)
{
	unsigned poll = 0;

	for (unsigned i = 0; i < 2; i++) {
		struct sim_arp *a = &s->arp[i];
		if (a->moved >= a->pick.nb_moves || a->pick.move_at[a->moved] > s->now)
			continue;
		bool announce = a->pick.announce[a->moved];
		a->old[a->nb_old++] = a->wire;
		a->wire = (struct rte_ether_addr){ { 0x02, 0x00, 0x5e, (uint8_t)(0x10 + i),
			                             (uint8_t)(a->moved + 1), 0x01 } };
		a->moved++;
		a->moved_at = s->now;
		a->learned_at = 0;
		a->st.moves++;
		char mac[RTE_ETHER_ADDR_FMT_SIZE];
		mac_str(mac, sizeof(mac), &a->wire);
		sim_trace(s, "%s moves to MAC %s%s", host_names[i], mac,
		          announce ? ", announced" : "");
		if (announce) {
			/* Its engine's announcement, sent at its next poll: the
			 * wire gives it the new MAC (sim_arp_wire). */
			arp_announce(s->h[i]->eng);
			a->st.announced++;
			poll |= 1u << i;
		}
	}
	return poll;
}

static void
view_take(const struct sim *s, unsigned i, struct sim_arp_view *v)
{
	v->reachable = arp_lookup(s->h[i]->eng, rte_cpu_to_be_32(s->cfg[!i].ip_addr), &v->mac);
}

void
sim_arp_before(struct sim *s, unsigned i)
{
	struct sim_arp *a = &s->arp[i], *peer = &s->arp[!i];

	view_take(s, i, &a->before);
	/* The peer moved: from the first poll that begins with its new MAC
	 * in our table, nothing may go to an old one. */
	if (peer->moved > 0 && peer->learned_at == 0 && a->before.reachable &&
	    rte_is_same_ether_addr(&a->before.mac, &peer->wire))
		peer->learned_at = s->now;
}

/* The template of @tcb is what its entry would send now (tcp_tmpl.h). */
static bool
tmpl_current(const struct tcb *tcb)
{
	const struct tcp_tmpl *tt = &tcb->tmpl;
	const struct arp_entry *e = tt->entry;

	return e != NULL && arp_entry_usable(e) && e->ip_be == tt->next_hop_be &&
	       rte_is_same_ether_addr(&e->mac, &tt->eth.dst_addr);
}

void
sim_arp_after(struct sim *s, unsigned i)
{
	struct sim_arp *a = &s->arp[i];
	const struct engine *eng = s->h[i]->eng;
	const struct tcp_engine *te = &eng->tcp;

	view_take(s, i, &a->after);
	a->st.aged += a->before.reachable && !a->after.reachable;
	if (eng->arp.held.used > 0) {
		a->st.held_polls++;
		if (eng->arp.held.used > a->st.held_peak)
			a->st.held_peak = eng->arp.held.used;
	}
	/* Coverage: templates that went stale (entry aged, MAC changed) and
	 * were learned again. */
	for (uint32_t k = 0; k < te->nb_conns && k < 64; k++) {
		const struct tcb *tcb = &te->conns[k];
		if (tcb->state == TCP_CLOSED) {
			a->tmpl_stale[k] = 0;
			continue;
		}
		if (tcb->tmpl.entry == NULL)
			continue;
		if (!tmpl_current(tcb)) {
			a->tmpl_stale[k] = 1;
		} else if (a->tmpl_stale[k]) {
			a->tmpl_stale[k] = 0;
			a->st.tmpl_rebuilt++;
		}
	}
}

/* A line for the trace: what ARP frame @m says. False if it is none. */
bool
sim_arp_describe(const struct rte_mbuf *m, char *buf, size_t n)
{
	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr))
		return false;
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_ARP))
		return false;
	const struct rte_arp_hdr *ah = (const struct rte_arp_hdr *)(eh + 1);
	uint32_t sip = rte_be_to_cpu_32(ah->arp_data.arp_sip);
	uint32_t tip = rte_be_to_cpu_32(ah->arp_data.arp_tip);
	char sha[RTE_ETHER_ADDR_FMT_SIZE], dst[RTE_ETHER_ADDR_FMT_SIZE];
	mac_str(sha, sizeof(sha), &ah->arp_data.arp_sha);
	mac_str(dst, sizeof(dst), &eh->dst_addr);
	snprintf(buf, n, "arp %s %u.%u.%u.%u? from %u.%u.%u.%u at %s to %s",
	         ah->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) ? "who-has" : "reply", tip >> 24,
	         (tip >> 16) & 0xff, (tip >> 8) & 0xff, tip & 0xff, sip >> 24, (sip >> 16) & 0xff,
	         (sip >> 8) & 0xff, sip & 0xff, sha, dst);
	return true;
}

/* An IPv4 frame engine @i sent to @dst: where its table allowed. */
static void
check_dst(struct sim *s, unsigned i, const struct rte_ether_addr *dst)
{
	const struct sim_arp *a = &s->arp[i], *peer = &s->arp[!i];
	char m0[RTE_ETHER_ADDR_FMT_SIZE], m1[RTE_ETHER_ADDR_FMT_SIZE];

	mac_str(m0, sizeof(m0), dst);
	for (unsigned k = 0; k < peer->nb_old && peer->learned_at != 0; k++) {
		if (!rte_is_same_ether_addr(dst, &peer->old[k]))
			continue;
		mac_str(m1, sizeof(m1), &peer->wire);
		sim_fail(s,
		         "%s sent a frame to %s, which the %s left at t=%.6f s, after it had "
		         "learned %s at t=%.6f s",
		         host_names[i], m0, host_names[!i], (double)peer->moved_at / 1e9, m1,
		         (double)peer->learned_at / 1e9);
		return;
	}
	if ((a->before.reachable && rte_is_same_ether_addr(dst, &a->before.mac)) ||
	    (a->after.reachable && rte_is_same_ether_addr(dst, &a->after.mac)))
		return;
	char b[RTE_ETHER_ADDR_FMT_SIZE], e[RTE_ETHER_ADDR_FMT_SIZE];
	view_str(b, sizeof(b), &a->before);
	view_str(e, sizeof(e), &a->after);
	sim_fail(s,
	         "%s sent an IPv4 frame to %s while its ARP table held %s for the %s before "
	         "the poll and %s after it",
	         host_names[i], m0, b, host_names[!i], e);
}

/* IPv4 frames on the engine's emulated line ([fault] tx_link_mbit): sent,
 * not on the port yet. */
static unsigned
line_ipv4(const struct engine *eng)
{
	const struct link_emu *l = &eng->link_emu;
	unsigned n = 0, slot = l->head;

	for (unsigned k = 0; k < l->count; k++, slot = slot + 1u == l->size ? 0 : slot + 1u) {
		const struct rte_ether_hdr *eh =
		        rte_pktmbuf_mtod(l->ring[slot], const struct rte_ether_hdr *);
		n += eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4);
	}
	return n;
}

bool
sim_arp_tx(struct sim *s, unsigned i, struct rte_mbuf *m)
{
	struct sim_arp *a = &s->arp[i];

	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr))
		return true;
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		a->ipv4_out++;
		if (!rte_is_broadcast_ether_addr(&eh->dst_addr))
			check_dst(s, i, &eh->dst_addr);
		return true;
	}
	if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_ARP) ||
	    rte_pktmbuf_data_len(m) < sizeof(*eh) + sizeof(struct rte_arp_hdr))
		return true;
	const struct rte_arp_hdr *ah = (const struct rte_arp_hdr *)(eh + 1);
	if (ah->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST))
		a->st.requests++;
	else
		a->st.replies++;
	if (a->pick.loss_ppm == 0 || !sim_rng_ppm(&a->rng, a->pick.loss_ppm))
		return true;
	char line[160];
	if (s->verbose && sim_arp_describe(m, line, sizeof(line)))
		sim_trace(s, "%s %s ARP-LOST", i == 0 ? "C>S" : "S>C", line);
	a->st.lost++;
	rte_pktmbuf_free(m);
	return false;
}

void
sim_arp_wire(struct sim *s, unsigned i, struct rte_mbuf *m)
{
	const struct sim_arp *a = &s->arp[i];
	const struct rte_ether_addr *own = &harness_iface(s->h[i])->mac;

	if (a->moved == 0 || rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr))
		return;
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	if (rte_is_same_ether_addr(&eh->src_addr, own))
		eh->src_addr = a->wire;
	if (eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_ARP) ||
	    rte_pktmbuf_data_len(m) < sizeof(*eh) + sizeof(struct rte_arp_hdr))
		return;
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eh + 1);
	if (rte_is_same_ether_addr(&ah->arp_data.arp_sha, own))
		ah->arp_data.arp_sha = a->wire;
}

bool
sim_arp_deliver(struct sim *s, struct sim_frame *f)
{
	struct sim_arp *a = &s->arp[f->dst];

	if (a->moved == 0 || rte_pktmbuf_data_len(f->m) < RTE_ETHER_ADDR_LEN)
		return true;
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(f->m, struct rte_ether_hdr *);
	if (rte_is_broadcast_ether_addr(&eh->dst_addr))
		return true;
	if (rte_is_same_ether_addr(&eh->dst_addr, &a->wire)) {
		eh->dst_addr = harness_iface(s->h[f->dst])->mac;
		return true;
	}
	/* Nobody is at that MAC any more: the frame is lost on the way. */
	char mac[RTE_ETHER_ADDR_FMT_SIZE];
	mac_str(mac, sizeof(mac), &eh->dst_addr);
	sim_trace(s, "%s frame to %s: nobody there (the %s moved)", f->dst ? "C>S" : "S>C", mac,
	          host_names[f->dst]);
	a->st.stale_drops++;
	rte_pktmbuf_free(f->m);
	return false;
}

/* One entry's waiting queue, walked: its length, its tail, every slot. */
static const char *
queue_bad(const struct arp_hold *h, const struct arp_hold_queue *q)
{
	uint32_t n = 0, last = ARP_HOLD_NONE;

	for (uint32_t k = q->head; k != ARP_HOLD_NONE && n <= h->size; k = h->slots[k].next) {
		if (k >= h->size || h->slots[k].m == NULL)
			return "a waiting queue threads through a free or foreign slot";
		last = k;
		n++;
	}
	if (n != q->len)
		return "a waiting queue's length is not its slots'";
	if (last != q->tail)
		return "a waiting queue's tail is not its last slot";
	return NULL;
}

/* The table and its hold pool: every waiting packet in one unresolved
 * entry's queue, within both bounds, each such entry with its timer (it
 * resolves or gives up, never holds for ever). */
static const char *
table_bad(const struct arp_table *t, bool deep, char *buf, size_t n)
{
	if (t->held.used > t->held.size)
		return "more packets held than [arp] pending_total";
	if (!deep)
		return NULL;
	uint32_t used = 0, held = 0, free_slots = 0;
	for (uint32_t k = 0; k <= t->size; k++) {
		const struct arp_entry *e = &t->entries[k];
		const char *bad = NULL;
		if (e->state == ARP_FREE && e->waiting.len != 0)
			bad = "a free entry holds packets";
		else if (arp_entry_usable(e) && e->waiting.len != 0)
			bad = "a usable entry still holds packets";
		else if (e->state == ARP_PROBE && !timer_pending(&e->timer))
			bad = "an entry being confirmed without its timer";
		else if (e->state == ARP_PROBE && (e->tries < 1 || e->tries > t->retries))
			bad = "an entry being confirmed past its tries";
		else if (e->state == ARP_INCOMPLETE && !timer_pending(&e->timer))
			bad = "an unresolved entry without its timer";
		else if (e->state == ARP_INCOMPLETE && (e->tries < 1 || e->tries > t->retries))
			bad = "an unresolved entry past its tries";
		else if (e->waiting.len > t->pending_max)
			bad = "an entry holds more than [arp] pending";
		else
			bad = queue_bad(&t->held, &e->waiting);
		if (bad != NULL) {
			snprintf(buf, n, "entry %u: %s", k, bad);
			return buf;
		}
		used += e->state != ARP_FREE;
		held += e->waiting.len;
	}
	for (uint32_t k = t->held.free; k != ARP_HOLD_NONE && free_slots <= t->held.size;
	     k = t->held.slots[k].next)
		free_slots++;
	if (used != t->used)
		return "the table's count of entries is not theirs";
	if (held != t->held.used)
		return "the hold pool's count is not the queues' lengths";
	if (free_slots != t->held.size - t->held.used)
		return "the hold pool's free list is not its free slots";
	return NULL;
}

void
sim_arp_check(struct sim *s, unsigned i)
{
	const struct engine *eng = s->h[i]->eng;
	const struct net_stats *st = &eng->stats;
	struct sim_arp *a = &s->arp[i];
	char buf[160];

	const char *bad = table_bad(&eng->arp, s->polls % 16 == 0, buf, sizeof(buf));
	if (bad != NULL)
		sim_fail(s, "%s engine: ARP: %s", host_names[i], bad);
	/* Every IPv4 frame handed to ARP (a TCP segment, or a super-segment
	 * the port cuts) left on the port, waits, or was dropped under one of
	 * the reasons the bounds document: none is lost uncounted. */
	uint64_t handed = st->tcp_segs_out - st->tcp_tso_segs + st->tcp_tso_sends;
	uint64_t accounted = a->ipv4_out + line_ipv4(eng) + eng->arp.held.used +
	                     st->drops[DROP_ARP_QUEUE_FULL] + st->drops[DROP_ARP_HOLD_FULL] +
	                     st->drops[DROP_ARP_TABLE_FULL] + st->drops[DROP_ARP_UNRESOLVED] +
	                     st->drops[DROP_TX_FULL];
	if (handed != accounted)
		sim_fail(s,
		         "%s engine: %" PRIu64 " IPv4 frames handed to ARP, %" PRIu64
		         " sent, %u held, %" PRIu64 " dropped",
		         host_names[i], handed, a->ipv4_out + line_ipv4(eng), eng->arp.held.used,
		         accounted - a->ipv4_out - line_ipv4(eng) - eng->arp.held.used);
	a->st.queue_full = st->drops[DROP_ARP_QUEUE_FULL];
	a->st.hold_full = st->drops[DROP_ARP_HOLD_FULL];
	a->st.unresolved = st->drops[DROP_ARP_UNRESOLVED];
	a->st.polls = st->arp_unicast_polls;
}

bool
sim_arp_settled(const struct sim *s)
{
	return s->h[0]->eng->arp.held.used == 0 && s->h[1]->eng->arp.held.used == 0;
}

void
sim_arp_report(const struct sim *s, FILE *f)
{
	for (unsigned i = 0; i < 2; i++) {
		const struct sim_arp *a = &s->arp[i];
		const struct sim_arp_host *p = &a->pick;
		const struct engine *eng = s->h[i]->eng;
		char b[RTE_ETHER_ADDR_FMT_SIZE], e[RTE_ETHER_ADDR_FMT_SIZE];
		view_str(b, sizeof(b), &a->before);
		view_str(e, sizeof(e), &a->after);
		fprintf(f,
		        "  %s arp: on %d cold %d age %u ms (timeout %u s) pending %u/%u retries %u "
		        "x %u ms loss %u ppm, moves %u/%u | peer at %s before the last poll, %s "
		        "after; %u held, %" PRIu64 " requests %" PRIu64 " replies %" PRIu64
		        " lost %" PRIu64 " aged %" PRIu64 " to a left MAC, drops: queue %" PRIu64
		        " pool %" PRIu64 " unresolved %" PRIu64 "\n",
		        host_names[i], p->on, p->cold, a->age_ms, s->cfg[i].arp_timeout_s,
		        s->cfg[i].arp_pending, s->cfg[i].arp_pending_total, s->cfg[i].arp_retries,
		        s->cfg[i].arp_retry_ms, p->loss_ppm, a->moved, p->nb_moves, b, e,
		        eng->arp.held.used, a->st.requests, a->st.replies, a->st.lost, a->st.aged,
		        a->st.stale_drops, a->st.queue_full, a->st.hold_full, a->st.unresolved);
	}
}
