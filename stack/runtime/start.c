/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bringing a process up: arguments, configuration, signals, the EAL, the
 * pools, the port and one engine per lcore. Every step that fails prints one
 * line and tern_init undoes what was done (tern_fini).
 *
 *   tern_init -> args_parse -> runtime_config -> runtime_block_signals
 *             -> runtime_start: EAL, pools, port_open, iface, engines
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_malloc.h>

#include "api/args.h"
#include "core/log.h"
#include "drivers/capture.h"
#include "engine/engine.h"
#include "runtime/runtime.h"
#include "runtime/telemetry.h"
#include "tern.h"

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
		if (engine_connect(t->engines[i], t->engines, t->nb_engines) != 0) {
			fprintf(stderr, "%s: cannot create the steering rings of engine %u\n",
			        t->app->name, i);
			return -ENOMEM;
		}
	for (unsigned i = 0; i < t->nb_engines; i++)
		engine_link(t->engines[i]);
	return 0;
}

/* The /tern/ telemetry commands (runtime/telemetry.c); Tern runs without. */
static void
runtime_telemetry(struct tern *t)
{
	const struct telemetry tm = {
		.app = t->app->name,
		.cfg = &t->cfg,
		.engines = t->engines,
		.nb_engines = t->nb_engines,
	};
	int ret = telemetry_init(&tm);

	if (ret != 0)
		fprintf(stderr, "%s: telemetry: cannot register /tern/ commands: %s\n",
		        t->app->name, strerror(-ret));
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
	if (runtime_pools_create(t) != 0)
		return 1;
	int ret = port_open(&t->port, &t->cfg, t->nb_engines, t->pools, stderr);
	if (ret != 0)
		/* what the user named */
		return ret == -ENODEV || ret == -ERANGE || ret == -ENOTSUP ? 2 : 1;
	t->port_open = true;
	iface_init(&t->ifc, &t->cfg, &t->port);
	if (runtime_engines(t) != 0)
		return 1;
	ret = capture_init(&t->capture, t->app->name, a->capture, a->capture_max, t->engines,
	                   t->nb_engines, stderr);
	if (ret != 0)
		return ret == -ENOMEM ? 1 : 2;
	runtime_telemetry(t);
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
