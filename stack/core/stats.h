/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-core counters: packets and bytes in and out, and every drop under its
 * reason. Owned and written by one engine only; the control plane sums them.
 *
 *   eth/arp/ipv4/icmp input -> stats_drop(reason) ;  runtime exit -> stats_print
 *   telemetry (/tern/stats) -> stats_foreach: the same names, one list
 */
#ifndef TERN_STATS_H
#define TERN_STATS_H

#include <stdint.h>
#include <stdio.h>

/* X-macro so the enum and the names (what tests and operators read) cannot
 * drift apart. */
#define DROP_REASONS(X)                                                                            \
	X(ETH_SHORT, "eth_short")           /* frame shorter than an Ethernet header */            \
	X(ETH_NOT_FOR_US, "eth_not_for_us") /* destination MAC neither ours nor broadcast */       \
	X(ETH_TYPE, "eth_bad_type")         /* EtherType we do not speak */                        \
	X(ARP_SHORT, "arp_short")           /* truncated ARP packet */                             \
	X(ARP_FORMAT, "arp_bad_format")     /* not Ethernet/IPv4 ARP, or unknown opcode */         \
	X(ARP_NOT_FOR_US, "arp_not_for_us") /* valid, about other hosts: nothing to do */          \
	X(ARP_TABLE_FULL, "arp_table_full") /* no room for a new neighbour */                      \
	X(ARP_QUEUE_FULL, "arp_queue_full") /* too many packets waiting on one address */          \
	X(ARP_HOLD_FULL, "arp_hold_full")   /* every slot for waiting packets taken */             \
	X(ARP_UNRESOLVED, "arp_unresolved") /* waited for a reply that never came */               \
	X(ARP_CONFLICT, "arp_conflict")     /* another host claims our address (RFC 5227) */       \
	X(IP_SHORT, "ip_short")             /* shorter than an IPv4 header */                      \
	X(IP_VERSION, "ip_bad_version")     /* version != 4 */                                     \
	X(IP_IHL, "ip_bad_ihl")             /* header length < 5 words or past the packet */       \
	X(IP_CKSUM, "ip_bad_cksum")         /* header checksum wrong */                            \
	X(IP_LEN, "ip_bad_len")             /* total length past the frame or below header */      \
	X(IP_FRAGMENT, "ip_fragment")       /* fragments are not reassembled (DESIGN.md) */        \
	X(IP_BAD_SRC, "ip_bad_src")         /* source is broadcast, multicast or ours */           \
	X(IP_NOT_FOR_US, "ip_not_for_us")   /* destination is another host */                      \
	X(IP_PROTO, "ip_no_proto")          /* a protocol nothing listens on */                    \
	X(ICMP_SHORT, "icmp_short")         /* shorter than an ICMP header */                      \
	X(ICMP_CKSUM, "icmp_bad_cksum")     /* ICMP checksum wrong */                              \
	X(ICMP_TYPE, "icmp_ignored")        /* a type other than echo request */                   \
	X(TCP_SHORT, "tcp_short")           /* shorter than a TCP header */                        \
	X(TCP_BAD_OFF, "tcp_bad_offset")    /* data offset < 5 words or past the segment */        \
	X(TCP_CKSUM, "tcp_bad_cksum")       /* TCP checksum wrong */                               \
	X(TCP_BCAST, "tcp_broadcast")       /* TCP to a broadcast address */                       \
	X(TCP_BAD_OPTS, "tcp_bad_options")  /* malformed options */                                \
	X(TCP_BAD_FLAGS, "tcp_bad_flags")   /* a flag combination that opens nothing */            \
	X(TCP_NO_CONN, "tcp_no_conn")       /* no connection or listener: RST sent */              \
	X(TCP_PAWS, "tcp_paws")             /* old timestamp (RFC 7323 5) */                       \
	X(TCP_OUT_OF_WINDOW, "tcp_out_of_window") /* outside the receive window */                 \
	X(TCP_TIME_WAIT, "tcp_time_wait")         /* old duplicate in TIME_WAIT */                 \
	X(TCP_SYN_CHALLENGED,                                                                      \
	  "tcp_syn_challenged") /* SYN on a synchronized connection (RFC 5961 4.2) */              \
	X(TCP_SYN_REPEATED,                                                                        \
	  "tcp_syn_repeated")         /* the peer's SYN again in SYN_RCVD: SYN-ACK resent */       \
	X(TCP_BAD_ACK, "tcp_bad_ack") /* ACK of unsent data, or too old (RFC 5961 5.2) */          \
	X(TCP_SYN_BACKLOG_FULL,                                                                    \
	  "tcp_syn_backlog_full") /* SYN past [tcp] syn_backlog with syncookies = no */            \
	X(TCP_SYNCOOKIE_BAD, "tcp_syncookie_bad") /* ACK to a listener, not our cookie: RST */     \
	X(TCP_SYNCOOKIE_STALE,                                                                     \
	  "tcp_syncookie_stale")         /* ACK to a listener, a cookie past its time: RST */      \
	X(TCP_OOO_FULL, "tcp_ooo_full")  /* out-of-order runs all in use */                        \
	X(TCP_RCV_FULL, "tcp_rcv_full")  /* too many segments for the reader */                    \
	X(TCP_RCV_MEM, "tcp_rcv_mem")    /* the connection holds its share of mbufs */             \
	X(NO_MBUF, "no_mbuf")            /* pool empty when building output */                     \
	X(TX_FULL, "tx_full")            /* the port would not take the packet */                  \
	X(STEER_FULL, "steer_ring_full") /* the owning engine's ring from us was full */

enum drop_reason {
#define DROP_ENUM(name, str) DROP_##name,
	DROP_REASONS(DROP_ENUM)
#undef DROP_ENUM
	        DROP_MAX
};

struct net_stats {
	uint64_t rx_pkts;
	uint64_t rx_bytes;
	uint64_t tx_pkts;
	uint64_t tx_bytes;
	uint64_t arp_replies_sent;
	uint64_t arp_requests_sent;
	uint64_t arp_unicast_polls; /* requests confirming an entry in use (RFC 1122 2.3.2.1) */
	uint64_t icmp_echo_replies;
	uint64_t tcp_segs_in;
	uint64_t tcp_segs_out;
	uint64_t tcp_conns_opened; /* connections that reached ESTABLISHED */
	uint64_t tcp_conns_closed; /* control blocks that ended (CLOSED), opened or not */
	uint64_t tcp_retransmits;
	uint64_t tcp_fast_retransmits;
	uint64_t tcp_rto_timeouts;
	uint64_t tcp_resets_sent;
	uint64_t tcp_resets_received;
	uint64_t tcp_challenge_acks;
	uint64_t tcp_window_probes;
	uint64_t tcp_tail_loss_probes;
	uint64_t tcp_rack_lost_segs; /* segments RACK found lost by time (RFC 8985 6.2) */
	uint64_t tcp_rack_timeouts;  /* RACK reordering timer expiries (RFC 8985 6.3) */
	uint64_t tcp_keepalive_probes;
	uint64_t tcp_time_wait_reopened;
	uint64_t tcp_time_wait_reclaimed;
	uint64_t tcp_time_wait_reused;
	uint64_t tcp_local_ports_exhausted; /* tern_connect found no free local port */
	uint64_t tcp_local_port_searches;   /* ... searches made (not refused from memory) */
	uint64_t tcp_conn_pool_empty;
	uint64_t tcp_flow_table_full; /* a new connection found no room in the flow table */
	uint64_t tcp_send_budget_waits;
	uint64_t tcp_orphans_reclaimed; /* closed connections reset for a new one */
	uint64_t tcp_rcv_coalesced;     /* segments copied into the receive queue's last buffer */
	uint64_t tcp_rx_merged;         /* in-order segments taken with the one before them (GRO) */
	uint64_t tcp_ooo_pruned;        /* out-of-order runs freed to take in-order data */
	uint64_t tcp_oow_acks_limited;  /* ACKs for unacceptable segments not sent (rate limit) */
	uint64_t tcp_rcv_window_trims;  /* segments whose data ran past our window */
	uint64_t tcp_syncookies_sent;   /* SYN-ACKs carrying a cookie (RFC 4987 3.6) */
	uint64_t tcp_syncookies_accepted; /* ACKs with a valid cookie: connections opened */
	uint64_t tcp_syncookies_rejected; /* ACKs checked as cookies and refused (RST) */
	uint64_t tcp_syn_rcvd_peak;       /* most passive opens in SYN_RCVD at once */
	uint64_t tcp_lookups_again;       /* bulk lookups redone: the burst changed the flow */
	uint64_t tcp_output_yields;       /* a connection's output quantum spent, more to send */
	uint64_t tcp_output_passes_cut;   /* output passes whose budget ran out (the rest next) */
	uint64_t tcp_output_line_waits;   /* output passes put off: the port's queue was full */
	uint64_t tcp_tso_sends;           /* super-segments handed to the port to cut (TSO) */
	uint64_t tcp_tso_segs;            /* ... the segments they became */
	uint64_t tcp_lent_segs;           /* segments the application lent (tern_send_mbuf) */
	uint64_t tcp_tx_pieces_copied;    /* payloads copied, not referenced: too many pieces */
	uint64_t steered_out;             /* TCP segments handed to the engine owning their flow */
	uint64_t steered_in;              /* TCP segments other engines handed us */
	uint64_t loops;                   /* engine iterations */
	uint64_t busy_loops;              /* iterations that received or sent a packet */
	uint64_t early_sends;             /* RX bursts sent in halves (early_send_min) */
	uint64_t idle_yields;             /* CPU given up after idle_yield_polls empty polls */
	uint64_t loop_stalls_100us;       /* iterations begun >= 100 us after the last one */
	uint64_t loop_stalls_1ms;         /* ... >= 1 ms after (descheduled, mostly) */
	uint64_t drops[DROP_MAX];
};

const char *drop_reason_name(enum drop_reason r);

/* @sum += @s, field by field. */
void stats_add(struct net_stats *sum, const struct net_stats *s);

/* Call @fn for every counter the exit report prints, in its order: each
 * counter with @group NULL, then the drops that are not zero with @group
 * "drop" and the reason as @name (printed "drop.<name>"). */
void stats_foreach(const struct net_stats *s,
                   void (*fn)(void *ctx, const char *group, const char *name, uint64_t v),
                   void *ctx);

/* One "name value" line per counter of stats_foreach, each prefixed by
 * @prefix: "total.rx_pkts 12", "total.drop.tcp_no_conn 3". */
void stats_print(FILE *f, const char *prefix, const struct net_stats *s);

#endif /* TERN_STATS_H */
