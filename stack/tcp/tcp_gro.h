/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive merging (GRO, tcp_gro.c): in-order full-sized segments of one
 * connection, next to each other in an RX burst, taken as one segment.
 */
#ifndef TERN_TCP_GRO_H
#define TERN_TCP_GRO_H

#include "tcp/tcp_seg.h"

struct engine;
struct tcb;

/* Segments one merge takes after the first: a burst's worth. */
#define TCP_GRO_SEGS_MAX 63u

/* Merge into b->seg[@i], about to go to @tcb (the connection its key has
 * now), the segments right after it that the connection would take the
 * same way, whole, in order (tcp_gro.c says which). Their payload is
 * chained to seg[@i]'s, their seg->m cleared. Returns how many were
 * merged (the caller skips them): 0 when none, or when [tcp] gro is off. */
unsigned tcp_gro_merge(struct engine *eng, const struct tcb *tcb, struct tcp_rx_burst *b,
                       unsigned i);

#endif /* TERN_TCP_GRO_H */
