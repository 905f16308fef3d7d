/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Run-time configuration: INI files read with DPDK's rte_cfgfile, then
 * command-line overrides. Control plane only; engines get a const copy.
 *
 *   main() -> config_defaults() -> config_load(file) -> config_set_ip(--ip)
 *
 * Every bad key, bad value or missing section is reported as one line naming
 * the file, the section and the key; all of them are reported, not just the
 * first. config/tap.ini documents every key and range; config_defaults()
 * equals it.
 */
#ifndef TERN_CONFIG_H
#define TERN_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>

#include "drivers/fault.h"

#define CONFIG_PATH_MAX    256
#define CONFIG_RSS_KEY_MIN 16 /* bytes: what a Toeplitz hash of IPv4/TCP reads */
#define CONFIG_RSS_KEY_MAX 64 /* bytes: 40 on most NICs, 52 on i40e and ice */

/* [tcp] syncookies: when a SYN to a listener is answered with a SYN cookie
 * (RFC 4987 3.6) instead of a half-open connection. */
enum tcp_syncookies {
	TCP_SYNCOOKIES_NO = 0, /* never: past the budget, SYNs are dropped */
	TCP_SYNCOOKIES_YES,    /* past [tcp] syn_backlog, or with the pool empty */
	TCP_SYNCOOKIES_ALWAYS, /* every SYN (tests) */
};

/* [pool] handler: the DPDK mempool driver behind each core's mbuf pool. */
enum pool_handler {
	POOL_HANDLER_STACK = 0, /* "stack": the last mbuf freed is the next one taken */
	POOL_HANDLER_RING,      /* "ring_mp_mc": first freed, first taken */
	POOL_HANDLER_DEFAULT,   /* DPDK's choice (EAL --mbuf-pool-ops-name, or the ring) */
};

/* [tcp] congestion_control: the module a connection starts with (tcp_cc.h,
 * whose enum tcp_cc_id is in this order). */
enum tcp_cc_choice {
	TCP_CC_CHOICE_NEWRENO = 0, /* RFC 5681, RFC 6582 */
	TCP_CC_CHOICE_CUBIC,       /* RFC 9438 with HyStart++ (RFC 9406) */
};

/* [tcp] tso: whether new data leaves as super-segments the port cuts into
 * MSS-sized ones (RTE_ETH_TX_OFFLOAD_TCP_TSO, issue 11). */
enum tcp_tso_choice {
	TCP_TSO_NO = 0, /* never: every segment is built by Tern */
	TCP_TSO_AUTO,   /* where the port offers TSO (and chains and TCP checksums) */
};

struct config {
	/* [port] */
	uint16_t port_id; /* ethdev port id (ports come from the EAL arguments) */
	uint16_t rx_desc; /* RX descriptors per queue, 32..16384 */
	uint16_t tx_desc; /* TX descriptors per queue, 32..16384 */
	uint16_t mtu;     /* IP MTU, 68..9000 */
	bool mac_set;     /* false: the port's MAC (made distinct on net_tap) */
	struct rte_ether_addr mac;
	bool promiscuous;
	bool port_checksums; /* false: an in-memory port sums and checks nothing (port.h) */
	/* new data waits while the port's queue holds more than this, at its
	 * line rate (tcp_output_burst); 0: no limit */
	uint32_t port_tx_queue_us;
	uint8_t rss_key_len; /* 0: the symmetric 0x6d5a... key at the port's key length */
	uint8_t rss_key[CONFIG_RSS_KEY_MAX]; /* RSS Toeplitz key, as the port takes it */

	/* [ip] */
	uint32_t ip_addr;    /* host order; a unicast host of its prefix */
	uint8_t ip_prefix;   /* 1..32 */
	uint32_t ip_gateway; /* host order, inside the prefix; 0 = none */
	uint8_t ip_ttl;      /* TTL of what we send */

	/* [arp] */
	uint32_t arp_entries;       /* table size per core */
	uint32_t arp_timeout_s;     /* a resolved entry ages out after this */
	uint32_t arp_pending;       /* packets held per unresolved address */
	uint32_t arp_pending_total; /* packets held for all unresolved addresses */
	uint32_t arp_retries;       /* requests sent before giving up */
	uint32_t arp_retry_ms;      /* time between requests */

	/* [pool] */
	uint32_t pool_mbufs;     /* mbufs per core */
	uint32_t pool_cache;     /* per-lcore mempool cache, 0..512 */
	uint16_t pool_data_room; /* bytes of data per mbuf (plus headroom) */
	uint8_t pool_handler;    /* enum pool_handler */

	/* [limits] */
	uint32_t flows; /* flow table entries per core */
	uint16_t burst; /* RX/TX burst size, 1..256 */
	/* The least frames of an RX burst that did not fill for what its first
	 * half produced to be sent before its second half is handled, 0..256;
	 * 0: one TX burst per iteration (engine_rx_frames). */
	uint16_t early_send_min;
	/* Empty polls in a row before an lcore yields its CPU (sched_yield);
	 * 0: never, the engine busy-polls (the default). */
	uint32_t idle_yield_polls;

	/* [tcp] */
	uint32_t tcp_conns;             /* connections per core */
	uint32_t tcp_msl_s;             /* TIME_WAIT lasts 2 x MSL */
	uint32_t tcp_rto_min_ms;        /* RFC 6298 (2.4) floor */
	uint32_t tcp_rto_max_ms;        /* ceiling of the backed-off RTO */
	uint32_t tcp_rto_init_ms;       /* before the first RTT sample (RFC 6298 2.1) */
	uint32_t tcp_retries;           /* retransmissions of data before reset */
	uint32_t tcp_syn_retries;       /* retransmissions of a SYN or SYN-ACK */
	uint32_t tcp_delack_ms;         /* delayed ACK (RFC 1122 4.2.3.2: < 500 ms) */
	uint32_t tcp_snd_buf;           /* send buffer bytes per connection */
	uint32_t tcp_rcv_buf;           /* receive buffer bytes per connection */
	uint32_t tcp_init_cwnd;         /* initial window in segments (RFC 6928) */
	uint32_t tcp_keepalive_s;       /* idle seconds before probing; 0: off */
	uint32_t tcp_keepalive_intvl_s; /* seconds between probes */
	uint32_t tcp_keepalive_probes;  /* unanswered probes before reset */
	uint32_t tcp_challenge_acks;    /* RFC 5961 challenge ACKs per second per connection */
	bool tcp_sack;                  /* offer SACK-permitted (RFC 2018) */
	bool tcp_timestamps;            /* offer timestamps (RFC 7323) */
	bool tcp_window_scaling;        /* offer window scaling (RFC 7323) */
	bool tcp_tail_loss_probe;       /* probe a silent flight after 2 SRTT (RFC 8985 7) */
	bool tcp_gro;                   /* merge in-order segments of a burst (tcp_gro.c) */
	uint16_t tcp_local_port_min;    /* ephemeral ports of tern_connect (RFC 6056) ... */
	uint16_t tcp_local_port_max;    /* ... up to this one, inclusive */
	uint32_t tcp_syn_backlog;       /* passive opens in SYN_RCVD per core */
	uint8_t tcp_syncookies;         /* enum tcp_syncookies */
	uint8_t tcp_cc;                 /* enum tcp_cc_choice */
	/* segments reference the send queue, on ports taking chains (issue 11) */
	bool tcp_zero_copy_tx;
	uint8_t tcp_tso; /* enum tcp_tso_choice */

	/* [fault] rx_* and tx_* keys */
	struct fault_config fault_rx;
	struct fault_config fault_tx;
	uint64_t fault_seed;
	/* [fault] tx_link_*: an emulated line (drivers/link_emu.h); 0: none */
	uint32_t fault_link_mbit;
	uint32_t fault_link_ring;
};

/* Built-in defaults, equal to config/tap.ini. */
void config_defaults(struct config *c);

/* Read @path over @c: keys the file names replace those of @c, the rest stay.
 * Prints one line per problem to @err (may be NULL) and returns the number of
 * problems (0 = success), or -1 if the file cannot be read or is not INI (one
 * line, the first syntax problem). @c changes only on success. The lines:
 *   FILE: cannot read: REASON | line N: WHY
 *   FILE: [SECTION]: missing section | unknown section (expected ...) | duplicate section
 *   FILE: [SECTION] KEY: unknown key (expected ...) | duplicate key
 *   FILE: [SECTION] KEY: 'VALUE' is not ... (expected ...)
 *   FILE: [tcp] local_port_min: 'VALUE' is not ... (expected ...) (cross checks)
 */
int config_load(struct config *c, const char *path, FILE *err);

/* Parse "A.B.C.D/LEN" (LEN 1..32) into the [ip] address, as --ip does; the same
 * checks as [ip] address (a unicast host, not the network or broadcast address
 * of its prefix). Returns 0, -EINVAL for a bad address, or -ERANGE if the
 * configured gateway would not be a host of the new prefix; @c changes only on
 * success. */
int config_set_ip(struct config *c, const char *addr_len);

/* Longest value config_foreach gives, with its NUL. */
#define CONFIG_VALUE_MAX (2 * CONFIG_RSS_KEY_MAX + 1) /* the longest: an RSS key in hex */

/* Call @fn for every key of @c that is set, in the order of config/tap.ini,
 * with its section, name and value as the file would write it ("yes",
 * "198.18.0.2/24", "0.01"); @number points to the value of an integer key
 * and is NULL for the others. What /tern/config shows. */
void config_foreach(const struct config *c,
                    void (*fn)(void *ctx, const char *section, const char *key, const char *value,
                               const uint64_t *number),
                    void *ctx);

/* Parse a dotted quad strictly (inet_pton: four decimal octets, no leading
 * zeros, nothing around them) into host order; 0 or -EINVAL. */
int config_parse_ipv4(const char *s, uint32_t *addr);

/* The DPDK mempool driver [pool] handler names, for
 * rte_pktmbuf_pool_create_by_ops; NULL: DPDK's choice. Every engine's pool,
 * the runtime's and the test harness's, is made with it. */
const char *config_pool_ops(const struct config *cfg);

#endif /* TERN_CONFIG_H */
