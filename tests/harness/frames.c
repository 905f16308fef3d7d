/* SPDX-License-Identifier: BSD-3-Clause */
/* Frame builders and readers for tests (the peer's side of the wire). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <rte_tcp.h>

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

struct rte_mbuf *
frame_tcp(struct rte_mempool *mp, const struct rte_ether_addr *dst_mac, const struct frame_tcp *t)
{
	uint8_t seg[TCP_MAX_HDR_LEN + RTE_ETHER_MTU];
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)seg;
	unsigned olen = tcp_opts_build((uint8_t *)(th + 1), &t->opts);
	unsigned hl = TCP_MIN_HDR_LEN + olen;

	if (hl + t->len > sizeof(seg))
		return NULL;
	th->src_port = rte_cpu_to_be_16(t->sport);
	th->dst_port = rte_cpu_to_be_16(t->dport);
	th->sent_seq = rte_cpu_to_be_32(t->seq);
	th->recv_ack = rte_cpu_to_be_32(t->ack);
	th->data_off = (uint8_t)((hl / 4) << 4);
	th->tcp_flags = t->flags;
	th->rx_win = rte_cpu_to_be_16(t->win);
	th->cksum = 0;
	th->tcp_urp = 0;
	if (t->len != 0)
		memcpy(seg + hl, t->data, t->len);
	struct rte_mbuf *m = frame_ipv4(mp, dst_mac, t->src_ip, t->dst_ip, IPPROTO_TCP, seg,
	                                (uint16_t)(hl + t->len));
	if (m == NULL)
		return NULL;
	struct rte_ipv4_hdr *ih = frame_ip(m);
	th = (struct rte_tcp_hdr *)(ih + 1);
	th->cksum = rte_ipv4_udptcp_cksum(ih, th);
	return m;
}

int
frame_tcp_read(struct rte_mbuf *m, struct frame_tcp *t)
{
	struct rte_ipv4_hdr *ih = frame_ip(m);

	if (ih == NULL || ih->next_proto_id != IPPROTO_TCP)
		return -EPROTO;
	unsigned ihl = ipv4_hdr_len(ih), tot = rte_be_to_cpu_16(ih->total_length);
	if (ihl < IPV4_MIN_HDR_LEN || tot < ihl + TCP_MIN_HDR_LEN ||
	    sizeof(struct rte_ether_hdr) + tot > rte_pktmbuf_data_len(m) ||
	    (!(m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) && rte_raw_cksum(ih, ihl) != 0xffff))
		return -EBADMSG;
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)((char *)ih + ihl);
	unsigned hl = tcp_hdr_len(th);
	if (hl < TCP_MIN_HDR_LEN || ihl + hl > tot)
		return -EBADMSG;
	if (!(m->ol_flags & RTE_MBUF_F_TX_TCP_CKSUM) && rte_ipv4_udptcp_cksum_verify(ih, th) != 0)
		return -EBADMSG;
	memset(t, 0, sizeof(*t));
	if (tcp_opts_parse((const uint8_t *)(th + 1), hl - TCP_MIN_HDR_LEN, &t->opts) != 0)
		return -EBADMSG;
	t->src_ip = rte_be_to_cpu_32(ih->src_addr);
	t->dst_ip = rte_be_to_cpu_32(ih->dst_addr);
	t->sport = rte_be_to_cpu_16(th->src_port);
	t->dport = rte_be_to_cpu_16(th->dst_port);
	t->seq = rte_be_to_cpu_32(th->sent_seq);
	t->ack = rte_be_to_cpu_32(th->recv_ack);
	t->flags = th->tcp_flags;
	t->win = rte_be_to_cpu_16(th->rx_win);
	t->data = (const uint8_t *)th + hl;
	t->len = (uint16_t)(tot - ihl - hl);
	return 0;
}

/* packetdrill's flags: S F R P U, then '.' for ACK. */
static void
flags_format(char *p, uint8_t f)
{
	if (f & TH_SYN)
		*p++ = 'S';
	if (f & TH_FIN)
		*p++ = 'F';
	if (f & TH_RST)
		*p++ = 'R';
	if (f & TH_PSH)
		*p++ = 'P';
	if (f & TH_URG)
		*p++ = 'U';
	if (f & TH_ACK)
		*p++ = '.';
	if (f == 0)
		*p++ = '-';
	*p = '\0';
}

/* Append to @buf at @n, as far as @size allows; returns the new length. */
static int
fmt_at(char *buf, size_t size, int n, const char *fmt, ...)
{
	va_list ap;
	int m;

	if (n < 0 || (size_t)n >= size)
		return n;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	return m < 0 ? n : n + m;
}

void
frame_tcp_format(char *buf, size_t size, const struct frame_tcp *t, bool out, uint32_t seq_base,
                 uint32_t ack_base, uint64_t ms)
{
	const struct tcp_opts *o = &t->opts;
	const char *sep = " <";
	char flags[8];
	int n = 0;

	flags_format(flags, t->flags);
	n = fmt_at(buf, size, n, "%.3f %c %s %u:%u(%u)", (double)ms / 1000.0, out ? '>' : '<',
	           flags, t->seq - seq_base, t->seq - seq_base + t->len, t->len);
	if (t->flags & TH_ACK)
		n = fmt_at(buf, size, n, " ack %u", t->ack - ack_base);
	n = fmt_at(buf, size, n, " win %u", t->win);
	if (!o->has_mss && !o->has_wscale && !o->sack_ok && !o->has_ts && o->nb_sack == 0)
		return;
	if (o->has_mss) {
		n = fmt_at(buf, size, n, "%smss %u", sep, o->mss);
		sep = ",";
	}
	if (o->sack_ok) {
		n = fmt_at(buf, size, n, "%ssackOK", sep);
		sep = ",";
	}
	if (o->has_ts) {
		n = fmt_at(buf, size, n, "%sTS val %u ecr %u", sep, o->ts_val, o->ts_ecr);
		sep = ",";
	}
	if (o->has_wscale) {
		n = fmt_at(buf, size, n, "%swscale %u", sep, o->wscale);
		sep = ",";
	}
	if (o->nb_sack > 0) {
		n = fmt_at(buf, size, n, "%ssack", sep);
		for (unsigned i = 0; i < o->nb_sack; i++)
			n = fmt_at(buf, size, n, " %u:%u", o->sack[i].start - ack_base,
			           o->sack[i].end - ack_base);
	}
	fmt_at(buf, size, n, ">");
}

struct frame_tcp
frame_peer_seg(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
               const uint8_t *data, uint16_t len)
{
	struct frame_tcp t = {
		.src_ip = PEER_IP,
		.dst_ip = US_IP,
		.sport = sport,
		.dport = dport,
		.seq = seq,
		.ack = ack,
		.flags = flags,
		.win = 65535,
		.data = data,
		.len = len,
	};
	if (flags & TH_SYN) {
		t.opts.has_mss = true;
		t.opts.mss = 1460;
	}
	return t;
}

struct rte_mbuf *
frame_peer_tcp(struct rte_mempool *mp, const struct rte_ether_addr *dst_mac, uint16_t sport,
               uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, const uint8_t *data,
               uint16_t len)
{
	struct frame_tcp t = frame_peer_seg(sport, dport, seq, ack, flags, data, len);

	return frame_tcp(mp, dst_mac, &t);
}
