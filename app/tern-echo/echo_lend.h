/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-echo's echo by reference (echo_lend.c): the received mbufs go back out
 * as they are, through tern_send_mbuf, rather than being copied out of the
 * receive queue and into the send queue.
 */
#ifndef ECHO_LEND_H
#define ECHO_LEND_H

struct tern_conn;

/* readable and writable: echo what can be sent now. The connection's
 * argument is the chain received and not yet sent (NULL at first). Closes
 * after the peer's FIN once everything is echoed. */
void echo_lend_pump(struct tern_conn *c, void *arg);
/* closed: free the chain still held. */
void echo_lend_closed(struct tern_conn *c, void *arg, int reason);

#endif /* ECHO_LEND_H */
