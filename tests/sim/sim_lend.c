/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Writes by reference (tern_send_mbuf): the application builds a chain of
 * its own mbufs holding the next bytes of its stream, several segments of
 * odd lengths at odd offsets, some on external buffers
 * (rte_pktmbuf_attach_extbuf) whose free callback the sim tracks. tern.h's
 * promise, checked here:
 *   - every buffer lent is freed exactly once (the callback counts; the
 *     record outlives the seed, so a second free is seen, not a crash);
 *   - never before the peer acknowledged every byte it carries, unless the
 *     connection ended (its closed callback came first: tcp_close_tcb); the
 *     ACK that frees it moves snd.una just after, so each free is judged
 *     when the engine's poll that freed it returns;
 *   - a freed buffer is poisoned, so a byte Tern sends from it afterwards
 *     reaches the receiver wrong and the stream check (sim_app.c) fails;
 *   - after a seed every mbuf of the applications' pool is back.
 *
 *   side_pump -> sim_lend_chain -> tern_send_mbuf -> sim_lend_taken
 *   ACK or end -> lent_free (the callback) ; seed end -> sim_lend_check
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>

#include "sim.h"
#include "tcp/tcp.h"

#define LEND_POOL_MBUFS 16383
#define LEND_SEGS_MAX   8
#define LEND_SEG_MAX    1800 /* fits the pool's data room at any offset below */
#define LEND_POISON     0xdb

struct sim_lent {
	struct rte_mbuf_ext_shared_info shinfo;
	struct sim *sim;
	struct sim_side *sd;
	uint64_t end; /* stream offset just past its last byte */
	uint32_t size;
	uint32_t frees; /* free callbacks seen */
	bool lent;      /* Tern took it (else the application freed it itself) */
	uint8_t buf[];
};

/* The application's view of its stream: bytes the peer acknowledged. */
static uint64_t
side_acked(const struct sim_side *sd)
{
	const struct tcb *tcb = (const struct tcb *)sd->conn;
	uint32_t first = tcb->snd.iss + 1; /* the SYN takes one */

	if (seq_lt(tcb->snd.una, first))
		return 0;
	return tcb->snd.una - first; /* a stream here is far below 4 GiB */
}

static void
lent_free(void *addr, void *opaque)
{
	struct sim_lent *l = opaque;
	struct sim *s = l->sim;

	(void)addr;
	l->frees++;
	memset(l->buf, LEND_POISON, l->size);
	if (s->lend_quiet)
		return;
	struct sim_side *sd = l->sd;
	if (l->frees > 1) {
		sim_fail(s,
		         "conn %u %s: a lent buffer (stream bytes to %" PRIu64 ") freed %u times",
		         sd->sc->id, sd->index ? "server" : "client", l->end, l->frees);
		return;
	}
	if (!l->lent)
		return;
	/* The ACK that frees it moves snd.una after the trim (tcp_ack.c):
	 * judged once the engine's poll is over. */
	if (s->lend_pending_len == s->lend_pending_cap) {
		s->lend_pending_cap = s->lend_pending_cap ? s->lend_pending_cap * 2 : 64;
		s->lend_pending =
		        realloc(s->lend_pending, sizeof(*s->lend_pending) * s->lend_pending_cap);
		if (s->lend_pending == NULL)
			abort();
	}
	s->lend_pending[s->lend_pending_len++] = l;
}

void
sim_lend_poll_check(struct sim *s)
{
	for (uint32_t i = 0; i < s->lend_pending_len; i++) {
		const struct sim_lent *l = s->lend_pending[i];
		const struct sim_side *sd = l->sd;
		if (sd->closed || sd->conn == NULL)
			continue; /* the connection ended */
		uint64_t acked = side_acked(sd);
		if (acked < l->end)
			sim_fail(s,
			         "conn %u %s: a lent buffer freed with stream bytes to %" PRIu64
			         " while only %" PRIu64 " were acknowledged",
			         sd->sc->id, sd->index ? "server" : "client", l->end, acked);
	}
	s->lend_pending_len = 0;
}

static struct rte_mempool *
lend_pool(struct sim *s)
{
	if (s->lend_pool == NULL)
		s->lend_pool = rte_pktmbuf_pool_create("sim_lend", LEND_POOL_MBUFS, 64, 0,
		                                       RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return s->lend_pool;
}

static void
lent_track(struct sim *s, struct sim_lent *l)
{
	if (s->lent_len == s->lent_cap) {
		s->lent_cap = s->lent_cap ? s->lent_cap * 2 : 256;
		s->lent = realloc(s->lent, sizeof(*s->lent) * s->lent_cap);
		if (s->lent == NULL)
			abort();
	}
	s->lent[s->lent_len++] = l;
}

/* One segment of @len bytes of the stream from @off: on an external buffer
 * (at an odd offset into it, often) or in a pool mbuf (likewise). */
static struct rte_mbuf *
lend_seg(struct sim_side *sd, uint64_t off, uint32_t len, bool ext)
{
	struct sim *s = sd->sc->sim;
	struct rte_mbuf *m = rte_pktmbuf_alloc(lend_pool(s));
	uint32_t pad = (uint32_t)sim_rng_below(&sd->lend_rng, 8);

	if (m == NULL)
		return NULL;
	if (ext) {
		struct sim_lent *l = malloc(sizeof(*l) + pad + len);
		if (l == NULL)
			abort();
		*l = (struct sim_lent){ .sim = s, .sd = sd, .end = off + len, .size = pad + len };
		l->shinfo.free_cb = lent_free;
		l->shinfo.fcb_opaque = l;
		rte_mbuf_ext_refcnt_set(&l->shinfo, 1);
		lent_track(s, l);
		rte_pktmbuf_attach_extbuf(m, l->buf, (rte_iova_t)(uintptr_t)l->buf,
		                          (uint16_t)(pad + len), &l->shinfo);
		m->data_off = (uint16_t)pad;
		s->lend[sd->index].ext++;
	} else {
		m->data_off = (uint16_t)(m->data_off + pad);
	}
	sim_pattern_fill(rte_pktmbuf_mtod(m, uint8_t *), sd->tx_key, off, len);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	return m;
}

struct rte_mbuf *
sim_lend_chain(struct sim_side *sd, uint64_t off, uint32_t want, uint32_t *len, uint32_t *first_rec)
{
	struct sim *s = sd->sc->sim;
	struct sim_rng *r = &sd->lend_rng;
	unsigned segs = (unsigned)sim_rng_range(r, 1, LEND_SEGS_MAX);
	struct rte_mbuf *first = NULL;
	uint32_t done = 0;

	*first_rec = s->lent_len;
	for (unsigned k = 0; k < segs && done < want; k++) {
		uint32_t left = RTE_MIN(want - done, (uint32_t)LEND_SEG_MAX);
		/* Tiny segments one time in four: each is a hop for every walk
		 * of the send queue (and for the checks' walks). */
		uint32_t n = k + 1 == segs              ? left
		             : sim_rng_below(r, 4) == 0 ? (uint32_t)sim_rng_log(r, 1, left)
		                                        : (uint32_t)sim_rng_range(r, 1, left);
		struct rte_mbuf *m = lend_seg(sd, off + done, n, sim_rng_below(r, 4) == 0);
		if (m == NULL)
			break;
		if (first == NULL)
			first = m;
		else
			rte_pktmbuf_chain(first, m); /* at most a few segments: no overflow */
		done += n;
	}
	*len = done;
	return first;
}

void
sim_lend_taken(struct sim *s, uint32_t first_rec)
{
	for (uint32_t i = first_rec; i < s->lent_len; i++)
		s->lent[i]->lent = true;
}

void
sim_lend_check(struct sim *s)
{
	for (uint32_t i = 0; i < s->lent_len; i++) {
		const struct sim_lent *l = s->lent[i];
		if (l->frees != 1) {
			sim_fail(s,
			         "conn %u %s: a %s buffer (stream bytes to %" PRIu64
			         ") freed %u times by the end",
			         l->sd->sc->id, l->sd->index ? "server" : "client",
			         l->lent ? "lent" : "refused", l->end, l->frees);
			return;
		}
	}
	/* Counted from the seed's start: a leak is reported by its seed only. */
	unsigned used = s->lend_pool != NULL ? rte_mempool_in_use_count(s->lend_pool) : 0;
	if (used > s->lend_pool_base)
		sim_fail(s, "the applications' pool: %u lent mbufs not returned",
		         used - s->lend_pool_base);
}

void
sim_lend_release(struct sim *s)
{
	for (uint32_t i = 0; i < s->lent_len; i++)
		free(s->lent[i]);
	s->lent_len = 0;
	s->lend_pending_len = 0;
	s->lend_pool_base = s->lend_pool != NULL ? rte_mempool_in_use_count(s->lend_pool) : 0;
}
