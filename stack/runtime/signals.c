/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signals: SIGINT and SIGTERM are blocked before the EAL starts its threads
 * and read from a signalfd by the main lcore, so there is no signal handler
 * and no global flag; the port's I/O signals go to the lcores alone.
 *
 *   tern_init -> runtime_block_signals; lcores -> runtime_lcore_signals;
 *   main lcore, 100 times a second -> runtime_stop_requested
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "core/log.h"
#include "runtime/runtime.h"

/* net_tap asks the kernel for a signal on every frame it queues (F_SETSIG:
 * a real-time one in DPDK 22.11, SIGIO before; its RX burst skips the readv
 * until one has come). The kernel hands a process signal to any thread not
 * blocking it: DPDK's sleeping interrupt and telemetry threads, pinned to
 * the lcores' CPUs, woke for them and preempted the engine (a quarter of an
 * HTTP server's core on the tap went to them and to context switches). These
 * signals are blocked before the EAL starts its threads, which inherit that,
 * and taken only by the lcores, which are running anyway. */
static void
runtime_io_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGIO);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		sigaddset(set, sig);
}

void
runtime_lcore_signals(void)
{
	sigset_t set;

	runtime_io_signals(&set);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int
runtime_block_signals(struct tern *t)
{
	sigset_t set;

	runtime_io_signals(&set); /* see runtime_io_signals */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -errno;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		return -errno;
	t->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	return t->sigfd < 0 ? -errno : 0;
}

bool
runtime_stop_requested(struct tern *t)
{
	struct signalfd_siginfo si;

	if (read(t->sigfd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return false;
	TERN_LOG(engine, INFO, "signal %u: stopping\n", si.ssi_signo);
	return true;
}
