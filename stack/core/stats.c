/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-core counters: names and summing for the control plane. */
#include "core/stats.h"

static const char *const drop_names[DROP_MAX] = {
#define DROP_NAME(name, str) [DROP_##name] = str,
	DROP_REASONS(DROP_NAME)
#undef DROP_NAME
};

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
stats_print(FILE *f, const char *prefix, const struct net_stats *s)
{
	fprintf(f, "%srx_pkts %lu\n%srx_bytes %lu\n%stx_pkts %lu\n%stx_bytes %lu\n", prefix,
	        s->rx_pkts, prefix, s->rx_bytes, prefix, s->tx_pkts, prefix, s->tx_bytes);
	fprintf(f, "%sarp_replies_sent %lu\n%sarp_requests_sent %lu\n%sicmp_echo_replies %lu\n",
	        prefix, s->arp_replies_sent, prefix, s->arp_requests_sent, prefix,
	        s->icmp_echo_replies);
	const struct {
		const char *name;
		uint64_t v;
	} tcp[] = {
		{ "tcp_segs_in", s->tcp_segs_in },
		{ "tcp_segs_out", s->tcp_segs_out },
		{ "tcp_retransmits", s->tcp_retransmits },
		{ "tcp_fast_retransmits", s->tcp_fast_retransmits },
		{ "tcp_rto_timeouts", s->tcp_rto_timeouts },
		{ "tcp_resets_sent", s->tcp_resets_sent },
		{ "tcp_resets_received", s->tcp_resets_received },
		{ "tcp_challenge_acks", s->tcp_challenge_acks },
		{ "tcp_window_probes", s->tcp_window_probes },
		{ "tcp_tail_loss_probes", s->tcp_tail_loss_probes },
		{ "tcp_keepalive_probes", s->tcp_keepalive_probes },
		{ "tcp_time_wait_reopened", s->tcp_time_wait_reopened },
		{ "tcp_time_wait_reclaimed", s->tcp_time_wait_reclaimed },
		{ "tcp_time_wait_reused", s->tcp_time_wait_reused },
		{ "tcp_conn_pool_empty", s->tcp_conn_pool_empty },
		{ "tcp_send_budget_waits", s->tcp_send_budget_waits },
		{ "tcp_orphans_reclaimed", s->tcp_orphans_reclaimed },
		{ "tcp_rcv_coalesced", s->tcp_rcv_coalesced },
		{ "tcp_ooo_pruned", s->tcp_ooo_pruned },
		{ "tcp_oow_acks_limited", s->tcp_oow_acks_limited },
		{ "tcp_rcv_window_trims", s->tcp_rcv_window_trims },
		{ "tcp_syncookies_sent", s->tcp_syncookies_sent },
		{ "tcp_syncookies_accepted", s->tcp_syncookies_accepted },
		{ "tcp_syncookies_rejected", s->tcp_syncookies_rejected },
		{ "tcp_syn_rcvd_peak", s->tcp_syn_rcvd_peak },
		{ "tcp_lookups_again", s->tcp_lookups_again },
	};
	for (size_t i = 0; i < sizeof(tcp) / sizeof(tcp[0]); i++)
		fprintf(f, "%s%s %lu\n", prefix, tcp[i].name, tcp[i].v);
	fprintf(f, "%ssteered_out %lu\n%ssteered_in %lu\n", prefix, s->steered_out, prefix,
	        s->steered_in);
	fprintf(f, "%sloops %lu\n%sbusy_loops %lu\n", prefix, s->loops, prefix, s->busy_loops);
	for (unsigned r = 0; r < DROP_MAX; r++)
		if (s->drops[r] != 0)
			fprintf(f, "%sdrop.%s %lu\n", prefix, drop_names[r], s->drops[r]);
}
