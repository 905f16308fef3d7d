#!/usr/bin/env bash
# Tern's front script, behind the README's two commands (run as root on Debian 12):
#
#   ./tern.sh demo   install what is missing, build (release), run tern-echo on
#                    net_tap in a namespace of its own: ping it from Linux, echo
#                    10 MB through it with nc (SHA-256 both ways), show
#                    tools/tern-stat -c while a connection is open; then
#                    tern-httpd for curl -v; stop each (counters, pools) and
#                    remove the namespace
#   ./tern.sh test   install what is missing, build (debug, -Werror, and ASan+UBSan
#                    with cost accounting), run every test and each libFuzzer
#                    target for TERN_FUZZ_SECONDS (60); the last line is
#                    "N passed, N failed"
#   ./tern.sh bench [quick|full]
#                    install what is missing (also nginx, perf, matplotlib), build
#                    (release), run Tern and Linux side by side (bench/run.sh); the
#                    table and plots land in results/
#   ./tern.sh bench scale [quick|full]
#                    N engines a side for N = 1 up to half the CPUs, Tern and
#                    Linux, the steered segment's cost and the projected curve
#                    (bench/scale.sh)
set -uo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)

# Everything the build, the tests and the demo run that a minimal Debian 12
# (debootstrap --variant=minbase) lacks: git lists the files the format check
# reads; netbase gives wrk /etc/services (without it wrk cannot resolve
# http://ADDR/); tshark reads the capture tests' files; binutils' nm checks
# what libtern.so exports; dpdk-dev brings dpdk-telemetry.py and dpdk-dumpcap;
# iproute2 ip and ss; procps sysctl and kill; util-linux setpriv, taskset and
# mount. coreutils, findutils, grep, sed, mawk and libc-bin (ldd) are there.
PKGS=(gcc g++ binutils meson ninja-build pkg-config python3 dpdk dpdk-dev libdpdk-dev libnuma-dev
	libsodium-dev libcmocka-dev libgtest-dev iproute2 iputils-ping util-linux clang-format
	curl wrk netcat-openbsd procps git netbase clang libclang-rt-14-dev tshark)
# What only the benchmarks need (bench/run.sh): nginx as Linux's HTTP server,
# perf for perf stat, matplotlib for the plots.
BENCH_PKGS=(nginx-light linux-perf python3-matplotlib)

die() {
	echo "tern.sh: $*" >&2
	exit 1
}

# install_deps [package...]: PKGS and any given
install_deps() {
	local missing=()
	for p in "${PKGS[@]}" "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing packages (${missing[*]}): run as root to install them"
	echo "tern.sh: installing ${missing[*]}"
	apt-get update -q >/dev/null || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
		>/dev/null || die "apt-get install ${missing[*]} failed"
}

# build DIR [meson options...]
build() {
	local dir=$1
	shift
	if [ ! -f "$dir/build.ninja" ]; then
		meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 ||
			{ cat "$dir.setup.log"; die "meson setup $dir failed"; }
		rm -f "$dir.setup.log"
	elif [ $# -gt 0 ]; then
		# A directory set up by an older tern.sh gets today's options.
		meson configure "$dir" "$@" >"$dir.setup.log" 2>&1 ||
			{ cat "$dir.setup.log"; die "meson configure $dir failed"; }
		rm -f "$dir.setup.log"
	fi
	ninja -C "$dir" >"$dir.log" 2>&1 || { tail -n 40 "$dir.log"; die "build in $dir failed"; }
}

# The demo's Tern: PROGRAM on net_tap (tern0) in namespace DEMO_NS, at
# 198.18.0.2/24 with the kernel side at 198.18.0.1/24; its own EAL file prefix
# (the telemetry socket's directory, which tern-stat finds by it).
demo_start() {
	local prog=$1
	DEMO_PREFIX=$DEMO_NS-$prog
	: >"$DEMO_LOG"
	echo "tern.sh: starting $prog on net_tap (tern0) in namespace $DEMO_NS"
	ip netns exec "$DEMO_NS" build-release/app/"$prog" --no-huge -m 512 --no-pci --no-shconf \
		--file-prefix "$DEMO_PREFIX" --vdev net_tap0,iface=tern0 -l 0 -- --config config/tap.ini \
		--ip 198.18.0.2/24 >"$DEMO_LOG" 2>&1 &
	DEMO_PID=$!
	for _ in $(seq 100); do
		grep -q ": up on port" "$DEMO_LOG" && break
		kill -0 "$DEMO_PID" 2>/dev/null || { cat "$DEMO_LOG"; die "$prog exited"; }
		sleep 0.1
	done
	grep ": up on port" "$DEMO_LOG" || { cat "$DEMO_LOG"; die "$prog did not come up"; }
	ip -n "$DEMO_NS" addr add 198.18.0.1/24 dev tern0
	ip -n "$DEMO_NS" link set tern0 up
}

# demo_stop: SIGINT; Tern prints its counters and checks its pools. Shows the
# main ones; fails if it did not exit 0 (an mbuf missing, say).
demo_stop() {
	local rc
	kill -INT "$DEMO_PID"
	wait "$DEMO_PID"
	rc=$?
	DEMO_PID=
	echo "tern.sh: stopped (status $rc); some of its counters, and its pool:"
	grep -E "^total\.(rx_pkts|tx_pkts|tcp_segs_in|tcp_segs_out|tcp_conns_opened|tcp_retransmits|drop\.)|: pool " \
		"$DEMO_LOG" | sed 's/^/    /'
	[ "$rc" -eq 0 ] || die "Tern exited with status $rc"
}

# demo_echo: 10 MB of random bytes through tern-echo (TCP 7) with nc, and
# the SHA-256 of what went and what came back.
demo_echo() {
	local dir=$1 sent back
	head -c 10485760 /dev/urandom >"$dir/sent"
	echo "tern.sh: 10 MB to tern-echo (TCP 7) with nc, and back:"
	ip netns exec "$DEMO_NS" timeout 60 nc -N 198.18.0.2 7 <"$dir/sent" >"$dir/back" ||
		die "nc to the echo service failed"
	sent=$(sha256sum <"$dir/sent" | cut -d' ' -f1)
	back=$(sha256sum <"$dir/back" | cut -d' ' -f1)
	printf '    sent %10s bytes, sha256 %s\n    back %10s bytes, sha256 %s\n' \
		"$(stat -c %s "$dir/sent")" "$sent" "$(stat -c %s "$dir/back")" "$back"
	[ "$sent" = "$back" ] || die "the echo differs from what was sent"
	echo "    equal"
}

# demo_stat: tern-stat -c while a Linux client (nc) holds a connection open.
demo_stat() {
	local pid rc
	ip netns exec "$DEMO_NS" nc -d 198.18.0.2 7 >/dev/null &
	pid=$!
	for _ in $(seq 50); do
		[ -n "$(ip netns exec "$DEMO_NS" ss -Htn state established '( dport = :7 )')" ] && break
		sleep 0.1
	done
	echo "tern.sh: tools/tern-stat -c -f $DEMO_PREFIX (nc holds a connection open):"
	tools/tern-stat -c -f "$DEMO_PREFIX" | sed 's/^/    /'
	rc=${PIPESTATUS[0]}
	kill "$pid"
	wait "$pid" 2>/dev/null
	[ "$rc" -eq 0 ] || die "tern-stat failed"
}

demo() {
	# Globals, not locals: the EXIT trap runs after this function returns.
	DEMO_NS=tern-demo-$$ DEMO_PID= DEMO_LOG= DEMO_DIR=
	local ns=$DEMO_NS ping_rc
	install_deps
	build build-release --buildtype=release -Dtests=false
	[ "$(id -u)" -eq 0 ] || die "the demo creates a network namespace and a tap: run as root"
	DEMO_LOG=$(mktemp /tmp/tern-demo.XXXXXX)
	DEMO_DIR=$(mktemp -d /tmp/tern-demo.XXXXXX)
	trap '[ -n "$DEMO_PID" ] && kill -KILL "$DEMO_PID" 2>/dev/null; ip netns del "$DEMO_NS" 2>/dev/null; rm -rf "$DEMO_LOG" "$DEMO_DIR"' EXIT
	ip netns add "$ns" || die "cannot create namespace $ns"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1

	echo "== 1. tern-echo: ping, a 10 MB echo, the connection table"
	demo_start tern-echo
	echo "tern.sh: Linux (198.18.0.1) pings Tern (198.18.0.2):"
	ip netns exec "$ns" ping -c 5 -i 0.2 -W 2 198.18.0.2 | sed 's/^/    /'
	ping_rc=${PIPESTATUS[0]}
	echo "tern.sh: the kernel's neighbour entry for Tern:"
	ip -n "$ns" neigh show dev tern0 | sed 's/^/    /'
	[ "$ping_rc" -eq 0 ] || die "ping lost replies"
	demo_echo "$DEMO_DIR"
	demo_stat
	demo_stop

	echo "== 2. tern-httpd: curl -v"
	demo_start tern-httpd
	echo "tern.sh: curl -v http://198.18.0.2/"
	ip netns exec "$ns" curl -sS -v --max-time 10 http://198.18.0.2/ 2>&1 | sed 's/^/    /'
	[ "${PIPESTATUS[0]}" -eq 0 ] || die "curl failed"
	demo_stop
	echo "tern.sh: demo done; namespace $ns removed"
}

# Sum the cases inside each test program (cmocka and googletest print their
# own totals), so the summary counts test cases, not executables.
count_meson() {
	python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, re, sys
passed = failed = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    out = (t.get("stdout") or "") + (t.get("stderr") or "")
    p = sum(int(n) for n in re.findall(r"\[  PASSED  \] (\d+) test", out))
    f = sum(int(n) for n in re.findall(r"\[  FAILED  \] (\d+) test", out))
    if t["result"] != "OK" and f == 0:
        f = 1  # crashed or timed out before its summary
    passed += p
    failed += f
    print(f"  {t['name']}: {p} passed, {f} failed ({t['result']})")
print(f"TOTAL {passed} {failed}")
PY
}

# add_counts LINE P F: add the counts in words P (passed) and F (failed) of
# LINE, after printing the output they came from, so that the summary stays
# the last line.
add_counts() {
	cat "$out"
	local p f
	p=$(echo "$1" | awk -v i="$2" '{ print $i }')
	f=$(echo "$1" | awk -v i="$3" '{ print $i }')
	[[ "$p" =~ ^[0-9]+$ && "$f" =~ ^[0-9]+$ ]] || { p=0; f=1; }
	passed=$((passed + p))
	failed=$((failed + f))
}

# format_check: every C and C++ file git knows is as clang-format would write
# it. A missing tool, a failed listing or an empty one is a failure, not "ok".
format_check() {
	local files n out rc
	command -v git >/dev/null || { echo "  format: FAIL: git is not installed"; return 1; }
	command -v clang-format >/dev/null || { echo "  format: FAIL: clang-format is not installed"; return 1; }
	files=$(git ls-files '*.c' '*.h' '*.cc') || { echo "  format: FAIL: git ls-files failed"; return 1; }
	n=$(echo "$files" | grep -c .)
	[ "$n" -gt 0 ] || { echo "  format: FAIL: git ls-files listed no C or C++ file"; return 1; }
	out=$(echo "$files" | xargs clang-format --dry-run -Werror 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "  format: FAIL (clang-format status $rc):"
		echo "$out" | grep -E "error|clang-format" | head -n 20 | sed 's/^/    /'
		return 1
	fi
	echo "  format: ok ($n files)"
}

# run_fuzzers: build build-fuzz (clang, ASan + UBSan, -Dfuzz=true) and run
# each libFuzzer target (tests/fuzz/, docs/FUZZING.md) on its committed corpus
# for a bounded time and number of runs; each target counts as one test, and
# one that cannot be built or run counts as failed. New corpus entries go to
# a temporary directory; a crashing input is kept in build-fuzz/artifacts/.
FUZZ_TARGETS=(engine steer config http)
run_fuzzers() {
	local dir=build-fuzz t work opts
	local secs=${TERN_FUZZ_SECONDS:-60} runs=${TERN_FUZZ_RUNS:-5000000}
	local bins=("${FUZZ_TARGETS[@]/#/tests/fuzz/fuzz_}")
	if { [ -f "$dir/build.ninja" ] || CC=clang CXX=clang++ meson setup "$dir" -Dfuzz=true \
		-Db_sanitize=address,undefined -Db_lundef=false >"$dir.setup.log" 2>&1; } &&
		nice ninja -C "$dir" "${bins[@]}" >"$dir.log" 2>&1; then
		rm -f "$dir.setup.log"
	else
		tail -n 40 "$dir.setup.log" "$dir.log" 2>/dev/null
		echo "  fuzz: build-fuzz failed: ${#FUZZ_TARGETS[@]} targets count as failed"
		failed=$((failed + ${#FUZZ_TARGETS[@]}))
		return
	fi
	work=$(mktemp -d /tmp/tern-fuzz.XXXXXX)
	mkdir -p "$dir/artifacts"
	for t in "${FUZZ_TARGETS[@]}"; do
		mkdir "$work/$t"
		opts=(-max_total_time="$secs" -runs="$runs" -print_final_stats=1
			-artifact_prefix="$ROOT/$dir/artifacts/$t-")
		[ -f "tests/fuzz/$t.dict" ] && opts+=(-dict="tests/fuzz/$t.dict")
		if nice "$dir/tests/fuzz/fuzz_$t" "${opts[@]}" "$work/$t" "tests/fuzz/corpus/$t" \
			>"$work/$t.log" 2>&1; then
			echo "  fuzz_$t: ok, $(grep -o 'number_of_executed_units: [0-9]*' "$work/$t.log" |
				grep -o '[0-9]*$') runs, $(grep -o 'cov: [0-9]*' "$work/$t.log" | tail -n 1)"
			passed=$((passed + 1))
		else
			grep -v '^EAL\|^TELEMETRY' "$work/$t.log" | tail -n 40
			echo "  fuzz_$t: FAILED (input kept in $dir/artifacts/)"
			failed=$((failed + 1))
		fi
	done
	rm -rf "$work"
}

run_tests() {
	local passed=0 failed=0 out
	out=$(mktemp /tmp/tern-test.XXXXXX)
	install_deps
	[ "$(id -u)" -eq 0 ] || die "the tests use hugepage-free DPDK, taps and namespaces: run as root"
	build build
	echo "== unit and scenario tests (debug build)"
	(cd build && meson test --no-rebuild --print-errorlogs >/dev/null 2>&1)
	count_meson build >"$out"
	add_counts "$(tail -n 1 "$out")" 2 3

	# The sanitized build also carries cost accounting (-Dcost_accounting), so
	# both variants of the hot path are compiled and tested.
	echo "== unit and scenario tests under ASan + UBSan, with cost accounting"
	build build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dcost_accounting=true
	(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test --no-rebuild --print-errorlogs >/dev/null 2>&1)
	count_meson build-asan >"$out"
	add_counts "$(tail -n 1 "$out")" 2 3

	echo "== clang-format"
	if format_check; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi

	echo "== fuzzers (libFuzzer, clang, ASan + UBSan), ${TERN_FUZZ_SECONDS:-60} s each"
	run_fuzzers

	echo "== integration tests (net_tap, Linux peers in namespaces)"
	BUILD="$ROOT/build" bash tests/integration/run.sh >"$out" 2>&1
	add_counts "$(tail -n 1 "$out")" 1 3
	rm -f "$out"

	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

bench() {
	local mode=${1:-quick} script=bench/run.sh
	if [ "$mode" = scale ]; then
		script=bench/scale.sh
		mode=${2:-quick}
	fi
	case "$mode" in
	quick | full) ;;
	*) die "bench: mode is quick, full or scale [quick|full], not '$mode'" ;;
	esac
	[ "$(id -u)" -eq 0 ] || die "the benchmarks run DPDK and create namespaces: run as root"
	install_deps "${BENCH_PKGS[@]}"
	build build-release --buildtype=release -Dtests=false
	build build-cost --buildtype=release -Dtests=false -Dcost_accounting=true
	exec "$script" "$mode"
}

case "${1:-}" in
demo) demo ;;
test) run_tests ;;
bench) bench "${2:-quick}" "${3:-}" ;;
*)
	echo "usage: $0 demo|test|bench [quick|full|scale [quick|full]]" >&2
	exit 2
	;;
esac
