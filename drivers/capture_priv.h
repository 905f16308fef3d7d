/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What capture.c, capture_writer.c and capture_telemetry.c share: the state
 * of one capture. Not for the rest of the stack (capture.h is).
 */
#ifndef TERN_CAPTURE_PRIV_H
#define TERN_CAPTURE_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_lcore.h>
#include <rte_pcapng.h>

#include "drivers/capture.h"

#define CAPTURE_RING_SIZE   4096 /* per engine: copies waiting for the writer */
#define CAPTURE_QUEUE_MBUFS 4095 /* per engine: the ring's worth (~9 MB of 2 KiB mbufs) */
#define CAPTURE_QUEUE_CACHE 64
#define CAPTURE_WRITE_BURST 256  /* what the writer takes from a ring at once */
#define CAPTURE_IDLE_US     1000 /* the writer sleeps this long when every ring is empty */
/* Room kept below --capture-max for the statistics block of each port
 * written at the end (28 bytes of header and trailer, four 12-byte
 * options, a comment of at most 128 bytes). */
#define CAPTURE_TAIL_BYTES 256

/* In each copy's private area: when and which way it went. */
struct capture_meta {
	uint64_t tsc;
	uint32_t dir; /* enum rte_pcapng_direction */
	uint32_t pad;
};

struct capture {
	uint8_t mode; /* enum capture_mode bits: read by the engines */
	bool stop;    /* tells the writer thread to end */
	bool active;  /* a file is open and the writer runs (or ran) */
	bool thread_up;
	bool pdump; /* rte_pdump_init succeeded */
	const char *app;
	char *path;
	int fd; /* until rte_pcapng takes it */
	rte_pcapng_t *pcapng;
	struct rte_mempool *pool; /* the writer's: pcapng blocks */
	pthread_t thread;
	uint64_t max_bytes; /* 0: no bound */
	/* The clock: a TSC reading and the time of day taken together at
	 * start (capture_writer.c, capture_stamp). */
	uint64_t tsc_hz;
	uint64_t base_tsc;
	uint64_t base_ns;
	/* The writer's counters, read by telemetry. */
	uint64_t bytes;   /* the file's size */
	uint64_t written; /* frames in it */
	uint64_t over;    /* frames not written: the file was full */
	uint16_t port_id;
	unsigned nb; /* queues, one per engine */
	struct capture_queue *queues[RTE_MAX_LCORE];
};

/* capture_writer.c: the pcapng file and the thread that writes it.
 * @frame_max: the longest frame a queue's copy can hold. */
int capture_writer_start(struct capture *c, uint32_t frame_max);
/* Stop the thread, write what the rings still hold and the statistics
 * blocks, close the file. */
void capture_writer_stop(struct capture *c);

/* capture_telemetry.c: /tern/capture answers about @c until detached. */
void capture_telemetry_attach(struct capture *c);
void capture_telemetry_detach(struct capture *c);

#endif /* TERN_CAPTURE_PRIV_H */
