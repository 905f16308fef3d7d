/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_tcp_reentry's shared state: the seed's odds, the application's table
 * of handles, the scripted peer's connections and what the search counts, in
 * one struct reentry that every part is handed (the engine's callbacks, which
 * carry only a connection and its arg, reach it through app_bind()).
 *
 *   test_tcp_reentry.c: seed -> steps -> drain -> leaks, the watchdog
 *     seed.c (odds, config, secrets)   peer.c (the scripted peer, settle)
 *     app.c (handles, actions, callbacks)   lend.c (tern_send_mbuf's buffers)
 *     checks.c (invariants)   report.c
 */
#ifndef TERN_TEST_REENTRY_H
#define TERN_TEST_REENTRY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#include "harness.h"
#include "tcp/tcp.h"
#include "tern.h"

#define STEPS           200
#define CONNS_MAX       6     /* [tcp] conns: 2 .. CONNS_MAX, or with a full table: */
#define TABLE_MIN       8     /* [limits] flows: rte_hash's least */
#define TABLE_CONNS_MAX 12    /* [tcp] conns past the table: TABLE_MIN + 1 .. this */
#define US_PORT         80    /* our listener */
#define LPORT0          50000 /* our ephemeral ports: LPORT0 .. LPORT0 + 1 .. 5 */
#define SVC_PORT0       7000  /* the peer's two services we connect to */
#define PEER_PORT0      30000 /* the peer's ports for its opens to the listener */
#define SLOTS           64    /* the application's handles (and opens under way) */
#define PCONNS          128   /* the peer's connections */
#define OUT_MAX         256   /* the peer's segments of one exchange */
/* The listener's argument: what a connection's arg is until accepted. */
#define LISTEN_ARG ((void *)(uintptr_t)0xff)

/* What the application sends, and lends (tern_send_mbuf). */
#define APP_BYTE    'a'  /* every byte of it */
#define LENDS       256  /* external buffers lent at once, at most */
#define LEND_BUF    4096 /* bytes of one: more than the least [tcp] snd_buf (-EMSGSIZE) */
#define LEND_MBUFS  1023 /* the test's own pool, for lent chains and their headers */
#define LEND_POISON 0xdd /* a lent buffer's bytes once its free callback ran */

/* ---- the seed's odds -------------------------------------------------- */

enum step_kind { S_APP, S_SYN, S_DATA, S_FIN, S_RST, S_WIN, S_RETX, S_TIME, S_NB };
enum app_act { A_CONNECT, A_SEND, A_RECV, A_SHUTDOWN, A_CLOSE, A_ABORT, A_LEND, A_NB };

struct odds {
	unsigned step[S_NB];
	unsigned act[A_NB];
	unsigned acts_max;   /* actions a callback takes: 0 .. acts_max */
	unsigned loss_pct;   /* segments of ours the peer loses */
	unsigned rst_pct;    /* answers that are a RST */
	unsigned mute_pct;   /* segments the peer reads and does not answer */
	unsigned peer_ports; /* the peer's ports to the listener */
	bool peer_ts;        /* the peer sends timestamps */
	bool listen;
};

/* What the search reached, over all seeds. */
struct counters {
	uint64_t steps, polls;
	uint64_t connects, connects_ok, nested_connects, nested_connects_ok;
	uint64_t connects_in_closed, connects_in_closed_ok;
	uint64_t closes_in_cb, aborts_in_cb, shutdowns_in_cb, sends_in_cb;
	uint64_t accepted, connected, closed;
	uint64_t closed_by_reclaim; /* -ECONNABORTED the application did not ask for */
	uint64_t closed_listed_orphan, closed_listed_tw; /* closed while still listed */
	uint64_t reused_under_cb[4]; /* blocks reopened under accepted .. writable */
	uint64_t orphans_reclaimed, tw_reclaimed, tw_reused, tw_reopened;
	uint64_t cookies_accepted, pool_empty, ports_exhausted, table_full;
	uint64_t rto_timeouts, keepalive_probes, window_probes;
	uint64_t state_entries[TCP_NSTATES];
	unsigned depth_max;
	/* tern_send_mbuf: chains of the test's pool, and external buffers
	 * (alone or after a plain segment); how they ended. */
	uint64_t lends_plain, lends_ext, lends_in_cb, lends_skipped;
	uint64_t lends_ok, lends_nobufs, lends_msgsize, lends_closed; /* -ENOTCONN, -EPIPE */
	uint64_t ext_freed_acked, ext_freed_at_end, ext_freed_refused, ext_freed_teardown;
	uint64_t lent_segs, tx_pieces_copied; /* the engine's */
};

/* ---- state ------------------------------------------------------------ */

/* A handle of the application's. */
struct slot {
	struct tern_conn *c; /* NULL while its tern_connect runs */
	uint32_t gen;        /* bumped at each allocation: in the conn's arg */
	bool busy;
	bool passive;
	bool established;
	bool closing;    /* tern_close called: only closed may come */
	bool aborting;   /* inside tern_abort: closed must come before it returns */
	uint64_t queued; /* bytes tern_send and tern_send_mbuf took: the stream's length */
};

/* Where an external buffer the application lent is. */
enum lend_state {
	LEND_IDLE,    /* the application's, not lent (or back: its free callback ran) */
	LEND_OFFERED, /* inside tern_send_mbuf: no callback may run */
	LEND_OUT,     /* Tern's: the callback comes once acknowledged, or at the end */
	LEND_REFUSED, /* refused, and the application frees it: the callback comes now */
};

/* An external buffer lent with tern_send_mbuf: where its bytes went. */
struct lend {
	struct rte_mbuf_ext_shared_info shinfo; /* its own: the callback names this lend */
	uint64_t id;                            /* one per lend over the search: the opaque's */
	enum lend_state state;
	bool acked;        /* the peer sent an ACK past its last byte */
	uint8_t slot;      /* the handle it went to ... */
	uint32_t slot_gen; /* ... while the application held it */
	uint32_t conn_id;  /* for the messages */
	uint16_t us_port, peer_port;
	uint32_t iss;      /* our ISN on that connection: the peer's irs */
	uint32_t seq, len; /* its bytes on the wire: [seq, seq + len) */
	uint32_t peer_ack; /* the peer's highest ACK within or past them */
	uint16_t off;      /* where they lie in its buffer */
};

/* A connection of the scripted peer's. */
struct pconn {
	bool used;
	bool synced; /* rcv_nxt holds our sequence */
	bool fin_sent, fin_rcvd;
	bool zero_win;
	uint16_t us_port, peer_port;
	uint32_t snd_una, snd_nxt, rcv_nxt;
	uint32_t irs; /* our ISN, from our SYN or SYN-ACK */
	uint32_t ts_recent;
};

struct reentry {
	struct harness *h;
	struct odds odds;
	struct counters cnt;
	/* The application. */
	struct slot slots[SLOTS];
	unsigned cb_depth;     /* callbacks under way */
	unsigned closed_depth; /* ... of which closed callbacks */
	bool draining;         /* the end: callbacks act no more */
	bool stopping;         /* teardown: callbacks do nothing */
	uint8_t app_buf[2048];
	/* The peer, and its segments not yet sent to the engine. */
	struct pconn pconns[PCONNS];
	struct rte_mbuf *out_q[OUT_MAX];
	unsigned nb_out;
	bool coop; /* the end: the peer answers everything, loses nothing */
	uint8_t peer_payload[1400];
	/* The seed under way. */
	uint64_t rng;    /* splitmix64's state: the seed alone fixes the run */
	uint64_t now_ms; /* the time the steps let pass */
	unsigned cur_seed, cur_step;
	bool failed;
	bool tracing; /* TERN_REENTRY_SEED=N: that seed alone, traced */
	char bug_msg[512];
	/* The search. */
	unsigned nb_fails;
	char first_fail[512];
	/* The application's lent buffers (lend.c) and the test's pool. */
	struct lend lends[LENDS];
	unsigned lends_top; /* lends[] used in this seed: [0, lends_top) */
	uint64_t lend_ids, lend_audits;
	struct rte_mempool *lend_pool;
	uint8_t send_buf[2048]; /* tern_send's bytes: APP_BYTE (app_buf is read into) */
	uint8_t lend_mem[LENDS][LEND_BUF];
};

/* ---- the seed's random choices ------------------------------------------ */

static inline uint64_t
next_rand(struct reentry *re)
{
	/* splitmix64: a seed alone fixes the run. */
	uint64_t z = (re->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline unsigned
below(struct reentry *re, unsigned n)
{
	return (unsigned)(next_rand(re) % n);
}

static inline bool
pct(struct reentry *re, unsigned p)
{
	return below(re, 100) < p;
}

static inline unsigned
pick_weighted(struct reentry *re, const unsigned *w, unsigned n)
{
	unsigned total = 0, r;

	for (unsigned i = 0; i < n; i++)
		total += w[i];
	r = below(re, total);
	for (unsigned i = 0; i < n; i++) {
		if (r < w[i])
			return i;
		r -= w[i];
	}
	return n - 1;
}

/* The first of @n bytes at @p that is not APP_BYTE, or @n (send_buf holds
 * nothing else: a memcmp a chunk). */
static inline unsigned
app_bytes_end(const struct reentry *re, const uint8_t *p, unsigned n)
{
	unsigned at = 0;

	while (at < n) {
		unsigned k = RTE_MIN(n - at, (unsigned)sizeof(re->send_buf));
		if (memcmp(p + at, re->send_buf, k) != 0)
			break;
		at += k;
	}
	while (at < n && p[at] == APP_BYTE)
		at++;
	return at;
}

/* ---- seed.c: what a seed fixes before its first step ---------------------- */

void seed_odds(struct reentry *re);
void seed_config(struct reentry *re, struct config *cfg);
void seed_secrets(struct reentry *re);

/* ---- report.c ------------------------------------------------------------ */

/* The first failure, with the seed and step that reproduce it. */
void bug(struct reentry *re, const char *fmt, ...) __rte_format_printf(2, 3);
/* One line of the traced seed's story, indented by the callbacks' depth. */
void trace(const struct reentry *re, const char *fmt, ...) __rte_format_printf(2, 3);
/* A segment in the trace: our port first, '>' if we sent it. */
void trace_seg(const struct reentry *re, const struct frame_tcp *t, bool out, const char *note);
/* The engine's counters of this seed, added to the search's. */
void count_engine(struct reentry *re);
/* What the search reached, for a reader to see it gets where it should. */
void print_counters(const struct reentry *re, unsigned seeds);

/* ---- app.c: the application ---------------------------------------------- */

extern const struct tern_conn_ops app_ops;

/* The search the engine's callbacks act in. */
void app_bind(struct reentry *re);
/* A handle's arg: its generation and its slot. */
void *arg_of(const struct reentry *re, const struct slot *s);
/* The slot that holds @c, or NULL. */
struct slot *slot_holding(struct reentry *re, const struct tern_conn *c);
/* The handles the application holds. */
unsigned live_slots(const struct reentry *re);
/* @n actions by the seed's odds, on @self (of generation @self_gen, if the
 * application still holds it) or another handle. */
void app_act(struct reentry *re, struct slot *self, uint32_t self_gen, unsigned n);

/* ---- lend.c: the application's lent buffers ---------------------------- */

/* The test's pool and the free callback's way back to @re. 0 or -ENOMEM. */
int lend_init(struct reentry *re);
void lend_fini(struct reentry *re);
/* A seed starts: no lend outstanding. */
void lend_reset(struct reentry *re);
/* tern_send_mbuf on @s: a chain of the test's pool, or an external buffer. */
void lend_send(struct reentry *re, struct slot *s);
/* The peer sends @ack on (@us_port, @peer_port) of the connection whose ISN
 * it took as @irs. */
void lend_peer_ack(struct reentry *re, uint16_t us_port, uint16_t peer_port, uint32_t irs,
                   uint32_t ack);
/* Every frame out read: the lends of a connection that has ended are back. */
void lend_check_ended(struct reentry *re, const char *where);
/* The end of a seed: every lend back, the test's pool as it was, each mbuf
 * in it once (a duplicate is dropped: the pool is whole for the next). */
void lend_check_end(struct reentry *re, unsigned pool_base);

static inline bool
slot_live(const struct slot *s)
{
	return s->busy && s->c != NULL;
}

static inline struct tcb *
tcb_of(const struct tern_conn *c)
{
	return (struct tcb *)(uintptr_t)c;
}

/* ---- peer.c: the scripted peer -------------------------------------------- */

/* The peer's segments to the engine, then a poll and the invariants. */
void flush_out(struct reentry *re);
/* Exchange with the engine until it has nothing more to say. */
void settle(struct reentry *re);
/* The peer's own move of kind @k (S_SYN .. S_RETX). */
void step_peer(struct reentry *re, enum step_kind k);

/* ---- checks.c: the invariants --------------------------------------------- */

/* A handle the application holds, outside its closed callback. */
void check_held(struct reentry *re, const struct slot *s, const char *where);
/* The application's table and the engine's pool, whole. */
void check_all(struct reentry *re, const char *where);
/* At the end: every block and mbuf back. */
void check_leaks(struct reentry *re, unsigned pool_base, unsigned frames_base);

#endif /* TERN_TEST_REENTRY_H */
