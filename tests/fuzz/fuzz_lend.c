/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Lent writes for the fuzz targets (fuzz_lend.h). tern.h promises that a
 * lent segment is freed once, when its bytes are acknowledged or the
 * connection ends: the external buffers here count their free callbacks,
 * a callback on a buffer not lent is a second free, and at the end none
 * may still be lent.
 */
#include <errno.h>
#include <string.h>

#include <rte_mbuf.h>

#include "fuzz_lend.h"
#include "engine/engine.h"
#include "tcp/tcp_cb.h"
#include "tern.h"

#define EXT_BUFS  16
#define EXT_BYTES 4096
#define SEG_MAX   1900 /* fits a default mbuf's data room */

struct ext_buf {
	struct rte_mbuf_ext_shared_info shinfo;
	bool lent;
	uint8_t data[EXT_BYTES];
};

/* One process, one input at a time: the buffers outlive every input. */
static struct ext_buf ext_bufs[EXT_BUFS];
static unsigned ext_double_frees;

static void
ext_free(void *addr, void *opaque)
{
	struct ext_buf *e = opaque;

	(void)addr;
	if (!e->lent)
		ext_double_frees++;
	e->lent = false;
}

static struct ext_buf *
ext_take(void)
{
	for (unsigned i = 0; i < EXT_BUFS; i++) {
		struct ext_buf *e = &ext_bufs[i];
		if (!e->lent) {
			e->lent = true;
			e->shinfo.free_cb = ext_free;
			e->shinfo.fcb_opaque = e;
			rte_mbuf_ext_refcnt_set(&e->shinfo, 1);
			return e;
		}
	}
	return NULL;
}

int
fuzz_lend(struct tern_conn *c, size_t len, uint8_t byte)
{
	struct rte_mempool *pool = ((struct tcb *)c)->eng->pool;
	struct rte_mbuf *first = NULL;

	for (size_t done = 0; done < len;) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		if (m == NULL) {
			rte_pktmbuf_free(first);
			return -ENOBUFS;
		}
		struct ext_buf *e = first == NULL ? ext_take() : NULL;
		uint16_t n =
		        (uint16_t)RTE_MIN(len - done, (size_t)(e != NULL ? EXT_BYTES : SEG_MAX));
		if (e != NULL) {
			/* One byte in, so the data is not where the buffer starts. */
			n = (uint16_t)RTE_MIN((size_t)n, (size_t)EXT_BYTES - 1);
			rte_pktmbuf_attach_extbuf(m, e->data, (rte_iova_t)(uintptr_t)e->data,
			                          EXT_BYTES, &e->shinfo);
			m->data_off = 1;
		}
		memset(rte_pktmbuf_mtod(m, uint8_t *), byte, n);
		m->data_len = n;
		m->pkt_len = n;
		if (first == NULL)
			first = m;
		else
			rte_pktmbuf_chain(first, m); /* at most a few segments: no overflow */
		done += n;
	}
	int ret = first != NULL ? tern_send_mbuf(c, first) : -EINVAL;
	if (ret != 0)
		rte_pktmbuf_free(first); /* still ours */
	return ret;
}

void
fuzz_lend_reset(void)
{
	for (unsigned i = 0; i < EXT_BUFS; i++)
		ext_bufs[i].lent = false;
	ext_double_frees = 0;
}

const char *
fuzz_lend_check(void)
{
	if (ext_double_frees != 0)
		return "a lent external buffer was freed twice";
	for (unsigned i = 0; i < EXT_BUFS; i++)
		if (ext_bufs[i].lent)
			return "a lent external buffer was never freed";
	return NULL;
}
