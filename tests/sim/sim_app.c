/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The simulation's applications, on the public callback API (tern.h): echo,
 * a stream one way, streams both ways, half-close (the client shuts its side
 * at once, the server keeps sending, as chargen must), and abort. Every byte
 * written is a seeded pattern of its stream's offset; every byte read is
 * compared with it as it arrives.
 *
 *   sim_app_start -> tern_connect ; engine input -> connected/accepted ->
 *   side_pump (write what fits) ; readable -> side_read (check) ;
 *   writable -> side_pump ; closed -> the reason is checked at the end
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "sim.h"
#include "tcp/tcp.h"
#include "tern.h"

#define SIM_PORT_BASE 5000
#define SIM_BUF       16384

static const char *const app_names[APP_KINDS] = {
	[APP_ECHO] = "echo",      [APP_STREAM] = "stream",
	[APP_BOTH] = "both-ways", [APP_HALF_CLOSE] = "half-close",
	[APP_ABORT] = "abort",
};

/* Byte @off of the stream keyed @key: 8 bytes per splitmix step. */
void
sim_pattern_fill(uint8_t *buf, uint64_t key, uint64_t off, size_t len)
{
	for (size_t i = 0; i < len;) {
		uint64_t block = (off + i) / 8;
		uint64_t z = key + block * 0x9e3779b97f4a7c15ull;
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		for (unsigned b = (unsigned)((off + i) % 8); b < 8 && i < len; b++, i++)
			buf[i] = (uint8_t)(z >> (8 * b));
	}
}

static const char *
side_name(const struct sim_side *sd)
{
	return sd->index == 0 ? "client" : "server";
}

/* Check @len bytes just read against the stream. */
static void
side_check(struct sim_side *sd, const uint8_t *buf, size_t len)
{
	struct sim *s = sd->sc->sim;
	uint8_t want[SIM_BUF];

	if (sd->rx_done + len > sd->rx_expect) {
		sim_fail(s, "conn %u %s: read %" PRIu64 " bytes, more than the %" PRIu64 " sent",
		         sd->sc->id, side_name(sd), sd->rx_done + len, sd->rx_expect);
		sd->rx_done += len;
		return;
	}
	for (size_t done = 0; done < len;) {
		size_t n = len - done < SIM_BUF ? len - done : SIM_BUF;
		sim_pattern_fill(want, sd->rx_key, sd->rx_done + done, n);
		if (memcmp(want, buf + done, n) != 0) {
			size_t i = 0;
			while (want[i] == buf[done + i])
				i++;
			sim_fail(s, "conn %u %s: byte %" PRIu64 " is 0x%02x, expected 0x%02x",
			         sd->sc->id, side_name(sd), sd->rx_done + done + i, buf[done + i],
			         want[i]);
			break;
		}
		done += n;
	}
	sd->rx_done += len;
	if (len > 0)
		s->progress_at = s->now;
}

static void side_pump(struct sim_side *sd);

/* The application is done with its side once everything is read and its
 * own writing is over: close (a FIN if not sent yet). */
static void
side_maybe_close(struct sim_side *sd)
{
	if (sd->closed || sd->conn == NULL || !tern_recv_eof(sd->conn))
		return;
	if (sd->rx_done != sd->rx_expect) {
		sim_fail(sd->sc->sim, "conn %u %s: FIN after %" PRIu64 " of %" PRIu64 " bytes",
		         sd->sc->id, side_name(sd), sd->rx_done, sd->rx_expect);
		return;
	}
	if (sd->tx_done < sd->tx_total || sd->close_called)
		return; /* half-close: keep sending after the peer's FIN */
	sd->close_called = true;
	sim_trace(sd->sc->sim, "conn %u %s: close", sd->sc->id, side_name(sd));
	sd->shut = true;
	int ret = tern_close(sd->conn);
	if (ret != 0)
		sim_fail(sd->sc->sim, "conn %u %s: tern_close: %d", sd->sc->id, side_name(sd), ret);
}

/* Abort once enough was read (the closed callback runs inside). */
static bool
side_maybe_abort(struct sim_side *sd)
{
	if (sd->abort_at == 0 || sd->rx_done < sd->abort_at || sd->closed)
		return false;
	sim_trace(sd->sc->sim, "conn %u %s: abort after %" PRIu64 " bytes read", sd->sc->id,
	          side_name(sd), sd->rx_done);
	sd->abort_at = 0;
	tern_abort(sd->conn);
	return true;
}

/* Read what is there (an echo server only what it can send back). */
static void
side_read(struct sim_side *sd)
{
	uint8_t buf[SIM_BUF];

	while (!sd->closed && sd->conn != NULL) {
		size_t want = SIM_BUF;
		if (sd->echo) {
			size_t space = tern_send_space(sd->conn);
			want = space < want ? space : want;
		}
		if (want == 0 || tern_recv_pending(sd->conn) == 0)
			break;
		size_t n;
		if (sd->zero_copy && !sd->echo) {
			struct rte_mbuf *m = tern_recv(sd->conn);
			if (m == NULL)
				break;
			n = 0;
			for (struct rte_mbuf *seg = m; seg != NULL; seg = seg->next) {
				side_check(sd, rte_pktmbuf_mtod(seg, uint8_t *), seg->data_len);
				n += seg->data_len;
			}
			rte_pktmbuf_free(m);
		} else {
			n = tern_recv_copy(sd->conn, buf, want);
			if (n == 0)
				break;
			side_check(sd, buf, n);
		}
		if (sd->echo) {
			ssize_t r = tern_send(sd->conn, buf, n);
			if (r != (ssize_t)n) {
				sim_fail(sd->sc->sim,
				         "conn %u %s: tern_send took %zd of %zu bytes it had room "
				         "for",
				         sd->sc->id, side_name(sd), r, n);
				return;
			}
			sd->tx_done += n;
		}
		if (side_maybe_abort(sd))
			return;
	}
	side_maybe_close(sd);
}

/* Lend the next bytes, up to @n, as a chain of the application's own
 * (tern_send_mbuf): 1 if it was taken, 0 if there is no room now (writable
 * follows), 2 if it was not (tern_send copies these bytes instead), -1
 * after a failure. */
static int
side_lend(struct sim_side *sd, size_t n)
{
	struct sim *s = sd->sc->sim;
	size_t space = tern_send_space(sd->conn);
	uint32_t len, first_rec;

	if (space == 0)
		return 0;
	struct rte_mbuf *m =
	        sim_lend_chain(sd, sd->tx_done, (uint32_t)RTE_MIN(n, space), &len, &first_rec);
	if (m == NULL)
		return 2; /* the applications' pool is dry */
	uint16_t segs = m->nb_segs;
	int ret = tern_send_mbuf(sd->conn, m);
	if (ret == -ENOBUFS) {
		/* Still ours: the core's send budget counts segments, and a
		 * chain of small ones may need more than the room in bytes. */
		s->lend[sd->index].refused++;
		rte_pktmbuf_free(m);
		return 2;
	}
	if (ret != 0) {
		sim_fail(s, "conn %u %s: tern_send_mbuf: %d", sd->sc->id, side_name(sd), ret);
		rte_pktmbuf_free(m);
		return -1;
	}
	sim_lend_taken(s, first_rec);
	sim_trace(s, "conn %u %s: lent %u bytes in %u segments", sd->sc->id, side_name(sd), len,
	          segs);
	s->lend[sd->index].chains++;
	s->lend[sd->index].segs += segs;
	s->lend[sd->index].bytes += len;
	sd->tx_done += len;
	s->progress_at = s->now;
	return 1;
}

/* Write the pattern as far as the send buffer takes it; shut the write side
 * after the last byte where the application says so. */
static void
side_pump(struct sim_side *sd)
{
	uint8_t buf[SIM_BUF];
	struct sim *s = sd->sc->sim;

	if (sd->echo) {
		side_read(sd);
		return;
	}
	while (!sd->closed && sd->tx_done < sd->tx_total) {
		uint64_t left = sd->tx_total - sd->tx_done;
		size_t n = left < sd->chunk ? (size_t)left : sd->chunk;
		if (sd->lend && sim_rng_below(&sd->lend_rng, 2)) {
			int lent = side_lend(sd, n);
			if (lent < 0)
				return;
			if (lent == 0)
				break; /* writable follows */
			if (lent == 1)
				continue;
		}
		sim_pattern_fill(buf, sd->tx_key, sd->tx_done, n);
		ssize_t r = tern_send(sd->conn, buf, n);
		if (r < 0) {
			sim_fail(s, "conn %u %s: tern_send: %zd", sd->sc->id, side_name(sd), r);
			return;
		}
		sd->tx_done += (uint64_t)r;
		if (r > 0)
			s->progress_at = s->now;
		if ((size_t)r < n)
			break; /* writable follows */
	}
	/* Writers shut their side after the last byte (a client at once, even
	 * with nothing to write: half-close); an echo server closes at EOF. */
	if (!sd->closed && !sd->shut && sd->tx_done == sd->tx_total &&
	    (sd->index == 0 || sd->tx_total > 0)) {
		sim_trace(s, "conn %u %s: shutdown after %" PRIu64 " bytes", sd->sc->id,
		          side_name(sd), sd->tx_done);
		sd->shut = true;
		int ret = tern_shutdown(sd->conn);
		if (ret != 0)
			sim_fail(s, "conn %u %s: tern_shutdown: %d", sd->sc->id, side_name(sd),
			         ret);
	}
	side_maybe_close(sd);
}

static void
on_up(struct tern_conn *c, struct sim_side *sd)
{
	sd->conn = c;
	sd->up = true;
	sim_trace(sd->sc->sim, "conn %u %s: %s", sd->sc->id, side_name(sd),
	          sd->index == 0 ? "connected" : "accepted");
	if (sd->keepalive)
		tern_set_keepalive(c, 1);
	side_pump(sd);
}

static void
on_accepted(struct tern_conn *c, void *arg)
{
	struct sim_conn *sc = arg;
	struct sim_side *sd = &sc->side[1];

	tern_conn_set_arg(c, sd);
	if (sd->up)
		sim_fail(sc->sim, "conn %u server: accepted twice", sc->id);
	on_up(c, sd);
}

static void
on_connected(struct tern_conn *c, void *arg)
{
	on_up(c, arg);
}

static void
on_readable(struct tern_conn *c, void *arg)
{
	struct sim_side *sd = arg;

	(void)c;
	side_read(sd);
}

static void
on_writable(struct tern_conn *c, void *arg)
{
	struct sim_side *sd = arg;

	(void)c;
	side_pump(sd);
}

static void
on_closed(struct tern_conn *c, void *arg, int reason)
{
	struct sim_side *sd = arg;

	(void)c;
	if (sd->closed)
		sim_fail(sd->sc->sim, "conn %u %s: closed twice", sd->sc->id, side_name(sd));
	sim_trace(sd->sc->sim, "conn %u %s: closed (%d)", sd->sc->id, side_name(sd), reason);
	sd->closed = true;
	sd->reason = reason;
	sd->conn = NULL;
	sd->sc->sim->progress_at = sd->sc->sim->now;
	if (reason != sd->expect_reason)
		sim_fail(sd->sc->sim, "conn %u %s: closed with %d, expected %d", sd->sc->id,
		         side_name(sd), reason, sd->expect_reason);
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

/* Bytes of one stream: often small, often a few times what the buffers on
 * the way hold (so that windows fill and close), rarely MB. */
static uint64_t
pick_size(struct sim *s)
{
	uint64_t r = sim_rng_below(&s->rng, 100);
	uint64_t bufs = (uint64_t)s->cfg[0].tcp_snd_buf + s->cfg[0].tcp_rcv_buf +
	                s->cfg[1].tcp_snd_buf + s->cfg[1].tcp_rcv_buf;

	if (r < 50)
		return sim_rng_log(&s->rng, 1, 32768);
	if (r < 85)
		return RTE_MIN(bufs * sim_rng_range(&s->rng, 50, 300) / 100, 3000000ull);
	if (r < 99)
		return sim_rng_log(&s->rng, 1, 300000);
	return sim_rng_range(&s->rng, 1000000, 3000000);
}

static void
conn_setup(struct sim *s, struct sim_conn *sc)
{
	struct sim_side *cl = &sc->side[0], *sv = &sc->side[1];
	uint64_t key = sim_rng_next(&s->rng);

	sc->kind = (enum sim_app_kind)sim_rng_below(&s->rng, APP_KINDS);
	for (int i = 0; i < 2; i++) {
		struct sim_side *sd = &sc->side[i];
		sd->sc = sc;
		sd->index = (unsigned)i;
		sd->chunk = (uint32_t)sim_rng_log(&s->rng, 1, SIM_BUF);
		sd->zero_copy = sim_rng_below(&s->rng, 2);
		/* From the second stream: seeds without lending stay as
		 * they were. */
		sd->lend = s->host[i].lend;
		sim_rng_seed(&sd->lend_rng, sim_rng_next(&s->xrng));
	}
	cl->tx_key = key;
	sv->tx_key = key ^ 0x5555555555555555ull;
	cl->tx_total = pick_size(s);
	bool abort_echo = sim_rng_below(&s->rng, 2);
	/* An abort interrupts an echo or streams both ways. */
	bool echo = sc->kind == APP_ECHO || (sc->kind == APP_ABORT && abort_echo);
	if (echo) {
		sv->echo = true;
		sv->tx_key = cl->tx_key;
		sv->tx_total = cl->tx_total;
	} else if (sc->kind == APP_BOTH || sc->kind == APP_ABORT) {
		sv->tx_total = pick_size(s);
	} else if (sc->kind == APP_HALF_CLOSE) {
		cl->tx_total = sim_rng_log(&s->rng, 1, 4096);
		sv->tx_total = pick_size(s);
	}
	cl->rx_key = sv->tx_key;
	cl->rx_expect = sv->tx_total;
	sv->rx_key = cl->tx_key;
	sv->rx_expect = cl->tx_total;
	/* Small writes cost a call each: tiny ones only for small streams. */
	for (int i = 0; i < 2; i++)
		if (sc->side[i].chunk < 512 && sc->side[i].tx_total > 65536)
			sc->side[i].chunk += 512;
	if (sc->kind == APP_ABORT) {
		unsigned who = (unsigned)sim_rng_below(&s->rng, 2);
		if (sc->side[who].rx_expect < 2)
			who = !who;
		if (sc->side[who].rx_expect < 2) {
			sc->kind = APP_BOTH; /* nothing to abort in the middle of */
		} else {
			struct sim_side *ab = &sc->side[who];
			ab->abort_at = sim_rng_range(&s->rng, 1, ab->rx_expect - 1);
			ab->expect_reason = -ECONNABORTED;
			sc->side[!who].expect_reason = -ECONNRESET;
			/* The survivor may wait for nothing: keepalive finds the
			 * peer gone even when the RST was lost. */
			cl->keepalive = sv->keepalive = true;
		}
	}
}

void
sim_app_setup(struct sim *s)
{
	s->nb_conns = (unsigned)sim_rng_range(&s->rng, 1, SIM_CONNS_MAX);
	if (sim_rng_below(&s->rng, 2))
		s->nb_conns = 1; /* half the seeds: one connection */
	memset(s->conns, 0, sizeof(s->conns));
	for (unsigned i = 0; i < s->nb_conns; i++) {
		struct sim_conn *sc = &s->conns[i];
		sc->sim = s;
		sc->id = i;
		sc->port = (uint16_t)(SIM_PORT_BASE + i);
		conn_setup(s, sc);
	}
}

void
sim_app_start(struct sim *s)
{
	for (unsigned i = 0; i < s->nb_conns; i++) {
		struct sim_conn *sc = &s->conns[i];
		if (harness_listen(s->h[1], sc->port, &server_ops, sc) != 0)
			sim_fail(s, "conn %u: harness_listen failed", i);
	}
	for (unsigned i = 0; i < s->nb_conns; i++) {
		struct sim_conn *sc = &s->conns[i];
		struct tern_conn *c;
		int ret = tern_connect((struct tern_core *)s->h[0]->eng, s->cfg[1].ip_addr,
		                       sc->port, &client_ops, &sc->side[0], &c);
		if (ret != 0) {
			sim_fail(s, "conn %u: tern_connect: %d", i, ret);
			continue;
		}
		sc->side[0].conn = c;
		sc->client_port = rte_be_to_cpu_16(((struct tcb *)c)->key.local_port);
		sim_trace(s, "conn %u: %s, client %" PRIu64 " bytes, server %" PRIu64 " bytes%s", i,
		          app_names[sc->kind], sc->side[0].tx_total, sc->side[1].tx_total,
		          sc->side[1].echo ? " (echo)" : "");
	}
}

bool
sim_app_done(const struct sim *s)
{
	for (unsigned i = 0; i < s->nb_conns; i++) {
		const struct sim_conn *sc = &s->conns[i];
		for (int j = 0; j < 2; j++) {
			const struct sim_side *sd = &sc->side[j];
			/* An aborted peer's server side may never have been
			 * accepted: nothing to wait for then. */
			if (!sd->closed &&
			    !(j == 1 && !sd->up && sc->side[0].closed && sc->side[0].reason != 0))
				return false;
		}
	}
	return true;
}

void
sim_app_check(struct sim *s)
{
	for (unsigned i = 0; i < s->nb_conns; i++) {
		struct sim_conn *sc = &s->conns[i];
		for (int j = 0; j < 2; j++) {
			struct sim_side *sd = &sc->side[j];
			if (!sd->up && sd->expect_reason != 0)
				continue; /* aborted before this side opened */
			if (!sd->closed) {
				sim_fail(s, "conn %u %s: no closed callback", i, side_name(sd));
				return;
			}
			if (sd->reason != sd->expect_reason) {
				sim_fail(s, "conn %u %s: closed with %d, expected %d", i,
				         side_name(sd), sd->reason, sd->expect_reason);
				return;
			}
			if (sd->expect_reason != 0)
				continue;
			if (sd->rx_done != sd->rx_expect || sd->tx_done != sd->tx_total) {
				sim_fail(s,
				         "conn %u %s: read %" PRIu64 " of %" PRIu64
				         ", wrote %" PRIu64 " of %" PRIu64,
				         i, side_name(sd), sd->rx_done, sd->rx_expect, sd->tx_done,
				         sd->tx_total);
				return;
			}
		}
	}
}

void
sim_app_report(const struct sim *s, FILE *f)
{
	for (unsigned i = 0; i < s->nb_conns; i++) {
		const struct sim_conn *sc = &s->conns[i];
		fprintf(f, "  conn %u %s, client port %u -> %u:\n", i, app_names[sc->kind],
		        sc->client_port, sc->port);
		for (int j = 0; j < 2; j++) {
			const struct sim_side *sd = &sc->side[j];
			fprintf(f,
			        "    %s: up %d closed %d (%d, expected %d) wrote %" PRIu64
			        "/%" PRIu64 " read %" PRIu64 "/%" PRIu64 " shut %d%s%s chunk %u\n",
			        side_name(sd), sd->up, sd->closed, sd->reason, sd->expect_reason,
			        sd->tx_done, sd->tx_total, sd->rx_done, sd->rx_expect, sd->shut,
			        sd->echo ? " echo" : "", sd->zero_copy ? " zero-copy" : "",
			        sd->chunk);
		}
	}
}
