/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside tern-linux-loadgen --mode idle: the parent (linux_idle.c) splits
 * the connections over processes, a share each (linux_idle_part.c), and
 * measures the kernel's memory around them (linux_idle_mem.c).
 */
#ifndef LINUX_IDLE_INT_H
#define LINUX_IDLE_INT_H

#include <signal.h>
#include <stdint.h>

#include "lg_common.h"

#define LXI_NAME "tern-linux-loadgen"

/* What one process opens, holds and checks. */
struct lxi_share {
	const struct lg_opts *o;
	const volatile sig_atomic_t *stop; /* set by SIGINT/SIGTERM */
	unsigned idx, procs;
	unsigned conns;  /* this process's */
	uint16_t port;   /* the one server port it connects to */
	unsigned window; /* handshakes outstanding at most */
	unsigned err_lines;
};

/* A share's first message up: its connections are open (or it gave up). */
struct lxi_opened {
	uint64_t opened;
	uint64_t errors;
	uint64_t end_us;     /* CLOCK_MONOTONIC (one clock for all processes) */
	uint64_t rss_before; /* before it opened any */
};

/* The second, once the parent has closed the pipe down: what it still holds. */
struct lxi_held {
	uint64_t held;   /* ESTABLISHED, as TCP_INFO says */
	uint64_t errors; /* all of its errors, opening included */
	uint64_t rss_after;
};

/* The body of a share's process; its exit status. */
int lxi_part_run(const struct lxi_share *s, int up, int down);

/* What the kernel and the server hold, at one moment. */
struct lxi_mem {
	uint64_t slab_kb;       /* /proc/meminfo Slab */
	uint64_t tcp_inuse;     /* /proc/net/sockstat TCP inuse (this namespace) */
	uint64_t tcp_mem_pages; /* /proc/net/sockstat TCP mem (buffers, pages) */
	uint64_t server_rss;    /* --server-pid and its children (workers) */
	unsigned server_procs;
};

void lxi_mem_read(struct lxi_mem *m, unsigned server_pid);

uint64_t lxi_clock_us(void);

#endif /* LINUX_IDLE_INT_H */
