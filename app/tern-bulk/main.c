/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-bulk: bulk transfer over Tern, as client or server, sending a fixed
 * pattern or sinking what arrives, with the goodput and the SHA-256 of the
 * bytes each connection saw. What tests and benchmarks check byte-exactness
 * and throughput with (tests/integration/bulk_peer.py is the Linux side).
 *
 *   tern-bulk [EAL args] -- [--config FILE] [--ip ADDR/LEN]
 *             (--listen PORT | --connect A.B.C.D:PORT) (--send BYTES | --sink)
 *             [--conns N]
 *
 *   accepted/connected -> bulk_pump (send: from the writable callback on)
 *                       | bulk_sink_readable (sink: hash the mbufs, free them)
 *   closed             -> one "tern-bulk: sent|received ..." line; a client
 *                         stops the runtime when its last connection ends
 *
 * The pattern: byte i of a stream is (i * 7) mod 251. 251 is prime, so the
 * period does not line up with segment or buffer sizes, and a byte that is
 * lost, repeated or moved changes the hash.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <sodium.h>

#include <tern.h>

#define BULK_PERIOD        251u   /* the pattern repeats every 251 bytes */
#define BULK_CHUNK         16384u /* bytes offered to tern_send at a time */
#define BULK_SERVER_SLOTS  4096u  /* default connections served at once, per core */
#define BULK_MAX_CONNS     1000000u
#define BULK_SINK_ANY      UINT64_MAX /* --sink without a byte count */
#define BULK_SINK_BARE_ARG "--sink=any"

enum bulk_role {
	BULK_ROLE_NONE = 0,
	BULK_SERVER,
	BULK_CLIENT,
};

enum bulk_dir {
	BULK_DIR_NONE = 0,
	BULK_SEND,
	BULK_SINK,
};

/* Tags the first field of what a connection's argument points to. Tern calls
 * closed() with the listener's argument for a passive open that was never
 * accepted (a SYN-ACK that timed out, or the runtime stopping), so the two
 * must be told apart. */
enum bulk_obj {
	BULK_OBJ_APP = 1,
	BULK_OBJ_CONN,
};

struct bulk_opts {
	enum bulk_role role;
	uint32_t ip; /* client: the server's address, host order */
	uint16_t port;
	enum bulk_dir dir;
	uint64_t send_bytes;
	uint64_t sink_expect; /* BULK_SINK_ANY: whatever comes before EOF */
	unsigned conns;       /* 0: the role's default */
};

struct bulk_core;

/* One transfer. */
struct bulk_conn {
	enum bulk_obj obj;
	struct bulk_core *bcore;
	struct bulk_conn *free_next;
	uint64_t bytes;    /* sent (taken by tern_send) or received */
	uint64_t start_us; /* established */
	uint64_t end_us;   /* sink: EOF; a sender ends when closed */
	bool done;         /* send: every byte queued and closed; sink: EOF seen */
	crypto_hash_sha256_state sha;
};

/* What one engine (lcore) owns; touched by that engine only while running. */
struct bulk_core {
	const struct bulk *b;
	struct tern_core *core;
	struct bulk_conn *slots; /* allocated by the engine itself at start */
	struct bulk_conn *free;
	unsigned nb_slots;
	unsigned opened;    /* client: connections tern_connect accepted */
	unsigned finished;  /* closed callbacks, good or bad */
	unsigned completed; /* transfers that ended normally */
	unsigned failed;
	unsigned refused; /* server: accepted with no free slot */
	uint64_t bytes;   /* of the completed transfers */
	uint64_t first_start_us;
	uint64_t last_end_us;
};

struct bulk {
	enum bulk_obj obj; /* BULK_OBJ_APP: tern_listen()'s argument */
	struct bulk_opts opt;
	unsigned start_failed; /* engines that could not set up (read after the run) */
	/* The pattern from offset 0, long enough that any chunk of BULK_CHUNK
	 * bytes starting at any phase is one contiguous run. Read only. */
	uint8_t pattern[BULK_PERIOD + BULK_CHUNK];
	struct bulk_core cores[RTE_MAX_LCORE];
};

/* ---- options ------------------------------------------------------------ */

static const struct tern_opt bulk_opts[] = {
	{ "--listen", "PORT", "server: accept connections on TCP PORT until SIGINT" },
	{ "--connect", "A.B.C.D:PORT", "client: connect, transfer, exit when all are done" },
	{ "--send", "BYTES", "send BYTES of the pattern, then close (suffix k M G, KiB MiB GiB)" },
	{ "--sink", "[=BYTES]", "read until EOF (with =BYTES: and insist on that many)" },
	{ "--conns", "N", "client: connections at once (1); server: most at once per core (4096)" },
	{ NULL, NULL, NULL },
};

static const struct bulk_unit {
	const char *suffix;
	uint64_t mult;
} bulk_units[] = {
	{ "", 1 },           { "B", 1 },           { "k", 1000 },       { "K", 1000 },
	{ "kB", 1000 },      { "KB", 1000 },       { "M", 1000000 },    { "MB", 1000000 },
	{ "G", 1000000000 }, { "GB", 1000000000 }, { "KiB", 1u << 10 }, { "MiB", 1u << 20 },
	{ "GiB", 1u << 30 },
};

/* "123", "10MiB", "1G": a byte count. Decimal suffixes are powers of 1000,
 * the -iB ones powers of 1024. */
static int
bulk_parse_bytes(const char *s, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	uint64_t v = strtoull(s, &end, 10);
	if (errno != 0)
		return -EINVAL;
	for (size_t i = 0; i < RTE_DIM(bulk_units); i++) {
		if (strcmp(end, bulk_units[i].suffix) != 0)
			continue;
		if (v > UINT64_MAX / 2 / bulk_units[i].mult)
			return -EINVAL;
		*out = v * bulk_units[i].mult;
		return 0;
	}
	return -EINVAL;
}

static int
bulk_parse_port(const char *s, uint16_t *port)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	unsigned long v = strtoul(s, &end, 10);
	if (*end != '\0' || v == 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

static int
bulk_parse_endpoint(const char *s, uint32_t *ip, uint16_t *port)
{
	char host[INET_ADDRSTRLEN];
	const char *colon = strrchr(s, ':');
	struct in_addr a;

	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (inet_pton(AF_INET, host, &a) != 1)
		return -EINVAL;
	*ip = ntohl(a.s_addr);
	return bulk_parse_port(colon + 1, port);
}

static int
bulk_parse_role(struct bulk_opts *o, const char *opt, const char *v)
{
	if (o->role != BULK_ROLE_NONE) {
		fprintf(stderr, "tern-bulk: %s: give one of --listen or --connect, once\n", opt);
		return -EBADMSG;
	}
	if (strcmp(opt, "--listen") == 0) {
		o->role = BULK_SERVER;
		return bulk_parse_port(v, &o->port);
	}
	o->role = BULK_CLIENT;
	return bulk_parse_endpoint(v, &o->ip, &o->port);
}

static int
bulk_parse_dir(struct bulk_opts *o, const char *opt, const char *v)
{
	if (o->dir != BULK_DIR_NONE) {
		fprintf(stderr, "tern-bulk: %s: give one of --send or --sink, once\n", opt);
		return -EBADMSG;
	}
	if (strcmp(opt, "--send") == 0) {
		o->dir = BULK_SEND;
		return bulk_parse_bytes(v, &o->send_bytes);
	}
	o->dir = BULK_SINK;
	if (strcmp(v, "any") == 0) {
		o->sink_expect = BULK_SINK_ANY;
		return 0;
	}
	return bulk_parse_bytes(v, &o->sink_expect);
}

static int
bulk_parse_opt(void *ctx, const char *opt, const char *v)
{
	struct bulk_opts *o = ctx;

	if (strcmp(opt, "--listen") == 0 || strcmp(opt, "--connect") == 0)
		return bulk_parse_role(o, opt, v);
	if (strcmp(opt, "--send") == 0 || strcmp(opt, "--sink") == 0)
		return bulk_parse_dir(o, opt, v);
	if (strcmp(opt, "--conns") == 0) {
		char *end;
		unsigned long n = strtoul(v, &end, 10);
		if (*v < '0' || *v > '9' || *end != '\0' || n == 0 || n > BULK_MAX_CONNS)
			return -EINVAL;
		o->conns = (unsigned)n;
		return 0;
	}
	return -EINVAL;
}

/* Tern's options all take a value; "--sink" on its own reads until EOF, so
 * it is spelled out as "--sink=any" before the parser sees it. */
static void
bulk_rewrite_sink(int argc, char **argv, char *sink_any)
{
	int i = 1;

	while (i < argc && strcmp(argv[i], "--") != 0)
		i++;
	for (i++; i < argc; i++)
		if (strcmp(argv[i], "--sink") == 0)
			argv[i] = sink_any;
}

/* Both a role and a direction, after the parser has seen every option. */
static int
bulk_check_opts(const struct bulk_opts *o)
{
	if (o->role == BULK_ROLE_NONE) {
		fprintf(stderr, "tern-bulk: give --listen PORT or --connect A.B.C.D:PORT\n");
		return -EINVAL;
	}
	if (o->dir == BULK_DIR_NONE) {
		fprintf(stderr, "tern-bulk: give --send BYTES or --sink\n");
		return -EINVAL;
	}
	return 0;
}

/* ---- transfers ---------------------------------------------------------- */

static struct bulk_core *
bulk_core_of(struct bulk *b, struct tern_conn *c)
{
	return &b->cores[tern_core_index(tern_conn_core(c))];
}

static double
bulk_mbit_s(uint64_t bytes, uint64_t us)
{
	return us == 0 ? 0.0 : (double)bytes * 8.0 / (double)us;
}

static void
bulk_print_result(const struct bulk_conn *bc, const char *what)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	char hex[2 * crypto_hash_sha256_BYTES + 1];
	crypto_hash_sha256_state sha = bc->sha;
	uint64_t us = bc->end_us - bc->start_us;

	crypto_hash_sha256_final(&sha, digest);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	printf("tern-bulk: %s %" PRIu64 " bytes in %.3f s, %.1f Mbit/s, sha256 %s\n", what,
	       bc->bytes, (double)us / 1e6, bulk_mbit_s(bc->bytes, us), hex);
	fflush(stdout);
}

static void
bulk_print_failure(struct tern_conn *c, const struct bulk_conn *bc, int reason)
{
	uint32_t ip;
	uint16_t port;
	const char *why = reason != 0 ? strerror(-reason) : "closed before the transfer ended";

	tern_conn_peer(c, &ip, &port);
	fprintf(stderr,
	        "tern-bulk: connection with %u.%u.%u.%u:%u failed after %" PRIu64 " bytes: %s\n",
	        ip >> 24, (ip >> 16) & 0xff, (ip >> 8) & 0xff, ip & 0xff, port, bc->bytes, why);
}

/* A client with several connections also prints their sum. */
static void
bulk_print_total(const struct bulk_core *bcore)
{
	const struct bulk_opts *o = &bcore->b->opt;
	uint64_t us = bcore->last_end_us - bcore->first_start_us;

	printf("tern-bulk: %u of %u connections completed, %s %" PRIu64
	       " bytes in %.3f s, %.1f Mbit/s\n",
	       bcore->completed, bcore->opened, o->dir == BULK_SEND ? "sent" : "received",
	       bcore->bytes, (double)us / 1e6, bulk_mbit_s(bcore->bytes, us));
	fflush(stdout);
}

static struct bulk_conn *
bulk_conn_get(struct bulk_core *bcore)
{
	struct bulk_conn *bc = bcore->free;

	if (bc == NULL)
		return NULL;
	bcore->free = bc->free_next;
	bc->obj = BULK_OBJ_CONN;
	bc->bcore = bcore;
	bc->bytes = 0;
	bc->start_us = bc->end_us = 0;
	bc->done = false;
	crypto_hash_sha256_init(&bc->sha);
	return bc;
}

static void
bulk_conn_put(struct bulk_conn *bc)
{
	struct bulk_core *bcore = bc->bcore;

	bc->free_next = bcore->free;
	bcore->free = bc;
}

/* Queue as much of the pattern as Tern takes; when it is full, the writable
 * callback brings us back, so at most one send buffer is ever held. */
static void
bulk_pump(struct tern_conn *c, struct bulk_conn *bc)
{
	const struct bulk *b = bc->bcore->b;
	uint64_t total = b->opt.send_bytes;

	while (bc->bytes < total) {
		size_t n = (size_t)RTE_MIN((uint64_t)BULK_CHUNK, total - bc->bytes);
		const uint8_t *p = &b->pattern[bc->bytes % BULK_PERIOD];
		ssize_t done = tern_send(c, p, n);
		if (done <= 0)
			return; /* full (writable follows) or failing (closed follows) */
		crypto_hash_sha256_update(&bc->sha, p, (unsigned long long)done);
		bc->bytes += (uint64_t)done;
	}
	if (!bc->done) {
		bc->done = true;
		tern_close(c); /* the FIN follows the data; closed() when both FINs are acked */
	}
}

static void
bulk_start(struct tern_conn *c, struct bulk_conn *bc)
{
	struct bulk_core *bcore = bc->bcore;

	tern_conn_set_arg(c, bc);
	bc->start_us = tern_core_now_us(bcore->core);
	if (bcore->first_start_us == 0)
		bcore->first_start_us = bc->start_us;
	if (bcore->b->opt.dir == BULK_SEND)
		bulk_pump(c, bc);
}

static void
bulk_accepted(struct tern_conn *c, void *arg)
{
	struct bulk_core *bcore = bulk_core_of(arg, c);
	struct bulk_conn *bc = bulk_conn_get(bcore);

	if (bc == NULL) {
		bcore->refused++;
		tern_abort(c); /* closed() sees the listener's argument: not counted */
		return;
	}
	bulk_start(c, bc);
}

static void
bulk_connected(struct tern_conn *c, void *arg)
{
	bulk_start(c, arg);
}

static void
bulk_readable(struct tern_conn *c, void *arg)
{
	struct bulk_conn *bc = arg;

	if (bc->obj != BULK_OBJ_CONN)
		return;
	/* Zero copy: hash the segments where they lie, then hand them back. */
	struct rte_mbuf *m = tern_recv(c);
	if (bc->bcore->b->opt.dir == BULK_SINK) {
		for (const struct rte_mbuf *s = m; s != NULL; s = s->next)
			crypto_hash_sha256_update(&bc->sha, rte_pktmbuf_mtod(s, const uint8_t *),
			                          s->data_len);
		bc->bytes += m != NULL ? m->pkt_len : 0;
	}
	rte_pktmbuf_free(m); /* a sender discards whatever the peer says */
	if (bc->bcore->b->opt.dir == BULK_SINK && tern_recv_eof(c) && !bc->done) {
		bc->done = true;
		bc->end_us = tern_core_now_us(bc->bcore->core);
		tern_close(c);
	}
}

static void
bulk_writable(struct tern_conn *c, void *arg)
{
	struct bulk_conn *bc = arg;

	if (bc->obj == BULK_OBJ_CONN && bc->bcore->b->opt.dir == BULK_SEND)
		bulk_pump(c, bc);
}

static bool
bulk_conn_ok(const struct bulk_conn *bc, int reason)
{
	const struct bulk_opts *o = &bc->bcore->b->opt;

	if (reason != 0 || !bc->done)
		return false;
	return o->dir == BULK_SEND || o->sink_expect == BULK_SINK_ANY ||
	       o->sink_expect == bc->bytes;
}

static void
bulk_closed(struct tern_conn *c, void *arg, int reason)
{
	struct bulk_conn *bc = arg;

	if (bc->obj != BULK_OBJ_CONN)
		return; /* a passive open we never accepted */
	struct bulk_core *bcore = bc->bcore;
	const struct bulk_opts *o = &bcore->b->opt;
	if (o->dir == BULK_SEND)
		bc->end_us = tern_core_now_us(bcore->core);
	if (bulk_conn_ok(bc, reason)) {
		bulk_print_result(bc, o->dir == BULK_SEND ? "sent" : "received");
		bcore->completed++;
		bcore->bytes += bc->bytes;
		bcore->last_end_us = RTE_MAX(bcore->last_end_us, bc->end_us);
	} else {
		bulk_print_failure(c, bc, reason);
		bcore->failed++;
	}
	bcore->finished++;
	bulk_conn_put(bc);
	if (o->role == BULK_CLIENT && bcore->finished == bcore->opened) {
		if (bcore->opened > 1)
			bulk_print_total(bcore);
		tern_core_stop_all(bcore->core);
	}
}

static const struct tern_conn_ops bulk_ops = {
	.accepted = bulk_accepted,
	.connected = bulk_connected,
	.readable = bulk_readable,
	.writable = bulk_writable,
	.closed = bulk_closed,
};

/* ---- per engine --------------------------------------------------------- */

static int
bulk_core_setup(struct bulk_core *bcore, unsigned nb_slots)
{
	bcore->slots = calloc(nb_slots, sizeof(*bcore->slots));
	if (bcore->slots == NULL)
		return -ENOMEM;
	bcore->nb_slots = nb_slots;
	for (unsigned i = nb_slots; i-- > 0;) {
		bcore->slots[i].bcore = bcore;
		bulk_conn_put(&bcore->slots[i]);
	}
	return 0;
}

/* The client opens every connection from engine 0, so that one engine sees
 * them all end and knows when to stop. */
static void
bulk_client_open(struct bulk_core *bcore)
{
	const struct bulk_opts *o = &bcore->b->opt;

	for (unsigned i = 0; i < bcore->nb_slots; i++) {
		struct bulk_conn *bc = bulk_conn_get(bcore);
		struct tern_conn *c;
		int ret = tern_connect(bcore->core, o->ip, o->port, &bulk_ops, bc, &c);
		if (ret != 0) {
			fprintf(stderr, "tern-bulk: connection %u of %u: %s\n", i + 1,
			        bcore->nb_slots, strerror(-ret));
			bulk_conn_put(bc);
			bcore->failed++;
			continue;
		}
		bcore->opened++;
	}
	if (bcore->opened == 0)
		tern_core_stop_all(bcore->core);
}

static void
bulk_on_start(struct tern_core *core, void *arg)
{
	struct bulk *b = arg;
	unsigned idx = tern_core_index(core);
	struct bulk_core *bcore = &b->cores[idx];
	bool client = b->opt.role == BULK_CLIENT;

	bcore->b = b;
	bcore->core = core;
	if (client && idx != 0)
		return;
	unsigned def = client ? 1 : BULK_SERVER_SLOTS;
	if (bulk_core_setup(bcore, b->opt.conns != 0 ? b->opt.conns : def) != 0) {
		fprintf(stderr, "tern-bulk: engine %u: no memory for its connections\n", idx);
		__atomic_fetch_add(&b->start_failed, 1, __ATOMIC_RELAXED);
		tern_core_stop_all(core);
		return;
	}
	if (client)
		bulk_client_open(bcore);
}

/* ---- main --------------------------------------------------------------- */

/* Exit status from what the engines counted: 0 only if every transfer ended
 * normally (and a client completed all it opened). */
static int
bulk_status(const struct bulk *b)
{
	unsigned completed = 0, failed = b->start_failed, refused = 0;

	for (unsigned i = 0; i < RTE_MAX_LCORE; i++) {
		completed += b->cores[i].completed;
		failed += b->cores[i].failed;
		refused += b->cores[i].refused;
	}
	if (refused != 0)
		fprintf(stderr, "tern-bulk: %u connections refused: no free slot (--conns)\n",
		        refused);
	if (b->opt.role == BULK_CLIENT && completed == 0)
		failed++;
	return failed != 0 || refused != 0 ? 1 : 0;
}

static void
bulk_pattern_init(struct bulk *b)
{
	for (unsigned i = 0; i < RTE_DIM(b->pattern); i++)
		b->pattern[i] = (uint8_t)((i * 7u) % BULK_PERIOD);
}

int
main(int argc, char **argv)
{
	char sink_any[] = BULK_SINK_BARE_ARG;
	struct bulk *b = calloc(1, sizeof(*b));
	struct tern_app app = {
		.name = "tern-bulk",
		.summary = "send or sink bulk TCP data, printing goodput and SHA-256",
		.opts = bulk_opts,
		.parse_opt = bulk_parse_opt,
	};
	struct tern *t;
	int ret, status;

	if (b == NULL || sodium_init() < 0) {
		fprintf(stderr, "tern-bulk: cannot initialise (memory or libsodium)\n");
		free(b);
		return 1;
	}
	b->obj = BULK_OBJ_APP;
	app.ctx = &b->opt;
	bulk_pattern_init(b);
	bulk_rewrite_sink(argc, argv, sink_any);
	ret = tern_init(argc, argv, &app, &t);
	if (t == NULL) {
		free(b);
		return ret;
	}
	if (bulk_check_opts(&b->opt) != 0) {
		tern_fini(t);
		free(b);
		return 2;
	}
	if (b->opt.role == BULK_SERVER) {
		ret = tern_listen(t, b->opt.port, &bulk_ops, b);
		if (ret != 0) {
			fprintf(stderr, "tern-bulk: cannot listen on %u: %s\n", b->opt.port,
			        strerror(-ret));
			tern_fini(t);
			free(b);
			return 1;
		}
	}
	tern_on_start(t, bulk_on_start, b);
	tern_run(t);
	status = tern_fini(t); /* closed() runs for what is still open: before the count */
	if (bulk_status(b) != 0 && status == 0)
		status = 1;
	for (unsigned i = 0; i < RTE_MAX_LCORE; i++)
		free(b->cores[i].slots);
	free(b);
	return status;
}
