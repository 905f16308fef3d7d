#!/usr/bin/env bash
# tern-loadgen's HTTP modes against tern-httpd over the in-memory pair
# (net_memif, two processes, docs/PAIR.md): --mode http-ka and http-close
# each complete requests with no error, and tern-httpd counts at least as
# many (its count covers the whole run, the client's only its window). Then
# against tern-echo, whose "responses" are the requests echoed: not HTTP
# responses, so tern-loadgen must count errors and exit non-zero. Last,
# [port] checksums = no: with it on both ends the same requests complete
# with nothing dropped for a checksum; on the server's end alone, the client,
# which checks, drops what it gets and completes nothing.
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-$HERE/../../build}
DUR=2
TMP=$(mktemp -d /tmp/tern-http-lg.XXXXXX)
SERVER_PID=
CLIENT_PID=

fail() {
	echo "FAIL: $*"
	for f in "$TMP"/*.log; do
		[ -s "$f" ] && { echo "  $f:"; tail -n 15 "$f" | sed 's/^/  | /'; }
	done
	exit 1
}
cleanup() {
	for p in $CLIENT_PID $SERVER_PID; do
		kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

for p in tern-httpd tern-echo tern-loadgen; do
	[ -x "$BUILD/app/$p" ] || fail "no $BUILD/app/$p: build first"
done

# pair_run SERVER MODE CONNS: SERVER on CPU 0 (port 80), tern-loadgen on CPU
# 1 for DUR s; the client's output in $TMP/client.log, its status in RC.
# SERVER_CFG and CLIENT_CFG: a --config for either end (none: the defaults).
pair_run() {
	local server=$1 mode=$2 conns=$3 sock=$TMP/memif.sock port_args=(--echo-ports 80-80)
	local scfg=() ccfg=()
	[ "$server" = tern-httpd ] && port_args=(--port 80)
	[ -n "${SERVER_CFG:-}" ] && scfg=(--config "$SERVER_CFG")
	[ -n "${CLIENT_CFG:-}" ] && ccfg=(--config "$CLIENT_CFG")
	rm -f "$sock"
	taskset -c 0 "$BUILD/app/$server" --no-huge -m 512 --no-pci --file-prefix "tern-http-s$$" \
		--vdev "net_memif0,role=server,socket=$sock" -l 0 -- "${scfg[@]}" --ip 198.18.1.1/24 \
		"${port_args[@]}" >"$TMP/server.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 100); do
		grep -q ": up on port" "$TMP/server.log" && break
		kill -0 "$SERVER_PID" 2>/dev/null || fail "$server exited during start-up"
		sleep 0.1
	done
	timeout $((DUR + 30)) taskset -c 1 "$BUILD/app/tern-loadgen" --no-huge -m 512 --no-pci \
		--file-prefix "tern-http-c$$" --vdev "net_memif0,role=client,socket=$sock" -l 1 -- \
		"${ccfg[@]}" --ip 198.18.1.2/24 --connect 198.18.1.1:80 --mode "$mode" --conns "$conns" \
		--duration "$DUR" >"$TMP/client.log" 2>&1 &
	CLIENT_PID=$!
	# The client waits for the server to leave once it has its result
	# (bench/pair_run.sh): stop the server then.
	for _ in $(seq $(((DUR + 30) * 20))); do
		grep -q '^{"tool"' "$TMP/client.log" && break
		kill -0 "$CLIENT_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -INT "$SERVER_PID"
	wait "$SERVER_PID"
	SERVER_RC=$?
	SERVER_PID=
	wait "$CLIENT_PID"
	RC=$?
	CLIENT_PID=
}

json() { # json NAME: a number from the client's JSON line
	grep '^{"tool"' "$TMP/client.log" | tail -n 1 | grep -o "\"$1\":[0-9.]*" | head -n 1 | cut -d: -f2
}

for w in "http-ka 16" "http-close 8"; do
	read -r mode conns <<<"$w"
	pair_run tern-httpd "$mode" "$conns"
	grep '^tern-loadgen: http' "$TMP/client.log" | sed 's/^/  /'
	[ "$RC" -eq 0 ] || fail "tern-loadgen --mode $mode exited $RC"
	[ "$SERVER_RC" -eq 0 ] || fail "tern-httpd exited $SERVER_RC"
	reqs=$(json requests)
	[ "$(json errors)" = 0 ] || fail "$mode: $(json errors) errors"
	[ "${reqs%.*}" -gt 0 ] || fail "$mode: no request completed"
	served=$(sed -n 's/^httpd\.requests \([0-9]*\)$/\1/p' "$TMP/server.log")
	[ "${served:-0}" -ge "$reqs" ] || fail "$mode: tern-httpd served $served, the client counted $reqs"
	# http-close: a connection a request, each closed cleanly by the server
	# (the window's edges may split a few of them: at most one a slot each).
	if [ "$mode" = http-close ]; then
		c=$(json connections)
		if [ $((c - reqs)) -gt $((2 * conns)) ] || [ $((reqs - c)) -gt $((2 * conns)) ]; then
			fail "http-close: $c connections closed cleanly for $reqs requests"
		fi
	fi
	echo "  $mode: $reqs responses, 0 errors; tern-httpd served $served"
done

# tern-echo answers "GET / HTTP/1.1" with itself: every "response" is
# malformed (no status-line), and tern-loadgen must say so.
pair_run tern-echo http-ka 4
grep -m 2 "http:" "$TMP/client.log" | sed 's/^/  /'
[ "$RC" -ne 0 ] || fail "tern-loadgen http-ka against an echo server exited 0"
[ "$(json errors)" -gt 0 ] || fail "tern-loadgen counted no error against an echo server"
grep -q "http: bad status-line" "$TMP/client.log" || fail "no 'bad status-line' error"
echo "  against tern-echo: exit $RC, $(json errors) errors (bad status-line)"

# count LOG NAME: a counter from a program's exit lines ("total.NAME N";
# a counter at 0 has no line).
count() {
	local v
	v=$(sed -n "s/^total\.$2 \([0-9]*\)$/\1/p" "$TMP/$1.log")
	echo "${v:-0}"
}

unsummed=$TMP/checksums-no.ini
printf '[port]\nchecksums = no\n[ip]\n' >"$unsummed"
SERVER_CFG=$unsummed CLIENT_CFG=$unsummed pair_run tern-httpd http-ka 16
grep -q "checksums: none (in memory)" "$TMP/server.log" || fail "the server's port line does not say checksums: none"
[ "$RC" -eq 0 ] || fail "checksums = no: tern-loadgen exited $RC"
[ "$SERVER_RC" -eq 0 ] || fail "checksums = no: tern-httpd exited $SERVER_RC"
reqs=$(json requests)
[ "$(json errors)" = 0 ] || fail "checksums = no: $(json errors) errors"
[ "${reqs%.*}" -gt 0 ] || fail "checksums = no: no request completed"
for side in server client; do
	for c in drop.ip_bad_cksum drop.tcp_bad_cksum; do
		[ "$(count $side $c)" = 0 ] || fail "checksums = no: $side counted $(count $side $c) $c"
	done
done
echo "  checksums = no on both ends: $reqs responses, 0 errors, no checksum drops"

# The server alone: its frames carry no sums, and the client drops them.
SERVER_CFG=$unsummed pair_run tern-httpd http-ka 4
[ "$RC" -ne 0 ] || fail "checksums = no on the server alone: tern-loadgen exited 0"
[ "$(json requests)" = 0 ] || fail "checksums = no on the server alone: $(json requests) requests"
[ "$(count client drop.ip_bad_cksum)" -gt 0 ] || fail "the client counted no ip_bad_cksum drop"
echo "  checksums = no on the server alone: exit $RC, $(count client drop.ip_bad_cksum) frames dropped for their IPv4 sums"
echo PASS
