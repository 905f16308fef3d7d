/* SPDX-License-Identifier: BSD-3-Clause */
/* Frame builders and readers for tests (the peer's side of the wire). */
#include <string.h>

#include "frames.h"
#include "wire/arp.h"
#include "wire/eth.h"
#include "wire/icmp.h"
#include "wire/ipv4.h"

const struct rte_ether_addr peer_mac = { { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 } };
const struct rte_ether_addr bcast_mac = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };

struct rte_mbuf *
frame_arp(struct rte_mempool *mp, uint16_t op, const struct rte_ether_addr *eth_dst,
          const struct rte_ether_addr *sha, uint32_t sip, const struct rte_ether_addr *tha,
          uint32_t tip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

	if (m == NULL)
		return NULL;
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)rte_pktmbuf_append(
	        m, sizeof(struct rte_ether_hdr) + sizeof(struct rte_arp_hdr));
	eth_build(eh, eth_dst, sha, RTE_ETHER_TYPE_ARP);
	arp_build((struct rte_arp_hdr *)(eh + 1), op, sha, rte_cpu_to_be_32(sip), tha,
	          rte_cpu_to_be_32(tip));
	return m;
}

struct rte_mbuf *
frame_ipv4(struct rte_mempool *mp, const struct rte_ether_addr *dst_mac, uint32_t src, uint32_t dst,
           uint8_t proto, const void *payload, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);

	if (m == NULL)
		return NULL;
	char *p = rte_pktmbuf_append(m, sizeof(struct rte_ether_hdr) + IPV4_MIN_HDR_LEN + len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	struct rte_ether_hdr *eh = (struct rte_ether_hdr *)p;
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(eh + 1);
	eth_build(eh, dst_mac, &peer_mac, RTE_ETHER_TYPE_IPV4);
	ipv4_build(ih, rte_cpu_to_be_32(src), rte_cpu_to_be_32(dst), proto, len, 64, 0x1234);
	ih->hdr_checksum = rte_ipv4_cksum(ih);
	if (len != 0)
		memcpy(ih + 1, payload, len);
	return m;
}

struct rte_mbuf *
frame_ping(struct rte_mempool *mp, const struct rte_ether_addr *dst_mac, uint32_t src, uint32_t dst,
           uint16_t id, uint16_t seq, uint16_t data_len)
{
	uint8_t msg[ICMP_HDR_LEN + 1472];
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)msg;

	if (data_len > sizeof(msg) - ICMP_HDR_LEN)
		return NULL;
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REQUEST;
	icmp->icmp_code = 0;
	icmp->icmp_cksum = 0;
	icmp->icmp_ident = rte_cpu_to_be_16(id);
	icmp->icmp_seq_nb = rte_cpu_to_be_16(seq);
	for (uint16_t i = 0; i < data_len; i++)
		msg[ICMP_HDR_LEN + i] = (uint8_t)(i * 7 + seq);
	icmp->icmp_cksum = icmp_cksum(msg, ICMP_HDR_LEN + data_len);
	return frame_ipv4(mp, dst_mac, src, dst, IPPROTO_ICMP, msg, ICMP_HDR_LEN + data_len);
}

struct rte_ether_hdr *
frame_eth(struct rte_mbuf *m)
{
	if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr))
		return NULL;
	return rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
}

struct rte_arp_hdr *
frame_arp_hdr(struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = frame_eth(m);

	if (eh == NULL || eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_ARP) ||
	    rte_pktmbuf_data_len(m) < sizeof(*eh) + sizeof(struct rte_arp_hdr))
		return NULL;
	return (struct rte_arp_hdr *)(eh + 1);
}

struct rte_ipv4_hdr *
frame_ip(struct rte_mbuf *m)
{
	struct rte_ether_hdr *eh = frame_eth(m);

	if (eh == NULL || eh->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
	    rte_pktmbuf_data_len(m) < sizeof(*eh) + IPV4_MIN_HDR_LEN)
		return NULL;
	return (struct rte_ipv4_hdr *)(eh + 1);
}

struct rte_icmp_hdr *
frame_icmp(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ih = frame_ip(m);

	if (ih == NULL || ih->next_proto_id != IPPROTO_ICMP)
		return NULL;
	return (struct rte_icmp_hdr *)((char *)ih + ipv4_hdr_len(ih));
}

void
frame_ip_fix_cksum(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ih = frame_ip(m);

	ih->hdr_checksum = 0;
	ih->hdr_checksum = rte_ipv4_cksum(ih);
}

bool
frame_cksums_ok(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ih = frame_ip(m);

	if (ih == NULL || rte_raw_cksum(ih, ipv4_hdr_len(ih)) != 0xffff)
		return false;
	if (ih->next_proto_id != IPPROTO_ICMP)
		return true;
	unsigned len = rte_be_to_cpu_16(ih->total_length) - ipv4_hdr_len(ih);
	return rte_raw_cksum((char *)ih + ipv4_hdr_len(ih), len) == 0xffff;
}
