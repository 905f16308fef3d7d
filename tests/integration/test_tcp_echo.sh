#!/usr/bin/env bash
# tern-echo's TCP services against Linux's TCP: daytime (13, Tern closes
# first), chargen (19, 1 MiB exact), echo (7, small and 20 MB, byte-exact,
# half-close), and a RST from the closed port 9. Then every mbuf is back and
# the resets and drops are what the exchanges explain.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

ns_create
tern_start tern-echo 0 --ip "$TERN_IP/24"
in_ns timeout 120 python3 "$HERE/echo_client.py" "$TERN_IP" | sed 's/^/  /'
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "a service check failed"
tern_stop INT
[ "$(counter drop.tcp_no_conn)" -eq 1 ] || fail "expected one segment to the closed port, got $(counter drop.tcp_no_conn)"
[ "$(counter drop.tcp_bad_cksum)" -eq 0 ] || fail "checksum errors: $(counter drop.tcp_bad_cksum)"
pools_full || fail "mbufs missing at exit"
echo "  segments in/out: $(counter tcp_segs_in)/$(counter tcp_segs_out), retransmits $(counter tcp_retransmits)"
echo "PASS"
