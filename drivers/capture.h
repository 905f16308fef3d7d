/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet capture (--capture FILE): a pcapng file (rte_pcapng) of every frame
 * each port receives and sends, direction marked in every block's flags.
 *
 *   engine RX: rte_eth_rx_burst -> capture_rx -> fault_burst(rx) -> eth_input
 *   engine TX: tx batch -> fault_burst(tx) -> capture_tx -> rte_eth_tx_burst
 *                                                        -> capture_tx_done
 *   each engine's copies -> its own SP/SC ring -> one writer thread
 *                        -> rte_pcapng_copy -> rte_pcapng_write_packets -> FILE
 *
 * So the file shows the wire: what the port delivered before the RX fault
 * layer touched it, and what the port was handed after the TX fault layer
 * (dropped frames absent, duplicates twice, corruption visible); a frame the
 * TX ring refused is not in it. Engines share nothing: each copies into its
 * own pool and ring and never waits; a full ring or an empty pool costs the
 * frame (counted as lost), never the engine's time. Only the writer touches
 * the file and rte_pcapng, whose TSC-to-time conversion keeps state that is
 * not safe to update from several threads at once.
 *
 * Capture off costs each engine one predictable branch on RX and two on TX
 * (a NULL queue pointer); docs/ARCHITECTURE.md, "Capture".
 */
#ifndef TERN_CAPTURE_H
#define TERN_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_mbuf.h>

#define CAPTURE_BURST_MAX 512 /* frames one engine hands over at once (ENGINE_TX_MAX) */

/* The capture's mode, as the engines read it: bits. */
enum capture_mode {
	CAPTURE_ON = 1,   /* the switch (/tern/capture,on|off) */
	CAPTURE_FULL = 2, /* --capture-max reached, or the file cannot be written */
};

/* One engine's side: written by that engine only. */
struct capture_queue {
	const uint8_t *mode;      /* the capture's enum capture_mode bits */
	struct rte_ring *ring;    /* this engine -> the writer (single producer, consumer) */
	struct rte_mempool *pool; /* the copies: a frame in one mbuf */
	uint16_t port_id;
	uint16_t queue_id;
	uint16_t nb_tx;  /* copies of the TX burst in flight (capture_tx .. _done) */
	uint64_t queued; /* frames handed to the writer */
	uint64_t lost;   /* frames not captured: no mbuf, or the ring full */
	uint64_t over;   /* frames seen while the file was full */
	struct rte_mbuf *tx[CAPTURE_BURST_MAX];
};

struct capture;
struct engine;

/* Set up capture for @nb engines: always rte_pdump_init when the EAL has
 * hugepages (so dpdk-dumpcap can attach), and with @path a pcapng file, its
 * writer thread, the /tern/capture telemetry command, and each engine's
 * queue (engines[i]->capture). @max_bytes bounds the file (0: no bound).
 * @app names the program in the file. Returns 0, or -errno after one line
 * on @err. *@out is set in either case (capture_fini takes it). */
int capture_init(struct capture **out, const char *app, const char *path, uint64_t max_bytes,
                 struct engine **engines, unsigned nb, FILE *err);

/* After the engines have stopped: write what is queued, the statistics
 * blocks, close the file, print one line on @out. Returns 0, or 1 if a
 * copy is missing from its pool (reported on stderr). NULL is a no-op. */
int capture_fini(struct capture *c, FILE *out);

/* The switch: capture on or off. -ENOENT without a file, -ENOSPC when full. */
int capture_switch(struct capture *c, bool on);

struct capture_status {
	const char *path;
	bool on;
	bool full;
	uint64_t max_bytes; /* 0: no bound */
	uint64_t bytes;     /* the file's size */
	uint64_t written;   /* frames in the file */
	uint64_t lost;      /* frames not captured: an engine's ring or pool was full */
	uint64_t over;      /* frames not written because the file was full */
};

/* From any thread. -ENOENT without a file. */
int capture_get_status(struct capture *c, struct capture_status *st);

/* Engine side, slow paths of the inline hooks below. */
void capture_rx_burst(struct capture_queue *q, struct rte_mbuf **pkts, uint16_t n, uint64_t tsc);
void capture_tx_copy(struct capture_queue *q, struct rte_mbuf **pkts, uint16_t n);
void capture_tx_commit(struct capture_queue *q, uint16_t sent);

/* Received frames, as the port delivered them (at @tsc, the loop's clock). */
static inline void
capture_rx(struct capture_queue *q, struct rte_mbuf **pkts, uint16_t n, uint64_t tsc)
{
	if (q != NULL && n != 0)
		capture_rx_burst(q, pkts, n, tsc);
}

/* Frames about to be handed to the port: copied now (the driver owns them
 * after), kept only for those the port took (capture_tx_done). */
static inline void
capture_tx(struct capture_queue *q, struct rte_mbuf **pkts, uint16_t n)
{
	if (q != NULL)
		capture_tx_copy(q, pkts, n);
}

/* The port took the first @sent frames of the last capture_tx. */
static inline void
capture_tx_done(struct capture_queue *q, uint16_t sent)
{
	if (q != NULL)
		capture_tx_commit(q, sent);
}

#endif /* TERN_CAPTURE_H */
