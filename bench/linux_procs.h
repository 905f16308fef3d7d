/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker processes for the Linux baselines (linux_procs.c). A socket is a
 * descriptor, and a process may hold no more than its hard RLIMIT_NOFILE
 * (20,000 in a container without CAP_SYS_RESOURCE, even for root): holding
 * 1,000,000 connections takes many processes. The parent forks them, each
 * with a pipe up (child -> parent: fixed-size messages) and a pipe down
 * (parent -> child: closing it is the one command, "finish"); it keeps
 * SIGINT/SIGTERM blocked and reads them from a signalfd so that it can
 * forward them while it waits, and reports a child that crashed.
 */
#ifndef LINUX_PROCS_H
#define LINUX_PROCS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

/* Descriptors a process keeps free of connections: stdio, epoll, pipes,
 * /proc files; 2,000 leaves 18,000 of a 20,000 limit to sockets. */
#define LX_FD_MARGIN 2000u

struct lx_proc {
	pid_t pid; /* 0: reaped */
	int up;    /* read end of the child's pipe up; -1: closed */
	int down;  /* write end of the pipe down to it; -1: closed */
};

struct lx_procs {
	const char *name; /* the tool, for its messages */
	struct lx_proc *p;
	unsigned n;
	int sigfd; /* SIGINT and SIGTERM, blocked in the parent */
	sigset_t oldmask;
	bool stopping;   /* a signal came and was forwarded */
	unsigned failed; /* children that crashed or exited non-zero */
};

/* The body of child @idx: @up to write messages to, @down to watch (EOF:
 * finish); returns the child's exit status. */
typedef int (*lx_proc_fn)(unsigned idx, int up, int down, void *arg);

/* Raise the soft RLIMIT_NOFILE to the hard one (children inherit it); the
 * sockets one process may hold: the hard limit (or fs.nr_open) less
 * LX_FD_MARGIN. */
rlim_t lx_fd_budget(void);

/* Fork @n children running @fn, each with its signals unblocked, SIGTERM
 * if the parent dies, and only its own pipe ends. 0 or -errno (the
 * children already started are stopped and reaped). */
int lx_procs_start(struct lx_procs *ps, const char *name, unsigned n, lx_proc_fn fn, void *arg);

/* One message of @size bytes from every child still up, into @msgs (child i
 * at i * size), within @timeout_ms (-1: no limit); got[i] says whose came.
 * A signal meanwhile is forwarded (ps->stopping) and the wait goes on: the
 * children then report early. A child whose pipe closes is reaped and, if
 * it failed, reported. Returns how many came. */
unsigned lx_procs_gather(struct lx_procs *ps, void *msgs, size_t size, bool *got, int timeout_ms);

/* Send @sig to every child not yet reaped. */
void lx_procs_kill(struct lx_procs *ps, int sig);

/* Wait @ms, forwarding a signal if one comes (then return at once). */
void lx_procs_sleep(struct lx_procs *ps, int ms);

/* Close every pipe down: the children finish. */
void lx_procs_finish(struct lx_procs *ps);

/* Reap every child, SIGKILL those still there after @timeout_ms; report the
 * ones that failed. Frees everything; returns ps->failed. */
unsigned lx_procs_end(struct lx_procs *ps, int timeout_ms);

/* Write a whole message up (a pipe takes up to PIPE_BUF bytes at once);
 * 0 or -errno. */
int lx_procs_send(int up, const void *msg, size_t size);

#endif /* LINUX_PROCS_H */
