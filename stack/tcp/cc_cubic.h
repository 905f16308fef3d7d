/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CUBIC's arithmetic (RFC 9438 4.2), apart from its table of operations so
 * that the tests can check it against the formulas.
 *
 *   cc_cubic.c -> cc_cubic_k_ms, cc_cubic_w
 */
#ifndef TERN_CC_CUBIC_H
#define TERN_CC_CUBIC_H

#include <stdint.h>

#include "tcp/tcp_cc.h"

/* floor(cbrt(@x)), @x < 2^63. */
uint32_t cc_cubic_cbrt(uint64_t x);
/* K = cbrt((W_max - cwnd_epoch) / C) in ms, windows in bytes (0 if W_max is
 * not above cwnd_epoch). */
uint32_t cc_cubic_k_ms(uint32_t w_max, uint32_t cwnd_epoch, uint16_t mss);
/* W_cubic(t) = C (t - K)^3 + W_max in bytes, @t_ms and @k_ms in ms, C = 0.4
 * segments / s^3; between 0 and 2^30. */
uint32_t cc_cubic_w(uint32_t w_max, uint32_t k_ms, uint16_t mss, uint64_t t_ms);

#endif /* TERN_CC_CUBIC_H */
