/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Mbuf pools: one per lcore, on the lcore's NUMA socket, so a leak is pinned
 * to a core; at exit every mbuf must be back in its pool.
 *
 *   runtime_start -> runtime_pools_create; tern_fini -> runtime_pools_check
 */
#include <errno.h>
#include <stdio.h>

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>

#include "core/config.h"
#include "runtime/runtime.h"
#include "tern.h"

int
runtime_pools_create(struct tern *t)
{
	const char *ops = config_pool_ops(&t->cfg);
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned lcore, i = 0;

	RTE_LCORE_FOREACH(lcore)
	{
		snprintf(name, sizeof(name), "tern_pool_%u", i);
		t->pools[i] = rte_pktmbuf_pool_create_by_ops(
		        name, t->cfg.pool_mbufs, t->cfg.pool_cache, 0,
		        t->cfg.pool_data_room + RTE_PKTMBUF_HEADROOM, rte_lcore_to_socket_id(lcore),
		        ops);
		if (t->pools[i] == NULL) {
			fprintf(stderr,
			        "%s: cannot create mbuf pool of %u mbufs for lcore %u with mempool "
			        "handler %s: %s ([pool] handler picks another)\n",
			        t->app->name, t->cfg.pool_mbufs, lcore,
			        ops != NULL ? ops : rte_mbuf_best_mempool_ops(),
			        rte_strerror(rte_errno));
			return -ENOMEM;
		}
		t->engine_of_lcore[lcore] = i++;
	}
	t->nb_engines = i;
	return 0;
}

/* Every mbuf must be back: report each pool, and any shortfall as an error. */
int
runtime_pools_check(struct tern *t)
{
	int status = 0;

	for (unsigned i = 0; i < RTE_MAX_LCORE && t->pools[i] != NULL; i++) {
		struct rte_mempool *mp = t->pools[i];
		unsigned in_use = rte_mempool_in_use_count(mp);

		printf("%s: pool %s: %u of %u mbufs free\n", t->app->name, mp->name,
		       rte_mempool_avail_count(mp), mp->size);
		if (in_use != 0) {
			fprintf(stderr, "%s: error: pool %s: %u mbufs not returned\n", t->app->name,
			        mp->name, in_use);
			status = 1;
		}
	}
	return status;
}
