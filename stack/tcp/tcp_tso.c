/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP segmentation offload: what a super-segment may hold, how its payload
 * is chained, and how it is marked for the port (DPDK's mbuf offload API,
 * rte_mbuf_core.h: RTE_MBUF_F_TX_TCP_SEG with tso_segsz and l2/l3/l4_len,
 * the TCP checksum field holding the pseudo-header's sum without the length,
 * which differs from segment to segment).
 *
 * net_tap takes TSO and does it in software (librte_gso, then one writev a
 * segment): its check counts the Ethernet header against the MTU, so there
 * a segment carries 14 bytes less than the MSS would allow.
 */
#include <errno.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "core/config.h"
#include "engine/engine.h"
#include "net/iface.h"
#include "tcp/tcp_cb.h"
#include "tcp/tcp_payload_ref.h"
#include "tcp/tcp_tso.h"
#include "wire/cksum.h"
#include "wire/ipv4.h"

bool
tcp_tso_enabled(const struct engine *eng)
{
	const struct port_caps *c = &eng->ifc->caps;

	/* The fault layer stands for the wire: it must drop and damage the
	 * segments a peer sees, not super-segments the port cuts up after it. */
	return eng->cfg->tcp_tso == TCP_TSO_AUTO && c->tx_tso && c->tx_tcp_cksum &&
	       c->tx_multi_seg && !eng->fault_tx.enabled;
}

uint32_t
tcp_tso_segsz(const struct engine *eng, const struct tcb *tcb, uint32_t seg_max)
{
	if (!eng->ifc->caps.is_tap)
		return seg_max;
	/* net_tap refuses tso_segsz + l2_len + l3_len + l4_len > MTU; the TCP
	 * header is 20 bytes and the options tcb->mss - seg_max. */
	uint32_t hdrs = RTE_ETHER_HDR_LEN + IPV4_MIN_HDR_LEN + 20u + (tcb->mss - seg_max);
	uint32_t fit = eng->ifc->mtu > hdrs ? eng->ifc->mtu - hdrs : 0;
	/* Even, so that every piece it cuts but the last is (tcp_payload_ref.h). */
	return RTE_MIN(seg_max, fit) & ~1u;
}

/* How much of @len (more than @seg_max) one super-segment takes. */
static __rte_noinline uint32_t
tcp_tso_len_pieces(const struct engine *eng, const struct tcb *tcb, uint32_t seg_max, uint32_t len,
                   uint32_t avail)
{
	uint32_t segsz = tcp_tso_segsz(eng, tcb, seg_max);
	if (segsz == 0)
		return seg_max;
	uint32_t cap = RTE_MIN(TCP_TSO_MAX_BYTES, eng->tcp.sched.quota * segsz);
	uint32_t n = RTE_MIN(len, cap);
	/* Whole pieces, but for the queue's last bytes: a short piece inside
	 * the flight would be a small segment the window did not force
	 * (RFC 9293 3.8.6.2.1). */
	if (n != avail)
		n -= n % segsz;
	return RTE_MAX(n, seg_max); /* len > seg_max here */
}

uint32_t
tcp_tso_len_many(const struct engine *eng, const struct tcb *tcb, uint32_t seg_max, uint32_t len,
                 uint32_t avail)
{
	/* The arithmetic apart: with it here, GCC's scalar-to-vector pass
	 * moved every argument to the stack in 4 bytes and read them back in
	 * 16 for its pminud, a load no store can forward, on every call: two
	 * thirds of this function's cycles on a bulk sender without TSO. */
	if (len <= seg_max)
		return len;
	if (!tcp_tso_enabled(eng))
		return seg_max;
	return tcp_tso_len_pieces(eng, tcb, seg_max, len, avail);
}

/* A copy of @len bytes of the send queue (from @in bytes into @data) in
 * fresh mbufs, each filled up to its tailroom rounded down to even (net_tap
 * sums each buffer as if aligned, tcp_payload_ref.h). */
static struct rte_mbuf *
tcp_tso_copy(struct engine *eng, const struct rte_mbuf *data, uint32_t in, uint32_t len)
{
	struct rte_mbuf *first = NULL, *last = NULL;

	while (len > 0) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(eng->pool);
		if (m == NULL) {
			rte_pktmbuf_free(first);
			return NULL;
		}
		uint32_t room = RTE_MIN((uint32_t)rte_pktmbuf_tailroom(m) & ~1u, len);
		char *dst = rte_pktmbuf_mtod(m, char *);
		m->data_len = (uint16_t)room;
		m->pkt_len = room;
		len -= room;
		while (room > 0 && data != NULL) {
			uint32_t n = RTE_MIN(room, (uint32_t)data->data_len - in);
			memcpy(dst, rte_pktmbuf_mtod_offset(data, const char *, in), n);
			dst += n;
			room -= n;
			in += n;
			if (in == data->data_len) {
				in = 0;
				data = data->next;
			}
		}
		if (first == NULL) {
			first = m;
		} else {
			last->next = m;
			first->nb_segs++;
			first->pkt_len += m->data_len;
		}
		last = m;
	}
	return first;
}

int
tcp_tso_payload(struct engine *eng, struct rte_mbuf *hdr, const struct rte_mbuf *data, uint32_t in,
                uint32_t len)
{
	/* net_tap cuts the chain where it is and sums each piece as if it
	 * were aligned (tcp_payload_ref.h): references only in even pieces.
	 * A payload in too many pieces is copied too (counted). */
	bool ref = eng->cfg->tcp_zero_copy_tx &&
	           (!eng->ifc->caps.is_tap || tcp_payload_ref_even(data, in, len));
	if (ref && tcp_payload_ref_fits(eng, data, in, len, true))
		return tcp_payload_ref_attach(eng, hdr, data, in, len);
	if (ref)
		eng->stats.tcp_tx_pieces_copied++;
	struct rte_mbuf *copy = tcp_tso_copy(eng, data, in, len);
	if (copy == NULL)
		return -ENOBUFS;
	hdr->next = copy;
	hdr->nb_segs = (uint16_t)(hdr->nb_segs + copy->nb_segs);
	hdr->pkt_len += copy->pkt_len;
	return 0;
}

void
tcp_tso_mark(struct engine *eng, struct rte_mbuf *m, const struct rte_ipv4_hdr *ih,
             struct rte_tcp_hdr *th, uint32_t segsz, uint32_t len)
{
	uint32_t pieces = (len + segsz - 1) / segsz;

	m->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM |
	              RTE_MBUF_F_TX_TCP_CKSUM;
	m->tso_segsz = (uint16_t)segsz;
	/* With RTE_MBUF_F_TX_TCP_SEG the pseudo-header's sum leaves the
	 * length out: the port adds each segment's own. */
	th->cksum = cksum_fold(cksum_ipv4_phdr(ih, 0));
	eng->stats.tcp_tso_sends++;
	eng->stats.tcp_tso_segs += pieces;
	eng->stats.tcp_segs_out += pieces - 1; /* tcp_build counts one */
}
