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
 *   tern-echo [EAL args] -- [--config FILE] [--ip ADDR/LEN]
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_mbuf.h>

#include <tern.h>

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

/* What a chargen or daytime client sends is read and dropped. */
static void
discard_readable(struct tern_conn *c, void *arg)
{
	(void)arg;
	rte_pktmbuf_free(tern_recv(c));
	if (tern_recv_eof(c))
		tern_close(c);
}

static const struct tern_conn_ops echo_ops = {
	.readable = echo_readable,
	.writable = echo_writable,
};
static const struct tern_conn_ops daytime_ops = {
	.accepted = daytime_accepted,
	.readable = discard_readable,
};
static const struct tern_conn_ops chargen_ops = {
	.accepted = chargen_accepted,
	.readable = discard_readable,
	.writable = chargen_writable,
};

int
main(int argc, char **argv)
{
	static const struct tern_app app = {
		.name = "tern-echo",
		.summary = "Tern with TCP echo (7), daytime (13) and chargen (19), ARP and ping",
	};
	struct tern *t;
	int ret = tern_init(argc, argv, &app, &t);

	if (t == NULL)
		return ret;
	if ((ret = tern_listen(t, 7, &echo_ops, NULL)) != 0 ||
	    (ret = tern_listen(t, 13, &daytime_ops, NULL)) != 0 ||
	    (ret = tern_listen(t, 19, &chargen_ops, NULL)) != 0) {
		fprintf(stderr, "tern-echo: cannot listen: %s\n", strerror(-ret));
		tern_fini(t);
		return 1;
	}
	tern_run(t);
	return tern_fini(t);
}
