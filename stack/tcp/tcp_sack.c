/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sender's SACK scoreboard (RFC 6675 3-4): the map of [snd.una, snd.max)
 * in records, kept by what was sent, acknowledged and SACKed; IsLost(),
 * NextSeg() and SetPipe over it. tcp_sack.h draws the call chain.
 */
#include <string.h>

#include <rte_common.h>

#include "tcp/tcp.h"
#include "tcp/tcp_sack.h"

/* RFC 6675 2: DupThresh. */
#define TCP_DUPTHRESH 3

/* Flags a record in the same state as its neighbour must share to merge. */
#define SB_STATE (SB_SACKED | SB_LOST | SB_RESENT | SB_RETRANS)

void
tcp_sb_init(struct tcp_scoreboard *sb)
{
	memset(sb, 0, TCP_SB_HEADER_BYTES);
	sb->rack.min_rtt_us = UINT32_MAX;
}

static inline uint32_t
sb_rec_end(const struct tcp_scoreboard *sb, unsigned i)
{
	return i + 1 < sb->n ? sb->rec[i + 1].start : sb->end;
}

/* Records @i to @i + @k - 1 leave the map. */
static void
sb_remove_n(struct tcp_scoreboard *sb, unsigned i, unsigned k)
{
	memmove(&sb->rec[i], &sb->rec[i + k], (sb->n - i - k) * sizeof(sb->rec[0]));
	memmove(&sb->flags[i], &sb->flags[i + k], sb->n - i - k);
	sb->n -= k;
}

static void
sb_remove(struct tcp_scoreboard *sb, unsigned i)
{
	sb_remove_n(sb, i, 1);
}

/* Two neighbours may be one record when what is left to learn from them is
 * the same: SACKed runs always (their send times served RACK already), runs
 * waiting to be resent always (the resend sets the time), others when they
 * left together. */
static bool
sb_mergeable(const struct tcp_scoreboard *sb, unsigned i)
{
	uint8_t a = sb->flags[i], b = sb->flags[i + 1];

	if ((a & SB_STATE) != (b & SB_STATE))
		return false;
	if ((a & SB_SACKED) || ((a & SB_LOST) && !(a & SB_RESENT)))
		return true;
	return sb->rec[i].xmit_us == sb->rec[i + 1].xmit_us;
}

/* Join what may be joined (after every change: the map stays minimal). */
static void
sb_normalize(struct tcp_scoreboard *sb)
{
	unsigned i = 0;

	while (i + 1 < sb->n) {
		if (sb_mergeable(sb, i)) {
			/* The later time: loss is declared later, never early. */
			if ((int32_t)(sb->rec[i + 1].xmit_us - sb->rec[i].xmit_us) > 0)
				sb->rec[i].xmit_us = sb->rec[i + 1].xmit_us;
			sb_remove(sb, i + 1);
		} else {
			i++;
		}
	}
}

/* The map is full: make room for one record. First two unSACKed neighbours
 * become one, the closest in time, with the later time and only the marks
 * both had (a loss mark lost is found again by RACK or the timer); failing
 * that the highest SACKed run is forgotten, merged into the run below it. */
static void
sb_make_room(struct tcp_scoreboard *sb)
{
	unsigned best = sb->n;
	uint32_t best_gap = UINT32_MAX;

	for (unsigned i = 0; i + 1 < sb->n; i++) {
		if ((sb->flags[i] | sb->flags[i + 1]) & SB_SACKED)
			continue;
		uint32_t gap = sb->rec[i + 1].xmit_us - sb->rec[i].xmit_us;
		if ((int32_t)gap < 0)
			gap = -gap;
		if (gap < best_gap) {
			best_gap = gap;
			best = i;
		}
	}
	if (best == sb->n) {
		for (unsigned i = sb->n - 1; i > 0; i--) {
			if (sb->flags[i] & SB_SACKED) {
				best = i - 1;
				break;
			}
		}
	}
	if (best == sb->n)
		return; /* one record, or only the first SACKed: cannot happen */
	if (sb->flags[best + 1] & SB_SACKED) {
		/* The hole below spreads over the run forgotten: resent with
		 * it if lost (waste, but no stall). */
		sb_remove(sb, best + 1);
		sb_normalize(sb);
		return;
	}
	uint8_t keep = ((sb->flags[best] & sb->flags[best + 1]) & (SB_LOST | SB_RESENT)) |
	               ((sb->flags[best] | sb->flags[best + 1]) & SB_RETRANS);
	if ((int32_t)(sb->rec[best + 1].xmit_us - sb->rec[best].xmit_us) > 0)
		sb->rec[best].xmit_us = sb->rec[best + 1].xmit_us;
	sb->flags[best] = keep;
	sb_remove(sb, best + 1);
	sb_normalize(sb);
}

/* The index of the record that holds @seq (within the map). */
static unsigned
sb_find(const struct tcp_scoreboard *sb, uint32_t seq)
{
	unsigned i = 0;

	while (i + 1 < sb->n && seq_geq(seq, sb->rec[i + 1].start))
		i++;
	return i;
}

/* Room for two more records, before the two splits that bound a range:
 * making room between them could merge away the first boundary. */
static void
sb_reserve_two(struct tcp_scoreboard *sb)
{
	while (sb->n > TCP_SB_MAX - 2) {
		unsigned n = sb->n;
		sb_make_room(sb);
		if (sb->n == n)
			break; /* cannot happen: see sb_make_room */
	}
}

/* A record boundary at @seq (strictly inside the map); sb_reserve_two()
 * made the room. */
static void
sb_split(struct tcp_scoreboard *sb, uint32_t seq)
{
	if (sb->n == 0 || !seq_gt(seq, sb->rec[0].start) || !seq_lt(seq, sb->end))
		return;
	unsigned i = sb_find(sb, seq);
	if (sb->rec[i].start == seq)
		return;
	memmove(&sb->rec[i + 2], &sb->rec[i + 1], (sb->n - i - 1) * sizeof(sb->rec[0]));
	memmove(&sb->flags[i + 2], &sb->flags[i + 1], sb->n - i - 1);
	sb->rec[i + 1].start = seq;
	sb->rec[i + 1].xmit_us = sb->rec[i].xmit_us;
	sb->flags[i + 1] = sb->flags[i];
	sb->n++;
}

static void
sb_append(struct tcp_scoreboard *sb, uint32_t end, uint32_t now_us)
{
	unsigned last = sb->n - 1;

	if (sb->flags[last] == 0 && sb->rec[last].xmit_us == now_us) {
		sb->end = end;
		return;
	}
	if (sb->n == TCP_SB_MAX)
		sb_make_room(sb);
	sb->rec[sb->n].start = sb->end;
	sb->rec[sb->n].xmit_us = now_us;
	sb->flags[sb->n] = 0;
	sb->n++;
	sb->end = end;
}

void
tcp_sb_sent(struct tcb *tcb, uint32_t seq, uint32_t len, uint32_t now_us)
{
	struct tcp_scoreboard *sb = &tcb->sb;
	uint32_t end = seq + len;

	if (sb->n == 0) {
		if (!seq_lt(seq, end))
			return;
		seq = seq_max(seq, tcb->snd.una);
		sb->rec[0].start = seq;
		sb->rec[0].xmit_us = now_us;
		sb->flags[0] = 0;
		sb->n = 1;
		sb->end = end;
		return;
	}
	seq = seq_max(seq, sb->rec[0].start);
	if (!seq_lt(seq, sb->end)) {
		/* New data only, the common case: the map stays minimal
		 * without sb_normalize's walk, as a record without marks can
		 * join only the last one, and only when they left at once
		 * (sb_append). */
		if (seq_gt(end, sb->end))
			sb_append(sb, end, now_us);
		return;
	}
	/* Sent before: a retransmission of what is not SACKed. */
	uint32_t rend = seq_min(end, sb->end);
	sb_reserve_two(sb);
	sb_split(sb, seq);
	sb_split(sb, rend);
	for (unsigned i = sb_find(sb, seq); i < sb->n && seq_lt(sb->rec[i].start, rend); i++) {
		if (sb->flags[i] & SB_SACKED)
			continue;
		sb->flags[i] |= SB_RESENT | SB_RETRANS;
		sb->rec[i].xmit_us = now_us;
	}
	if (seq_gt(end, sb->end))
		sb_append(sb, end, now_us);
	sb_normalize(sb);
}

/* Records below snd.una leave; RACK hears of those newly delivered. */
static uint32_t
sb_cumulative(struct tcb *tcb, uint32_t una, uint32_t now_us)
{
	struct tcp_scoreboard *sb = &tcb->sb;
	uint32_t delivered = 0;
	unsigned gone = 0; /* records wholly below una, removed at once */

	while (gone < sb->n && seq_gt(una, sb->rec[gone].start)) {
		uint32_t end = sb_rec_end(sb, gone);
		uint32_t upto = seq_min(end, una);
		if (!(sb->flags[gone] & SB_SACKED)) {
			delivered += upto - sb->rec[gone].start;
			tcp_rack_on_delivered(tcb, sb->rec[gone].xmit_us, upto,
			                      (sb->flags[gone] & SB_RETRANS) != 0, now_us);
		}
		if (seq_lt(una, end)) {
			sb->rec[gone].start = una;
			break;
		}
		gone++;
	}
	sb_remove_n(sb, 0, gone);
	if (sb->n == 0)
		sb->end = una;
	return delivered;
}

/* One SACK block: the records it covers are SACKed. */
static uint32_t
sb_sack_block(struct tcb *tcb, uint32_t start, uint32_t end, uint32_t now_us)
{
	struct tcp_scoreboard *sb = &tcb->sb;
	uint32_t sacked = 0;

	sb_reserve_two(sb);
	sb_split(sb, start);
	sb_split(sb, end);
	for (unsigned i = sb_find(sb, start); i < sb->n && seq_lt(sb->rec[i].start, end); i++) {
		if (sb->flags[i] & SB_SACKED)
			continue;
		uint32_t rend = sb_rec_end(sb, i);
		sacked += rend - sb->rec[i].start;
		tcp_rack_on_delivered(tcb, sb->rec[i].xmit_us, rend,
		                      (sb->flags[i] & SB_RETRANS) != 0, now_us);
		sb->flags[i] = SB_SACKED;
	}
	return sacked;
}

uint32_t
tcp_sb_update(struct tcb *tcb, const struct tcp_seg *seg, uint32_t now_us, uint32_t *sacked)
{
	struct tcp_scoreboard *sb = &tcb->sb;
	struct tcp_sack_block b[TCP_SACK_MAX];
	unsigned nb = 0;

	*sacked = 0;
	if (sb->n == 0)
		return 0;
	/* A request/response ACK: one record, not SACKed, acknowledged whole.
	 * What the general path below does then, without its loops: RACK
	 * hears of the record, the map empties, and SACK blocks find no
	 * record to mark (RFC 6675 4: nothing is left to score). */
	if (sb->n == 1 && !seq_lt(tcb->snd.una, sb->end) && !(sb->flags[0] & SB_SACKED)) {
		uint32_t delivered = sb->end - sb->rec[0].start;
		tcp_rack_on_delivered(tcb, sb->rec[0].xmit_us, sb->end,
		                      (sb->flags[0] & SB_RETRANS) != 0, now_us);
		sb->n = 0;
		sb->end = tcb->snd.una;
		return delivered;
	}
	uint32_t delivered = sb_cumulative(tcb, tcb->snd.una, now_us);
	/* Blocks within the map, lowest first: RACK's reordering test (6.2
	 * step 3) takes what one ACK reports in sequence order. */
	for (unsigned i = 0; (tcb->flags & TF_SACK_OK) && i < seg->opts.nb_sack; i++) {
		struct tcp_sack_block x = seg->opts.sack[i];
		if (sb->n == 0 || !seq_lt(x.start, x.end) || seq_gt(x.end, tcb->snd.max))
			continue;
		x.start = seq_max(x.start, sb->rec[0].start);
		x.end = seq_min(x.end, sb->end);
		if (!seq_lt(x.start, x.end))
			continue;
		unsigned j = nb++;
		for (; j > 0 && seq_lt(x.start, b[j - 1].start); j--)
			b[j] = b[j - 1];
		b[j] = x;
	}
	for (unsigned i = 0; i < nb; i++)
		*sacked += sb_sack_block(tcb, b[i].start, b[i].end, now_us);
	/* RFC 2018 8: the peer may discard what it SACKed. An ACK that stops
	 * at a SACKed byte says it did: forget every mark, resend as needed. */
	bool reneged = sb->n > 0 && (sb->flags[0] & SB_SACKED);
	if (reneged) {
		for (unsigned i = 0; i < sb->n; i++)
			if (sb->flags[i] & SB_SACKED)
				sb->flags[i] = SB_LOST;
	}
	/* A cumulative ACK alone only takes records off the bottom, which
	 * leaves every neighbouring pair as it was: nothing new to merge. */
	if (nb > 0 || reneged)
		sb_normalize(sb);
	return delivered + *sacked;
}

uint32_t
tcp_sb_mark_lost_dupthresh(struct tcb *tcb)
{
	struct tcp_scoreboard *sb = &tcb->sb;
	uint32_t above = 0, marked = 0;
	unsigned runs = 0;

	/* From the top: SACKed bytes and runs above each record. After
	 * sb_normalize every SACKed record is one run. */
	for (unsigned i = sb->n; i-- > 0;) {
		uint8_t f = sb->flags[i];
		uint32_t len = sb_rec_end(sb, i) - sb->rec[i].start;
		if (f & SB_SACKED) {
			above += len;
			runs++;
			continue;
		}
		/* RFC 6675 4 IsLost(): DupThresh SACKed runs above, or more
		 * than (DupThresh - 1) x SMSS SACKed bytes. Only for bytes never
		 * resent: NextSeg() rule 1.a looks above HighRxt only, and a
		 * resent copy is lost when RACK or the timer says so. */
		if ((f & (SB_LOST | SB_RETRANS)) == 0 &&
		    (runs >= TCP_DUPTHRESH || above > (TCP_DUPTHRESH - 1) * (uint32_t)tcb->mss)) {
			sb->flags[i] |= SB_LOST;
			marked += len;
		}
	}
	sb_normalize(sb);
	return marked;
}

bool
tcp_sb_resent_at(const struct tcb *tcb, uint32_t seq)
{
	const struct tcp_scoreboard *sb = &tcb->sb;

	if (sb->n == 0 || seq_lt(seq, sb->rec[0].start) || !seq_lt(seq, sb->end))
		return false;
	return (sb->flags[sb_find(sb, seq)] & (SB_SACKED | SB_RESENT)) != 0;
}

bool
tcp_sb_next_seg(const struct tcb *tcb, uint32_t max, uint32_t limit, uint32_t *seq, uint32_t *len)
{
	const struct tcp_scoreboard *sb = &tcb->sb;
	unsigned rule3 = sb->n, top_sacked = 0;
	bool any_sacked = false;

	for (unsigned i = 0; i < sb->n; i++) {
		if (sb->flags[i] & SB_SACKED) {
			top_sacked = i;
			any_sacked = true;
		}
	}
	for (unsigned i = 0; i < sb->n; i++) {
		uint8_t f = sb->flags[i];
		if (!seq_lt(sb->rec[i].start, limit))
			break;
		/* Rule 1: lost, not resent yet. */
		if ((f & (SB_SACKED | SB_LOST | SB_RESENT)) == SB_LOST) {
			*seq = sb->rec[i].start;
			*len = RTE_MIN(seq_min(sb_rec_end(sb, i), limit) - *seq, max);
			return true;
		}
		/* Rule 3: never sent twice, below the highest SACKed byte; in
		 * recovery only (before it, RACK's reordering window waits). */
		if (rule3 == sb->n && (tcb->flags & TF_IN_RECOVERY) &&
		    (f & (SB_SACKED | SB_LOST | SB_RETRANS)) == 0 && any_sacked && i < top_sacked)
			rule3 = i;
	}
	if (rule3 == sb->n)
		return false;
	*seq = sb->rec[rule3].start;
	*len = RTE_MIN(seq_min(sb_rec_end(sb, rule3), limit) - *seq, max);
	return *len > 0;
}

uint32_t
tcp_sb_skip_sacked(const struct tcb *tcb, uint32_t seq, uint32_t *run)
{
	const struct tcp_scoreboard *sb = &tcb->sb;

	*run = UINT32_MAX;
	if (sb->n == 0 || !seq_lt(seq, sb->end) || seq_lt(seq, sb->rec[0].start))
		return seq;
	unsigned i = sb_find(sb, seq);
	if (sb->flags[i] & SB_SACKED) {
		seq = sb_rec_end(sb, i);
		i++;
	}
	for (unsigned j = i; j < sb->n; j++) {
		if (sb->flags[j] & SB_SACKED) {
			*run = sb->rec[j].start - seq;
			break;
		}
	}
	return seq;
}

void
tcp_sb_timeout(struct tcb *tcb)
{
	struct tcp_scoreboard *sb = &tcb->sb;

	for (unsigned i = 0; i < sb->n; i++)
		if (!(sb->flags[i] & SB_SACKED))
			sb->flags[i] = (sb->flags[i] & SB_RETRANS) | SB_LOST;
	sb_normalize(sb);
}

uint32_t
tcp_sb_sacked_bytes(const struct tcb *tcb)
{
	const struct tcp_scoreboard *sb = &tcb->sb;
	uint32_t n = 0;

	for (unsigned i = 0; i < sb->n; i++)
		if (sb->flags[i] & SB_SACKED)
			n += sb_rec_end(sb, i) - sb->rec[i].start;
	return n;
}

unsigned
tcp_sb_sacked_runs(const struct tcb *tcb)
{
	const struct tcp_scoreboard *sb = &tcb->sb;
	unsigned n = 0;

	for (unsigned i = 0; i < sb->n; i++)
		n += (sb->flags[i] & SB_SACKED) != 0;
	return n;
}

uint32_t
tcp_pipe(const struct tcb *tcb)
{
	const struct tcp_scoreboard *sb = &tcb->sb;
	uint32_t pipe = 0;

	for (unsigned i = 0; i < sb->n; i++) {
		uint8_t f = sb->flags[i];
		uint32_t len = sb_rec_end(sb, i) - sb->rec[i].start;
		if (f & SB_SACKED)
			continue;
		if (!(f & SB_LOST))
			pipe += len;
		if (f & SB_RESENT)
			pipe += len;
	}
	return pipe;
}
