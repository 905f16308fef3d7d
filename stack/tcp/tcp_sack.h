/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sender's scoreboard (RFC 6675 3-4) and RACK's state (RFC 8985 6.1): what
 * of [snd.una, snd.max) the peer SACKed, what is deemed lost, what was resent,
 * and when each run of bytes last left. It is a map of records in sequence
 * order; record i covers [rec[i].start, rec[i + 1].start), the last one up to
 * sb.end (snd.max). Bytes in one record share their state and their send
 * time: one record per run sent in one output pass, so a train of segments is
 * one record and the map stays small.
 *
 *   tcp_xmit -> tcp_sb_sent (new data appended, resent runs marked)
 *   tcp_ack_process -> tcp_sb_update (cumulative ACK, SACK blocks, RACK 6.2
 *     steps 1-4) -> tcp_rack_detect_loss (6.2 step 5) -> records marked lost
 *   tcp_output -> tcp_sb_next_seg (NextSeg(), RFC 6675 4) -> tcp_xmit
 *
 * When the map is full, neighbours in the same state are merged (the later
 * send time kept: loss is then declared later, never earlier); when none
 * are, the highest SACKed run is forgotten (its bytes may be resent, never
 * taken as delivered when they were not).
 */
#ifndef TERN_TCP_SACK_H
#define TERN_TCP_SACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp/tcp_seq.h"

struct engine;
struct tcb;
struct tcp_seg;

/* Records in the map: a peer that holds 32 out-of-order runs (Tern's own
 * receiver, TCP_OOO_MAX) makes 65 records of holes and SACKed runs, a
 * few more when holes were sent at different times. 9 bytes each. */
#define TCP_SB_MAX 72

enum tcp_sb_flag {
	SB_SACKED = 1u << 0,  /* the peer holds these bytes (RFC 2018) */
	SB_LOST = 1u << 1,    /* deemed lost: IsLost() (RFC 6675 4), RACK, or a timeout */
	SB_RESENT = 1u << 2,  /* a retransmission is out and not deemed lost */
	SB_RETRANS = 1u << 3, /* sent more than once: RTT ambiguous (RFC 8985 6.2 step 2) */
};

struct tcp_sb_rec {
	uint32_t start;
	uint32_t xmit_us; /* when these bytes last left (the engine's clock, truncated) */
};

/* RFC 8985 6.1, for the most recently sent segment delivered. */
struct tcp_rack {
	uint32_t xmit_us;    /* RACK.xmit_ts */
	uint32_t end_seq;    /* RACK.end_seq */
	uint32_t rtt_us;     /* RACK.rtt */
	uint32_t min_rtt_us; /* RACK.min_RTT (UINT32_MAX: none yet) */
	uint32_t fack;       /* RACK.fack: the highest sequence delivered */
	bool valid;          /* something was delivered since the map began */
	bool reordering_seen;
};

struct tcp_scoreboard {
	uint8_t n;
	uint32_t end; /* the map covers [rec[0].start, end): snd.max */
	struct tcp_rack rack;
	/* The records: only the first n mean anything (never cleared). */
	uint8_t flags[TCP_SB_MAX];
	struct tcp_sb_rec rec[TCP_SB_MAX];
};

/* The part of the scoreboard an empty map needs set: the rest, the
 * records, is written before it is read. */
#define TCP_SB_HEADER_BYTES offsetof(struct tcp_scoreboard, flags)

/* No record is SACKed, deemed lost or resent: no SACKed byte, nothing for
 * IsLost() or NextSeg() to find. Each record then left once, so the map is
 * in time order as it is in sequence order. */
static inline bool
tcp_sb_unmarked(const struct tcp_scoreboard *sb)
{
	uint8_t any = 0;

	for (unsigned i = 0; i < sb->n; i++)
		any |= sb->flags[i];
	return any == 0;
}

/* RFC 8985 6.2: RACK_sent_after(). */
static inline bool
tcp_rack_sent_after(uint32_t t1, uint32_t seq1, uint32_t t2, uint32_t seq2)
{
	return (int32_t)(t1 - t2) > 0 || (t1 == t2 && seq_gt(seq1, seq2));
}

/* Nothing for the loss detection to find: the map is unmarked, and RACK
 * (6.2 step 5) finds nothing either, as its lowest record, the earliest
 * sent, left after RACK's segment (or it is the only one, whose delivered
 * bytes were its lowest). A request and its reply, and a bulk window
 * without loss, the common cases: the ACK path skips the detection's
 * walks. */
static inline bool
tcp_sb_clean(const struct tcp_scoreboard *sb)
{
	if (!tcp_sb_unmarked(sb))
		return false;
	if (sb->n <= 1 || !sb->rack.valid)
		return true;
	uint32_t end0 = sb->rec[1].start;
	return tcp_rack_sent_after(sb->rec[0].xmit_us, end0, sb->rack.xmit_us, sb->rack.end_seq);
}

/* An empty map (a new connection): the header only, the records are
 * written before they are read. */
void tcp_sb_init(struct tcp_scoreboard *sb);

/* @len bytes (the FIN counting one) left at @seq at @now_us: appended above
 * sb.end, or, below it, a retransmission of what the map holds. */
void tcp_sb_sent(struct tcb *tcb, uint32_t seq, uint32_t len, uint32_t now_us);

/* The ACK @seg arrived (snd.una already moved): records below snd.una leave,
 * the SACK blocks are merged in, and RACK learns from what was delivered
 * (RFC 8985 6.2 steps 1-3). Returns the bytes newly delivered (acknowledged
 * or SACKed for the first time), *@sacked those newly SACKed. A cumulative
 * ACK that stops at a SACKed byte means the peer reneged (RFC 2018 8): the
 * SACK marks are dropped. */
uint32_t tcp_sb_update(struct tcb *tcb, const struct tcp_seg *seg, uint32_t now_us,
                       uint32_t *sacked);

/* RFC 6675 4 IsLost() for every record not resent yet, marking those it finds
 * lost. Returns the bytes newly marked. */
uint32_t tcp_sb_mark_lost_dupthresh(struct tcb *tcb);

/* The byte @seq was resent and that copy is not deemed lost (or it is
 * SACKed: a reneging peer's ACK can stop there). */
bool tcp_sb_resent_at(const struct tcb *tcb, uint32_t seq);

/* RFC 6675 4 NextSeg(), rules 1 and 3 (rule 2, new data, is tcp_output's):
 * the first run deemed lost and not resent, else the first unSACKed run
 * below the highest SACKed byte never resent and meeting IsLost() but for
 * rule 1.c. [*seq, *seq + *len), at most @max bytes, never a SACKed byte,
 * never past @limit (the end of the data: the FIN is not resent here). */
bool tcp_sb_next_seg(const struct tcb *tcb, uint32_t max, uint32_t limit, uint32_t *seq,
                     uint32_t *len);

/* From @seq (at or above snd.una), the first byte not SACKed, and in *@run
 * how many bytes from there are not SACKed (UINT32_MAX: up to the end and
 * beyond). For the go-back-N after a timeout, which skips what the peer
 * holds. */
uint32_t tcp_sb_skip_sacked(const struct tcb *tcb, uint32_t seq, uint32_t *run);

/* Every unSACKed byte is lost (the retransmission timeout); the SACK marks
 * stay (RFC 6675 5.1, RFC 2018 errata 1610: with a test for reneging). */
void tcp_sb_timeout(struct tcb *tcb);

/* Bytes SACKed above snd.una, and the number of SACKed runs. */
uint32_t tcp_sb_sacked_bytes(const struct tcb *tcb);
unsigned tcp_sb_sacked_runs(const struct tcb *tcb);

/* RFC 6675 4 SetPipe: the bytes the sender believes are in the network. Each
 * unSACKed byte counts once unless deemed lost, and once more if a
 * retransmission of it is out. */
uint32_t tcp_pipe(const struct tcb *tcb);

/* RFC 8985 6.2 steps 2-3 for a run delivered (acknowledged or SACKed) that
 * ends at @end_seq and left at @xmit_us. */
void tcp_rack_on_delivered(struct tcb *tcb, uint32_t xmit_us, uint32_t end_seq, bool retrans,
                           uint32_t now_us);

/* RFC 8985 6.2 step 5 (RACK_detect_loss): records sent before the most
 * recently delivered one, by more than RACK.rtt + reo_wnd, are lost. Marks
 * them and returns the number of segments marked (in *@lost); the return
 * value is the time until the next record would be (RACK's reordering
 * timer, 6.3), 0 if none waits. */
uint32_t tcp_rack_detect_loss(struct tcb *tcb, uint32_t now_us, uint32_t *lost);

/* RFC 8985 6.2 step 4: the reordering window. */
uint32_t tcp_rack_reo_wnd_us(const struct tcb *tcb);

#endif /* TERN_TCP_SACK_H */
