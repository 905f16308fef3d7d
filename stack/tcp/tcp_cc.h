/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Congestion control as modules (DESIGN.md: "behind one table of
 * operations"): each connection names its module (tcb->cc_id), chosen by
 * [tcp] congestion_control or its listener; the module decides how cwnd
 * grows and what ssthresh becomes on a loss or a timeout. How much may be
 * sent during recovery is Proportional Rate Reduction's (RFC 6937), the
 * same for every module (tcp_prr.c).
 *
 *   tcp_ack.c   -> tcp_cc_ack | tcp_cc_enter_recovery | tcp_cc_exit_recovery
 *                  tcp_prr_ack (every ACK in recovery)
 *   tcp_timer.c -> tcp_cc_rto ; tcp_output.c -> tcp_cc_send_window, tcp_prr_sent
 *   tcp_cc.c    -> tcp_cc_modules[tcb->cc_id]: cc_newreno.c, cc_cubic.c
 */
#ifndef TERN_TCP_CC_H
#define TERN_TCP_CC_H

#include <stdbool.h>
#include <stdint.h>

#include "tcp/tcp_cb.h"

/* The modules, in the order of the config's words (config.c). */
enum tcp_cc_id { TCP_CC_NEWRENO = 0, TCP_CC_CUBIC, TCP_CC_COUNT };

/* What an ACK of new data tells the module. */
struct tcp_cc_ack {
	uint64_t now_us;
	uint32_t acked;  /* bytes snd.una moved */
	uint32_t rtt_us; /* the RTT sample it gave, or TCP_CC_NO_RTT */
};
#define TCP_CC_NO_RTT UINT32_MAX

struct tcp_cc_ops {
	const char *name;
	/* A new connection (the tcb zeroed, cwnd not set yet), or another
	 * module chosen before the handshake completed. */
	void (*init)(struct tcb *tcb);
	/* New data acknowledged outside recovery: grow cwnd (slow start or
	 * congestion avoidance). */
	void (*on_ack)(struct tcb *tcb, const struct tcp_cc_ack *ack);
	/* Loss detected, recovery begins: the new ssthresh. cwnd is then
	 * PRR's until recovery ends. */
	uint32_t (*on_loss)(struct tcb *tcb, uint64_t now_us);
	/* Recovery ended (a full ACK): cwnd has been set to ssthresh. */
	void (*on_exit_recovery)(struct tcb *tcb, uint64_t now_us);
	/* Retransmission timeout: the new ssthresh (cwnd becomes one segment). */
	uint32_t (*on_rto)(struct tcb *tcb, uint64_t now_us);
};

extern const struct tcp_cc_ops tcp_cc_newreno;
extern const struct tcp_cc_ops tcp_cc_cubic;

/* The module @id, or NULL. */
const struct tcp_cc_ops *tcp_cc_ops_of(unsigned id);
/* The module called @name (any case): its id, or -EINVAL. */
int tcp_cc_find(const char *name);
const char *tcp_cc_name(const struct tcb *tcb);

/* Give @tcb module @id (a valid one) and its initial state. */
void tcp_cc_select(struct tcb *tcb, uint8_t id);
/* A passive open of @l: its module, if it chose one. */
void tcp_cc_listener_apply(struct tcb *tcb, const struct tcp_listener *l);
/* Listener @port_be of @eng opens its connections with module @id: 0, or
 * -ENOENT if @eng has no such listener. */
int tcp_listener_set_cc(struct engine *eng, uint16_t port_be, uint8_t id);

/* RFC 5681's FlightSize as a loss finds it: sent and not cumulatively
 * acknowledged, up to snd.nxt. After a timeout rewinds snd.nxt (go-back-N,
 * RFC 5681 3.1) what lies above it is lost, as Linux marks it, not in the
 * network: a recovery begun there (RFC 6582 4.2, tcp_ack.c) halves what
 * was resent, and PRR counts that (simulation seed 108168). Elsewhere
 * snd.nxt is snd.max. A timeout itself halves snd.max - snd.una. */
static inline uint32_t
tcp_flight_size(const struct tcb *tcb)
{
	return tcb->snd.nxt - tcb->snd.una;
}

/* The calls of tcp_ack.c and tcp_timer.c. */
void tcp_cc_ack(struct tcb *tcb, const struct tcp_cc_ack *ack);
void tcp_cc_enter_recovery(struct tcb *tcb, uint64_t now_us);
void tcp_cc_exit_recovery(struct tcb *tcb, uint64_t now_us);
void tcp_cc_rto(struct tcb *tcb, uint64_t now_us);

/* RFC 6937 (tcp_prr.c). */
/* The sender's estimate of the bytes in the network (RFC 6675's pipe): with
 * SACK the scoreboard's SetPipe (tcp_pipe), without it what is outstanding
 * less what duplicate ACKs said arrived. */
uint32_t tcp_cc_pipe(const struct tcb *tcb);
/* What the ACK being processed changes: snd.una and the bytes the peer
 * holds above it, taken before the ACK is applied. */
struct tcp_prr_mark {
	uint32_t una;
	uint32_t above; /* tcp_cc_pipe's SACKed (or duplicate-ACKed) bytes */
};
void tcp_prr_mark(const struct tcb *tcb, struct tcp_prr_mark *m);
/* Recovery begins (RFC 6937 3 "at the beginning of recovery"). */
void tcp_prr_start(struct tcb *tcb);
/* After an ACK in recovery was applied (a duplicate with @dup): DeliveredData
 * since @m, sndcnt, and cwnd = pipe + sndcnt. */
void tcp_prr_ack(struct tcb *tcb, const struct tcp_prr_mark *m, bool dup);
/* @len bytes were sent or resent in recovery (prr_out). */
void tcp_prr_sent(struct tcb *tcb, uint32_t len);
/* The window tcp_output_data measures from snd.una: cwnd, or in recovery
 * what is outstanding plus what PRR lets out now. */
uint32_t tcp_cc_send_window(const struct tcb *tcb);

#endif /* TERN_TCP_CC_H */
