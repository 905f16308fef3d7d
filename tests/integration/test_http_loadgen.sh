#!/usr/bin/env bash
# tern-loadgen's HTTP modes against tern-httpd over the in-memory pair
# (net_memif, two processes, docs/PAIR.md): --mode http-ka and http-close
# each complete requests with no error, and tern-httpd counts at least as
# many (its count covers the whole run, the client's only its window). Then
# against tern-echo, whose "responses" are the requests echoed: not HTTP
# responses, so tern-loadgen must count errors and exit non-zero.
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
pair_run() {
	local server=$1 mode=$2 conns=$3 sock=$TMP/memif.sock port_args=(--echo-ports 80-80)
	[ "$server" = tern-httpd ] && port_args=(--port 80)
	rm -f "$sock"
	taskset -c 0 "$BUILD/app/$server" --no-huge -m 512 --no-pci --file-prefix "tern-http-s$$" \
		--vdev "net_memif0,role=server,socket=$sock" -l 0 -- --ip 198.18.1.1/24 \
		"${port_args[@]}" >"$TMP/server.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 100); do
		grep -q ": up on port" "$TMP/server.log" && break
		kill -0 "$SERVER_PID" 2>/dev/null || fail "$server exited during start-up"
		sleep 0.1
	done
	timeout $((DUR + 30)) taskset -c 1 "$BUILD/app/tern-loadgen" --no-huge -m 512 --no-pci \
		--file-prefix "tern-http-c$$" --vdev "net_memif0,role=client,socket=$sock" -l 1 -- \
		--ip 198.18.1.2/24 --connect 198.18.1.1:80 --mode "$mode" --conns "$conns" \
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
echo PASS
