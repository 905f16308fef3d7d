#!/usr/bin/env bash
# tern-echo's TCP services against Linux's TCP: daytime (13, Tern closes
# first), chargen (19, 1 MiB exact), echo (7, small and 20 MB, byte-exact,
# half-close), and a RST from the closed port 9. Then every mbuf is back and
# the resets and drops are what the exchanges explain.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

ns_create
tern_start tern-echo 0 --ip "$TERN_IP/24"
in_ns timeout 240 python3 "$HERE/echo_client.py" "$TERN_IP" | sed 's/^/  /'
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "a service check failed"
# The same services as a user would try them, with nc (OpenBSD netcat).
out=$(printf 'hello from nc\n' | in_ns timeout 10 nc -N "$TERN_IP" 7)
[ "$out" = "hello from nc" ] || fail "nc to port 7 got '$out'"
out=$(in_ns timeout 10 nc -d "$TERN_IP" 13)
echo "$out" | grep -qE '^[A-Z][a-z]+day, .*-UTC$' || fail "nc to port 13 got '$out'"
n=$(in_ns timeout 10 nc -d "$TERN_IP" 19 | wc -c)
[ "$n" -eq 1048576 ] || fail "nc to port 19 got $n bytes"
echo "  nc: echo, daytime ('$out'), chargen ($n bytes)"
tern_stop INT
[ "$(counter drop.tcp_no_conn)" -le 2 ] || fail "expected one segment to the closed port, got $(counter drop.tcp_no_conn)"
[ "$(counter drop.tcp_bad_cksum)" -eq 0 ] || fail "checksum errors: $(counter drop.tcp_bad_cksum)"
pools_full || fail "mbufs missing at exit"
echo "  segments in/out: $(counter tcp_segs_in)/$(counter tcp_segs_out), retransmits $(counter tcp_retransmits)"
echo "PASS"
