/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The runtime behind tern.h: configuration, EAL, pools, port, one engine per
 * lcore, the lcore loop, and an orderly stop that accounts for every mbuf.
 *
 *   tern_init -> args, config, EAL, pools, port_open, engine_init x lcores
 *   tern_run  -> runtime_lcore_main on every lcore -> engine_poll until stop
 *   tern_fini -> engine_fini, port_close, counters (and cycles per layer when
 *                built with cost accounting), pool check
 *
 * SIGINT/SIGTERM are blocked before the EAL starts its threads and read from a
 * signalfd by the main lcore, so no signal handler and no global flag exist.
 */
#include <errno.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "api/args.h"
#include "core/config.h"
#include "core/engine.h"
#include "core/log.h"
#include "drivers/capture.h"
#include "drivers/port.h"
#include "net/arp.h"
#include "net/iface.h"
#include "tcp/tcp.h"
#include "tern.h"

#define RUNTIME_SIGNAL_CHECK_HZ  100 /* how often the main lcore looks for SIGINT */
#define RUNTIME_LINK_CHECK_HZ    1
#define RUNTIME_QUIESCE_QUIET_MS 20  /* stopping: the port is quiet after this long */
#define RUNTIME_QUIESCE_MAX_MS   500 /* stopping: never wait longer for it */

struct tern {
	const struct tern_app *app;
	struct config cfg;
	struct port port;
	struct iface ifc;
	bool eal_up;
	bool port_open;
	bool stop; /* written by the main lcore, read by all */
	int sigfd;
	unsigned nb_engines;
	struct engine *engines[RTE_MAX_LCORE];    /* by engine index */
	unsigned engine_of_lcore[RTE_MAX_LCORE];  /* lcore id -> engine index */
	struct rte_mempool *pools[RTE_MAX_LCORE]; /* by engine index */
	struct capture *capture;                  /* --capture, dpdk-dumpcap */
	void (*on_start)(struct tern_core *core, void *arg);
	void *on_start_arg;
};

/* net_tap asks the kernel for a signal on every frame it queues (F_SETSIG:
 * a real-time one in DPDK 22.11, SIGIO before; its RX burst skips the readv
 * until one has come). The kernel hands a process signal to any thread not
 * blocking it: DPDK's sleeping interrupt and telemetry threads, pinned to
 * the lcores' CPUs, woke for them and preempted the engine (a quarter of an
 * HTTP server's core on the tap went to them and to context switches). These
 * signals are blocked before the EAL starts its threads, which inherit that,
 * and taken only by the lcores, which are running anyway. */
static void
runtime_io_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGIO);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigaddset(set, sig);
}

static void
runtime_lcore_signals(void)
{
	sigset_t set;

	runtime_io_signals(&set);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

static int
runtime_block_signals(struct tern *t)
{
	sigset_t set;

	runtime_io_signals(&set); /* see runtime_lcore_signals */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -errno;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -errno;
	t->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return t->sigfd < 0 ? -errno : 0;
}

static int
runtime_config(struct tern *t, const struct tern_args *a)
{
	config_defaults(&t->cfg);
	if (a->config_path != NULL && config_load(&t->cfg, a->config_path, stderr) != 0)
		return 2;
	if (a->ip != NULL && config_set_ip(&t->cfg, a->ip) != 0) {
		fprintf(stderr,
		        "%s: --ip '%s': expected a unicast A.B.C.D/LEN, e.g. 198.18.0.2/24\n",
		        t->app->name, a->ip);
		return 2;
	}
	/* Frames are received into one mbuf each (no RX scatter). */
	if (t->cfg.pool_data_room < t->cfg.mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN) {
		fprintf(stderr,
		        "%s: [pool] data_room %u is too small for [port] mtu %u (needs %u)\n",
		        t->app->name, t->cfg.pool_data_room, t->cfg.mtu,
		        t->cfg.mtu + RTE_ETHER_HDR_LEN + RTE_VLAN_HLEN);
		return 2;
	}
	return 0;
}

static int
runtime_pools(struct tern *t)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned lcore, i = 0;

	RTE_LCORE_FOREACH(lcore)
	{
		snprintf(name, sizeof(name), "tern_pool_%u", i);
		t->pools[i] = rte_pktmbuf_pool_create(name, t->cfg.pool_mbufs, t->cfg.pool_cache, 0,
		                                      t->cfg.pool_data_room + RTE_PKTMBUF_HEADROOM,
		                                      rte_lcore_to_socket_id(lcore));
		if (t->pools[i] == NULL) {
			fprintf(stderr,
			        "%s: cannot create mbuf pool of %u mbufs for lcore %u: %s\n",
			        t->app->name, t->cfg.pool_mbufs, lcore, rte_strerror(rte_errno));
			return -ENOMEM;
		}
		t->engine_of_lcore[lcore] = i++;
	}
	t->nb_engines = i;
	return 0;
}

static int
runtime_engines(struct tern *t)
{
	uint64_t hz = rte_get_tsc_hz(), now = rte_rdtsc();
	unsigned lcore;

	RTE_LCORE_FOREACH(lcore)
	{
		unsigned i = t->engine_of_lcore[lcore];
		int socket = rte_lcore_to_socket_id(lcore);

		t->engines[i] = rte_zmalloc_socket("engine", sizeof(struct engine),
		                                   RTE_CACHE_LINE_SIZE, socket);
		if (t->engines[i] == NULL)
			return -ENOMEM;
		int ret = engine_init(t->engines[i], &t->cfg, &t->ifc, t->port.port_id, i,
		                      t->pools[i], hz, now);
		if (ret != 0) {
			fprintf(stderr, "%s: engine %u on lcore %u: %s\n", t->app->name, i, lcore,
			        strerror(-ret));
			return ret;
		}
		TERN_LOG(engine, DEBUG, "engine %u: lcore %u, socket %d, queue %u, %u mbufs\n", i,
		         lcore, socket, i, t->pools[i]->size);
	}
	for (unsigned i = 0; i < t->nb_engines; i++)
		engine_connect(t->engines[i], t->engines, t->nb_engines);
	return 0;
}

static int
runtime_start(struct tern *t, const struct tern_args *a)
{
	if (rte_eal_init(a->eal_argc, a->eal_argv) < 0) {
		fprintf(stderr, "%s: EAL initialisation failed: %s\n", t->app->name,
		        rte_strerror(rte_errno));
		return 1;
	}
	t->eal_up = true;
	/* After rte_eal_init: --log-level applies from here on. */
	TERN_LOG(config, INFO, "%s%s%s\n",
	         a->config_path != NULL ? a->config_path : "built-in defaults (config/tap.ini)",
	         a->ip != NULL ? ", --ip " : "", a->ip != NULL ? a->ip : "");
	if (runtime_pools(t) != 0)
		return 1;
	int ret = port_open(&t->port, &t->cfg, t->nb_engines, t->pools, stderr);
	if (ret != 0)
		return ret == -ENODEV ? 2 : 1;
	t->port_open = true;
	iface_init(&t->ifc, &t->cfg, &t->port);
	if (runtime_engines(t) != 0)
		return 1;
	ret = capture_init(&t->capture, t->app->name, a->capture, a->capture_max, t->engines,
	                   t->nb_engines, stderr);
	if (ret != 0)
		return ret == -ENOMEM ? 1 : 2;
	uint32_t ip = t->cfg.ip_addr;
	printf("%s: up on port %u (%s), ip %u.%u.%u.%u/%u, mac " RTE_ETHER_ADDR_PRT_FMT
	       ", %u engine(s)\n",
	       t->app->name, t->port.port_id, t->port.driver, ip >> 24, (ip >> 16) & 0xff,
	       (ip >> 8) & 0xff, ip & 0xff, t->cfg.ip_prefix, RTE_ETHER_ADDR_BYTES(&t->ifc.mac),
	       t->nb_engines);
	fflush(stdout);
	return 0;
}

int
tern_init(int argc, char **argv, const struct tern_app *app, struct tern **out)
{
	struct tern_args a;
	int ret;

	*out = NULL;
	ret = args_parse(argc, argv, app, &a, stderr);
	if (ret != 0)
		return ret;
	if (a.help) {
		args_usage(app, stdout);
		return 0;
	}
	struct tern *t = calloc(1, sizeof(*t));
	if (t == NULL)
		return 1;
	t->app = app;
	t->sigfd = -1;
	ret = runtime_config(t, &a);
	if (ret == 0 && runtime_block_signals(t) != 0) {
		fprintf(stderr, "%s: cannot set up signal handling: %s\n", app->name,
		        strerror(errno));
		ret = 1;
	}
	if (ret == 0)
		ret = runtime_start(t, &a);
	if (ret != 0) {
		tern_fini(t);
		return ret;
	}
	*out = t;
	return 0;
}

/* Main lcore only, a few times a second: signals and link changes. */
static void
runtime_housekeeping(struct tern *t, struct engine *eng, bool check_link)
{
	struct signalfd_siginfo si;

	if (read(t->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		TERN_LOG(engine, INFO, "signal %u: stopping\n", si.ssi_signo);
		__atomic_store_n(&t->stop, true, __ATOMIC_RELEASE);
	}
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

	runtime_lcore_signals();
	eng->stop = &t->stop;
	if (is_main)
		arp_announce(eng); /* RFC 5227 2.4: tell the segment who we are */
	if (t->on_start != NULL)
		t->on_start((struct tern_core *)eng, t->on_start_arg);
	while (!__atomic_load_n(&t->stop, __ATOMIC_RELAXED)) {
		uint64_t now = rte_rdtsc();

		engine_poll(eng, now);
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
tern_listen(struct tern *t, uint16_t port, const struct tern_conn_ops *ops, void *arg)
{
	uint16_t port_be = rte_cpu_to_be_16(port);

	if (port == 0 || ops == NULL)
		return -EINVAL;
	if (tcp_listener_find(t->engines[0], port_be) != NULL)
		return -EADDRINUSE;
	for (unsigned i = 0; i < t->nb_engines; i++) {
		struct tcp_listener *l = NULL;
		for (unsigned j = 0; j < TCP_LISTENERS_MAX && l == NULL; j++)
			if (t->engines[i]->tcp.listeners[j].port_be == 0)
				l = &t->engines[i]->tcp.listeners[j];
		if (l == NULL)
			return -ENOSPC;
		*l = (struct tcp_listener){ .port_be = port_be, .ops = ops, .arg = arg };
	}
	return 0;
}

int
tern_on_start(struct tern *t, void (*fn)(struct tern_core *core, void *arg), void *arg)
{
	t->on_start = fn;
	t->on_start_arg = arg;
	return 0;
}

int
tern_on_poll(struct tern *t, void (*fn)(struct tern_core *core, void *arg), void *arg)
{
	for (unsigned i = 0; i < t->nb_engines; i++) {
		t->engines[i]->on_poll = fn;
		t->engines[i]->on_poll_arg = arg;
	}
	return 0;
}

void
tern_core_stop_all(struct tern_core *core)
{
	struct engine *eng = (struct engine *)core;

	if (eng->stop != NULL)
		__atomic_store_n(eng->stop, true, __ATOMIC_RELEASE);
}

int
tern_run(struct tern *t)
{
	rte_eal_mp_remote_launch(runtime_lcore_main, t, CALL_MAIN);
	rte_eal_mp_wait_lcore();
	return 0;
}

/* Every mbuf must be back: report each pool, and any shortfall as an error. */
static int
runtime_check_pools(struct tern *t)
{
	int status = 0;

	for (unsigned i = 0; i < RTE_MAX_LCORE && t->pools[i] != NULL; i++) {
		struct rte_mempool *mp = t->pools[i];
		unsigned in_use = rte_mempool_in_use_count(mp);

		printf("%s: pool %s: %u of %u mbufs free\n", t->app->name, mp->name,
		       rte_mempool_avail_count(mp), mp->size);
		if (in_use != 0) {
			fprintf(stderr, "%s: error: pool %s: %u mbufs not returned\n", t->app->name,
			        mp->name, in_use);
			status = 1;
		}
	}
	return status;
}

static void
runtime_print_stats(struct tern *t)
{
	struct net_stats sum;
	char prefix[32];

	memset(&sum, 0, sizeof(sum));
	for (unsigned i = 0; i < t->nb_engines; i++) {
		snprintf(prefix, sizeof(prefix), "engine%u.", i);
		if (t->nb_engines > 1)
			stats_print(stdout, prefix, &t->engines[i]->stats);
		stats_add(&sum, &t->engines[i]->stats);
	}
	stats_print(stdout, "total.", &sum);
#ifdef TERN_COST_ACCOUNTING
	for (unsigned i = 0; i < t->nb_engines; i++)
		cost_print(stdout, &t->engines[i]->cost, i, rte_get_tsc_hz());
#endif
}

int
tern_fini(struct tern *t)
{
	int status = 0;

	if (t == NULL)
		return 0;
	for (unsigned i = 0; i < t->nb_engines; i++)
		if (t->engines[i] != NULL)
			engine_fini(t->engines[i]);
	status = capture_fini(t->capture, stdout); /* needs the port: before it closes */
	if (t->port_open) {
		port_close(&t->port);
		runtime_print_stats(t);
		status |= runtime_check_pools(t);
	}
	for (unsigned i = 0; i < t->nb_engines; i++) {
		rte_free(t->engines[i]);
		rte_mempool_free(t->pools[i]);
	}
	fflush(stdout);
	if (t->eal_up)
		rte_eal_cleanup();
	if (t->sigfd >= 0)
		close(t->sigfd);
	free(t);
	return status;
}
