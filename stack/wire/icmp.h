/* SPDX-License-Identifier: BSD-3-Clause */
/* ICMP (RFC 792) view: the echo header and its checksum. No state. */
#ifndef TERN_WIRE_ICMP_H
#define TERN_WIRE_ICMP_H

#include <rte_icmp.h>
#include <rte_ip.h>

#define ICMP_HDR_LEN 8

/* The ICMP checksum covers the whole ICMP message, header and data; a
 * message is intact when rte_raw_cksum() over it, checksum included, is 0xffff. */
static inline uint16_t
icmp_cksum(const void *msg, size_t len)
{
	return (uint16_t)~rte_raw_cksum(msg, len);
}

#endif /* TERN_WIRE_ICMP_H */
