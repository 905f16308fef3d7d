/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive merging (tcp_gro.c): in-order full-sized segments of one burst are
 * taken as one segment, and what leaves is what the segments one by one
 * would have drawn: the same ACK, at the same moment, with the same
 * timestamp echo, and the same bytes for the application. Each script
 * checks both, and how many segments were merged
 * (tcp_rx_merged), so that a merge that should not happen fails too.
 *
 *   IN_QUEUE x N -> POLL -> tcp_input_flush -> tcp_gro_merge -> one segment
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tcp/tcp.h"
#include "tcp_script.h"

/* The peer's in-order segment @i (from 0) of @l bytes. */
#define PEER_SEG(i, l)                                                                             \
	SEG(PEER, .flags = TH_ACK, .seq = R0 + 1 + (i) * (l), .ack = L0 + 1, .len = (l))
/* Full in-order segments @i.. queued for the next POLL: 2 and 4 of them. */
#define IN_FULL_2(i) IN_QUEUE(PEER_SEG(i, 1460)), IN_QUEUE(PEER_SEG((i) + 1, 1460))
#define IN_FULL_4(i) IN_FULL_2(i), IN_FULL_2((i) + 2)
/* Our ACK of the peer's first @n bytes, @held of them unread. */
#define OUT_ACK(n, held)                                                                           \
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1 + (n), .win = WIN_FREE(held)))
/* The application reads all @n bytes, and the window that opens is told. */
#define READ_ALL(n) APP_RECV(n), OUT_ACK(n, 0)

static int
expect_merged(struct script_run *r, uint64_t want)
{
	uint64_t got = script_harness(r)->eng->stats.tcp_rx_merged;

	if (got != want)
		return script_fail(r, "tcp_rx_merged %lu, want %lu", got, want);
	return 0;
}

static int
merged_0(struct script_run *r)
{
	return expect_merged(r, 0);
}

static int
merged_1(struct script_run *r)
{
	return expect_merged(r, 1);
}

static int
merged_3(struct script_run *r)
{
	return expect_merged(r, 3);
}

/* Four full segments in one burst: one segment to TCP, one ACK for all (the
 * second full segment asks for it, RFC 5681 4.2), the bytes in order. */
static const struct script_step run_taken_whole[] = {
	ESTABLISHED(),
	IN_FULL_4(0),
	POLL(),
	OUT_ACK(4 * 1460, 4 * 1460),
	OUT_NONE(),
	APP(merged_3),
	PENDING(4 * 1460),
	READ_ALL(4 * 1460),
};

/* A sender marks the last segment of a write with PSH, which a receiver
 * that hands over every byte at once ignores: the run still merges whole. */
static const struct script_step push_on_last[] = {
	ESTABLISHED(),
	IN_FULL_2(0),
	IN_QUEUE(PEER_SEG(2, 1460)),
	IN_QUEUE(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1 + 3 * 1460, .ack = L0 + 1,
	             .len = 1460)),
	POLL(),
	OUT_ACK(4 * 1460, 4 * 1460),
	OUT_NONE(),
	APP(merged_3),
	READ_ALL(4 * 1460),
};

/* Two full segments merged still count as two for the delayed-ACK rule:
 * the ACK leaves at once, not after the delayed-ACK time. */
/* clang-format off */
static const struct script_step two_segments_ack_now[] = {
	ESTABLISHED(),
	IN_FULL_2(0),
	POLL(),
	OUT_ACK(2 * 1460, 2 * 1460),
	APP(merged_1),
	READ_ALL(2 * 1460),
};
/* clang-format on */

/* [tcp] gro = no: the same segments, the same ACK, nothing merged. */
/* clang-format off */
static const struct script_step off_same_ack[] = {
	ESTABLISHED(),
	IN_FULL_4(0),
	POLL(),
	OUT_ACK(4 * 1460, 4 * 1460),
	OUT_NONE(),
	APP(merged_0),
	READ_ALL(4 * 1460),
};
/* clang-format on */

/* Segments below a full one's size are not merged (nor is one after them):
 * a full, a short and a full segment go one by one. */
static const struct script_step short_segment_alone[] = {
	ESTABLISHED(),
	IN_FULL_2(0),
	IN_QUEUE(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1 + 2 * 1460, .ack = L0 + 1, .len = 100)),
	IN_QUEUE(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1 + 2 * 1460 + 100, .ack = L0 + 1,
	             .len = 1460)),
	POLL(),
	OUT_ACK(3 * 1460 + 100, 3 * 1460 + 100),
	APP(merged_1),
	APP_RECV(3 * 1460 + 100),
	OUT_ACK(3 * 1460 + 100, 0),
};

/* A hole: the segment before it goes alone, and the two after it, out of
 * order, each draw their duplicate ACK with SACK blocks, as without
 * merging (a sender counts them, RFC 5681 3.2). */
static const struct script_step hole_not_merged[] = {
	ESTABLISHED(),
	IN_QUEUE(PEER_SEG(0, 1460)),
	IN_QUEUE(PEER_SEG(2, 1460)),
	IN_QUEUE(PEER_SEG(3, 1460)),
	POLL(),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1 + 1460,
	        .sack = { { R0 + 1 + 2 * 1460, R0 + 1 + 4 * 1460 } }, .win = WIN_ANY)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1 + 1460,
	        .sack = { { R0 + 1 + 2 * 1460, R0 + 1 + 4 * 1460 } }, .win = WIN_ANY)),
	OUT_NONE(),
	APP(merged_0),
	PENDING(1460),
};

/* With timestamps: segments whose TSval differ are not merged, those with
 * one TSval are; the ACK echoes the earliest (RFC 7323 4.3) either way. */
static const struct script_step ts_must_match[] = {
	ESTABLISHED_TS(),
	ADVANCE_MS(5),
	IN_QUEUE(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1, .len = 1448,
	             .tsval = TSP + 5)),
	IN_QUEUE(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1 + 1448, .ack = L0 + 1, .len = 1448,
	             .tsval = TSP + 6)),
	POLL(),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1 + 2 * 1448, .tsecr = TSP + 5,
	        .win = WIN_FREE(2 * 1448))),
	APP(merged_0),
	IN_QUEUE(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1 + 2 * 1448, .ack = L0 + 1, .len = 1448,
	             .tsval = TSP + 7)),
	IN_QUEUE(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1 + 3 * 1448, .ack = L0 + 1, .len = 1448,
	             .tsval = TSP + 7)),
	POLL(),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1 + 4 * 1448, .tsecr = TSP + 7,
	        .win = WIN_FREE(4 * 1448))),
	APP(merged_1),
	READ_ALL(4 * 1448),
};

/* A receive buffer of 4096 bytes: four full segments run past the window.
 * Taken one by one, the third is trimmed at the window's edge and the
 * fourth is outside it; merging would have hidden the edge, so nothing is
 * merged and the application holds exactly the window. */
static const struct script_step past_window_not_merged[] = {
	ESTABLISHED(),
	IN_FULL_4(0),
	POLL(),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1 + 4096, .win = WIN_ANY)),
	APP(merged_0),
	PENDING(4096),
	APP_RECV(4096),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1 + 4096, .win = WIN_ANY)),
};

static void
cfg_gro_off(struct config *cfg)
{
	cfg->tcp_gro = false;
}

static void
cfg_rcv_4096(struct config *cfg)
{
	cfg->tcp_rcv_buf = 4096;
}

static void
run(void **state)
{
	assert_int_equal(tcp_script_run(*state), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		SCRIPT_TEST(run, run_taken_whole, NULL),
		SCRIPT_TEST(run, push_on_last, NULL),
		SCRIPT_TEST(run, two_segments_ack_now, NULL),
		SCRIPT_TEST(run, off_same_ack, cfg_gro_off),
		SCRIPT_TEST(run, short_segment_alone, NULL),
		SCRIPT_TEST(run, hole_not_merged, NULL),
		SCRIPT_TEST(run, ts_must_match, NULL),
		SCRIPT_TEST(run, past_window_not_merged, cfg_rcv_4096),
	};

	return cmocka_run_group_tests_name("tcp_gro", tests, NULL, NULL);
}
