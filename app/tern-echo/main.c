/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-echo: Tern on one port with the classic services (DESIGN.md, stable
 * contracts), besides answering ARP and ping:
 *
 *   TCP 7   echo (RFC 862): everything back; closes after the peer's FIN
 *           once everything is echoed
 *   TCP 13  daytime (RFC 867-like): one line ending in "\n", then Tern closes
 *           first (the active close)
 *   TCP 19  chargen (RFC 864-like): exactly 1,048,576 bytes, byte i = i mod
 *           256, then closes
 *   TCP 9   not listened on: a SYN gets a RST
 *
 *   tern-echo [EAL args] -- [--config FILE] [--ip ADDR/LEN] [--close-after BYTES]
 *                           [--echo-ports A-B] [--echo-send lend|copy]
 *
 * --echo-send: how echo sends back what it received. lend (the default): the
 * received mbufs themselves, by tern_send_mbuf, with no copy (echo_lend.c);
 * copy: out of the receive queue with tern_recv_copy, into the send queue
 * with tern_send (two copies; what the sockets API does).
 *
 * --close-after N (benchmarks: crr with the server closing first): an echo
 * connection closes itself once it has echoed N bytes, in the callback that
 * sends the last of them, so the FIN rides with the data and TIME_WAIT lands
 * here rather than on the client's ephemeral ports.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_mbuf.h>

#include <tern.h>

#include "echo_lend.h"

#define CHARGEN_BYTES (1u << 20)

/* Echo what can be sent now; the rest waits in Tern's receive queue (so the
 * window closes on a peer that sends faster than it reads). */
static void
echo_pump(struct tern_conn *c)
{
	char buf[16384];

	for (;;) {
		size_t n = RTE_MIN(tern_send_space(c), sizeof(buf));
		n = tern_recv_copy(c, buf, n);
		if (n == 0)
			break;
		tern_send(c, buf, n); /* takes all: n is within the space */
	}
	if (tern_recv_eof(c))
		tern_close(c);
}

static void
echo_readable(struct tern_conn *c, void *arg)
{
	(void)arg;
	echo_pump(c);
}

static void
echo_writable(struct tern_conn *c, void *arg)
{
	(void)arg;
	echo_pump(c);
}

/* --close-after: the connection's argument is the bytes still to echo
 * before closing (accepted sets it from the listener's). */
static void
echo_upto_pump(struct tern_conn *c, uintptr_t left)
{
	char buf[16384];

	while (left > 0) {
		size_t n = RTE_MIN(RTE_MIN(tern_send_space(c), sizeof(buf)), (size_t)left);
		n = tern_recv_copy(c, buf, n);
		if (n == 0)
			break;
		tern_send(c, buf, n); /* takes all: n is within the space */
		left -= n;
	}
	tern_conn_set_arg(c, (void *)left);
	if (left == 0 || tern_recv_eof(c))
		tern_close(c); /* the FIN leaves with the last bytes */
}

static void
echo_upto_accepted(struct tern_conn *c, void *listen_arg)
{
	const uint64_t *close_after = listen_arg;

	tern_conn_set_arg(c, (void *)(uintptr_t)*close_after);
}

static void
echo_upto_ready(struct tern_conn *c, void *arg)
{
	if ((uintptr_t)arg > 0)
		echo_upto_pump(c, (uintptr_t)arg);
}

static void
daytime_accepted(struct tern_conn *c, void *arg)
{
	char line[64];
	time_t now = time(NULL);
	struct tm tm;

	(void)arg;
	gmtime_r(&now, &tm);
	size_t n = strftime(line, sizeof(line), "%A, %B %d, %Y %H:%M:%S-UTC\n", &tm);
	tern_send(c, line, n);
	tern_close(c);
}

/* The connection's argument counts the bytes sent so far. */
static void
chargen_pump(struct tern_conn *c, uintptr_t sent)
{
	uint8_t buf[4096];

	while (sent < CHARGEN_BYTES) {
		size_t n = RTE_MIN(sizeof(buf), (size_t)(CHARGEN_BYTES - sent));
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)(sent + i);
		ssize_t done = tern_send(c, buf, n);
		if (done <= 0)
			break;
		sent += (uintptr_t)done;
	}
	tern_conn_set_arg(c, (void *)sent);
	if (sent == CHARGEN_BYTES)
		tern_close(c);
}

static void
chargen_accepted(struct tern_conn *c, void *arg)
{
	(void)arg;
	chargen_pump(c, 0);
}

static void
chargen_writable(struct tern_conn *c, void *arg)
{
	chargen_pump(c, (uintptr_t)arg);
}

/* What a daytime client sends is read and dropped; daytime has closed
 * already, so the peer's FIN ends it. */
static void
discard_readable(struct tern_conn *c, void *arg)
{
	(void)arg;
	rte_pktmbuf_free(tern_recv(c));
	if (tern_recv_eof(c))
		tern_close(c);
}

/* A chargen client's bytes are dropped too, but its FIN only ends its own
 * sending: CLOSE_WAIT keeps ours going (RFC 9293 3.6), and chargen_pump
 * closes after the last byte. */
static void
chargen_readable(struct tern_conn *c, void *arg)
{
	(void)arg;
	rte_pktmbuf_free(tern_recv(c));
}

static const struct tern_conn_ops echo_ops = {
	.readable = echo_readable,
	.writable = echo_writable,
};
static const struct tern_conn_ops echo_lend_ops = {
	.readable = echo_lend_pump,
	.writable = echo_lend_pump,
	.closed = echo_lend_closed,
};
static const struct tern_conn_ops echo_upto_ops = {
	.accepted = echo_upto_accepted,
	.readable = echo_upto_ready,
	.writable = echo_upto_ready,
};
static const struct tern_conn_ops daytime_ops = {
	.accepted = daytime_accepted,
	.readable = discard_readable,
};
static const struct tern_conn_ops chargen_ops = {
	.accepted = chargen_accepted,
	.readable = chargen_readable,
	.writable = chargen_writable,
};

struct echo_opts {
	uint64_t close_after; /* 0: echo until the peer's FIN */
	uint16_t echo_lo;     /* --echo-ports: echo on echo_lo..echo_hi instead of 7 */
	uint16_t echo_hi;
	bool echo_copy; /* --echo-send copy */
};

static const struct tern_opt echo_opt_list[] = {
	{ "--close-after", "BYTES", "echo (7) connections close after echoing BYTES (0: never)" },
	{ "--echo-ports", "A-B",
	  "echo on ports A..B instead of 7, without daytime and chargen (at most 16 ports)" },
	{ "--echo-send", "lend|copy",
	  "echo sends the received mbufs themselves (lend, the default) or copies (copy)" },
	{ NULL, NULL, NULL },
};

static int
echo_parse_opt(void *ctx, const char *opt, const char *v)
{
	struct echo_opts *o = ctx;
	unsigned long lo, hi;
	char *end;

	if (strcmp(opt, "--echo-send") == 0) {
		if (strcmp(v, "lend") != 0 && strcmp(v, "copy") != 0)
			return -EINVAL;
		o->echo_copy = strcmp(v, "copy") == 0;
		return 0;
	}
	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	if (strcmp(opt, "--close-after") == 0) {
		o->close_after = strtoull(v, &end, 10);
		return errno != 0 || *end != '\0' ? -EINVAL : 0;
	}
	if (strcmp(opt, "--echo-ports") != 0)
		return -EINVAL;
	lo = strtoul(v, &end, 10);
	if (*end != '-' || end[1] < '0' || end[1] > '9')
		return -EINVAL;
	hi = strtoul(end + 1, &end, 10);
	if (errno != 0 || *end != '\0' || lo == 0 || lo > hi || hi > 65535)
		return -EINVAL;
	o->echo_lo = (uint16_t)lo;
	o->echo_hi = (uint16_t)hi;
	return 0;
}

/* Echo on 7 (or --echo-ports), daytime on 13 and chargen on 19 (not with
 * --echo-ports: Tern has 16 listeners). 0 or -errno. */
static int
echo_listen_all(struct tern *t, struct echo_opts *o)
{
	const struct tern_conn_ops *ops = o->close_after != 0 ? &echo_upto_ops
	                                  : o->echo_copy      ? &echo_ops
	                                                      : &echo_lend_ops;
	void *arg = o->close_after != 0 ? &o->close_after : NULL;
	int ret;

	if (o->echo_lo != 0) {
		for (uint32_t p = o->echo_lo; p <= o->echo_hi; p++)
			if ((ret = tern_listen(t, (uint16_t)p, ops, arg)) != 0)
				return ret;
		return 0;
	}
	if ((ret = tern_listen(t, 7, ops, arg)) != 0 ||
	    (ret = tern_listen(t, 13, &daytime_ops, NULL)) != 0)
		return ret;
	return tern_listen(t, 19, &chargen_ops, NULL);
}

int
main(int argc, char **argv)
{
	struct echo_opts o = { 0 };
	const struct tern_app app = {
		.name = "tern-echo",
		.summary = "Tern with TCP echo (7), daytime (13) and chargen (19), ARP and ping",
		.opts = echo_opt_list,
		.parse_opt = echo_parse_opt,
		.ctx = &o,
	};
	struct tern *t;
	int ret = tern_init(argc, argv, &app, &t);

	if (t == NULL)
		return ret;
	ret = echo_listen_all(t, &o);
	if (ret != 0) {
		fprintf(stderr, "tern-echo: cannot listen: %s\n", strerror(-ret));
		tern_fini(t);
		return 1;
	}
	tern_run(t);
	return tern_fini(t);
}
