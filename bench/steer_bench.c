/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-steer-bench: what one steered packet costs (issue 9, DESIGN.md "Many
 * cores"): the receiving engine writes a packet's IPv4/TCP header (as the
 * port would have) and hands the mbuf to the owner through a ring made as
 * flow/steer.c makes its rings (single producer, single consumer,
 * STEER_RING_SIZE slots, bursts); the owner dequeues a burst, reads each
 * header as tcp_parse would, and frees the mbuf into the sender's pool.
 *
 *   two lcores: bench_send on a worker, bench_recv on the main lcore: the
 *               cost of a hand-off between cores (the cache lines move)
 *   same:       both in turn on the main lcore: the ring's own cost
 *   direct:     the same work without the ring (write, read, free): what a
 *               packet costs that is not steered, to subtract
 *
 * Prints cycles per packet on each side and the rate, per run and mode.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_tcp.h>

#include "flow/steer.h"

#define BENCH_BURST 32
#define BENCH_MBUFS 8191
#define BENCH_CACHE 256

struct bench {
	struct rte_ring *ring;
	struct rte_mempool *pool;
	uint64_t packets;    /* how many to hand over */
	uint64_t send_tsc;   /* cycles the sender spent */
	uint64_t recv_tsc;   /* cycles the receiver spent */
	uint64_t sum;        /* what the receiver read, so it is not optimised out */
	uint64_t ring_full;  /* enqueue refused: the receiver is behind */
	volatile bool ready; /* the receiver is polling */
};

/* The headers a received TCP segment has. 0 or -ENOMEM. */
static int
bench_fill(struct bench *b, struct rte_mbuf **pkts, uint64_t seq)
{
	if (rte_pktmbuf_alloc_bulk(b->pool, pkts, BENCH_BURST) != 0)
		return -1;
	for (unsigned i = 0; i < BENCH_BURST; i++) {
		struct rte_mbuf *m = pkts[i];
		struct rte_ipv4_hdr *ih = (struct rte_ipv4_hdr *)rte_pktmbuf_append(
		        m, sizeof(*ih) + sizeof(struct rte_tcp_hdr));
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ih + 1);
		ih->src_addr = (uint32_t)(seq + i);
		th->sent_seq = (uint32_t)(seq + i);
		th->src_port = (uint16_t)i;
		m->l3_len = sizeof(*ih);
	}
	return 0;
}

/* Fill a burst, then enqueue one by one as steer_to does. Returns the
 * number handed over. */
static unsigned
bench_send_burst(struct bench *b, uint64_t seq)
{
	struct rte_mbuf *pkts[BENCH_BURST];
	unsigned n = 0;

	if (bench_fill(b, pkts, seq) != 0)
		return 0;
	for (; n < BENCH_BURST; n++)
		if (rte_ring_sp_enqueue(b->ring, pkts[n]) != 0)
			break;
	if (n < BENCH_BURST) {
		b->ring_full++;
		rte_pktmbuf_free_bulk(&pkts[n], BENCH_BURST - n);
	}
	return n;
}

/* Read each header as tcp_parse would, and free. */
static void
bench_consume(struct bench *b, struct rte_mbuf **pkts, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct rte_ipv4_hdr *ih =
		        rte_pktmbuf_mtod(pkts[i], const struct rte_ipv4_hdr *);
		const struct rte_tcp_hdr *th = rte_pktmbuf_mtod_offset(
		        pkts[i], const struct rte_tcp_hdr *, pkts[i]->l3_len);
		b->sum += ih->src_addr + th->sent_seq + th->src_port;
	}
	rte_pktmbuf_free_bulk(pkts, n);
}

static unsigned
bench_recv_burst(struct bench *b)
{
	struct rte_mbuf *pkts[BENCH_BURST];
	unsigned n = rte_ring_sc_dequeue_burst(b->ring, (void **)pkts, BENCH_BURST, NULL);

	bench_consume(b, pkts, n);
	return n;
}

static int
bench_send(void *arg)
{
	struct bench *b = arg;
	uint64_t sent = 0, start;

	while (!b->ready)
		rte_pause();
	start = rte_rdtsc();
	while (sent < b->packets)
		sent += bench_send_burst(b, sent);
	b->send_tsc = rte_rdtsc() - start;
	return 0;
}

static void
bench_recv(struct bench *b, uint64_t expect)
{
	uint64_t got = 0, start = rte_rdtsc();

	while (got < expect)
		got += bench_recv_burst(b);
	b->recv_tsc = rte_rdtsc() - start;
}

/* Both sides in turn on this lcore. */
static void
bench_one_core(struct bench *b)
{
	uint64_t sent = 0, got = 0, start = rte_rdtsc();

	while (sent < b->packets) {
		sent += bench_send_burst(b, sent);
		got += bench_recv_burst(b);
	}
	while (got < sent)
		got += bench_recv_burst(b);
	b->send_tsc = rte_rdtsc() - start;
	b->recv_tsc = 0;
}

/* The same work, no ring. */
static void
bench_direct(struct bench *b)
{
	struct rte_mbuf *pkts[BENCH_BURST];
	uint64_t done = 0, start = rte_rdtsc();

	while (done < b->packets)
		if (bench_fill(b, pkts, done) == 0) {
			bench_consume(b, pkts, BENCH_BURST);
			done += BENCH_BURST;
		}
	b->send_tsc = rte_rdtsc() - start;
	b->recv_tsc = 0;
}

static void
bench_report(const struct bench *b, const char *mode, unsigned cores, double hz)
{
	uint64_t wall = RTE_MAX(b->send_tsc, b->recv_tsc);

	printf("%s %u %" PRIu64 " %.1f %.1f %.2f %" PRIu64 "\n", mode, cores, b->packets,
	       (double)b->send_tsc / b->packets, (double)b->recv_tsc / b->packets,
	       b->packets / ((double)wall / hz) / 1e6, b->ring_full);
}

int
main(int argc, char **argv)
{
	int eal = rte_eal_init(argc, argv);
	if (eal < 0) {
		fprintf(stderr, "tern-steer-bench: EAL initialisation failed\n");
		return 1;
	}
	argc -= eal;
	argv += eal;
	uint64_t packets = argc > 1 ? strtoull(argv[1], NULL, 10) : 20000000;
	unsigned runs = argc > 2 ? (unsigned)atoi(argv[2]) : 5;
	struct bench b = { .packets = packets };
	double hz = (double)rte_get_tsc_hz();
	unsigned worker = rte_get_next_lcore(-1, 1, 0);

	b.pool = rte_pktmbuf_pool_create("steer_bench", BENCH_MBUFS, BENCH_CACHE, 0,
	                                 RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	b.ring = rte_ring_create("steer_bench", STEER_RING_SIZE, (int)rte_socket_id(),
	                         RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (b.pool == NULL || b.ring == NULL) {
		fprintf(stderr, "tern-steer-bench: cannot create the pool or the ring\n");
		return 1;
	}
	printf("mode cores packets send_cyc_per_pkt recv_cyc_per_pkt mpps ring_full\n");
	for (unsigned r = 0; r < runs; r++) {
		b.ring_full = 0;
		bench_direct(&b);
		bench_report(&b, "direct", 1, hz);
		bench_one_core(&b);
		bench_report(&b, "same", 1, hz);
		if (worker >= RTE_MAX_LCORE)
			continue;
		b.ready = false;
		rte_eal_remote_launch(bench_send, &b, worker);
		b.ready = true;
		bench_recv(&b, packets);
		rte_eal_wait_lcore(worker);
		bench_report(&b, "cross", 2, hz);
	}
	printf("checksum %" PRIu64 "\n", b.sum);
	rte_ring_free(b.ring);
	rte_mempool_free(b.pool);
	rte_eal_cleanup();
	return 0;
}
