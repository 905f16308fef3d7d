#!/usr/bin/env bash
# Two engines (-l 0-1), each with its own queue pair on the tap: pings spread
# over both are all answered (ARP learned on one core reaches the other), and
# SIGTERM stops both with every mbuf back.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

[ "$(nproc)" -ge 2 ] || { echo "SKIP: needs 2 cores"; exit 0; }
ns_create
tern_start tern-echo 0-1 --ip "$TERN_IP/24"
grep -q "2 engine(s)" "$LOG" || fail "expected two engines"

# The tap picks a queue by flow hash over the addresses: pinging from 16
# source addresses puts flows on both queues (all on one: odds 2 in 65,536).
# Replies to a source the engine has not met need ARP, answered on any queue.
pids=
for i in $(seq 11 26); do
	in_ns ip addr add "198.18.0.$i/24" dev "$TAP"
done
for i in $(seq 11 26); do
	in_ns ping -c 5 -i 0.05 -W 2 -q -I "198.18.0.$i" "$TERN_IP" >"$LOG.ping$i" 2>&1 &
	pids="$pids $!"
done
wait $pids # not a bare wait: Tern is a child too
for i in $(seq 11 26); do
	grep -q " 0% packet loss" "$LOG.ping$i" || fail "ping from .$i lost replies: $(cat "$LOG.ping$i")"
	rm -f "$LOG.ping$i"
done
tern_stop TERM
[ "$(counter icmp_echo_replies)" -eq 80 ] || fail "expected 80 replies, got $(counter icmp_echo_replies)"
for e in 0 1; do
	n=$(sed -n "s/^engine$e\.icmp_echo_replies \([0-9]*\)$/\1/p" "$LOG")
	[ "${n:-0}" -gt 0 ] || fail "engine $e answered no ping: the queues were not both used"
done
pools_full || fail "mbufs missing at exit"
echo "  $(grep -E '^engine[01]\.(icmp_echo_replies|arp_requests_sent)' "$LOG" | tr '\n' ' ')"
echo "PASS"
