#!/usr/bin/env bash
# TSO over net_tap (issue 11): net_tap offers RTE_ETH_TX_OFFLOAD_TCP_TSO and
# cuts super-segments in software (librte_gso). tern-bulk sends 20 MiB of the
# (i * 7) mod 251 pattern to a Linux receiver (bulk_peer.py) in the
# namespace, byte-exact by SHA-256, with [tcp] tso = auto, copying and with
# zero_copy_tx = yes; and the exit report must show super-segments
# (tcp_tso_sends > 0, tcp_tso_segs more than that). With tso = no the same
# transfer must show none, so the counter is Tern's doing, not the port's.
# Last, tern-echo with zero_copy_tx and TSO against odd_echo.py, whose odd
# writes leave the send queue's data at odd offsets: net_tap (DPDK 22.11)
# sums a chain's odd-length pieces wrong, and Linux must count no TCP
# checksum error (Tern sums such chains itself, and copies them for TSO).
HERE=$(cd "$(dirname "$0")" && pwd)
TERN_IT_NS=${TERN_IT_NS:-tern-tso}
. "$HERE/lib.sh"

PEER=$HERE/bulk_peer.py
PORT=5001
BYTES=$((20 * 1024 * 1024))
CFG=$(mktemp /tmp/tern-tso.XXXXXX.ini)
trap 'rm -f "$CFG"; cleanup' EXIT

# run PART TSO ZERO_COPY: one transfer; prints time, goodput and counters.
run() {
	local part=$1 out rc
	cp "$HERE/../../config/tap.ini" "$CFG" || fail "cannot copy config/tap.ini"
	ini_set "$CFG" tcp tso "$2"
	ini_set "$CFG" tcp zero_copy_tx "$3"
	tern_start tern-bulk 0 --ip "$TERN_IP/24" --config "$CFG" --listen $PORT --send $BYTES
	grep -q "offloads .*tx:.* tso" "$LOG" || fail "$part: net_tap does not offer TSO here"
	out=$(timeout 60 ip netns exec "$NS" python3 "$PEER" client "$TERN_IP:$PORT" --sink \
		--expect $BYTES 2>&1)
	rc=$?
	tern_stop
	tap_gone
	[ $rc -eq 0 ] || fail "$part: bulk_peer exited $rc: $(echo "$out" | tail -n 2)"
	local sha
	sha=$(echo "$out" | sed -nE 's/^bulk_peer: received ([0-9]+) bytes .*sha256 ([0-9a-f]+)$/\1 \2/p')
	[ "$sha" = "$BYTES $SHA" ] || fail "$part: Linux received '$sha', expected '$BYTES $SHA'"
	pools_full || fail "$part: mbufs missing at exit"
	echo "  $part: $(echo "$out" | grep '^bulk_peer: received' | sed 's/, sha256.*//')," \
		"tso_sends $(counter tcp_tso_sends), tso_segs $(counter tcp_tso_segs)," \
		"segs_out $(counter tcp_segs_out), retransmits $(counter tcp_retransmits)"
}

SHA=$(python3 "$PEER" expect $BYTES) || fail "bulk_peer.py expect failed"
ns_create

run "tso = auto, copy" auto no
sends=$(counter tcp_tso_sends)
[ "$sends" -gt 0 ] || fail "tso = auto sent no super-segment"
[ "$(counter tcp_tso_segs)" -gt "$sends" ] || fail "super-segments of one segment each"

run "tso = auto, zero_copy_tx" auto yes
[ "$(counter tcp_tso_sends)" -gt 0 ] || fail "tso = auto with zero_copy_tx sent no super-segment"

run "tso = no" no no
[ "$(counter tcp_tso_sends)" -eq 0 ] || fail "tso = no sent super-segments"

# in_csum_errors: Linux's TCP checksum errors in the namespace.
in_csum_errors() {
	in_ns cat /proc/net/snmp | awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "InCsumErrors") c = i; h = 1 } else print $c }'
}
cp "$HERE/../../config/tap.ini" "$CFG"
ini_set "$CFG" tcp zero_copy_tx yes
before=$(in_csum_errors)
tern_start tern-echo 0 --ip "$TERN_IP/24" --config "$CFG"
out=$(timeout 60 ip netns exec "$NS" python3 "$HERE/odd_echo.py" "$TERN_IP" 2>&1)
rc=$?
tern_stop
errors=$(($(in_csum_errors) - before))
echo "  odd offsets, zero_copy_tx, tso = auto: $out; Linux's TCP checksum errors $errors," \
	"tso_sends $(counter tcp_tso_sends)"
[ $rc -eq 0 ] || fail "the echo of odd writes failed: $out"
[ "$errors" -eq 0 ] || fail "Linux counted $errors TCP checksum errors"
echo "PASS"
