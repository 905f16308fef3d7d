/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tern-linux-loadgen --mode idle: what the kernel and the server hold.
 * Both ends live in this kernel, so the kernel's growth (/proc/meminfo Slab,
 * and the pages of /proc/net/sockstat's "TCP: ... mem") is per pair. The
 * server may be a parent with a worker a port (tern-linux-echo --ports):
 * its RSS is the parent's and its children's.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "linux_idle_int.h"

uint64_t
lxi_clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The parent of process @pid, from /proc/PID/stat (after the command's
 * closing parenthesis: the command may hold spaces); 0 if unknown. */
static unsigned
lxi_ppid(const char *pid)
{
	char path[300], buf[512], *p;
	unsigned ppid = 0;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 1, " %*c %u", &ppid) != 1)
		return 0;
	return ppid;
}

/* RSS of @pid and of its children, in bytes; @procs: how many processes. */
static uint64_t
lxi_tree_rss(unsigned pid, unsigned *procs)
{
	uint64_t rss = lg_rss_bytes(pid);
	DIR *d = opendir("/proc");
	struct dirent *de;

	*procs = rss != 0;
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' || lxi_ppid(de->d_name) != pid)
			continue;
		rss += lg_rss_bytes((unsigned)strtoul(de->d_name, NULL, 10));
		(*procs)++;
	}
	if (d != NULL)
		closedir(d);
	return rss;
}

void
lxi_mem_read(struct lxi_mem *m, unsigned server_pid)
{
	char line[256];
	unsigned long long a, b, c, d, e;
	FILE *f = fopen("/proc/meminfo", "r");

	memset(m, 0, sizeof(*m));
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Slab: %llu kB", &a) == 1)
			m->slab_kb = a;
	if (f != NULL)
		fclose(f);
	f = fopen("/proc/net/sockstat", "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "TCP: inuse %llu orphan %llu tw %llu alloc %llu mem %llu", &a, &b,
		           &c, &d, &e) == 5) {
			m->tcp_inuse = a;
			m->tcp_mem_pages = e;
		}
	if (f != NULL)
		fclose(f);
	if (server_pid != 0)
		m->server_rss = lxi_tree_rss(server_pid, &m->server_procs);
}
