/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The table of congestion control modules and the calls through it: what
 * every module shares (the caps on cwnd, RFC 5681's window after a timeout)
 * is here; what differs is in cc_newreno.c and cc_cubic.c.
 *
 *   tcp_ack.c / tcp_timer.c -> tcp_cc_* -> tcp_cc_modules[tcb->cc_id]->op
 */
#include <assert.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <rte_common.h>

#include "core/config.h"
#include "engine/engine.h"
#include "tcp/tcp_cc.h"

#define TCP_CWND_MAX (1u << 30)

/* [tcp] congestion_control stores the module's id. */
static_assert((int)TCP_CC_NEWRENO == (int)TCP_CC_CHOICE_NEWRENO, "config word order");
static_assert((int)TCP_CC_CUBIC == (int)TCP_CC_CHOICE_CUBIC, "config word order");

static const struct tcp_cc_ops *const tcp_cc_modules[TCP_CC_COUNT] = {
	[TCP_CC_NEWRENO] = &tcp_cc_newreno,
	[TCP_CC_CUBIC] = &tcp_cc_cubic,
};

const struct tcp_cc_ops *
tcp_cc_ops_of(unsigned id)
{
	return id < TCP_CC_COUNT ? tcp_cc_modules[id] : NULL;
}

int
tcp_cc_find(const char *name)
{
	for (unsigned i = 0; i < TCP_CC_COUNT; i++)
		if (strcasecmp(name, tcp_cc_modules[i]->name) == 0)
			return (int)i;
	return -EINVAL;
}

const char *
tcp_cc_name(const struct tcb *tcb)
{
	return tcp_cc_modules[tcb->cc_id]->name;
}

void
tcp_cc_select(struct tcb *tcb, uint8_t id)
{
	tcb->cc_id = id < TCP_CC_COUNT ? id : TCP_CC_NEWRENO;
	memset(&tcb->cc, 0, sizeof(tcb->cc));
	tcp_cc_modules[tcb->cc_id]->init(tcb);
}

void
tcp_cc_listener_apply(struct tcb *tcb, const struct tcp_listener *l)
{
	if (l->cc != 0)
		tcp_cc_select(tcb, l->cc - 1);
}

int
tcp_listener_set_cc(struct engine *eng, uint16_t port_be, uint8_t id)
{
	for (unsigned i = 0; i < TCP_LISTENERS_MAX; i++) {
		struct tcp_listener *l = &eng->tcp.listeners[i];
		if (l->port_be == port_be && port_be != 0) {
			l->cc = (uint8_t)(id + 1);
			return 0;
		}
	}
	return -ENOENT;
}

void
tcp_cc_ack(struct tcb *tcb, const struct tcp_cc_ack *ack)
{
	tcp_cc_modules[tcb->cc_id]->on_ack(tcb, ack);
	tcb->cwnd = RTE_MIN(tcb->cwnd, TCP_CWND_MAX);
}

/* RFC 5681 3.2 step 2: the module's ssthresh; cwnd is then PRR's (RFC
 * 6937 replaces RFC 6582's inflation by the segments that left). */
void
tcp_cc_enter_recovery(struct tcb *tcb, uint64_t now_us)
{
	tcb->ssthresh = tcp_cc_modules[tcb->cc_id]->on_loss(tcb, now_us);
	tcp_prr_start(tcb);
}

/* RFC 6937 3 ("cwnd = ssthresh" at the end of recovery), as RFC 6582 3.2
 * step 3's option 2: option 1 collapses to one segment when little is in
 * flight, which invites a timeout. */
void
tcp_cc_exit_recovery(struct tcb *tcb, uint64_t now_us)
{
	tcb->cwnd = tcb->ssthresh;
	tcp_cc_modules[tcb->cc_id]->on_exit_recovery(tcb, now_us);
}

/* RFC 5681 3.1: after a timeout the window is one segment (the loss
 * window); ssthresh is the module's. */
void
tcp_cc_rto(struct tcb *tcb, uint64_t now_us)
{
	tcb->ssthresh = tcp_cc_modules[tcb->cc_id]->on_rto(tcb, now_us);
	tcb->cwnd = tcb->mss;
}
