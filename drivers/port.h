/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports over DPDK ethdev: any port the EAL brought up (net_tap by default,
 * PCI NICs, net_ring/net_memif pairs). One RX and one TX queue per engine.
 * Offload capabilities are detected, logged and handed to the stack.
 *
 *   runtime -> port_open() -> (engines run) -> port_close()
 */
#ifndef TERN_PORT_H
#define TERN_PORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>

#include "flow/rss.h"

struct rte_mempool;
struct config;

/* What the port can do for us, as detected from rte_eth_dev_info and enabled. */
struct port_caps {
	bool rx_ipv4_cksum; /* RX checks IPv4 header checksums (mbuf flags) */
	bool rx_tcp_cksum;
	bool tx_ipv4_cksum; /* TX fills IPv4 header checksums */
	bool tx_tcp_cksum;
	bool tx_tso;
	bool tx_multi_seg;     /* TX takes mbuf chains (segments that reference the send queue) */
	bool rx_rss_hash;      /* RX puts the RSS hash in the mbuf (RTE_MBUF_F_RX_RSS_HASH) */
	bool rss;              /* the port spreads flows by Tern's key and table (read back) */
	bool is_tap;           /* net_tap: kernel side shares the port MAC */
	bool is_memif;         /* net_memif: another process is at the other end */
	bool memif_client;     /* ... and this side has role=client (memif's default) */
	bool no_cksum;         /* [port] checksums = no: the cksum "offloads" above do nothing */
	uint16_t tx_segs_max;  /* mbufs one frame may chain (tx_desc_lim.nb_mtu_seg_max) */
	uint16_t tso_segs_max; /* ... one TSO super-segment (tx_desc_lim.nb_seg_max) */
	uint64_t rss_hf;       /* hash functions asked for (more than one queue) */
};

struct port {
	uint16_t port_id;
	uint16_t nb_queues;
	uint16_t mtu;
	char driver[32];
	struct rte_ether_addr port_mac; /* what the port reports */
	struct rte_ether_addr mac;      /* what Tern uses as its own */
	struct port_caps caps;
	struct rss rss; /* key and table, mirrored for the engines (read-only) */
	bool started;
	bool link_up;
	bool link_known; /* link reported at least once */
};

/* Configure and start @p->port_id with @nb_queues RX/TX queue pairs; RX queue
 * q takes mbufs from @pools[q]. Decides Tern's own MAC (configured, or on
 * net_tap a locally administered one distinct from the kernel side's). With
 * more than one queue, programs RSS with [port] rss_key and a table of its
 * own, reads both back, and fills @p->rss (mode RSS_HW if the port took
 * them, RSS_SOFT if it spreads flows its own way).
 * Returns 0, or a negative errno with one line on @err naming the port:
 * -ENODEV no such port; -ERANGE more queues (lcores) than the port has, an
 * [port] rss_key of another length than the port's, or an [port] mtu the
 * port cannot take; -ENOTSUP [port] checksums = no on a port that is not in
 * memory. */
int port_open(struct port *p, const struct config *cfg, uint16_t nb_queues,
              struct rte_mempool **pools, FILE *err);

/* Read the link without waiting; logs a change. Returns true if up. */
bool port_poll_link(struct port *p);

#define PORT_MEMIF_LINGER_MS 1000 /* how long a memif client lets its server leave first */

/* Stop and close (a memif client first gives its server PORT_MEMIF_LINGER_MS
 * to leave); every mbuf the driver held returns to its pool. */
void port_close(struct port *p);

/* One line describing offloads, e.g. "rx: ipv4-cksum tcp-cksum; tx: ...". */
void port_caps_describe(const struct port_caps *c, char *buf, size_t len);

#endif /* TERN_PORT_H */
