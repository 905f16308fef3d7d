#!/usr/bin/env bash
# tern-loadgen against a Linux echo server, a smoke run (as root; not part of
# the test suite):
#
#   BUILD=build bench/loadgen_smoke.sh        [DURATION=3]
#
#   tern-loadgen (lcore 0, tap at 198.18.0.2) -- tap -- python echo server
#   (kernel, 198.18.0.1:7), both in namespace tern-it-N
#
# Runs rr with 1 and 16 connections, then crr, DURATION seconds each, each
# bounded by a timeout, and prints tern-loadgen's summary and JSON lines.
# The echo server is Python (selectors, one thread): it, not Tern, bounds the
# figures. Everything started here is stopped by PID and the namespace removed.
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
export BUILD=${BUILD:-$ROOT/build}
DURATION=${DURATION:-3}
RUN_TIMEOUT=$((DURATION + 30))
. "$ROOT/tests/integration/lib.sh" # Tern in namespace $NS on tap $TAP, cleanup

[ -x "$BUILD/app/tern-loadgen" ] || fail "no $BUILD/app/tern-loadgen: build first"

ECHO_PID=
ECHO_LOG=$(mktemp /tmp/tern-lg-echo.XXXXXX)
FAILED=

smoke_cleanup() {
	if [ -n "$ECHO_PID" ] && kill -0 "$ECHO_PID" 2>/dev/null; then
		kill "$ECHO_PID" 2>/dev/null
		wait "$ECHO_PID" 2>/dev/null
	fi
	rm -f "$ECHO_LOG"
	cleanup
}
trap smoke_cleanup EXIT


# run_part NAME ARGS...: tern-loadgen with ARGS against the echo server;
# it ends on its own after DURATION s; print its summary and JSON lines.
run_part() {
	local name=$1 rc
	shift
	tern_start tern-loadgen 0 --ip "$TERN_IP/24" --connect "$PEER_IP:7" \
		--duration "$DURATION" "$@"
	for _ in $(seq $((RUN_TIMEOUT * 10))); do
		kill -0 "$TERN_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$TERN_PID" 2>/dev/null; then
		kill -INT "$TERN_PID"
		sleep 2
		kill -KILL "$TERN_PID" 2>/dev/null
	fi
	wait "$TERN_PID"
	rc=$?
	TERN_PID=
	echo "== $name (exit $rc)"
	grep -E "^tern-loadgen: (core|rr|crr|bulk)|^tern-loadgen: .*(error|fail|connection)|^\{" "$LOG"
	pools_full || echo "  (mbufs missing at exit)"
	[ $rc -eq 0 ] || FAILED="$FAILED${FAILED:+, }$name"
	tap_gone # the next part creates it again
}

# crr: Tern closes first, and each connection holds its local port through
# TIME_WAIT (2 x msl_s = 60 s): the 16,384 ephemeral ports last only because
# an active open may reuse a 4-tuple whose TIME_WAIT used timestamps and is a
# second old (tcp_time_wait_reused), as Linux's tcp_tw_reuse.

ns_create
echo_server_start "$ECHO_LOG"

run_part "rr, 1 connection" --mode rr --conns 1
run_part "rr, 16 connections" --mode rr --conns 16
run_part "crr, 1 connection at a time" --mode crr --conns 1

if [ -n "$FAILED" ]; then
	echo "FAIL: $FAILED"
	exit 1
fi
echo "OK"
