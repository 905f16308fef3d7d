/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP script runner (tcp_script.h): one engine per variant, segments in
 * through the harness, every segment out compared field by field, the
 * application's side played through the public API.
 *
 *   tcp_script_run -> run_variant -> pick_isn -> step_* per step
 *                  -> run_cleanup (abort, past TIME_WAIT, nothing leaked)
 */
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "core/config.h"
#include "engine/engine.h"
#include "flow/flow_table.h"
#include "tcp/tcp.h"
#include "tcp/tcp_isn.h"
#include "tcp_script.h"
#include "tern.h"

#define QUEUE_MAX        256 /* emitted segments not yet matched */
#define EVENTS_MAX       16
#define PEER_WIN_DEFAULT 65535
#define CLEANUP_S        600 /* longer than any retransmission sequence */
#define ISN_SHIFT_MAX_US 60000000ull

/* Where the bases sit in each run of a script: both halves of the sequence
 * space (a field left at zero compares differently against each), and just
 * below 2^32 so that the numbers wrap within the first segments. */
struct variant {
	const char *name;
	uint32_t r0;  /* the peer's ISN */
	uint32_t l0;  /* ours, reached through the clock */
	uint32_t tsp; /* the peer's TSval at the start */
};

static const struct variant variants[] = {
	{ "low", 0x10000000u, 0x20000000u, 0x00010000u },
	{ "high", 0x9abc0000u, 0xa0000000u, 0x90000000u },
	{ "wrap", 0xfffffff0u, 0xffffff00u, 0xffffff00u },
};
static_assert(RTE_DIM(variants) == SCRIPT_VARIANTS, "SCRIPT_VARIANTS");

struct out_frame {
	struct rte_mbuf *m;
	struct frame_tcp t;
	uint64_t tick; /* when the engine sent it */
	int err;       /* frame_tcp_read() */
};

struct script_run {
	const struct tcp_script *s;
	const struct variant *v;
	unsigned variant;
	struct harness *h;
	struct config cfg;
	const struct script_step *step;
	unsigned step_no;
	uint32_t base[BASE_MAX];
	bool known[BASE_MAX];
	unsigned l_cur; /* BASE_L0 or BASE_L1: our current incarnation */
	uint64_t start_tick;
	uint16_t us_port;
	uint16_t peer_port;
	struct tern_conn_ops ops;
	struct tern_conn *conn;
	struct {
		uint8_t kind;
		int reason;
	} events[EVENTS_MAX];
	unsigned nb_events;
	bool events_lost;
	struct out_frame q[QUEUE_MAX];
	unsigned q_head;
	unsigned q_len;
	bool q_lost;
	/* RFC 7323 as the peer sees it: what we should echo, what we sent. */
	bool peer_syn_ts;
	bool us_syn_ts;
	uint32_t ts_recent;
	uint32_t last_ack_sent;
	bool ack_sent;
	uint32_t our_tsval;
	/* Stream offsets in the byte patterns. */
	uint32_t sent_k; /* next byte the application sends */
	uint32_t read_k; /* next byte the application reads */
};

/* Byte @k of a stream. The period is prime: a byte out of place by anything
 * but a multiple of 251 shows. */
static inline uint8_t
pattern(uint32_t k)
{
	return (uint8_t)(k % 251);
}

struct harness *
script_harness(struct script_run *r)
{
	return r->h;
}

struct tern_conn *
script_conn(struct script_run *r)
{
	return r->conn;
}

unsigned
script_variant(const struct script_run *r)
{
	return r->variant;
}

void *
script_user(struct script_run *r)
{
	return r->s->user;
}

int
script_fail(struct script_run *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr,
	        "%s:%d: %s [%s: R0 %08x L0 %08x]: step %u: ", r->s->file != NULL ? r->s->file : "?",
	        r->step != NULL ? r->step->line : 0, r->s->name, r->v->name, r->base[BASE_R0],
	        r->base[BASE_L0], r->step_no + 1);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* ---- symbolic values ---------------------------------------------------- */

static unsigned
sym_base(int64_t v)
{
	return (unsigned)((v + ((int64_t)1 << (SCRIPT_SYM_SHIFT - 1))) >> SCRIPT_SYM_SHIFT);
}

static int64_t
sym_off(int64_t v)
{
	return v - SCRIPT_SYM(sym_base(v));
}

static int
resolve(struct script_run *r, int64_t v, uint32_t *out)
{
	unsigned b = sym_base(v);

	if (v == AUTO || v == ANY || b >= BASE_MAX)
		return script_fail(r, "bad symbolic value %" PRId64, v);
	if (b != BASE_ABS && !r->known[b])
		return script_fail(r, "base %u used before it is known", b);
	*out = (b == BASE_ABS ? 0 : r->base[b]) + (uint32_t)sym_off(v);
	return 0;
}

uint32_t
script_value(struct script_run *r, int64_t sym)
{
	uint32_t v = 0;

	resolve(r, sym, &v);
	return v;
}

/* ---- the application's side --------------------------------------------- */

static void
event_push(struct script_run *r, uint8_t kind, int reason)
{
	if (r->nb_events == EVENTS_MAX) {
		r->events_lost = true;
		return;
	}
	r->events[r->nb_events].kind = kind;
	r->events[r->nb_events].reason = reason;
	r->nb_events++;
}

static void
cb_accepted(struct tern_conn *c, void *arg)
{
	struct script_run *r = arg;

	r->conn = c;
	event_push(r, EV_ACCEPTED, 0);
}

static void
cb_connected(struct tern_conn *c, void *arg)
{
	(void)c;
	event_push(arg, EV_CONNECTED, 0);
}

static void
cb_closed(struct tern_conn *c, void *arg, int reason)
{
	struct script_run *r = arg;

	if (c == r->conn)
		r->conn = NULL;
	event_push(r, EV_CLOSED, reason);
}

static const char *
event_name(unsigned kind)
{
	switch (kind) {
	case EV_ACCEPTED:
		return "accepted";
	case EV_CONNECTED:
		return "connected";
	case EV_CLOSED:
		return "closed";
	default:
		return "?";
	}
}

/* ---- segments out ------------------------------------------------------- */

static void
collect(struct script_run *r)
{
	struct rte_mbuf *m[32];
	unsigned n;

	while ((n = harness_collect(r->h, m, RTE_DIM(m))) > 0) {
		for (unsigned i = 0; i < n; i++) {
			if (r->q_len == QUEUE_MAX) {
				r->q_lost = true;
				rte_pktmbuf_free(m[i]);
				continue;
			}
			struct out_frame *f = &r->q[(r->q_head + r->q_len++) % QUEUE_MAX];
			f->m = m[i];
			f->tick = r->h->eng->now_ticks;
			f->err = frame_tcp_read(m[i], &f->t);
		}
	}
}

static void
run_poll(struct script_run *r)
{
	harness_poll(r->h);
	collect(r);
}

static void
run_advance_ms(struct script_run *r)
{
	harness_advance_us(r->h, 1000);
	collect(r);
}

static void
queue_pop(struct script_run *r)
{
	rte_pktmbuf_free(r->q[r->q_head].m);
	r->q_head = (r->q_head + 1) % QUEUE_MAX;
	r->q_len--;
}

static void
queue_flush(struct script_run *r)
{
	while (r->q_len > 0)
		queue_pop(r);
}

/* A segment we sent, in packetdrill notation, relative to the ISNs. */
static void
seg_format(const struct script_run *r, char *buf, size_t size, const struct frame_tcp *t,
           uint64_t tick)
{
	frame_tcp_format(buf, size, t, true, r->base[r->l_cur], r->base[BASE_R0],
	                 tick - r->start_tick);
}

static int
fail_unexpected(struct script_run *r, const char *where)
{
	struct out_frame *f = &r->q[r->q_head];
	char a[256];

	if (f->err != 0)
		return script_fail(
		        r, "%s: the engine sent a frame that is not a good TCP segment (%s)", where,
		        strerror(-f->err));
	seg_format(r, a, sizeof(a), &f->t, f->tick);
	return script_fail(r, "%s: unexpected segment (%u unmatched)\n  actual:   %s", where,
	                   r->q_len, a);
}

static int
expect_quiet(struct script_run *r, const char *where)
{
	if (r->q_lost)
		return script_fail(r, "more than %u segments unmatched", QUEUE_MAX);
	return r->q_len == 0 ? 0 : fail_unexpected(r, where);
}

/* ---- expected segments -------------------------------------------------- */

/* TS_AUTO: timestamps in every segment but SYN and RST once both SYNs had
 * them (RFC 7323 3.2), or wherever a TSval is written. */
static bool
ts_wanted(const struct script_run *r, const struct seg *e)
{
	if (e->ts == TS_ON)
		return true;
	if (e->ts == TS_OFF)
		return false;
	if (e->tsval != AUTO)
		return true;
	if (e->flags & (TH_SYN | TH_RST))
		return false;
	return r->peer_syn_ts && r->us_syn_ts;
}

static int
sack_resolve(struct script_run *r, const struct seg *e, struct tcp_opts *o)
{
	o->nb_sack = 0;
	for (unsigned i = 0; i < TCP_SACK_MAX && e->sack[i][0] != 0; i++) {
		if (resolve(r, e->sack[i][0], &o->sack[i].start) != 0 ||
		    resolve(r, e->sack[i][1], &o->sack[i].end) != 0)
			return -1;
		o->nb_sack++;
	}
	return 0;
}

/* Our sequence number: the first SYN of an incarnation captures its base. */
static int
resolve_our_seq(struct script_run *r, const struct seg *e, uint32_t actual, uint32_t *out)
{
	unsigned b = sym_base(e->seq);

	if ((b == BASE_L0 || b == BASE_L1) && !r->known[b] && (e->flags & TH_SYN)) {
		r->base[b] = actual - (uint32_t)sym_off(e->seq);
		r->known[b] = true;
		/* A SYN cookie (RFC 4987 3.6) is opaque: taken as it comes. */
		if (b == BASE_L0 && r->base[b] != r->v->l0 &&
		    r->h->eng->stats.tcp_syncookies_sent == 0)
			return script_fail(r,
			                   "our ISN is %08x, not the %08x the clock was set for: "
			                   "the first connection must open at time 0",
			                   r->base[b], r->v->l0);
	}
	return resolve(r, e->seq, out);
}

/* What @e says the engine sent, taking from @f the fields that
 * are not compared. Names the fields that differ in @diff. */
static int
expect_build(struct script_run *r, const struct seg *e, const struct out_frame *f,
             struct frame_tcp *x, char *diff, size_t size)
{
	const struct frame_tcp *a = &f->t;
	uint32_t win = 0;
	int n = 0;

	*x = (struct frame_tcp){ .src_ip = US_IP,
		                 .dst_ip = PEER_IP,
		                 .sport = r->us_port,
		                 .dport = r->peer_port,
		                 .flags = e->flags,
		                 .len = (uint16_t)e->len };
	if (resolve_our_seq(r, e, a->seq, &x->seq) != 0)
		return -1;
	x->ack = a->ack;
	if ((e->flags & TH_ACK) && resolve(r, e->ack, &x->ack) != 0)
		return -1;
	x->win = a->win; /* WIN_ANY */
	if (e->win != ANY && resolve(r, e->win, &win) != 0)
		return -1;
	if (e->win != ANY && win > UINT16_MAX)
		return script_fail(r, "OUT: window %u does not fit the 16-bit field", win);
	if (e->win != ANY)
		x->win = (uint16_t)win;
	struct tcp_opts *o = &x->opts;
	o->has_mss = e->mss != 0;
	o->mss = e->mss;
	o->has_wscale = e->ws != NO_WS;
	o->wscale = e->ws != NO_WS ? (uint8_t)e->ws : 0;
	o->sack_ok = e->sackok;
	o->has_ts = ts_wanted(r, e);
	if (o->has_ts) {
		o->ts_val = (uint32_t)f->tick;
		if (e->tsval == ANY)
			o->ts_val = a->opts.ts_val;
		else if (e->tsval != AUTO && resolve(r, e->tsval, &o->ts_val) != 0)
			return -1;
		o->ts_ecr = (e->flags & TH_ACK) ? r->ts_recent : 0;
		if (e->tsecr == ANY)
			o->ts_ecr = a->opts.ts_ecr;
		else if (e->tsecr != AUTO && resolve(r, e->tsecr, &o->ts_ecr) != 0)
			return -1;
	}
	if (sack_resolve(r, e, o) != 0)
		return -1;

	diff[0] = '\0';
#define DIFF(cond, name)                                                                           \
	do {                                                                                       \
		if (cond)                                                                          \
			n += snprintf(diff + n, size - (size_t)n, "%s" name, n ? ", " : "");       \
	} while (0)
	DIFF(a->src_ip != x->src_ip || a->dst_ip != x->dst_ip, "addresses");
	DIFF(a->sport != x->sport || a->dport != x->dport, "ports");
	DIFF(a->flags != x->flags, "flags");
	DIFF(a->seq != x->seq, "seq");
	DIFF(a->ack != x->ack, "ack");
	DIFF(a->win != x->win, "win");
	DIFF(a->opts.has_mss != o->has_mss || a->opts.mss != o->mss, "mss");
	DIFF(a->opts.has_wscale != o->has_wscale || a->opts.wscale != o->wscale, "wscale");
	DIFF(a->opts.sack_ok != o->sack_ok, "sackOK");
	DIFF(a->opts.has_ts != o->has_ts, "TS");
	DIFF(a->opts.has_ts && o->has_ts && a->opts.ts_val != o->ts_val, "TS val");
	DIFF(a->opts.has_ts && o->has_ts && a->opts.ts_ecr != o->ts_ecr, "TS ecr");
	bool sack_same = a->opts.nb_sack == o->nb_sack;
	for (unsigned i = 0; sack_same && i < o->nb_sack; i++)
		sack_same = a->opts.sack[i].start == o->sack[i].start &&
		            a->opts.sack[i].end == o->sack[i].end;
	DIFF(!sack_same, "sack");
	DIFF(a->len != x->len, "length");
	if (a->len == x->len && x->len > 0) {
		unsigned b = sym_base(e->seq);
		uint32_t base = r->base[b == BASE_L1 ? BASE_L1 : b == BASE_L0 ? BASE_L0 : r->l_cur];
		uint32_t k0 = x->seq - base - 1;
		for (uint32_t i = 0; i < x->len; i++) {
			if (a->data[i] != pattern(k0 + i)) {
				n += snprintf(diff + n, size - (size_t)n,
				              "%spayload (byte %u: %u, not %u)", n ? ", " : "", i,
				              a->data[i], pattern(k0 + i));
				break;
			}
		}
	}
#undef DIFF
	return 0;
}

static int
step_out(struct script_run *r, const struct seg *e)
{
	struct frame_tcp x;
	char diff[256], want[256], got[256];

	if (r->q_len == 0)
		return script_fail(r, "OUT: nothing was sent");
	struct out_frame *f = &r->q[r->q_head];
	if (f->err != 0)
		return fail_unexpected(r, "OUT");
	if (expect_build(r, e, f, &x, diff, sizeof(diff)) != 0)
		return -1;
	if (diff[0] != '\0') {
		seg_format(r, want, sizeof(want), &x, f->tick);
		seg_format(r, got, sizeof(got), &f->t, f->tick);
		return script_fail(r, "OUT: differs in %s\n  expected: %s\n  actual:   %s", diff,
		                   want, got);
	}
	/* What the peer now knows of us. */
	if (f->t.flags & TH_SYN) {
		r->us_syn_ts = f->t.opts.has_ts;
		r->l_cur = sym_base(e->seq) == BASE_L1 ? BASE_L1 : BASE_L0;
		r->sent_k = 0;
	}
	if (f->t.flags & TH_ACK) {
		r->last_ack_sent = f->t.ack;
		r->ack_sent = true;
	}
	if (f->t.opts.has_ts)
		r->our_tsval = f->t.opts.ts_val;
	queue_pop(r);
	return 0;
}

/* ---- segments in -------------------------------------------------------- */

/* A segment queued (IN_QUEUE) in the same RX burst as the SYN that makes our
 * ISN may name that ISN before any SYN-ACK has shown it: the runner takes it
 * as the engine will make it for a passive open, RFC 6528's M + F(4-tuple)
 * at the clock as it stands (POLL does not move it). A SYN-ACK that goes out
 * later is compared against it like any other field. */
static void
predict_our_isn(struct script_run *r, int64_t v)
{
	const struct engine *eng = r->h->eng;
	unsigned b = sym_base(v);

	if ((b != BASE_L0 && b != BASE_L1) || r->known[b])
		return;
	r->base[b] =
	        tcp_isn(&eng->tcp.isn_key, rte_cpu_to_be_32(US_IP), rte_cpu_to_be_16(r->us_port),
	                rte_cpu_to_be_32(PEER_IP), rte_cpu_to_be_16(r->peer_port),
	                r->h->tsc / (eng->tsc_per_tick / ENGINE_TICK_US));
	r->known[b] = true;
}

/* The peer's segment @e into the engine's RX queue; with @poll, one engine
 * iteration takes it (IN), without, it waits for POLL() (IN_QUEUE). */
static int
step_in(struct script_run *r, const struct seg *e, bool poll)
{
	struct frame_tcp t = { .src_ip = PEER_IP,
		               .dst_ip = US_IP,
		               .sport = r->peer_port,
		               .dport = r->us_port,
		               .flags = e->flags };
	uint8_t data[RTE_ETHER_MTU];
	struct tcp_opts *o = &t.opts;

	if (expect_quiet(r, "IN") != 0)
		return -1;
	if (e->len > sizeof(data))
		return script_fail(r, "IN: %u bytes do not fit in a frame", e->len);
	if (resolve(r, e->seq, &t.seq) != 0)
		return -1;
	if (!poll)
		predict_our_isn(r, e->ack);
	if ((e->flags & TH_ACK) || e->ack != 0)
		if (resolve(r, e->ack, &t.ack) != 0)
			return -1;
	uint32_t win = PEER_WIN_DEFAULT;
	if (e->win != AUTO && resolve(r, e->win, &win) != 0)
		return -1;
	t.win = (uint16_t)win;
	o->has_mss = e->mss != 0;
	o->mss = e->mss;
	o->has_wscale = e->ws != NO_WS;
	o->wscale = e->ws != NO_WS ? (uint8_t)e->ws : 0;
	o->sack_ok = e->sackok;
	o->has_ts = ts_wanted(r, e);
	if (o->has_ts) {
		o->ts_val = r->base[BASE_TSP] + (uint32_t)(r->h->eng->now_ticks - r->start_tick);
		if (e->tsval != AUTO && resolve(r, e->tsval, &o->ts_val) != 0)
			return -1;
		o->ts_ecr = (e->flags & TH_ACK) ? r->our_tsval : 0;
		if (e->tsecr != AUTO && resolve(r, e->tsecr, &o->ts_ecr) != 0)
			return -1;
	}
	if (sack_resolve(r, e, o) != 0)
		return -1;
	uint32_t k0 = t.seq + ((e->flags & TH_SYN) ? 1 : 0) - r->base[BASE_R0] - 1;
	for (uint32_t i = 0; i < e->len; i++)
		data[i] = pattern(k0 + i);
	t.data = data;
	t.len = (uint16_t)e->len;

	/* RFC 7323 4.3: the TSval we should echo from now on. */
	if (e->flags & TH_SYN) {
		r->peer_syn_ts = o->has_ts;
		r->ts_recent = o->ts_val;
		r->read_k = t.seq - r->base[BASE_R0];
	} else if (o->has_ts && !(e->flags & TH_RST) &&
	           (!r->ack_sent || seq_leq(t.seq, r->last_ack_sent)) &&
	           seq_geq(o->ts_val, r->ts_recent)) {
		r->ts_recent = o->ts_val;
	}

	struct rte_mbuf *m = frame_tcp(r->h->pool, &harness_iface(r->h)->mac, &t);
	if (m == NULL)
		return script_fail(r, "IN: cannot build the frame");
	harness_inject(r->h, &m, 1);
	if (poll)
		run_poll(r);
	return 0;
}

/* One engine iteration, one RX burst: everything IN_QUEUE() put there must
 * fit in it, or the script does not test what it says. */
static int
step_poll(struct script_run *r)
{
	engine_poll(r->h->eng, r->h->tsc);
	if (!rte_ring_empty(r->h->rings[0]))
		return script_fail(r, "POLL: the queued segments did not fit in one RX burst (%u)",
		                   r->cfg.burst);
	collect(r);
	return 0;
}

/* ---- connections -------------------------------------------------------- */

const struct script_step *
script_current_step(struct script_run *r)
{
	return r->step;
}

struct tcb *
script_tcb(struct script_run *r)
{
	struct flow_key key = {
		.local_ip = rte_cpu_to_be_32(US_IP),
		.remote_ip = rte_cpu_to_be_32(PEER_IP),
		.local_port = rte_cpu_to_be_16(r->us_port),
		.remote_port = rte_cpu_to_be_16(r->peer_port),
	};
	struct flow_table *ft = r->h->eng->flows;

	return flow_lookup(ft, &key, flow_hash(ft, &key));
}

static int
step_state(struct script_run *r, enum tcp_state want)
{
	struct tcb *tcb = script_tcb(r);
	enum tcp_state got = tcb != NULL ? (enum tcp_state)tcb->state : TCP_CLOSED;

	if (got == want)
		return 0;
	return script_fail(r, "STATE: %s, expected %s", tcp_state_name(got), tcp_state_name(want));
}

static int
step_connect(struct script_run *r)
{
	struct tern_conn *c;
	int ret =
	        tern_connect((struct tern_core *)r->h->eng, PEER_IP, r->peer_port, &r->ops, r, &c);

	if (ret != 0)
		return script_fail(r, "CONNECT: tern_connect: %s", strerror(-ret));
	r->conn = c;
	uint16_t port = rte_be_to_cpu_16(((struct tcb *)c)->key.local_port);
	if (port != r->us_port)
		return script_fail(r, "CONNECT: local port %u, expected %u", port, r->us_port);
	run_poll(r);
	return 0;
}

/* ESTABLISHED built directly: what a passive open reaches when the peer's
 * SYN offers MSS 1460, window scale 0, SACK-permitted (and timestamps) with a
 * 65535 window, and its ACK comes back at once. test_tcp_handshake.c checks
 * that this equals what the scripted handshake leaves. */
static int
step_fixture(struct script_run *r, bool ts)
{
	struct engine *eng = r->h->eng;
	struct tcb *tcb = tcp_tcb_alloc(eng);
	uint32_t irs = r->base[BASE_R0], iss = r->v->l0;

	if (tcb == NULL)
		return script_fail(r, "ESTABLISHED: no free connection");
	r->base[BASE_L0] = iss;
	r->known[BASE_L0] = true;
	r->l_cur = BASE_L0;
	tcb->key = (struct flow_key){
		.local_ip = rte_cpu_to_be_32(US_IP),
		.remote_ip = rte_cpu_to_be_32(PEER_IP),
		.local_port = rte_cpu_to_be_16(r->us_port),
		.remote_port = rte_cpu_to_be_16(r->peer_port),
	};
	tcp_tcb_setup(eng, tcb);
	/* SACK as the handshake negotiates it: only when ours is on. */
	tcb->flags |= TF_PASSIVE | TF_WS_OK | (eng->cfg->tcp_sack ? TF_SACK_OK : 0);
	tcb->ops = &r->ops;
	tcb->arg = r;
	tcb->mss = (uint16_t)RTE_MIN(1460u, eng->ifc->mtu - 40u);
	tcb->snd.wscale = 0;
	tcb->rcv.irs = irs;
	tcb->rcv.nxt = irs + 1;
	tcb->rcv.adv = irs + 1 + RTE_MIN(tcp_rcv_space(tcb), 65535u);
	tcb->snd.iss = iss;
	tcb->snd.una = tcb->snd.nxt = tcb->snd.max = iss + 1;
	tcb->recover = iss;
	tcb->cwnd = eng->cfg->tcp_init_cwnd * tcb->mss;
	tcb->snd.wnd = PEER_WIN_DEFAULT;
	tcb->snd.wl1 = irs + 1;
	tcb->snd.wl2 = iss + 1;
	r->peer_syn_ts = r->us_syn_ts = ts;
	r->our_tsval = (uint32_t)eng->now_ticks;
	if (ts) {
		tcb->flags |= TF_TS_OK;
		tcb->ts_recent = r->ts_recent = r->base[BASE_TSP];
		tcb->ts_recent_tick = eng->now_ticks;
		tcp_rtt_sample(eng, tcb, 0); /* the SYN-ACK's echo, at once */
	}
	if (tcp_tcb_insert(eng, tcb) != 0) {
		tcp_tcb_free(eng, tcb);
		return script_fail(r, "ESTABLISHED: the 4-tuple is taken");
	}
	tcp_set_state(eng, tcb, TCP_ESTABLISHED);
	tcp_keepalive_touch(eng, tcb);
	r->conn = (struct tern_conn *)tcb;
	r->last_ack_sent = irs + 1;
	r->ack_sent = true;
	r->read_k = 0;
	r->sent_k = 0;
	run_poll(r);
	return 0;
}

static int
step_send(struct script_run *r, uint32_t n, bool then_close)
{
	uint8_t *buf = malloc(n + 1);
	ssize_t ret;

	if (buf == NULL)
		return script_fail(r, "APP_SEND: out of memory");
	for (uint32_t i = 0; i < n; i++)
		buf[i] = pattern(r->sent_k + i);
	ret = tern_send(r->conn, buf, n);
	free(buf);
	if (ret != (ssize_t)n)
		return script_fail(r, "APP_SEND(%u): tern_send returned %zd", n, ret);
	r->sent_k += n;
	if (then_close && (ret = tern_close(r->conn)) != 0)
		return script_fail(r, "APP_SEND_CLOSE: tern_close: %s", strerror((int)-ret));
	run_poll(r);
	return 0;
}

static int
step_recv(struct script_run *r, uint32_t n)
{
	uint8_t *buf = malloc(n + 1);
	int ret = 0;

	if (buf == NULL)
		return script_fail(r, "APP_RECV: out of memory");
	size_t got = tern_recv_copy(r->conn, buf, n);
	if (got != n)
		ret = script_fail(r, "APP_RECV(%u): got %zu bytes", n, got);
	for (uint32_t i = 0; ret == 0 && i < n; i++)
		if (buf[i] != pattern(r->read_k + i))
			ret = script_fail(r,
			                  "APP_RECV(%u): byte %u is %u, not %u (stream offset %u)",
			                  n, i, buf[i], pattern(r->read_k + i), r->read_k + i);
	free(buf);
	r->read_k += n;
	if (ret == 0)
		run_poll(r);
	return ret;
}

static int
step_event(struct script_run *r, const struct script_step *st)
{
	if (r->events_lost)
		return script_fail(r, "more than %u callbacks unchecked", EVENTS_MAX);
	if (r->nb_events == 0)
		return script_fail(r, "expected the %s callback, none came", event_name(st->arg));
	unsigned kind = r->events[0].kind;
	int reason = r->events[0].reason;
	r->nb_events--;
	memmove(&r->events[0], &r->events[1], sizeof(r->events[0]) * r->nb_events);
	if (kind != st->arg)
		return script_fail(r, "expected the %s callback, got %s", event_name(st->arg),
		                   event_name(kind));
	if (kind == EV_CLOSED && reason != st->reason)
		return script_fail(r, "closed with %d (%s), expected %d (%s)", reason,
		                   strerror(-reason), (int)st->reason, strerror((int)-st->reason));
	return 0;
}

static int
step_no_event(struct script_run *r)
{
	if (r->nb_events == 0 && !r->events_lost)
		return 0;
	return script_fail(r, "unexpected %s callback", event_name(r->events[0].kind));
}

/* Every application step works on the connection, which must exist. */
static int
need_conn(struct script_run *r)
{
	return r->conn != NULL ? 0 : script_fail(r, "no connection (closed, or never opened)");
}

static int
step_app(struct script_run *r, const struct script_step *st)
{
	int ret = 0;

	if (expect_quiet(r, "before an application call") != 0)
		return -1;
	if (st->op != STEP_CALL && need_conn(r) != 0)
		return -1;
	switch (st->op) {
	case STEP_SEND:
	case STEP_SEND_CLOSE:
		return step_send(r, (uint32_t)st->arg, st->op == STEP_SEND_CLOSE);
	case STEP_RECV:
		return step_recv(r, (uint32_t)st->arg);
	case STEP_SHUTDOWN:
		ret = tern_shutdown(r->conn);
		break;
	case STEP_CLOSE:
		ret = tern_close(r->conn);
		break;
	case STEP_ABORT:
		tern_abort(r->conn);
		break;
	case STEP_CALL:
		if (st->fn(r) != 0)
			return script_fail(r, "APP(%s) failed", st->what);
		break;
	default:
		break;
	}
	if (ret != 0)
		return script_fail(r, "application call: %s", strerror(-ret));
	run_poll(r);
	return 0;
}

static int
step_time(struct script_run *r, const struct script_step *st)
{
	if (expect_quiet(r, st->op == STEP_ADVANCE ? "ADVANCE" : "WITHIN") != 0)
		return -1;
	for (int64_t i = 0; i < st->arg; i++) {
		run_advance_ms(r);
		if (st->op == STEP_WITHIN && r->q_len > 0)
			return 0;
	}
	if (st->op == STEP_WITHIN)
		return script_fail(r, "WITHIN_MS(%" PRId64 "): nothing was sent", st->arg);
	return 0;
}

static int
step_run(struct script_run *r, const struct script_step *st)
{
	switch (st->op) {
	case STEP_IN:
	case STEP_IN_QUEUE:
		return step_in(r, &st->seg, st->op == STEP_IN);
	case STEP_POLL:
		return step_poll(r);
	case STEP_OUT:
		return step_out(r, &st->seg);
	case STEP_OUT_NONE:
		return expect_quiet(r, "OUT_NONE");
	case STEP_STATE:
		return step_state(r, (enum tcp_state)st->arg);
	case STEP_ADVANCE:
	case STEP_WITHIN:
		return step_time(r, st);
	case STEP_LISTEN:
		if (harness_listen(r->h, r->us_port, &r->ops, r) != 0)
			return script_fail(r, "LISTEN: no free listener slot");
		return 0;
	case STEP_CONNECT:
		return expect_quiet(r, "CONNECT") != 0 ? -1 : step_connect(r);
	case STEP_FIXTURE:
		return expect_quiet(r, "ESTABLISHED") != 0 ? -1 : step_fixture(r, st->arg != 0);
	case STEP_PENDING:
		if (need_conn(r) != 0)
			return -1;
		if (tern_recv_pending(r->conn) != (size_t)st->arg)
			return script_fail(r, "PENDING: %zu bytes, expected %" PRId64,
			                   tern_recv_pending(r->conn), st->arg);
		return 0;
	case STEP_EOF:
		if (need_conn(r) != 0)
			return -1;
		return tern_recv_eof(r->conn) ? 0 : script_fail(r, "RECV_EOF: not at the end");
	case STEP_EVENT:
		return step_event(r, st);
	case STEP_NO_EVENT:
		return step_no_event(r);
	default:
		return step_app(r, st);
	}
}

/* ---- one run ------------------------------------------------------------ */

/* RFC 6528: ISN = M + F(4-tuple). F is fixed once the ports are; M is the
 * clock in 4 us units, which the harness owns. Find a peer port for which
 * moving the clock forward by at most a minute makes the ISN @want. */
static void
pick_isn(struct script_run *r, uint32_t want)
{
	struct engine *eng = r->h->eng;
	uint64_t tsc_per_us = eng->tsc_per_tick / ENGINE_TICK_US;
	uint64_t u0 = (r->h->tsc / tsc_per_us + 3) & ~3ull;

	for (uint32_t p = 1024; p <= UINT16_MAX; p++) {
		uint32_t f = tcp_isn(&eng->tcp.isn_key, rte_cpu_to_be_32(US_IP),
		                     rte_cpu_to_be_16(r->us_port), rte_cpu_to_be_32(PEER_IP),
		                     rte_cpu_to_be_16((uint16_t)p), 0);
		uint32_t steps = (want - f) - (uint32_t)(u0 / 4);
		if (4ull * steps > ISN_SHIFT_MAX_US || p == r->us_port)
			continue;
		r->peer_port = (uint16_t)p;
		r->h->tsc = (u0 + 4ull * steps) * tsc_per_us;
		harness_poll(r->h);
		return;
	}
}

static bool
script_connects(const struct tcp_script *s)
{
	for (unsigned i = 0; i < s->nb_steps; i++)
		if (s->steps[i].op == STEP_CONNECT)
			return true;
	return false;
}

static int
run_open(struct script_run *r)
{
	harness_config_defaults(&r->cfg);
	r->cfg.arp_timeout_s = 86400; /* the peer stays resolved however long a script waits */
	/* One ephemeral port: tern_connect's choice is known before the peer's
	 * port is (the choice depends on it, RFC 6056 3.3.3). */
	r->cfg.tcp_local_port_min = r->cfg.tcp_local_port_max = SCRIPT_US_ACTIVE_PORT;
	if (r->s->config != NULL)
		r->s->config(&r->cfg);
	r->h = harness_open(&r->cfg);
	if (r->h == NULL)
		return script_fail(r, "harness_open failed");
	r->ops = (struct tern_conn_ops){
		.accepted = cb_accepted,
		.connected = cb_connected,
		.closed = cb_closed,
	};
	r->us_port = script_connects(r->s) ? r->cfg.tcp_local_port_min : SCRIPT_US_PORT;
	r->peer_port = SCRIPT_PEER_PORT;
	pick_isn(r, r->v->l0);
	harness_learn(r->h, PEER_IP, &peer_mac);
	r->start_tick = r->h->eng->now_ticks;
	r->base[BASE_R0] = r->v->r0;
	r->base[BASE_TSP] = r->v->tsp;
	r->base[BASE_TSL] = (uint32_t)r->start_tick;
	r->known[BASE_ABS] = r->known[BASE_R0] = r->known[BASE_TSP] = r->known[BASE_TSL] = true;
	r->l_cur = BASE_L0;
	return 0;
}

/* Close what is left, wait out TIME_WAIT and every retransmission, and
 * check that every connection and mbuf came back. */
static int
run_cleanup(struct script_run *r, bool check)
{
	struct engine *eng = r->h->eng;
	int ret = 0;

	queue_flush(r);
	if (r->conn != NULL)
		tern_abort(r->conn);
	uint32_t wait_s = RTE_MAX((uint32_t)CLEANUP_S, 2 * r->cfg.tcp_msl_s + 10);
	for (uint32_t i = 0; i <= wait_s; i++) {
		harness_advance_us(r->h, 1000000);
		harness_drain(r->h);
	}
	r->step = NULL;
	if (check && eng->tcp.used != 0)
		ret = script_fail(r, "cleanup: %u connections still in use", eng->tcp.used);
	/* The engine's send and receive budgets account for every mbuf. */
	if (check && (eng->tcp.sndq_segs != 0 || eng->tcp.rcv_segs != 0))
		ret = script_fail(r, "cleanup: budgets still count %u send and %u receive mbufs",
		                  eng->tcp.sndq_segs, eng->tcp.rcv_segs);
	if (check && ret == 0 && harness_pool_in_use(r->h) != 0)
		ret = script_fail(r, "cleanup: %u mbufs still in use", harness_pool_in_use(r->h));
	harness_close(r->h);
	r->h = NULL;
	return ret;
}

static int
run_variant(const struct tcp_script *s, unsigned variant)
{
	struct script_run *r = calloc(1, sizeof(*r));
	int ret;

	if (r == NULL)
		return -1;
	r->s = s;
	r->variant = variant;
	r->v = &variants[variant];
	ret = run_open(r);
	for (unsigned i = 0; ret == 0 && i < s->nb_steps; i++) {
		r->step_no = i;
		r->step = &s->steps[i];
		ret = step_run(r, r->step);
	}
	if (ret == 0) {
		r->step_no = s->nb_steps;
		ret = expect_quiet(r, "end of script");
	}
	if (ret == 0 && (r->nb_events > 0 || r->events_lost))
		ret = script_fail(r, "end of script: the %s callback was not checked",
		                  event_name(r->events[0].kind));
	if (r->h != NULL && run_cleanup(r, ret == 0) != 0)
		ret = -1;
	free(r);
	return ret;
}

/* Every segment we send has its window stated (or WIN_ANY): a script that
 * forgot one fails before it runs, whatever it would have reached. */
static int
script_check(const struct tcp_script *s)
{
	int ret = 0;

	for (unsigned i = 0; i < s->nb_steps; i++) {
		const struct script_step *st = &s->steps[i];
		if (st->op == STEP_OUT && st->seg.win == AUTO) {
			fprintf(stderr,
			        "%s:%d: %s: step %u: OUT without a window: give .win, or WIN_ANY "
			        "and why\n",
			        s->file != NULL ? s->file : "?", st->line, s->name, i + 1);
			ret = -1;
		}
	}
	return ret;
}

int
tcp_script_run(const struct tcp_script *s)
{
	if (script_check(s) != 0)
		return -1;
	for (unsigned v = 0; v < RTE_DIM(variants); v++)
		if (run_variant(s, v) != 0)
			return -1;
	return 0;
}
