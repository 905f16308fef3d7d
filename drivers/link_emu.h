/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An emulated line on the transmit side ([fault] tx_link_mbit): what a NIC
 * does to a core that produces frames faster than its line carries them. The
 * in-memory pair and net_tap have no line: a bulk sender there is bounded by
 * the CPU, and a full TX ring is rare. A NIC port is bounded by its line, and
 * its TX descriptor ring fills whenever the core outruns it. This lets a
 * benchmark or a test see the second case without a NIC.
 *
 * It stands where rte_eth_tx_burst would: it takes frames while its ring
 * ([fault] tx_link_ring frames, as a NIC's TX descriptors) has room and
 * refuses the rest, as the port would. Each frame leaves the ring, for the
 * real port, when the line would have finished serialising it: the line is
 * busy for (bytes + 24) * 8 / rate per frame, the 24 being the preamble and
 * start delimiter (8), the FCS (4) and the inter-frame gap (12) of IEEE 802.3,
 * so the rate is the line rate. A super-segment the NIC would cut (TSO)
 * counts as the frames it becomes, headers and all.
 *
 *   engine TX:   fault(tx) -> link_emu_take (into the ring, or refused)
 *   engine poll: link_emu_due(now) -> rte_eth_tx_burst
 *
 * Per engine, owned by its core: nothing shared, no locks.
 */
#ifndef TERN_LINK_EMU_H
#define TERN_LINK_EMU_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;

#define LINK_EMU_WIRE_OVERHEAD 24u /* preamble + SFD, FCS, inter-frame gap */
#define LINK_EMU_RING_MIN      16u /* [fault] tx_link_ring's range */
#define LINK_EMU_RING_MAX      4096u
#define LINK_EMU_MBIT_MAX      400000u /* [fault] tx_link_mbit's range: up to 400G */

struct link_emu_stats {
	uint64_t taken;     /* frames into the ring */
	uint64_t refused;   /* frames that found it full */
	uint64_t released;  /* frames handed on to the port */
	uint32_t depth_max; /* most frames in the ring at once */
};

struct link_emu {
	bool enabled;
	uint16_t size;                /* frames the ring holds */
	uint16_t head;                /* the oldest frame's slot */
	uint16_t count;               /* frames in the ring */
	uint64_t cycles_per_byte_q16; /* TSC cycles a byte takes on the line, <<16 */
	uint64_t frac_q16;            /* the fraction of a cycle carried to the next frame */
	uint64_t line_free_tsc;       /* when the line finishes the last frame taken */
	struct rte_mbuf **ring;       /* @size slots */
	uint64_t *done_tsc;           /* per slot: when that frame is off the line */
	struct link_emu_stats stats;
};

/* Set up @l for a line of @rate_mbit Mbit/s with a ring of @ring frames, on
 * a TSC of @tsc_hz. @rate_mbit 0 leaves it disabled (and allocates nothing).
 * Returns 0, -EINVAL for a rate or ring outside its range, or -ENOMEM. */
int link_emu_init(struct link_emu *l, uint32_t rate_mbit, uint32_t ring, uint64_t tsc_hz,
                  int socket_id);

/* Take @pkts[0..n) at @now_tsc, in order, while the ring has room; returns
 * how many it took (the rest stay the caller's, as with rte_eth_tx_burst). */
uint16_t link_emu_take(struct link_emu *l, struct rte_mbuf **pkts, uint16_t n, uint64_t now_tsc);

/* The frames off the line by @now_tsc, oldest first, at most @cap of them,
 * into @out: the caller's to send. */
uint16_t link_emu_due(struct link_emu *l, uint64_t now_tsc, struct rte_mbuf **out, uint16_t cap);

/* Free every frame still in the ring, and the ring. */
void link_emu_fini(struct link_emu *l);

#ifdef __cplusplus
}
#endif

#endif /* TERN_LINK_EMU_H */
