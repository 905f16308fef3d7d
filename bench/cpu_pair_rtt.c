/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-cpu-pair-rtt: how long one cache line takes to go from one CPU to
 * another and back, right now. Every frame of the in-memory pair crosses
 * between the server's CPU and the client's (docs/PAIR.md), so this round
 * trip bounds small-request rates, and on a VM it moves when the host
 * places the two vCPUs differently: 97-99 ns and 381-449 ns were both seen
 * on this machine, minutes apart, with nothing else changing. bench/run.sh
 * records it before every pair run, so that a bimodal figure can be set
 * beside the placement it ran on.
 *
 *   tern-cpu-pair-rtt [CPU_A CPU_B [ROUND_TRIPS]]   (0 1 20000)
 *
 * Prints the median round trip in nanoseconds (of 20 batches), one number.
 *   main (CPU_A): write ping=i, spin until pong==i; per batch the clock
 *   pong thread (CPU_B): spin until ping changes, write pong=ping
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define RTT_BATCHES 20
#define RTT_LINE    64

/* ping and pong on lines of their own: each is written by one CPU only. */
struct rtt_lines {
	_Alignas(RTT_LINE) volatile uint64_t ping;
	_Alignas(RTT_LINE) volatile uint64_t pong;
	uint64_t round_trips;
};

static cpu_set_t
rtt_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return set;
}

static uint64_t
rtt_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct rtt_peer {
	struct rtt_lines *l;
	int cpu;
};

static void *
rtt_pong(void *arg)
{
	struct rtt_peer *p = arg;
	uint64_t total = p->l->round_trips * RTT_BATCHES, seen = 0;

	while (seen < total) {
		uint64_t v = __atomic_load_n(&p->l->ping, __ATOMIC_ACQUIRE);
		if (v != seen) {
			seen = v;
			__atomic_store_n(&p->l->pong, v, __ATOMIC_RELEASE);
		}
	}
	return NULL;
}

static int
rtt_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int
main(int argc, char **argv)
{
	static struct rtt_lines lines;
	struct rtt_peer peer = { .l = &lines };
	uint64_t batch_ns[RTT_BATCHES], i = 0;
	int cpu_a = 0;
	pthread_attr_t attr;
	cpu_set_t set;
	pthread_t t;

	if (argc != 1 && argc != 3 && argc != 4) {
		fprintf(stderr, "usage: tern-cpu-pair-rtt [CPU_A CPU_B [ROUND_TRIPS]]\n");
		return 2;
	}
	lines.round_trips = 20000;
	peer.cpu = 1;
	if (argc >= 3) {
		cpu_a = atoi(argv[1]);
		peer.cpu = atoi(argv[2]);
	}
	if (argc == 4 && (lines.round_trips = strtoull(argv[3], NULL, 10)) == 0) {
		fprintf(stderr, "tern-cpu-pair-rtt: ROUND_TRIPS must be a positive count\n");
		return 2;
	}
	set = rtt_cpu(cpu_a);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set) != 0) {
		fprintf(stderr, "tern-cpu-pair-rtt: cannot run on CPU %d\n", cpu_a);
		return 1;
	}
	/* Pinned from its first instruction: a pong thread elsewhere would
	 * measure something else, so it does not start at all. */
	set = rtt_cpu(peer.cpu);
	if (pthread_attr_init(&attr) != 0 ||
	    pthread_attr_setaffinity_np(&attr, sizeof(set), &set) != 0 ||
	    pthread_create(&t, &attr, rtt_pong, &peer) != 0) {
		fprintf(stderr, "tern-cpu-pair-rtt: cannot run a thread on CPU %d\n", peer.cpu);
		return 1;
	}
	pthread_attr_destroy(&attr);
	for (int b = 0; b < RTT_BATCHES; b++) {
		uint64_t t0 = rtt_now_ns();
		for (uint64_t n = 0; n < lines.round_trips; n++) {
			__atomic_store_n(&lines.ping, ++i, __ATOMIC_RELEASE);
			while (__atomic_load_n(&lines.pong, __ATOMIC_ACQUIRE) != i)
				;
		}
		batch_ns[b] = (rtt_now_ns() - t0) / lines.round_trips;
	}
	pthread_join(t, NULL);
	/* The median batch: one descheduled batch does not move it. */
	qsort(batch_ns, RTT_BATCHES, sizeof(batch_ns[0]), rtt_cmp);
	printf("%llu\n", (unsigned long long)batch_ns[RTT_BATCHES / 2]);
	return 0;
}
