/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-linux-loadgen --mode idle: tern-loadgen's idle mode over the kernel's
 * sockets. Opens --conns connections over --ports P server ports, holds
 * them --duration seconds, checks each is still ESTABLISHED and reports.
 *
 * A socket is a descriptor and one process may hold no more than its hard
 * RLIMIT_NOFILE (20,000 in this container, even for root), so the
 * connections are spread over P processes, one a port (conns / P each, the
 * remainder one more for the first ones), each connecting to its port only:
 * tern-linux-echo --ports P has a worker a port, and so each process on
 * either side holds one port's share. A share must fit a process's budget
 * (the hard limit less LX_FD_MARGIN): 1,000,000 connections take 64 ports
 * (15,625 a port) here. All of them run on the CPU the parent was given
 * (taskset is inherited): the client still has one core. The handshakes
 * outstanding, LG_IDLE_WINDOW in all as before, are divided among them.
 *
 *   lx_idle_run -> plan -> memory before -> fork P (linux_idle_part.c)
 *               -> every share open (struct lxi_opened up the pipes)
 *               -> hold --duration s -> memory after -> close the pipes down
 *               -> every share checked (struct lxi_held) -> lg_print_idle
 *
 * Memory: the kernel's growth between "before any child starts" and "every
 * child holds its connections" is per pair (both ends are in this kernel);
 * the headline halves it, per side, to compare with Tern's one engine. It
 * includes what the processes themselves cost the kernel (a few tens of KB
 * each): on Linux they are part of what holding that many sockets takes.
 * RSS: the sum of the shares' own growth, and the server's (with its
 * workers), beside it.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linux_idle.h"
#include "linux_idle_int.h"
#include "linux_procs.h"

#define LXI_PROCS_MAX 64     /* --ports in idle mode: a process each */
#define LXI_END_MS    120000 /* the shares report and end within this, or are killed */

/* What every share's process is forked with. */
struct lxi_run {
	const struct lg_opts *o;
	const volatile sig_atomic_t *stop;
	unsigned procs;
};

static int
lxi_child(unsigned idx, int up, int down, void *arg)
{
	const struct lxi_run *run = arg;
	const struct lg_opts *o = run->o;
	struct lxi_share s = {
		.o = o,
		.stop = run->stop,
		.idx = idx,
		.procs = run->procs,
		.conns = o->conns / run->procs + (idx < o->conns % run->procs),
		.port = (uint16_t)(o->port + idx),
		.window = (LG_IDLE_WINDOW + run->procs - 1) / run->procs,
		.err_lines = run->procs > 4 ? 2 : 10,
	};

	return lxi_part_run(&s, up, down);
}

/* Can each process hold its share? 0, or -EINVAL after saying why. */
static int
lxi_plan(const struct lg_opts *o, rlim_t budget)
{
	unsigned per = (o->conns + o->ports - 1) / o->ports;

	if (o->ports > LXI_PROCS_MAX) {
		fprintf(stderr, LXI_NAME ": --mode idle: --ports %u: at most %u (a process each)\n",
		        o->ports, LXI_PROCS_MAX);
		return -EINVAL;
	}
	if ((rlim_t)per > budget) {
		unsigned need = (unsigned)((o->conns + budget - 1) / budget);
		fprintf(stderr,
		        LXI_NAME ": %u connections a port exceed the %llu sockets a process may "
		                 "hold (RLIMIT_NOFILE less %u); give --ports %u or more\n",
		        per, (unsigned long long)budget, LX_FD_MARGIN, need);
		return -EINVAL;
	}
	return 0;
}

static void
lxi_mem_json(struct lg_idle_result *r, const struct lxi_mem *a, const struct lxi_mem *b,
             double client_rss)
{
	double held = r->held != 0 ? (double)r->held : 1.0;
	double slab = ((double)b->slab_kb - (double)a->slab_kb) * 1024.0;
	double bufs = ((double)b->tcp_mem_pages - (double)a->tcp_mem_pages) * 4096.0;
	double srss = (double)b->server_rss - (double)a->server_rss;

	r->mem_per_conn_bytes = (slab + bufs) / held / 2.0;
	snprintf(r->mem_json, sizeof(r->mem_json),
	         "{\"per\":\"connection, one side: the kernel's growth over both ends (same "
	         "kernel) halved\",\"kernel_per_pair_bytes\":%.1f,\"slab_before_kb\":%" PRIu64
	         ",\"slab_after_kb\":%" PRIu64 ",\"slab_per_pair_bytes\":%.1f,"
	         "\"tcp_inuse_before\":%" PRIu64 ",\"tcp_inuse_after\":%" PRIu64
	         ",\"tcp_mem_pages_before\":%" PRIu64 ",\"tcp_mem_pages_after\":%" PRIu64
	         ",\"client_rss_per_conn_bytes\":%.1f,\"server_rss_per_conn_bytes\":%.1f,"
	         "\"server_processes\":%u}",
	         (slab + bufs) / held, a->slab_kb, b->slab_kb, slab / held, a->tcp_inuse,
	         b->tcp_inuse, a->tcp_mem_pages, b->tcp_mem_pages, client_rss / held, srss / held,
	         b->server_procs);
}

/* Hold --duration s from when every share is open; a signal ends it early. */
static void
lxi_hold(struct lx_procs *ps, const struct lg_opts *o)
{
	uint64_t end = lxi_clock_us() + (uint64_t)o->duration_s * 1000000u;

	for (uint64_t now = lxi_clock_us(); now < end && !ps->stopping; now = lxi_clock_us()) {
		uint64_t left_ms = (end - now + 999) / 1000;
		lx_procs_sleep(ps, left_ms < 100 ? (int)left_ms : 100);
	}
}

/* The opening: sums, and when the last share finished (from @t0_us). */
static void
lxi_sum_opened(struct lg_idle_result *r, const struct lxi_opened *op, const bool *got, unsigned n,
               uint64_t t0_us, double *rss_before)
{
	uint64_t last = t0_us;

	for (unsigned i = 0; i < n; i++) {
		if (!got[i])
			continue;
		r->opened += op[i].opened;
		r->errors += op[i].errors;
		last = op[i].end_us > last ? op[i].end_us : last;
		*rss_before += (double)op[i].rss_before;
	}
	r->open_us = last - t0_us;
}

int
lx_idle_run(const struct lg_opts *o, const volatile sig_atomic_t *stop)
{
	struct lxi_run run = { .o = o, .stop = stop, .procs = o->ports };
	struct lxi_opened *op = calloc(o->ports, sizeof(*op));
	struct lxi_held *h = calloc(o->ports, sizeof(*h));
	bool *got_op = calloc(o->ports, sizeof(*got_op));
	bool *got_h = calloc(o->ports, sizeof(*got_h));
	struct lg_idle_result r = { .processes = o->ports };
	struct lxi_mem before, after;
	double rss_before = 0, rss_after = 0;
	struct lx_procs ps;
	uint64_t t0, t_hold;
	unsigned failed;
	int status = 1;

	if (op == NULL || h == NULL || got_op == NULL || got_h == NULL) {
		fprintf(stderr, LXI_NAME ": no memory\n");
		goto out;
	}
	if (lxi_plan(o, lx_fd_budget()) != 0)
		goto out;
	lxi_mem_read(&before, o->server_pid);
	t0 = lxi_clock_us();
	if (lx_procs_start(&ps, LXI_NAME, run.procs, lxi_child, &run) != 0)
		goto out;
	lx_procs_gather(&ps, op, sizeof(*op), got_op,
	                (int)(LG_IDLE_OPEN_MAX_US / 1000u) + LXI_END_MS);
	lxi_sum_opened(&r, op, got_op, run.procs, t0, &rss_before);
	printf(LXI_NAME ": %" PRIu64 " established in %.3f s by %u processes; holding %u s\n",
	       r.opened, (double)r.open_us / 1e6, run.procs, o->duration_s);
	fflush(stdout);
	t_hold = lxi_clock_us();
	lxi_hold(&ps, o);
	lxi_mem_read(&after, o->server_pid);
	r.hold_us = lxi_clock_us() - t_hold;
	lx_procs_finish(&ps);
	lx_procs_gather(&ps, h, sizeof(*h), got_h, LXI_END_MS);
	for (unsigned i = 0; i < run.procs; i++) {
		if (!got_h[i])
			continue;
		r.held += h[i].held;
		r.errors += h[i].errors - op[i].errors; /* the hold's own */
		rss_after += (double)h[i].rss_after;
	}
	/* A share that did not report: its RSS is in neither sum. */
	for (unsigned i = 0; i < run.procs; i++)
		if (got_op[i] && !got_h[i])
			rss_before -= (double)op[i].rss_before;
	lxi_mem_json(&r, &before, &after, rss_after - rss_before);
	failed = lx_procs_end(&ps, LXI_END_MS);
	status = lg_print_idle(LXI_NAME, o, &r) || r.errors != 0 || failed != 0 || ps.stopping;
out:
	free(op);
	free(h);
	free(got_op);
	free(got_h);
	return status;
}
