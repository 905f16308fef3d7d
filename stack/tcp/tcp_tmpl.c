/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The link-layer header template (tcp_tmpl.h): learning it from what
 * arp_output used, and sending by it.
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
#include "wire/cksum.h"
#include "wire/ipv4.h"

/* The template's entry is still the next hop's, reachable, at its MAC. */
static inline bool
tcp_tmpl_valid(const struct tcp_tmpl *tt)
{
	const struct arp_entry *e = tt->entry;

	return e != NULL && e->state == ARP_REACHABLE && e->ip_be == tt->next_hop_be &&
	       rte_is_same_ether_addr(&e->mac, &tt->eth.dst_addr);
}

bool
tcp_tmpl_send(struct engine *eng, const struct tcp_tmpl *tt, struct rte_mbuf *m)
{
	if (!tcp_tmpl_valid(tt))
		return false;
	struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	struct rte_ether_hdr *eh;

	/* ipv4_send's steps, the caller's TX flags kept (a TCP checksum
	 * offload, TSO). */
	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = IPV4_MIN_HDR_LEN;
	ih->hdr_checksum = 0;
	if (eng->ifc->caps.tx_ipv4_cksum) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	} else {
		/* RFC 1071: the same words as cksum_ipv4_hdr sums, in another
		 * order; a one's complement sum does not depend on it. */
		uint64_t sum = (uint64_t)tt->ip_sum + ih->total_length + ih->packet_id;
		ih->hdr_checksum = (uint16_t)~cksum_fold(sum);
	}
	eh = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(*eh));
	if (unlikely(eh == NULL)) {
		engine_drop(eng, m, DROP_NO_MBUF);
		return true;
	}
	memcpy(eh, &tt->eth, sizeof(*eh));
	engine_tx(eng, m);
	return true;
}

void
tcp_tmpl_learn(struct engine *eng, struct tcp_tmpl *tt, const struct flow_key *key)
{
	const struct arp_entry *e = eng->arp.last;
	uint32_t next_hop_be = iface_next_hop(eng->ifc, key->remote_ip);
	struct rte_ipv4_hdr ih;
	uint16_t w[sizeof(ih) / 2];

	/* arp_output sets last to the entry it found reachable by the hash,
	 * and tests it first: if it is this next hop's and reachable now, the
	 * frame just went to its MAC. */
	tt->entry = NULL;
	if (e == NULL || e->ip_be != next_hop_be || e->state != ARP_REACHABLE)
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
