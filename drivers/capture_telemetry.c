/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * /tern/capture, a telemetry command (rte_telemetry, answered on DPDK's
 * telemetry thread): the capture's state, and its switch.
 *
 *   /tern/capture       -> {"state": "on", "file": ..., "frames": N, ...}
 *   /tern/capture,on    -> switch on, then the same
 *   /tern/capture,off   -> switch off (the file stays open), then the same
 *
 * rte_telemetry_register_cmd takes a callback without a context, and a
 * command cannot be unregistered: so this file keeps the one capture that
 * answers in a static, guarded by a lock that only this control path takes
 * (telemetry thread vs. capture_fini), never an engine.
 */
#include <errno.h>
#include <string.h>

#include <rte_spinlock.h>
#include <rte_telemetry.h>

#include "core/log.h"
#include "drivers/capture_priv.h"

#define CAPTURE_TELEMETRY_CMD "/tern/capture"

static struct {
	rte_spinlock_t lock;
	bool registered;
	struct capture *capture; /* NULL: no capture running */
} capture_telemetry = { .lock = RTE_SPINLOCK_INITIALIZER };

static void
capture_telemetry_status(struct capture *c, struct rte_tel_data *d)
{
	struct capture_status st;

	capture_get_status(c, &st);
	rte_tel_data_add_dict_string(d, "state", st.full ? "full" : st.on ? "on" : "off");
	rte_tel_data_add_dict_string(d, "file", st.path);
	rte_tel_data_add_dict_u64(d, "frames", st.written);
	rte_tel_data_add_dict_u64(d, "bytes", st.bytes);
	rte_tel_data_add_dict_u64(d, "lost", st.lost);
	rte_tel_data_add_dict_u64(d, "past_max", st.over);
	rte_tel_data_add_dict_u64(d, "max_bytes", st.max_bytes);
}

static int
capture_telemetry_cmd(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const char *error = NULL;
	int ret = 0;

	(void)cmd;
	rte_tel_data_start_dict(d);
	rte_spinlock_lock(&capture_telemetry.lock);
	struct capture *c = capture_telemetry.capture;
	if (c == NULL)
		error = "no capture: start the program with --capture FILE";
	else if (params != NULL && strcmp(params, "on") == 0)
		ret = capture_switch(c, true);
	else if (params != NULL && strcmp(params, "off") == 0)
		ret = capture_switch(c, false);
	else if (params != NULL && params[0] != '\0')
		error = "expected /tern/capture, /tern/capture,on or /tern/capture,off";
	if (ret == -ENOSPC)
		error = "the file is full (--capture-max): not switched on";
	if (error != NULL)
		rte_tel_data_add_dict_string(d, "error", error);
	if (c != NULL)
		capture_telemetry_status(c, d);
	rte_spinlock_unlock(&capture_telemetry.lock);
	return 0;
}

void
capture_telemetry_attach(struct capture *c)
{
	rte_spinlock_lock(&capture_telemetry.lock);
	capture_telemetry.capture = c;
	bool first = !capture_telemetry.registered;
	capture_telemetry.registered = true;
	rte_spinlock_unlock(&capture_telemetry.lock);
	if (first && rte_telemetry_register_cmd(CAPTURE_TELEMETRY_CMD, capture_telemetry_cmd,
	                                        "Packet capture (--capture): state, file, "
	                                        "frames, bytes, lost, past_max. Parameters: "
	                                        "on or off, to switch it.") != 0)
		TERN_LOG(capture, WARNING, "cannot register %s\n", CAPTURE_TELEMETRY_CMD);
}

void
capture_telemetry_detach(struct capture *c)
{
	rte_spinlock_lock(&capture_telemetry.lock);
	if (capture_telemetry.capture == c)
		capture_telemetry.capture = NULL;
	rte_spinlock_unlock(&capture_telemetry.lock);
}
