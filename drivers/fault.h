/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault injection between a port and the engine, one instance per direction
 * (RX, TX) per engine: drop, duplicate, reorder (hold back, release later),
 * corrupt (flip bits) and truncate, each with its own probability, driven by a
 * seeded generator so that a run repeats exactly.
 *
 *   engine RX:  rte_eth_rx_burst -> fault_burst(rx) -> eth_input
 *   engine TX:  tx batch -> fault_burst(tx) -> rte_eth_tx_burst
 *
 * Disabled (every probability 0) it costs one branch per burst.
 *
 * Per packet, in burst order, independent draws in this order (a probability
 * of 0 draws nothing):
 *   1. drop       free it, count, nothing else happens to it;
 *   2. corrupt    flip one random bit of one random byte of the first segment;
 *   3. truncate   trim to a random length in [1, len - 1] (in a chain, only
 *                 within the last segment, which is all rte_pktmbuf_trim
 *                 allows); frames shorter than 2 bytes are left alone;
 *   4. duplicate  a copy of the frame as it now is, placed right after it;
 *   5. reorder    take the frame out of the burst and hold it back, if fewer
 *                 than FAULT_HOLD_MAX are held (the duplicate, if any, still
 *                 goes out now).
 * Corrupt and truncate write to the frame; a frame that is not exclusively
 * ours (refcnt > 1, indirect or external segment: the TCP retransmit queue may
 * still hold it) is first replaced by a private copy from @clone_pool, so the
 * fault never leaks into the sender's copy.
 *
 * Release of held frames: every frame placed in the output (survivor or
 * duplicate, never a released one) counts down held_left of each held frame;
 * a frame whose count reaches 0 goes out right after the frame that brought it
 * there, so it lands behind reorder_gap later frames (a release set off by a
 * frame that has a duplicate goes between the two). Several released at once
 * go out in the order they were held. So that an idle link strands nothing,
 * held_calls counts the fault_burst calls that ended with the frame held (the
 * call that held it included); at the start of a call, every frame with
 * held_calls >= FAULT_HOLD_CALLS goes out first, before the new burst. A frame
 * held in call k is thus out by call k + 2 at the latest, even with n == 0:
 * the engine calls fault_burst on every poll, empty bursts included.
 *
 * Whatever does not fit in @cap (duplicates or released frames) is freed and
 * counted as overflow; nothing leaks.
 */
#ifndef TERN_FAULT_H
#define TERN_FAULT_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct rte_mbuf;
struct rte_mempool;

#define FAULT_HOLD_MAX   32  /* packets held back for reordering, per direction */
#define FAULT_HOLD_CALLS 2   /* calls a held packet may wait before forced release */
#define FAULT_BURST_MAX  512 /* largest @cap fault_burst accepts */

/* Probabilities in [0, 1]. The fields are read on every burst, so they may be
 * changed between calls (keeping them valid). */
struct fault_config {
	double drop;
	double duplicate;
	double reorder;       /* chance a packet is held back ... */
	uint16_t reorder_gap; /* ... and released after this many later packets (>= 1) */
	double corrupt;       /* flip one random bit of the frame */
	double truncate;      /* cut the frame at a random length (>= 1 byte) */
};

struct fault_stats {
	uint64_t seen; /* packets handed in while enabled */
	uint64_t dropped;
	uint64_t duplicated; /* copies made (those that did not fit count as overflow too) */
	uint64_t reordered;  /* packets held back */
	uint64_t corrupted;
	uint64_t truncated;
	uint64_t overflow; /* duplicates or releases that did not fit the burst: freed */
};

struct fault {
	bool enabled;
	struct fault_config cfg;
	uint64_t rng[2];                /* xorshift128+ state */
	struct rte_mempool *clone_pool; /* duplicates are copied from here */
	uint16_t nb_held;
	struct rte_mbuf *held[FAULT_HOLD_MAX]; /* oldest first */
	uint16_t held_left[FAULT_HOLD_MAX];    /* packets still to pass before release */
	uint8_t held_calls[FAULT_HOLD_MAX];    /* calls ended while held, see above */
	struct fault_stats stats;
};

/* Returns true if any probability is non-zero. */
bool fault_config_active(const struct fault_config *cfg);

/* Set up @f (fresh, or flushed); @seed makes the sequence of decisions repeat;
 * @clone_pool supplies duplicates and private copies (may be NULL only when
 * duplicate is 0; then shared frames are neither corrupted nor truncated).
 * Returns 0, or -EINVAL for a probability outside [0, 1], a reorder_gap of 0
 * with reorder > 0, or duplicate > 0 without @clone_pool. */
int fault_init(struct fault *f, const struct fault_config *cfg, uint64_t seed,
               struct rte_mempool *clone_pool);

/* Apply the faults to @pkts[0..n) in place. The array has room for @cap
 * entries (n <= cap <= FAULT_BURST_MAX); the result (survivors, duplicates
 * and released held packets, in the order they now go) is returned as a
 * count <= @cap. Packets dropped are freed; packets held back stay owned by
 * @f. */
uint16_t fault_burst(struct fault *f, struct rte_mbuf **pkts, uint16_t n, uint16_t cap);

/* Free every packet still held (at shutdown). */
void fault_flush(struct fault *f);

#ifdef __cplusplus
}
#endif

#endif /* TERN_FAULT_H */
