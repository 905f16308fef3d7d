/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sender's scoreboard (tcp_sack.c) driven directly, without an engine:
 * what the scripts in test_tcp_sack.c cannot reach in a few steps. A window
 * with more holes than the map has records must never count a byte as
 * SACKed that the peer did not SACK, nor offer one for resending that it
 * did (RFC 6675 3: the scoreboard may lose precision, never truth); a
 * cumulative ACK that stops at a SACKed byte drops the marks (RFC 2018 8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <rte_common.h>

#include "tcp/tcp.h"
#include "tcp/tcp_sack.h"

#define MSS   1000u
#define BASE  0xfffe0000u /* the map crosses 2^32 */
#define NSEGS 400u

/* As tcp_tcb_alloc leaves a reused control block: cleared up to the
 * scoreboard's records, which keep what the last connection left (here a
 * pattern no record could hold). Every test below runs on such records. */
static void
setup_tcb(struct tcb *tcb)
{
	memset(tcb, 0xa5, sizeof(*tcb));
	memset(tcb, 0, TCB_CLEAR_BYTES);
	tcb->mss = MSS;
	tcb->flags = TF_SACK_OK;
	tcb->snd.una = BASE;
	tcb->snd.max = BASE;
	tcp_sb_init(&tcb->sb);
}

/* Segment @k sent at @k microseconds: each its own send time. */
static void
send_segments(struct tcb *tcb, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		tcp_sb_sent(tcb, BASE + k * MSS, MSS, k);
		tcb->snd.max = BASE + (k + 1) * MSS;
	}
}

static uint32_t
sack_one(struct tcb *tcb, uint32_t start, uint32_t end, uint32_t now_us)
{
	struct tcp_seg seg = { .ack = tcb->snd.una };
	uint32_t sacked;

	seg.opts.nb_sack = 1;
	seg.opts.sack[0].start = start;
	seg.opts.sack[0].end = end;
	return tcp_sb_update(tcb, &seg, now_us, &sacked);
}

/* @nsegs segments, each sent at its own time, every third SACKed. What the
 * map says is SACKed was SACKed, whatever it had to forget; after a timeout
 * NextSeg() offers every hole, and a SACKed segment only above the runs the
 * map could keep. Returns the SACKed segments offered. */
static unsigned
every_third_sacked(unsigned nsegs, unsigned exact_below)
{
	static bool was_sacked[NSEGS];
	struct tcb tcb;
	uint32_t seq, len;
	unsigned offered = 0, sacked_offered = 0;

	setup_tcb(&tcb);
	send_segments(&tcb, nsegs);
	memset(was_sacked, 0, sizeof(was_sacked));
	for (unsigned k = 1; k < nsegs; k += 3) {
		sack_one(&tcb, BASE + k * MSS, BASE + (k + 1) * MSS, 100000 + k);
		was_sacked[k] = true;
		assert_true(tcb.sb.n <= TCP_SB_MAX);
	}
	assert_true(tcp_sb_sacked_bytes(&tcb) > 0);
	for (unsigned i = 0; i < tcb.sb.n; i++) {
		uint32_t s = tcb.sb.rec[i].start;
		uint32_t e = i + 1 < tcb.sb.n ? tcb.sb.rec[i + 1].start : tcb.sb.end;
		if (!(tcb.sb.flags[i] & SB_SACKED))
			continue;
		for (uint32_t b = s; b != e; b += MSS)
			assert_true(was_sacked[(b - BASE) / MSS]);
	}
	tcp_sb_timeout(&tcb);
	tcb.flags |= TF_IN_RECOVERY;
	while (tcp_sb_next_seg(&tcb, MSS, tcb.snd.max, &seq, &len)) {
		unsigned k = (seq - BASE) / MSS;
		assert_int_equal(len, MSS);
		if (was_sacked[k]) {
			assert_true(k >= exact_below);
			sacked_offered++;
		}
		tcp_sb_sent(&tcb, seq, len, 200000);
		offered++;
		assert_true(tcb.sb.n <= TCP_SB_MAX);
	}
	assert_int_equal(offered - sacked_offered, nsegs - (nsegs + 1) / 3);
	return sacked_offered;
}

/* 30 runs and 31 holes fit: nothing SACKed is offered. */
static void
window_within_map(void **state)
{
	(void)state;
	assert_int_equal(every_third_sacked(90, 0), 0);
}

/* 133 runs and 134 holes, four times what the map holds: it forgets the
 * highest runs, never the lowest 30 (what recovery resends first). */
static void
overflow_forgets_highest_runs(void **state)
{
	(void)state;
	assert_true(every_third_sacked(NSEGS, 90) < NSEGS / 3);
}

/* RFC 2018 8: SACK 3-4, then an ACK that moves snd.una to segment 3 and
 * stops at a byte the peer said it held: it threw it away. The marks go;
 * the segments are lost and resent. */
static void
reneging_drops_marks(void **state)
{
	struct tcb tcb;
	struct tcp_seg seg = { 0 };
	uint32_t sacked, seq, len;

	(void)state;
	setup_tcb(&tcb);
	send_segments(&tcb, 6);
	sack_one(&tcb, BASE + 3 * MSS, BASE + 5 * MSS, 1000);
	assert_int_equal(tcp_sb_sacked_bytes(&tcb), 2 * MSS);
	tcb.snd.una = BASE + 3 * MSS;
	seg.ack = tcb.snd.una;
	tcp_sb_update(&tcb, &seg, 2000, &sacked);
	assert_int_equal(tcp_sb_sacked_bytes(&tcb), 0);
	assert_true(tcp_sb_next_seg(&tcb, MSS, tcb.snd.max, &seq, &len));
	assert_int_equal(seq, BASE + 3 * MSS);
}

/* RFC 6675 4 SetPipe: 6 segments sent, 2 SACKed: 4 in flight; one resent
 * while not deemed lost counts twice; after a timeout nothing is in flight
 * until a lost segment is resent (once). */
static void
pipe_counts_per_rfc6675(void **state)
{
	struct tcb tcb;

	(void)state;
	setup_tcb(&tcb);
	send_segments(&tcb, 6);
	sack_one(&tcb, BASE + 4 * MSS, BASE + 6 * MSS, 1000);
	assert_int_equal(tcp_pipe(&tcb), 4 * MSS);
	tcp_sb_sent(&tcb, BASE + MSS, MSS, 1500); /* resent, not lost: twice */
	assert_int_equal(tcp_pipe(&tcb), 5 * MSS);
	/* IsLost(): segments 0-3 have two segments SACKed above, not more than
	 * (DupThresh - 1) x SMSS: nothing lost yet. */
	assert_int_equal(tcp_sb_mark_lost_dupthresh(&tcb), 0);
	tcp_sb_timeout(&tcb);
	assert_int_equal(tcp_pipe(&tcb), 0);
	tcp_sb_sent(&tcb, BASE, MSS, 2000); /* lost, resent: 1 */
	assert_int_equal(tcp_pipe(&tcb), MSS);
}

/* RFC 8985 6.2 step 4: reo_wnd is 0 with DupThresh segments SACKed and
 * no reordering seen; step 3: a segment never resent, delivered below the
 * highest delivered, is reordering; from then on reo_wnd is min_RTT / 4
 * (here 2.5 ms: RTT 10 ms). */
static void
rack_reordering_opens_reo_wnd(void **state)
{
	struct tcb tcb;
	struct tcp_seg seg = { 0 };
	uint32_t sacked;

	(void)state;
	setup_tcb(&tcb);
	send_segments(&tcb, 6);
	sack_one(&tcb, BASE + 2 * MSS, BASE + 5 * MSS, 10000);
	assert_int_equal(tcb.sb.rack.min_rtt_us, 10000 - 4);
	assert_false(tcb.sb.rack.reordering_seen);
	assert_int_equal(tcp_rack_reo_wnd_us(&tcb), 0);
	/* Segments 0 and 1, never resent, arrive after 2-4. */
	tcb.snd.una = BASE + 2 * MSS;
	seg.ack = tcb.snd.una;
	tcp_sb_update(&tcb, &seg, 10001, &sacked);
	assert_true(tcb.sb.rack.reordering_seen);
	assert_int_equal(tcp_rack_reo_wnd_us(&tcb), (10000 - 4) / 4);
}

/* RFC 8985 6.2 step 2: the ACK of a resent segment that comes sooner than
 * min_RTT after the resend acknowledges the first copy: no RTT sample, and
 * RACK.xmit_ts does not move to the resend's time. */
static void
rack_ambiguous_ack_of_resend(void **state)
{
	struct tcb tcb;
	uint32_t lost;

	(void)state;
	setup_tcb(&tcb);
	send_segments(&tcb, 4);
	sack_one(&tcb, BASE + 3 * MSS, BASE + 4 * MSS, 10000); /* min_RTT ~10 ms */
	tcp_sb_sent(&tcb, BASE + MSS, MSS, 20000);             /* resend 1 */
	sack_one(&tcb, BASE + MSS, BASE + 2 * MSS, 20500);     /* 0.5 ms later */
	assert_int_equal(tcb.sb.rack.xmit_us, 3);
	assert_int_equal(tcb.sb.rack.rtt_us, 10000 - 3);
	/* Segments 0 and 2 left before segment 3: lost once RACK.rtt (9997
	 * us) and reo_wnd (min_RTT / 4, 2499 us) have passed since they left;
	 * segment 2, which left at 2 us, waits 1998 us more at 10500 us. */
	assert_int_equal(tcp_rack_detect_loss(&tcb, 10500, &lost), 9997 + 2499 - (10500 - 2));
	assert_int_equal(lost, 0);
	tcp_rack_detect_loss(&tcb, 12500, &lost);
	assert_int_equal(lost, 2); /* segments 0 and 2 */
}

/* tcp_sb_clean, which lets tcp_loss_on_ack skip the loss detection: true
 * for an empty map, one run, and runs that each left once and all after
 * RACK's segment; false once anything is SACKed, resent or lost, or the
 * lowest run left before a delivered retransmission. */
static void
clean_only_when_nothing_to_detect(void **state)
{
	struct tcb tcb;
	struct tcp_seg seg = { 0 };
	uint32_t sacked;

	(void)state;
	setup_tcb(&tcb);
	assert_true(tcp_sb_clean(&tcb.sb));
	tcp_sb_sent(&tcb, BASE, 2 * MSS, 0);
	tcb.snd.max = BASE + 2 * MSS;
	assert_true(tcp_sb_clean(&tcb.sb));
	tcp_sb_sent(&tcb, BASE + 2 * MSS, MSS, 5);
	tcb.snd.max = BASE + 3 * MSS;
	assert_int_equal(tcb.sb.n, 2);
	assert_true(tcp_sb_clean(&tcb.sb)); /* two send times, nothing delivered */
	tcb.snd.una = BASE + MSS;
	seg.ack = tcb.snd.una;
	tcp_sb_update(&tcb, &seg, 10, &sacked);
	assert_int_equal(tcb.sb.n, 2);
	assert_true(tcp_sb_clean(&tcb.sb)); /* the rest of RACK's run left with it */
	tcb.snd.una = BASE + 2 * MSS;
	seg.ack = tcb.snd.una;
	tcp_sb_update(&tcb, &seg, 12, &sacked);
	assert_true(tcp_sb_clean(&tcb.sb));         /* the first run left */
	tcp_sb_sent(&tcb, BASE + 2 * MSS, MSS, 20); /* a resend */
	assert_false(tcp_sb_clean(&tcb.sb));
	tcb.snd.una = BASE + 3 * MSS;
	seg.ack = tcb.snd.una;
	tcp_sb_update(&tcb, &seg, 30, &sacked);
	assert_true(tcp_sb_clean(&tcb.sb)); /* empty */
	tcp_sb_sent(&tcb, BASE + 3 * MSS, 2 * MSS, 40);
	tcb.snd.max = BASE + 5 * MSS;
	sack_one(&tcb, BASE + 4 * MSS, BASE + 5 * MSS, 50);
	assert_false(tcp_sb_clean(&tcb.sb)); /* a SACKed run */
	setup_tcb(&tcb);
	tcp_sb_sent(&tcb, BASE, MSS, 0);
	tcb.snd.max = BASE + MSS;
	tcp_sb_timeout(&tcb);
	assert_false(tcp_sb_clean(&tcb.sb)); /* lost */
	/* Segment 0 resent at 20 and acknowledged: RACK's segment is the
	 * resend, and segments 1 and 2, unmarked, left before it (RACK
	 * deems them lost in time). */
	setup_tcb(&tcb);
	send_segments(&tcb, 3);
	tcp_sb_sent(&tcb, BASE, MSS, 20);
	tcb.snd.una = BASE + MSS;
	seg.ack = tcb.snd.una;
	tcp_sb_update(&tcb, &seg, 30, &sacked);
	assert_int_equal(tcb.sb.rack.xmit_us, 20);
	assert_true(tcp_sb_unmarked(&tcb.sb));
	assert_false(tcp_sb_clean(&tcb.sb));
}

/* ---- seeded histories ------------------------------------------------- */

static uint64_t
rnd(uint64_t *s)
{
	/* xorshift64*: enough spread for choosing operations */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* What the map promises whatever happened to it: records in order inside
 * [snd.una, snd.max), SACKed runs one record each (IsLost() counts runs by
 * records), and when tcp_sb_clean says RACK has nothing to find, no
 * record left before RACK's segment (the shortcut skips that walk). */
static void
check_map(const struct tcb *tcb)
{
	const struct tcp_scoreboard *sb = &tcb->sb;

	assert_true(sb->n <= TCP_SB_MAX);
	if (sb->n == 0)
		return;
	assert_true(seq_geq(sb->rec[0].start, tcb->snd.una));
	assert_true(sb->end == tcb->snd.max);
	for (unsigned i = 0; i + 1 < sb->n; i++) {
		assert_true(seq_lt(sb->rec[i].start, sb->rec[i + 1].start));
		assert_false((sb->flags[i] & sb->flags[i + 1]) & SB_SACKED);
	}
	assert_true(seq_lt(sb->rec[sb->n - 1].start, sb->end));
	if (!tcp_sb_clean(sb) || sb->n < 2 || !sb->rack.valid)
		return;
	for (unsigned i = 0; i < sb->n; i++) {
		uint32_t end = i + 1 < sb->n ? sb->rec[i + 1].start : sb->end;
		assert_true(tcp_rack_sent_after(sb->rec[i].xmit_us, end, sb->rack.xmit_us,
		                                sb->rack.end_seq));
	}
}

/* A sender's life in random steps: new data (often in the same
 * microsecond, so runs join), cumulative ACKs with and without SACK
 * blocks, resends, timeouts, and the loss detection itself. Whatever the
 * order, check_map holds after every step. */
static void
seeded_histories_keep_the_map(void **state)
{
	struct tcb tcb;
	unsigned clean_multi = 0;

	(void)state;
	for (uint64_t seed = 1; seed <= 2000; seed++) {
		uint64_t r = seed * 0x9e3779b97f4a7c15ull;
		uint32_t now = 0, lost;

		setup_tcb(&tcb);
		for (unsigned step = 0; step < 300; step++) {
			uint32_t flight = tcb.snd.max - tcb.snd.una;
			unsigned op = rnd(&r) % 100;

			now += rnd(&r) % 3;
			if (op < 45 && flight < 80 * MSS) {
				uint32_t len = MSS * (1 + rnd(&r) % 3);
				tcp_sb_sent(&tcb, tcb.snd.max, len, now);
				tcb.snd.max += len;
			} else if (op < 80 && flight > 0) {
				struct tcp_seg seg = { 0 };
				uint32_t sacked;

				if (rnd(&r) % 2)
					tcb.snd.una += (uint32_t)(rnd(&r) % (flight / 2 + 1));
				seg.ack = tcb.snd.una;
				seg.opts.nb_sack = (uint8_t)(rnd(&r) % 4);
				for (unsigned b = 0; b < seg.opts.nb_sack; b++) {
					uint32_t span = tcb.snd.max - tcb.snd.una;
					uint32_t a = (uint32_t)(rnd(&r) % (span + 1));
					uint32_t z = a + (uint32_t)(rnd(&r) % (span - a + 1));
					seg.opts.sack[b].start = tcb.snd.una + a;
					seg.opts.sack[b].end = tcb.snd.una + z;
				}
				tcp_sb_update(&tcb, &seg, now, &sacked);
			} else if (op < 90 && flight > 0) {
				uint32_t at = tcb.snd.una + (uint32_t)(rnd(&r) % flight);
				tcp_sb_sent(&tcb, at, RTE_MIN(MSS, tcb.snd.max - at), now);
			} else if (op < 92) {
				tcp_sb_timeout(&tcb);
			} else {
				now += (uint32_t)(rnd(&r) % 20);
				tcp_rack_detect_loss(&tcb, now, &lost);
				tcp_sb_mark_lost_dupthresh(&tcb);
			}
			check_map(&tcb);
			clean_multi += tcb.sb.n >= 2 && tcb.sb.rack.valid && tcp_sb_clean(&tcb.sb);
		}
	}
	/* The histories reach the shortcut past one record, not only its
	 * trivial cases. */
	assert_true(clean_multi > 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(window_within_map),
		cmocka_unit_test(overflow_forgets_highest_runs),
		cmocka_unit_test(reneging_drops_marks),
		cmocka_unit_test(pipe_counts_per_rfc6675),
		cmocka_unit_test(rack_reordering_opens_reo_wnd),
		cmocka_unit_test(rack_ambiguous_ack_of_resend),
		cmocka_unit_test(clean_only_when_nothing_to_detect),
		cmocka_unit_test(seeded_histories_keep_the_map),
	};

	return cmocka_run_group_tests_name("tcp_scoreboard", tests, NULL, NULL);
}
