/* SPDX-License-Identifier: BSD-3-Clause */
/* Options, parsing and the report shared by tern-loadgen and tern-linux-loadgen. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "lg_common.h"

#define LG_DIM(a) (sizeof(a) / sizeof((a)[0]))

const char *const lg_mode_names[LG_MODE_COUNT] = {
	[LG_RR] = "rr",
	[LG_CRR] = "crr",
	[LG_BULK] = "bulk",
	[LG_IDLE] = "idle",
	[LG_MIXED] = "mixed",
	[LG_HTTP_KA] = "http-ka",
	[LG_HTTP_CLOSE] = "http-close",
};

const char *const lg_closer_names[LG_CLOSER_SERVER + 1] = {
	[LG_CLOSER_CLIENT] = "client",
	[LG_CLOSER_SERVER] = "server",
};

int
lg_parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int
lg_parse_endpoint(const char *s, uint32_t *ip, uint16_t *port)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	struct in_addr a;
	uint64_t p;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1 || lg_parse_uint(colon + 1, 1, 65535, &p) != 0)
		return -EINVAL;
	*ip = ntohl(a.s_addr);
	*port = (uint16_t)p;
	return 0;
}

int
lg_parse_mode(const char *s, enum lg_mode *mode)
{
	for (unsigned i = 0; i < sizeof(lg_mode_names) / sizeof(lg_mode_names[0]); i++) {
		if (lg_mode_names[i] != NULL && strcmp(s, lg_mode_names[i]) == 0) {
			*mode = (enum lg_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

int
lg_parse_opt(struct lg_opts *o, const char *opt, const char *v)
{
	uint64_t n;
	int ret;

	if (strcmp(opt, "--connect") == 0)
		return lg_parse_endpoint(v, &o->ip, &o->port);
	if (strcmp(opt, "--mode") == 0)
		return lg_parse_mode(v, &o->mode);
	if (strcmp(opt, "--closer") == 0) {
		for (unsigned i = 0; i < LG_DIM(lg_closer_names); i++) {
			if (strcmp(v, lg_closer_names[i]) == 0) {
				o->closer = (enum lg_closer)i;
				o->closer_given = true;
				return 0;
			}
		}
		return -EINVAL;
	}
	if (strcmp(opt, "--rate") == 0)
		return lg_parse_uint(v, 0, LG_MAX_RATE, &o->rate);
	if (strcmp(opt, "--conns") == 0) {
		ret = lg_parse_uint(v, 1, LG_MAX_CONNS, &n);
		o->conns = ret == 0 ? (unsigned)n : o->conns;
	} else if (strcmp(opt, "--size") == 0) {
		ret = lg_parse_uint(v, 1, LG_MAX_SIZE, &n);
		o->size = ret == 0 ? (uint32_t)n : o->size;
	} else if (strcmp(opt, "--mss") == 0) {
		ret = lg_parse_uint(v, LG_MIN_MSS, LG_MAX_MSS, &n);
		o->mss = ret == 0 ? (uint32_t)n : o->mss;
	} else if (strcmp(opt, "--ports") == 0) {
		ret = lg_parse_uint(v, 1, 65535, &n);
		o->ports = ret == 0 ? (uint32_t)n : o->ports;
	} else if (strcmp(opt, "--server-pid") == 0) {
		ret = lg_parse_uint(v, 1, UINT32_MAX, &n);
		o->server_pid = ret == 0 ? (uint32_t)n : o->server_pid;
	} else if (strcmp(opt, "--bulk-conns") == 0) {
		ret = lg_parse_uint(v, 1, LG_MAX_CONNS, &n);
		o->bulk_conns = ret == 0 ? (unsigned)n : o->bulk_conns;
	} else if (strcmp(opt, "--duration") == 0) {
		ret = lg_parse_uint(v, 1, LG_MAX_DURATION, &n);
		o->duration_s = ret == 0 ? (unsigned)n : o->duration_s;
	} else {
		ret = -EINVAL;
	}
	return ret;
}

const char *
lg_check_opts(const struct lg_opts *o)
{
	if (o->port == 0)
		return "give --connect A.B.C.D:PORT";
	if ((o->mode == LG_BULK || o->mode == LG_MIXED) && o->rate != 0)
		return "--rate: bulk has no rate, and mixed runs its rr connections in closed loop";
	if (o->mode == LG_MIXED && o->bulk_conns == 0)
		return "--mode mixed: give --bulk-conns N as well as --conns";
	if (o->mode != LG_MIXED && o->bulk_conns != 0)
		return "--bulk-conns: only with --mode mixed";
	if ((uint64_t)o->conns + o->bulk_conns > LG_MAX_CONNS)
		return "--conns and --bulk-conns: too many connections in all";
	if (o->mode == LG_HTTP_CLOSE && o->closer == LG_CLOSER_CLIENT && o->closer_given)
		return "--closer client: http-close's server closes first (Connection: close)";
	if ((uint32_t)o->port + o->ports - 1 > 65535)
		return "--ports: the last port would be past 65535";
	return NULL;
}

static double
lg_per_s(uint64_t n, uint64_t us)
{
	return us == 0 ? 0.0 : (double)n * 1e6 / (double)us;
}

static void
lg_print_json(const char *tool, const struct lg_opts *o, unsigned cores, uint64_t us,
              const struct lg_stats *st, const struct hist *h)
{
	printf("{\"tool\":\"%s\",\"mode\":\"%s\",\"server\":\"%u.%u.%u.%u:%u\","
	       "\"closer\":\"%s\",\"conns\":%u,\"size\":%u,\"rate\":%" PRIu64
	       ",\"cores\":%u,\"duration_s\":%.3f,"
	       "\"requests\":%" PRIu64 ",\"requests_per_s\":%.1f,\"connections\":%" PRIu64
	       ",\"connections_per_s\":%.1f,\"tx_bytes\":%" PRIu64 ",\"rx_bytes\":%" PRIu64
	       ",\"tx_mbit_s\":%.3f,\"rx_mbit_s\":%.3f,\"errors\":%" PRIu64 ",\"stalled\":%" PRIu64
	       ",\"dropped\":%" PRIu64 ",\"mss\":%u,\"latency_us\":{\"count\":%" PRIu64
	       ",\"min\":%" PRIu64 ",\"mean\":%.1f,\"p50\":%" PRIu64 ",\"p90\":%" PRIu64
	       ",\"p99\":%" PRIu64 ",\"p99_9\":%" PRIu64 ",\"max\":%" PRIu64 "}",
	       tool, lg_mode_names[o->mode], o->ip >> 24, (o->ip >> 16) & 0xff, (o->ip >> 8) & 0xff,
	       o->ip & 0xff, o->port,
	       lg_closer_names[lg_server_closes(o) ? LG_CLOSER_SERVER : LG_CLOSER_CLIENT], o->conns,
	       o->size, o->rate, cores, (double)us / 1e6, st->requests, lg_per_s(st->requests, us),
	       st->conns, lg_per_s(st->conns, us), st->tx_bytes, st->rx_bytes,
	       lg_per_s(st->tx_bytes * 8, us) / 1e6, lg_per_s(st->rx_bytes * 8, us) / 1e6,
	       st->errors, st->stalled, st->dropped, st->mss, h->count, h->count != 0 ? h->min : 0,
	       hist_mean(h), hist_value_at(h, 50.0), hist_value_at(h, 90.0), hist_value_at(h, 99.0),
	       hist_value_at(h, 99.9), h->max);
	/* mixed: the rr connections' figures (the fields above count them
	 * too, latency_us only them) and the bulk connections' goodput, under
	 * names of their own so that nobody reads one for the other. */
	if (o->mode == LG_MIXED)
		printf(",\"bulk_conns\":%u,\"rr_requests_per_s\":%.1f,\"rr_p99_us\":%" PRIu64
		       ",\"rr_p99_9_us\":%" PRIu64 ",\"bulk_mbit_s\":%.3f,\"bulk_rx_mbit_s\":%.3f",
		       o->bulk_conns, lg_per_s(st->requests, us), hist_value_at(h, 99.0),
		       hist_value_at(h, 99.9), lg_per_s(st->bulk_tx_bytes * 8, us) / 1e6,
		       lg_per_s(st->bulk_rx_bytes * 8, us) / 1e6);
	printf("}\n");
}

uint64_t
lg_rss_bytes(unsigned pid)
{
	char path[64], line[256];
	unsigned long long kb = 0;
	FILE *f;

	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/status");
	else
		snprintf(path, sizeof(path), "/proc/%u/status", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb * 1024u;
}

bool
lg_print_idle(const char *tool, const struct lg_opts *o, const struct lg_idle_result *r)
{
	double open_s = (double)r->open_us / 1e6;
	char procs[32] = "";

	printf("%s: idle, %" PRIu64 " of %u connections opened in %.3f s (%.0f/s), %" PRIu64
	       " held for %.3f s, %.0f bytes each, %" PRIu64 " errors\n",
	       tool, r->opened, o->conns, open_s, lg_per_s(r->opened, r->open_us), r->held,
	       (double)r->hold_us / 1e6, r->mem_per_conn_bytes, r->errors);
	if (r->processes != 0)
		snprintf(procs, sizeof(procs), "\"processes\":%u,", r->processes);
	printf("{\"tool\":\"%s\",\"mode\":\"idle\",\"server\":\"%u.%u.%u.%u:%u\",\"ports\":%u,"
	       "\"conns\":%u,\"cores\":1,%s\"duration_s\":%.3f,\"conns_opened\":%" PRIu64
	       ",\"conns_held\":%" PRIu64
	       ",\"open_s\":%.3f,\"conns_per_s\":%.1f,\"errors\":%" PRIu64
	       ",\"mem_per_conn_bytes\":%.1f,\"mem\":%s}\n",
	       tool, o->ip >> 24, (o->ip >> 16) & 0xff, (o->ip >> 8) & 0xff, o->ip & 0xff, o->port,
	       o->ports, o->conns, procs, (double)r->hold_us / 1e6, r->opened, r->held, open_s,
	       lg_per_s(r->opened, r->open_us), r->errors, r->mem_per_conn_bytes,
	       r->mem_json[0] != '\0' ? r->mem_json : "{}");
	fflush(stdout);
	return r->held != o->conns;
}

bool
lg_print_results(const char *tool, const struct lg_opts *o, unsigned cores, uint64_t window_us,
                 const struct lg_stats *st, const struct hist *h)
{
	if (o->mode != LG_BULK) {
		printf("%s: latency (%s), microseconds:\n", tool,
		       lg_mode_per_conn(o->mode) ? "connect to response" : "request to response");
		hist_print(h, "us", stdout);
	}
	printf("%s: %s, %u conns, %" PRIu64 " requests, %" PRIu64
	       " connections in %.3f s: %.0f req/s, %.0f conn/s, p50 %" PRIu64 " us, p99 %" PRIu64
	       " us, p99.9 %" PRIu64 " us, max %" PRIu64 " us, %" PRIu64 " errors (%" PRIu64
	       " stalled connections)\n",
	       tool, lg_mode_names[o->mode], o->conns, st->requests, st->conns,
	       (double)window_us / 1e6, lg_per_s(st->requests, window_us),
	       lg_per_s(st->conns, window_us), hist_value_at(h, 50.0), hist_value_at(h, 99.0),
	       hist_value_at(h, 99.9), h->max, st->errors, st->stalled);
	if (o->mode == LG_MIXED)
		printf("%s: mixed, %u bulk conns beside them: %.1f Mbit/s sent, %.1f Mbit/s back\n",
		       tool, o->bulk_conns, lg_per_s(st->bulk_tx_bytes * 8, window_us) / 1e6,
		       lg_per_s(st->bulk_rx_bytes * 8, window_us) / 1e6);
	lg_print_json(tool, o, cores, window_us, st, h);
	fflush(stdout);
	bool nothing = o->mode == LG_BULK ? st->tx_bytes == 0 : st->requests == 0;
	if (o->mode == LG_MIXED)
		nothing = nothing || st->bulk_tx_bytes == 0;
	if (nothing)
		fprintf(stderr, "%s: nothing was measured\n", tool);
	return nothing;
}
