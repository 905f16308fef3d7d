/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pool of packets waiting for ARP (arp_hold.h): a free list and a FIFO
 * per unresolved entry, all threaded through one array of slots by index.
 *
 *   arp_output -> arp_hold_push      arp_complete | arp_entry_free -> arp_hold_pop
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_malloc.h>

#include "net/arp_hold.h"

int
arp_hold_init(struct arp_hold *h, uint32_t size, int socket)
{
	memset(h, 0, sizeof(*h));
	h->slots = rte_malloc_socket("arp_hold", sizeof(*h->slots) * (size_t)size,
	                             RTE_CACHE_LINE_SIZE, socket);
	if (h->slots == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < size; i++) {
		h->slots[i].m = NULL;
		h->slots[i].next = i + 1 < size ? i + 1 : ARP_HOLD_NONE;
	}
	h->size = size;
	h->free = size > 0 ? 0 : ARP_HOLD_NONE;
	return 0;
}

void
arp_hold_fini(struct arp_hold *h)
{
	rte_free(h->slots);
	memset(h, 0, sizeof(*h));
}

void
arp_hold_queue_init(struct arp_hold_queue *q)
{
	q->head = ARP_HOLD_NONE;
	q->tail = ARP_HOLD_NONE;
	q->len = 0;
}

int
arp_hold_push(struct arp_hold *h, struct arp_hold_queue *q, struct rte_mbuf *m)
{
	uint32_t i = h->free;

	if (i == ARP_HOLD_NONE)
		return -ENOBUFS;
	h->free = h->slots[i].next;
	h->slots[i].m = m;
	h->slots[i].next = ARP_HOLD_NONE;
	if (q->tail == ARP_HOLD_NONE)
		q->head = i;
	else
		h->slots[q->tail].next = i;
	q->tail = i;
	q->len++;
	h->used++;
	return 0;
}

struct rte_mbuf *
arp_hold_pop(struct arp_hold *h, struct arp_hold_queue *q)
{
	uint32_t i = q->head;

	if (i == ARP_HOLD_NONE)
		return NULL;
	struct rte_mbuf *m = h->slots[i].m;
	q->head = h->slots[i].next;
	if (q->head == ARP_HOLD_NONE)
		q->tail = ARP_HOLD_NONE;
	q->len--;
	h->slots[i].m = NULL;
	h->slots[i].next = h->free;
	h->free = i;
	h->used--;
	return m;
}

const struct rte_mbuf *
arp_hold_oldest(const struct arp_hold *h, const struct arp_hold_queue *q)
{
	return q->head == ARP_HOLD_NONE ? NULL : h->slots[q->head].m;
}
