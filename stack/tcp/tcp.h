/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP inside one engine: what the rest of the stack and the API call.
 *
 *   ipv4_input -> tcp_input_queue ... engine_poll -> tcp_input_flush -> (tcb updated, marked)
 *   engine_poll -> tcp_output_burst
 *   timer wheel -> tcp timers ; tern_* API -> tcp_conn / tcp_output
 */
#ifndef TERN_TCP_H
#define TERN_TCP_H

#include <stdint.h>

#include "tcp/tcp_cb.h"

struct config;
struct engine;
struct rte_mbuf;
struct rte_ipv4_hdr;
struct rte_tcp_hdr;

/* tcp_conn.c */
int tcp_engine_init(struct engine *eng, const struct config *cfg);
void tcp_engine_fini(struct engine *eng);
/* Stopping: close every listener (SYNs get RSTs from now on) and reset the
 * connections, telling the application (closed, -ESHUTDOWN): at most @budget
 * a call, from where the last call ended, so that the RSTs fit the TX ring
 * between polls. True once none is left. The engine can go on polling,
 * answering what still arrives as CLOSED would. */
bool tcp_engine_stop(struct engine *eng, uint32_t budget);
struct tcb *tcp_tcb_alloc(struct engine *eng);
/* Put the tcb in the flow table; -EEXIST if the 4-tuple is taken. */
int tcp_tcb_insert(struct engine *eng, struct tcb *tcb);
/* tcp_tcb_insert for a key the caller found absent under @hash when the
 * table's flow_adds was @adds (tern_connect's port search): no second
 * lookup unless keys went in since. */
int tcp_tcb_insert_absent(struct engine *eng, struct tcb *tcb, uint32_t hash, uint64_t adds);
/* The tcb leaves for good: flow table, timers, buffers. It returns to the
 * pool at the next output pass, so code still holding it sees TCP_CLOSED. */
void tcp_tcb_free(struct engine *eng, struct tcb *tcb);
/* @tcb ends: a port search for its destination that found nothing may now
 * find its port (tcp_api.c). */
void tcp_ports_full_forget(struct engine *eng, const struct tcb *tcb);
/* Free the send queue, returning its mbufs to the engine's send budget. */
void tcp_sndq_release(struct engine *eng, struct tcb *tcb);
/* Wait for the send budget; the writable callback follows when it frees. */
void tcp_budget_wait(struct engine *eng, struct tcb *tcb);
/* Keep @tcb on the engine's TIME_WAIT list (oldest first), which the pool
 * takes back from when it runs dry. */
void tcp_tw_list_add(struct engine *eng, struct tcb *tcb);
/* The application closed it (tern_close): it may be reset to make room
 * when the pool runs dry; it leaves the list when it is freed or enters
 * TIME_WAIT. */
void tcp_orphan_add(struct engine *eng, struct tcb *tcb);
void tcp_orphan_del(struct engine *eng, struct tcb *tcb);
/* Back to the pool (the output pass, for CLOSED tcbs). */
void tcp_tcb_recycle(struct engine *eng, struct tcb *tcb);
void tcp_set_state(struct engine *eng, struct tcb *tcb, enum tcp_state s);
/* Tell the application the connection is over (once), then, unless it
 * lingers in TIME_WAIT, free it. */
void tcp_close_tcb(struct engine *eng, struct tcb *tcb, int reason);

/* Run @call, an application callback of @tcb's connection. While it runs the
 * block is TF_IN_APP, which tcp_reclaim passes over: the callback may open a
 * connection, and a reclaim that handed it this block would have it freed or
 * driven by the segment still in hand when the callback returns
 * (test_tcp_reentry). Callbacks nest (readable -> tern_close -> closed), so
 * the flag goes back to what it was. */
#define TCP_APP_CALL(eng, tcb, call)                                                               \
	do {                                                                                       \
		uint32_t in_app_ = (tcb)->flags & TF_IN_APP;                                       \
		(tcb)->flags |= TF_IN_APP;                                                         \
		COST_CALL(eng, COST_APP, call);                                                    \
		(tcb)->flags = ((tcb)->flags & ~TF_IN_APP) | in_app_;                              \
	} while (0)
/* Reset the connection: RST to the peer, closed callback, free. */
void tcp_drop(struct engine *eng, struct tcb *tcb, int reason);
const struct tcp_listener *tcp_listener_find(const struct engine *eng, uint16_t port_be);
void tcp_mark_output(struct engine *eng, struct tcb *tcb);
/* Initial RTO, windows and options of a new connection. */
void tcp_tcb_setup(struct engine *eng, struct tcb *tcb);
/* What is left of the receive buffer, for the window we advertise. */
uint32_t tcp_rcv_space(const struct tcb *tcb);

/* tcp_input.c */
/* Take @m (at its IPv4 header, checked by ipv4_input): parse and check it now (a bad
 * segment is dropped and counted at once), and queue it for the burst's
 * flow lookup. A full queue (FLOW_BURST_MAX) is flushed at once. */
void tcp_input_queue(struct engine *eng, struct rte_mbuf *m);
/* Look up every queued segment's connection in one rte_hash bulk lookup,
 * then run each through TCP input, in arrival order. Every caller of
 * tcp_input_queue calls it before its burst ends. */
void tcp_input_flush(struct engine *eng);
/* Segments queued and not flushed yet. */
static inline bool
tcp_input_pending(const struct tcp_engine *te)
{
	return te->rx.n != 0;
}
/* Whether tcp_output_burst has anything to do: connections marked, or
 * writers waiting for a budget to free. Tested inline, so that an idle loop
 * iteration skips the call (tcp_sched's pass count moves only in passes
 * that serve someone, which is all it compares). */
static inline bool
tcp_output_pending(const struct tcp_engine *te)
{
	return !TAILQ_EMPTY(&te->output) || !LIST_EMPTY(&te->budget_waiters) ||
	       !LIST_EMPTY(&te->rcv_waiters);
}
/* The peer's FIN is next in sequence: take it (RFC 9293 3.10.7.4 eighth). */
void tcp_fin_input(struct engine *eng, struct tcb *tcb);
/* An ACK that tells the peer where we are, at most [tcp] challenge_acks a
 * second per connection (RFC 5961 7). */
void tcp_challenge_ack(struct engine *eng, struct tcb *tcb);

/* tcp_ack.c: RFC 9293 3.10.7.4 fifth step, RFC 6298, RFC 5681, RFC 6582 */
/* Returns false if the segment must be dropped (after the ACK it may owe). */
bool tcp_ack_process(struct engine *eng, struct tcb *tcb, const struct tcp_seg *seg);
void tcp_enter_recovery(struct engine *eng, struct tcb *tcb);
void tcp_rtt_sample(struct engine *eng, struct tcb *tcb, uint32_t rtt_us);

/* tcp_rack.c: after an ACK that delivered @delivered bytes, RACK (RFC 8985
 * 6.2) and IsLost() (RFC 6675 4) mark what is lost; a loss starts recovery.
 * Outside recovery the segments delivered let as many lost ones be resent;
 * in it, PRR decides (tcp_prr_ack). */
void tcp_loss_on_ack(struct engine *eng, struct tcb *tcb, uint32_t delivered);
/* RACK's reordering timer fired (RFC 8985 6.3). */
void tcp_rack_timeout(struct engine *eng, struct tcb *tcb);
/* The probe timer fired in recovery: the first outstanding retransmission
 * is taken as lost. */
void tcp_rack_probe_recovery(struct engine *eng, struct tcb *tcb);

/* tcp_reass.c */
/* Take the payload and FIN of @seg (seg->m becomes NULL if it keeps it). */
void tcp_reass_input(struct engine *eng, struct tcb *tcb, struct tcp_seg *seg);
/* Would @len bytes at @seq, in @nb mbufs, go straight to the receive queue,
 * whole, as one segment or as several in a row (tcp_gro_merge)? */
bool tcp_reass_takes_whole(const struct engine *eng, const struct tcb *tcb, uint32_t seq,
                           uint32_t len, unsigned nb);
void tcp_reass_free(struct engine *eng, struct tcb *tcb);
/* Free the receive queue (its mbufs leave the engine's receive budget). */
void tcp_rcvq_release(struct engine *eng, struct tcb *tcb);
/* Wake the receivers refused for the budget once a quarter of it is free. */
void tcp_rcv_budget_wake(struct engine *eng);
/* SACK blocks for our ACKs (RFC 2018 4): up to @max, newest first. */
unsigned tcp_reass_sack(const struct tcb *tcb, struct tcp_sack_block *blocks, unsigned max);

/* tcp_output.c */
void tcp_output_burst(struct engine *eng);
/* A bare segment for a 4-tuple without a connection (RST, RFC 9293 3.10.7.1). */
void tcp_respond_rst(struct engine *eng, const struct flow_key *key, uint32_t seq, uint32_t ack,
                     uint8_t flags);
/* A segment with options for a 4-tuple without a connection (the SYN-ACK of
 * a SYN cookie). */
void tcp_respond(struct engine *eng, const struct flow_key *key, uint32_t seq, uint32_t ack,
                 uint8_t flags, uint16_t wnd, const struct tcp_opts *opts);
/* A bare segment of the connection (RST, ACK, probe) right now. */
void tcp_send_ctl(struct engine *eng, struct tcb *tcb, uint32_t seq, uint8_t flags);

/* tcp_syncookie.c: SYN cookies (RFC 4987 3.6) */
/* Answer the SYN @seg with a SYN-ACK whose ISN is a cookie; no state kept. */
void tcp_syncookie_send(struct engine *eng, const struct flow_key *key, const struct tcp_seg *seg);
/* The ACK @seg to listener @l, with no connection: if it acknowledges a
 * cookie of ours, 0 and *@tcb, a connection in ESTABLISHED as the SYN and
 * this ACK would have made it (the application not told yet); -EINVAL if
 * it does not (answer with a RST), -ENOBUFS if there is no room for it
 * (drop it: the peer's next segment tries again). */
int tcp_syncookie_accept(struct engine *eng, const struct tcp_listener *l,
                         const struct flow_key *key, const struct tcp_seg *seg, struct tcb **tcb);

/* tcp_timer.c */
void tcp_timers_init(struct tcb *tcb);
void tcp_timers_cancel(struct engine *eng, struct tcb *tcb);
void tcp_rexmt_arm(struct engine *eng, struct tcb *tcb, enum tcp_rexmt_kind kind, uint64_t ms);
void tcp_rexmt_stop(struct engine *eng, struct tcb *tcb);
/* After sending or an ACK of new data: nothing in flight stops the timer;
 * otherwise a tail loss probe (RFC 8985 7) or the RTO is armed. */
void tcp_rexmt_restart(struct engine *eng, struct tcb *tcb);
void tcp_delack_arm(struct engine *eng, struct tcb *tcb);
void tcp_keepalive_touch(struct engine *eng, struct tcb *tcb);
void tcp_time_wait_enter(struct engine *eng, struct tcb *tcb);

/* tcp_api.c: callbacks into the application */
void tcp_notify_readable(struct engine *eng, struct tcb *tcb);
void tcp_notify_writable(struct engine *eng, struct tcb *tcb);
void tcp_notify_established(struct engine *eng, struct tcb *tcb);

#endif /* TERN_TCP_H */
