/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ARP (RFC 826) for one engine: the neighbour table with aging, requests and
 * replies, gratuitous ARP, and a bounded queue of packets waiting for an
 * address to resolve.
 *
 *   eth_input -> arp_input -> learn / reply      ipv4_send -> arp_output -> engine_tx
 *   timer wheel -> arp_timer (age out a neighbour, or confirm one in use by a
 *                  unicast request; retry or give up a request)
 *
 * What one core learns it posts to the others' inboxes (arp_note), since a
 * reply can arrive on any queue.
 */
#ifndef TERN_ARP_H
#define TERN_ARP_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "net/arp_hold.h"
#include "timer/timer_wheel.h"

struct engine;
struct config;
struct rte_mbuf;
struct rte_hash;

enum arp_state {
	ARP_FREE = 0,
	ARP_INCOMPLETE, /* request sent, packets may be waiting */
	ARP_REACHABLE,  /* MAC known until the entry ages out */
	ARP_PROBE,      /* aged while in use: still used, confirmed by unicast requests */
};

struct arp_entry {
	struct timer_node timer; /* REACHABLE: age out; INCOMPLETE, PROBE: next request */
	uint32_t ip_be;
	uint8_t state;
	uint8_t tries;
	uint8_t used;  /* a frame went to the MAC since the entry was last confirmed */
	uint8_t ready; /* resolved with packets waiting: on the table's ready list */
	struct rte_ether_addr mac;
	struct arp_hold_queue waiting; /* INCOMPLETE: packets to send once resolved */
};

/* Entries one poll may resolve whose waiting packets leave at its end;
 * past that, an entry's packets leave when it resolves. */
#define ARP_READY_MAX 32u

struct arp_table {
	struct rte_hash *hash; /* ip -> position, which indexes entries */
	struct arp_entry *entries;
	struct arp_hold held; /* packets waiting, every unresolved entry's */
	uint32_t size;
	uint32_t used;
	uint32_t pending_max; /* packets one unresolved address may hold */
	uint32_t retries;
	uint64_t timeout_ticks;
	uint64_t retry_ticks;
	uint64_t defended_tick; /* last announcement defending our address */
	/* The entry arp_output last found usable, tried before the hash:
	 * nearly every frame goes to the same next hop. An entry out of the
	 * table is ARP_FREE, and one reused holds another address, so the
	 * test on it (this address, usable) is the table's answer. */
	struct arp_entry *last;
	/* Entries resolved in this poll with packets waiting, released by
	 * arp_release once the poll's ARP frames are all read. */
	struct arp_entry *ready[ARP_READY_MAX];
	uint16_t nb_ready;
};

/* Frames go to the entry's MAC at once: reachable, or aged while in use and
 * being confirmed (RFC 1122 2.3.2.1: the cache is kept while polled). */
static inline bool
arp_entry_usable(const struct arp_entry *e)
{
	return e->state >= ARP_REACHABLE;
}

/* What one engine tells the others when it learns a neighbour. */
struct arp_note {
	uint32_t ip_be;
	struct rte_ether_addr mac;
	uint16_t reserved;
};

int arp_table_init(struct engine *eng, const struct config *cfg);
void arp_table_fini(struct engine *eng);

/* A frame whose EtherType is ARP, data at the Ethernet header. Consumes @m. */
void arp_input(struct engine *eng, struct rte_mbuf *m);

/* Send @m (a complete IPv4 frame but for the Ethernet addresses) to the
 * neighbour @next_hop_be, resolving it first if needed. Consumes @m. */
void arp_output(struct engine *eng, struct rte_mbuf *m, uint32_t next_hop_be);

/* Broadcast a gratuitous ARP request for our own address (RFC 5227 2.4). */
int arp_announce(struct engine *eng);

/* Merge a note from another engine: complete or refresh the entry. */
void arp_note_merge(struct engine *eng, const struct arp_note *note);
/* Send the packets that waited for the entries this poll resolved, each to
 * its entry's MAC now: engine_poll, once the poll's ARP frames and notes
 * are read. */
void arp_release(struct engine *eng);

/* The MAC of @ip_be if it is usable (tests and diagnostics). */
bool arp_lookup(const struct engine *eng, uint32_t ip_be, struct rte_ether_addr *mac);

#endif /* TERN_ARP_H */
