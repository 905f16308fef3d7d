/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Cost accounting's report (built only with -Dcost_accounting=true): what
 * each layer of one engine cost per packet received and per packet sent.
 *
 *   tern_fini -> runtime_print_stats -> cost_print (table, then one JSON line)
 */
#include <inttypes.h>

#include "core/cost.h"

static const char *const cost_names[COST_MAX] = {
#define COST_NAME(name, str) [COST_##name] = str,
	COST_LAYERS(COST_NAME)
#undef COST_NAME
};

const char *
cost_layer_name(enum cost_layer l)
{
	return (unsigned)l < COST_MAX ? cost_names[l] : "unknown";
}

uint64_t
cost_total(const struct cost *c)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < COST_MAX; i++)
		sum += c->cycles[i];
	return sum;
}

static double
cost_per(uint64_t cycles, uint64_t pkts)
{
	return pkts != 0 ? (double)cycles / (double)pkts : 0.0;
}

static void
cost_print_table(FILE *f, const struct cost *c, unsigned core, uint64_t tsc_hz)
{
	uint64_t total = cost_total(c), busy = total - c->cycles[COST_IDLE];
	double share = total != 0 ? 100.0 / (double)total : 0.0;

	fprintf(f,
	        "cost engine%u: TSC %.3f GHz, %" PRIu64 " packets received, %" PRIu64
	        " sent, %.3f s counted, busy %.1f%%\n",
	        core, (double)tsc_hz / 1e9, c->rx_pkts, c->tx_pkts,
	        tsc_hz != 0 ? (double)total / (double)tsc_hz : 0.0, (double)busy * share);
	fprintf(f, "cost engine%u: %-10s %16s %7s %12s %12s\n", core, "layer", "cycles", "share",
	        "per_rx_pkt", "per_tx_pkt");
	for (unsigned i = 0; i < COST_MAX; i++)
		fprintf(f, "cost engine%u: %-10s %16" PRIu64 " %6.1f%% %12.1f %12.1f\n", core,
		        cost_names[i], c->cycles[i], (double)c->cycles[i] * share,
		        cost_per(c->cycles[i], c->rx_pkts), cost_per(c->cycles[i], c->tx_pkts));
	fprintf(f, "cost engine%u: %-10s %16" PRIu64 " %6.1f%% %12.1f %12.1f\n", core, "busy", busy,
	        (double)busy * share, cost_per(busy, c->rx_pkts), cost_per(busy, c->tx_pkts));
}

void
cost_print(FILE *f, const struct cost *c, unsigned core, uint64_t tsc_hz)
{
	cost_print_table(f, c, core, tsc_hz);
	fprintf(f,
	        "{\"tern_cost\":{\"core\":%u,\"tsc_hz\":%" PRIu64 ",\"rx_pkts\":%" PRIu64
	        ",\"tx_pkts\":%" PRIu64 ",\"cycles\":{",
	        core, tsc_hz, c->rx_pkts, c->tx_pkts);
	for (unsigned i = 0; i < COST_MAX; i++)
		fprintf(f, "%s\"%s\":%" PRIu64, i != 0 ? "," : "", cost_names[i], c->cycles[i]);
	fprintf(f, "},\"total\":%" PRIu64 "}}\n", cost_total(c));
}
