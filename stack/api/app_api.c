/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What an application registers before tern_run: listeners (on every
 * engine, so a passive open is served wherever RSS puts it) and the hooks
 * called on each lcore at start and in every loop iteration.
 *
 *   application -> tern_listen [tern_listen_cc] | tern_on_start | tern_on_poll -> engines
 */
#include <errno.h>

#include <rte_byteorder.h>

#include "engine/engine.h"
#include "runtime/runtime.h"
#include "tcp/tcp.h"
#include "tcp/tcp_cc.h"
#include "tern.h"

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
tern_listen_cc(struct tern *t, uint16_t port, const char *name)
{
	int id = name != NULL ? tcp_cc_find(name) : -EINVAL;

	if (id < 0)
		return -EINVAL;
	for (unsigned i = 0; i < t->nb_engines; i++)
		if (tcp_listener_set_cc(t->engines[i], rte_cpu_to_be_16(port), (uint8_t)id) != 0)
			return -ENOENT;
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

unsigned
tern_cores(const struct tern *t)
{
	return t->nb_engines;
}

struct tern_core *
tern_core(struct tern *t, unsigned index)
{
	return index < t->nb_engines ? (struct tern_core *)t->engines[index] : NULL;
}
