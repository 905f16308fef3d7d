/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet input: bounds, destination filter, EtherType dispatch.
 *
 *   engine_poll -> eth_input -> arp_input | ipv4_input
 */
#include <rte_ether.h>
#include <rte_mbuf.h>

#include "engine/engine.h"
#include "net/arp.h"
#include "net/net.h"

void
eth_input(struct engine *eng, struct rte_mbuf *m)
{
	if (unlikely(rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr))) {
		engine_drop(eng, m, DROP_ETH_SHORT);
		return;
	}
	const struct rte_ether_hdr *eh = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	/* A tap or a promiscuous port shows us frames for other hosts too. */
	if (!rte_is_same_ether_addr(&eh->dst_addr, &eng->ifc->mac) &&
	    !rte_is_broadcast_ether_addr(&eh->dst_addr)) {
		engine_drop(eng, m, DROP_ETH_NOT_FOR_US);
		return;
	}
	switch (eh->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		/* No l2_len, nor l3_len in ipv4_input: each reader takes the
		 * length from the header. Those fields are in the mbuf's second
		 * cache line, which nothing else on the way in touches, and the
		 * read-modify-write of their bits was the largest single stall
		 * of rr-16's server (perf: ipv4_input 2.9% -> 1.1% without). */
		rte_pktmbuf_adj(m, sizeof(struct rte_ether_hdr));
		ipv4_input(eng, m);
		break;
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		arp_input(eng, m);
		break;
	default:
		engine_drop(eng, m, DROP_ETH_TYPE);
		break;
	}
}
