/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RSS on one port, for port_open: the key, what configure asks for, and the
 * redirection table written and read back once the port runs.
 *
 *   port_open -> port_rss_key -> port_rss_conf -> rte_eth_dev_configure ...
 *             -> rte_eth_dev_start -> port_rss_start (fills port->rss, logs)
 */
#ifndef TERN_PORT_RSS_H
#define TERN_PORT_RSS_H

#include <stdint.h>
#include <stdio.h>

#include <rte_ethdev.h>

#include "drivers/port.h"

struct config;

/* The key in @key (RSS_KEY_LEN_MAX bytes), its length in *@key_len: [port]
 * rss_key, or the symmetric default at the port's key length. 0, or -EINVAL
 * with one line on @err when the port takes a key of another length. */
int port_rss_key(const struct port *p, const struct config *cfg,
                 const struct rte_eth_dev_info *info, uint8_t *key, unsigned *key_len, FILE *err);

/* With more than one queue, ask @conf for RSS over TCP/IPv4 with @key, and
 * for the hash in the mbufs where the port offers it. */
void port_rss_conf(struct port *p, const struct rte_eth_dev_info *info, struct rte_eth_conf *conf,
                   const uint8_t *key, unsigned key_len);

/* The port has started: set the key and the table, read them back, fill
 * @p->rss and log what the port did and did not take. 0 or -ENOMEM. */
int port_rss_start(struct port *p, const uint8_t *key, unsigned key_len);

#endif /* TERN_PORT_RSS_H */
