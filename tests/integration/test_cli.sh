#!/usr/bin/env bash
# The command line and configuration contract: --help without root or EAL
# arguments; one clear line and exit 2 for a bad flag, a bad config (naming
# file, section and key), a missing port, an MTU the port cannot take,
# [port] checksums = no on a port that is not in memory, an rss_key of the
# wrong length or more lcores than the port has queues.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
BIN=$BUILD/app/tern-echo

# A copy in a world-readable place: the clone may sit under a 0700 home.
tmpbin=$(mktemp -d /tmp/tern-cli.XXXXXX)
chmod 755 "$tmpbin"
cp "$BIN" "$tmpbin/tern-echo"
chmod 755 "$tmpbin/tern-echo"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$tmpbin/tern-echo" --help 2>&1)
rc=$?
rm -rf "$tmpbin"
[ $rc -eq 0 ] || fail "--help as an unprivileged user failed: $out"
echo "$out" | grep -q "usage: tern-echo" || fail "--help printed no usage"

expect() { # expect STATUS PATTERN CMD...: the status and one matching line
	local want=$1 pat=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, expected $want: $out"
	echo "$out" | grep -qE -- "$pat" || fail "'$*' printed '$out', expected /$pat/"
}

expect 2 "unknown option '--bogus'" "$BIN" -- --bogus
expect 2 "option '--config' needs a value" "$BIN" -- --config
expect 2 "--ip '300.1.2.3/24'" "$BIN" -- --ip 300.1.2.3/24
expect 2 "--capture-max needs --capture FILE" "$BIN" -- --capture-max 5
expect 2 "--capture-max '0': expected megabytes" "$BIN" -- --capture /tmp/x.pcapng --capture-max 0
expect 2 "--capture-max '1.5': expected megabytes" "$BIN" -- --capture /tmp/x.pcapng --capture-max=1.5
expect 2 "option '--capture' needs a value" "$BIN" -- --capture

bad=$(mktemp /tmp/tern-bad.XXXXXX.ini)
printf '[port]\nmtu = 12\n[ip]\naddress = 198.18.0.2/24\nbogus = 1\n[pool]\nmbufs = many\n' >"$bad"
out=$("$BIN" -- --config "$bad" 2>&1)
rc=$?
rm -f "$bad"
[ "$rc" -eq 2 ] || fail "bad config exited $rc, expected 2"
[ "$(echo "$out" | wc -l)" -eq 3 ] || fail "expected one line per problem (3): $out"
echo "$out" | grep -q "$bad: \[port\] mtu: '12'" || fail "no line for [port] mtu: $out"
echo "$out" | grep -q "$bad: \[ip\] bogus: unknown key" || fail "no line for [ip] bogus: $out"
echo "$out" | grep -q "$bad: \[pool\] mbufs: 'many'" || fail "no line for [pool] mbufs: $out"
expect 2 "cannot read" "$BIN" -- --config /nonexistent/tern.ini

# EAL up but no port: one line saying how to bring one up.
expect 2 "no such port" "$BIN" --no-huge -m 256 --no-pci --no-shconf -l 0 --log-level='*:error' --

# An [port] mtu the port cannot take (net_tap in DPDK 22.11: frames up to 1522
# bytes, so MTU 1504 at most; ethdev's own refusal says only "Invalid
# argument"): one line naming the key and the port's range, exit 2.
ns_create
cfg=$(mktemp /tmp/tern-mtu.XXXXXX.ini)
cp "$HERE/../../config/tap.ini" "$cfg"
ini_set "$cfg" port mtu 9000
ini_set "$cfg" pool data_room 9216
expect 2 "^port 0 \(net_tap\): \[port\] mtu 9000 is outside what the port takes \([0-9]+\.\.[0-9]+\)$" \
	ip netns exec "$NS" "$BIN" --no-huge -m 512 --no-pci --no-shconf --file-prefix "$NS" \
	--vdev "net_tap0,iface=$TAP" -l 0 --log-level='*:error' -- --config "$cfg" --ip "$TERN_IP/24"

# [port] checksums = no on a port that is not memory (a wire can damage what
# its CRC misses): one line naming the key and the ports that take it, exit 2.
cp "$HERE/../../config/tap.ini" "$cfg"
ini_set "$cfg" port checksums no
expect 2 "^port 0 \(net_tap\): \[port\] checksums = no is only for in-memory ports \(net_memif, net_ring\)$" \
	ip netns exec "$NS" "$BIN" --no-huge -m 512 --no-pci --no-shconf --file-prefix "$NS" \
	--vdev "net_tap0,iface=$TAP" -l 0 --log-level='*:error' -- --config "$cfg" --ip "$TERN_IP/24"

# Sizes the port cannot take, named by the lcores and the configuration: one
# line each and exit 2. An [port] rss_key of another length than the port's
# (net_tap's is 40 bytes; a key is taken with two queues or more) ...
cp "$HERE/../../config/tap.ini" "$cfg"
sed -i '/^\[port\]/a rss_key = 6d5a56da255b0ec24167253d43a38fb0' "$cfg"
expect 2 "^port 0 \(net_tap\): \[port\] rss_key has 16 bytes, the port's RSS key has 40$" \
	ip netns exec "$NS" "$BIN" --no-huge -m 512 --no-pci --no-shconf --file-prefix "$NS" \
	--vdev "net_tap0,iface=$TAP" -l 0,1 --log-level='*:error' -- --config "$cfg" --ip "$TERN_IP/24"
# ... and more lcores (a queue each) than the port has queues (net_tap: 16);
# small pools, as each of the 17 lcores has one.
cp "$HERE/../../config/tap.ini" "$cfg"
ini_set "$cfg" pool mbufs 1024
expect 2 "^port 0 \(net_tap\): 17 queues wanted \(one per lcore\), it has 16 RX/16 TX$" \
	ip netns exec "$NS" "$BIN" --no-huge -m 512 --no-pci --no-shconf --file-prefix "$NS" \
	--vdev "net_tap0,iface=$TAP" --lcores='(0-16)@(0,1)' --log-level='*:error' -- \
	--config "$cfg" --ip "$TERN_IP/24"
rm -f "$cfg"
echo "PASS"
