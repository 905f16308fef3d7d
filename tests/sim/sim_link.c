/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The simulated link between the two engines, one model per direction: a
 * wire that serializes one frame at a time (bandwidth), a bounded queue in
 * front of it (tail drop), propagation delay, and faults drawn from the
 * direction's own PRNG: loss, extra delay (reordering), duplication, one
 * flipped bit, truncation. Frames in flight wait in a heap ordered by arrival
 * time, ties in sending order.
 *
 *   engine TX ring -> sim_link_send (fate, arrival) -> heap
 *   -> sim_link_pop at the arrival time -> the other engine's RX ring
 */
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "sim.h"

void
sim_link_init(struct sim_link *l)
{
	for (int i = 0; i < 2; i++) {
		struct sim_dir *d = &l->dir[i];
		uint64_t *departs = d->departs;
		uint32_t cap = d->dep_cap;
		struct sim_link_cfg cfg = d->cfg;
		struct sim_rng rng = d->rng;
		memset(d, 0, sizeof(*d));
		d->departs = departs;
		d->dep_cap = cap;
		d->cfg = cfg;
		d->rng = rng;
	}
	l->len = 0;
	l->next_order = 0;
}

void
sim_link_free_frames(struct sim_link *l)
{
	for (uint32_t i = 0; i < l->len; i++)
		rte_pktmbuf_free(l->heap[i].m);
	l->len = 0;
}

void
sim_link_fini(struct sim_link *l)
{
	sim_link_free_frames(l);
	free(l->heap);
	l->heap = NULL;
	l->cap = 0;
	for (int i = 0; i < 2; i++) {
		free(l->dir[i].departs);
		l->dir[i].departs = NULL;
		l->dir[i].dep_cap = 0;
	}
}

static bool
frame_before(const struct sim_frame *a, const struct sim_frame *b)
{
	return a->at < b->at || (a->at == b->at && a->order < b->order);
}

static void
heap_push(struct sim_link *l, const struct sim_frame *f)
{
	if (l->len == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 1024;
		l->heap = realloc(l->heap, sizeof(*l->heap) * l->cap);
		if (l->heap == NULL)
			abort();
	}
	uint32_t i = l->len++;
	while (i > 0) {
		uint32_t up = (i - 1) / 2;
		if (!frame_before(f, &l->heap[up]))
			break;
		l->heap[i] = l->heap[up];
		i = up;
	}
	l->heap[i] = *f;
}

uint64_t
sim_link_next(const struct sim_link *l)
{
	return l->len > 0 ? l->heap[0].at : UINT64_MAX;
}

bool
sim_link_pop(struct sim_link *l, uint64_t now, struct sim_frame *f)
{
	if (l->len == 0 || l->heap[0].at > now)
		return false;
	*f = l->heap[0];
	struct sim_frame last = l->heap[--l->len];
	uint32_t i = 0;
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= l->len)
			break;
		if (c + 1 < l->len && frame_before(&l->heap[c + 1], &l->heap[c]))
			c++;
		if (!frame_before(&l->heap[c], &last))
			break;
		l->heap[i] = l->heap[c];
		i = c;
	}
	if (l->len > 0)
		l->heap[i] = last;
	return true;
}

/* The IPv4 packet's length inside the frame (the part the receiver checks;
 * the Ethernet header has no FCS here, so damage stays out of it). */
static uint32_t
frame_ip_len(const struct rte_mbuf *m)
{
	if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr))
		return 0;
	const struct rte_ipv4_hdr *ih =
	        rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	uint32_t tot = rte_be_to_cpu_16(ih->total_length);
	uint32_t room = rte_pktmbuf_data_len(m) - RTE_ETHER_HDR_LEN;
	return tot < room ? tot : room;
}

static bool
frame_is_ipv4(const struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	return rte_pktmbuf_data_len(m) < sizeof(*eh) ||
	       eh->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4);
}

/* A frame other than IPv4 (ARP): neither reordered nor duplicated, so that
 * an old ARP reply never overtakes a newer announcement (which would teach
 * a MAC its host has left); damage is what the receiver's FCS check turns
 * into a loss. */
static enum sim_fate
link_send_fifo(struct sim_link *l, struct sim_dir *d, struct sim_frame *f, uint64_t *arrive)
{
	if (sim_rng_ppm(&d->rng, d->cfg.corrupt_ppm) || sim_rng_ppm(&d->rng, d->cfg.truncate_ppm)) {
		d->lost++;
		rte_pktmbuf_free(f->m);
		return FATE_LOST;
	}
	f->order = l->next_order++;
	heap_push(l, f);
	*arrive = f->at;
	return FATE_OK;
}

static void
dir_queue_push(struct sim_dir *d, uint64_t depart)
{
	if (d->dep_len == d->dep_cap) {
		uint32_t cap = d->dep_cap ? d->dep_cap * 2 : 256;
		uint64_t *n = malloc(sizeof(*n) * cap);
		if (n == NULL)
			abort();
		for (uint32_t i = 0; i < d->dep_len; i++)
			n[i] = d->departs[(d->dep_head + i) % d->dep_cap];
		free(d->departs);
		d->departs = n;
		d->dep_cap = cap;
		d->dep_head = 0;
	}
	d->departs[(d->dep_head + d->dep_len++) % d->dep_cap] = depart;
}

enum sim_fate
sim_link_send(struct sim_link *l, unsigned from, struct rte_mbuf *m, uint64_t now, bool *dup,
              uint64_t *arrive)
{
	struct sim_dir *d = &l->dir[from];
	const struct sim_link_cfg *c = &d->cfg;
	struct sim_frame f = { .m = m, .dst = (uint8_t)!from };

	*dup = false;
	*arrive = 0;
	d->sent++;
	/* Frames whose serialization has finished have left the queue. */
	while (d->dep_len > 0 && d->departs[d->dep_head] <= now) {
		d->dep_head = (d->dep_head + 1) % d->dep_cap;
		d->dep_len--;
	}
	if (d->dep_len >= c->queue_max) {
		d->tail_drops++;
		rte_pktmbuf_free(m);
		return FATE_TAIL_DROP;
	}
	uint64_t ser = rte_pktmbuf_pkt_len(m) * 8ull * 1000000000ull / c->bw_bps;
	uint64_t depart = (now > d->busy_until ? now : d->busy_until) + (ser ? ser : 1);
	d->busy_until = depart;
	dir_queue_push(d, depart);
	if (sim_rng_ppm(&d->rng, c->loss_ppm)) {
		d->lost++;
		rte_pktmbuf_free(m);
		return FATE_LOST;
	}
	f.at = depart + c->delay_ns;
	if (!frame_is_ipv4(m))
		return link_send_fifo(l, d, &f, arrive);
	if (sim_rng_ppm(&d->rng, c->reorder_ppm)) {
		d->reordered++;
		f.at += sim_rng_range(&d->rng, 1, c->reorder_ns);
	}
	enum sim_fate fate = FATE_OK;
	uint32_t ip_len = frame_ip_len(m);
	bool corrupt = sim_rng_ppm(&d->rng, c->corrupt_ppm);
	bool truncate = !corrupt && sim_rng_ppm(&d->rng, c->truncate_ppm);
	if (corrupt && ip_len > 0) {
		/* One bit of the IPv4 header or what it carries: the IPv4 or the
		 * TCP checksum must catch it. */
		uint32_t bit = (uint32_t)sim_rng_below(&d->rng, ip_len * 8ull);
		uint8_t *p = rte_pktmbuf_mtod_offset(m, uint8_t *, RTE_ETHER_HDR_LEN + bit / 8);
		*p ^= (uint8_t)(1u << (bit % 8));
		d->corrupted++;
		f.damaged = 1;
		fate = FATE_CORRUPT;
	} else if (truncate && ip_len > 0) {
		/* Cut anywhere before the IPv4 packet's end, headers included. */
		uint32_t keep = (uint32_t)sim_rng_range(&d->rng, 1, RTE_ETHER_HDR_LEN + ip_len - 1);
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - keep));
		d->truncated++;
		f.damaged = 1;
		fate = FATE_TRUNCATE;
	}
	bool twice = sim_rng_ppm(&d->rng, c->dup_ppm);
	uint64_t dup_delay = twice ? sim_rng_range(&d->rng, 0, 2 * (ser ? ser : 1)) : 0;
	f.order = l->next_order++;
	heap_push(l, &f);
	*arrive = f.at;
	if (twice) {
		struct rte_mbuf *copy = rte_pktmbuf_copy(m, m->pool, 0, UINT32_MAX);
		if (copy != NULL) {
			struct sim_frame g = f;
			g.m = copy;
			g.at = f.at + dup_delay;
			g.order = l->next_order++;
			heap_push(l, &g);
			d->dups++;
			*dup = true;
		}
	}
	return fate;
}
