/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The end of a connection, segment in -> segment out: the four-way close
 * both ways, simultaneous close and half-close (RFC 9293 3.6), TIME_WAIT and
 * what arrives during it (RFC 9293 3.10.7.4, RFC 1337, RFC 6191), old
 * duplicates and PAWS (RFC 7323 5), resets and their blind-attack
 * mitigations (RFC 5961), and the application's abort and close.
 *
 * ESTABLISHED() is a connection whose peer offered MSS 1460, window scale 0
 * and SACK, and to which we offer 256 KB at window scale 3 (WIN_FREE,
 * WIN_EDGE in tcp_script.h); 2 MSL is 60 s, which the wheel may overrun by
 * WHEEL_SLACK_MS.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/tcp.h"
#include "tcp_script.h"

#define TWO_MSL_MS 60000

/* We close first: FIN_WAIT_1 -> FIN_WAIT_2 -> TIME_WAIT -> CLOSED after
 * 2 MSL, never before (RFC 9293 3.10.7.4, figure 13). */
static const struct script_step active_close[] = {
	ESTABLISHED(),
	APP_CLOSE(),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	STATE(TCP_FIN_WAIT_1),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 2)),
	OUT_NONE(),
	STATE(TCP_FIN_WAIT_2),
	NO_EVENT(),
	IN(SEG(PEER, .flags = TH_FIN | TH_ACK, .seq = R0 + 1, .ack = L0 + 2)),
	/* The FIN takes a sequence number but no buffer: the edge stays,
	 * 262143 bytes past RCV.NXT, rounded up to 32768 units of 8. */
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2, .ack = R0 + 2, .win = WIN_EDGE(262144, 1))),
	STATE(TCP_TIME_WAIT),
	CLOSED(0),
	ADVANCE_MS(TWO_MSL_MS - 1),
	STATE(TCP_TIME_WAIT),
	ADVANCE_MS(1 + WHEEL_SLACK_MS(TWO_MSL_MS)),
	STATE(TCP_CLOSED),
	OUT_NONE(),
};

/* Data queued before the close goes first; the FIN follows it. */
static const struct script_step active_close_after_data[] = {
	ESTABLISHED(),
	APP_SEND(100),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 100,
	        .win = WIN_FREE(0))),
	APP_SEND(50),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 101, .ack = R0 + 1, .len = 50,
	        .win = WIN_FREE(0))),
	APP_CLOSE(),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK, .seq = L0 + 151, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 151)),
	STATE(TCP_FIN_WAIT_1),
	IN(SEG(PEER, .flags = TH_FIN | TH_ACK, .seq = R0 + 1, .ack = L0 + 152)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 152, .ack = R0 + 2, .win = WIN_EDGE(262144, 1))),
	STATE(TCP_TIME_WAIT),
	CLOSED(0),
};

/* Data and the close in one application call (an HTTP/1.0 response, a crr
 * reply): the FIN rides on the last data segment, one segment fewer, and a
 * retransmission carries both again. */
static const struct script_step close_fin_rides_on_data[] = {
	ESTABLISHED(),
	APP_SEND_CLOSE(100),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 100,
	        .win = WIN_FREE(0))),
	OUT_NONE(),
	STATE(TCP_FIN_WAIT_1),
	WITHIN_MS(3000),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 100,
	        .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 102)),
	OUT_NONE(),
	STATE(TCP_FIN_WAIT_2),
	IN(SEG(PEER, .flags = TH_FIN | TH_ACK, .seq = R0 + 1, .ack = L0 + 102)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 102, .ack = R0 + 2, .win = WIN_EDGE(262144, 1))),
	STATE(TCP_TIME_WAIT),
	CLOSED(0),
};

/* A FIN is a segment: after a timeout, whose loss window is one segment
 * (RFC 5681 3.1), it waits for room as data does. The peer SACKed all but
 * the first segment: RACK resends that hole (RFC 8985), it is lost too, and
 * the timeout resends it alone; the FIN goes once the ACK covers it. Sent behind the hole regardless, the FIN
 * took an ARP queue of one from the retransmission at every timeout
 * (RFC 1122 2.3.2.2 keeps the latest packet) and the data never arrived:
 * tern-sim seed 12499 (--first 10001). */
static const struct script_step fin_waits_after_timeout[] = {
	ESTABLISHED(),
	APP_SEND_CLOSE(3000),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1461, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK | TH_PSH, .seq = L0 + 2921, .ack = R0 + 1, .len = 80,
	        .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1,
	       .sack = { { L0 + 1461, L0 + 3001 } })),
	WITHIN_MS(3000),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	OUT_NONE(),
	WITHIN_MS(3000),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .len = 1460,
	        .win = WIN_FREE(0))),
	OUT_NONE(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 3001)),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK, .seq = L0 + 3001, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 3002)),
	OUT_NONE(),
	STATE(TCP_FIN_WAIT_2),
};

/* The peer closes first: its FIN is acknowledged at once, the application
 * reads the end, may still send, and its close completes the exchange:
 * CLOSE_WAIT -> LAST_ACK -> CLOSED. */
static const struct script_step passive_close[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 10)),
	IN(SEG(PEER, .flags = TH_FIN | TH_ACK, .seq = R0 + 11, .ack = L0 + 1)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 12, .win = WIN_FREE(10))),
	STATE(TCP_CLOSE_WAIT),
	APP_RECV(10),
	RECV_EOF(),
	APP_SEND(20),
	/* Reading 10 bytes freed less than an MSS: the edge offered (11 +
	 * 32766 x 8) stays (RFC 9293 3.8.6.2.2). */
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 12, .len = 20,
	        .win = WIN_EDGE(262139, 11))),
	APP_CLOSE(),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK, .seq = L0 + 21, .ack = R0 + 12,
	        .win = WIN_EDGE(262139, 11))),
	STATE(TCP_LAST_ACK),
	NO_EVENT(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 12, .ack = L0 + 21)),
	STATE(TCP_LAST_ACK),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 12, .ack = L0 + 22)),
	OUT_NONE(),
	STATE(TCP_CLOSED),
	CLOSED(0),
};

/* Both FINs cross: FIN_WAIT_1 -> CLOSING -> TIME_WAIT (RFC 9293 figure 14). */
static const struct script_step simultaneous_close[] = {
	ESTABLISHED(),
	APP_CLOSE(),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_FIN | TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2, .ack = R0 + 2, .win = WIN_EDGE(262144, 1))),
	STATE(TCP_CLOSING),
	NO_EVENT(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 2, .ack = L0 + 2)),
	OUT_NONE(),
	STATE(TCP_TIME_WAIT),
	CLOSED(0),
	ADVANCE_MS(TWO_MSL_MS - 1),
	STATE(TCP_TIME_WAIT),
	ADVANCE_MS(1 + WHEEL_SLACK_MS(TWO_MSL_MS)),
	STATE(TCP_CLOSED),
};

/* The peer's FIN acknowledges ours: FIN_WAIT_1 -> TIME_WAIT directly. */
static const struct script_step fin_ack_in_fin_wait_1[] = {
	ESTABLISHED(),
	APP_CLOSE(),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_FIN | TH_ACK, .seq = R0 + 1, .ack = L0 + 2)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2, .ack = R0 + 2, .win = WIN_EDGE(262144, 1))),
	STATE(TCP_TIME_WAIT),
	CLOSED(0),
};

/* tern_shutdown closes our direction only: the peer's data keeps coming
 * and is read; its FIN ends the connection. */
static const struct script_step half_close[] = {
	ESTABLISHED(),
	APP_SHUTDOWN(),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 300)),
	STATE(TCP_FIN_WAIT_1),
	ADVANCE_MS(40),
	/* The edge stays at 262144, 261844 bytes away: 32730.5 units of 8,
	 * rounded up, edge 262148. */
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2, .ack = R0 + 301, .win = WIN_EDGE(262144, 300))),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 301, .ack = L0 + 2, .len = 1460)),
	STATE(TCP_FIN_WAIT_2),
	APP_RECV(1760),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2, .ack = R0 + 1761, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1761, .ack = L0 + 2, .len = 40)),
	OUT_NONE(),
	PENDING(40),
	APP_RECV(40),
	IN(SEG(PEER, .flags = TH_FIN | TH_ACK, .seq = R0 + 1801, .ack = L0 + 2)),
	/* 40 bytes read since the edge went to 1760 + 262144: less than an
	 * MSS, the edge stays (RFC 9293 3.8.6.2.2). */
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2, .ack = R0 + 1802,
	        .win = WIN_EDGE(263904, 1801))),
	STATE(TCP_TIME_WAIT),
	CLOSED(0),
};

/* A FIN that arrives ahead of a gap waits for it (RFC 9293 3.10.7.4
 * eighth: only a FIN in sequence counts). */
static const struct script_step fin_out_of_order[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_FIN | TH_ACK, .seq = R0 + 101, .ack = L0 + 1, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1,
	        .sack = { { R0 + 101, R0 + 201 } }, .win = WIN_FREE(100))),
	STATE(TCP_ESTABLISHED),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	/* The FIN is no data: the free buffer's edge, 201 + 261944, is only
	 * 105 bytes past the one offered, which stays (RFC 9293 3.8.6.2.2). */
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 202, .win = WIN_EDGE(262040, 201))),
	STATE(TCP_CLOSE_WAIT),
	APP_RECV(200),
	RECV_EOF(),
};

/* The last ACK was lost: the peer's FIN comes again and is answered from
 * TIME_WAIT, whose 2 MSL start over. */
static const struct script_step last_ack_lost[] = {
	ESTABLISHED(),
	APP_CLOSE(),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_FIN | TH_ACK, .seq = R0 + 1, .ack = L0 + 2)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2, .ack = R0 + 2, .win = WIN_EDGE(262144, 1))),
	STATE(TCP_TIME_WAIT),
	CLOSED(0),
	ADVANCE_MS(30000),
	IN(SEG(PEER, .flags = TH_FIN | TH_ACK, .seq = R0 + 1, .ack = L0 + 2)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2, .ack = R0 + 2, .win = WIN_EDGE(262145, 1))),
	ADVANCE_MS(TWO_MSL_MS - 1),
	STATE(TCP_TIME_WAIT),
	ADVANCE_MS(1 + WHEEL_SLACK_MS(TWO_MSL_MS)),
	STATE(TCP_CLOSED),
};

/* In TIME_WAIT an old duplicate is acknowledged and goes nowhere, and a
 * RST does not cut the wait short (RFC 1337). */
static const struct script_step time_wait_old_duplicates[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	/* The first window after the SYN-ACK's 65535 is the whole buffer. */
	APP_RECV(100),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 101, .win = WIN_FREE(0))),
	APP_CLOSE(),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK, .seq = L0 + 1, .ack = R0 + 101, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_FIN | TH_ACK, .seq = R0 + 101, .ack = L0 + 2)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2, .ack = R0 + 102, .win = WIN_EDGE(262244, 101))),
	CLOSED(0),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2, .ack = R0 + 102, .win = WIN_EDGE(262245, 101))),
	/* One ACK per 500 ms, data or not, as Linux's TIME_WAIT: more old data
	 * at once draws none (tern-sim seed 75665: a peer's burst of old data
	 * drew an ACK each, and its RSTs answered them). */
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	OUT_NONE(),
	ADVANCE_MS(500),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 102, .ack = L0 + 2, .len = 50)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2, .ack = R0 + 102, .win = WIN_EDGE(262245, 101))),
	IN(SEG(PEER, .flags = TH_RST, .seq = R0 + 102)),
	OUT_NONE(),
	STATE(TCP_TIME_WAIT),
	NO_EVENT(),
};

/* The 4-tuple in TIME_WAIT on our (server) side. A SYN that is not newer
 * is an old duplicate; one with a higher sequence number opens a new
 * connection at once (RFC 6191 without timestamps). A segment of the old
 * incarnation is then outside the new window: answered, never delivered. */
static const struct script_step time_wait_reopen[] = {
	HANDSHAKE(),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	/* The first window after the SYN-ACK's 65535 is the whole buffer. */
	APP_RECV(100),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 101, .win = WIN_FREE(0))),
	APP_CLOSE(),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK, .seq = L0 + 1, .ack = R0 + 101, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_FIN | TH_ACK, .seq = R0 + 101, .ack = L0 + 2)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2, .ack = R0 + 102, .win = WIN_EDGE(262244, 101))),
	STATE(TCP_TIME_WAIT),
	CLOSED(0),
	ADVANCE_MS(1000),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0 + 50, .mss = 1460)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2, .ack = R0 + 102, .win = WIN_EDGE(262245, 101))),
	STATE(TCP_TIME_WAIT),
	NO_EVENT(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0 + 100000, .mss = 1460)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L1, .ack = R0 + 100001, .mss = 1460,
	        .win = WIN_UNSCALED)),
	STATE(TCP_SYN_RCVD),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 100001, .ack = L1 + 1)),
	STATE(TCP_ESTABLISHED),
	ACCEPTED(),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L1 + 1, .ack = R0 + 100001, .win = WIN_UNSCALED)),
	PENDING(0),
	STATE(TCP_ESTABLISHED),
};

/* With timestamps a newer SYN is one with a larger TSval, whatever its
 * sequence number (RFC 6191 2). An old segment whose sequence number falls
 * inside the new window is then told apart by its timestamp (PAWS, RFC
 * 7323 5.3): dropped, answered with an ACK, never delivered. */
static const struct script_step time_wait_reopen_ts[] = {
	HANDSHAKE_TS(),
	ADVANCE_MS(10),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	/* The first window after the SYN-ACK's 65535 is the whole buffer. */
	APP_RECV(100),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 101, .win = WIN_FREE(0))),
	APP_CLOSE(),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK, .seq = L0 + 1, .ack = R0 + 101, .win = WIN_FREE(0))),
	ADVANCE_MS(10),
	IN(SEG(PEER, .flags = TH_FIN | TH_ACK, .seq = R0 + 101, .ack = L0 + 2)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2, .ack = R0 + 102, .win = WIN_EDGE(262244, 101))),
	STATE(TCP_TIME_WAIT),
	CLOSED(0),
	ADVANCE_MS(1000),
	/* Higher sequence number, older timestamp: not newer. */
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0 + 100000, .mss = 1460, .tsval = TSP + 5,
	       .tsecr = 0)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 2, .ack = R0 + 102, .tsecr = TSP + 20,
	        .win = WIN_EDGE(262245, 101))),
	STATE(TCP_TIME_WAIT),
	/* Lower sequence number, newer timestamp: a new connection. */
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0 - 30000, .mss = 1460, .ts = TS_ON)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L1, .ack = R0 - 29999, .mss = 1460,
	        .ts = TS_ON, .win = WIN_UNSCALED)),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 - 29999, .ack = L1 + 1)),
	STATE(TCP_ESTABLISHED),
	ACCEPTED(),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 100,
	       .tsval = TSP + 10)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L1 + 1, .ack = R0 - 29999, .win = WIN_UNSCALED)),
	PENDING(0),
};

/* RFC 7323 5.3: a segment with a timestamp older than TS.Recent is an old
 * duplicate: dropped, answered with an ACK echoing TS.Recent. */
static const struct script_step paws[] = {
	ESTABLISHED_TS(),
	ADVANCE_MS(100),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	ADVANCE_MS(40),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 101, .tsecr = TSP + 100,
	        .win = WIN_FREE(100))),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 101, .ack = L0 + 1, .len = 100,
	       .tsval = TSP + 50)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 101, .tsecr = TSP + 100,
	        .win = WIN_EDGE(262140, 100))),
	PENDING(100),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 101, .ack = L0 + 1, .len = 100)),
	ADVANCE_MS(40),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 201, .tsecr = TSP + 140,
	        .win = WIN_EDGE(262140, 200))),
	APP_RECV(200),
	/* A RST is not subject to PAWS. */
	IN(SEG(PEER, .flags = TH_RST, .seq = R0 + 201, .tsval = TSP + 1)),
	OUT_NONE(),
	STATE(TCP_CLOSED),
	CLOSED(-ECONNRESET),
};

/* RFC 5961 3.2: only a RST at exactly RCV.NXT resets. */
static const struct script_step rst_exact[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_RST, .seq = R0 + 1)),
	OUT_NONE(),
	STATE(TCP_CLOSED),
	CLOSED(-ECONNRESET),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	OUT(SEG(US, .flags = TH_RST, .seq = L0 + 1, .win = 0)),
};

/* RFC 5961 3.2: a RST elsewhere in the window gets a challenge ACK and
 * changes nothing; outside the window it is dropped silently. */
static const struct script_step rst_in_window[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_RST, .seq = R0 + 1000)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_RST | TH_ACK, .seq = R0 + 2, .ack = L0 + 1)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_RST, .seq = R0)),
	IN(SEG(PEER, .flags = TH_RST, .seq = R0 + 1 + 262144)),
	IN(SEG(PEER, .flags = TH_RST, .seq = R0 - 100000)),
	OUT_NONE(),
	STATE(TCP_ESTABLISHED),
	NO_EVENT(),
	IN(SEG(PEER, .flags = TH_RST, .seq = R0 + 1)),
	STATE(TCP_CLOSED),
	CLOSED(-ECONNRESET),
};

static void
two_challenge_acks(struct config *cfg)
{
	cfg->tcp_challenge_acks = 2;
}

/* RFC 5961 7: challenge ACKs are limited per second. */
static const struct script_step challenge_ack_limit[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_RST, .seq = R0 + 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0 + 200)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_RST, .seq = R0 + 300)),
	OUT_NONE(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0 + 400)),
	OUT_NONE(),
	ADVANCE_MS(1000),
	IN(SEG(PEER, .flags = TH_RST, .seq = R0 + 500)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	STATE(TCP_ESTABLISHED),
};

/* RFC 5961 4.2: a SYN on a synchronized connection, in the window or not,
 * gets an ACK and changes nothing. */
static const struct script_step syn_in_established[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0 + 1, .mss = 1460)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0 + 5000, .mss = 1460)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0 - 5000, .mss = 1460)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_SYN | TH_ACK, .seq = R0, .ack = L0 + 1, .mss = 1460)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	STATE(TCP_ESTABLISHED),
	NO_EVENT(),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 10)),
	APP_RECV(10),
};

/* tern_abort: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>, closed at once. */
static const struct script_step abort_sends_rst[] = {
	ESTABLISHED(),
	APP_SEND(100),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 100,
	        .win = WIN_FREE(0))),
	APP_ABORT(),
	/* WIN_ANY: a RST's window means nothing to the peer, which checks only
	 * its sequence number (RFC 9293 3.10.7.4 second, RFC 5961 3.2). */
	OUT(SEG(US, .flags = TH_RST | TH_ACK, .seq = L0 + 101, .ack = R0 + 1, .win = WIN_ANY)),
	CLOSED(-ECONNABORTED),
	STATE(TCP_CLOSED),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 101)),
	OUT(SEG(US, .flags = TH_RST, .seq = L0 + 101, .win = 0)),
};

/* tern_close with data unread resets (RFC 9293 3.10.4, RFC 2525 2.17), and
 * so does data arriving after tern_close. */
static const struct script_step close_with_unread_data[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	PENDING(100),
	APP_CLOSE(),
	/* WIN_ANY: a RST's window means nothing to the peer, which checks only
	 * its sequence number (RFC 9293 3.10.7.4 second, RFC 5961 3.2). */
	OUT(SEG(US, .flags = TH_RST | TH_ACK, .seq = L0 + 1, .ack = R0 + 101, .win = WIN_ANY)),
	CLOSED(-ECONNABORTED),
	STATE(TCP_CLOSED),
};

static const struct script_step data_after_close[] = {
	ESTABLISHED(),
	APP_CLOSE(),
	OUT(SEG(US, .flags = TH_FIN | TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 2, .len = 100)),
	/* WIN_ANY: a RST's window means nothing to the peer, which checks only
	 * its sequence number (RFC 9293 3.10.7.4 second, RFC 5961 3.2). */
	OUT(SEG(US, .flags = TH_RST | TH_ACK, .seq = L0 + 2, .ack = R0 + 1, .win = WIN_ANY)),
	CLOSED(-ECONNABORTED),
	STATE(TCP_CLOSED),
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
		SCRIPT_TEST(run, active_close, NULL),
		SCRIPT_TEST(run, active_close_after_data, NULL),
		SCRIPT_TEST(run, close_fin_rides_on_data, NULL),
		SCRIPT_TEST(run, fin_waits_after_timeout, NULL),
		SCRIPT_TEST(run, passive_close, NULL),
		SCRIPT_TEST(run, simultaneous_close, NULL),
		SCRIPT_TEST(run, fin_ack_in_fin_wait_1, NULL),
		SCRIPT_TEST(run, half_close, NULL),
		SCRIPT_TEST(run, fin_out_of_order, NULL),
		SCRIPT_TEST(run, last_ack_lost, NULL),
		SCRIPT_TEST(run, time_wait_old_duplicates, NULL),
		SCRIPT_TEST(run, time_wait_reopen, NULL),
		SCRIPT_TEST(run, time_wait_reopen_ts, NULL),
		SCRIPT_TEST(run, paws, NULL),
		SCRIPT_TEST(run, rst_exact, NULL),
		SCRIPT_TEST(run, rst_in_window, NULL),
		SCRIPT_TEST(run, challenge_ack_limit, two_challenge_acks),
		SCRIPT_TEST(run, syn_in_established, NULL),
		SCRIPT_TEST(run, abort_sends_rst, NULL),
		SCRIPT_TEST(run, close_with_unread_data, NULL),
		SCRIPT_TEST(run, data_after_close, NULL),
	};

	return cmocka_run_group_tests_name("tcp_close", tests, NULL, NULL);
}
