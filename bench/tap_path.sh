#!/usr/bin/env bash
# Tern on net_tap against Linux over veth, and HTTP against nginx (issue 4,
# path (ii) and workload (d)), one raw row per run:
#
#   bench/tap_path.sh quick|full RAWFILE      (as root; appends to RAWFILE)
#
#   tern:  client (kernel, namespace A, CPU 1) -- tap --  Tern (CPU 0)
#   linux: client (kernel, namespace A, CPU 1) -- veth -- server (kernel,
#          namespace B, CPU 0)
#
# Echo workloads (tap-*): tern-linux-loadgen against tern-echo, or against
# tern-linux-echo. HTTP (http-ka, http-close): wrk -t1 -c8 against
# tern-httpd, or against Debian's nginx (one worker) serving the same page.
# Each workload runs on both stacks, alternating, `reps` times; before each
# run the script waits for a quiet machine (bench/lib.sh) and records how busy
# each CPU was during the client's run, plus the server's own user and system
# time ("server_cpu_pct" in the result): on a tap the kernel's TCP for the
# packets Tern writes runs inside Tern's writev, on Tern's core
# (PLATFORM.md), and that shows as Tern's system time.
#
# quick: 2 s runs, 3 repetitions, only http-ka and http-close (bench/run.sh's
# quick mode must fit in two minutes: each run also pays the quiet-machine
# wait and a server start); full: 10 s runs, 3 repetitions, every workload.
# TAP_WORKLOADS="name ..." picks workloads by name in either mode.
#
# Tern restarts for every run (its tap with it; start-up takes ~0.3 s), so
# that it busy-polls CPU 0 only during its own runs and every run starts from
# an empty connection table; its exit status (non-zero if mbufs went missing)
# is recorded as "server_exit". Addresses: tap 198.18.2.0/24 (Tern .1, Linux
# .2), veth 198.18.3.0/24 (server .1, client .2). Everything started here is
# stopped by PID, and the namespaces go on exit.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
MODE=${1:-}
RAW=${2:-}
case "$MODE" in
quick) DUR=2 REPS=3 QUICK="http-ka http-close" ;;
full) DUR=10 REPS=3 QUICK= ;;
*) MODE= ;;
esac
if [ -z "$MODE" ] || [ -z "$RAW" ]; then
	echo "usage: $0 quick|full RAWFILE" >&2
	exit 2
fi
[ "$(id -u)" -eq 0 ] || { echo "bench/tap_path.sh: run as root (DPDK, namespaces)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench/tap_path.sh: wrk is missing (apt-get install wrk)" >&2; exit 1; }
command -v nginx >/dev/null ||
	{ echo "bench/tap_path.sh: nginx is missing (apt-get install nginx-light)" >&2; exit 1; }

# workload name | server kind | client arguments
ALL=(
	"tap-rr-1|echo|--mode rr --conns 1 --size 64"
	"tap-rr-16|echo|--mode rr --conns 16 --size 64"
	"tap-crr-8|echo|--mode crr --conns 8 --size 64"
	"tap-bulk-1|echo|--mode bulk --conns 1 --size 65536"
	"http-ka|http|ka"
	"http-close|http|close"
)
PICK=${TAP_WORKLOADS:-$QUICK}
WORKLOADS=()
for w in "${ALL[@]}"; do
	if [ -z "$PICK" ] || [[ " $PICK " == *" ${w%%|*} "* ]]; then
		WORKLOADS+=("$w")
	fi
done
[ ${#WORKLOADS[@]} -gt 0 ] || { echo "bench/tap_path.sh: no workload matches '$PICK'" >&2; exit 2; }

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
build_release bench/tap_path.sh app/tern-echo app/tern-httpd bench/tern-linux-echo bench/tern-linux-loadgen || exit 1

CLI=tern-tp-$$-a
SRV=tern-tp-$$-b
TAP=tern-tp0
TERN_IP=198.18.2.1
TAP_IP=198.18.2.2
SRV_IP=198.18.3.1
CLI_IP=198.18.3.2
CONNS=8 # wrk connections, as tests/integration/test_http.sh
TMP=$(mktemp -d /tmp/tern-tap.XXXXXX)
SERVER_PID=
NGINX_PID=
CMD=()
TERN_RC=0

# The server of the current run, then nginx, by PID; then the namespaces.
# nginx gets SIGTERM first: its master stops its worker then, while a KILLed
# master leaves the worker running on its own.
cleanup() {
	[ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	[ -n "$NGINX_PID" ] && stop_pid "$NGINX_PID" TERM 20
	ip netns del "$CLI" 2>/dev/null
	ip netns del "$SRV" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() {
	echo "bench/tap_path.sh: $*" >&2
	exit 1
}

# Namespace A holds the clients, the tap (Tern creates it there) and one end
# of the veth; B holds the Linux servers and the other end.
net_setup() {
	local ns
	ip netns add "$CLI" || die "cannot create namespace $CLI"
	ip netns add "$SRV" || die "cannot create namespace $SRV"
	ip link add tern-tpa netns "$CLI" type veth peer name tern-tpb netns "$SRV" ||
		die "cannot create the veth pair"
	for ns in "$CLI" "$SRV"; do
		ip -n "$ns" link set lo up
		# No IPv6 chatter: every frame on the tap or veth is the benchmark's.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1
	done
	ip -n "$CLI" addr add "$CLI_IP/24" dev tern-tpa
	ip -n "$SRV" addr add "$SRV_IP/24" dev tern-tpb
	ip -n "$CLI" link set tern-tpa mtu 1500 up
	ip -n "$SRV" link set tern-tpb mtu 1500 up
	# A client opening thousands of connections a second runs out of ports
	# without these (PLATFORM.md).
	ip netns exec "$CLI" sysctl -qw net.ipv4.tcp_tw_reuse=1 \
		net.ipv4.ip_local_port_range="1024 65535"
	# http-close leaves every connection in TIME_WAIT at Tern (the server
	# closes first): room for a port range of them, which RFC 6191 reuses.
	printf '[port]\nport_id = 0\nmtu = 1500\n[ip]\naddress = %s/24\n[limits]\nflows = 262144\n[tcp]\nconns = 131072\n' \
		"$TERN_IP" >"$TMP/tern.ini"
}

# proc_ticks PID: "utime stime" of a process, in clock ticks.
proc_ticks() {
	awk '{ sub(/^.*\) /, ""); print $12, $13 }' "/proc/$1/stat" 2>/dev/null || echo "0 0"
}

# server_cpu BEFORE AFTER SECONDS: {"user":N,"sys":N}, percent of one core.
server_cpu() {
	echo "$1 $2 $3 $(getconf CLK_TCK)" | awk '{
		s = $5 * $6; if (s <= 0) s = 1
		printf "{\"user\":%d,\"sys\":%d}", 100 * ($3 - $1) / s + 0.5, 100 * ($4 - $2) / s + 0.5 }'
}

# measure SERVER_PID CMD...: run the client (bounded), keep its JSON line in
# $TMP/result with the server's CPU time added, and CPU snapshots around it.
measure() {
	local spid=$1 t0 t1 s0 s1 line
	shift
	s0=$(proc_ticks "$spid")
	t0=$(date +%s.%N)
	cpu_snapshot >"$TMP/cpu.before"
	line=$(timeout $((DUR + 20)) "$@" 2>/dev/null | grep '^{' | tail -n 1)
	cpu_snapshot >"$TMP/cpu.after"
	t1=$(date +%s.%N)
	s1=$(proc_ticks "$spid")
	if [ -n "$line" ]; then
		line="${line%\}},\"server_cpu_pct\":$(server_cpu "$s0" "$s1" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')")}"
	fi
	echo "$line" >"$TMP/result"
}

# tern_up PROGRAM: Tern on a new tap in A, pinned to CPU 0, answering ARP
# and ping before it counts as up.
tern_up() {
	local log=$TMP/tern.log
	"${BENCH_PRIO[@]}" ip netns exec "$CLI" taskset -c 0 "$B/app/$1" --no-huge -m 1024 --no-pci --no-shconf \
		--file-prefix "$CLI" --vdev "net_tap0,iface=$TAP" -l 0 -- --config "$TMP/tern.ini" \
		>"$log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 100); do
		grep -q ": up on port" "$log" && break
		kill -0 "$SERVER_PID" 2>/dev/null || break
		sleep 0.05
	done
	grep -q ": up on port" "$log" || { tail -n 5 "$log" >&2; return 1; }
	ip -n "$CLI" addr add "$TAP_IP/24" dev "$TAP" &&
		ip -n "$CLI" link set "$TAP" mtu 1500 txqueuelen 10000 up || return 1
	# One reply means ARP resolved both ways and the engine runs.
	for _ in $(seq 10); do
		ip netns exec "$CLI" ping -c 1 -W 1 -q "$TERN_IP" >/dev/null && return 0
	done
	echo "bench/tap_path.sh: Tern does not answer ping" >&2
	return 1
}

# tern_down: SIGINT, bounded wait; the exit status in TERN_RC (137: killed).
tern_down() {
	stop_pid "$SERVER_PID" INT 50
	TERN_RC=$?
	SERVER_PID=
}

# wrk_lua CLOSE: wrk's done() hook printing the result as one JSON line.
# Errors are wrk's connect, read, write and timeout errors plus responses
# with a status of 400 or more.
wrk_lua() {
	cat >"$TMP/wrk-$1.lua" <<EOF
done = function(summary, latency, requests)
	local e = summary.errors
	local errors = e.connect + e.read + e.write + e.status + e.timeout
	local dur = summary.duration / 1e6
	local rps = summary.requests / dur
	io.write(string.format('{"tool":"wrk","requests_per_s":%.1f,', rps))
	if $1 then io.write(string.format('"connections_per_s":%.1f,', rps)) end
	io.write(string.format('"latency_us":{"p50":%d,"p99":%d,"p99_9":%d},',
		latency:percentile(50), latency:percentile(99), latency:percentile(99.9)))
	io.write(string.format('"errors":%d,"error_detail":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},',
		errors, e.connect, e.read, e.write, e.status, e.timeout))
	io.write(string.format('"requests":%d,"conns":$CONNS,"duration_s":%.3f}\n', summary.requests, dur))
end
EOF
}

# client KIND ARGS TO: the client command for one run (in A, on CPU 1) into
# the array CMD.
client() {
	local kind=$1 args=$2 to=$3
	if [ "$kind" = echo ]; then
		# shellcheck disable=SC2206 # ARGS are words
		CMD=("${BENCH_PRIO[@]}" ip netns exec "$CLI" taskset -c 1 "$B/bench/tern-linux-loadgen" --connect "$to"
			--duration "$DUR" $args)
	elif [ "$args" = close ]; then
		CMD=("${BENCH_PRIO[@]}" ip netns exec "$CLI" taskset -c 1 wrk -t1 -c"$CONNS" -d"${DUR}s"
			-s "$TMP/wrk-true.lua" -H "Connection: close" "$to")
	else
		CMD=("${BENCH_PRIO[@]}" ip netns exec "$CLI" taskset -c 1 wrk -t1 -c"$CONNS" -d"${DUR}s"
			-s "$TMP/wrk-false.lua" "$to")
	fi
}

# run_tern KIND ARGS / run_linux KIND ARGS: one run, the result in $TMP/result.
run_tern() {
	local kind=$1 args=$2 prog=tern-echo to=$TERN_IP:7
	[ "$kind" = http ] && prog=tern-httpd to=http://$TERN_IP/
	: >"$TMP/result"
	rm -f "$TMP/cpu.before" "$TMP/cpu.after"
	tern_up "$prog" || { tern_down; return; }
	client "$kind" "$args" "$to"
	measure "$SERVER_PID" "${CMD[@]}"
	tern_down
	if grep -q '^{' "$TMP/result"; then
		sed -i "s/}\$/,\"server_exit\":$TERN_RC}/" "$TMP/result"
	fi
}

run_linux() {
	local kind=$1 args=$2 port=$((20000 + RANDOM % 20000))
	: >"$TMP/result"
	rm -f "$TMP/cpu.before" "$TMP/cpu.after"
	if [ "$kind" = http ]; then
		client "$kind" "$args" "http://$SRV_IP/"
		measure "$(pgrep -P "$NGINX_PID" | head -n 1)" "${CMD[@]}"
		return
	fi
	"${BENCH_PRIO[@]}" ip netns exec "$SRV" taskset -c 0 "$B/bench/tern-linux-echo" --listen "$SRV_IP:$port" \
		>/dev/null 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 50); do
		ip netns exec "$SRV" ss -ltnH "sport = :$port" 2>/dev/null | grep -q . && break
		sleep 0.1
	done
	client "$kind" "$args" "$SRV_IP:$port"
	measure "$SERVER_PID" "${CMD[@]}"
	kill -TERM "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	SERVER_PID=
}

# The page tern-httpd serves at GET / (app/tern-httpd/httpd_conn.c); nginx
# serves the same bytes, checked below.
PAGE='Hello from tern-httpd: HTTP/1.1 over Tern, a userspace TCP/IPv4 stack on DPDK.\nGET /bytes/N returns N bytes, N up to 1073741824.\n'

# nginx in B, one worker on CPU 0, for the whole script (idle, it costs
# nothing); its service is never started.
nginx_up() {
	mkdir -p "$TMP/nginx"
	cat >"$TMP/nginx/nginx.conf" <<EOF
worker_processes 1;
worker_cpu_affinity 01;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 100000000;
	client_body_temp_path $TMP/nginx;
	server {
		listen $SRV_IP:80 reuseport;
		location = / { default_type text/plain; return 200 "$PAGE"; }
	}
}
EOF
	"${BENCH_PRIO[@]}" ip netns exec "$SRV" taskset -c 0 nginx -c "$TMP/nginx/nginx.conf" -p "$TMP/nginx" &
	NGINX_PID=$!
	for _ in $(seq 50); do
		ip netns exec "$CLI" curl -s -o "$TMP/nginx.page" --max-time 1 "http://$SRV_IP/" && return 0
		kill -0 "$NGINX_PID" 2>/dev/null || break
		sleep 0.1
	done
	die "nginx did not start: $(cat "$TMP/nginx/error.log" 2>/dev/null)"
}

# Both servers must send the same body, or the comparison is off.
page_check() {
	tern_up tern-httpd || die "tern-httpd did not come up: $(tail -n 3 "$TMP/tern.log")"
	ip netns exec "$CLI" curl -s -o "$TMP/tern.page" --max-time 2 "http://$TERN_IP/"
	tern_down
	cmp -s "$TMP/tern.page" "$TMP/nginx.page" ||
		die "nginx and tern-httpd serve different pages ($(wc -c <"$TMP/nginx.page") and $(wc -c <"$TMP/tern.page" 2>/dev/null) bytes)"
}

net_setup
wrk_lua true
wrk_lua false
if [[ " ${WORKLOADS[*]} " == *"|http|"* ]]; then
	nginx_up
	page_check
fi
echo "bench/tap_path.sh: $MODE, ${DUR} s x $REPS, workloads: $(printf '%s ' "${WORKLOADS[@]%%|*}")"
for rep in $(seq "$REPS"); do
	for w in "${WORKLOADS[@]}"; do
		name=${w%%|*}
		rest=${w#*|}
		kind=${rest%%|*}
		args=${rest#*|}
		for stack in tern linux; do
			busy=$(wait_quiet)
			"run_$stack" "$kind" "$args"
			# A run that measured nothing is tried once more; a second
			# failure is reported as such.
			if ! grep -q '"duration_s":[1-9]' "$TMP/result"; then
				sleep 1
				"run_$stack" "$kind" "$args"
			fi
			emit_row "$RAW" "$name" "$stack" "$rep" "$busy" \
				"$(cpu_busy_json "$(cat "$TMP/cpu.before" 2>/dev/null)" \
					"$(cat "$TMP/cpu.after" 2>/dev/null)")" \
				"$(head -n 1 "$TMP/result")"
		done
	done
done
echo "bench/tap_path.sh: done in ${SECONDS} s, rows in $RAW"
