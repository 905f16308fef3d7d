/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command line: "PROGRAM [EAL args] -- [app args]". Parsed before the EAL
 * starts, so --help and bad flags need neither root nor EAL arguments.
 */
#ifndef TERN_ARGS_H
#define TERN_ARGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct tern_app;

struct tern_args {
	const char *config_path; /* NULL: built-in defaults (= config/tap.ini) */
	const char *ip;          /* NULL: as configured */
	const char *capture;     /* --capture FILE: pcapng of every frame; NULL: none */
	uint64_t capture_max;    /* --capture-max MB, in bytes; 0: no bound */
	bool help;
	int eal_argc; /* argv[0] and the EAL arguments */
	char **eal_argv;
};

/* Returns 0, or 2 with one line on @err for a bad flag. */
int args_parse(int argc, char **argv, const struct tern_app *app, struct tern_args *a, FILE *err);

void args_usage(const struct tern_app *app, FILE *out);

#endif /* TERN_ARGS_H */
