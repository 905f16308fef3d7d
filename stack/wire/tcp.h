/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP header view (RFC 9293 3.1) and options (RFC 9293 3.2: MSS; RFC 7323:
 * window scale, timestamps; RFC 2018: SACK-permitted, SACK): parse and build.
 * No state.
 */
#ifndef TERN_WIRE_TCP_H
#define TERN_WIRE_TCP_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_tcp.h>

#define TCP_MIN_HDR_LEN 20
#define TCP_MAX_HDR_LEN 60
#define TCP_MAX_OPT_LEN 40
#define TCP_SACK_MAX    4 /* blocks in one option (3 with timestamps) */

/* Flags as in the header's flags byte (RTE_TCP_*_FLAG). */
#define TH_FIN RTE_TCP_FIN_FLAG
#define TH_SYN RTE_TCP_SYN_FLAG
#define TH_RST RTE_TCP_RST_FLAG
#define TH_PSH RTE_TCP_PSH_FLAG
#define TH_ACK RTE_TCP_ACK_FLAG
#define TH_URG RTE_TCP_URG_FLAG

struct tcp_sack_block {
	uint32_t start; /* host order */
	uint32_t end;
};

/* Options of one segment, parsed (host order) or to build. */
struct tcp_opts {
	bool has_mss;
	bool has_wscale;
	bool sack_ok; /* SACK-permitted */
	bool has_ts;
	uint16_t mss;
	uint8_t wscale; /* as sent; the receiver clamps to 14 (RFC 7323 2.3) */
	uint8_t nb_sack;
	uint32_t ts_val;
	uint32_t ts_ecr;
	struct tcp_sack_block sack[TCP_SACK_MAX];
};

static inline unsigned
tcp_hdr_len(const struct rte_tcp_hdr *th)
{
	return (th->data_off >> 4) * 4u;
}

/* Parse @len bytes of options. Unknown options are skipped by their length;
 * returns 0, or -1 if the options are malformed (a length byte < 2 or past
 * the end, or a known option with the wrong length). */
int tcp_opts_parse(const uint8_t *opt, unsigned len, struct tcp_opts *o);

/* Write @o as options into @buf (room for TCP_MAX_OPT_LEN bytes), padded with
 * NOPs to a multiple of 4 in the layout Linux uses, so the timestamp is
 * 4-byte aligned. Returns the length written (0..40). Options that do not fit
 * in 40 bytes are left out, SACK blocks first. */
unsigned tcp_opts_build_any(uint8_t *buf, const struct tcp_opts *o);

/* tcp_opts_build_any, with the options of every segment past the handshake
 * inline: the timestamps alone (NOP, NOP, then the option, RFC 7323
 * appendix A's layout, as tcp_opts_build_any lays them out), or nothing. */
static inline unsigned
tcp_opts_build(uint8_t *buf, const struct tcp_opts *o)
{
	if (o->has_mss || o->sack_ok || o->has_wscale || o->nb_sack != 0)
		return tcp_opts_build_any(buf, o);
	if (!o->has_ts)
		return 0;
	uint32_t head = RTE_BE32(0x0101080a); /* NOP, NOP, kind 8, length 10 */
	uint32_t val = rte_cpu_to_be_32(o->ts_val), ecr = rte_cpu_to_be_32(o->ts_ecr);

	memcpy(buf, &head, 4);
	memcpy(buf + 4, &val, 4);
	memcpy(buf + 8, &ecr, 4);
	return 12;
}

/* @olen option bytes (a multiple of 4, at most TCP_MAX_OPT_LEN) from @src
 * into a header. Timestamps alone, 12 bytes, are what almost every segment
 * carries: a copy of known size the compiler inlines, not a call. */
static inline void
tcp_opts_copy(void *dst, const uint8_t *src, unsigned olen)
{
	if (olen == 12)
		memcpy(dst, src, 12);
	else
		memcpy(dst, src, olen);
}

/* Bytes @n SACK blocks take in our options: two NOPs, kind, length, and
 * 8 bytes a block (tcp_opts_build's layout); 0 for none. */
static inline unsigned
tcp_opts_sack_len(unsigned n)
{
	return n > 0 ? 4u + 8u * n : 0u;
}

#endif /* TERN_WIRE_TCP_H */
