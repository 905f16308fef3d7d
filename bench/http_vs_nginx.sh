#!/usr/bin/env bash
# tern-httpd against nginx, wrk as the client, in the same run (as root):
#
#   BUILD=build bench/http_vs_nginx.sh        [ROUNDS=3] [DURATION=5] [CONNS=8]
#
#   Tern:  wrk (kernel) -- tap -- tern-httpd (busy-polling lcore 0), namespace tern-it-N
#   nginx: wrk (kernel, namespace tern-hbc-N) -- veth -- nginx (one worker, tern-hbs-N)
#
# Both serve the same 129-byte page at GET /; each round runs, for each server,
# wrk with keep-alive and wrk with "Connection: close" (a connection per
# request), alternating the servers so that neighbours on the shared cores
# weigh on both alike. The servers run on CPU 0 (Tern only during its own
# runs, as it busy-polls) and wrk on CPU 1. Prints every run and the median
# requests/s per server and mode. Needs nginx (Debian's nginx-light is enough;
# the script never starts its service) and wrk.
#
# The paths differ, and the figures say so: Tern's packets cross a tap (a
# readv/writev each, PLATFORM.md), nginx's a veth with the kernel's TCP on
# both ends. Addresses are from 198.18.0.0/15 only; everything started here is
# stopped by PID and the namespaces are removed.
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
export BUILD=${BUILD:-$ROOT/build}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNS=${CONNS:-8}
. "$ROOT/tests/integration/lib.sh" # Tern in namespace $NS on tap $TAP, cleanup

command -v nginx >/dev/null || fail "nginx is not installed (apt-get install nginx-light)"
command -v wrk >/dev/null || fail "wrk is not installed"
[ -x "$BUILD/app/tern-httpd" ] || fail "no $BUILD/app/tern-httpd: build first"

SRV=tern-hbs-$$
CLI=tern-hbc-$$
SRV_IP=198.19.0.2
CLI_IP=198.19.0.1
NGINX_PID=
DIR=$(mktemp -d /tmp/tern-hb.XXXXXX)
RESULTS=$DIR/results

bench_cleanup() {
	if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
		kill -TERM "$NGINX_PID"
		wait "$NGINX_PID" 2>/dev/null
	fi
	ip netns del "$SRV" 2>/dev/null
	ip netns del "$CLI" 2>/dev/null
	rm -rf "$DIR"
	cleanup
}
trap bench_cleanup EXIT

# The page tern-httpd serves at GET / (app/tern-httpd/httpd_conn.c).
PAGE='Hello from tern-httpd: HTTP/1.1 over Tern, a userspace TCP/IPv4 stack on DPDK.\nGET /bytes/N returns N bytes, N up to 1073741824.\n'

client_ns_setup() { # client_ns_setup NS: the knobs a many-connection client needs
	ip netns exec "$1" sysctl -qw net.ipv4.tcp_tw_reuse=1 \
		net.ipv4.ip_local_port_range="1024 65535"
}

nginx_start() {
	if ! ip netns add "$SRV" || ! ip netns add "$CLI"; then
		fail "cannot create namespaces $SRV and $CLI"
	fi
	ip link add "tern-hbs$$" type veth peer name "tern-hbc$$" || fail "cannot create veth"
	ip link set "tern-hbs$$" netns "$SRV"
	ip link set "tern-hbc$$" netns "$CLI"
	ip -n "$SRV" addr add "$SRV_IP/24" dev "tern-hbs$$"
	ip -n "$CLI" addr add "$CLI_IP/24" dev "tern-hbc$$"
	for ns in "$SRV" "$CLI"; do
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	done
	ip -n "$SRV" link set "tern-hbs$$" up
	ip -n "$CLI" link set "tern-hbc$$" up
	client_ns_setup "$CLI"
	mkdir -p "$DIR/nginx"
	cat >"$DIR/nginx/nginx.conf" <<EOF
worker_processes 1;
worker_cpu_affinity 01;
daemon off;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 100000000;
	client_body_temp_path $DIR/nginx;
	server {
		listen $SRV_IP:80 reuseport;
		location = / { default_type text/plain; return 200 "$PAGE"; }
	}
}
EOF
	ip netns exec "$SRV" nginx -c "$DIR/nginx/nginx.conf" -p "$DIR/nginx" &
	NGINX_PID=$!
	local size
	for _ in $(seq 50); do
		size=$(ip netns exec "$CLI" curl -s -o /dev/null --max-time 1 \
			-w '%{size_download}' "http://$SRV_IP/") && break
		kill -0 "$NGINX_PID" 2>/dev/null || fail "nginx exited: $(cat "$DIR/nginx/error.log")"
		sleep 0.1
	done
	[ "$size" = 129 ] || fail "nginx did not serve the 129-byte page (got '$size')"
}

# run SERVER MODE NS URL [wrk args]: one wrk run on CPU 1, its line in RESULTS.
run() {
	local server=$1 mode=$2 ns=$3 url=$4 out rate errors
	shift 4
	out=$(ip netns exec "$ns" timeout $((DURATION + 10)) taskset -c 1 \
		wrk -t1 -c"$CONNS" -d"${DURATION}s" "$@" "$url" 2>&1) || fail "wrk: $out"
	rate=$(echo "$out" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
	errors=$(echo "$out" | sed -n 's/^ *Socket errors: *//p')
	printf '  %-10s %-10s %10s req/s  %s\n' "$server" "$mode" "$rate" "${errors:+socket errors: $errors}"
	echo "$server $mode $rate" >>"$RESULTS"
}

ns_create
client_ns_setup "$NS"
# A connection per request leaves each in TIME_WAIT in Tern's pool (the server
# closes first): give the pool room for DURATION seconds of them.
printf '[port]\nport_id = 0\n[ip]\naddress = %s/24\n[limits]\nflows = 262144\n[tcp]\nconns = 131072\n' \
	"$TERN_IP" >"$DIR/tern.ini"
nginx_start
echo "load average $(cut -d' ' -f1-3 /proc/loadavg); $ROUNDS round(s) of ${DURATION} s runs, $CONNS connections"
for r in $(seq "$ROUNDS"); do
	echo " round $r"
	# Tern busy-polls its core: it runs only during its own runs.
	tern_start tern-httpd 0 --config "$DIR/tern.ini" --ip "$TERN_IP/24"
	run tern-httpd keep-alive "$NS" "http://$TERN_IP/"
	run tern-httpd close "$NS" "http://$TERN_IP/" -H 'Connection: close'
	tern_stop INT
	pools_full || fail "tern-httpd: mbufs missing at exit"
	run nginx keep-alive "$CLI" "http://$SRV_IP/"
	run nginx close "$CLI" "http://$SRV_IP/" -H 'Connection: close'
done

echo "median requests/s (close: connections/s):"
for server in tern-httpd nginx; do
	for mode in keep-alive close; do
		awk -v s="$server" -v m="$mode" '$1 == s && $2 == m { print $3 }' "$RESULTS" |
			sort -n | awk -v s="$server" -v m="$mode" \
			'{ v[NR] = $1 } END { printf "  %-10s %-10s %10.0f\n", s, m, NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
	done
done
