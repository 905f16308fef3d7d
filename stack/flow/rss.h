/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RSS as Tern programs and predicts it (DESIGN.md, "Many cores"): the port's
 * Toeplitz key and redirection table, mirrored here read-only for every
 * engine; the queue (= engine) of any TCP/IPv4 4-tuple; the engine that owns
 * a flow; and each engine's choice of local ports for active opens, so that
 * the replies land on the engine that opened the connection.
 *
 *   port_open -> rss_init (key, table) ... port_close -> rss_fini
 *   tern_connect -> rss_scan_start -> rss_scan_next per candidate port
 *   software steering -> rss_owner_of_active / rss_owner_of_passive
 *
 * Addresses and ports are in host order throughout, as rte_thash wants them.
 */
#ifndef TERN_RSS_H
#define TERN_RSS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#define RSS_KEY_LEN_MIN 16    /* rte_softrss reads 4 key words for IPv4/TCP's 3 */
#define RSS_KEY_LEN_MAX 64    /* 40 on most NICs, 52 on i40e and ice */
#define RSS_KEY_LEN_STD 40    /* Microsoft's RSS key length: where the port has no say */
#define RSS_RETA_SOFT   128   /* table entries when the port does not take ours */
#define RSS_RETA_MAX    65536 /* rte_thash's limit: 16 bits of hash index the table */
#define RSS_SECRET_LEN  16    /* crypto_shorthash_KEYBYTES (SipHash-2-4) */

/* How flows reach their engines. */
enum rss_mode {
	RSS_SINGLE, /* one queue: everything is engine 0's */
	RSS_HW,     /* the port hashes with our key and table: it steers for us */
	RSS_SOFT,   /* the port picks queues its own way (net_tap, net_ring):
	             * active opens by local port slice, passive ones by our hash */
};

/* The port's RSS, read-only once the port is up, shared by all engines. */
struct rss {
	enum rss_mode mode;
	uint16_t nb_queues; /* one per engine: queue q is engine q's */
	uint8_t key_len;    /* bytes of key in use */
	bool hw_hash;       /* mbufs carry the port's hash (RTE_ETH_RX_OFFLOAD_RSS_HASH) */
	uint32_t reta_size; /* entries, a power of two */
	uint32_t reta_mask; /* reta_size - 1: the hash bits that pick an entry */
	uint16_t *reta;     /* entry -> queue, entry i holding i % nb_queues */
	uint8_t key[RSS_KEY_LEN_MAX] __rte_aligned(8); /* as the port has it */
	/* Toeplitz is linear in its input bits (XOR), so the hash of the
	 * 12 bytes src ip, dst ip, sport, dport (wire order) is the XOR of each
	 * byte's share: byte_hash[i][b] is the hash of the input that is 0 but
	 * for byte i = b, taken from rte_softrss_be once. 12 lookups instead of
	 * a loop over every set bit (a few cycles instead of about 350, in
	 * test_rss's figures); and the local port of a reply is its last two
	 * bytes, so its share is byte_hash[10][lp >> 8] ^ byte_hash[11][lp & 0xff]. */
	uint32_t byte_hash[12][256];
};

/* The symmetric key: 0x6d5a repeated to @len bytes. Its 16-bit period makes
 * hash(a, b, pa, pb) == hash(b, a, pb, pa), so both directions of a flow
 * land on one queue (Woo and Park, "Scalable TCP Session Monitoring with
 * Symmetric Receive-side Scaling", 2012). */
void rss_key_default(uint8_t *key, unsigned len);

/* Set up @r for @nb_queues queues in @mode with @key_len bytes of @key and a
 * table of @reta_size entries (a power of two; ignored for one queue), entry
 * i -> queue i % nb_queues. 0, -EINVAL, or -ENOMEM (the table is allocated
 * from the DPDK heap). */
int rss_init(struct rss *r, enum rss_mode mode, uint16_t nb_queues, const uint8_t *key,
             unsigned key_len, uint32_t reta_size);
void rss_fini(struct rss *r);

/* The Toeplitz hash the port computes for a TCP/IPv4 segment from
 * @src_ip:@sport to @dst_ip:@dport. */
static inline uint32_t
rss_hash(const struct rss *r, uint32_t src_ip, uint32_t dst_ip, uint16_t sport, uint16_t dport)
{
	const uint32_t(*t)[256] = r->byte_hash;

	return t[0][src_ip >> 24] ^ t[1][(src_ip >> 16) & 0xff] ^ t[2][(src_ip >> 8) & 0xff] ^
	       t[3][src_ip & 0xff] ^ t[4][dst_ip >> 24] ^ t[5][(dst_ip >> 16) & 0xff] ^
	       t[6][(dst_ip >> 8) & 0xff] ^ t[7][dst_ip & 0xff] ^ t[8][sport >> 8] ^
	       t[9][sport & 0xff] ^ t[10][dport >> 8] ^ t[11][dport & 0xff];
}

static inline unsigned
rss_queue_of_hash(const struct rss *r, uint32_t hash)
{
	return r->nb_queues <= 1 ? 0 : r->reta[hash & r->reta_mask];
}

/* The queue that segment lands on when the port spreads by our key and table
 * (and the engine that owns it by hash in every mode). */
static inline unsigned
rss_queue_of(const struct rss *r, uint32_t src_ip, uint32_t dst_ip, uint16_t sport, uint16_t dport)
{
	if (r->nb_queues <= 1)
		return 0;
	return rss_queue_of_hash(r, rss_hash(r, src_ip, dst_ip, sport, dport));
}

/* Who owns a flow, for a segment received from @rip:@rport at @lip:@lport.
 * Active opens (our local port came from rss_scan_next): with RSS_HW the
 * hash's engine, which the port choice made the opener; otherwise the local
 * port's slice, @lport % nb_queues. Passive opens: the hash's engine. */
static inline unsigned
rss_owner_of_active(const struct rss *r, uint32_t rip, uint32_t lip, uint16_t rport, uint16_t lport)
{
	if (r->mode == RSS_SOFT)
		return lport % r->nb_queues;
	return rss_queue_of(r, rip, lip, rport, lport);
}

static inline unsigned
rss_owner_of_passive(const struct rss *r, uint32_t rip, uint32_t lip, uint16_t rport,
                     uint16_t lport)
{
	return rss_queue_of(r, rip, lip, rport, lport);
}

/* One engine's local port choice (RFC 6056 3.3.3, "Simple Hash-Based Port
 * Selection"): the candidates for a remote start at an offset only the
 * engine knows, F(local ip, remote ip, remote port, secret), plus a counter
 * that every candidate tried moves on. Ports stay unpredictable to anyone
 * without the secret, and successive connections to one remote walk through
 * the set before reusing a port, which keeps TIME_WAIT collisions rare. */
struct rss_ports {
	uint8_t secret[RSS_SECRET_LEN];
	uint32_t next; /* RFC 6056's next_ephemeral */
	/* F of the last remote asked for: a client opens connection after
	 * connection to one server, and F depends only on the addresses and
	 * the remote port (one SipHash a connection less). */
	bool memo_valid;
	uint16_t memo_rport;
	uint32_t memo_lip, memo_rip;
	uint32_t memo_offset;
};

/* Random secret and counter. 0, or -EIO if libsodium cannot start. */
int rss_ports_init(struct rss_ports *ps);

/* The walk over one engine's candidates for one connection. The engine's set
 * of [lport_min, lport_max]: with RSS_HW the ports whose reply (remote ->
 * local) hashes to its queue; with RSS_SOFT those with port % nb_queues ==
 * queue; with one queue all of them. Sets of different engines never meet. */
struct rss_scan {
	const struct rss *r;
	uint32_t *next;  /* the engine's counter */
	uint32_t offset; /* F(lip, rip, rport, secret) */
	uint32_t fixed;  /* RSS_HW: hash of the reply with local port 0 */
	uint32_t first;  /* the set is first + k * stride, k < count ... */
	uint32_t stride;
	uint32_t count;
	uint32_t left;  /* candidates not yet tried */
	uint16_t queue; /* ... filtered by the table to this queue with RSS_HW */
};

void rss_scan_start(struct rss_scan *s, struct rss_ports *ps, const struct rss *r, unsigned queue,
                    uint16_t lport_min, uint16_t lport_max, uint32_t lip, uint32_t rip,
                    uint16_t rport);

/* The next candidate local port, or 0 once the engine's set is exhausted. */
uint16_t rss_scan_next(struct rss_scan *s);

#endif /* TERN_RSS_H */
