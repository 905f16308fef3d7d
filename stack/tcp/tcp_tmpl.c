/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The link-layer header template (tcp_tmpl.h): learning it from what
 * arp_output used (sending by it is inline, tcp_tmpl_send.h).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "engine/engine.h"
#include "flow/flow_table.h"
#include "net/arp.h"
#include "net/iface.h"
#include "tcp/tcp_tmpl.h"
#include "wire/ipv4.h"

void
tcp_tmpl_learn(struct engine *eng, struct tcp_tmpl *tt, const struct flow_key *key)
{
	struct arp_entry *e = eng->arp.last;
	uint32_t next_hop_be = iface_next_hop(eng->ifc, key->remote_ip);
	struct rte_ipv4_hdr ih;
	uint16_t w[sizeof(ih) / 2];

	/* arp_output sets last to the entry it found reachable by the hash,
	 * and tests it first: if it is this next hop's and reachable now, the
	 * frame just went to its MAC. */
	tt->entry = NULL;
	if (e == NULL || e->ip_be != next_hop_be || !arp_entry_usable(e))
		return;
	ipv4_build(&ih, key->local_ip, key->remote_ip, IPPROTO_TCP, 0, eng->ifc->ttl, 0);
	ih.total_length = 0;
	memcpy(w, &ih, sizeof(ih));
	tt->ip_sum = 0;
	for (unsigned i = 0; i < RTE_DIM(w); i++)
		tt->ip_sum += w[i];
	tt->next_hop_be = next_hop_be;
	rte_ether_addr_copy(&e->mac, &tt->eth.dst_addr);
	rte_ether_addr_copy(&eng->ifc->mac, &tt->eth.src_addr);
	tt->eth.ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	tt->entry = e;
}

void
tcp_tmpl_learn_before(struct engine *eng, struct tcp_tmpl *tt, const struct flow_key *key)
{
	const struct iface *ifc = eng->ifc;
	uint32_t next_hop_be = iface_next_hop(ifc, key->remote_ip);

	/* arp_output drops the first and broadcasts the others without a
	 * look at the table: never a template for them. */
	if (next_hop_be == 0 || next_hop_be == ifc->bcast_be || next_hop_be == UINT32_MAX)
		return;
	tcp_tmpl_learn(eng, tt, key);
}
