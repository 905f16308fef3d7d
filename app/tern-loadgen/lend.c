/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bulk sends by reference (issue 11: zero-copy send on the bulk path). A
 * bulk stream is one payload sent over and over, so nothing needs copying
 * into the send queue: each send is a header-only mbuf attached to the
 * payload (rte_pktmbuf_attach_extbuf), queued with tern_send_mbuf, freed by
 * Tern once the peer has acknowledged it.
 *
 *   main     -> lg_lend_init: the payload in a memzone (an IOVA a port may
 *               DMA from), a pool of header-only mbufs
 *   start    -> lg_lend_core_init: the engine's shared-info (its refcount is
 *               the engine's own: no cache line shared between engines)
 *   lg_pump  -> lg_lend_send: min(bytes owed, chunk, send space) as one mbuf
 *
 * The payload is never freed while the program runs: each engine holds one
 * reference of its own on it, so its free callback never runs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>

#include "loadgen.h"

/* Lent mbufs outstanding at once, for all engines: a connection holds about
 * its send buffer over LG_CHUNK of them; past that, sends copy. */
#define LG_LEND_MBUFS 8191u
#define LG_LEND_CACHE 128u

static void
lg_lend_free_cb(void *addr, void *opaque)
{
	(void)addr;
	(void)opaque; /* the engine's own reference keeps the payload */
}

int
lg_lend_init(struct lg *lg)
{
	const struct rte_memzone *mz =
	        rte_memzone_reserve_aligned("lg_lend_payload", LG_CHUNK, (int)rte_socket_id(),
	                                    RTE_MEMZONE_IOVA_CONTIG, RTE_CACHE_LINE_SIZE);

	if (mz == NULL) {
		fprintf(stderr, LG_NAME ": no memory for the lent payload: %s\n",
		        rte_strerror(rte_errno));
		return -ENOMEM;
	}
	memcpy(mz->addr, lg->payload, LG_CHUNK);
	lg->lend_pool = rte_pktmbuf_pool_create("lg_lend", LG_LEND_MBUFS, LG_LEND_CACHE, 0, 0,
	                                        (int)rte_socket_id());
	if (lg->lend_pool == NULL) {
		fprintf(stderr, LG_NAME ": no memory for the lending pool: %s\n",
		        rte_strerror(rte_errno));
		rte_memzone_free(mz);
		return -ENOMEM;
	}
	lg->lend_mz = mz;
	return 0;
}

void
lg_lend_core_init(struct lg_core *lc)
{
	lc->lend_shinfo.free_cb = lg_lend_free_cb;
	lc->lend_shinfo.fcb_opaque = NULL;
	rte_mbuf_ext_refcnt_set(&lc->lend_shinfo, 1);
}

ssize_t
lg_lend_send(struct lg_core *lc, struct tern_conn *c, size_t n)
{
	const struct rte_memzone *mz = lc->lg->lend_mz;
	size_t space = tern_send_space(c); /* 0: writable follows */

	n = RTE_MIN(n, space);
	if (n == 0)
		return 0;
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->lg->lend_pool);
	if (m == NULL)
		return tern_send(c, mz->addr, n); /* every header out: copy */
	rte_mbuf_ext_refcnt_update(&lc->lend_shinfo, 1);
	rte_pktmbuf_attach_extbuf(m, mz->addr, mz->iova, LG_CHUNK, &lc->lend_shinfo);
	m->data_len = (uint16_t)n;
	m->pkt_len = (uint32_t)n;
	int ret = tern_send_mbuf(c, m);
	if (ret != 0) {
		rte_pktmbuf_free(m);              /* still ours; drops its reference */
		return ret == -ENOBUFS ? 0 : ret; /* -ENOBUFS: writable follows */
	}
	return (ssize_t)n;
}
