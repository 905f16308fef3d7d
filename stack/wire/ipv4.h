/* SPDX-License-Identifier: BSD-3-Clause */
/* IPv4 header view (RFC 791): field access, checks and build. No state. */
#ifndef TERN_WIRE_IPV4_H
#define TERN_WIRE_IPV4_H

#include <stdbool.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#define IPV4_MIN_HDR_LEN 20

/* A host-order address from its four bytes. Unlike DPDK's RTE_IPV4 it shifts
 * unsigned values, so 198 << 24 is not signed overflow. */
#define IPV4_ADDR(a, b, c, d)                                                                      \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

static inline unsigned
ipv4_hdr_len(const struct rte_ipv4_hdr *ih)
{
	return (ih->version_ihl & 0x0f) * 4u;
}

static inline unsigned
ipv4_version(const struct rte_ipv4_hdr *ih)
{
	return ih->version_ihl >> 4;
}

/* More-fragments set or a non-zero offset: a piece of a larger datagram. */
static inline bool
ipv4_is_fragment(const struct rte_ipv4_hdr *ih)
{
	uint16_t f = rte_be_to_cpu_16(ih->fragment_offset);

	return (f & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) != 0;
}

/* Addresses in network byte order; the checksum is left to the caller. */
static inline void
ipv4_build(struct rte_ipv4_hdr *ih, uint32_t src_be, uint32_t dst_be, uint8_t proto,
           uint16_t payload_len, uint8_t ttl, uint16_t id)
{
	ih->version_ihl = RTE_IPV4_VHL_DEF;
	ih->type_of_service = 0;
	ih->total_length = rte_cpu_to_be_16(IPV4_MIN_HDR_LEN + payload_len);
	ih->packet_id = rte_cpu_to_be_16(id);
	ih->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
	ih->time_to_live = ttl;
	ih->next_proto_id = proto;
	ih->hdr_checksum = 0;
	ih->src_addr = src_be;
	ih->dst_addr = dst_be;
}

#endif /* TERN_WIRE_IPV4_H */
