/* SPDX-License-Identifier: BSD-3-Clause */
/* tern-linux-loadgen --mode idle (linux_idle.c). */
#ifndef LINUX_IDLE_H
#define LINUX_IDLE_H

#include <signal.h>

#include "lg_common.h"

/* Open, hold, check and report; the exit status. @stop: set by a signal. */
int lx_idle_run(const struct lg_opts *o, const volatile sig_atomic_t *stop);

#endif /* LINUX_IDLE_H */
