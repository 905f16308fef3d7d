/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Several engines on one net_ring port (harness_multi.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <rte_byteorder.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_malloc.h>

#include "drivers/port.h"
#include "harness_multi.h"
#include "net/arp.h"
#include "tcp/tcp.h"

#define HM_TSC_HZ    1000000000ull /* 1 cycle = 1 ns, as the single harness */
#define HM_TSC_START 1000000000000ull
#define HM_RING_SIZE 4096

struct hm_priv {
	struct hm pub;
	struct port port;
	struct iface ifc;
};

static int
hm_rings(struct hm *hm)
{
	char name[64];

	for (unsigned i = 0; i < hm->nb; i++) {
		snprintf(name, sizeof(name), "hm_rx_%p_%u", (void *)hm, i);
		hm->rx[i] = rte_ring_create(name, HM_RING_SIZE, SOCKET_ID_ANY,
		                            RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "hm_tx_%p_%u", (void *)hm, i);
		hm->tx[i] = rte_ring_create(name, HM_RING_SIZE, SOCKET_ID_ANY,
		                            RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "hm_pool_%p_%u", (void *)hm, i);
		hm->pools[i] = rte_pktmbuf_pool_create_by_ops(
		        name, hm->cfg.pool_mbufs, hm->cfg.pool_cache, 0,
		        hm->cfg.pool_data_room + RTE_PKTMBUF_HEADROOM, SOCKET_ID_ANY,
		        config_pool_ops(&hm->cfg));
		if (hm->rx[i] == NULL || hm->tx[i] == NULL || hm->pools[i] == NULL) {
			fprintf(stderr, "hm: rings or pool: %s\n", rte_strerror(rte_errno));
			return -ENOMEM;
		}
	}
	return 0;
}

static int
hm_port(struct hm_priv *p)
{
	struct hm *hm = &p->pub;
	char name[64];

	if (hm_rings(hm) != 0)
		return -ENOMEM;
	/* A ring port's vdev outlives its close: never reuse a name. */
	static unsigned ports_made;
	snprintf(name, sizeof(name), "hmport%u", ports_made++);
	int id = rte_eth_from_rings(name, hm->rx, hm->nb, hm->tx, hm->nb, SOCKET_ID_ANY);
	if (id < 0) {
		fprintf(stderr, "hm: rte_eth_from_rings: %s\n", rte_strerror(rte_errno));
		return -ENODEV;
	}
	hm->port_id = (uint16_t)id;
	hm->cfg.port_id = hm->port_id;
	return port_open(&p->port, &hm->cfg, (uint16_t)hm->nb, hm->pools, stderr);
}

/* Initialise the engines (allocated) on the port and connect their
 * steering rings, as the runtime does. */
static int
hm_engines_start(struct hm *hm)
{
	struct hm_priv *p = (struct hm_priv *)hm;
	int ret;

	for (unsigned i = 0; i < hm->nb; i++) {
		ret = engine_init(hm->engines[i], &hm->cfg, &p->ifc, hm->port_id, i, hm->pools[i],
		                  HM_TSC_HZ, hm->tsc);
		if (ret != 0)
			return ret;
	}
	for (unsigned i = 0; i < hm->nb; i++) {
		ret = engine_connect(hm->engines[i], hm->engines, hm->nb);
		if (ret != 0)
			return ret;
	}
	for (unsigned i = 0; i < hm->nb; i++)
		engine_link(hm->engines[i]);
	return 0;
}

static void
hm_empty_ring(struct rte_ring *r)
{
	struct rte_mbuf *m;

	while (r != NULL && rte_ring_dequeue(r, (void **)&m) == 0)
		rte_pktmbuf_free(m);
}

struct hm *
hm_open(const struct config *cfg, unsigned nb)
{
	if (nb < 2 || nb > HM_ENGINES_MAX || harness_eal_init() != 0)
		return NULL;
	struct hm_priv *p = calloc(1, sizeof(*p));
	struct hm *hm = &p->pub;
	if (cfg != NULL)
		hm->cfg = *cfg;
	else
		harness_config_defaults(&hm->cfg);
	hm->nb = nb;
	hm->tsc = HM_TSC_START;
	if (hm_port(p) != 0) {
		hm_close(hm);
		return NULL;
	}
	iface_init(&p->ifc, &hm->cfg, &p->port);
	for (unsigned i = 0; i < nb; i++) {
		hm->engines[i] =
		        rte_zmalloc("hm_engine", sizeof(struct engine), RTE_CACHE_LINE_SIZE);
		if (hm->engines[i] == NULL) {
			hm_close(hm);
			return NULL;
		}
	}
	if (hm_engines_start(hm) != 0) {
		hm_close(hm);
		return NULL;
	}
	return hm;
}

int
hm_reset(struct hm *hm)
{
	for (unsigned i = 0; i < hm->nb; i++)
		engine_fini(hm->engines[i]);
	for (unsigned i = 0; i < hm->nb; i++) {
		hm_empty_ring(hm->rx[i]);
		hm_empty_ring(hm->tx[i]);
	}
	hm->tsc = HM_TSC_START;
	return hm_engines_start(hm);
}

static void
hm_free_ring(struct rte_ring *r)
{
	hm_empty_ring(r);
	rte_ring_free(r);
}

void
hm_close(struct hm *hm)
{
	struct hm_priv *p = (struct hm_priv *)hm;

	if (hm == NULL)
		return;
	for (unsigned i = 0; i < hm->nb; i++)
		if (hm->engines[i] != NULL)
			engine_fini(hm->engines[i]);
	for (unsigned i = 0; i < hm->nb; i++)
		rte_free(hm->engines[i]);
	if (p->port.started)
		port_close(&p->port);
	for (unsigned i = 0; i < hm->nb; i++) {
		hm_free_ring(hm->rx[i]);
		hm_free_ring(hm->tx[i]);
		rte_mempool_free(hm->pools[i]);
	}
	free(p);
}

void
hm_inject(struct hm *hm, unsigned q, struct rte_mbuf **frames, unsigned n)
{
	unsigned done = rte_ring_enqueue_burst(hm->rx[q], (void **)frames, n, NULL);

	for (unsigned i = done; i < n; i++)
		rte_pktmbuf_free(frames[i]);
}

static bool
hm_busy(const struct hm *hm)
{
	for (unsigned i = 0; i < hm->nb; i++) {
		const struct steer *st = &hm->engines[i]->steer;
		if (!rte_ring_empty(hm->rx[i]))
			return true;
		for (unsigned j = 0; j < hm->nb; j++)
			if (st->in[j] != NULL && !rte_ring_empty(st->in[j]))
				return true;
	}
	return false;
}

void
hm_poll(struct hm *hm)
{
	/* Bounded: a test whose engines kept each other busy for ever fails
	 * its checks instead of hanging. */
	for (unsigned round = 0; round < 1000; round++) {
		for (unsigned i = 0; i < hm->nb; i++)
			engine_poll(hm->engines[i], hm->tsc);
		if (!hm_busy(hm))
			return;
	}
}

void
hm_advance_us(struct hm *hm, uint64_t us)
{
	hm->tsc += us * (HM_TSC_HZ / 1000000);
	hm_poll(hm);
}

unsigned
hm_collect(struct hm *hm, unsigned q, struct rte_mbuf **out, unsigned max)
{
	unsigned n = rte_ring_dequeue_burst(hm->tx[q], (void **)out, max, NULL);

	harness_flatten(out, n);
	return n;
}

int
hm_listen(struct hm *hm, uint16_t port, const struct tern_conn_ops *ops, void *arg)
{
	for (unsigned e = 0; e < hm->nb; e++) {
		struct tcp_listener *l = hm->engines[e]->tcp.listeners;
		unsigned i = 0;
		while (i < TCP_LISTENERS_MAX && l[i].port_be != 0)
			i++;
		if (i == TCP_LISTENERS_MAX)
			return -ENOSPC;
		l[i] = (struct tcp_listener){ .port_be = rte_cpu_to_be_16(port),
			                      .ops = ops,
			                      .arg = arg };
	}
	return 0;
}

void
hm_learn(struct hm *hm, uint32_t ip, const struct rte_ether_addr *mac)
{
	struct arp_note note = { .ip_be = rte_cpu_to_be_32(ip) };

	rte_ether_addr_copy(mac, &note.mac);
	for (unsigned i = 0; i < hm->nb; i++)
		arp_note_merge(hm->engines[i], &note);
}

unsigned
hm_pools_in_use(const struct hm *hm)
{
	unsigned n = 0;

	for (unsigned i = 0; i < hm->nb; i++)
		n += rte_mempool_in_use_count(hm->pools[i]);
	return n;
}

const struct iface *
hm_iface(const struct hm *hm)
{
	return &((const struct hm_priv *)hm)->ifc;
}
