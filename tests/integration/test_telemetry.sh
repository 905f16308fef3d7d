#!/usr/bin/env bash
# Telemetry on a running tern-echo (one engine, then two): Linux holds 30 echo
# connections open while DPDK's own client, dpdk-telemetry.py (Debian's
# dpdk-dev), is piped /tern/stats, /tern/conns (two pages of 24), /tern/mem
# and /tern/config: every connection is listed once, ESTABLISHED, with its
# 4-tuple and bytes; the counters are the engines' sum and carry the exit
# report's names. tools/tern-stat prints rates and the connection table
# from the same socket. The socket lives under /var/run/dpdk/<file-prefix>/,
# and lib.sh gives every run its own prefix (the namespace's name).
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$HERE/lib.sh"

NCONNS=30
command -v dpdk-telemetry.py >/dev/null || fail "dpdk-telemetry.py is missing (Debian's dpdk-dev)"
out=$(mktemp /tmp/tern-it-tel.XXXXXX)
ready=$(mktemp -u /tmp/tern-it-ready.XXXXXX)
trap 'rm -f "$out" "$ready"; cleanup' EXIT

# telemetry CMD...: each command's reply, one JSON line each.
telemetry() {
	printf '%s\n' "$@" | timeout 20 dpdk-telemetry.py -f "$NS"
}

# hold_start: NCONNS echo connections held open; PORTS are their local ports.
hold_start() {
	rm -f "$ready"
	in_ns timeout 60 python3 "$HERE/hold_conns.py" "$TERN_IP" 7 "$NCONNS" "$ready" 50 &
	HOLD_PID=$!
	for _ in $(seq 100); do
		[ -s "$ready" ] && break
		kill -0 "$HOLD_PID" 2>/dev/null || fail "the Linux client could not open its connections"
		sleep 0.1
	done
	[ -s "$ready" ] || fail "the Linux client did not open $NCONNS connections in 10 s"
	PORTS=$(cat "$ready")
	sleep 0.5 # Linux's delayed ACKs of the echoes (200 ms at most) have left
}

hold_stop() {
	rm -f "$ready"
	wait "$HOLD_PID" || fail "the Linux client failed"
}

# check_engines N: the replies for N engines.
check_engines() {
	local engines=$1
	# shellcheck disable=SC2046
	telemetry $(python3 "$HERE/telemetry_check.py" commands "$engines") >"$out" ||
		fail "dpdk-telemetry.py failed: $(cat "$out")"
	# shellcheck disable=SC2086
	python3 "$HERE/telemetry_check.py" replies "$out" "$engines" "$TERN_IP" "$PEER_IP" $PORTS ||
		fail "$(sed 's/^/  | /' "$out" | cut -c1-300)"
}

ns_create

# One engine: the replies, then tern-stat.
tern_start tern-echo 0 --ip "$TERN_IP/24"
hold_start
check_engines 1

# Pings meanwhile, so that the rates are not all zero.
in_ns ping -q -c 150 -i 0.01 "$TERN_IP" >/dev/null &
ping_pid=$!
stat=$("$ROOT/tools/tern-stat" -f "$NS" -n 2 -i 0.3) || fail "tern-stat failed: $stat"
wait "$ping_pid" || fail "ping lost replies"
echo "$stat" | sed 's/^/  | /'
echo "$stat" | grep -q "^tern-stat: tern-echo (pid $TERN_PID), 1 engine(s)" || fail "tern-stat: no title"
[ "$(echo "$stat" | grep -c "busy%")" -eq 1 ] || fail "tern-stat: expected one header"
# One line per engine per report: the engine, its rates, its 30 connections,
# busy% and stalls/s.
n=$(echo "$stat" | grep -cE "^[0-9:]{8} +0 +[0-9,]+ +[0-9,]+ +[0-9.]+ +[0-9.]+ +[0-9,]+ +[0-9,]+ +$NCONNS +[0-9.]+ +[0-9,]+  ")
[ "$n" -eq 2 ] || fail "tern-stat: expected 2 rate lines for engine 0 with $NCONNS connections"
echo "$stat" | grep -qE "^[0-9:]{8} +0 +[1-9][0-9,]* +[1-9][0-9,]* " || fail "tern-stat: no packets counted"

table=$("$ROOT/tools/tern-stat" -f "$NS" -c) || fail "tern-stat -c failed: $table"
echo "$table" | head -n 5 | sed 's/^/  | /'
echo "$table" | grep -q "^tern-stat: tern-echo (pid $TERN_PID): $NCONNS connection(s)" ||
	fail "tern-stat -c: no title with $NCONNS connections"
for p in $PORTS; do
	echo "$table" | grep -qE "^ESTABLISHED +0 +0 +$TERN_IP:7 +$PEER_IP:$p +0$" ||
		fail "tern-stat -c: no ESTABLISHED line for port $p"
	echo "$table" | grep -A1 -E " $PEER_IP:$p " | grep -q "bytes_acked:5 bytes_received:5" ||
		fail "tern-stat -c: no details for port $p"
done
msg=$("$ROOT/tools/tern-stat" -f tern-no-such-prefix -n 1 2>&1) && fail "tern-stat: a missing socket succeeded"
echo "$msg" | grep -q "^tern-stat: cannot connect to .*tern-no-such-prefix.* is a Tern program running" ||
	fail "tern-stat: unclear error '$msg'"
"$ROOT/tools/tern-stat" --help | grep -q -- "--file-prefix" || fail "tern-stat --help"

hold_stop
telemetry /tern/stats >"$out"
tern_stop
pools_full || fail "mbufs missing at exit"
python3 "$HERE/telemetry_check.py" names "$out" "$LOG" || fail "counter names"

# Two engines: the same replies, per engine and in total.
tern_start tern-echo 0-1 --ip "$TERN_IP/24"
hold_start
check_engines 2
hold_stop
tern_stop
pools_full || fail "mbufs missing at exit (two engines)"
echo "PASS: telemetry (dpdk-telemetry.py and tern-stat)"
