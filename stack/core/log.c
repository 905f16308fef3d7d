/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tern's log types, one per module (log.h). RTE_LOG_REGISTER names each
 * explicitly: RTE_LOG_REGISTER_DEFAULT would take its name from
 * RTE_LOG_DEFAULT_LOGTYPE, which only DPDK's own build defines (outside it the
 * type was literally called "RTE_LOG_DEFAULT_LOGTYPE").
 */
#include "core/log.h"

RTE_LOG_REGISTER(logtype_tern_arp, tern.arp, INFO);
RTE_LOG_REGISTER(logtype_tern_capture, tern.capture, INFO);
RTE_LOG_REGISTER(logtype_tern_config, tern.config, INFO);
RTE_LOG_REGISTER(logtype_tern_engine, tern.engine, INFO);
RTE_LOG_REGISTER(logtype_tern_port, tern.port, INFO);
RTE_LOG_REGISTER(logtype_tern_tcp, tern.tcp, INFO);
