#!/usr/bin/env bash
# Two engines (-l 0-1) as a client and as a server on net_tap (issue 9): the
# tap picks each frame's queue by its own hash, so about half of every flow's
# segments land on the engine that does not own it and are steered to the
# one that does (flow/steer.c).
#   1. tern-loadgen -l 0-1, crr, rr and mixed (rr beside bulk streams that
#      lend their payload: tcp_lent_segs), against a Linux echo server: both
#      engines open connections, thousands in all, with no error, no stalled
#      connection, and no "no connection" drop while it runs (/tern/stats);
#   2. tern-httpd -l 0-1 under wrk with a connection per request: thousands
#      of connections, every response 2xx, both engines serving, segments
#      steered, no "no connection" drop.
# Every pool full at exit. Nothing passes by skipping: fewer than two CPUs,
# one engine, or an engine without connections is a failure.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

[ "$(nproc)" -ge 2 ] || fail "two engines need two CPUs; this machine has $(nproc)"
ECHO_PID=
ECHO_LOG=$(mktemp /tmp/tern-2e-echo.XXXXXX)
two_cleanup() {
	if [ -n "$ECHO_PID" ] && kill -0 "$ECHO_PID" 2>/dev/null; then
		kill "$ECHO_PID" 2>/dev/null
		wait "$ECHO_PID" 2>/dev/null
	fi
	rm -f "$ECHO_LOG"
	cleanup
}
trap two_cleanup EXIT

command -v dpdk-telemetry.py >/dev/null || fail "dpdk-telemetry.py is missing (Debian's dpdk-dev)"
# From dpdk-telemetry.py's reply to /tern/stats: the total drop.tcp_no_conn.
NO_CONN_PY='
import json, sys
for line in sys.stdin:
    line = line.strip()
    i = line.find("{")
    if i < 0:
        continue
    reply = json.loads(line[i:]).get("/tern/stats")
    if reply:
        print(reply["total"].get("drop", {}).get("tcp_no_conn", 0))
        sys.exit(0)
sys.exit("no /tern/stats reply")
'

ecounter() { # ecounter ENGINE NAME: one engine's exit counter (0 if absent)
	local v
	v=$(sed -n "s/^engine$1\.$2 \([0-9]*\)$/\1/p" "$LOG")
	echo "${v:-0}"
}

# json_field NAME: from tern-loadgen's JSON line in $LOG.
json_field() {
	grep '^{"tool":"tern-loadgen"' "$LOG" | head -n 1 | grep -o "\"$1\":[0-9.]*" | cut -d: -f2
}

# loadgen_run MODE CONNS MIN [ARGS...]: tern-loadgen on two engines for 5 s
# (dpdk-telemetry.py asks for the counters during it), at least MIN
# connections; then checks.
loadgen_run() {
	local mode=$1 conns=$2 conn_min=$3 rc
	shift 3
	tern_start tern-loadgen 0-1 --ip "$TERN_IP/24" --connect "$PEER_IP:7" --mode "$mode" \
		--conns "$conns" --duration 5 "$@"
	# Halfway through, while every connection runs: no segment so far
	# found no connection (at the end the run's stop resets what is still
	# open, and a Linux FIN crossing that RST is answered as "no
	# connection", as it should be).
	sleep 1
	local mid
	mid=$(printf '/tern/stats\n' | timeout 20 dpdk-telemetry.py -f "$NS" 2>&1 |
		python3 -c "$NO_CONN_PY") || fail "$mode: /tern/stats: $mid"
	[ "$mid" = 0 ] || fail "$mode: drop.tcp_no_conn $mid while running"
	for _ in $(seq 300); do
		kill -0 "$TERN_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$TERN_PID" 2>/dev/null && fail "tern-loadgen $mode did not end in 30 s"
	wait "$TERN_PID"
	rc=$?
	TERN_PID=
	grep -E "^tern-loadgen: $mode," "$LOG" | sed 's/^/  /'
	[ $rc -eq 0 ] || fail "tern-loadgen $mode exited $rc"
	[ "$(json_field errors)" = 0 ] || fail "$mode: $(json_field errors) errors"
	[ "$(json_field stalled)" = 0 ] || fail "$mode: $(json_field stalled) stalled connections"
	# Connections the engines opened, before the measurement window too:
	# rr's window opens once all are up (tern-loadgen), so its JSON counts
	# none of them.
	local made=$(($(ecounter 0 tcp_conns_opened) + $(ecounter 1 tcp_conns_opened)))
	[ "$made" -ge "$conn_min" ] || fail "$mode: $made connections opened, expected $conn_min or more"
	for e in 0 1; do
		[ "$(ecounter $e tcp_conns_opened)" -gt 0 ] || fail "$mode: engine $e opened no connection"
	done
	pools_full || fail "$mode: mbufs missing at exit"
	echo "  $mode: engine0 opened $(ecounter 0 tcp_conns_opened), engine1 $(ecounter 1 tcp_conns_opened);" \
		"steered $(counter steered_out); drop.steer_ring_full $(counter drop.steer_ring_full)"
	tap_gone # the next run creates it again
}

ns_create
# ---- 1. Tern the client: tern-loadgen on two engines ----------------------------
echo_server_start "$ECHO_LOG"
# A connection per request: every SYN-ACK must reach the engine that sent the SYN.
loadgen_run crr 16 1000
# Persistent connections, opened by both engines at start.
loadgen_run rr 32 32
# rr beside two bulk streams, one an engine, which send by reference.
loadgen_run mixed 32 34 --bulk-conns 2
[ "$(counter tcp_lent_segs)" -gt 0 ] || fail "mixed: the bulk streams lent no segments"
echo "  mixed: $(counter tcp_lent_segs) segments lent"
kill "$ECHO_PID"
wait "$ECHO_PID" 2>/dev/null
ECHO_PID=

# ---- 2. Tern the server: tern-httpd on two engines under wrk ---------------------
tern_start tern-httpd 0-1 --ip "$TERN_IP/24"
out=$(in_ns timeout 30 wrk -t2 -c32 -d3s -H "Connection: close" "http://$TERN_IP/" 2>&1) ||
	fail "wrk: $out"
echo "$out" | sed -n 's/^ *\([0-9]* requests in .*\)$/  wrk, a connection per request: \1/p'
reqs=$(echo "$out" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
[ "${reqs:-0}" -ge 1000 ] || fail "wrk completed ${reqs:-0} requests, expected 1000 or more"
echo "$out" | grep -q "Non-2xx" && fail "wrk got non-2xx responses: $out"
echo "$out" | grep -q "Socket errors" && fail "wrk had socket errors: $out"
tern_stop TERM
[ "$(counter drop.tcp_no_conn)" -eq 0 ] || fail "httpd: drop.tcp_no_conn $(counter drop.tcp_no_conn)"
for e in 0 1; do
	[ "$(ecounter $e tcp_conns_opened)" -gt 0 ] || fail "httpd: engine $e served no connection"
done
[ "$(counter steered_out)" -gt 0 ] || fail "httpd: no segment was steered: the tap put every flow on its owner?"
[ "$(counter steered_out)" -eq "$(counter steered_in)" ] ||
	fail "httpd: steered_out $(counter steered_out) != steered_in $(counter steered_in)"
pools_full || fail "httpd: mbufs missing at exit"
echo "  httpd: engine0 served $(ecounter 0 tcp_conns_opened), engine1 $(ecounter 1 tcp_conns_opened);" \
	"steered $(counter steered_out); drop.steer_ring_full $(counter drop.steer_ring_full)"
echo "PASS"
