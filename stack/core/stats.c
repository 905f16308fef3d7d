/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-core counters: names and summing for the control plane. One list of
 * names serves the exit report and telemetry, so they cannot differ.
 *
 *   runtime exit -> stats_print -> stats_foreach
 *   /tern/stats  -> stats_foreach
 */
#include <assert.h>
#include <stddef.h>

#include "core/stats.h"

static const char *const drop_names[DROP_MAX] = {
#define DROP_NAME(name, str) [DROP_##name] = str,
	DROP_REASONS(DROP_NAME)
#undef DROP_NAME
};

/* Every counter but the drops, in the order of the report; each is named
 * after its field. */
/* clang-format off */
#define STAT(field) { #field, offsetof(struct net_stats, field) }
/* clang-format on */
static const struct {
	const char *name;
	size_t offset;
} stat_fields[] = {
	STAT(rx_pkts),
	STAT(rx_bytes),
	STAT(tx_pkts),
	STAT(tx_bytes),
	STAT(arp_replies_sent),
	STAT(arp_requests_sent),
	STAT(arp_unicast_polls),
	STAT(icmp_echo_replies),
	STAT(tcp_segs_in),
	STAT(tcp_segs_out),
	STAT(tcp_conns_opened),
	STAT(tcp_conns_closed),
	STAT(tcp_retransmits),
	STAT(tcp_fast_retransmits),
	STAT(tcp_rto_timeouts),
	STAT(tcp_resets_sent),
	STAT(tcp_resets_received),
	STAT(tcp_challenge_acks),
	STAT(tcp_window_probes),
	STAT(tcp_tail_loss_probes),
	STAT(tcp_rack_lost_segs),
	STAT(tcp_rack_timeouts),
	STAT(tcp_keepalive_probes),
	STAT(tcp_time_wait_reopened),
	STAT(tcp_time_wait_reclaimed),
	STAT(tcp_time_wait_reused),
	STAT(tcp_local_ports_exhausted),
	STAT(tcp_local_port_searches),
	STAT(tcp_conn_pool_empty),
	STAT(tcp_flow_table_full),
	STAT(tcp_send_budget_waits),
	STAT(tcp_orphans_reclaimed),
	STAT(tcp_rcv_coalesced),
	STAT(tcp_rx_merged),
	STAT(tcp_ooo_pruned),
	STAT(tcp_oow_acks_limited),
	STAT(tcp_rcv_window_trims),
	STAT(tcp_syncookies_sent),
	STAT(tcp_syncookies_accepted),
	STAT(tcp_syncookies_rejected),
	STAT(tcp_syn_rcvd_peak),
	STAT(tcp_lookups_again),
	STAT(tcp_output_yields),
	STAT(tcp_output_passes_cut),
	STAT(tcp_output_line_waits),
	STAT(tcp_tso_sends),
	STAT(tcp_tso_segs),
	STAT(tcp_lent_segs),
	STAT(tcp_tx_pieces_copied),
	STAT(steered_out),
	STAT(steered_in),
	STAT(loops),
	STAT(busy_loops),
	STAT(early_sends),
	STAT(idle_yields),
	STAT(loop_stalls_100us),
	STAT(loop_stalls_1ms),
};
#undef STAT

/* Every uint64_t of the struct is in the list above or is a drop: a counter
 * added to the struct and not to the list fails the build here. */
static_assert(sizeof(stat_fields) / sizeof(stat_fields[0]) + DROP_MAX ==
                      sizeof(struct net_stats) / sizeof(uint64_t),
              "every counter of struct net_stats needs a name in stat_fields");

const char *
drop_reason_name(enum drop_reason r)
{
	return (unsigned)r < DROP_MAX ? drop_names[r] : "unknown";
}

void
stats_add(struct net_stats *sum, const struct net_stats *s)
{
	/* The struct is nothing but uint64_t counters: add it as an array. */
	uint64_t *d = (uint64_t *)sum;
	const uint64_t *a = (const uint64_t *)s;

	for (size_t i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		d[i] += a[i];
}

void
stats_foreach(const struct net_stats *s,
              void (*fn)(void *ctx, const char *group, const char *name, uint64_t v), void *ctx)
{
	for (size_t i = 0; i < sizeof(stat_fields) / sizeof(stat_fields[0]); i++)
		fn(ctx, NULL, stat_fields[i].name,
		   *(const uint64_t *)((const char *)s + stat_fields[i].offset));
	for (unsigned r = 0; r < DROP_MAX; r++)
		if (s->drops[r] != 0)
			fn(ctx, "drop", drop_names[r], s->drops[r]);
}

struct print_ctx {
	FILE *f;
	const char *prefix;
};

static void
stats_print_one(void *ctx, const char *group, const char *name, uint64_t v)
{
	const struct print_ctx *p = ctx;

	fprintf(p->f, "%s%s%s%s %lu\n", p->prefix, group != NULL ? group : "",
	        group != NULL ? "." : "", name, v);
}

void
stats_print(FILE *f, const char *prefix, const struct net_stats *s)
{
	struct print_ctx p = { .f = f, .prefix = prefix };

	stats_foreach(s, stats_print_one, &p);
}
