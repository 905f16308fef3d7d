/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segments whose payload references the send queue instead of copying it
 * (issue 11): the headers in a fresh mbuf, then one indirect mbuf per
 * send-queue segment the range touches.
 *
 *   tcp_xmit -> tcp_build -> tcp_payload_ref_attach (here) -> ipv4_send
 */
#ifndef TERN_TCP_PAYLOAD_REF_H
#define TERN_TCP_PAYLOAD_REF_H

#include <stdbool.h>
#include <stdint.h>

struct engine;
struct rte_ipv4_hdr;
struct rte_mbuf;

/* Whether this engine's data segments reference the send queue: [tcp]
 * zero_copy_tx, on a port that takes mbuf chains. */
bool tcp_payload_ref_enabled(const struct engine *eng);

/* Send-queue mbufs one segment's payload may reference, and one TSO
 * super-segment's (a 64 KiB one spans 33 of tern_send's 2 KiB mbufs): past
 * that the payload is copied. Every reference is an mbuf of the engine's
 * pool held until the port sends the frame, so a send queue of many small
 * pieces would otherwise take an mbuf per piece (an application lending
 * 1-byte chains: one per byte sent): the simulation's seed 26096 (tern-sim
 * --first 10001) ran a 16,383-mbuf pool dry with frames of 1,240
 * references each. NICs bound a frame's chain too (tx_desc_lim). */
#define TCP_REF_PIECES_MAX     16u
#define TCP_TSO_REF_PIECES_MAX 64u

/* Whether @len bytes of the send queue from @in bytes into its segment
 * @data may be referenced, by a super-segment if @tso: they lie in at most
 * as many mbufs as above and as the port chains after a header. Walks at
 * most that many. */
bool tcp_payload_ref_fits(const struct engine *eng, const struct rte_mbuf *data, uint32_t in,
                          uint32_t len, bool tso);

/* Chain after @hdr (a single segment) @len bytes of the send queue starting
 * @in bytes into its segment @data, as indirect mbufs from the engine's
 * pool. On failure (-ENOBUFS) @hdr is left as it was. */
int tcp_payload_ref_attach(struct engine *eng, struct rte_mbuf *hdr, const struct rte_mbuf *data,
                           uint32_t in, uint32_t len);

/* The TCP checksum of the chain @m (the IPv4 header @ih at its start, the
 * TCP header after it in the first segment, the payload in the others). */
uint16_t tcp_payload_ref_cksum(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ih);

/* Whether the port may checksum the chain @m (tcp_payload_ref_attach's): not
 * net_tap's when a buffer but the last has an odd length. DPDK 22.11's
 * net_tap sums each buffer as if it began on a 16-bit boundary of the
 * segment, so after an odd one the sum is wrong and Linux drops the segment
 * (TcpInCsumErrors); Tern then sums it itself. */
bool tcp_payload_ref_port_cksum(const struct engine *eng, const struct rte_mbuf *m);

/* Whether @len bytes of the send queue from @in bytes into its segment @data
 * lie in pieces of even length but the last (what net_tap sums right). */
bool tcp_payload_ref_even(const struct rte_mbuf *data, uint32_t in, uint32_t len);

#endif /* TERN_TCP_PAYLOAD_REF_H */
