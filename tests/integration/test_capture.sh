#!/usr/bin/env bash
# --capture FILE (drivers/capture.c): tern-echo writes a pcapng of what its
# port receives and sends; tshark reads a Linux client's whole TCP echo from
# it, every frame's direction marked (pcapng EPB flags: 1 inbound, 2 outbound),
# and nothing of a connection made while /tern/capture,off (telemetry) had
# switched it off. Then --capture-max 1 holds the file under 1 MB through a
# 1 MiB chargen transfer, says so once, and the file still reads whole.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
command -v tshark >/dev/null || fail "tshark is not installed (tern.sh installs it)"
command -v dpdk-telemetry.py >/dev/null || fail "dpdk-telemetry.py is not installed (dpdk-dev)"

CAPDIR=$(mktemp -d /tmp/tern-capture.XXXXXX)
trap 'cleanup; rm -rf "$CAPDIR"' EXIT
CAP=$CAPDIR/echo.pcapng
MSG="hello through the capture"

# telemetry CMD: the JSON reply of the running Tern (its file prefix is $NS).
telemetry() {
	echo "$1" | timeout 10 dpdk-telemetry.py -f "$NS" 2>/dev/null | grep -F "\"${1%%,*}\""
}

# tshark without its warning about running as root.
tshark_r() {
	tshark -r "$@" 2>/dev/null
}

ns_create
# A file that cannot be opened: one line naming it, exit status 2.
out=$(in_ns "$BUILD/app/tern-echo" --no-huge -m 512 --no-pci --no-shconf --file-prefix "$NS" \
	--vdev "net_tap0,iface=$TAP" -l 0 -- --capture "$CAPDIR/no/such/dir.pcapng" 2>&1)
rc=$?
[ $rc -eq 2 ] || fail "--capture into a missing directory exited $rc, expected 2"
echo "$out" | grep -q "^tern-echo: --capture '$CAPDIR/no/such/dir.pcapng': cannot open: No such file or directory$" ||
	fail "no line naming the capture file: $out"
tern_start tern-echo 0 --ip "$TERN_IP/24" --capture "$CAP"
grep -q "^tern.capture: writing $CAP" "$LOG" || fail "no tern.capture line for $CAP"

# Switched off, a daytime connection leaves no trace in the file.
telemetry /tern/capture,off | grep -q '"state": "off"' || fail "/tern/capture,off did not switch it off"
in_ns timeout 10 nc -d "$TERN_IP" 13 >/dev/null || fail "daytime (port 13) failed"
telemetry /tern/capture,on | grep -q '"state": "on"' || fail "/tern/capture,on did not switch it on"

# Switched on: one echo exchange, closed by the client (nc -N: FIN after stdin).
out=$(printf '%s\n' "$MSG" | in_ns timeout 10 nc -N "$TERN_IP" 7)
[ "$out" = "$MSG" ] || fail "nc to port 7 got '$out'"
tern_stop INT
written=$(sed -n "s|^tern-echo: capture $CAP: \([0-9]*\) frames written.*, 0 lost, 0 past --capture-max$|\1|p" "$LOG")
[ -n "$written" ] || fail "no capture line at exit, or frames lost: $(grep 'capture ' "$LOG")"
[ "$(tshark_r "$CAP" | wc -l)" -eq "$written" ] || fail "tshark reads $(tshark_r "$CAP" | wc -l) frames, Tern wrote $written"

echo "  tshark -r: the echo connection (direction: 1 received, 2 sent)"
tshark_r "$CAP" --disable-protocol echo -Y "tcp.port == 7" -T fields -E separator=" " -e frame.packet_flags_direction \
	-e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport -e _ws.col.Info | sed 's/^/    /'
[ "$(tshark_r "$CAP" -Y "tcp.port == 13" | wc -l)" -eq 0 ] ||
	fail "the daytime connection made while capture was off is in the file"
tshark_r "$CAP" --disable-protocol echo -Y "tcp.port == 7" -T fields -E separator=" " -e frame.packet_flags_direction \
	-e tcp.flags -e tcp.len -e tcp.payload >"$CAPDIR/echo.txt"
python3 - "$CAPDIR/echo.txt" "$MSG" <<'PY' || fail "the echo connection is not whole in the capture"
import sys
IN, OUT = 0x1, 0x2
SYN, FIN, ACK = 0x02, 0x01, 0x10
msg = (sys.argv[2] + "\n").encode().hex()
frames = []
for line in open(sys.argv[1]):
    f = line.split()
    frames.append((int(f[0], 16), int(f[1], 16), int(f[2]), f[3] if len(f) > 3 else ""))
def check(ok, what):
    if not ok:
        print("    missing:", what)
        for fr in frames:
            print("     ", fr)
        sys.exit(1)
check(len(frames) >= 7, "at least 7 frames")
check(all(d in (IN, OUT) for d, _, _, _ in frames), "a direction on every frame")
d, fl, n, _ = frames[0]
check(d == IN and fl & (SYN | ACK) == SYN, "the client's SYN, received, first")
d, fl, n, _ = frames[1]
check(d == OUT and fl & (SYN | ACK) == SYN | ACK, "our SYN-ACK, sent, second")
d, fl, n, _ = frames[2]
check(d == IN and fl & (SYN | ACK | FIN) == ACK and n == 0, "the client's ACK, received, third")
check(any(d == IN and p == msg for d, _, _, p in frames), "the data, received")
check(any(d == OUT and p == msg for d, _, _, p in frames), "the data echoed, sent")
check(any(d == IN and fl & FIN for d, fl, _, _ in frames), "the client's FIN, received")
check(any(d == OUT and fl & FIN for d, fl, _, _ in frames), "our FIN, sent")
d, fl, n, _ = frames[-1]
check(d == IN and fl & (SYN | FIN | ACK) == ACK and n == 0, "the client's ACK of our FIN, last")
PY
echo "  handshake, data both ways and both FINs, directions marked; nothing while off"
ip netns del "$NS"

# --capture-max 1 (MB): chargen's 1 MiB does not fit; the file stops below
# 1,000,000 bytes, the limit is logged once and reported by telemetry.
CAP=$CAPDIR/max.pcapng
ns_create
tern_start tern-echo 0 --ip "$TERN_IP/24" --capture "$CAP" --capture-max 1
n=$(in_ns timeout 20 nc -d "$TERN_IP" 19 | wc -c)
[ "$n" -eq 1048576 ] || fail "chargen gave $n bytes"
sleep 0.2 # the writer thread looks at the rings every millisecond
telemetry /tern/capture | grep -q '"state": "full"' || fail "/tern/capture does not say full: $(telemetry /tern/capture)"
tern_stop INT
size=$(stat -c %s "$CAP")
echo "  --capture-max 1: $size bytes; $(grep "^tern-echo: capture" "$LOG" | cut -d: -f3-)"
[ "$size" -le 1000000 ] || fail "the file has $size bytes, over --capture-max 1 (1,000,000)"
[ "$size" -ge 900000 ] || fail "the file stopped at $size bytes, far below the bound"
[ "$(grep -c "capture-max reached" "$LOG")" -eq 1 ] || fail "the bound was not logged exactly once"
over=$(sed -n "s|^tern-echo: capture $CAP: .*, \([0-9]*\) past --capture-max$|\1|p" "$LOG")
[ "${over:-0}" -gt 0 ] || fail "no frames counted past --capture-max"
tshark -r "$CAP" >/dev/null 2>"$CAPDIR/err" || fail "tshark cannot read the bounded file: $(cat "$CAPDIR/err")"
grep -v "Running as user" "$CAPDIR/err" | grep -q . && fail "tshark complains: $(cat "$CAPDIR/err")"
pools_full || fail "mbufs missing at exit"
echo "PASS"
