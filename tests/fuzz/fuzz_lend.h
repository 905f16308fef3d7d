/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fuzzed application's lent writes (tern_send_mbuf): a chain of the
 * connection's engine pool (so the targets' "every mbuf back" covers it),
 * one segment on an external buffer whose free callback is counted here.
 *
 *   fuzz_app_call (SEND, odd argument) -> fuzz_lend -> tern_send_mbuf
 *   setup -> fuzz_lend_reset ; teardown -> fuzz_lend_check
 */
#ifndef TERN_FUZZ_LEND_H
#define TERN_FUZZ_LEND_H

#include <stddef.h>
#include <stdint.h>

struct tern_conn;

/* Lend @len bytes of value @byte to @c as a chain of segments of at most
 * 1900 bytes (odd lengths when @len is), the first on an external buffer
 * if one is free. Returns tern_send_mbuf's answer (the chain freed here
 * when it was refused), or -ENOBUFS if no mbuf was to be had. */
int fuzz_lend(struct tern_conn *c, size_t len, uint8_t byte);

/* A new input: forget the last one's buffers (its engines are gone). */
void fuzz_lend_reset(void);

/* Once no connection is left: NULL if every external buffer lent was freed
 * exactly once, else what went wrong. */
const char *fuzz_lend_check(void);

#endif /* TERN_FUZZ_LEND_H */
