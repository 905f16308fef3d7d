/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet capture (drivers/capture.c) on a real engine over the harness's
 * in-memory port: which side of the fault layer each direction is captured
 * on, the bytes and direction of every block, the switch, and the bound.
 * The file is read back block by block (pcapng, draft-tuexen-opsawg-pcapng:
 * every block is type, total length, body, total length again).
 *
 *   test -> capture_init(file) -> frames in/out through engine_poll
 *        -> capture_fini (the writer empties the rings) -> pcapng_read -> asserts
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "drivers/capture.h"
#include "harness.h"

#define PCAPNG_SHB 0x0a0d0d0au
#define PCAPNG_IDB 1u
#define PCAPNG_ISB 5u
#define PCAPNG_EPB 6u
#define EPB_FLAGS  2u /* option code: epb_flags, direction in bits 0-1 */
#define DIR_IN     1u
#define DIR_OUT    2u
#define FRAMES_MAX 64

struct epb {
	uint32_t dir;
	uint32_t len;
	uint8_t data[256];
};

struct pcapng {
	unsigned nb_epb;
	unsigned nb_isb;
	long size;
	struct epb epb[FRAMES_MAX];
};

struct fixture {
	struct harness *h;
	char path[64];
	struct capture *cap;
};

static uint32_t
u32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The direction from an EPB's options (after the padded packet data). */
static uint32_t
epb_dir(const uint8_t *opt, const uint8_t *end)
{
	while (opt + 4 <= end) {
		uint16_t code, len;
		memcpy(&code, opt, 2);
		memcpy(&len, opt + 2, 2);
		if (code == 0)
			break;
		if (code == EPB_FLAGS && len == 4)
			return u32_at(opt + 4) & 3;
		opt += 4 + ((len + 3u) & ~3u);
	}
	return 0;
}

/* Read @path whole, checking every block's framing. */
static void
pcapng_read(const char *path, struct pcapng *pc)
{
	static uint8_t buf[1 << 20];
	FILE *f = fopen(path, "rb");
	size_t n;

	memset(pc, 0, sizeof(*pc));
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	pc->size = (long)n;
	assert_true(n >= 12 && u32_at(buf) == PCAPNG_SHB);
	for (size_t off = 0; off < n;) {
		uint32_t type = u32_at(buf + off), len = u32_at(buf + off + 4);
		assert_true(len >= 12 && len % 4 == 0 && off + len <= n);
		assert_int_equal(u32_at(buf + off + len - 4), len);
		if (type == PCAPNG_EPB) {
			struct epb *e = &pc->epb[pc->nb_epb++];
			const uint8_t *b = buf + off;
			assert_true(pc->nb_epb <= FRAMES_MAX);
			e->len = u32_at(b + 20);
			assert_true(e->len <= sizeof(e->data));
			memcpy(e->data, b + 28, e->len);
			e->dir = epb_dir(b + 28 + ((e->len + 3u) & ~3u), b + len - 4);
		} else if (type == PCAPNG_ISB) {
			pc->nb_isb++;
		} else {
			assert_true(type == PCAPNG_SHB || type == PCAPNG_IDB);
		}
		off += len;
	}
}

/* A fresh engine with @cfg's faults, capturing into a fresh file. */
static void
start(struct fixture *f, const struct config *cfg, uint64_t max_bytes)
{
	assert_int_equal(harness_reset(f->h, cfg), 0);
	harness_learn(f->h, PEER_IP, &peer_mac);
	assert_int_equal(
	        capture_init(&f->cap, "test_capture", f->path, max_bytes, &f->h->eng, 1, stderr),
	        0);
	assert_ptr_not_equal(f->h->eng->capture, NULL);
}

/* Stop capturing (everything queued is written) and read the file. */
static void
stop(struct fixture *f, struct pcapng *pc)
{
	assert_int_equal(capture_fini(f->cap, stdout), 0);
	f->cap = NULL;
	f->h->eng->capture = NULL; /* it pointed into the capture just freed */
	pcapng_read(f->path, pc);
}

/* Ping us; returns the frames the engine sent (freed), the request's bytes
 * in @req and the first reply's in @reply. */
static unsigned
ping(struct fixture *f, uint16_t seq, uint8_t *req, uint8_t *reply)
{
	struct rte_mbuf *out[4];
	struct rte_mbuf *m =
	        frame_ping(f->h->pool, &harness_iface(f->h)->mac, PEER_IP, US_IP, 7, seq, 56);
	unsigned n;

	if (req != NULL)
		memcpy(req, rte_pktmbuf_mtod(m, void *), rte_pktmbuf_pkt_len(m));
	n = harness_exchange(f->h, m, out, 4);
	for (unsigned i = 0; i < n; i++) {
		if (i == 0 && reply != NULL)
			memcpy(reply, rte_pktmbuf_mtod(out[i], void *),
			       rte_pktmbuf_pkt_len(out[i]));
		rte_pktmbuf_free(out[i]);
	}
	return n;
}

#define PING_LEN (14 + 20 + 8 + 56)

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->h = harness_open(NULL);
	snprintf(f->path, sizeof(f->path), "/tmp/tern-test-capture-%d.pcapng", (int)getpid());
	*state = f;
	return f->h == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->cap != NULL)
		capture_fini(f->cap, stdout);
	harness_drain(f->h);
	assert_int_equal(harness_pool_in_use(f->h), 0);
	harness_close(f->h);
	unlink(f->path);
	free(f);
	return 0;
}

/* A ping and its reply, byte for byte, marked inbound and outbound, and a
 * statistics block at the end. */
static void
test_both_ways(void **state)
{
	struct fixture *f = *state;
	uint8_t req[PING_LEN], reply[PING_LEN];
	struct pcapng pc;

	start(f, NULL, 0);
	assert_int_equal(ping(f, 1, req, reply), 1);
	stop(f, &pc);
	assert_int_equal(pc.nb_epb, 2);
	assert_int_equal(pc.epb[0].dir, DIR_IN);
	assert_int_equal(pc.epb[0].len, PING_LEN);
	assert_memory_equal(pc.epb[0].data, req, PING_LEN);
	assert_int_equal(pc.epb[1].dir, DIR_OUT);
	assert_int_equal(pc.epb[1].len, PING_LEN);
	assert_memory_equal(pc.epb[1].data, reply, PING_LEN);
	assert_int_equal(pc.nb_isb, 1);
}

/* Received frames are captured before the RX faults: a request the fault
 * layer drops is in the file, and nothing answers it. */
static void
test_rx_before_faults(void **state)
{
	struct fixture *f = *state;
	struct config cfg = f->h->cfg;
	uint8_t req[PING_LEN];
	struct pcapng pc;

	cfg.fault_rx.drop = 1.0;
	start(f, &cfg, 0);
	assert_int_equal(ping(f, 2, req, NULL), 0);
	stop(f, &pc);
	assert_int_equal(pc.nb_epb, 1);
	assert_int_equal(pc.epb[0].dir, DIR_IN);
	assert_memory_equal(pc.epb[0].data, req, PING_LEN);
}

/* Sent frames are captured after the TX faults: a reply the fault layer
 * duplicates is in the file twice, as the port got it. */
static void
test_tx_after_faults(void **state)
{
	struct fixture *f = *state;
	struct config cfg = f->h->cfg;
	uint8_t reply[PING_LEN];
	struct pcapng pc;

	cfg.fault_tx.duplicate = 1.0;
	start(f, &cfg, 0);
	assert_int_equal(ping(f, 3, NULL, reply), 2);
	stop(f, &pc);
	assert_int_equal(pc.nb_epb, 3);
	assert_int_equal(pc.epb[0].dir, DIR_IN);
	for (unsigned i = 1; i < 3; i++) {
		assert_int_equal(pc.epb[i].dir, DIR_OUT);
		assert_memory_equal(pc.epb[i].data, reply, PING_LEN);
	}
}

/* Switched off, nothing is copied or counted; switched on again, it is. */
static void
test_switch(void **state)
{
	struct fixture *f = *state;
	struct capture_status st;
	struct pcapng pc;

	start(f, NULL, 0);
	assert_int_equal(capture_switch(f->cap, false), 0);
	assert_int_equal(ping(f, 4, NULL, NULL), 1);
	assert_int_equal(capture_get_status(f->cap, &st), 0);
	assert_false(st.on);
	assert_int_equal(capture_switch(f->cap, true), 0);
	assert_int_equal(ping(f, 5, NULL, NULL), 1);
	stop(f, &pc);
	assert_int_equal(pc.nb_epb, 2);
	assert_int_equal(pc.epb[0].data[PING_LEN - 56 - 1], 5); /* the ICMP sequence's low byte */
}

/* The bound: the file stops below it, whole; what did not fit is counted,
 * and the switch stays off. */
static void
test_bound(void **state)
{
	struct fixture *f = *state;
	struct capture_status st;
	struct pcapng pc;
	const uint64_t max = 2500;

	start(f, NULL, max);
	for (uint16_t i = 0; i < 20; i++)
		assert_int_equal(ping(f, i, NULL, NULL), 1);
	/* The writer decides; wait (bounded) until it has seen all 40 frames. */
	for (unsigned tries = 0; tries < 2000; tries++) {
		capture_get_status(f->cap, &st);
		if (st.written + st.over == 40)
			break;
		usleep(1000);
	}
	assert_true(st.full);
	assert_int_equal(st.written + st.over, 40);
	assert_true(st.written > 0 && st.over > 0);
	assert_int_equal(capture_switch(f->cap, true), -ENOSPC);
	/* Frames after the bound are counted by the engine, not copied. */
	assert_int_equal(ping(f, 99, NULL, NULL), 1);
	capture_get_status(f->cap, &st);
	assert_int_equal(st.written + st.over, 42);
	unsigned written = (unsigned)st.written;
	stop(f, &pc);
	assert_true(pc.size <= (long)max);
	assert_int_equal(pc.nb_epb, written);
	assert_int_equal(pc.nb_isb, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rx_before_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_after_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound, setup, teardown),
	};

	if (harness_eal_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
