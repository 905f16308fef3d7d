/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a peer that lies, floods or disagrees gets from us, segment in ->
 * segment out: bounded answers (RFC 5961 4.2 and 5.2, rate-limited ACKs for
 * segments we cannot accept, as Linux's tcp_invalid_ratelimit), and the ACK
 * at our window's right edge that a sender which filled the window must be
 * able to give (the stall of issue 8: it was thrown away, and with it the
 * ACK that would have freed our send queue).
 *
 * ESTABLISHED() is a connection whose peer offered MSS 1460, window scale 0
 * and SACK; our receive buffer is 256 KB (window scale 3).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/tcp.h"
#include "tcp_script.h"

#define OOW_ACK_INTERVAL_MS 500 /* tcp_input.c's TCP_OOW_ACK_INTERVAL_MS */

static void
two_challenge_acks(struct config *cfg)
{
	cfg->tcp_challenge_acks = 2;
}

/* RFC 5961 4.2: a SYN far outside the window is checked before the window
 * and gets a challenge ACK within the per-second limit, not an ACK each. */
static const struct script_step syn_flood_on_established[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0 + 10000000, .mss = 1460)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0 - 20000000, .mss = 1460)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0 + 30000000, .mss = 1460)),
	OUT_NONE(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0 + 1, .mss = 1460)),
	OUT_NONE(),
	ADVANCE_MS(1000),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0 + 40000000, .mss = 1460)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	STATE(TCP_ESTABLISHED),
	NO_EVENT(),
};

/* A segment without data outside the window: one duplicate ACK per 500 ms
 * at most (an ACK each made us an amplifier, and half of an ACK loop). */
static const struct script_step oow_pure_ack_limited[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1 + 1000000, .ack = L0 + 1)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1 + 2000000, .ack = L0 + 1)),
	OUT_NONE(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 - 3000000, .ack = L0 + 1)),
	OUT_NONE(),
	ADVANCE_MS(OOW_ACK_INTERVAL_MS - 1),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1 + 1000000, .ack = L0 + 1)),
	OUT_NONE(),
	ADVANCE_MS(1),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1 + 1000000, .ack = L0 + 1)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1, .win = WIN_FREE(0))),
	STATE(TCP_ESTABLISHED),
};

/* Old data (our ACK was lost) always gets its ACK: the peer needs it to
 * move on, and answering costs no more than what it sent. */
static const struct script_step old_data_always_acked[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	WITHIN_MS(40), /* the delayed ACK */
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 101, .win = WIN_FREE(100))),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 101, .win = WIN_EDGE(262140, 100))),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 100)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 101, .win = WIN_EDGE(262140, 100))),
	APP_RECV(100),
	PENDING(0),
};

/* RFC 5961 5.2: SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT, or the segment
 * goes, data and all, with a challenge ACK (rate limited, RFC 5961 7). The
 * peer's window has been 65535 at most. */
static const struct script_step ack_outside_5961[] = {
	ESTABLISHED(),
	APP_SEND(100),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 100,
	        .win = WIN_FREE(0))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 101)),
	/* Older than any window could explain: dropped with its data. */
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 101 - 65536, .len = 10)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 101, .ack = R0 + 1, .win = WIN_FREE(0))),
	PENDING(0),
	/* Exactly a window old: acceptable (an old ACK), the data taken. */
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 101 - 65535, .len = 10)),
	PENDING(10),
	/* Acks what we never sent: dropped, challenge ACK, then the limit.
	 * The 10 bytes taken leave the edge offered (262144) 262134 bytes
	 * away: 32766.75 units of 8, rounded up. */
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 11, .ack = L0 + 5000, .len = 10)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 101, .ack = R0 + 11, .win = WIN_EDGE(262144, 10))),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 11, .ack = L0 + 5000, .len = 10)),
	OUT_NONE(),
	PENDING(10),
	APP_RECV(10),
	STATE(TCP_ESTABLISHED),
};

static void
small_rcv_buf(struct config *cfg)
{
	cfg->tcp_rcv_buf = 4096;
}

static int
expect_una_101(struct script_run *r)
{
	struct tcb *tcb = script_tcb(r);

	if (tcb == NULL || tcb->snd.una != script_value(r, L0 + 101))
		return script_fail(r, "snd.una is not L0 + 101: the edge's ACK was not taken");
	return 0;
}

/* The peer filled our window while its first segment was lost: its pure
 * ACK then comes with seq = our window's right edge (its snd.nxt). That ACK
 * acknowledges our data and must be taken (RFC 9293 3.10.7.4: "special
 * allowance ... for valid ACKs"; Linux's tcp_sequence takes the edge); it was
 * thrown away, and our send queue waited for it forever. Once the hole
 * fills, the window is 0: a probe's byte at the edge is refused with an ACK,
 * its ACK field taken. */
static const struct script_step ack_at_right_edge[] = {
	ESTABLISHED(),
	APP_SEND(100),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 100,
	        .win = 4096)),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1461, .ack = L0 + 1, .len = 1460)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 101, .ack = R0 + 1, .win = 4096,
	        .sack = { { R0 + 1461, R0 + 2921 } })),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 2921, .ack = L0 + 1, .len = 1176)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 101, .ack = R0 + 1, .win = 4096,
	        .sack = { { R0 + 1461, R0 + 4097 } })),
	/* The peer's ACK of our 100 bytes, from its snd.nxt: our right edge. */
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 4097, .ack = L0 + 101)),
	OUT_NONE(),
	APP(expect_una_101),
	/* The hole fills: 4096 bytes wait for the reader, the window is 0. */
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 101, .len = 1460)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 101, .ack = R0 + 4097, .win = 0)),
	/* A zero-window probe with a byte: the data refused, with an ACK. */
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 4097, .ack = L0 + 101, .len = 1)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 101, .ack = R0 + 4097, .win = 0)),
	PENDING(4096),
	APP_RECV(4096),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 101, .ack = R0 + 4097, .win = 4096)),
	STATE(TCP_ESTABLISHED),
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
		SCRIPT_TEST(run, syn_flood_on_established, two_challenge_acks),
		SCRIPT_TEST(run, oow_pure_ack_limited, NULL),
		SCRIPT_TEST(run, old_data_always_acked, NULL),
		SCRIPT_TEST(run, ack_outside_5961, two_challenge_acks),
		SCRIPT_TEST(run, ack_at_right_edge, small_rcv_buf),
	};

	return cmocka_run_group_tests_name("tcp_hostile", tests, NULL, NULL);
}
