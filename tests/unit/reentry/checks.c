/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The invariants, checked after every poll: each handle the application holds
 * is open, in the flow table as itself, with the application's callbacks; and
 * the engine's pool is whole (each block free, waiting for the output pass, or
 * live in the table, and the TIME_WAIT and orphan lists hold what they
 * should). At the end, every block and mbuf is back.
 *
 *   flush_out, step_time, drain -> check_all -> check_slots, check_pool -> bug
 */
#include <stddef.h>
#include <stdio.h>

#include "flow/flow_table.h"
#include "reentry.h"

/* A handle the application holds, outside its closed callback: open, in the
 * table under its own key, with our callbacks. */
void
check_held(struct reentry *re, const struct slot *s, const char *where)
{
	const struct tcb *t = tcb_of(s->c);
	const struct tcp_engine *te = &re->h->eng->tcp;
	unsigned i = (unsigned)(s - re->slots);

	if (t < te->conns || t >= te->conns + te->nb_conns) {
		bug(re, "%s: slot %u holds %p, not a block of the pool", where, i, (void *)s->c);
		return;
	}
	if (t->state == TCP_CLOSED || t->state == TCP_TIME_WAIT || t->ops != &app_ops ||
	    t->arg != arg_of(re, s))
		bug(re,
		    "%s: slot %u holds conn %u, now %s, callbacks %s, arg %s, and no closed came",
		    where, i, t->id, tcp_state_name(t->state),
		    t->ops == &app_ops ? "ours"
		    : t->ops == NULL   ? "none"
		                       : "not ours",
		    t->arg == arg_of(re, s) ? "its own" : "another's");
	else if (!(t->flags & TF_IN_FLOW) || flow_lookup(re->h->eng->flows, &t->key, t->hash) != t)
		bug(re, "%s: conn %u (%s) held but not in the flow table as itself", where, t->id,
		    tcp_state_name(t->state));
	else if (s->closing != !!(t->flags & TF_APP_CLOSED))
		bug(re, "%s: conn %u closing %d, TF_APP_CLOSED %d", where, t->id, s->closing,
		    !!(t->flags & TF_APP_CLOSED));
}

static void
check_slots(struct reentry *re, const char *where)
{
	const struct slot *slots = re->slots;

	for (unsigned i = 0; i < SLOTS && !re->failed; i++) {
		if (!slot_live(&slots[i]))
			continue;
		check_held(re, &slots[i], where);
		for (unsigned j = i + 1; j < SLOTS; j++)
			if (slot_live(&slots[j]) && slots[j].c == slots[i].c)
				bug(re, "%s: slots %u and %u hold the same conn %u", where, i, j,
				    tcb_of(slots[i].c)->id);
	}
}

/* ---- the pool, whole ---------------------------------------------------- */

/* Each block is on the free list, or CLOSED on the output list waiting to be
 * recycled, or live in the flow table as itself; TIME_WAITs are on their
 * list, orphans are closed by the application and on theirs. */
static void
check_pool_blocks(struct reentry *re, const char *where, const bool *on_free, uint32_t *alive,
                  uint32_t *pending)
{
	const struct tcp_engine *te = &re->h->eng->tcp;

	for (uint32_t i = 0; i < te->nb_conns && !re->failed; i++) {
		const struct tcb *t = &te->conns[i];
		if (t->state == TCP_CLOSED) {
			if (t->flags & (TF_IN_FLOW | TF_ON_TW_LIST | TF_ON_ORPHANS))
				bug(re, "%s: CLOSED block %u still listed (flags %#x)", where, i,
				    t->flags);
			else if (t->flags & TF_IN_OUTPUT)
				(*pending)++;
			else if (!on_free[i])
				bug(re, "%s: CLOSED block %u neither free nor on the output list",
				    where, i);
			continue;
		}
		(*alive)++;
		if (on_free[i])
			bug(re, "%s: block %u is %s and on the free list", where, i,
			    tcp_state_name(t->state));
		else if (!(t->flags & TF_IN_FLOW) ||
		         flow_lookup(re->h->eng->flows, &t->key, t->hash) != t)
			bug(re, "%s: block %u (%s) is not in the flow table as itself", where, i,
			    tcp_state_name(t->state));
		else if (t->ops == NULL && t->state != TCP_TIME_WAIT)
			bug(re, "%s: block %u in %s without callbacks", where, i,
			    tcp_state_name(t->state));
		else if (t->ops != NULL && t->arg == LISTEN_ARG &&
		         (t->state != TCP_SYN_RCVD || !(t->flags & TF_PASSIVE)))
			bug(re, "%s: block %u in %s never accepted", where, i,
			    tcp_state_name(t->state));
		else if (t->ops != NULL && t->arg != LISTEN_ARG &&
		         slot_holding(re, (const struct tern_conn *)t) == NULL)
			bug(re,
			    "%s: block %u in %s has the application's callbacks, but the "
			    "application does not hold it",
			    where, i, tcp_state_name(t->state));
		else if ((t->state == TCP_TIME_WAIT) != !!(t->flags & TF_ON_TW_LIST))
			bug(re, "%s: block %u in %s, TIME_WAIT list flag %d", where, i,
			    tcp_state_name(t->state), !!(t->flags & TF_ON_TW_LIST));
		else if ((t->flags & TF_ON_ORPHANS) && !(t->flags & TF_APP_CLOSED))
			bug(re, "%s: block %u (%s) an orphan the application did not close", where,
			    i, tcp_state_name(t->state));
	}
}

static void
check_pool(struct reentry *re, const char *where)
{
	const struct tcp_engine *te = &re->h->eng->tcp;
	bool on_free[TABLE_CONNS_MAX] = { false };
	uint32_t nb_free = 0, alive = 0, pending = 0, n = 0;
	const struct tcb *t;

	for (t = te->free; t != NULL && !re->failed; t = t->free_next) {
		ptrdiff_t i = t - te->conns;
		if (i < 0 || i >= (ptrdiff_t)te->nb_conns || on_free[i] || ++nb_free > te->nb_conns)
			bug(re, "%s: the free list is corrupt (block %td)", where, i);
		else if (t->state != TCP_CLOSED || (t->flags & TF_IN_OUTPUT))
			bug(re, "%s: free block %td is %s, flags %#x", where, i,
			    tcp_state_name(t->state), t->flags);
		else
			on_free[i] = true;
	}
	check_pool_blocks(re, where, on_free, &alive, &pending);
	if (re->failed)
		return;
	if (te->used != alive + pending || nb_free + te->used != te->nb_conns)
		bug(re, "%s: %u used, %u live and %u to recycle, %u free, of %u", where, te->used,
		    alive, pending, nb_free, te->nb_conns);
	else if (flow_count(re->h->eng->flows) != alive)
		bug(re, "%s: %u flows for %u live blocks", where, flow_count(re->h->eng->flows),
		    alive);
	TAILQ_FOREACH(t, &te->time_wait, tw_link)
	{
		if (++n > te->nb_conns || t->state != TCP_TIME_WAIT)
			bug(re, "%s: the TIME_WAIT list holds block %u in %s", where, t->id,
			    tcp_state_name(t->state));
		if (re->failed)
			return;
	}
	n = 0;
	TAILQ_FOREACH(t, &te->orphans, orphan_link)
	{
		if (++n > te->nb_conns || t->state == TCP_CLOSED || t->state == TCP_TIME_WAIT ||
		    !(t->flags & TF_ON_ORPHANS))
			bug(re, "%s: the orphan list holds block %u in %s", where, t->id,
			    tcp_state_name(t->state));
		if (re->failed)
			return;
	}
}

void
check_all(struct reentry *re, const char *where)
{
	check_slots(re, where);
	check_pool(re, where);
}

void
check_leaks(struct reentry *re, unsigned pool_base, unsigned frames_base)
{
	const struct tcp_engine *te = &re->h->eng->tcp;
	unsigned in_use = harness_pool_in_use(re->h);
	unsigned frames = rte_mempool_in_use_count(harness_pool());

	if (te->used != 0 || live_slots(re) != 0) {
		char states[128] = "";
		size_t off = 0;
		for (uint32_t i = 0; i < te->nb_conns && off < sizeof(states) - 16; i++)
			off += (size_t)snprintf(states + off, sizeof(states) - off, " %s",
			                        tcp_state_name(te->conns[i].state));
		bug(re, "at the end %u blocks used, the application holds %u:%s", te->used,
		    live_slots(re), states);
	} else if (in_use != pool_base || frames != frames_base) {
		bug(re,
		    "mbufs: the engine's pool %u in use (%u at the start), the test frames' %u "
		    "(%u)",
		    in_use, pool_base, frames, frames_base);
	}
}
