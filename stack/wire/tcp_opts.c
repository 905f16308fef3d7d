/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP options on the wire (RFC 9293 3.2: EOL, NOP, MSS; RFC 7323: window
 * scale, timestamps; RFC 2018: SACK-permitted, SACK): parse into struct
 * tcp_opts, build from it. No state. Options sit at any byte offset, so every
 * multi-byte field is read and written a byte at a time.
 *
 *   tcp_input  -> tcp_opts_parse
 *   tcp_output -> tcp_opts_build
 */
#include <string.h>

#include <rte_common.h>

#include "wire/tcp.h"

enum tcp_opt_kind {
	TCPOPT_EOL = 0,
	TCPOPT_NOP = 1,
	TCPOPT_MSS = 2,
	TCPOPT_WSCALE = 3,
	TCPOPT_SACK_PERM = 4,
	TCPOPT_SACK = 5,
	TCPOPT_TS = 8,
};

enum tcp_opt_len {
	TCPOLEN_MSS = 4,
	TCPOLEN_WSCALE = 3,
	TCPOLEN_SACK_PERM = 2,
	TCPOLEN_SACK_BASE = 2,
	TCPOLEN_SACK_BLOCK = 8,
	TCPOLEN_TS = 10,
};

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint8_t *
put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
	return p + 2;
}

static uint8_t *
put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
	return p + 4;
}

static uint8_t *
put4(uint8_t *p, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	p[0] = a;
	p[1] = b;
	p[2] = c;
	p[3] = d;
	return p + 4;
}

/* RFC 2018 3: a SACK option is 2 + 8n bytes, n from 1 to 4. */
static int
sack_parse(const uint8_t *opt, unsigned olen, struct tcp_opts *o)
{
	unsigned n = (olen - TCPOLEN_SACK_BASE) / TCPOLEN_SACK_BLOCK;

	if (olen < TCPOLEN_SACK_BASE + TCPOLEN_SACK_BLOCK ||
	    (olen - TCPOLEN_SACK_BASE) % TCPOLEN_SACK_BLOCK != 0 || n > TCP_SACK_MAX)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *b = opt + TCPOLEN_SACK_BASE + i * TCPOLEN_SACK_BLOCK;

		o->sack[i].start = get32(b);
		o->sack[i].end = get32(b + 4);
	}
	o->nb_sack = (uint8_t)n;
	return 0;
}

/* One option of kind opt[0] and length @olen (>= 2, within the buffer). */
static int
opt_parse_one(const uint8_t *opt, unsigned olen, struct tcp_opts *o)
{
	switch (opt[0]) {
	case TCPOPT_MSS:
		if (olen != TCPOLEN_MSS)
			return -1;
		o->has_mss = true;
		o->mss = get16(opt + 2);
		return 0;
	case TCPOPT_WSCALE:
		if (olen != TCPOLEN_WSCALE)
			return -1;
		o->has_wscale = true;
		o->wscale = opt[2];
		return 0;
	case TCPOPT_SACK_PERM:
		if (olen != TCPOLEN_SACK_PERM)
			return -1;
		o->sack_ok = true;
		return 0;
	case TCPOPT_SACK:
		return sack_parse(opt, olen, o);
	case TCPOPT_TS:
		if (olen != TCPOLEN_TS)
			return -1;
		o->has_ts = true;
		o->ts_val = get32(opt + 2);
		o->ts_ecr = get32(opt + 6);
		return 0;
	default:
		/* RFC 9293 3.2: an unknown option is skipped by its length. */
		return 0;
	}
}

int
tcp_opts_parse(const uint8_t *opt, unsigned len, struct tcp_opts *o)
{
	unsigned i = 0;

	memset(o, 0, sizeof(*o));
	/* RFC 7323 Appendix A's layout, all that every segment of a connection
	 * with timestamps carries: NOP, NOP, TS. Read at once; the loop below
	 * reads it the same way. */
	if (len == 12 && opt[0] == TCPOPT_NOP && opt[1] == TCPOPT_NOP && opt[2] == TCPOPT_TS &&
	    opt[3] == TCPOLEN_TS) {
		o->has_ts = true;
		o->ts_val = get32(opt + 4);
		o->ts_ecr = get32(opt + 8);
		return 0;
	}
	while (i < len) {
		unsigned olen;

		if (opt[i] == TCPOPT_EOL)
			break;
		if (opt[i] == TCPOPT_NOP) {
			i++;
			continue;
		}
		/* RFC 9293 3.2: every other option has a length byte that counts
		 * the kind and length bytes themselves. */
		if (len - i < 2)
			return -1;
		olen = opt[i + 1];
		if (olen < 2 || olen > len - i)
			return -1;
		if (opt_parse_one(opt + i, olen, o) < 0)
			return -1;
		i += olen;
	}
	return 0;
}

/* SACK blocks last, as many as fit in what is left of the 40 bytes
 * (4 alone, 3 after timestamps; RFC 2018 3). */
static uint8_t *
sack_build(uint8_t *p, unsigned room, const struct tcp_opts *o)
{
	unsigned fit = room >= 4 ? (room - 4) / TCPOLEN_SACK_BLOCK : 0;
	unsigned n = RTE_MIN(RTE_MIN((unsigned)o->nb_sack, (unsigned)TCP_SACK_MAX), fit);

	if (n == 0)
		return p;
	p = put4(p, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK,
	         (uint8_t)(TCPOLEN_SACK_BASE + n * TCPOLEN_SACK_BLOCK));
	for (unsigned i = 0; i < n; i++) {
		p = put32(p, o->sack[i].start);
		p = put32(p, o->sack[i].end);
	}
	return p;
}

/*
 * Layout as Linux's tcp_options_write(): every option padded to 4 bytes so the
 * timestamp values are 4-byte aligned. SACK-permitted takes the place of the
 * two NOPs before the timestamp when both are sent.
 */
unsigned
tcp_opts_build_any(uint8_t *buf, const struct tcp_opts *o)
{
	uint8_t *p = buf;

	if (o->has_mss) {
		p = put4(p, TCPOPT_MSS, TCPOLEN_MSS, 0, 0);
		put16(p - 2, o->mss);
	}
	if (o->has_ts) {
		if (o->sack_ok)
			p = put4(p, TCPOPT_SACK_PERM, TCPOLEN_SACK_PERM, TCPOPT_TS, TCPOLEN_TS);
		else
			p = put4(p, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TS, TCPOLEN_TS);
		p = put32(p, o->ts_val);
		p = put32(p, o->ts_ecr);
	} else if (o->sack_ok) {
		p = put4(p, TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK_PERM, TCPOLEN_SACK_PERM);
	}
	if (o->has_wscale)
		p = put4(p, TCPOPT_NOP, TCPOPT_WSCALE, TCPOLEN_WSCALE, o->wscale);
	p = sack_build(p, TCP_MAX_OPT_LEN - (unsigned)(p - buf), o);
	return (unsigned)(p - buf);
}
