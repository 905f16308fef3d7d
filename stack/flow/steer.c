/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Software steering: per-pair SP/SC rings between engines (flow/steer.h).
 * The mbuf keeps its pool: the owner frees it into the receiving engine's
 * pool through its own lcore cache, which rte_mempool allows from any lcore,
 * so every pool is still full at exit.
 *
 *   steer_to: rte_ring_sp_enqueue -> owner's steer_drain: dequeue
 *     -> tcp_input_queue per segment -> tcp_input_flush (one bulk lookup)
 */
#include <errno.h>
#include <stdio.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "core/config.h"
#include "engine/engine.h"
#include "flow/rss.h"
#include "flow/steer.h"
#include "tcp/tcp.h"
#include "wire/ipv4.h"

int
steer_init(struct engine *eng, unsigned nb_engines)
{
	struct steer *st = &eng->steer;
	char name[RTE_RING_NAMESIZE];

	for (unsigned i = 0; i < nb_engines; i++) {
		if (i == eng->index)
			continue;
		snprintf(name, sizeof(name), "steer_%p_%u", (void *)eng, i);
		st->in[i] = rte_ring_create(name, STEER_RING_SIZE, rte_socket_id(),
		                            RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (st->in[i] == NULL) {
			steer_fini(eng);
			return -ENOMEM;
		}
		st->nb_in++;
	}
	return 0;
}

void
steer_link(struct engine *eng, struct engine **peers, unsigned nb_engines)
{
	for (unsigned i = 0; i < nb_engines; i++)
		eng->steer.out[i] = i == eng->index ? NULL : peers[i]->steer.in[eng->index];
}

void
steer_fini(struct engine *eng)
{
	struct steer *st = &eng->steer;
	struct rte_mbuf *m;

	for (unsigned i = 0; i < RTE_MAX_LCORE; i++) {
		if (st->in[i] == NULL)
			continue;
		while (rte_ring_sc_dequeue(st->in[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(st->in[i]);
		st->in[i] = NULL;
	}
	st->nb_in = 0;
}

unsigned
steer_owner(const struct engine *eng, const struct rte_mbuf *m)
{
	const struct rss *r = eng->ifc->rss;

	if (r == NULL || r->mode != RSS_SOFT)
		return eng->index;
	const struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	unsigned hl = ipv4_hdr_len(ih); /* checked by ipv4_input */
	if (rte_pktmbuf_data_len(m) < hl + 4u)
		return eng->index;
	const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, hl);
	uint32_t rip = rte_be_to_cpu_32(ih->src_addr), lip = rte_be_to_cpu_32(ih->dst_addr);
	uint16_t rport = rte_be_to_cpu_16(th->src_port), lport = rte_be_to_cpu_16(th->dst_port);
	const struct config *cfg = eng->cfg;

	if (lport >= cfg->tcp_local_port_min && lport <= cfg->tcp_local_port_max &&
	    tcp_listener_find(eng, th->dst_port) == NULL)
		return rss_owner_of_active(r, rip, lip, rport, lport);
	return rss_owner_of_passive(r, rip, lip, rport, lport);
}

void
steer_to(struct engine *eng, unsigned owner, struct rte_mbuf *m)
{
	struct rte_ring *r = eng->steer.out[owner];

	if (unlikely(r == NULL || rte_ring_sp_enqueue(r, m) != 0)) {
		engine_drop(eng, m, DROP_STEER_FULL);
		return;
	}
	eng->stats.steered_out++;
}

unsigned
steer_drain(struct engine *eng)
{
	struct rte_mbuf *pkts[ENGINE_BURST_MAX];
	unsigned total = 0;

	for (unsigned i = 0; i < eng->nb_engines; i++) {
		struct rte_ring *r = eng->steer.in[i];
		if (r == NULL)
			continue;
		unsigned n = rte_ring_sc_dequeue_burst(r, (void **)pkts, eng->burst, NULL);
		for (unsigned k = 0; k < n; k++)
			tcp_input_queue(eng, pkts[k]);
		total += n;
	}
	tcp_input_flush(eng);
	eng->stats.steered_in += total;
	return total;
}
