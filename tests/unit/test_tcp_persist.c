/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How long we probe a zero window (RFC 9293 3.8.6.1, RFC 1122 4.2.2.17,
 * RFC 6429), segment in -> segment out: while the peer answers, for ever;
 * a peer that answers nothing is given up after [tcp] retries probes, as
 * unanswered data is; a connection the application closed is given [tcp]
 * retries probes whether they are answered or not, so that a peer keeping
 * its window shut cannot hold the orphan and its send queue for good (found
 * by fuzz_engine: tests/fuzz/findings/engine-persist-forever).
 *
 * ESTABLISHED() is a connection whose peer offered MSS 1460, window scale 0
 * and SACK; our receive buffer is 256 KB (window scale 3); [tcp] retries = 3.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "tcp/tcp.h"
#include "tcp_script.h"

/* Our zero-window probe: one byte below snd.una (RFC 9293 3.8.6.1). */
#define PROBE()       OUT(SEG(US, .flags = TH_ACK, .seq = L0 + 999, .ack = R0 + 1, .win = WIN_FREE(0)))
#define ZERO_WINDOW() IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1000, .win = 0))

static void
three_retries(struct config *cfg)
{
	cfg->tcp_retries = 3;
}

/* The window closes with data waiting, and then the peer says nothing:
 * three probes (200, 400, 800 ms apart), then the reset. */
static const struct script_step persist_silent_peer[] = {
	ESTABLISHED(),
	APP_SEND(999),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 999,
	        .win = WIN_FREE(0))),
	ZERO_WINDOW(),
	APP_SEND(500),
	OUT_NONE(),
	AFTER_MS(200),
	PROBE(),
	AFTER_MS(400),
	PROBE(),
	AFTER_MS(800),
	PROBE(),
	AFTER_MS(1600),
	OUT(SEG(US, .flags = TH_RST | TH_ACK, .seq = L0 + 1000, .ack = R0 + 1, .win = WIN_FREE(0))),
	CLOSED(-ETIMEDOUT),
	STATE(TCP_CLOSED),
};

/* An answer resets the count: two silent probes, an answer, two more
 * silent ones, and the connection is still there. */
static const struct script_step persist_answer_resets_count[] = {
	ESTABLISHED(),
	APP_SEND(999),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 999,
	        .win = WIN_FREE(0))),
	ZERO_WINDOW(),
	APP_SEND(500),
	AFTER_MS(200),
	PROBE(),
	AFTER_MS(400),
	PROBE(),
	ZERO_WINDOW(),
	AFTER_MS(800),
	PROBE(),
	AFTER_MS(1600),
	PROBE(),
	STATE(TCP_ESTABLISHED),
	NO_EVENT(),
};

/* The application closed: the peer answers every probe with a zero window,
 * but the orphan gets three probes, then the reset (RFC 6429). */
static const struct script_step persist_orphan[] = {
	ESTABLISHED(),
	APP_SEND(999),
	OUT(SEG(US, .flags = TH_ACK | TH_PSH, .seq = L0 + 1, .ack = R0 + 1, .len = 999,
	        .win = WIN_FREE(0))),
	ZERO_WINDOW(),
	APP_SEND(500),
	APP_CLOSE(),
	OUT_NONE(),
	AFTER_MS(200),
	PROBE(),
	ZERO_WINDOW(),
	AFTER_MS(400),
	PROBE(),
	ZERO_WINDOW(),
	AFTER_MS(800),
	PROBE(),
	ZERO_WINDOW(),
	AFTER_MS(1600),
	OUT(SEG(US, .flags = TH_RST | TH_ACK, .seq = L0 + 1000, .ack = R0 + 1, .win = WIN_FREE(0))),
	CLOSED(-ETIMEDOUT),
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
		SCRIPT_TEST(run, persist_silent_peer, three_retries),
		SCRIPT_TEST(run, persist_answer_resets_count, three_retries),
		SCRIPT_TEST(run, persist_orphan, three_retries),
	};

	return cmocka_run_group_tests_name("tcp_persist", tests, NULL, NULL);
}
