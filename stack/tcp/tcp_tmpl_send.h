/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sending by a connection's header template (tcp_tmpl.h), inline in
 * tcp_build: every segment of a connection comes this way.
 */
#ifndef TERN_TCP_TMPL_SEND_H
#define TERN_TCP_TMPL_SEND_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "engine/engine.h"
#include "net/arp.h"
#include "tcp/tcp_tmpl.h"
#include "wire/cksum.h"
#include "wire/ipv4.h"

/* The template's entry is still the next hop's, usable, at its MAC. */
static inline bool
tcp_tmpl_valid(const struct tcp_tmpl *tt)
{
	const struct arp_entry *e = tt->entry;

	return e != NULL && arp_entry_usable(e) && e->ip_be == tt->next_hop_be &&
	       rte_is_same_ether_addr(&e->mac, &tt->eth.dst_addr);
}

/* Send @m (an IPv4 datagram of @tt's connection, its checksums but the IPv4
 * header's written) as ipv4_send would, if @tt is valid; false (nothing
 * done) otherwise. */
static inline bool
tcp_tmpl_send(struct engine *eng, const struct tcp_tmpl *tt, struct rte_mbuf *m)
{
	if (!tcp_tmpl_valid(tt))
		return false;
	tt->entry->used = 1; /* as arp_output marks it: kept while in use */
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

#endif /* TERN_TCP_TMPL_SEND_H */
