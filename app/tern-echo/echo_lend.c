/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Echo without copying (echo_lend.h): what tern_recv hands over goes back
 * out by tern_send_mbuf, the received buffers themselves.
 *
 *   readable/writable -> echo_lend_pump: the chain held, else tern_recv if
 *                        all of it fits the send space (else echo_copy_some)
 *                        -> echo_lend_send: lend runs of full segments that
 *                           fit (tern_send_mbuf); copy short segments, a head
 *                           that does not fit, and what the budget refuses
 *   closed            -> echo_lend_closed: free what is still held
 *
 * Why short segments are copied: a lent segment holds a whole mbuf and one
 * of the core's send budget until it is acknowledged, whatever it carries. A
 * peer sending one byte a segment would pin an mbuf a byte; copied, a
 * thousand such bytes share one. Full-sized segments (bulk) are lent.
 *
 * Bytes are taken out of Tern's receive queue only when the send buffer has
 * room for all of them now; otherwise what fits is copied, as the copying
 * echo does, and the rest stays in the receive queue, where the stack's
 * defences count it and the window closes on a peer that sends faster than
 * it reads. So the application holds received mbufs outside the stack only
 * when a send takes less than its room promised, and never more than that
 * room.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include <tern.h>

#include "echo_lend.h"

/* Segments carrying fewer bytes than this are copied, not lent. */
#define ECHO_LEND_MIN_BYTES 512u

/* Unlink @m's head segment; returns the rest as a chain of its own (NULL if
 * none) and leaves @m a chain of one. */
static struct rte_mbuf *
chain_pop_head(struct rte_mbuf *m)
{
	struct rte_mbuf *rest = m->next;

	if (rest != NULL) {
		rest->pkt_len = m->pkt_len - m->data_len;
		rest->nb_segs = (uint16_t)(m->nb_segs - 1);
	}
	m->next = NULL;
	m->nb_segs = 1;
	m->pkt_len = m->data_len;
	return rest;
}

/* Cut @m after its leading run of segments that each carry at least
 * ECHO_LEND_MIN_BYTES and together at most @max bytes. Returns the rest
 * (NULL if all of @m is the run); *@last is the run's last segment, NULL if
 * the run is empty (then @m is untouched). */
static struct rte_mbuf *
chain_cut_run(struct rte_mbuf *m, size_t max, struct rte_mbuf **last)
{
	uint32_t bytes = 0;
	uint16_t segs = 0;

	*last = NULL;
	for (struct rte_mbuf *s = m; s != NULL; s = s->next) {
		if (s->data_len < ECHO_LEND_MIN_BYTES || bytes + s->data_len > max)
			break;
		bytes += s->data_len;
		segs++;
		*last = s;
	}
	if (*last == NULL)
		return NULL;
	struct rte_mbuf *rest = (*last)->next;
	if (rest != NULL) {
		rest->pkt_len = m->pkt_len - bytes;
		rest->nb_segs = (uint16_t)(m->nb_segs - segs);
	}
	(*last)->next = NULL;
	m->pkt_len = bytes;
	m->nb_segs = segs;
	return rest;
}

/* Undo chain_cut_run: @rest after @m again, @last being @m's last segment. */
static void
chain_rejoin(struct rte_mbuf *m, struct rte_mbuf *last, struct rte_mbuf *rest)
{
	if (rest == NULL)
		return;
	last->next = rest;
	m->pkt_len += rest->pkt_len;
	m->nb_segs = (uint16_t)(m->nb_segs + rest->nb_segs);
}

/* Copy @m's head segment into the send buffer. Returns the chain left: @m
 * with its head trimmed by what was taken, or the rest once all of it was. */
static struct rte_mbuf *
echo_copy_head(struct tern_conn *c, struct rte_mbuf *m, bool *full)
{
	ssize_t done = tern_send(c, rte_pktmbuf_mtod(m, const void *), m->data_len);

	if (done < m->data_len) {
		/* The buffer took less (or nothing): writable follows. */
		if (done > 0)
			rte_pktmbuf_adj(m, (uint16_t)done);
		*full = true;
		return m;
	}
	struct rte_mbuf *rest = chain_pop_head(m);
	rte_pktmbuf_free_seg(m);
	return rest;
}

/* Send what of @m the send buffer takes now; returns what it did not. */
static struct rte_mbuf *
echo_lend_send(struct tern_conn *c, struct rte_mbuf *m)
{
	bool full = false, lend = true;

	while (m != NULL && !full) {
		size_t space = tern_send_space(c); /* 0: writable follows */
		if (space == 0)
			break;
		struct rte_mbuf *last = NULL, *rest = NULL;
		if (lend)
			rest = chain_cut_run(m, space, &last);
		if (last == NULL) {
			m = echo_copy_head(c, m, &full);
			continue;
		}
		if (tern_send_mbuf(c, m) != 0) {
			/* -ENOBUFS: the core's send budget counts segments, and
			 * lent ones carry less than the copies that the space
			 * in bytes was worked out for: copy the rest. Anything
			 * else (the connection is ending) fails the copy too. */
			chain_rejoin(m, last, rest);
			lend = false;
			continue;
		}
		m = rest;
	}
	return m;
}

/* The copying echo's step, for when the send buffer has less room than
 * what waits: copy what fits, the rest stays in Tern's receive queue. */
static void
echo_copy_some(struct tern_conn *c, size_t space)
{
	char buf[16384];
	size_t n = tern_recv_copy(c, buf, RTE_MIN(space, sizeof(buf)));

	tern_send(c, buf, n); /* takes all: n is within the space */
}

void
echo_lend_pump(struct tern_conn *c, void *arg)
{
	struct rte_mbuf *held = arg;

	for (;;) {
		if (held != NULL && (held = echo_lend_send(c, held)) != NULL)
			break;
		size_t pending = tern_recv_pending(c);
		size_t space = pending != 0 ? tern_send_space(c) : 0;
		if (space == 0)
			break;
		if (pending > space)
			echo_copy_some(c, space);
		else
			held = tern_recv(c);
	}
	tern_conn_set_arg(c, held);
	if (held == NULL && tern_recv_eof(c))
		tern_close(c);
}

void
echo_lend_closed(struct tern_conn *c, void *arg, int reason)
{
	(void)c;
	(void)reason;
	rte_pktmbuf_free(arg);
}
