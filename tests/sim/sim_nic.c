/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sending port's offloads, done as a NIC does them before the wire: a
 * host whose port offers TSO and TCP checksums (sim_host_pick) hands over
 * super-segments and segments whose TCP checksum field holds only the
 * pseudo-header's sum. What tcp_tso.c asks for is DPDK's contract
 * (rte_mbuf_core.h, RTE_MBUF_F_TX_TCP_SEG): l2/l3/l4_len give the headers,
 * tso_segsz the payload of every segment but the last, RTE_MBUF_F_TX_IPV4 and
 * RTE_MBUF_F_TX_IP_CKSUM come with it, and the TCP checksum field holds the
 * pseudo-header's sum without the length.
 *
 * Each cut segment gets the headers of the first with, as hardware does
 * (Intel's 8259x/X710 datasheets, "TCP segmentation"; Linux's
 * tcp_gso_segment): its own IPv4 total length, an identification one more
 * than the one before, its own header checksum, the sequence number advanced
 * by the payload before it, FIN and PSH only on the last segment, CWR only on
 * the first (RFC 3168 6.1.2: CWR once per window reduction), and a TCP
 * checksum summed the way the port does, from the field's seed: a wrong seed
 * gives a wrong checksum the receiver drops, and the sim's damage count
 * reports it. Every segment lands in a buffer of the receiving engine's pool,
 * as a NIC fills its RX ring, so the link's faults apply to each one.
 *
 *   link_take -> sim_nic_tx (cut, checksums, checks) -> sim_link_send each
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "sim.h"
#include "tcp/tcp_payload_ref.h"

#define TSO_FLAGS_NEEDED (RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM)

/* The TCP checksum as the port computes it: the ones' complement sum of the
 * segment from its TCP header on, the field's seed included, plus what the
 * seed left out (@add, network order), complemented. */
static uint16_t
nic_tcp_cksum(const struct rte_tcp_hdr *th, uint32_t l4_bytes, uint16_t add_be)
{
	uint32_t sum = rte_raw_cksum(th, l4_bytes);

	sum += add_be;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The largest IPv4 packet either end's MTU lets a segment be: the receiver
 * advertised MTU - 40 as its MSS and the sender's own MTU bounds it too
 * (RFC 9293 3.7.1, RFC 6691: options come out of the MSS). */
static uint32_t
wire_ip_max(const struct sim *s)
{
	return RTE_MIN(s->cfg[0].mtu, s->cfg[1].mtu);
}

/* Every TCP frame on the wire fits both MTUs (all frames, not only cut
 * ones: a super-segment that the port did not cut would show here too). */
static void
check_size(struct sim *s, unsigned from, const struct rte_mbuf *m)
{
	if (rte_pktmbuf_data_len(m) < RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr))
		return;
	const struct rte_ipv4_hdr *ih =
	        rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	uint32_t tot = rte_be_to_cpu_16(ih->total_length);
	if (ih->next_proto_id == IPPROTO_TCP && tot > wire_ip_max(s))
		sim_fail(s,
		         "%s sent an IPv4 packet of %u bytes: more than the MSS allows (MTUs %u "
		         "and %u)",
		         from ? "server" : "client", tot, s->cfg[0].mtu, s->cfg[1].mtu);
}

/* A chained frame as one segment on the wire (a copy in the test frames'
 * pool, as harness_flatten makes); the port holds the chain until it is
 * sent (s->nic_held). */
static struct rte_mbuf *
nic_flatten(struct sim *s, struct rte_mbuf *m)
{
	if (m->nb_segs == 1)
		return m;
	struct rte_mbuf *flat = rte_pktmbuf_copy(m, harness_pool(), 0, UINT32_MAX);
	if (flat == NULL || flat->nb_segs != 1) {
		fprintf(stderr, "tern-sim: cannot flatten a frame of %u segments\n", m->nb_segs);
		abort();
	}
	s->nic_held = m;
	return flat;
}

/* A segment with its checksums left to the port (no TSO): finish them. */
static struct rte_mbuf *
nic_cksum(struct sim *s, unsigned from, struct rte_mbuf *m)
{
	m = nic_flatten(s, m);
	uint64_t f = m->ol_flags;
	struct rte_ipv4_hdr *ih = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	if (f & RTE_MBUF_F_TX_IP_CKSUM) {
		ih->hdr_checksum = 0;
		ih->hdr_checksum = rte_ipv4_cksum(ih);
	}
	if ((f & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((char *)ih + m->l3_len);
		uint32_t l4 = rte_be_to_cpu_16(ih->total_length) - m->l3_len;
		/* DPDK's contract for the TCP checksum offload: the field holds
		 * the pseudo-header's sum, length included. */
		if (th->cksum != rte_ipv4_phdr_cksum(ih, 0))
			sim_fail(s, "%s: a TCP checksum offload without the pseudo-header's sum",
			         from ? "server" : "client");
		th->cksum = nic_tcp_cksum(th, l4, 0);
		s->nic[from].cksums++;
	}
	m->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IPV4);
	return m;
}

static bool
frame_is_ipv4(const struct rte_mbuf *m)
{
	return rte_pktmbuf_data_len(m) >= RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr) &&
	       rte_pktmbuf_mtod(m, const struct rte_ether_hdr *)->ether_type ==
	               RTE_BE16(RTE_ETHER_TYPE_IPV4);
}

/* A segment on a trusting link (s->trust): the port, an in-memory one
 * like memif, copies the frame as it is and finishes no sum, and the peer,
 * trusting too, checks none. What the engine left must still be what a
 * port that sums would finish (DPDK's offload contract: an IPv4 header sum
 * of 0, the pseudo-header's sum in the TCP field), and what it summed
 * itself must be right: the same frame on a NIC would be dropped. */
static struct rte_mbuf *
nic_unsummed(struct sim *s, unsigned from, struct rte_mbuf *m)
{
	const char *who = from ? "server" : "client";

	m = nic_flatten(s, m);
	uint64_t f = m->ol_flags;
	const struct rte_ipv4_hdr *ih =
	        rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, RTE_ETHER_HDR_LEN);
	if ((f & RTE_MBUF_F_TX_IP_CKSUM) && ih->hdr_checksum != 0)
		sim_fail(s, "%s: an IPv4 header sum left to the port is not 0", who);
	if (!(f & RTE_MBUF_F_TX_IP_CKSUM) && rte_ipv4_cksum(ih) != 0)
		sim_fail(s, "%s: an IPv4 header summed wrong", who);
	if (ih->next_proto_id == IPPROTO_TCP) {
		const struct rte_tcp_hdr *th =
		        (const struct rte_tcp_hdr *)((const char *)ih + rte_ipv4_hdr_len(ih));
		if ((f & RTE_MBUF_F_TX_L4_MASK) == RTE_MBUF_F_TX_TCP_CKSUM) {
			if (th->cksum != rte_ipv4_phdr_cksum(ih, 0))
				sim_fail(s,
				         "%s: a TCP sum left to the port without the "
				         "pseudo-header's",
				         who);
			s->nic[from].unsummed++;
		} else if (rte_ipv4_udptcp_cksum_verify(ih, th) != 0) {
			sim_fail(s, "%s: a TCP segment summed wrong", who);
		}
	}
	/* The peer's port hands it over as memif does: a frame and no flags. */
	m->ol_flags &= ~(RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_IPV4);
	return m;
}

/* What is wrong with super-segment @m as a TSO request, or NULL. */
static const char *
tso_request_bad(const struct sim *s, unsigned from, const struct rte_mbuf *m)
{
	if ((m->ol_flags & TSO_FLAGS_NEEDED) != TSO_FLAGS_NEEDED)
		return "TSO without RTE_MBUF_F_TX_IPV4 and RTE_MBUF_F_TX_IP_CKSUM";
	if (!s->host[from].tso)
		return "a super-segment on a port that offers no TSO";
	if (m->tso_segsz == 0)
		return "TSO with tso_segsz 0";
	if (m->l2_len != RTE_ETHER_HDR_LEN || m->l3_len < sizeof(struct rte_ipv4_hdr) ||
	    m->l4_len < sizeof(struct rte_tcp_hdr))
		return "TSO with wrong l2/l3/l4_len";
	if (rte_pktmbuf_data_len(m) < m->l2_len + m->l3_len + m->l4_len)
		return "TSO headers not all in the first segment";
	const struct rte_ipv4_hdr *ih =
	        rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, m->l2_len);
	const struct rte_tcp_hdr *th =
	        rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, m->l2_len + m->l3_len);
	if (rte_ipv4_hdr_len(ih) != m->l3_len || ih->next_proto_id != IPPROTO_TCP)
		return "TSO l3_len is not the IPv4 header's";
	if ((uint32_t)(th->data_off >> 4) * 4 != m->l4_len)
		return "TSO l4_len is not the TCP header's";
	if ((uint32_t)rte_be_to_cpu_16(ih->total_length) + m->l2_len != rte_pktmbuf_pkt_len(m))
		return "TSO IPv4 total length is not the super-segment's";
	if (th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG))
		return "TSO of a SYN or RST";
	if (th->cksum != rte_ipv4_phdr_cksum(ih, m->ol_flags))
		return "TSO without the pseudo-header's sum (no length) in the TCP checksum";
	return NULL;
}

/* Cut super-segment @m into frames of the receiver's pool. Returns how many
 * (0 after a failure). @m is held (s->nic_held), or freed after a failure. */
static unsigned
nic_tso(struct sim *s, unsigned from, struct rte_mbuf *m, struct rte_mbuf **out, unsigned max)
{
	const char *bad = tso_request_bad(s, from, m);
	if (bad != NULL) {
		sim_fail(s, "%s: %s", from ? "server" : "client", bad);
		rte_pktmbuf_free(m);
		return 0;
	}
	uint32_t hdrs = m->l2_len + m->l3_len + m->l4_len;
	uint32_t payload = rte_pktmbuf_pkt_len(m) - hdrs;
	uint32_t segsz = m->tso_segsz;
	const struct rte_ipv4_hdr *ih0 =
	        rte_pktmbuf_mtod_offset(m, const struct rte_ipv4_hdr *, m->l2_len);
	const struct rte_tcp_hdr *th0 = (const struct rte_tcp_hdr *)((const char *)ih0 + m->l3_len);
	uint32_t seq0 = rte_be_to_cpu_32(th0->sent_seq);
	uint16_t id0 = rte_be_to_cpu_16(ih0->packet_id);
	unsigned n = 0;
	uint32_t cut = 0; /* payload bytes cut so far */

	while (cut < payload) {
		uint32_t len = RTE_MIN(segsz, payload - cut);
		struct rte_mbuf *w = n < max ? rte_pktmbuf_alloc(s->h[!from]->pool) : NULL;
		if (w == NULL) {
			/* No RX buffer at the other end: that segment is lost, as a
			 * NIC drops a frame for want of one (or too many pieces). */
			s->nic[from].rx_nobuf++;
			cut += len;
			continue;
		}
		char *p = rte_pktmbuf_append(w, (uint16_t)(hdrs + len));
		if (p == NULL) {
			sim_fail(s, "sim_nic: a segment of %u bytes does not fit an mbuf",
			         hdrs + len);
			rte_pktmbuf_free(w);
			break;
		}
		memcpy(p, rte_pktmbuf_mtod(m, const char *), hdrs);
		const void *src = rte_pktmbuf_read(m, hdrs + cut, len, p + hdrs);
		if (src != p + hdrs)
			memcpy(p + hdrs, src, len);
		struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)(p + m->l2_len);
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((char *)ih + m->l3_len);
		bool first = cut == 0, last = cut + len == payload;
		uint16_t l4_total = (uint16_t)(m->l4_len + len);
		ih->total_length = rte_cpu_to_be_16((uint16_t)(m->l3_len + l4_total));
		ih->packet_id = rte_cpu_to_be_16((uint16_t)(id0 + n));
		ih->hdr_checksum = 0;
		ih->hdr_checksum = rte_ipv4_cksum(ih);
		th->sent_seq = rte_cpu_to_be_32(seq0 + cut);
		if (!last)
			th->tcp_flags &= (uint8_t) ~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
		if (!first)
			th->tcp_flags &= (uint8_t)~RTE_TCP_CWR_FLAG;
		/* The seed stays; the port adds this segment's TCP length. */
		th->cksum = nic_tcp_cksum(th, l4_total, rte_cpu_to_be_16(l4_total));
		w->ol_flags = 0;
		s->nic[from].cut_bytes += len;
		out[n++] = w;
		cut += len;
	}
	/* The invariant of the cut: every byte of the super-segment went into
	 * exactly one piece of at most tso_segsz, all but the last full. */
	if (cut != payload)
		sim_fail(s, "sim_nic: cut %u of a super-segment's %u bytes", cut, payload);
	s->nic[from].tso_sends++;
	s->nic[from].tso_segs += (payload + segsz - 1) / segsz;
	s->nic[from].tso_bytes += payload;
	s->nic_held = m;
	return n;
}

unsigned
sim_nic_tx(struct sim *s, unsigned from, struct rte_mbuf *m, struct rte_mbuf **out, unsigned max)
{
	unsigned n;

	/* The zero-copy bound (tcp_payload_ref.h): a header and at most 16
	 * referenced pieces a segment, 64 a super-segment; a copied payload
	 * takes fewer (seed 26096 sent 1,240). */
	bool tso = (m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) != 0;
	unsigned bound = 1 + (tso ? TCP_TSO_REF_PIECES_MAX : TCP_REF_PIECES_MAX);
	if (m->nb_segs > bound)
		sim_fail(s, "sim_nic: engine %u sent a %s of %u mbufs, past the bound of %u", from,
		         tso ? "super-segment" : "segment", m->nb_segs, bound);
	s->nic[from].chain_max = RTE_MAX(s->nic[from].chain_max, m->nb_segs);
	if (tso && m->nb_segs > 1 + TCP_REF_PIECES_MAX)
		s->nic[from].long_chains++;
	if (tso) {
		n = nic_tso(s, from, m, out, max);
	} else if (s->trust && frame_is_ipv4(m)) {
		out[0] = nic_unsummed(s, from, m);
		n = 1;
	} else if (m->ol_flags & (RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK)) {
		out[0] = nic_cksum(s, from, m);
		n = 1;
	} else {
		out[0] = nic_flatten(s, m);
		n = 1;
	}
	for (unsigned k = 0; k < n; k++)
		check_size(s, from, out[k]);
	return n;
}

void
sim_nic_setup(struct sim *s, unsigned i)
{
	/* The ring port offers nothing (harness_reset copied its caps): say
	 * what this host's NIC offers, as the unit tests of TSO do. */
	struct iface *ifc = (struct iface *)(uintptr_t)harness_iface(s->h[i]);
	bool on = s->host[i].tso;

	ifc->caps.tx_tso = ifc->caps.tx_tcp_cksum = ifc->caps.tx_multi_seg = on;
	if (s->trust) {
		/* What port_trust_cksum makes of an in-memory port (drivers/
		 * port.c), which takes chains as memif and net_ring do; the
		 * engine read the caps when harness_reset built it. */
		ifc->caps.no_cksum = true;
		ifc->caps.rx_ipv4_cksum = ifc->caps.rx_tcp_cksum = true;
		ifc->caps.tx_ipv4_cksum = ifc->caps.tx_tcp_cksum = true;
		ifc->caps.tx_multi_seg = true;
		s->h[i]->eng->rx_cksum_trusted = true;
	}
}

/* ---- What the port holds until the wire has sent it ---------------------- */

struct sim_held {
	uint64_t at; /* the wire is done with it */
	struct rte_mbuf *m;
	uint16_t sum; /* of its bytes when the port copied them */
};

static uint16_t
frame_sum(const struct rte_mbuf *m)
{
	uint16_t sum = 0;

	rte_raw_cksum_mbuf(m, 0, rte_pktmbuf_pkt_len(m), &sum);
	return sum;
}

void
sim_nic_tx_done(struct sim *s, unsigned from)
{
	struct sim_txq *q = &s->txq[from];
	struct rte_mbuf *m = s->nic_held;
	uint64_t busy = s->link.dir[from].busy_until;

	if (m == NULL)
		return;
	s->nic_held = NULL;
	if (q->len == q->cap) {
		uint32_t cap = q->cap ? q->cap * 2 : 256;
		struct sim_held *n = malloc(sizeof(*n) * cap);
		if (n == NULL)
			abort();
		for (uint32_t i = 0; i < q->len; i++)
			n[i] = q->q[(q->head + i) % q->cap];
		free(q->q);
		q->q = n;
		q->cap = cap;
		q->head = 0;
	}
	/* A NIC reads a frame's buffers by DMA until it has sent the frame:
	 * they must not change (nor be freed and reused) before. The sum
	 * stands for the bytes the link got. */
	q->q[(q->head + q->len++) % q->cap] = (struct sim_held){
		.at = busy > s->now ? busy : s->now,
		.m = m,
		.sum = frame_sum(m),
	};
	s->nic[from].held++;
}

void
sim_nic_complete(struct sim *s, uint64_t now)
{
	for (unsigned i = 0; i < 2; i++) {
		struct sim_txq *q = &s->txq[i];
		while (q->len > 0 && q->q[q->head].at <= now) {
			struct sim_held *h = &q->q[q->head];
			if (now != UINT64_MAX && frame_sum(h->m) != h->sum)
				sim_fail(s,
				         "%s: a frame's bytes changed while the port still held it "
				         "(a buffer freed or rewritten under a reference)",
				         i ? "server" : "client");
			rte_pktmbuf_free(h->m);
			q->head = (q->head + 1) % q->cap;
			q->len--;
		}
	}
}

void
sim_nic_fini(struct sim *s)
{
	sim_nic_complete(s, UINT64_MAX);
	for (unsigned i = 0; i < 2; i++) {
		free(s->txq[i].q);
		s->txq[i] = (struct sim_txq){ 0 };
	}
}
