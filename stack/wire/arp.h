/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP (RFC 826) view for Ethernet/IPv4: check and build. No state. */
#ifndef TERN_WIRE_ARP_H
#define TERN_WIRE_ARP_H

#include <stdbool.h>

#include <rte_arp.h>
#include <rte_byteorder.h>

/* True if @ah is an Ethernet/IPv4 request or reply (the only kind we speak). */
static inline bool
arp_format_ok(const struct rte_arp_hdr *ah)
{
	uint16_t op = rte_be_to_cpu_16(ah->arp_opcode);

	return ah->arp_hardware == rte_cpu_to_be_16(RTE_ARP_HRD_ETHER) &&
	       ah->arp_protocol == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
	       ah->arp_hlen == RTE_ETHER_ADDR_LEN && ah->arp_plen == 4 &&
	       (op == RTE_ARP_OP_REQUEST || op == RTE_ARP_OP_REPLY);
}

/* Addresses are in network byte order. */
static inline void
arp_build(struct rte_arp_hdr *ah, uint16_t op, const struct rte_ether_addr *sha, uint32_t sip_be,
          const struct rte_ether_addr *tha, uint32_t tip_be)
{
	ah->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	ah->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	ah->arp_hlen = RTE_ETHER_ADDR_LEN;
	ah->arp_plen = 4;
	ah->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(sha, &ah->arp_data.arp_sha);
	ah->arp_data.arp_sip = sip_be;
	rte_ether_addr_copy(tha, &ah->arp_data.arp_tha);
	ah->arp_data.arp_tip = tip_be;
}

#endif /* TERN_WIRE_ARP_H */
