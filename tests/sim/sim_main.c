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

#include <rte_common.h>

#include "sim.h"
#include "sim_profile.h"
#include "sim_run.h"
#include "engine/engine.h"
#include "tcp/tcp_payload_ref.h"

#define FAILS_SHOWN 20 /* replay commands printed; every failure is reported */

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: tern-sim [--seeds N] [--first S] [--seed S] [--profile NAME] [--verbose]\n"
	        "                [--all-picks]\n"
	        "  --seeds N       run N seeds (default 1000) starting at --first (default 1)\n"
	        "  --seed S        run seed S alone (replay)\n"
	        "  --profile NAME  only this link profile:");
	for (unsigned i = 0; i < sim_nb_profiles; i++)
		fprintf(f, " %s", sim_profiles[i].name);
	fprintf(f, "\n  --verbose       trace every frame, state change and application event\n"
	           "  --all-picks     ARP ageing on both hosts and port churn in every seed (a\n"
	           "                  stress run: its seeds are not the default run's)\n");
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

struct opts {
	uint64_t first;
	uint64_t seeds;
	int profile; /* -1: each seed's own */
	bool verbose;
	bool all_picks;
};

/* 0 to run, else the exit status (after --help, 0 is returned as 3). */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .first = 1, .seeds = 1000, .profile = -1 };
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0) {
			usage(stdout);
			return 3;
		} else if (strcmp(a, "--verbose") == 0) {
			o->verbose = true;
			continue;
		} else if (strcmp(a, "--all-picks") == 0) {
			o->all_picks = true;
			continue;
		}
		if (v == NULL) {
			usage(stderr);
			return 2;
		}
		i++;
		if (strcmp(a, "--seeds") == 0 && parse_u64(v, &o->seeds) == 0) {
		} else if (strcmp(a, "--first") == 0 && parse_u64(v, &o->first) == 0) {
		} else if (strcmp(a, "--seed") == 0 && parse_u64(v, &o->first) == 0) {
			o->seeds = 1;
		} else if (strcmp(a, "--profile") == 0 && (o->profile = sim_profile_find(v)) >= 0) {
		} else {
			fprintf(stderr, "tern-sim: %s '%s': bad value\n", a, v);
			usage(stderr);
			return 2;
		}
	}
	return 0;
}

/* The three slowest seeds so far, slowest first. */
struct slowest {
	uint64_t seed[3];
	double secs[3];
};

static void
slowest_note(struct slowest *sl, uint64_t seed, double took)
{
	for (unsigned k = 0; k < 3; k++) {
		if (took <= sl->secs[k])
			continue;
		for (unsigned j = 2; j > k; j--) {
			sl->secs[j] = sl->secs[j - 1];
			sl->seed[j] = sl->seed[j - 1];
		}
		sl->secs[k] = took;
		sl->seed[k] = seed;
		return;
	}
}

struct tally {
	uint64_t runs[16];
	uint64_t fails[16];
	uint64_t nb_fail;
	struct slowest slow;
	/* What reached the port's TSO and the applications' lending. */
	uint64_t tso_seeds, tso_sends, tso_segs, lend_seeds, lend_chains, lend_ext;
	/* The zero-copy bound: payloads copied past it (all hosts, TSO hosts),
	 * super-segments past one segment's bound, the longest chain. */
	uint64_t ref_copied, ref_copied_tso, long_chains, chain_max;
	/* What reached ARP's ageing, hold pool and moves, and the port memo. */
	uint64_t arp_seeds, arp_aged, arp_held_seeds, arp_held_peak, arp_queue_full, arp_hold_full,
	        arp_unresolved, arp_lost, arp_moves, arp_stale, arp_tmpl_rebuilt, arp_polls;
	uint64_t churn_seeds, churn_conns, churn_refused, churn_memo;
	/* What crossed a trusting link ([port] checksums = no). */
	uint64_t trust_seeds, trust_unsummed;
	/* Receive merging: seeds where a host merged, segments merged. */
	uint64_t gro_seeds, gro_merged;
	/* Emulated lines: seeds with one, frames that crossed them, frames a
	 * full ring refused, output passes that waited for room. */
	uint64_t line_seeds, line_frames, line_refused, line_waits;
};

static void
tally_offloads(struct tally *t, const struct sim *s)
{
	t->tso_seeds += s->host[0].tso || s->host[1].tso;
	t->lend_seeds += s->host[0].lend || s->host[1].lend;
	t->trust_seeds += s->trust;
	t->gro_seeds += s->h[0]->eng->stats.tcp_rx_merged + s->h[1]->eng->stats.tcp_rx_merged > 0;
	t->line_seeds += s->h[0]->eng->link_emu.enabled || s->h[1]->eng->link_emu.enabled;
	for (unsigned i = 0; i < 2; i++) {
		t->line_frames += s->h[i]->eng->link_emu.stats.released;
		t->line_refused += s->h[i]->eng->link_emu.stats.refused;
		t->line_waits += s->h[i]->eng->stats.tcp_output_line_waits;
		t->gro_merged += s->h[i]->eng->stats.tcp_rx_merged;
		t->trust_unsummed += s->nic[i].unsummed;
		t->tso_sends += s->nic[i].tso_sends;
		t->tso_segs += s->nic[i].tso_segs;
		t->lend_chains += s->lend[i].chains;
		t->lend_ext += s->lend[i].ext;
		uint64_t copied = s->h[i]->eng->stats.tcp_tx_pieces_copied;
		t->ref_copied += copied;
		t->ref_copied_tso += s->host[i].tso ? copied : 0;
		t->long_chains += s->nic[i].long_chains;
		t->chain_max = RTE_MAX(t->chain_max, (uint64_t)s->nic[i].chain_max);
	}
	bool held = false;
	t->arp_seeds += s->arp[0].pick.on || s->arp[1].pick.on;
	for (unsigned i = 0; i < 2; i++) {
		const struct sim_arp_stats *a = &s->arp[i].st;
		t->arp_aged += a->aged;
		held |= a->held_peak > 0;
		t->arp_held_peak = RTE_MAX(t->arp_held_peak, a->held_peak);
		t->arp_queue_full += a->queue_full;
		t->arp_hold_full += a->hold_full;
		t->arp_unresolved += a->unresolved;
		t->arp_lost += a->lost;
		t->arp_moves += a->moves;
		t->arp_stale += a->stale_drops;
		t->arp_tmpl_rebuilt += a->tmpl_rebuilt;
		t->arp_polls += a->polls;
	}
	t->arp_held_seeds += held;
	sim_churn_tally(s, &t->churn_seeds, &t->churn_conns, &t->churn_refused, &t->churn_memo);
}

/* Seeds [first, first + seeds): each failure with its replay command. */
static int
run_seeds(struct sim *s, const struct opts *o, const char *prog, struct tally *t)
{
	for (uint64_t seed = o->first; seed < o->first + o->seeds; seed++) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		int ret = sim_run_seed(s, seed, o->profile);
		slowest_note(&t->slow, seed, elapsed_s(&ts));
		if (ret < 0)
			return -1;
		unsigned p = (unsigned)sim_profile_find(s->profile);
		t->runs[p]++;
		tally_offloads(t, s);
		if (ret == 0)
			continue;
		t->fails[p]++;
		if (++t->nb_fail <= FAILS_SHOWN || o->verbose)
			printf("replay: %s --seed %" PRIu64 "%s%s%s --verbose\n\n", prog, seed,
			       o->profile >= 0 ? " --profile " : "",
			       o->profile >= 0 ? s->profile : "",
			       o->all_picks ? " --all-picks" : "");
	}
	return 0;
}

/* Per profile, then googletest's summary lines. Returns the failed count. */
static unsigned
summary(const struct opts *o, const struct tally *t, double secs)
{
	unsigned passed = 0, failed = 0;

	for (unsigned p = 0; p < sim_nb_profiles; p++) {
		if (t->runs[p] == 0)
			continue;
		printf("[ %s ] profile %-10s %" PRIu64 " seeds, %" PRIu64 " failed\n",
		       t->fails[p] ? "FAILED" : "    OK", sim_profiles[p].name, t->runs[p],
		       t->fails[p]);
		if (t->fails[p])
			failed++;
		else
			passed++;
	}
	printf("%" PRIu64 " seeds from %" PRIu64 " in %.1f s (%.0f seeds/s), %" PRIu64 " failed\n",
	       o->seeds, o->first, secs, (double)o->seeds / (secs > 0 ? secs : 1), t->nb_fail);
	printf("TSO port in %" PRIu64 " seeds: %" PRIu64 " super-segments cut into %" PRIu64
	       "; lending in %" PRIu64 " seeds: %" PRIu64 " chains, %" PRIu64 " external buffers\n",
	       t->tso_seeds, t->tso_sends, t->tso_segs, t->lend_seeds, t->lend_chains, t->lend_ext);
	printf("zero-copy bound: %" PRIu64 " payloads copied (%" PRIu64 " on TSO hosts), %" PRIu64
	       " super-segments of more than %u pieces, at most %" PRIu64 " mbufs a frame\n",
	       t->ref_copied, t->ref_copied_tso, t->long_chains, TCP_REF_PIECES_MAX, t->chain_max);
	printf("ARP ageing in %" PRIu64 " seeds: %" PRIu64 " entries aged, %" PRIu64
	       " unicast polls of entries in use, packets held in %" PRIu64
	       " seeds (at most %" PRIu64 "), dropped: %" PRIu64 " queue full, %" PRIu64
	       " pool full, %" PRIu64 " unresolved; %" PRIu64 " ARP frames lost; %" PRIu64
	       " MAC moves, %" PRIu64 " frames to a left MAC; %" PRIu64 " templates rebuilt\n",
	       t->arp_seeds, t->arp_aged, t->arp_polls, t->arp_held_seeds, t->arp_held_peak,
	       t->arp_queue_full, t->arp_hold_full, t->arp_unresolved, t->arp_lost, t->arp_moves,
	       t->arp_stale, t->arp_tmpl_rebuilt);
	printf("port churn in %" PRIu64 " seeds: %" PRIu64 " connections, %" PRIu64
	       " refused (%" PRIu64 " from memory)\n",
	       t->churn_seeds, t->churn_conns, t->churn_refused, t->churn_memo);
	printf("[port] checksums = no on both hosts in %" PRIu64 " seeds: %" PRIu64
	       " segments left unsummed\n",
	       t->trust_seeds, t->trust_unsummed);
	printf("[tcp] gro merged segments in %" PRIu64 " seeds: %" PRIu64 " segments\n",
	       t->gro_seeds, t->gro_merged);
	printf("[fault] tx_link_mbit on a host in %" PRIu64 " seeds: %" PRIu64
	       " frames across, %" PRIu64 " refused by a full ring, %" PRIu64
	       " output passes waited for room\n",
	       t->line_seeds, t->line_frames, t->line_refused, t->line_waits);
	printf("slowest seeds:");
	for (unsigned k = 0; k < 3 && t->slow.secs[k] > 0; k++)
		printf(" %" PRIu64 " (%.0f ms)", t->slow.seed[k], t->slow.secs[k] * 1000);
	printf("\n[  PASSED  ] %u tests.\n", passed);
	if (failed > 0)
		printf("[  FAILED  ] %u tests, the profiles above.\n", failed);
	return failed;
}

int
main(int argc, char **argv)
{
	struct opts o;
	int ret = parse_args(argc, argv, &o);

	if (ret != 0)
		return ret == 3 ? 0 : ret;
	if (harness_eal_init() != 0) {
		fprintf(stderr, "tern-sim: EAL init failed\n");
		return 1;
	}
	struct sim *s = calloc(1, sizeof(*s));
	s->verbose = o.verbose;
	s->all_picks = o.all_picks;
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
	struct tally t = { 0 };
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (run_seeds(s, &o, argv[0], &t) != 0)
		return 1;
	unsigned failed = summary(&o, &t, elapsed_s(&t0));
	s->lend_quiet = true;
	sim_nic_fini(s);
	for (unsigned i = 0; i < 2; i++)
		harness_close(s->h[i]);
	sim_lend_release(s);
	free(s->lent);
	free(s->lend_pending);
	sim_link_fini(&s->link);
	sim_churn_fini(s);
	free(s);
	return failed > 0;
}
