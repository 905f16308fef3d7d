#!/usr/bin/env bash
# Goodput of bulk transfers from Tern to Linux through injected loss, per
# congestion control module: tern-bulk --listen --send BYTES, Linux's
# bulk_peer.py --sink, over a tap in a namespace (tern-cc-*), with [fault]
# rx_drop = tx_drop = LOSS (data and ACKs alike) and [tcp]
# congestion_control = MODULE. Each run is byte-exact (SHA-256 of the
# pattern on both sides) and bounded by TIMEOUT seconds.
#
#   bench/cc_loss.sh [BUILD_DIR]     (root; a release build: meson setup
#                                     build-rel --buildtype=release)
#   env: BYTES (40 MiB), LOSSES ("0.01 0.05"), MODULES ("newreno cubic"),
#        RUNS (5, fault seeds 1..RUNS), TIMEOUT (120),
#        BASELINE (a source tree with a release build in build-rel, from
#        before the modules: adds "baseline", its own tap.ini, no
#        congestion_control key)
#
# The modules take turns seed by seed, so that what else the machine does
# weighs on each alike.
# Prints one line per run (the goodput bulk_peer measured receiving, and
# Tern's retransmission counters) and, per module and loss, the median.
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${1:-$HERE/../build-rel}
BUILD=$(cd "$BUILD" && pwd) || exit 2
. "$HERE/../tests/integration/lib.sh"
NS=tern-cc-$$ # ours, not the integration tests' tern-it-*

PEER=$HERE/../tests/integration/bulk_peer.py
PORT=5001
BYTES=${BYTES:-$((40 * 1024 * 1024))}
LOSSES=${LOSSES:-"0.01 0.05"}
MODULES=${MODULES:-"newreno cubic"}
RUNS=${RUNS:-5}
BASELINE=${BASELINE:-}
[ -n "$BASELINE" ] && MODULES="baseline $MODULES"
TIMEOUT=${TIMEOUT:-120}
CFG=$(mktemp /tmp/tern-cc-loss.XXXXXX.ini)
RESULTS=$(mktemp /tmp/tern-cc-results.XXXXXX)

cc_cleanup() {
	rm -f "$CFG" "$RESULTS"
	cleanup
}
trap cc_cleanup EXIT

# run MODULE LOSS SEED: one transfer; R is its goodput in Mbit/s and the
# retransmission counters, or "fail".
run() {
	local build=$BUILD
	if [ "$1" = baseline ]; then
		build=$(cd "$BASELINE/build-rel" && pwd) || exit 2
		cp "$BASELINE/config/tap.ini" "$CFG"
	else
		cp "$HERE/../config/tap.ini" "$CFG"
		ini_set "$CFG" tcp congestion_control "$1"
	fi
	ini_set "$CFG" fault rx_drop "$2"
	ini_set "$CFG" fault tx_drop "$2"
	ini_set "$CFG" fault seed "$3"
	BUILD=$build tern_start tern-bulk 0 --ip "$TERN_IP/24" --config "$CFG" --listen $PORT --send "$BYTES"
	local out rc mbit
	out=$(timeout "$TIMEOUT" ip netns exec "$NS" python3 "$PEER" client "$TERN_IP:$PORT" \
		--sink --expect "$BYTES" --timeout 60 2>&1)
	rc=$?
	# Tern's close may still be retrying its FIN through the loss: give it
	# a few seconds, so that its counters are the whole transfer's.
	for _ in $(seq 50); do grep -q "^tern-bulk: sent" "$LOG" && break; sleep 0.1; done
	kill -INT "$TERN_PID"
	for _ in $(seq 100); do kill -0 "$TERN_PID" 2>/dev/null || break; sleep 0.1; done
	wait "$TERN_PID"
	TERN_PID=
	tap_gone
	# The receiver's goodput: bulk_peer checked size and SHA-256 (--expect).
	mbit=$(echo "$out" | sed -nE 's/^bulk_peer: received [0-9]+ bytes in [0-9.]+ s, ([0-9.]+) Mbit\/s, sha256 .*/\1/p' | head -n 1)
	if [ $rc -ne 0 ] || [ -z "$mbit" ]; then
		R=fail
		{
			echo "  $1 loss $2 seed $3: bulk_peer exited $rc: $(echo "$out" | tail -n 2)"
			grep -vE "^(EAL|TELEMETRY)|tap_|qdisc|eth_dev_tap|^total\..* 0$" "$LOG" | tail -n 25 |
				sed 's/^/  | /'
		} >&2
	else
		R="$mbit $(counter tcp_retransmits) $(counter tcp_fast_retransmits) $(counter tcp_rto_timeouts)"
	fi
}

ns_create
echo "bulk tern->linux, $BYTES bytes, loss each way, $RUNS runs each ($(date -u +%FT%TZ))"
for loss in $LOSSES; do
	for seed in $(seq "$RUNS"); do
		for m in $MODULES; do
			run "$m" "$loss" "$seed"
			r=$R
			printf "  %-8s loss %-5s seed %d: %s\n" "$m" "$loss" "$seed" \
				"$(echo "$r" | awk '$1 == "fail" { print "FAILED"; next }
					{ printf "%8.1f Mbit/s, retransmits %s, fast %s, rto %s", $1, $2, $3, $4 }')"
			echo "$m $loss $r" >>"$RESULTS"
		done
	done
done
echo "median goodput (Mbit/s):"
for loss in $LOSSES; do
	for m in $MODULES; do
		awk -v m="$m" -v l="$loss" '$1 == m && $2 == l && $3 != "fail" { print $3 }' "$RESULTS" |
			sort -n | awk -v m="$m" -v l="$loss" '{ v[NR] = $1 }
				END { printf "  %-8s loss %-5s %8.1f (%d runs)\n", m, l,
					NR ? (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) : 0, NR }'
	done
done
