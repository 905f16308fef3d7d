/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A connection as operators see it: copies of control blocks, made on the
 * engine's core (runtime/post.c brings the request there), so the reader
 * never touches a live control block.
 *
 *   /tern/conns -> post to the engine -> tcp_conns_scan -> tcp_conn_info
 */
#include <rte_common.h>

#include "engine/engine.h"
#include "tcp/tcp.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_info.h"

void
tcp_conn_info(const struct tcb *tcb, struct tcp_conn_info *info)
{
	bool rtt = (tcb->flags & TF_HAVE_RTT) != 0;

	*info = (struct tcp_conn_info){
		.key = tcb->key,
		.state = tcb->state,
		.mss = tcb->mss,
		/* Fixed point as kept: SRTT x 8, RTTVAR x 4 (RFC 6298 after
		 * Jacobson's scaling). */
		.srtt_us = rtt ? tcb->srtt_us8 >> 3 : 0,
		.rttvar_us = rtt ? tcb->rttvar_us4 >> 2 : 0,
		.rto_ms = tcb->rto_ms,
		.cc = tcp_cc_name(tcb),
		.cwnd = tcb->cwnd,
		.ssthresh = tcb->ssthresh,
		.snd_wnd = tcb->snd.wnd,
		.rcv_wnd = seq_gt(tcb->rcv.adv, tcb->rcv.nxt) ? tcb->rcv.adv - tcb->rcv.nxt : 0,
		.bytes_acked = tcb->bytes_acked,
		.bytes_received = tcb->bytes_received,
		.retransmits = tcb->retransmits,
		.snd_queued = tcb->sndq_len,
		.rcv_queued = tcb->rcvq_len,
	};
}

unsigned
tcp_conns_scan(const struct engine *eng, struct tcp_conns_cursor *cur, uint32_t slots,
               struct tcp_conn_info *out, unsigned max)
{
	const struct tcp_engine *te = &eng->tcp;
	uint32_t end = cur->slot + RTE_MIN(slots, te->nb_conns - RTE_MIN(cur->slot, te->nb_conns));
	unsigned n = 0;

	while (cur->slot < end && n < max) {
		const struct tcb *tcb = &te->conns[cur->slot++];

		if (tcb->state == TCP_CLOSED)
			continue;
		if (cur->skip > 0)
			cur->skip--;
		else
			tcp_conn_info(tcb, &out[n++]);
	}
	return n;
}
