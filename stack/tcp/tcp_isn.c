/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Initial sequence numbers (RFC 6528): a 4-microsecond clock plus a keyed
 * hash of the connection's 4-tuple, so that ISNs of one 4-tuple advance with
 * time and those of different 4-tuples cannot be guessed from one another.
 *
 *   engine start -> tcp_isn_key_init
 *   connect / SYN received -> tcp_isn
 */
#include <string.h>

#include <sodium.h>

#include "tcp/tcp_isn.h"

int
tcp_isn_key_init(struct tcp_isn_key *k)
{
	/* 0 on first success, 1 if already initialized, -1 on failure. */
	if (sodium_init() < 0)
		return -1;
	randombytes_buf(k->k, sizeof(k->k));
	return 0;
}

/*
 * RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport, secretkey).
 * F is the first 4 bytes of SipHash-2-4 (crypto_shorthash) over the 12 bytes
 * local ip, local port, remote ip, remote port, as on the wire; they are read
 * little-endian, i.e. the low 32 bits of the SipHash value, on any host.
 * M = now_us / 4 (RFC 6528 3, RFC 9293 3.4.1: "bound to a (possibly
 * fictitious) 32-bit clock whose low-order bit is incremented roughly every 4
 * microseconds"), wrapping modulo 2^32.
 */
uint32_t
tcp_isn(const struct tcp_isn_key *k, uint32_t local_ip, uint16_t local_port, uint32_t remote_ip,
        uint16_t remote_port, uint64_t now_us)
{
	uint8_t in[12];
	uint8_t h[crypto_shorthash_BYTES];
	uint32_t f;

	memcpy(in, &local_ip, 4);
	memcpy(in + 4, &local_port, 2);
	memcpy(in + 6, &remote_ip, 4);
	memcpy(in + 10, &remote_port, 2);
	crypto_shorthash(h, in, sizeof(in), k->k);
	f = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
	return (uint32_t)(now_us / 4) + f;
}
