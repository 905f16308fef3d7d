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
#include "wire/tcp.h"

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

/* A TCP segment as a test writes or reads it; addresses, ports and numbers
 * in host order. */
struct frame_tcp {
	uint32_t src_ip;
	uint32_t dst_ip;
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t flags; /* TH_* */
	uint16_t win;
	struct tcp_opts opts;
	const uint8_t *data; /* payload: what to copy, or where it lies in the frame */
	uint16_t len;
};

/* Ethernet + IPv4 + TCP from the peer's MAC, checksums valid, options laid
 * out by tcp_opts_build(). NULL if the pool is empty or it does not fit. */
struct rte_mbuf *frame_tcp(struct rte_mempool *mp, const struct rte_ether_addr *dst_mac,
                           const struct frame_tcp *t);

/* A segment from the peer, PEER_IP:@sport to US_IP:@dport, window 65535,
 * @len bytes of @data (may be NULL for none); a SYN offers MSS 1460. What
 * most tests that drive connections by hand send. */
struct rte_mbuf *frame_peer_tcp(struct rte_mempool *mp, const struct rte_ether_addr *dst_mac,
                                uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                                uint8_t flags, const uint8_t *data, uint16_t len);

/* frame_peer_tcp's segment as fields, for a caller that adds to them (its
 * options) before frame_tcp. */
struct frame_tcp frame_peer_seg(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                                uint8_t flags, const uint8_t *data, uint16_t len);

/* Read a TCP frame the engine sent into @t (data points into @m). Returns 0,
 * or a negative errno: -EPROTO if it is not IPv4 + TCP, -EBADMSG if a length,
 * a checksum or the options are wrong. A checksum left to the port
 * (RTE_MBUF_F_TX_IP_CKSUM, RTE_MBUF_F_TX_TCP_CKSUM) is not checked. */
int frame_tcp_read(struct rte_mbuf *m, struct frame_tcp *t);

/* @t in packetdrill notation, "0.040 > P. 1:1001(1000) ack 1 win 32768
 * <TS val 7 ecr 9,sack 1:2>": '>' if @out (we sent it), '<' if the peer did;
 * sequence numbers less @seq_base, the ACK and SACK edges less @ack_base
 * (the sender's and the receiver's ISN); @ms the time into the test. */
void frame_tcp_format(char *buf, size_t size, const struct frame_tcp *t, bool out,
                      uint32_t seq_base, uint32_t ack_base, uint64_t ms);

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
