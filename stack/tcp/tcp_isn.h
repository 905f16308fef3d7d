/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Initial sequence numbers (RFC 6528 3): ISN = M + F(localip, localport,
 * remoteip, remoteport, secretkey), where M is a clock ticking every 4
 * microseconds and F is SipHash-2-4 keyed with a secret chosen at start.
 */
#ifndef TERN_TCP_ISN_H
#define TERN_TCP_ISN_H

#include <stdint.h>

#include <sodium.h>

struct tcp_isn_key {
	uint8_t k[crypto_shorthash_KEYBYTES];
};

/* Fill @k with random bytes (libsodium's CSPRNG). Initializes libsodium if no
 * one has yet. Returns 0, or -1 if libsodium cannot be initialized. */
int tcp_isn_key_init(struct tcp_isn_key *k);

/* The ISN for a connection. Addresses and ports are in network byte order,
 * as they sit in the IPv4 and TCP headers; @now_us is any monotonic clock in
 * microseconds. */
uint32_t tcp_isn(const struct tcp_isn_key *k, uint32_t local_ip, uint16_t local_port,
                 uint32_t remote_ip, uint16_t remote_port, uint64_t now_us);

#endif /* TERN_TCP_ISN_H */
