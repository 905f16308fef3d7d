/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The eight-bytes-at-a-time Internet checksum (stack/wire/cksum.h) against
 * the DPDK 22.11 functions it replaces on the segment path, bit for bit:
 * every length 0..1600 at every start alignment, sums of all zeros and all
 * ones (the 0 / 0xffff edge of ones' complement), IPv4 headers of every
 * length, TCP checksums written and verified, total lengths shorter than the
 * header, and a chain (which goes to DPDK's own). No DPDK runtime needed:
 * the mbufs are laid out by hand over plain buffers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_tcp.h>

#include "wire/cksum.h"

#define BUF_MAX 1664

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint8_t
rng_byte(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint8_t)rng_state;
}

static void
fill(uint8_t *p, size_t len, int how)
{
	for (size_t i = 0; i < len; i++)
		p[i] = how == 0 ? rng_byte() : how == 1 ? 0 : 0xff;
}

static void
test_raw_every_length_and_alignment(void **state)
{
	(void)state;
	static uint8_t buf[BUF_MAX + 8];

	for (int how = 0; how < 3; how++)
		for (size_t align = 0; align < 8; align++)
			for (size_t len = 0; len <= 1600; len++) {
				fill(buf + align, len, how);
				uint16_t want = rte_raw_cksum(buf + align, len);
				uint16_t got = cksum_fold(cksum_add(0, buf + align, len));
				assert_int_equal(got, want);
			}
}

/* Sums that carry out of 64 bits many times over still fold as DPDK's. */
static void
test_raw_carries(void **state)
{
	(void)state;
	static uint8_t buf[BUF_MAX];

	fill(buf, sizeof(buf), 2);
	for (size_t len = 1590; len <= 1600; len++)
		assert_int_equal(cksum_fold(cksum_add(0, buf, len)), rte_raw_cksum(buf, len));
	/* A starting sum near the top: the first add carries. */
	assert_int_equal(
	        cksum_fold(cksum_add(UINT64_MAX - 1, buf, 8)),
	        cksum_fold(cksum_add(cksum_add(0, buf, 8), "\xfe\xff\xff\xff\xff\xff\xff\xff", 8)));
}

static struct rte_ipv4_hdr *
random_ipv4(uint8_t *buf, unsigned ihl, uint16_t total)
{
	struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)buf;

	fill(buf, ihl * 4u, 0);
	ih->version_ihl = (uint8_t)(0x40 | ihl);
	ih->total_length = rte_cpu_to_be_16(total);
	ih->next_proto_id = IPPROTO_TCP;
	ih->hdr_checksum = 0;
	return ih;
}

static void
test_ipv4_header(void **state)
{
	(void)state;
	uint8_t buf[64];

	for (int i = 0; i < 20000; i++) {
		unsigned ihl = 5 + (unsigned)(i % 11);
		struct rte_ipv4_hdr *ih = random_ipv4(buf, ihl, 1500);
		uint16_t got = cksum_ipv4_hdr(ih);
		assert_int_equal(got, rte_ipv4_cksum(ih));
		/* Written in, the header sums to 0xffff, as ipv4_check wants. */
		ih->hdr_checksum = got;
		assert_int_equal(cksum_fold(cksum_add(0, ih, ihl * 4u)), 0xffff);
		/* The receive check, 20 bytes straight-line, longer by loop:
		 * it takes the header, and refuses it with any one bit turned. */
		assert_true(cksum_ipv4_hdr_ok(ih, ihl * 4u));
		unsigned bit = (unsigned)i % (ihl * 32u);
		((uint8_t *)ih)[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_false(cksum_ipv4_hdr_ok(ih, ihl * 4u));
	}
}

/* A one-segment mbuf over @buf, @len bytes of data from its start. */
static void
mbuf_over(struct rte_mbuf *m, uint8_t *buf, uint16_t len)
{
	memset(m, 0, sizeof(*m));
	m->buf_addr = buf;
	m->buf_len = BUF_MAX;
	m->data_off = 0;
	m->data_len = len;
	m->pkt_len = len;
	m->nb_segs = 1;
}

static void
test_tcp_write_and_verify(void **state)
{
	(void)state;
	static uint8_t buf[BUF_MAX];
	struct rte_mbuf m;

	for (int i = 0; i < 20000; i++) {
		unsigned ihl = 5 + (unsigned)(i % 3) * 5;
		uint16_t l4_len = (uint16_t)(20 + rng_byte() * 5 + (i & 1));
		struct rte_ipv4_hdr *ih = random_ipv4(buf, ihl, (uint16_t)(ihl * 4 + l4_len));
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(buf + ihl * 4);
		fill((uint8_t *)th, l4_len, i % 50 == 0 ? 1 : 0);
		th->cksum = 0;
		uint16_t got = cksum_ipv4_tcp(ih, th);
		assert_int_equal(got, rte_ipv4_udptcp_cksum(ih, th));
		mbuf_over(&m, buf, (uint16_t)(ihl * 4 + l4_len + (i % 4))); /* padding too */
		th->cksum = got;
		assert_true(cksum_ipv4_tcp_mbuf_ok(&m, ih, (uint16_t)(ihl * 4)));
		assert_int_equal(rte_ipv4_udptcp_cksum_mbuf_verify(&m, ih, (uint16_t)(ihl * 4)), 0);
		/* One bit off anywhere in the segment or the pseudo-header. */
		uint8_t *victim =
		        i % 3 == 0 ? (uint8_t *)&ih->src_addr : (uint8_t *)th + i % l4_len;
		*victim ^= (uint8_t)(1u << (i % 8));
		bool want = rte_ipv4_udptcp_cksum_mbuf_verify(&m, ih, (uint16_t)(ihl * 4)) == 0;
		assert_int_equal(cksum_ipv4_tcp_mbuf_ok(&m, ih, (uint16_t)(ihl * 4)), want);
		assert_false(want);
	}
}

/* Lengths the header gets wrong: shorter than the IP header, longer than the
 * data; both agree with DPDK's. */
static void
test_tcp_bad_lengths(void **state)
{
	(void)state;
	static uint8_t buf[BUF_MAX];
	struct rte_mbuf m;

	for (uint16_t total = 0; total < 200; total++) {
		struct rte_ipv4_hdr *ih = random_ipv4(buf, 5, total);
		fill(buf + 20, 180, 0);
		assert_int_equal(cksum_ipv4_tcp(ih, buf + 20), rte_ipv4_udptcp_cksum(ih, buf + 20));
		mbuf_over(&m, buf, 120);
		assert_int_equal(cksum_ipv4_tcp_mbuf_ok(&m, ih, 20),
		                 rte_ipv4_udptcp_cksum_mbuf_verify(&m, ih, 20) == 0);
	}
}

/* A segment in three buffers, cut anywhere (odd lengths, inside the
 * headers), 14 bytes of link header before the IPv4 one: the checksum
 * cksum_ipv4_tcp_chain writes is the flat segment's, the chain then
 * verifies, and one flipped bit fails it. DPDK 22.11's chain sum loses
 * carries after an odd-length buffer, which is why Tern has its own. */
static void
test_tcp_chain(void **state)
{
	(void)state;
	static uint8_t flat[BUF_MAX], bufs[3][BUF_MAX];
	struct rte_mbuf m[3];

	for (int i = 0; i < 600; i++) {
		uint16_t l4_len = (uint16_t)(21 + i % 300);
		uint16_t total = (uint16_t)(14 + 20 + l4_len);
		fill(flat, 14, 0);
		struct rte_ipv4_hdr *ih = random_ipv4(flat + 14, 5, (uint16_t)(20 + l4_len));
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(flat + 34);
		fill(flat + 34, l4_len, i % 7 == 0 ? 2 : 0); /* all 0xff: the most carries */
		th->cksum = 0;
		uint16_t want = cksum_ipv4_tcp(ih, th);
		/* Cuts at 35..total-2 and past them, odd and even. */
		uint16_t cut1 = (uint16_t)(35 + (i * 7) % (total - 36));
		uint16_t cut2 = (uint16_t)(cut1 + 1 + (i * 13) % (total - cut1 - 1));
		uint16_t at[4] = { 0, cut1, cut2, total };
		for (int k = 0; k < 3; k++) {
			memcpy(bufs[k], flat + at[k], (size_t)(at[k + 1] - at[k]));
			mbuf_over(&m[k], bufs[k], (uint16_t)(at[k + 1] - at[k]));
			m[k].next = k < 2 ? &m[k + 1] : NULL;
		}
		m[0].nb_segs = 3;
		m[0].pkt_len = total;
		const struct rte_ipv4_hdr *ih0 = (const struct rte_ipv4_hdr *)(bufs[0] + 14);
		assert_int_equal(cksum_ipv4_tcp_chain(&m[0], ih0, 34), want);
		/* Written where it lies (the field may be in the second buffer). */
		th->cksum = want;
		for (int k = 0; k < 3; k++)
			memcpy(bufs[k], flat + at[k], (size_t)(at[k + 1] - at[k]));
		assert_true(cksum_ipv4_tcp_mbuf_ok(&m[0], ih0, 34));
		bufs[2][(i * 3) % (total - cut2)] ^= (uint8_t)(1u << (i % 8));
		assert_false(cksum_ipv4_tcp_mbuf_ok(&m[0], ih0, 34));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_every_length_and_alignment),
		cmocka_unit_test(test_raw_carries),
		cmocka_unit_test(test_ipv4_header),
		cmocka_unit_test(test_tcp_write_and_verify),
		cmocka_unit_test(test_tcp_bad_lengths),
		cmocka_unit_test(test_tcp_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
