#!/usr/bin/env bash
# Bulk transfers between tern-bulk and Linux (bulk_peer.py), byte-exact by
# SHA-256 of the (i * 7) mod 251 pattern:
#   - 100 MiB each way, Tern the server (clean);
#   - 10 MiB each way, Tern the client of a Linux server;
#   - 100 MiB each way through the fault layer: 2% drop and 1% reorder on RX
#     and TX;
#   - 100 MiB from Tern over an emulated 500 Mbit/s line ([fault]
#     tx_link_mbit) with [port] tx_queue_us: no faster than the line, no
#     frame refused by its ring, the limit at work (tcp_output_line_waits);
#   - 1,000 short connections in a row, Tern closing first (TIME_WAIT, with
#     msl_s = 1), then 1,000 with Linux closing first; after each, once
#     TIME_WAIT has drained, 1,024 connections at once must fit the 1,024-tcb
#     pool: a tcb that did not come back makes one fail and counts
#     tcp_conn_pool_empty. Every mbuf home at exit.
# Prints the time and goodput of every transfer. Every part runs even if an
# earlier one failed; the test fails if any did.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

PEER=$HERE/bulk_peer.py
PORT=5001
BIG=$((100 * 1024 * 1024))
SMALL=$((10 * 1024 * 1024))
TINY=1000
SHORT_CONNS=1000
POOL_CONNS=1024
XFER_TIMEOUT=120
PEER_PID=
PEER_LOG=$(mktemp /tmp/tern-bulk-peer.XXXXXX)
CFG_LOSSY=$(mktemp /tmp/tern-bulk-lossy.XXXXXX.ini)
CFG_SHORT=$(mktemp /tmp/tern-bulk-short.XXXXXX.ini)
CFG_LINE=$(mktemp /tmp/tern-bulk-line.XXXXXX.ini)
LINE_MBIT=500
FAILED=

bulk_cleanup() {
	if [ -n "$PEER_PID" ] && kill -0 "$PEER_PID" 2>/dev/null; then
		kill "$PEER_PID" 2>/dev/null
		wait "$PEER_PID" 2>/dev/null
	fi
	rm -f "$PEER_LOG" "$CFG_LOSSY" "$CFG_SHORT" "$CFG_LINE"
	cleanup
}
trap bulk_cleanup EXIT

# part_fail PART WHY: record it, show Tern's log (its counters say why), go on.
part_fail() {
	echo "  FAIL: $1: $2"
	[ -s "$LOG" ] && grep -vE "^(EAL|TELEMETRY)|tap_|qdisc|eth_dev_tap|^total\..* 0$" "$LOG" |
		sed 's/^/  | /' | tail -n 40
	FAILED="$FAILED${FAILED:+, }$1"
}

# bulk_wait SECS: a Tern client ends on its own; return its exit status.
bulk_wait() {
	for _ in $(seq $(($1 * 10))); do
		kill -0 "$TERN_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$TERN_PID" 2>/dev/null && { echo "  tern-bulk still running after $1 s"; tern_end; return 124; }
	local rc
	wait "$TERN_PID"
	rc=$?
	TERN_PID=
	return $rc
}

# check_pair PART BYTES SHA TERN_TEXT PEER_TEXT: both sides saw BYTES bytes
# whose hash is SHA; print the times.
check_pair() {
	local part=$1 bytes=$2 sha=$3 tern=$4 peer=$5 who
	for who in tern-bulk bulk_peer; do
		local text=$tern
		[ "$who" = bulk_peer ] && text=$peer
		local b s
		b=$(line_field "$text" "$who" bytes)
		s=$(line_field "$text" "$who" sha)
		if [ -z "$b" ]; then
			part_fail "$part" "$who printed no result: $(echo "$text" | grep "^$who" | tail -n 3)"
			return 1
		fi
		if [ "$b" != "$bytes" ] || [ "$s" != "$sha" ]; then
			part_fail "$part" "$who saw $b bytes, sha256 $s; expected $bytes, $sha"
			return 1
		fi
	done
	printf "  %-34s %8.3f s %8.1f Mbit/s (tern-bulk), %8.3f s (bulk_peer); retransmits %s, fast %s, rto %s\n" \
		"$part:" "$(line_field "$tern" tern-bulk secs)" "$(line_field "$tern" tern-bulk mbit)" \
		"$(line_field "$peer" bulk_peer secs)" "$(counter tcp_retransmits)" \
		"$(counter tcp_fast_retransmits)" "$(counter tcp_rto_timeouts)"
}

# server_part PART CONFIG TERN_MODE PEER_MODE: Tern listens; one Linux client.
server_part() {
	local part=$1 cfg=$2 tern_mode=$3 peer_mode=$4 out rc
	tern_start tern-bulk 0 --ip "$TERN_IP/24" ${cfg:+--config "$cfg"} --listen $PORT $tern_mode
	out=$(timeout $XFER_TIMEOUT ip netns exec "$NS" python3 "$PEER" client "$TERN_IP:$PORT" \
		$peer_mode --expect $BIG 2>&1)
	rc=$?
	[ $rc -eq 0 ] && bulk_wait_report 30
	tern_end
	local trc=$? through
	if [ $rc -eq 124 ]; then
		# How far it got says how slow it was, for the record.
		through=$(sed -nE 's/^tern-bulk: connection .* failed after ([0-9]+) bytes.*/\1/p' "$LOG")
		printf "  %-34s timed out after %s s with %s bytes through (%s Mbit/s)\n" "$part:" \
			$XFER_TIMEOUT "${through:-?}" "$(awk "BEGIN { printf \"%.1f\", ${through:-0} * 8 / $XFER_TIMEOUT / 1e6 }")"
	fi
	if [ $rc -ne 0 ] || [ $trc -ne 0 ]; then
		[ $rc -eq 124 ] && out="timed out"
		part_fail "$part" "bulk_peer exited $rc, tern-bulk $trc: $(echo "$out" | tail -n 2)"
		return
	fi
	pools_full || { part_fail "$part" "mbufs missing at exit"; return; }
	check_pair "$part" $BIG "$SHA_BIG" "$(cat "$LOG")" "$out"
}

# client_part PART TERN_MODE PEER_MODE: Tern connects to a Linux server.
client_part() {
	local part=$1 tern_mode=$2 peer_mode=$3 trc prc
	: >"$PEER_LOG"
	timeout $XFER_TIMEOUT ip netns exec "$NS" python3 "$PEER" server $PORT $peer_mode \
		--expect $SMALL >"$PEER_LOG" 2>&1 &
	PEER_PID=$!
	for _ in $(seq 50); do
		grep -q listening "$PEER_LOG" && break
		sleep 0.1
	done
	# Tern's first SYN leaves before the test gives the tap its address;
	# ARP and the SYN are retried (1 s), so allow for that.
	tern_start tern-bulk 0 --ip "$TERN_IP/24" --connect "$PEER_IP:$PORT" $tern_mode
	bulk_wait 60
	trc=$?
	wait "$PEER_PID"
	prc=$?
	PEER_PID=
	if [ $trc -ne 0 ] || [ $prc -ne 0 ]; then
		part_fail "$part" "tern-bulk exited $trc, bulk_peer $prc: $(tail -n 2 "$PEER_LOG")"
		return
	fi
	pools_full || { part_fail "$part" "mbufs missing at exit"; return; }
	check_pair "$part" $SMALL "$SHA_SMALL" "$(cat "$LOG")" "$(cat "$PEER_LOG")"
}

# line_part PART: after server_part over CFG_LINE, what the line did. Its
# goodput cannot beat the line (an upper bound: a slow machine only lowers
# it); the limit on the queue kept the 1,024-frame ring from ever filling.
line_part() {
	local part=$1 mbit
	server_part "$part" "$CFG_LINE" "--send $BIG" "--sink"
	case $FAILED in *"$part"*) return ;; esac
	mbit=$(line_field "$(cat "$LOG")" tern-bulk mbit)
	if ! awk "BEGIN { exit !(${mbit:-0} > 0 && ${mbit:-0} <= $LINE_MBIT) }"; then
		part_fail "$part" "goodput $mbit Mbit/s on a $LINE_MBIT Mbit/s line"
	elif [ "$(counter drop.tx_full)" -ne 0 ]; then # (drops print only when not 0)
		part_fail "$part" "the line's ring refused $(counter drop.tx_full) frames"
	elif [ "$(counter tcp_output_line_waits)" -eq 0 ]; then
		part_fail "$part" "no output pass waited for the line"
	else
		echo "  $part: $mbit Mbit/s on the $LINE_MBIT Mbit/s line, ring never full, $(counter tcp_output_line_waits) passes waited"
	fi
}

# summary_of TEXT: bulk_peer's summary line, or its last line if it printed none.
summary_of() {
	local line
	line=$(echo "$1" | grep -E "^bulk_peer: (sequential|parallel):")
	[ -n "$line" ] || line="$(echo "$1" | tail -n 1) (no summary: timed out?)"
	echo "${line#bulk_peer: }"
}

# short_part PART TERN_MODE PEER_MODE: 1,000 connections one after another,
# TIME_WAIT drained, then a full pool's worth at once.
short_part() {
	local part=$1 tern_mode=$2 peer_mode=$3 out rc n bad
	tern_start tern-bulk 0 --ip "$TERN_IP/24" --config "$CFG_SHORT" --listen $PORT $tern_mode
	out=$(timeout $XFER_TIMEOUT ip netns exec "$NS" python3 "$PEER" client "$TERN_IP:$PORT" \
		$peer_mode --expect $TINY --repeat $SHORT_CONNS --timeout 5 2>&1)
	rc=$?
	echo "  $part: $(summary_of "$out")"
	sleep 3 # TIME_WAIT is 2 x msl_s = 2 s
	local out2 rc2
	out2=$(timeout $XFER_TIMEOUT ip netns exec "$NS" python3 "$PEER" client "$TERN_IP:$PORT" \
		$peer_mode --expect $TINY --parallel $POOL_CONNS --timeout 5 2>&1)
	rc2=$?
	echo "  $part, then: $(summary_of "$out2")"
	sleep 3
	tern_end
	local trc=$?
	# Tern's side of each transfer: what it sent, or what it received, must
	# hash as the pattern (bulk_peer checks its own side against --expect).
	n=$(grep -cE "^tern-bulk: (sent|received) $TINY bytes in .* sha256 $SHA_TINY$" "$LOG")
	bad=$(grep -E "^tern-bulk: (sent|received) " "$LOG" | grep -vc " sha256 $SHA_TINY$")
	if [ $rc -ne 0 ] || [ $rc2 -ne 0 ]; then
		part_fail "$part" "bulk_peer failed: $(echo "$out
$out2" | grep -v "^bulk_peer: seq\|^bulk_peer: par" | head -n 3)"
	elif [ $trc -ne 0 ]; then
		part_fail "$part" "tern-bulk exited $trc"
	elif [ "$(counter tcp_conn_pool_empty)" -ne 0 ]; then
		part_fail "$part" "tcp_conn_pool_empty $(counter tcp_conn_pool_empty): connections did not come back"
	elif [ "$bad" -ne 0 ]; then
		part_fail "$part" "$bad of tern-bulk's transfers are not $TINY bytes of the pattern (sha256 $SHA_TINY)"
	elif [ "$n" -ne $((SHORT_CONNS + POOL_CONNS)) ]; then
		part_fail "$part" "tern-bulk completed $n transfers of sha256 $SHA_TINY, expected $((SHORT_CONNS + POOL_CONNS))"
	elif ! pools_full; then
		part_fail "$part" "mbufs missing at exit"
	else
		echo "  $part: $n transfers, each sha256 ${SHA_TINY:0:16}... both sides, tcp_conn_pool_empty 0, every mbuf free"
	fi
}

SHA_BIG=$(python3 "$PEER" expect $BIG) || fail "bulk_peer.py expect failed"
SHA_SMALL=$(python3 "$PEER" expect $SMALL)
SHA_TINY=$(python3 "$PEER" expect $TINY)
[ -n "$SHA_BIG" ] && [ -n "$SHA_SMALL" ] && [ -n "$SHA_TINY" ] || fail "no pattern hash"

cp "$HERE/../../config/tap.ini" "$CFG_LOSSY" || fail "cannot copy config/tap.ini"
ini_set "$CFG_LOSSY" fault rx_drop 0.02
ini_set "$CFG_LOSSY" fault rx_reorder 0.01
ini_set "$CFG_LOSSY" fault tx_drop 0.02
ini_set "$CFG_LOSSY" fault tx_reorder 0.01
cp "$HERE/../../config/tap.ini" "$CFG_SHORT"
cp "$HERE/../../config/tap.ini" "$CFG_LINE"
ini_set "$CFG_LINE" fault tx_link_mbit $LINE_MBIT
ini_set "$CFG_LINE" port tx_queue_us 200 # 8 full frames at 500 Mbit/s
ini_set "$CFG_SHORT" tcp msl_s 1
ini_set "$CFG_SHORT" tcp conns $POOL_CONNS

ns_create
# The Linux side opens thousands of connections: let it reuse ports.
in_ns sysctl -qw net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="1024 65535"

server_part "100 MiB tern->linux, clean" "" "--send $BIG" "--sink"
server_part "100 MiB linux->tern, clean" "" "--sink" "--send $BIG"
client_part "10 MiB tern client->linux" "--send $SMALL" "--sink"
client_part "10 MiB linux->tern client" "--sink" "--send $SMALL"
server_part "100 MiB tern->linux, 2% loss" "$CFG_LOSSY" "--send $BIG" "--sink"
server_part "100 MiB linux->tern, 2% loss" "$CFG_LOSSY" "--sink" "--send $BIG"
line_part "100 MiB tern->linux, 500 Mbit/s line"
short_part "short conns, tern closes" "--send $TINY" "--sink"
short_part "short conns, linux closes" "--sink=$TINY" "--send $TINY"

if [ -n "$FAILED" ]; then
	echo "FAIL: $FAILED" # each part's log was shown when it failed
	exit 1
fi
echo "PASS"
