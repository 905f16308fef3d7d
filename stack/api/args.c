/* SPDX-License-Identifier: BSD-3-Clause */
/* Command-line parsing for every Tern program (DPDK's EAL -- app split). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api/args.h"
#include "tern.h"

void
args_usage(const struct tern_app *app, FILE *out)
{
	fprintf(out, "%s: %s\n\n", app->name,
	        app->summary != NULL ? app->summary : "a Tern program");
	fprintf(out,
	        "usage: %s [EAL args] -- [--config FILE] [--ip ADDR/LEN] [--capture FILE "
	        "[--capture-max MB]]%s\n\n",
	        app->name, app->opts != NULL && app->opts[0].name != NULL ? " [options]" : "");
	fprintf(out, "  --config FILE   INI configuration (default: built in, equal to "
	             "config/tap.ini)\n"
	             "  --ip ADDR/LEN   our IPv4 address and prefix length, e.g. 198.18.0.2/24\n"
	             "  --capture FILE  write every frame each port receives and sends to FILE "
	             "(pcapng)\n"
	             "  --capture-max MB  stop writing FILE at MB megabytes (10^6 bytes; "
	             "default: no bound)\n");
	for (const struct tern_opt *o = app->opts; o != NULL && o->name != NULL; o++) {
		char left[40];
		snprintf(left, sizeof(left), "%s %s", o->name, o->arg);
		fprintf(out, "  %-15s %s\n", left, o->help);
	}
	fprintf(out,
	        "  --help, -h      this text\n\n"
	        "EAL args bring up the port and the lcores (one engine per lcore), e.g.\n"
	        "  %s --no-huge -m 512 --no-pci --vdev net_tap0,iface=tern0 -l 0 -- --ip "
	        "198.18.0.2/24\n"
	        "and set log levels per module: --log-level=tern.tcp:debug (tern.arp, "
	        "tern.port, tern.engine, tern.config, tern.capture).\n"
	        "SIGINT or SIGTERM stops every engine and prints the counters.\n",
	        app->name);
}

#define ARGS_CAPTURE_MAX_MB 1000000u /* a terabyte */

/* --capture-max MB: a whole number of megabytes (10^6 bytes, as tcpdump -C). */
static int
args_capture_max(const char *v, uint64_t *bytes)
{
	char *end;
	unsigned long long mb;

	errno = 0;
	mb = strtoull(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || v[0] == '-' || mb == 0 ||
	    mb > ARGS_CAPTURE_MAX_MB)
		return -EINVAL;
	*bytes = (uint64_t)mb * 1000000;
	return 0;
}

/* "--opt VALUE" or "--opt=VALUE": the value, or NULL if @arg is not @opt. */
static const char *
args_value(int argc, char **argv, int *i, const char *opt, bool *missing)
{
	size_t n = strlen(opt);
	const char *arg = argv[*i];

	if (strncmp(arg, opt, n) != 0)
		return NULL;
	if (arg[n] == '=')
		return arg + n + 1;
	if (arg[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

/* One of the program's own options, if @argv[*i] is one. Returns 1 if taken,
 * 0 if not one of them, 2 for an error (reported). */
static int
args_app_opt(int argc, char **argv, int *i, const struct tern_app *app, FILE *err)
{
	for (const struct tern_opt *o = app->opts; o != NULL && o->name != NULL; o++) {
		bool missing = false;
		const char *v = args_value(argc, argv, i, o->name, &missing);
		if (missing) {
			fprintf(err, "%s: option '%s' needs a value (try --help)\n", app->name,
			        o->name);
			return 2;
		}
		if (v == NULL)
			continue;
		int ret = app->parse_opt != NULL ? app->parse_opt(app->ctx, o->name, v) : 0;
		if (ret == -EBADMSG)
			return 2;
		if (ret != 0) {
			fprintf(err, "%s: %s '%s': bad value (expected %s)\n", app->name, o->name,
			        v, o->arg);
			return 2;
		}
		return 1;
	}
	return 0;
}

int
args_parse(int argc, char **argv, const struct tern_app *app, struct tern_args *a, FILE *err)
{
	int split = argc;

	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			a->help = true;
		if (strcmp(argv[i], "--") == 0 && split == argc)
			split = i;
	}
	a->eal_argc = split;
	a->eal_argv = argv;
	if (a->help)
		return 0;
	for (int i = split + 1; i < argc; i++) {
		bool missing = false;
		const char *v;

		if ((v = args_value(argc, argv, &i, "--config", &missing)) != NULL)
			a->config_path = v;
		else if (!missing && (v = args_value(argc, argv, &i, "--ip", &missing)) != NULL)
			a->ip = v;
		else if (!missing &&
		         (v = args_value(argc, argv, &i, "--capture", &missing)) != NULL)
			a->capture = v;
		else if (!missing &&
		         (v = args_value(argc, argv, &i, "--capture-max", &missing)) != NULL &&
		         args_capture_max(v, &a->capture_max) != 0) {
			fprintf(err, "%s: --capture-max '%s': expected megabytes, 1..%u\n",
			        app->name, v, ARGS_CAPTURE_MAX_MB);
			return 2;
		}
		if (missing) {
			fprintf(err, "%s: option '%s' needs a value (try --help)\n", app->name,
			        argv[i]);
			return 2;
		}
		if (v != NULL)
			continue;
		int taken = args_app_opt(argc, argv, &i, app, err);
		if (taken == 2)
			return 2;
		if (taken == 0) {
			fprintf(err, "%s: unknown option '%s' (try --help)\n", app->name, argv[i]);
			return 2;
		}
	}
	if (a->capture_max != 0 && a->capture == NULL) {
		fprintf(err, "%s: --capture-max needs --capture FILE\n", app->name);
		return 2;
	}
	return 0;
}
