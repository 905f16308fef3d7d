/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RSS done on purpose (DESIGN.md, "Many cores"): Tern gives the port a
 * symmetric Toeplitz key and writes the redirection table itself (entry i ->
 * queue i % queues), then reads both back. Only when the port holds exactly
 * what Tern mirrors in software (stack/flow/rss.h) may the engines trust it
 * to deliver each flow where they predict (RSS_HW); otherwise the port
 * spreads flows its own way and the engines own flows by rule (RSS_SOFT).
 *
 *   port_rss_key -> port_rss_conf -> (configure, start) -> port_rss_start
 *                -> port_rss_set_key, port_rss_set_reta -> rss_init
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "core/config.h"
#include "core/log.h"
#include "drivers/port_rss.h"

static_assert(CONFIG_RSS_KEY_MAX == RSS_KEY_LEN_MAX, "[port] rss_key fits the mirror");
static_assert(CONFIG_RSS_KEY_MIN == RSS_KEY_LEN_MIN, "[port] rss_key fits rte_softrss");

/* The RSS functions that spread TCP/IPv4 flows over the queues. */
#define PORT_RSS_HF (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP)

/* The port's key length, if Tern can mirror a key of that length. */
static unsigned
port_rss_key_size(const struct rte_eth_dev_info *info)
{
	unsigned n = info->hash_key_size;

	return n >= RSS_KEY_LEN_MIN && n <= RSS_KEY_LEN_MAX && n % 4 == 0 ? n : 0;
}

int
port_rss_key(const struct port *p, const struct config *cfg, const struct rte_eth_dev_info *info,
             uint8_t *key, unsigned *key_len, FILE *err)
{
	unsigned port_len = port_rss_key_size(info);
	bool takes_key = p->nb_queues > 1 && port_len != 0 &&
	                 (info->flow_type_rss_offloads & PORT_RSS_HF) != 0;

	if (cfg->rss_key_len == 0) {
		*key_len = takes_key ? port_len : RSS_KEY_LEN_STD;
		rss_key_default(key, *key_len);
		return 0;
	}
	if (takes_key && cfg->rss_key_len != port_len) {
		fprintf(err,
		        "port %u (%s): [port] rss_key has %u bytes, the port's RSS key has %u\n",
		        p->port_id, p->driver, cfg->rss_key_len, port_len);
		return -EINVAL;
	}
	*key_len = cfg->rss_key_len;
	memcpy(key, cfg->rss_key, *key_len);
	return 0;
}

void
port_rss_conf(struct port *p, const struct rte_eth_dev_info *info, struct rte_eth_conf *conf,
              const uint8_t *key, unsigned key_len)
{
	struct port_caps *c = &p->caps;

	c->rss_hf = info->flow_type_rss_offloads & PORT_RSS_HF;
	if (p->nb_queues <= 1 || c->rss_hf == 0)
		return;
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_hf = c->rss_hf;
	if (key_len == port_rss_key_size(info)) {
		conf->rx_adv_conf.rss_conf.rss_key = (uint8_t *)(uintptr_t)key;
		conf->rx_adv_conf.rss_conf.rss_key_len = (uint8_t)key_len;
	}
	/* The hash in each mbuf: a flow lookup can use it as its signature. */
	c->rx_rss_hash = info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_RSS_HASH;
	if (c->rx_rss_hash)
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_RSS_HASH;
}

/* Set the key (again: some ports ignore it at configure time) and read it
 * back. Returns true if the port now hashes with @key; says why not in @why. */
static bool
port_rss_set_key(struct port *p, const uint8_t *key, unsigned key_len, char *why, size_t len)
{
	uint8_t got[RSS_KEY_LEN_MAX] = { 0 };
	struct rte_eth_rss_conf rc = {
		.rss_key = (uint8_t *)(uintptr_t)key,
		.rss_key_len = (uint8_t)key_len,
		.rss_hf = p->caps.rss_hf,
	};
	int ret = rte_eth_dev_rss_hash_update(p->port_id, &rc);

	if (ret != 0) {
		snprintf(why, len, "the key was refused (%s)", rte_strerror(-ret));
		return false;
	}
	rc = (struct rte_eth_rss_conf){ .rss_key = got, .rss_key_len = (uint8_t)key_len };
	ret = rte_eth_dev_rss_hash_conf_get(p->port_id, &rc);
	if (ret == -ENOTSUP)
		return true; /* taken without complaint, and cannot be read */
	if (ret != 0 || memcmp(got, key, key_len) != 0) {
		snprintf(why, len, "the key read back differs");
		return false;
	}
	return true;
}

/* Write the table, entry i -> queue i % queues, and read it back. */
static bool
port_rss_set_reta(struct port *p, uint32_t size, char *why, size_t len)
{
	uint32_t groups = (size + RTE_ETH_RETA_GROUP_SIZE - 1) / RTE_ETH_RETA_GROUP_SIZE;
	struct rte_eth_rss_reta_entry64 *t;
	bool same = true;
	int ret;

	if (size == 0 || !rte_is_power_of_2(size) || size > RSS_RETA_MAX || size < p->nb_queues) {
		snprintf(why, len, "its redirection table has %u entries", size);
		return false;
	}
	t = calloc(groups, sizeof(*t));
	if (t == NULL) {
		snprintf(why, len, "no memory for the table");
		return false;
	}
	for (uint32_t i = 0; i < size; i++) {
		t[i / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
		t[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] =
		        (uint16_t)(i % p->nb_queues);
	}
	ret = rte_eth_dev_rss_reta_update(p->port_id, t, (uint16_t)size);
	if (ret == 0) {
		for (uint32_t g = 0; g < groups; g++)
			memset(t[g].reta, 0xff, sizeof(t[g].reta));
		ret = rte_eth_dev_rss_reta_query(p->port_id, t, (uint16_t)size);
	}
	for (uint32_t i = 0; ret == 0 && i < size; i++)
		same &= t[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE] ==
		        i % p->nb_queues;
	free(t);
	if (ret != 0)
		snprintf(why, len, "the table was refused (%s)", rte_strerror(-ret));
	else if (!same)
		snprintf(why, len, "the table read back differs");
	return ret == 0 && same;
}

int
port_rss_start(struct port *p, const uint8_t *key, unsigned key_len)
{
	struct rte_eth_dev_info info;
	char why[136] = "it offers no RSS for TCP/IPv4";
	uint8_t dflt[RSS_KEY_LEN_MAX];
	bool hw = false;
	int ret;

	if (p->nb_queues <= 1) /* nothing to spread */
		return rss_init(&p->rss, RSS_SINGLE, 1, key, key_len, 1);
	/* The table's size may depend on the configuration (mlx5). */
	if (rte_eth_dev_info_get(p->port_id, &info) != 0)
		info.reta_size = 0;
	if (p->caps.rss_hf & RTE_ETH_RSS_NONFRAG_IPV4_TCP) {
		/* Both, so that the log says everything the port refused. */
		char kwhy[64] = "", twhy[64] = "";
		bool key_ok = port_rss_set_key(p, key, key_len, kwhy, sizeof(kwhy));
		bool reta_ok = port_rss_set_reta(p, info.reta_size, twhy, sizeof(twhy));

		hw = key_ok && reta_ok;
		snprintf(why, sizeof(why), "%s%s%s", kwhy, kwhy[0] && twhy[0] ? ", " : "", twhy);
	}
	p->caps.rss = hw;
	ret = rss_init(&p->rss, hw ? RSS_HW : RSS_SOFT, p->nb_queues, key, key_len,
	               hw ? info.reta_size : RSS_RETA_SOFT);
	if (ret != 0)
		return ret;
	p->rss.hw_hash = hw && p->caps.rx_rss_hash;
	rss_key_default(dflt, key_len);
	if (hw)
		TERN_LOG(port, INFO,
		         "port %u (%s): RSS over %u queues: Toeplitz key of %u bytes (%s) and a "
		         "table of %u entries set and read back; hash in mbufs: %s\n",
		         p->port_id, p->driver, p->nb_queues, key_len,
		         memcmp(key, dflt, key_len) == 0 ? "the symmetric 0x6d5a..."
		                                         : "[port] rss_key",
		         info.reta_size, p->rss.hw_hash ? "yes" : "no");
	else
		TERN_LOG(port, INFO,
		         "port %u (%s): RSS over %u queues not steerable: %s; the port picks "
		         "each packet's queue, so engines own active opens by local port (port %% "
		         "%u) and passive ones by Tern's Toeplitz hash\n",
		         p->port_id, p->driver, p->nb_queues, why, p->nb_queues);
	return 0;
}
