/* SPDX-License-Identifier: BSD-3-Clause */
/* Logging through rte_log under the "tern" type (--log-level=tern:debug). */
#ifndef TERN_LOG_H
#define TERN_LOG_H

#include <rte_log.h>

extern int tern_logtype;

#define TERN_LOG(level, fmt, ...)                                                                  \
	rte_log(RTE_LOG_##level, tern_logtype, "tern: " fmt, ##__VA_ARGS__)

#endif /* TERN_LOG_H */
