/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tern's public API: bring the stack up from the command line, run one engine
 * per lcore until SIGINT/SIGTERM, and tear it down with every mbuf accounted.
 *
 *	int main(int argc, char **argv)
 *	{
 *		static const struct tern_app app = { .name = "my-app" };
 *		struct tern *t;
 *		int ret = tern_init(argc, argv, &app, &t);
 *
 *		if (t == NULL)
 *			return ret;
 *		tern_run(t);
 *		return tern_fini(t);
 *	}
 *
 * Programs take DPDK's EAL arguments, then "--", then their own:
 *	PROGRAM [EAL args] -- [--config FILE] [--ip ADDR/LEN]
 * TCP services (listen, connect, send, recv) arrive with the TCP layer.
 */
#ifndef TERN_H
#define TERN_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tern;

struct tern_app {
	const char *name;    /* program name for messages */
	const char *summary; /* one line for --help */
};

/* Parse the arguments, read the configuration, start the EAL, the port and
 * one engine per lcore. On success *out is the runtime and 0 is returned.
 * Otherwise *out is NULL and the return value is the exit status to use:
 * 0 after --help, 2 for a usage or configuration error, 1 for a failure to
 * start; the reason is on stderr, one line each. */
int tern_init(int argc, char **argv, const struct tern_app *app, struct tern **out);

/* Run the engines on every lcore (the main one included) until SIGINT or
 * SIGTERM. Returns 0. */
int tern_run(struct tern *t);

/* Stop, print the counters, release the port and the engines, and check that
 * every mbuf is back in its pool. Returns the exit status: 0, or 1 if mbufs
 * are missing (each pool reported on stderr). */
int tern_fini(struct tern *t);

#ifdef __cplusplus
}
#endif

#endif /* TERN_H */
