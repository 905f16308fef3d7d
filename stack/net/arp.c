/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (RFC 826): neighbour table, requests and replies, gratuitous ARP, and
 * packets waiting for resolution. One table per engine; what one engine learns
 * it posts to the others (a reply may come in on any RX queue).
 *
 *   eth_input -> arp_input -> arp_learn -> (flush waiting packets) -> engine_tx
 *   ipv4_send -> arp_output -> engine_tx | wait in the entry's queue
 *   timer wheel -> arp_timer -> age out | confirm by unicast | retry | give up
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "core/config.h"
#include "core/log.h"
#include "engine/engine.h"
#include "net/arp.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/ipv4.h"
#include "wire/tcp.h"

#define ARP_FRAME_LEN (sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr))

static void arp_timer(struct timer_node *node, void *ctx);

int
arp_table_init(struct engine *eng, const struct config *cfg)
{
	struct arp_table *t = &eng->arp;
	char name[RTE_HASH_NAMESIZE];
	int socket = rte_socket_id();

	memset(t, 0, sizeof(*t));
	/* rte_hash names are process-wide: make this one unique to the table. */
	snprintf(name, sizeof(name), "arp_%p", (void *)t);
	struct rte_hash_parameters hp = {
		.name = name,
		.entries = cfg->arp_entries,
		.key_len = sizeof(uint32_t),
		.hash_func = rte_jhash,
		.socket_id = socket,
	};
	t->hash = rte_hash_create(&hp);
	t->entries = rte_zmalloc_socket("arp_entries", sizeof(*t->entries) * (cfg->arp_entries + 1),
	                                RTE_CACHE_LINE_SIZE, socket);
	int held = arp_hold_init(&t->held, cfg->arp_pending_total, socket);
	if (t->hash == NULL || t->entries == NULL || held != 0) {
		arp_table_fini(eng);
		return -ENOMEM;
	}
	t->size = cfg->arp_entries;
	t->pending_max = cfg->arp_pending;
	t->retries = cfg->arp_retries;
	t->timeout_ticks = engine_ms_to_ticks((uint64_t)cfg->arp_timeout_s * 1000);
	t->retry_ticks = engine_ms_to_ticks(cfg->arp_retry_ms);
	for (uint32_t i = 0; i <= t->size; i++) {
		timer_init(&t->entries[i].timer, arp_timer);
		arp_hold_queue_init(&t->entries[i].waiting);
	}
	return 0;
}

static void
arp_entry_free(struct engine *eng, struct arp_entry *e, enum drop_reason why)
{
	struct rte_mbuf *m;

	while ((m = arp_hold_pop(&eng->arp.held, &e->waiting)) != NULL)
		engine_drop(eng, m, why);
	timer_cancel(&eng->wheel, &e->timer);
	rte_hash_del_key(eng->arp.hash, &e->ip_be);
	e->state = ARP_FREE;
	eng->arp.used--;
}

void
arp_table_fini(struct engine *eng)
{
	struct arp_table *t = &eng->arp;

	if (t->entries != NULL)
		for (uint32_t i = 0; i <= t->size; i++)
			if (t->entries[i].state != ARP_FREE)
				arp_entry_free(eng, &t->entries[i], DROP_ARP_UNRESOLVED);
	rte_hash_free(t->hash);
	rte_free(t->entries);
	arp_hold_fini(&t->held);
	memset(t, 0, sizeof(*t));
}

static struct arp_entry *
arp_find(const struct arp_table *t, uint32_t ip_be)
{
	int32_t pos = rte_hash_lookup(t->hash, &ip_be);

	return pos >= 0 ? &t->entries[pos] : NULL;
}

static struct arp_entry *
arp_create(struct engine *eng, uint32_t ip_be, enum arp_state state)
{
	struct arp_table *t = &eng->arp;
	int32_t pos = rte_hash_add_key(t->hash, &ip_be);

	if (pos < 0 || (uint32_t)pos > t->size)
		return NULL;
	struct arp_entry *e = &t->entries[pos];
	e->ip_be = ip_be;
	e->state = state;
	e->tries = 0;
	t->used++;
	return e;
}

/* A held IPv4 frame (data at its Ethernet header) that is a TCP segment
 * acknowledging only: no payload, no SYN, FIN or RST. */
static bool
arp_frame_is_pure_ack(const struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *,
	                                                        sizeof(struct rte_ether_hdr));

	if (ih->next_proto_id != IPPROTO_TCP)
		return false;
	unsigned ihl = ipv4_hdr_len(ih);
	const struct rte_tcp_hdr *th = (const struct rte_tcp_hdr *)((const char *)ih + ihl);
	return rte_be_to_cpu_16(ih->total_length) == ihl + tcp_hdr_len(th) &&
	       !(th->tcp_flags & (TH_SYN | TH_FIN | TH_RST));
}

static void
arp_frame_send(struct engine *eng, struct rte_mbuf *m, const struct rte_ether_addr *dst)
{
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(&eng->ifc->mac, &eh->src_addr);
	engine_tx(eng, m);
}

/* Build and send one ARP packet from us; @tha may be the zero address. */
static int
arp_send(struct engine *eng, uint16_t op, const struct rte_ether_addr *eth_dst,
         const struct rte_ether_addr *tha, uint32_t tip_be)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(eng->pool);

	if (m == NULL) {
		eng->stats.drops[DROP_NO_MBUF]++;
		return -ENOBUFS;
	}
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)rte_pktmbuf_append(m, ARP_FRAME_LEN);
	eth_build(eh, eth_dst, &eng->ifc->mac, RTE_ETHER_TYPE_ARP);
	arp_build((struct rte_arp_hdr *)(eh + 1), op, &eng->ifc->mac, eng->ifc->ip_be, tha, tip_be);
	engine_tx(eng, m);
	if (op == RTE_ARP_OP_REQUEST)
		eng->stats.arp_requests_sent++;
	else
		eng->stats.arp_replies_sent++;
	return 0;
}

static const struct rte_ether_addr arp_zero_mac = { { 0 } };

static int
arp_request(struct engine *eng, uint32_t tip_be)
{
	static const struct rte_ether_addr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

	return arp_send(eng, RTE_ARP_OP_REQUEST, &bcast, &arp_zero_mac, tip_be);
}

/* RFC 1122 2.3.2.1 (2), "unicast poll": ask the neighbour at the MAC we
 * know, which it answers as any request, without asking the whole link. */
static void
arp_poll(struct engine *eng, struct arp_entry *e)
{
	e->tries++;
	eng->stats.arp_unicast_polls++;
	arp_send(eng, RTE_ARP_OP_REQUEST, &e->mac, &arp_zero_mac, e->ip_be);
	timer_arm(&eng->wheel, &e->timer, eng->now_ticks + eng->arp.retry_ticks);
}

int
arp_announce(struct engine *eng)
{
	return arp_request(eng, eng->ifc->ip_be);
}

static void
arp_release_entry(struct engine *eng, struct arp_entry *e)
{
	struct rte_mbuf *m;

	e->ready = 0;
	if (!arp_entry_usable(e))
		return;
	while ((m = arp_hold_pop(&eng->arp.held, &e->waiting)) != NULL)
		arp_frame_send(eng, m, &e->mac);
}

/* What waited for @e leaves once the poll has read all its ARP frames, to
 * the MAC the last of them taught: a reply and the peer's announcement of a
 * new MAC (RFC 5227 2.4) may come in one burst, and the packets sent on the
 * reply went to the MAC it had just left (simulation seed 114398, a held
 * SYN-ACK: lost, resent 1 s later). */
static void
arp_ready(struct engine *eng, struct arp_entry *e)
{
	struct arp_table *t = &eng->arp;

	if (e->ready || e->waiting.len == 0)
		return;
	if (t->nb_ready == ARP_READY_MAX) {
		e->ready = 1;
		arp_release_entry(eng, e);
		return;
	}
	e->ready = 1;
	t->ready[t->nb_ready++] = e;
}

void
arp_release(struct engine *eng)
{
	struct arp_table *t = &eng->arp;

	for (uint16_t i = 0; i < t->nb_ready; i++)
		arp_release_entry(eng, t->ready[i]);
	t->nb_ready = 0;
}

/* The neighbour @ip_be is at @mac: fill the entry; what waited leaves at
 * the end of the poll (arp_ready). */
static void
arp_complete(struct engine *eng, struct arp_entry *e, const struct rte_ether_addr *mac)
{
	if (!arp_entry_usable(e) || !rte_is_same_ether_addr(&e->mac, mac)) {
		uint32_t ip = rte_be_to_cpu_32(e->ip_be);
		TERN_LOG(arp, DEBUG, "engine %u: %u.%u.%u.%u is at " RTE_ETHER_ADDR_PRT_FMT "\n",
		         eng->index, ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff,
		         RTE_ETHER_ADDR_BYTES(mac));
	}
	rte_ether_addr_copy(mac, &e->mac);
	e->state = ARP_REACHABLE;
	e->tries = 0;
	e->used = 0;
	timer_arm(&eng->wheel, &e->timer, eng->now_ticks + eng->arp.timeout_ticks);
	arp_ready(eng, e); /* usable now, as its release requires */
}

static void
arp_tell_peers(struct engine *eng, uint32_t ip_be, const struct rte_ether_addr *mac)
{
	struct arp_note note = { .ip_be = ip_be };

	rte_ether_addr_copy(mac, &note.mac);
	for (unsigned i = 0; i < eng->nb_engines; i++)
		if (i != eng->index && eng->peers[i]->inbox != NULL)
			/* A full inbox only means that core resolves the address itself. */
			rte_ring_enqueue_elem(eng->peers[i]->inbox, &note, sizeof(note));
}

void
arp_note_merge(struct engine *eng, const struct arp_note *note)
{
	struct arp_entry *e = arp_find(&eng->arp, note->ip_be);

	if (e == NULL)
		e = arp_create(eng, note->ip_be, ARP_INCOMPLETE);
	if (e != NULL)
		arp_complete(eng, e, &note->mac);
}

/* RFC 5227 2.4 (b): another host uses our address; defend it with one
 * announcement, at most every DEFEND_INTERVAL (10 s). */
static void
arp_defend(struct engine *eng)
{
	struct arp_table *t = &eng->arp;
	uint64_t interval = engine_ms_to_ticks(10000);

	if (t->defended_tick != 0 && eng->now_ticks - t->defended_tick < interval)
		return;
	t->defended_tick = eng->now_ticks;
	TERN_LOG(arp, WARNING, "engine %u: another station claims our address: announcing ours\n",
	         eng->index);
	arp_announce(eng);
}

/* RFC 826 "packet reception": merge the sender if known; if we are the target,
 * add the sender and answer a request. */
void
arp_input(struct engine *eng, struct rte_mbuf *m)
{
	const struct iface *ifc = eng->ifc;

	if (rte_pktmbuf_data_len(m) < ARP_FRAME_LEN) {
		engine_drop(eng, m, DROP_ARP_SHORT);
		return;
	}
	struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *ah = (struct rte_arp_hdr *)(eh + 1);
	struct rte_arp_ipv4 *d = &ah->arp_data;
	if (!arp_format_ok(ah) || !rte_is_unicast_ether_addr(&d->arp_sha) ||
	    rte_is_zero_ether_addr(&d->arp_sha)) {
		engine_drop(eng, m, DROP_ARP_FORMAT);
		return;
	}
	if (d->arp_sip == ifc->ip_be && !rte_is_same_ether_addr(&d->arp_sha, &ifc->mac)) {
		arp_defend(eng);
		engine_drop(eng, m, DROP_ARP_CONFLICT);
		return;
	}
	bool for_us = d->arp_tip == ifc->ip_be;
	bool merged = false;
	/* A sender of 0.0.0.0 is a probe (RFC 5227): nothing to learn. */
	if (d->arp_sip != 0 && d->arp_sip != ifc->ip_be) {
		struct arp_entry *e = arp_find(&eng->arp, d->arp_sip);
		if (e == NULL && for_us && iface_on_link(ifc, d->arp_sip))
			e = arp_create(eng, d->arp_sip, ARP_INCOMPLETE);
		if (e != NULL) {
			arp_complete(eng, e, &d->arp_sha);
			arp_tell_peers(eng, d->arp_sip, &d->arp_sha);
			merged = true;
		}
	}
	if (!for_us || ah->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REQUEST)) {
		if (for_us || merged)
			rte_pktmbuf_free(m);
		else
			engine_drop(eng, m, DROP_ARP_NOT_FOR_US);
		return;
	}
	/* Turn the request into the reply in place. */
	struct rte_ether_addr requester = d->arp_sha;
	uint32_t requester_ip = d->arp_sip;
	arp_build(ah, RTE_ARP_OP_REPLY, &ifc->mac, ifc->ip_be, &requester, requester_ip);
	rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - ARP_FRAME_LEN);
	arp_frame_send(eng, m, &requester);
	eng->stats.arp_replies_sent++;
}

void
arp_output(struct engine *eng, struct rte_mbuf *m, uint32_t next_hop_be)
{
	static const struct rte_ether_addr bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	struct arp_table *t = &eng->arp;

	if (next_hop_be == 0) {
		engine_drop(eng, m, DROP_ARP_UNRESOLVED);
		return;
	}
	if (next_hop_be == eng->ifc->bcast_be || next_hop_be == UINT32_MAX) {
		arp_frame_send(eng, m, &bcast);
		return;
	}
	if (t->last != NULL && t->last->ip_be == next_hop_be && arp_entry_usable(t->last)) {
		t->last->used = 1;
		arp_frame_send(eng, m, &t->last->mac);
		return;
	}
	struct arp_entry *e = arp_find(t, next_hop_be);
	if (e != NULL && arp_entry_usable(e)) {
		t->last = e;
		e->used = 1;
		arp_frame_send(eng, m, &e->mac);
		return;
	}
	if (e == NULL) {
		e = arp_create(eng, next_hop_be, ARP_INCOMPLETE);
		if (e == NULL) {
			engine_drop(eng, m, DROP_ARP_TABLE_FULL);
			return;
		}
		e->tries = 1;
		arp_request(eng, next_hop_be);
		timer_arm(&eng->wheel, &e->timer, eng->now_ticks + t->retry_ticks);
	}
	/* Hold rather than drop: a burst of connections to a new neighbour
	 * (every SYN at once) must all leave when it answers, not one RTO
	 * (1 s, RFC 6298 2.1) later. The per-address bound keeps one silent
	 * address from taking every slot from the others. Past a bound the
	 * address's oldest packet goes, not this one: RFC 1122 2.3.2.2 saves
	 * "the latest" (a retransmission is worth more than the segment it
	 * repeats; with a bound of 1, keeping the oldest let one connection's
	 * keepalive probe turn away its retransmission, round after round). */
	if (e->waiting.len >= t->pending_max) {
		/* But a pure ACK never takes the place of a segment that
		 * carries more: the connection's next segment acknowledges
		 * as much. With a bound of 1, the ACK answering the peer's
		 * keepalive probe, once a second, turned away every
		 * retransmission due in the same tick (simulation seed 47040,
		 * --all-picks: three connections starved for 44 s). */
		if (arp_frame_is_pure_ack(m) &&
		    !arp_frame_is_pure_ack(arp_hold_oldest(&t->held, &e->waiting))) {
			engine_drop(eng, m, DROP_ARP_QUEUE_FULL);
			return;
		}
		engine_drop(eng, arp_hold_pop(&t->held, &e->waiting), DROP_ARP_QUEUE_FULL);
	}
	if (arp_hold_push(&t->held, &e->waiting, m) == 0)
		return;
	/* Every slot of the core's pool is taken: make room in this
	 * address's own queue, never in another's. */
	if (e->waiting.len == 0) {
		engine_drop(eng, m, DROP_ARP_HOLD_FULL);
		return;
	}
	engine_drop(eng, arp_hold_pop(&t->held, &e->waiting), DROP_ARP_HOLD_FULL);
	arp_hold_push(&t->held, &e->waiting, m); /* the slot just freed */
}

/* REACHABLE: aged. Unused since it was confirmed, it leaves the table (the
 * next packet resolves it again); in use, it stays usable and is confirmed
 * by unicast requests (PROBE), so that a busy connection's frames neither
 * wait for a broadcast round trip every [arp] timeout_s nor overflow the
 * hold queue meanwhile (RFC 1122 2.3.2.1; Linux's STALE/PROBE alike).
 * PROBE: ask again, or, never answered, leave the table: the next packet
 * broadcasts (a neighbour whose MAC moved answers that).
 * INCOMPLETE: ask again, or give up after the configured number of tries. */
static void
arp_timer(struct timer_node *node, void *ctx)
{
	struct engine *eng = ctx;
	struct arp_entry *e = container_of(node, struct arp_entry, timer);

	if (e->state == ARP_REACHABLE && e->used) {
		e->state = ARP_PROBE;
		e->tries = 0;
		arp_poll(eng, e);
		return;
	}
	if (e->state == ARP_PROBE && e->tries < eng->arp.retries) {
		arp_poll(eng, e);
		return;
	}
	if (e->state == ARP_INCOMPLETE && e->tries < eng->arp.retries) {
		e->tries++;
		arp_request(eng, e->ip_be);
		timer_arm(&eng->wheel, &e->timer, eng->now_ticks + eng->arp.retry_ticks);
		return;
	}
	if (e->state == ARP_INCOMPLETE) {
		uint32_t ip = rte_be_to_cpu_32(e->ip_be);
		TERN_LOG(arp, DEBUG,
		         "engine %u: %u.%u.%u.%u did not answer: %u packet(s) dropped\n",
		         eng->index, ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff,
		         e->waiting.len);
	}
	arp_entry_free(eng, e, DROP_ARP_UNRESOLVED);
}

bool
arp_lookup(const struct engine *eng, uint32_t ip_be, struct rte_ether_addr *mac)
{
	const struct arp_entry *e = arp_find(&eng->arp, ip_be);

	if (e == NULL || !arp_entry_usable(e))
		return false;
	if (mac != NULL)
		rte_ether_addr_copy(&e->mac, mac);
	return true;
}
