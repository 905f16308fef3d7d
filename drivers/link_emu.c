/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated line (link_emu.h): a ring of frames, each stamped when taken
 * with the time the line finishes it, released in order once that time has
 * come.
 */
#include <errno.h>
#include <string.h>

#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "link_emu.h"

int
link_emu_init(struct link_emu *l, uint32_t rate_mbit, uint32_t ring, uint64_t tsc_hz, int socket_id)
{
	memset(l, 0, sizeof(*l));
	if (rate_mbit == 0)
		return 0;
	if (rate_mbit > LINK_EMU_MBIT_MAX || ring < LINK_EMU_RING_MIN || ring > LINK_EMU_RING_MAX ||
	    tsc_hz == 0)
		return -EINVAL;
	l->ring = rte_zmalloc_socket("link_emu", ring * sizeof(*l->ring), 0, socket_id);
	l->done_tsc = rte_zmalloc_socket("link_emu", ring * sizeof(*l->done_tsc), 0, socket_id);
	if (l->ring == NULL || l->done_tsc == NULL) {
		link_emu_fini(l);
		return -ENOMEM;
	}
	/* Fixed point, so that a 10 Gbit/s line on a 2.8 GHz TSC (2.24 cycles
	 * a byte) neither drifts nor rounds each frame to whole cycles. */
	l->cycles_per_byte_q16 = (tsc_hz * 8u << 16) / ((uint64_t)rate_mbit * 1000000u);
	l->size = (uint16_t)ring;
	l->enabled = true;
	return 0;
}

/* The bytes @m takes on the line: a super-segment for the NIC to cut (TSO)
 * is as many frames as it cuts, each with the headers and the overhead. */
static uint64_t
link_emu_wire_bytes(const struct rte_mbuf *m)
{
	uint64_t len = rte_pktmbuf_pkt_len(m), frames = 1;

	if ((m->ol_flags & RTE_MBUF_F_TX_TCP_SEG) && m->tso_segsz != 0) {
		uint64_t hdr = (uint64_t)m->l2_len + m->l3_len + m->l4_len;
		uint64_t payload = len > hdr ? len - hdr : 0;

		frames = payload == 0 ? 1 : (payload + m->tso_segsz - 1) / m->tso_segsz;
		len = payload + frames * hdr;
	}
	return len + frames * LINK_EMU_WIRE_OVERHEAD;
}

uint16_t
link_emu_take(struct link_emu *l, struct rte_mbuf **pkts, uint16_t n, uint64_t now_tsc)
{
	uint16_t i;

	for (i = 0; i < n && l->count < l->size; i++) {
		uint64_t wire_q16 =
		        link_emu_wire_bytes(pkts[i]) * l->cycles_per_byte_q16 + l->frac_q16;
		/* An idle line starts on the frame now; a busy one after the
		 * frame before it. */
		uint64_t start = l->line_free_tsc > now_tsc ? l->line_free_tsc : now_tsc;
		unsigned slot = (unsigned)l->head + l->count;

		slot -= slot >= l->size ? l->size : 0;
		l->line_free_tsc = start + (wire_q16 >> 16);
		l->frac_q16 = wire_q16 & 0xffffu;
		l->ring[slot] = pkts[i];
		l->done_tsc[slot] = l->line_free_tsc;
		l->count++;
	}
	l->stats.taken += i;
	l->stats.refused += (uint64_t)(n - i);
	if (l->count > l->stats.depth_max)
		l->stats.depth_max = l->count;
	return i;
}

uint16_t
link_emu_due(struct link_emu *l, uint64_t now_tsc, struct rte_mbuf **out, uint16_t cap)
{
	uint16_t k = 0;

	while (k < cap && l->count != 0 && l->done_tsc[l->head] <= now_tsc) {
		out[k++] = l->ring[l->head];
		l->head = (uint16_t)(l->head + 1u == l->size ? 0 : l->head + 1u);
		l->count--;
	}
	l->stats.released += k;
	return k;
}

void
link_emu_fini(struct link_emu *l)
{
	for (; l->count != 0; l->count--) {
		rte_pktmbuf_free(l->ring[l->head]);
		l->head = (uint16_t)(l->head + 1u == l->size ? 0 : l->head + 1u);
	}
	rte_free(l->ring);
	rte_free(l->done_tsc);
	l->ring = NULL;
	l->done_tsc = NULL;
	l->enabled = false;
}
