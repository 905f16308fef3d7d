/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One seed: both engines rebuilt on their ports with the seed's
 * configuration, the link's profile, the applications, then the event loop on
 * the virtual clock, and the checks.
 *
 *   sim_run_seed -> setup -> loop { deliver frames due -> poll each engine ->
 *   its frames onto the link -> invariants } until the applications are done
 *   and every connection has left -> bytes, reasons, mbufs, flow tables
 *
 * The clock jumps to the next event (a frame's arrival or the earliest timer
 * of either wheel), so idle virtual time costs nothing.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow_table.h"
#include "sim.h"
#include "sim_profile.h"
#include "sim_run.h"
#include "tcp/tcp.h"

#define NS_PER_TICK 1000000ull               /* the wheel ticks every 1 ms */
#define TSC_START   1000000000000ull         /* harness_reset's clock: 1 ns a cycle */
#define STALL_NS    (300ull * 1000000000ull) /* no run may take longer, plus transfer time */
#define TX_BURST    256
#define WIRE_MAX    512 /* segments of one super-segment: 64 KiB at MSS 128 */
/* The second stream of a seed (host picks, lending): an odd constant apart. */
#define XRNG_SALT 0x7f4a7c159e3779b9ull
/* The third (ARP, port churn): another. */
#define YRNG_SALT 0x2545f4914f6cdd1dull
/* The fourth (the trusting link): another. */
#define ZRNG_SALT 0xd1b54a32d192ed03ull
#define GRNG_SALT 0x9fb21c651e98df25ull
#define LRNG_SALT 0x3c6ef372fe94f82bull
/* No progress for this long is a stall: past the longest run of RTOs a lossy
 * link causes in practice (rto_max is at most 10 s). */
#define STALL_IDLE_NS (30ull * 1000000000ull)

static void report_state(const struct sim *s, FILE *f);

void
sim_fail(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	if (s->fail[0] != '\0')
		return;
	int n = snprintf(s->fail, sizeof(s->fail), "t=%.6f s: ", (double)s->now / 1e9);
	va_start(ap, fmt);
	vsnprintf(s->fail + n, sizeof(s->fail) - (size_t)n, fmt, ap);
	va_end(ap);
	sim_trace(s, "FAIL %s", s->fail);
	/* The state as it is now: a closing connection is gone by the end. */
	size_t len;
	FILE *f = open_memstream(&s->fail_state, &len);
	if (f != NULL) {
		report_state(s, f);
		fclose(f);
	}
}

void
sim_trace(struct sim *s, const char *fmt, ...)
{
	va_list ap;

	if (!s->verbose)
		return;
	printf("%12.6f ", (double)s->now / 1e9);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Drops only a damaged frame may cause: the checks before TCP's state. */
static uint64_t
damage_drops(const struct engine *eng)
{
	static const enum drop_reason damage[] = {
		DROP_ETH_SHORT,   DROP_ETH_NOT_FOR_US, DROP_ETH_TYPE,      DROP_IP_SHORT,
		DROP_IP_VERSION,  DROP_IP_IHL,         DROP_IP_CKSUM,      DROP_IP_LEN,
		DROP_IP_FRAGMENT, DROP_IP_BAD_SRC,     DROP_IP_NOT_FOR_US, DROP_IP_PROTO,
		DROP_TCP_SHORT,   DROP_TCP_BAD_OFF,    DROP_TCP_CKSUM,
	};
	uint64_t n = 0;

	for (unsigned i = 0; i < sizeof(damage) / sizeof(damage[0]); i++)
		n += eng->stats.drops[damage[i]];
	return n;
}

static const char *const fate_names[] = {
	[FATE_OK] = "",
	[FATE_LOST] = " LOST",
	[FATE_TAIL_DROP] = " TAIL-DROP",
	[FATE_CORRUPT] = " CORRUPT",
	[FATE_TRUNCATE] = " TRUNCATED",
};

/* The connection a frame belongs to, and whether the client sent it. */
static struct sim_conn *
trace_conn(struct sim *s, const struct frame_tcp *t, unsigned from)
{
	uint16_t cport = from == 0 ? t->sport : t->dport;
	uint16_t sport = from == 0 ? t->dport : t->sport;

	/* The client's ports alone may repeat: port churn's range is small. */
	for (unsigned i = 0; i < s->nb_conns; i++)
		if (s->conns[i].client_port == cport && s->conns[i].port == sport)
			return &s->conns[i];
	return NULL;
}

static void
trace_frame(struct sim *s, unsigned from, const struct frame_tcp *t, enum sim_fate fate, bool dup,
            uint64_t arrive)
{
	struct sim_conn *sc = trace_conn(s, t, from);
	uint32_t sbase = 0, abase = 0;
	char line[512];

	if (sc != NULL) {
		if (t->flags & TH_SYN) {
			sc->iss[from] = t->seq;
			sc->iss_known[from] = true;
		}
		sbase = sc->iss_known[from] ? sc->iss[from] : 0;
		abase = sc->iss_known[!from] ? sc->iss[!from] : 0;
	}
	frame_tcp_format(line, sizeof(line), t, from == 0, sbase, abase, s->now / 1000000);
	/* Drop the leading time (ours is finer) and the direction. */
	const char *p = strchr(line, ' ');
	p = p != NULL ? strchr(p + 1, ' ') : NULL;
	sim_trace(s, "%s conn %d %s%s%s arrives %.6f", from == 0 ? "C>S" : "S>C",
	          sc != NULL ? (int)sc->id : -1, p != NULL ? p + 1 : line, fate_names[fate],
	          dup ? " DUP" : "",
	          fate == FATE_LOST || fate == FATE_TAIL_DROP ? 0.0 : arrive / 1e9);
}

/* Frames sent after the applications were done: retransmitted FINs and
 * their ACKs are a handful; more is a loop between the two engines. */
#define DRAIN_FRAMES_MAX 1000
/* Frames in one seed: enough for 3 MB each way at MSS 256 with loss. */
#define SEED_FRAMES_MAX 2000000

/* Frame @m as the trace reads it. A trusting link's frames keep their sums
 * unfinished (s->trust): read as the port had them, its offloads asked. */
static bool
trace_read(const struct sim *s, struct rte_mbuf *m, struct frame_tcp *t)
{
	uint64_t f = m->ol_flags;

	if (s->trust)
		m->ol_flags |= RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
	bool ok = frame_tcp_read(m, t) == 0;
	m->ol_flags = f;
	return ok;
}

/* Everything engine @i sent goes onto the link. */
static void
link_take(struct sim *s, unsigned i)
{
	struct rte_mbuf *out[TX_BURST], *wire[WIRE_MAX];
	unsigned n;

	/* Raw from the port's TX ring: the port's offloads come first. */
	while ((n = rte_ring_dequeue_burst(s->h[i]->rings[1], (void **)out, TX_BURST, NULL)) > 0) {
		for (unsigned k = 0; k < n; k++) {
			if (!sim_arp_tx(s, i, out[k]))
				continue; /* an ARP frame lost */
			unsigned nw = sim_nic_tx(s, i, out[k], wire, WIRE_MAX);
			for (unsigned w = 0; w < nw; w++) {
				struct frame_tcp t;
				char arp[160];
				sim_arp_wire(s, i, wire[w]);
				bool traced = s->verbose && trace_read(s, wire[w], &t);
				bool arp_traced = s->verbose && !traced &&
				                  sim_arp_describe(wire[w], arp, sizeof(arp));
				bool dup;
				uint64_t arrive;
				enum sim_fate fate =
				        sim_link_send(&s->link, i, wire[w], s->now, &dup, &arrive);
				s->frames++;
				s->drain_frames += s->draining;
				if (traced)
					trace_frame(s, i, &t, fate, dup, arrive);
				if (arp_traced)
					sim_trace(s, "%s %s%s arrives %.6f", i == 0 ? "C>S" : "S>C",
					          arp, fate_names[fate],
					          fate == FATE_OK ? arrive / 1e9 : 0.0);
			}
			sim_nic_tx_done(s, i);
		}
	}
}

/* Hand the frames due by now to their engines; which engines got some. */
static unsigned
link_deliver(struct sim *s)
{
	struct sim_frame f;
	unsigned got = 0;

	while (sim_link_pop(&s->link, s->now, &f)) {
		if (!sim_arp_deliver(s, &f))
			continue; /* to a MAC its host left */
		s->damaged_sent[f.dst] += f.damaged;
		harness_inject(s->h[f.dst], &f.m, 1);
		got |= 1u << f.dst;
	}
	return got;
}

/* A timer of engine @i is due at the current tick. */
static bool
timer_due(const struct sim *s, unsigned i)
{
	return timer_wheel_next_due(&s->h[i]->eng->wheel) <= (TSC_START + s->now) / NS_PER_TICK;
}

/* Diagnosis for the report: right edges that moved left. */
static void
watch_edges(struct sim *s, unsigned i)
{
	const struct tcp_engine *te = &s->h[i]->eng->tcp;

	for (uint32_t k = 0; k < te->nb_conns && k < 64; k++) {
		const struct tcb *tcb = &te->conns[k];
		bool synced = tcb->state >= TCP_ESTABLISHED && tcb->state != TCP_TIME_WAIT;
		if (synced && s->last_state[i][k] >= TCP_ESTABLISHED &&
		    seq_lt(tcb->rcv.adv, s->adv_prev[i][k])) {
			uint32_t by = s->adv_prev[i][k] - tcb->rcv.adv;
			s->adv_shrinks[i][k]++;
			if (by > s->adv_shrink_max[i][k])
				s->adv_shrink_max[i][k] = by;
			sim_trace(s, "%s tcb %u: right edge moved left by %u",
			          i ? "server" : "client", k, by);
		}
		if (tcb->state == TCP_CLOSED) {
			s->adv_shrinks[i][k] = s->adv_shrink_max[i][k] = 0;
		}
		s->adv_prev[i][k] = tcb->rcv.adv;
		s->last_state[i][k] = tcb->state;
	}
}

static void
trace_states(struct sim *s, unsigned i)
{
	const struct tcp_engine *te = &s->h[i]->eng->tcp;

	for (uint32_t k = 0; k < te->nb_conns && k < 64; k++) {
		uint8_t st = te->conns[k].state;
		if (st != s->last_state[i][k])
			sim_trace(s, "%s tcb %u: %s -> %s", i == 0 ? "client" : "server", k,
			          tcp_state_name(s->last_state[i][k]), tcp_state_name(st));
	}
}

/* Connections the last output pass cut short for its budget wait on the
 * output list (tcp/tcp_sched.h): the engine has work for its next poll. */
static bool
output_pending(const struct sim *s, unsigned i)
{
	const struct engine *eng = s->h[i]->eng;

	/* Not while it waits for its line to drain ([port] tx_queue_us):
	 * line_next says when. */
	return !TAILQ_EMPTY(&eng->tcp.output) &&
	       (eng->tx_queue_tsc == 0 ||
	        eng->link_emu.line_free_tsc < TSC_START + s->now + eng->tx_queue_tsc);
}

/* When engine @i's emulated line next has something for it (virtual ns):
 * a frame to hand its port, or room for output that waits; UINT64_MAX:
 * nothing. */
static uint64_t
line_next(const struct sim *s, unsigned i)
{
	const struct engine *eng = s->h[i]->eng;
	const struct link_emu *l = &eng->link_emu;
	uint64_t tsc = UINT64_MAX;

	if (l->count != 0)
		tsc = l->done_tsc[l->head];
	if (!TAILQ_EMPTY(&eng->tcp.output) && eng->tx_queue_tsc != 0)
		tsc = RTE_MIN(tsc, l->line_free_tsc - eng->tx_queue_tsc + 1);
	if (tsc == UINT64_MAX)
		return UINT64_MAX;
	return tsc > TSC_START + s->now ? tsc - TSC_START : s->now;
}

/* An emulated line: on a quarter of the hosts, but never beside ARP
 * ageing or a MAC move (sim_arp.c checks each frame's destination against
 * the table of the poll that sent it, and a line hands frames on in a
 * later poll). Rates from 100 Mbit/s to 10 Gbit/s, a ring as small as 16
 * frames (it refuses frames: a loss TCP must recover from), and on half of
 * those hosts a limit on the queue. Every draw is made, on or off. */
static void
sim_line_pick(struct sim *s, unsigned i)
{
	struct sim_rng *r = &s->lrng;
	bool on = sim_rng_below(r, 4) == 0;
	uint32_t mbit = (uint32_t)sim_rng_log(r, 100, 10000);
	uint32_t ring = (uint32_t)sim_rng_log(r, LINK_EMU_RING_MIN, 1024);
	uint32_t queue_us = sim_rng_below(r, 2) == 0 ? (uint32_t)sim_rng_log(r, 1, 2000) : 0;

	for (unsigned k = 0; k < 2; k++)
		on = on && !s->arp[k].pick.on && s->arp[k].pick.nb_moves == 0;
	s->cfg[i].fault_link_mbit = on ? mbit : 0;
	s->cfg[i].fault_link_ring = ring;
	s->cfg[i].port_tx_queue_us = on ? queue_us : 0;
}

/* Poll the engines with something to do (frames in, a timer due, output
 * left from the last pass): an engine with none would do nothing. */
static void
poll_engines(struct sim *s, unsigned got)
{
	char why[512];

	for (unsigned i = 0; i < 2; i++) {
		struct harness *h = s->h[i];
		if (!(got & (1u << i)) && !timer_due(s, i) && !output_pending(s, i) &&
		    line_next(s, i) > s->now && s->now != 0)
			continue;
		h->tsc = TSC_START + s->now;
		sim_arp_before(s, i);
		harness_poll(h);
		sim_arp_after(s, i);
		sim_lend_poll_check(s);
		link_take(s, i);
		if (s->verbose)
			trace_states(s, i);
		watch_edges(s, i);
		const char *bad = sim_invariants(h->eng, why, sizeof(why), s->polls++ % 16 == 0);
		if (bad != NULL)
			sim_fail(s, "%s engine: invariant: %s", i == 0 ? "client" : "server", bad);
		uint64_t dd = damage_drops(h->eng);
		if (dd != s->damaged_sent[i])
			sim_fail(s,
			         "%s engine: %" PRIu64 " damaged frames delivered, %" PRIu64
			         " counted as malformed",
			         i == 0 ? "client" : "server", s->damaged_sent[i], dd);
		sim_arp_check(s, i);
	}
}

/* The next instant something happens: a frame arrives or a timer is due. */
static uint64_t
next_event(const struct sim *s)
{
	uint64_t next = sim_link_next(&s->link);
	uint64_t app = RTE_MIN(sim_arp_next(s), sim_churn_next(s));

	/* A busy engine polls every poll_ns: what arrived meanwhile waits. */
	if (next != UINT64_MAX && s->poll_ns > 1)
		next = (next + s->poll_ns - 1) / s->poll_ns * s->poll_ns;

	for (unsigned i = 0; i < 2; i++) {
		/* A busy engine polls again after poll_ns. */
		if (output_pending(s, i))
			next = RTE_MIN(next, s->now + RTE_MAX(s->poll_ns, (uint64_t)1));
		uint64_t line = line_next(s, i);
		if (line != UINT64_MAX)
			next = RTE_MIN(next, RTE_MAX(line, s->now + 1));
		uint64_t due = timer_wheel_next_due(&s->h[i]->eng->wheel);
		if (due == UINT64_MAX)
			continue;
		uint64_t due_ns = due * NS_PER_TICK > TSC_START ? due * NS_PER_TICK - TSC_START : 0;
		/* A bucket due now was run: its timers wait for the next tick. */
		uint64_t next_tick = (s->now / NS_PER_TICK + 1) * NS_PER_TICK;
		if (due_ns <= s->now)
			due_ns = next_tick;
		if (due_ns < next)
			next = due_ns;
	}
	/* A MAC move or a port churn's retry: at its time (not before now). */
	if (app != UINT64_MAX)
		next = RTE_MIN(next, RTE_MAX(app, s->now + 1));
	return next;
}

static bool
engines_empty(const struct sim *s)
{
	for (unsigned i = 0; i < 2; i++)
		if (s->h[i]->eng->tcp.used != 0)
			return false;
	return true;
}

static void
report_state(const struct sim *s, FILE *f)
{
	fprintf(f, "  at t=%.6f s, nothing moved since t=%.6f s\n", (double)s->now / 1e9,
	        (double)s->progress_at / 1e9);
	sim_app_report(s, f);
	sim_conn_report(s->h[0]->eng, "client", f);
	sim_conn_report(s->h[1]->eng, "server", f);
	sim_churn_report(s, f);
	sim_arp_report(s, f);
	for (unsigned i = 0; i < 2; i++)
		for (unsigned k = 0; k < 64; k++)
			if (s->adv_shrinks[i][k] > 0)
				fprintf(f,
				        "  %s tcb %u: its advertised right edge moved left %u "
				        "times, "
				        "by up to %u bytes\n",
				        i ? "server" : "client", k, s->adv_shrinks[i][k],
				        s->adv_shrink_max[i][k]);
	for (unsigned i = 0; i < 2; i++) {
		const struct sim_dir *d = &s->link.dir[i];
		fprintf(f,
		        "  link %s: delay %" PRIu64 " us, %" PRIu64
		        " Mbit/s, queue %u, loss %u ppm, "
		        "reorder %u ppm (%" PRIu64
		        " us), dup %u ppm, corrupt %u ppm, truncate %u ppm"
		        " | sent %" PRIu64 " lost %" PRIu64 " tail-dropped %" PRIu64
		        " reordered %" PRIu64 " dup %" PRIu64 " corrupt %" PRIu64
		        " truncated %" PRIu64 "\n",
		        i == 0 ? "C>S" : "S>C", d->cfg.delay_ns / 1000, d->cfg.bw_bps / 1000000,
		        d->cfg.queue_max, d->cfg.loss_ppm, d->cfg.reorder_ppm,
		        d->cfg.reorder_ns / 1000, d->cfg.dup_ppm, d->cfg.corrupt_ppm,
		        d->cfg.truncate_ppm, d->sent, d->lost, d->tail_drops, d->reordered, d->dups,
		        d->corrupted, d->truncated);
	}
	for (unsigned i = 0; i < 2; i++) {
		const struct config *c = &s->cfg[i];
		fprintf(f,
		        "  %s config: mtu %u snd_buf %u rcv_buf %u ts %d sack %d wscale %d tlp %d "
		        "gro %d delack %u ms init_cwnd %u rto_min %u ms rto_max %u ms\n",
		        i == 0 ? "client" : "server", c->mtu, c->tcp_snd_buf, c->tcp_rcv_buf,
		        c->tcp_timestamps, c->tcp_sack, c->tcp_window_scaling,
		        c->tcp_tail_loss_probe, c->tcp_gro, c->tcp_delack_ms, c->tcp_init_cwnd,
		        c->tcp_rto_min_ms, c->tcp_rto_max_ms);
		const struct sim_nic_stats *n = &s->nic[i];
		const struct sim_lend_stats *l = &s->lend[i];
		fprintf(f,
		        "  %s port: tso %d (config %d) | %" PRIu64
		        " super-segments cut into %" PRIu64 " (%" PRIu64 " bytes), %" PRIu64
		        " checksums, %" PRIu64 " left unsummed, %" PRIu64
		        " no RX buffer | app lends %d: %" PRIu64 " chains, %" PRIu64
		        " segments (%" PRIu64 " external), %" PRIu64 " bytes, %" PRIu64
		        " refused\n",
		        i == 0 ? "client" : "server", s->host[i].tso, c->tcp_tso, n->tso_sends,
		        n->tso_segs, n->tso_bytes, n->cksums, n->unsummed, n->rx_nobuf,
		        s->host[i].lend, l->chains, l->segs, l->ext, l->bytes, l->refused);
	}
}

/* The third stream's picks are on: ARP on either host, or port churn. */
static bool
third_on(const struct sim *s)
{
	for (unsigned i = 0; i < 2; i++)
		if (s->arp[i].pick.on || s->arp[i].pick.nb_moves > 0)
			return true;
	return sim_churn_on(s);
}

/* Both engines rebuilt for this seed: configuration, addresses learned,
 * the ISN key and the local port choice's secret and counter from the seed. */
static int
setup(struct sim *s)
{
	/* A failed seed leaves connections: their closed callbacks must not
	 * reach this seed's applications when the old engines stop. */
	for (unsigned i = 0; i < 2; i++) {
		struct tcp_engine *te = &s->h[i]->eng->tcp;
		for (uint32_t k = 0; k < te->nb_conns; k++)
			te->conns[k].ops = NULL;
	}
	sim_arp_setup(s);
	sim_churn_setup(s);
	for (unsigned i = 0; i < 2; i++) {
		sim_config_pick(&s->rng, &s->cfg[i], i);
		sim_host_pick(&s->xrng, &s->cfg[i], &s->host[i]);
		/* Its own stream: the seeds before it keep their picks. */
		s->cfg[i].tcp_gro = sim_rng_below(&s->grng, 4) != 0;
		sim_line_pick(s, i);
		if (s->trust) {
			/* An in-memory port: it cuts no super-segment. */
			s->cfg[i].port_checksums = false;
			s->host[i].tso = false;
		}
		sim_arp_config(s, i);
		sim_churn_config(s, i);
		/* TIME_WAIT must outlast the longest backed-off RTO of either
		 * side (sim_config_pick sizes it by its own engine's only): ARP
		 * resolution and moves back RTOs off to the limit often. And a
		 * handshake must outlast a host finding a moved peer again (its
		 * entry's life, then every try: 24 s in seed 101751, --first
		 * 60001, where the server's ten SYN-ACKs gave up at 25.5 s and
		 * reset a client that had been connected all along). So must
		 * keepalive: its probes go to the MAC the peer left until then,
		 * and the peer's retransmissions of what it already sent do
		 * not answer them (seed 261633, --first 210001: a server in
		 * FIN_WAIT_2 gave up after its 20 probes, at 21.6 s). */
		if (third_on(s)) {
			s->cfg[i].tcp_msl_s = SIM_RTO_MAX_MS / 1000 + 1;
			s->cfg[i].tcp_syn_retries = 15; /* [tcp] syn_retries' most */
			s->cfg[i].tcp_keepalive_probes = 60;
		}
		/* A failed seed's lent buffers come back now: no checks. */
		s->lend_quiet = true;
		int ret = harness_reset(s->h[i], &s->cfg[i]);
		s->lend_quiet = false;
		if (ret != 0) {
			fprintf(stderr, "tern-sim: harness_reset: %d\n", ret);
			return ret;
		}
		sim_nic_setup(s, i);
		struct engine *eng = s->h[i]->eng;
		for (unsigned k = 0; k < sizeof(eng->tcp.isn_key.k); k++)
			eng->tcp.isn_key.k[k] = (uint8_t)sim_rng_next(&s->rng);
		for (unsigned k = 0; k < sizeof(eng->tcp.ports.secret); k++)
			eng->tcp.ports.secret[k] = (uint8_t)sim_rng_next(&s->rng);
		eng->tcp.ports.next = (uint32_t)sim_rng_next(&s->rng);
	}
	sim_lend_release(s);
	sim_arp_start(s);
	return 0;
}

static uint64_t
transfer_ns(const struct sim *s)
{
	uint64_t bytes = 0, bw = UINT64_MAX;

	for (unsigned i = 0; i < s->nb_conns; i++)
		bytes += s->conns[i].side[0].tx_total + s->conns[i].side[1].tx_total;
	for (unsigned i = 0; i < 2; i++)
		if (s->link.dir[i].cfg.bw_bps < bw)
			bw = s->link.dir[i].cfg.bw_bps;
	return bytes * 8 * 1000000000ull / bw * 4;
}

/* How long without progress is a stall. STALL_IDLE_NS is TCP's own: a run
 * of timeouts at [tcp] rto_max_ms. A host whose ARP the third stream
 * stresses may first have to find its peer again (its entry's life, then
 * every try: a peer that moved unannounced) before a retransmission can
 * reach it, and then waits for the next timeout, up to rto_max_ms; with a
 * queue of one packet an address, a retransmission may also give way to
 * another connection's (RFC 1122 2.3.2.2 keeps the latest), one timeout
 * more. Seeds 2793 (--all-picks) and 59678 took 30-40 s that way. */
static uint64_t
stall_idle_ns(const struct sim *s)
{
	uint64_t refind_ms = 0, rto_max_ms = 0;

	if (!third_on(s))
		return STALL_IDLE_NS;
	for (unsigned i = 0; i < 2; i++) {
		const struct config *c = &s->cfg[i];
		uint64_t age_ms = s->arp[i].age_ms != 0 ? s->arp[i].age_ms
		                                        : c->arp_timeout_s * UINT64_C(1000);
		if (s->arp[i].pick.on)
			refind_ms = RTE_MAX(refind_ms, age_ms + (c->arp_retries + UINT64_C(1)) *
			                                                c->arp_retry_ms);
		rto_max_ms = RTE_MAX(rto_max_ms, (uint64_t)c->tcp_rto_max_ms);
	}
	return STALL_IDLE_NS + (refind_ms + rto_max_ms) * 1000000ull;
}

/* Run until the applications are done and every connection has gone
 * (TIME_WAIT included), or the bound. */
static void
loop(struct sim *s)
{
	uint64_t deadline = STALL_NS + transfer_ns(s);
	uint64_t stall_ns = stall_idle_ns(s);
	uint64_t drain_until = 0;

	for (;;) {
		sim_nic_complete(s, s->now);
		unsigned got = link_deliver(s) | sim_arp_event(s);
		/* A port churn's retry runs in the client's poll hook. */
		if (sim_churn_next(s) <= s->now)
			got |= 1u;
		poll_engines(s, got);
		if (s->fail[0] != '\0')
			return;
		if (s->drain_frames > DRAIN_FRAMES_MAX) {
			sim_fail(s,
			         "%" PRIu64 " frames sent after the applications were done "
			         "(a loop between the engines?)",
			         s->drain_frames);
			return;
		}
		if (s->frames > SEED_FRAMES_MAX) {
			sim_fail(s, "%" PRIu64 " frames sent: a storm", s->frames);
			return;
		}
		if (!s->draining && sim_app_done(s) && sim_churn_done(s)) {
			s->draining = true;
			uint64_t msl = s->cfg[0].tcp_msl_s > s->cfg[1].tcp_msl_s
			                       ? s->cfg[0].tcp_msl_s
			                       : s->cfg[1].tcp_msl_s;
			drain_until = s->now + (2 * msl + 120) * 1000000000ull;
			sim_trace(s, "applications done; draining");
		}
		if (s->draining && sim_link_next(&s->link) == UINT64_MAX && engines_empty(s) &&
		    sim_arp_settled(s) && s->h[0]->eng->link_emu.count == 0 &&
		    s->h[1]->eng->link_emu.count == 0)
			return;
		uint64_t next = next_event(s);
		if (!s->draining && next > s->progress_at + stall_ns) {
			sim_fail(s,
			         "stall: no byte read or written and no connection closed for %.0f "
			         "s",
			         (double)stall_ns / 1e9);
			return;
		}
		if (!s->draining && next > deadline) {
			sim_fail(
			        s,
			        "stall: the applications are not done after %.0f s of virtual time",
			        (double)deadline / 1e9);
			return;
		}
		if (s->draining && next > drain_until) {
			sim_fail(s, "connections left %.0f s after the applications were done",
			         (double)(drain_until - s->now) / 1e9);
			return;
		}
		s->now = next;
	}
}

int
sim_run_seed(struct sim *s, uint64_t seed, int profile)
{
	s->seed = seed;
	s->now = 0;
	s->fail[0] = '\0';
	memset(s->last_state, 0, sizeof(s->last_state));
	memset(s->adv_shrinks, 0, sizeof(s->adv_shrinks));
	memset(s->adv_shrink_max, 0, sizeof(s->adv_shrink_max));
	memset(s->damaged_sent, 0, sizeof(s->damaged_sent));
	s->frames = s->drain_frames = s->polls = 0;
	s->progress_at = 0;
	s->draining = false;
	sim_rng_seed(&s->rng, seed);
	sim_rng_seed(&s->xrng, seed ^ XRNG_SALT);
	sim_rng_seed(&s->yrng, seed ^ YRNG_SALT);
	sim_rng_seed(&s->zrng, seed ^ ZRNG_SALT);
	sim_rng_seed(&s->grng, seed ^ GRNG_SALT);
	sim_rng_seed(&s->lrng, seed ^ LRNG_SALT);
	memset(s->nic, 0, sizeof(s->nic));
	memset(s->lend, 0, sizeof(s->lend));
	/* Drawn even when forced, so the rest of the seed stays the same. */
	unsigned p = (unsigned)sim_rng_below(&s->rng, sim_nb_profiles);
	if (profile >= 0)
		p = (unsigned)profile;
	s->profile = sim_profiles[p].name;
	for (unsigned i = 0; i < 2; i++) {
		sim_profiles[p].pick(&s->rng, &s->link.dir[i].cfg);
		sim_rng_seed(&s->link.dir[i].rng, sim_rng_next(&s->rng));
	}
	sim_link_init(&s->link);
	s->trust = sim_trust_pick(&s->zrng, &s->link);
	s->poll_ns = sim_rng_below(&s->rng, 4) == 0 ? 1 : sim_rng_log(&s->rng, 1000, 100000);
	if (setup(s) != 0)
		return -1;
	sim_app_setup(s);
	sim_trace(s,
	          "seed %" PRIu64 " profile %s, %u connection(s), tso %d/%d, lend %d/%d, "
	          "checksums %s",
	          seed, s->profile, s->nb_conns, s->host[0].tso, s->host[1].tso, s->host[0].lend,
	          s->host[1].lend, s->trust ? "none (trusting link)" : "yes");
	for (unsigned i = 0; i < 2; i++)
		if (s->cfg[i].fault_link_mbit != 0)
			sim_trace(s, "%s line: %u Mbit/s, ring %u, tx_queue_us %u",
			          i ? "server" : "client", s->cfg[i].fault_link_mbit,
			          s->cfg[i].fault_link_ring, s->cfg[i].port_tx_queue_us);
	for (unsigned i = 0; i < 2; i++) {
		const struct sim_arp_host *a = &s->arp[i].pick;
		if (a->on || a->nb_moves > 0)
			sim_trace(s,
			          "%s arp: age %u ms (timeout %u s), cold %d, pending %u/%u, "
			          "retries %u x %u ms, loss %u ppm, moves %u",
			          i ? "server" : "client", s->arp[i].age_ms,
			          s->cfg[i].arp_timeout_s, a->cold, s->cfg[i].arp_pending,
			          s->cfg[i].arp_pending_total, s->cfg[i].arp_retries,
			          s->cfg[i].arp_retry_ms, a->loss_ppm, a->nb_moves);
	}
	sim_app_start(s);
	sim_churn_start(s);
	loop(s);
	/* The wire has sent everything: the ports let go (checked). */
	sim_nic_complete(s, s->fail[0] == '\0' ? UINT64_MAX - 1 : UINT64_MAX);
	if (s->fail[0] == '\0')
		sim_app_check(s);
	if (s->fail[0] == '\0')
		sim_lend_check(s);
	if (s->fail[0] == '\0')
		sim_churn_check(s);
	if (s->fail[0] == '\0') {
		for (unsigned i = 0; i < 2; i++) {
			const struct engine *eng = s->h[i]->eng;
			unsigned used = harness_pool_in_use(s->h[i]);
			if (used != 0)
				sim_fail(s, "%s pool: %u mbufs not returned",
				         i ? "server" : "client", used);
			else if (flow_count(eng->flows) != 0)
				sim_fail(s, "%s flow table: %u entries left",
				         i ? "server" : "client", flow_count(eng->flows));
		}
	}
	if (s->fail[0] != '\0') {
		printf("FAIL seed %" PRIu64 " (profile %s): %s\n%s", seed, s->profile, s->fail,
		       s->fail_state != NULL ? s->fail_state : "");
	}
	free(s->fail_state);
	s->fail_state = NULL;
	sim_link_free_frames(&s->link);
	return s->fail[0] != '\0';
}
