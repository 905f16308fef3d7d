/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP (RFC 792, RFC 1122 3.2.2): echo reply. Everything else is counted and
 * dropped.
 *
 *   ipv4_input -> icmp_input -> (echo request turned into a reply in place)
 *              -> ipv4_send
 */
#include <string.h>

#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "engine/engine.h"
#include "net/net.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

/* RFC 1122 3.2.2.6: the reply carries the request's identifier, sequence
 * number and data unchanged. Options are not echoed (we keep none). */
static void
icmp_echo_reply(struct engine *eng, struct rte_mbuf *m, unsigned icmp_len)
{
	struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	unsigned hl = ipv4_hdr_len(ih); /* checked by ipv4_input */
	uint32_t peer_be = ih->src_addr;

	if (hl > IPV4_MIN_HDR_LEN) {
		/* Drop the options by moving the fixed header up against the data. */
		memmove((char *)ih + (hl - IPV4_MIN_HDR_LEN), ih, IPV4_MIN_HDR_LEN);
		ih = (struct rte_ipv4_hdr *)rte_pktmbuf_adj(m, hl - IPV4_MIN_HDR_LEN);
	}
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)(ih + 1);
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = 0;
	icmp->icmp_cksum = icmp_cksum(icmp, icmp_len);
	ipv4_build(ih, eng->ifc->ip_be, peer_be, IPPROTO_ICMP, icmp_len, eng->ifc->ttl,
	           eng->ip_id++);
	eng->stats.icmp_echo_replies++;
	/* The request's RX flags mean nothing on TX; the flags that say the
	 * mbuf is indirect or has an external buffer must stay. */
	m->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
	ipv4_send(eng, m);
}

void
icmp_input(struct engine *eng, struct rte_mbuf *m)
{
	const struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	unsigned hl = ipv4_hdr_len(ih); /* checked by ipv4_input */
	unsigned icmp_len = rte_pktmbuf_pkt_len(m) - hl;

	if (icmp_len < ICMP_HDR_LEN) {
		engine_drop(eng, m, DROP_ICMP_SHORT);
		return;
	}
	/* The reply is built in the first segment; a chained request is
	 * answered only if it fits there (the port's MTU always does). */
	if (!rte_pktmbuf_is_contiguous(m)) {
		engine_drop(eng, m, DROP_ICMP_SHORT);
		return;
	}
	const struct rte_icmp_hdr *icmp = (const struct rte_icmp_hdr *)((const char *)ih + hl);
	if (rte_raw_cksum(icmp, icmp_len) != 0xffff) {
		engine_drop(eng, m, DROP_ICMP_CKSUM);
		return;
	}
	/* RFC 1122 3.2.2.6: an echo to a broadcast address may be ignored. */
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || icmp->icmp_code != 0 ||
	    ih->dst_addr != eng->ifc->ip_be) {
		engine_drop(eng, m, DROP_ICMP_TYPE);
		return;
	}
	icmp_echo_reply(eng, m, icmp_len);
}
