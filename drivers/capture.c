/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet capture, the engines' side and the set-up (capture.h): each engine
 * copies what its queue receives and sends into its own pool and hands the
 * copies to the writer (capture_writer.c) through its own ring.
 *
 *   capture_init -> rte_pdump_init (hugepages) -> open FILE -> a pool and a
 *                   ring per engine -> capture_writer_start -> telemetry
 *   engine: capture_rx / capture_tx (+ _done) -> rte_pktmbuf_copy -> ring
 *   capture_fini -> capture_writer_stop (writes the rest) -> free
 */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_pdump.h>
#include <rte_ring.h>

#include "engine/engine.h"
#include "core/log.h"
#include "drivers/capture.h"
#include "drivers/capture_priv.h"

static_assert(ENGINE_TX_MAX <= CAPTURE_BURST_MAX, "a TX burst fits one capture_tx");
static_assert(sizeof(struct capture_meta) % RTE_MBUF_PRIV_ALIGN == 0, "mbuf private area");

/* A queue's counters have one writer, its engine, and are read by the
 * writer and telemetry threads: relaxed atomic loads and stores, so that no
 * reader sees a torn value, and no locked instruction on the engine. */
static inline void
capture_count(uint64_t *counter, uint64_t n)
{
	__atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

/* Whether to copy now; counts @n frames as over the bound when the file is
 * full (while switched off nothing is counted: nothing was asked for). */
static inline bool
capture_wanted(struct capture_queue *q, uint16_t n)
{
	uint8_t mode = __atomic_load_n(q->mode, __ATOMIC_RELAXED);

	if (mode == CAPTURE_ON)
		return true;
	if (mode == (CAPTURE_ON | CAPTURE_FULL))
		capture_count(&q->over, n);
	return false;
}

static struct rte_mbuf *
capture_copy(struct capture_queue *q, const struct rte_mbuf *m, uint64_t tsc, uint32_t dir)
{
	struct rte_mbuf *c = rte_pktmbuf_copy(m, q->pool, 0, UINT32_MAX);

	if (c != NULL) {
		struct capture_meta *meta = rte_mbuf_to_priv(c);
		meta->tsc = tsc;
		meta->dir = dir;
	}
	return c;
}

/* Hand @k copies to the writer; @lost more could not be copied. */
static void
capture_enqueue(struct capture_queue *q, struct rte_mbuf **copies, unsigned k, unsigned lost)
{
	unsigned e = rte_ring_sp_enqueue_burst(q->ring, (void *const *)copies, k, NULL);

	if (e < k)
		rte_pktmbuf_free_bulk(copies + e, k - e);
	capture_count(&q->queued, e);
	if (lost + k - e != 0)
		capture_count(&q->lost, lost + k - e);
}

void
capture_rx_burst(struct capture_queue *q, struct rte_mbuf **pkts, uint16_t n, uint64_t tsc)
{
	struct rte_mbuf *copies[CAPTURE_BURST_MAX];
	unsigned k = 0;

	if (!capture_wanted(q, n))
		return;
	for (uint16_t i = 0; i < n; i++) {
		copies[k] = capture_copy(q, pkts[i], tsc, RTE_PCAPNG_DIRECTION_IN);
		k += copies[k] != NULL;
	}
	capture_enqueue(q, copies, k, n - k);
}

void
capture_tx_copy(struct capture_queue *q, struct rte_mbuf **pkts, uint16_t n)
{
	q->nb_tx = 0;
	if (n == 0 || !capture_wanted(q, n))
		return;
	/* The time the frames leave, not the loop's start: a reply would
	 * otherwise carry its request's time. Read only while capturing. */
	uint64_t tsc = rte_rdtsc();
	for (uint16_t i = 0; i < n; i++)
		q->tx[i] = capture_copy(q, pkts[i], tsc, RTE_PCAPNG_DIRECTION_OUT);
	q->nb_tx = n;
}

void
capture_tx_commit(struct capture_queue *q, uint16_t sent)
{
	unsigned k = 0, lost = 0;

	/* Copies of frames the port refused are dropped: they never left. */
	for (uint16_t i = 0; i < q->nb_tx; i++) {
		struct rte_mbuf *c = q->tx[i];
		if (i >= sent)
			rte_pktmbuf_free(c);
		else if (c == NULL)
			lost++;
		else
			q->tx[k++] = c;
	}
	q->nb_tx = 0;
	if (k + lost != 0)
		capture_enqueue(q, q->tx, k, lost);
}

/* dpdk-dumpcap is a secondary process: it needs the shared hugepage
 * memory, which --no-huge and --in-memory rule out (PLATFORM.md). */
static void
capture_pdump_init(struct capture *c)
{
	if (!rte_eal_has_hugepages() || rte_eal_process_type() != RTE_PROC_PRIMARY)
		return;
	if (rte_pdump_init() == 0)
		c->pdump = true;
	else
		TERN_LOG(capture, INFO, "dpdk-dumpcap cannot attach: rte_pdump_init: %s\n",
		         rte_strerror(rte_errno));
}

static int
capture_queue_init(struct capture *c, struct engine *eng, uint32_t data_room)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	int socket = eng->pool->socket_id;
	struct capture_queue *q =
	        rte_zmalloc_socket("capture_queue", sizeof(*q), RTE_CACHE_LINE_SIZE, socket);

	if (q == NULL)
		return -ENOMEM;
	c->queues[c->nb++] = q;
	q->mode = &c->mode;
	q->port_id = eng->port_id;
	q->queue_id = eng->queue_id;
	snprintf(name, sizeof(name), "tern_cap_%u", eng->index);
	q->pool = rte_pktmbuf_pool_create(name, CAPTURE_QUEUE_MBUFS, CAPTURE_QUEUE_CACHE,
	                                  sizeof(struct capture_meta), data_room, socket);
	q->ring = rte_ring_create(name, CAPTURE_RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (q->pool == NULL || q->ring == NULL)
		return -rte_errno;
	eng->capture = q;
	return 0;
}

static int
capture_open(struct capture *c, const char *path, struct engine **engines, unsigned nb, FILE *err)
{
	/* Every frame fits one mbuf of the engines' pools: so it does ours. */
	uint32_t data_room = rte_pktmbuf_data_room_size(engines[0]->pool);
	int ret = 0;

	c->path = strdup(path);
	if (c->path == NULL)
		return -ENOMEM;
	c->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (c->fd < 0) {
		ret = -errno;
		fprintf(err, "%s: --capture '%s': cannot open: %s\n", c->app, path, strerror(-ret));
		return ret;
	}
	for (unsigned i = 0; i < nb && ret == 0; i++)
		ret = capture_queue_init(c, engines[i], data_room);
	if (ret == 0)
		ret = capture_writer_start(c, data_room - RTE_PKTMBUF_HEADROOM);
	if (ret != 0) {
		fprintf(err, "%s: --capture '%s': %s\n", c->app, path, strerror(-ret));
		return ret;
	}
	return 0;
}

int
capture_init(struct capture **out, const char *app, const char *path, uint64_t max_bytes,
             struct engine **engines, unsigned nb, FILE *err)
{
	struct capture *c = calloc(1, sizeof(*c));

	*out = c;
	if (c == NULL) {
		fprintf(err, "%s: out of memory\n", app);
		return -ENOMEM;
	}
	c->app = app;
	c->fd = -1;
	c->max_bytes = max_bytes;
	capture_pdump_init(c);
	int ret = path != NULL ? capture_open(c, path, engines, nb, err) : 0;
	/* Registered either way: without --capture it says how to get one. */
	if (ret == 0)
		capture_telemetry_attach(c->active ? c : NULL);
	return ret;
}

int
capture_switch(struct capture *c, bool on)
{
	if (c == NULL || !c->active)
		return -ENOENT;
	if (on && (__atomic_load_n(&c->mode, __ATOMIC_RELAXED) & CAPTURE_FULL))
		return -ENOSPC;
	if (on)
		__atomic_fetch_or(&c->mode, CAPTURE_ON, __ATOMIC_RELAXED);
	else
		__atomic_fetch_and(&c->mode, (uint8_t)~CAPTURE_ON, __ATOMIC_RELAXED);
	TERN_LOG(capture, INFO, "%s: switched %s\n", c->path, on ? "on" : "off");
	return 0;
}

int
capture_get_status(struct capture *c, struct capture_status *st)
{
	uint8_t mode;

	memset(st, 0, sizeof(*st));
	if (c == NULL || !c->active)
		return -ENOENT;
	mode = __atomic_load_n(&c->mode, __ATOMIC_RELAXED);
	st->path = c->path;
	st->on = mode & CAPTURE_ON;
	st->full = mode & CAPTURE_FULL;
	st->max_bytes = c->max_bytes;
	st->bytes = __atomic_load_n(&c->bytes, __ATOMIC_RELAXED);
	st->written = __atomic_load_n(&c->written, __ATOMIC_RELAXED);
	st->over = __atomic_load_n(&c->over, __ATOMIC_RELAXED);
	for (unsigned i = 0; i < c->nb; i++) {
		st->lost += __atomic_load_n(&c->queues[i]->lost, __ATOMIC_RELAXED);
		st->over += __atomic_load_n(&c->queues[i]->over, __ATOMIC_RELAXED);
	}
	return 0;
}

/* Every copy must be back in its pool once the writer is done. */
static int
capture_check_pools(const struct capture *c, FILE *err)
{
	int status = 0;

	for (unsigned i = 0; i < c->nb; i++) {
		struct rte_mempool *mp = c->queues[i]->pool;
		if (mp != NULL && rte_mempool_in_use_count(mp) != 0) {
			fprintf(err, "%s: error: pool %s: %u mbufs not returned\n", c->app,
			        mp->name, rte_mempool_in_use_count(mp));
			status = 1;
		}
	}
	return status;
}

int
capture_fini(struct capture *c, FILE *out)
{
	struct capture_status st;
	int status;

	if (c == NULL)
		return 0;
	capture_telemetry_detach(c);
	capture_writer_stop(c);
	if (capture_get_status(c, &st) == 0)
		fprintf(out,
		        "%s: capture %s: %" PRIu64 " frames written (%" PRIu64 " bytes), %" PRIu64
		        " lost, %" PRIu64 " past --capture-max\n",
		        c->app, c->path, st.written, st.bytes, st.lost, st.over);
	status = capture_check_pools(c, stderr);
	for (unsigned i = 0; i < c->nb; i++) {
		rte_ring_free(c->queues[i]->ring);
		rte_mempool_free(c->queues[i]->pool);
		rte_free(c->queues[i]);
	}
	rte_mempool_free(c->pool);
	if (c->fd >= 0)
		close(c->fd);
	if (c->pdump)
		rte_pdump_uninit();
	free(c->path);
	free(c);
	return status;
}
