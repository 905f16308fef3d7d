/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application: a table of its handles, and callbacks that call back into
 * the API (tern_connect, tern_send, tern_send_mbuf, tern_recv_copy,
 * tern_shutdown, tern_close, tern_abort) while the engine is in the middle of
 * a segment, a timer or a reclaim. A callback for a handle it does not hold,
 * or after its closed, is a bug; a handle's arg names its slot and
 * generation, so a stale one shows.
 *
 *   engine -> on_accepted .. on_closed -> slot_from -> cb_act -> app_act
 *     -> app_connect | app_do -> tern_* (which may call back, nested) | lend_send
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

#include "reentry.h"

#define DEPTH_MAX 8 /* callbacks nested deeper act no more */

static const char *const act_names[A_NB] = {
	"connect", "send", "recv", "shutdown", "close", "abort", "lend",
};

/* The engine's callbacks carry only the connection and its arg (the slot):
 * they reach the search through this, set once before any connection. */
static struct reentry *app_re;

void
app_bind(struct reentry *re)
{
	app_re = re;
}

/* ---- the application's table ------------------------------------------ */

void *
arg_of(const struct reentry *re, const struct slot *s)
{
	return (void *)(((uintptr_t)s->gen << 8) | (uintptr_t)(s - re->slots));
}

static struct slot *
slot_alloc(struct reentry *re)
{
	for (unsigned i = 0; i < SLOTS; i++) {
		struct slot *s = &re->slots[i];
		if (s->busy)
			continue;
		uint32_t gen = s->gen + 1;
		*s = (struct slot){ .busy = true, .gen = gen };
		return s;
	}
	bug(re, "the application's table is full");
	return NULL;
}

static void
slot_free(struct slot *s)
{
	uint32_t gen = s->gen;

	*s = (struct slot){ .gen = gen };
}

struct slot *
slot_holding(struct reentry *re, const struct tern_conn *c)
{
	for (unsigned i = 0; i < SLOTS; i++)
		if (slot_live(&re->slots[i]) && re->slots[i].c == c)
			return &re->slots[i];
	return NULL;
}

unsigned
live_slots(const struct reentry *re)
{
	unsigned n = 0;

	for (unsigned i = 0; i < SLOTS; i++)
		n += slot_live(&re->slots[i]);
	return n;
}

/* The slot a callback's (@c, @arg) names, which must hold @c. */
static struct slot *
slot_from(struct reentry *re, const struct tern_conn *c, void *arg, const char *what)
{
	uintptr_t a = (uintptr_t)arg;
	struct slot *s;

	if (arg == LISTEN_ARG) {
		bug(re, "%s for conn %u (%s), never accepted", what, tcb_of(c)->id,
		    tcp_state_name(tcb_of(c)->state));
		return NULL;
	}
	if ((a & 0xff) >= SLOTS) {
		bug(re, "%s for conn %u with arg %#" PRIxPTR ", not the application's", what,
		    tcb_of(c)->id, a);
		return NULL;
	}
	s = &re->slots[a & 0xff];
	if (!slot_live(s) || s->gen != (uint32_t)(a >> 8) || s->c != c) {
		bug(re,
		    "%s for conn %u (%s) the application does not hold (slot %u: gen %u, "
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

/* ---- the application's actions ------------------------------------------ */

static void
app_connect(struct reentry *re)
{
	struct slot *s = slot_alloc(re);
	struct tern_conn *c = NULL;
	bool nested = re->cb_depth > 0, closed = re->closed_depth > 0;
	struct counters *cnt = &re->cnt;

	if (s == NULL)
		return;
	int ret = tern_connect((struct tern_core *)re->h->eng, PEER_IP,
	                       (uint16_t)(SVC_PORT0 + below(re, 2)), &app_ops, arg_of(re, s), &c);
	cnt->connects++;
	trace(re, "tern_connect: %d, conn %d (slot %u)", ret, c != NULL ? (int)tcb_of(c)->id : -1,
	      (unsigned)(s - re->slots));
	cnt->nested_connects += nested;
	cnt->connects_in_closed += closed;
	if (ret != 0) {
		if ((ret != -EADDRNOTAVAIL && ret != -ENOMEM) || c != NULL)
			bug(re, "tern_connect: %d, conn %p", ret, (void *)c);
		slot_free(s);
		return;
	}
	cnt->connects_ok++;
	cnt->nested_connects_ok += nested;
	cnt->connects_in_closed_ok += closed;
	struct slot *other = slot_holding(re, c);
	s->c = c;
	if (other != NULL) {
		bug(re, "tern_connect%s returned conn %u, which slot %u holds (opened gen %u)",
		    closed   ? " in a closed callback"
		    : nested ? " in a callback"
		             : "",
		    tcb_of(c)->id, (unsigned)(other - re->slots), other->gen);
		return;
	}
	if (tcb_of(c)->state != TCP_SYN_SENT)
		bug(re, "tern_connect returned conn %u in %s", tcb_of(c)->id,
		    tcp_state_name(tcb_of(c)->state));
	else
		check_held(re, s, "tern_connect");
}

/* Action @a on @s, a handle the application holds and has not closed. */
static void
app_do(struct reentry *re, struct slot *s, enum app_act a)
{
	struct tern_conn *c = s->c;
	bool in_cb = re->cb_depth > 0;
	ssize_t sent;
	size_t len;
	int ret;

	trace(re, "%s conn %u (%s)", act_names[a], tcb_of(c)->id, tcp_state_name(tcb_of(c)->state));
	switch (a) {
	case A_SEND:
		len = 1 + below(re, sizeof(re->send_buf));
		sent = tern_send(c, re->send_buf, len);
		if (sent < 0 ? sent != -ENOTCONN && sent != -EPIPE && sent != -ENOBUFS
		             : (size_t)sent > len)
			bug(re, "tern_send(%zu): %zd", len, sent);
		s->queued += sent > 0 ? (uint64_t)sent : 0;
		re->cnt.sends_in_cb += in_cb;
		break;
	case A_LEND:
		lend_send(re, s);
		re->cnt.lends_in_cb += in_cb;
		break;
	case A_RECV:
		if (below(re, 2) == 0)
			rte_pktmbuf_free(tern_recv(c)); /* zero-copy: all of it */
		else
			tern_recv_copy(c, re->app_buf, 1 + below(re, sizeof(re->app_buf)));
		break;
	case A_SHUTDOWN:
		ret = tern_shutdown(c);
		if (ret != 0 && ret != -ENOTCONN)
			bug(re, "tern_shutdown: %d", ret);
		re->cnt.shutdowns_in_cb += in_cb;
		break;
	case A_CLOSE:
		s->closing = true;
		ret = tern_close(c);
		if (ret != 0)
			bug(re, "tern_close: %d", ret);
		re->cnt.closes_in_cb += in_cb;
		break;
	case A_ABORT: {
		uint32_t gen = s->gen;
		s->aborting = true;
		tern_abort(c);
		if (s->gen == gen && s->busy)
			bug(re, "tern_abort returned before the closed callback");
		re->cnt.aborts_in_cb += in_cb;
		break;
	}
	default:
		break;
	}
}

static struct slot *
random_open_slot(struct reentry *re)
{
	struct slot *slots = re->slots;
	unsigned n = 0, k;

	for (unsigned i = 0; i < SLOTS; i++)
		n += slot_live(&slots[i]) && !slots[i].closing;
	if (n == 0)
		return NULL;
	k = below(re, n);
	for (unsigned i = 0; i < SLOTS; i++)
		if (slot_live(&slots[i]) && !slots[i].closing && k-- == 0)
			return &slots[i];
	return NULL;
}

void
app_act(struct reentry *re, struct slot *self, uint32_t self_gen, unsigned n)
{
	if (re->draining || re->stopping || re->cb_depth > DEPTH_MAX)
		return;
	for (unsigned i = 0; i < n && !re->failed; i++) {
		enum app_act a = (enum app_act)pick_weighted(re, re->odds.act, A_NB);
		if (a == A_CONNECT) {
			app_connect(re);
			continue;
		}
		struct slot *s = self;
		if (s == NULL || s->gen != self_gen || !slot_live(s) || s->closing ||
		    below(re, 3) == 0)
			s = random_open_slot(re);
		if (s != NULL)
			app_do(re, s, a);
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
cb_act(struct reentry *re, struct slot *s, enum cb_kind kind)
{
	const struct tcb *t = tcb_of(s->c);
	uint32_t gen = s->gen;

	app_act(re, s, gen, below(re, re->odds.acts_max + 1));
	if ((s->gen == gen && s->busy) || t->state == TCP_CLOSED)
		return;
	re->cnt.reused_under_cb[kind]++;
	trace(re, "conn %u reopened (%s) under its %s callback", t->id, tcp_state_name(t->state),
	      cb_names[kind]);
}

/* A callback begins: the search it acts in, counted one deeper, or NULL in
 * teardown, where callbacks do nothing. The callback ends with cb_depth--. */
static struct reentry *
cb_enter(void)
{
	struct reentry *re = app_re;

	if (re->stopping)
		return NULL;
	re->cb_depth++;
	if (re->cb_depth > re->cnt.depth_max)
		re->cnt.depth_max = re->cb_depth;
	return re;
}

/* The slot a readable or writable callback names: held, and not closed by
 * the application (only closed may come after tern_close). */
static struct slot *
slot_open_from(struct reentry *re, const struct tern_conn *c, void *arg, const char *what)
{
	struct slot *s = slot_from(re, c, arg, what);

	if (s != NULL && s->closing) {
		bug(re, "%s for conn %u after tern_close", what, tcb_of(c)->id);
		return NULL;
	}
	if (s != NULL)
		check_held(re, s, what);
	return s;
}

static void
on_accepted(struct tern_conn *c, void *arg)
{
	struct reentry *re = cb_enter();
	const struct tcb *t = tcb_of(c);

	if (re == NULL)
		return;
	re->cnt.accepted++;
	trace(re, "accepted conn %u", t->id);
	if (arg != LISTEN_ARG || slot_holding(re, c) != NULL || !(t->flags & TF_PASSIVE)) {
		bug(re, "accepted for conn %u (%s), held %d, passive %d", t->id,
		    tcp_state_name(t->state), slot_holding(re, c) != NULL,
		    !!(t->flags & TF_PASSIVE));
		re->cb_depth--;
		return;
	}
	struct slot *s = slot_alloc(re);
	if (s != NULL) {
		s->c = c;
		s->passive = s->established = true;
		tern_conn_set_arg(c, arg_of(re, s));
		check_held(re, s, "accepted");
		if (re->draining) {
			s->closing = true;
			tern_close(c);
		} else {
			cb_act(re, s, CB_ACCEPTED);
		}
	}
	re->cb_depth--;
}

static void
on_connected(struct tern_conn *c, void *arg)
{
	struct reentry *re = cb_enter();

	if (re == NULL)
		return;
	re->cnt.connected++;
	trace(re, "connected conn %u", tcb_of(c)->id);
	struct slot *s = slot_from(re, c, arg, "connected");
	if (s != NULL && (s->established || s->passive || s->closing))
		bug(re, "connected for conn %u: established %d passive %d closing %d",
		    tcb_of(c)->id, s->established, s->passive, s->closing);
	else if (s != NULL) {
		s->established = true;
		check_held(re, s, "connected");
		cb_act(re, s, CB_CONNECTED);
	}
	re->cb_depth--;
}

static void
on_readable(struct tern_conn *c, void *arg)
{
	struct reentry *re = cb_enter();

	if (re == NULL)
		return;
	trace(re, "readable conn %u (%s, %zu bytes)", tcb_of(c)->id,
	      tcp_state_name(tcb_of(c)->state), tern_recv_pending(c));
	struct slot *s = slot_open_from(re, c, arg, "readable");
	if (s != NULL) {
		/* Mostly read it all; sometimes leave it (a close then resets). */
		for (unsigned i = 0; i < 8 && below(re, 4) != 0; i++)
			if (tern_recv_copy(c, re->app_buf, sizeof(re->app_buf)) == 0)
				break;
		cb_act(re, s, CB_READABLE);
	}
	re->cb_depth--;
}

static void
on_writable(struct tern_conn *c, void *arg)
{
	struct reentry *re = cb_enter();

	if (re == NULL)
		return;
	trace(re, "writable conn %u", tcb_of(c)->id);
	struct slot *s = slot_open_from(re, c, arg, "writable");
	if (s != NULL)
		cb_act(re, s, CB_WRITABLE);
	re->cb_depth--;
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
	struct reentry *re = cb_enter();
	const struct tcb *t = tcb_of(c);

	if (re == NULL)
		return;
	re->cnt.closed++;
	trace(re, "closed conn %u (%s%s%s) %d", t->id, tcp_state_name(t->state),
	      (t->flags & TF_ON_ORPHANS) ? ", an orphan" : "",
	      (t->flags & TF_ON_TW_LIST) ? ", on the TIME_WAIT list" : "", reason);
	re->cnt.closed_listed_orphan += !!(t->flags & TF_ON_ORPHANS);
	re->cnt.closed_listed_tw += !!(t->flags & TF_ON_TW_LIST);
	struct slot *s = slot_from(re, c, arg, "closed");
	if (s != NULL) {
		if (!reason_ok(reason) || (s->aborting && reason != -ECONNABORTED))
			bug(re, "closed for conn %u with reason %d (aborting %d)", t->id, reason,
			    s->aborting);
		else if (t->state != TCP_CLOSED && t->state != TCP_TIME_WAIT)
			bug(re, "closed for conn %u in %s", t->id, tcp_state_name(t->state));
		re->cnt.closed_by_reclaim += reason == -ECONNABORTED && !s->aborting;
		slot_free(s);
		/* The handle is gone: act on others, open new ones. */
		re->closed_depth++;
		app_act(re, NULL, 0, below(re, re->odds.acts_max + 1));
		re->closed_depth--;
	}
	re->cb_depth--;
}

const struct tern_conn_ops app_ops = {
	.accepted = on_accepted,
	.connected = on_connected,
	.readable = on_readable,
	.writable = on_writable,
	.closed = on_closed,
};
