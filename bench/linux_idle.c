/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-linux-loadgen --mode idle: tern-loadgen's idle mode over the kernel's
 * sockets. Opens --conns connections (port + i mod --ports), at most
 * LG_IDLE_WINDOW handshakes outstanding, holds them --duration seconds,
 * then checks each is still ESTABLISHED (TCP_INFO) and reports.
 *
 *   lx_idle_run -> lx_idle_nofile -> memory before -> open (epoll: EPOLLOUT
 *                  = connected) -> hold (epoll: any event is a loss)
 *                  -> memory after -> TCP_INFO on each -> lg_print_idle
 *
 * Memory: both ends live in this kernel, so the kernel's growth (/proc/meminfo
 * Slab, and the pages of /proc/net/sockstat's "TCP: ... mem") is per pair;
 * the headline halves it, per side, to compare with Tern's one engine. The
 * processes' RSS (this one, and --server-pid's) is reported beside it.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "linux_idle.h"

#define LXI_NAME   "tern-linux-loadgen"
#define LXI_EVENTS 1024

/* What the kernel and the processes hold, at one moment. */
struct lxi_mem {
	uint64_t slab_kb;       /* /proc/meminfo Slab */
	uint64_t tcp_inuse;     /* /proc/net/sockstat TCP inuse (this namespace) */
	uint64_t tcp_mem_pages; /* /proc/net/sockstat TCP mem (buffers, pages) */
	uint64_t rss, server_rss;
};

static uint64_t
lxi_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void
lxi_mem_read(struct lxi_mem *m, unsigned server_pid)
{
	char line[256];
	unsigned long long a, b, c, d, e;
	FILE *f = fopen("/proc/meminfo", "r");

	memset(m, 0, sizeof(*m));
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Slab: %llu kB", &a) == 1)
			m->slab_kb = a;
	if (f != NULL)
		fclose(f);
	f = fopen("/proc/net/sockstat", "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "TCP: inuse %llu orphan %llu tw %llu alloc %llu mem %llu", &a, &b,
		           &c, &d, &e) == 5) {
			m->tcp_inuse = a;
			m->tcp_mem_pages = e;
		}
	if (f != NULL)
		fclose(f);
	m->rss = lg_rss_bytes(0);
	m->server_rss = server_pid != 0 ? lg_rss_bytes(server_pid) : 0;
}

/* A descriptor per connection: raise RLIMIT_NOFILE (root may, up to
 * fs.nr_open) to what --conns needs. */
static void
lxi_nofile(unsigned conns)
{
	rlim_t need = (rlim_t)conns + 64, nr_open = 1048576;
	struct rlimit rl;
	FILE *f = fopen("/proc/sys/fs/nr_open", "r");
	unsigned long long v;

	if (f != NULL) {
		if (fscanf(f, "%llu", &v) == 1)
			nr_open = (rlim_t)v;
		fclose(f);
	}
	if (need > nr_open)
		need = nr_open;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
		rl.rlim_cur = need;
		rl.rlim_max = rl.rlim_max > need ? rl.rlim_max : need;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
			/* Not allowed past the hard limit (a container's): go as high
			 * as it is, and the run reports how many it reached. */
			fprintf(stderr, LXI_NAME ": RLIMIT_NOFILE %llu: %s\n",
			        (unsigned long long)need, strerror(errno));
			getrlimit(RLIMIT_NOFILE, &rl);
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}
}

static int
lxi_connect(int epfd, const struct lg_opts *o, unsigned i)
{
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons((uint16_t)(o->port + i % o->ports)),
		.sin_addr.s_addr = htonl(o->ip),
	};
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = i };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if ((connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) ||
	    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		int ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/* The state of the whole run. */
struct lxi {
	const struct lg_opts *o;
	int epfd;
	int *fds;    /* by connection index; -1: none */
	uint8_t *up; /* established */
	unsigned next, outstanding;
	struct lg_idle_result r;
	unsigned err_lines;
};

static void
lxi_error(struct lxi *x, unsigned i, const char *what, int err)
{
	x->r.errors++;
	if (x->err_lines++ < 10)
		fprintf(stderr, LXI_NAME ": connection %u: %s: %s\n", i, what, strerror(err));
}

/* One epoll event: a connect completing, or (held) a connection lost. */
static void
lxi_event(struct lxi *x, unsigned i, uint32_t events)
{
	int err = 0;
	socklen_t len = sizeof(err);

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
	x->r.opened++;
}

static void
lxi_wait(struct lxi *x, int timeout_ms)
{
	struct epoll_event evs[LXI_EVENTS];
	int nb = epoll_wait(x->epfd, evs, LXI_EVENTS, timeout_ms);

	for (int k = 0; k < nb; k++)
		lxi_event(x, evs[k].data.u32, evs[k].events);
}

static void
lxi_open_all(struct lxi *x, const volatile sig_atomic_t *stop)
{
	uint64_t t0 = lxi_clock_us(), report = t0;

	while (!*stop && (x->next < x->o->conns || x->outstanding > 0)) {
		while (x->outstanding < LG_IDLE_WINDOW && x->next < x->o->conns) {
			unsigned i = x->next++;
			int fd = lxi_connect(x->epfd, x->o, i);
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
			printf(LXI_NAME ": %6.1f s: %" PRIu64
			                " established, %u outstanding, %" PRIu64 " errors\n",
			       (double)(now - t0) / 1e6, x->r.opened, x->outstanding, x->r.errors);
			fflush(stdout);
		}
		if (now - t0 >= LG_IDLE_OPEN_MAX_US) {
			lxi_error(x, x->next, "opening took too long", ETIMEDOUT);
			break;
		}
	}
	x->r.open_us = lxi_clock_us() - t0;
}

static void
lxi_hold(struct lxi *x, const volatile sig_atomic_t *stop)
{
	uint64_t t0 = lxi_clock_us(), end = t0 + (uint64_t)x->o->duration_s * 1000000u;

	while (!*stop && lxi_clock_us() < end)
		lxi_wait(x, 100);
	x->r.hold_us = lxi_clock_us() - t0;
}

/* Still ESTABLISHED, as the kernel says. */
static void
lxi_count_held(struct lxi *x)
{
	for (unsigned i = 0; i < x->o->conns; i++) {
		struct tcp_info ti;
		socklen_t len = sizeof(ti);
		if (x->fds[i] >= 0 &&
		    getsockopt(x->fds[i], IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
		    ti.tcpi_state == 1 /* TCP_ESTABLISHED */)
			x->r.held++;
	}
}

static void
lxi_mem_json(struct lxi *x, const struct lxi_mem *a, const struct lxi_mem *b)
{
	double held = x->r.held != 0 ? (double)x->r.held : 1.0;
	double slab = ((double)b->slab_kb - (double)a->slab_kb) * 1024.0;
	double bufs = ((double)b->tcp_mem_pages - (double)a->tcp_mem_pages) * 4096.0;
	double rss = (double)b->rss - (double)a->rss;
	double srss = (double)b->server_rss - (double)a->server_rss;

	x->r.mem_per_conn_bytes = (slab + bufs) / held / 2.0;
	snprintf(x->r.mem_json, sizeof(x->r.mem_json),
	         "{\"per\":\"connection, one side: the kernel's growth over both ends (same "
	         "kernel) halved\",\"kernel_per_pair_bytes\":%.1f,\"slab_before_kb\":%" PRIu64
	         ",\"slab_after_kb\":%" PRIu64 ",\"slab_per_pair_bytes\":%.1f,"
	         "\"tcp_inuse_before\":%" PRIu64 ",\"tcp_inuse_after\":%" PRIu64
	         ",\"tcp_mem_pages_before\":%" PRIu64 ",\"tcp_mem_pages_after\":%" PRIu64
	         ",\"client_rss_per_conn_bytes\":%.1f,\"server_rss_per_conn_bytes\":%.1f}",
	         (slab + bufs) / held, a->slab_kb, b->slab_kb, slab / held, a->tcp_inuse,
	         b->tcp_inuse, a->tcp_mem_pages, b->tcp_mem_pages, rss / held, srss / held);
}

int
lx_idle_run(const struct lg_opts *o, const volatile sig_atomic_t *stop)
{
	struct lxi x = { .o = o, .epfd = -1 };
	struct lxi_mem before, after;
	int status = 1;

	lxi_nofile(o->conns);
	x.fds = malloc(sizeof(*x.fds) * o->conns);
	x.up = calloc(o->conns, 1);
	x.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (x.fds == NULL || x.up == NULL || x.epfd < 0) {
		fprintf(stderr, LXI_NAME ": no memory or epoll for %u connections\n", o->conns);
		goto out;
	}
	memset(x.fds, 0xff, sizeof(*x.fds) * o->conns);
	lxi_mem_read(&before, o->server_pid);
	lxi_open_all(&x, stop);
	printf(LXI_NAME ": %" PRIu64 " established in %.3f s; holding %u s\n", x.r.opened,
	       (double)x.r.open_us / 1e6, o->duration_s);
	fflush(stdout);
	lxi_hold(&x, stop);
	lxi_mem_read(&after, o->server_pid);
	lxi_count_held(&x);
	lxi_mem_json(&x, &before, &after);
	status = lg_print_idle(LXI_NAME, o, &x.r) || x.r.errors != 0;
out:
	for (unsigned i = 0; x.fds != NULL && i < o->conns; i++)
		if (x.fds[i] >= 0)
			close(x.fds[i]);
	if (x.epfd >= 0)
		close(x.epfd);
	free(x.fds);
	free(x.up);
	return status;
}
