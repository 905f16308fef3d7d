/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cost accounting: TSC cycles per layer of one engine, switched on at build
 * time (meson -Dcost_accounting=true defines TERN_COST_ACCOUNTING). Off, every
 * COST_* macro below is empty and struct engine has no cost member, so the
 * hot path is the same code as before; on, each layer transition costs one
 * rte_rdtsc().
 *
 *   engine_poll -> COST_BEGIN -> COST_TO(layer) ... COST_CALL(eng, layer, f())
 *               -> COST_END (fold the iteration into its layers, or into idle)
 *   tern_fini   -> cost_print (a table and one {"tern_cost":...} JSON line)
 *
 * The model is a "current layer": a transition charges the cycles since the
 * last one to the current layer and makes another current. Nesting (TCP input
 * calling the readable callback, which calls tern_send) is COST_CALL: switch
 * to the callee's layer, and back to the caller's on return.
 */
#ifndef TERN_COST_H
#define TERN_COST_H

#include <stdint.h>
#include <stdio.h>

/* X-macro so the enum and the report's names cannot drift apart. */
#define COST_LAYERS(X)                                                                             \
	X(DRIVER_RX, "driver_rx") /* rte_eth_rx_burst and RX fault injection */                    \
	X(NET, "net")             /* eth, ARP, IPv4, ICMP input and dispatch, the inbox */         \
	X(TCP_IN, "tcp_in")       /* TCP input: checks, flow lookup, state, reassembly */          \
	X(APP, "app")             /* application callbacks and on_poll, API calls inside */        \
	X(TCP_OUT, "tcp_out")     /* output pass: segments, TCP/IPv4 checksums, Ethernet, ARP */   \
	X(TIMERS, "timers")       /* timer wheel advance and the handlers it runs */               \
	X(DRIVER_TX, "driver_tx") /* TX fault injection and rte_eth_tx_burst */                    \
	X(IDLE, "idle")           /* whole iterations that received and sent nothing */

enum cost_layer {
#define COST_ENUM(name, str) COST_##name,
	COST_LAYERS(COST_ENUM)
#undef COST_ENUM
	        COST_MAX
};

#ifdef TERN_COST_ACCOUNTING

#include <rte_cycles.h>

const char *cost_layer_name(enum cost_layer l);

struct cost {
	uint64_t last_tsc;     /* TSC at the last transition */
	enum cost_layer layer; /* what the cycles since last_tsc are charged to */
	uint32_t iter_pkts;    /* packets received or sent this iteration */
	uint64_t rx_pkts;      /* packets received in counted iterations */
	uint64_t tx_pkts;      /* packets sent in counted iterations */
	uint64_t cycles[COST_MAX];
	/* This iteration's cycles per layer, folded into cycles[] (or, when the
	 * iteration moved no packet, into cycles[COST_IDLE]) at its end. */
	uint64_t iter[COST_MAX];
};

/* Charge the cycles since the last transition to the current layer and make
 * @to current. Returns the layer that was current. */
static inline enum cost_layer
cost_switch(struct cost *c, enum cost_layer to)
{
	uint64_t now = rte_rdtsc();
	enum cost_layer from = c->layer;

	c->iter[from] += now - c->last_tsc;
	c->last_tsc = now;
	c->layer = to;
	return from;
}

/* Nothing is counted before the first iteration (last_tsc 0): set-up and
 * the application's on_start are not the loop's. */
static inline void
cost_init(struct cost *c)
{
	c->last_tsc = 0;
	c->layer = COST_DRIVER_RX;
}

/* Start of an iteration. The time since the last one ended is the lcore
 * loop's own (its stop flag, its TSC read, the main lcore's housekeeping) and
 * counts as this iteration's driver_rx, so that the loop's wall time is
 * accounted in full; what ran in between as another layer (an engine_flush
 * from housekeeping) has already charged itself to that layer. */
static inline void
cost_begin(struct cost *c)
{
	uint64_t now = rte_rdtsc();

	c->iter[c->layer] += c->last_tsc != 0 ? now - c->last_tsc : 0;
	c->last_tsc = now;
	c->layer = COST_DRIVER_RX;
}

/* End of an iteration: one that received and sent nothing is idle as a
 * whole; otherwise each layer keeps what it took. */
static inline void
cost_end(struct cost *c)
{
	uint64_t sum = 0;

	(void)cost_switch(c, COST_DRIVER_RX);
	if (c->iter_pkts != 0) {
		for (unsigned i = 0; i < COST_MAX; i++)
			c->cycles[i] += c->iter[i];
	} else {
		for (unsigned i = 0; i < COST_MAX; i++)
			sum += c->iter[i];
		c->cycles[COST_IDLE] += sum;
	}
	for (unsigned i = 0; i < COST_MAX; i++)
		c->iter[i] = 0;
	c->iter_pkts = 0;
}

static inline void
cost_rx(struct cost *c, unsigned n)
{
	c->rx_pkts += n;
	c->iter_pkts += n;
}

static inline void
cost_tx(struct cost *c, unsigned n)
{
	c->tx_pkts += n;
	c->iter_pkts += n;
}

uint64_t cost_total(const struct cost *c);

/* The breakdown for engine @core: a human-readable table, then exactly one
 * line {"tern_cost":{...}} for scripts to grep. */
void cost_print(FILE *f, const struct cost *c, unsigned core, uint64_t tsc_hz);

#define COST_INIT(eng)      cost_init(&(eng)->cost)
#define COST_BEGIN(eng)     cost_begin(&(eng)->cost)
#define COST_END(eng)       cost_end(&(eng)->cost)
#define COST_TO(eng, layer) ((void)cost_switch(&(eng)->cost, (layer)))
#define COST_RX(eng, n)     cost_rx(&(eng)->cost, (n))
#define COST_TX(eng, n)     cost_tx(&(eng)->cost, (n))
/* Run the statement after @layer as that layer, then return to the caller's. */
#define COST_CALL(eng, layer, ...)                                                                 \
	do {                                                                                       \
		enum cost_layer cost_prev_ = cost_switch(&(eng)->cost, (layer));                   \
		__VA_ARGS__;                                                                       \
		(void)cost_switch(&(eng)->cost, cost_prev_);                                       \
	} while (0)

#else /* !TERN_COST_ACCOUNTING: nothing at all on the hot path */

#define COST_INIT(eng)      ((void)0)
#define COST_BEGIN(eng)     ((void)0)
#define COST_END(eng)       ((void)0)
#define COST_TO(eng, layer) ((void)0)
#define COST_RX(eng, n)     ((void)0)
#define COST_TX(eng, n)     ((void)0)
#define COST_CALL(eng, layer, ...)                                                                 \
	do {                                                                                       \
		__VA_ARGS__;                                                                       \
	} while (0)

#endif /* TERN_COST_ACCOUNTING */

#endif /* TERN_COST_H */
