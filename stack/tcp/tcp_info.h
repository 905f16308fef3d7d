/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A connection as operators see it (ss -ti, /tern/conns): a copy of what a
 * control block says, taken on the engine's own core, and a scan of the
 * connection pool in slices so that listing a large pool never holds the
 * loop for long.
 *
 *   posted to the engine (runtime/post.c) -> tcp_conns_scan -> tcp_conn_info
 */
#ifndef TERN_TCP_INFO_H
#define TERN_TCP_INFO_H

#include <stdint.h>

#include "flow/flow_table.h"

struct engine;
struct tcb;

struct tcp_conn_info {
	struct flow_key key; /* network byte order */
	uint8_t state;       /* enum tcp_state: tcp_state_name() */
	uint16_t mss;        /* what we send in one segment */
	uint32_t srtt_us;    /* RFC 6298 SRTT; 0 before the first sample */
	uint32_t rttvar_us;  /* RFC 6298 RTTVAR */
	uint32_t rto_ms;
	const char *cc;    /* congestion control module: "newreno", "cubic" */
	uint32_t cwnd;     /* bytes */
	uint32_t ssthresh; /* bytes */
	uint32_t snd_wnd;  /* the peer's window, scaled */
	uint32_t rcv_wnd;  /* what we last offered: right edge - rcv.nxt */
	uint64_t bytes_acked;
	uint64_t bytes_received;
	uint32_t retransmits;
	uint32_t snd_queued; /* bytes in the send queue: unacknowledged and unsent */
	uint32_t rcv_queued; /* in-order bytes the application has not read */
};

void tcp_conn_info(const struct tcb *tcb, struct tcp_conn_info *info);

/* Where a listing of one engine's connections stands between slices. */
struct tcp_conns_cursor {
	uint32_t slot; /* next pool slot to look at */
	uint32_t skip; /* live connections still to pass over before copying */
};

/* Look at up to @slots pool slots from @cur->slot; pass over @cur->skip
 * live connections (any state but CLOSED), then copy up to @max into @out.
 * Returns how many were copied; @cur is where the next slice starts (its
 * slot is the pool size once the pool is done). On the engine's core. */
unsigned tcp_conns_scan(const struct engine *eng, struct tcp_conns_cursor *cur, uint32_t slots,
                        struct tcp_conn_info *out, unsigned max);

#endif /* TERN_TCP_INFO_H */
