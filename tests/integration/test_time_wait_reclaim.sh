#!/usr/bin/env bash
# Tern closes first under `Connection: close`, so every connection spends
# 2 MSL in TIME_WAIT on Tern's side. With a pool of 256 connections, wrk's
# thousands of connections per second must still all be served: when the pool
# runs dry the oldest TIME_WAIT goes back to it (as Linux does past
# tcp_max_tw_buckets), and nothing leaks.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

cfg=$(mktemp /tmp/tern-tw.XXXXXX.ini)
cp "$HERE/../../config/tap.ini" "$cfg"
sed -i 's/^conns = 16384$/conns = 256/' "$cfg"
grep -q '^conns = 256$' "$cfg" || fail "could not set [tcp] conns"
ns_create
in_ns sysctl -qw net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="1024 65535"
tern_start tern-httpd 0 --ip "$TERN_IP/24" --config "$cfg"
out=$(in_ns timeout 20 wrk -t1 -c8 -d3s -H 'Connection: close' "http://$TERN_IP/")
rm -f "$cfg"
echo "$out" | grep -E "requests in|Requests/sec" | sed 's/^/  /'
echo "$out" | grep -q "Socket errors" && fail "wrk saw socket errors: $(echo "$out" | grep 'Socket errors')"
n=$(echo "$out" | sed -n 's/^ *\([0-9]*\) requests in.*/\1/p')
[ "${n:-0}" -gt 1000 ] || fail "only ${n:-0} requests served"
tern_stop INT
r=$(counter tcp_time_wait_reclaimed)
[ "$r" -gt 0 ] || fail "no TIME_WAIT was reclaimed with $n connections and a pool of 256"
[ "$(counter tcp_conn_pool_empty)" -eq 0 ] || fail "SYNs were refused: pool empty $(counter tcp_conn_pool_empty) times"
pools_full || fail "mbufs missing at exit"
echo "  $n connections through a pool of 256: $r TIME_WAITs reclaimed"
echo "PASS"
