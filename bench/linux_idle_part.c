/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-linux-loadgen --mode idle, one process's share: open its connections
 * to its one server port (at most share->window handshakes outstanding),
 * tell the parent, hold them until the parent closes the pipe down, check
 * each is still ESTABLISHED (TCP_INFO) and tell the parent again.
 *
 *   lxi_part_run -> open (epoll: EPOLLOUT = connected) -> struct lxi_opened up
 *                -> hold (epoll: a connection's event is a loss; the pipe
 *                   down's EOF is the end) -> TCP_INFO on each
 *                -> struct lxi_held up
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "linux_idle_int.h"
#include "linux_procs.h"

#define LXI_EVENTS 1024
#define LXI_DOWN   UINT32_MAX /* the epoll tag of the pipe down */

/* The state of one share. */
struct lxi {
	const struct lxi_share *s;
	int epfd;
	int *fds;    /* by connection index; -1: none */
	uint8_t *up; /* established */
	unsigned next, outstanding;
	uint64_t opened, errors;
	unsigned err_lines;
	bool done; /* the pipe down has closed */
};

static void
lxi_error(struct lxi *x, unsigned i, const char *what, int err)
{
	x->errors++;
	if (x->err_lines++ < x->s->err_lines)
		fprintf(stderr, LXI_NAME ": process %u, connection %u: %s: %s\n", x->s->idx, i,
		        what, strerror(err));
}

static int
lxi_connect(struct lxi *x, unsigned i)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(x->s->port),
		.sin_addr.s_addr = htonl(x->s->o->ip),
	};
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = i };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if ((connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) ||
	    epoll_ctl(x->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		int ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/* One epoll event: a connect completing, or (held) a connection lost. */
static void
lxi_event(struct lxi *x, unsigned i, uint32_t events)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (i == LXI_DOWN) {
		x->done = true;
		return;
	}
	if (x->up[i]) {
		lxi_error(x, i, "lost while idle", ECONNRESET);
		x->up[i] = 0;
		close(x->fds[i]);
		x->fds[i] = -1;
		return;
	}
	x->outstanding--;
	if ((events & EPOLLERR) != 0 ||
	    getsockopt(x->fds[i], SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
		lxi_error(x, i, "connect", err != 0 ? err : EIO);
		close(x->fds[i]);
		x->fds[i] = -1;
		return;
	}
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.u32 = i };
	epoll_ctl(x->epfd, EPOLL_CTL_MOD, x->fds[i], &ev);
	x->up[i] = 1;
	x->opened++;
}

static void
lxi_wait(struct lxi *x, int timeout_ms)
{
	struct epoll_event evs[LXI_EVENTS];
	int nb = epoll_wait(x->epfd, evs, LXI_EVENTS, timeout_ms);

	for (int k = 0; k < nb; k++)
		lxi_event(x, evs[k].data.u32, evs[k].events);
}

/* The first process says how it goes, a line a second; the others would
 * only repeat it. */
static void
lxi_progress(const struct lxi *x, uint64_t t0, uint64_t now)
{
	if (x->s->idx != 0)
		return;
	printf(LXI_NAME ": %6.1f s: process 0 of %u: %" PRIu64
	                " of %u established, %u outstanding, %" PRIu64 " errors\n",
	       (double)(now - t0) / 1e6, x->s->procs, x->opened, x->s->conns, x->outstanding,
	       x->errors);
	fflush(stdout);
}

static void
lxi_open_all(struct lxi *x)
{
	const struct lxi_share *s = x->s;
	uint64_t t0 = lxi_clock_us(), report = t0;

	while (!*s->stop && !x->done && (x->next < s->conns || x->outstanding > 0)) {
		while (x->outstanding < s->window && x->next < s->conns) {
			unsigned i = x->next++;
			int fd = lxi_connect(x, i);
			if (fd < 0) {
				lxi_error(x, i, "socket/connect", -fd);
				continue;
			}
			x->fds[i] = fd;
			x->outstanding++;
		}
		lxi_wait(x, 10);
		uint64_t now = lxi_clock_us();
		if (now - report >= 1000000u) {
			report = now;
			lxi_progress(x, t0, now);
		}
		if (now - t0 >= LG_IDLE_OPEN_MAX_US) {
			lxi_error(x, x->next, "opening took too long", ETIMEDOUT);
			break;
		}
	}
}

/* Until the parent closes the pipe down (or dies: the same EOF). */
static void
lxi_hold(struct lxi *x, int down)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = LXI_DOWN };

	if (epoll_ctl(x->epfd, EPOLL_CTL_ADD, down, &ev) != 0) {
		lxi_error(x, 0, "epoll_ctl (pipe)", errno);
		return;
	}
	while (!*x->s->stop && !x->done)
		lxi_wait(x, 1000);
}

/* Still ESTABLISHED, as the kernel says. */
static uint64_t
lxi_count_held(const struct lxi *x)
{
	uint64_t held = 0;

	for (unsigned i = 0; i < x->s->conns; i++) {
		struct tcp_info ti;
		socklen_t len = sizeof(ti);
		if (x->fds[i] >= 0 &&
		    getsockopt(x->fds[i], IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
		    ti.tcpi_state == 1 /* TCP_ESTABLISHED */)
			held++;
	}
	return held;
}

int
lxi_part_run(const struct lxi_share *s, int up, int down)
{
	struct lxi x = { .s = s, .epfd = -1 };
	struct lxi_opened op = { 0 };
	struct lxi_held h = { 0 };
	int status = 1;

	x.fds = malloc(sizeof(*x.fds) * (s->conns + 1));
	x.up = calloc(s->conns + 1, 1);
	x.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (x.fds == NULL || x.up == NULL || x.epfd < 0) {
		fprintf(stderr, LXI_NAME ": process %u: no memory or epoll for %u connections\n",
		        s->idx, s->conns);
		goto out;
	}
	memset(x.fds, 0xff, sizeof(*x.fds) * s->conns);
	op.rss_before = lg_rss_bytes(0);
	lxi_open_all(&x);
	op.opened = x.opened;
	op.errors = x.errors;
	op.end_us = lxi_clock_us();
	if (lx_procs_send(up, &op, sizeof(op)) != 0)
		goto out;
	lxi_hold(&x, down);
	h.held = lxi_count_held(&x);
	h.rss_after = lg_rss_bytes(0);
	h.errors = x.errors;
	status = lx_procs_send(up, &h, sizeof(h)) != 0;
out:
	for (unsigned i = 0; x.fds != NULL && i < s->conns; i++)
		if (x.fds[i] >= 0)
			close(x.fds[i]);
	if (x.epfd >= 0)
		close(x.epfd);
	free(x.fds);
	free(x.up);
	return status;
}
