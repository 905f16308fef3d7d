/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A seeded search for re-entry: an application whose callbacks call back into
 * the API (tern_connect, tern_send, tern_recv_copy, tern_shutdown, tern_close,
 * tern_abort) while the engine is in the middle of a segment, a timer or a
 * reclaim. A pool of 2..6 connections and 2..6 local ports keeps the pool
 * empty (or 9..12 connections a flow table of 8 keeps from opening), so that
 * opens (the application's, and the peer's to a listener) end the oldest
 * TIME_WAIT or orphan (tcp_reclaim) and their closed callbacks open
 * connections again, inside the open that made room. It found three ways a
 * nested open got the block of the connection whose callback was running, and
 * had it freed or driven by the old segment on return: an orphan reclaimed
 * (test_rss's test_connect_nested_in_reclaim), an orphan closed by a timer, a
 * RST or its last ACK, and a connection entering TIME_WAIT. tcp_reclaim now
 * passes over a block while a callback of its own runs (TCP_APP_CALL).
 *
 *   step: app action | peer segment | time -> engine_poll -> callbacks -> app actions
 *         -> frames out -> scripted peer answers -> ... -> invariants
 *
 * The peer is a sketch of TCP: it answers a SYN with a SYN-ACK (or a RST, or
 * nothing), ACKs data and FINs, sends its own data, FINs and RSTs, shuts its
 * window, and loses segments, each by the seed's odds. The application holds
 * a table of its handles; a callback for a handle it does not hold, or after
 * its closed, is a bug, as is a held handle that is not in the flow table
 * under its own 4-tuple with the application's callbacks. After every poll the
 * pool is checked whole: each block free, waiting for the output pass, or
 * live in the table; the lists hold what they should. At the end everything
 * is closed, time passes 2 MSL and the retries, and every block and mbuf is
 * back.
 *
 * A failed seed does not stop the search (up to a dozen): each failure is
 * printed with its seed and step, and the test fails at the end. A seed that
 * runs for 10 s (an engine list closed on itself) is named and ends the
 * process. TERN_REENTRY_SEED=N runs seed N alone with a trace of every
 * segment, action and callback; TERN_REENTRY_SEEDS=N searches seeds 1..N.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/common_interface_defs.h>
#endif

#include "flow/flow_table.h"
#include "harness.h"
#include "tcp/tcp.h"
#include "tern.h"

#define SEEDS           2000 /* ~1 s here, ~6 s under ASan */
#define STEPS           200
#define DRAIN_MAX       80    /* half-second ticks to end everything at the end */
#define SETTLE_MAX      24    /* exchanges with the peer after one step */
#define CONNS_MAX       6     /* [tcp] conns: 2 .. CONNS_MAX, or with a full table: */
#define TABLE_MIN       8     /* [limits] flows: rte_hash's least */
#define TABLE_CONNS_MAX 12    /* [tcp] conns past the table: TABLE_MIN + 1 .. this */
#define US_PORT         80    /* our listener */
#define LPORT0          50000 /* our ephemeral ports: LPORT0 .. LPORT0 + 1 .. 5 */
#define SVC_PORT0       7000  /* the peer's two services we connect to */
#define PEER_PORT0      30000 /* the peer's ports for its opens to the listener */
#define SLOTS           64    /* the application's handles (and opens under way) */
#define PCONNS          128   /* the peer's connections */
#define DEPTH_MAX       8     /* callbacks nested deeper act no more */
#define OUT_MAX         256   /* the peer's segments of one exchange */
#define FAILS_MAX       12    /* failed seeds before the search stops */
#define WATCHDOG_S      10    /* a seed that runs this long is stuck: say which */
/* The listener's argument: what a connection's arg is until accepted. */
#define LISTEN_ARG ((void *)(uintptr_t)0xff)

/* ---- the seed's odds -------------------------------------------------- */

enum step_kind { S_APP, S_SYN, S_DATA, S_FIN, S_RST, S_WIN, S_RETX, S_TIME, S_NB };
enum app_act { A_CONNECT, A_SEND, A_RECV, A_SHUTDOWN, A_CLOSE, A_ABORT, A_NB };
static const char *const act_names[A_NB] = {
	"connect", "send", "recv", "shutdown", "close", "abort",
};

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
};

/* ---- state ------------------------------------------------------------ */

struct slot {
	struct tern_conn *c; /* NULL while its tern_connect runs */
	uint32_t gen;        /* bumped at each allocation: in the conn's arg */
	bool busy;
	bool passive;
	bool established;
	bool closing;  /* tern_close called: only closed may come */
	bool aborting; /* inside tern_abort: closed must come before it returns */
};

struct pconn {
	bool used;
	bool synced; /* rcv_nxt holds our sequence */
	bool fin_sent, fin_rcvd;
	bool zero_win;
	uint16_t us_port, peer_port;
	uint32_t snd_una, snd_nxt, rcv_nxt;
	uint32_t ts_recent;
};

static struct harness *h;
static struct odds odds;
static struct counters cnt;
static struct slot slots[SLOTS];
static struct pconn pconns[PCONNS];
static struct rte_mbuf *out_q[OUT_MAX];
static unsigned nb_out;
static uint64_t rng, now_ms;
static unsigned cur_seed, cur_step;
static unsigned cb_depth;     /* callbacks under way */
static unsigned closed_depth; /* ... of which closed callbacks */
static bool coop;             /* the end: the peer answers everything, loses nothing */
static bool draining;         /* the end: callbacks act no more */
static bool stopping;         /* teardown: callbacks do nothing */
static bool failed;
static bool tracing; /* TERN_REENTRY_SEED=N: that seed alone, traced */
static char bug_msg[512];
static unsigned nb_fails;
static char first_fail[512];
static uint8_t app_buf[2048];
static uint8_t peer_payload[1400];

static void on_accepted(struct tern_conn *c, void *arg);
static void on_connected(struct tern_conn *c, void *arg);
static void on_readable(struct tern_conn *c, void *arg);
static void on_writable(struct tern_conn *c, void *arg);
static void on_closed(struct tern_conn *c, void *arg, int reason);

static const struct tern_conn_ops app_ops = {
	.accepted = on_accepted,
	.connected = on_connected,
	.readable = on_readable,
	.writable = on_writable,
	.closed = on_closed,
};

static uint64_t
next_rand(void)
{
	/* splitmix64: a seed alone fixes the run. */
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned
below(unsigned n)
{
	return (unsigned)(next_rand() % n);
}

static bool
pct(unsigned p)
{
	return below(100) < p;
}

static unsigned
pick_weighted(const unsigned *w, unsigned n)
{
	unsigned total = 0, r;

	for (unsigned i = 0; i < n; i++)
		total += w[i];
	r = below(total);
	for (unsigned i = 0; i < n; i++) {
		if (r < w[i])
			return i;
		r -= w[i];
	}
	return n - 1;
}

/* The first failure, with the seed and step that reproduce it. */
static void __rte_format_printf(1, 2) bug(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (failed)
		return;
	failed = true;
	n = snprintf(bug_msg, sizeof(bug_msg), "seed %u step %u: ", cur_seed, cur_step);
	va_start(ap, fmt);
	vsnprintf(bug_msg + n, sizeof(bug_msg) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* One line of the traced seed's story, indented by the callbacks' depth. */
static void __rte_format_printf(1, 2) trace(const char *fmt, ...)
{
	va_list ap;

	if (!tracing)
		return;
	printf("%6" PRIu64 " ms %*s", now_ms, (int)(2 * cb_depth), "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* A segment in the trace: our port first, '>' if we sent it. */
static void
trace_seg(const struct frame_tcp *t, bool out, const char *note)
{
	char line[192];

	if (!tracing)
		return;
	frame_tcp_format(line, sizeof(line), t, out, 0, 0, now_ms);
	trace("%u %s %u: %s%s", out ? t->sport : t->dport, out ? ">" : "<",
	      out ? t->dport : t->sport, line, note);
}

/* ---- the application's table ------------------------------------------ */

static void *
arg_of(const struct slot *s)
{
	return (void *)(((uintptr_t)s->gen << 8) | (uintptr_t)(s - slots));
}

static bool
slot_live(const struct slot *s)
{
	return s->busy && s->c != NULL;
}

static struct slot *
slot_alloc(void)
{
	for (unsigned i = 0; i < SLOTS; i++) {
		struct slot *s = &slots[i];
		if (s->busy)
			continue;
		uint32_t gen = s->gen + 1;
		*s = (struct slot){ .busy = true, .gen = gen };
		return s;
	}
	bug("the application's table is full");
	return NULL;
}

static void
slot_free(struct slot *s)
{
	uint32_t gen = s->gen;

	*s = (struct slot){ .gen = gen };
}

static struct slot *
slot_holding(const struct tern_conn *c)
{
	for (unsigned i = 0; i < SLOTS; i++)
		if (slot_live(&slots[i]) && slots[i].c == c)
			return &slots[i];
	return NULL;
}

static struct tcb *
tcb_of(const struct tern_conn *c)
{
	return (struct tcb *)(uintptr_t)c;
}

/* The slot a callback's (@c, @arg) names, which must hold @c. */
static struct slot *
slot_from(const struct tern_conn *c, void *arg, const char *what)
{
	uintptr_t a = (uintptr_t)arg;
	struct slot *s;

	if (arg == LISTEN_ARG) {
		bug("%s for conn %u (%s), never accepted", what, tcb_of(c)->id,
		    tcp_state_name(tcb_of(c)->state));
		return NULL;
	}
	if ((a & 0xff) >= SLOTS) {
		bug("%s for conn %u with arg %#" PRIxPTR ", not the application's", what,
		    tcb_of(c)->id, a);
		return NULL;
	}
	s = &slots[a & 0xff];
	if (!slot_live(s) || s->gen != (uint32_t)(a >> 8) || s->c != c) {
		bug("%s for conn %u (%s) the application does not hold (slot %u: gen %u, "
		    "arg's %u, %s)",
		    what, tcb_of(c)->id, tcp_state_name(tcb_of(c)->state), (unsigned)(a & 0xff),
		    s->gen, (unsigned)(a >> 8),
		    !s->busy       ? "free"
		    : s->c == NULL ? "opening"
		                   : "holds another");
		return NULL;
	}
	return s;
}

/* A handle the application holds, outside its closed callback: open, in the
 * table under its own key, with our callbacks. */
static void
check_held(const struct slot *s, const char *where)
{
	const struct tcb *t = tcb_of(s->c);
	const struct tcp_engine *te = &h->eng->tcp;

	if (t < te->conns || t >= te->conns + te->nb_conns) {
		bug("%s: slot %u holds %p, not a block of the pool", where, (unsigned)(s - slots),
		    (void *)s->c);
		return;
	}
	if (t->state == TCP_CLOSED || t->state == TCP_TIME_WAIT || t->ops != &app_ops ||
	    t->arg != arg_of(s))
		bug("%s: slot %u holds conn %u, now %s, callbacks %s, arg %s, and no closed came",
		    where, (unsigned)(s - slots), t->id, tcp_state_name(t->state),
		    t->ops == &app_ops ? "ours"
		    : t->ops == NULL   ? "none"
		                       : "not ours",
		    t->arg == arg_of(s) ? "its own" : "another's");
	else if (!(t->flags & TF_IN_FLOW) || flow_lookup(h->eng->flows, &t->key, t->hash) != t)
		bug("%s: conn %u (%s) held but not in the flow table as itself", where, t->id,
		    tcp_state_name(t->state));
	else if (s->closing != !!(t->flags & TF_APP_CLOSED))
		bug("%s: conn %u closing %d, TF_APP_CLOSED %d", where, t->id, s->closing,
		    !!(t->flags & TF_APP_CLOSED));
}

static void
check_slots(const char *where)
{
	for (unsigned i = 0; i < SLOTS && !failed; i++) {
		if (!slot_live(&slots[i]))
			continue;
		check_held(&slots[i], where);
		for (unsigned j = i + 1; j < SLOTS; j++)
			if (slot_live(&slots[j]) && slots[j].c == slots[i].c)
				bug("%s: slots %u and %u hold the same conn %u", where, i, j,
				    tcb_of(slots[i].c)->id);
	}
}

/* ---- the pool, whole ---------------------------------------------------- */

/* Each block is on the free list, or CLOSED on the output list waiting to be
 * recycled, or live in the flow table as itself; TIME_WAITs are on their
 * list, orphans are closed by the application and on theirs. */
static void
check_pool_blocks(const char *where, const bool *on_free, uint32_t *alive, uint32_t *pending)
{
	const struct tcp_engine *te = &h->eng->tcp;

	for (uint32_t i = 0; i < te->nb_conns && !failed; i++) {
		const struct tcb *t = &te->conns[i];
		if (t->state == TCP_CLOSED) {
			if (t->flags & (TF_IN_FLOW | TF_ON_TW_LIST | TF_ON_ORPHANS))
				bug("%s: CLOSED block %u still listed (flags %#x)", where, i,
				    t->flags);
			else if (t->flags & TF_IN_OUTPUT)
				(*pending)++;
			else if (!on_free[i])
				bug("%s: CLOSED block %u neither free nor on the output list",
				    where, i);
			continue;
		}
		(*alive)++;
		if (on_free[i])
			bug("%s: block %u is %s and on the free list", where, i,
			    tcp_state_name(t->state));
		else if (!(t->flags & TF_IN_FLOW) ||
		         flow_lookup(h->eng->flows, &t->key, t->hash) != t)
			bug("%s: block %u (%s) is not in the flow table as itself", where, i,
			    tcp_state_name(t->state));
		else if (t->ops == NULL && t->state != TCP_TIME_WAIT)
			bug("%s: block %u in %s without callbacks", where, i,
			    tcp_state_name(t->state));
		else if (t->ops != NULL && t->arg == LISTEN_ARG &&
		         (t->state != TCP_SYN_RCVD || !(t->flags & TF_PASSIVE)))
			bug("%s: block %u in %s never accepted", where, i,
			    tcp_state_name(t->state));
		else if (t->ops != NULL && t->arg != LISTEN_ARG &&
		         slot_holding((const struct tern_conn *)t) == NULL)
			bug("%s: block %u in %s has the application's callbacks, but the "
			    "application does not hold it",
			    where, i, tcp_state_name(t->state));
		else if ((t->state == TCP_TIME_WAIT) != !!(t->flags & TF_ON_TW_LIST))
			bug("%s: block %u in %s, TIME_WAIT list flag %d", where, i,
			    tcp_state_name(t->state), !!(t->flags & TF_ON_TW_LIST));
		else if ((t->flags & TF_ON_ORPHANS) && !(t->flags & TF_APP_CLOSED))
			bug("%s: block %u (%s) an orphan the application did not close", where, i,
			    tcp_state_name(t->state));
	}
}

static void
check_pool(const char *where)
{
	const struct tcp_engine *te = &h->eng->tcp;
	bool on_free[TABLE_CONNS_MAX] = { false };
	uint32_t nb_free = 0, alive = 0, pending = 0, n = 0;
	const struct tcb *t;

	for (t = te->free; t != NULL && !failed; t = t->free_next) {
		ptrdiff_t i = t - te->conns;
		if (i < 0 || i >= (ptrdiff_t)te->nb_conns || on_free[i] || ++nb_free > te->nb_conns)
			bug("%s: the free list is corrupt (block %td)", where, i);
		else if (t->state != TCP_CLOSED || (t->flags & TF_IN_OUTPUT))
			bug("%s: free block %td is %s, flags %#x", where, i,
			    tcp_state_name(t->state), t->flags);
		else
			on_free[i] = true;
	}
	check_pool_blocks(where, on_free, &alive, &pending);
	if (failed)
		return;
	if (te->used != alive + pending || nb_free + te->used != te->nb_conns)
		bug("%s: %u used, %u live and %u to recycle, %u free, of %u", where, te->used,
		    alive, pending, nb_free, te->nb_conns);
	else if (flow_count(h->eng->flows) != alive)
		bug("%s: %u flows for %u live blocks", where, flow_count(h->eng->flows), alive);
	TAILQ_FOREACH(t, &te->time_wait, tw_link)
	{
		if (++n > te->nb_conns || t->state != TCP_TIME_WAIT)
			bug("%s: the TIME_WAIT list holds block %u in %s", where, t->id,
			    tcp_state_name(t->state));
		if (failed)
			return;
	}
	n = 0;
	TAILQ_FOREACH(t, &te->orphans, orphan_link)
	{
		if (++n > te->nb_conns || t->state == TCP_CLOSED || t->state == TCP_TIME_WAIT ||
		    !(t->flags & TF_ON_ORPHANS))
			bug("%s: the orphan list holds block %u in %s", where, t->id,
			    tcp_state_name(t->state));
		if (failed)
			return;
	}
}

static void
check_all(const char *where)
{
	check_slots(where);
	check_pool(where);
}

/* ---- the peer ----------------------------------------------------------- */

static struct pconn *
pconn_find(uint16_t us_port, uint16_t peer_port)
{
	for (unsigned i = 0; i < PCONNS; i++)
		if (pconns[i].used && pconns[i].us_port == us_port &&
		    pconns[i].peer_port == peer_port)
			return &pconns[i];
	return NULL;
}

/* A fresh connection of the peer's (replacing one of the same ports, or a
 * random one when all are taken). */
static struct pconn *
pconn_new(uint16_t us_port, uint16_t peer_port)
{
	struct pconn *pc = pconn_find(us_port, peer_port);

	for (unsigned i = 0; i < PCONNS && pc == NULL; i++)
		if (!pconns[i].used)
			pc = &pconns[i];
	if (pc == NULL)
		pc = &pconns[below(PCONNS)];
	uint32_t isn = (uint32_t)next_rand();
	*pc = (struct pconn){
		.used = true,
		.us_port = us_port,
		.peer_port = peer_port,
		.snd_una = isn,
		.snd_nxt = isn,
	};
	return pc;
}

/* A random connection of the peer's that @ok accepts. */
static struct pconn *
pconn_pick(bool (*ok)(const struct pconn *))
{
	unsigned n = 0, k;

	for (unsigned i = 0; i < PCONNS; i++)
		n += pconns[i].used && ok(&pconns[i]);
	if (n == 0)
		return NULL;
	k = below(n);
	for (unsigned i = 0; i < PCONNS; i++)
		if (pconns[i].used && ok(&pconns[i]) && k-- == 0)
			return &pconns[i];
	return NULL;
}

static void
flush_out(void)
{
	harness_inject(h, out_q, nb_out);
	nb_out = 0;
	harness_poll(h);
	cnt.polls++;
	check_all("after a poll");
}

static void
peer_emit(uint16_t us_port, uint16_t peer_port, uint32_t seq, uint32_t ack, uint8_t flags,
          uint16_t len, bool zero_win, uint32_t ts_ecr)
{
	struct frame_tcp t = frame_peer_seg(peer_port, us_port, seq, (flags & TH_ACK) ? ack : 0,
	                                    flags, peer_payload, len);

	t.win = zero_win ? 0 : 65535;
	trace_seg(&t, false, "");
	if ((flags & TH_SYN) && odds.peer_ts) {
		t.opts.sack_ok = true;
		t.opts.has_wscale = true; /* shift 0: the window field as is */
	}
	if (odds.peer_ts) {
		t.opts.has_ts = true;
		t.opts.ts_val = (uint32_t)now_ms + 1;
		t.opts.ts_ecr = ts_ecr;
	}
	if (nb_out == OUT_MAX)
		flush_out();
	out_q[nb_out] = frame_tcp(harness_pool(), &harness_iface(h)->mac, &t);
	if (out_q[nb_out] == NULL)
		bug("the test frames' pool is empty");
	else
		nb_out++;
}

static void
pc_emit(struct pconn *pc, uint32_t seq, uint8_t flags, uint16_t len)
{
	peer_emit(pc->us_port, pc->peer_port, seq, pc->rcv_nxt, flags, len, pc->zero_win,
	          pc->ts_recent);
}

/* The peer's new bytes (and perhaps its FIN), in sequence. */
static void
pc_send(struct pconn *pc, uint16_t len, bool fin)
{
	if (pc->fin_sent) {
		len = 0;
		fin = false;
	}
	pc_emit(pc, pc->snd_nxt, (uint8_t)(TH_ACK | (fin ? TH_FIN : 0)), len);
	pc->snd_nxt += len + fin;
	pc->fin_sent |= fin;
}

/* Our SYN: a SYN-ACK, a refusal, or nothing (our SYN retransmits). */
static void
peer_on_syn(const struct frame_tcp *t)
{
	struct pconn *pc = pconn_find(t->sport, t->dport);

	if (pc == NULL || !pc->synced || pc->rcv_nxt != t->seq + 1) {
		pc = pconn_new(t->sport, t->dport);
		pc->rcv_nxt = t->seq + 1;
		pc->synced = true;
	}
	if (!coop && pct(odds.rst_pct)) {
		peer_emit(t->sport, t->dport, 0, t->seq + 1, TH_RST | TH_ACK, 0, false, 0);
		pc->used = false;
		return;
	}
	if (!coop && pct(odds.mute_pct))
		return;
	pc_emit(pc, pc->snd_una, TH_SYN | TH_ACK, 0);
	pc->snd_nxt = pc->snd_una + 1;
}

/* Our SYN-ACK to the peer's SYN: the handshake's ACK, perhaps with data. */
static void
peer_on_synack(struct pconn *pc, const struct frame_tcp *t)
{
	pc->rcv_nxt = t->seq + 1;
	pc->synced = true;
	pc->snd_una = t->ack;
	if (!coop && pct(odds.rst_pct)) {
		pc_emit(pc, pc->snd_nxt, TH_RST | TH_ACK, 0);
		pc->used = false;
		return;
	}
	if (!coop && pct(odds.mute_pct))
		return;
	pc_send(pc, below(3) == 0 && !coop ? (uint16_t)(1 + below(300)) : 0, false);
}

/* Our data, FIN or ACK on a connection the peer knows. */
static void
peer_on_seg(struct pconn *pc, const struct frame_tcp *t)
{
	uint32_t space = t->len + !!(t->flags & TH_FIN);

	if (!pc->synced)
		return;
	if (seq_gt(t->ack, pc->snd_una) && seq_leq(t->ack, pc->snd_nxt))
		pc->snd_una = t->ack;
	if (seq_leq(t->seq, pc->rcv_nxt) && seq_gt(t->seq + space, pc->rcv_nxt)) {
		pc->rcv_nxt = t->seq + space;
		pc->fin_rcvd |= !!(t->flags & TH_FIN);
	}
	if (coop)
		pc->zero_win = false;
	if (space == 0) {
		if (pc->fin_sent && pc->fin_rcvd && pc->snd_una == pc->snd_nxt) {
			pc->used = false; /* both FINs acknowledged: done */
			return;
		}
		/* A keepalive or window probe (below what we hold): answer. */
		if (seq_lt(t->seq, pc->rcv_nxt) && (coop || !pct(odds.mute_pct)))
			pc_send(pc, 0, false);
		return;
	}
	if (!coop && pct(odds.rst_pct)) {
		pc_emit(pc, pc->snd_nxt, TH_RST | TH_ACK, 0);
		pc->used = false;
		return;
	}
	if (!coop && pct(odds.mute_pct))
		return;
	uint16_t len = !coop && below(4) == 0 ? (uint16_t)(1 + below(300)) : 0;
	bool fin = pc->fin_rcvd && (coop || below(2) == 0);
	pc_send(pc, len, fin);
}

static void
peer_on_frame(const struct frame_tcp *t)
{
	struct pconn *pc;

	if (t->dst_ip != PEER_IP || t->src_ip != US_IP) {
		bug("a frame from %#x to %#x", t->src_ip, t->dst_ip);
		return;
	}
	if (!coop && !(t->flags & TH_RST) && pct(odds.loss_pct)) {
		trace_seg(t, true, " (lost)");
		return;
	}
	trace_seg(t, true, "");
	pc = pconn_find(t->sport, t->dport);
	if (pc != NULL && t->opts.has_ts)
		pc->ts_recent = t->opts.ts_val;
	if (t->flags & TH_RST) {
		if (pc != NULL)
			pc->used = false;
		return;
	}
	if ((t->flags & (TH_SYN | TH_ACK)) == TH_SYN) {
		peer_on_syn(t);
		return;
	}
	if (pc == NULL) {
		/* Not the peer's connection (any more): RFC 9293 3.10.7.1. */
		if (coop || below(2) == 0)
			peer_emit(t->sport, t->dport, t->ack, 0, TH_RST, 0, false, 0);
		return;
	}
	if (t->flags & TH_SYN)
		peer_on_synack(pc, t);
	else
		peer_on_seg(pc, t);
}

/* Read what the engine sent and queue the peer's answers. */
static void
peer_read(void)
{
	struct rte_mbuf *frames[64];
	unsigned n;

	while ((n = harness_collect(h, frames, RTE_DIM(frames))) != 0) {
		for (unsigned i = 0; i < n; i++) {
			struct frame_tcp t;
			int ret = frame_tcp_read(frames[i], &t);
			if (ret == 0 && !failed)
				peer_on_frame(&t);
			else if (ret != 0 && ret != -EPROTO)
				bug("the engine sent a bad frame (%d)", ret);
			rte_pktmbuf_free(frames[i]);
		}
	}
}

/* Exchange with the engine until it has nothing more to say (or a bound: the
 * application's callbacks may keep writing). */
static void
settle(void)
{
	for (unsigned round = 0; round < SETTLE_MAX && !failed; round++) {
		peer_read();
		if (nb_out == 0)
			return;
		flush_out();
	}
	peer_read();
	for (unsigned i = 0; i < nb_out; i++)
		rte_pktmbuf_free(out_q[i]);
	nb_out = 0;
}

/* ---- the application ---------------------------------------------------- */

static void
app_connect(void)
{
	struct slot *s = slot_alloc();
	struct tern_conn *c = NULL;
	bool nested = cb_depth > 0, closed = closed_depth > 0;

	if (s == NULL)
		return;
	int ret = tern_connect((struct tern_core *)h->eng, PEER_IP,
	                       (uint16_t)(SVC_PORT0 + below(2)), &app_ops, arg_of(s), &c);
	cnt.connects++;
	trace("tern_connect: %d, conn %d (slot %u)", ret, c != NULL ? (int)tcb_of(c)->id : -1,
	      (unsigned)(s - slots));
	cnt.nested_connects += nested;
	cnt.connects_in_closed += closed;
	if (ret != 0) {
		if ((ret != -EADDRNOTAVAIL && ret != -ENOMEM) || c != NULL)
			bug("tern_connect: %d, conn %p", ret, (void *)c);
		slot_free(s);
		return;
	}
	cnt.connects_ok++;
	cnt.nested_connects_ok += nested;
	cnt.connects_in_closed_ok += closed;
	struct slot *other = slot_holding(c);
	s->c = c;
	if (other != NULL) {
		bug("tern_connect%s returned conn %u, which slot %u holds (opened gen %u)",
		    closed   ? " in a closed callback"
		    : nested ? " in a callback"
		             : "",
		    tcb_of(c)->id, (unsigned)(other - slots), other->gen);
		return;
	}
	if (tcb_of(c)->state != TCP_SYN_SENT)
		bug("tern_connect returned conn %u in %s", tcb_of(c)->id,
		    tcp_state_name(tcb_of(c)->state));
	else
		check_held(s, "tern_connect");
}

/* Action @a on @s, a handle the application holds and has not closed. */
static void
app_do(struct slot *s, enum app_act a)
{
	struct tern_conn *c = s->c;
	bool in_cb = cb_depth > 0;
	ssize_t sent;
	size_t len;
	int ret;

	trace("%s conn %u (%s)", act_names[a], tcb_of(c)->id, tcp_state_name(tcb_of(c)->state));
	switch (a) {
	case A_SEND:
		len = 1 + below(sizeof(app_buf));
		sent = tern_send(c, app_buf, len);
		if (sent < 0 ? sent != -ENOTCONN && sent != -EPIPE && sent != -ENOBUFS
		             : (size_t)sent > len)
			bug("tern_send(%zu): %zd", len, sent);
		cnt.sends_in_cb += in_cb;
		break;
	case A_RECV:
		if (below(2) == 0)
			rte_pktmbuf_free(tern_recv(c)); /* zero-copy: all of it */
		else
			tern_recv_copy(c, app_buf, 1 + below(sizeof(app_buf)));
		break;
	case A_SHUTDOWN:
		ret = tern_shutdown(c);
		if (ret != 0 && ret != -ENOTCONN)
			bug("tern_shutdown: %d", ret);
		cnt.shutdowns_in_cb += in_cb;
		break;
	case A_CLOSE:
		s->closing = true;
		ret = tern_close(c);
		if (ret != 0)
			bug("tern_close: %d", ret);
		cnt.closes_in_cb += in_cb;
		break;
	case A_ABORT: {
		uint32_t gen = s->gen;
		s->aborting = true;
		tern_abort(c);
		if (s->gen == gen && s->busy)
			bug("tern_abort returned before the closed callback");
		cnt.aborts_in_cb += in_cb;
		break;
	}
	default:
		break;
	}
}

static struct slot *
random_open_slot(void)
{
	unsigned n = 0, k;

	for (unsigned i = 0; i < SLOTS; i++)
		n += slot_live(&slots[i]) && !slots[i].closing;
	if (n == 0)
		return NULL;
	k = below(n);
	for (unsigned i = 0; i < SLOTS; i++)
		if (slot_live(&slots[i]) && !slots[i].closing && k-- == 0)
			return &slots[i];
	return NULL;
}

/* @n actions by the seed's odds, on @self (of generation @self_gen, if the
 * application still holds it) or another handle. */
static void
app_act(struct slot *self, uint32_t self_gen, unsigned n)
{
	if (draining || stopping || cb_depth > DEPTH_MAX)
		return;
	for (unsigned i = 0; i < n && !failed; i++) {
		enum app_act a = (enum app_act)pick_weighted(odds.act, A_NB);
		if (a == A_CONNECT) {
			app_connect();
			continue;
		}
		struct slot *s = self;
		if (s == NULL || s->gen != self_gen || !slot_live(s) || s->closing || below(3) == 0)
			s = random_open_slot();
		if (s != NULL)
			app_do(s, a);
	}
}

/* ---- callbacks ---------------------------------------------------------- */

enum cb_kind { CB_ACCEPTED, CB_CONNECTED, CB_READABLE, CB_WRITABLE };
static const char *const cb_names[] = { "accepted", "connected", "readable", "writable" };

/* A callback's actions on its own handle @s and others. Its block may go to
 * another connection meanwhile (closed, then reclaimed or recycled for an
 * open): the engine, on return, must then leave it alone. Counted, so that a
 * reader sees the search gets there. */
static void
cb_act(struct slot *s, enum cb_kind kind)
{
	const struct tcb *t = tcb_of(s->c);
	uint32_t gen = s->gen;

	app_act(s, gen, below(odds.acts_max + 1));
	if ((s->gen == gen && s->busy) || t->state == TCP_CLOSED)
		return;
	cnt.reused_under_cb[kind]++;
	trace("conn %u reopened (%s) under its %s callback", t->id, tcp_state_name(t->state),
	      cb_names[kind]);
}

static void
cb_enter(void)
{
	cb_depth++;
	if (cb_depth > cnt.depth_max)
		cnt.depth_max = cb_depth;
}

static void
on_accepted(struct tern_conn *c, void *arg)
{
	const struct tcb *t = tcb_of(c);
	struct slot *s;

	if (stopping)
		return;
	cb_enter();
	cnt.accepted++;
	trace("accepted conn %u", t->id);
	if (arg != LISTEN_ARG || slot_holding(c) != NULL || !(t->flags & TF_PASSIVE)) {
		bug("accepted for conn %u (%s), held %d, passive %d", t->id,
		    tcp_state_name(t->state), slot_holding(c) != NULL, !!(t->flags & TF_PASSIVE));
		cb_depth--;
		return;
	}
	s = slot_alloc();
	if (s != NULL) {
		s->c = c;
		s->passive = s->established = true;
		tern_conn_set_arg(c, arg_of(s));
		check_held(s, "accepted");
		if (draining) {
			s->closing = true;
			tern_close(c);
		} else {
			cb_act(s, CB_ACCEPTED);
		}
	}
	cb_depth--;
}

static void
on_connected(struct tern_conn *c, void *arg)
{
	struct slot *s;

	if (stopping)
		return;
	cb_enter();
	cnt.connected++;
	trace("connected conn %u", tcb_of(c)->id);
	s = slot_from(c, arg, "connected");
	if (s != NULL && (s->established || s->passive || s->closing))
		bug("connected for conn %u: established %d passive %d closing %d", tcb_of(c)->id,
		    s->established, s->passive, s->closing);
	else if (s != NULL) {
		s->established = true;
		check_held(s, "connected");
		cb_act(s, CB_CONNECTED);
	}
	cb_depth--;
}

static void
on_readable(struct tern_conn *c, void *arg)
{
	struct slot *s;

	if (stopping)
		return;
	cb_enter();
	trace("readable conn %u (%s, %zu bytes)", tcb_of(c)->id, tcp_state_name(tcb_of(c)->state),
	      tern_recv_pending(c));
	s = slot_from(c, arg, "readable");
	if (s != NULL && s->closing)
		bug("readable for conn %u after tern_close", tcb_of(c)->id);
	else if (s != NULL) {
		check_held(s, "readable");
		/* Mostly read it all; sometimes leave it (a close then resets). */
		for (unsigned i = 0; i < 8 && below(4) != 0; i++)
			if (tern_recv_copy(c, app_buf, sizeof(app_buf)) == 0)
				break;
		cb_act(s, CB_READABLE);
	}
	cb_depth--;
}

static void
on_writable(struct tern_conn *c, void *arg)
{
	struct slot *s;

	if (stopping)
		return;
	cb_enter();
	trace("writable conn %u", tcb_of(c)->id);
	s = slot_from(c, arg, "writable");
	if (s != NULL && s->closing)
		bug("writable for conn %u after tern_close", tcb_of(c)->id);
	else if (s != NULL) {
		check_held(s, "writable");
		cb_act(s, CB_WRITABLE);
	}
	cb_depth--;
}

static bool
reason_ok(int reason)
{
	return reason == 0 || reason == -ECONNRESET || reason == -ECONNREFUSED ||
	       reason == -ETIMEDOUT || reason == -ECONNABORTED || reason == -ENOMEM ||
	       reason == -ENOBUFS;
}

static void
on_closed(struct tern_conn *c, void *arg, int reason)
{
	const struct tcb *t = tcb_of(c);
	struct slot *s;

	if (stopping)
		return;
	cb_enter();
	cnt.closed++;
	trace("closed conn %u (%s%s%s) %d", t->id, tcp_state_name(t->state),
	      (t->flags & TF_ON_ORPHANS) ? ", an orphan" : "",
	      (t->flags & TF_ON_TW_LIST) ? ", on the TIME_WAIT list" : "", reason);
	cnt.closed_listed_orphan += !!(t->flags & TF_ON_ORPHANS);
	cnt.closed_listed_tw += !!(t->flags & TF_ON_TW_LIST);
	s = slot_from(c, arg, "closed");
	if (s != NULL) {
		if (!reason_ok(reason) || (s->aborting && reason != -ECONNABORTED))
			bug("closed for conn %u with reason %d (aborting %d)", t->id, reason,
			    s->aborting);
		else if (t->state != TCP_CLOSED && t->state != TCP_TIME_WAIT)
			bug("closed for conn %u in %s", t->id, tcp_state_name(t->state));
		cnt.closed_by_reclaim += reason == -ECONNABORTED && !s->aborting;
		slot_free(s);
		/* The handle is gone: act on others, open new ones. */
		closed_depth++;
		app_act(NULL, 0, below(odds.acts_max + 1));
		closed_depth--;
	}
	cb_depth--;
}

/* ---- steps ---------------------------------------------------------------- */

static bool
pc_synced(const struct pconn *pc)
{
	return pc->synced && !pc->fin_sent;
}

static bool
pc_any(const struct pconn *pc)
{
	return pc->used;
}

static bool
pc_behind(const struct pconn *pc)
{
	return pc->synced && pc->snd_una != pc->snd_nxt;
}

/* The peer opens a connection to our listener, from one of a few ports (a
 * port may be in TIME_WAIT here, or still open). */
static void
step_syn(void)
{
	uint16_t port = (uint16_t)(PEER_PORT0 + below(odds.peer_ports));
	struct pconn *pc = pconn_new(US_PORT, port);

	pc_emit(pc, pc->snd_nxt, TH_SYN, 0);
	pc->snd_nxt++;
}

static void
step_peer(enum step_kind k)
{
	struct pconn *pc;

	switch (k) {
	case S_SYN:
		step_syn();
		break;
	case S_DATA:
		if ((pc = pconn_pick(pc_synced)) != NULL)
			pc_send(pc, (uint16_t)(1 + below(sizeof(peer_payload))), false);
		break;
	case S_FIN:
		if ((pc = pconn_pick(pc_synced)) != NULL)
			pc_send(pc, below(2) ? (uint16_t)(1 + below(200)) : 0, true);
		break;
	case S_RST:
		if ((pc = pconn_pick(pc_any)) == NULL)
			break;
		/* Now and then off the mark: a challenge ACK (RFC 5961 3.2). */
		pc_emit(pc, pc->snd_nxt + (below(4) == 0 ? 1000 : 0), TH_RST | TH_ACK, 0);
		pc->used = false;
		break;
	case S_WIN:
		if ((pc = pconn_pick(pc_synced)) != NULL) {
			pc->zero_win = !pc->zero_win;
			pc_send(pc, 0, false);
		}
		break;
	case S_RETX:
		/* Go back to what we acknowledged: resend it all. */
		if ((pc = pconn_pick(pc_behind)) != NULL) {
			uint32_t len = pc->snd_nxt - pc->snd_una - pc->fin_sent;
			pc_emit(pc, pc->snd_una, (uint8_t)(TH_ACK | (pc->fin_sent ? TH_FIN : 0)),
			        (uint16_t)RTE_MIN(len, (uint32_t)sizeof(peer_payload)));
		}
		break;
	default:
		break;
	}
}

static void
step_time(void)
{
	unsigned r = below(10);
	uint64_t ms = r < 4 ? 1 + below(50) : r < 8 ? 100 + below(1100) : 1500 + below(2000);

	now_ms += ms;
	trace("time +%" PRIu64 " ms", ms);
	harness_advance_us(h, ms * 1000);
	cnt.polls++;
	check_all("after time passed");
}

static void
step(void)
{
	enum step_kind k = (enum step_kind)pick_weighted(odds.step, S_NB);

	cnt.steps++;
	trace("step %u", cur_step);
	if (k == S_APP) {
		app_act(NULL, 0, 1 + below(3));
		check_all("after the application's step");
	} else if (k == S_TIME) {
		step_time();
	} else {
		/* A few at once now and then: one burst of input. */
		unsigned n = below(4) == 0 ? 2 + below(3) : 1;
		for (unsigned i = 0; i < n; i++)
			step_peer(k == S_SYN || below(2) ? k
			                                 : (enum step_kind)(1 + below(S_TIME - 1)));
	}
	if (nb_out != 0 && !failed)
		flush_out();
	if (!failed)
		settle();
}

/* ---- a seed ------------------------------------------------------------- */

static unsigned
live_slots(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < SLOTS; i++)
		n += slot_live(&slots[i]);
	return n;
}

/* Close what is open; the peer answers everything until all is gone. */
static void
drain(void)
{
	draining = coop = true;
	for (unsigned i = 0; i < SLOTS && !failed; i++) {
		struct slot *s = &slots[i];
		if (!slot_live(s) || s->closing)
			continue;
		if (below(4) == 0) {
			s->aborting = true;
			tern_abort(s->c);
		} else {
			s->closing = true;
			tern_close(s->c);
		}
	}
	check_all("closing everything");
	for (unsigned round = 0; round < DRAIN_MAX && !failed; round++) {
		cur_step = STEPS + round;
		if (h->eng->tcp.used == 0 && live_slots() == 0)
			break;
		now_ms += 500;
		harness_advance_us(h, 500 * 1000);
		check_all("draining");
		settle();
	}
}

static void
check_leaks(unsigned pool_base, unsigned frames_base)
{
	const struct tcp_engine *te = &h->eng->tcp;
	unsigned in_use = harness_pool_in_use(h);
	unsigned frames = rte_mempool_in_use_count(harness_pool());

	if (te->used != 0 || live_slots() != 0) {
		char states[128] = "";
		size_t off = 0;
		for (uint32_t i = 0; i < te->nb_conns && off < sizeof(states) - 16; i++)
			off += (size_t)snprintf(states + off, sizeof(states) - off, " %s",
			                        tcp_state_name(te->conns[i].state));
		bug("at the end %u blocks used, the application holds %u:%s", te->used,
		    live_slots(), states);
	} else if (in_use != pool_base || frames != frames_base) {
		bug("mbufs: the engine's pool %u in use (%u at the start), the test frames' %u "
		    "(%u)",
		    in_use, pool_base, frames, frames_base);
	}
}

static void
seed_odds(void)
{
	static const unsigned step_w[S_NB] = { 6, 3, 3, 2, 1, 1, 1, 3 };
	static const unsigned act_w[A_NB] = { 4, 3, 1, 1, 2, 1 };

	for (unsigned i = 0; i < S_NB; i++)
		odds.step[i] = below(step_w[i] * 2 + 1);
	odds.step[S_APP] += 2;
	odds.step[S_TIME] += 1;
	for (unsigned i = 0; i < A_NB; i++)
		odds.act[i] = below(act_w[i] * 2 + 1);
	odds.act[A_CONNECT] += 2;
	odds.acts_max = 1 + below(3);
	odds.loss_pct = below(4) == 0 ? 0 : below(15);
	odds.rst_pct = below(8);
	odds.mute_pct = below(15);
	odds.peer_ports = 1 + below(6);
	odds.peer_ts = below(3) != 0;
	odds.listen = below(4) != 0;
}

static void
seed_config(struct config *cfg)
{
	harness_config_defaults(cfg);
	if (below(3) == 0) {
		/* More blocks than the table has room for: an open may find
		 * the table full and reclaim there (tcp_tcb_add). */
		cfg->flows = TABLE_MIN;
		cfg->tcp_conns = TABLE_MIN + 1 + below(TABLE_CONNS_MAX - TABLE_MIN);
	} else {
		cfg->tcp_conns = 2 + below(CONNS_MAX - 1);
	}
	cfg->tcp_local_port_min = LPORT0;
	cfg->tcp_local_port_max = (uint16_t)(LPORT0 + 1 + below(5));
	cfg->tcp_msl_s = 1;
	cfg->tcp_rto_init_ms = 300;
	cfg->tcp_rto_min_ms = 200;
	cfg->tcp_rto_max_ms = 1000 + 1000 * below(2);
	cfg->tcp_retries = 1 + below(3);
	cfg->tcp_syn_retries = 1 + below(2);
	cfg->tcp_syncookies = below(2) ? TCP_SYNCOOKIES_NO : TCP_SYNCOOKIES_YES;
	cfg->tcp_timestamps = below(4) != 0;
	cfg->tcp_keepalive_s = below(3) == 0 ? 1 : 0;
	cfg->tcp_keepalive_intvl_s = 1;
	cfg->tcp_keepalive_probes = 1 + below(2);
	cfg->tcp_snd_buf = 2048u << below(3);
	cfg->tcp_rcv_buf = 2048u << below(3);
	cfg->tcp_gro = below(2);
}

/* The engine's secrets from the seed: local ports and ISNs repeat. */
static void
seed_secrets(void)
{
	struct tcp_engine *te = &h->eng->tcp;

	for (size_t i = 0; i < sizeof(te->ports.secret); i++)
		te->ports.secret[i] = (uint8_t)next_rand();
	te->ports.next = (uint32_t)next_rand();
	te->ports.memo_valid = false;
	for (size_t i = 0; i < sizeof(te->isn_key.k); i++)
		te->isn_key.k[i] = (uint8_t)next_rand();
	for (size_t i = 0; i < sizeof(te->cookie_key.k); i++)
		te->cookie_key.k[i] = (uint8_t)next_rand();
}

static void
count_engine(void)
{
	const struct net_stats *st = &h->eng->stats;

	cnt.orphans_reclaimed += st->tcp_orphans_reclaimed;
	cnt.tw_reclaimed += st->tcp_time_wait_reclaimed;
	cnt.tw_reused += st->tcp_time_wait_reused;
	cnt.tw_reopened += st->tcp_time_wait_reopened;
	cnt.cookies_accepted += st->tcp_syncookies_accepted;
	cnt.pool_empty += st->tcp_conn_pool_empty;
	cnt.ports_exhausted += st->tcp_local_ports_exhausted;
	cnt.table_full += st->tcp_flow_table_full;
	cnt.rto_timeouts += st->tcp_rto_timeouts;
	cnt.keepalive_probes += st->tcp_keepalive_probes;
	cnt.window_probes += st->tcp_window_probes;
	for (unsigned i = 0; i < TCP_NSTATES; i++)
		cnt.state_entries[i] += h->eng->tcp.state_changes[i];
}

static void
run_seed(unsigned seed)
{
	struct config cfg;

	cur_seed = seed;
	cur_step = 0;
	rng = seed;
	seed_odds();
	seed_config(&cfg);
	/* A failed seed's connections close without the application. */
	stopping = true;
	for (unsigned i = 0; i < nb_out; i++)
		rte_pktmbuf_free(out_q[i]);
	nb_out = 0;
	assert_int_equal(harness_reset(h, &cfg), 0);
	stopping = failed = false;
	seed_secrets();
	trace("seed %u: %u conns, ports %u..%u, listener %d, syncookies %u, timestamps %d/%d, "
	      "loss %u%% rst %u%% mute %u%%",
	      seed, cfg.tcp_conns, cfg.tcp_local_port_min, cfg.tcp_local_port_max, odds.listen,
	      cfg.tcp_syncookies, cfg.tcp_timestamps, odds.peer_ts, odds.loss_pct, odds.rst_pct,
	      odds.mute_pct);
	harness_learn(h, PEER_IP, &peer_mac);
	if (odds.listen)
		assert_int_equal(harness_listen(h, US_PORT, &app_ops, LISTEN_ARG), 0);
	memset(slots, 0, sizeof(slots));
	memset(pconns, 0, sizeof(pconns));
	now_ms = 0;
	coop = draining = false;
	unsigned pool_base = harness_pool_in_use(h);
	unsigned frames_base = rte_mempool_in_use_count(harness_pool());
	for (unsigned i = 0; i < STEPS && !failed; i++) {
		cur_step = i;
		step();
	}
	if (!failed)
		drain();
	if (!failed)
		check_leaks(pool_base, frames_base);
	count_engine();
}

/* ---- crashes name their seed ---------------------------------------------- */

static struct sigaction old_segv, old_bus, old_abrt, old_alrm;

static void
say_where(const char *what)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "test_tcp_reentry: %s in seed %u step %u\n", what,
	                 cur_seed, cur_step);

	if (n > 0) {
		ssize_t w = write(STDERR_FILENO, line, (size_t)n);
		(void)w;
	}
}

static void
on_watchdog(int sig)
{
	(void)sig;
	say_where("no progress in " RTE_STR(WATCHDOG_S) " s (a loop in the engine?)");
	_exit(1);
}

static void
on_fatal(int sig)
{
	say_where(strsignal(sig));
	sigaction(sig, sig == SIGSEGV ? &old_segv : sig == SIGBUS ? &old_bus : &old_abrt, NULL);
	raise(sig);
}

#ifdef __SANITIZE_ADDRESS__
static void
on_sanitizer_death(void)
{
	say_where("a sanitizer report");
}
#endif

static void
catch_fatal(bool on)
{
	struct sigaction sa = { .sa_handler = on_fatal };

	if (on) {
		sigemptyset(&sa.sa_mask);
		sigaction(SIGSEGV, &sa, &old_segv);
		sigaction(SIGBUS, &sa, &old_bus);
		sigaction(SIGABRT, &sa, &old_abrt);
		sa.sa_handler = on_watchdog;
		sigaction(SIGALRM, &sa, &old_alrm);
	} else {
		sigaction(SIGSEGV, &old_segv, NULL);
		sigaction(SIGBUS, &old_bus, NULL);
		sigaction(SIGABRT, &old_abrt, NULL);
		sigaction(SIGALRM, &old_alrm, NULL);
	}
#ifdef __SANITIZE_ADDRESS__
	__sanitizer_set_death_callback(on ? on_sanitizer_death : NULL);
#endif
}

/* ---- the test ------------------------------------------------------------- */

/* What the search reached, for a reader to see it gets where it should. */
static void
print_counters(unsigned seeds)
{
	print_message("%u seeds of %u steps: %" PRIu64 " polls; %" PRIu64 " connects (%" PRIu64
	              " opened), %" PRIu64 " in callbacks (%" PRIu64 " opened), %" PRIu64
	              " in closed callbacks (%" PRIu64 " opened); in callbacks %" PRIu64
	              " closes, %" PRIu64 " aborts, %" PRIu64 " shutdowns, %" PRIu64
	              " sends; callbacks nested %u deep\n",
	              seeds, STEPS, cnt.polls, cnt.connects, cnt.connects_ok, cnt.nested_connects,
	              cnt.nested_connects_ok, cnt.connects_in_closed, cnt.connects_in_closed_ok,
	              cnt.closes_in_cb, cnt.aborts_in_cb, cnt.shutdowns_in_cb, cnt.sends_in_cb,
	              cnt.depth_max);
	print_message("%" PRIu64 " accepted, %" PRIu64 " connected, %" PRIu64 " closed (%" PRIu64
	              " reset for room, %" PRIu64 " while on the orphan list, %" PRIu64
	              " on the TIME_WAIT list)\n",
	              cnt.accepted, cnt.connected, cnt.closed, cnt.closed_by_reclaim,
	              cnt.closed_listed_orphan, cnt.closed_listed_tw);
	print_message("blocks reopened under a callback of theirs: %" PRIu64 " accepted, %" PRIu64
	              " connected, %" PRIu64 " readable, %" PRIu64 " writable\n",
	              cnt.reused_under_cb[0], cnt.reused_under_cb[1], cnt.reused_under_cb[2],
	              cnt.reused_under_cb[3]);
	print_message("engine: %" PRIu64 " orphans and %" PRIu64 " TIME_WAITs reclaimed, %" PRIu64
	              " TIME_WAITs reused, %" PRIu64 " reopened, %" PRIu64
	              " cookies accepted; opens refused: %" PRIu64 " for an empty pool, %" PRIu64
	              " for a full table, %" PRIu64 " for no port; %" PRIu64
	              " RTO timeouts, %" PRIu64 " keepalive and %" PRIu64 " window probes\n",
	              cnt.orphans_reclaimed, cnt.tw_reclaimed, cnt.tw_reused, cnt.tw_reopened,
	              cnt.cookies_accepted, cnt.pool_empty, cnt.table_full, cnt.ports_exhausted,
	              cnt.rto_timeouts, cnt.keepalive_probes, cnt.window_probes);
	char states[256];
	size_t off = 0;
	for (unsigned i = TCP_SYN_SENT; i < TCP_NSTATES; i++)
		off += (size_t)snprintf(states + off, sizeof(states) - off, " %s %" PRIu64,
		                        tcp_state_name((enum tcp_state)i), cnt.state_entries[i]);
	print_message("entries into states:%s\n", states);
}

static void
test_reentry_search(void **state)
{
	(void)state;
	memset(&cnt, 0, sizeof(cnt));
	memset(peer_payload, 'p', sizeof(peer_payload));
	memset(app_buf, 'a', sizeof(app_buf));
	const char *one = getenv("TERN_REENTRY_SEED");
	const char *many = getenv("TERN_REENTRY_SEEDS");
	unsigned first = 1, last = SEEDS;

	if (one != NULL) {
		first = last = (unsigned)strtoul(one, NULL, 0);
		tracing = true;
	} else if (many != NULL) {
		last = (unsigned)strtoul(many, NULL, 0); /* a longer search */
	}
	catch_fatal(true);
	/* Past a dozen failed seeds, stop: an engine that broke this often
	 * may yet break in a way that loops (a list closed on itself). */
	for (unsigned seed = first; seed <= last && nb_fails < FAILS_MAX; seed++) {
		alarm(WATCHDOG_S);
		run_seed(seed);
		if (failed) {
			if (nb_fails++ == 0)
				memcpy(first_fail, bug_msg, sizeof(bug_msg));
			print_error("%s\n", bug_msg);
		}
	}
	alarm(0);
	catch_fatal(false);
	if (!tracing)
		print_counters(cur_seed - first + 1);
	if (nb_fails != 0)
		fail_msg("%u of %u seeds failed; the first: %s", nb_fails, cur_seed - first + 1,
		         first_fail);
	if (tracing)
		return;
	/* The search reached what it is for. */
	assert_true(cnt.orphans_reclaimed > 0 && cnt.tw_reclaimed > 0);
	assert_true(cnt.connects_in_closed_ok > 0 && cnt.closes_in_cb > 0 && cnt.aborts_in_cb > 0);
}

static int
setup(void **state)
{
	(void)state;
	h = harness_open(NULL);
	return h == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	stopping = true; /* a failed seed's connections close without the application */
	harness_drain(h);
	harness_close(h);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reentry_search, setup, teardown),
	};

	if (harness_eal_init() != 0)
		return 1;
	return cmocka_run_group_tests_name("tcp_reentry", tests, NULL, NULL);
}
