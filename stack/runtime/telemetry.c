/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The /tern/ telemetry commands (DPDK's rte_telemetry; client:
 * dpdk-telemetry.py -f FILE_PREFIX, or tools/tern-stat):
 *
 *   /tern/stats[,N]  the exit report's counters: "total" and "engineN" dicts
 *                    (engines 0-7; any one alone with ,N), drops nested under
 *                    "drop": total.drop.tcp_no_conn is the exit line's name
 *   /tern/conns[,P]  page P of the connections (telemetry_conns.c)
 *   /tern/mem        tern_core_mem of each engine
 *   /tern/config     the configuration in force, by INI section
 *
 * Engine state is copied on the engine's own core (tern_core_post), never
 * read from here; the configuration is read-only once the runtime is up.
 *
 *   telemetry thread -> telemetry_cmd -> lock, the runtime's telemetry
 *                    -> stats / mem: tern_core_post to each engine -> rte_tel_data
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include "core/config.h"
#include "engine/engine.h"
#include "core/stats.h"
#include "runtime/telemetry.h"
#include "tern.h"

/* Per-engine blocks /tern/stats includes: about 1.3 KiB of JSON each, so
 * the total and eight engines stay well inside the 16 KiB reply. */
#define TELEMETRY_STATS_ENGINES 8

/* rte_telemetry's callbacks (DPDK 22.11) take no context argument, and
 * commands cannot be unregistered: this is the one place they find the
 * runtime, set by telemetry_init and cleared by telemetry_fini under @lock,
 * which every command holds while it uses @tm. Control path only: engines
 * never touch it. */
static struct {
	pthread_mutex_t lock;
	bool registered;
	struct telemetry *tm; /* NULL: no runtime (the command answers null) */
} telemetry_ctx = { .lock = PTHREAD_MUTEX_INITIALIZER };

int
telemetry_param_index(const char *params, unsigned dflt, unsigned *out)
{
	if (params == NULL || *params == '\0') {
		*out = dflt;
		return 0;
	}
	if (params[strspn(params, "0123456789")] != '\0' || strlen(params) > 9)
		return -EINVAL;
	*out = (unsigned)strtoul(params, NULL, 10);
	return 0;
}

/* ---- /tern/stats ---- */

static int
stats_copy(struct tern_core *core, void *arg)
{
	*(struct net_stats *)arg = ((const struct engine *)core)->stats;
	return 0;
}

struct stats_dict {
	struct rte_tel_data *d;
	struct rte_tel_data *drops;
};

static void
stats_dict_add(void *ctx, const char *group, const char *name, uint64_t v)
{
	struct stats_dict *sd = ctx;

	rte_tel_data_add_dict_u64(group != NULL ? sd->drops : sd->d, name, v);
}

/* @s as a dict under @name in @d: the counters, and "drop": {reason: n}. */
static int
stats_add_block(struct rte_tel_data *d, const char *name, const struct net_stats *s)
{
	struct stats_dict sd = { .d = rte_tel_data_alloc(), .drops = rte_tel_data_alloc() };

	if (sd.d == NULL || sd.drops == NULL) {
		rte_tel_data_free(sd.d);
		rte_tel_data_free(sd.drops);
		return -ENOMEM;
	}
	rte_tel_data_start_dict(sd.d);
	rte_tel_data_start_dict(sd.drops);
	stats_foreach(s, stats_dict_add, &sd);
	rte_tel_data_add_dict_container(sd.d, "drop", sd.drops, 0);
	return rte_tel_data_add_dict_container(d, name, sd.d, 0);
}

static int
telemetry_stats(const struct telemetry *tm, const char *params, struct rte_tel_data *d)
{
	struct net_stats *per = calloc(tm->nb_engines, sizeof(*per));
	struct net_stats sum;
	unsigned only;
	char name[32];
	int ret = telemetry_param_index(params, UINT32_MAX, &only);

	if (ret == 0 && only != UINT32_MAX && only >= tm->nb_engines)
		ret = -EINVAL;
	if (ret != 0 || per == NULL) {
		free(per);
		return ret != 0 ? ret : -ENOMEM;
	}
	memset(&sum, 0, sizeof(sum));
	for (unsigned i = 0; i < tm->nb_engines && ret == 0; i++) {
		if (only == UINT32_MAX || only == i)
			ret = tern_core_post((struct tern_core *)tm->engines[i], stats_copy,
			                     &per[i], TELEMETRY_POST_MS);
		stats_add(&sum, &per[i]);
	}
	if (ret == 0) {
		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_u64(d, "engines", tm->nb_engines);
		if (only == UINT32_MAX)
			ret = stats_add_block(d, "total", &sum);
		for (unsigned i = 0; i < tm->nb_engines && ret == 0; i++) {
			if (only == UINT32_MAX ? i >= TELEMETRY_STATS_ENGINES : i != only)
				continue;
			snprintf(name, sizeof(name), "engine%u", i);
			ret = stats_add_block(d, name, &per[i]);
		}
	}
	free(per);
	return ret;
}

/* ---- /tern/mem ---- */

static int
mem_copy(struct tern_core *core, void *arg)
{
	return tern_core_mem(core, arg);
}

static int
telemetry_mem(const struct telemetry *tm, const char *params, struct rte_tel_data *d)
{
	char name[32];

	(void)params;
	rte_tel_data_start_dict(d);
	for (unsigned i = 0; i < tm->nb_engines; i++) {
		struct tern_core_mem m;
		int ret = tern_core_post((struct tern_core *)tm->engines[i], mem_copy, &m,
		                         TELEMETRY_POST_MS);
		if (ret != 0)
			return ret;
		struct rte_tel_data *e = rte_tel_data_alloc();
		if (e == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(e);
		rte_tel_data_add_dict_u64(e, "conns_max", m.conns_max);
		rte_tel_data_add_dict_u64(e, "conns_in_use", m.conns_in_use);
		rte_tel_data_add_dict_u64(e, "tcb_bytes", m.tcb_bytes);
		rte_tel_data_add_dict_u64(e, "conn_pool_bytes", m.conn_pool_bytes);
		rte_tel_data_add_dict_u64(e, "flows_max", m.flows_max);
		rte_tel_data_add_dict_u64(e, "flows_in_use", m.flows_in_use);
		rte_tel_data_add_dict_u64(e, "flow_table_bytes", m.flow_table_bytes);
		rte_tel_data_add_dict_u64(e, "mbufs_in_use", m.mbufs_in_use);
		rte_tel_data_add_dict_u64(e, "mbuf_bytes", m.mbuf_bytes);
		snprintf(name, sizeof(name), "engine%u", i);
		if (rte_tel_data_add_dict_container(d, name, e, 0) != 0) {
			rte_tel_data_free(e);
			return -ENOSPC;
		}
	}
	return 0;
}

/* ---- /tern/config ---- */

struct config_dict {
	struct rte_tel_data *d;
	struct rte_tel_data *section;
	const char *section_name;
	int ret;
};

static void
config_dict_close(struct config_dict *cd)
{
	if (cd->section != NULL &&
	    rte_tel_data_add_dict_container(cd->d, cd->section_name, cd->section, 0) != 0) {
		rte_tel_data_free(cd->section);
		cd->ret = -ENOSPC;
	}
	cd->section = NULL;
}

static void
config_dict_add(void *ctx, const char *section, const char *key, const char *value,
                const uint64_t *number)
{
	struct config_dict *cd = ctx;

	if (cd->section == NULL || strcmp(section, cd->section_name) != 0) {
		config_dict_close(cd);
		cd->section = rte_tel_data_alloc();
		if (cd->section == NULL) {
			cd->ret = -ENOMEM;
			return;
		}
		rte_tel_data_start_dict(cd->section);
		cd->section_name = section;
	}
	if (number != NULL)
		rte_tel_data_add_dict_u64(cd->section, key, *number);
	else
		rte_tel_data_add_dict_string(cd->section, key, value);
}

static int
telemetry_config(const struct telemetry *tm, const char *params, struct rte_tel_data *d)
{
	struct config_dict cd = { .d = d };

	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "app", tm->app);
	rte_tel_data_add_dict_u64(d, "engines", tm->nb_engines);
	config_foreach(tm->cfg, config_dict_add, &cd);
	config_dict_close(&cd);
	return cd.ret;
}

/* ---- registration ---- */

static const struct {
	const char *cmd;
	int (*fn)(const struct telemetry *tm, const char *params, struct rte_tel_data *d);
	const char *help;
} telemetry_cmds[] = {
	{ "/tern/stats", telemetry_stats,
	  "Tern's counters, as printed at exit: total and per engine. Parameters: int engine "
	  "(optional)" },
	{ "/tern/conns", telemetry_conns_cmd,
	  "Tern's connections, 24 a page. Parameters: int page (optional, from 0)" },
	{ "/tern/mem", telemetry_mem, "What each Tern engine's connections cost in memory" },
	{ "/tern/config", telemetry_config, "Tern's configuration in force" },
};

static int
telemetry_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int ret = -ENODEV;

	pthread_mutex_lock(&telemetry_ctx.lock);
	for (size_t i = 0; i < RTE_DIM(telemetry_cmds); i++)
		if (telemetry_ctx.tm != NULL && strcmp(cmd, telemetry_cmds[i].cmd) == 0)
			ret = telemetry_cmds[i].fn(telemetry_ctx.tm, params, d);
	pthread_mutex_unlock(&telemetry_ctx.lock);
	return ret;
}

int
telemetry_init(const struct telemetry *tm)
{
	struct telemetry *copy = malloc(sizeof(*copy));
	int ret = 0;

	if (copy == NULL)
		return -ENOMEM;
	*copy = *tm;
	pthread_mutex_lock(&telemetry_ctx.lock);
	for (size_t i = 0; i < RTE_DIM(telemetry_cmds) && !telemetry_ctx.registered && ret == 0;
	     i++)
		ret = rte_telemetry_register_cmd(telemetry_cmds[i].cmd, telemetry_cmd,
		                                 telemetry_cmds[i].help);
	telemetry_ctx.registered = ret == 0;
	if (ret == 0) {
		free(telemetry_ctx.tm);
		telemetry_ctx.tm = copy;
	} else {
		free(copy);
	}
	pthread_mutex_unlock(&telemetry_ctx.lock);
	return ret;
}

void
telemetry_fini(void)
{
	pthread_mutex_lock(&telemetry_ctx.lock);
	free(telemetry_ctx.tm);
	telemetry_ctx.tm = NULL;
	pthread_mutex_unlock(&telemetry_ctx.lock);
}
