/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proportional Rate Reduction (RFC 6937 3), with the slow-start reduction
 * bound (PRR-SSRB), for every module: during recovery each ACK lets out
 * ssthresh / RecoverFS of what it delivered while more than ssthresh is in
 * the network, and after that at most what it delivered plus one segment,
 * up to ssthresh. cwnd = pipe + sndcnt, for operators and for the end of
 * recovery; what output may send is sndcnt itself (prr.sndcnt), which every
 * transmission in recovery spends (tcp_prr_sent).
 *
 *   tcp_ack_process -> tcp_prr_mark ... tcp_prr_ack (in recovery)
 *   tcp_enter_recovery -> tcp_cc_enter_recovery -> tcp_prr_start
 *   tcp_output: tcp_cc_send_window (new data), holes while prr.sndcnt allows,
 *               tcp_prr_sent for each segment
 */
#include <rte_common.h>

#include "tcp/tcp_cc.h"

/* What the peer holds above snd.una: the SACKed bytes, or without SACK one
 * segment per duplicate ACK not yet covered by a cumulative one (RFC 6937
 * 3: "DeliveredData ... 1 MSS per duplicate ACK" without SACK). */
static uint32_t
tcp_prr_above(const struct tcb *tcb)
{
	uint32_t flight = tcp_flight_size(tcb);
	uint32_t n = 0;

	/* An unmarked map (tcp_sack.h) holds no SACKed byte: the ACK without
	 * loss, marked on every ACK, skips the walk. */
	if (tcb->flags & TF_SACK_OK)
		n = tcp_sb_unmarked(&tcb->sb) ? 0 : tcp_sb_sacked_bytes(tcb);
	else if (tcb->flags & TF_IN_RECOVERY)
		n = tcb->prr.dup_bytes;
	return RTE_MIN(n, flight);
}

/* With SACK, RFC 6675 4 SetPipe over the scoreboard (tcp_pipe: a byte deemed
 * lost is not in the network, a retransmission of it is). Without, the
 * flight less what duplicate ACKs said arrived. */
uint32_t
tcp_cc_pipe(const struct tcb *tcb)
{
	if (tcb->flags & TF_SACK_OK)
		return tcp_pipe(tcb);
	return tcp_flight_size(tcb) - tcp_prr_above(tcb);
}

void
tcp_prr_mark(const struct tcb *tcb, struct tcp_prr_mark *m)
{
	m->una = tcb->snd.una;
	m->above = tcp_prr_above(tcb);
}

/* RFC 6937 3, "at the beginning of recovery". Without SACK the duplicate
 * ACKs before this one already said so many segments arrived. */
void
tcp_prr_start(struct tcb *tcb)
{
	tcb->prr = (struct tcp_prr){
		.recover_fs = tcp_flight_size(tcb),
		.dup_bytes = tcb->dupacks > 1 ? (tcb->dupacks - 1u) * tcb->mss : 0,
	};
}

/* DeliveredData = change_in(snd.una) + change_in(SACKd). */
static uint32_t
tcp_prr_delivered(struct tcb *tcb, const struct tcp_prr_mark *m, bool dup)
{
	uint32_t acked = tcb->snd.una - m->una;

	if (!(tcb->flags & TF_SACK_OK)) {
		/* A duplicate says a segment arrived; a cumulative ACK covers
		 * first what duplicates said before. */
		if (dup) {
			tcb->prr.dup_bytes += tcb->mss;
			return tcb->mss;
		}
		uint32_t covered = RTE_MIN(acked, tcb->prr.dup_bytes);
		tcb->prr.dup_bytes -= covered;
		return acked - covered;
	}
	int64_t d = (int64_t)acked + tcp_prr_above(tcb) - m->above;
	return d > 0 ? (uint32_t)d : 0;
}

void
tcp_prr_ack(struct tcb *tcb, const struct tcp_prr_mark *m, bool dup)
{
	struct tcp_prr *p = &tcb->prr;
	uint32_t delivered = tcp_prr_delivered(tcb, m, dup);
	uint32_t pipe = tcp_cc_pipe(tcb);
	uint64_t sndcnt;

	p->delivered += delivered;
	if (pipe > tcb->ssthresh) {
		/* Proportional: CEIL(prr_delivered * ssthresh / RecoverFS)
		 * - prr_out. */
		uint64_t due = ((uint64_t)p->delivered * tcb->ssthresh + p->recover_fs - 1) /
		               RTE_MAX(p->recover_fs, 1u);
		sndcnt = due > p->out ? due - p->out : 0;
	} else {
		/* PRR-SSRB: limit = MAX(prr_delivered - prr_out,
		 * DeliveredData) + MSS. */
		uint64_t behind = p->delivered > p->out ? p->delivered - p->out : 0;
		uint64_t limit = RTE_MAX(behind, (uint64_t)delivered) + tcb->mss;
		sndcnt = RTE_MIN((uint64_t)(tcb->ssthresh - pipe), limit);
	}
	p->sndcnt = (uint32_t)RTE_MIN(sndcnt, (uint64_t)UINT32_MAX - pipe);
	tcb->cwnd = pipe + p->sndcnt;
}

void
tcp_prr_sent(struct tcb *tcb, uint32_t len)
{
	tcb->prr.out += len;
	tcb->prr.sndcnt -= RTE_MIN(tcb->prr.sndcnt, len);
}

uint32_t
tcp_cc_send_window(const struct tcb *tcb)
{
	if (tcb->flags & TF_IN_RECOVERY)
		return tcb->snd.nxt - tcb->snd.una + tcb->prr.sndcnt;
	return tcb->cwnd;
}
