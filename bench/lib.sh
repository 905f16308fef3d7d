# shellcheck shell=bash
# What bench/run.sh and the scripts it calls share: waiting for a quiet
# machine, how busy each CPU was during a run, and the raw result row.
# Sourced, not run.

# The pollers, both stacks' servers and clients, run at BENCH_NICE (-20),
# each in a session of its own. Raising nice alone does nothing here: with
# the scheduler's autogroups (kernel.sched_autogroup_enabled, on in Debian)
# nice only ranks tasks of one session, and every other session (a build, a
# shell, the VM's agent) gets an equal share against the whole benchmark.
# A session's own autogroup at -20 outranks them: on this 2-vCPU VM the
# pollers' stalls of a millisecond or more fell from about 80 to about 15 in
# a 2 s run, and rr-256's p99 beside a bulk flow from 3.2 ms to 0.3 ms, with
# the rr-256 p99 alone 0.1-0.2 ms. A deployment would isolate its cores
# (isolcpus); a shared VM cannot. BENCH_NICE=0 measures without it.
BENCH_NICE=${BENCH_NICE:--20}
# shellcheck disable=SC2016 # expanded by the inner bash
BENCH_PRIO=(setsid bash -c 'echo "$0" >/proc/self/autogroup 2>/dev/null; exec nice -n "$0" "$@"'
	"$BENCH_NICE")

# bench_prio_check: says once when the pollers' priority cannot be raised
# (not root, or a kernel without autogroups), since the figures then carry
# every other task's preemptions. Prints the autogroup nice obtained.
bench_prio_check() {
	local got
	got=$("${BENCH_PRIO[@]}" sh -c 'sed -n "s/.* nice //p" /proc/self/autogroup 2>/dev/null')
	if [ "${got:-none}" != "$BENCH_NICE" ]; then
		echo "bench: the pollers' autogroup runs at nice ${got:-?}, not $BENCH_NICE: figures include other tasks' preemptions" >&2
	fi
	echo "${got:-none}"
}

# bench_mode SCRIPT MODE: DUR (seconds a run) and REPS for quick or full;
# otherwise SCRIPT's usage and exit 2. Exits 1 unless root (DPDK).
# shellcheck disable=SC2034 # DUR and REPS are the caller's
bench_mode() {
	case "$2" in
	quick) DUR=1 REPS=3 ;;
	full) DUR=10 REPS=3 ;;
	*)
		echo "usage: $1 [quick|full]" >&2
		exit 2
		;;
	esac
	[ "$(id -u)" -eq 0 ] || { echo "$1: run as root (DPDK)" >&2; exit 1; }
}

# busy_pct: how busy all CPUs were over the last half second (0-100).
busy_pct() {
	local a b
	a=$(awk '/^cpu /{print $2+$3+$4+$6+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat)
	sleep 0.5
	b=$(awk '/^cpu /{print $2+$3+$4+$6+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat)
	echo "$a $b" | awk '{ d = $4 - $2; print (d > 0) ? int(100 * ($3 - $1) / d) : 0 }'
}

# wait_quiet: up to BENCH_QUIET_WAIT_S (60) seconds for the machine to fall
# under 15% busy; prints the last figure (a caller that gets 15 or more knows
# it could not wait, and the report says so).
wait_quiet() {
	local b
	for _ in $(seq $((${BENCH_QUIET_WAIT_S:-60} * 2))); do
		b=$(busy_pct)
		[ "$b" -lt 15 ] && break
	done
	echo "$b"
}

# cpu_snapshot: one line per CPU, "cpuN busy total" in jiffies.
cpu_snapshot() {
	awk '/^cpu[0-9]/{print $1, $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat
}

# cpu_busy_json BEFORE AFTER: {"cpu0":N,"cpu1":N,...}, the percent of each
# CPU's time spent busy between two cpu_snapshot outputs.
cpu_busy_json() {
	paste -d' ' <(echo "$1") <(echo "$2") | awk '
		BEGIN { printf "{" }
		{ d = $6 - $3; printf "%s\"%s\":%d", (NR > 1 ? "," : ""), $1, (d > 0) ? int(100 * ($5 - $2) / d + 0.5) : 0 }
		END { printf "}" }'
}

# emit_row FILE WORKLOAD STACK REP BUSY_BEFORE CPU_BUSY_JSON RESULT_JSON
#          [CPU_PAIR_RTT_NS]
# appends one raw row (the format bench/report.py reads) and says what it was.
emit_row() {
	local file=$1 w=$2 stack=$3 rep=$4 busy=$5 cpus=$6 line=$7 rtt=${8:-}
	[ -n "$line" ] || line='{"error":"no result"}'
	[[ "$rtt" =~ ^[0-9]+$ ]] && rtt=",\"cpu_pair_rtt_ns\":$rtt" || rtt=
	printf '{"workload":"%s","stack":"%s","rep":%d,"busy_before_pct":%d%s,"cpu_busy_pct":%s,"result":%s}\n' \
		"$w" "$stack" "$rep" "$busy" "$rtt" "${cpus:-{\}}" "$line" >>"$file"
	echo "bench: $w $stack rep $rep (machine ${busy}% busy before): $(echo "$line" | cut -c1-120)"
}

# build_release SCRIPT PROGRAM...: the release build (build-release, made if
# missing) brought up to date, and each PROGRAM (relative to it) present.
# Sets B to the build directory. SCRIPT names the caller in errors.
build_release() {
	local who=$1 p
	shift
	B=$ROOT/build-release
	if [ ! -f "$B/build.ninja" ]; then
		meson setup "$B" --buildtype=release -Dtests=false >/dev/null || return 1
	fi
	ninja -C "$B" >/dev/null || { echo "$who: build failed" >&2; return 1; }
	for p in "$@"; do
		[ -x "$B/$p" ] || { echo "$who: $B/$p is missing" >&2; return 1; }
	done
}

# stop_pid PID SIGNAL TENTHS: send SIGNAL, wait up to TENTHS tenths of a
# second for the process to go, then SIGKILL; returns its exit status.
stop_pid() {
	local pid=$1
	kill -"$2" "$pid" 2>/dev/null
	for _ in $(seq "$3"); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# cpu_pair_rtt: a cache line's round trip in ns between CPU 0 and CPU 1, the
# pair's two CPUs (bench/cpu_pair_rtt.c), at the pollers' priority; empty if
# it could not be measured.
cpu_pair_rtt() {
	[ -x "$B/bench/tern-cpu-pair-rtt" ] || return 0
	timeout 20 "${BENCH_PRIO[@]}" "$B/bench/tern-cpu-pair-rtt" 0 1 2>/dev/null
}
