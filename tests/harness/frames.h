/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame builders and readers for tests: the peer's side of the wire. Built on
 * the stack's own wire/ views, so a test frame is laid out as the stack lays
 * out its own.
 */
#ifndef TERN_FRAMES_H
#define TERN_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_arp.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "wire/ipv4.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The peer of every test, and the stack's default test address. */
#define PEER_IP  IPV4_ADDR(198, 18, 0, 1)
#define US_IP    IPV4_ADDR(198, 18, 0, 2)
#define OTHER_IP IPV4_ADDR(198, 18, 0, 3)
extern const struct rte_ether_addr peer_mac;
extern const struct rte_ether_addr bcast_mac;

/* Ethernet + ARP; addresses host order. */
struct rte_mbuf *frame_arp(struct rte_mempool *mp, uint16_t op,
                           const struct rte_ether_addr *eth_dst, const struct rte_ether_addr *sha,
                           uint32_t sip, const struct rte_ether_addr *tha, uint32_t tip);

/* Ethernet + IPv4 (valid checksum) + @payload; addresses host order. */
struct rte_mbuf *frame_ipv4(struct rte_mempool *mp, const struct rte_ether_addr *dst_mac,
                            uint32_t src, uint32_t dst, uint8_t proto, const void *payload,
                            uint16_t len);

/* An ICMP echo request from the peer with @data_len bytes of pattern data. */
struct rte_mbuf *frame_ping(struct rte_mempool *mp, const struct rte_ether_addr *dst_mac,
                            uint32_t src, uint32_t dst, uint16_t id, uint16_t seq,
                            uint16_t data_len);

/* Views into a received frame (NULL if it is not of that kind). */
struct rte_ether_hdr *frame_eth(struct rte_mbuf *m);
struct rte_arp_hdr *frame_arp_hdr(struct rte_mbuf *m);
struct rte_ipv4_hdr *frame_ip(struct rte_mbuf *m);
struct rte_icmp_hdr *frame_icmp(struct rte_mbuf *m);

/* Recompute the IPv4 header checksum after a test edited the header. */
void frame_ip_fix_cksum(struct rte_mbuf *m);

/* True if the IPv4 header checksum (and the ICMP one, for ICMP) is valid. */
bool frame_cksums_ok(struct rte_mbuf *m);

#ifdef __cplusplus
}
#endif

#endif /* TERN_FRAMES_H */
