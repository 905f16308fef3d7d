/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-core engine loop (DESIGN.md, "Data path on one core"): one TSC read
 * per iteration, RX burst, dispatch every frame to completion, timers, one TX
 * burst (and early ones inside a burst that did not fill: engine_rx_frames).
 *
 *   runtime lcore loop -> engine_poll -> eth_input ... -> tcp_input_flush -> engine_tx (batch)
 *                                     -> timer_wheel_advance -> on_poll
 *                                     -> tcp_output_burst -> engine_flush
 *
 * With cost accounting built in, the loop marks each layer it enters
 * (core/cost.h); layers entered deeper down mark themselves.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "core/config.h"
#include "engine/engine.h"
#include "flow/flow_table.h"
#include "flow/steer.h"
#include "net/net.h"
#include "runtime/post.h"
#include "tcp/tcp.h"
#include "wire/cksum.h"

#define ENGINE_INBOX_SIZE  1024
#define ENGINE_INBOX_BURST 32

static int
engine_faults_init(struct engine *eng, const struct config *cfg)
{
	/* Each engine and direction gets its own stream from the one seed. */
	uint64_t seed = cfg->fault_seed * 0x9e3779b97f4a7c15ull + eng->index * 2;
	int ret = fault_init(&eng->fault_rx, &cfg->fault_rx, seed, eng->pool);

	if (ret == 0)
		ret = fault_init(&eng->fault_tx, &cfg->fault_tx, seed + 1, eng->pool);
	return ret;
}

/* The emulated line, and the limit on what new data may put in line at the
 * port: [port] tx_queue_us at the line's rate, and the line's time for one
 * frame of the MTU, to count the room in segments. */
static int
engine_line_init(struct engine *eng, const struct config *cfg, uint64_t tsc_hz)
{
	int ret = link_emu_init(&eng->link_emu, cfg->fault_link_mbit, cfg->fault_link_ring, tsc_hz,
	                        (int)rte_socket_id());

	if (ret != 0 || !eng->link_emu.enabled || cfg->port_tx_queue_us == 0)
		return ret;
	eng->tx_queue_tsc = tsc_hz / 1000000 * cfg->port_tx_queue_us;
	eng->tx_seg_tsc = ((cfg->mtu + RTE_ETHER_HDR_LEN + LINK_EMU_WIRE_OVERHEAD) *
	                   eng->link_emu.cycles_per_byte_q16) >>
	                  16;
	eng->tx_seg_tsc += eng->tx_seg_tsc == 0;
	return 0;
}

/* Bytes allocated from this socket's DPDK heap. engine_init runs on the
 * main lcore, one engine after another, so a difference is one engine's. */
static uint64_t
engine_heap_used(void)
{
	struct rte_malloc_socket_stats s;

	if (rte_malloc_get_socket_stats((int)rte_socket_id(), &s) != 0)
		return 0;
	return s.heap_allocsz_bytes;
}

int
engine_init(struct engine *eng, const struct config *cfg, const struct iface *ifc, uint16_t port_id,
            unsigned index, struct rte_mempool *pool, uint64_t tsc_hz, uint64_t now_tsc)
{
	char name[RTE_RING_NAMESIZE];
	int ret;

	memset(eng, 0, sizeof(*eng));
	eng->ifc = ifc;
	eng->rx_cksum_trusted = ifc->caps.no_cksum;
	eng->cfg = cfg;
	eng->port_id = port_id;
	eng->queue_id = (uint16_t)index;
	eng->index = index;
	eng->burst = cfg->burst;
	eng->early_send_min = cfg->early_send_min;
	eng->pool = pool;
	eng->tsc_per_tick = tsc_hz / (1000000 / ENGINE_TICK_US);
	eng->tsc_per_us = rte_reciprocal_value_u64(eng->tsc_per_tick / ENGINE_TICK_US);
	eng->now_tsc = now_tsc;
	eng->now_us = rte_reciprocal_divide_u64(now_tsc, &eng->tsc_per_us);
	eng->now_ticks = now_tsc / eng->tsc_per_tick;
	eng->tick_tsc = eng->now_ticks * eng->tsc_per_tick;
	COST_INIT(eng);
	timer_wheel_init(&eng->wheel, eng->now_ticks, eng);

	ret = engine_faults_init(eng, cfg);
	if (ret == 0)
		ret = engine_line_init(eng, cfg, tsc_hz);
	if (ret != 0)
		return ret;
	ret = arp_table_init(eng, cfg);
	if (ret != 0)
		return ret;
	uint64_t heap0 = engine_heap_used();
	eng->flows = flow_table_create(cfg->flows, rte_socket_id());
	eng->flow_heap_bytes = engine_heap_used() - heap0;
	snprintf(name, sizeof(name), "inbox_%p", (void *)eng);
	eng->inbox = rte_ring_create_elem(name, sizeof(struct arp_note), ENGINE_INBOX_SIZE,
	                                  rte_socket_id(), RING_F_SC_DEQ);
	if (eng->flows == NULL || eng->inbox == NULL || post_init(eng) != 0) {
		engine_fini(eng);
		return -ENOMEM;
	}
	heap0 = engine_heap_used();
	ret = tcp_engine_init(eng, cfg);
	eng->conn_heap_bytes = engine_heap_used() - heap0;
	if (ret != 0)
		engine_fini(eng);
	return ret;
}

int
engine_connect(struct engine *eng, struct engine **peers, unsigned nb_engines)
{
	eng->peers = peers;
	eng->nb_engines = nb_engines;
	return steer_init(eng, nb_engines);
}

void
engine_link(struct engine *eng)
{
	steer_link(eng, eng->peers, eng->nb_engines);
}

void
engine_fini(struct engine *eng)
{
	if (eng->flows != NULL)
		tcp_engine_fini(eng);
	engine_flush(eng);
	fault_flush(&eng->fault_rx);
	fault_flush(&eng->fault_tx);
	link_emu_fini(&eng->link_emu);
	arp_table_fini(eng);
	flow_table_free(eng->flows);
	eng->flows = NULL;
	rte_ring_free(eng->inbox);
	eng->inbox = NULL;
	steer_fini(eng);
	post_fini(eng);
}

/* A damaging TX fault must hit a frame whose checksums are final, or the
 * port would compute them over the damage and hide it from the peer. */
static void
engine_tx_cksum_in_software(struct rte_mbuf *m)
{
	uint64_t f = m->ol_flags;

	if (!(f & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK)))
		return;
	struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	if (f & RTE_MBUF_F_TX_IP_CKSUM) {
		ih->hdr_checksum = 0;
		ih->hdr_checksum = rte_ipv4_cksum(ih);
	}
	if ((f & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((char *)ih + m->l3_len);
		th->cksum = 0;
		/* A zero-copy segment's chain may have odd-length buffers. */
		th->cksum = cksum_ipv4_tcp_chain(m, ih, (uint32_t)(m->l2_len + m->l3_len));
	}
	m->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IPV4);
}

/* Hand @pkts[0..n) to the port: what it will not take after a few tries is
 * dropped and counted, its bytes taken off @bytes (if not NULL). A full TX ring usually
 * drains within a few tries; after that the packets are dropped (TCP will
 * retransmit), never queued unboundedly. A stopping engine has nothing to
 * retransmit with: it waits longer. Returns how many the port took. */
static uint16_t
engine_port_tx(struct engine *eng, struct rte_mbuf **pkts, uint16_t n, uint64_t *bytes)
{
	uint64_t patience =
	        eng->tx_patient ? rte_rdtsc() + rte_get_tsc_hz() / 1000 * ENGINE_TX_STOPPING_MS : 0;
	uint16_t sent = 0;

	for (unsigned tries = 0; sent < n && (tries < 4 || rte_rdtsc() < patience); tries++)
		sent += rte_eth_tx_burst(eng->port_id, eng->queue_id, pkts + sent, n - sent);
	for (uint16_t i = sent; i < n; i++) {
		if (bytes != NULL)
			*bytes -= rte_pktmbuf_pkt_len(pkts[i]);
		engine_drop(eng, pkts[i], DROP_TX_FULL);
	}
	return sent;
}

/* The emulated line's frames that are off it by @now_tsc go to the port. A
 * stopping engine sends them all at once: it will not poll again. */
static void
engine_link_release(struct engine *eng, uint64_t now_tsc)
{
	struct rte_mbuf *due[ENGINE_BURST_MAX];
	uint16_t k;

	if (eng->tx_patient)
		now_tsc = UINT64_MAX;
	do {
		k = link_emu_due(&eng->link_emu, now_tsc, due, ENGINE_BURST_MAX);
		engine_port_tx(eng, due, k, NULL); /* counted when the line took them */
	} while (k == ENGINE_BURST_MAX);
}

static void
engine_tx_burst(struct engine *eng)
{
	uint16_t n = eng->tx_count;

	if (eng->link_emu.count != 0)
		engine_link_release(eng, eng->now_tsc);
	/* The fault injector releases held packets even when nothing is sent. */
	if (n == 0 && (!eng->fault_tx.enabled || eng->fault_tx.nb_held == 0))
		return;
	eng->tx_count = 0;
	if (eng->fault_tx.enabled) {
		if (eng->fault_tx.cfg.corrupt > 0 || eng->fault_tx.cfg.truncate > 0)
			for (uint16_t i = 0; i < n; i++)
				engine_tx_cksum_in_software(eng->tx_pkts[i]);
		n = fault_burst(&eng->fault_tx, eng->tx_pkts, n, ENGINE_TX_MAX);
	}
	capture_tx(eng->capture, eng->tx_pkts, n); /* after the faults: the wire */
	/* Counted before the port has them: a port may free a frame as soon
	 * as it has copied it (net_memif does). */
	uint64_t bytes = 0;
	for (uint16_t i = 0; i < n; i++)
		bytes += rte_pktmbuf_pkt_len(eng->tx_pkts[i]);
	uint16_t sent;
	if (eng->link_emu.enabled) {
		/* A NIC's ring drains at the line's pace, not within a few
		 * tries: what does not fit is refused at once. */
		sent = link_emu_take(&eng->link_emu, eng->tx_pkts, n, eng->now_tsc);
		for (uint16_t i = sent; i < n; i++) {
			bytes -= rte_pktmbuf_pkt_len(eng->tx_pkts[i]);
			engine_drop(eng, eng->tx_pkts[i], DROP_TX_FULL);
		}
	} else {
		sent = engine_port_tx(eng, eng->tx_pkts, n, &bytes);
	}
	capture_tx_done(eng->capture, sent);
	eng->stats.tx_bytes += bytes;
	eng->stats.tx_pkts += sent;
	COST_TX(eng, sent);
	if (eng->link_emu.enabled && eng->tx_patient)
		engine_link_release(eng, UINT64_MAX);
}

void
engine_flush(struct engine *eng)
{
	/* Called from deeper layers too (a full batch in the output pass). */
	COST_CALL(eng, COST_DRIVER_TX, engine_tx_burst(eng));
}

void
engine_tx(struct engine *eng, struct rte_mbuf *m)
{
	/* Leave room for the duplicates the TX fault injector may add. */
	if (eng->tx_count >= ENGINE_BURST_MAX)
		engine_flush(eng);
	eng->tx_pkts[eng->tx_count++] = m;
}

static void
engine_drain_inbox(struct engine *eng)
{
	struct arp_note notes[ENGINE_INBOX_BURST];
	unsigned n = rte_ring_dequeue_burst_elem(eng->inbox, notes, sizeof(notes[0]),
	                                         ENGINE_INBOX_BURST, NULL);

	for (unsigned i = 0; i < n; i++)
		arp_note_merge(eng, &notes[i]);
}

/* Send what the frames handled so far produced: their segments' input, the
 * replies and ACKs it queued, one TX burst. */
static void
engine_send_early(struct engine *eng)
{
	if (tcp_input_pending(&eng->tcp))
		COST_CALL(eng, COST_TCP_IN, tcp_input_flush(eng));
	if (tcp_output_pending(&eng->tcp))
		COST_CALL(eng, COST_TCP_OUT, tcp_output_burst(eng));
	if (eng->tx_count != 0)
		engine_flush(eng);
}

/* An in-memory port with [port] checksums = no: every frame counts as checked,
 * as a NIC that verified it would say. Before the RX faults, which take the
 * marks off a frame they damage so that the stack checks that one. */
static void
engine_rx_trust_cksum(struct rte_mbuf **pkts, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		pkts[i]->ol_flags |= RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD;
}

/* Hand every frame of the burst to eth_input. A burst that filled means
 * frames queue at this core: handling them all before one TX burst is what
 * keeps up. One that did not fill emptied the port, so its senders are
 * waiting for what we answer: once half of it is handled, what that half
 * produced goes out, and the peer works on those answers while this core
 * handles the other half, rather than the two cores taking turns (closed
 * loops of a few connections: rr-16 1.4-1.7x, crr-8 1.4-1.5x on the pair). One
 * split, not one every k frames: 4-frame pieces cost rr-16 a quarter, and a
 * burst below early_send_min is not worth the extra TX burst
 * (results/2026-12-06-flush.md). */
static void
engine_rx_frames(struct engine *eng, struct rte_mbuf **pkts, uint16_t n)
{
	bool split = eng->early_send_min != 0 && n >= eng->early_send_min && n < eng->burst;
	uint16_t half = split ? n / 2 : 0; /* frame i + 1 == half: send */

	for (uint16_t i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		eng->stats.rx_bytes += rte_pktmbuf_pkt_len(pkts[i]);
		eth_input(eng, pkts[i]);
		if (i + 1u == half) {
			engine_send_early(eng);
			eng->stats.early_sends++;
		}
	}
}

unsigned
engine_poll(struct engine *eng, uint64_t now_tsc)
{
	struct rte_mbuf *pkts[ENGINE_TX_MAX];
	uint64_t tx_before = eng->stats.tx_pkts;
	uint16_t n;

	eng->now_tsc = now_tsc;
	/* A multiply and shifts, not a division (rte_reciprocal). */
	eng->now_us = rte_reciprocal_divide_u64(now_tsc, &eng->tsc_per_us);
	/* A 1 ms tick spans thousands of iterations: divide only when the
	 * clock left the last one (or went back, which wraps past the test). */
	if (now_tsc - eng->tick_tsc >= eng->tsc_per_tick) {
		eng->now_ticks = now_tsc / eng->tsc_per_tick;
		eng->tick_tsc = eng->now_ticks * eng->tsc_per_tick;
	}
	eng->stats.loops++;

	COST_BEGIN(eng); /* as COST_DRIVER_RX */
	n = rte_eth_rx_burst(eng->port_id, eng->queue_id, pkts, eng->burst);
	if (eng->rx_cksum_trusted)
		engine_rx_trust_cksum(pkts, n);
	capture_rx(eng->capture, pkts, n, now_tsc); /* before the faults: the wire */
	if (eng->fault_rx.enabled)
		n = fault_burst(&eng->fault_rx, pkts, n, ENGINE_TX_MAX);
	if (n != 0) {
		COST_TO(eng, COST_NET);
		COST_RX(eng, n);
		eng->stats.rx_pkts += n;
		engine_rx_frames(eng, pkts, n);
		/* TCP segments wait for one flow lookup for all (tcp.h). */
		if (tcp_input_pending(&eng->tcp))
			COST_CALL(eng, COST_TCP_IN, tcp_input_flush(eng));
	}
	if (eng->steer.nb_in != 0)
		n += (uint16_t)steer_drain(eng); /* counts as received: busy, not quiet */
	if (!rte_ring_empty(eng->inbox))
		COST_CALL(eng, COST_NET, engine_drain_inbox(eng));
	if (eng->arp.nb_ready != 0)
		COST_CALL(eng, COST_NET, arp_release(eng));
	if (post_pending(eng))
		COST_CALL(eng, COST_APP, post_drain(eng));
	COST_TO(eng, COST_TIMERS);
	if (timer_wheel_due(&eng->wheel, eng->now_ticks))
		timer_wheel_advance(&eng->wheel, eng->now_ticks);
	if (eng->on_poll != NULL) {
		COST_TO(eng, COST_APP);
		eng->on_poll((struct tern_core *)eng, eng->on_poll_arg);
	}
	COST_TO(eng, COST_TCP_OUT);
	if (tcp_output_pending(&eng->tcp))
		tcp_output_burst(eng);
	COST_TO(eng, COST_DRIVER_TX);
	if (eng->tx_count != 0 || eng->fault_tx.enabled || eng->link_emu.count != 0)
		engine_tx_burst(eng);
	COST_END(eng);
	/* Busy: the iteration moved a packet either way (a sender's loops
	 * that only transmit count too); tern-stat's busy %. */
	eng->stats.busy_loops += n != 0 || eng->stats.tx_pkts != tx_before;
	return n;
}
