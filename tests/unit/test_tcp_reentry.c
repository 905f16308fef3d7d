/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A seeded search for re-entry: an application whose callbacks call back into
 * the API (tern_connect, tern_send, tern_send_mbuf, tern_recv_copy,
 * tern_shutdown, tern_close, tern_abort) while the engine is in the middle of
 * a segment, a timer or a reclaim. A pool of 2..6 connections and 2..6 local
 * ports keeps the pool empty (or 9..12 connections a flow table of 8 keeps
 * from opening), so that opens (the application's, and the peer's to a
 * listener) end the oldest TIME_WAIT or orphan (tcp_reclaim) and their closed
 * callbacks open connections again, inside the open that made room. It found
 * three ways a nested open got the block of the connection whose callback was
 * running, and had it freed or driven by the old segment on return: an orphan
 * reclaimed (test_rss's test_connect_nested_in_reclaim), an orphan closed by a
 * timer, a RST or its last ACK, and a connection entering TIME_WAIT.
 * tcp_reclaim now passes over a block while a callback of its own runs
 * (TCP_APP_CALL).
 *
 *   step: app action | peer segment | time -> engine_poll -> callbacks -> app actions
 *         -> frames out -> scripted peer answers -> ... -> invariants
 *
 * The peer is a sketch of TCP: it answers a SYN with a SYN-ACK (or a RST, or
 * nothing), ACKs data and FINs, sends its own data, FINs and RSTs, shuts its
 * window, and loses segments, each by the seed's odds. The application holds a
 * table of its handles; a callback for a handle it does not hold, or after its
 * closed, is a bug, as is a held handle that is not in the flow table under
 * its own 4-tuple with the application's callbacks. The application also lends
 * mbufs (tern_send_mbuf): chains of a pool of the test's, and external buffers
 * whose free callbacks must each run once, never before the peer acknowledged
 * the buffer's bytes while its connection is open, and by the end
 * (reentry/lend.c); the peer checks every byte it reads is the application's.
 * After every poll the pool is checked whole: each block free, waiting for the
 * output pass, or live in the table; the lists hold what they should. At the
 * end everything is closed, time passes 2 MSL and the retries, and every block
 * and mbuf is back.
 *
 * A failed seed does not stop the search (up to a dozen): each failure is
 * printed with its seed and step, and the test fails at the end. A seed that
 * runs for 10 s (an engine list closed on itself) is named and ends the
 * process. TERN_REENTRY_SEED=N runs seed N alone with a trace of every
 * segment, action and callback; TERN_REENTRY_SEEDS=N searches seeds 1..N.
 *
 * The parts live in reentry/: the peer (peer.c), the application and its
 * callbacks (app.c), its lent buffers (lend.c), the invariants (checks.c),
 * what a seed fixes (seed.c) and what the search prints (report.c), over one
 * struct reentry (reentry.h). This file drives the search.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/common_interface_defs.h>
#endif

#include "reentry/reentry.h"

#define SEEDS      2000 /* ~1 s of CPU here, ~8 s under ASan */
#define DRAIN_MAX  80   /* half-second ticks to end everything at the end */
#define FAILS_MAX  12   /* failed seeds before the search stops */
#define WATCHDOG_S 10   /* a seed that runs this long is stuck: say which */

/* The search's one state; the signal handlers name its seed and step. */
static struct reentry search;

/* ---- steps ---------------------------------------------------------------- */

static void
step_time(struct reentry *re)
{
	unsigned r = below(re, 10);
	uint64_t ms = r < 4   ? 1 + below(re, 50)
	              : r < 8 ? 100 + below(re, 1100)
	                      : 1500 + below(re, 2000);

	re->now_ms += ms;
	trace(re, "time +%" PRIu64 " ms", ms);
	harness_advance_us(re->h, ms * 1000);
	re->cnt.polls++;
	check_all(re, "after time passed");
}

static void
step(struct reentry *re)
{
	enum step_kind k = (enum step_kind)pick_weighted(re, re->odds.step, S_NB);

	re->cnt.steps++;
	trace(re, "step %u", re->cur_step);
	if (k == S_APP) {
		app_act(re, NULL, 0, 1 + below(re, 3));
		check_all(re, "after the application's step");
	} else if (k == S_TIME) {
		step_time(re);
	} else {
		/* A few at once now and then: one burst of input. */
		unsigned n = below(re, 4) == 0 ? 2 + below(re, 3) : 1;
		for (unsigned i = 0; i < n; i++)
			step_peer(re, k == S_SYN || below(re, 2)
			                      ? k
			                      : (enum step_kind)(1 + below(re, S_TIME - 1)));
	}
	if (re->nb_out != 0 && !re->failed)
		flush_out(re);
	if (!re->failed)
		settle(re);
}

/* ---- a seed ------------------------------------------------------------- */

/* Close what is open; the peer answers everything until all is gone. */
static void
drain(struct reentry *re)
{
	re->draining = re->coop = true;
	for (unsigned i = 0; i < SLOTS && !re->failed; i++) {
		struct slot *s = &re->slots[i];
		if (!slot_live(s) || s->closing)
			continue;
		if (below(re, 4) == 0) {
			s->aborting = true;
			tern_abort(s->c);
		} else {
			s->closing = true;
			tern_close(s->c);
		}
	}
	check_all(re, "closing everything");
	for (unsigned round = 0; round < DRAIN_MAX && !re->failed; round++) {
		re->cur_step = STEPS + round;
		if (re->h->eng->tcp.used == 0 && live_slots(re) == 0)
			break;
		re->now_ms += 500;
		harness_advance_us(re->h, 500 * 1000);
		check_all(re, "draining");
		settle(re);
	}
}

static void
run_seed(struct reentry *re, unsigned seed)
{
	struct config cfg;

	re->cur_seed = seed;
	re->cur_step = 0;
	re->rng = seed;
	seed_odds(re);
	seed_config(re, &cfg);
	/* A failed seed's connections close without the application. */
	re->stopping = true;
	for (unsigned i = 0; i < re->nb_out; i++)
		rte_pktmbuf_free(re->out_q[i]);
	re->nb_out = 0;
	assert_int_equal(harness_reset(re->h, &cfg), 0);
	lend_reset(re);
	re->stopping = re->failed = false;
	seed_secrets(re);
	trace(re,
	      "seed %u: %u conns, ports %u..%u, listener %d, syncookies %u, timestamps %d/%d, "
	      "loss %u%% rst %u%% mute %u%%",
	      seed, cfg.tcp_conns, cfg.tcp_local_port_min, cfg.tcp_local_port_max, re->odds.listen,
	      cfg.tcp_syncookies, cfg.tcp_timestamps, re->odds.peer_ts, re->odds.loss_pct,
	      re->odds.rst_pct, re->odds.mute_pct);
	harness_learn(re->h, PEER_IP, &peer_mac);
	if (re->odds.listen)
		assert_int_equal(harness_listen(re->h, US_PORT, &app_ops, LISTEN_ARG), 0);
	memset(re->slots, 0, sizeof(re->slots));
	memset(re->pconns, 0, sizeof(re->pconns));
	re->now_ms = 0;
	re->coop = re->draining = false;
	unsigned pool_base = harness_pool_in_use(re->h);
	unsigned frames_base = rte_mempool_in_use_count(harness_pool());
	unsigned lend_base = rte_mempool_in_use_count(re->lend_pool);
	for (unsigned i = 0; i < STEPS && !re->failed; i++) {
		re->cur_step = i;
		step(re);
	}
	if (!re->failed)
		drain(re);
	if (!re->failed)
		check_leaks(re, pool_base, frames_base);
	lend_check_end(re, lend_base); /* a failed seed's too: it mends the pool */
	count_engine(re);
}

/* ---- crashes name their seed ---------------------------------------------- */

static struct sigaction old_segv, old_bus, old_abrt, old_alrm;

static void
say_where(const char *what)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "test_tcp_reentry: %s in seed %u step %u\n", what,
	                 search.cur_seed, search.cur_step);

	if (n > 0) {
		ssize_t w = write(STDERR_FILENO, line, (size_t)n);
		(void)w;
	}
}

static void
on_watchdog(int sig)
{
	(void)sig;
	say_where("no progress in " RTE_STR(WATCHDOG_S) " s (a loop in the engine?)");
	_exit(1);
}

static void
on_fatal(int sig)
{
	say_where(strsignal(sig));
	sigaction(sig, sig == SIGSEGV ? &old_segv : sig == SIGBUS ? &old_bus : &old_abrt, NULL);
	raise(sig);
}

#ifdef __SANITIZE_ADDRESS__
static void
on_sanitizer_death(void)
{
	say_where("a sanitizer report");
}
#endif

static void
catch_fatal(bool on)
{
	struct sigaction sa = { .sa_handler = on_fatal };

	if (on) {
		sigemptyset(&sa.sa_mask);
		sigaction(SIGSEGV, &sa, &old_segv);
		sigaction(SIGBUS, &sa, &old_bus);
		sigaction(SIGABRT, &sa, &old_abrt);
		sa.sa_handler = on_watchdog;
		sigaction(SIGALRM, &sa, &old_alrm);
	} else {
		sigaction(SIGSEGV, &old_segv, NULL);
		sigaction(SIGBUS, &old_bus, NULL);
		sigaction(SIGABRT, &old_abrt, NULL);
		sigaction(SIGALRM, &old_alrm, NULL);
	}
#ifdef __SANITIZE_ADDRESS__
	__sanitizer_set_death_callback(on ? on_sanitizer_death : NULL);
#endif
}

/* ---- the test ------------------------------------------------------------- */

static void
test_reentry_search(void **state)
{
	struct reentry *re = *state;

	memset(&re->cnt, 0, sizeof(re->cnt));
	memset(re->peer_payload, 'p', sizeof(re->peer_payload));
	memset(re->app_buf, 'a', sizeof(re->app_buf));
	memset(re->send_buf, APP_BYTE, sizeof(re->send_buf));
	const char *one = getenv("TERN_REENTRY_SEED");
	const char *many = getenv("TERN_REENTRY_SEEDS");
	unsigned first = 1, last = SEEDS;

	if (one != NULL) {
		first = last = (unsigned)strtoul(one, NULL, 0);
		re->tracing = true;
	} else if (many != NULL) {
		last = (unsigned)strtoul(many, NULL, 0); /* a longer search */
	}
	catch_fatal(true);
	/* Past a dozen failed seeds, stop: an engine that broke this often
	 * may yet break in a way that loops (a list closed on itself). */
	for (unsigned seed = first; seed <= last && re->nb_fails < FAILS_MAX; seed++) {
		alarm(WATCHDOG_S);
		run_seed(re, seed);
		if (re->failed) {
			if (re->nb_fails++ == 0)
				memcpy(re->first_fail, re->bug_msg, sizeof(re->bug_msg));
			print_error("%s\n", re->bug_msg);
		}
	}
	alarm(0);
	catch_fatal(false);
	if (!re->tracing)
		print_counters(re, re->cur_seed - first + 1);
	if (re->nb_fails != 0)
		fail_msg("%u of %u seeds failed; the first: %s", re->nb_fails,
		         re->cur_seed - first + 1, re->first_fail);
	if (re->tracing)
		return;
	/* The search reached what it is for. */
	assert_true(re->cnt.orphans_reclaimed > 0 && re->cnt.tw_reclaimed > 0);
	assert_true(re->cnt.connects_in_closed_ok > 0 && re->cnt.closes_in_cb > 0 &&
	            re->cnt.aborts_in_cb > 0);
	assert_true(re->cnt.lends_nobufs > 0 && re->cnt.lends_msgsize > 0 &&
	            re->cnt.ext_freed_acked > 0 && re->cnt.ext_freed_at_end > 0 &&
	            re->cnt.ext_freed_refused > 0);
}

static int
setup(void **state)
{
	app_bind(&search);
	search.h = harness_open(NULL);
	*state = &search;
	return search.h == NULL || lend_init(&search) != 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	struct reentry *re = *state;

	re->stopping = true; /* a failed seed's connections close without the application */
	harness_drain(re->h);
	harness_close(re->h);
	lend_fini(re);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reentry_search, setup, teardown),
	};

	if (harness_eal_init() != 0)
		return 1;
	return cmocka_run_group_tests_name("tcp_reentry", tests, NULL, NULL);
}
