/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-pair-bench: raw frame rate between two in-memory ports, ethdev bursts
 * only (no stack), to choose the port pair Tern uses for tests and benchmarks.
 *
 *   ring:      one process, two net_ring ports cross-wired by rte_eth_from_rings;
 *              pair_tx_loop on a worker lcore, pair_rx_loop on the main lcore,
 *              or pair_one_loop doing both on the main lcore (--lcores 1)
 *   memif:     the same loops over two net_memif vdevs of this process, joined
 *              by one socket: port 1 (role=client) sends to port 0 (role=server)
 *   memif-tx:  pair_tx_loop on the main lcore, port 0 = net_memif (role=client)
 *   memif-rx:  pair_rx_loop on the main lcore, port 0 = net_memif (role=server)
 *
 * Shutdown: the sender stops first and ends with a marker frame that carries
 * how many frames it sent. The receiver leaves its poll loop on the marker (a
 * memif port polled while its peer disconnects reads rings being unmapped) and
 * closes its port; the sender closes second, once its link is down and the
 * disconnect handler is done (pair_wait_link_down). Every mbuf must be back in
 * its pool once the ports are closed.
 *
 * SIGINT/SIGTERM are blocked before the EAL starts its threads and read from a
 * signalfd by the main lcore, as the runtime does: no handler, no global flag.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#define PAIR_NAME          "tern-pair-bench"
#define PAIR_BURST_MAX     64
#define PAIR_POOL_MBUFS    8191
#define PAIR_POOL_CACHE    256
#define PAIR_RING_SIZE     1024
#define PAIR_NB_DESC       1024
#define PAIR_ETHER_DATA    0x88b5 /* IEEE 802 local experimental: a data frame */
#define PAIR_ETHER_MARKER  0x88b6 /* the last frame: carries the sent count */
#define PAIR_IDLE_MS       1000   /* receiver gives up this long after the last frame */
#define PAIR_MARKER_MS     1000   /* sender retries the marker this long */
#define PAIR_LINK_DOWN_MS  1000   /* one-process memif: the server sees the client go */
#define PAIR_SETTLE_MS     50     /* for a disconnect handler to finish */
#define PAIR_SIGNAL_CHECKS 100    /* signalfd reads per second on the main lcore */

enum pair_mode {
	PAIR_RING,
	PAIR_MEMIF,
	PAIR_MEMIF_TX,
	PAIR_MEMIF_RX,
};

struct pair_opts {
	enum pair_mode mode;
	unsigned frame_bytes;
	double duration_s;
	double wait_s; /* memif: how long to wait for the peer */
	unsigned lcores;
	unsigned burst;
};

struct pair_tx {
	uint16_t port;
	uint16_t nb_pending;
	struct rte_mempool *pool;
	uint64_t seq;
	uint64_t sent;       /* data frames tx_burst accepted */
	uint64_t tx_full;    /* tx_burst calls that took less than offered */
	uint64_t alloc_fail; /* bursts the pool could not fill */
	uint64_t tsc_start;
	uint64_t tsc_end;
	bool marker_sent;
	struct rte_mbuf *pending[PAIR_BURST_MAX];
} __rte_cache_aligned;

struct pair_rx {
	uint16_t port;
	bool marker_seen;
	uint64_t received; /* data frames */
	uint64_t bytes;
	uint64_t sent;     /* from the marker */
	uint64_t tsc_wait; /* when the wait for the first frame began */
	uint64_t tsc_first;
	uint64_t tsc_last;
} __rte_cache_aligned;

/* Sender and receiver state on cache lines of their own: two lcores write them. */
struct pair {
	struct pair_opts opt;
	struct pair_tx tx;
	struct pair_rx rx;
	struct rte_mempool *pool;
	struct rte_ring *rings[2];
	uint16_t ports[2]; /* in stop order: the sender's port first */
	unsigned nb_ports;
	uint64_t hz;
	uint64_t next_signal_check;
	int sigfd;
	bool stop; /* set by the main lcore, read by the sender */
};

static const struct rte_ether_hdr pair_eth_template = {
	.dst_addr.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 },
	.src_addr.addr_bytes = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
};

static void
pair_usage(FILE *out)
{
	fprintf(out,
	        "%s: raw frame rate between two in-memory ports (ethdev bursts, no stack)\n\n"
	        "usage: %s [EAL args] -- [--mode ring|memif|memif-tx|memif-rx] [--size BYTES]\n"
	        "       [--duration SECONDS] [--lcores 1|2] [--burst N] [--wait SECONDS]\n\n"
	        "  --mode MODE        ring: two net_ring ports in this process (default);\n"
	        "                     memif: port 1 (role=client) sends to port 0\n"
	        "                     (role=server), two net_memif vdevs of this process;\n"
	        "                     memif-tx / memif-rx: send or receive on port 0, a\n"
	        "                     net_memif vdev joined to the other process\n"
	        "  --size BYTES       frame length, 60..2048 (default 64)\n"
	        "  --duration SECONDS how long the sender sends (default 3)\n"
	        "  --lcores 1|2       ring, memif: sender and receiver on one lcore or two\n"
	        "                     (default 2)\n"
	        "  --burst N          frames per tx/rx burst, 1..%d (default 32)\n"
	        "  --wait SECONDS     memif: how long to wait for the peer (default 10)\n"
	        "  --help, -h         this text\n\n"
	        "Prints one JSON line. Examples:\n"
	        "  %s --no-huge -m 512 --no-pci -l 0-1 --file-prefix pb -- --mode ring\n"
	        "  %s --no-huge -m 512 --no-pci -l 0-1 --file-prefix pb \\\n"
	        "      --vdev net_memif0,role=server,socket=/tmp/tern-memif-0.sock \\\n"
	        "      --vdev net_memif1,role=client,socket=/tmp/tern-memif-0.sock -- --mode "
	        "memif\n"
	        "  %s --no-huge -m 512 --no-pci -l 1 --file-prefix pbr \\\n"
	        "      --vdev net_memif0,role=server,socket=/tmp/tern-memif-1.sock -- --mode "
	        "memif-rx\n"
	        "  %s --no-huge -m 512 --no-pci -l 0 --file-prefix pbt \\\n"
	        "      --vdev net_memif0,role=client,socket=/tmp/tern-memif-1.sock -- --mode "
	        "memif-tx\n"
	        "The server vdev comes first; start the receiver first: the sender ends the run.\n",
	        PAIR_NAME, PAIR_NAME, PAIR_BURST_MAX, PAIR_NAME, PAIR_NAME, PAIR_NAME, PAIR_NAME);
}

/* "--opt VALUE" or "--opt=VALUE": the value, or NULL if argv[*i] is not @opt. */
static const char *
pair_opt_value(int argc, char **argv, int *i, const char *opt, bool *missing)
{
	size_t n = strlen(opt);
	const char *arg = argv[*i];

	if (strncmp(arg, opt, n) != 0)
		return NULL;
	if (arg[n] == '=')
		return arg + n + 1;
	if (arg[n] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static int
pair_parse_number(const char *opt, const char *v, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	if (errno != 0 || end == v || *end != '\0' || *out < lo || *out > hi) {
		fprintf(stderr, "%s: %s '%s': expected a number in %g..%g\n", PAIR_NAME, opt, v, lo,
		        hi);
		return -EINVAL;
	}
	return 0;
}

static int
pair_parse_mode(const char *v, enum pair_mode *mode)
{
	if (strcmp(v, "ring") == 0)
		*mode = PAIR_RING;
	else if (strcmp(v, "memif") == 0)
		*mode = PAIR_MEMIF;
	else if (strcmp(v, "memif-tx") == 0)
		*mode = PAIR_MEMIF_TX;
	else if (strcmp(v, "memif-rx") == 0)
		*mode = PAIR_MEMIF_RX;
	else {
		fprintf(stderr, "%s: --mode '%s': expected ring, memif, memif-tx or memif-rx\n",
		        PAIR_NAME, v);
		return -EINVAL;
	}
	return 0;
}

/* One application option at argv[*i]: 0, or -EINVAL after saying why. */
static int
pair_parse_one(int argc, char **argv, int *i, struct pair_opts *o)
{
	bool missing = false;
	const char *v;
	double x;
	int ret = 0;

	if ((v = pair_opt_value(argc, argv, i, "--mode", &missing)) != NULL)
		ret = pair_parse_mode(v, &o->mode);
	else if ((v = pair_opt_value(argc, argv, i, "--size", &missing)) != NULL) {
		ret = pair_parse_number("--size", v, 60, 2048, &x);
		o->frame_bytes = (unsigned)x;
	} else if ((v = pair_opt_value(argc, argv, i, "--duration", &missing)) != NULL)
		ret = pair_parse_number("--duration", v, 0.1, 60, &o->duration_s);
	else if ((v = pair_opt_value(argc, argv, i, "--lcores", &missing)) != NULL) {
		ret = pair_parse_number("--lcores", v, 1, 2, &x);
		o->lcores = (unsigned)x;
	} else if ((v = pair_opt_value(argc, argv, i, "--burst", &missing)) != NULL) {
		ret = pair_parse_number("--burst", v, 1, PAIR_BURST_MAX, &x);
		o->burst = (unsigned)x;
	} else if ((v = pair_opt_value(argc, argv, i, "--wait", &missing)) != NULL)
		ret = pair_parse_number("--wait", v, 1, 60, &o->wait_s);
	if (missing) {
		fprintf(stderr, "%s: option '%s' needs a value (try --help)\n", PAIR_NAME,
		        argv[*i]);
		return -EINVAL;
	}
	if (v == NULL) {
		fprintf(stderr, "%s: unknown option '%s' (try --help)\n", PAIR_NAME, argv[*i]);
		return -EINVAL;
	}
	return ret;
}

/* Application options after "--"; *eal_argc is what the EAL gets. */
static int
pair_parse(int argc, char **argv, struct pair_opts *o, int *eal_argc, bool *help)
{
	int split = argc;

	*o = (struct pair_opts){
		.mode = PAIR_RING,
		.frame_bytes = 64,
		.duration_s = 3,
		.wait_s = 10,
		.lcores = 2,
		.burst = 32,
	};
	*help = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			*help = true;
		if (strcmp(argv[i], "--") == 0 && split == argc)
			split = i;
	}
	*eal_argc = split;
	if (*help)
		return 0;
	for (int i = split + 1; i < argc; i++)
		if (pair_parse_one(argc, argv, &i, o) != 0)
			return -EINVAL;
	return 0;
}

static int
pair_block_signals(struct pair *p)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -errno;
	p->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return p->sigfd < 0 ? -errno : 0;
}

/* Main lcore only, PAIR_SIGNAL_CHECKS times a second: true once told to stop. */
static bool
pair_check_signal(struct pair *p, uint64_t now)
{
	struct signalfd_siginfo si;

	if (now >= p->next_signal_check) {
		p->next_signal_check = now + p->hz / PAIR_SIGNAL_CHECKS;
		if (read(p->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			__atomic_store_n(&p->stop, true, __ATOMIC_RELEASE);
	}
	return __atomic_load_n(&p->stop, __ATOMIC_RELAXED);
}

static void
pair_fill(struct rte_mbuf *m, uint16_t len, uint16_t ether_type, uint64_t word)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);

	m->data_len = len;
	m->pkt_len = len;
	*eth = pair_eth_template;
	eth->ether_type = rte_cpu_to_be_16(ether_type);
	memcpy(eth + 1, &word, sizeof(word));
}

/* Top the pending burst up to --burst frames and offer it; keep what is refused. */
static void
pair_tx_burst(struct pair_tx *tx, const struct pair_opts *o)
{
	uint16_t n = tx->nb_pending, want = (uint16_t)o->burst;

	if (n < want) {
		if (rte_pktmbuf_alloc_bulk(tx->pool, tx->pending + n, want - n) == 0) {
			for (uint16_t i = n; i < want; i++)
				pair_fill(tx->pending[i], (uint16_t)o->frame_bytes, PAIR_ETHER_DATA,
				          tx->seq++);
			n = want;
		} else
			tx->alloc_fail++;
	}
	if (n == 0)
		return; /* net_memif reads bufs[0] even when asked to send none */
	uint16_t done = rte_eth_tx_burst(tx->port, 0, tx->pending, n);

	tx->sent += done;
	if (done < n) {
		tx->tx_full++;
		memmove(tx->pending, tx->pending + done, (n - done) * sizeof(tx->pending[0]));
	}
	tx->nb_pending = n - done;
}

/* Drop what was never accepted, then offer the marker once. */
static void
pair_tx_marker(struct pair_tx *tx)
{
	struct rte_mbuf *m;

	rte_pktmbuf_free_bulk(tx->pending, tx->nb_pending);
	tx->nb_pending = 0;
	m = rte_pktmbuf_alloc(tx->pool);
	if (m == NULL)
		return;
	pair_fill(m, RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN, PAIR_ETHER_MARKER, tx->sent);
	if (rte_eth_tx_burst(tx->port, 0, &m, 1) == 1)
		tx->marker_sent = true;
	else
		rte_pktmbuf_free(m);
}

static void
pair_rx_burst(struct pair_rx *rx, unsigned burst)
{
	struct rte_mbuf *pkts[PAIR_BURST_MAX];
	uint16_t n = rte_eth_rx_burst(rx->port, 0, pkts, (uint16_t)burst);
	uint64_t frames = 0;

	if (n == 0)
		return;
	for (uint16_t i = 0; i < n; i++) {
		const struct rte_ether_hdr *eth =
		        rte_pktmbuf_mtod(pkts[i], const struct rte_ether_hdr *);

		if (eth->ether_type == rte_cpu_to_be_16(PAIR_ETHER_MARKER)) {
			memcpy(&rx->sent, eth + 1, sizeof(rx->sent));
			rx->marker_seen = true;
			continue;
		}
		frames++;
		rx->bytes += pkts[i]->pkt_len;
	}
	rte_pktmbuf_free_bulk(pkts, n);
	if (frames == 0)
		return;
	rx->tsc_last = rte_rdtsc();
	if (rx->received == 0)
		rx->tsc_first = rx->tsc_last;
	rx->received += frames;
}

/* True once the receiver should leave its loop: marker, silence or no peer. */
static bool
pair_rx_done(const struct pair *p, uint64_t now)
{
	const struct pair_rx *rx = &p->rx;

	if (rx->marker_seen)
		return true;
	if (rx->received == 0)
		return now > rx->tsc_wait + (uint64_t)(p->opt.wait_s * p->hz);
	return now > rx->tsc_last + p->hz * PAIR_IDLE_MS / 1000;
}

/* Sender: bursts until the duration ends or the main lcore says stop, then the marker. */
static int
pair_tx_loop(void *arg)
{
	struct pair *p = arg;
	struct pair_tx *tx = &p->tx;
	bool is_main = rte_lcore_id() == rte_get_main_lcore();
	uint64_t now = rte_rdtsc(), deadline;

	tx->tsc_start = now;
	deadline = now + (uint64_t)(p->opt.duration_s * p->hz);
	while (now < deadline) {
		pair_tx_burst(tx, &p->opt);
		now = rte_rdtsc();
		if (is_main ? pair_check_signal(p, now)
		            : __atomic_load_n(&p->stop, __ATOMIC_RELAXED))
			break;
	}
	tx->tsc_end = rte_rdtsc();
	deadline = tx->tsc_end + p->hz * PAIR_MARKER_MS / 1000;
	do
		pair_tx_marker(tx);
	while (!tx->marker_sent && rte_rdtsc() < deadline);
	return 0;
}

/* Receiver on the main lcore; a signal ends it at once only when no sender here sees it. */
static void
pair_rx_loop(struct pair *p)
{
	uint64_t now;

	do {
		pair_rx_burst(&p->rx, p->opt.burst);
		now = rte_rdtsc();
		if (pair_check_signal(p, now) && p->opt.mode == PAIR_MEMIF_RX)
			break;
	} while (!pair_rx_done(p, now));
}

/* Ring on one lcore: a tx burst, an rx burst, and so on; then drain to the marker. */
static void
pair_one_loop(struct pair *p)
{
	struct pair_tx *tx = &p->tx;
	uint64_t now = rte_rdtsc(), deadline;

	tx->tsc_start = now;
	deadline = now + (uint64_t)(p->opt.duration_s * p->hz);
	while (now < deadline && !pair_check_signal(p, now)) {
		pair_tx_burst(tx, &p->opt);
		pair_rx_burst(&p->rx, p->opt.burst);
		now = rte_rdtsc();
	}
	tx->tsc_end = now;
	deadline = now + p->hz * PAIR_MARKER_MS / 1000;
	do {
		pair_tx_marker(tx);
		pair_rx_burst(&p->rx, p->opt.burst);
	} while (!tx->marker_sent && rte_rdtsc() < deadline);
	pair_rx_loop(p);
}

static int
pair_port_start(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf = { 0 };
	uint16_t nb_rxd = PAIR_NB_DESC, nb_txd = PAIR_NB_DESC;
	int socket = rte_eth_dev_socket_id(port);
	int ret;

	if ((ret = rte_eth_dev_configure(port, 1, 1, &conf)) != 0 ||
	    (ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd)) != 0 ||
	    (ret = rte_eth_rx_queue_setup(port, 0, nb_rxd, socket, NULL, pool)) != 0 ||
	    (ret = rte_eth_tx_queue_setup(port, 0, nb_txd, socket, NULL)) != 0 ||
	    (ret = rte_eth_dev_start(port)) != 0)
		fprintf(stderr, "%s: port %u: cannot start: %s\n", PAIR_NAME, port,
		        rte_strerror(-ret));
	return ret;
}

/* Ring mode: rings[0] carries port 0 -> port 1, rings[1] port 1 -> port 0. */
static int
pair_ring_ports(struct pair *p)
{
	for (unsigned i = 0; i < 2; i++) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "pair_ring%u", i);
		p->rings[i] = rte_ring_create(name, PAIR_RING_SIZE, SOCKET_ID_ANY,
		                              RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (p->rings[i] == NULL) {
			fprintf(stderr, "%s: ring %s: %s\n", PAIR_NAME, name,
			        rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	for (unsigned i = 0; i < 2; i++) {
		char name[32];

		snprintf(name, sizeof(name), "pair_port%u", i);
		int id = rte_eth_from_rings(name, &p->rings[1 - i], 1, &p->rings[i], 1,
		                            SOCKET_ID_ANY);
		if (id < 0) {
			fprintf(stderr, "%s: rte_eth_from_rings: %s\n", PAIR_NAME,
			        rte_strerror(rte_errno));
			return -ENODEV;
		}
		p->ports[p->nb_ports++] = (uint16_t)id;
	}
	return 0;
}

/*
 * memif modes: ports 0 .. @n - 1 must be net_memif vdevs from the EAL command line,
 * the server first (it creates the listening socket that the client then shares).
 * ports[] is in stop order, the sender's port first: the client, the last port.
 */
static int
pair_memif_ports(struct pair *p, uint16_t n)
{
	struct rte_eth_dev_info info;

	for (uint16_t port = n; port-- > 0;) {
		if (!rte_eth_dev_is_valid_port(port) || rte_eth_dev_info_get(port, &info) != 0 ||
		    strstr(info.driver_name, "memif") == NULL) {
			fprintf(stderr,
			        "%s: port %u is not net_memif: give --vdev net_memif%u,role=...\n",
			        PAIR_NAME, port, port);
			return -ENODEV;
		}
		p->ports[p->nb_ports++] = port;
	}
	return 0;
}

static int
pair_wait_link(struct pair *p, uint16_t port)
{
	uint64_t deadline = rte_rdtsc() + (uint64_t)(p->opt.wait_s * p->hz);
	struct rte_eth_link link;

	while (rte_rdtsc() < deadline && !pair_check_signal(p, rte_rdtsc())) {
		if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status)
			return 0;
		rte_delay_ms(10);
	}
	fprintf(stderr, "%s: port %u: no peer after %g s\n", PAIR_NAME, port, p->opt.wait_s);
	return -ETIMEDOUT;
}

/*
 * memif: a port hears of its peer's close on the interrupt thread, and stopping
 * the port while that handler runs disconnects it twice at once ("EAL: Error:
 * Invalid memory" from rte_free). So whichever side closes second waits for the
 * link to go down, which happens as the handler starts, then lets the handler
 * finish. Bounded by @timeout_ms.
 */
static void
pair_wait_link_down(const struct pair *p, uint16_t port, uint64_t timeout_ms)
{
	uint64_t deadline = rte_rdtsc() + p->hz * timeout_ms / 1000;
	struct rte_eth_link link;

	while (rte_rdtsc() < deadline &&
	       (rte_eth_link_get_nowait(port, &link) != 0 || link.link_status))
		rte_delay_ms(1);
	rte_delay_ms(PAIR_SETTLE_MS);
}

static int
pair_setup(struct pair *p)
{
	int ret;

	p->pool = rte_pktmbuf_pool_create("pair_pool", PAIR_POOL_MBUFS, PAIR_POOL_CACHE, 0,
	                                  RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (p->pool == NULL) {
		fprintf(stderr, "%s: mbuf pool: %s\n", PAIR_NAME, rte_strerror(rte_errno));
		return -ENOMEM;
	}
	if (p->opt.mode == PAIR_RING)
		ret = pair_ring_ports(p);
	else
		ret = pair_memif_ports(p, p->opt.mode == PAIR_MEMIF ? 2 : 1);
	/* The receiver's port first: a memif client cannot start before its server. */
	for (unsigned i = p->nb_ports; ret == 0 && i-- > 0;)
		ret = pair_port_start(p->ports[i], p->pool);
	if (ret != 0)
		return ret;
	p->tx = (struct pair_tx){ .port = p->ports[0], .pool = p->pool };
	p->rx = (struct pair_rx){ .port = p->ports[p->nb_ports - 1], .tsc_wait = rte_rdtsc() };
	if (p->nb_ports == 2 && p->opt.lcores == 2 && rte_lcore_count() < 2) {
		fprintf(stderr, "%s: --lcores 2 needs two EAL lcores (-l 0-1)\n", PAIR_NAME);
		return -EINVAL;
	}
	return 0;
}

static int
pair_run(struct pair *p)
{
	unsigned worker;

	switch (p->opt.mode) {
	case PAIR_MEMIF:
		if (pair_wait_link(p, p->tx.port) != 0)
			return -ETIMEDOUT;
		/* fall through */
	case PAIR_RING:
		if (p->opt.lcores == 1) {
			pair_one_loop(p);
			return 0;
		}
		worker = rte_get_next_lcore(-1, 1, 0);
		if (rte_eal_remote_launch(pair_tx_loop, p, worker) != 0)
			return -EBUSY;
		pair_rx_loop(p);
		/* The receiver may have given up: make sure the sender stops too. */
		__atomic_store_n(&p->stop, true, __ATOMIC_RELEASE);
		rte_eal_mp_wait_lcore();
		return 0;
	case PAIR_MEMIF_TX:
		if (pair_wait_link(p, p->tx.port) != 0)
			return -ETIMEDOUT;
		pair_tx_loop(p);
		/* The receiver closes on the marker: close second, once it has. */
		pair_wait_link_down(p, p->tx.port, (uint64_t)(p->opt.wait_s * 1000));
		return 0;
	case PAIR_MEMIF_RX:
		pair_rx_loop(p);
		return 0;
	}
	return -EINVAL;
}

/* Stop and close the ports, the sender's first (no lcore polls now); count the pool. */
static unsigned
pair_teardown(struct pair *p)
{
	unsigned in_use = 0;

	for (unsigned i = 0; i < p->nb_ports; i++) {
		if (i > 0 && p->opt.mode == PAIR_MEMIF)
			pair_wait_link_down(p, p->ports[i], PAIR_LINK_DOWN_MS);
		rte_eth_dev_stop(p->ports[i]);
		rte_eth_dev_close(p->ports[i]);
	}
	if (p->pool != NULL) {
		in_use = rte_mempool_in_use_count(p->pool);
		if (in_use != 0)
			fprintf(stderr, "%s: %u mbufs not back in their pool after close\n",
			        PAIR_NAME, in_use);
		else
			rte_mempool_free(p->pool);
	}
	for (unsigned i = 0; i < 2; i++)
		rte_ring_free(p->rings[i]);
	return in_use;
}

static const char *
pair_mode_name(enum pair_mode mode)
{
	static const char *const names[] = {
		[PAIR_RING] = "ring",
		[PAIR_MEMIF] = "memif",
		[PAIR_MEMIF_TX] = "memif-tx",
		[PAIR_MEMIF_RX] = "memif-rx",
	};

	return names[mode];
}

/* One JSON line: rates over the receiver's first to last frame, bytes without FCS. */
static void
pair_report(const struct pair *p, unsigned in_use)
{
	const struct pair_tx *tx = &p->tx;
	const struct pair_rx *rx = &p->rx;
	enum pair_mode mode = p->opt.mode;
	double tx_s = (double)(tx->tsc_end - tx->tsc_start) / (double)p->hz;
	double rx_s = (double)(rx->tsc_last - rx->tsc_first) / (double)p->hz;
	uint64_t sent = mode == PAIR_MEMIF_RX ? rx->sent : tx->sent;
	bool has_sent = mode != PAIR_MEMIF_RX || rx->marker_seen;

	printf("{\"bench\":\"pair\",\"mode\":\"%s\",\"lcores\":%u,\"frame_bytes\":%u,"
	       "\"burst\":%u,\"duration_s\":%.3f",
	       pair_mode_name(mode), p->nb_ports == 2 ? p->opt.lcores : 1, p->opt.frame_bytes,
	       p->opt.burst, p->opt.duration_s);
	if (mode != PAIR_MEMIF_RX)
		printf(",\"tx_s\":%.3f,\"tx_mpps\":%.3f,\"tx_full\":%" PRIu64
		       ",\"alloc_fail\":%" PRIu64 ",\"marker_sent\":%s",
		       tx_s, tx_s > 0 ? (double)tx->sent / tx_s / 1e6 : 0.0, tx->tx_full,
		       tx->alloc_fail, tx->marker_sent ? "true" : "false");
	if (has_sent)
		printf(",\"sent\":%" PRIu64, sent);
	if (mode != PAIR_MEMIF_TX) {
		printf(",\"received\":%" PRIu64 ",\"rx_s\":%.3f,\"mpps\":%.3f,\"gbps\":%.3f"
		       ",\"marker_seen\":%s",
		       rx->received, rx_s, rx_s > 0 ? (double)rx->received / rx_s / 1e6 : 0.0,
		       rx_s > 0 ? (double)rx->bytes * 8 / rx_s / 1e9 : 0.0,
		       rx->marker_seen ? "true" : "false");
		if (has_sent)
			printf(",\"drops\":%" PRId64, (int64_t)(sent - rx->received));
	}
	printf(",\"mbufs_in_use\":%u}\n", in_use);
	fflush(stdout);
}

int
main(int argc, char **argv)
{
	struct pair p = { .sigfd = -1 };
	int eal_argc, ret;
	bool help;

	if (pair_parse(argc, argv, &p.opt, &eal_argc, &help) != 0)
		return 2;
	if (help) {
		pair_usage(stdout);
		return 0;
	}
	if (pair_block_signals(&p) != 0) {
		fprintf(stderr, "%s: cannot set up signal handling: %s\n", PAIR_NAME,
		        strerror(errno));
		return 1;
	}
	if (rte_eal_init(eal_argc, argv) < 0) {
		fprintf(stderr, "%s: EAL initialisation failed: %s\n", PAIR_NAME,
		        rte_strerror(rte_errno));
		return 1;
	}
	p.hz = rte_get_tsc_hz();
	ret = pair_setup(&p);
	if (ret == 0)
		ret = pair_run(&p);
	unsigned in_use = pair_teardown(&p);

	if (ret == 0)
		pair_report(&p, in_use);
	rte_eal_cleanup();
	close(p.sigfd);
	if (ret == -EINVAL || ret == -ENODEV)
		return 2;
	if (ret != 0 || in_use != 0)
		return 1;
	/* A receiver that never saw the marker cannot vouch for the count. */
	return p.opt.mode == PAIR_MEMIF_RX && !p.rx.marker_seen ? 1 : 0;
}
