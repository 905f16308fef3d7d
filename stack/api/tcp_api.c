/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The public TCP API (tern.h) over one engine's connections, and the
 * callbacks into the application.
 *
 *   application -> tern_connect / tern_send / tern_recv / tern_shutdown ...
 *               -> tcb updated, tcp_mark_output
 *   tcp input   -> tcp_notify_* -> the application's callbacks
 */
#include <errno.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_mbuf.h>

#include "core/config.h"
#include "engine/engine.h"
#include "core/mbuf_chain.h"
#include "tcp/tcp.h"
#include "tern.h"

static inline struct tcb *
tcb_of(const struct tern_conn *c)
{
	return (struct tcb *)(uintptr_t)c;
}

static inline struct tern_conn *
conn_of(struct tcb *tcb)
{
	return (struct tern_conn *)tcb;
}

/* The window opened enough since we last advertised it that the peer should
 * hear (RFC 9293 3.8.6.2.2: by at least min(half the buffer, one MSS)). */
static void
tcp_window_update_check(struct engine *eng, struct tcb *tcb)
{
	uint32_t offered = seq_gt(tcb->rcv.adv, tcb->rcv.nxt) ? tcb->rcv.adv - tcb->rcv.nxt : 0;
	/* No more than the window field can say. */
	uint32_t space = RTE_MIN(tcp_rcv_space(tcb), 65535u << tcb->rcv.wscale);

	if (space > offered && space - offered >= RTE_MIN(tcb->rcv_buf / 2, (uint32_t)tcb->mss)) {
		tcb->flags |= TF_ACK_NOW;
		tcp_mark_output(eng, tcb);
	}
}

void
tcp_notify_readable(struct engine *eng, struct tcb *tcb)
{
	(void)eng;
	if (tcb->ops != NULL && tcb->ops->readable != NULL && !(tcb->flags & TF_APP_CLOSED))
		TCP_APP_CALL(eng, tcb, tcb->ops->readable(conn_of(tcb), tcb->arg));
}

void
tcp_notify_writable(struct engine *eng, struct tcb *tcb)
{
	(void)eng;
	/* Wake the writer when a quarter of the buffer is free again. */
	if (tcb->snd_buf - tcb->sndq_len < tcb->snd_buf / 4)
		return;
	tcb->flags &= ~TF_WRITABLE_WAIT;
	if (tcb->ops != NULL && tcb->ops->writable != NULL && !(tcb->flags & TF_APP_CLOSED))
		TCP_APP_CALL(eng, tcb, tcb->ops->writable(conn_of(tcb), tcb->arg));
}

void
tcp_notify_established(struct engine *eng, struct tcb *tcb)
{
	tcp_keepalive_touch(eng, tcb);
	/* Closed before the handshake completed: the application is done
	 * with it and hears nothing more. */
	if (tcb->ops == NULL || (tcb->flags & TF_APP_CLOSED))
		return;
	if (tcb->flags & TF_PASSIVE) {
		if (tcb->ops->accepted != NULL)
			TCP_APP_CALL(eng, tcb, tcb->ops->accepted(conn_of(tcb), tcb->arg));
	} else if (tcb->ops->connected != NULL) {
		TCP_APP_CALL(eng, tcb, tcb->ops->connected(conn_of(tcb), tcb->arg));
	}
}

/* A 4-tuple in TIME_WAIT may serve a new active open (as Linux's tcp_tw_reuse)
 * when the old connection used timestamps and has waited at least a second:
 * our new SYN's TSval is then above anything the old one sent, so the peer's
 * PAWS rejects the old duplicates (RFC 7323 5, RFC 6191), and our ISN, which
 * follows the clock, is past the old sequence space. */
static bool
tcp_tw_reusable(const struct engine *eng, const struct tcb *tcb)
{
	return tcb->state == TCP_TIME_WAIT && (tcb->flags & TF_TS_OK) &&
	       !(tcb->flags & TF_IN_OUTPUT) &&
	       eng->now_ticks - tcb->tw_tick >= engine_ms_to_ticks(1000);
}

/* The search for @key's destination found nothing a moment ago (and
 * nothing ended since): every port is still taken, and searching again
 * would cost a flow lookup for each port of the range, milliseconds at
 * 28,000 ports, on every tern_connect an application retries. */
static bool
tcp_ports_known_full(const struct engine *eng, const struct flow_key *key)
{
	const struct tcp_ports_full *pf = &eng->tcp.ports_full;

	return pf->valid && pf->remote_ip == key->remote_ip &&
	       pf->remote_port == key->remote_port && pf->local_ip == key->local_ip &&
	       eng->now_ticks < pf->until_tick;
}

/* When a port the search passed over may serve @key's destination again by
 * itself: a TIME_WAIT that tcp_tw_reusable will take once it has waited a
 * second (or left the output pass); UINT64_MAX for any other. */
static uint64_t
tcp_port_free_tick(const struct engine *eng, const struct tcb *old)
{
	if (old->state != TCP_TIME_WAIT || !(old->flags & TF_TS_OK))
		return UINT64_MAX;
	if (old->flags & TF_IN_OUTPUT)
		return eng->now_ticks + 1;
	return old->tw_tick + engine_ms_to_ticks(1000);
}

void
tcp_ports_full_forget(struct engine *eng, const struct tcb *tcb)
{
	if (eng->tcp.ports_full.valid && tcb->key.remote_ip == eng->tcp.ports_full.remote_ip &&
	    tcb->key.remote_port == eng->tcp.ports_full.remote_port)
		eng->tcp.ports_full.valid = false;
}

/* An ephemeral port of [tcp] local_port_min..max from this engine's set
 * (flow/rss.h: the replies land on this engine, and no other engine can pick
 * it for this remote), in RFC 6056 3.3.3's order, whose 4-tuple is free here
 * or held by a reusable TIME_WAIT. Ports a listener holds are passed over, as
 * Linux's bind conflict does: a segment to one is a passive open's when
 * flows are steered in software. Tries each port of the set at most once.
 * @hash: the chosen key's, absent from the flow table. */
static int
tcp_pick_port(struct engine *eng, struct flow_key *key, uint32_t *hash)
{
	const struct config *cfg = eng->cfg;
	uint64_t free_tick = eng->now_ticks + engine_ms_to_ticks(1000);
	struct rss_scan scan;
	uint16_t port;

	if (tcp_ports_known_full(eng, key)) {
		eng->stats.tcp_local_ports_exhausted++;
		return -EADDRNOTAVAIL;
	}
	eng->stats.tcp_local_port_searches++;
	rss_scan_start(&scan, &eng->tcp.ports, eng->ifc->rss, eng->queue_id,
	               cfg->tcp_local_port_min, cfg->tcp_local_port_max,
	               rte_be_to_cpu_32(key->local_ip), rte_be_to_cpu_32(key->remote_ip),
	               rte_be_to_cpu_16(key->remote_port));
	while ((port = rss_scan_next(&scan)) != 0) {
		key->local_port = rte_cpu_to_be_16(port);
		if (tcp_listener_find(eng, key->local_port) != NULL)
			continue;
		*hash = flow_hash(eng->flows, key);
		struct tcb *old = flow_lookup(eng->flows, key, *hash);
		if (old == NULL)
			return 0;
		if (tcp_tw_reusable(eng, old)) {
			eng->stats.tcp_time_wait_reused++;
			tcp_tcb_free(eng, old); /* its key leaves the table */
			return 0;
		}
		free_tick = RTE_MIN(free_tick, tcp_port_free_tick(eng, old));
	}
	eng->stats.tcp_local_ports_exhausted++;
	/* Past a second at most, searched again whatever happened: a bound on
	 * what this remembering could miss. */
	eng->tcp.ports_full.valid = true;
	eng->tcp.ports_full.remote_ip = key->remote_ip;
	eng->tcp.ports_full.remote_port = key->remote_port;
	eng->tcp.ports_full.local_ip = key->local_ip;
	eng->tcp.ports_full.until_tick = free_tick;
	return -EADDRNOTAVAIL;
}

int
tern_connect(struct tern_core *core, uint32_t ip, uint16_t port, const struct tern_conn_ops *ops,
             void *arg, struct tern_conn **out)
{
	struct engine *eng = (struct engine *)core;
	struct flow_key key = {
		.local_ip = eng->ifc->ip_be,
		.remote_ip = rte_cpu_to_be_32(ip),
		.remote_port = rte_cpu_to_be_16(port),
	};

	uint32_t hash;

	*out = NULL;
	if (iface_next_hop(eng->ifc, key.remote_ip) == 0)
		return -ENETUNREACH;
	if (tcp_pick_port(eng, &key, &hash) != 0)
		return -EADDRNOTAVAIL;
	uint64_t adds = flow_adds(eng->flows);
	struct tcb *tcb = tcp_tcb_alloc(eng);
	if (tcb == NULL)
		return -ENOMEM;
	tcb->key = key;
	tcp_tcb_setup(eng, tcb);
	tcb->ops = ops;
	tcb->arg = arg;
	tcb->snd.iss = tcp_isn(&eng->tcp.isn_key, key.local_ip, key.local_port, key.remote_ip,
	                       key.remote_port, engine_now_us(eng));
	tcb->snd.una = tcb->snd.nxt = tcb->snd.max = tcb->recover = tcb->snd.iss;
	tcb->cwnd = eng->cfg->tcp_init_cwnd * tcb->mss;
	if (tcp_tcb_insert_absent(eng, tcb, hash, adds) != 0) {
		tcp_tcb_free(eng, tcb);
		return -EADDRNOTAVAIL;
	}
	tcp_set_state(eng, tcb, TCP_SYN_SENT);
	tcp_mark_output(eng, tcb);
	*out = conn_of(tcb);
	return 0;
}

void
tern_conn_set_arg(struct tern_conn *c, void *arg)
{
	tcb_of(c)->arg = arg;
}

struct tern_core *
tern_conn_core(const struct tern_conn *c)
{
	return (struct tern_core *)tcb_of(c)->eng;
}

void
tern_conn_peer(const struct tern_conn *c, uint32_t *ip, uint16_t *port)
{
	const struct tcb *tcb = tcb_of(c);

	*ip = rte_be_to_cpu_32(tcb->key.remote_ip);
	*port = rte_be_to_cpu_16(tcb->key.remote_port);
}

unsigned
tern_conn_mss(const struct tern_conn *c)
{
	const struct tcb *tcb = tcb_of(c);

	return tcp_full_seg_len(tcb);
}

/* Room after the send queue's last byte that tern_send may fill: none in a
 * buffer the application lent (tern_send_mbuf). */
static uint16_t
tcp_sndq_tail_room(const struct tcb *tcb)
{
	if (tcb->sndq_tail == NULL || (tcb->flags & TF_SNDQ_LENT))
		return 0;
	return rte_pktmbuf_tailroom(tcb->sndq_tail);
}

size_t
tern_send_space(struct tern_conn *c)
{
	struct tcb *tcb = tcb_of(c);
	struct engine *eng = tcb->eng;
	size_t space = tcb->sndq_len < tcb->snd_buf ? tcb->snd_buf - tcb->sndq_len : 0;
	/* What the engine's send budget still allows: the tail's room, and
	 * fresh mbufs up to the budget. */
	size_t budget = tcp_sndq_tail_room(tcb);

	if (eng->tcp.sndq_segs < eng->tcp.sndq_segs_max)
		budget += (size_t)(eng->tcp.sndq_segs_max - eng->tcp.sndq_segs) *
		          eng->cfg->pool_data_room;
	if (budget < space)
		space = budget;
	if (space == 0) {
		/* The caller will wait for room: it hears when there is some. */
		tcb->flags |= TF_WRITABLE_WAIT;
		if (tcb->sndq_len < tcb->snd_buf)
			tcp_budget_wait(eng, tcb);
	}
	return space;
}

/* Copy into the tail's room, then into fresh mbufs. Returns bytes taken. */
static size_t
tcp_sndq_fill(struct engine *eng, struct tcb *tcb, const char *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		struct rte_mbuf *t = tcb->sndq_tail;
		uint16_t room = tcp_sndq_tail_room(tcb);
		if (room == 0) {
			if (eng->tcp.sndq_segs >= eng->tcp.sndq_segs_max) {
				tcp_budget_wait(eng, tcb);
				break;
			}
			struct rte_mbuf *m = rte_pktmbuf_alloc(eng->pool);
			if (m == NULL)
				break;
			eng->tcp.sndq_segs++;
			if (tcb->sndq == NULL) {
				tcb->sndq = m;
			} else {
				t->next = m;
				tcb->sndq->nb_segs++;
			}
			tcb->sndq_tail = t = m;
			tcb->flags &= ~TF_SNDQ_LENT;
			room = rte_pktmbuf_tailroom(t);
		}
		uint16_t n = (uint16_t)RTE_MIN((size_t)room, len - done);
		memcpy(rte_pktmbuf_mtod_offset(t, char *, t->data_len), buf + done, n);
		t->data_len += n;
		tcb->sndq->pkt_len += n;
		done += n;
	}
	tcb->sndq_len += (uint32_t)done;
	return done;
}

/* Whether @tcb may queue data now (tern_send's states). */
static int
tcp_send_check(const struct tcb *tcb)
{
	if (tcb->flags & TF_FIN_QUEUED)
		return -EPIPE;
	if (tcb->state != TCP_ESTABLISHED && tcb->state != TCP_CLOSE_WAIT &&
	    tcb->state != TCP_SYN_SENT && tcb->state != TCP_SYN_RCVD)
		return -ENOTCONN;
	return 0;
}

ssize_t
tern_send(struct tern_conn *c, const void *buf, size_t len)
{
	struct tcb *tcb = tcb_of(c);
	struct engine *eng = tcb->eng;
	int ret = tcp_send_check(tcb);

	if (ret != 0)
		return ret;
	size_t want = RTE_MIN(len, tern_send_space(c));
	size_t done = tcp_sndq_fill(eng, tcb, buf, want);
	/* Whoever filled the buffer hears when there is room again. */
	if (done < len || tcb->sndq_len >= tcb->snd_buf)
		tcb->flags |= TF_WRITABLE_WAIT;
	if (done > 0)
		tcp_mark_output(eng, tcb);
	else if (want > 0 && !(tcb->flags & TF_BUDGET_WAIT))
		return -ENOBUFS; /* room in the buffer, but the mbuf pool is dry */
	return (ssize_t)done;
}

int
tern_send_mbuf(struct tern_conn *c, struct rte_mbuf *m)
{
	struct tcb *tcb = tcb_of(c);
	struct engine *eng = tcb->eng;
	int ret = tcp_send_check(tcb);

	if (ret != 0)
		return ret;
	if (m == NULL || m->pkt_len == 0)
		return -EINVAL;
	if (m->pkt_len > tcb->snd_buf)
		return -EMSGSIZE;
	uint32_t queued_segs = tcb->sndq != NULL ? tcb->sndq->nb_segs : 0;
	if (tcb->sndq_len + m->pkt_len > tcb->snd_buf || queued_segs + m->nb_segs > UINT16_MAX) {
		tcb->flags |= TF_WRITABLE_WAIT;
		return -ENOBUFS;
	}
	/* Its segments count against the core's send budget as Tern's own
	 * do: the ACKs that free them give the budget back. */
	if (eng->tcp.sndq_segs + m->nb_segs > eng->tcp.sndq_segs_max) {
		tcb->flags |= TF_WRITABLE_WAIT;
		tcp_budget_wait(eng, tcb);
		return -ENOBUFS;
	}
	uint32_t bytes = 0;
	while (m != NULL) {
		struct rte_mbuf *next = m->next;
		m->next = NULL;
		m->nb_segs = 1;
		m->pkt_len = m->data_len;
		if (m->data_len == 0) {
			/* An empty segment would be a hop of no bytes for every
			 * walk of the queue. */
			rte_pktmbuf_free_seg(m);
		} else {
			mbuf_chain_append(&tcb->sndq, &tcb->sndq_tail, m);
			eng->tcp.sndq_segs++;
			eng->stats.tcp_lent_segs++;
			bytes += m->data_len;
		}
		m = next;
	}
	tcb->sndq_len += bytes;
	tcb->flags |= TF_SNDQ_LENT;
	if (tcb->sndq_len >= tcb->snd_buf)
		tcb->flags |= TF_WRITABLE_WAIT;
	tcp_mark_output(eng, tcb);
	return 0;
}

struct rte_mbuf *
tern_recv(struct tern_conn *c)
{
	struct tcb *tcb = tcb_of(c);
	struct rte_mbuf *m = tcb->rcvq;

	tcb->rcvq = tcb->rcvq_tail = NULL;
	tcb->rcvq_len = 0;
	if (m != NULL) {
		tcb->eng->tcp.rcv_segs -= m->nb_segs; /* the application's now */
		tcp_window_update_check(tcb->eng, tcb);
	}
	return m;
}

size_t
tern_recv_copy(struct tern_conn *c, void *buf, size_t len)
{
	struct tcb *tcb = tcb_of(c);
	size_t done = 0;

	/* Copy segment by segment, then drop what was copied. */
	for (struct rte_mbuf *m = tcb->rcvq; m != NULL && done < len; m = m->next) {
		uint16_t n = (uint16_t)RTE_MIN((size_t)m->data_len, len - done);
		memcpy((char *)buf + done, rte_pktmbuf_mtod(m, char *), n);
		done += n;
	}
	tcb->eng->tcp.rcv_segs -=
	        mbuf_chain_drop_front(&tcb->rcvq, &tcb->rcvq_tail, (uint32_t)done);
	tcb->rcvq_len -= (uint32_t)done;
	if (done > 0)
		tcp_window_update_check(tcb->eng, tcb);
	return done;
}

size_t
tern_recv_pending(const struct tern_conn *c)
{
	return tcb_of(c)->rcvq_len;
}

bool
tern_recv_eof(const struct tern_conn *c)
{
	const struct tcb *tcb = tcb_of(c);

	return (tcb->flags & TF_RCVD_FIN) && tcb->rcvq_len == 0;
}

int
tern_set_keepalive(struct tern_conn *c, unsigned idle_s)
{
	struct tcb *tcb = tcb_of(c);

	if (idle_s > 86400)
		return -EINVAL;
	tcb->keepalive_idle_s = idle_s;
	if (idle_s == 0)
		timer_cancel(&tcb->eng->wheel, &tcb->keepalive);
	else if (tcb->state >= TCP_ESTABLISHED)
		tcp_keepalive_touch(tcb->eng, tcb);
	return 0;
}

int
tern_shutdown(struct tern_conn *c)
{
	struct tcb *tcb = tcb_of(c);
	struct engine *eng = tcb->eng;

	if (tcb->flags & TF_FIN_QUEUED)
		return 0;
	switch (tcb->state) {
	case TCP_SYN_SENT:
		tcp_set_state(eng, tcb, TCP_CLOSED);
		tcp_close_tcb(eng, tcb, 0);
		return 0;
	case TCP_SYN_RCVD:
		/* RFC 9293 3.10.4: queued until ESTABLISHED (tcp_syn_rcvd_ack).
		 * FIN_WAIT_1 now would take the ACK of our SYN for an ACK of
		 * data (found by fuzz_engine: an empty send queue trimmed). */
		tcb->flags |= TF_FIN_QUEUED;
		return 0;
	case TCP_ESTABLISHED:
		tcp_set_state(eng, tcb, TCP_FIN_WAIT_1);
		break;
	case TCP_CLOSE_WAIT:
		tcp_set_state(eng, tcb, TCP_LAST_ACK);
		break;
	default:
		return -ENOTCONN;
	}
	tcb->flags |= TF_FIN_QUEUED;
	tcp_mark_output(eng, tcb);
	return 0;
}

int
tern_close(struct tern_conn *c)
{
	struct tcb *tcb = tcb_of(c);
	struct engine *eng = tcb->eng;

	tcb->flags |= TF_APP_CLOSED;
	if (tcb->rcvq_len > 0) {
		/* RFC 2525 2.17: closing with unread data resets the connection. */
		tcp_drop(eng, tcb, -ECONNABORTED);
		return 0;
	}
	int ret = tern_shutdown(c);
	tcp_orphan_add(eng, tcb);
	if (tcb->state == TCP_FIN_WAIT_2 && !timer_pending(&tcb->rexmt))
		tcp_rexmt_arm(eng, tcb, TCP_TIMER_FIN_WAIT_2, 2000ull * eng->cfg->tcp_msl_s);
	return ret == -ENOTCONN ? 0 : ret;
}

void
tern_abort(struct tern_conn *c)
{
	struct tcb *tcb = tcb_of(c);

	tcp_drop(tcb->eng, tcb, -ECONNABORTED);
}

unsigned
tern_core_index(const struct tern_core *core)
{
	return ((const struct engine *)core)->index;
}

uint64_t
tern_core_now_us(const struct tern_core *core)
{
	return engine_now_us((const struct engine *)core);
}
