#!/usr/bin/env bash
# tern-echo's TCP services against Linux's TCP: daytime (13, Tern closes
# first), chargen (19, 1 MiB exact), echo (7, small and 20 MB, byte-exact,
# half-close), and a RST from the closed port 9. Then every mbuf is back and
# the resets and drops are what the exchanges explain. Echo runs both ways:
# lending the received mbufs back (tern_send_mbuf, the default: the 20 MB
# must have lent segments, 2,000 one-byte ones none) and copying
# (--echo-send copy: none lent).
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
# A connection still open when Tern stops is reset, not left hanging: the
# stopping engine sends RSTs and answers until the port is quiet.
held=$(mktemp /tmp/tern-it-held.XXXXXX)
in_ns timeout 20 python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 7), timeout=5)
s.sendall(b"x")
assert s.recv(1) == b"x"
print("ready", flush=True)
s.settimeout(15)
try:
    print("eof" if s.recv(1) == b"" else "data")
except ConnectionResetError:
    print("reset")
except socket.timeout:
    print("timeout")
' "$TERN_IP" >"$held" 2>&1 &
held_pid=$!
for _ in $(seq 50); do
	grep -q ready "$held" && break
	sleep 0.1
done
grep -q ready "$held" || fail "the held connection did not open: $(cat "$held")"
tern_stop INT
wait "$held_pid"
outcome=$(tail -n 1 "$held")
rm -f "$held"
[ "$outcome" = reset ] || fail "a connection open at stop saw '$outcome', not a reset"
echo "  a connection open when Tern stopped: reset"
[ "$(counter drop.tcp_no_conn)" -le 2 ] || fail "expected one segment to the closed port, got $(counter drop.tcp_no_conn)"
[ "$(counter drop.tcp_bad_cksum)" -eq 0 ] || fail "checksum errors: $(counter drop.tcp_bad_cksum)"
pools_full || fail "mbufs missing at exit"
lent=$(counter tcp_lent_segs)
[ "$lent" -gt 0 ] || fail "echo lent no segments (tcp_lent_segs 0)"
echo "  segments in/out: $(counter tcp_segs_in)/$(counter tcp_segs_out), retransmits $(counter tcp_retransmits), lent $lent"

# Short segments are copied, not lent (echo_lend.c): a peer sending a byte a
# segment must not pin an mbuf a byte. 2,000 one-byte requests, each waiting
# for its echo, so that Linux cannot merge them: none may be lent.
tap_gone
tern_start tern-echo 0 --ip "$TERN_IP/24"
out=$(in_ns timeout 60 python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 7), timeout=5)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for i in range(2000):
    b = bytes([i % 256])
    s.sendall(b)
    assert s.recv(1) == b, "byte %d" % i
print("2000 one-byte echoes")
' "$TERN_IP" 2>&1) || fail "one-byte echoes: $out"
tern_stop INT
[ "$(counter tcp_lent_segs)" -eq 0 ] || fail "one-byte segments were lent: tcp_lent_segs $(counter tcp_lent_segs)"
pools_full || fail "mbufs missing at exit (one-byte echoes)"
echo "  $out, none lent"

# The same services with the copying echo.
tap_gone
tern_start tern-echo 0 --ip "$TERN_IP/24" --echo-send copy
in_ns timeout 240 python3 "$HERE/echo_client.py" "$TERN_IP" | sed 's/^/  /'
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "a service check failed with --echo-send copy"
tern_stop INT
[ "$(counter tcp_lent_segs)" -eq 0 ] || fail "--echo-send copy lent $(counter tcp_lent_segs) segments"
[ "$(counter drop.tcp_bad_cksum)" -eq 0 ] || fail "checksum errors: $(counter drop.tcp_bad_cksum)"
pools_full || fail "mbufs missing at exit (--echo-send copy)"
echo "  --echo-send copy: the same, none lent"
echo "PASS"
