/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The capture's writer: one DPDK control thread that empties every engine's
 * ring into one pcapng file (rte_pcapng), within --capture-max.
 *
 *   capture_writer_start -> rte_pcapng_fdopen (section and interface blocks)
 *                        -> rte_ctrl_thread_create(capture_writer_main)
 *   capture_writer_main  -> capture_drain per ring -> rte_pcapng_copy
 *                        -> rte_pcapng_write_packets
 *   capture_writer_stop  -> join, drain the rest, rte_pcapng_write_stats, close
 *
 * One thread writes because rte_pcapng_copy converts TSC to time through
 * state of its own that it moves forward a second at a time (DPDK 22.11's
 * lib/pcapng), unguarded: engines calling it at once could corrupt it. The
 * engines only copy frames (capture.c); the writer turns the copies into
 * pcapng blocks. That conversion also assumes it is handed times that never
 * go back: a TSC older than its base (the first call, or a later second it
 * moved to) wraps to centuries ahead, and the writer meets such frames (one
 * engine's ring may lag another's, and frames are stamped before the first
 * call). So the writer stamps each block itself (capture_stamp), from one
 * base taken at start, older frames included. Frames of different engines
 * interleave in the file in the order the writer found them, each engine's
 * in its own order; `reordercap` (wireshark-common) sorts a file by time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_ring.h>
#include <rte_version.h>

#include "core/log.h"
#include "drivers/capture_priv.h"

static uint64_t
capture_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* pcapng's Enhanced Packet Block (draft-tuexen-opsawg-pcapng 4.3): the
 * timestamp's high and low 32 bits follow the block type, length and
 * interface id; rte_pcapng_copy asks for nanoseconds (if_tsresol 9). */
#define CAPTURE_EPB_TS_HIGH 3 /* in 32-bit words */
#define CAPTURE_EPB_TS_LOW  4

static void
capture_stamp(const struct capture *c, struct rte_mbuf *b, uint64_t tsc)
{
	int64_t delta = (int64_t)(tsc - c->base_tsc);
	uint64_t mag = delta < 0 ? (uint64_t)-delta : (uint64_t)delta;
	/* Whole seconds, then the rest: no overflow for any TSC rate. */
	uint64_t ns = mag / c->tsc_hz * 1000000000ull + mag % c->tsc_hz * 1000000000ull / c->tsc_hz;
	uint64_t t = delta < 0 ? c->base_ns - ns : c->base_ns + ns;
	uint32_t *epb = rte_pktmbuf_mtod(b, uint32_t *);

	epb[CAPTURE_EPB_TS_HIGH] = (uint32_t)(t >> 32);
	epb[CAPTURE_EPB_TS_LOW] = (uint32_t)t;
}

/* The file cannot take more: engines stop copying and count instead. Said
 * once, by the only thread that sets it. */
static void
capture_full(struct capture *c, const char *why)
{
	if (__atomic_fetch_or(&c->mode, CAPTURE_FULL, __ATOMIC_RELAXED) & CAPTURE_FULL)
		return;
	TERN_LOG(capture, WARNING,
	         "%s: %s after %" PRIu64 " frames (%" PRIu64
	         " bytes): later frames are counted, not written\n",
	         c->path, why, c->written, c->bytes);
}

/* Turn @n copies into pcapng blocks in @out that fit the bound; returns how
 * many. The copies are freed. */
static unsigned
capture_blocks(struct capture *c, const struct capture_queue *q, struct rte_mbuf **in, unsigned n,
               struct rte_mbuf **out)
{
	uint64_t room = c->max_bytes == 0 ? UINT64_MAX : c->max_bytes - CAPTURE_TAIL_BYTES;
	uint64_t size = c->bytes;
	unsigned k = 0, over = 0;

	for (unsigned i = 0; i < n; i++) {
		const struct capture_meta *meta = rte_mbuf_to_priv(in[i]);
		struct rte_mbuf *b = NULL;

		if (!(__atomic_load_n(&c->mode, __ATOMIC_RELAXED) & CAPTURE_FULL))
			b = rte_pcapng_copy(q->port_id, q->queue_id, in[i], c->pool, UINT32_MAX,
			                    meta->tsc, (enum rte_pcapng_direction)meta->dir);
		if (b != NULL)
			capture_stamp(c, b, meta->tsc);
		if (b != NULL && size + rte_pktmbuf_pkt_len(b) > room) {
			rte_pktmbuf_free(b);
			b = NULL;
			capture_full(c, "--capture-max reached");
		}
		if (b == NULL) {
			over++;
			continue;
		}
		size += rte_pktmbuf_pkt_len(b);
		out[k++] = b;
	}
	rte_pktmbuf_free_bulk(in, n);
	if (over != 0)
		__atomic_store_n(&c->over, c->over + over, __ATOMIC_RELAXED);
	return k;
}

/* Write what one ring holds (a burst of it). Returns frames taken. */
static unsigned
capture_drain(struct capture *c, struct capture_queue *q)
{
	struct rte_mbuf *in[CAPTURE_WRITE_BURST], *out[CAPTURE_WRITE_BURST];
	unsigned n = rte_ring_sc_dequeue_burst(q->ring, (void **)in, RTE_DIM(in), NULL);
	unsigned k = capture_blocks(c, q, in, n, out);

	if (k == 0)
		return n;
	ssize_t w = rte_pcapng_write_packets(c->pcapng, out, (uint16_t)k);
	rte_pktmbuf_free_bulk(out, k);
	if (w < 0) {
		__atomic_store_n(&c->over, c->over + k, __ATOMIC_RELAXED);
		capture_full(c, strerror(rte_errno));
		return n;
	}
	__atomic_store_n(&c->bytes, c->bytes + (uint64_t)w, __ATOMIC_RELAXED);
	__atomic_store_n(&c->written, c->written + k, __ATOMIC_RELAXED);
	return n;
}

static unsigned
capture_drain_all(struct capture *c)
{
	unsigned n = 0;

	for (unsigned i = 0; i < c->nb; i++)
		n += capture_drain(c, c->queues[i]);
	return n;
}

static void *
capture_writer_main(void *arg)
{
	struct capture *c = arg;

	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE))
		if (capture_drain_all(c) == 0)
			rte_delay_us_sleep(CAPTURE_IDLE_US);
	return NULL;
}

/* The section header names the system and the program, as dumpcap's do. */
static rte_pcapng_t *
capture_fdopen(struct capture *c)
{
	char os[2 * sizeof(((struct utsname *)NULL)->release)];
	char app[128];
	struct utsname u;

	if (uname(&u) == 0)
		snprintf(os, sizeof(os), "%s %s", u.sysname, u.release);
	else
		snprintf(os, sizeof(os), "Linux");
	snprintf(app, sizeof(app), "%s (Tern, %s)", c->app, rte_version());
	return rte_pcapng_fdopen(c->fd, os, NULL, app, NULL);
}

int
capture_writer_start(struct capture *c, uint32_t frame_max)
{
	off_t header;
	int ret;

	/* A block holds its frame whole (rte_pcapng_write_packets wants one
	 * segment); no cache: only the writer thread, not an lcore, uses it. */
	c->pool = rte_pktmbuf_pool_create("tern_capture", 2 * CAPTURE_WRITE_BURST - 1, 0, 0,
	                                  rte_pcapng_mbuf_size(frame_max), SOCKET_ID_ANY);
	if (c->pool == NULL)
		return -rte_errno;
	c->pcapng = capture_fdopen(c);
	if (c->pcapng == NULL)
		return rte_errno != 0 ? -rte_errno : -EIO;
	c->port_id = c->queues[0]->port_id;
	header = lseek(c->fd, 0, SEEK_CUR);
	c->fd = -1; /* rte_pcapng_close closes it */
	c->bytes = header > 0 ? (uint64_t)header : 0;
	if (c->max_bytes != 0 && c->bytes + CAPTURE_TAIL_BYTES >= c->max_bytes)
		return -EFBIG;
	c->tsc_hz = rte_get_tsc_hz();
	c->base_tsc = rte_rdtsc();
	c->base_ns = capture_now_ns();
	c->mode = CAPTURE_ON;
	ret = rte_ctrl_thread_create(&c->thread, "tern-capture", NULL, capture_writer_main, c);
	if (ret != 0)
		return -ret;
	c->thread_up = true;
	c->active = true;
	TERN_LOG(capture, INFO, "writing %s: every frame of port %u, both ways%s\n", c->path,
	         c->port_id, c->max_bytes != 0 ? ", up to --capture-max" : "");
	return 0;
}

/* pcapng's interface statistics block: what was seen and what is missing. */
static void
capture_write_stats(struct capture *c)
{
	uint64_t lost = 0, over = c->over;
	char comment[128];

	for (unsigned i = 0; i < c->nb; i++) {
		lost += c->queues[i]->lost;
		over += c->queues[i]->over;
	}
	snprintf(comment, sizeof(comment),
	         "Tern: %" PRIu64 " frames lost (an engine's ring or pool full), %" PRIu64
	         " past --capture-max",
	         lost, over);
	ssize_t w = rte_pcapng_write_stats(c->pcapng, c->port_id, comment, c->base_ns,
	                                   capture_now_ns(), c->written + lost + over, lost + over);
	if (w > 0)
		c->bytes += (uint64_t)w;
}

void
capture_writer_stop(struct capture *c)
{
	if (c->thread_up) {
		__atomic_store_n(&c->stop, true, __ATOMIC_RELEASE);
		pthread_join(c->thread, NULL);
		c->thread_up = false;
	}
	if (c->pcapng == NULL)
		return;
	/* The engines have stopped: the rings only empty from here. */
	while (capture_drain_all(c) != 0)
		;
	if (c->active)
		capture_write_stats(c);
	rte_pcapng_close(c->pcapng);
	c->pcapng = NULL;
}
