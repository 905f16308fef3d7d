/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connections of one engine: the pool, the flow table entries, state changes,
 * listeners, and the end of a connection.
 *
 *   tcp_input (SYN to a listener) / tern_connect -> tcp_tcb_alloc -> tcp_tcb_insert
 *   ... -> tcp_close_tcb / tcp_drop -> tcp_tcb_free
 */
#include <errno.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "core/config.h"
#include "engine/engine.h"
#include "core/log.h"
#include "tcp/tcp.h"
#include "tcp/tcp_cc.h"
#include "tern.h"

static const char *const state_names[TCP_NSTATES] = {
	[TCP_CLOSED] = "CLOSED",           [TCP_LISTEN] = "LISTEN",
	[TCP_SYN_SENT] = "SYN_SENT",       [TCP_SYN_RCVD] = "SYN_RCVD",
	[TCP_ESTABLISHED] = "ESTABLISHED", [TCP_FIN_WAIT_1] = "FIN_WAIT_1",
	[TCP_FIN_WAIT_2] = "FIN_WAIT_2",   [TCP_CLOSE_WAIT] = "CLOSE_WAIT",
	[TCP_CLOSING] = "CLOSING",         [TCP_LAST_ACK] = "LAST_ACK",
	[TCP_TIME_WAIT] = "TIME_WAIT",
};

const char *
tcp_state_name(enum tcp_state s)
{
	return (unsigned)s < TCP_NSTATES ? state_names[s] : "?";
}

int
tcp_engine_init(struct engine *eng, const struct config *cfg)
{
	struct tcp_engine *te = &eng->tcp;

	memset(te, 0, sizeof(*te));
	TAILQ_INIT(&te->output);
	TAILQ_INIT(&te->time_wait);
	for (unsigned i = 0; i < FLOW_BURST_MAX; i++)
		te->rx.keyp[i] = &te->rx.key[i];
	TAILQ_INIT(&te->orphans);
	LIST_INIT(&te->budget_waiters);
	LIST_INIT(&te->rcv_waiters);
	te->conns = rte_zmalloc_socket("tcbs", sizeof(struct tcb) * cfg->tcp_conns,
	                               RTE_CACHE_LINE_SIZE, rte_socket_id());
	if (te->conns == NULL)
		return -ENOMEM;
	te->nb_conns = cfg->tcp_conns;
	te->tw_ring.mask = rte_align32pow2(cfg->tcp_conns) - 1;
	te->tw_ring.ids = rte_malloc_socket("tw_ring", sizeof(uint32_t) * (te->tw_ring.mask + 1), 0,
	                                    rte_socket_id());
	if (te->tw_ring.ids == NULL)
		return -ENOMEM;
	te->sndq_segs_max = cfg->pool_mbufs / 2;
	te->rcv_segs_max = cfg->pool_mbufs / 4;
	for (uint32_t i = cfg->tcp_conns; i-- > 0;) {
		te->conns[i].free_next = te->free;
		te->conns[i].id = i;
		te->free = &te->conns[i];
	}
	if (tcp_isn_key_init(&te->isn_key) != 0 || tcp_isn_key_init(&te->cookie_key) != 0 ||
	    rss_ports_init(&te->ports) != 0)
		return -EIO;
	/* Asked once: the EAL has applied --log-level by now, and a flag of our
	 * own keeps tcp_set_state's cost at one branch when tracing is off. */
	te->trace = TERN_LOG_ENABLED(tcp, DEBUG);
	return 0;
}

bool
tcp_engine_stop(struct engine *eng, uint32_t budget)
{
	struct tcp_engine *te = &eng->tcp;

	if (te->conns == NULL)
		return true;
	memset(te->listeners, 0, sizeof(te->listeners));
	for (; te->stop_next < te->nb_conns && budget > 0; te->stop_next++) {
		struct tcb *tcb = &te->conns[te->stop_next];
		if (tcb->state == TCP_CLOSED)
			continue;
		budget--;
		/* Tell the peer and the application; nothing is left behind. */
		if (tcb->state != TCP_TIME_WAIT && tcb->state != TCP_SYN_SENT)
			tcp_send_ctl(eng, tcb, tcb->snd.max, TH_RST | TH_ACK);
		/* A passive open the application never saw: no callback. */
		if (tcb->state == TCP_SYN_RCVD && (tcb->flags & TF_PASSIVE))
			tcb->ops = NULL;
		tcp_close_tcb(eng, tcb, -ESHUTDOWN);
		if (tcb->state != TCP_CLOSED)
			tcp_tcb_free(eng, tcb);
	}
	return te->stop_next == te->nb_conns;
}

void
tcp_engine_fini(struct engine *eng)
{
	struct tcp_engine *te = &eng->tcp;

	if (te->conns == NULL)
		return;
	te->stop_next = 0; /* whatever is left, at once */
	tcp_engine_stop(eng, UINT32_MAX);
	rte_free(te->conns);
	rte_free(te->tw_ring.ids);
	te->tw_ring.ids = NULL;
	TAILQ_INIT(&te->output);
	te->sched.backlog_first = NULL;
	te->conns = NULL;
}

void
tcp_tw_list_add(struct engine *eng, struct tcb *tcb)
{
	struct tcp_engine *te = &eng->tcp;

	tcp_orphan_del(eng, tcb); /* TIME_WAIT keeps its own list */
	if (tcb->flags & TF_ON_TW_LIST)
		return;
	tcb->flags |= TF_ON_TW_LIST;
	TAILQ_INSERT_TAIL(&te->time_wait, tcb, tw_link);
	tcp_tw_ring_push(&te->tw_ring, tcb->id);
}

static void
tcp_tw_list_del(struct engine *eng, struct tcb *tcb)
{
	if (!(tcb->flags & TF_ON_TW_LIST))
		return;
	tcb->flags &= ~TF_ON_TW_LIST;
	TAILQ_REMOVE(&eng->tcp.time_wait, tcb, tw_link);
}

void
tcp_orphan_add(struct engine *eng, struct tcb *tcb)
{
	if (tcb->flags & (TF_ON_ORPHANS | TF_ON_TW_LIST) || tcb->state == TCP_CLOSED)
		return;
	tcb->flags |= TF_ON_ORPHANS;
	TAILQ_INSERT_TAIL(&eng->tcp.orphans, tcb, orphan_link);
}

void
tcp_orphan_del(struct engine *eng, struct tcb *tcb)
{
	if (!(tcb->flags & TF_ON_ORPHANS))
		return;
	tcb->flags &= ~TF_ON_ORPHANS;
	TAILQ_REMOVE(&eng->tcp.orphans, tcb, orphan_link);
}

/* A freed tcb waits on the output list for the pass that recycles it (code
 * may still hold it). One reclaimed for a new connection goes back now. */
static void
tcp_tcb_take_back(struct engine *eng, struct tcb *tcb)
{
	if (tcb->flags & TF_IN_OUTPUT)
		tcp_sched_unlink(eng, tcb);
	tcp_tcb_recycle(eng, tcb);
}

/* How many reclaims ahead tcp_reclaim fetches: SYNs come in bursts, and a
 * cold control block takes longer to arrive than a few of them take. */
#define TCP_RECLAIM_AHEAD 8u

/*
 * In a pool full of TIME_WAITs (a server that closes first faster than 2 MSL
 * lets them go) each new connection takes the oldest, last touched a whole
 * pool of connections ago and in no cache: fetching its control block was
 * about a fifth of such a connection's cycles (results/2026-12-07-tw-
 * prefetch.md). The block TCP_RECLAIM_AHEAD reclaims on is fetched now, as
 * tcp_tw_ring.h guesses it, and is there when its turn comes.
 */
static void
tcp_reclaim_prefetch(struct tcp_engine *te, const struct tcb *tcb)
{
	uint32_t id = tcp_tw_ring_ahead(&te->tw_ring, tcb->id, TCP_RECLAIM_AHEAD);

	if (id == TCP_TW_RING_NONE || id >= te->nb_conns)
		return;
	const char *ahead = (const char *)&te->conns[id];
	/* What tcp_tcb_free and tcp_tcb_alloc touch: the block up to its
	 * arrays (TCB_CLEAR_BYTES). */
	for (size_t off = 0; off < TCB_CLEAR_BYTES; off += RTE_CACHE_LINE_SIZE)
		rte_prefetch0_write(ahead + off);
}

/* The pool is empty, or the flow table has no room for a new key: end the
 * oldest TIME_WAIT early, as Linux does past tcp_max_tw_buckets (serving a
 * new connection is worth more than the last few seconds of protection an
 * old one still has). Failing that, reset the oldest orphan (a connection
 * the application closed that still waits for the peer: a LAST_ACK whose
 * peer vanished resends its FIN for minutes), as Linux does past
 * tcp_max_orphans. Its block goes back to the pool, its flow out of the
 * table. Returns true if one did. */
static bool
tcp_reclaim(struct engine *eng)
{
	struct tcb *tcb = TAILQ_FIRST(&eng->tcp.time_wait);

	/* Not a block whose application callback runs (TCP_APP_CALL): a
	 * connection enters TIME_WAIT, or is an orphan, before its closed
	 * callback, and that callback may be what asks for a block; the drop
	 * below runs the orphan's own (test_rss's
	 * test_connect_nested_in_reclaim). */
	while (tcb != NULL && (tcb->flags & TF_IN_APP))
		tcb = TAILQ_NEXT(tcb, tw_link);
	if (tcb != NULL) {
		tcp_reclaim_prefetch(&eng->tcp, tcb);
		tcp_tcb_free(eng, tcb);
		tcp_tcb_take_back(eng, tcb);
		eng->stats.tcp_time_wait_reclaimed++;
		return true;
	}
	tcb = TAILQ_FIRST(&eng->tcp.orphans);
	while (tcb != NULL && (tcb->flags & TF_IN_APP))
		tcb = TAILQ_NEXT(tcb, orphan_link);
	if (tcb == NULL)
		return false;
	tcp_drop(eng, tcb, -ECONNABORTED);
	tcp_tcb_take_back(eng, tcb);
	eng->stats.tcp_orphans_reclaimed++;
	return true;
}

struct tcb *
tcp_tcb_alloc(struct engine *eng)
{
	struct tcp_engine *te = &eng->tcp;

	if (te->free == NULL)
		tcp_reclaim(eng);
	struct tcb *tcb = te->free;

	if (tcb == NULL) {
		eng->stats.tcp_conn_pool_empty++;
		return NULL;
	}
	te->free = tcb->free_next;
	uint32_t id = tcb->id;
	/* Not the arrays at the end (tcp_cb.h): what their counts do not
	 * cover is never read. */
	memset(tcb, 0, TCB_CLEAR_BYTES);
	tcb->id = id;
	tcb->eng = eng;
	tcp_timers_init(tcb);
	te->used++;
	return tcb;
}

/* Connections one insert may end for room in the flow table: a key whose
 * two buckets stay full after a few deletions elsewhere is refused, at a
 * bounded cost. */
#define TCP_INSERT_RECLAIMS_MAX 8u

/* Add @tcb's key under tcb->hash, known absent when @absent. */
static int
tcp_tcb_add(struct engine *eng, struct tcb *tcb, bool absent)
{
	int ret = absent ? flow_add_absent(eng->flows, &tcb->key, tcb->hash, tcb)
	                 : flow_add(eng->flows, &tcb->key, tcb->hash, tcb);

	/* No room in the table (fewer [limits] flows than [tcp] conns, or no
	 * cuckoo path left for this key's buckets): TIME_WAITs give their
	 * entries way, oldest first, then orphans, as they give their blocks
	 * when the pool runs dry (tcp_reclaim). Dropping the SYN instead stalls
	 * a server that closes first at one connection per SYN retransmission,
	 * and one whose table is full of orphans until they time out
	 * (test_tcp_table_search found both). */
	for (unsigned n = 0; ret == -ENOSPC && n < TCP_INSERT_RECLAIMS_MAX; n++) {
		if (!tcp_reclaim(eng))
			break;
		ret = flow_add(eng->flows, &tcb->key, tcb->hash, tcb);
	}
	if (ret == -ENOSPC)
		eng->stats.tcp_flow_table_full++;
	if (ret == 0) {
		tcb->flags |= TF_IN_FLOW;
		tcp_rx_note_added(&eng->tcp.rx, tcb->hash);
	}
	return ret;
}

int
tcp_tcb_insert(struct engine *eng, struct tcb *tcb)
{
	const struct tcp_rx_burst *b = &eng->tcp.rx;

	/* A passive open of the segment being dispatched, which missed the
	 * table with nothing added since: its key is still absent (deletions
	 * only take keys out), and the burst has its hash. */
	if (b->absent_key != NULL && flow_adds(eng->flows) == b->absent_adds &&
	    flow_key_eq(b->absent_key, &tcb->key)) {
		tcb->hash = b->absent_hash;
		return tcp_tcb_add(eng, tcb, true);
	}
	tcb->hash = flow_hash(eng->flows, &tcb->key);
	return tcp_tcb_add(eng, tcb, false);
}

int
tcp_tcb_insert_absent(struct engine *eng, struct tcb *tcb, uint32_t hash, uint64_t adds)
{
	tcb->hash = hash;
	/* Keys went in since (a reclaimed orphan's closed callback may have
	 * opened a connection): perhaps this one. */
	return tcp_tcb_add(eng, tcb, flow_adds(eng->flows) == adds);
}

void
tcp_tcb_free(struct engine *eng, struct tcb *tcb)
{
	tcp_timers_cancel(eng, tcb);
	tcp_tw_list_del(eng, tcb);
	tcp_orphan_del(eng, tcb);
	if (tcb->flags & TF_IN_FLOW) {
		flow_del(eng->flows, &tcb->key, tcb->hash);
		tcp_ports_full_forget(eng, tcb);
	}
	tcb->flags &= ~TF_IN_FLOW;
	if (tcb->flags & TF_BUDGET_WAIT) {
		LIST_REMOVE(tcb, budget_link);
		tcb->flags &= ~TF_BUDGET_WAIT;
	}
	if (tcb->flags & TF_RCV_WAIT) {
		LIST_REMOVE(tcb, rcv_wait_link);
		tcb->flags &= ~TF_RCV_WAIT;
	}
	tcp_sndq_release(eng, tcb);
	tcp_rcvq_release(eng, tcb);
	tcp_reass_free(eng, tcb);
	tcb->ops = NULL;
	tcp_set_state(eng, tcb, TCP_CLOSED);
	/* Recycled by the output pass, after whatever input or callback is
	 * still holding a pointer to it has returned. */
	tcp_mark_output(eng, tcb);
}

void
tcp_sndq_release(struct engine *eng, struct tcb *tcb)
{
	if (tcb->sndq != NULL)
		eng->tcp.sndq_segs -= tcb->sndq->nb_segs;
	rte_pktmbuf_free(tcb->sndq);
	tcb->sndq = tcb->sndq_tail = tcb->sndq_cur = NULL;
	tcb->sndq_len = 0;
}

void
tcp_budget_wait(struct engine *eng, struct tcb *tcb)
{
	if (tcb->flags & TF_BUDGET_WAIT)
		return;
	tcb->flags |= TF_BUDGET_WAIT;
	LIST_INSERT_HEAD(&eng->tcp.budget_waiters, tcb, budget_link);
	eng->stats.tcp_send_budget_waits++;
}

void
tcp_tcb_recycle(struct engine *eng, struct tcb *tcb)
{
	struct tcp_engine *te = &eng->tcp;

	tcb->free_next = te->free;
	te->free = tcb;
	te->used--;
}

/* The state trace: "engine 0 conn 5 198.18.0.2:7 > 198.18.0.1:41234 SYN_RCVD -> ESTABLISHED". */
static void __rte_noinline __rte_cold
tcp_trace_state(const struct engine *eng, const struct tcb *tcb, enum tcp_state s)
{
	uint32_t l = rte_be_to_cpu_32(tcb->key.local_ip), r = rte_be_to_cpu_32(tcb->key.remote_ip);

	TERN_LOG(tcp, DEBUG, "engine %u conn %u %u.%u.%u.%u:%u > %u.%u.%u.%u:%u %s -> %s\n",
	         eng->index, tcb->id, l >> 24, (l >> 16) & 0xff, (l >> 8) & 0xff, l & 0xff,
	         rte_be_to_cpu_16(tcb->key.local_port), r >> 24, (r >> 16) & 0xff, (r >> 8) & 0xff,
	         r & 0xff, rte_be_to_cpu_16(tcb->key.remote_port), tcp_state_name(tcb->state),
	         tcp_state_name(s));
}

void
tcp_set_state(struct engine *eng, struct tcb *tcb, enum tcp_state s)
{
	/* The old state is read once, by itself: tested with the flags, it
	 * became one 8-byte load across state, rexmt_kind, mss and flags,
	 * which a caller's fresh store to one of them cannot forward to (a
	 * stall of ~80% of this function's cycles in crr's client). */
	uint8_t was = tcb->state;

	if (was == s)
		return;
	eng->tcp.state_changes[s]++;
	/* Rates for operators (tern-stat): every control block ends in CLOSED
	 * exactly once; ESTABLISHED is entered at most once. */
	eng->stats.tcp_conns_opened += s == TCP_ESTABLISHED;
	eng->stats.tcp_conns_closed += s == TCP_CLOSED;
	/* The half-open budget counts passive opens in SYN_RCVD, whichever
	 * way they leave it (established, reset, timeout, stop). */
	if (tcb->flags & TF_PASSIVE) {
		if (s == TCP_SYN_RCVD) {
			eng->tcp.syn_rcvd++;
			eng->stats.tcp_syn_rcvd_peak =
			        RTE_MAX(eng->stats.tcp_syn_rcvd_peak, (uint64_t)eng->tcp.syn_rcvd);
		} else if (was == TCP_SYN_RCVD) {
			eng->tcp.syn_rcvd--;
		}
	}
	if (unlikely(eng->tcp.trace))
		tcp_trace_state(eng, tcb, s);
	tcb->state = s;
}

void
tcp_close_tcb(struct engine *eng, struct tcb *tcb, int reason)
{
	const struct tern_conn_ops *ops = tcb->ops;

	tcb->ops = NULL;
	if (ops != NULL && ops->closed != NULL)
		TCP_APP_CALL(eng, tcb, ops->closed((struct tern_conn *)tcb, tcb->arg, reason));
	/* Callers set CLOSED first: it must still leave the flow table, its
	 * timers and the pool (freeing twice before the output pass is safe). */
	if (tcb->state != TCP_TIME_WAIT)
		tcp_tcb_free(eng, tcb);
}

void
tcp_drop(struct engine *eng, struct tcb *tcb, int reason)
{
	/* RFC 9293 3.10.7: no RST before the peer knows our sequence numbers.
	 * Its sequence number is snd.max, not snd.nxt: after a timeout
	 * snd.nxt goes back, below what the peer may already hold (as BSD). */
	if (tcb->state >= TCP_SYN_RCVD && tcb->state != TCP_TIME_WAIT)
		tcp_send_ctl(eng, tcb, tcb->snd.max, TH_RST | TH_ACK);
	eng->stats.tcp_resets_sent += tcb->state >= TCP_SYN_RCVD;
	/* A passive open the application never saw goes away quietly. */
	if (tcb->state == TCP_SYN_RCVD && (tcb->flags & TF_PASSIVE))
		tcb->ops = NULL;
	if (tcb->state == TCP_TIME_WAIT) {
		tcp_tcb_free(eng, tcb);
		return;
	}
	tcp_set_state(eng, tcb, TCP_CLOSED);
	tcp_close_tcb(eng, tcb, reason);
}

const struct tcp_listener *
tcp_listener_find(const struct engine *eng, uint16_t port_be)
{
	for (unsigned i = 0; i < TCP_LISTENERS_MAX; i++)
		if (eng->tcp.listeners[i].port_be == port_be && port_be != 0)
			return &eng->tcp.listeners[i];
	return NULL;
}

void
tcp_mark_output(struct engine *eng, struct tcb *tcb)
{
	if (tcb->flags & TF_IN_OUTPUT)
		return;
	tcp_sched_mark(eng, tcb);
}

uint32_t
tcp_rcv_space(const struct tcb *tcb)
{
	uint32_t used = tcb->rcvq_len;

	for (unsigned i = 0; i < tcb->nb_ooo; i++)
		used += tcb->ooo[i].len;
	/* Over the engine's receive budget: offer nothing new (the right edge
	 * already offered stays, RFC 9293 3.8.6.2.2). */
	if (tcb->eng != NULL && tcb->eng->tcp.rcv_segs >= tcb->eng->tcp.rcv_segs_max)
		return 0;
	return used >= tcb->rcv_buf ? 0 : tcb->rcv_buf - used;
}

void
tcp_tcb_setup(struct engine *eng, struct tcb *tcb)
{
	const struct config *cfg = eng->cfg;
	uint16_t ip_mss = eng->ifc->mtu - 40;

	tcb->mss = ip_mss > 536 ? 536 : ip_mss; /* RFC 9293 3.7.1 default */
	tcb->snd_buf = cfg->tcp_snd_buf;
	tcb->rcv_buf = cfg->tcp_rcv_buf;
	tcb->rto_ms = cfg->tcp_rto_init_ms;
	tcb->ssthresh = UINT32_MAX;
	tcp_cc_select(tcb, cfg->tcp_cc); /* a listener may choose another */
	tcp_sb_init(&tcb->sb);
	tcb->keepalive_idle_s = cfg->tcp_keepalive_s;
	/* RFC 7323 2.3: the smallest shift that lets us offer the whole buffer. */
	while (tcb->rcv.wscale < 14 && (tcb->rcv_buf >> tcb->rcv.wscale) > 65535)
		tcb->rcv.wscale++;
	if (!cfg->tcp_window_scaling)
		tcb->rcv.wscale = 0;
}
