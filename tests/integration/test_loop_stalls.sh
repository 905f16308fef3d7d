#!/usr/bin/env bash
# loop_stalls_100us / loop_stalls_1ms: the engine counts iterations that
# began long after the one before (the thread descheduled, or one iteration
# working that long). Tern stopped with SIGSTOP for 300 ms, three times, has
# stalled at least three times past a millisecond, every stall past 1 ms is
# also one past 100 us, and it answers a TCP echo afterwards.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

ns_create
tern_start tern-echo 0 --config "$HERE/../../config/tap.ini" --ip "$TERN_IP/24"
for _ in 1 2 3; do
	kill -STOP "$TERN_PID"
	sleep 0.3
	kill -CONT "$TERN_PID"
	sleep 0.2
done
reply=$(in_ns timeout 10 python3 -c '
import socket, sys
s = socket.create_connection((sys.argv[1], 7), timeout=5)
s.sendall(b"after the stalls")
s.shutdown(socket.SHUT_WR)
got = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    got += d
print(got.decode())' "$TERN_IP" 2>&1)
[ "$reply" = "after the stalls" ] || fail "no echo after the stalls: $reply"

tern_stop INT
long=$(counter loop_stalls_1ms)
short=$(counter loop_stalls_100us)
echo "  loop_stalls_100us $short, loop_stalls_1ms $long"
[ "$long" -ge 3 ] || fail "three 300 ms stops counted as $long stalls past 1 ms"
[ "$short" -ge "$long" ] || fail "stalls past 100 us ($short) fewer than past 1 ms ($long)"
pools_full || fail "mbufs not returned at exit"
echo "PASS"
