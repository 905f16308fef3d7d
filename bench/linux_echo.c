/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-linux-echo: the Linux baseline's server, tern-echo's port 7 over the
 * kernel's sockets: everything back (RFC 862), and close after the peer's
 * FIN once everything is echoed. One thread on epoll (level-triggered),
 * non-blocking TCP_NODELAY sockets.
 *
 *   tern-linux-echo --listen A.B.C.D:PORT [--mss BYTES] [--close-after BYTES]
 *                   [--ports P]
 *
 * --ports P > 1: ports PORT .. PORT + P - 1, a worker process each
 * (echo_supervise): one process may not hold more than its hard
 * RLIMIT_NOFILE of sockets.
 *
 * --close-after N: a connection closes once it has echoed N bytes (write,
 * then close: the server closes first and holds the TIME_WAIT).
 *
 *   main -> echo_run: epoll_wait -> echo_accept (listener)
 *                                | echo_read -> write back, or hold the rest
 *                                  and wait for EPOLLOUT (no reading meanwhile)
 *                                | echo_flush (EPOLLOUT)
 *
 * Bytes are read into one shared buffer and written straight back; only
 * what the kernel would not take is copied aside, so an idle connection
 * costs the few bytes of struct echo_conn. SIGINT or SIGTERM stop it.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "linux_procs.h"

#define ECHO_NAME      "tern-linux-echo"
#define ECHO_BUF       65536u /* one read at most */
#define ECHO_EVENTS    256u
#define ECHO_BACKLOG   4096
#define ECHO_PORTS_MAX 64    /* --ports */
#define ECHO_READY_MS  10000 /* --ports > 1: every worker listens by then */
#define ECHO_STOP_MS   30000 /* and ends this long after the signal, or is killed */

/* The command line. */
struct echo_opts {
	struct sockaddr_in sa;
	uint32_t mss;         /* TCP_MAXSEG on the listener (accepted sockets inherit it); 0: off */
	uint64_t close_after; /* close a connection once it has echoed this much; 0: never */
	unsigned ports;       /* listen on ports port .. port + ports - 1 */
};

struct echo_conn {
	int fd;
	bool eof;      /* the peer's FIN has been read */
	uint64_t left; /* --close-after: bytes to echo before closing */
	uint8_t *held; /* what the kernel would not take yet */
	size_t held_len;
	size_t held_off;
};

struct echo {
	int epfd;
	int lfds[ECHO_PORTS_MAX]; /* listeners, one a port; -1: none */
	unsigned nb_lfds;
	uint64_t close_after; /* --close-after, 0: off */
	uint64_t accepted;
	uint64_t open;
	uint64_t echoed_bytes;
	uint64_t errors;
	uint8_t buf[ECHO_BUF];
};

/* Set by SIGINT/SIGTERM. */
static volatile sig_atomic_t echo_stop;

static void
echo_on_signal(int sig)
{
	(void)sig;
	echo_stop = 1;
}

static void
echo_close(struct echo *e, struct echo_conn *ec)
{
	close(ec->fd); /* leaves the epoll set with it */
	free(ec->held);
	free(ec);
	e->open--;
}

static int
echo_watch(struct echo *e, struct echo_conn *ec, uint32_t events, int op)
{
	struct epoll_event ev = { .events = events, .data.ptr = ec };

	return epoll_ctl(e->epfd, op, ec->fd, &ev) == 0 ? 0 : -errno;
}

/* Write @len bytes of @p; keep what does not fit and switch to EPOLLOUT.
 * 0, or -errno when the connection is gone. */
static int
echo_write(struct echo *e, struct echo_conn *ec, const uint8_t *p, size_t len)
{
	ssize_t n = send(ec->fd, p, len, MSG_NOSIGNAL);

	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		n = 0;
	}
	e->echoed_bytes += (uint64_t)n;
	if ((size_t)n == len)
		return 0;
	ec->held = malloc(len - (size_t)n);
	if (ec->held == NULL)
		return -ENOMEM;
	memcpy(ec->held, p + n, len - (size_t)n);
	ec->held_len = len - (size_t)n;
	ec->held_off = 0;
	return echo_watch(e, ec, EPOLLOUT, EPOLL_CTL_MOD);
}

/* One read per event: level-triggered epoll reports the rest. */
static void
echo_read(struct echo *e, struct echo_conn *ec)
{
	size_t want = e->close_after != 0 && ec->left < sizeof(e->buf) ? ec->left : sizeof(e->buf);
	ssize_t n = read(ec->fd, e->buf, want);
	int ret;

	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		e->errors += errno != ECONNRESET;
		echo_close(e, ec);
		return;
	}
	if (n == 0) {
		echo_close(e, ec); /* the peer's FIN, and nothing is held */
		return;
	}
	ret = echo_write(e, ec, e->buf, (size_t)n);
	if (ret != 0) {
		e->errors += ret != -ECONNRESET && ret != -EPIPE;
		echo_close(e, ec);
		return;
	}
	if (e->close_after != 0) {
		ec->left -= (uint64_t)n;
		if (ec->left == 0 && ec->held == NULL)
			echo_close(e, ec); /* write then close: the FIN follows the data */
	}
}

/* EPOLLOUT: send what was held; when it is all gone, read again (or close,
 * if the peer's FIN came meanwhile: it is only read once reading resumes). */
static void
echo_flush(struct echo *e, struct echo_conn *ec)
{
	ssize_t n =
	        send(ec->fd, ec->held + ec->held_off, ec->held_len - ec->held_off, MSG_NOSIGNAL);

	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		e->errors += errno != ECONNRESET && errno != EPIPE;
		echo_close(e, ec);
		return;
	}
	e->echoed_bytes += (uint64_t)n;
	ec->held_off += (size_t)n;
	if (ec->held_off < ec->held_len)
		return;
	free(ec->held);
	ec->held = NULL;
	if (e->close_after != 0 && ec->left == 0) {
		echo_close(e, ec); /* --close-after: all echoed */
		return;
	}
	if (echo_watch(e, ec, EPOLLIN, EPOLL_CTL_MOD) != 0) {
		e->errors++;
		echo_close(e, ec);
	}
}

static void
echo_accept(struct echo *e, int lfd)
{
	int one = 1;

	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != ECONNABORTED &&
			    errno != EINTR) {
				/* EMFILE repeats on every wakeup: say it a few times. */
				if (e->errors++ < 10)
					fprintf(stderr, ECHO_NAME ": accept: %s\n",
					        strerror(errno));
			}
			return;
		}
		struct echo_conn *ec = calloc(1, sizeof(*ec));
		if (ec == NULL) {
			close(fd);
			e->errors++;
			continue;
		}
		ec->fd = fd;
		ec->left = e->close_after;
		e->accepted++;
		e->open++;
		if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
		    echo_watch(e, ec, EPOLLIN, EPOLL_CTL_ADD) != 0) {
			e->errors++;
			echo_close(e, ec);
		}
	}
}

/* A listener on each of --ports ports from --listen's, in one epoll set; a
 * listener's event carries a pointer into e->lfds. 0 or -errno. */
static int
echo_listen(struct echo *e, const struct echo_opts *o)
{
	int one = 1, mss = (int)o->mss;

	e->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (e->epfd < 0)
		return -errno;
	for (unsigned i = 0; i < o->ports; i++) {
		struct sockaddr_in sa = o->sa;
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &e->lfds[i] };
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -errno;
		e->lfds[e->nb_lfds++] = fd;
		sa.sin_port = htons((uint16_t)(ntohs(o->sa.sin_port) + i));
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		    (mss != 0 && setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss)) != 0) ||
		    bind(fd, (const struct sockaddr *)&sa, sizeof(sa)) != 0 ||
		    listen(fd, ECHO_BACKLOG) != 0 ||
		    epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
			return -errno;
	}
	return 0;
}

static bool
echo_is_listener(const struct echo *e, const void *p)
{
	return (const int *)p >= e->lfds && (const int *)p < e->lfds + e->nb_lfds;
}

static void
echo_run(struct echo *e)
{
	struct epoll_event evs[ECHO_EVENTS];

	while (!echo_stop) {
		int nb = epoll_wait(e->epfd, evs, ECHO_EVENTS, -1);
		if (nb < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, ECHO_NAME ": epoll_wait: %s\n", strerror(errno));
			e->errors++;
			return;
		}
		for (int i = 0; i < nb; i++) {
			struct echo_conn *ec = evs[i].data.ptr;
			if (echo_is_listener(e, ec))
				echo_accept(e, *(const int *)evs[i].data.ptr);
			else if (ec->held != NULL)
				echo_flush(e, ec);
			else
				echo_read(e, ec);
		}
	}
}

static int
echo_parse_endpoint(const char *s, struct sockaddr_in *sa)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	char *end;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	errno = 0;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || errno != 0 || *end != '\0' || port == 0 ||
	    port > 65535 || inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return -EINVAL;
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return 0;
}

static void
echo_usage(FILE *f)
{
	fprintf(f,
	        "usage: " ECHO_NAME " --listen A.B.C.D:PORT [--mss BYTES] [--close-after BYTES]\n"
	        "       [--ports P]\n"
	        "  an echo server (everything back; close after the peer's FIN)\n"
	        "  --mss          TCP_MAXSEG on the listening socket before listen (88..65495)\n"
	        "  --close-after  close a connection once it has echoed BYTES (0: never)\n"
	        "  --ports        listen on P ports from PORT (1..64); P > 1: a process each\n");
}

static int
echo_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	if (*s < '0' || *s > '9' || errno != 0 || *end != '\0' || *v < min || *v > max)
		return -EINVAL;
	return 0;
}

/* 0, 1 after --help, or -EINVAL after saying what was wrong. */
static int
echo_parse_args(int argc, char **argv, struct echo_opts *o)
{
	unsigned long v;
	bool listen_set = false;

	/* Every option takes a value: they come in pairs. */
	for (int i = 1; i < argc; i += 2) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		int ret = -EINVAL;

		if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0) {
			echo_usage(stdout);
			return 1;
		}
		if (val != NULL && strcmp(opt, "--listen") == 0) {
			ret = echo_parse_endpoint(val, &o->sa);
			listen_set = ret == 0;
		} else if (val != NULL && strcmp(opt, "--mss") == 0) {
			ret = echo_parse_uint(val, 88, 65495, &v);
			o->mss = (uint32_t)v;
		} else if (val != NULL && strcmp(opt, "--ports") == 0) {
			ret = echo_parse_uint(val, 1, ECHO_PORTS_MAX, &v);
			o->ports = (unsigned)v;
		} else if (val != NULL && strcmp(opt, "--close-after") == 0) {
			ret = echo_parse_uint(val, 0, ULONG_MAX, &v);
			o->close_after = v;
		}
		if (ret != 0) {
			fprintf(stderr, ECHO_NAME ": bad option: %s%s%s\n", opt, val ? " " : "",
			        val ? val : "");
			echo_usage(stderr);
			return -EINVAL;
		}
	}
	if (listen_set && ntohs(o->sa.sin_port) + o->ports - 1 > 65535) {
		fprintf(stderr, ECHO_NAME ": --ports: the last port would be past 65535\n");
		return -EINVAL;
	}
	if (!listen_set) {
		fprintf(stderr, ECHO_NAME ": give --listen A.B.C.D:PORT\n");
		echo_usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static struct echo *
echo_new(const struct echo_opts *o)
{
	struct echo *e = calloc(1, sizeof(*e));

	if (e == NULL)
		return NULL;
	e->epfd = -1;
	e->close_after = o->close_after;
	return e;
}

static void
echo_free(struct echo *e)
{
	if (e == NULL)
		return;
	for (unsigned i = 0; i < e->nb_lfds; i++)
		close(e->lfds[i]);
	if (e->epfd >= 0)
		close(e->epfd);
	free(e);
}

static void
echo_print_totals(const char *what, uint64_t accepted, uint64_t open, uint64_t echoed,
                  uint64_t errors)
{
	printf(ECHO_NAME ": %" PRIu64 " connections, %" PRIu64 " still open, %" PRIu64
	                 " bytes echoed, %" PRIu64 " errors%s\n",
	       accepted, open, echoed, errors, what);
	fflush(stdout);
}

/* One process: listen on every port, serve until a signal. The exit status. */
static int
echo_serve(const struct echo_opts *o)
{
	struct echo *e = echo_new(o);
	int ret;

	if (e == NULL) {
		fprintf(stderr, ECHO_NAME ": no memory\n");
		return 1;
	}
	ret = echo_listen(e, o);
	if (ret != 0) {
		fprintf(stderr, ECHO_NAME ": listen: %s\n", strerror(-ret));
	} else {
		printf(ECHO_NAME ": listening\n");
		fflush(stdout);
		echo_run(e);
		echo_print_totals("", e->accepted, e->open, e->echoed_bytes, e->errors);
	}
	ret = ret != 0 || e->errors != 0;
	echo_free(e);
	return ret;
}

/* What a worker tells its parent: once when it listens (or cannot: err),
 * once more with its totals when it stops. */
struct echo_report {
	int32_t err; /* errno of listen; 0: listening */
	uint32_t pad;
	uint64_t accepted, open, echoed_bytes, errors;
};

/* Worker @idx: port --listen + idx alone, in a process (and descriptor
 * table) of its own. */
static int
echo_worker(unsigned idx, int up, int down, void *arg)
{
	struct echo_opts o = *(const struct echo_opts *)arg;
	struct echo_report rep = { .err = ENOMEM };
	struct echo *e = echo_new(&o);
	int status;

	(void)down; /* a worker stops on the signal its parent forwards */
	o.sa.sin_port = htons((uint16_t)(ntohs(o.sa.sin_port) + idx));
	o.ports = 1;
	if (e != NULL)
		rep.err = -echo_listen(e, &o);
	if (lx_procs_send(up, &rep, sizeof(rep)) != 0 || rep.err != 0) {
		echo_free(e);
		return 1;
	}
	echo_run(e);
	rep = (struct echo_report){ .accepted = e->accepted,
		                    .open = e->open,
		                    .echoed_bytes = e->echoed_bytes,
		                    .errors = e->errors };
	status = lx_procs_send(up, &rep, sizeof(rep)) != 0 || e->errors != 0;
	echo_free(e);
	return status;
}

/* --ports P > 1: a worker process a port. A process may hold only its hard
 * RLIMIT_NOFILE of descriptors (20,000 here, even for root), and the server
 * cannot know beforehand how many connections will come, so it always
 * splits rather than only past some guess: each port then has the whole
 * budget, the same way on every machine. All on the parent's CPU (taskset
 * is inherited), so the server still has one core. The parent says
 * "listening" once every worker is, forwards SIGINT/SIGTERM, reports a
 * worker that crashed, and sums their totals. */
static int
echo_supervise(const struct echo_opts *o)
{
	struct echo_report *reps = calloc(o->ports, sizeof(*reps)), sum = { 0 };
	bool *got = calloc(o->ports, sizeof(*got)), ok;
	struct lx_procs ps;
	unsigned failed, n;

	if (reps == NULL || got == NULL ||
	    lx_procs_start(&ps, ECHO_NAME, o->ports, echo_worker, (void *)o) != 0) {
		free(reps);
		free(got);
		return 1;
	}
	n = lx_procs_gather(&ps, reps, sizeof(*reps), got, ECHO_READY_MS);
	ok = n == o->ports;
	for (unsigned i = 0; i < o->ports; i++) {
		if (got[i] && reps[i].err != 0) {
			fprintf(stderr, ECHO_NAME ": port %u: listen: %s\n",
			        ntohs(o->sa.sin_port) + i, strerror(reps[i].err));
			ok = false;
		}
	}
	if (ok) {
		printf(ECHO_NAME ": listening on %u ports, a process each\n", o->ports);
		fflush(stdout);
		/* Until every worker has stopped (a signal) or gone. */
		n = lx_procs_gather(&ps, reps, sizeof(*reps), got, -1);
		for (unsigned i = 0; i < o->ports; i++) {
			if (!got[i])
				continue;
			sum.accepted += reps[i].accepted;
			sum.open += reps[i].open;
			sum.echoed_bytes += reps[i].echoed_bytes;
			sum.errors += reps[i].errors;
		}
		char what[64];
		snprintf(what, sizeof(what), " (%u of %u processes reported)", n, o->ports);
		echo_print_totals(what, sum.accepted, sum.open, sum.echoed_bytes, sum.errors);
	} else {
		fprintf(stderr, ECHO_NAME ": %u of %u workers listening; stopping\n", n, o->ports);
		lx_procs_kill(&ps, SIGTERM);
	}
	failed = lx_procs_end(&ps, ECHO_STOP_MS);
	free(reps);
	free(got);
	return !ok || failed != 0 || sum.errors != 0 || n != o->ports;
}

int
main(int argc, char **argv)
{
	struct echo_opts o = { .ports = 1 };
	struct sigaction sig = { .sa_handler = echo_on_signal };
	int ret;

	ret = echo_parse_args(argc, argv, &o);
	if (ret != 0)
		return ret > 0 ? 0 : 2;
	/* A socket per connection: as many as the limit allows (workers inherit it). */
	lx_fd_budget();
	sigaction(SIGINT, &sig, NULL);
	sigaction(SIGTERM, &sig, NULL);
	signal(SIGPIPE, SIG_IGN);
	return o.ports > 1 ? echo_supervise(&o) : echo_serve(&o);
}
