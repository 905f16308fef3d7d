/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The window we offer, segment in -> segment out, at a window scale whose
 * unit is large enough to show rounding: 4 MB of receive buffer is window
 * scale 7 (RFC 7323 2.3: the smallest shift that says 4 MB in 16 bits), a
 * unit of 128 bytes. The right edge we offer never moves left (RFC 9293
 * 3.8.6.2.2, RFC 7323 2.4), and moves right only by min(half the buffer, an
 * MSS) or more. Also: the runner refuses a script that does not say which
 * window it expects.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/tcp.h"
#include "tcp_script.h"

#define BUF_4M 4194304

/* WIN_FREE and WIN_EDGE of tcp_script.h for 4 MB at window scale 7. */
#define WIN7_FREE(held)      ((BUF_4M - (held)) >> 7)
#define WIN7_EDGE(edge, nxt) (((edge) - (nxt) + 127) >> 7)

static void
rcv_buf_4m(struct config *cfg)
{
	cfg->tcp_rcv_buf = BUF_4M;
}

/* The SYN-ACK offers scale 7 and an unscaled 65535; the first ACK the
 * whole buffer less what is unread, rounded down to 128 bytes (edge 1000 +
 * 32760 x 128 = 4194280). Reading 1000 bytes frees 1024 past that edge: less
 * than an MSS, no update; reading 1460 more frees 2484: an update. */
static const struct script_step window_scale_7[] = {
	LISTEN(),
	IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460, .ws = 0, .sackok = true)),
	OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .mss = 1460, .ws = 7,
	        .sackok = true, .win = WIN_UNSCALED)),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
	ACCEPTED(),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 1000)),
	ADVANCE_MS(40),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1001, .win = WIN7_FREE(1000))),
	APP_RECV(1000),
	OUT_NONE(),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1001, .ack = L0 + 1, .len = 1460)),
	OUT_NONE(),
	APP_RECV(1460),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 2461, .win = WIN7_FREE(0))),
};

/* The edge offered stays put when data arrives unread: 100 more bytes leave
 * 4194280 - 1100 = 4193180 bytes to it, 32759.2 units, so the field says
 * 32760 (rounded up; rounded down, 32759 would move the edge 28 bytes left).
 * A byte the peer then sends just inside the edge it was offered is in the
 * window (RFC 7323 2.4 1: honoured as in window whatever came later): kept,
 * and reported in a SACK block. The free buffer's edge is 24 bytes past the
 * old one here: a field rounded down from there would land 28 bytes short
 * (before ac22b4c it did). */
static const struct script_step window_edge_rounds_up[] = {
	ESTABLISHED(),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1, .ack = L0 + 1, .len = 1000)),
	ADVANCE_MS(40),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1001, .win = WIN7_FREE(1000))),
	IN(SEG(PEER, .flags = TH_ACK | TH_PSH, .seq = R0 + 1001, .ack = L0 + 1, .len = 100)),
	ADVANCE_MS(40),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1101,
	        .win = WIN7_EDGE(4194280, 1100))),
	IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 4194280, .ack = L0 + 1, .len = 1)),
	OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 1, .ack = R0 + 1101,
	        .sack = { { R0 + 4194280, R0 + 4194281 } }, .win = WIN7_EDGE(4194380, 1100))),
	PENDING(1100),
};

/* The runner's own check: a segment we send whose window the script does
 * not state fails the script before it runs; the same script with the
 * window stated passes, so the failure is the missing window. */
static const struct script_step window_stated[] = {
	ESTABLISHED(),
	APP_SEND(10),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 10,
	        .win = WIN_FREE(0))),
};

static const struct script_step window_not_stated[] = {
	ESTABLISHED(),
	APP_SEND(10),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 10)),
};

static void
test_runner_requires_window(void **state)
{
	const struct tcp_script stated = { .name = "window_stated",
		                           .steps = window_stated,
		                           .nb_steps = RTE_DIM(window_stated),
		                           .file = __FILE__ };
	const struct tcp_script not_stated = { .name = "window_not_stated",
		                               .steps = window_not_stated,
		                               .nb_steps = RTE_DIM(window_not_stated),
		                               .file = __FILE__ };

	(void)state;
	assert_int_equal(tcp_script_run(&stated), 0);
	assert_int_equal(tcp_script_run(&not_stated), -1);
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
		SCRIPT_TEST(run, window_scale_7, rcv_buf_4m),
		SCRIPT_TEST(run, window_edge_rounds_up, rcv_buf_4m),
		cmocka_unit_test(test_runner_requires_window),
	};

	return cmocka_run_group_tests_name("tcp_window", tests, NULL, NULL);
}
