/* SPDX-License-Identifier: BSD-3-Clause */
/* Logging through rte_log under the "tern" type (--log-level=tern:debug). */
#ifndef TERN_LOG_H
#define TERN_LOG_H

#include <rte_log.h>

extern int tern_logtype;

#define TERN_LOG(level, fmt, ...)                                                                  \
	rte_log(RTE_LOG_##level, tern_logtype, "tern: " fmt, ##__VA_ARGS__)

/* On the fast path: compiled out below DPDK's RTE_LOG_DP_LEVEL (INFO by
 * default), so a per-segment trace costs nothing in a normal build. */
#define TERN_LOG_DP(level, fmt, ...)                                                               \
	do {                                                                                       \
		if (RTE_LOG_##level <= RTE_LOG_DP_LEVEL)                                           \
			TERN_LOG(level, fmt, ##__VA_ARGS__);                                       \
	} while (0)

#endif /* TERN_LOG_H */
