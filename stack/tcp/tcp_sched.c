/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fair output: which marked connection the output pass serves next, and how
 * many new segments it may send (the rounds are described in tcp_sched.h).
 *
 *   tcp_output_burst -> tcp_sched_begin, then tcp_sched_next / tcp_output_one
 *                       / tcp_sched_after until tcp_sched_next says none
 */
#include <rte_common.h>

#include "engine/engine.h"
#include "tcp/tcp.h"
#include "tcp/tcp_sched.h"

void
tcp_sched_begin(struct engine *eng)
{
	struct tcp_sched *s = &eng->tcp.sched;

	s->pass++;
	s->left = RTE_MIN(TCP_SCHED_PASS_SEGS, engine_tx_room(eng));
}

struct tcb *
tcp_sched_next(struct engine *eng)
{
	struct tcp_engine *te = &eng->tcp;
	struct tcp_sched *s = &te->sched;
	struct tcb *tcb = TAILQ_FIRST(&te->output);

	if (tcb == NULL)
		return NULL;
	if (tcb->out_pass == s->pass) {
		/* A further round: every connection marked before this pass
		 * has had its first, since a yield goes to the tail. */
		if (s->left == 0) {
			eng->stats.tcp_output_passes_cut++;
			return NULL; /* it and those behind it go first next pass */
		}
		s->quota = RTE_MIN(TCP_SCHED_QUANTUM, s->left);
	} else {
		tcb->out_pass = s->pass;
		s->quota = TCP_SCHED_QUANTUM;
	}
	tcp_sched_unlink(eng, tcb);
	s->limited = false;
	return tcb;
}

void
tcp_sched_after(struct engine *eng, struct tcb *tcb)
{
	struct tcp_engine *te = &eng->tcp;

	if (!te->sched.limited || tcb->state == TCP_CLOSED)
		return;
	eng->stats.tcp_output_yields++;
	if (tcb->flags & TF_IN_OUTPUT) /* marked again while it was served */
		return;
	tcb->flags |= TF_IN_OUTPUT;
	TAILQ_INSERT_TAIL(&te->output, tcb, out_link);
	if (te->sched.backlog_first == NULL)
		te->sched.backlog_first = tcb;
}

void
tcp_sched_mark(struct engine *eng, struct tcb *tcb)
{
	struct tcp_engine *te = &eng->tcp;

	tcb->flags |= TF_IN_OUTPUT;
	if (te->sched.backlog_first != NULL)
		TAILQ_INSERT_BEFORE(te->sched.backlog_first, tcb, out_link);
	else
		TAILQ_INSERT_TAIL(&te->output, tcb, out_link);
}

void
tcp_sched_recycle_closed(struct engine *eng)
{
	struct tcp_engine *te = &eng->tcp;
	struct tcb *tcb, *next;

	if (te->sched.closed_seen == eng->stats.tcp_conns_closed)
		return; /* none ended: nothing to walk */
	for (tcb = TAILQ_FIRST(&te->output); tcb != NULL; tcb = next) {
		next = TAILQ_NEXT(tcb, out_link);
		if (tcb->state == TCP_CLOSED) {
			tcp_sched_unlink(eng, tcb);
			tcp_tcb_recycle(eng, tcb);
		}
	}
	te->sched.closed_seen = eng->stats.tcp_conns_closed;
}

void
tcp_sched_unlink(struct engine *eng, struct tcb *tcb)
{
	struct tcp_engine *te = &eng->tcp;

	/* Everything behind the first backlog is a backlog too. */
	if (te->sched.backlog_first == tcb)
		te->sched.backlog_first = TAILQ_NEXT(tcb, out_link);
	TAILQ_REMOVE(&te->output, tcb, out_link);
	tcb->flags &= ~TF_IN_OUTPUT;
}
