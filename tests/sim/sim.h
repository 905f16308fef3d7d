/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The deterministic simulation (DESIGN.md, "Finding bugs before users do"):
 * two real engines talk TCP over a simulated link on a virtual clock; a seed
 * fixes everything (configuration, link, applications, every random choice).
 *
 *   sim_main: seeds -> sim_run_seed: event loop (virtual ns)
 *     -> sim_link (frames between the engines' rings: delay, bandwidth,
 *        queue, loss, reordering, duplication, corruption, truncation)
 *     -> harness_poll on both engines -> sim_app callbacks (the applications)
 *     -> sim_invariants after every poll; at the end bytes, closes, mbufs
 */
#ifndef TERN_SIM_H
#define TERN_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>

#include "harness.h"

struct tern_conn;
struct sim;

/* ---- PRNG: xoshiro256** seeded through splitmix64 ---------------------- */

struct sim_rng {
	uint64_t s[4];
};

void sim_rng_seed(struct sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(struct sim_rng *r);
/* Uniform in [0, n) (n > 0). */
uint64_t sim_rng_below(struct sim_rng *r, uint64_t n);
/* Uniform in [lo, hi]. */
uint64_t sim_rng_range(struct sim_rng *r, uint64_t lo, uint64_t hi);
/* Log-uniform in [lo, hi] (lo >= 1): small values as often as large ones. */
uint64_t sim_rng_log(struct sim_rng *r, uint64_t lo, uint64_t hi);
/* True with probability @ppm parts per million. */
bool sim_rng_ppm(struct sim_rng *r, uint32_t ppm);

/* ---- The link: one direction each way ---------------------------------- */

struct sim_link_cfg {
	uint64_t delay_ns;    /* propagation */
	uint64_t bw_bps;      /* serialization: bits per second */
	uint32_t queue_max;   /* frames waiting to be serialized; tail drop beyond */
	uint32_t loss_ppm;    /* lost on the wire */
	uint32_t dup_ppm;     /* delivered twice */
	uint32_t reorder_ppm; /* delayed by up to reorder_ns more */
	uint64_t reorder_ns;
	uint32_t corrupt_ppm;  /* one bit flipped in the IPv4 packet */
	uint32_t truncate_ppm; /* cut short inside the IPv4 packet */
};

/* What the link did to a frame, for the trace and the checks. */
enum sim_fate {
	FATE_OK = 0,
	FATE_LOST,
	FATE_TAIL_DROP,
	FATE_CORRUPT,
	FATE_TRUNCATE,
};

/* A frame on its way: delivered to engine @dst at @at (virtual ns). */
struct sim_frame {
	uint64_t at;
	uint64_t order; /* ties at the same time keep the sending order */
	struct rte_mbuf *m;
	uint8_t dst;
	uint8_t damaged; /* corrupt or truncated: the receiver must drop it */
};

struct sim_dir {
	struct sim_link_cfg cfg;
	struct sim_rng rng;
	uint64_t busy_until; /* the wire is serializing until then */
	uint64_t *departs;   /* departure times of queued frames, FIFO */
	uint32_t dep_head, dep_len, dep_cap;
	uint64_t sent, lost, tail_drops, dups, reordered, corrupted, truncated;
};

struct sim_link {
	struct sim_dir dir[2]; /* [0]: engine 0 -> 1, [1]: 1 -> 0 */
	struct sim_frame *heap;
	uint32_t len, cap;
	uint64_t next_order;
};

void sim_link_init(struct sim_link *l);
void sim_link_free_frames(struct sim_link *l);
void sim_link_fini(struct sim_link *l);
/* Engine @from sent @m at @now: decide its fate and schedule it. Returns the
 * fate (the duplicate, if any, is scheduled too: *@dup is set). */
enum sim_fate sim_link_send(struct sim_link *l, unsigned from, struct rte_mbuf *m, uint64_t now,
                            bool *dup, uint64_t *arrive);
/* The earliest arrival, or UINT64_MAX if nothing is on the way. */
uint64_t sim_link_next(const struct sim_link *l);
/* Take the earliest frame if it arrives at or before @now. */
bool sim_link_pop(struct sim_link *l, uint64_t now, struct sim_frame *f);

/* ---- Applications -------------------------------------------------------- */

enum sim_app_kind {
	APP_ECHO = 0,   /* client writes, server echoes, client compares */
	APP_STREAM,     /* client -> server */
	APP_BOTH,       /* both write and both read at once */
	APP_HALF_CLOSE, /* client writes and shuts at once; server keeps sending */
	APP_ABORT,      /* echo or both ways, one side aborts mid-transfer */
	APP_KINDS
};

struct sim_conn;

/* One end of a connection as its application sees it. */
struct sim_side {
	struct sim_conn *sc;
	unsigned index; /* 0: client, 1: server */
	struct tern_conn *conn;
	bool up;     /* connected or accepted */
	bool closed; /* closed callback came */
	int reason;
	int expect_reason;
	uint64_t tx_total, tx_done; /* pattern bytes to write, written */
	uint64_t tx_key;
	bool echo; /* writes what it reads (echo server) instead of a pattern */
	bool shut; /* tern_shutdown or tern_close called */
	bool close_called;
	uint64_t rx_expect, rx_done;
	uint64_t rx_key;
	bool zero_copy;    /* reads with tern_recv rather than tern_recv_copy */
	uint64_t abort_at; /* 0: never; else abort once this many bytes were read */
	bool keepalive;
	uint32_t chunk; /* bytes per tern_send call */
	bool lend;      /* some writes lend a chain instead (tern_send_mbuf) */
	struct sim_rng lend_rng;
};

struct sim_conn {
	struct sim *sim;
	unsigned id;
	enum sim_app_kind kind;
	struct sim_side side[2];
	uint16_t port;        /* server port */
	uint16_t client_port; /* the client's ephemeral port (host order) */
	uint32_t iss[2];      /* ISNs seen on the wire, for the trace */
	bool iss_known[2];
};

#define SIM_CONNS_MAX 4

/* ---- What a host's port offers and how its application writes ---------- */

/* Picked per host from the seed's second stream (sim_host_pick), so that a
 * seed with both off runs as it did before these existed. */
struct sim_host {
	bool tso;  /* the port offers TSO, TCP checksums and chains (sim_nic) */
	bool lend; /* the application lends some writes (tern_send_mbuf) */
};

/* Frames the port copied to the wire but still holds, as a NIC holds a
 * frame until its DMA is done: freed once the wire has sent them (sim_nic.c). */
struct sim_txq {
	struct sim_held *q;
	uint32_t head, len, cap;
};

/* What the port did with engine i's frames (sim_nic.c). */
struct sim_nic_stats {
	uint64_t tso_sends, tso_segs, tso_bytes, cut_bytes;
	uint64_t cksums;   /* TCP checksums finished for a segment */
	uint64_t unsummed; /* segments sent on with their sums unfinished (s->trust) */
	uint64_t rx_nobuf; /* cut segments lost for want of an RX buffer */
	uint64_t held;     /* frames held until the wire sent them */
	/* Super-segments that reference more pieces than one segment may
	 * (TCP_REF_PIECES_MAX), and the most mbufs in any frame: whether the
	 * TSO side of the zero-copy bound is reached. */
	uint64_t long_chains;
	uint16_t chain_max;
};

/* One buffer the application lent (sim_lend.c). */
struct sim_lent;

struct sim_lend_stats {
	uint64_t chains, segs, ext, bytes, refused;
};

/* Turn frame @m, as engine @from's port got it, into what goes on the wire
 * (a super-segment cut, checksums finished or, on a trusting link, left
 * unfinished, chains flattened) in @out (room for @max). Returns how many
 * frames; checks each (sim_fail). */
unsigned sim_nic_tx(struct sim *s, unsigned from, struct rte_mbuf *m, struct rte_mbuf **out,
                    unsigned max);
/* Engine @from's port is done with what it copied so far once the wire has
 * sent it (the link's busy_until): held until then, then freed. */
void sim_nic_tx_done(struct sim *s, unsigned from);
/* Free what the ports hold whose time has come by @now (UINT64_MAX: all),
 * checking first that no byte changed while they held it. */
void sim_nic_complete(struct sim *s, uint64_t now);
/* At exit: what the ports hold, and their queues. */
void sim_nic_fini(struct sim *s);
/* The port of engine @i offers what s->host[i] says (after harness_reset). */
void sim_nic_setup(struct sim *s, unsigned i);

/* ---- ARP: ageing, the hold pool, a host whose MAC changes (sim_arp.c) -- */

#define SIM_ARP_MOVES_MAX 2

/* Picked per host from the seed's third stream (sim_arp_pick), so that a
 * seed with all of it off runs as it did before it existed. */
struct sim_arp_host {
	bool on;           /* short ageing, small hold bounds, ARP loss */
	bool cold;         /* starts without the peer's MAC: its first SYN waits */
	uint32_t age_ms;   /* 0: [arp] timeout_s; else the table ages this fast */
	uint32_t loss_ppm; /* ARP frames this host sends lost besides the link's */
	unsigned nb_moves; /* times this host's MAC changes (a peer replaced) */
	uint64_t move_at[SIM_ARP_MOVES_MAX];
	bool announce[SIM_ARP_MOVES_MAX]; /* with a gratuitous ARP */
	/* [arp] for a host that is on */
	uint32_t timeout_s, pending, pending_total, retries, retry_ms;
};

/* What engine i's ARP table says of its peer at a poll's edge. */
struct sim_arp_view {
	bool reachable;
	struct rte_ether_addr mac;
};

struct sim_arp_stats {
	uint64_t requests, replies, lost, stale_drops, aged, moves, announced;
	uint64_t held_polls, held_peak, tmpl_rebuilt;
	uint64_t queue_full, hold_full, unresolved, polls;
};

/* One host's ARP state in the sim: what the wire shows as its MAC (it may
 * differ from what its engine believes, after a move), the MACs it showed
 * before, and the checks' bookkeeping on what it sends. */
struct sim_arp {
	struct sim_arp_host pick;
	struct sim_rng rng;         /* ARP loss */
	unsigned moved;             /* moves done */
	struct rte_ether_addr wire; /* the MAC the wire knows this host by */
	struct rte_ether_addr old[SIM_ARP_MOVES_MAX + 1];
	unsigned nb_old;
	uint32_t age_ms;                   /* the pick's, no shorter than 10 round trips */
	uint64_t moved_at;                 /* the last move */
	uint64_t learned_at;               /* the peer learned the current one (0: not yet) */
	struct sim_arp_view before, after; /* this engine's view of its peer */
	uint64_t ipv4_out;                 /* IPv4 frames it handed to its port */
	uint8_t tmpl_stale[64];            /* per tcb: its template was seen stale */
	struct sim_arp_stats st;
};

/* ---- Local ports to one destination run out (sim_churn.c) -------------- */

struct sim_churn;

/* ---- One seed ------------------------------------------------------------ */

struct sim {
	struct harness *h[2]; /* [0]: client engine 198.18.0.2, [1]: server .3 */
	struct sim_link link;
	struct sim_rng rng; /* configuration and applications */
	uint64_t seed;
	const char *profile;
	bool verbose;
	uint64_t now;     /* virtual ns since the start */
	uint64_t poll_ns; /* the engines' polling period: arrivals wait for it */
	struct config cfg[2];
	unsigned nb_conns;
	struct sim_conn conns[SIM_CONNS_MAX];
	char fail[1024];           /* the first failure; empty while none */
	char *fail_state;          /* the state when it happened (report) */
	uint64_t progress_at;      /* last time an application read, wrote or closed */
	uint8_t last_state[2][64]; /* for tracing state changes, by tcb id */
	/* Diagnosis: how often each tcb's advertised right edge moved left
	 * (RFC 9293 3.8.6.2.2 says it should not), and by how much at most. */
	uint32_t adv_prev[2][64];
	uint32_t adv_shrinks[2][64];
	uint32_t adv_shrink_max[2][64];
	uint64_t damaged_sent[2]; /* damaged frames delivered to engine i */
	uint64_t frames;          /* frames the engines sent */
	uint64_t polls;           /* engine polls (every 16th checks deeper) */
	uint64_t drain_frames;    /* ... after the applications were done */
	bool draining;            /* the applications are done */
	struct sim_rng xrng;      /* the second stream: host picks, lending */
	struct sim_host host[2];
	struct sim_nic_stats nic[2];
	struct sim_txq txq[2];
	struct rte_mbuf *nic_held;     /* the frame sim_nic_tx copied, to hold */
	struct rte_mempool *lend_pool; /* the applications' own mbufs */
	unsigned lend_pool_base;       /* of them in use when the seed began */
	struct sim_lent **lent;        /* every external buffer lent this seed */
	uint32_t lent_len, lent_cap;
	bool lend_quiet;                /* engines torn down between seeds: no checks */
	struct sim_lent **lend_pending; /* freed during this poll: to judge */
	uint32_t lend_pending_len, lend_pending_cap;
	struct sim_lend_stats lend[2];
	struct sim_rng yrng; /* the third stream: ARP and port picks */
	bool all_picks;      /* --all-picks: ARP ageing on both hosts, churn */
	struct sim_arp arp[2];
	struct sim_churn *churn; /* NULL: no churn this seed */
	struct sim_rng zrng;     /* the fourth stream: the trusting link */
	/* [port] checksums = no on both hosts, as over memif: nothing sums
	 * or checks a checksum. Only on a link that damages nothing
	 * (sim_trust_pick). */
	bool trust;
	/* The fifth stream: [tcp] gro on each host (off on a quarter). */
	struct sim_rng grng;
	/* The sixth: an emulated line on each host's transmit ([fault]
	 * tx_link_*, [port] tx_queue_us; sim_line_pick). */
	struct sim_rng lrng;
};

/* Record the first failure (later ones are dropped). */
void sim_fail(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* With --verbose: a trace line prefixed by the virtual time. */
void sim_trace(struct sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void sim_app_setup(struct sim *s);
/* Open the connections (after both engines are up). */
void sim_app_start(struct sim *s);
/* Every side of every connection has had its closed callback. */
bool sim_app_done(const struct sim *s);
/* After the run: the bytes and reasons each side expected. */
void sim_app_check(struct sim *s);
void sim_app_report(const struct sim *s, FILE *f);
/* Byte @off on of the stream keyed @key: @len bytes of the pattern. */
void sim_pattern_fill(uint8_t *buf, uint64_t key, uint64_t off, size_t len);

/* ---- Lent writes (sim_lend.c) -------------------------------------------- */

/* Up to @want bytes of @sd's stream from @off as a chain of the
 * application's own: several segments of odd lengths, some on external
 * buffers the sim tracks. NULL if no mbuf was to be had. *@len: its bytes. */
struct rte_mbuf *sim_lend_chain(struct sim_side *sd, uint64_t off, uint32_t want, uint32_t *len,
                                uint32_t *first_rec);
/* tern_send_mbuf took the chain whose tracked buffers start at @first_rec. */
void sim_lend_taken(struct sim *s, uint32_t first_rec);
/* After an engine's poll: the buffers it freed had their bytes acknowledged
 * (or their connection ended). */
void sim_lend_poll_check(struct sim *s);
/* After a seed that passed: every buffer lent was freed exactly once, and
 * every mbuf of the applications' pool is back. */
void sim_lend_check(struct sim *s);
/* Forget the buffers of the last seed (its engines are torn down). */
void sim_lend_release(struct sim *s);

/* ---- ARP (sim_arp.c) ------------------------------------------------------ */

/* Before the engines are built: what this seed does with ARP (all off but
 * in some seeds), applied to @s->cfg[i] by sim_arp_config. */
void sim_arp_setup(struct sim *s);
void sim_arp_config(struct sim *s, unsigned i);
/* After both engines are up: ageing faster than [arp] timeout_s can say,
 * and the peer's MAC taught (but to a cold host). */
void sim_arp_start(struct sim *s);
/* Engines with a MAC move due now (bit i: poll engine i). */
unsigned sim_arp_event(struct sim *s);
/* The next MAC move, or UINT64_MAX. */
uint64_t sim_arp_next(const struct sim *s);
/* Around a poll of engine @i: what its table says of the peer. */
void sim_arp_before(struct sim *s, unsigned i);
void sim_arp_after(struct sim *s, unsigned i);
/* Frame @m from engine @i's TX ring, before its port: the checks on where
 * it goes; false if the ARP layer of the sim dropped it (lost ARP). */
bool sim_arp_tx(struct sim *s, unsigned i, struct rte_mbuf *m);
/* A trace line for ARP frame @m in @buf; false if @m is not ARP. */
bool sim_arp_describe(const struct rte_mbuf *m, char *buf, size_t n);
/* Frame @m from engine @i's port onto the wire: the MAC the wire knows. */
void sim_arp_wire(struct sim *s, unsigned i, struct rte_mbuf *m);
/* Frame @f about to be delivered: false if nobody has its MAC any more
 * (freed; counted). */
bool sim_arp_deliver(struct sim *s, struct sim_frame *f);
/* After the poll: the hold pool's and the conservation invariants. */
void sim_arp_check(struct sim *s, unsigned i);
/* No packet waits for ARP on either engine. */
bool sim_arp_settled(const struct sim *s);
/* The failure report's lines. */
void sim_arp_report(const struct sim *s, FILE *f);

/* ---- Port churn (sim_churn.c) ---------------------------------------------- */

/* Before the engines are built: whether this seed churns (s->churn), and
 * the client's local port range for it. */
void sim_churn_setup(struct sim *s);
void sim_churn_config(struct sim *s, unsigned i);
/* This seed churns. */
bool sim_churn_on(const struct sim *s);
/* After both engines are up and listening: the client's poll hook. */
void sim_churn_start(struct sim *s);
/* The next retry, or UINT64_MAX. */
uint64_t sim_churn_next(const struct sim *s);
/* Every churn connection done (true without churn). */
bool sim_churn_done(const struct sim *s);
/* After the run: counters and closes. */
void sim_churn_check(struct sim *s);
void sim_churn_report(const struct sim *s, FILE *f);
/* Coverage for the summary: seeds, connections, refusals, from memory. */
void sim_churn_tally(const struct sim *s, uint64_t *seeds, uint64_t *conns, uint64_t *refused,
                     uint64_t *memo);
/* At exit. */
void sim_churn_fini(struct sim *s);

/* ---- Checks -------------------------------------------------------------- */

/* The first control-block or accounting invariant @eng breaks, described in
 * @buf, or NULL if it keeps them all. @deep: walk every mbuf chain too. */
const char *sim_invariants(const struct engine *eng, char *buf, size_t size, bool deep);
/* One line per live connection of @eng (state, sequence space, windows,
 * queues, timers, flags). */
void sim_conn_report(const struct engine *eng, const char *name, FILE *f);

#endif /* TERN_SIM_H */
