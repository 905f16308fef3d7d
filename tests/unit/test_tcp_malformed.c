/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Malformed and unacceptable TCP segments into a real engine: each drop
 * reason of tcp_input.c (stack/core/stats.h, drop.tcp_*) is counted exactly
 * once, no other drop counter moves, and what comes out is what the RFCs say:
 * a RST (checked field by field), an ACK, or nothing.
 *
 *   test -> raw_tcp / frame_tcp -> harness_exchange -> expect_drop
 *        -> the counter +1, the others still -> the answer's fields
 */
#include <setjmp.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <rte_ip.h>

#include "harness.h"
#include "tcp/tcp.h"
#include "tern.h"

#define US_PORT     80
#define CLOSED_PORT 9 /* nothing listens there */
#define PEER_PORT   40000
#define PEER_ISN    0x10000000u
#define PEER_TS     5000u
#define BCAST_IP    IPV4_ADDR(198, 18, 0, 255)

struct fixture {
	struct harness *h;
	struct rte_ether_addr us; /* the engine's MAC */
	struct tern_conn *conn;   /* the connection the peer opened */
	uint32_t iss;             /* our ISN */
	bool ts;                  /* the connection has timestamps */
};

static void
on_accepted(struct tern_conn *c, void *arg)
{
	((struct fixture *)arg)->conn = c;
}

static void
on_closed(struct tern_conn *c, void *arg, int reason)
{
	struct fixture *f = arg;

	(void)reason;
	if (f->conn == c)
		f->conn = NULL;
}

static const struct tern_conn_ops ops = {
	.accepted = on_accepted,
	.closed = on_closed,
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->h = harness_open(NULL);
	if (f->h == NULL)
		return -1;
	f->us = harness_iface(f->h)->mac;
	harness_learn(f->h, PEER_IP, &peer_mac);
	if (harness_listen(f->h, US_PORT, &ops, f) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->conn != NULL)
		tern_abort(f->conn);
	/* Past TIME_WAIT (2 MSL) and every retransmission. */
	for (unsigned s = 0; s < 2 * f->h->cfg.tcp_msl_s + 130; s++) {
		harness_advance_us(f->h, 1000000);
		harness_drain(f->h);
	}
	assert_int_equal(f->h->eng->tcp.used, 0);
	assert_int_equal(harness_pool_in_use(f->h), 0);
	harness_close(f->h);
	free(f);
	return 0;
}

/* A segment from the peer's port to @dport with the usual fields. */
static struct frame_tcp
peer_seg(uint16_t dport, uint8_t flags, uint32_t seq, uint32_t ack)
{
	return (struct frame_tcp){
		.src_ip = PEER_IP,
		.dst_ip = US_IP,
		.sport = PEER_PORT,
		.dport = dport,
		.seq = seq,
		.ack = ack,
		.flags = flags,
		.win = 65535,
	};
}

/* Ethernet + IPv4 around @len bytes of TCP header and payload taken as they
 * are, to @dst; the TCP checksum made valid if @cksum. */
static struct rte_mbuf *
raw_tcp(struct fixture *f, const uint8_t *tcp, uint16_t len, uint32_t dst, bool cksum)
{
	struct rte_mbuf *m = frame_ipv4(f->h->pool, &f->us, PEER_IP, dst, IPPROTO_TCP, tcp, len);

	assert_non_null(m);
	if (cksum && len >= TCP_MIN_HDR_LEN) {
		struct rte_ipv4_hdr *ih = frame_ip(m);
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ih + 1);
		th->cksum = 0;
		th->cksum = rte_ipv4_udptcp_cksum(ih, th);
	}
	return m;
}

/* A 20-byte TCP header from the peer to @dport, in wire order, into @buf. */
static void
raw_hdr(uint8_t *buf, uint16_t dport, uint8_t off_words, uint8_t flags)
{
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)buf;

	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(PEER_PORT);
	th->dst_port = rte_cpu_to_be_16(dport);
	th->sent_seq = rte_cpu_to_be_32(PEER_ISN);
	th->data_off = (uint8_t)(off_words << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(65535);
}

/* Inject @m and expect drop.@why to rise by exactly one, no other drop
 * counter to move, and at most @max frames out (returned in @out). */
static unsigned
expect_drop(struct fixture *f, struct rte_mbuf *m, enum drop_reason why, struct rte_mbuf **out,
            unsigned max)
{
	uint64_t before[DROP_MAX];

	assert_non_null(m);
	memcpy(before, f->h->eng->stats.drops, sizeof(before));
	unsigned n = harness_exchange(f->h, m, out, max);
	for (unsigned r = 0; r < DROP_MAX; r++) {
		if (f->h->eng->stats.drops[r] != before[r] + (r == why)) {
			print_error("drop.%s went from %" PRIu64 " to %" PRIu64 "\n",
			            drop_reason_name(r), before[r], f->h->eng->stats.drops[r]);
			fail();
		}
	}
	return n;
}

/* Expect a drop and nothing at all out. */
static void
expect_silent_drop(struct fixture *f, struct rte_mbuf *m, enum drop_reason why)
{
	struct rte_mbuf *out[4];

	assert_int_equal(expect_drop(f, m, why, out, 4), 0);
}

/* Expect a drop answered by exactly one segment, read into @t. */
static void
expect_answered_drop(struct fixture *f, struct rte_mbuf *m, enum drop_reason why,
                     struct frame_tcp *t)
{
	struct rte_mbuf *out[4];

	assert_int_equal(expect_drop(f, m, why, out, 4), 1);
	assert_int_equal(frame_tcp_read(out[0], t), 0);
	rte_pktmbuf_free(out[0]);
}

/* The peer opens a connection to our listener: SYN, our SYN-ACK, its ACK. */
static void
establish(struct fixture *f, bool ts)
{
	struct frame_tcp syn = peer_seg(US_PORT, TH_SYN, PEER_ISN, 0), synack;
	struct rte_mbuf *out[4];

	syn.opts = (struct tcp_opts){ .has_mss = true, .mss = 1460, .sack_ok = true };
	if (ts) {
		syn.opts.has_ts = true;
		syn.opts.ts_val = PEER_TS;
	}
	assert_int_equal(harness_exchange(f->h, frame_tcp(f->h->pool, &f->us, &syn), out, 4), 1);
	assert_int_equal(frame_tcp_read(out[0], &synack), 0);
	rte_pktmbuf_free(out[0]);
	assert_int_equal(synack.flags, TH_SYN | TH_ACK);
	f->iss = synack.seq;
	f->ts = ts;
	struct frame_tcp ack = peer_seg(US_PORT, TH_ACK, PEER_ISN + 1, f->iss + 1);
	ack.opts =
	        (struct tcp_opts){ .has_ts = ts, .ts_val = PEER_TS, .ts_ecr = synack.opts.ts_val };
	assert_int_equal(harness_exchange(f->h, frame_tcp(f->h->pool, &f->us, &ack), out, 4), 0);
	assert_non_null(f->conn);
}

/* A pure ACK from us for the connection: nothing else set, ack @ack. */
static void
assert_our_ack(const struct frame_tcp *t, const struct fixture *f, uint32_t ack)
{
	assert_int_equal(t->flags, TH_ACK);
	assert_int_equal(t->sport, US_PORT);
	assert_int_equal(t->dport, PEER_PORT);
	assert_int_equal(t->seq, f->iss + 1);
	assert_int_equal(t->ack, ack);
	assert_int_equal(t->len, 0);
}

/* ---- bad headers: dropped before any lookup, nothing sent --------------- */

static void
test_short_header(void **state)
{
	struct fixture *f = *state;
	uint8_t tcp[TCP_MIN_HDR_LEN];

	raw_hdr(tcp, US_PORT, 5, TH_SYN);
	/* 19 bytes: one short of a header. */
	expect_silent_drop(f, raw_tcp(f, tcp, TCP_MIN_HDR_LEN - 1, US_IP, false), DROP_TCP_SHORT);
	expect_silent_drop(f, raw_tcp(f, tcp, 0, US_IP, false), DROP_TCP_SHORT);
}

static void
test_data_offset_below_five(void **state)
{
	struct fixture *f = *state;
	uint8_t tcp[TCP_MIN_HDR_LEN];

	for (uint8_t off = 0; off < 5; off++) {
		raw_hdr(tcp, US_PORT, off, TH_SYN);
		expect_silent_drop(f, raw_tcp(f, tcp, sizeof(tcp), US_IP, true), DROP_TCP_BAD_OFF);
	}
}

static void
test_data_offset_past_segment(void **state)
{
	struct fixture *f = *state;
	uint8_t tcp[TCP_MIN_HDR_LEN + 8];

	/* Seven words of header in a 28-byte segment: one word past it. */
	raw_hdr(tcp, US_PORT, 8, TH_SYN);
	memset(tcp + TCP_MIN_HDR_LEN, 1, 8); /* NOPs */
	expect_silent_drop(f, raw_tcp(f, tcp, sizeof(tcp), US_IP, true), DROP_TCP_BAD_OFF);
	raw_hdr(tcp, US_PORT, 15, TH_SYN);
	expect_silent_drop(f, raw_tcp(f, tcp, TCP_MIN_HDR_LEN, US_IP, true), DROP_TCP_BAD_OFF);
}

static void
test_bad_checksum(void **state)
{
	struct fixture *f = *state;
	struct frame_tcp syn = peer_seg(US_PORT, TH_SYN, PEER_ISN, 0);
	struct rte_mbuf *m = frame_tcp(f->h->pool, &f->us, &syn);

	assert_non_null(m);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(frame_ip(m) + 1);
	th->cksum ^= rte_cpu_to_be_16(0x0100);
	expect_silent_drop(f, m, DROP_TCP_CKSUM);
	assert_int_equal(f->h->eng->tcp.used, 0); /* the SYN opened nothing */
}

static void
test_to_broadcast(void **state)
{
	struct fixture *f = *state;
	uint8_t tcp[TCP_MIN_HDR_LEN];

	/* RFC 1122 4.2.3.10: the subnet's broadcast address passes IPv4 (ICMP
	 * may use it) but opens no TCP connection and draws no RST. */
	raw_hdr(tcp, US_PORT, 5, TH_SYN);
	expect_silent_drop(f, raw_tcp(f, tcp, sizeof(tcp), BCAST_IP, true), DROP_TCP_BCAST);
	raw_hdr(tcp, CLOSED_PORT, 5, TH_ACK);
	expect_silent_drop(f, raw_tcp(f, tcp, sizeof(tcp), BCAST_IP, true), DROP_TCP_BCAST);
}

/* SYN with the option bytes @opt (@len, a multiple of 4). */
static void
expect_bad_options(struct fixture *f, const uint8_t *opt, unsigned len)
{
	uint8_t tcp[TCP_MAX_HDR_LEN];

	raw_hdr(tcp, US_PORT, (uint8_t)((TCP_MIN_HDR_LEN + len) / 4), TH_SYN);
	memcpy(tcp + TCP_MIN_HDR_LEN, opt, len);
	expect_silent_drop(f, raw_tcp(f, tcp, (uint16_t)(TCP_MIN_HDR_LEN + len), US_IP, true),
	                   DROP_TCP_BAD_OPTS);
	assert_int_equal(f->h->eng->tcp.used, 0);
}

static void
test_bad_options(void **state)
{
	struct fixture *f = *state;
	/* RFC 9293 3.1: a length counts kind and length, so below 2 is wrong. */
	const uint8_t len_zero[] = { 2, 0, 5, 0xb4 };
	const uint8_t len_one[] = { 1, 1, 8, 1 };
	/* Timestamps (10 bytes) with 4 bytes of option space left. */
	const uint8_t past_header[] = { 1, 1, 8, 10 };
	/* A kind with no length byte before the end. */
	const uint8_t no_length[] = { 1, 1, 1, 2 };
	/* MSS with length 3 (RFC 9293 3.2: MSS is 4 bytes). */
	const uint8_t mss_len_3[] = { 2, 3, 5, 0 };

	expect_bad_options(f, len_zero, sizeof(len_zero));
	expect_bad_options(f, len_one, sizeof(len_one));
	expect_bad_options(f, past_header, sizeof(past_header));
	expect_bad_options(f, no_length, sizeof(no_length));
	expect_bad_options(f, mss_len_3, sizeof(mss_len_3));
}

/* ---- no connection: RFC 9293 3.10.7.1 ------------------------------------ */

/* The RST we send to a segment with no connection, field by field. */
static void
assert_rst(const struct frame_tcp *t, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t sport)
{
	assert_int_equal(t->src_ip, US_IP);
	assert_int_equal(t->dst_ip, PEER_IP);
	assert_int_equal(t->sport, sport);
	assert_int_equal(t->dport, PEER_PORT);
	assert_int_equal(t->flags, flags);
	assert_int_equal(t->seq, seq);
	if (flags & TH_ACK)
		assert_int_equal(t->ack, ack);
	assert_int_equal(t->win, 0);
	assert_int_equal(t->len, 0);
	assert_false(t->opts.has_mss || t->opts.has_ts || t->opts.sack_ok || t->opts.nb_sack);
}

static void
test_no_conn_syn(void **state)
{
	struct fixture *f = *state;
	struct frame_tcp syn = peer_seg(CLOSED_PORT, TH_SYN, 0xfffffffeu, 0), rst;

	syn.opts = (struct tcp_opts){ .has_mss = true, .mss = 1460 };
	/* No ACK in it: <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, the SYN
	 * counting one (and the sum wrapping). */
	expect_answered_drop(f, frame_tcp(f->h->pool, &f->us, &syn), DROP_TCP_NO_CONN, &rst);
	assert_rst(&rst, TH_RST | TH_ACK, 0, 0xffffffffu, CLOSED_PORT);
}

static void
test_no_conn_data_fin(void **state)
{
	struct fixture *f = *state;
	const uint8_t data[10] = "0123456789";
	struct frame_tcp seg = peer_seg(CLOSED_PORT, TH_FIN | TH_PSH, 1000, 0), rst;

	seg.data = data;
	seg.len = sizeof(data);
	expect_answered_drop(f, frame_tcp(f->h->pool, &f->us, &seg), DROP_TCP_NO_CONN, &rst);
	assert_rst(&rst, TH_RST | TH_ACK, 0, 1000 + 10 + 1, CLOSED_PORT);
}

static void
test_no_conn_ack(void **state)
{
	struct fixture *f = *state;
	struct frame_tcp seg = peer_seg(CLOSED_PORT, TH_ACK, 1000, 0x12345678), rst;

	/* With an ACK: <SEQ=SEG.ACK><CTL=RST>. */
	expect_answered_drop(f, frame_tcp(f->h->pool, &f->us, &seg), DROP_TCP_NO_CONN, &rst);
	assert_rst(&rst, TH_RST, 0x12345678, 0, CLOSED_PORT);
}

static void
test_no_conn_rst(void **state)
{
	struct fixture *f = *state;
	struct frame_tcp seg = peer_seg(CLOSED_PORT, TH_RST | TH_ACK, 1000, 5);

	/* A RST is never answered. */
	expect_silent_drop(f, frame_tcp(f->h->pool, &f->us, &seg), DROP_TCP_NO_CONN);
}

/* ---- a listener: RFC 9293 3.10.7.2 ------------------------------------- */

static void
test_listener_bad_flags(void **state)
{
	struct fixture *f = *state;
	const uint8_t bad[] = {
		0, TH_FIN, TH_PSH, TH_URG, TH_SYN | TH_FIN, TH_SYN | TH_FIN | TH_PSH
	};

	/* Neither SYN nor ACK nor RST, or SYN with FIN: nothing opens, nothing
	 * is answered. */
	for (unsigned i = 0; i < RTE_DIM(bad); i++) {
		struct frame_tcp seg = peer_seg(US_PORT, bad[i], PEER_ISN, 0);
		expect_silent_drop(f, frame_tcp(f->h->pool, &f->us, &seg), DROP_TCP_BAD_FLAGS);
		assert_int_equal(f->h->eng->tcp.used, 0);
	}
}

static void
test_listener_ack_is_reset(void **state)
{
	struct fixture *f = *state;
	struct frame_tcp seg = peer_seg(US_PORT, TH_ACK, PEER_ISN, 777), rst;
	struct rte_mbuf *out[4];
	uint64_t before = f->h->eng->stats.tcp_resets_sent;

	/* An ACK to a listener is answered <SEQ=SEG.ACK><CTL=RST> and counted
	 * as a reset sent, not as a drop. */
	assert_int_equal(expect_drop(f, frame_tcp(f->h->pool, &f->us, &seg), DROP_MAX, out, 4), 1);
	assert_int_equal(frame_tcp_read(out[0], &rst), 0);
	rte_pktmbuf_free(out[0]);
	assert_rst(&rst, TH_RST, 777, 0, US_PORT);
	assert_int_equal(f->h->eng->stats.tcp_resets_sent, before + 1);
}

/* ---- a synchronized connection: RFC 9293 3.10.7.4 ------------------------ */

static void
test_out_of_window_data(void **state)
{
	struct fixture *f = *state;
	const uint8_t data[100] = { 0 };
	struct frame_tcp seg, ack;

	establish(f, false);
	/* Past the right edge of the window: an ACK tells the peer where we are. */
	seg = peer_seg(US_PORT, TH_ACK | TH_PSH, PEER_ISN + 1 + 10000000, f->iss + 1);
	seg.data = data;
	seg.len = sizeof(data);
	expect_answered_drop(f, frame_tcp(f->h->pool, &f->us, &seg), DROP_TCP_OUT_OF_WINDOW, &ack);
	assert_our_ack(&ack, f, PEER_ISN + 1);
	/* Wholly before the left edge: an old duplicate, the same answer. */
	seg.seq = PEER_ISN + 1 - 200;
	expect_answered_drop(f, frame_tcp(f->h->pool, &f->us, &seg), DROP_TCP_OUT_OF_WINDOW, &ack);
	assert_our_ack(&ack, f, PEER_ISN + 1);
	assert_int_equal(tern_recv_pending(f->conn), 0);
}

static void
test_out_of_window_rst(void **state)
{
	struct fixture *f = *state;
	struct frame_tcp seg = peer_seg(US_PORT, TH_RST, PEER_ISN + 1 + 10000000, 0);

	establish(f, false);
	/* RFC 9293 3.10.7.4 first: an unacceptable RST is dropped unanswered. */
	expect_silent_drop(f, frame_tcp(f->h->pool, &f->us, &seg), DROP_TCP_OUT_OF_WINDOW);
	assert_non_null(f->conn);
	assert_int_equal(((struct tcb *)f->conn)->state, TCP_ESTABLISHED);
}

static void
test_paws(void **state)
{
	struct fixture *f = *state;
	const uint8_t data[10] = { 0 };
	struct frame_tcp seg, ack;

	establish(f, true);
	/* RFC 7323 5.3: TSval older than TS.Recent is an old duplicate: drop it,
	 * deliver nothing, send an ACK. */
	seg = peer_seg(US_PORT, TH_ACK | TH_PSH, PEER_ISN + 1, f->iss + 1);
	seg.opts = (struct tcp_opts){ .has_ts = true, .ts_val = PEER_TS - 1 };
	seg.data = data;
	seg.len = sizeof(data);
	expect_answered_drop(f, frame_tcp(f->h->pool, &f->us, &seg), DROP_TCP_PAWS, &ack);
	assert_our_ack(&ack, f, PEER_ISN + 1);
	assert_true(ack.opts.has_ts);
	assert_int_equal(ack.opts.ts_ecr, PEER_TS); /* TS.Recent kept */
	assert_int_equal(tern_recv_pending(f->conn), 0);
	/* A RST is exempt from PAWS (RFC 7323 5.3 R1): acceptable, it resets. */
	seg = peer_seg(US_PORT, TH_RST, PEER_ISN + 1, 0);
	seg.opts = (struct tcp_opts){ .has_ts = true, .ts_val = PEER_TS - 1 };
	expect_silent_drop(f, frame_tcp(f->h->pool, &f->us, &seg), DROP_MAX);
	assert_null(f->conn);
}

static void
test_time_wait_old_duplicate(void **state)
{
	struct fixture *f = *state;
	struct rte_mbuf *out[4];
	struct frame_tcp seg, t;

	establish(f, false);
	/* We close first: FIN out, the peer ACKs it and sends its FIN. */
	assert_int_equal(tern_close(f->conn), 0);
	harness_poll(f->h);
	assert_int_equal(harness_collect(f->h, out, 4), 1);
	assert_int_equal(frame_tcp_read(out[0], &t), 0);
	rte_pktmbuf_free(out[0]);
	assert_int_equal(t.flags, TH_FIN | TH_ACK);
	seg = peer_seg(US_PORT, TH_FIN | TH_ACK, PEER_ISN + 1, f->iss + 2);
	assert_int_equal(harness_exchange(f->h, frame_tcp(f->h->pool, &f->us, &seg), out, 4), 1);
	rte_pktmbuf_free(out[0]);
	/* TIME_WAIT: an old duplicate is ACKed and counted, nothing else. */
	seg = peer_seg(US_PORT, TH_ACK, PEER_ISN + 1, f->iss + 2);
	expect_answered_drop(f, frame_tcp(f->h->pool, &f->us, &seg), DROP_TCP_TIME_WAIT, &t);
	assert_int_equal(t.flags, TH_ACK);
	assert_int_equal(t.seq, f->iss + 2);
	assert_int_equal(t.ack, PEER_ISN + 2);
	/* RFC 1337: a RST does not cut TIME_WAIT short, and is not answered. */
	seg = peer_seg(US_PORT, TH_RST, PEER_ISN + 2, 0);
	expect_silent_drop(f, frame_tcp(f->h->pool, &f->us, &seg), DROP_MAX);
	assert_int_equal(f->h->eng->tcp.used, 1);
}

static void
test_out_of_order_runs_full(void **state)
{
	struct fixture *f = *state;
	const uint8_t data[1] = { 'x' };
	struct rte_mbuf *out[4];
	struct frame_tcp seg, ack;

	establish(f, false);
	seg = peer_seg(US_PORT, TH_ACK, 0, f->iss + 1);
	seg.data = data;
	seg.len = sizeof(data);
	/* TCP_OOO_MAX runs with a hole before each: each is held, and answered
	 * at once with a duplicate ACK (RFC 5681 4.2). */
	for (unsigned i = 0; i < TCP_OOO_MAX; i++) {
		seg.seq = PEER_ISN + 1 + 2 * (i + 1);
		assert_int_equal(
		        expect_drop(f, frame_tcp(f->h->pool, &f->us, &seg), DROP_MAX, out, 4), 1);
		rte_pktmbuf_free(out[0]);
	}
	/* One run more has no place: counted, and the ACK still goes out. */
	seg.seq = PEER_ISN + 1 + 2 * (TCP_OOO_MAX + 1);
	expect_answered_drop(f, frame_tcp(f->h->pool, &f->us, &seg), DROP_TCP_OOO_FULL, &ack);
	assert_int_equal(ack.flags & TH_ACK, TH_ACK);
	assert_int_equal(ack.ack, PEER_ISN + 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_short_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_offset_below_five, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_offset_past_segment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_checksum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_to_broadcast, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_conn_syn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_conn_data_fin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_conn_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_conn_rst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listener_bad_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listener_ack_is_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_window_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_window_rst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paws, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_wait_old_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order_runs_full, setup, teardown),
	};

	return cmocka_run_group_tests_name("tcp_malformed", tests, NULL, NULL);
}
