/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging through rte_log, one log type per module, so that the EAL's
 * --log-level picks what to see: --log-level=tern.tcp:debug for the TCP state
 * trace, --log-level='tern.*:warning' to quieten Tern, --log-level=tern.port:info.
 *
 *   TERN_LOG(tcp, DEBUG, "...\n") -> rte_log(RTE_LOG_DEBUG, logtype_tern_tcp,
 *                                            "tern.tcp: ...")
 */
#ifndef TERN_LOG_H
#define TERN_LOG_H

#include <stdbool.h>

#include <rte_log.h>

/* Registered by constructors in log.c (RTE_LOG_REGISTER), before main: the
 * EAL applies --log-level to them when it parses its arguments. */
extern int logtype_tern_arp;     /* conflicts, neighbours learned and given up */
extern int logtype_tern_capture; /* --capture: the file, its limit, its end */
extern int logtype_tern_config;  /* which configuration is in force */
extern int logtype_tern_engine;  /* engines and the runtime: start, signals, stop */
extern int logtype_tern_port;    /* ports: queues, offloads, link */
extern int logtype_tern_tcp;     /* the state trace (debug) */

#define TERN_LOG(module, level, fmt, ...)                                                          \
	rte_log(RTE_LOG_##level, logtype_tern_##module, "tern." #module ": " fmt, ##__VA_ARGS__)

/* Whether @module logs at @level now. Code on the fast path reads this once
 * (at start) into a flag of its own rather than asking per event. */
#define TERN_LOG_ENABLED(module, level) (rte_log_can_log(logtype_tern_##module, RTE_LOG_##level))

#endif /* TERN_LOG_H */
