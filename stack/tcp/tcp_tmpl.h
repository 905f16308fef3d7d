/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A connection's link-layer header template: what ipv4_send and arp_output
 * do for every segment, done once a connection.
 *
 * Owns: nothing shared; one per connection (struct tcb), zero until the
 * first segment has gone by the general path.
 *
 *   tcp_build -> tcp_tmpl_send (inline, tcp_tmpl_send.h): valid -> IPv4 header checksum from the kept
 *                sum, Ethernet header copied -> engine_tx
 *             -> otherwise ipv4_send -> arp_output, then tcp_tmpl_learn
 *
 * Every segment of a connection goes to the same next hop (the interface and
 * its routes are fixed for the engine's life) with the same IPv4 header but
 * for its length and ID. The template keeps the next hop's ARP entry and the
 * Ethernet header arp_output wrote, and is used only while that entry is
 * still this next hop's, usable (arp_entry_usable), at the very MAC address
 * kept, and marks it used as arp_output does: exactly
 * when arp_output would have sent the frame to that address at once (an
 * entry leaves the table as ARP_FREE and is reused only under another
 * address, as arp_table.last relies on). Anything else (aged out, asked
 * again, a new MAC) takes the general path, which learns again.
 */
#ifndef TERN_TCP_TMPL_H
#define TERN_TCP_TMPL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

struct engine;
struct flow_key;
struct rte_mbuf;
struct arp_entry;

struct tcp_tmpl {
	struct arp_entry *entry; /* NULL: nothing learned */
	uint32_t next_hop_be;
	/* One's complement sum of the IPv4 header's words that do not change
	 * from one segment to the next (all but length, ID and checksum). */
	uint32_t ip_sum;
	struct rte_ether_hdr eth;
};

/* tcp_tmpl_send (tcp_tmpl_send.h): send an IPv4 datagram of the connection
 * (its checksums but the IPv4 header's written) as ipv4_send would, if the
 * template is valid; false (nothing done) otherwise. */

/* After a segment of @key's connection went by ipv4_send: keep what
 * arp_output used, if it found the next hop reachable. */
void tcp_tmpl_learn(struct engine *eng, struct tcp_tmpl *tt, const struct flow_key *key);

/* Before a segment of @key's connection whose template holds nothing (its
 * first, a SYN or SYN-ACK, or one after a learning that failed): learn from
 * what arp_output would use now, so that this segment goes by the template
 * too. arp_output tests arp_table.last first for any next hop but none (0)
 * and broadcast; for those nothing is learned. */
void tcp_tmpl_learn_before(struct engine *eng, struct tcp_tmpl *tt, const struct flow_key *key);

#endif /* TERN_TCP_TMPL_H */
