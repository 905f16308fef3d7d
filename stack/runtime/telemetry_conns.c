/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /tern/conns[,PAGE]: one entry per connection (4-tuple, state, engine, RTT,
 * RTO, windows, bytes, retransmissions, queues), TELEMETRY_CONNS_PAGE a page
 * since a reply is capped at 16 KiB. Each engine copies its own control
 * blocks on its core (tcp_conns_scan, posted through tern_core_post), a slice
 * of its pool at a time, so that a large pool never holds its loop for long.
 *
 *   telemetry thread -> telemetry_conns_cmd -> telemetry_conns_gather
 *     -> per engine: tern_core_post(conns_slice) ... until the page is full
 *     -> rte_tel_data: {"page", "page_size", "total", "pages", "conns": {...}}
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_telemetry.h>

#include "engine/engine.h"
#include "runtime/telemetry.h"
#include "tcp/tcp.h"
#include "tcp/tcp_info.h"
#include "tern.h"

/* Pool slots one request looks at: a few thousand control blocks, a cache
 * miss each, keep the engine away from its loop for well under a
 * millisecond. */
#define CONNS_SLICE_SLOTS 4096

/* One request to one engine, filled on the engine's core. */
struct conns_slice {
	struct tcp_conns_cursor cur; /* in and out */
	unsigned max;                /* entries wanted; 0: just the counts */
	struct tcp_conn_info *out;
	unsigned n;        /* out: entries copied */
	uint32_t used;     /* out: the engine's connections in use */
	uint32_t nb_slots; /* out: its pool's size */
};

static int
conns_slice_run(struct tern_core *core, void *arg)
{
	const struct engine *eng = (const struct engine *)core;
	struct conns_slice *s = arg;

	s->used = eng->tcp.used;
	s->nb_slots = eng->tcp.nb_conns;
	s->n = 0;
	if (s->max == 0)
		return 0;
	/* A page that starts past this engine's connections skips it whole. */
	if (s->cur.slot == 0 && s->cur.skip >= s->used) {
		s->cur.skip -= s->used;
		s->cur.slot = s->nb_slots;
		return 0;
	}
	s->n = tcp_conns_scan(eng, &s->cur, CONNS_SLICE_SLOTS, s->out, s->max);
	return 0;
}

int
telemetry_conns_gather(const struct telemetry *tm, unsigned page, struct telemetry_conns_page *out)
{
	uint64_t skip = (uint64_t)page * TELEMETRY_CONNS_PAGE;

	memset(out, 0, sizeof(*out));
	for (unsigned e = 0; e < tm->nb_engines; e++) {
		struct tern_core *core = (struct tern_core *)tm->engines[e];
		struct conns_slice s = {
			.cur = { .skip = (uint32_t)RTE_MIN(skip, (uint64_t)UINT32_MAX) },
		};
		bool first = true;

		/* Once the page is full, each engine still says how many it
		 * holds (max 0), for the total. */
		do {
			s.max = TELEMETRY_CONNS_PAGE - out->n;
			s.out = &out->conns[out->n];
			int ret = tern_core_post(core, conns_slice_run, &s, TELEMETRY_POST_MS);
			if (ret != 0)
				return ret;
			if (first)
				out->total += s.used;
			first = false;
			for (unsigned i = 0; i < s.n; i++)
				out->engine[out->n + i] = (uint16_t)e;
			out->n += s.n;
		} while (out->n < TELEMETRY_CONNS_PAGE && s.cur.slot < s.nb_slots);
		skip = s.cur.skip;
	}
	return 0;
}

static void
conns_endpoint(char *buf, size_t len, uint32_t ip_be, uint16_t port_be)
{
	char quad[INET_ADDRSTRLEN];
	struct in_addr in = { .s_addr = ip_be };

	inet_ntop(AF_INET, &in, quad, sizeof(quad));
	snprintf(buf, len, "%s:%u", quad, rte_be_to_cpu_16(port_be));
}

/* One connection as a dict; NULL if out of memory. */
static struct rte_tel_data *
conns_entry(const struct tcp_conn_info *ci, unsigned engine)
{
	struct rte_tel_data *c = rte_tel_data_alloc();
	char ep[INET_ADDRSTRLEN + 8];

	if (c == NULL)
		return NULL;
	rte_tel_data_start_dict(c);
	conns_endpoint(ep, sizeof(ep), ci->key.local_ip, ci->key.local_port);
	rte_tel_data_add_dict_string(c, "local", ep);
	conns_endpoint(ep, sizeof(ep), ci->key.remote_ip, ci->key.remote_port);
	rte_tel_data_add_dict_string(c, "remote", ep);
	rte_tel_data_add_dict_string(c, "state", tcp_state_name(ci->state));
	rte_tel_data_add_dict_string(c, "cc", ci->cc);
	const struct {
		const char *name;
		uint64_t v;
	} fields[] = {
		{ "engine", engine },
		{ "mss", ci->mss },
		{ "srtt_us", ci->srtt_us },
		{ "rttvar_us", ci->rttvar_us },
		{ "rto_ms", ci->rto_ms },
		{ "cwnd", ci->cwnd },
		{ "ssthresh", ci->ssthresh },
		{ "snd_wnd", ci->snd_wnd },
		{ "rcv_wnd", ci->rcv_wnd },
		{ "bytes_acked", ci->bytes_acked },
		{ "bytes_received", ci->bytes_received },
		{ "retransmits", ci->retransmits },
		{ "snd_queued", ci->snd_queued },
		{ "rcv_queued", ci->rcv_queued },
	};
	for (size_t i = 0; i < RTE_DIM(fields); i++)
		rte_tel_data_add_dict_u64(c, fields[i].name, fields[i].v);
	return c;
}

int
telemetry_conns_cmd(const struct telemetry *tm, const char *params, struct rte_tel_data *d)
{
	struct telemetry_conns_page *pg;
	unsigned page;
	int ret = telemetry_param_index(params, 0, &page);

	if (ret != 0)
		return ret;
	pg = malloc(sizeof(*pg)); /* ~2 KiB: not on the telemetry thread's stack */
	if (pg == NULL)
		return -ENOMEM;
	ret = telemetry_conns_gather(tm, page, pg);
	if (ret == 0) {
		struct rte_tel_data *conns = rte_tel_data_alloc();
		if (conns == NULL) {
			free(pg);
			return -ENOMEM;
		}
		rte_tel_data_start_dict(d);
		rte_tel_data_add_dict_u64(d, "page", page);
		rte_tel_data_add_dict_u64(d, "page_size", TELEMETRY_CONNS_PAGE);
		rte_tel_data_add_dict_u64(d, "total", pg->total);
		rte_tel_data_add_dict_u64(
		        d, "pages", (pg->total + TELEMETRY_CONNS_PAGE - 1) / TELEMETRY_CONNS_PAGE);
		rte_tel_data_start_dict(conns);
		for (unsigned i = 0; i < pg->n; i++) {
			char key[24];
			struct rte_tel_data *c = conns_entry(&pg->conns[i], pg->engine[i]);
			/* Keyed by its place in the whole listing: names may hold
			 * only letters, digits, '_' and '/' (rte_telemetry.h). */
			snprintf(key, sizeof(key), "%lu",
			         (unsigned long)page * TELEMETRY_CONNS_PAGE + i);
			if (c == NULL || rte_tel_data_add_dict_container(conns, key, c, 0) != 0) {
				rte_tel_data_free(c);
				ret = -ENOMEM;
				break;
			}
		}
		rte_tel_data_add_dict_container(d, "conns", conns, 0);
	}
	free(pg);
	return ret;
}
