#!/usr/bin/env bash
# tern-echo on net_tap in a namespace: Linux ping gets every reply, the kernel
# learns Tern's MAC, 10,000 malformed frames are each counted under their
# reason without a crash, ping still answers, and every mbuf comes home.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

ns_create
tern_start tern-echo 0 --ip "$TERN_IP/24"

out=$(in_ns ping -c 20 -i 0.05 -W 2 "$TERN_IP") || fail "ping lost replies: $out"
echo "$out" | grep -q " 0% packet loss" || fail "ping lost replies: $out"
echo "  $(echo "$out" | tail -n 1)"

neigh=$(in_ns ip neigh show "$TERN_IP" dev "$TAP")
echo "$neigh" | grep -qi "lladdr $TERN_MAC" || fail "kernel neighbour entry '$neigh' is not Tern's MAC $TERN_MAC"

per_kind=1667 # six kinds: 10,002 frames
kinds=$(in_ns python3 "$HERE/malformed.py" "$TAP" "$TERN_MAC" $per_kind) || fail "sender failed"
sleep 0.5
out=$(in_ns ping -c 5 -i 0.1 -W 2 "$TERN_IP") || fail "ping after the malformed frames: $out"
echo "$out" | grep -q " 0% packet loss" || fail "ping lost replies after the storm: $out"
dropped=$(in_ns cat /sys/class/net/$TAP/statistics/tx_dropped)
tern_stop INT

[ "$dropped" = 0 ] || fail "the kernel dropped $dropped frames on the tap: counts cannot be exact"
while read -r kind sent counter; do
	got=$(counter "drop.$counter")
	[ "$got" -eq "$sent" ] || fail "$kind: sent $sent, counter drop.$counter is $got"
	echo "  $kind: $sent sent, drop.$counter = $got"
done <<<"$kinds"
[ "$(counter icmp_echo_replies)" -eq 25 ] || fail "expected 25 echo replies, counted $(counter icmp_echo_replies)"
pools_full || fail "mbufs missing at exit"
grep ": pool " "$LOG" | sed 's/^/  /'
echo "PASS"
