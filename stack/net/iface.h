/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The interface as the stack sees it: our MAC and IPv4 address, the subnet,
 * the gateway, what the port offloads and how it spreads flows (RSS). Built once by the runtime from the
 * configuration and the port; read-only afterwards and shared by all engines.
 */
#ifndef TERN_IFACE_H
#define TERN_IFACE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "drivers/port.h"

struct iface {
	struct rte_ether_addr mac;
	uint32_t ip_be; /* all addresses in network byte order */
	uint32_t mask_be;
	uint32_t bcast_be; /* directed broadcast of the subnet */
	uint32_t gw_be;    /* 0: none, only the subnet is reachable */
	uint16_t mtu;
	uint8_t ttl;
	struct port_caps caps;
	const struct rss *rss; /* the port's key and table (flow/rss.h) */
};

static inline bool
iface_on_link(const struct iface *ifc, uint32_t addr_be)
{
	return ((addr_be ^ ifc->ip_be) & ifc->mask_be) == 0;
}

/* The address to resolve for @dst_be: itself if on the subnet, else the gateway
 * (0 if there is none: unreachable). */
static inline uint32_t
iface_next_hop(const struct iface *ifc, uint32_t dst_be)
{
	return iface_on_link(ifc, dst_be) ? dst_be : ifc->gw_be;
}

struct config;

/* Fill @ifc from the configuration and the opened port. */
void iface_init(struct iface *ifc, const struct config *cfg, const struct port *p);

#endif /* TERN_IFACE_H */
