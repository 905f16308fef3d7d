/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP wire pieces with no state: options (stack/wire/tcp_opts.c), sequence
 * arithmetic (stack/tcp/tcp_seq.h) and initial sequence numbers
 * (stack/tcp/tcp_isn.c). No DPDK runtime needed.
 *
 *   options: golden Linux bytes, every layout, round trip of every
 *            combination, the 40-byte cap, malformed inputs, random input
 *   seq:     comparisons, seq_in, max/min across the 2^32 wrap
 *   isn:     SipHash reference vector, determinism, key/port dependence, clock
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/tcp_isn.h"
#include "tcp/tcp_seq.h"
#include "wire/tcp.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define SENTINEL      0xa5

static void
assert_opts_equal(const struct tcp_opts *got, const struct tcp_opts *want)
{
	assert_int_equal(got->has_mss, want->has_mss);
	assert_int_equal(got->has_wscale, want->has_wscale);
	assert_int_equal(got->sack_ok, want->sack_ok);
	assert_int_equal(got->has_ts, want->has_ts);
	assert_int_equal(got->mss, want->mss);
	assert_int_equal(got->wscale, want->wscale);
	assert_int_equal(got->ts_val, want->ts_val);
	assert_int_equal(got->ts_ecr, want->ts_ecr);
	assert_int_equal(got->nb_sack, want->nb_sack);
	for (unsigned i = 0; i < want->nb_sack; i++) {
		assert_int_equal(got->sack[i].start, want->sack[i].start);
		assert_int_equal(got->sack[i].end, want->sack[i].end);
	}
}

/* Parse @len bytes from a heap copy of exactly that size, so that the address
 * sanitizer sees any read past the end; expect success. */
static struct tcp_opts
parse_ok(const uint8_t *bytes, unsigned len)
{
	struct tcp_opts o;
	uint8_t *copy = malloc(len + 1);

	assert_non_null(copy);
	memcpy(copy, bytes, len);
	memset(&o, 0xff, sizeof(o));
	assert_int_equal(tcp_opts_parse(copy, len, &o), 0);
	free(copy);
	return o;
}

static int
parse_rc(const uint8_t *bytes, unsigned len)
{
	struct tcp_opts o;
	uint8_t *copy = malloc(len + 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, bytes, len);
	rc = tcp_opts_parse(copy, len, &o);
	free(copy);
	return rc;
}

/* Build @o into a sentinel-filled buffer larger than 40 bytes and check that
 * nothing past the returned length was written. */
static unsigned
build(uint8_t buf[64], const struct tcp_opts *o)
{
	unsigned len;

	memset(buf, SENTINEL, 64);
	len = tcp_opts_build(buf, o);
	assert_true(len <= TCP_MAX_OPT_LEN);
	assert_int_equal(len % 4, 0);
	for (unsigned i = len; i < 64; i++)
		assert_int_equal(buf[i], SENTINEL);
	return len;
}

static void
assert_build_bytes(const struct tcp_opts *o, const uint8_t *want, unsigned want_len)
{
	uint8_t buf[64];
	unsigned len = build(buf, o);

	assert_int_equal(len, want_len);
	assert_memory_equal(buf, want, want_len);
}

/*
 * This is the layout Linux 6.x sends in a SYN (tcp_options_write() in
 * net/ipv4/tcp_output.c, with MSS 1460, SACK-permitted, timestamps, NOP and
 * window scale 7); the timestamp value is arbitrary and the echo 0:
 *   02 04 05 b4  04 02 08 0a  <ts_val>  <ts_ecr>  01 03 03 07
 */
static const uint8_t linux_syn[] = {
	0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x9a, 0x3c,
	0x11, 0x07, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07,
};

static void
test_opts_linux_syn(void **state)
{
	(void)state;
	const struct tcp_opts want = {
		.has_mss = true,
		.mss = 1460,
		.sack_ok = true,
		.has_ts = true,
		.ts_val = 0x9a3c1107,
		.ts_ecr = 0,
		.has_wscale = true,
		.wscale = 7,
	};
	struct tcp_opts got = parse_ok(linux_syn, sizeof(linux_syn));

	assert_opts_equal(&got, &want);
	/* And we build the same bytes. */
	assert_build_bytes(&want, linux_syn, sizeof(linux_syn));
}

/* Linux's layout for an ACK carrying timestamps and one SACK block:
 * 01 01 08 0a <val> <ecr> 01 01 05 0a <start> <end>. */
static void
test_opts_linux_ack_sack(void **state)
{
	(void)state;
	static const uint8_t want_bytes[] = {
		0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x20, 0x00,
		0x01, 0x01, 0x05, 0x0a, 0xff, 0xff, 0xff, 0xf0, 0x00, 0x00, 0x00, 0x10,
	};
	const struct tcp_opts o = {
		.has_ts = true,
		.ts_val = 0x1000,
		.ts_ecr = 0x2000,
		.nb_sack = 1,
		.sack = { { 0xfffffff0, 0x10 } },
	};
	struct tcp_opts got;

	assert_build_bytes(&o, want_bytes, sizeof(want_bytes));
	got = parse_ok(want_bytes, sizeof(want_bytes));
	assert_opts_equal(&got, &o);
}

/* Each option alone, in the layout Linux uses. */
static void
test_opts_build_layouts(void **state)
{
	(void)state;
	static const uint8_t mss[] = { 0x02, 0x04, 0x23, 0x28 };
	static const uint8_t ts[] = { 0x01, 0x01, 0x08, 0x0a, 0x01, 0x02,
		                      0x03, 0x04, 0xf1, 0xf2, 0xf3, 0xf4 };
	static const uint8_t sack_ok[] = { 0x01, 0x01, 0x04, 0x02 };
	static const uint8_t ws[] = { 0x01, 0x03, 0x03, 0x0e };
	static const uint8_t sack2[] = { 0x01, 0x01, 0x05, 0x12, 0, 0, 0, 1, 0, 0,
		                         0,    2,    0,    0,    0, 3, 0, 0, 0, 4 };

	assert_build_bytes(&(struct tcp_opts){ 0 }, NULL, 0);
	assert_build_bytes(&(struct tcp_opts){ .has_mss = true, .mss = 9000 }, mss, sizeof(mss));
	assert_build_bytes(
	        &(struct tcp_opts){ .has_ts = true, .ts_val = 0x01020304, .ts_ecr = 0xf1f2f3f4 },
	        ts, sizeof(ts));
	assert_build_bytes(&(struct tcp_opts){ .sack_ok = true }, sack_ok, sizeof(sack_ok));
	assert_build_bytes(&(struct tcp_opts){ .has_wscale = true, .wscale = 14 }, ws, sizeof(ws));
	assert_build_bytes(&(struct tcp_opts){ .nb_sack = 2, .sack = { { 1, 2 }, { 3, 4 } } },
	                   sack2, sizeof(sack2));
}

/* Bytes a combination takes before the SACK blocks. */
static unsigned
fixed_len(const struct tcp_opts *o)
{
	return (o->has_mss ? 4 : 0) +
	       (o->has_ts    ? 12
	        : o->sack_ok ? 4
	                     : 0) +
	       (o->has_wscale ? 4 : 0);
}

/* Every combination of MSS, window scale, SACK-permitted, timestamps and 0..4
 * SACK blocks: build, parse back, compare; SACK blocks beyond 40 bytes are
 * dropped, the rest kept in order. */
static void
test_opts_roundtrip_all(void **state)
{
	(void)state;
	for (unsigned mask = 0; mask < 16; mask++) {
		for (unsigned nb = 0; nb <= TCP_SACK_MAX; nb++) {
			/* Values only where present: absent ones parse as 0. */
			struct tcp_opts o = {
				.has_mss = mask & 1,
				.mss = (mask & 1) ? 536 + mask : 0,
				.has_wscale = mask & 2,
				.wscale = (mask & 2) ? (uint8_t)(mask + nb) : 0,
				.sack_ok = mask & 4,
				.has_ts = mask & 8,
				.ts_val = (mask & 8) ? 0xfffffff0 + mask : 0,
				.ts_ecr = (mask & 8) ? 0x80000000 | nb : 0,
				.nb_sack = (uint8_t)nb,
			};
			struct tcp_opts got;
			unsigned room, fit, len;
			uint8_t buf[64];

			for (unsigned i = 0; i < nb; i++) {
				o.sack[i].start = 0xffffff00 + 0x100 * i;
				o.sack[i].end = 0xffffff80 + 0x100 * i;
			}
			room = TCP_MAX_OPT_LEN - fixed_len(&o);
			fit = room >= 12 ? (room - 4) / 8 : 0;
			len = build(buf, &o);
			o.nb_sack = (uint8_t)(nb < fit ? nb : fit);
			assert_int_equal(len, fixed_len(&o) + (o.nb_sack ? 4 + 8 * o.nb_sack : 0));
			got = parse_ok(buf, len);
			assert_opts_equal(&got, &o);
		}
	}
}

/* RFC 2018 3: four blocks fit without timestamps (36 bytes), three with
 * (40 bytes); a fourth is dropped. With MSS and window scale too (SYN-less
 * segments do not carry them, but the builder must still cap), two fit. */
static void
test_opts_sack_cap(void **state)
{
	(void)state;
	struct tcp_opts o = {
		.nb_sack = 4,
		.sack = { { 10, 20 }, { 30, 40 }, { 50, 60 }, { 70, 80 } },
	};
	struct tcp_opts got;
	uint8_t buf[64];
	unsigned len;

	len = build(buf, &o);
	assert_int_equal(len, 36);
	assert_memory_equal(buf, ((uint8_t[]){ 0x01, 0x01, 0x05, 0x22 }), 4);
	got = parse_ok(buf, len);
	assert_opts_equal(&got, &o);

	o.has_ts = true;
	o.ts_val = 7;
	o.ts_ecr = 9;
	len = build(buf, &o);
	assert_int_equal(len, 40);
	assert_memory_equal(buf + 12, ((uint8_t[]){ 0x01, 0x01, 0x05, 0x1a }), 4);
	got = parse_ok(buf, len);
	o.nb_sack = 3;
	assert_opts_equal(&got, &o);

	o.nb_sack = 4;
	o.has_mss = true;
	o.mss = 1460;
	o.has_wscale = true;
	o.wscale = 7;
	len = build(buf, &o);
	assert_int_equal(len, 40);
	got = parse_ok(buf, len);
	o.nb_sack = 2;
	assert_opts_equal(&got, &o);
}

struct bad_opts {
	const char *what;
	uint8_t bytes[44];
	unsigned len;
};

static void
test_opts_malformed(void **state)
{
	(void)state;
	static const struct bad_opts cases[] = {
		{ "length 0", { 0x02, 0x00, 0x05, 0xb4 }, 4 },
		{ "length 1", { 0x01, 0x03, 0x01, 0x07 }, 4 },
		{ "unknown kind, length 0", { 0x1e, 0x00, 0x01, 0x01 }, 4 },
		{ "unknown kind, length 1", { 0xfe, 0x01, 0x01, 0x01 }, 4 },
		{ "length past end", { 0x02, 0x04, 0x05 }, 3 },
		{ "unknown kind, length past end", { 0x1e, 0x08, 0x00, 0x00 }, 4 },
		{ "MSS with length 3", { 0x02, 0x03, 0x05, 0x01 }, 4 },
		{ "MSS with length 5", { 0x02, 0x05, 0x05, 0xb4, 0x00, 0x01, 0x01, 0x01 }, 8 },
		{ "WS with length 4", { 0x03, 0x04, 0x07, 0x00 }, 4 },
		{ "SACK-permitted with length 3", { 0x04, 0x03, 0x00, 0x01 }, 4 },
		{ "TS with length 8", { 0x01, 0x01, 0x08, 0x08, 0, 0, 0, 1, 0, 0, 0, 2 }, 12 },
		{ "SACK with length 11", { 0x05, 0x0b, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0x01 }, 12 },
		{ "SACK with no block", { 0x01, 0x01, 0x05, 0x02 }, 4 },
		{ "SACK with 5 blocks", { 0x05, 0x2a }, 42 },
		{ "truncated mid-option: TS", { 0x01, 0x01, 0x08, 0x0a, 0, 0, 0, 1 }, 8 },
		{ "truncated mid-option: kind without length",
		  { 0x02, 0x04, 0x05, 0xb4, 0x03 },
		  5 },
		{ "malformed after a good option", { 0x02, 0x04, 0x05, 0xb4, 0x03, 0x00 }, 6 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		int rc = parse_rc(cases[i].bytes, cases[i].len);

		if (rc != -1)
			fail_msg("%s: got %d, want -1", cases[i].what, rc);
	}
}

/* RFC 9293 3.2: options of unknown kind are skipped by their length
 * (here MPTCP, 30, and the experimental kind 254). */
static void
test_opts_unknown_skipped(void **state)
{
	(void)state;
	static const uint8_t bytes[] = {
		0x1e, 0x04, 0x00, 0x81,             /* MPTCP MP_CAPABLE-like, 4 bytes */
		0xfe, 0x06, 0xf9, 0x89, 0x00, 0x00, /* experimental, RFC 6994 */
		0x02, 0x04, 0x05, 0xb4,             /* MSS 1460 */
		0x63, 0x02,                         /* unknown, no data */
	};
	struct tcp_opts got = parse_ok(bytes, sizeof(bytes));

	assert_opts_equal(&got, &(struct tcp_opts){ .has_mss = true, .mss = 1460 });
}

/* RFC 9293 3.2: End of Option List; what follows is padding, even if it
 * would not parse. */
static void
test_opts_eol_stops(void **state)
{
	(void)state;
	static const uint8_t bytes[] = { 0x02, 0x04, 0x05, 0xb4, 0x00, 0x03, 0x03, 0x07 };
	static const uint8_t junk[] = { 0x01, 0x00, 0x02, 0x00, 0xff };
	struct tcp_opts got = parse_ok(bytes, sizeof(bytes));

	assert_opts_equal(&got, &(struct tcp_opts){ .has_mss = true, .mss = 1460 });
	got = parse_ok(junk, sizeof(junk));
	assert_opts_equal(&got, &(struct tcp_opts){ 0 });
}

/* No options, or only NOPs, parse to an all-zero struct whatever it held. */
static void
test_opts_empty(void **state)
{
	(void)state;
	static const uint8_t nops[] = { 0x01, 0x01, 0x01, 0x01 };
	struct tcp_opts got = parse_ok(nops, 0);

	assert_opts_equal(&got, &(struct tcp_opts){ 0 });
	got = parse_ok(nops, sizeof(nops));
	assert_opts_equal(&got, &(struct tcp_opts){ 0 });
}

/* Random bytes from a fixed seed, each buffer exactly its length on the heap:
 * the parser must not read past the end (the address sanitizer checks) and
 * whatever it accepts must come out with at most 4 SACK blocks. */
static void
test_opts_random(void **state)
{
	(void)state;
	static const uint8_t kinds[] = { 0, 1, 2, 3, 4, 5, 8, 30 };
	uint64_t x = 0x9e3779b97f4a7c15;

	for (unsigned iter = 0; iter < 200000; iter++) {
		unsigned len;
		uint8_t *buf;
		struct tcp_opts o;

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		len = (unsigned)(x % (TCP_MAX_OPT_LEN + 1));
		buf = malloc(len ? len : 1);
		assert_non_null(buf);
		for (unsigned i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* Mostly known kinds and small lengths, so parses get deep. */
			buf[i] = (x & 1) ? kinds[(x >> 8) % ARRAY_SIZE(kinds)]
			                 : (uint8_t)((x >> 8) % 44);
		}
		if (tcp_opts_parse(buf, len, &o) == 0)
			assert_true(o.nb_sack <= TCP_SACK_MAX);
		free(buf);
	}
}

/* RFC 9293 3.4: comparisons modulo 2^32. */
static void
test_seq_compare_wrap(void **state)
{
	(void)state;
	assert_true(seq_lt(0xfffffff0, 0x10));
	assert_true(seq_leq(0xfffffff0, 0x10));
	assert_false(seq_gt(0xfffffff0, 0x10));
	assert_false(seq_geq(0xfffffff0, 0x10));
	assert_true(seq_gt(0x10, 0xfffffff0));
	assert_true(seq_geq(0x10, 0xfffffff0));
	assert_false(seq_lt(0x10, 0xfffffff0));
	assert_true(seq_lt(0xffffffff, 0));
	assert_true(seq_gt(0, 0xffffffff));

	/* Equal. */
	assert_false(seq_lt(0xffffffff, 0xffffffff));
	assert_true(seq_leq(0xffffffff, 0xffffffff));
	assert_false(seq_gt(0, 0));
	assert_true(seq_geq(0, 0));

	/* Without wrap. */
	assert_true(seq_lt(100, 200));
	assert_true(seq_gt(200, 100));

	/* 2^31 - 1 apart is still ordered. */
	assert_true(seq_lt(0x80000000, 0xffffffff));
	assert_true(seq_lt(0xc0000000, 0x3fffffff));
	assert_true(seq_gt(0x3fffffff, 0xc0000000));
}

/* a <= x < b, with the window across the wrap. */
static void
test_seq_in_wrap(void **state)
{
	(void)state;
	assert_true(seq_in(0xfffffff0, 0xfffffff0, 0x10));
	assert_true(seq_in(0xffffffff, 0xfffffff0, 0x10));
	assert_true(seq_in(0, 0xfffffff0, 0x10));
	assert_true(seq_in(0xf, 0xfffffff0, 0x10));
	assert_false(seq_in(0x10, 0xfffffff0, 0x10));
	assert_false(seq_in(0xffffffef, 0xfffffff0, 0x10));
	assert_false(seq_in(0x80000000, 0xfffffff0, 0x10));

	/* Empty window. */
	assert_false(seq_in(5, 5, 5));
	assert_false(seq_in(0, 0xffffffff, 0xffffffff));

	/* Window ending exactly at the wrap. */
	assert_true(seq_in(0xffffffff, 0xffffff00, 0));
	assert_false(seq_in(0, 0xffffff00, 0));
}

static void
test_seq_max_min(void **state)
{
	(void)state;
	assert_int_equal(seq_max(0xfffffff0, 0x10), 0x10);
	assert_int_equal(seq_max(0x10, 0xfffffff0), 0x10);
	assert_int_equal(seq_min(0xfffffff0, 0x10), 0xfffffff0);
	assert_int_equal(seq_min(0x10, 0xfffffff0), 0xfffffff0);
	assert_int_equal(seq_max(100, 200), 200);
	assert_int_equal(seq_min(100, 200), 100);
	assert_int_equal(seq_max(7, 7), 7);
	assert_int_equal(seq_min(7, 7), 7);
}

/* A 4-tuple as it sits in the headers (network order). */
struct tuple {
	uint32_t lip;
	uint16_t lport;
	uint32_t rip;
	uint16_t rport;
};

static struct tuple
tuple_from(const uint8_t lip[4], const uint8_t lport[2], const uint8_t rip[4],
           const uint8_t rport[2])
{
	struct tuple t;

	memcpy(&t.lip, lip, 4);
	memcpy(&t.lport, lport, 2);
	memcpy(&t.rip, rip, 4);
	memcpy(&t.rport, rport, 2);
	return t;
}

/* 10.0.0.1:443 <- 192.168.1.7:51000 */
static struct tuple
tuple_default(void)
{
	return tuple_from((const uint8_t[]){ 10, 0, 0, 1 }, (const uint8_t[]){ 0x01, 0xbb },
	                  (const uint8_t[]){ 192, 168, 1, 7 }, (const uint8_t[]){ 0xc7, 0x38 });
}

static uint32_t
isn_of(const struct tcp_isn_key *k, const struct tuple *t, uint64_t now_us)
{
	return tcp_isn(k, t->lip, t->lport, t->rip, t->rport, now_us);
}

static struct tcp_isn_key
key_counting(uint8_t first)
{
	struct tcp_isn_key k;

	for (unsigned i = 0; i < sizeof(k.k); i++)
		k.k[i] = (uint8_t)(first + i);
	return k;
}

/*
 * F against the SipHash-2-4 reference implementation's vectors_sip64[12]
 * (Aumasson and Bernstein, key 00 01 .. 0f, message 00 01 .. 0b):
 * fb e5 0e 86 bc 8f 1e 75; the first four bytes read little-endian are
 * 0x860ee5fb. The 4-tuple below lays out as exactly that message.
 */
static void
test_isn_reference_vector(void **state)
{
	(void)state;
	struct tcp_isn_key k = key_counting(0);
	struct tuple t = tuple_from((const uint8_t[]){ 0, 1, 2, 3 }, (const uint8_t[]){ 4, 5 },
	                            (const uint8_t[]){ 6, 7, 8, 9 }, (const uint8_t[]){ 10, 11 });

	assert_int_equal(sizeof(k.k), 16);
	assert_int_equal(isn_of(&k, &t, 0), 0x860ee5fb);
	assert_int_equal(isn_of(&k, &t, 3), 0x860ee5fb);
	assert_int_equal(isn_of(&k, &t, 4), 0x860ee5fc);
}

static void
test_isn_deterministic(void **state)
{
	(void)state;
	struct tcp_isn_key k = key_counting(0x40);
	struct tcp_isn_key k2 = key_counting(0x40);
	struct tuple t = tuple_default();
	uint64_t now_us = UINT64_C(123456789012);

	assert_int_equal(isn_of(&k, &t, now_us), isn_of(&k, &t, now_us));
	assert_int_equal(isn_of(&k, &t, now_us), isn_of(&k2, &t, now_us));
}

static void
test_isn_key_matters(void **state)
{
	(void)state;
	struct tcp_isn_key k1 = key_counting(0x40);
	struct tcp_isn_key k2 = key_counting(0x40);
	struct tuple t = tuple_default();

	k2.k[15] ^= 1;
	assert_int_not_equal(isn_of(&k1, &t, 1000), isn_of(&k2, &t, 1000));
}

static void
test_isn_tuple_matters(void **state)
{
	(void)state;
	struct tcp_isn_key k = key_counting(0x40);
	struct tuple t = tuple_default();
	struct tuple u;
	uint32_t base = isn_of(&k, &t, 1000);

	u = t;
	u.rport ^= 0x0100; /* remote port 51001 */
	assert_int_not_equal(isn_of(&k, &u, 1000), base);
	u = t;
	u.lport ^= 0x0100; /* local port 444 */
	assert_int_not_equal(isn_of(&k, &u, 1000), base);
	u = t;
	u.rip ^= 0x01000000; /* last octet of the remote address on little-endian */
	assert_int_not_equal(isn_of(&k, &u, 1000), base);
	/* The other direction of the same connection. */
	u = (struct tuple){ .lip = t.rip, .lport = t.rport, .rip = t.lip, .rport = t.lport };
	assert_int_not_equal(isn_of(&k, &u, 1000), base);
}

/* RFC 6528 3: M ticks every 4 us, 250 per millisecond, and wraps. */
static void
test_isn_clock(void **state)
{
	(void)state;
	struct tcp_isn_key k = key_counting(0x40);
	struct tuple t = tuple_default();
	uint64_t t0 = UINT64_C(5000000000);
	uint32_t isn0 = isn_of(&k, &t, t0);

	assert_int_equal(isn_of(&k, &t, t0 + 1000) - isn0, 250);
	assert_int_equal(isn_of(&k, &t, t0 + 2000) - isn0, 500);
	assert_int_equal(isn_of(&k, &t, t0 + 1000000) - isn0, 250000);
	assert_int_equal(isn_of(&k, &t, t0 + 4) - isn0, 1);
	assert_int_equal(isn_of(&k, &t, t0 + 3), isn0);
	assert_true(seq_gt(isn_of(&k, &t, t0 + 1000), isn0));
	/* M is 32 bits: 2^32 ticks later (about 4.8 hours) it is back. */
	assert_int_equal(isn_of(&k, &t, t0 + (UINT64_C(4) << 32)), isn0);
}

static void
test_isn_key_init(void **state)
{
	(void)state;
	struct tcp_isn_key k1, k2;
	struct tuple t = tuple_default();

	assert_int_equal(tcp_isn_key_init(&k1), 0);
	assert_int_equal(tcp_isn_key_init(&k2), 0);
	assert_memory_not_equal(k1.k, k2.k, sizeof(k1.k));
	assert_int_not_equal(isn_of(&k1, &t, 0), isn_of(&k2, &t, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts_linux_syn),
		cmocka_unit_test(test_opts_linux_ack_sack),
		cmocka_unit_test(test_opts_build_layouts),
		cmocka_unit_test(test_opts_roundtrip_all),
		cmocka_unit_test(test_opts_sack_cap),
		cmocka_unit_test(test_opts_malformed),
		cmocka_unit_test(test_opts_unknown_skipped),
		cmocka_unit_test(test_opts_eol_stops),
		cmocka_unit_test(test_opts_empty),
		cmocka_unit_test(test_opts_random),
		cmocka_unit_test(test_seq_compare_wrap),
		cmocka_unit_test(test_seq_in_wrap),
		cmocka_unit_test(test_seq_max_min),
		cmocka_unit_test(test_isn_reference_vector),
		cmocka_unit_test(test_isn_deterministic),
		cmocka_unit_test(test_isn_key_matters),
		cmocka_unit_test(test_isn_tuple_matters),
		cmocka_unit_test(test_isn_clock),
		cmocka_unit_test(test_isn_key_init),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
