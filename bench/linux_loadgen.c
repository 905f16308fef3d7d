/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-linux-loadgen: tern-loadgen's client logic over the kernel's sockets,
 * for the Linux side of issue 4's comparisons. Same options, modes, window,
 * latency rule (from when a request was due), progress line, histogram
 * (app/tern-loadgen/hist.c, compiled in) and JSON keys, with
 * "tool":"linux-loadgen" and one core: a single thread on epoll
 * (level-triggered) with non-blocking TCP_NODELAY sockets.
 *
 *   tern-linux-loadgen --connect A.B.C.D:PORT [--mode rr|crr|bulk|mixed]
 *                      [--conns N] [--bulk-conns N] [--size BYTES] [--duration S] [--rate R]
 *                      [--mss BYTES] [--closer client|server]
 *
 *   main -> lx_run: epoll_pwait2 -> lx_event (connected | readable | writable)
 *                   -> lx_poll (open loop: issue what is due | crr: reopen;
 *                      a progress line a second; the end)
 *        -> lx_report: histogram, summary, JSON
 *
 * crr as tern-loadgen: connect, request, response, then the client closes
 * first (shutdown, SO_LINGER off) and its slot opens the next connection
 * once the server's FIN has come (Tern's closed callback: both FINs). With
 * --closer server the server closes first (its FIN rides with the response)
 * and the client closes on EOF: no TIME_WAIT on the client's ports.
 * Closed loop sleeps in epoll_pwait2 until an event; open loop spins
 * (timeout 0) to keep the schedule, as Tern's engine does. SIGINT and
 * SIGTERM end the run early; the results still print.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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

#include "hist.h"
#include "lg_common.h"
#include "linux_idle.h"

#define LX_NAME             "tern-linux-loadgen"
#define LX_DEPTH            32u       /* requests in flight per connection (open loop) */
#define LX_CHUNK            16384u    /* bytes offered to send() at a time */
#define LX_RX_BYTES         65536u    /* read() buffer; what is read is discarded */
#define LX_EVENTS           256u      /* epoll events per wait */
#define LX_WAIT_US          10000u    /* the longest sleep in epoll_pwait2 */
#define LX_START_TIMEOUT_US 10000000u /* no connection up by then: give up */
#define LX_REPORT_US        1000000u  /* a progress line every second */
#define LX_ERR_LINES        10u       /* error lines printed, then only counted */
/* One connection slot, free (fd -1) or in use. */
struct lx_conn {
	int fd;
	struct lx_conn *free_next;
	uint64_t tx_owed;          /* request bytes not yet taken by send() */
	uint64_t rx_have;          /* bytes of the oldest outstanding response */
	uint64_t open_us;          /* when the connection was due (crr latency starts there) */
	uint64_t progress_us;      /* opened, connected, or a byte sent or received */
	unsigned head;             /* oldest of due_us[] */
	unsigned inflight;         /* requests sent and not yet answered */
	bool up;                   /* connected */
	bool closing;              /* our FIN is queued (shutdown) */
	bool want_out;             /* EPOLLOUT in the interest set */
	bool stalled;              /* counted as stalled (once) */
	bool early;                /* opened before the window (lg_stall_bound_us) */
	bool bulk;                 /* mixed: one of the bulk senders (lg_conn_mode) */
	struct lg_wait wait;       /* --closer server: on lx->waiting for the server's FIN */
	uint64_t due_us[LX_DEPTH]; /* when each request in flight was due */
};

struct lx {
	struct lg_opts opt;
	int epfd;
	struct lx_conn *slots;
	struct lx_conn *free;
	unsigned nb_slots;
	unsigned open;      /* slots in use */
	unsigned nb_up;     /* connections that were established */
	unsigned rr_next;   /* open loop rr: the next slot to offer a request */
	uint64_t start_us;  /* the loop's start */
	uint64_t t0_us;     /* measurement start: all connections up (crr: the first); 0 before */
	uint64_t end_us;    /* measurement end */
	uint64_t now_us;    /* this iteration's clock */
	uint64_t issued;    /* open loop: requests or connections issued since t0 */
	uint64_t report_us; /* last progress line */
	uint64_t sweep_us;  /* last look for stalled connections */
	struct lg_wait_list waiting; /* --closer server: responses complete, FIN due */
	unsigned err_lines;
	bool stopping; /* duration over, or a signal */
	struct lg_stats st;
	struct lg_stats last;      /* at the last progress line */
	struct hist hist;          /* latency, microseconds */
	uint8_t payload[LX_CHUNK]; /* what requests carry; read only */
	uint8_t rx[LX_RX_BYTES];
};

/* Set by SIGINT/SIGTERM; the loop's only way to hear of them. */
static volatile sig_atomic_t lx_stop;

static void
lx_on_signal(int sig)
{
	(void)sig;
	lx_stop = 1;
}

static uint64_t
lx_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static bool
lx_counting(const struct lx *lx)
{
	return lx->t0_us != 0 && !lx->stopping;
}

static void
lx_error(struct lx *lx, const char *fmt, ...)
{
	va_list ap;

	lx->st.errors++;
	if (lx->err_lines >= LX_ERR_LINES)
		return;
	fprintf(stderr, LX_NAME ": core 0: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (++lx->err_lines == LX_ERR_LINES)
		fprintf(stderr, LX_NAME ": core 0: (further errors only counted)\n");
}

static void
lx_finish(struct lx *lx)
{
	lx->stopping = true;
	lx->end_us = lx->now_us;
}

/* ---- slots -------------------------------------------------------------- */

static struct lx_conn *
lx_slot_get(struct lx *lx)
{
	struct lx_conn *lcn = lx->free;

	if (lcn == NULL)
		return NULL;
	lx->free = lcn->free_next;
	memset(lcn, 0, offsetof(struct lx_conn, due_us));
	lcn->fd = -1;
	lx->open++;
	return lcn;
}

/* Close the socket (the kernel drops it from the epoll set) and free the slot. */
static void
lx_slot_put(struct lx *lx, struct lx_conn *lcn)
{
	lg_wait_del(&lx->waiting, &lcn->wait);
	if (lcn->fd >= 0)
		close(lcn->fd);
	lcn->fd = -1;
	lcn->free_next = lx->free;
	lx->free = lcn;
	lx->open--;
}

static int
lx_want_out(struct lx *lx, struct lx_conn *lcn, bool out)
{
	struct epoll_event ev = {
		.events = EPOLLIN | (out ? EPOLLOUT : 0u),
		.data.ptr = lcn,
	};

	if (lcn->want_out == out)
		return 0;
	lcn->want_out = out;
	return epoll_ctl(lx->epfd, EPOLL_CTL_MOD, lcn->fd, &ev) == 0 ? 0 : -errno;
}

/* A non-blocking TCP_NODELAY socket; with --mss, TCP_MAXSEG before connect
 * so that the SYN announces it (tcp(7)), as Tern's MTU 1500 gives 1460. */
static int
lx_socket(uint32_t mss)
{
	int one = 1, seg = (int)mss;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0 ||
	    (mss != 0 && setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &seg, sizeof(seg)) != 0)) {
		int ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

/* Open a connection in a free slot; @due_us is when it was due; @bulk: a
 * mixed run's bulk sender. Its completion shows as EPOLLOUT. */
static int
lx_open(struct lx *lx, uint64_t due_us, bool bulk)
{
	const struct lg_opts *o = &lx->opt;
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(o->port),
		.sin_addr.s_addr = htonl(o->ip),
	};
	struct lx_conn *lcn = lx_slot_get(lx);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = lcn };
	int ret;

	if (lcn == NULL)
		return -ENOSPC;
	lcn->open_us = due_us;
	lcn->progress_us = lx->now_us;
	lcn->early = lx->t0_us == 0;
	lcn->bulk = bulk;
	lcn->want_out = true;
	lcn->fd = lx_socket(o->mss);
	if (lcn->fd < 0) {
		ret = lcn->fd;
		goto fail;
	}
	if (connect(lcn->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) {
		ret = -errno;
		goto fail;
	}
	if (epoll_ctl(lx->epfd, EPOLL_CTL_ADD, lcn->fd, &ev) != 0) {
		ret = -errno;
		goto fail;
	}
	return 0;
fail:
	lx_error(lx, "connect: %s", strerror(-ret));
	lx_slot_put(lx, lcn);
	return ret;
}

/* ---- requests and responses --------------------------------------------- */

/* Send what is owed; when the kernel takes less, EPOLLOUT resumes. A hard
 * error stops sending: the socket's error shows on the next read. */
static void
lx_pump(struct lx *lx, struct lx_conn *lcn)
{
	while (lcn->tx_owed > 0) {
		size_t n = lcn->tx_owed < LX_CHUNK ? (size_t)lcn->tx_owed : LX_CHUNK;
		ssize_t done = send(lcn->fd, lx->payload, n, MSG_NOSIGNAL);
		if (done < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				lx_want_out(lx, lcn, true);
			return;
		}
		lcn->tx_owed -= (uint64_t)done;
		lcn->progress_us = lx->now_us;
		if (lx_counting(lx)) {
			lx->st.tx_bytes += (uint64_t)done;
			lx->st.bulk_tx_bytes += lcn->bulk ? (uint64_t)done : 0;
		}
	}
	lx_want_out(lx, lcn, false);
}

static void
lx_request(struct lx *lx, struct lx_conn *lcn, uint64_t due_us)
{
	lcn->due_us[(lcn->head + lcn->inflight) % LX_DEPTH] = due_us;
	lcn->inflight++;
	lcn->tx_owed += lx->opt.size;
	lx_pump(lx, lcn);
}

/* The oldest request in flight has its whole response. */
static void
lx_complete(struct lx *lx, struct lx_conn *lcn)
{
	uint64_t due = lcn->due_us[lcn->head];

	lcn->head = (lcn->head + 1) % LX_DEPTH;
	lcn->inflight--;
	if (lx_counting(lx) && due >= lx->t0_us) {
		lx->st.requests++;
		hist_record(&lx->hist, lx->now_us - due);
	}
}

/* Responses echo requests, so they end at multiples of --size. */
static void
lx_responses(struct lx *lx, struct lx_conn *lcn, uint64_t n)
{
	const struct lg_opts *o = &lx->opt;

	lcn->rx_have += n;
	while (lcn->inflight > 0 && lcn->rx_have >= o->size) {
		lcn->rx_have -= o->size;
		lx_complete(lx, lcn);
		if (lg_conn_mode(o->mode, lcn->bulk) == LG_RR && o->rate == 0 && !lx->stopping)
			lx_request(lx, lcn, lx->now_us);
	}
	if (o->mode != LG_CRR || lcn->inflight != 0 || lcn->closing || lcn->wait.linked)
		return;
	if (o->closer == LG_CLOSER_SERVER) {
		lg_wait_add(&lx->waiting, &lcn->wait, lx->now_us + LG_PEER_CLOSE_US);
		return;
	}
	lcn->closing = true;
	shutdown(lcn->fd, SHUT_WR);
}

/* ---- events ------------------------------------------------------------- */

/* The MSS the connection sends with, as the kernel has it after the
 * handshake (tcp(7) TCP_MAXSEG: the peer's MSS and ours, less the
 * timestamp option's 12 bytes when it is on). */
static void
lx_note_mss(struct lx *lx, const struct lx_conn *lcn)
{
	int mss = 0;
	socklen_t len = sizeof(mss);

	if (getsockopt(lcn->fd, IPPROTO_TCP, TCP_MAXSEG, &mss, &len) == 0 && mss > 0 &&
	    (uint32_t)mss > lx->st.mss)
		lx->st.mss = (uint32_t)mss;
}

static void
lx_connected(struct lx *lx, struct lx_conn *lcn)
{
	const struct lg_opts *o = &lx->opt;
	enum lg_mode mode = lg_conn_mode(o->mode, lcn->bulk);
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(lcn->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err != 0) {
		if (!lx->stopping)
			lx_error(lx, "connection failed: %s", strerror(err));
		lx_slot_put(lx, lcn);
		return;
	}
	lcn->up = true;
	lcn->progress_us = lx->now_us;
	lx_note_mss(lx, lcn);
	lx->nb_up++;
	if (lx->t0_us == 0 && lg_window_opens(o->mode, lx->nb_up, lx->nb_slots)) {
		lx->t0_us = lx->now_us;
		lx->report_us = lx->now_us;
	}
	if (lx_counting(lx) && o->closer == LG_CLOSER_CLIENT)
		lx->st.conns++; /* --closer server counts them closed (lx_readable) */
	if (mode == LG_BULK) {
		lcn->tx_owed = UINT64_MAX;
		lx_pump(lx, lcn);
	} else if (mode == LG_CRR) {
		lx_request(lx, lcn, lcn->open_us);
	} else if (o->rate == 0) {
		lx_request(lx, lcn, lx->now_us);
	} else {
		lx_want_out(lx, lcn, false);
	}
}

/* One read per event: level-triggered epoll reports the rest. */
static void
lx_readable(struct lx *lx, struct lx_conn *lcn)
{
	ssize_t n = read(lcn->fd, lx->rx, sizeof(lx->rx));

	if (n < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		if (!lx->stopping)
			lx_error(lx, "connection lost: %s", strerror(errno));
		lx_slot_put(lx, lcn);
		return;
	}
	if (n > 0) {
		lcn->progress_us = lx->now_us;
		if (lx_counting(lx)) {
			lx->st.rx_bytes += (uint64_t)n;
			lx->st.bulk_rx_bytes += lcn->bulk ? (uint64_t)n : 0;
		}
		if (lg_conn_mode(lx->opt.mode, lcn->bulk) != LG_BULK)
			lx_responses(lx, lcn, (uint64_t)n);
		return;
	}
	if (lcn->wait.linked) {
		/* --closer server: its FIN after the response; close passively
		 * (LAST_ACK here, TIME_WAIT there). */
		if (lx_counting(lx))
			lx->st.conns++;
	} else if (!lcn->closing && !lx->stopping) {
		lx_error(lx, "the server closed a connection with %u requests in flight",
		         lcn->inflight);
	}
	lx_slot_put(lx, lcn); /* both FINs: an orderly close */
}

static void
lx_event(struct lx *lx, struct lx_conn *lcn, uint32_t events)
{
	if (!lcn->up) {
		lx_connected(lx, lcn);
		return;
	}
	if ((events & EPOLLOUT) != 0 && lcn->tx_owed > 0)
		lx_pump(lx, lcn);
	if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0)
		lx_readable(lx, lcn);
}

/* ---- the clock ---------------------------------------------------------- */

/* Open loop: issue every request (crr: connection) due by now. One that no
 * connection can take now is dropped and counted. */
static void
lx_issue(struct lx *lx)
{
	uint64_t rate = lx->opt.rate;
	/* Request i is due at t0 + i / rate: by now, requests 0 .. elapsed x rate are. */
	uint64_t target = (lx->now_us - lx->t0_us) * rate / 1000000u + 1;

	while (lx->issued < target && !lx->stopping) {
		uint64_t due = lx->t0_us + lx->issued * 1000000u / rate;
		lx->issued++;
		if (lx->opt.mode == LG_CRR) {
			if (lx_open(lx, due, false) != 0)
				lx->st.dropped++;
			continue;
		}
		struct lx_conn *lcn = &lx->slots[lx->rr_next];
		lx->rr_next = (lx->rr_next + 1) % lx->nb_slots;
		if (lcn->fd >= 0 && lcn->up && !lcn->closing && lcn->inflight < LX_DEPTH)
			lx_request(lx, lcn, due);
		else
			lx->st.dropped++;
	}
}

/* --closer server: a server that has not closed within LG_PEER_CLOSE_US of
 * the response is an error; the client closes instead. */
static void
lx_expire_waits(struct lx *lx)
{
	struct lg_wait *w;

	while ((w = lg_wait_expired(&lx->waiting, lx->now_us)) != NULL) {
		struct lx_conn *lcn =
		        (struct lx_conn *)((char *)w - offsetof(struct lx_conn, wait));
		lx_error(lx, "the server did not close within %u ms", LG_PEER_CLOSE_US / 1000u);
		lx_slot_put(lx, lcn);
	}
}

/* Every LG_STALL_SWEEP_US: a connection that waits on the server and has
 * made no progress for LG_STALL_US is an error, counted once (tern-loadgen's
 * lg_sweep_stalls). */
static void
lx_sweep_stalls(struct lx *lx)
{
	if (lx->now_us - lx->sweep_us < LG_STALL_SWEEP_US)
		return;
	lx->sweep_us = lx->now_us;
	for (unsigned i = 0; i < lx->nb_slots; i++) {
		struct lx_conn *lcn = &lx->slots[i];
		if (lcn->fd < 0 || lcn->stalled ||
		    !lg_conn_waiting(lg_conn_mode(lx->opt.mode, lcn->bulk), lcn->up, lcn->closing,
		                     lcn->inflight, lcn->tx_owed) ||
		    lx->now_us - lcn->progress_us < lg_stall_bound_us(lcn->up, lcn->early))
			continue;
		lcn->stalled = true;
		lx->st.stalled++;
		lx_error(lx, "a connection %s made no progress for %.1f s (%u requests in flight)",
		         lcn->up ? "(up)" : "(connecting)",
		         (double)(lx->now_us - lcn->progress_us) / 1e6, lcn->inflight);
	}
}

/* Closed loop crr: a new connection in every free slot. */
static void
lx_reopen(struct lx *lx)
{
	while (lx->free != NULL && !lx->stopping)
		if (lx_open(lx, lx->now_us, false) != 0)
			return;
}

static void
lx_report(struct lx *lx)
{
	double s = (double)(lx->now_us - lx->report_us) / 1e6;
	const struct lg_stats *a = &lx->st, *b = &lx->last;

	printf(LX_NAME ": core 0 %5.1f s: %9.0f req/s %8.0f conn/s tx %8.1f Mbit/s rx %8.1f "
	               "Mbit/s, %u open, %" PRIu64 " errors\n",
	       (double)(lx->now_us - lx->t0_us) / 1e6, (double)(a->requests - b->requests) / s,
	       (double)(a->conns - b->conns) / s, (double)(a->tx_bytes - b->tx_bytes) * 8 / 1e6 / s,
	       (double)(a->rx_bytes - b->rx_bytes) * 8 / 1e6 / s, lx->open, a->errors);
	fflush(stdout);
	lx->last = lx->st;
	lx->report_us = lx->now_us;
}

/* Once per loop iteration, after the events (tern-loadgen's lg_on_poll). */
static void
lx_poll(struct lx *lx)
{
	if (lx->stopping)
		return;
	if (lx->t0_us == 0) {
		if (lx->open == 0) {
			lx_error(lx, "no connection could be opened");
			lx_finish(lx);
		} else if (lx->now_us - lx->start_us >= LX_START_TIMEOUT_US) {
			if (lg_window_late(lx->nb_up)) {
				fprintf(stderr,
				        LX_NAME ": %u of %u connections up within %u s: "
				                "measuring with those\n",
				        lx->nb_up, lx->nb_slots, LX_START_TIMEOUT_US / 1000000u);
				lx->t0_us = lx->report_us = lx->now_us;
				return;
			}
			lx_error(lx, "no connection up within %u s",
			         LX_START_TIMEOUT_US / 1000000u);
			lx_finish(lx);
		}
		return;
	}
	if (lx->now_us - lx->report_us >= LX_REPORT_US)
		lx_report(lx);
	if (lx->now_us - lx->t0_us >= (uint64_t)lx->opt.duration_s * 1000000u) {
		if (lx->now_us - lx->report_us >= LX_REPORT_US / 2)
			lx_report(lx); /* the last part second, if it is long enough to mean much */
		lx_finish(lx);
		return;
	}
	lx_expire_waits(lx);
	lx_sweep_stalls(lx);
	if (lx->opt.rate != 0)
		lx_issue(lx);
	else if (lx->opt.mode == LG_CRR)
		lx_reopen(lx);
	if (lx->opt.mode != LG_CRR && lx->open == 0) {
		lx_error(lx, "every connection has ended");
		lx_finish(lx);
	}
}

/* ---- the loop ----------------------------------------------------------- */

static int
lx_setup(struct lx *lx)
{
	const struct lg_opts *o = &lx->opt;
	struct rlimit rl;

	/* A socket per connection, besides stdio and epoll. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)o->conns + o->bulk_conns + 16) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	lx->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lx->epfd < 0) {
		fprintf(stderr, LX_NAME ": epoll_create1: %s\n", strerror(errno));
		return -errno;
	}
	lx->nb_slots = o->conns + o->bulk_conns; /* mixed: the bulk ones last */
	lx->slots = calloc(lx->nb_slots, sizeof(*lx->slots));
	if (lx->slots == NULL) {
		fprintf(stderr, LX_NAME ": no memory for %u connections\n", lx->nb_slots);
		return -ENOMEM;
	}
	for (unsigned i = lx->nb_slots; i-- > 0;) {
		lx->slots[i].fd = -1;
		lx->slots[i].free_next = lx->free;
		lx->free = &lx->slots[i];
	}
	hist_reset(&lx->hist);
	return 0;
}

/* How long epoll may sleep: closed loop, until an event (at most
 * LX_WAIT_US); open loop spins (0), as Tern's engine does, since a timed
 * sleep wakes late by the timer slack (measured: p50 +50 us at 20,000/s). */
static struct timespec
lx_wait(const struct lx *lx)
{
	long wait_ns = lx->opt.rate != 0 ? 0 : (long)LX_WAIT_US * 1000;

	return (struct timespec){ .tv_sec = 0, .tv_nsec = wait_ns };
}

static void
lx_run(struct lx *lx)
{
	struct epoll_event evs[LX_EVENTS];

	lx->now_us = lx->start_us = lx_clock_us();
	/* Open loop crr opens one connection to warm up; the schedule starts
	 * when it is up. */
	unsigned n = lx->opt.mode == LG_CRR && lx->opt.rate != 0 ? 1 : lx->nb_slots;
	for (unsigned i = 0; i < n; i++)
		if (lx_open(lx, lx->now_us, lx->opt.mode == LG_MIXED && i >= lx->opt.conns) != 0)
			break;
	while (!lx->stopping) {
		struct timespec ts = lx_wait(lx);
		int nb = epoll_pwait2(lx->epfd, evs, LX_EVENTS, &ts, NULL);
		if (nb < 0 && errno != EINTR) {
			lx_error(lx, "epoll_pwait2: %s", strerror(errno));
			nb = 0;
			lx_stop = 1;
		}
		lx->now_us = lx_clock_us();
		for (int i = 0; i < nb; i++)
			lx_event(lx, evs[i].data.ptr, evs[i].events);
		if (lx_stop) {
			lx_finish(lx);
			break;
		}
		lx_poll(lx);
	}
	for (unsigned i = 0; i < lx->nb_slots; i++)
		if (lx->slots[i].fd >= 0)
			lx_slot_put(lx, &lx->slots[i]);
}

/* ---- results ------------------------------------------------------------ */

/* Histogram, summary and JSON; returns the exit status they imply. */
static int
lx_report_all(const struct lx *lx)
{
	const struct lg_stats *st = &lx->st;
	const struct hist *h = &lx->hist;
	uint64_t window_us = 0;

	if (lx->t0_us != 0)
		window_us = (lx->end_us != 0 ? lx->end_us : lx->now_us) - lx->t0_us;
	bool nothing = lg_print_results(LX_NAME, &lx->opt, 1, window_us, st, h);
	return st->errors != 0 || st->stalled != 0 || lx->t0_us == 0 || nothing;
}

/* ---- options ------------------------------------------------------------ */

static void
lx_usage(FILE *f)
{
	fprintf(f,
	        "usage: " LX_NAME " --connect A.B.C.D:PORT [--mode rr|crr|bulk|mixed] [--conns N]\n"
	        "       [--size BYTES] [--duration S] [--rate R] [--mss BYTES]\n"
	        "       [--closer client|server] [--ports P] [--server-pid PID]\n"
	        "  tern-loadgen's client over the kernel's sockets: one thread, epoll.\n"
	        "  --connect   the server (an echo server for rr and crr)\n"
	        "  --mode      persistent (rr, default), a connection per request, bulk, or\n"
	        "              mixed: --conns rr and --bulk-conns bulk at once\n"
	        "  --conns     connections at once (1); mixed: the rr ones\n"
	        "  --bulk-conns  mixed: bulk senders beside the --conns rr connections\n"
	        "  --size      request and response size (64)\n"
	        "  --duration  seconds measured, once every connection is up (crr: the first) "
	        "(10)\n"
	        "  --rate      open loop: requests (crr: connections) per second in all;\n"
	        "              0: closed loop (0)\n"
	        "  --mss       TCP_MAXSEG before connect, e.g. 1460 as on a 1500-byte MTU;\n"
	        "              the JSON's mss is what the kernel then uses (0: its own)\n"
	        "  --closer    crr: who closes first (client); server: wait for its FIN\n"
	        "              (tern-linux-echo --close-after) and close passively\n"
	        "  --mode idle  open --conns (over --ports P ports from --connect's), hold them\n"
	        "              --duration s, check them; --server-pid: its RSS change too;\n"
	        "              a process a port (P <= 64; a share must fit RLIMIT_NOFILE)\n");
}

/* "--opt value" pairs; a lone "--" (tern-loadgen's EAL separator) is skipped.
 * 0, 1 after --help, or -EINVAL after printing what was wrong. */
static int
lx_parse_args(int argc, char **argv, struct lg_opts *o)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			continue;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			lx_usage(stdout);
			return 1;
		}
		if (i + 1 >= argc || lg_parse_opt(o, argv[i], argv[i + 1]) != 0) {
			fprintf(stderr, LX_NAME ": bad option: %s%s%s\n", argv[i],
			        i + 1 < argc ? " " : "", i + 1 < argc ? argv[i + 1] : "");
			lx_usage(stderr);
			return -EINVAL;
		}
		i++;
	}
	const char *bad = lg_check_opts(o);

	/* HTTP is tern-loadgen's alone: this tool counts echoed bytes. */
	if (bad == NULL && lg_mode_http(o->mode))
		bad = "--mode http-ka and http-close: tern-loadgen only";
	if (bad != NULL) {
		fprintf(stderr, LX_NAME ": %s\n", bad);
		return -EINVAL;
	}
	return 0;
}

/* ---- main --------------------------------------------------------------- */

int
main(int argc, char **argv)
{
	struct lx *lx = calloc(1, sizeof(*lx));
	struct sigaction sa = { .sa_handler = lx_on_signal };
	int ret, status;

	if (lx == NULL) {
		fprintf(stderr, LX_NAME ": no memory\n");
		return 1;
	}
	lx->epfd = -1;
	lx->opt = (struct lg_opts){
		.mode = LG_RR, .conns = 1, .size = 64, .duration_s = 10, .ports = 1
	};
	memset(lx->payload, 'x', sizeof(lx->payload));
	ret = lx_parse_args(argc, argv, &lx->opt);
	if (ret != 0) {
		free(lx);
		return ret > 0 ? 0 : 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (lx->opt.mode == LG_IDLE) {
		status = lx_idle_run(&lx->opt, &lx_stop);
	} else if (lx_setup(lx) != 0) {
		status = 1;
	} else {
		lx_run(lx);
		status = lx_report_all(lx);
	}
	if (lx->epfd >= 0)
		close(lx->epfd);
	free(lx->slots);
	free(lx);
	return status;
}
