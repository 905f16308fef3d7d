/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Taking a process down: every engine frees what it holds, the port is
 * stopped and closed (the driver returns its RX ring's mbufs), the counters
 * are printed, and every pool must be full again (exit status 1 if not).
 *
 *   tern_fini -> engine_fini x engines -> port_close -> runtime_print_stats
 *             -> runtime_pools_check -> rte_eal_cleanup
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "drivers/capture.h"
#include "engine/engine.h"
#include "runtime/runtime.h"
#include "runtime/telemetry.h"
#include "tern.h"

static void
runtime_print_stats(struct tern *t)
{
	struct net_stats sum;
	char prefix[32];

	memset(&sum, 0, sizeof(sum));
	for (unsigned i = 0; i < t->nb_engines; i++) {
		snprintf(prefix, sizeof(prefix), "engine%u.", i);
		if (t->nb_engines > 1)
			stats_print(stdout, prefix, &t->engines[i]->stats);
		stats_add(&sum, &t->engines[i]->stats);
	}
	stats_print(stdout, "total.", &sum);
#ifdef TERN_COST_ACCOUNTING
	for (unsigned i = 0; i < t->nb_engines; i++)
		cost_print(stdout, &t->engines[i]->cost, i, rte_get_tsc_hz());
#endif
}

int
tern_fini(struct tern *t)
{
	int status = 0;

	if (t == NULL)
		return 0;
	telemetry_fini(); /* no command may reach the engines from here on */
	for (unsigned i = 0; i < t->nb_engines; i++)
		if (t->engines[i] != NULL)
			engine_fini(t->engines[i]);
	status = capture_fini(t->capture, stdout); /* needs the port: before it closes */
	if (t->port_open) {
		port_close(&t->port);
		runtime_print_stats(t);
		status |= runtime_pools_check(t);
	}
	for (unsigned i = 0; i < t->nb_engines; i++) {
		rte_free(t->engines[i]);
		rte_mempool_free(t->pools[i]);
	}
	fflush(stdout);
	if (t->eal_up)
		rte_eal_cleanup();
	if (t->sigfd >= 0)
		close(t->sigfd);
	free(t);
	return status;
}
