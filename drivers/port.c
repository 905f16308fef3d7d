/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bring up one ethdev port for the engines: queues, offloads, RSS, MAC, link.
 *
 *   runtime -> port_open -> rte_eth_dev_configure/rx_queue_setup/tx_queue_setup/start
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>
#include <rte_kvargs.h>
#include <rte_log.h>
#include <rte_mempool.h>

#include "core/config.h"
#include "core/log.h"
#include "drivers/port.h"
#include "drivers/port_rss.h"

void
port_caps_describe(const struct port_caps *c, char *buf, size_t len)
{
	if (c->no_cksum) {
		snprintf(buf, len, "rx:%s tx:%s%s rss:%s checksums: none (in memory)",
		         c->rx_rss_hash ? " rss-hash" : "", c->tx_tso ? " tso" : "",
		         c->tx_multi_seg ? " multi-seg" : "", c->rss ? "steered" : "off");
		return;
	}
	snprintf(buf, len, "rx:%s%s%s tx:%s%s%s%s rss:%s", c->rx_ipv4_cksum ? " ipv4-cksum" : "",
	         c->rx_tcp_cksum ? " tcp-cksum" : "", c->rx_rss_hash ? " rss-hash" : "",
	         c->tx_ipv4_cksum ? " ipv4-cksum" : "", c->tx_tcp_cksum ? " tcp-cksum" : "",
	         c->tx_tso ? " tso" : "", c->tx_multi_seg ? " multi-seg" : "",
	         c->rss ? "steered" : "off");
}

/* Enable what the device offers of what the stack can use. */
static void
port_pick_offloads(struct port *p, const struct rte_eth_dev_info *info, struct rte_eth_conf *conf)
{
	struct port_caps *c = &p->caps;

	c->rx_ipv4_cksum = info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	c->rx_tcp_cksum = info->rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	c->tx_ipv4_cksum = info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	c->tx_tcp_cksum = info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	c->tx_tso = info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO;
	c->tx_multi_seg = info->tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	/* ethdev's default is UINT16_MAX (no limit); 0 says nothing either. */
	c->tx_segs_max =
	        info->tx_desc_lim.nb_mtu_seg_max ? info->tx_desc_lim.nb_mtu_seg_max : UINT16_MAX;
	c->tso_segs_max = info->tx_desc_lim.nb_seg_max ? info->tx_desc_lim.nb_seg_max : UINT16_MAX;
	if (c->rx_ipv4_cksum)
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	if (c->rx_tcp_cksum)
		conf->rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	if (c->tx_ipv4_cksum)
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	if (c->tx_tcp_cksum)
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
	if (c->tx_tso)
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
	if (c->tx_multi_seg)
		conf->txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
}

/* [port] checksums = no: the port is memory shared with another process
 * (net_memif) or this one (net_ring), where a frame cannot be damaged on the
 * way, so neither end sums or checks, as Linux's loopback marks its packets
 * CHECKSUM_UNNECESSARY. The stack is told the port sums on send, which leaves
 * a TCP segment with only its pseudo-header sum and an IPv4 header with zero
 * (nothing is asked of the driver, which cannot), and the engine marks every
 * frame it receives as checked (engine_rx_trust_cksum). A wire can flip bits
 * that the Ethernet CRC misses (RFC 1122 4.2.2.7 makes the TCP checksum
 * mandatory for that reason), so any other port refuses. */
static int
port_trust_cksum(struct port *p, const struct config *cfg, FILE *err)
{
	struct port_caps *c = &p->caps;

	if (cfg->port_checksums)
		return 0;
	if (!c->is_memif && strcmp(p->driver, "net_ring") != 0) {
		fprintf(err,
		        "port %u (%s): [port] checksums = no is only for in-memory ports "
		        "(net_memif, net_ring)\n",
		        p->port_id, p->driver);
		return -ENOTSUP;
	}
	c->no_cksum = true;
	c->rx_ipv4_cksum = c->rx_tcp_cksum = true;
	c->tx_ipv4_cksum = c->tx_tcp_cksum = true;
	return 0;
}

/* net_tap gives the kernel side of the tap the port's MAC, and setting the
 * port's MAC sets the kernel's too; peers then see ARP "from themselves".
 * So on a tap Tern uses a MAC of its own, locally administered and distinct,
 * and leaves the port's alone (the tap hands us every frame regardless). */
static int
port_pick_mac(struct port *p, const struct config *cfg)
{
	if (cfg->mac_set) {
		p->mac = cfg->mac;
		if (p->caps.is_tap || rte_is_same_ether_addr(&p->mac, &p->port_mac))
			return 0;
		return rte_eth_dev_default_mac_addr_set(p->port_id, &p->mac);
	}
	p->mac = p->port_mac;
	if (p->caps.is_tap) {
		p->mac.addr_bytes[0] = (p->mac.addr_bytes[0] | 0x02) & ~0x01;
		p->mac.addr_bytes[5] ^= 0x5a;
	}
	return 0;
}

static int
port_setup_queues(struct port *p, const struct config *cfg, const struct rte_eth_dev_info *info,
                  const struct rte_eth_conf *conf, struct rte_mempool **pools)
{
	uint16_t nb_rxd = cfg->rx_desc, nb_txd = cfg->tx_desc;
	int socket = rte_eth_dev_socket_id(p->port_id);
	int ret = rte_eth_dev_adjust_nb_rx_tx_desc(p->port_id, &nb_rxd, &nb_txd);

	if (ret != 0)
		return ret;
	for (uint16_t q = 0; q < p->nb_queues; q++) {
		struct rte_eth_rxconf rxc = info->default_rxconf;
		struct rte_eth_txconf txc = info->default_txconf;

		rxc.offloads = conf->rxmode.offloads;
		txc.offloads = conf->txmode.offloads;
		ret = rte_eth_rx_queue_setup(p->port_id, q, nb_rxd, socket, &rxc, pools[q]);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(p->port_id, q, nb_txd, socket, &txc);
		if (ret != 0)
			return ret;
	}
	return 0;
}

/* A memif port's role, from its devargs ("role=server|client", client when
 * not given, as the PMD does). */
static bool
port_memif_is_client(const struct rte_device *dev)
{
	const struct rte_devargs *da = dev != NULL ? rte_dev_devargs(dev) : NULL;
	struct rte_kvargs *kv;
	bool client = true;

	if (da == NULL || da->args == NULL)
		return true;
	kv = rte_kvargs_parse(da->args, NULL);
	if (kv != NULL) {
		const char *role = rte_kvargs_get(kv, "role");
		client = role == NULL || strcmp(role, "server") != 0;
		rte_kvargs_free(kv);
	}
	return client;
}

/* The MTU the port takes, as ethdev works it out (rte_ethdev.c,
 * eth_dev_get_overhead_len): its largest frame less the L2 overhead it
 * states, or 18 bytes (Ethernet header and CRC). net_tap and net_memif in
 * DPDK 22.11 take frames of 1522 and 1518 bytes (MTU 1504 and 1500) and
 * cannot be told otherwise; ethdev's own refusal is a bare "Invalid
 * argument", so the config key is named here. */
static int
port_mtu_check(const struct port *p, const struct config *cfg, const struct rte_eth_dev_info *info,
               FILE *err)
{
	uint32_t overhead = RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN;
	uint32_t max_mtu;

	if (info->max_mtu != UINT16_MAX && info->max_rx_pktlen > info->max_mtu)
		overhead = info->max_rx_pktlen - info->max_mtu;
	max_mtu = info->max_rx_pktlen > overhead ? info->max_rx_pktlen - overhead : 0;
	if (info->max_mtu < max_mtu)
		max_mtu = info->max_mtu;
	if (cfg->mtu <= max_mtu && cfg->mtu >= info->min_mtu)
		return 0;
	fprintf(err, "port %u (%s): [port] mtu %u is outside what the port takes (%u..%u)\n",
	        p->port_id, p->driver, cfg->mtu, info->min_mtu, max_mtu);
	return -1;
}

int
port_open(struct port *p, const struct config *cfg, uint16_t nb_queues, struct rte_mempool **pools,
          FILE *err)
{
	uint8_t key[RSS_KEY_LEN_MAX];
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	unsigned key_len;
	char caps[128];
	int ret;

	memset(p, 0, sizeof(*p));
	p->port_id = cfg->port_id;
	p->nb_queues = nb_queues;
	if (!rte_eth_dev_is_valid_port(p->port_id)) {
		fprintf(err,
		        "port %u: no such port (%u found); bring one up with EAL arguments, "
		        "e.g. --vdev net_tap0,iface=tern0\n",
		        p->port_id, rte_eth_dev_count_avail());
		return -ENODEV;
	}
	ret = rte_eth_dev_info_get(p->port_id, &info);
	if (ret != 0)
		goto fail;
	snprintf(p->driver, sizeof(p->driver), "%s", info.driver_name);
	p->caps.is_tap = strcmp(info.driver_name, "net_tap") == 0;
	p->caps.is_memif = strcmp(info.driver_name, "net_memif") == 0;
	if (p->caps.is_memif)
		p->caps.memif_client = port_memif_is_client(info.device);
	if (nb_queues > info.max_rx_queues || nb_queues > info.max_tx_queues) {
		fprintf(err, "port %u (%s): %u queues wanted (one per lcore), it has %u RX/%u TX\n",
		        p->port_id, p->driver, nb_queues, info.max_rx_queues, info.max_tx_queues);
		return -ERANGE;
	}
	if (port_rss_key(p, cfg, &info, key, &key_len, err) != 0)
		return -ERANGE;
	if (port_mtu_check(p, cfg, &info, err) != 0)
		return -ERANGE;
	memset(&conf, 0, sizeof(conf));
	port_pick_offloads(p, &info, &conf);
	ret = port_trust_cksum(p, cfg, err);
	if (ret != 0)
		return ret;
	port_rss_conf(p, &info, &conf, key, key_len);
	ret = rte_eth_dev_configure(p->port_id, nb_queues, nb_queues, &conf);
	if (ret == 0)
		ret = rte_eth_macaddr_get(p->port_id, &p->port_mac);
	if (ret == 0)
		ret = port_pick_mac(p, cfg);
	if (ret == 0 && cfg->mtu != RTE_ETHER_MTU)
		ret = rte_eth_dev_set_mtu(p->port_id, cfg->mtu);
	if (ret == 0)
		ret = port_setup_queues(p, cfg, &info, &conf, pools);
	if (ret == 0 && cfg->promiscuous)
		ret = rte_eth_promiscuous_enable(p->port_id);
	if (ret == 0)
		ret = rte_eth_dev_start(p->port_id);
	if (ret == 0)
		p->started = true;
	if (ret == 0)
		ret = port_rss_start(p, key, key_len);
	if (ret != 0)
		goto fail;
	p->mtu = cfg->mtu;
	port_caps_describe(&p->caps, caps, sizeof(caps));
	TERN_LOG(port, INFO,
	         "port %u (%s): %u queue(s), mac " RTE_ETHER_ADDR_PRT_FMT
	         " (port " RTE_ETHER_ADDR_PRT_FMT "), mtu %u, offloads %s\n",
	         p->port_id, p->driver, nb_queues, RTE_ETHER_ADDR_BYTES(&p->mac),
	         RTE_ETHER_ADDR_BYTES(&p->port_mac), p->mtu, caps);
	port_poll_link(p);
	return 0;
fail:
	fprintf(err, "port %u (%s): set-up failed: %s\n", p->port_id, p->driver,
	        rte_strerror(-ret));
	/* Queues may hold mbufs of the pools the caller is about to free. */
	rte_eth_dev_stop(p->port_id);
	rte_eth_dev_close(p->port_id);
	p->started = false;
	rss_fini(&p->rss);
	return ret < 0 ? ret : -EIO;
}

bool
port_poll_link(struct port *p)
{
	struct rte_eth_link link;
	char text[RTE_ETH_LINK_MAX_STR_LEN];

	if (rte_eth_link_get_nowait(p->port_id, &link) != 0)
		return p->link_up;
	bool up = link.link_status == RTE_ETH_LINK_UP;
	if (up != p->link_up || !p->link_known) {
		rte_eth_link_to_str(text, sizeof(text), &link);
		TERN_LOG(port, INFO, "port %u: %s\n", p->port_id, text);
	}
	p->link_up = up;
	p->link_known = true;
	return up;
}

/* Wait, without touching the queues, until the link goes down (the peer has
 * left) or @max_ms have passed. Returns true if it went down. */
static bool
port_wait_link_down(struct port *p, unsigned max_ms)
{
	for (unsigned ms = 0; ms < max_ms; ms++) {
		struct rte_eth_link link;
		if (rte_eth_link_get_nowait(p->port_id, &link) == 0 &&
		    link.link_status == RTE_ETH_LINK_DOWN)
			return true;
		rte_delay_us_sleep(1000);
	}
	return false;
}

void
port_close(struct port *p)
{
	if (!rte_eth_dev_is_valid_port(p->port_id))
		return;
	/* net_memif: a memif whose peer disconnects while it polls can crash
	 * (runtime.c, runtime_quiesce). Our engines have stopped polling; so
	 * a client lets its server leave first, if it is leaving, and a
	 * server leaves at once. Run a pair so: client done, then stop the
	 * server (bench/run.sh). */
	if (p->caps.is_memif && p->caps.memif_client && p->link_up &&
	    !port_wait_link_down(p, PORT_MEMIF_LINGER_MS))
		TERN_LOG(port, INFO, "port %u: the memif peer is still there: leaving first\n",
		         p->port_id);
	if (p->started)
		rte_eth_dev_stop(p->port_id);
	p->started = false;
	rte_eth_dev_close(p->port_id);
	rss_fini(&p->rss);
}
