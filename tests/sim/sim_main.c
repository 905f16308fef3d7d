/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-sim: the deterministic simulation's command line. Runs a range of
 * seeds (or one, traced), counts results per link profile, and prints, for
 * each failing seed, the command line that replays it.
 *
 *   tern-sim [--seeds N] [--first S] [--seed S] [--profile NAME] [--verbose]
 *
 * The last lines are googletest's summary ("[  PASSED  ] N tests.",
 * "[  FAILED  ] N tests"), one test per profile, which tern.sh counts.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sim.h"
#include "sim_profile.h"
#include "sim_run.h"

#define FAILS_SHOWN 20 /* failing seeds printed in full; the rest one line each */

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: tern-sim [--seeds N] [--first S] [--seed S] [--profile NAME] [--verbose]\n"
	        "  --seeds N       run N seeds (default 1000) starting at --first (default 1)\n"
	        "  --seed S        run seed S alone (replay)\n"
	        "  --profile NAME  only this link profile:");
	for (unsigned i = 0; i < sim_nb_profiles; i++)
		fprintf(f, " %s", sim_profiles[i].name);
	fprintf(f, "\n  --verbose       trace every frame, state change and application event\n");
}

static int
parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
		return -1;
	*v = x;
	return 0;
}

static double
elapsed_s(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int
main(int argc, char **argv)
{
	uint64_t first = 1, seeds = 1000;
	int profile = -1;
	bool verbose = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--verbose") == 0) {
			verbose = true;
			continue;
		}
		if (v == NULL) {
			usage(stderr);
			return 2;
		}
		i++;
		if (strcmp(a, "--seeds") == 0 && parse_u64(v, &seeds) == 0) {
		} else if (strcmp(a, "--first") == 0 && parse_u64(v, &first) == 0) {
		} else if (strcmp(a, "--seed") == 0 && parse_u64(v, &first) == 0) {
			seeds = 1;
		} else if (strcmp(a, "--profile") == 0 && (profile = sim_profile_find(v)) >= 0) {
		} else {
			fprintf(stderr, "tern-sim: %s '%s': bad value\n", a, v);
			usage(stderr);
			return 2;
		}
	}
	if (harness_eal_init() != 0) {
		fprintf(stderr, "tern-sim: EAL init failed\n");
		return 1;
	}
	struct sim *s = calloc(1, sizeof(*s));
	s->verbose = verbose;
	for (unsigned i = 0; i < 2; i++) {
		struct config c;
		sim_config_pick(&s->rng, &c, i);
		c.mtu = RTE_ETHER_MTU; /* net_ring sets no other; harness_reset varies it */
		s->h[i] = harness_open(&c);
		if (s->h[i] == NULL) {
			fprintf(stderr, "tern-sim: cannot open the harness\n");
			return 1;
		}
	}
	uint64_t runs[16] = { 0 }, fails[16] = { 0 }, nb_fail = 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	uint64_t slow_seed[3] = { 0 };
	double slow_s[3] = { 0 };
	for (uint64_t seed = first; seed < first + seeds; seed++) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		int ret = sim_run_seed(s, seed, profile);
		double took = elapsed_s(&ts);
		for (unsigned k = 0; k < 3; k++) {
			if (took <= slow_s[k])
				continue;
			for (unsigned j = 2; j > k; j--) {
				slow_s[j] = slow_s[j - 1];
				slow_seed[j] = slow_seed[j - 1];
			}
			slow_s[k] = took;
			slow_seed[k] = seed;
			break;
		}
		if (ret < 0)
			return 1;
		unsigned p = (unsigned)sim_profile_find(s->profile);
		runs[p]++;
		if (ret == 0)
			continue;
		fails[p]++;
		if (++nb_fail <= FAILS_SHOWN || verbose)
			printf("replay: %s --seed %" PRIu64 "%s%s --verbose\n\n", argv[0], seed,
			       profile >= 0 ? " --profile " : "", profile >= 0 ? s->profile : "");
	}
	double secs = elapsed_s(&t0);
	unsigned passed = 0, failed = 0;
	for (unsigned p = 0; p < sim_nb_profiles; p++) {
		if (runs[p] == 0)
			continue;
		printf("[ %s ] profile %-10s %" PRIu64 " seeds, %" PRIu64 " failed\n",
		       fails[p] ? "FAILED" : "    OK", sim_profiles[p].name, runs[p], fails[p]);
		if (fails[p])
			failed++;
		else
			passed++;
	}
	printf("%" PRIu64 " seeds from %" PRIu64 " in %.1f s (%.0f seeds/s), %" PRIu64 " failed\n",
	       seeds, first, secs, (double)seeds / (secs > 0 ? secs : 1), nb_fail);
	printf("slowest seeds:");
	for (unsigned k = 0; k < 3 && slow_s[k] > 0; k++)
		printf(" %" PRIu64 " (%.0f ms)", slow_seed[k], slow_s[k] * 1000);
	printf("\n[  PASSED  ] %u tests.\n", passed);
	if (failed > 0)
		printf("[  FAILED  ] %u tests, the profiles above.\n", failed);
	for (unsigned i = 0; i < 2; i++)
		harness_close(s->h[i]);
	sim_link_fini(&s->link);
	free(s);
	return failed > 0;
}
