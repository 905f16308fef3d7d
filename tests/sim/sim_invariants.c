/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Invariants of the TCP control blocks and the engine's accounting, checked
 * by the simulation after every poll (when no input, timer or output is half
 * done), and the per-connection report printed when a seed fails.
 *
 *   sim_run_seed -> harness_poll -> sim_invariants(engine) -> first violation
 *
 * Each holds in correct code at that point (comments say why); what only
 * holds inside a poll is not checked.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include <rte_mbuf.h>

#include "flow/flow_table.h"
#include "sim.h"
#include "tcp/tcp.h"

/* Formats the violation into @buf and returns it (for "return bad(...)"). */
static const char *
bad(char *buf, size_t size, const struct tcb *tcb, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (tcb != NULL)
		n = snprintf(buf, size, "tcb %u (%s): ", tcb->id, tcp_state_name(tcb->state));
	if (n < 0 || (size_t)n >= size)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(buf + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	return buf;
}

/* A byte queue: pkt_len is the sum of data_len over nb_segs segments ending
 * at @tail, and equals @len. NULL if consistent, else what is wrong. Without
 * @deep, only what needs no walk (the walks are most of the checks' cost). */
static const char *
chain_check(const struct rte_mbuf *head, const struct rte_mbuf *tail, uint32_t len, uint32_t *segs,
            bool deep)
{
	*segs = 0;
	if (head == NULL)
		return len == 0 && tail == NULL ? NULL : "empty chain with a length or a tail";
	if (!deep) {
		*segs = head->nb_segs;
		if (head->pkt_len != len)
			return "length differs from the chain's pkt_len";
		if (tail != NULL && tail->next != NULL)
			return "tail is not the last segment";
		return NULL;
	}
	uint32_t sum = 0, n = 0;
	const struct rte_mbuf *last = NULL;
	for (const struct rte_mbuf *m = head; m != NULL && n <= 65536; m = m->next) {
		sum += m->data_len;
		n++;
		last = m;
	}
	*segs = n;
	if (sum != head->pkt_len)
		return "pkt_len differs from the sum of data_len";
	if (n != head->nb_segs)
		return "nb_segs differs from the chain's length";
	if (tail != NULL && last != tail)
		return "tail is not the last segment";
	if (sum != len)
		return "length differs from the chain's pkt_len";
	return NULL;
}

static bool
synchronized(const struct tcb *tcb)
{
	return tcb->state >= TCP_ESTABLISHED && tcb->state != TCP_TIME_WAIT;
}

/* Sequence space and queues of one connection. */
static const char *
tcb_check_seq(const struct tcb *tcb, char *buf, size_t size, uint32_t *sndq_segs,
              uint32_t *rcv_segs, bool deep)
{
	const char *why;
	uint32_t segs;

	if (!seq_leq(tcb->snd.una, tcb->snd.nxt) || !seq_leq(tcb->snd.nxt, tcb->snd.max))
		return bad(buf, size, tcb, "snd.una %u <= snd.nxt %u <= snd.max %u broken",
		           tcb->snd.una, tcb->snd.nxt, tcb->snd.max);
	why = chain_check(tcb->sndq, tcb->sndq_tail, tcb->sndq_len, &segs, deep);
	if (why != NULL)
		return bad(buf, size, tcb, "sndq (sndq_len %u): %s", tcb->sndq_len, why);
	*sndq_segs += segs;
	why = chain_check(tcb->rcvq, tcb->rcvq_tail, tcb->rcvq_len, &segs, deep);
	if (why != NULL)
		return bad(buf, size, tcb, "rcvq (rcvq_len %u): %s", tcb->rcvq_len, why);
	*rcv_segs += segs;
	if (tcb->nb_ooo > TCP_OOO_MAX)
		return bad(buf, size, tcb, "nb_ooo %u > %u", tcb->nb_ooo, TCP_OOO_MAX);
	for (unsigned i = 0; i < tcb->nb_ooo; i++) {
		const struct tcp_ooo *o = &tcb->ooo[i];
		why = chain_check(o->head, o->tail, o->len, &segs, deep);
		if (why != NULL || o->len == 0)
			return bad(buf, size, tcb, "ooo run %u [%u, +%u): %s", i, o->seq, o->len,
			           why != NULL ? why : "empty");
		*rcv_segs += segs;
		/* Runs above the in-order edge (reass_pull takes what it reaches),
		 * sorted and apart. */
		if (!seq_gt(o->seq, tcb->rcv.nxt))
			return bad(buf, size, tcb, "ooo run %u starts at %u, not above rcv.nxt %u",
			           i, o->seq, tcb->rcv.nxt);
		if (i + 1 < tcb->nb_ooo && !seq_leq(o->seq + o->len, tcb->ooo[i + 1].seq))
			return bad(buf, size, tcb, "ooo runs %u [%u, %u) and %u [%u, ...) overlap",
			           i, o->seq, o->seq + o->len, i + 1, tcb->ooo[i + 1].seq);
	}
	if (synchronized(tcb)) {
		/* Data sent lies in the queue (and the FIN after it). */
		uint32_t end = tcb->snd.una + tcb->sndq_len + ((tcb->flags & TF_FIN_SENT) ? 1 : 0);
		if (!seq_leq(tcb->snd.max, end))
			return bad(buf, size, tcb, "snd.max %u past the queue's end %u",
			           tcb->snd.max, end);
		/* Nothing is accepted past the right edge offered; only the
		 * peer's FIN may sit just at it. */
		bool fin_at_edge = (tcb->flags & TF_RCVD_FIN) && tcb->rcv.adv + 1 == tcb->rcv.nxt;
		if (!seq_geq(tcb->rcv.adv, tcb->rcv.nxt) && !fin_at_edge)
			return bad(buf, size, tcb, "rcv.adv %u below rcv.nxt %u", tcb->rcv.adv,
			           tcb->rcv.nxt);
	}
	return NULL;
}

/* Timers and flags after an output pass. */
static const char *
tcb_check_timers(const struct engine *eng, const struct tcb *tcb, char *buf, size_t size)
{
	uint8_t k = tcb->rexmt_kind;
	bool armed = timer_pending(&tcb->rexmt);

	if (tcb->state == TCP_TIME_WAIT) {
		if (!armed || k != TCP_TIMER_TIME_WAIT)
			return bad(buf, size, tcb, "no TIME_WAIT timer (kind %u, pending %d)", k,
			           armed);
		return NULL;
	}
	if (armed != (k != TCP_TIMER_NONE))
		return bad(buf, size, tcb, "rexmt kind %u but pending %d", k, armed);
	/* RFC 6298 5.1: data in flight has a timer that will resend it. RACK's
	 * reordering timer stands in for the RTO or probe it gives back when it
	 * fires (RFC 8985 6.3). */
	if (tcb->snd.una != tcb->snd.max &&
	    (!armed || (k != TCP_TIMER_RTO && k != TCP_TIMER_TLP && k != TCP_TIMER_PERSIST &&
	                k != TCP_TIMER_RACK)))
		return bad(buf, size, tcb,
		           "%u bytes in flight and no RTO/TLP/RACK/persist (kind %u)",
		           tcb->snd.max - tcb->snd.una, k);
	if (!synchronized(tcb))
		return NULL;
	/* Something waits to be sent and nothing is in flight: output sent
	 * what the window allowed, so the window is closed and only the
	 * persist timer (RFC 9293 3.8.6.1) can get it out. */
	bool waiting =
	        tcb->sndq_len > 0 || ((tcb->flags & TF_FIN_QUEUED) && !(tcb->flags & TF_FIN_SENT));
	/* Or it is marked, and its pass was put off for a full line. */
	bool line_wait = eng->tcp.sched.line_wait && (tcb->flags & TF_IN_OUTPUT);
	if (waiting && tcb->snd.una == tcb->snd.max && !armed && !line_wait)
		return bad(buf, size, tcb, "%u bytes (fin queued %d) wait, snd.wnd %u, no timer",
		           tcb->sndq_len, (tcb->flags & TF_FIN_QUEUED) != 0, tcb->snd.wnd);
	/* An ACK owed waits out a full line's drain at most. */
	if (eng->stats.drops[DROP_NO_MBUF] == 0 && !eng->tcp.sched.line_wait) {
		if (tcb->flags & TF_ACK_NOW)
			return bad(buf, size, tcb, "an ACK owed now survived the output pass");
		if ((tcb->flags & TF_DELACK) && !timer_pending(&tcb->delack))
			return bad(buf, size, tcb, "a delayed ACK owed without its timer");
	}
	return NULL;
}

const char *
sim_invariants(const struct engine *eng, char *buf, size_t size, bool deep)
{
	const struct tcp_engine *te = &eng->tcp;
	uint32_t sndq_segs = 0, rcv_segs = 0, live = 0, in_flow = 0;
	const char *why;

	/* Fair output (tcp/tcp_sched.h) leaves on the list only what the pass
	 * served and cut short for its budget: live connections it served.
	 * A pass put off for a full line ([port] tx_queue_us) left all. */
	for (const struct tcb *out = te->sched.line_wait ? NULL : TAILQ_FIRST(&te->output);
	     out != NULL; out = TAILQ_NEXT(out, out_link)) {
		if (out->state == TCP_CLOSED || out->out_pass != te->sched.pass ||
		    !(out->flags & TF_IN_OUTPUT))
			return bad(buf, size, out,
			           "left on the output list after a poll, not for the pass budget");
	}
	for (uint32_t i = 0; i < te->nb_conns; i++) {
		const struct tcb *tcb = &te->conns[i];
		if (tcb->state == TCP_CLOSED) {
			if (tcb->sndq != NULL || tcb->rcvq != NULL || tcb->nb_ooo != 0)
				return bad(buf, size, tcb, "CLOSED but holds mbufs");
			if (timer_pending(&tcb->rexmt) || timer_pending(&tcb->delack) ||
			    timer_pending(&tcb->keepalive))
				return bad(buf, size, tcb, "CLOSED with a timer pending");
			continue;
		}
		live++;
		if (!(tcb->flags & TF_IN_FLOW))
			return bad(buf, size, tcb, "live but not in the flow table");
		in_flow++;
		if (flow_lookup(eng->flows, &tcb->key, tcb->hash) != tcb)
			return bad(buf, size, tcb, "the flow table does not find it");
		why = tcb_check_seq(tcb, buf, size, &sndq_segs, &rcv_segs, deep);
		if (why == NULL)
			why = tcb_check_timers(eng, tcb, buf, size);
		if (why != NULL)
			return why;
	}
	/* The output pass recycles every CLOSED tcb: what is used is live. */
	if (te->used != live)
		return bad(buf, size, NULL, "tcp.used %u but %u live connections", te->used, live);
	if (flow_count(eng->flows) != in_flow)
		return bad(buf, size, NULL, "flow table holds %u entries, %u connections",
		           flow_count(eng->flows), in_flow);
	/* The applications hold no mbufs between polls (they copy, or free
	 * what tern_recv gave at once): the budgets are the queues' sums. */
	if (te->sndq_segs != sndq_segs)
		return bad(buf, size, NULL, "tcp.sndq_segs %u but send queues hold %u",
		           te->sndq_segs, sndq_segs);
	if (te->rcv_segs != rcv_segs)
		return bad(buf, size, NULL, "tcp.rcv_segs %u but receive queues hold %u",
		           te->rcv_segs, rcv_segs);
	return NULL;
}

static const char *const rexmt_names[] = {
	[TCP_TIMER_NONE] = "none",
	[TCP_TIMER_RTO] = "rto",
	[TCP_TIMER_PERSIST] = "persist",
	[TCP_TIMER_TIME_WAIT] = "time_wait",
	[TCP_TIMER_FIN_WAIT_2] = "fin_wait_2",
	[TCP_TIMER_TLP] = "tlp",
	[TCP_TIMER_RACK] = "rack",
};

static const char *const flag_names[] = {
	"ACK_NOW",    "DELACK",      "FIN_QUEUED",    "FIN_SENT",    "RCVD_FIN",
	"SACK_OK",    "TS_OK",       "WS_OK",         "IN_OUTPUT",   "APP_CLOSED",
	"RTT_TIMING", "IN_RECOVERY", "WRITABLE_WAIT", "PASSIVE",     "SEND_RST",
	"REXMT_ONE",  "HAVE_RTT",    "IN_FLOW",       "FIN_PENDING", "TLP",
	"TLP_DONE",   "BUDGET_WAIT", "ON_TW_LIST",    "RCV_WAIT",    "ON_ORPHANS",
};

void
sim_conn_report(const struct engine *eng, const char *name, FILE *f)
{
	const struct tcp_engine *te = &eng->tcp;

	for (uint32_t i = 0; i < te->nb_conns; i++) {
		const struct tcb *tcb = &te->conns[i];
		if (tcb->state == TCP_CLOSED)
			continue;
		uint32_t iss = tcb->snd.iss, irs = tcb->rcv.irs;
		fprintf(f,
		        "  %s tcb %u %u->%u %s: snd.una %u nxt %u max %u (from iss) wnd %u "
		        "wscale %u cwnd %u ssthresh %u | rcv.nxt %u adv %u (from irs) wscale %u | "
		        "rcvq_len %u sndq_len %u ooo %u | rexmt %s pending %d backoff %u rto %u ms "
		        "delack %d | flags",
		        name, tcb->id, rte_be_to_cpu_16(tcb->key.local_port),
		        rte_be_to_cpu_16(tcb->key.remote_port), tcp_state_name(tcb->state),
		        tcb->snd.una - iss, tcb->snd.nxt - iss, tcb->snd.max - iss, tcb->snd.wnd,
		        tcb->snd.wscale, tcb->cwnd, tcb->ssthresh, tcb->rcv.nxt - irs,
		        tcb->rcv.adv - irs, tcb->rcv.wscale, tcb->rcvq_len, tcb->sndq_len,
		        tcb->nb_ooo,
		        tcb->rexmt_kind < RTE_DIM(rexmt_names) ? rexmt_names[tcb->rexmt_kind] : "?",
		        timer_pending(&tcb->rexmt), tcb->backoff, tcb->rto_ms,
		        timer_pending(&tcb->delack));
		for (unsigned b = 0; b < RTE_DIM(flag_names); b++)
			if (tcb->flags & (1u << b))
				fprintf(f, " %s", flag_names[b]);
		fprintf(f, "\n");
	}
}
