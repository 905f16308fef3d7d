/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP control block (RFC 9293 3.3.1), one per connection, owned by one
 * engine, and the per-engine TCP state (connection pool, listeners, the list
 * of connections that need output).
 *
 *   tcp_input  -> reads and updates a tcb, marks it (tcp_mark_output)
 *   tcp_output -> builds segments for the marked tcbs, once per loop iteration
 *   tcp_timer  -> the tcb's three wheel timers
 */
#ifndef TERN_TCP_CB_H
#define TERN_TCP_CB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "flow/flow_table.h"
#include "flow/rss.h"
#include "tcp/tcp_cc_state.h"
#include "tcp/tcp_isn.h"
#include "tcp/tcp_sack.h"
#include "tcp/tcp_sched.h"
#include "tcp/tcp_seg.h"
#include "tcp/tcp_seq.h"
#include "tcp/tcp_tmpl.h"
#include "tcp/tcp_tw_ring.h"
#include "timer/timer_wheel.h"
#include "wire/tcp.h"

struct engine;
struct rte_mbuf;
struct tern_conn_ops;

/* RFC 9293 3.3.2, in the order of its diagram. */
enum tcp_state {
	TCP_CLOSED = 0,
	TCP_LISTEN,
	TCP_SYN_SENT,
	TCP_SYN_RCVD,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
	TCP_NSTATES
};

const char *tcp_state_name(enum tcp_state s);

/* tcb->flags */
enum {
	TF_ACK_NOW = 1u << 0,        /* send an ACK in this iteration's output */
	TF_DELACK = 1u << 1,         /* an ACK is owed; the delayed-ACK timer runs */
	TF_FIN_QUEUED = 1u << 2,     /* the application shut the write side */
	TF_FIN_SENT = 1u << 3,       /* our FIN has a sequence number (snd.nxt past it) */
	TF_RCVD_FIN = 1u << 4,       /* the peer's FIN was accepted */
	TF_SACK_OK = 1u << 5,        /* both sides sent SACK-permitted */
	TF_TS_OK = 1u << 6,          /* both sides sent timestamps */
	TF_WS_OK = 1u << 7,          /* both sides sent window scale */
	TF_IN_OUTPUT = 1u << 8,      /* on the engine's output list */
	TF_APP_CLOSED = 1u << 9,     /* tern_close(): no more callbacks but closed */
	TF_RTT_TIMING = 1u << 10,    /* timing rtt_seq (no timestamps) */
	TF_IN_RECOVERY = 1u << 11,   /* NewReno fast recovery (RFC 6582) */
	TF_WRITABLE_WAIT = 1u << 12, /* tern_send() ran out of room: tell when there is */
	TF_PASSIVE = 1u << 13,       /* opened by a listener */
	TF_SEND_RST = 1u << 14,      /* output sends RST and the tcb is freed (abort) */
	TF_REXMT_ONE = 1u << 15,     /* retransmit the first unacknowledged segment */
	TF_HAVE_RTT = 1u << 16,      /* srtt and rttvar hold a sample */
	TF_IN_FLOW = 1u << 17,       /* in the flow table */
	TF_FIN_PENDING = 1u << 18,   /* the peer's FIN arrived out of order, at fin_seq */
	TF_TLP = 1u << 19,           /* send a tail loss probe (RFC 8985 7) */
	TF_TLP_DONE = 1u << 20,      /* one probe per flight: until new data is acked */
	TF_BUDGET_WAIT = 1u << 21,   /* waits for the engine's send budget */
	TF_ON_TW_LIST = 1u << 22,    /* on the engine's TIME_WAIT list */
	TF_RCV_WAIT = 1u << 23,      /* data refused for the engine's receive budget */
	TF_ON_ORPHANS = 1u << 24,    /* on the engine's list of orphans */
	TF_SNDQ_LENT = 1u << 25, /* the send queue's tail is the application's (tern_send_mbuf) */
	TF_IN_APP = 1u << 26,    /* an application callback of this connection runs */
};

/* What the retransmission-class timer (tcb->rexmt) is doing. */
enum tcp_rexmt_kind {
	TCP_TIMER_NONE = 0,
	TCP_TIMER_RTO,        /* retransmission timeout (RFC 6298), SYN included */
	TCP_TIMER_PERSIST,    /* zero-window probe (RFC 9293 3.8.6.1) */
	TCP_TIMER_TIME_WAIT,  /* 2 MSL (RFC 9293 3.10.7.4) */
	TCP_TIMER_FIN_WAIT_2, /* orphaned FIN_WAIT_2 gives up */
	TCP_TIMER_TLP,        /* tail loss probe before the RTO (RFC 8985 7) */
	TCP_TIMER_RACK,       /* RACK's reordering timer (RFC 8985 6.3) */
};

/* A run of out-of-order bytes [seq, seq + len), kept as an mbuf chain. */
struct tcp_ooo {
	uint32_t seq;
	uint32_t len;
	struct rte_mbuf *head;
	struct rte_mbuf *tail;
};

/* Runs of out-of-order data kept per connection. At 20% loss each way a
 * window holds more holes than 8 runs could keep: received data was thrown
 * away (drop.tcp_ooo_full), resent, lost again, and Linux's RTO backed off
 * to minutes (1 MiB from Linux failed in 3 of 5 runs; with 32, 6 of 6 in
 * 0.04-4.7 s). Each run costs 24 bytes of every control block. */
#define TCP_OOO_MAX 32

/* Duplicate ACKs one output pass sends for out-of-order segments at most
 * (one for each, RFC 5681 4.2): a burst of 64 such segments still gets 8. */
#define TCP_DUPACKS_PER_BURST 8

struct tcb {
	/* Hot: every segment. */
	uint8_t state;
	uint8_t rexmt_kind;
	uint16_t mss; /* what we send in one segment (peer's MSS, our MTU) */
	uint32_t flags;
	struct flow_key key; /* network byte order */
	uint32_t hash;
	struct {
		uint32_t una;
		uint32_t nxt;
		uint32_t max;     /* highest snd.nxt so far (after a timeout nxt goes back) */
		uint32_t wnd;     /* peer's window, scaled */
		uint32_t max_wnd; /* the largest it has been (RFC 5961 5.2 MAX.SND.WND) */
		uint32_t wl1;
		uint32_t wl2;
		uint32_t iss;
		uint8_t wscale; /* shift we apply to the peer's window */
	} snd;
	struct {
		uint32_t nxt;
		uint32_t wnd;
		uint32_t adv; /* right edge we last advertised: never shrink it */
		uint32_t irs;
		uint8_t wscale; /* shift the peer applies to ours */
	} rcv;
	uint32_t ts_recent; /* RFC 7323 4.3 */
	uint64_t ts_recent_tick;
	uint32_t segs_unacked; /* full segments received since our last ACK */

	/* Data. */
	struct rte_mbuf *sndq;      /* bytes from snd.una on, one mbuf chain */
	struct rte_mbuf *sndq_tail; /* its last segment, where tern_send appends */
	struct rte_mbuf *sndq_cur;  /* where the last segment built ended (or NULL) */
	uint32_t sndq_cur_off;      /* ... the offset of its first byte in the queue */
	uint32_t sndq_len;
	uint32_t snd_buf;      /* capacity */
	struct rte_mbuf *rcvq; /* in-order bytes for the application */
	struct rte_mbuf *rcvq_tail;
	uint32_t rcvq_len;
	uint32_t fin_seq;    /* with TF_FIN_PENDING */
	uint32_t ooo_recent; /* a byte of the latest out-of-order segment (RFC 2018 4) */
	uint32_t rcv_buf;    /* capacity: the window is what is left */
	/* Data bytes, ever: acknowledged by the peer, and received in order
	 * (what Linux's tcp_info calls bytes_acked and bytes_received). */
	uint64_t bytes_acked;
	uint64_t bytes_received;
	uint8_t nb_ooo;       /* runs in ooo[] (at the end, with the other arrays) */
	uint8_t dupacks_owed; /* out-of-order segments since our last output */

	/* Loss recovery and RTT (RFC 6298, RFC 5681, RFC 6582). */
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t recover;
	uint16_t dupacks;
	uint16_t backoff;    /* retransmissions of the same data */
	uint32_t srtt_us8;   /* smoothed RTT, microseconds x 8 */
	uint32_t rttvar_us4; /* RTT variation, microseconds x 4 */
	uint32_t rto_ms;
	uint32_t rtt_seq; /* sequence being timed when no timestamps */
	uint64_t rtt_start_tick;
	uint32_t challenge_acks; /* RFC 5961 7: sent in this second */
	uint32_t retransmits;    /* segments resent, for operators (/tern/conns) */
	uint64_t challenge_second;
	uint64_t oow_ack_tick;    /* last ACK for an unacceptable segment (rate limit) */
	uint16_t rxt_credit;      /* lost segments we may resend now (packet conservation) */
	uint8_t probes;           /* probe timeouts since new data was last acked */
	uint8_t rack_saved_kind;  /* the timer RACK's reordering timer stands in for */
	uint32_t high_rxt;        /* without SACK: retransmitted up to here in this recovery */
	uint32_t ack_advance;     /* bytes the latest new ACK acknowledged (RFC 6582 4.2) */
	uint64_t rack_saved_tick; /* ... and when that one is due */
	/* Congestion control (tcp_cc.h): the module, its state, and PRR's
	 * counters in recovery (RFC 6937). */
	uint8_t cc_id; /* enum tcp_cc_id */
	struct tcp_prr prr;
	union tcp_cc_priv cc;

	/* Timers (nodes embedded, DESIGN.md principle 4). */
	struct timer_node rexmt; /* RTO, persist, TIME_WAIT, FIN_WAIT_2 */
	struct timer_node delack;
	struct timer_node keepalive;
	uint32_t keepalive_idle_s; /* 0: off */
	uint8_t keepalive_probes;
	uint8_t persist_silent; /* zero-window probes since the peer last spoke */
	uint64_t last_rx_tick;

	/* Cold. */
	struct engine *eng;
	const struct tern_conn_ops *ops;
	void *arg;
	/* The engine's lists: doubly linked, so that leaving one is O(1) (a
	 * million connections freed at once must not walk them). */
	TAILQ_ENTRY(tcb) out_link;     /* output list */
	uint32_t out_pass;             /* the output pass that last served it (tcp_sched.h) */
	LIST_ENTRY(tcb) budget_link;   /* writers waiting for mbufs */
	LIST_ENTRY(tcb) rcv_wait_link; /* receivers refused data */
	TAILQ_ENTRY(tcb) tw_link;      /* TIME_WAIT list, oldest first */
	TAILQ_ENTRY(tcb) orphan_link;  /* closed by the application, oldest first */
	uint64_t tw_tick;              /* when TIME_WAIT began */
	struct tcb *free_next;
	int close_reason;
	uint32_t id;
	/* The link-layer header of its segments (tcp_tmpl.h); zero: none yet. */
	struct tcp_tmpl tmpl;

	/* Arrays, last: only their first sb.n and nb_ooo entries mean
	 * anything, so a new connection clears the block up to them
	 * (TCB_CLEAR_BYTES, tcp_tcb_alloc), not their 1.3 KB, and the fields
	 * above share fewer cache lines.
	 *
	 * What of [snd.una, snd.max) the peer SACKed, what is lost, what was
	 * resent, and when each run left (RFC 6675 3, RFC 8985 6.1): the
	 * header, then the records. */
	struct tcp_scoreboard sb;
	struct tcp_ooo ooo[TCP_OOO_MAX];
};

/* What tcp_tcb_alloc zeroes: everything but the arrays past the
 * scoreboard's header. */
#define TCB_CLEAR_BYTES (offsetof(struct tcb, sb) + TCP_SB_HEADER_BYTES)

/* Per-engine TCP. */
struct tcp_listener {
	uint16_t port_be; /* 0: free slot */
	uint8_t cc;       /* 0: [tcp] congestion_control; else enum tcp_cc_id + 1 */
	const struct tern_conn_ops *ops;
	void *arg;
};

#define TCP_LISTENERS_MAX 16

/* A destination every local port of the engine's set was taken for. */
struct tcp_ports_full {
	bool valid;
	uint16_t remote_port; /* network order, as in flow_key */
	uint32_t remote_ip;
	uint32_t local_ip;
	uint64_t until_tick;
};

struct tcp_engine {
	struct tcb *conns; /* the pool */
	struct tcb *free;
	uint32_t nb_conns;
	uint32_t used;
	uint32_t stop_next; /* stopping: the next connection to reset */
	/* Send queues may hold at most half the engine's mbufs, so that
	 * receiving (and with it the ACKs that empty them) never starves. */
	uint32_t sndq_segs;
	uint32_t sndq_segs_max;
	LIST_HEAD(, tcb) budget_waiters;
	/* Receive queues and out-of-order runs may hold a quarter of them: a
	 * slow reader must not starve the RX ring either. */
	uint32_t rcv_segs;
	uint32_t rcv_segs_max;
	LIST_HEAD(, tcb) rcv_waiters;
	TAILQ_HEAD(, tcb) time_wait; /* connections in TIME_WAIT, oldest first */
	struct tcp_tw_ring tw_ring;  /* their order, for tcp_reclaim's look ahead */
	/* Connections the application closed that still say goodbye
	 * (FIN_WAIT_1/2, CLOSING, LAST_ACK), oldest first: like TIME_WAIT,
	 * they give way when the pool runs dry (Linux bounds orphans too). */
	TAILQ_HEAD(, tcb) orphans;
	TAILQ_HEAD(, tcb) output; /* connections with output to build */
	struct tcp_sched sched;   /* the output pass's rounds (tcp_sched.h) */
	struct tcp_isn_key isn_key;
	struct rss_ports ports; /* local ports of active opens (flow/rss.h) */
	/* tern_connect's last fruitless port search (tcp_api.c): the same
	 * destination is refused at once, without searching again, until a
	 * connection to it ends or until_tick, when a TIME_WAIT among its
	 * ports may serve again. */
	struct tcp_ports_full ports_full;
	struct tcp_listener listeners[TCP_LISTENERS_MAX];
	uint64_t state_changes[TCP_NSTATES]; /* entries into each state */
	/* SYN flood defence (tcp_syncookie.c): passive opens in SYN_RCVD,
	 * at most [tcp] syn_backlog; past it, SYN cookies under their own
	 * secret; ACKs to a listener are checked as cookies until
	 * cookie_check_until (a cookie's lifetime after the last one sent). */
	uint32_t syn_rcvd;
	struct tcp_isn_key cookie_key;
	uint64_t cookie_check_until;
	/* --log-level=tern.tcp:debug at start: trace every state change. */
	bool trace;
	/* Input: segments of this RX burst waiting for one bulk flow lookup. */
	struct tcp_rx_burst rx;
};

/* A full-sized segment's payload: the MSS less the timestamp option that
 * every segment carries once both sides sent it (RFC 9293 3.7.1: options
 * come out of the MSS). */
static inline uint32_t
tcp_full_seg_len(const struct tcb *tcb)
{
	return tcb->mss - ((tcb->flags & TF_TS_OK) ? 12u : 0u);
}

#endif /* TERN_TCP_CB_H */
