/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 (RFC 791, RFC 1122 3.2.1) input validation and output.
 *
 *   eth_input -> ipv4_input -> icmp_input | tcp_input_queue | steer_to (owner) | drop
 *   icmp/tcp  -> ipv4_send  -> arp_output
 *
 * Fragments are dropped and counted, not reassembled: TCP here sets DF and
 * announces an MSS that fits the MTU, so only ICMP or UDP could need them, and
 * a reassembly queue is memory an attacker can fill (DESIGN.md, Data path).
 */
#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "engine/engine.h"
#include "flow/steer.h"
#include "net/arp.h"
#include "net/net.h"
#include "tcp/tcp.h"
#include "wire/cksum.h"
#include "wire/eth.h"
#include "wire/ipv4.h"

/* RFC 1122 3.2.1.3: addresses a datagram must never come from. */
static bool
ipv4_src_invalid(const struct iface *ifc, uint32_t src_be)
{
	uint32_t src = rte_be_to_cpu_32(src_be);

	return src == 0 || src == UINT32_MAX || (src >> 28) == 0xe || (src >> 24) == 127 ||
	       src_be == ifc->ip_be || src_be == ifc->bcast_be;
}

/* Header checks in the order RFC 1122 3.2.1 lists them; returns the reason
 * to drop, or DROP_MAX if the packet is good. */
static enum drop_reason
ipv4_check(struct engine *eng, struct rte_mbuf *m, const struct rte_ipv4_hdr *ih)
{
	if (ipv4_version(ih) != 4)
		return DROP_IP_VERSION;
	unsigned hl = ipv4_hdr_len(ih);
	if (hl < IPV4_MIN_HDR_LEN || hl > rte_pktmbuf_data_len(m))
		return DROP_IP_IHL;
	uint64_t ck = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	if (ck == RTE_MBUF_F_RX_IP_CKSUM_BAD ||
	    (ck != RTE_MBUF_F_RX_IP_CKSUM_GOOD && !cksum_ipv4_hdr_ok(ih, hl)))
		return DROP_IP_CKSUM;
	unsigned total = rte_be_to_cpu_16(ih->total_length);
	if (total < hl || total > rte_pktmbuf_pkt_len(m))
		return DROP_IP_LEN;
	const struct iface *ifc = eng->ifc;
	if (ih->dst_addr != ifc->ip_be && ih->dst_addr != ifc->bcast_be &&
	    ih->dst_addr != UINT32_MAX)
		return DROP_IP_NOT_FOR_US;
	if (ipv4_src_invalid(ifc, ih->src_addr))
		return DROP_IP_BAD_SRC;
	if (ipv4_is_fragment(ih))
		return DROP_IP_FRAGMENT;
	return DROP_MAX;
}

void
ipv4_input(struct engine *eng, struct rte_mbuf *m)
{
	if (unlikely(rte_pktmbuf_data_len(m) < IPV4_MIN_HDR_LEN)) {
		engine_drop(eng, m, DROP_IP_SHORT);
		return;
	}
	const struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	enum drop_reason why = ipv4_check(eng, m, ih);
	if (unlikely(why != DROP_MAX)) {
		engine_drop(eng, m, why);
		return;
	}
	/* Ethernet pads short frames: the IP total length is the truth. */
	unsigned total = rte_be_to_cpu_16(ih->total_length);
	if (rte_pktmbuf_pkt_len(m) > total)
		rte_pktmbuf_trim(m, rte_pktmbuf_pkt_len(m) - total);
	switch (ih->next_proto_id) {
	case IPPROTO_ICMP:
		icmp_input(eng, m);
		break;
	case IPPROTO_TCP:
		/* A flow has one owner among the engines (DESIGN.md, "Many
		 * cores"): a segment that landed elsewhere goes to it. */
		if (eng->nb_engines > 1) {
			unsigned owner = steer_owner(eng, m);
			if (owner != eng->index) {
				steer_to(eng, owner, m);
				break;
			}
		}
		/* Run with the rest of the burst (engine_poll flushes). */
		COST_CALL(eng, COST_TCP_IN, tcp_input_queue(eng, m));
		break;
	default:
		engine_drop(eng, m, DROP_IP_PROTO);
		break;
	}
}

void
ipv4_send(struct engine *eng, struct rte_mbuf *m)
{
	const struct iface *ifc = eng->ifc;
	struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t dst_be = ih->dst_addr;

	/* The caller's TX flags stay (the TCP checksum offload, say). */
	m->l2_len = sizeof(struct rte_ether_hdr);
	m->l3_len = ipv4_hdr_len(ih);
	ih->hdr_checksum = 0;
	if (ifc->caps.tx_ipv4_cksum)
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	else
		ih->hdr_checksum = cksum_ipv4_hdr(ih);
	struct rte_ether_hdr *eh =
	        (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, sizeof(struct rte_ether_hdr));
	if (unlikely(eh == NULL)) {
		engine_drop(eng, m, DROP_NO_MBUF);
		return;
	}
	eh->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp_output(eng, m, iface_next_hop(ifc, dst_be));
}
