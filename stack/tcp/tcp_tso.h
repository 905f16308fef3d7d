/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP segmentation offload (issue 11): new data leaves as one super-segment
 * of up to TCP_TSO_MAX_BYTES that the port cuts into segments of tso_segsz
 * bytes, each with the headers of the first, its sequence number advanced,
 * and its own checksums. TCP's own books are kept in bytes (the scoreboard,
 * RACK's send times, PRR's prr_out, cwnd), so a super-segment is recorded as
 * the run of MSS-sized segments it becomes; retransmissions stay MSS-sized.
 *
 *   tcp_output_data -> tcp_tso_len (how much in one go)
 *   tcp_xmit -> tcp_build -> tcp_tso_payload (references or a copy, chained)
 *                         -> tcp_tso_mark (flags, tso_segsz, pseudo-header)
 */
#ifndef TERN_TCP_TSO_H
#define TERN_TCP_TSO_H

#include <stdbool.h>
#include <stdint.h>

struct engine;
struct rte_ipv4_hdr;
struct rte_mbuf;
struct rte_tcp_hdr;
struct tcb;

/* Payload of one super-segment at most: the IPv4 total length is 16 bits
 * (RFC 791), and 64 KiB is what NICs take (rte_eth_dev_info's
 * tx_desc_lim.nb_seg_max aside). */
#define TCP_TSO_MAX_BYTES (65535u - 20u - 60u)

/* New data of this engine may leave as super-segments: [tcp] tso = auto on a
 * port that offers TSO, TCP checksums and mbuf chains. */
bool tcp_tso_enabled(const struct engine *eng);

/* Payload bytes of each segment the port cuts a super-segment of @tcb into,
 * given @seg_max, what one segment built by Tern carries. */
uint32_t tcp_tso_segsz(const struct engine *eng, const struct tcb *tcb, uint32_t seg_max);

/* The payload of the next new-data segment: @len is what the window, the
 * data (@avail bytes from snd.nxt) and the run not SACKed allow. Without TSO,
 * or for less than two segments, at most @seg_max; with it, whole
 * tso_segsz-byte pieces (a short last one only at the end of the data), no
 * more than TCP_TSO_MAX_BYTES nor the segments left of the connection's
 * output quantum this round (tcp_sched.h: a super-segment counts as the
 * segments it becomes). */
uint32_t tcp_tso_len_many(const struct engine *eng, const struct tcb *tcb, uint32_t seg_max,
                          uint32_t len, uint32_t avail);

/* Inline for what fits in one segment, the whole of a small request's
 * answer: no call, and no look at the port's offloads. */
static inline uint32_t
tcp_tso_len(const struct engine *eng, const struct tcb *tcb, uint32_t seg_max, uint32_t len,
            uint32_t avail)
{
	return len <= seg_max ? len : tcp_tso_len_many(eng, tcb, seg_max, len, avail);
}

/* Chain after @hdr (one segment, headers only) @len payload bytes of the
 * send queue starting @in bytes into its segment @data: references with
 * [tcp] zero_copy_tx, else a copy in fresh mbufs of the engine's pool. 0, or
 * -ENOBUFS with @hdr as it was. */
int tcp_tso_payload(struct engine *eng, struct rte_mbuf *hdr, const struct rte_mbuf *data,
                    uint32_t in, uint32_t len);

/* Mark @m (the IPv4 header @ih, the TCP header @th, l2/l3/l4_len set) as a
 * super-segment of @len payload bytes to cut into @segsz-byte segments: the
 * offload flags, tso_segsz, and the pseudo-header checksum without the
 * length, as DPDK asks for TSO; counts it. */
void tcp_tso_mark(struct engine *eng, struct rte_mbuf *m, const struct rte_ipv4_hdr *ih,
                  struct rte_tcp_hdr *th, uint32_t segsz, uint32_t len);

#endif /* TERN_TCP_TSO_H */
