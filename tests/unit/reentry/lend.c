/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application's zero-copy sends (tern_send_mbuf): a chain of 1-3 mbufs of
 * the test's own pool, or an external buffer of the application's attached
 * with rte_pktmbuf_attach_extbuf (now and then after a plain segment), each
 * with a shared-info of its own whose free callback says that buffer is back.
 * A table holds where each external buffer went: the handle, and its bytes'
 * sequence numbers, from the bytes the application queued before it (checked
 * against the engine's own count). The scripted peer reports every ACK it
 * sends (lend_peer_ack), so the callback knows whether the peer acknowledged
 * the buffer before Tern let it go.
 *
 *   app_do -> lend_send -> tern_send_mbuf -> 0: LEND_OUT | error: freed here
 *   engine (ACK, end), harness_collect (a frame that referenced it) -> lend_free_cb
 *   settle -> lend_check_ended;  run_seed -> lend_check_end
 *
 * The callback runs once per lend, never inside tern_send_mbuf, never while
 * the connection is open and the peer has not acknowledged every byte, and
 * finds the bytes as lent (Tern never writes there); a refused chain comes
 * back as it went (links, lengths, refcounts) and its callback runs when the
 * application frees it; once a connection has ended and its frames are read,
 * its lends are back; at the end of a seed all are, and the test's pool has
 * every mbuf.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "reentry.h"

#define CHAIN_MAX 3    /* plain segments of one lend */
#define SENTINEL  0xee /* either side of a lent buffer's bytes */
#define GUARD     16   /* ... this many checked */
#define OFF_MAX   64   /* where the bytes start in the buffer: any offset, odd ones too */

/* The free callback carries only the buffer and its opaque (the lend's
 * index and id): it reaches the search through this, set once at start. */
static struct reentry *lend_re;

int
lend_init(struct reentry *re)
{
	lend_re = re;
	/* No per-lcore cache: the in-use count is exact. */
	re->lend_pool = rte_pktmbuf_pool_create("reentry_lend", LEND_MBUFS, 0, 0,
	                                        RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return re->lend_pool == NULL ? -ENOMEM : 0;
}

void
lend_fini(struct reentry *re)
{
	rte_mempool_free(re->lend_pool);
	re->lend_pool = NULL;
}

void
lend_reset(struct reentry *re)
{
	for (unsigned i = 0; i < re->lends_top; i++)
		re->lends[i].state = LEND_IDLE;
	re->lends_top = 0;
}

/* ---- the free callback -------------------------------------------------- */

/* Whether @e's connection is still open: the application holds it (no
 * closed callback yet) and it has not ended. */
static bool
lend_conn_open(const struct reentry *re, const struct lend *e)
{
	const struct slot *s = &re->slots[e->slot];

	if (!slot_live(s) || s->gen != e->slot_gen)
		return false;
	return tcb_of(s->c)->state != TCP_CLOSED && tcb_of(s->c)->state != TCP_TIME_WAIT;
}

/* The first byte of @buf[@from, @to) that is not @v, or @to. */
static unsigned
first_not(const uint8_t *buf, unsigned from, unsigned to, uint8_t v)
{
	while (from < to && buf[from] == v)
		from++;
	return from;
}

/* @e's bytes as lent, and the sentinels around them as set. */
static void
lend_check_bytes(struct reentry *re, const struct lend *e, const uint8_t *buf)
{
	unsigned lo = e->off > GUARD ? e->off - GUARD : 0, end = e->off + e->len;
	unsigned at = first_not(buf, lo, e->off, SENTINEL);

	if (at == e->off)
		at = e->off + app_bytes_end(re, buf + e->off, e->len);
	if (at == end)
		at = first_not(buf, end, end + GUARD, SENTINEL);
	if (at < end + GUARD)
		bug(re,
		    "lent buffer #%" PRIu64 " of conn %u: byte %d of its data is %#x: Tern wrote "
		    "into it",
		    e->id, e->conn_id, (int)at - e->off, buf[at]);
}

/* An external buffer is back: when (Tern's, refused, teardown), and whether
 * the peer had acknowledged it. Never calls the API (docs/API.md). */
static void
lend_free_cb(void *addr, void *opaque)
{
	struct reentry *re = lend_re;
	uintptr_t o = (uintptr_t)opaque;
	struct lend *e = &re->lends[o % LENDS];
	uint8_t *buf = re->lend_mem[o % LENDS];
	uint64_t id = o / LENDS;
	bool late = e->state == LEND_OUT && lend_conn_open(re, e) && !e->acked;

	if (e->id != id || e->state == LEND_IDLE || addr != buf) {
		if (!re->stopping)
			bug(re, "lent buffer #%" PRIu64 ": its free callback ran again (buffer %p)",
			    id, addr);
		return;
	}
	if (e->state == LEND_OFFERED)
		bug(re, "lent buffer #%" PRIu64 ": its free callback ran inside tern_send_mbuf",
		    id);
	trace(re, "lent buffer #%" PRIu64 " of conn %u back: %s", id, e->conn_id,
	      re->stopping               ? "teardown"
	      : e->state == LEND_REFUSED ? "refused"
	      : e->acked                 ? "acknowledged"
	      : late                     ? "unacknowledged, the connection open"
	                                 : "the connection ended");
	if (re->stopping)
		re->cnt.ext_freed_teardown++;
	else if (e->state == LEND_REFUSED)
		re->cnt.ext_freed_refused++;
	else if (late)
		bug(re,
		    "lent buffer #%" PRIu64 " (conn %u, %s, seq %u..%u) freed while the "
		    "connection is open and the peer has acknowledged only up to %u",
		    id, e->conn_id, tcp_state_name(tcb_of(re->slots[e->slot].c)->state), e->seq,
		    e->seq + e->len, e->peer_ack);
	else if (e->acked)
		re->cnt.ext_freed_acked++;
	else
		re->cnt.ext_freed_at_end++;
	lend_check_bytes(re, e, buf);
	/* The application may write there now: the peer must never see it. */
	memset(buf + e->off, LEND_POISON, e->len);
	e->state = LEND_IDLE;
}

/* ---- building a lend ---------------------------------------------------- */

/* A chain being lent, as built: to find it as it was if refused. */
struct chain {
	struct rte_mbuf *seg[CHAIN_MAX + 1];
	uint16_t len[CHAIN_MAX + 1];
	unsigned n;
	uint32_t bytes;
	struct lend *ext; /* the last segment's external buffer, or NULL */
};

static bool
chain_add(struct chain *ch, struct rte_mbuf *m)
{
	if (m == NULL)
		return false;
	if (ch->n > 0 && rte_pktmbuf_chain(ch->seg[0], m) != 0)
		return false;
	ch->seg[ch->n] = m;
	ch->len[ch->n++] = m->data_len;
	ch->bytes += m->data_len;
	return true;
}

/* A segment of the test's pool with @len bytes of the application's. */
static struct rte_mbuf *
plain_seg(struct reentry *re, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(re->lend_pool);

	if (m != NULL)
		memset(rte_pktmbuf_append(m, len), APP_BYTE, len);
	return m;
}

static struct lend *
lend_alloc(struct reentry *re)
{
	for (unsigned i = 0; i < LENDS; i++) {
		if (re->lends[i].state != LEND_IDLE)
			continue;
		re->lends_top = RTE_MAX(re->lends_top, i + 1);
		return &re->lends[i];
	}
	return NULL;
}

/* A header of the test's pool attached to @e's buffer: @len bytes at @off,
 * sentinels around them, a shared-info of its own (refcount 1). */
static struct rte_mbuf *
ext_seg(struct reentry *re, struct lend *e, uint16_t off, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(re->lend_pool);
	unsigned i = (unsigned)(e - re->lends);
	uint8_t *buf = re->lend_mem[i];
	unsigned lo = off > GUARD ? off - GUARD : 0;

	if (m == NULL)
		return NULL;
	*e = (struct lend){ .id = ++re->lend_ids, .state = LEND_OFFERED, .off = off, .len = len };
	e->shinfo.free_cb = lend_free_cb;
	e->shinfo.fcb_opaque = (void *)(uintptr_t)(e->id * LENDS + i);
	rte_mbuf_ext_refcnt_set(&e->shinfo, 1);
	memset(buf + lo, SENTINEL, off - lo);
	memset(buf + off, APP_BYTE, len);
	memset(buf + off + len, SENTINEL, GUARD);
	rte_pktmbuf_attach_extbuf(m, buf, RTE_BAD_IOVA, LEND_BUF, &e->shinfo);
	m->data_off = off;
	m->data_len = len;
	m->pkt_len = len;
	return m;
}

/* ---- the send ------------------------------------------------------------ */

/* A refused chain is the caller's as it gave it: same links, lengths and
 * refcounts, the external buffer's callback not run. */
static bool
chain_untouched(struct reentry *re, const struct chain *ch, int ret)
{
	const struct rte_mbuf *m = ch->seg[0], *seg = m;

	if (m->nb_segs != ch->n || m->pkt_len != ch->bytes)
		bug(re,
		    "tern_send_mbuf refused a chain (%d) and left it %u segs of %u bytes, not %u "
		    "of %u",
		    ret, m->nb_segs, m->pkt_len, ch->n, ch->bytes);
	for (unsigned i = 0; i < ch->n && !re->failed; i++) {
		if (seg != ch->seg[i] || seg->data_len != ch->len[i] ||
		    rte_mbuf_refcnt_read(seg) != 1)
			bug(re, "tern_send_mbuf refused a chain (%d) and left its segment %u %s",
			    ret, i, seg != ch->seg[i] ? "another" : "changed (length or refcount)");
		else
			seg = seg->next;
	}
	if (!re->failed && seg != NULL)
		bug(re, "tern_send_mbuf refused a chain (%d) and left it longer than its %u segs",
		    ret, ch->n);
	if (!re->failed && ch->ext != NULL &&
	    (ch->ext->state != LEND_OFFERED || rte_mbuf_ext_refcnt_read(&ch->ext->shinfo) != 1 ||
	     !RTE_MBUF_HAS_EXTBUF(ch->seg[ch->n - 1])))
		bug(re,
		    "tern_send_mbuf refused a chain (%d) and left lent buffer #%" PRIu64
		    " %s (shared refcount %u)",
		    ret, ch->ext->id, ch->ext->state != LEND_OFFERED ? "freed" : "detached",
		    rte_mbuf_ext_refcnt_read(&ch->ext->shinfo));
	return !re->failed;
}

/* Refused: still the application's, which frees it. Its external buffer's
 * callback runs then, once; the test's pool gets every segment back. */
static void
lend_refused(struct reentry *re, const struct chain *ch, int ret)
{
	re->cnt.lends_nobufs += ret == -ENOBUFS;
	re->cnt.lends_msgsize += ret == -EMSGSIZE;
	re->cnt.lends_closed += ret == -ENOTCONN || ret == -EPIPE;
	/* A chain the engine may hold is not freed twice. */
	if (!chain_untouched(re, ch, ret))
		return;
	unsigned in_use = rte_mempool_in_use_count(re->lend_pool);
	if (ch->ext != NULL)
		ch->ext->state = LEND_REFUSED;
	rte_pktmbuf_free(ch->seg[0]);
	if (ch->ext != NULL && ch->ext->state != LEND_IDLE)
		bug(re, "refused lent buffer #%" PRIu64 " freed: its free callback did not run",
		    ch->ext->id);
	else if (rte_mempool_in_use_count(re->lend_pool) != in_use - ch->n)
		bug(re,
		    "a refused chain of %u segs freed: the test's pool went from %u to %u in use",
		    ch->n, in_use, rte_mempool_in_use_count(re->lend_pool));
}

/* Taken: Tern's. Its external buffer's bytes follow those queued before it. */
static void
lend_taken(struct reentry *re, const struct slot *s, const struct chain *ch)
{
	const struct tcb *t = tcb_of(s->c);
	struct lend *e = ch->ext;
	uint32_t ip;

	re->cnt.lends_ok++;
	if (e == NULL)
		return;
	e->state = LEND_OUT;
	e->slot = (uint8_t)(s - re->slots);
	e->slot_gen = s->gen;
	e->us_port = rte_be_to_cpu_16(t->key.local_port);
	tern_conn_peer(s->c, &ip, &e->peer_port);
	e->iss = t->snd.iss;
	/* Its bytes end the stream so far, which starts after the SYN. */
	e->seq = t->snd.iss + 1 + (uint32_t)(s->queued - e->len);
	e->peer_ack = e->seq;
	trace(re, "lent buffer #%" PRIu64 ": seq %u..%u", e->id, e->seq, e->seq + e->len);
}

static void
lend_offer(struct reentry *re, struct slot *s, const struct chain *ch)
{
	const struct tcb *t = tcb_of(s->c);

	if (ch->ext != NULL)
		ch->ext->conn_id = t->id;
	int ret = tern_send_mbuf(s->c, ch->seg[0]);

	trace(re, "tern_send_mbuf conn %u: %u segs, %u bytes%s: %d", t->id, ch->n, ch->bytes,
	      ch->ext != NULL ? ", the last external" : "", ret);
	s->queued += ret == 0 ? ch->bytes : 0;
	/* What the application queued is what the peer acknowledged and
	 * what the engine holds: the lent buffer's sequence numbers are right. */
	if (s->queued != t->bytes_acked + t->sndq_len)
		bug(re,
		    "conn %u (%s): the application queued %" PRIu64 " bytes, the engine holds %u "
		    "and counts %" PRIu64 " acknowledged",
		    t->id, tcp_state_name(t->state), s->queued, t->sndq_len, t->bytes_acked);
	else if (ret != 0 && ret != -ENOBUFS && ret != -EMSGSIZE && ret != -ENOTCONN &&
	         ret != -EPIPE)
		bug(re, "tern_send_mbuf: %d", ret);
	else if ((ret == -EMSGSIZE) != (ch->bytes > t->snd_buf) && ret != -ENOTCONN &&
	         ret != -EPIPE)
		bug(re, "tern_send_mbuf of %u bytes, the send buffer %u: %d", ch->bytes, t->snd_buf,
		    ret);
	if (ret == 0)
		lend_taken(re, s, ch);
	else
		lend_refused(re, ch, ret);
}

void
lend_send(struct reentry *re, struct slot *s)
{
	struct chain ch = { .n = 0 };
	bool ext = below(re, 2) == 0;
	/* An external buffer, now and then after a plain segment; or 1-3
	 * plain segments. */
	unsigned plain = ext ? below(re, 4) == 0 : 1 + below(re, CHAIN_MAX);
	struct lend *e = ext ? lend_alloc(re) : NULL;
	bool built = !ext || e != NULL;

	for (unsigned i = 0; i < plain && built; i++) {
		/* Mostly short, so that more chains fit the send buffer than
		 * not; now and then tiny, so that a segment of ours spans more
		 * lent pieces than a frame may reference (tcp_payload_ref). */
		unsigned r = below(re, 8);
		unsigned max = r == 0 ? 16 : r < 3 ? RTE_MBUF_DEFAULT_DATAROOM : 700;
		built = chain_add(&ch, plain_seg(re, (uint16_t)(1 + below(re, max))));
	}
	if (built && ext) {
		uint16_t off = (uint16_t)below(re, OFF_MAX);
		uint16_t len =
		        (uint16_t)(1 + (below(re, 6) == 0 ? below(re, LEND_BUF - OFF_MAX - GUARD)
		                                          : below(re, 1500)));
		built = chain_add(&ch, ext_seg(re, e, off, len));
		ch.ext = built ? e : NULL;
	}
	if (!built) {
		/* The test's pool or table ran dry: not a lend. */
		re->cnt.lends_skipped++;
		trace(re, "no lend: the test's %s is dry", ext && e == NULL ? "table" : "pool");
		if (ch.n > 0)
			rte_pktmbuf_free(ch.seg[0]);
		return;
	}
	re->cnt.lends_plain += !ext;
	re->cnt.lends_ext += ext;
	lend_offer(re, s, &ch);
}

/* ---- what the peer acknowledged, and what must be back -------------------- */

void
lend_peer_ack(struct reentry *re, uint16_t us_port, uint16_t peer_port, uint32_t irs, uint32_t ack)
{
	for (unsigned i = 0; i < re->lends_top; i++) {
		struct lend *e = &re->lends[i];
		if (e->state != LEND_OUT || e->acked || e->iss != irs || e->us_port != us_port ||
		    e->peer_port != peer_port)
			continue;
		if (seq_gt(ack, e->peer_ack))
			e->peer_ack = ack;
		e->acked = seq_geq(e->peer_ack, e->seq + e->len);
	}
}

void
lend_check_ended(struct reentry *re, const char *where)
{
	for (unsigned i = 0; i < re->lends_top && !re->failed; i++) {
		const struct lend *e = &re->lends[i];
		if (e->state == LEND_OUT && !lend_conn_open(re, e))
			bug(re,
			    "%s: lent buffer #%" PRIu64 " (conn %u, seq %u..%u, %s) not freed, "
			    "and its connection has ended",
			    where, e->id, e->conn_id, e->seq, e->seq + e->len,
			    e->acked ? "acknowledged" : "not acknowledged");
	}
}

/* Each mbuf of the test's pool in it once: a segment freed twice goes in
 * twice (DPDK does not see it), to be handed out to two lends later. A
 * duplicate is counted and dropped, so that the next seeds find the pool
 * whole. Marks each with this audit's number (hash.usr: unused while free). */
static unsigned
lend_pool_dups(struct reentry *re)
{
	struct rte_mbuf *objs[LEND_MBUFS];
	unsigned n = rte_mempool_avail_count(re->lend_pool), k = 0;
	uint32_t mark = (uint32_t)++re->lend_audits;

	if (n == 0 || rte_mempool_get_bulk(re->lend_pool, (void **)objs, n) != 0)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		if (objs[i]->hash.usr == mark)
			continue;
		objs[i]->hash.usr = mark;
		objs[k++] = objs[i];
	}
	rte_mempool_put_bulk(re->lend_pool, (void **)objs, k);
	return n - k;
}

void
lend_check_end(struct reentry *re, unsigned pool_base)
{
	unsigned dups = lend_pool_dups(re);
	unsigned in_use = rte_mempool_in_use_count(re->lend_pool);

	for (unsigned i = 0; i < re->lends_top && !re->failed; i++) {
		const struct lend *e = &re->lends[i];
		if (e->state != LEND_IDLE)
			bug(re, "at the end lent buffer #%" PRIu64 " of conn %u: never freed",
			    e->id, e->conn_id);
	}
	if (!re->failed && dups != 0)
		bug(re,
		    "at the end the test's lending pool holds %u of its mbufs twice: freed twice",
		    dups);
	else if (!re->failed && in_use != pool_base)
		bug(re,
		    "at the end the test's lending pool has %u mbufs in use, %u at the start (%s)",
		    in_use, pool_base,
		    in_use > pool_base ? "a lent chain never freed" : "freed twice");
}
