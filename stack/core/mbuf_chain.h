/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte queues kept as one mbuf chain with a tail pointer: the TCP send and
 * receive queues and out-of-order runs. Appending is O(1) (no walk to the
 * last segment); dropping from the front frees whole segments.
 */
#ifndef TERN_MBUF_CHAIN_H
#define TERN_MBUF_CHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_memcpy.h>

/* Append the chain @m to the queue (head and tail both NULL when empty). */
static inline void
mbuf_chain_append(struct rte_mbuf **head, struct rte_mbuf **tail, struct rte_mbuf *m)
{
	if (*head == NULL) {
		*head = m;
	} else {
		(*tail)->next = m;
		(*head)->pkt_len += m->pkt_len;
		(*head)->nb_segs += m->nb_segs;
	}
	*tail = rte_pktmbuf_lastseg(m);
}

/* Copy the single segment @m into the room after the queue's last byte, if
 * it fits, and free it: a run of small segments then costs one buffer, not
 * one each (a 1-byte segment pins a whole 2 KiB buffer otherwise). Only a
 * tail the queue owns alone is written. True if @m was taken. */
static inline bool
mbuf_chain_coalesce(struct rte_mbuf **head, struct rte_mbuf **tail, struct rte_mbuf *m)
{
	struct rte_mbuf *t = *tail;

	if (t == NULL || m->nb_segs != 1 || m->data_len > rte_pktmbuf_tailroom(t) ||
	    !RTE_MBUF_DIRECT(t) || rte_mbuf_refcnt_read(t) != 1)
		return false;
	rte_memcpy(rte_pktmbuf_mtod_offset(t, char *, t->data_len), rte_pktmbuf_mtod(m, char *),
	           m->data_len);
	t->data_len += m->data_len;
	(*head)->pkt_len += m->data_len;
	rte_pktmbuf_free(m);
	return true;
}

/* Drop @n bytes (at most the chain's length) from the front of *head,
 * freeing the segments that empty. Returns how many segments were freed. */
static inline unsigned
mbuf_chain_drop_front(struct rte_mbuf **head, struct rte_mbuf **tail, uint32_t n)
{
	unsigned freed = 0;

	while (n > 0 && *head != NULL) {
		struct rte_mbuf *m = *head;
		if (n < m->data_len) {
			/* Within the first segment: only it moves. */
			m->data_off += (uint16_t)n;
			m->data_len -= (uint16_t)n;
			m->pkt_len -= n;
			break;
		}
		n -= m->data_len;
		struct rte_mbuf *next = m->next;
		if (next != NULL) {
			next->pkt_len = m->pkt_len - m->data_len;
			next->nb_segs = m->nb_segs - 1;
		}
		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
		freed++;
		*head = next;
	}
	if (*head == NULL)
		*tail = NULL;
	return freed;
}

#endif /* TERN_MBUF_CHAIN_H */
