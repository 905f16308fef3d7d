/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: frames into a real engine (tests/harness/: a net_ring
 * port, a fake clock). Each input starts from the same state, built by real
 * handshakes: a listener on port 80 and two ESTABLISHED connections, one with
 * timestamps, SACK and window scaling, one with none. The input is then read
 * as records, each a kind byte (modulo 6) and its fields (rec_* below; the
 * table is in docs/FUZZING.md): a segment to a connection with sequence
 * numbers relative to its state and valid checksums unless asked otherwise,
 * a raw frame, an IPv4 packet with a raw payload, a clock advance, an
 * application call, a well-behaved ACK. After every record no live
 * connection breaks RFC 9293's ordering of snd.una, snd.nxt and snd.max,
 * and every frame sent is well formed; every byte the application reads is
 * the one the peer sent at that place in the stream. At the end the
 * application aborts what it holds, time runs until every connection is
 * gone, and every mbuf must be back in the pool.
 *
 *   LLVMFuzzerTestOneInput -> harness_reset -> setup (listen, handshakes)
 *     -> per record: seg | raw | ip | advance | app | ack -> poll, drain -> check
 *     -> teardown: abort, wait out the timers -> no tcb, no mbuf in use
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "engine/engine.h"
#include "flow/flow_table.h"
#include "harness.h"
#include "tcp/tcp.h"
#include "tern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define US_PORT        80
#define PEER_PORT_BASE 40000
#define ACTIVE_PORT    7           /* where the application's tern_connect goes */
#define SLOTS_PASSIVE  4           /* peer ports PEER_PORT_BASE + 0..3 to our port 80 */
#define SLOTS          6           /* and two for the application's active opens */
#define PEER_TS_BASE   0x7fff0000u /* the peer's timestamp clock crosses 2^31 */
#define TEARDOWN_S     600         /* no connection may outlive this once abandoned */
#define RECORDS_MAX    256         /* records per input */
#define APP_BUF        65536
#define OTHERS         16 /* connections on 4-tuples of the fuzzer's own making */

/* Option kinds (RFC 9293 3.2, RFC 7323 3). */
enum { OPT_EOL = 0, OPT_NOP = 1, OPT_TS = 8 };

static const uint8_t ip_protos[] = { IPPROTO_TCP, IPPROTO_ICMP, IPPROTO_UDP, 0xfd };

/* One 4-tuple the fuzzer talks on, and what the application holds of it. */
struct fuzz_slot {
	uint16_t local_port; /* host order; 0: an active slot never connected */
	uint16_t peer_port;
	struct tern_conn *conn; /* NULL once closed, or before accepted */
	bool app_closed;        /* tern_close called: only the stack may act now */
	uint32_t irs;           /* the peer's ISN: where its stream starts */
	uint64_t read_bytes;    /* stream offset the application has read to */
	/* The connection's numbers at the last look, for when it has gone. */
	uint32_t rcv_nxt, snd_una, snd_nxt;
};

struct fuzz_state {
	struct harness *h;
	struct rte_ether_addr us_mac;
	struct fuzz_slot slots[SLOTS];
	struct tern_conn *others[OTHERS];
	struct tern_conn_ops ops;
	uint32_t peer_ts; /* the peer's timestamp clock */
	uint8_t app_buf[APP_BUF];
};

/* One instance: the EAL and its ports live as long as the process. */
static struct fuzz_state *fuzz;

/* The bytes of every stream the peer sends: a function of the sequence
 * number, so that overlapping and retransmitted segments agree, and the
 * application can check each byte it reads. */
static uint8_t
stream_byte(uint32_t seq)
{
	return (uint8_t)(seq * 7 + (seq >> 8) + (seq >> 16));
}

static void
fuzz_fail(const char *what, const struct fuzz_slot *s)
{
	fprintf(stderr, "fuzz_engine: %s (peer port %u)\n", what, s != NULL ? s->peer_port : 0);
	abort();
}

/* ---- the input as a stream of fields ----------------------------------- */

struct reader {
	const uint8_t *p;
	size_t left;
};

static uint8_t
rd8(struct reader *r)
{
	if (r->left == 0)
		return 0;
	r->left--;
	return *r->p++;
}

static uint16_t
rd16(struct reader *r)
{
	uint16_t hi = rd8(r);
	return (uint16_t)(hi << 8 | rd8(r));
}

static uint32_t
rd32(struct reader *r)
{
	uint32_t hi = rd16(r);
	return hi << 16 | rd16(r);
}

/* ---- slots, and the application's callbacks ----------------------------- */

static struct fuzz_slot *
slot_of_conn(struct tern_conn *c)
{
	uint32_t ip;
	uint16_t port;

	tern_conn_peer(c, &ip, &port);
	for (unsigned i = 0; i < SLOTS; i++) {
		struct fuzz_slot *s = &fuzz->slots[i];
		uint16_t local = rte_be_to_cpu_16(((struct tcb *)c)->key.local_port);
		if (s->peer_port == port && s->local_port == local)
			return s;
	}
	return NULL;
}

static struct tcb *
slot_tcb(const struct fuzz_slot *s)
{
	struct flow_key key = {
		.local_ip = rte_cpu_to_be_32(US_IP),
		.remote_ip = rte_cpu_to_be_32(PEER_IP),
		.local_port = rte_cpu_to_be_16(s->local_port),
		.remote_port = rte_cpu_to_be_16(s->peer_port),
	};
	struct flow_table *ft = fuzz->h->eng->flows;

	return s->local_port == 0 ? NULL : flow_lookup(ft, &key, flow_hash(ft, &key));
}

/* Refresh the slot's view of its connection's numbers. */
static struct tcb *
slot_look(struct fuzz_slot *s)
{
	struct tcb *tcb = slot_tcb(s);

	if (tcb != NULL) {
		s->rcv_nxt = tcb->rcv.nxt;
		s->snd_una = tcb->snd.una;
		s->snd_nxt = tcb->snd.nxt;
	}
	return tcb;
}

static void
slot_opened(struct tern_conn *c)
{
	struct fuzz_slot *s = slot_of_conn(c);

	if (s == NULL) {
		/* Ports out of a raw header: held, and aborted at the end. */
		for (unsigned i = 0; i < OTHERS; i++)
			if (fuzz->others[i] == NULL || fuzz->others[i] == c) {
				fuzz->others[i] = c;
				return;
			}
		fuzz_fail("more connections than the pool has", NULL);
	}
	s->conn = c;
	s->app_closed = false;
	s->irs = ((struct tcb *)c)->rcv.irs;
	s->read_bytes = 0;
}

static void
on_accepted(struct tern_conn *c, void *arg)
{
	(void)arg;
	slot_opened(c);
}

static void
on_connected(struct tern_conn *c, void *arg)
{
	(void)arg;
	slot_opened(c);
}

static void
on_closed(struct tern_conn *c, void *arg, int reason)
{
	(void)arg;
	(void)reason;
	for (unsigned i = 0; i < SLOTS; i++)
		if (fuzz->slots[i].conn == c)
			fuzz->slots[i].conn = NULL;
	for (unsigned i = 0; i < OTHERS; i++)
		if (fuzz->others[i] == c)
			fuzz->others[i] = NULL;
}

/* ---- frames from the peer ----------------------------------------------- */

static void
inject(struct rte_mbuf *m)
{
	if (m == NULL)
		return; /* the pool is empty: what the fuzzer did, not a bug */
	harness_inject(fuzz->h, &m, 1);
	harness_poll(fuzz->h);
}

/* Fill the payload of the TCP segment @th (in a frame) with the stream's
 * bytes, so that whatever the engine delivers can be checked. */
static void
tcp_payload_fill(struct rte_tcp_hdr *th, unsigned seg_len)
{
	unsigned off = (th->data_off >> 4) * 4u;
	uint32_t seq = rte_be_to_cpu_32(th->sent_seq);

	if (th->tcp_flags & RTE_TCP_SYN_FLAG)
		seq++;
	for (unsigned i = off; i < seg_len; i++)
		((uint8_t *)th)[i] = stream_byte(seq + (i - off));
}

/* Ethernet + IPv4 (valid header checksum) + @len bytes of @l4, to us. */
static struct rte_mbuf *
ip_frame(uint8_t proto, uint32_t dst, const uint8_t *l4, uint16_t len)
{
	return frame_ipv4(fuzz->h->pool, &fuzz->us_mac, PEER_IP, dst, proto, l4, len);
}

/* SEG: a segment to a slot. Fields: slot, flags, how, then per how: seq
 * (relative to rcv.nxt, or raw), ack (relative to snd.una, or raw), window,
 * options, payload length. */
enum seg_how {
	SEG_SEQ_RAW = 1 << 0,  /* seq is 32 raw bits, not rcv.nxt + int16 */
	SEG_ACK_RAW = 1 << 1,  /* ack is 32 raw bits, not snd.una + int16 */
	SEG_OPTS_TS = 1 << 2,  /* a valid timestamp option */
	SEG_OPTS_RAW = 1 << 3, /* raw option bytes (length, bytes) */
	SEG_BAD_CKSUM = 1 << 4,
	SEG_TRUNCATE = 1 << 5, /* cut the frame at a given length */
	SEG_WIN_RAW = 1 << 6,  /* a given window, not 65535 */
	SEG_NOT_US = 1 << 7,   /* to the subnet's broadcast address */
};

static void
rec_seg(struct reader *r)
{
	struct fuzz_slot *s = &fuzz->slots[rd8(r) % SLOTS];
	uint8_t flags = rd8(r), how = rd8(r);
	uint8_t buf[TCP_MAX_HDR_LEN + 2048];
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)buf;
	uint8_t *opt = (uint8_t *)(th + 1);
	unsigned olen = 0;

	slot_look(s);
	uint32_t seq = how & SEG_SEQ_RAW ? rd32(r) : s->rcv_nxt + (int16_t)rd16(r);
	uint32_t ack = how & SEG_ACK_RAW ? rd32(r) : s->snd_una + (int16_t)rd16(r);
	uint16_t win = how & SEG_WIN_RAW ? rd16(r) : 65535;
	if (how & SEG_OPTS_TS) {
		fuzz->peer_ts += rd8(r);
		uint32_t ecr = (uint32_t)fuzz->h->eng->now_ticks - rd8(r);
		opt[0] = OPT_NOP;
		opt[1] = OPT_NOP;
		opt[2] = OPT_TS;
		opt[3] = 10;
		*(rte_be32_t *)&opt[4] = rte_cpu_to_be_32(fuzz->peer_ts);
		*(rte_be32_t *)&opt[8] = rte_cpu_to_be_32(ecr);
		olen = 12;
	}
	if (how & SEG_OPTS_RAW) {
		unsigned n = RTE_MIN(rd8(r) % 41u, TCP_MAX_HDR_LEN - TCP_MIN_HDR_LEN - olen);
		for (unsigned i = 0; i < n; i++)
			opt[olen++] = rd8(r);
		while (olen % 4 != 0)
			opt[olen++] = OPT_EOL;
	}
	unsigned hl = TCP_MIN_HDR_LEN + olen, len = rd8(r) * 8u;
	uint16_t cut = how & SEG_TRUNCATE ? rd16(r) : 0;
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(s->peer_port);
	th->dst_port = rte_cpu_to_be_16(s->local_port != 0 ? s->local_port : US_PORT);
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((hl / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(win);
	tcp_payload_fill(th, hl + len);
	uint32_t dst = how & SEG_NOT_US ? IPV4_ADDR(198, 18, 0, 255) : US_IP;
	struct rte_mbuf *m = ip_frame(IPPROTO_TCP, dst, buf, (uint16_t)(hl + len));
	if (m == NULL)
		return;
	struct rte_ipv4_hdr *ih = frame_ip(m);
	th = (struct rte_tcp_hdr *)(ih + 1);
	th->cksum = rte_ipv4_udptcp_cksum(ih, th);
	if (how & SEG_BAD_CKSUM)
		th->cksum ^= 1;
	if ((how & SEG_TRUNCATE) && cut < rte_pktmbuf_data_len(m))
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - cut));
	inject(m);
}

/* RAW: an Ethernet frame as given (length, bytes); with the length's top
 * bit set, its destination MAC is made ours (the input cannot know it). */
static void
rec_raw(struct reader *r)
{
	uint16_t w = rd16(r), len = (w & 0x7fff) % 1600;
	struct rte_mbuf *m = rte_pktmbuf_alloc(fuzz->h->pool);

	if (m == NULL)
		return;
	uint8_t *p = (uint8_t *)rte_pktmbuf_append(m, len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	for (unsigned i = 0; i < len; i++)
		p[i] = rd8(r);
	if ((w & 0x8000) && len >= RTE_ETHER_ADDR_LEN)
		memcpy(p, &fuzz->us_mac, RTE_ETHER_ADDR_LEN);
	inject(m);
}

/* IP: a valid IPv4 header around a raw payload (protocol, flags, length,
 * bytes). For TCP the ports can be set to a slot's, the payload is the
 * stream's and the TCP checksum is made valid, so that the header's own
 * fields (offsets, options, flags) get past the checksum. */
enum ip_how {
	IP_TCP_SLOT = 1 << 0, /* the 4-tuple of the slot in bits 4-6 */
	IP_L4_CKSUM = 1 << 1, /* a valid TCP or ICMP checksum */
	IP_FIX_LEN = 1 << 2,  /* and a data offset that fits, for TCP */
	IP_REL_SEQ = 1 << 3,  /* seq and ack relative to the slot's numbers */
	IP_FRAGMENT = 1 << 7, /* set MF: a fragment */
};

static void
rec_ip(struct reader *r)
{
	uint8_t pick = rd8(r), how = rd8(r);
	uint8_t proto = ip_protos[pick % RTE_DIM(ip_protos)];
	uint16_t len = rd16(r) % 1481;
	uint8_t l4[1480];
	struct fuzz_slot *s = &fuzz->slots[((how >> 4) & 7) % SLOTS];

	for (unsigned i = 0; i < len; i++)
		l4[i] = rd8(r);
	struct rte_mbuf *m = ip_frame(proto, US_IP, l4, len);
	if (m == NULL)
		return;
	struct rte_ipv4_hdr *ih = frame_ip(m);
	if (how & IP_FRAGMENT) {
		ih->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
		frame_ip_fix_cksum(m);
	}
	if (proto == IPPROTO_TCP && len >= TCP_MIN_HDR_LEN) {
		struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ih + 1);
		if (how & IP_TCP_SLOT) {
			slot_look(s);
			th->src_port = rte_cpu_to_be_16(s->peer_port);
			th->dst_port = rte_cpu_to_be_16(s->local_port ? s->local_port : US_PORT);
		}
		if (how & IP_REL_SEQ) {
			th->sent_seq = rte_cpu_to_be_32(s->rcv_nxt + (int8_t)l4[4]);
			th->recv_ack = rte_cpu_to_be_32(s->snd_una + (int8_t)l4[8]);
		}
		if ((how & IP_FIX_LEN) && (th->data_off >> 4) * 4u > len)
			th->data_off = (uint8_t)((len / 4) << 4);
		tcp_payload_fill(th, len);
		if (how & IP_L4_CKSUM) {
			th->cksum = 0;
			th->cksum = rte_ipv4_udptcp_cksum(ih, th);
		}
	} else if (proto == IPPROTO_ICMP && len >= 4 && (how & IP_L4_CKSUM)) {
		struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ih + 1);
		ic->icmp_cksum = 0;
		ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, len);
	}
	inject(m);
}

/* ADVANCE: the clock moves by 1..32 ms times 1, 4, .. 16384. */
static void
rec_advance(struct reader *r)
{
	uint8_t b = rd8(r);
	uint64_t ms = (1u + (b & 31)) << ((b >> 5) * 2);

	fuzz->peer_ts += (uint32_t)ms;
	harness_advance_us(fuzz->h, ms * 1000);
}

/* ACK: the well-behaved peer's acknowledgment of what we sent (all of it,
 * or up to a given point), with a timestamp if the connection has them, a
 * given window, and SACK blocks (offsets past snd.una) if it asks. */
static void
rec_ack(struct reader *r)
{
	uint8_t b = rd8(r);
	struct fuzz_slot *s = &fuzz->slots[(b & 7) % SLOTS];
	uint16_t win = rd16(r);
	struct tcb *tcb = slot_look(s);
	uint32_t upto = (b & 8) ? s->snd_una + rd8(r) * 64u : s->snd_nxt;
	struct frame_tcp t = {
		.src_ip = PEER_IP,
		.dst_ip = US_IP,
		.sport = s->peer_port,
		.dport = s->local_port != 0 ? s->local_port : US_PORT,
		.seq = s->rcv_nxt,
		.ack = upto,
		.flags = TH_ACK,
		.win = win,
	};

	t.opts.nb_sack = (uint8_t)((b >> 4) % TCP_SACK_MAX);
	for (unsigned i = 0; i < t.opts.nb_sack; i++) {
		t.opts.sack[i].start = s->snd_una + rd8(r) * 64u;
		t.opts.sack[i].end = t.opts.sack[i].start + 1 + rd8(r) * 16u;
	}

	if (tcb != NULL && (tcb->flags & TF_TS_OK)) {
		t.opts.has_ts = true;
		t.opts.ts_val = ++fuzz->peer_ts;
		t.opts.ts_ecr = (uint32_t)fuzz->h->eng->now_ticks;
	}
	inject(frame_tcp(fuzz->h->pool, &fuzz->us_mac, &t));
}

/* Whatever the input, what the engine sends is well formed: IPv4 from our
 * address with valid checksums, TCP segments that parse and carry no more
 * payload than the connection's MSS (RFC 9293 3.7.1). */
static void
check_sent(struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ih = frame_ip(m);
	struct frame_tcp t;

	if (ih == NULL)
		return;
	if (ih->src_addr != RTE_BE32(US_IP) || !frame_cksums_ok(m))
		fuzz_fail("sent an IPv4 packet not from us or with a bad checksum", NULL);
	if (ih->next_proto_id != IPPROTO_TCP)
		return;
	if (frame_tcp_read(m, &t) != 0)
		fuzz_fail("sent a malformed TCP segment", NULL);
	for (unsigned i = 0; i < SLOTS; i++) {
		const struct fuzz_slot *s = &fuzz->slots[i];
		if (t.sport != s->local_port || t.dport != s->peer_port)
			continue;
		const struct tcb *tcb = slot_tcb(s);
		if (tcb != NULL && t.len > tcb->mss)
			fuzz_fail("sent a segment larger than the MSS", s);
	}
}

/* Take what the engine sent, check it; the peer answers its ARP requests,
 * as a live peer would once the engine's entry has aged out. */
static void
drain_answering_arp(void)
{
	struct rte_mbuf *out[64];
	unsigned n;
	bool asked = false;

	while ((n = harness_collect(fuzz->h, out, RTE_DIM(out))) > 0)
		for (unsigned i = 0; i < n; i++) {
			const struct rte_arp_hdr *a = frame_arp_hdr(out[i]);
			if (a != NULL && a->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) &&
			    a->arp_data.arp_tip == RTE_BE32(PEER_IP))
				asked = true;
			check_sent(out[i]);
			rte_pktmbuf_free(out[i]);
		}
	if (asked)
		inject(frame_arp(fuzz->h->pool, RTE_ARP_OP_REPLY, &fuzz->us_mac, &peer_mac, PEER_IP,
		                 &fuzz->us_mac, US_IP));
}

/* ---- the application ---------------------------------------------------- */

/* Read up to @n bytes and check each against the stream. */
static void
app_read(struct fuzz_slot *s, size_t n)
{
	size_t got = tern_recv_copy(s->conn, fuzz->app_buf, RTE_MIN(n, sizeof(fuzz->app_buf)));

	for (size_t i = 0; i < got; i++) {
		uint32_t seq = s->irs + 1 + (uint32_t)(s->read_bytes + i);
		if (fuzz->app_buf[i] != stream_byte(seq))
			fuzz_fail("the application read a byte the peer did not send there", s);
	}
	s->read_bytes += got;
}

enum app_op {
	APP_SEND,
	APP_RECV,
	APP_SHUTDOWN,
	APP_CLOSE,
	APP_ABORT,
	APP_CONNECT,
	APP_KEEPALIVE,
	APP_RECV_MBUF,
	APP_OPS
};

static void
app_connect(struct fuzz_slot *s)
{
	struct tern_conn *c;

	if (s - fuzz->slots < SLOTS_PASSIVE || s->conn != NULL || (s->local_port && slot_tcb(s)))
		return;
	if (tern_connect((struct tern_core *)fuzz->h->eng, PEER_IP, ACTIVE_PORT, &fuzz->ops, NULL,
	                 &c) != 0)
		return;
	s->local_port = rte_be_to_cpu_16(((struct tcb *)c)->key.local_port);
	/* The application holds it from now; connected or closed follows. */
	s->conn = c;
	s->app_closed = false;
	s->read_bytes = 0;
	harness_poll(fuzz->h);
}

static void
rec_app(struct reader *r)
{
	uint8_t b = rd8(r), arg = rd8(r);
	struct fuzz_slot *s = &fuzz->slots[(b >> 3) % SLOTS];
	enum app_op op = (enum app_op)((b & 7) % APP_OPS);

	if (op == APP_CONNECT) {
		app_connect(s);
		return;
	}
	if (s->conn == NULL || s->app_closed)
		return;
	switch (op) {
	case APP_SEND: {
		size_t n = (size_t)arg * 64;
		memset(fuzz->app_buf, 'a' + (arg % 26), n);
		tern_send(s->conn, fuzz->app_buf, n);
		break;
	}
	case APP_RECV:
		app_read(s, (size_t)arg * 64 + 1);
		break;
	case APP_RECV_MBUF: {
		struct rte_mbuf *m = tern_recv(s->conn);
		uint64_t at = s->read_bytes;
		for (struct rte_mbuf *seg = m; seg != NULL; seg = seg->next)
			for (unsigned i = 0; i < seg->data_len; i++, at++)
				if (rte_pktmbuf_mtod(seg, uint8_t *)[i] !=
				    stream_byte(s->irs + 1 + (uint32_t)at))
					fuzz_fail(
					        "tern_recv gave a byte the peer did not send there",
					        s);
		s->read_bytes = at;
		rte_pktmbuf_free(m);
		break;
	}
	case APP_SHUTDOWN:
		tern_shutdown(s->conn);
		break;
	case APP_CLOSE:
		s->app_closed = true;
		tern_close(s->conn);
		break;
	case APP_ABORT:
		tern_abort(s->conn);
		break;
	case APP_KEEPALIVE:
		tern_set_keepalive(s->conn, arg % 4);
		break;
	default:
		break;
	}
	harness_poll(fuzz->h);
}

/* ---- setup, checks, teardown --------------------------------------------- */

/* A passive open on slot @i, played out: SYN, our SYN-ACK, the ACK. */
static int
handshake(unsigned i, bool options)
{
	struct fuzz_slot *s = &fuzz->slots[i];
	struct rte_mbuf *out[8];
	struct frame_tcp syn = {
		.src_ip = PEER_IP,
		.dst_ip = US_IP,
		.sport = s->peer_port,
		.dport = US_PORT,
		.seq = 0xfffff000u + i * 0x10000000u,
		.flags = TH_SYN,
		.win = 65535,
		.opts = { .has_mss = true, .mss = options ? 1460 : 536 },
	}, synack;

	if (options) {
		syn.opts.has_wscale = true;
		syn.opts.wscale = 7;
		syn.opts.sack_ok = true;
		syn.opts.has_ts = true;
		syn.opts.ts_val = fuzz->peer_ts;
	}
	unsigned n = harness_exchange(fuzz->h, frame_tcp(fuzz->h->pool, &fuzz->us_mac, &syn), out,
	                              RTE_DIM(out));
	int ret = n == 1 && frame_tcp_read(out[0], &synack) == 0 ? 0 : -1;
	for (unsigned k = 0; k < n; k++)
		rte_pktmbuf_free(out[k]);
	if (ret != 0)
		return -1;
	struct frame_tcp ack = syn;
	ack.flags = TH_ACK;
	ack.seq = syn.seq + 1;
	ack.ack = synack.seq + 1;
	ack.opts = (struct tcp_opts){ .has_ts = options,
		                      .ts_val = fuzz->peer_ts,
		                      .ts_ecr = synack.opts.ts_val };
	inject(frame_tcp(fuzz->h->pool, &fuzz->us_mac, &ack));
	harness_drain(fuzz->h);
	return s->conn != NULL ? 0 : -1;
}

static void
setup(void)
{
	memset(fuzz->slots, 0, sizeof(fuzz->slots));
	memset(fuzz->others, 0, sizeof(fuzz->others));
	for (unsigned i = 0; i < SLOTS; i++) {
		fuzz->slots[i].local_port = i < SLOTS_PASSIVE ? US_PORT : 0;
		fuzz->slots[i].peer_port =
		        (uint16_t)(i < SLOTS_PASSIVE ? PEER_PORT_BASE + i : ACTIVE_PORT);
	}
	fuzz->peer_ts = PEER_TS_BASE;
	if (harness_reset(fuzz->h, NULL) != 0)
		fuzz_fail("harness_reset failed", NULL);
	harness_learn(fuzz->h, PEER_IP, &peer_mac);
	harness_listen(fuzz->h, US_PORT, &fuzz->ops, NULL);
	if (handshake(0, true) != 0 || handshake(1, false) != 0)
		fuzz_fail("the setup's handshakes did not establish", NULL);
}

/* RFC 9293 3.3.1: snd.una <= snd.nxt <= snd.max, for every live tcb. */
static void
check_slots(void)
{
	for (unsigned i = 0; i < SLOTS; i++) {
		struct fuzz_slot *s = &fuzz->slots[i];
		const struct tcb *tcb = slot_look(s);
		if (tcb == NULL)
			continue;
		if (!seq_leq(tcb->snd.una, tcb->snd.nxt) || !seq_leq(tcb->snd.nxt, tcb->snd.max))
			fuzz_fail("snd.una <= snd.nxt <= snd.max broken", s);
		if (tcb->sndq_len > tcb->snd_buf)
			fuzz_fail("the send queue holds more than its buffer", s);
	}
}

static bool
tcb_in_use(const struct tcp_engine *te, const struct tcb *tcb)
{
	const struct tcb *f = te->free;

	while (f != NULL && f != tcb)
		f = f->free_next;
	return f == NULL;
}

/* What is left when a connection will not go away: for the report. */
static void
dump_tcbs(const struct engine *eng)
{
	const struct tcp_engine *te = &eng->tcp;

	for (uint32_t i = 0; i < te->nb_conns; i++) {
		const struct tcb *tcb = &te->conns[i];
		if (!tcb_in_use(te, tcb))
			continue;
		fprintf(stderr,
		        "fuzz_engine: tcb %u %s port %u <- %u snd.una %u nxt %u max %u wnd %u "
		        "sndq %u rcv.nxt %u flags 0x%x\n",
		        tcb->id, tcp_state_name(tcb->state), rte_be_to_cpu_16(tcb->key.local_port),
		        rte_be_to_cpu_16(tcb->key.remote_port), tcb->snd.una, tcb->snd.nxt,
		        tcb->snd.max, tcb->snd.wnd, tcb->sndq_len, tcb->rcv.nxt,
		        (unsigned)tcb->flags);
	}
}

static void
teardown(void)
{
	struct engine *eng = fuzz->h->eng;

	for (unsigned i = 0; i < SLOTS; i++) {
		struct fuzz_slot *s = &fuzz->slots[i];
		if (s->conn != NULL && !s->app_closed)
			tern_abort(s->conn);
	}
	for (unsigned i = 0; i < OTHERS; i++)
		if (fuzz->others[i] != NULL)
			tern_abort(fuzz->others[i]);
	harness_poll(fuzz->h);
	harness_drain(fuzz->h);
	/* Until the connections are gone and what waited on ARP (the peer no
	 * longer answers) is dropped. */
	for (unsigned t = 0;
	     t < TEARDOWN_S && (eng->tcp.used != 0 || harness_pool_in_use(fuzz->h) != 0); t++) {
		harness_advance_us(fuzz->h, 1000000);
		harness_drain(fuzz->h);
	}
	if (eng->tcp.used != 0) {
		dump_tcbs(eng);
		fuzz_fail("a connection outlived " RTE_STR(TEARDOWN_S) " s after it was abandoned",
		          NULL);
	}
	if (eng->tcp.sndq_segs != 0 || eng->tcp.rcv_segs != 0)
		fuzz_fail("the engine's budgets still count mbufs with no connection left", NULL);
	unsigned in_use = harness_pool_in_use(fuzz->h);
	if (in_use != 0) {
		fprintf(stderr, "fuzz_engine: %u mbufs in use\n", in_use);
		fuzz_fail("mbufs leaked", NULL);
	}
}

static void
fuzz_init(void)
{
	struct config cfg;

	harness_config_defaults(&cfg);
	/* Short timers, so that teardown waits little; small buffers and a
	 * small pool, so that zero windows and exhaustion are within reach. */
	cfg.tcp_conns = 16;
	cfg.pool_mbufs = 1023;
	cfg.tcp_msl_s = 1;
	cfg.tcp_rto_max_ms = 1000;
	cfg.tcp_retries = 3;
	cfg.tcp_syn_retries = 2;
	cfg.tcp_snd_buf = 16384;
	cfg.tcp_rcv_buf = 8192;
	cfg.tcp_tail_loss_probe = true;
	cfg.tcp_keepalive_intvl_s = 1;
	cfg.tcp_keepalive_probes = 2;
	fuzz = calloc(1, sizeof(*fuzz));
	if (fuzz == NULL || harness_eal_init() != 0)
		fuzz_fail("no EAL", NULL);
	fuzz->h = harness_open(&cfg);
	if (fuzz->h == NULL)
		fuzz_fail("harness_open failed", NULL);
	fuzz->us_mac = harness_iface(fuzz->h)->mac;
	fuzz->ops = (struct tern_conn_ops){
		.accepted = on_accepted,
		.connected = on_connected,
		.closed = on_closed,
	};
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader r = { .p = data, .left = size };

	if (fuzz == NULL)
		fuzz_init();
	setup();
	for (unsigned n = 0; r.left > 0 && n < RECORDS_MAX; n++) {
		switch (rd8(&r) % 6) {
		case 0:
			rec_seg(&r);
			break;
		case 1:
			rec_raw(&r);
			break;
		case 2:
			rec_ip(&r);
			break;
		case 3:
			rec_advance(&r);
			break;
		case 4:
			rec_app(&r);
			break;
		default:
			rec_ack(&r);
			break;
		}
		drain_answering_arp();
		check_slots();
	}
	teardown();
	return 0;
}
