/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the INI configuration loader (stack/core/config.c). The
 * input is a file's content; config_load() reads it by path (rte_cfgfile
 * opens a path), so each input is written over one temporary file made at
 * the first call. What config.h promises is checked: every problem is one
 * line "FILE: ...", as many lines as the count returned (one for a file that
 * is not INI), nothing on success, the config untouched unless it succeeds,
 * and a loaded config inside the ranges tap.ini documents. ASan's leak
 * check covers rte_cfgfile's allocations.
 *
 *   LLVMFuzzerTestOneInput -> fuzz_file_write -> config_load(defaults)
 *     -> check_report (the lines) -> check_ranges (on success)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The temporary file every input is written to, removed at exit. */
static char fuzz_path[] = "/tmp/tern_fuzz_config_XXXXXX";
static int fuzz_fd = -1;

static void
fuzz_fail(const char *what, const char *report)
{
	fprintf(stderr, "fuzz_config: %s; the report was:\n%s\n", what, report);
	abort();
}

static void
fuzz_file_remove(void)
{
	unlink(fuzz_path);
}

static void
fuzz_file_write(const uint8_t *data, size_t size)
{
	if (fuzz_fd < 0) {
		fuzz_fd = mkstemp(fuzz_path);
		if (fuzz_fd < 0) {
			perror("fuzz_config: mkstemp");
			abort();
		}
		atexit(fuzz_file_remove);
	}
	if (ftruncate(fuzz_fd, 0) != 0 || pwrite(fuzz_fd, data, size, 0) != (ssize_t)size) {
		perror("fuzz_config: writing the input");
		abort();
	}
}

/* config.h: one line per problem, each "FILE: ...", and nothing else. */
static void
check_report(const char *report, size_t len, int ret)
{
	size_t prefix = strlen(fuzz_path);
	int lines = 0;

	if (strlen(report) != len)
		fuzz_fail("a NUL byte in the report", report);
	if (len > 0 && report[len - 1] != '\n')
		fuzz_fail("the report does not end with a newline", report);
	for (const char *s = report; *s != '\0'; lines++) {
		const char *eol = strchr(s, '\n');
		if (strncmp(s, fuzz_path, prefix) != 0 || strncmp(s + prefix, ": ", 2) != 0)
			fuzz_fail("a line does not start with 'FILE: '", report);
		if ((size_t)(eol - s) <= prefix + 2)
			fuzz_fail("a line says nothing after 'FILE: '", report);
		s = eol + 1;
	}
	if (ret < -1 || (ret == -1 && lines != 1) || (ret >= 0 && lines != ret))
		fuzz_fail("the number of lines is not the number of problems", report);
}

/* config/tap.ini's ranges, and the cross checks config_load makes. */
static void
check_ranges(const struct config *c)
{
	uint32_t mask = c->ip_prefix == 32 ? UINT32_MAX : ~(UINT32_MAX >> c->ip_prefix);
	bool ok = c->rx_desc >= 32 && c->rx_desc <= 16384 && c->tx_desc >= 32 &&
	          c->tx_desc <= 16384 && c->mtu >= 68 && c->mtu <= 9000 && c->ip_prefix >= 1 &&
	          c->ip_prefix <= 32 && c->pool_cache <= 512 && c->burst >= 1 && c->burst <= 256 &&
	          c->tcp_msl_s >= 1 && c->tcp_retries >= 1 && c->tcp_syn_retries >= 1 &&
	          c->tcp_local_port_min <= c->tcp_local_port_max &&
	          (c->rss_key_len == 0 ||
	           (c->rss_key_len >= 16 && c->rss_key_len <= 64 && c->rss_key_len % 4 == 0));

	if (!ok)
		fuzz_fail("a value outside its documented range was accepted", "");
	if (c->ip_gateway != 0 && (c->ip_gateway & mask) != (c->ip_addr & mask))
		fuzz_fail("a gateway outside the prefix was accepted", "");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config before, c;
	char *report = NULL;
	size_t len = 0;

	fuzz_file_write(data, size);
	config_defaults(&c);
	memcpy(&before, &c, sizeof(c));
	FILE *err = open_memstream(&report, &len);
	if (err == NULL)
		abort();
	int ret = config_load(&c, fuzz_path, err);
	fclose(err);
	check_report(report, len, ret);
	if (ret != 0 && memcmp(&before, &c, sizeof(c)) != 0)
		fuzz_fail("the config changed although loading failed", report);
	if (ret == 0)
		check_ranges(&c);
	free(report);
	return 0;
}
