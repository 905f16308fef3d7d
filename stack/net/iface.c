/* SPDX-License-Identifier: BSD-3-Clause */
/* Build the interface view from the configuration and the opened port. */
#include <string.h>

#include <rte_byteorder.h>

#include "core/config.h"
#include "net/iface.h"

void
iface_init(struct iface *ifc, const struct config *cfg, const struct port *p)
{
	uint32_t mask = cfg->ip_prefix == 0 ? 0 : UINT32_MAX << (32 - cfg->ip_prefix);

	memset(ifc, 0, sizeof(*ifc));
	ifc->mac = p->mac;
	ifc->ip_be = rte_cpu_to_be_32(cfg->ip_addr);
	ifc->mask_be = rte_cpu_to_be_32(mask);
	/* RFC 3021: a /31 (or /32) has no directed broadcast; the other
	 * address is the peer. Only the limited broadcast remains. */
	ifc->bcast_be = cfg->ip_prefix >= 31 ? UINT32_MAX : rte_cpu_to_be_32(cfg->ip_addr | ~mask);
	ifc->gw_be = rte_cpu_to_be_32(cfg->ip_gateway);
	ifc->mtu = p->mtu;
	ifc->ttl = cfg->ip_ttl;
	ifc->caps = p->caps;
	ifc->rss = &p->rss;
}
