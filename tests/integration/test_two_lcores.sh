#!/usr/bin/env bash
# Two engines (-l 0-1), each with its own queue pair on the tap: pings spread
# over both are all answered (ARP learned on one core reaches the other);
# 32 Linux echo clients from 16 addresses each get their 1 MiB back byte for
# byte, and both engines carry TCP segments; SIGTERM stops both with every
# mbuf back. Nothing here may pass by skipping: fewer than two CPUs, one
# engine, or an engine without traffic is a failure. A segment on the queue of the engine
# that does not own its flow is steered to the owner (flow/steer.c).
# (Tern as a two-engine TCP client, and thousands of connections: test_two_engines.sh.)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

[ "$(nproc)" -ge 2 ] || fail "two engines need two CPUs; this machine has $(nproc)"
ns_create
tern_start tern-echo 0-1 --ip "$TERN_IP/24"
grep -q ": up on port .* 2 engine(s)" "$LOG" || fail "expected two engines: $(grep ': up on port' "$LOG")"
# net_tap takes neither Tern's RSS key nor its table: the log says so, and
# that engines own flows by rule (drivers/port_rss.c).
grep -q "RSS over 2 queues not steerable: the key was refused .*, its redirection table has 0 entries" "$LOG" ||
	fail "expected net_tap's RSS to be reported not steerable: $(grep 'RSS' "$LOG")"

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

# TCP on both engines, Tern the server: two echo connections from each of the
# 16 addresses, all at once, each writing 1 MiB while it reads the echo back.
# The flows spread over both queues; a segment on the queue of the engine
# that does not own its flow is passed to the owner (DESIGN.md, "Many cores").
in_ns timeout 120 python3 "$HERE/echo_many.py" "$TERN_IP" 11 26 2 $((1 << 20)) | sed 's/^/  /'
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "two-engine TCP echo failed"

tern_stop TERM
[ "$(counter icmp_echo_replies)" -eq 80 ] || fail "expected 80 replies, got $(counter icmp_echo_replies)"
ecounter() { # ecounter ENGINE NAME: one engine's exit counter (0 if absent)
	local v
	v=$(sed -n "s/^engine$1\.$2 \([0-9]*\)$/\1/p" "$LOG")
	echo "${v:-0}"
}
for e in 0 1; do
	[ "$(ecounter $e icmp_echo_replies)" -gt 0 ] || fail "engine $e answered no ping: the queues were not both used"
	[ "$(ecounter $e tcp_segs_in)" -gt 0 ] || fail "engine $e received no TCP segment"
	[ "$(ecounter $e tcp_segs_out)" -gt 0 ] || fail "engine $e sent no TCP segment"
done
pools_full || fail "mbufs missing at exit"
echo "  $(grep -E '^engine[01]\.(icmp_echo_replies|arp_requests_sent|tcp_segs_in|tcp_segs_out|steered[a-z_]*) ' "$LOG" | tr '\n' ' ')"
echo "PASS"
