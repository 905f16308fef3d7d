/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine targets' shared pieces (fuzz_common.h): fields, the peer's
 * frames, the application's calls and what it holds, the handshakes, the
 * records' loop, the checks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "fuzz_common.h"
#include "fuzz_lend.h"

/* Option kinds (RFC 9293 3.2, RFC 7323 3). */
enum { OPT_EOL = 0, OPT_NOP = 1, OPT_TS = 8 };

static const uint8_t ip_protos[] = { IPPROTO_TCP, IPPROTO_ICMP, IPPROTO_UDP, 0xfd };

uint8_t
fuzz_rd8(struct fuzz_reader *r)
{
	if (r->left == 0)
		return 0;
	r->left--;
	return *r->p++;
}

uint16_t
fuzz_rd16(struct fuzz_reader *r)
{
	uint16_t hi = fuzz_rd8(r);
	return (uint16_t)(hi << 8 | fuzz_rd8(r));
}

uint32_t
fuzz_rd32(struct fuzz_reader *r)
{
	uint32_t hi = fuzz_rd16(r);
	return hi << 16 | fuzz_rd16(r);
}

bool
fuzz_stream_ok(const uint8_t *buf, size_t n, uint32_t irs, uint64_t at)
{
	for (size_t i = 0; i < n; i++)
		if (buf[i] != fuzz_stream_byte(irs + 1 + (uint32_t)(at + i)))
			return false;
	return true;
}

void
fuzz_slot_look(struct fuzz_slot *s, const struct tcb *tcb)
{
	s->ts_ok = tcb != NULL && (tcb->flags & TF_TS_OK);
	if (tcb == NULL)
		return;
	s->rcv_nxt = tcb->rcv.nxt;
	s->snd_una = tcb->snd.una;
	s->snd_nxt = tcb->snd.nxt;
}

void
fuzz_slot_opened(struct fuzz_slot *s, struct tern_conn *c)
{
	s->conn = c;
	s->app_closed = false;
	s->irs = ((struct tcb *)c)->rcv.irs;
	s->read_bytes = 0;
}

struct flow_key
fuzz_slot_key(const struct fuzz_slot *s)
{
	return (struct flow_key){
		.local_ip = rte_cpu_to_be_32(US_IP),
		.remote_ip = rte_cpu_to_be_32(PEER_IP),
		.local_port = rte_cpu_to_be_16(s->local_port),
		.remote_port = rte_cpu_to_be_16(s->peer_port),
	};
}

/* ---- what the application holds ------------------------------------------ */

void
fuzz_held_reset(const struct fuzz_held *h, unsigned nb_passive, const uint16_t *passive_ports,
                uint16_t active_port)
{
	memset(h->slots, 0, sizeof(h->slots[0]) * h->nb_slots);
	memset(h->others, 0, sizeof(h->others[0]) * h->nb_others);
	for (unsigned i = 0; i < h->nb_slots; i++) {
		h->slots[i].local_port = i < nb_passive ? FUZZ_LISTEN_PORT : 0;
		h->slots[i].peer_port = i < nb_passive ? passive_ports[i] : active_port;
	}
}

/* Hold @c among the others: false if there is no room left. */
static bool
held_other(const struct fuzz_held *h, struct tern_conn *c)
{
	for (unsigned i = 0; i < h->nb_others; i++)
		if (h->others[i] == NULL || h->others[i] == c) {
			h->others[i] = c;
			return true;
		}
	return false;
}

static void
held_opened(struct tern_conn *c, void *arg)
{
	const struct fuzz_held *h = arg;
	struct fuzz_slot *s = h->target->slot_of_conn(c);

	if (s != NULL)
		fuzz_slot_opened(s, c);
	else if (!held_other(h, c))
		fuzz_abort(h->target->who, "more connections than the pool has", NULL);
}

static void
held_closed(struct tern_conn *c, void *arg, int reason)
{
	const struct fuzz_held *h = arg;

	(void)reason;
	for (unsigned i = 0; i < h->nb_slots; i++)
		if (h->slots[i].conn == c)
			h->slots[i].conn = NULL;
	for (unsigned i = 0; i < h->nb_others; i++)
		if (h->others[i] == c)
			h->others[i] = NULL;
}

void
fuzz_held_abort(const struct fuzz_held *h)
{
	for (unsigned i = 0; i < h->nb_slots; i++) {
		struct fuzz_slot *s = &h->slots[i];
		if (s->conn != NULL && !s->app_closed)
			tern_abort(s->conn);
	}
	for (unsigned i = 0; i < h->nb_others; i++)
		if (h->others[i] != NULL)
			tern_abort(h->others[i]);
}

const struct tern_conn_ops fuzz_held_ops = {
	.accepted = held_opened,
	.connected = held_opened,
	.closed = held_closed,
};

struct tcb *
fuzz_held_look(const struct fuzz_held *h, struct fuzz_slot *s)
{
	struct tcb *tcb = h->target->tcb_of(s);

	fuzz_slot_look(s, tcb);
	return tcb;
}

struct fuzz_slot *
fuzz_held_slot_of(void *ctx, unsigned n)
{
	const struct fuzz_held *h = ctx;
	struct fuzz_slot *s = &h->slots[n % h->nb_slots];

	fuzz_held_look(h, s);
	return s;
}

/* ---- the peer's frames -------------------------------------------------- */

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
		((uint8_t *)th)[i] = fuzz_stream_byte(seq + (i - off));
}

static uint16_t
slot_dport(const struct fuzz_slot *s)
{
	/* An active slot never connected: the listener's port. */
	return s->local_port != 0 ? s->local_port : FUZZ_LISTEN_PORT;
}

/* The "how" bits of a SEG record. */
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

/* The options of a SEG record into @opt; returns their length. */
static unsigned
seg_options(struct fuzz_reader *r, const struct fuzz_peer *p, uint8_t how, uint8_t *opt)
{
	unsigned olen = 0;

	if (how & SEG_OPTS_TS) {
		*p->peer_ts += fuzz_rd8(r);
		uint32_t ecr = p->now_ticks - fuzz_rd8(r);
		opt[0] = OPT_NOP;
		opt[1] = OPT_NOP;
		opt[2] = OPT_TS;
		opt[3] = 10;
		*(rte_be32_t *)&opt[4] = rte_cpu_to_be_32(*p->peer_ts);
		*(rte_be32_t *)&opt[8] = rte_cpu_to_be_32(ecr);
		olen = 12;
	}
	if (how & SEG_OPTS_RAW) {
		unsigned n = RTE_MIN(fuzz_rd8(r) % 41u, TCP_MAX_HDR_LEN - TCP_MIN_HDR_LEN - olen);
		for (unsigned i = 0; i < n; i++)
			opt[olen++] = fuzz_rd8(r);
		while (olen % 4 != 0)
			opt[olen++] = OPT_EOL;
	}
	return olen;
}

struct rte_mbuf *
fuzz_rec_seg(struct fuzz_reader *r, const struct fuzz_peer *p, const struct fuzz_slot *s)
{
	uint8_t flags = fuzz_rd8(r), how = fuzz_rd8(r);
	uint8_t buf[TCP_MAX_HDR_LEN + 2048];
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)buf;

	uint32_t seq = how & SEG_SEQ_RAW ? fuzz_rd32(r) : s->rcv_nxt + (int16_t)fuzz_rd16(r);
	uint32_t ack = how & SEG_ACK_RAW ? fuzz_rd32(r) : s->snd_una + (int16_t)fuzz_rd16(r);
	uint16_t win = how & SEG_WIN_RAW ? fuzz_rd16(r) : 65535;
	unsigned olen = seg_options(r, p, how, (uint8_t *)(th + 1));
	unsigned hl = TCP_MIN_HDR_LEN + olen, len = fuzz_rd8(r) * 8u;
	uint16_t cut = how & SEG_TRUNCATE ? fuzz_rd16(r) : 0;
	memset(th, 0, sizeof(*th));
	th->src_port = rte_cpu_to_be_16(s->peer_port);
	th->dst_port = rte_cpu_to_be_16(slot_dport(s));
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)((hl / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(win);
	tcp_payload_fill(th, hl + len);
	uint32_t dst = how & SEG_NOT_US ? IPV4_ADDR(198, 18, 0, 255) : US_IP;
	struct rte_mbuf *m = frame_ipv4(p->pool, p->us_mac, PEER_IP, dst, IPPROTO_TCP, buf,
	                                (uint16_t)(hl + len));
	if (m == NULL)
		return NULL;
	struct rte_ipv4_hdr *ih = frame_ip(m);
	th = (struct rte_tcp_hdr *)(ih + 1);
	th->cksum = rte_ipv4_udptcp_cksum(ih, th);
	if (how & SEG_BAD_CKSUM)
		th->cksum ^= 1;
	if ((how & SEG_TRUNCATE) && cut < rte_pktmbuf_data_len(m))
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_data_len(m) - cut));
	return m;
}

struct rte_mbuf *
fuzz_rec_raw(struct fuzz_reader *r, const struct fuzz_peer *p)
{
	uint16_t w = fuzz_rd16(r), len = (w & 0x7fff) % 1600;
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->pool);

	if (m == NULL)
		return NULL;
	uint8_t *b = (uint8_t *)rte_pktmbuf_append(m, len);
	if (b == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	for (unsigned i = 0; i < len; i++)
		b[i] = fuzz_rd8(r);
	if ((w & 0x8000) && len >= RTE_ETHER_ADDR_LEN)
		memcpy(b, p->us_mac, RTE_ETHER_ADDR_LEN);
	return m;
}

/* The "how" bits of an IP record. For TCP the ports can be set to a slot's,
 * the payload is the stream's and the TCP checksum is made valid, so that
 * the header's own fields (offsets, options, flags) get past the checksum. */
enum ip_how {
	IP_TCP_SLOT = 1 << 0, /* the 4-tuple of the slot in bits 4-6 */
	IP_L4_CKSUM = 1 << 1, /* a valid TCP or ICMP checksum */
	IP_FIX_LEN = 1 << 2,  /* and a data offset that fits, for TCP */
	IP_REL_SEQ = 1 << 3,  /* seq and ack relative to the slot's numbers */
	IP_FRAGMENT = 1 << 7, /* set MF: a fragment */
};

static void
ip_tcp_fix(struct rte_ipv4_hdr *ih, uint16_t len, uint8_t how, const struct fuzz_slot *s)
{
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ih + 1);
	const uint8_t *l4 = (const uint8_t *)th;

	if (how & IP_TCP_SLOT) {
		th->src_port = rte_cpu_to_be_16(s->peer_port);
		th->dst_port = rte_cpu_to_be_16(slot_dport(s));
	}
	if (how & IP_REL_SEQ) {
		/* From the bytes as given, before they are overwritten. */
		int8_t dseq = (int8_t)l4[4], dack = (int8_t)l4[8];
		th->sent_seq = rte_cpu_to_be_32(s->rcv_nxt + dseq);
		th->recv_ack = rte_cpu_to_be_32(s->snd_una + dack);
	}
	if ((how & IP_FIX_LEN) && (th->data_off >> 4) * 4u > len)
		th->data_off = (uint8_t)((len / 4) << 4);
	tcp_payload_fill(th, len);
	if (how & IP_L4_CKSUM) {
		th->cksum = 0;
		th->cksum = rte_ipv4_udptcp_cksum(ih, th);
	}
}

struct rte_mbuf *
fuzz_rec_ip(struct fuzz_reader *r, const struct fuzz_peer *p,
            struct fuzz_slot *(*slot_of)(void *ctx, unsigned n), void *ctx)
{
	uint8_t pick = fuzz_rd8(r), how = fuzz_rd8(r);
	uint8_t proto = ip_protos[pick % RTE_DIM(ip_protos)];
	uint16_t len = fuzz_rd16(r) % 1481;
	uint8_t l4[1480];

	for (unsigned i = 0; i < len; i++)
		l4[i] = fuzz_rd8(r);
	struct rte_mbuf *m = frame_ipv4(p->pool, p->us_mac, PEER_IP, US_IP, proto, l4, len);
	if (m == NULL)
		return NULL;
	struct rte_ipv4_hdr *ih = frame_ip(m);
	if (how & IP_FRAGMENT) {
		ih->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_MF_FLAG);
		frame_ip_fix_cksum(m);
	}
	if (proto == IPPROTO_TCP && len >= TCP_MIN_HDR_LEN) {
		ip_tcp_fix(ih, len, how, slot_of(ctx, (how >> 4) & 7));
	} else if (proto == IPPROTO_ICMP && len >= 4 && (how & IP_L4_CKSUM)) {
		struct rte_icmp_hdr *ic = (struct rte_icmp_hdr *)(ih + 1);
		ic->icmp_cksum = 0;
		ic->icmp_cksum = (uint16_t)~rte_raw_cksum(ic, len);
	}
	return m;
}

uint64_t
fuzz_rec_advance_ms(struct fuzz_reader *r)
{
	uint8_t b = fuzz_rd8(r);

	return (1u + (b & 31)) << ((b >> 5) * 2);
}

struct rte_mbuf *
fuzz_rec_ack(struct fuzz_reader *r, uint8_t b, const struct fuzz_peer *p, const struct fuzz_slot *s)
{
	uint16_t win = fuzz_rd16(r);
	uint32_t upto = (b & 8) ? s->snd_una + fuzz_rd8(r) * 64u : s->snd_nxt;
	struct frame_tcp t = {
		.src_ip = PEER_IP,
		.dst_ip = US_IP,
		.sport = s->peer_port,
		.dport = slot_dport(s),
		.seq = s->rcv_nxt,
		.ack = upto,
		.flags = TH_ACK,
		.win = win,
	};

	t.opts.nb_sack = (uint8_t)((b >> 4) % TCP_SACK_MAX);
	for (unsigned i = 0; i < t.opts.nb_sack; i++) {
		t.opts.sack[i].start = s->snd_una + fuzz_rd8(r) * 64u;
		t.opts.sack[i].end = t.opts.sack[i].start + 1 + fuzz_rd8(r) * 16u;
	}
	if (s->ts_ok) {
		t.opts.has_ts = true;
		t.opts.ts_val = ++*p->peer_ts;
		t.opts.ts_ecr = p->now_ticks;
	}
	return frame_tcp(p->pool, p->us_mac, &t);
}

/* ---- the application ------------------------------------------------------ */

static const char *
app_recv_mbuf(struct fuzz_slot *s)
{
	struct rte_mbuf *m = tern_recv(s->conn);
	const char *what = NULL;

	for (struct rte_mbuf *seg = m; seg != NULL && what == NULL; seg = seg->next) {
		if (!fuzz_stream_ok(rte_pktmbuf_mtod(seg, uint8_t *), seg->data_len, s->irs,
		                    s->read_bytes))
			what = "tern_recv gave a byte the peer did not send there";
		s->read_bytes += seg->data_len;
	}
	rte_pktmbuf_free(m);
	return what;
}

const char *
fuzz_app_call(struct fuzz_slot *s, enum fuzz_app_op op, uint8_t arg, uint8_t *buf, size_t buf_len)
{
	if (s->conn == NULL || s->app_closed)
		return NULL;
	switch (op) {
	case FUZZ_APP_SEND:
		/* An odd argument lends the bytes instead (tern_send_mbuf). */
		if (arg & 1) {
			fuzz_lend(s->conn, (size_t)arg * 64, (uint8_t)('a' + (arg % 26)));
			break;
		}
		memset(buf, 'a' + (arg % 26), (size_t)arg * 64);
		tern_send(s->conn, buf, (size_t)arg * 64);
		break;
	case FUZZ_APP_RECV: {
		size_t got = tern_recv_copy(s->conn, buf, RTE_MIN((size_t)arg * 64 + 1, buf_len));
		if (!fuzz_stream_ok(buf, got, s->irs, s->read_bytes))
			return "the application read a byte the peer did not send there";
		s->read_bytes += got;
		break;
	}
	case FUZZ_APP_RECV_MBUF:
		return app_recv_mbuf(s);
	case FUZZ_APP_SHUTDOWN:
		tern_shutdown(s->conn);
		break;
	case FUZZ_APP_CLOSE:
		s->app_closed = true;
		tern_close(s->conn);
		break;
	case FUZZ_APP_ABORT:
		tern_abort(s->conn);
		break;
	case FUZZ_APP_KEEPALIVE:
		tern_set_keepalive(s->conn, arg % 4);
		break;
	default:
		break;
	}
	return NULL;
}

struct fuzz_app_rec
fuzz_rd_app(struct fuzz_reader *r, const struct fuzz_held *h)
{
	uint8_t b = fuzz_rd8(r), arg = fuzz_rd8(r);

	return (struct fuzz_app_rec){
		.s = &h->slots[(b >> 3) % h->nb_slots],
		.op = (enum fuzz_app_op)((b & 7) % FUZZ_APP_OPS),
		.arg = arg,
	};
}

bool
fuzz_app_run(const struct fuzz_app_rec *a, uint8_t *buf, size_t buf_len, const char **what)
{
	if (a->s->conn == NULL || a->s->app_closed)
		return false;
	*what = fuzz_app_call(a->s, a->op, a->arg, buf, buf_len);
	return true;
}

void
fuzz_slot_connecting(struct fuzz_slot *s, struct tern_conn *c)
{
	s->local_port = rte_be_to_cpu_16(((struct tcb *)c)->key.local_port);
	s->conn = c;
	s->app_closed = false;
	s->read_bytes = 0;
}

/* ---- the setup's handshakes ------------------------------------------------ */

struct frame_tcp
fuzz_handshake_syn(const struct fuzz_slot *s, unsigned i, bool options, uint32_t peer_ts)
{
	struct frame_tcp syn = {
		.src_ip = PEER_IP,
		.dst_ip = US_IP,
		.sport = s->peer_port,
		.dport = FUZZ_LISTEN_PORT,
		.seq = 0xfffff000u + i * 0x10000000u,
		.flags = TH_SYN,
		.win = 65535,
		.opts = { .has_mss = true, .mss = options ? 1460 : 536 },
	};

	if (options) {
		syn.opts.has_wscale = true;
		syn.opts.wscale = 7;
		syn.opts.sack_ok = true;
		syn.opts.has_ts = true;
		syn.opts.ts_val = peer_ts;
	}
	return syn;
}

struct frame_tcp
fuzz_handshake_ack(const struct frame_tcp *syn, const struct frame_tcp *synack, bool options,
                   uint32_t peer_ts)
{
	struct frame_tcp ack = *syn;

	ack.flags = TH_ACK;
	ack.seq = syn->seq + 1;
	ack.ack = synack->seq + 1;
	ack.opts = (struct tcp_opts){ .has_ts = options,
		                      .ts_val = peer_ts,
		                      .ts_ecr = synack->opts.ts_val };
	return ack;
}

struct rte_mbuf *
fuzz_peer_arp_reply(struct rte_mempool *mp, const struct rte_ether_addr *us_mac)
{
	return frame_arp(mp, RTE_ARP_OP_REPLY, us_mac, &peer_mac, PEER_IP, us_mac, US_IP);
}

/* ---- a target ------------------------------------------------------------- */

int
fuzz_run(const struct fuzz_target *t, const uint8_t *data, size_t size)
{
	struct fuzz_reader r = { .p = data, .left = size };

	t->start();
	t->setup();
	for (unsigned n = 0; r.left > 0 && n < FUZZ_RECORDS_MAX; n++) {
		t->record[fuzz_rd8(&r) % FUZZ_RECORD_KINDS](&r);
		t->drain();
		t->check();
	}
	t->teardown();
	return 0;
}

/* ---- checks ------------------------------------------------------------------ */

int
fuzz_sent_read(struct rte_mbuf *m, struct frame_tcp *t, const char **what)
{
	struct rte_ipv4_hdr *ih = frame_ip(m);

	if (ih == NULL)
		return 0;
	if (ih->src_addr != RTE_BE32(US_IP) || !frame_cksums_ok(m)) {
		*what = "sent an IPv4 packet not from us or with a bad checksum";
		return -1;
	}
	if (ih->next_proto_id != IPPROTO_TCP)
		return 0;
	if (frame_tcp_read(m, t) != 0) {
		*what = "sent a malformed TCP segment";
		return -1;
	}
	return 1;
}

bool
fuzz_arp_asks_peer(struct rte_mbuf *m)
{
	const struct rte_arp_hdr *a = frame_arp_hdr(m);

	return a != NULL && a->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) &&
	       a->arp_data.arp_tip == RTE_BE32(PEER_IP);
}

bool
fuzz_sent_take(struct rte_mbuf **out, unsigned n, void (*check)(void *ctx, struct rte_mbuf *m),
               void *ctx)
{
	bool asked = false;

	for (unsigned i = 0; i < n; i++) {
		asked |= fuzz_arp_asks_peer(out[i]);
		check(ctx, out[i]);
		rte_pktmbuf_free(out[i]);
	}
	return asked;
}

void
fuzz_abort(const char *who, const char *what, const struct fuzz_slot *s)
{
	fprintf(stderr, "%s: %s (peer port %u)\n", who, what, s != NULL ? s->peer_port : 0);
	abort();
}

const char *
fuzz_tcb_check(const struct tcb *tcb)
{
	if (!seq_leq(tcb->snd.una, tcb->snd.nxt) || !seq_leq(tcb->snd.nxt, tcb->snd.max))
		return "snd.una <= snd.nxt <= snd.max broken";
	if (tcb->sndq_len > tcb->snd_buf)
		return "the send queue holds more than its buffer";
	return NULL;
}

bool
fuzz_tcb_in_use(const struct tcp_engine *te, const struct tcb *tcb)
{
	const struct tcb *f = te->free;

	while (f != NULL && f != tcb)
		f = f->free_next;
	return f == NULL;
}

void
fuzz_dump_tcbs(const char *who, const struct engine *eng)
{
	const struct tcp_engine *te = &eng->tcp;

	for (uint32_t i = 0; i < te->nb_conns; i++) {
		const struct tcb *tcb = &te->conns[i];
		if (!fuzz_tcb_in_use(te, tcb))
			continue;
		fprintf(stderr,
		        "%s: engine %u tcb %u %s port %u <- %u snd.una %u nxt %u max %u wnd %u "
		        "sndq %u rcv.nxt %u flags 0x%x\n",
		        who, eng->index, tcb->id, tcp_state_name(tcb->state),
		        rte_be_to_cpu_16(tcb->key.local_port),
		        rte_be_to_cpu_16(tcb->key.remote_port), tcb->snd.una, tcb->snd.nxt,
		        tcb->snd.max, tcb->snd.wnd, tcb->sndq_len, tcb->rcv.nxt,
		        (unsigned)tcb->flags);
	}
}

void
fuzz_config(struct config *cfg)
{
	harness_config_defaults(cfg);
	cfg->tcp_conns = 16;
	cfg->pool_mbufs = 1023;
	cfg->tcp_msl_s = 1;
	cfg->tcp_rto_max_ms = 1000;
	cfg->tcp_retries = 3;
	cfg->tcp_syn_retries = 2;
	cfg->tcp_snd_buf = 16384;
	cfg->tcp_rcv_buf = 8192;
	cfg->tcp_tail_loss_probe = true;
	cfg->tcp_keepalive_intvl_s = 1;
	cfg->tcp_keepalive_probes = 2;
}

void *
fuzz_start(size_t size, struct config *cfg)
{
	void *state;

	fuzz_config(cfg);
	state = calloc(1, size);
	if (state == NULL || harness_eal_init() != 0) {
		free(state);
		return NULL;
	}
	return state;
}
