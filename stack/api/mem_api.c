/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern_core_mem: what one engine's connections cost in memory, from the real
 * allocations: the connection pool and the flow table as the DPDK heap
 * counted them when engine_init created them (both are sized at start, so
 * a connection's share is the total over the entries), and the mbufs of the
 * core's pool in use now (what connections hold in their queues).
 *
 *   application -> tern_core_mem -> engine fields, flow_count, mempool counts
 */
#include <errno.h>

#include <rte_mempool.h>

#include "core/config.h"
#include "engine/engine.h"
#include "flow/flow_table.h"
#include "tcp/tcp.h"
#include "tern.h"

int
tern_core_mem(const struct tern_core *core, struct tern_core_mem *m)
{
	const struct engine *eng = (const struct engine *)core;
	const struct rte_mempool *mp = eng->pool;
	struct rte_mempool_objsz sz;

	if (m == NULL)
		return -EINVAL;
	*m = (struct tern_core_mem){
		.conns_max = eng->tcp.nb_conns,
		.conns_in_use = eng->tcp.used,
		.tcb_bytes = (uint32_t)sizeof(struct tcb),
		.conn_pool_bytes = eng->conn_heap_bytes,
		.flows_max = eng->cfg->flows,
		.flows_in_use = flow_count(eng->flows),
		.flow_table_bytes = eng->flow_heap_bytes,
		.mbufs_in_use = rte_mempool_in_use_count(mp),
		.mbuf_bytes = rte_mempool_calc_obj_size(mp->elt_size, mp->flags, &sz),
	};
	return 0;
}
