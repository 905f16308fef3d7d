#!/usr/bin/env bash
# With hugepages, Tern calls rte_pdump_init (drivers/capture.c), so DPDK's own
# dpdk-dumpcap (a secondary process, dpdk-dev) attaches to a running tern-echo
# and captures its traffic, as DPDK users expect. The test reserves 2 MiB
# hugepages on a hugetlbfs mount of its own and gives both back at the end.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
command -v dpdk-dumpcap >/dev/null || fail "dpdk-dumpcap is not installed (dpdk-dev)"
command -v tshark >/dev/null || fail "tshark is not installed (tern.sh installs it)"

PAGES=192 # 384 MiB: tern-echo's pools and tables with tap.ini's sizes need ~250
NR=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
[ -w "$NR" ] || fail "no 2 MiB hugepages on this kernel ($NR)"
HUGE_BEFORE=$(cat "$NR")
HUGE=$(mktemp -d /tmp/tern-huge.XXXXXX)
DUMP=$(mktemp /tmp/tern-dumpcap.XXXXXX)
DUMPCAP_PID=
huge_cleanup() {
	[ -n "$DUMPCAP_PID" ] && kill -KILL "$DUMPCAP_PID" 2>/dev/null
	cleanup # Tern first: it maps the pages
	mountpoint -q "$HUGE" && umount "$HUGE"
	rmdir "$HUGE"
	echo "$HUGE_BEFORE" >"$NR"
	rm -rf "$DUMP" "$DUMP.pcapng" "/var/run/dpdk/$NS"
}
trap huge_cleanup EXIT
mount -t hugetlbfs -o pagesize=2M nodev "$HUGE" || fail "cannot mount hugetlbfs on $HUGE"
echo $((HUGE_BEFORE + PAGES)) >"$NR"
[ "$(cat "$NR")" -ge $((HUGE_BEFORE + PAGES)) ] ||
	fail "the kernel gave $(($(cat "$NR") - HUGE_BEFORE)) of $PAGES hugepages"

ns_create
# Not tern_start: that one runs without hugepages (--no-huge, --no-shconf).
ip netns exec "$NS" "$BUILD/app/tern-echo" --huge-dir "$HUGE" --no-pci --file-prefix "$NS" \
	--vdev "net_tap0,iface=$TAP" -l 0 -- --ip "$TERN_IP/24" >"$LOG" 2>&1 &
TERN_PID=$!
tern_wait_up tern-echo

# dpdk-dumpcap: port 0, no promiscuous change (-p), the first 8 frames. It
# says nothing on its own when it has attached: echo exchanges go on (at most
# 20) until it has its 8 frames and exits.
in_ns timeout 60 dpdk-dumpcap --file-prefix="$NS" -i 0 -p -c 8 -w "$DUMP.pcapng" >"$DUMP" 2>&1 &
DUMPCAP_PID=$!
for _ in $(seq 20); do
	kill -0 "$DUMPCAP_PID" 2>/dev/null || break
	out=$(printf 'dumped\n' | in_ns timeout 10 nc -N "$TERN_IP" 7)
	[ "$out" = dumped ] || fail "nc to port 7 got '$out'"
	sleep 0.5
done
wait "$DUMPCAP_PID" || fail "dpdk-dumpcap failed: $(cat "$DUMP")"
DUMPCAP_PID=
tern_stop INT
tshark -r "$DUMP.pcapng" 2>/dev/null | sed 's/^/    /'
syns=$(tshark -r "$DUMP.pcapng" -Y "tcp.flags.syn == 1 && tcp.dstport == 7" 2>/dev/null | wc -l)
[ "$syns" -ge 1 ] || fail "dpdk-dumpcap's file has no SYN to port 7"
pools_full || fail "mbufs missing at exit"
echo "  dpdk-dumpcap attached to tern-echo (hugepages) and captured $(tshark -r "$DUMP.pcapng" 2>/dev/null | wc -l) frames"
echo "PASS"
