/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The port's Toeplitz hash and redirection table in software (rte_thash), and
 * each engine's choice of local ports whose replies come back to it.
 *
 *   rss_init -> rte_convert_rss_key, each input byte's share (rte_softrss_be),
 *               the redirection table
 *   rss_scan_start (SipHash offset, reply hash without the local port)
 *     -> rss_scan_next: one table lookup and one XOR per candidate
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_random.h>
#include <rte_thash.h>
#include <sodium.h>

#include "flow/rss.h"

static_assert(RSS_SECRET_LEN == crypto_shorthash_KEYBYTES, "SipHash-2-4 key size");
static_assert(RSS_KEY_LEN_MAX % 4 == 0, "the key is converted a word at a time");

void
rss_key_default(uint8_t *key, unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		key[i] = i % 2 == 0 ? 0x6d : 0x5a;
}

/* Toeplitz over the IPv4/TCP input that is 0 but for byte @i = @b: DPDK's
 * rte_softrss_be with the converted key. */
static uint32_t
rss_byte_share(const uint32_t *key_cpu, unsigned i, unsigned b)
{
	uint8_t in[12] = { 0 };
	struct rte_ipv4_tuple t;

	in[i] = (uint8_t)b;
	t.src_addr = (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 | (uint32_t)in[2] << 8 | in[3];
	t.dst_addr = (uint32_t)in[4] << 24 | (uint32_t)in[5] << 16 | (uint32_t)in[6] << 8 | in[7];
	t.sport = (uint16_t)(in[8] << 8 | in[9]);
	t.dport = (uint16_t)(in[10] << 8 | in[11]);
	return rte_softrss_be((uint32_t *)&t, RTE_THASH_V4_L4_LEN, (const uint8_t *)key_cpu);
}

int
rss_init(struct rss *r, enum rss_mode mode, uint16_t nb_queues, const uint8_t *key,
         unsigned key_len, uint32_t reta_size)
{
	uint32_t key_cpu[RSS_KEY_LEN_MAX / 4];

	memset(r, 0, sizeof(*r));
	if (nb_queues == 0 || key_len < RSS_KEY_LEN_MIN || key_len > RSS_KEY_LEN_MAX ||
	    key_len % 4 != 0 || (mode == RSS_SINGLE) != (nb_queues == 1))
		return -EINVAL;
	if (nb_queues == 1)
		reta_size = 1;
	if (!rte_is_power_of_2(reta_size) || reta_size > RSS_RETA_MAX || reta_size < nb_queues)
		return -EINVAL;
	r->mode = mode;
	r->nb_queues = nb_queues;
	r->key_len = (uint8_t)key_len;
	memcpy(r->key, key, key_len);
	rte_convert_rss_key((const uint32_t *)r->key, key_cpu, (int)key_len);
	for (unsigned i = 0; i < 12; i++)
		for (unsigned b = 0; b < 256; b++)
			r->byte_hash[i][b] = rss_byte_share(key_cpu, i, b);
	r->reta = rte_zmalloc("rss_reta", sizeof(r->reta[0]) * reta_size, RTE_CACHE_LINE_SIZE);
	if (r->reta == NULL)
		return -ENOMEM;
	r->reta_size = reta_size;
	r->reta_mask = reta_size - 1;
	for (uint32_t i = 0; i < reta_size; i++)
		r->reta[i] = (uint16_t)(i % nb_queues);
	return 0;
}

void
rss_fini(struct rss *r)
{
	rte_free(r->reta);
	r->reta = NULL;
}

int
rss_ports_init(struct rss_ports *ps)
{
	if (sodium_init() < 0)
		return -EIO;
	randombytes_buf(ps->secret, sizeof(ps->secret));
	ps->next = (uint32_t)rte_rand();
	ps->memo_valid = false;
	return 0;
}

/* RFC 6056 3.3.3's F: SipHash-2-4 over the local address, the remote address
 * and port, keyed by the engine's secret; the last remote's kept. */
static uint32_t
rss_ports_offset(struct rss_ports *ps, uint32_t lip, uint32_t rip, uint16_t rport)
{
	uint8_t in[10], h[crypto_shorthash_BYTES];

	if (ps->memo_valid && ps->memo_lip == lip && ps->memo_rip == rip && ps->memo_rport == rport)
		return ps->memo_offset;
	memcpy(in, &lip, 4);
	memcpy(in + 4, &rip, 4);
	memcpy(in + 8, &rport, 2);
	crypto_shorthash(h, in, sizeof(in), ps->secret);
	ps->memo_valid = true;
	ps->memo_lip = lip;
	ps->memo_rip = rip;
	ps->memo_rport = rport;
	ps->memo_offset =
	        (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
	return ps->memo_offset;
}

void
rss_scan_start(struct rss_scan *s, struct rss_ports *ps, const struct rss *r, unsigned queue,
               uint16_t lport_min, uint16_t lport_max, uint32_t lip, uint32_t rip, uint16_t rport)
{
	uint32_t lo = RTE_MAX(lport_min, 1u), hi = lport_max;

	memset(s, 0, sizeof(*s));
	s->r = r;
	s->next = &ps->next;
	s->queue = (uint16_t)queue;
	s->stride = 1;
	if (lo > hi)
		return;
	s->first = lo;
	s->count = hi - lo + 1;
	if (r->mode == RSS_SOFT) {
		/* The slice port % Q == queue: its first port, its size. */
		uint32_t q = r->nb_queues;
		s->first = lo + (queue + q - lo % q) % q;
		s->stride = q;
		s->count = s->first <= hi ? (hi - s->first) / q + 1 : 0;
	} else if (r->mode == RSS_HW) {
		s->fixed = rss_hash(r, rip, lip, rport, 0);
	}
	s->left = s->count;
	s->offset = rss_ports_offset(ps, lip, rip, rport);
}

uint16_t
rss_scan_next(struct rss_scan *s)
{
	const struct rss *r = s->r;

	while (s->left > 0) {
		uint32_t k = (s->offset + (*s->next)++) % s->count;
		uint16_t port = (uint16_t)(s->first + k * s->stride);

		s->left--;
		if (r->mode != RSS_HW)
			return port;
		uint32_t h = s->fixed ^ r->byte_hash[10][port >> 8] ^ r->byte_hash[11][port & 0xff];
		if (r->reta[h & r->reta_mask] == s->queue)
			return port;
	}
	return 0;
}
