#!/usr/bin/env bash
# The README's first command, as a new user runs it: ./tern.sh demo (it
# builds the release tree, build-release, if it is not there). It must end
# with status 0 and show what the stack is for: ping answered, the 10 MB echo
# equal both ways, tern-stat's table listing the open connection as
# ESTABLISHED, curl's HTTP/1.1 200 from tern-httpd, every mbuf back, and the
# namespace gone afterwards.
# run.sh timeout: 900 s
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$(mktemp /tmp/tern-demo-test.XXXXXX)
trap 'rm -f "$OUT"' EXIT

fail() {
	echo "FAIL: $*"
	sed 's/^/  | /' "$OUT" | tail -n 40
	exit 1
}

timeout 840 "$ROOT/tern.sh" demo >"$OUT" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "./tern.sh demo exited $rc"
grep -q " 0% packet loss" "$OUT" || fail "the pings were not all answered"
grep -qE "^    equal$" "$OUT" || fail "the 10 MB echo did not come back equal"
grep -qE "^ *ESTABLISHED .*198\.18\.0\.2:7 +198\.18\.0\.1:" "$OUT" ||
	fail "tern-stat -c did not list the open connection"
grep -q "< HTTP/1.1 200 OK" "$OUT" || fail "curl got no HTTP/1.1 200 from tern-httpd"
grep -q "mbufs not returned" "$OUT" && fail "mbufs missing at exit"
ns=$(sed -n 's/.*namespace \(tern-demo-[0-9]*\) removed.*/\1/p' "$OUT" | head -n 1)
[ -n "$ns" ] || fail "the demo did not say it removed its namespace"
ip netns list | grep -qw "$ns" && fail "namespace $ns is still there"
grep -E "^== |equal|ESTABLISHED|HTTP/1.1 200" "$OUT" | sed 's/^/  /'
echo "PASS"
