/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP scripts in the manner of packetdrill: a script is an array of steps,
 * segment in, segment expected out, nothing expected, state expected, time
 * advanced, application call; segments queued (IN_QUEUE) for one RX burst
 * (POLL). The runner drives one engine through the harness and compares
 * every field and option of every segment it emits, our window included,
 * printing a mismatch in packetdrill notation.
 *
 *	static const struct script_step passive_open[] = {
 *		LISTEN(),
 *		IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460)),
 *		OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .mss = 1460,
 *		        .win = WIN_UNSCALED)),
 *		IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)),
 *		OUT_NONE(), STATE(TCP_ESTABLISHED), ACCEPTED(),
 *	};
 *
 *   tcp_script_run -> per variant: harness_open, pick our ISN through the clock
 *     -> steps: IN -> frame_tcp -> harness_inject, poll -> queue of emitted frames
 *               OUT -> frame_tcp_read -> compare with the expected segment
 *     -> abort what is open, wait past TIME_WAIT: no tcb, no mbuf left
 *
 * Sequence numbers are written relative to symbolic bases: R0 is the peer's
 * ISN, L0 ours (captured from the first SYN or SYN-ACK we send; L1 likewise
 * after a TIME_WAIT reopen; a SYN cookie's L0 is whatever it is; a segment
 * queued in the same burst as the SYN, before any SYN-ACK, gets the ISN a
 * passive open makes at the clock as it stands), TSP the peer's timestamp clock at the start and
 * TSL ours (the engine's tick). Each script runs three times: with the bases
 * in the lower half of the space, in the upper half, and with R0, L0 and TSP
 * just below 2^32, so that the arithmetic crosses the wrap. Our ISN is RFC
 * 6528's M + F(4-tuple, secret): the harness cannot choose F, but it owns the
 * clock M, and picks the peer's port and the start time so that L0 lands
 * where the variant wants (the first connection opens at time 0).
 *
 * What a step leaves out: the peer's window is 65535; its timestamps, once
 * both SYNs had them, are its clock (TSP + ms elapsed) and echo our last
 * TSval. Our window is never left out: every OUT states it, or says
 * WIN_ANY where the window means nothing to what the script tests (a script
 * that leaves it out fails before it runs); our TSval must be the tick
 * the segment left at, our TSecr RFC 7323 4.3's TS.Recent as the runner
 * models it (give it where a segment was not acceptable). Payloads are byte
 * patterns of the stream offset, checked when they go out and when the
 * application reads them.
 *
 * Strict as packetdrill: a segment the engine sent and no OUT matched fails
 * the next step that injects, waits or calls the application, and the end of
 * the script; so does a callback no ACCEPTED/CONNECTED/CLOSED step checked.
 * Including this header allows initializer overrides (the templates).
 */
#ifndef TERN_TCP_SCRIPT_H
#define TERN_TCP_SCRIPT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include "harness.h"
#include "tcp/tcp_cb.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Templates: SEG() sets defaults, the fields a step names override them. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Winitializer-overrides"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Woverride-init"
#endif

/* Symbolic values: a base in the bits above 40, an offset below. */
#define SCRIPT_SYM_SHIFT 40
enum script_base {
	BASE_ABS = 0, /* a plain number */
	BASE_R0,      /* the peer's ISN */
	BASE_L0,      /* our ISN */
	BASE_L1,      /* our ISN after a TIME_WAIT reopen */
	BASE_TSP,     /* the peer's TSval at the start of the script */
	BASE_TSL,     /* our TSval (the engine's tick) at the start */
	BASE_MAX
};
#define SCRIPT_SYM(b) ((int64_t)(b) << SCRIPT_SYM_SHIFT)
#define R0            SCRIPT_SYM(BASE_R0)
#define L0            SCRIPT_SYM(BASE_L0)
#define L1            SCRIPT_SYM(BASE_L1)
#define TSP           SCRIPT_SYM(BASE_TSP)
#define TSL           SCRIPT_SYM(BASE_TSL)
#define AUTO          INT64_MIN       /* what a well-behaved peer or the RFC gives */
#define ANY           (INT64_MIN + 1) /* not compared */
#define WIN_ANY       ANY             /* our window, not compared: say why beside it */

enum seg_from { PEER = 1, US = 2 };
enum seg_ts { TS_AUTO = 0, TS_ON, TS_OFF };
#define NO_WS (-1)

/* One segment. An option left at zero (NO_WS for .ws) is absent. */
struct seg {
	uint8_t from;  /* PEER (in) or US (out) */
	uint8_t flags; /* TH_*, all compared */
	/* TS_AUTO: present in every segment but SYN and RST once both SYNs
	 * carried it, or wherever .tsval is given. */
	uint8_t ts;
	bool sackok;  /* SACK-permitted */
	int16_t ws;   /* window scale */
	uint16_t mss; /* MSS option */
	uint32_t len; /* payload bytes: the stream's pattern at .seq */
	int64_t seq;  /* symbolic (R0 + n, L0 + n) or a plain number */
	int64_t ack;  /* compared only when TH_ACK is set */
	/* From the peer: AUTO is 65535. Ours: must be given, WIN_ANY to skip. */
	int64_t win;
	/* AUTO: see above; ANY (ours only): not compared. */
	int64_t tsval;
	int64_t tsecr;
	/* [left, right) blocks; a zero left edge ends the list. */
	int64_t sack[TCP_SACK_MAX][2];
};

#define SEG(dir, ...)                                                                              \
	{                                                                                          \
		.from = (dir), .ws = NO_WS, .win = AUTO, .tsval = AUTO, .tsecr = AUTO, __VA_ARGS__ \
	}

enum script_op {
	STEP_IN = 1,     /* inject .seg, one engine iteration */
	STEP_OUT,        /* the next segment the engine sent equals .seg */
	STEP_OUT_NONE,   /* nothing sent */
	STEP_STATE,      /* the connection's state is .arg (TCP_CLOSED: gone) */
	STEP_ADVANCE,    /* .arg ms pass, one engine iteration per ms */
	STEP_WITHIN,     /* up to .arg ms pass, until the engine sends something */
	STEP_LISTEN,     /* a listener on our port */
	STEP_CONNECT,    /* tern_connect to the peer */
	STEP_FIXTURE,    /* a connection built directly in ESTABLISHED */
	STEP_SEND,       /* tern_send .arg bytes of our pattern */
	STEP_SEND_CLOSE, /* the same, then tern_close, before the poll */
	STEP_RECV,       /* tern_recv_copy .arg bytes, equal to the peer's pattern */
	STEP_PENDING,    /* tern_recv_pending is .arg */
	STEP_EOF,        /* tern_recv_eof is true */
	STEP_SHUTDOWN,   /* tern_shutdown */
	STEP_CLOSE,      /* tern_close */
	STEP_ABORT,      /* tern_abort */
	STEP_EVENT,      /* the next callback is .arg (closed: with .reason) */
	STEP_NO_EVENT,   /* no callback since the last EVENT */
	STEP_CALL,       /* .fn(run) returns 0 */
	STEP_IN_QUEUE,   /* .seg into the RX queue, no engine iteration */
	STEP_POLL,       /* one engine iteration: one RX burst takes all queued */
};

enum script_event { EV_ACCEPTED = 1, EV_CONNECTED, EV_CLOSED };

struct script_run;

struct script_step {
	uint8_t op;
	int line;
	int64_t arg;
	int64_t reason;
	struct seg seg;
	int (*fn)(struct script_run *r);
	const char *what;
};

/* Our window field with the default receive buffer, 256 KB at window scale
 * 3 (the shift that lets 16 bits say it all, RFC 7323 2.3):
 * - WIN_UNSCALED in a SYN or SYN-ACK (RFC 7323 2.2: never scaled) and on a
 *   connection without window scaling: as much of the buffer as 16 bits say;
 * - WIN_FREE(held): the right edge moves to the free buffer's end, @held
 *   bytes unread or out of order; RCV.WND >> 3 rounds down (RFC 7323 2.3);
 * - WIN_EDGE(edge, nxt): the right edge stays where an earlier segment put
 *   it, @edge, with RCV.NXT at @nxt (both counted from the peer's first
 *   byte): RFC 9293 3.8.6.2.2 moves it only once it can move by min(half
 *   the buffer, an MSS), and never left, so the field rounds up (RFC 7323
 *   2.4). The new edge is nxt + field x 8. */
#define WIN_BUF             262144
#define WIN_UNSCALED        65535
#define WIN_FREE(held)      ((WIN_BUF - (held)) >> 3)
#define WIN_EDGE(edge, nxt) (((edge) - (nxt) + 7) >> 3)

#define SCRIPT_STEP(o, ...)                                                                        \
	{                                                                                          \
		.op = (o), .line = __LINE__, __VA_ARGS__                                           \
	}
#define IN(s)          SCRIPT_STEP(STEP_IN, .seg = s)
#define IN_QUEUE(s)    SCRIPT_STEP(STEP_IN_QUEUE, .seg = s)
#define POLL()         SCRIPT_STEP(STEP_POLL)
#define OUT(s)         SCRIPT_STEP(STEP_OUT, .seg = s)
#define OUT_NONE()     SCRIPT_STEP(STEP_OUT_NONE)
#define STATE(st)      SCRIPT_STEP(STEP_STATE, .arg = (st))
#define ADVANCE_MS(ms) SCRIPT_STEP(STEP_ADVANCE, .arg = (ms))
#define WITHIN_MS(ms)  SCRIPT_STEP(STEP_WITHIN, .arg = (ms))
#define LISTEN()       SCRIPT_STEP(STEP_LISTEN)
#define CONNECT()      SCRIPT_STEP(STEP_CONNECT)
/* ESTABLISHED as if the peer's SYN offered MSS 1460, window scale 0 and
 * SACK-permitted (and timestamps), answered by us, and acked at once. */
#define ESTABLISHED()    SCRIPT_STEP(STEP_FIXTURE, .arg = 0)
#define ESTABLISHED_TS() SCRIPT_STEP(STEP_FIXTURE, .arg = 1)
/* The passive open ESTABLISHED() and ESTABLISHED_TS() stand for, played
 * out (our window scale 3 is that of the default 256 KB buffer). */
#define HANDSHAKE()                                                                                \
	LISTEN(), IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460, .ws = 0, .sackok = true)), \
	        OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .mss = 1460,       \
	                .ws = 3, .sackok = true, .win = WIN_UNSCALED)),                            \
	        IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)), ACCEPTED()
#define HANDSHAKE_TS()                                                                             \
	LISTEN(),                                                                                  \
	        IN(SEG(PEER, .flags = TH_SYN, .seq = R0, .mss = 1460, .ws = 0, .sackok = true,     \
	               .ts = TS_ON)),                                                              \
	        OUT(SEG(US, .flags = TH_SYN | TH_ACK, .seq = L0, .ack = R0 + 1, .mss = 1460,       \
	                .ws = 3, .sackok = true, .ts = TS_ON, .win = WIN_UNSCALED)),               \
	        IN(SEG(PEER, .flags = TH_ACK, .seq = R0 + 1, .ack = L0 + 1)), ACCEPTED()
#define APP_SEND(n)       SCRIPT_STEP(STEP_SEND, .arg = (n))
#define APP_SEND_CLOSE(n) SCRIPT_STEP(STEP_SEND_CLOSE, .arg = (n))
#define APP_RECV(n)       SCRIPT_STEP(STEP_RECV, .arg = (n))
#define PENDING(n)        SCRIPT_STEP(STEP_PENDING, .arg = (n))
#define RECV_EOF()        SCRIPT_STEP(STEP_EOF)
#define APP_SHUTDOWN()    SCRIPT_STEP(STEP_SHUTDOWN)
#define APP_CLOSE()       SCRIPT_STEP(STEP_CLOSE)
#define APP_ABORT()       SCRIPT_STEP(STEP_ABORT)
#define ACCEPTED()        SCRIPT_STEP(STEP_EVENT, .arg = EV_ACCEPTED)
#define CONNECTED()       SCRIPT_STEP(STEP_EVENT, .arg = EV_CONNECTED)
#define CLOSED(why)       SCRIPT_STEP(STEP_EVENT, .arg = EV_CLOSED, .reason = (why))
#define NO_EVENT()        SCRIPT_STEP(STEP_NO_EVENT)
#define APP(f)            SCRIPT_STEP(STEP_CALL, .fn = (f), .what = #f)

/* The latest a timer of @ms can fire late on the engine's wheel (see the
 * table in timer_wheel.h): a WITHIN_MS() bound for "never early, and late at
 * most by the wheel's slack". */
#define WHEEL_SLACK_MS(ms)                                                                         \
	((ms) <= 63       ? 0                                                                      \
	 : (ms) <= 504    ? 7                                                                      \
	 : (ms) <= 4032   ? 63                                                                     \
	 : (ms) <= 32256  ? 511                                                                    \
	 : (ms) <= 258048 ? 4095                                                                   \
	                  : 32767)

/* The next segment leaves @ms from now: nothing before, then within the
 * wheel's slack (a timer's "never early, late by at most the slack"). */
#define AFTER_MS(ms) ADVANCE_MS((ms)-1), OUT_NONE(), WITHIN_MS(1 + WHEEL_SLACK_MS(ms))

#define SCRIPT_VARIANTS 3 /* runs of each script: low, high, wrap */

/* Our listening port, and the peer's port when the runner does not pick it. */
#define SCRIPT_US_PORT        80
#define SCRIPT_US_ACTIVE_PORT 50123 /* our port in scripts that connect: the only ephemeral one */
#define SCRIPT_PEER_PORT      40000

struct tcp_script {
	const char *name;
	const struct script_step *steps;
	unsigned nb_steps;
	void (*config)(struct config *cfg); /* changes to harness_config_defaults() */
	void *user;                         /* for APP() functions */
	const char *file;                   /* where the steps are, for messages */
};

/* A cmocka test (struct CMUnitTest) named after @script whose @fn runs
 * tcp_script_run(*state); @cfg may be NULL. */
#define SCRIPT_TEST(fn, script, cfg)                                                               \
	{                                                                                          \
		.name = #script, .test_func = (fn), .initial_state = &(struct tcp_script)          \
		{                                                                                  \
			.name = #script, .steps = (script), .nb_steps = RTE_DIM(script),           \
			.config = (cfg), .file = __FILE__                                          \
		}                                                                                  \
	}

/* Run @s in every variant. Returns 0, or -1 after printing what failed. */
int tcp_script_run(const struct tcp_script *s);

/* For APP() functions. */
struct harness *script_harness(struct script_run *r);
struct tern_conn *script_conn(struct script_run *r);
/* The connection's control block, found by its 4-tuple (NULL if none). */
struct tcb *script_tcb(struct script_run *r);
/* The step being run (an APP() function's own .arg and .reason). */
const struct script_step *script_current_step(struct script_run *r);
/* A symbolic value resolved in this variant. */
uint32_t script_value(struct script_run *r, int64_t sym);
unsigned script_variant(const struct script_run *r);
void *script_user(struct script_run *r);
/* Print "file:line: step N: <message>" for the current step; returns -1. */
int script_fail(struct script_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif /* TERN_TCP_SCRIPT_H */
