/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Byte queues kept as one mbuf chain with a tail pointer: the TCP send and
 * receive queues and out-of-order runs. Appending is O(1) (no walk to the
 * last segment); dropping from the front frees whole segments.
 */
#ifndef TERN_MBUF_CHAIN_H
#define TERN_MBUF_CHAIN_H

#include <stdint.h>

#include <rte_mbuf.h>

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
