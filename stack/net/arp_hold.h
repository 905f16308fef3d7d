/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packets waiting for their next hop to resolve: one pool of slots per ARP
 * table, shared by its unresolved entries, each entry's packets a FIFO
 * threaded through the pool.
 *
 *   arp_output -> arp_hold_push (the entry's queue)
 *   arp_complete -> arp_hold_pop -> send  |  arp_entry_free -> arp_hold_pop -> drop
 *
 * Why one pool and not a slice per entry: slices cost entries x per-address
 * pointers whether or not anything waits ([arp] entries 1024 x pending 1024
 * would be 8 MB a core), while what may wait at once is bounded by the mbufs
 * we are willing to pin, which is [arp] pending_total, not the table's size.
 */
#ifndef TERN_ARP_HOLD_H
#define TERN_ARP_HOLD_H

#include <stdint.h>

struct rte_mbuf;

#define ARP_HOLD_NONE UINT32_MAX

struct arp_hold_slot {
	struct rte_mbuf *m;
	uint32_t next; /* the next slot of its queue, or of the free list */
};

/* One entry's waiting packets, oldest first. */
struct arp_hold_queue {
	uint32_t head;
	uint32_t tail;
	uint32_t len;
};

struct arp_hold {
	struct arp_hold_slot *slots;
	uint32_t size;
	uint32_t used;
	uint32_t free; /* first free slot; ARP_HOLD_NONE when every slot holds a packet */
};

/* 0 or -ENOMEM; @size slots on NUMA @socket. */
int arp_hold_init(struct arp_hold *h, uint32_t size, int socket);
/* Frees the slots only: the queues must have been emptied. */
void arp_hold_fini(struct arp_hold *h);

void arp_hold_queue_init(struct arp_hold_queue *q);

/* Append @m to @q: 0, or -ENOBUFS when every slot is taken (@m not kept). */
int arp_hold_push(struct arp_hold *h, struct arp_hold_queue *q, struct rte_mbuf *m);

/* The oldest packet of @q, taken off it; NULL when @q is empty. */
struct rte_mbuf *arp_hold_pop(struct arp_hold *h, struct arp_hold_queue *q);

/* The oldest packet of @q, left on it; NULL when @q is empty. */
const struct rte_mbuf *arp_hold_oldest(const struct arp_hold *h, const struct arp_hold_queue *q);

#endif /* TERN_ARP_HOLD_H */
