/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Port churn: in some seeds the client opens many short connections to one
 * more server port from a range of 1-6 local ports ([tcp] local_port_min,
 * local_port_max), a few at once. Most are closed by the client first, so
 * their ports sit in TIME_WAIT; the others by the server first, so the
 * client's port comes free when its LAST_ACK ends. tern_connect then finds
 * every port to that destination taken, says -EADDRNOTAVAIL (tern.h), and
 * remembers it (tcp_api.c, struct tcp_ports_full): the same destination is
 * refused at once until a connection to it leaves the flow table
 * (tcp_ports_full_forget), a TIME_WAIT among its ports becomes reusable
 * (a second after it began, with timestamps), or a second passes.
 *
 * The application tries again after a random delay, and at once after any
 * of its connections ended. Each try runs in the client's poll hook (after
 * input and timers, as a load generator's clock does), where the sim
 * first works out itself whether a port is free: the flow table's entry for
 * each port of the range, and whether it is a TIME_WAIT tcp_tw_reusable
 * would take. A refusal while a port was free or reusable, a connection
 * through a port that was not, a refusal by another error, or counters that
 * disagree (tcp_local_port_searches, tcp_local_ports_exhausted) fail the
 * seed; every connection must end with every byte read and reason 0.
 *
 *   sim_churn_setup (picks) -> client poll hook: churn_poll -> churn_try
 *   -> tern_connect ; callbacks: churn_pump / churn_read -> tern_close ;
 *   closed -> try again at the next poll
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "flow/flow_table.h"
#include "sim.h"
#include "tcp/tcp.h"
#include "tern.h"

#define CHURN_PORT      6000 /* the server's; the other applications use 5000-5003 */
#define CHURN_CONNS_MAX 40
#define CHURN_BUF       2048

struct churn_conn;

struct churn_side {
	struct churn_conn *cc;
	unsigned index; /* 0: client, 1: server */
	struct tern_conn *conn;
	bool up, closed, shut, close_called;
	int reason;
	uint64_t tx_total, tx_done, tx_key;
	uint64_t rx_expect, rx_done, rx_key;
};

struct churn_conn {
	struct sim_churn *ch;
	unsigned id;
	bool started;
	bool client_first; /* the client closes first: its port sits in TIME_WAIT */
	uint16_t lport;    /* the client's local port (host order) */
	struct churn_side side[2];
};

struct sim_churn {
	struct sim *s;
	bool on;
	uint16_t port_min, port_max;
	unsigned nb, parallel, started, ended;
	uint64_t retry_at;  /* UINT64_MAX: none */
	bool retry_now;     /* a connection ended: try at the next poll */
	bool from_callback; /* ... and at once, from its closed callback */
	struct sim_rng rng;
	uint64_t tries, refused, refused_memo, searches, reuse_resets;
	struct churn_conn c[CHURN_CONNS_MAX];
};

static const char *const side_names[2] = { "client", "server" };

static void churn_open(struct sim_churn *ch, struct engine *eng);

void
sim_churn_setup(struct sim *s)
{
	struct sim_rng *y = &s->yrng;

	if (s->churn == NULL) {
		s->churn = calloc(1, sizeof(*s->churn));
		if (s->churn == NULL)
			abort();
	}
	struct sim_churn *ch = s->churn;
	memset(ch, 0, sizeof(*ch));
	ch->s = s;
	/* Every draw is made, on or off: a pick does not shift another. */
	ch->on = sim_rng_below(y, 7) == 0 || s->all_picks;
	unsigned ports = (unsigned)sim_rng_range(y, 1, 6);
	/* At most 8 rounds of the range: each may wait out 2 MSL (22 s at
	 * most) when the peers use no timestamps. */
	ch->nb = (unsigned)sim_rng_range(y, ports + 1,
	                                 RTE_MIN(8 * ports, (unsigned)CHURN_CONNS_MAX));
	ch->parallel = (unsigned)sim_rng_range(y, 1, ports);
	unsigned client_first = (unsigned)sim_rng_range(y, 50, 95);
	ch->port_min = (uint16_t)(50000 + sim_rng_below(y, 1000));
	ch->port_max = (uint16_t)(ch->port_min + ports - 1);
	sim_rng_seed(&ch->rng, sim_rng_next(y));
	ch->from_callback = sim_rng_below(&ch->rng, 2) == 0;
	for (unsigned k = 0; k < ch->nb; k++) {
		struct churn_conn *cc = &ch->c[k];
		cc->ch = ch;
		cc->id = k;
		cc->client_first = sim_rng_below(&ch->rng, 100) < client_first;
		for (unsigned i = 0; i < 2; i++) {
			cc->side[i].cc = cc;
			cc->side[i].index = i;
		}
		uint64_t key = sim_rng_next(&ch->rng);
		cc->side[0].tx_key = cc->side[1].rx_key = key;
		cc->side[1].tx_key = cc->side[0].rx_key = key ^ 0x3333333333333333ull;
		cc->side[0].tx_total = cc->side[1].rx_expect = sim_rng_below(&ch->rng, 3000);
		cc->side[1].tx_total = cc->side[0].rx_expect = sim_rng_below(&ch->rng, 3000);
	}
	ch->retry_at = UINT64_MAX;
}

void
sim_churn_config(struct sim *s, unsigned i)
{
	const struct sim_churn *ch = s->churn;

	if (!ch->on || i != 0)
		return;
	s->cfg[0].tcp_local_port_min = ch->port_min;
	s->cfg[0].tcp_local_port_max = ch->port_max;
}

static void
churn_fail(struct churn_conn *cc, unsigned side, const char *what, int64_t v)
{
	sim_fail(cc->ch->s, "churn conn %u %s: %s %" PRId64, cc->id, side_names[side], what, v);
}

/* Write what fits; the closer-first side shuts after its last byte. */
static void
churn_pump(struct churn_conn *cc, unsigned i)
{
	struct churn_side *sd = &cc->side[i];
	struct sim *s = cc->ch->s;
	uint8_t buf[CHURN_BUF];

	while (!sd->closed && sd->tx_done < sd->tx_total) {
		size_t n = (size_t)RTE_MIN(sd->tx_total - sd->tx_done, (uint64_t)sizeof(buf));
		sim_pattern_fill(buf, sd->tx_key, sd->tx_done, n);
		ssize_t r = tern_send(sd->conn, buf, n);
		if (r < 0) {
			churn_fail(cc, i, "tern_send:", r);
			return;
		}
		sd->tx_done += (uint64_t)r;
		if (r > 0)
			s->progress_at = s->now;
		if ((size_t)r < n)
			return; /* writable follows */
	}
	bool first = cc->client_first == (i == 0);
	if (!sd->closed && first && !sd->shut && sd->tx_done == sd->tx_total) {
		sd->shut = true;
		int ret = tern_shutdown(sd->conn);
		if (ret != 0)
			churn_fail(cc, i, "tern_shutdown:", ret);
	}
}

/* Read and check; close once the peer's FIN came and all is written. */
static void
churn_read(struct churn_conn *cc, unsigned i)
{
	struct churn_side *sd = &cc->side[i];
	struct sim *s = cc->ch->s;
	uint8_t buf[CHURN_BUF], want[CHURN_BUF];
	size_t n;

	while (!sd->closed && (n = tern_recv_copy(sd->conn, buf, sizeof(buf))) > 0) {
		if (sd->rx_done + n > sd->rx_expect) {
			churn_fail(cc, i, "read past the bytes sent:", (int64_t)(sd->rx_done + n));
			return;
		}
		sim_pattern_fill(want, sd->rx_key, sd->rx_done, n);
		if (memcmp(want, buf, n) != 0) {
			churn_fail(cc, i, "wrong bytes at or after", (int64_t)sd->rx_done);
			return;
		}
		sd->rx_done += n;
		s->progress_at = s->now;
	}
	if (sd->closed || !tern_recv_eof(sd->conn) || sd->close_called)
		return;
	if (sd->rx_done != sd->rx_expect) {
		churn_fail(cc, i, "FIN after bytes", (int64_t)sd->rx_done);
		return;
	}
	if (sd->tx_done < sd->tx_total)
		return;
	sd->close_called = sd->shut = true;
	int ret = tern_close(sd->conn);
	if (ret != 0)
		churn_fail(cc, i, "tern_close:", ret);
}

static void
churn_up(struct churn_conn *cc, unsigned i, struct tern_conn *c)
{
	cc->side[i].conn = c;
	cc->side[i].up = true;
	sim_trace(cc->ch->s, "churn %u %s: %s", cc->id, side_names[i],
	          i == 0 ? "connected" : "accepted");
	churn_pump(cc, i);
	churn_read(cc, i);
}

static void
on_connected(struct tern_conn *c, void *arg)
{
	struct churn_side *sd = arg;

	churn_up(sd->cc, 0, c);
}

static void
on_accepted(struct tern_conn *c, void *arg)
{
	struct sim_churn *ch = arg;
	uint32_t ip;
	uint16_t port;

	tern_conn_peer(c, &ip, &port);
	for (unsigned k = 0; k < ch->started; k++) {
		struct churn_conn *cc = &ch->c[k];
		if (cc->lport == port && !cc->side[1].up && !cc->side[0].closed) {
			tern_conn_set_arg(c, &cc->side[1]);
			churn_up(cc, 1, c);
			return;
		}
	}
	sim_fail(ch->s, "churn: accepted a connection from port %u that nobody opened", port);
}

static struct churn_conn *
conn_of_side(struct churn_side *sd, unsigned *i)
{
	*i = sd->index;
	return sd->cc;
}

static void
on_readable(struct tern_conn *c, void *arg)
{
	unsigned i;
	struct churn_conn *cc = conn_of_side(arg, &i);

	(void)c;
	churn_read(cc, i);
}

static void
on_writable(struct tern_conn *c, void *arg)
{
	unsigned i;
	struct churn_conn *cc = conn_of_side(arg, &i);

	(void)c;
	churn_pump(cc, i);
	churn_read(cc, i);
}

/* The server's LAST_ACK reset by the client's next connection from the
 * same port: the client's TIME_WAIT became reusable after a second
 * (tcp_tw_reusable, as Linux's tcp_tw_reuse) while the server still waited
 * for the ACK of its FIN, which was lost; the new SYN draws a challenge ACK
 * (RFC 5961 4), the client's RST answers it (RFC 9293 3.10.7.3), and the
 * server's application hears -ECONNRESET after its tern_close, every byte
 * having been read on the other side. */
static bool
reset_by_reuse(struct churn_conn *cc, unsigned i, int reason)
{
	const struct churn_side *cl = &cc->side[0], *sv = &cc->side[1];

	if (i != 1 || reason != -ECONNRESET || !cc->client_first || !sv->close_called ||
	    !cl->closed || cl->reason != 0 || cl->rx_done != cl->rx_expect)
		return false;
	cc->ch->reuse_resets++;
	return true;
}

static void
on_closed(struct tern_conn *c, void *arg, int reason)
{
	unsigned i;
	struct churn_conn *cc = conn_of_side(arg, &i);
	struct churn_side *sd = &cc->side[i];
	struct sim *s = cc->ch->s;

	(void)c;
	sim_trace(s, "churn %u %s: closed (%d)", cc->id, side_names[i], reason);
	if (sd->closed)
		churn_fail(cc, i, "closed twice, reason", reason);
	sd->closed = true;
	sd->reason = reason;
	sd->conn = NULL;
	s->progress_at = s->now;
	if (reason != 0 && !reset_by_reuse(cc, i, reason))
		churn_fail(cc, i, "closed with", reason);
	if (i == 0) {
		cc->ch->ended++;
		cc->ch->retry_now = true; /* its port may be free: try again */
		/* As a load generator reconnects: from the callback itself
		 * (tern.h allows it), while the connection that ends still
		 * holds its port; its leaving the flow table must then make
		 * tern_connect forget the refusal. */
		if (cc->ch->from_callback)
			churn_open(cc->ch, s->h[0]->eng);
	}
}

static const struct tern_conn_ops client_ops = {
	.connected = on_connected,
	.readable = on_readable,
	.writable = on_writable,
	.closed = on_closed,
};

static const struct tern_conn_ops server_ops = {
	.accepted = on_accepted,
	.readable = on_readable,
	.writable = on_writable,
	.closed = on_closed,
};

/* tcp_api.c's tcp_tw_reusable, as the oracle: a TIME_WAIT with timestamps,
 * a second old, not on the output list. */
static bool
tw_reusable(const struct engine *eng, const struct tcb *tcb)
{
	return tcb->state == TCP_TIME_WAIT && (tcb->flags & TF_TS_OK) &&
	       !(tcb->flags & TF_IN_OUTPUT) &&
	       eng->now_ticks - tcb->tw_tick >= engine_ms_to_ticks(1000);
}

/* Ports of the range a connection to the churn port could take now: bit
 * k for port_min + k. */
static uint32_t
ports_free(const struct sim_churn *ch, const struct engine *eng)
{
	uint32_t mask = 0;
	struct flow_key key = {
		.local_ip = eng->ifc->ip_be,
		.remote_ip = rte_cpu_to_be_32(ch->s->cfg[1].ip_addr),
		.remote_port = rte_cpu_to_be_16(CHURN_PORT),
	};

	for (uint32_t p = ch->port_min; p <= ch->port_max; p++) {
		key.local_port = rte_cpu_to_be_16((uint16_t)p);
		const struct tcb *tcb = flow_lookup(eng->flows, &key, flow_hash(eng->flows, &key));
		if (tcb == NULL || tw_reusable(eng, tcb))
			mask |= 1u << (p - ch->port_min);
	}
	return mask;
}

/* Open the next connection; false if refused (checked against the oracle). */
static bool
churn_try(struct sim_churn *ch, struct engine *eng)
{
	struct sim *s = ch->s;
	struct churn_conn *cc = &ch->c[ch->started];
	uint32_t mask = ports_free(ch, eng);
	uint64_t searches = eng->stats.tcp_local_port_searches;
	uint64_t exhausted = eng->stats.tcp_local_ports_exhausted;
	struct tern_conn *c;

	ch->tries++;
	/* Without timestamps, the server's TIME_WAIT of a server-first
	 * connection holds its 4-tuple for 2 MSL against a new SYN whose ISN
	 * (RFC 6528's 4 us clock) is not past the old connection's bytes
	 * (RFC 6191 reopens it only then): the client's port, free on its
	 * side, cannot serve. The client closes first then. */
	if (!s->cfg[0].tcp_timestamps || !s->cfg[1].tcp_timestamps)
		cc->client_first = true;
	int ret = tern_connect((struct tern_core *)eng, s->cfg[1].ip_addr, CHURN_PORT, &client_ops,
	                       &cc->side[0], &c);
	uint64_t ds = eng->stats.tcp_local_port_searches - searches;
	uint64_t de = eng->stats.tcp_local_ports_exhausted - exhausted;
	ch->searches += ds;
	if (ret == -EADDRNOTAVAIL) {
		ch->refused++;
		ch->refused_memo += ds == 0;
		sim_trace(s, "churn %u: tern_connect: -EADDRNOTAVAIL (%s)", cc->id,
		          ds == 0 ? "remembered" : "searched");
		if (mask != 0)
			sim_fail(s,
			         "churn %u: tern_connect refused (%s) while ports 0x%x of %u-%u "
			         "were free or reusable",
			         cc->id, ds == 0 ? "from memory" : "after a search", mask,
			         ch->port_min, ch->port_max);
		else if (de != 1 || ds > 1)
			sim_fail(s,
			         "churn %u: a refusal counted %" PRIu64 " exhausted, %" PRIu64
			         " searches",
			         cc->id, de, ds);
		return false;
	}
	if (ret != 0) {
		sim_fail(s, "churn %u: tern_connect: %d (expected 0 or -EADDRNOTAVAIL)", cc->id,
		         ret);
		return false;
	}
	cc->lport = rte_be_to_cpu_16(((const struct tcb *)c)->key.local_port);
	cc->side[0].conn = c;
	cc->started = true;
	ch->started++;
	s->progress_at = s->now;
	sim_trace(s, "churn %u: port %u, %s first, client %" PRIu64 " bytes, server %" PRIu64,
	          cc->id, cc->lport, cc->client_first ? "client" : "server", cc->side[0].tx_total,
	          cc->side[1].tx_total);
	if (cc->lport < ch->port_min || cc->lport > ch->port_max ||
	    !(mask & (1u << (cc->lport - ch->port_min))))
		sim_fail(s, "churn %u: connected from port %u, which was not free (free: 0x%x)",
		         cc->id, cc->lport, mask);
	else if (ds != 1 || de != 0)
		sim_fail(s,
		         "churn %u: a connection counted %" PRIu64 " searches, %" PRIu64
		         " exhausted",
		         cc->id, ds, de);
	return true;
}

/* Open what the application wants open; on a refusal, again later
 * (sooner than a TIME_WAIT's second, often). */
static void
churn_open(struct sim_churn *ch, struct engine *eng)
{
	while (ch->started < ch->nb && ch->started - ch->ended < ch->parallel) {
		if (!churn_try(ch, eng)) {
			ch->retry_at = ch->s->now + sim_rng_log(&ch->rng, 1000000, 1500000000);
			return;
		}
	}
}

/* The client's poll hook: tries due now. */
static void
churn_poll(struct tern_core *core, void *arg)
{
	struct sim_churn *ch = arg;

	if (!ch->retry_now && ch->s->now < ch->retry_at)
		return;
	ch->retry_now = false;
	ch->retry_at = UINT64_MAX;
	churn_open(ch, (struct engine *)core);
}

void
sim_churn_start(struct sim *s)
{
	struct sim_churn *ch = s->churn;
	struct engine *eng = s->h[0]->eng;

	if (!ch->on)
		return;
	if (harness_listen(s->h[1], CHURN_PORT, &server_ops, ch) != 0)
		sim_fail(s, "churn: harness_listen failed");
	sim_trace(s, "churn: %u connections to port %u from ports %u-%u, %u at once%s", ch->nb,
	          CHURN_PORT, ch->port_min, ch->port_max, ch->parallel,
	          ch->from_callback ? ", reconnecting from the closed callback" : "");
	eng->on_poll = churn_poll;
	eng->on_poll_arg = ch;
	ch->retry_now = true;
}

bool
sim_churn_on(const struct sim *s)
{
	return s->churn->on;
}

uint64_t
sim_churn_next(const struct sim *s)
{
	const struct sim_churn *ch = s->churn;

	if (!ch->on)
		return UINT64_MAX;
	return ch->retry_now ? s->now : ch->retry_at;
}

bool
sim_churn_done(const struct sim *s)
{
	const struct sim_churn *ch = s->churn;

	if (!ch->on)
		return true;
	for (unsigned k = 0; k < ch->nb; k++)
		if (!ch->c[k].side[0].closed || !ch->c[k].side[1].closed)
			return false;
	return true;
}

void
sim_churn_check(struct sim *s)
{
	const struct sim_churn *ch = s->churn;
	const struct net_stats *st = &s->h[0]->eng->stats;

	if (!ch->on)
		return;
	for (unsigned k = 0; k < ch->nb; k++) {
		for (unsigned i = 0; i < 2; i++) {
			const struct churn_side *sd = &ch->c[k].side[i];
			if (!sd->closed || sd->rx_done != sd->rx_expect ||
			    sd->tx_done != sd->tx_total) {
				sim_fail(s,
				         "churn %u %s: closed %d, read %" PRIu64 " of %" PRIu64
				         ", wrote %" PRIu64 " of %" PRIu64,
				         k, side_names[i], sd->closed, sd->rx_done, sd->rx_expect,
				         sd->tx_done, sd->tx_total);
				return;
			}
		}
	}
	/* One search for each of the other applications' connections. */
	if (st->tcp_local_port_searches != ch->searches + s->nb_conns ||
	    st->tcp_local_ports_exhausted != ch->refused)
		sim_fail(s,
		         "churn: %" PRIu64 " port searches and %" PRIu64
		         " exhausted counted, %" PRIu64 " and %" PRIu64 " seen",
		         st->tcp_local_port_searches, st->tcp_local_ports_exhausted,
		         ch->searches + s->nb_conns, ch->refused);
}

void
sim_churn_report(const struct sim *s, FILE *f)
{
	const struct sim_churn *ch = s->churn;

	if (!ch->on)
		return;
	fprintf(f,
	        "  churn: ports %u-%u, %u connections (%u at once), %u started, %u ended; %" PRIu64
	        " tries, %" PRIu64 " refused (%" PRIu64 " from memory); retry at %.6f s%s\n",
	        ch->port_min, ch->port_max, ch->nb, ch->parallel, ch->started, ch->ended, ch->tries,
	        ch->refused, ch->refused_memo,
	        ch->retry_at == UINT64_MAX ? -1.0 : (double)ch->retry_at / 1e9,
	        ch->retry_now ? " and now" : "");
}

void
sim_churn_fini(struct sim *s)
{
	free(s->churn);
	s->churn = NULL;
}

/* Coverage for the summary. */
void
sim_churn_tally(const struct sim *s, uint64_t *seeds, uint64_t *conns, uint64_t *refused,
                uint64_t *memo)
{
	const struct sim_churn *ch = s->churn;

	if (!ch->on)
		return;
	*seeds += 1;
	*conns += ch->started;
	*refused += ch->refused;
	*memo += ch->refused_memo;
}
