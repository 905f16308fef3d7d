/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet header view: build. Parsing is a bounds check plus rte_ether_hdr. */
#ifndef TERN_WIRE_ETH_H
#define TERN_WIRE_ETH_H

#include <rte_byteorder.h>
#include <rte_ether.h>

static inline void
eth_build(struct rte_ether_hdr *eh, const struct rte_ether_addr *dst,
          const struct rte_ether_addr *src, uint16_t ether_type)
{
	rte_ether_addr_copy(dst, &eh->dst_addr);
	rte_ether_addr_copy(src, &eh->src_addr);
	eh->ether_type = rte_cpu_to_be_16(ether_type);
}

#endif /* TERN_WIRE_ETH_H */
