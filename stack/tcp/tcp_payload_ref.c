/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Payload by reference. A data segment's bytes stay where tern_send put
 * them: each send-queue mbuf the segment touches lends its buffer to an
 * indirect mbuf (rte_pktmbuf_attach), narrowed to the segment's range. The
 * attach takes a reference on the buffer, so when the ACK trims the send
 * queue (tcp_sndq_trim -> mbuf_chain_drop_front) while the segment still
 * sits in a TX ring, the buffer lives until the port frees the segment too.
 *
 * Why it is safe to keep appending to the send queue's tail while a clone of
 * it is in flight: tern_send only writes past the tail's data_len, bytes no
 * clone covers; the send queue never rewrites a byte once queued.
 */
#include <errno.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "core/config.h"
#include "engine/engine.h"
#include "net/iface.h"
#include "tcp/tcp_payload_ref.h"
#include "wire/cksum.h"

bool
tcp_payload_ref_enabled(const struct engine *eng)
{
	return eng->cfg->tcp_zero_copy_tx && eng->ifc->caps.tx_multi_seg;
}

bool
tcp_payload_ref_fits(const struct engine *eng, const struct rte_mbuf *data, uint32_t in,
                     uint32_t len, bool tso)
{
	const struct port_caps *c = &eng->ifc->caps;
	uint16_t port_segs = tso ? c->tso_segs_max : c->tx_segs_max;
	/* The header takes one of the port's segments; 0: no limit stated. */
	uint32_t port_max = port_segs != 0 ? (uint32_t)port_segs - 1 : UINT32_MAX;
	uint32_t max = RTE_MIN(tso ? TCP_TSO_REF_PIECES_MAX : TCP_REF_PIECES_MAX, port_max);

	for (uint32_t pieces = 0; len > 0 && data != NULL; pieces++) {
		if (pieces == max)
			return false;
		len -= RTE_MIN(len, (uint32_t)data->data_len - in);
		in = 0;
		data = data->next;
	}
	return true;
}

int
tcp_payload_ref_attach(struct engine *eng, struct rte_mbuf *hdr, const struct rte_mbuf *data,
                       uint32_t in, uint32_t len)
{
	struct rte_mbuf *first = NULL, *last = NULL;
	uint16_t segs = 0;
	uint32_t total = len;

	while (len > 0 && data != NULL) {
		uint32_t n = RTE_MIN(len, (uint32_t)data->data_len - in);
		struct rte_mbuf *ref = rte_pktmbuf_alloc(eng->pool);
		if (ref == NULL) {
			rte_pktmbuf_free(first);
			return -ENOBUFS;
		}
		/* The send queue's mbufs are not const to the allocator: the
		 * attach counts a reference on their buffer, nothing else. */
		rte_pktmbuf_attach(ref, (struct rte_mbuf *)(uintptr_t)data);
		ref->data_off = (uint16_t)(data->data_off + in);
		ref->data_len = (uint16_t)n;
		ref->pkt_len = n;
		ref->ol_flags &= RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL;
		if (first == NULL) {
			first = ref;
		} else {
			last->next = ref;
			first->nb_segs++;
			first->pkt_len += n;
		}
		last = ref;
		segs++;
		len -= n;
		in = 0;
		data = data->next;
	}
	if (first == NULL)
		return 0;
	hdr->next = first;
	hdr->nb_segs = (uint16_t)(hdr->nb_segs + segs);
	hdr->pkt_len += total - len;
	return 0;
}

uint16_t
tcp_payload_ref_cksum(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ih)
{
	/* RFC 9293 3.1, over the chain (wire/cksum.h: not DPDK's, which is
	 * wrong after an odd-length buffer). */
	uint16_t ck = cksum_ipv4_tcp_chain(m, ih, rte_ipv4_hdr_len(ih));

	return ck == 0 ? 0xffff : ck; /* RFC 768's rule, as rte_ipv4_udptcp_cksum */
}

bool
tcp_payload_ref_even(const struct rte_mbuf *data, uint32_t in, uint32_t len)
{
	while (data != NULL && len > 0) {
		uint32_t n = RTE_MIN(len, (uint32_t)data->data_len - in);
		len -= n;
		if ((n & 1) && len > 0)
			return false;
		in = 0;
		data = data->next;
	}
	return true;
}

bool
tcp_payload_ref_port_cksum(const struct engine *eng, const struct rte_mbuf *m)
{
	if (!eng->ifc->caps.is_tap)
		return true;
	for (const struct rte_mbuf *s = m->next; s != NULL && s->next != NULL; s = s->next)
		if (s->data_len & 1)
			return false;
	return true;
}
