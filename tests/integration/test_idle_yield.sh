#!/usr/bin/env bash
# [limits] idle_yield_polls: two engines on ONE CPU (--lcores 0@0,1@0), each
# giving the CPU up after 64 empty polls. Busy-polling, the engine that holds
# the CPU spins out its time slice while the other's queue fills; yielding,
# they take turns. 16 Linux echo clients from 8 addresses (flows on both
# queues) each get 256 KiB back byte for byte, both engines yielded and
# carried segments, and every mbuf is back at exit. (The figures of engines
# sharing CPUs: bench/scale.sh with BENCH_SCALE_MAX past half the CPUs.)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

CFG=$(mktemp /tmp/tern-it-yield.XXXXXX.ini)
cp "$HERE/../../config/tap.ini" "$CFG"
ini_set "$CFG" limits idle_yield_polls 64
ns_create
tern_start tern-echo 0@0,1@0 --config "$CFG" --ip "$TERN_IP/24"
rm -f "$CFG"
grep -q ": up on port .* 2 engine(s)" "$LOG" || fail "expected two engines: $(grep ': up on port' "$LOG")"
for i in $(seq 11 18); do
	in_ns ip addr add "198.18.0.$i/24" dev "$TAP"
done

in_ns timeout 120 python3 "$HERE/echo_many.py" "$TERN_IP" 11 18 2 $((256 << 10)) | sed 's/^/  /'
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "an echo through two engines sharing a CPU was lost or wrong"

tern_stop INT
for e in 0 1; do
	y=$(sed -n "s/^engine$e\.idle_yields \([0-9]*\)$/\1/p" "$LOG")
	seg=$(sed -n "s/^engine$e\.tcp_segs_in \([0-9]*\)$/\1/p" "$LOG")
	[ "${y:-0}" -gt 0 ] || fail "engine $e never yielded its CPU"
	echo "  engine $e: ${y} yields, ${seg:-?} TCP segments in"
done
[ "$(counter steered_in)" -gt 0 ] || fail "no segment was steered between the engines"
pools_full || fail "mbufs not returned at exit"
echo "PASS"
