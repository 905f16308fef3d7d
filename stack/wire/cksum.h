/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Internet checksum (RFC 1071) eight bytes at a time, for the IPv4
 * header and TCP checksums a port without offloads (net_memif, the pair)
 * leaves to software on every segment, both ways.
 *
 * DPDK 22.11's rte_raw_cksum adds one 16-bit word per loop iteration; these
 * add 64-bit words with the carry folded back in (RFC 1071 2(A): the sum is
 * the same in any word size, since 2^16, 2^32 and 2^64 are all 1 modulo
 * 0xffff) and fold to 16 bits once. Results are those of DPDK's functions
 * they stand in for, bit for bit (test_cksum compares them): a folded sum is
 * 0 only when every byte was 0, otherwise in 1..0xffff, in both.
 *
 *   cksum_ipv4_hdr        ~ rte_ipv4_cksum
 *   cksum_ipv4_tcp        ~ rte_ipv4_udptcp_cksum (TCP: no RFC 768 0 -> 0xffff)
 *   cksum_ipv4_tcp_mbuf_ok ~ rte_ipv4_udptcp_cksum_mbuf_verify == 0
 *   cksum_ipv4_tcp_chain   ~ rte_ipv4_udptcp_cksum_mbuf, but right after a
 *                           buffer of odd length (DPDK 22.11's is not)
 */
#ifndef TERN_WIRE_CKSUM_H
#define TERN_WIRE_CKSUM_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

/* @w added to @sum with the carry out of bit 63 brought back into bit 0
 * (end-around carry). */
static inline uint64_t
cksum_add64(uint64_t sum, uint64_t w)
{
	uint64_t r = sum + w;

	return r + (r < w);
}

/* @sum plus @len bytes at @buf, little-endian words, carries folded back in;
 * an odd last byte counts as the low byte of a word, as rte_raw_cksum does.
 *
 * 32 bytes a turn: one loop test for four words. On x86-64 the four go in
 * as one add-with-carry chain, whose last carry goes back in at once, as
 * Linux's csum_partial does: 5 instructions for 32 bytes where the word
 * loop took about 28. A 64-byte request's segment (96 bytes with its TCP
 * header) is summed on both sides of every echo. */
static inline uint64_t
cksum_add(uint64_t sum, const void *buf, size_t len)
{
	const uint8_t *p = (const uint8_t *)buf;
	const uint8_t *end32 = p + (len & ~(size_t)31), *end8 = p + (len & ~(size_t)7);
	uint64_t w;

	for (; p != end32; p += 32) {
#if defined(__x86_64__)
		__asm__("addq 0(%[p]), %[s]\n\t"
		        "adcq 8(%[p]), %[s]\n\t"
		        "adcq 16(%[p]), %[s]\n\t"
		        "adcq 24(%[p]), %[s]\n\t"
		        "adcq $0, %[s]"
		        : [s] "+r"(sum)
		        : [p] "r"(p), "m"(*(const uint8_t(*)[32])p)
		        : "cc");
#else
		for (unsigned i = 0; i < 4; i++) {
			memcpy(&w, p + 8 * i, 8);
			sum = cksum_add64(sum, w);
		}
#endif
	}
	for (; p != end8; p += 8) {
		memcpy(&w, p, 8);
		sum = cksum_add64(sum, w);
	}
	len &= 7;
	w = 0;
	if (len >= 4) {
		uint32_t v;
		memcpy(&v, p, 4);
		w = v;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t v;
		memcpy(&v, p, 2);
		w += v;
		p += 2;
		len -= 2;
	}
	if (len != 0)
		w += *p;
	return cksum_add64(sum, w);
}

/* @sum folded to 16 bits (ones' complement, carries wrapped): each half
 * added to the other with the carry brought back in, an add and an
 * add-with-carry a step. */
static inline uint16_t
cksum_fold(uint64_t sum)
{
	uint32_t hi32 = (uint32_t)(sum >> 32), s32 = (uint32_t)sum + hi32;
	s32 += s32 < hi32;
	uint16_t hi16 = (uint16_t)(s32 >> 16), s16 = (uint16_t)((uint16_t)s32 + hi16);
	s16 += s16 < hi16;
	return s16;
}

/* The header checksum to write into @ih (its field zeroed first). */
static inline uint16_t
cksum_ipv4_hdr(const struct rte_ipv4_hdr *ih)
{
	return (uint16_t)~cksum_fold(cksum_add(0, ih, rte_ipv4_hdr_len(ih)));
}

/* True when the IPv4 header @ih, @hl bytes, sums to 0xffff, its checksum
 * included (RFC 791 3.1). The 20 bytes of a header without options, as
 * nearly every one is, in three words without a loop. */
static inline bool
cksum_ipv4_hdr_ok(const struct rte_ipv4_hdr *ih, unsigned hl)
{
	uint64_t sum;

	if (hl == sizeof(*ih)) {
		uint64_t w0, w1;
		uint32_t w2;
		memcpy(&w0, ih, 8);
		memcpy(&w1, (const char *)ih + 8, 8);
		memcpy(&w2, (const char *)ih + 16, 4);
		sum = cksum_add64(cksum_add64(w0, w1), w2);
	} else {
		sum = cksum_add(0, ih, hl);
	}
	return cksum_fold(sum) == 0xffff;
}

/* The pseudo-header (RFC 9293 3.1) of @ih's datagram, unfolded. */
static inline uint64_t
cksum_ipv4_phdr(const struct rte_ipv4_hdr *ih, uint16_t l4_len)
{
	/* src and dst, then zero, protocol and length as they sit on the wire. */
	uint64_t sum = (uint64_t)ih->src_addr + ih->dst_addr;

	return sum + ((uint32_t)ih->next_proto_id << 8) + rte_cpu_to_be_16(l4_len);
}

/* The TCP checksum to write into @l4 (its field zeroed first): the segment
 * @ih's total length says, contiguous at @l4. */
static inline uint16_t
cksum_ipv4_tcp(const struct rte_ipv4_hdr *ih, const void *l4)
{
	uint32_t total = rte_be_to_cpu_16(ih->total_length), hl = rte_ipv4_hdr_len(ih);

	if (total < hl)
		return (uint16_t)~0; /* as DPDK's: a raw sum of 0 */
	uint16_t l4_len = (uint16_t)(total - hl);
	return (uint16_t)~cksum_fold(cksum_add(cksum_ipv4_phdr(ih, l4_len), l4, l4_len));
}

/* The folded sum of the pseudo-header and the TCP segment @l4_off bytes
 * into chain @m (the IPv4 header @ih), its checksum field as it is. Each
 * buffer's sum is folded to 16 bits first; one that starts at an odd byte
 * of the segment pairs its bytes the other way round, so its folded sum is
 * byte-swapped (RFC 1071 2(B)). DPDK 22.11's rte_raw_cksum_mbuf swaps before
 * folding and loses the carries: wrong sums after an odd-length buffer,
 * which zero-copy segments and lent chains have. */
static inline uint16_t
cksum_ipv4_tcp_chain_sum(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ih, uint32_t l4_off)
{
	uint32_t len = (uint32_t)rte_be_to_cpu_16(ih->total_length) - rte_ipv4_hdr_len(ih);
	uint64_t sum = cksum_ipv4_phdr(ih, (uint16_t)len);
	uint32_t done = 0;

	for (const struct rte_mbuf *s = m; s != NULL && done < len; s = s->next) {
		uint32_t n = s->data_len;
		if (l4_off >= n) {
			l4_off -= n;
			continue;
		}
		n = RTE_MIN(n - l4_off, len - done);
		uint16_t part = cksum_fold(
		        cksum_add(0, rte_pktmbuf_mtod_offset(s, const char *, l4_off), n));
		sum += (done & 1) ? rte_bswap16(part) : part;
		done += n;
		l4_off = 0;
	}
	return cksum_fold(sum);
}

/* The TCP checksum to write into the segment @l4_off bytes into chain @m
 * (its field zeroed first). */
static inline uint16_t
cksum_ipv4_tcp_chain(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ih, uint32_t l4_off)
{
	return (uint16_t)~cksum_ipv4_tcp_chain_sum(m, ih, l4_off);
}

/* True when the TCP segment @l4_off bytes into @m (the IPv4 header @ih) sums
 * to 0xffff, its checksum included. */
static inline bool
cksum_ipv4_tcp_mbuf_ok(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ih, uint16_t l4_off)
{
	uint16_t len = (uint16_t)(rte_be_to_cpu_16(ih->total_length) - rte_ipv4_hdr_len(ih));

	if ((uint32_t)l4_off + len > m->data_len)
		return cksum_ipv4_tcp_chain_sum(m, ih, l4_off) == 0xffff;
	const void *l4 = rte_pktmbuf_mtod_offset(m, const char *, l4_off);
	return cksum_fold(cksum_add(cksum_ipv4_phdr(ih, len), l4, len)) == 0xffff;
}

#endif /* TERN_WIRE_CKSUM_H */
