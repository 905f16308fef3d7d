/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tern's public API: bring the stack up from the command line, run one engine
 * per lcore until SIGINT/SIGTERM, and tear it down with every mbuf accounted.
 *
 *	int main(int argc, char **argv)
 *	{
 *		static const struct tern_app app = { .name = "my-app" };
 *		struct tern *t;
 *		int ret = tern_init(argc, argv, &app, &t);
 *
 *		if (t == NULL)
 *			return ret;
 *		tern_run(t);
 *		return tern_fini(t);
 *	}
 *
 * Programs take DPDK's EAL arguments, then "--", then their own:
 *	PROGRAM [EAL args] -- [--config FILE] [--ip ADDR/LEN]
 *
 * TCP is per core and callback driven: every engine (lcore) owns its
 * connections, and a connection's callbacks run on its engine, inside the
 * loop, between receiving a burst and sending the next. Callbacks may call any
 * function below on their own connection (and tern_connect on their core).
 * Errors are negative errno values.
 */
#ifndef TERN_H
#define TERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tern;

/* A program-specific option, "--name VALUE" (or "--name=VALUE"). */
struct tern_opt {
	const char *name; /* with the dashes: "--bytes" */
	const char *arg;  /* what the value is, for --help: "N" */
	const char *help; /* one line */
};

struct tern_app {
	const char *name;            /* program name for messages */
	const char *summary;         /* one line for --help */
	const struct tern_opt *opts; /* NULL-name terminated; may be NULL */
	/* Called for each of @opts given; returns 0, or -EINVAL for a bad value
	 * (the caller prints "NAME: OPT 'VALUE': bad value" and exits 2; the
	 * callback may print a better line itself and return -EBADMSG). */
	int (*parse_opt)(void *ctx, const char *opt, const char *value);
	void *ctx;
};

/* Parse the arguments, read the configuration, start the EAL, the port and
 * one engine per lcore. On success *out is the runtime and 0 is returned.
 * Otherwise *out is NULL and the return value is the exit status to use:
 * 0 after --help, 2 for a usage or configuration error, 1 for a failure to
 * start; the reason is on stderr, one line each. */
int tern_init(int argc, char **argv, const struct tern_app *app, struct tern **out);

/* Run the engines on every lcore (the main one included) until SIGINT or
 * SIGTERM. Returns 0. */
int tern_run(struct tern *t);

/* Stop, print the counters, release the port and the engines, and check that
 * every mbuf is back in its pool. Returns the exit status: 0, or 1 if mbufs
 * are missing (each pool reported on stderr). */
int tern_fini(struct tern *t);

/* ---- TCP ---------------------------------------------------------------- */

struct tern_conn; /* one connection, owned by one core */
struct tern_core; /* one engine, as the application sees it */
struct rte_mbuf;

/* The callbacks of a connection. Any may be NULL. */
struct tern_conn_ops {
	/* A passive open completed; @listen_arg is tern_listen()'s. The
	 * connection's own argument starts as @listen_arg too. */
	void (*accepted)(struct tern_conn *c, void *listen_arg);
	/* An active open completed. */
	void (*connected)(struct tern_conn *c, void *arg);
	/* Bytes to read, or the peer's FIN (tern_recv_eof() is then true). */
	void (*readable)(struct tern_conn *c, void *arg);
	/* Room in the send buffer again (a quarter of it) after tern_send()
	 * accepted less than it was given or filled the buffer, or after
	 * tern_send_space() returned 0. */
	void (*writable)(struct tern_conn *c, void *arg);
	/* The last callback: 0 for an orderly close (both FINs, or our close
	 * after the peer's), -ECONNRESET (peer reset), -ECONNREFUSED (reset
	 * answering our SYN), -ETIMEDOUT (retransmissions or keepalive gave up),
	 * -ECONNABORTED (tern_abort), -ENOMEM/-ENOBUFS (out of resources), or
	 * -ESHUTDOWN (the runtime stopped). @c is invalid afterwards. */
	void (*closed)(struct tern_conn *c, void *arg, int reason);
};

/* Listen on TCP @port on every core (before tern_run). 0, -EADDRINUSE,
 * -ENOSPC (too many listeners) or -EINVAL. */
int tern_listen(struct tern *t, uint16_t port, const struct tern_conn_ops *ops, void *arg);
/* Connections accepted on @port (a tern_listen port, before tern_run) use
 * congestion control @name ("newreno" or "cubic", any case) instead of
 * [tcp] congestion_control. 0, -EINVAL (unknown name) or -ENOENT (no
 * listener on @port). */
int tern_listen_cc(struct tern *t, uint16_t port, const char *name);

/* Run @fn(core, @arg) on every core once, as its loop starts (before
 * tern_run): where a client calls tern_connect. */
int tern_on_start(struct tern *t, void (*fn)(struct tern_core *core, void *arg), void *arg);

/* Run @fn(core, @arg) once per loop iteration on every core, after input
 * and timers, before output (a load generator's clock). */
int tern_on_poll(struct tern *t, void (*fn)(struct tern_core *core, void *arg), void *arg);

/* Open a connection from @core to @ip:@port (host order). *@out is the
 * connection (its connected or closed callback follows). 0, -EADDRNOTAVAIL
 * (no free local port), -ENOMEM (connection pool empty), -ENETUNREACH. */
int tern_connect(struct tern_core *core, uint32_t ip, uint16_t port,
                 const struct tern_conn_ops *ops, void *arg, struct tern_conn **out);

void tern_conn_set_arg(struct tern_conn *c, void *arg);
struct tern_core *tern_conn_core(const struct tern_conn *c);
unsigned tern_core_index(const struct tern_core *core);
/* Stop the whole runtime (every core), as SIGINT would. */
void tern_core_stop_all(struct tern_core *core);
/* The runtime's clock in microseconds (read once per loop iteration). */
uint64_t tern_core_now_us(const struct tern_core *core);
/* What one core's connections cost in memory (docs/API.md, "Memory"). The
 * pool and the flow table are allocated whole at start: a connection's
 * share is conn_pool_bytes / conns_max + flow_table_bytes / flows_max,
 * plus the mbufs it holds in its queues (none when idle). */
struct tern_core_mem {
	uint32_t conns_max;        /* [tcp] conns */
	uint32_t conns_in_use;     /* every state but CLOSED, TIME_WAIT included */
	uint32_t tcb_bytes;        /* one connection's control block */
	uint64_t conn_pool_bytes;  /* the pool, as the DPDK heap counted it */
	uint32_t flows_max;        /* [limits] flows */
	uint32_t flows_in_use;     /* entries in the flow table */
	uint64_t flow_table_bytes; /* the flow table (rte_hash), as the heap counted it */
	uint32_t mbufs_in_use;     /* of the core's pool, caches included */
	uint32_t mbuf_bytes;       /* one mbuf in the pool: header, element, trailer */
};

/* Fill @m for @core (on its own lcore, or when it is not running). 0 or
 * -EINVAL. */
int tern_core_mem(const struct tern_core *core, struct tern_core_mem *m);

/* ---- Other threads -------------------------------------------------------- */

/* How many cores (engines) @t runs, and core @index of them (0 .. count - 1;
 * NULL past the end). */
unsigned tern_cores(const struct tern *t);
struct tern_core *tern_core(struct tern *t, unsigned index);

/* Run @fn(@core, @arg) on @core's own lcore and wait for what it returns:
 * how a thread that is not an engine (a control thread, another library's
 * worker) reaches a core and its connections, without locks. The request
 * goes through the core's ring (rte_ring, many producers, the engine the
 * one consumer); the engine runs it inside its loop, after input and before
 * timers and output, so @fn may call any function of this API on @core's
 * connections (and tern_connect on @core). Keep @fn short: the core does
 * nothing else meanwhile.
 *
 * Returns what @fn returned, or: -ETIMEDOUT if the core did not start @fn
 * within @timeout_ms (it is stopped, or not running yet; @fn then never
 * runs, so @arg may be released); -EAGAIN if 255 requests already wait;
 * -EDEADLK if called on an engine's lcore (it would wait for itself);
 * -ESHUTDOWN if the runtime ended first; -EINVAL; -ENOMEM. Once @fn has
 * started the caller waits for it to finish, whatever @timeout_ms. Post only
 * between tern_init and tern_fini. */
int tern_core_post(struct tern_core *core, int (*fn)(struct tern_core *core, void *arg), void *arg,
                   unsigned timeout_ms);
/* Peer's address and port, host order. */
void tern_conn_peer(const struct tern_conn *c, uint32_t *ip, uint16_t *port);
/* Payload bytes in one full-sized segment we send: the peer's MSS and our
 * MTU's, less the options every data segment carries (timestamps: 12).
 * What Linux's getsockopt(TCP_MAXSEG) reports on a connected socket. */
unsigned tern_conn_mss(const struct tern_conn *c);

/* Copy up to @len bytes into the send buffer; returns how many it took (0
 * when full: writable follows), or -ENOTCONN, -EPIPE (after shutdown), or
 * -ENOBUFS when the buffer had room but the core's mbuf pool was dry (no
 * writable is promised then: retry from the poll hook, docs/API.md). */
ssize_t tern_send(struct tern_conn *c, const void *buf, size_t len);
/* Zero-copy send: queue the application's mbuf chain @m (pkt_len bytes,
 * nb_segs segments; a segment may carry an external buffer attached with
 * rte_pktmbuf_attach_extbuf, or be indirect) by reference, without copying
 * a byte. All of it or none of it:
 *   0          Tern owns @m: its bytes follow what was queued before, and
 *              each segment is freed (rte_pktmbuf_free_seg: an external
 *              buffer's free callback runs when its last reference goes)
 *              once the peer has acknowledged all of its bytes, or when the
 *              connection ends without that (tern_abort, a reset, a timeout,
 *              the runtime stopping). A segment that still waits in the
 *              port's TX queue, referenced, is freed when the port is done
 *              with it, so the callback may come after the ACK, never before.
 *              Segments of no bytes are freed at once. Tern never writes
 *              into @m's buffers (later tern_send bytes go to buffers of its
 *              own); the application must not change them until freed.
 *   -ENOBUFS   not now: the send buffer ([tcp] snd_buf) or the core's send
 *              budget has no room for all pkt_len bytes. @m is still the
 *              caller's, untouched; writable follows when there is room.
 *   -EMSGSIZE  more than the send buffer holds: split the chain.
 *   -EINVAL    @m is NULL or holds no bytes.
 *   -ENOTCONN, -EPIPE as tern_send; @m is still the caller's.
 * Call it on the connection's core, as every other call here. */
int tern_send_mbuf(struct tern_conn *c, struct rte_mbuf *m);
/* Bytes tern_send() would take now (the send buffer's room, within the
 * core's send budget). When it is 0, the writable callback follows once
 * there is room again. */
size_t tern_send_space(struct tern_conn *c);

/* Zero-copy receive: the in-order bytes received so far as one mbuf chain
 * (pkt_len bytes), now the caller's to free; NULL if none. */
struct rte_mbuf *tern_recv(struct tern_conn *c);
/* Copying receive: up to @len bytes; 0 if none. */
size_t tern_recv_copy(struct tern_conn *c, void *buf, size_t len);
/* Bytes waiting to be read. */
size_t tern_recv_pending(const struct tern_conn *c);
/* The peer sent FIN and every byte before it has been read. */
bool tern_recv_eof(const struct tern_conn *c);

/* Keepalive for this connection (RFC 1122 4.2.3.6): probe after @idle_s
 * seconds without a segment from the peer, every [tcp] keepalive_intvl_s,
 * and reset after [tcp] keepalive_probes unanswered; 0 turns it off. The
 * default for new connections is [tcp] keepalive_s (0: off). */
int tern_set_keepalive(struct tern_conn *c, unsigned idle_s);

/* Shut the write side: FIN after what is queued. Reading goes on. */
int tern_shutdown(struct tern_conn *c);
/* Shutdown, and nothing more will be read: the connection finishes on its
 * own; the closed callback still comes. Unread or later data resets it
 * (RFC 9293 3.10.4 / RFC 2525 2.17). */
int tern_close(struct tern_conn *c);
/* Reset now; the closed callback comes with -ECONNABORTED before this
 * returns. */
void tern_abort(struct tern_conn *c);

#ifdef __cplusplus
}
#endif

#endif /* TERN_H */
