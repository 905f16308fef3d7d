/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker processes for the Linux baselines: see linux_procs.h.
 *
 *   lx_procs_start: block SIGINT/SIGTERM, signalfd, fork n (lx_child)
 *   lx_procs_gather / lx_procs_sleep: poll the pipes up and the signalfd
 *                   (a signal: forward it); a pipe's EOF: reap that child
 *   lx_procs_end:   reap all (bounded), restore the signal mask
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include "linux_procs.h"

static int64_t
lx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

rlim_t
lx_fd_budget(void)
{
	unsigned long long nr_open = 1048576;
	struct rlimit rl;
	FILE *f = fopen("/proc/sys/fs/nr_open", "r");

	if (f != NULL) {
		if (fscanf(f, "%llu", &nr_open) != 1)
			nr_open = 1048576;
		fclose(f);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1024 - 64;
	/* Root with CAP_SYS_RESOURCE may go up to fs.nr_open; in a container
	 * this fails and the hard limit is what there is. */
	if (rl.rlim_max < (rlim_t)nr_open) {
		struct rlimit up = { .rlim_cur = (rlim_t)nr_open, .rlim_max = (rlim_t)nr_open };
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			rl = up;
	}
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	return rl.rlim_max > 2 * LX_FD_MARGIN ? rl.rlim_max - LX_FD_MARGIN : rl.rlim_max / 2;
}

/* In the child: keep only its own pipe ends, die with the parent (a parent
 * killed by idle.sh's timeout must not leave sockets held in the
 * namespace), take signals again, run. */
static void
lx_child(struct lx_procs *ps, unsigned idx, int up, int down, pid_t parent, lx_proc_fn fn,
         void *arg)
{
	int status;

	close(ps->sigfd);
	for (unsigned j = 0; j < idx; j++) {
		close(ps->p[j].up);
		close(ps->p[j].down);
	}
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	sigprocmask(SIG_SETMASK, &ps->oldmask, NULL);
	if (getppid() != parent)
		raise(SIGTERM); /* it died before prctl: the handler stops the body */
	status = fn(idx, up, down, arg);
	fflush(stdout);
	fflush(stderr);
	_exit(status);
}

/* waitpid, bounded: SIGKILL after @timeout_ms. Reports a child that failed. */
static void
lx_reap(struct lx_procs *ps, unsigned i, int timeout_ms)
{
	struct lx_proc *p = &ps->p[i];
	int64_t end = lx_now_ms() + timeout_ms;
	int st = 0;
	pid_t r;

	if (p->pid <= 0)
		return;
	while ((r = waitpid(p->pid, &st, WNOHANG)) == 0 && lx_now_ms() < end)
		usleep(10000);
	if (r == 0) {
		fprintf(stderr, "%s: child %u (pid %d) did not end in %d ms: SIGKILL\n", ps->name,
		        i, (int)p->pid, timeout_ms);
		kill(p->pid, SIGKILL);
		r = waitpid(p->pid, &st, 0);
	}
	if (r == p->pid && WIFSIGNALED(st)) {
		fprintf(stderr, "%s: child %u (pid %d) crashed: signal %d (%s)\n", ps->name, i,
		        (int)p->pid, WTERMSIG(st), strsignal(WTERMSIG(st)));
		ps->failed++;
	} else if (r == p->pid && WEXITSTATUS(st) != 0) {
		fprintf(stderr, "%s: child %u (pid %d) exited with status %d\n", ps->name, i,
		        (int)p->pid, WEXITSTATUS(st));
		ps->failed++;
	} else if (r != p->pid) {
		ps->failed++;
	}
	p->pid = 0;
}

static void
lx_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

int
lx_procs_start(struct lx_procs *ps, const char *name, unsigned n, lx_proc_fn fn, void *arg)
{
	pid_t parent = getpid();
	sigset_t block;
	int ret = 0;

	memset(ps, 0, sizeof(*ps));
	ps->name = name;
	ps->sigfd = -1;
	ps->p = calloc(n, sizeof(*ps->p));
	if (ps->p == NULL)
		return -ENOMEM;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &ps->oldmask);
	ps->sigfd = signalfd(-1, &block, SFD_CLOEXEC | SFD_NONBLOCK);
	if (ps->sigfd < 0) {
		ret = -errno;
		goto fail;
	}
	for (unsigned i = 0; i < n; i++) {
		int up[2] = { -1, -1 }, down[2] = { -1, -1 };
		pid_t pid = -1;

		if (pipe2(up, O_CLOEXEC) == 0 && pipe2(down, O_CLOEXEC) == 0) {
			fflush(stdout); /* or the child prints the parent's buffer again */
			fflush(stderr);
			pid = fork();
		}
		if (pid == 0) {
			close(up[0]);
			close(down[1]);
			lx_child(ps, i, up[1], down[0], parent, fn, arg);
		}
		if (pid < 0) {
			ret = -errno;
			for (int k = 0; k < 2; k++) {
				lx_close(&up[k]);
				lx_close(&down[k]);
			}
			goto fail;
		}
		close(up[1]);
		close(down[0]);
		ps->p[i] = (struct lx_proc){ .pid = pid, .up = up[0], .down = down[1] };
		ps->n = i + 1;
	}
	return 0;
fail:
	fprintf(stderr, "%s: starting %u processes: %s\n", name, n, strerror(-ret));
	lx_procs_kill(ps, SIGTERM);
	lx_procs_end(ps, 5000);
	return ret;
}

void
lx_procs_kill(struct lx_procs *ps, int sig)
{
	for (unsigned i = 0; i < ps->n; i++)
		if (ps->p[i].pid > 0)
			kill(ps->p[i].pid, sig);
}

/* A SIGINT or SIGTERM is waiting on the signalfd: pass it on. */
static void
lx_forward(struct lx_procs *ps)
{
	struct signalfd_siginfo si;

	while (read(ps->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		ps->stopping = true;
		lx_procs_kill(ps, (int)si.ssi_signo);
	}
}

unsigned
lx_procs_gather(struct lx_procs *ps, void *msgs, size_t size, bool *got, int timeout_ms)
{
	struct pollfd *pf = calloc(ps->n + 1, sizeof(*pf));
	unsigned *who = calloc(ps->n + 1, sizeof(*who));
	int64_t end = lx_now_ms() + timeout_ms;
	unsigned count = 0;

	memset(got, 0, ps->n * sizeof(*got));
	while (pf != NULL && who != NULL) {
		unsigned nb = 0;
		int wait = -1;

		pf[0] = (struct pollfd){ .fd = ps->sigfd, .events = POLLIN };
		for (unsigned i = 0; i < ps->n; i++) {
			if (got[i] || ps->p[i].up < 0)
				continue;
			pf[1 + nb] = (struct pollfd){ .fd = ps->p[i].up, .events = POLLIN };
			who[nb++] = i;
		}
		if (nb == 0)
			break;
		if (timeout_ms >= 0) {
			int64_t left = end - lx_now_ms();
			if (left <= 0)
				break;
			wait = (int)left;
		}
		if (poll(pf, nb + 1, wait) < 0 && errno != EINTR)
			break;
		if (pf[0].revents != 0)
			lx_forward(ps);
		for (unsigned k = 0; k < nb; k++) {
			unsigned i = who[k];
			if (pf[1 + k].revents == 0)
				continue;
			ssize_t r = read(ps->p[i].up, (char *)msgs + i * size, size);
			if (r == (ssize_t)size) {
				got[i] = true;
				count++;
			} else if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
				continue;
			} else {
				/* EOF (a whole message or none: the writes are atomic):
				 * the child has gone; say how. */
				lx_close(&ps->p[i].up);
				lx_reap(ps, i, 1000);
			}
		}
	}
	free(pf);
	free(who);
	return count;
}

void
lx_procs_sleep(struct lx_procs *ps, int ms)
{
	struct pollfd pf = { .fd = ps->sigfd, .events = POLLIN };

	if (poll(&pf, 1, ms) > 0)
		lx_forward(ps);
}

void
lx_procs_finish(struct lx_procs *ps)
{
	for (unsigned i = 0; i < ps->n; i++)
		lx_close(&ps->p[i].down);
}

unsigned
lx_procs_end(struct lx_procs *ps, int timeout_ms)
{
	int64_t end = lx_now_ms() + timeout_ms;
	unsigned failed;

	lx_procs_finish(ps);
	for (unsigned i = 0; i < ps->n; i++) {
		int64_t left = end - lx_now_ms();
		lx_reap(ps, i, left > 0 ? (int)left : 0);
		lx_close(&ps->p[i].up);
	}
	lx_close(&ps->sigfd);
	sigprocmask(SIG_SETMASK, &ps->oldmask, NULL);
	failed = ps->failed;
	free(ps->p);
	ps->p = NULL;
	ps->n = 0;
	return failed;
}

int
lx_procs_send(int up, const void *msg, size_t size)
{
	ssize_t r;

	do
		r = write(up, msg, size);
	while (r < 0 && errno == EINTR);
	return r == (ssize_t)size ? 0 : r < 0 ? -errno : -EIO;
}
