/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The lcores: every lcore runs one engine's loop until the stop flag is
 * set, then quiesces it. The main lcore also reads the stop signals and
 * watches the link a few times a second.
 *
 *   tern_run -> runtime_lcore_main (each lcore) -> engine_poll until stop
 *            -> runtime_quiesce -> engine_flush
 *
 * The loop also counts its stalls: iterations that began long after the one
 * before, because the one before worked that long or (far more often, on a
 * shared CPU) the thread was descheduled. Every connection of the engine
 * waits through a stall, so they are where millisecond tails come from.
 */
#include <sched.h>

#include <rte_cycles.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "engine/engine.h"
#include "net/arp.h"
#include "runtime/runtime.h"
#include "tcp/tcp.h"
#include "tern.h"

#define RUNTIME_SIGNAL_CHECK_HZ  100 /* how often the main lcore looks for SIGINT */
#define RUNTIME_LINK_CHECK_HZ    1
#define RUNTIME_QUIESCE_QUIET_MS 20  /* stopping: the port is quiet after this long */
#define RUNTIME_QUIESCE_MAX_MS   500 /* stopping: never wait longer for it */
#define RUNTIME_STALL_US         100 /* loop_stalls_100us; loop_stalls_1ms at 10x */

/* An iteration that began @gap TSC cycles after the one before. */
static inline void
runtime_count_stall(struct engine *eng, uint64_t gap, uint64_t stall_tsc)
{
	if (likely(gap < stall_tsc))
		return;
	eng->stats.loop_stalls_100us++;
	eng->stats.loop_stalls_1ms += gap >= stall_tsc * 10;
}

/* Main lcore only, a few times a second: signals and link changes. */
static void
runtime_housekeeping(struct tern *t, struct engine *eng, bool check_link)
{
	if (runtime_stop_requested(t))
		__atomic_store_n(&t->stop, true, __ATOMIC_RELEASE);
	bool was_up = t->port.link_up;
	/* A link that comes up may have missed the start-up announcement. */
	if (check_link && port_poll_link(&t->port) && !was_up)
		arp_announce(eng);
}

/* Stopping: refuse new connections, reset the open ones, and keep answering
 * (RSTs to what still arrives, RFC 9293 3.10.7.1) until the port has been
 * quiet for a moment, so that peers have stopped sending when it closes. A
 * net_memif peer still transmitting at the disconnect crashes: its control
 * thread unmaps the shared rings under its own data path (DPDK 22.11's memif
 * does not fence the two; seen at the end of bulk runs). */
static void
runtime_quiesce(struct engine *eng)
{
	uint64_t hz = rte_get_tsc_hz(), start = rte_rdtsc(), last = start;
	bool reset_all = false;

	eng->on_poll = NULL; /* the application is done: no new connections */
	eng->tx_patient = true;
	for (;;) {
		uint64_t now = rte_rdtsc();
		/* RSTs a burst at a time, between polls that read what the
		 * peer answers: a million at once would overflow the TX ring. */
		if (!reset_all)
			reset_all = tcp_engine_stop(eng, eng->burst);
		if (engine_poll(eng, now) != 0 || !reset_all)
			last = now;
		if (now - last >= hz * RUNTIME_QUIESCE_QUIET_MS / 1000 ||
		    now - start >= hz * RUNTIME_QUIESCE_MAX_MS / 1000)
			break;
	}
}

static int
runtime_lcore_main(void *arg)
{
	struct tern *t = arg;
	struct engine *eng = t->engines[t->engine_of_lcore[rte_lcore_id()]];
	bool is_main = rte_lcore_id() == rte_get_main_lcore();
	uint64_t hz = rte_get_tsc_hz(), next_signal = 0, next_link = 0;
	uint64_t stall_tsc = hz / (1000000 / RUNTIME_STALL_US), prev = rte_rdtsc();
	uint32_t yield_after = t->cfg.idle_yield_polls, empty = 0;

	runtime_lcore_signals();
	eng->stop = &t->stop;
	if (is_main)
		arp_announce(eng); /* RFC 5227 2.4: tell the segment who we are */
	if (t->on_start != NULL)
		t->on_start((struct tern_core *)eng, t->on_start_arg);
	while (!__atomic_load_n(&t->stop, __ATOMIC_RELAXED)) {
		uint64_t now = rte_rdtsc();
		uint64_t busy_before = eng->stats.busy_loops;

		runtime_count_stall(eng, now - prev, stall_tsc);
		prev = now;

		engine_poll(eng, now);
		/* [limits] idle_yield_polls: an engine with nothing to do lets a
		 * thread that shares its CPU run (another engine, the peer in a
		 * test) rather than spin out its time slice. */
		if (yield_after != 0) {
			empty = eng->stats.busy_loops != busy_before ? 0 : empty + 1;
			if (empty >= yield_after) {
				empty = 0;
				eng->stats.idle_yields++;
				sched_yield();
			}
		}
		if (is_main && now >= next_signal) {
			bool link = now >= next_link;
			next_signal = now + hz / RUNTIME_SIGNAL_CHECK_HZ;
			if (link)
				next_link = now + hz / RUNTIME_LINK_CHECK_HZ;
			runtime_housekeeping(t, eng, link);
		}
	}
	runtime_quiesce(eng);
	engine_flush(eng);
	return 0;
}

int
tern_run(struct tern *t)
{
	rte_eal_mp_remote_launch(runtime_lcore_main, t, CALL_MAIN);
	rte_eal_mp_wait_lcore();
	return 0;
}

void
tern_core_stop_all(struct tern_core *core)
{
	struct engine *eng = (struct engine *)core;

	if (eng->stop != NULL)
		__atomic_store_n(eng->stop, true, __ATOMIC_RELEASE);
}
