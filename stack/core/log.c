/* SPDX-License-Identifier: BSD-3-Clause */
/* The "tern" log type, registered at start-up (written once, read after). */
#include "core/log.h"

RTE_LOG_REGISTER_DEFAULT(tern_logtype, INFO);
