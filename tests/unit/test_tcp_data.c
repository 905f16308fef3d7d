/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP data, segment in -> segment out: receiving in order and out of order
 * (RFC 9293 3.10.7.4 seventh step, RFC 2018 SACK blocks), acknowledgment
 * policy (RFC 1122 4.2.3.2, RFC 5681 4.2), the receive window and its
 * updates (RFC 9293 3.8.6.2.2), sending within the peer's window, fast
 * retransmit and NewReno (RFC 5681 3.2, RFC 6582).
 *
 * ESTABLISHED() is a connection whose peer offered MSS 1460, window scale 0
 * and SACK: full segments carry 1460 bytes, the peer's window is 65535 and
 * ours 256 KB >> 3 (WIN_FREE and WIN_EDGE in tcp_script.h say where its
 * right edge is).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/tcp.h"
#include "tcp_script.h"

/* One segment in order: delivered, and acknowledged when the delayed-ACK
 * timer (40 ms) runs out, not before. */
static const struct script_step in_order_delayed_ack[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 1000)),
	OUT_NONE(),
	PENDING(1000),
	ADVANCE_MS(39),
	OUT_NONE(),
	ADVANCE_MS(1),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1001, .win = WIN_FREE(1000))),
	APP_RECV(1000),
	OUT_NONE(),
	ADVANCE_MS(100),
	OUT_NONE(),
};

/* RFC 5681 4.2: an ACK for at least every second full-sized segment. */
static const struct script_step two_full_segments[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1, .len = 1460)),
	OUT_NONE(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1461, .ack = L0 + 1, .len = 1460)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 2921, .win = WIN_FREE(2920))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 2921, .ack = L0 + 1, .len = 1460)),
	OUT_NONE(),
	ADVANCE_MS(40),
	/* The edge stays at 262144: 257764 bytes are 32220.5 units of 8, and
	 * the field rounds up (RFC 7323 2.4: 32220 would move it 4 bytes left). */
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 4381,
	        .win = WIN_EDGE(262144, 4380))),
	/* Reading an MSS or more moves the window: the peer hears of it. */
	APP_RECV(4380),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 4381, .win = WIN_FREE(0))),
};

/* The same with timestamps: a full-sized segment is 1448 bytes then (MSS
 * less the 12 bytes of the option), and the ACK echoes the TSval of the
 * earliest segment it acknowledges (RFC 7323 4.3 (A)). */
static const struct script_step two_full_segments_ts[] = {
	ESTABLISHED_TS(),
	ADVANCE_MS(5),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1, .len = 1448)),
	OUT_NONE(),
	ADVANCE_MS(5),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1449, .ack = L0 + 1, .len = 1448)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 2897, .tsecr = TSP + 5,
	        .win = WIN_FREE(2896))),
	APP_RECV(2896),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 2897, .win = WIN_FREE(0))),
};

/* Segments within the delayed-ACK time share one cumulative ACK. */
static const struct script_step cumulative_ack[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	ADVANCE_MS(10),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 101, .ack = L0 + 1, .len = 100)),
	ADVANCE_MS(10),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 201, .ack = L0 + 1, .len = 100)),
	ADVANCE_MS(19),
	OUT_NONE(),
	ADVANCE_MS(1),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 301, .win = WIN_FREE(300))),
	APP_RECV(300),
};

/* A stream of full segments: an ACK every second one, bytes in order. */
static const struct script_step bulk_in[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1, .len = 1460)),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1461, .ack = L0 + 1, .len = 1460)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 2921, .win = WIN_FREE(2920))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 2921, .ack = L0 + 1, .len = 1460)),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 4381, .ack = L0 + 1, .len = 1460)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 5841, .win = WIN_FREE(5840))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 5841, .ack = L0 + 1, .len = 1460)),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 7301, .ack = L0 + 1, .len = 1460)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 8761, .win = WIN_FREE(8760))),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 8761, .ack = L0 + 1, .len = 1000)),
	ADVANCE_MS(40),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 9761, .win = WIN_FREE(9760))),
	APP_RECV(9760),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 9761, .win = WIN_FREE(0))),
};

/* Out of order: kept, and an immediate duplicate ACK with SACK blocks
 * (RFC 5681 4.2, RFC 2018 4); the gap filled: everything delivered in order
 * and acknowledged at once. */
static const struct script_step out_of_order[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1001, .ack = L0 + 1, .len = 1000)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,
	        .sack = { { R0 + 1001, R0 + 2001 } }, .win = WIN_FREE(1000))),
	PENDING(0),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 3001, .ack = L0 + 1, .len = 500)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,
	        .sack = { { R0 + 3001, R0 + 3501 }, { R0 + 1001, R0 + 2001 } },
	        .win = WIN_EDGE(261144, 0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1, .len = 1000)),
	/* The free buffer's edge is 500 bytes past the one offered, then 1000:
	 * less than an MSS, so the edge stays (RFC 9293 3.8.6.2.2). */
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 2001,
	        .sack = { { R0 + 3001, R0 + 3501 } }, .win = WIN_EDGE(261144, 2000))),
	PENDING(2000),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 2001, .ack = L0 + 1, .len = 1000)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 3501,
	        .win = WIN_EDGE(261144, 3500))),
	APP_RECV(3500),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 3501, .win = WIN_FREE(0))),
};

/* RFC 2018 4: the first block is the one holding the segment that
 * triggered the ACK, even when a higher block exists. */
static const struct script_step sack_first_block_is_latest[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 3001, .ack = L0 + 1, .len = 1000)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,
	        .sack = { { R0 + 3001, R0 + 4001 } }, .win = WIN_FREE(1000))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1001, .ack = L0 + 1, .len = 1000)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,
	        .sack = { { R0 + 1001, R0 + 2001 }, { R0 + 3001, R0 + 4001 } },
	        .win = WIN_EDGE(261144, 0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1, .len = 1000)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 2001,
	        .sack = { { R0 + 3001, R0 + 4001 } }, .win = WIN_EDGE(261144, 2000))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 2001, .ack = L0 + 1, .len = 1000)),
	/* The free buffer's edge is 1000 bytes past the one offered: less
	 * than an MSS, the edge stays (RFC 9293 3.8.6.2.2). */
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 4001,
	        .win = WIN_EDGE(261144, 4000))),
	APP_RECV(4000),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 4001, .win = WIN_FREE(0))),
};

/* At most four SACK blocks fit beside nothing else (RFC 2018 3), the
 * highest runs first. */
static const struct script_step sack_blocks_max[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1001, .ack = L0 + 1, .len = 100)),
	/* Out-of-order bytes hold buffer too: the edge goes to 262040. */
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,
	        .sack = { { R0 + 1001, R0 + 1101 } }, .win = WIN_FREE(100))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 2001, .ack = L0 + 1, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,
	        .sack = { { R0 + 2001, R0 + 2101 }, { R0 + 1001, R0 + 1101 } },
	        .win = WIN_EDGE(262040, 0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 3001, .ack = L0 + 1, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,
	        .sack = { { R0 + 3001, R0 + 3101 },
	                  { R0 + 2001, R0 + 2101 },
	                  { R0 + 1001, R0 + 1101 } },
	        .win = WIN_EDGE(262040, 0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 4001, .ack = L0 + 1, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,
	        .sack = { { R0 + 4001, R0 + 4101 },
	                  { R0 + 3001, R0 + 3101 },
	                  { R0 + 2001, R0 + 2101 },
	                  { R0 + 1001, R0 + 1101 } },
	        .win = WIN_EDGE(262040, 0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 5001, .ack = L0 + 1, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,
	        .sack = { { R0 + 5001, R0 + 5101 },
	                  { R0 + 4001, R0 + 4101 },
	                  { R0 + 3001, R0 + 3101 },
	                  { R0 + 2001, R0 + 2101 } },
	        .win = WIN_EDGE(262040, 0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1, .len = 1000)),
	/* The edge stays at 262040, 260940 bytes away: 32617.5 units of 8,
	 * rounded up. */
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1101,
	        .sack = { { R0 + 5001, R0 + 5101 },
	                  { R0 + 4001, R0 + 4101 },
	                  { R0 + 3001, R0 + 3101 },
	                  { R0 + 2001, R0 + 2101 } },
	        .win = WIN_EDGE(262040, 1100))),
	APP_RECV(1100),
};

/* With timestamps, three (RFC 2018 3: 10 + 2 + 3 x 8 bytes). */
static const struct script_step sack_blocks_max_ts[] = {
	ESTABLISHED_TS(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1001, .ack = L0 + 1, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,
	        .sack = { { R0 + 1001, R0 + 1101 } }, .win = WIN_FREE(100))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 2001, .ack = L0 + 1, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,
	        .sack = { { R0 + 2001, R0 + 2101 }, { R0 + 1001, R0 + 1101 } },
	        .win = WIN_EDGE(262040, 0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 3001, .ack = L0 + 1, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,
	        .sack = { { R0 + 3001, R0 + 3101 },
	                  { R0 + 2001, R0 + 2101 },
	                  { R0 + 1001, R0 + 1101 } },
	        .win = WIN_EDGE(262040, 0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 4001, .ack = L0 + 1, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,
	        .sack = { { R0 + 4001, R0 + 4101 },
	                  { R0 + 3001, R0 + 3101 },
	                  { R0 + 2001, R0 + 2101 } },
	        .win = WIN_EDGE(262040, 0))),
};

/* RFC 9293 3.10.7.4 fifth: an ACK of something not yet sent is answered
 * with an ACK and the segment dropped, data and all. */
static const struct script_step ack_of_unsent_data[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1000, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	PENDING(0),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	PENDING(100),
	APP_RECV(100),
};

/* Duplicates are discarded and answered with an ACK (RFC 9293 3.10.7.4
 * first); a segment overlapping what we have gives only its new bytes. */
static const struct script_step duplicates[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1, .len = 1000)),
	OUT_NONE(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1, .len = 1000)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1001, .win = WIN_FREE(1000))),
	PENDING(1000),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1, .len = 10)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1001, .win = WIN_FREE(1000))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 501, .ack = L0 + 1, .len = 1000)),
	OUT_NONE(),
	PENDING(1500),
	ADVANCE_MS(40),
	/* The edge stays at 262144, 260644 bytes away: 32580.5 units of 8,
	 * rounded up to 32581, edge 262148. */
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1501,
	        .win = WIN_EDGE(262144, 1500))),
	/* An out-of-order duplicate changes nothing either. */
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 2001, .ack = L0 + 1, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1501,
	        .sack = { { R0 + 2001, R0 + 2101 } }, .win = WIN_EDGE(262148, 1500))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 2001, .ack = L0 + 1, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1501,
	        .sack = { { R0 + 2001, R0 + 2101 } }, .win = WIN_EDGE(262148, 1500))),
	/* The free buffer's edge is 1396 bytes past the one offered (262148):
	 * less than an MSS, no update. */
	APP_RECV(1500),
	OUT_NONE(),
	PENDING(0),
};

static void
small_rcv_buf(struct config *cfg)
{
	cfg->tcp_rcv_buf = 4096; /* no window scaling needed: fields are bytes */
}

/* The window closes as the application leaves data unread; a segment past
 * it is refused with an ACK; reading opens it again, announced once it
 * grew by an MSS (receiver-side silly window avoidance, RFC 9293 3.8.6.2.2). */
static const struct script_step receive_window[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1, .len = 1000)),
	ADVANCE_MS(40),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1001, .win = 3096)),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1001, .ack = L0 + 1, .len = 1460)),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 2461, .ack = L0 + 1, .len = 1460)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 3921, .win = 176)),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 3921, .ack = L0 + 1, .len = 176)),
	ADVANCE_MS(40),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 4097, .win = 0)),
	/* Nothing fits in a zero window. */
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 4097, .ack = L0 + 1, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 4097, .win = 0)),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 4097, .ack = L0 + 1, .len = 1)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 4097, .win = 0)),
	PENDING(4096),
	APP_RECV(1000),
	OUT_NONE(),
	APP_RECV(1000),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 4097, .win = 2000)),
	APP_RECV(2096),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 4097, .win = 4096)),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 4097, .ack = L0 + 1, .len = 1000)),
	ADVANCE_MS(40),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 5097, .win = 3096)),
	APP_RECV(1000),
};

/* Our data: full segments, PSH on the last, the window we offer in each. */
static const struct script_step send_data[] = {
	ESTABLISHED(),
	APP_SEND(3000),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1461, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 2921, .ack = R0 + 1, .len = 80,
	        .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1461)),
	OUT_NONE(),
	/* Data and an ACK of it in one segment. */
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 3001, .len = 200)),
	APP_SEND(10),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 3001, .ack = R0 + 201, .len = 10,
	        .win = WIN_FREE(200))),
	ADVANCE_MS(100),
	OUT_NONE(),
	APP_RECV(200),
};

/* The peer's window limits what is in flight; no runt segment while the
 * window, not the data, is what limits it (RFC 9293 3.8.6.2.1). */
static const struct script_step send_window[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1, .win = 2000)),
	APP_SEND(5000),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	OUT_NONE(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1461, .win = 2000)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1461, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 2921, .win = 4000)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2921, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 4381, .ack = R0 + 1, .len = 620,
	        .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 5001, .win = 4000)),
	OUT_NONE(),
};

/* Five segments, the second lost: the third duplicate ACK retransmits it
 * (RFC 5681 3.2); the ACK that follows is partial, the fourth was lost too,
 * and NewReno retransmits it at once (RFC 6582 3.2 step 3); the full ACK
 * ends recovery with cwnd = ssthresh-bounded flight + MSS. */
#define FAST_RETRANSMIT_STEPS()                                                                    \
	APP_SEND(7300),                                                                            \
	        OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .len = 1460,            \
	                .win = WIN_FREE(0))),                                                      \
	        OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1461, .ack = R0 + 1, .len = 1460,         \
	                .win = WIN_FREE(0))),                                                      \
	        OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2921, .ack = R0 + 1, .len = 1460,         \
	                .win = WIN_FREE(0))),                                                      \
	        OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 4381, .ack = R0 + 1, .len = 1460,         \
	                .win = WIN_FREE(0))),                                                      \
	        OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 5841, .ack = R0 + 1,             \
	                .len = 1460, .win = WIN_FREE(0))),                                         \
	        IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1461)), OUT_NONE(),       \
	        IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1461)), OUT_NONE(),       \
	        IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1461)), OUT_NONE(),       \
	        IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1461)),                   \
	        OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1461, .ack = R0 + 1, .len = 1460,         \
	                .win = WIN_FREE(0))),                                                      \
	        IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1461)), OUT_NONE(),       \
	        IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 4381)),                   \
	        OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 4381, .ack = R0 + 1, .len = 1460,         \
	                .win = WIN_FREE(0))),                                                      \
	        IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 7301)), OUT_NONE(),       \
	        APP_SEND(100),                                                                     \
	        OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 7301, .ack = R0 + 1, .len = 100, \
	                .win = WIN_FREE(0)))

static const struct script_step fast_retransmit[] = {
	ESTABLISHED(),
	FAST_RETRANSMIT_STEPS(),
};

/* The same on a connection a listener opened. */
static const struct script_step fast_retransmit_passive_open[] = {
	HANDSHAKE(),
	FAST_RETRANSMIT_STEPS(),
};

static void
run(void **state)
{
	assert_int_equal(tcp_script_run(*state), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		SCRIPT_TEST(run, in_order_delayed_ack, NULL),
		SCRIPT_TEST(run, two_full_segments, NULL),
		SCRIPT_TEST(run, two_full_segments_ts, NULL),
		SCRIPT_TEST(run, cumulative_ack, NULL),
		SCRIPT_TEST(run, bulk_in, NULL),
		SCRIPT_TEST(run, out_of_order, NULL),
		SCRIPT_TEST(run, sack_blocks_max, NULL),
		SCRIPT_TEST(run, sack_first_block_is_latest, NULL),
		SCRIPT_TEST(run, sack_blocks_max_ts, NULL),
		SCRIPT_TEST(run, ack_of_unsent_data, NULL),
		SCRIPT_TEST(run, duplicates, NULL),
		SCRIPT_TEST(run, receive_window, small_rcv_buf),
		SCRIPT_TEST(run, send_data, NULL),
		SCRIPT_TEST(run, send_window, NULL),
		SCRIPT_TEST(run, fast_retransmit, NULL),
		SCRIPT_TEST(run, fast_retransmit_passive_open, NULL),
	};
	return cmocka_run_group_tests_name("tcp_data", tests, NULL, NULL);
}
