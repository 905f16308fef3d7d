/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test harness: a real engine on a net_ring port whose two rings the test
 * holds, and a clock the test moves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring.h>

#include "drivers/port.h"
#include "frames.h"
#include "harness.h"

/* The harness's fake TSC runs at 1 GHz, so 1 cycle is 1 ns. */
#define HARNESS_TSC_HZ    1000000000ull
#define HARNESS_TSC_START 1000000000000ull
#define HARNESS_RING_SIZE 4096

struct harness_priv {
	struct harness pub;
	struct port port;
	struct iface ifc;
	struct engine *peers[1];
};

int
harness_eal_init(void)
{
	/* Tests are single processes with one EAL each: remember it is up. */
	static int state; /* 0 = not yet, 1 = up, <0 = failed */
	char *argv[] = { "tern_test",   "--no-huge",      "-m", "256", "--no-pci",
		         "--no-shconf", "--no-telemetry", "-l", "0",   "--log-level=*:warning",
		         NULL };

	if (state == 0)
		state = rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0 ? -1 : 1;
	return state > 0 ? 0 : state;
}

struct rte_mempool *
harness_pool(void)
{
	struct rte_mempool *mp = rte_mempool_lookup("harness_frames");

	if (mp == NULL)
		mp = rte_pktmbuf_pool_create("harness_frames", 8191, 0, 0,
		                             RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
	return mp;
}

static int
harness_port(struct harness_priv *p)
{
	struct harness *h = &p->pub;
	char name[64];

	snprintf(name, sizeof(name), "hr_in_%p", (void *)p);
	h->rings[0] = rte_ring_create(name, HARNESS_RING_SIZE, SOCKET_ID_ANY,
	                              RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "hr_out_%p", (void *)p);
	h->rings[1] = rte_ring_create(name, HARNESS_RING_SIZE, SOCKET_ID_ANY,
	                              RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (h->rings[0] == NULL || h->rings[1] == NULL) {
		fprintf(stderr, "harness: rings: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	/* A ring port's vdev outlives its close: never reuse a name. */
	static unsigned ports_made;
	snprintf(name, sizeof(name), "hport%u", ports_made++);
	int id = rte_eth_from_rings(name, &h->rings[0], 1, &h->rings[1], 1, SOCKET_ID_ANY);
	if (id < 0) {
		fprintf(stderr, "harness: rte_eth_from_rings: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	h->port_id = (uint16_t)id;
	h->cfg.port_id = h->port_id;
	snprintf(name, sizeof(name), "hpool_%p", (void *)p);
	h->pool = rte_pktmbuf_pool_create_by_ops(name, h->cfg.pool_mbufs, h->cfg.pool_cache, 0,
	                                         h->cfg.pool_data_room + RTE_PKTMBUF_HEADROOM,
	                                         SOCKET_ID_ANY, config_pool_ops(&h->cfg));
	if (h->pool == NULL) {
		fprintf(stderr, "harness: pool: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	return port_open(&p->port, &h->cfg, 1, &h->pool, stderr);
}

void
harness_config_defaults(struct config *cfg)
{
	config_defaults(cfg);
	config_set_ip(cfg, "198.18.0.2/24");
	cfg->pool_mbufs = 4095;
	cfg->pool_cache = 0; /* exact in-use counts */
	cfg->flows = 1024;
	/* Scripts test RFC 6298's timer unless they turn RFC 8985's probe on. */
	cfg->tcp_tail_loss_probe = false;
	/* Scripts derive cwnd and ssthresh from RFC 5681's arithmetic; those
	 * of CUBIC (the default) pin it themselves (test_tcp_cc.c). */
	cfg->tcp_cc = TCP_CC_CHOICE_NEWRENO;
}

struct harness *
harness_open(const struct config *cfg)
{
	if (harness_eal_init() != 0)
		return NULL;
	struct harness_priv *p = calloc(1, sizeof(*p));
	struct harness *h = &p->pub;
	if (cfg != NULL)
		h->cfg = *cfg;
	else
		harness_config_defaults(&h->cfg);
	if (harness_port(p) != 0) {
		harness_close(h);
		return NULL;
	}
	iface_init(&p->ifc, &h->cfg, &p->port);
	h->eng = rte_zmalloc("harness_engine", sizeof(struct engine), RTE_CACHE_LINE_SIZE);
	h->tsc = HARNESS_TSC_START;
	if (h->eng == NULL || engine_init(h->eng, &h->cfg, &p->ifc, h->port_id, 0, h->pool,
	                                  HARNESS_TSC_HZ, h->tsc) != 0) {
		harness_close(h);
		return NULL;
	}
	p->peers[0] = h->eng;
	engine_connect(h->eng, p->peers, 1);
	return h;
}

void
harness_close(struct harness *h)
{
	struct harness_priv *p = (struct harness_priv *)h;

	if (h == NULL)
		return;
	if (h->eng != NULL) {
		engine_fini(h->eng);
		rte_free(h->eng);
	}
	harness_drain(h);
	if (p->port.started)
		port_close(&p->port);
	for (int i = 0; i < 2; i++) {
		struct rte_mbuf *m;
		while (h->rings[i] != NULL && rte_ring_dequeue(h->rings[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(h->rings[i]);
	}
	rte_mempool_free(h->pool);
	free(p);
}

int
harness_reset(struct harness *h, const struct config *cfg)
{
	struct harness_priv *p = (struct harness_priv *)h;
	struct rte_mbuf *m;

	engine_fini(h->eng);
	harness_drain(h);
	while (rte_ring_dequeue(h->rings[0], (void **)&m) == 0)
		rte_pktmbuf_free(m);
	if (cfg != NULL) {
		struct config keep = h->cfg;
		h->cfg = *cfg;
		h->cfg.port_id = keep.port_id;
		h->cfg.pool_mbufs = keep.pool_mbufs;
		h->cfg.pool_cache = keep.pool_cache;
		h->cfg.pool_data_room = keep.pool_data_room;
	}
	p->port.mtu = h->cfg.mtu;
	iface_init(&p->ifc, &h->cfg, &p->port);
	h->tsc = HARNESS_TSC_START;
	int ret = engine_init(h->eng, &h->cfg, &p->ifc, h->port_id, 0, h->pool, HARNESS_TSC_HZ,
	                      h->tsc);
	if (ret != 0)
		return ret;
	engine_connect(h->eng, p->peers, 1);
	return 0;
}

const struct iface *
harness_iface(const struct harness *h)
{
	return &((const struct harness_priv *)h)->ifc;
}

void
harness_inject(struct harness *h, struct rte_mbuf **frames, unsigned n)
{
	unsigned done = rte_ring_enqueue_burst(h->rings[0], (void **)frames, n, NULL);

	for (unsigned i = done; i < n; i++)
		rte_pktmbuf_free(frames[i]);
}

void
harness_poll(struct harness *h)
{
	/* Poll until the RX ring is empty, as a busy engine would. */
	do
		engine_poll(h->eng, h->tsc);
	while (!rte_ring_empty(h->rings[0]));
}

void
harness_advance_us(struct harness *h, uint64_t us)
{
	h->tsc += us * (HARNESS_TSC_HZ / 1000000);
	harness_poll(h);
}

void
harness_flatten(struct rte_mbuf **pkts, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if (pkts[i]->nb_segs == 1)
			continue;
		/* A copy in the test frames' pool: the engine's may have buffers
		 * too small for a whole frame ([pool] data_room). */
		struct rte_mbuf *flat = rte_pktmbuf_copy(pkts[i], harness_pool(), 0, UINT32_MAX);
		if (flat == NULL || flat->nb_segs != 1) {
			fprintf(stderr, "harness: cannot flatten a frame of %u segments\n",
			        pkts[i]->nb_segs);
			abort();
		}
		rte_pktmbuf_free(pkts[i]);
		pkts[i] = flat;
	}
}

unsigned
harness_collect(struct harness *h, struct rte_mbuf **out, unsigned max)
{
	unsigned n = rte_ring_dequeue_burst(h->rings[1], (void **)out, max, NULL);

	harness_flatten(out, n);
	return n;
}

unsigned
harness_drain(struct harness *h)
{
	struct rte_mbuf *m;
	unsigned n = 0;

	while (h->rings[1] != NULL && rte_ring_dequeue(h->rings[1], (void **)&m) == 0) {
		rte_pktmbuf_free(m);
		n++;
	}
	return n;
}

unsigned
harness_exchange(struct harness *h, struct rte_mbuf *in, struct rte_mbuf **out, unsigned max)
{
	harness_inject(h, &in, 1);
	harness_poll(h);
	return harness_collect(h, out, max);
}

int
harness_accept(struct harness *h, uint16_t peer_port, uint16_t us_port, uint32_t peer_isn,
               uint32_t *iss)
{
	const struct rte_ether_addr *mac = &harness_iface(h)->mac;
	struct rte_mbuf *out[4];
	struct frame_tcp t;
	unsigned n;

	n = harness_exchange(h,
	                     frame_peer_tcp(harness_pool(), mac, peer_port, us_port, peer_isn, 0,
	                                    TH_SYN, NULL, 0),
	                     out, RTE_DIM(out));
	bool synack = n == 1 && frame_tcp_read(out[0], &t) == 0 && t.flags == (TH_SYN | TH_ACK);
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(out[i]);
	if (!synack)
		return -1;
	*iss = t.seq;
	n = harness_exchange(h,
	                     frame_peer_tcp(harness_pool(), mac, peer_port, us_port, peer_isn + 1,
	                                    t.seq + 1, TH_ACK, NULL, 0),
	                     out, RTE_DIM(out));
	for (unsigned i = 0; i < n; i++)
		rte_pktmbuf_free(out[i]);
	return n == 0 ? 0 : -1;
}

int
harness_listen(struct harness *h, uint16_t port, const struct tern_conn_ops *ops, void *arg)
{
	struct tcp_listener *l = h->eng->tcp.listeners;

	for (unsigned i = 0; i < TCP_LISTENERS_MAX; i++) {
		if (l[i].port_be != 0)
			continue;
		l[i].port_be = rte_cpu_to_be_16(port);
		l[i].ops = ops;
		l[i].arg = arg;
		return 0;
	}
	return -ENOSPC;
}

void
harness_learn(struct harness *h, uint32_t ip, const struct rte_ether_addr *mac)
{
	struct arp_note note = { .ip_be = rte_cpu_to_be_32(ip) };

	rte_ether_addr_copy(mac, &note.mac);
	arp_note_merge(h->eng, &note);
}

unsigned
harness_pool_in_use(const struct harness *h)
{
	return rte_mempool_in_use_count(h->pool);
}
