/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fair output (DESIGN.md, "Data path on one core": no connection may fill a
 * loop iteration while others wait). The output pass serves the connections
 * marked for output in rounds, round-robin with a quantum of new-data
 * segments (deficit round-robin, Shreedhar & Varghese 1995, with the
 * quantum counted in full segments and nothing carried over):
 *
 *   round 1   every marked connection, in the order it was marked, sends its
 *             control segments, retransmissions, pure ACKs and up to
 *             TCP_SCHED_QUANTUM new segments; one stopped by its quantum goes
 *             back to the tail of the output list;
 *   round 2.. those, again a quantum each, while the pass has any of its
 *             TCP_SCHED_PASS_SEGS new segments left (round 1's count against
 *             it, but round 1 always runs in full: a reply or an ACK never
 *             waits for the pass's budget);
 *   then      what is left stays marked, first in line for the next pass,
 *             which it needs no input to get: a bulk sender keeps its ACK
 *             clock through a pass cut short.
 *
 * A small reply or a pure ACK so waits behind at most a quantum of each bulk
 * connection marked before it, never behind a window of bulk data, and a
 * bulk connection alone still sends a window in one pass.
 *
 *   tcp_output_burst -> tcp_sched_begin
 *                    -> tcp_sched_next -> tcp_output_one (tcp_output_data:
 *                       tcp_sched_take before each new segment) -> tcp_sched_after
 */
#ifndef TERN_TCP_SCHED_H
#define TERN_TCP_SCHED_H

#include <stdbool.h>
#include <stdint.h>

struct engine;
struct tcb;

/* New-data segments a connection sends per round: 16 full segments are
 * about 23 KB, 12 us at 16 Gbit/s, which is what a reply marked after a
 * bulk connection can wait for in one pass. */
#define TCP_SCHED_QUANTUM 16u
/* New-data segments one pass sends in its rounds after the first, for all
 * connections: a TX burst's worth (ENGINE_BURST_MAX), so that one pass
 * puts at most that much bulk data ahead of the next pass's replies on the
 * wire, and a bulk connection alone still sends its window at once. */
#define TCP_SCHED_PASS_SEGS 256u

/* Per engine, in struct tcp_engine. */
struct tcp_sched {
	/* The first connection on the output list that is there because its
	 * quantum ran out (a backlog); those marked otherwise go in before it.
	 * NULL: none. */
	struct tcb *backlog_first;
	uint32_t pass;        /* output passes so far; tcb->out_pass == pass: served in this one */
	uint32_t quota;       /* new segments the connection being served may still send */
	uint32_t left;        /* new segments this pass may still send after its first round */
	bool limited;         /* the connection being served stopped at its quota */
	bool line_wait;       /* the last pass was put off: the port's line was full */
	uint64_t closed_seen; /* stats.tcp_conns_closed when the list last had no CLOSED */
};

/* A new pass: every connection marked has a first round to come. */
void tcp_sched_begin(struct engine *eng);
/* The connection to serve next, off the output list (its quota set), or
 * NULL when the list is empty or the pass's budget is spent. */
struct tcb *tcp_sched_next(struct engine *eng);
/* After serving @tcb: stopped by its quantum, it goes back to the tail. */
void tcp_sched_after(struct engine *eng, struct tcb *tcb);
/* Put @tcb on the output list (tcp_mark_output): ahead of the backlogs. */
void tcp_sched_mark(struct engine *eng, struct tcb *tcb);
/* Take @tcb off the output list. */
void tcp_sched_unlink(struct engine *eng, struct tcb *tcb);
/* A pass put off for the line still puts back the blocks that ended since
 * the last pass (the pass is where a freed block is safe to reuse), so that
 * the pool does not look full while the line drains. */
void tcp_sched_recycle_closed(struct engine *eng);

/* One new segment of the connection being served: false (and nothing
 * taken) when its quantum is spent. */
static inline bool
tcp_sched_take(struct tcp_sched *s)
{
	if (s->quota == 0) {
		s->limited = true;
		return false;
	}
	s->quota--;
	s->left -= s->left != 0;
	return true;
}

/* @n more new segments of the connection being served, after the one
 * tcp_sched_take gave: the rest of a super-segment (TSO), which
 * tcp_tso_len fitted in the quantum. */
static inline void
tcp_sched_take_more(struct tcp_sched *s, uint32_t n)
{
	n = n < s->quota ? n : s->quota;
	s->quota -= n;
	s->left -= n < s->left ? n : s->left;
}

#endif /* TERN_TCP_SCHED_H */
