/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Telemetry (docs/OPERATIONS.md): DPDK's rte_telemetry socket answers
 * /tern/stats, /tern/conns, /tern/mem and /tern/config for a running Tern
 * (dpdk-telemetry.py -f FILE_PREFIX, tools/tern-stat). Callbacks run on
 * DPDK's telemetry threads; what an engine owns is read on the engine's own
 * core through tern_core_post, so engines take no lock and publish nothing
 * on their fast path.
 *
 *   tern_init -> telemetry_init (commands registered once per process)
 *   client -> rte_telemetry thread -> telemetry_cmd_* -> tern_core_post per engine
 *   tern_fini -> telemetry_fini (before the engines go)
 */
#ifndef TERN_TELEMETRY_H
#define TERN_TELEMETRY_H

#include <stdint.h>

#include "tcp/tcp_info.h"

struct config;
struct engine;
struct rte_tel_data;

/* How long a command waits for an engine to answer (a stopped one never
 * does: the command then fails, and the client hears null). */
#define TELEMETRY_POST_MS 500

/* What the commands read: the runtime's, valid from telemetry_init to
 * telemetry_fini. */
struct telemetry {
	const char *app;
	const struct config *cfg;
	struct engine *const *engines; /* by index */
	unsigned nb_engines;
};

/* Serve @tm's runtime on the telemetry socket; 0 or a negative errno. */
int telemetry_init(const struct telemetry *tm);

/* Stop serving it; waits for a command in progress to finish. */
void telemetry_fini(void);

/* ---- /tern/conns (telemetry_conns.c) ---- */

/* Connections a page: a reply is at most 16 KiB (the telemetry library's
 * output buffer) and an entry at most ~450 bytes of JSON. */
#define TELEMETRY_CONNS_PAGE 24

/* One page of the connection listing: engines in index order, each one's
 * pool in slot order. */
struct telemetry_conns_page {
	uint64_t total; /* connections in use on every engine, when asked */
	unsigned n;     /* entries below */
	uint16_t engine[TELEMETRY_CONNS_PAGE];
	struct tcp_conn_info conns[TELEMETRY_CONNS_PAGE];
};

/* Fill @out with page @page of @tm's connections, asking each engine on its
 * core. 0, or the first error of tern_core_post (-ETIMEDOUT: an engine did
 * not answer). Not on an engine's lcore. */
int telemetry_conns_gather(const struct telemetry *tm, unsigned page,
                           struct telemetry_conns_page *out);

/* The /tern/conns[,PAGE] command over @tm. */
int telemetry_conns_cmd(const struct telemetry *tm, const char *params, struct rte_tel_data *d);

/* A command's parameter: a decimal index, or @dflt when absent. 0 or
 * -EINVAL. */
int telemetry_param_index(const char *params, unsigned dflt, unsigned *out);

#endif /* TERN_TELEMETRY_H */
