/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-core engine: everything one lcore owns (its RX/TX queue, mbuf pool,
 * counters, ARP table, flow table, timer wheel, fault injectors) and the
 * run-to-completion loop over it. Nothing here is shared with another core
 * except the read-only iface and the inbox ring other cores post to.
 *
 *   engine_poll(now): RX burst -> fault(rx) -> eth_input per frame
 *                     -> inbox (notes from other cores) -> posts (other threads)
 *                     -> timer wheel
 *                     -> on_poll -> tcp output -> engine_flush: fault(tx) -> TX burst
 */
#ifndef TERN_ENGINE_H
#define TERN_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_reciprocal.h>

#include "core/cost.h"
#include "core/stats.h"
#include "drivers/capture.h"
#include "drivers/fault.h"
#include "drivers/link_emu.h"
#include "flow/steer.h"
#include "net/arp.h"
#include "net/iface.h"
#include "tcp/tcp_cb.h"
#include "timer/timer_wheel.h"

#define ENGINE_TICK_US        1000u /* timer wheel tick: 1 ms */
#define ENGINE_BURST_MAX      256u
#define ENGINE_TX_MAX         (2 * ENGINE_BURST_MAX) /* room for fault duplicates */
#define ENGINE_TX_STOPPING_MS 2u /* stopping: how long a full TX ring is waited out */
#define ENGINE_MAX            RTE_MAX_LCORE

struct config;
struct flow_table;
struct rte_ring;
struct tern_core;

struct engine {
	/* Hot: read or written every iteration. */
	uint64_t now_tsc;                     /* read once per iteration */
	uint64_t now_ticks;                   /* now_tsc in wheel ticks */
	uint64_t tick_tsc;                    /* where now_ticks began: now_ticks * tsc_per_tick */
	uint64_t now_us;                      /* now_tsc in microseconds */
	struct rte_reciprocal_u64 tsc_per_us; /* divides by TSC cycles a microsecond */
	uint16_t port_id;
	uint16_t queue_id;
	uint16_t burst;
	uint16_t early_send_min; /* cfg->early_send_min */
	uint16_t tx_count;
	bool rx_cksum_trusted; /* [port] checksums = no (port_trust_cksum in port.c) */
	const struct iface *ifc;
	struct rte_mempool *pool;
	struct rte_ring *inbox;        /* notes from other engines (ARP learned) */
	struct rte_ring *posts;        /* functions other threads posted (runtime/post.c) */
	struct capture_queue *capture; /* --capture: this engine's side; NULL: off */
	struct net_stats stats;
	struct rte_mbuf *tx_pkts[ENGINE_TX_MAX];
#ifdef TERN_COST_ACCOUNTING
	struct cost cost; /* cycles per layer (core/cost.h) */
#endif

	/* Warm: per event. */
	const struct config *cfg;
	struct tcp_engine tcp;
	struct arp_table arp;
	struct flow_table *flows;
	struct fault fault_rx;
	struct fault fault_tx;
	struct link_emu link_emu; /* [fault] tx_link_mbit: the port's line, emulated */
	uint64_t tx_queue_tsc;    /* [port] tx_queue_us in TSC cycles; 0: no limit */
	uint64_t tx_seg_tsc;      /* the line's time for one full-size frame */
	uint64_t tsc_per_tick;
	uint16_t ip_id; /* IPv4 identification of what we originate */

	/* Cold: set up once. */
	unsigned index; /* 0 .. nb_engines-1, also the queue id */
	unsigned nb_engines;
	struct engine **peers; /* every engine, this one included, by index */
	struct steer steer;    /* rings to and from the other engines (flow/steer.h) */
	void (*on_poll)(struct tern_core *core, void *arg); /* the application's hook */
	void *on_poll_arg;
	bool *stop; /* the runtime's stop flag (tern_core_stop_all) */
	/* Stopping: a full TX ring is waited out (bounded) rather than
	 * dropped, so that every connection's RST reaches the peer. */
	bool tx_patient;
	/* What the connection pool and the flow table took from the DPDK heap
	 * (rte_malloc socket stats before and after creating them, element
	 * headers and padding included): tern_core_mem. */
	uint64_t conn_heap_bytes;
	uint64_t flow_heap_bytes;

	struct timer_wheel wheel;
};

/* Set up @eng for queue @index of @ifc's port with @pool. @tsc_hz is the TSC
 * rate, @now_tsc the clock at start. Returns 0 or a negative errno. */
int engine_init(struct engine *eng, const struct config *cfg, const struct iface *ifc,
                uint16_t port_id, unsigned index, struct rte_mempool *pool, uint64_t tsc_hz,
                uint64_t now_tsc);

/* Release what the engine holds (held fault packets, ARP queues, tables). */
void engine_fini(struct engine *eng);

/* Let @eng post notes and steer packets to its @peers: engine_connect every
 * engine (it creates @eng's incoming rings), then engine_link every engine.
 * engine_connect returns 0 or -ENOMEM. */
int engine_connect(struct engine *eng, struct engine **peers, unsigned nb_engines);
void engine_link(struct engine *eng);

/* One iteration of the loop at time @now_tsc. Returns packets received. */
unsigned engine_poll(struct engine *eng, uint64_t now_tsc);

/* Queue @m for transmission in this iteration's TX burst. */
void engine_tx(struct engine *eng, struct rte_mbuf *m);

/* Send what is queued (end of every iteration; also when the batch is full). */
void engine_flush(struct engine *eng);

static inline void
engine_drop(struct engine *eng, struct rte_mbuf *m, enum drop_reason why)
{
	eng->stats.drops[why]++;
	rte_pktmbuf_free(m);
}

/* Full-size segments of new data the port's queue may still take before it
 * holds [port] tx_queue_us at its line rate (at least 1 while below it);
 * UINT32_MAX without a limit. The time the emulated line needs for what it
 * holds is its backlog, so the queue's depth is read in time, as the limit
 * is given. What sits in a NIC's TX ring is that ring's packets in line
 * before a reply, so past a few tens of microseconds of it, new data waits
 * in the send queues, where fair output (tcp_sched.h) orders it, as BQL and
 * fq keep it out of Linux's driver queues. */
static inline uint32_t
engine_tx_room(const struct engine *eng)
{
	if (eng->tx_queue_tsc == 0)
		return UINT32_MAX;
	uint64_t limit = eng->now_tsc + eng->tx_queue_tsc, busy = eng->link_emu.line_free_tsc;
	if (busy >= limit)
		return 0;
	uint64_t room = (limit - busy + eng->tx_seg_tsc - 1) / eng->tx_seg_tsc;
	return room < UINT32_MAX ? (uint32_t)room : UINT32_MAX;
}

/* The loop's clock in microseconds, worked out once an iteration: ACK
 * processing, each segment sent and the application's callbacks ask for it
 * several times a request. With a 64-bit division each time,
 * tern_core_now_us alone was 2.3% of tern-loadgen's samples in rr-256 (perf
 * over the pair), 0.5% after. */
static inline uint64_t
engine_now_us(const struct engine *eng)
{
	return eng->now_us;
}

/* Convert a delay to wheel ticks, rounding up so that timers never fire early. */
static inline uint64_t
engine_ms_to_ticks(uint64_t ms)
{
	return (ms * 1000 + ENGINE_TICK_US - 1) / ENGINE_TICK_US;
}

#endif /* TERN_ENGINE_H */
