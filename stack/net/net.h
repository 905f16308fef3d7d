/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Layer 2-3 input and output of one engine.
 *
 *   engine_poll -> eth_input -> arp_input | ipv4_input -> icmp_input (| tcp later)
 *   icmp_input -> ipv4_send -> arp_output -> engine_tx
 *
 * Every function consumes the mbuf it is given: it is sent, freed and counted
 * as a drop, or held (ARP queue).
 */
#ifndef TERN_NET_H
#define TERN_NET_H

#include <stdint.h>

struct engine;
struct rte_mbuf;

/* A received frame, data at the Ethernet header. */
void eth_input(struct engine *eng, struct rte_mbuf *m);

/* An IPv4 packet, data at the IP header. */
void ipv4_input(struct engine *eng, struct rte_mbuf *m);

/* An IPv4 packet addressed to us, validated; data at the IP header. */
void icmp_input(struct engine *eng, struct rte_mbuf *m);

/* Send @m, data at a complete IPv4 header (checksum not needed): set the
 * checksum (offloaded where the port can), prepend Ethernet, resolve and queue
 * for TX. m->ol_flags must hold only TX flags the caller wants. */
void ipv4_send(struct engine *eng, struct rte_mbuf *m);

#endif /* TERN_NET_H */
