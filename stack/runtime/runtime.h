/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The runtime behind tern.h: what one process owns above the engines (the
 * configuration, the EAL, the port, one mbuf pool and one engine per lcore,
 * the stop flag) and the steps that bring it up, run it and take it down.
 * Private to stack/runtime/ and the API files that reach the engines.
 *
 *   tern_init (start.c)  -> signals.c, config, EAL, pools.c, port_open, engines
 *   tern_run  (lcore.c)  -> runtime_lcore_main on every lcore -> engine_poll
 *   tern_fini (stop.c)   -> engine_fini, port_close, counters, pools.c check
 */
#ifndef TERN_RUNTIME_H
#define TERN_RUNTIME_H

#include <stdbool.h>

#include <rte_lcore.h>

#include "core/config.h"
#include "drivers/port.h"
#include "net/iface.h"

struct capture;
struct engine;
struct rte_mempool;
struct tern_app;
struct tern_core;

struct tern {
	const struct tern_app *app;
	struct config cfg;
	struct port port;
	struct iface ifc;
	bool eal_up;
	bool port_open;
	bool stop; /* written by the main lcore, read by all */
	int sigfd; /* SIGINT and SIGTERM, read by the main lcore */
	unsigned nb_engines;
	struct engine *engines[RTE_MAX_LCORE];    /* by engine index */
	unsigned engine_of_lcore[RTE_MAX_LCORE];  /* lcore id -> engine index */
	struct rte_mempool *pools[RTE_MAX_LCORE]; /* by engine index */
	struct capture *capture;                  /* --capture, dpdk-dumpcap */
	void (*on_start)(struct tern_core *core, void *arg);
	void *on_start_arg;
};

/* signals.c: block what the lcores alone take, open t->sigfd. 0 or -errno. */
int runtime_block_signals(struct tern *t);
/* signals.c: let the calling lcore take the port's I/O signals. */
void runtime_lcore_signals(void);
/* signals.c: true once SIGINT or SIGTERM has arrived (logged). */
bool runtime_stop_requested(struct tern *t);

/* pools.c: one mbuf pool per lcore; fills pools, engine_of_lcore, nb_engines. */
int runtime_pools_create(struct tern *t);
/* pools.c: print every pool; 1 if any mbuf was not returned, else 0. */
int runtime_pools_check(struct tern *t);

#endif /* TERN_RUNTIME_H */
