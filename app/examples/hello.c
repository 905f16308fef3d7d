/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-hello, the example of docs/API.md: every connection to TCP 8080 gets
 * one line, then our FIN; what the client sends is read (zero-copy) and
 * dropped, and its FIN completes the close.
 *
 *   tern-hello [EAL args] -- [--config FILE] [--ip ADDR/LEN]
 */
#include <stdio.h>
#include <string.h>

#include <rte_mbuf.h>

#include <tern.h>

static void
hello_accepted(struct tern_conn *c, void *arg)
{
	static const char line[] = "hello from Tern\n";

	(void)arg;
	tern_send(c, line, sizeof(line) - 1); /* a new connection has the room */
	tern_shutdown(c);                     /* FIN after the line; reading goes on */
}

static void
hello_readable(struct tern_conn *c, void *arg)
{
	(void)arg;
	rte_pktmbuf_free(tern_recv(c)); /* the chain is ours: free it */
	if (tern_recv_eof(c))
		tern_close(c); /* the closed callback (NULL here) comes later */
}

static const struct tern_conn_ops hello_ops = {
	.accepted = hello_accepted,
	.readable = hello_readable,
};

int
main(int argc, char **argv)
{
	static const struct tern_app app = {
		.name = "tern-hello",
		.summary = "one line to every TCP 8080 connection",
	};
	struct tern *t;
	int ret = tern_init(argc, argv, &app, &t);

	if (t == NULL)
		return ret; /* 0 after --help, else the reason is on stderr */
	ret = tern_listen(t, 8080, &hello_ops, NULL);
	if (ret != 0) {
		fprintf(stderr, "tern-hello: cannot listen on TCP 8080: %s\n", strerror(-ret));
		tern_fini(t);
		return 1;
	}
	tern_run(t); /* until SIGINT or SIGTERM */
	return tern_fini(t);
}
