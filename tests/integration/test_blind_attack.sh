#!/usr/bin/env bash
# RFC 5961's blind attacker against one established connection: 10,000 RSTs
# and 10,000 SYNs with random sequence numbers in 2 s. Tern answers with
# challenge ACKs within [tcp] challenge_acks (10) a second, and at most one
# ACK per 500 ms for other segments it cannot accept; the connection stays
# and echoes after. (Before: ~440 ACKs a second, SYNs answered without
# limit.)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

ns_create
tern_start tern-echo 0 --ip "$TERN_IP/24"
out=$(in_ns timeout 30 python3 "$HERE/blind_attack.py" "$TAP" "$TERN_IP" "$TERN_MAC" 10000 2)
rc=$?
echo "  $out"
[ $rc -eq 0 ] || fail "the attacked connection broke: $out"
acks=$(echo "$out" | sed -n 's/^acks \([0-9]*\) .*/\1/p')
sent=$(echo "$out" | sed -n 's/.* sent \([0-9]*\) in .*/\1/p')
[ "${sent:-0}" -ge 20000 ] || fail "the attacker sent only ${sent:-0} of 20000 segments"
# 2-3 s of attack: at most 10 challenge ACKs and 2 rate-limited ACKs a second.
[ -n "$acks" ] && [ "$acks" -le 40 ] || fail "Tern answered with ${acks:-?} ACKs"
tern_stop INT
echo "  challenge ACKs $(counter tcp_challenge_acks), SYNs challenged $(counter drop.tcp_syn_challenged), out of window $(counter drop.tcp_out_of_window), ACKs withheld $(counter tcp_oow_acks_limited)"
[ "$(counter tcp_resets_received)" -eq 0 ] || fail "a blind RST reset the connection"
pools_full || fail "mbufs missing at exit"
echo "PASS"
