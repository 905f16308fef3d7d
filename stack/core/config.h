/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Run-time configuration: INI files read with DPDK's rte_cfgfile, then
 * command-line overrides. Control plane only; engines get a const copy.
 *
 *   main() -> config_defaults() -> config_load(file) -> config_set_ip(--ip)
 *
 * Every bad key, bad value or missing section is reported as one line naming
 * the file, the section and the key; all of them are reported, not just the
 * first. config/tap.ini documents every key.
 */
#ifndef TERN_CONFIG_H
#define TERN_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>

#include "drivers/fault.h"

#define CONFIG_PATH_MAX 256

struct config {
	/* [port] */
	uint16_t port_id;	  /* ethdev port id (ports come from the EAL arguments) */
	uint16_t rx_desc;	  /* RX descriptors per queue */
	uint16_t tx_desc;	  /* TX descriptors per queue */
	uint16_t mtu;		  /* IP MTU, 68..9000 */
	bool mac_set;		  /* false: the port's MAC (made distinct on net_tap) */
	struct rte_ether_addr mac;
	bool promiscuous;

	/* [ip] */
	uint32_t ip_addr;	  /* host order */
	uint8_t ip_prefix;	  /* 1..32 */
	uint32_t ip_gateway;	  /* host order; 0 = none */
	uint8_t ip_ttl;		  /* TTL of what we send */

	/* [arp] */
	uint32_t arp_entries;	  /* table size per core */
	uint32_t arp_timeout_s;	  /* a resolved entry ages out after this */
	uint32_t arp_pending;	  /* packets held per unresolved address */
	uint32_t arp_retries;	  /* requests sent before giving up */
	uint32_t arp_retry_ms;	  /* time between requests */

	/* [pool] */
	uint32_t pool_mbufs;	  /* mbufs per core */
	uint32_t pool_cache;	  /* per-lcore mempool cache */
	uint16_t pool_data_room;  /* bytes of data per mbuf (plus headroom) */

	/* [limits] */
	uint32_t flows;		  /* flow table entries per core */
	uint16_t burst;		  /* RX/TX burst size, 1..256 */

	/* [fault] */
	struct fault_config fault_rx;
	struct fault_config fault_tx;
	uint64_t fault_seed;
};

/* Built-in defaults, equal to config/tap.ini. */
void config_defaults(struct config *c);

/* Read @path over @c. Prints one line per problem to @err ("FILE: [SECTION] KEY:
 * what is wrong") and returns the number of problems (0 = success), or -1 if the
 * file cannot be opened or parsed as INI (also reported on @err). */
int config_load(struct config *c, const char *path, FILE *err);

/* Parse "A.B.C.D/LEN" into the [ip] address; returns 0 or -EINVAL. */
int config_set_ip(struct config *c, const char *addr_len);

/* Parse a dotted quad into host order; 0 or -EINVAL. */
int config_parse_ipv4(const char *s, uint32_t *addr);

#endif /* TERN_CONFIG_H */
