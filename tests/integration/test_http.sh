#!/usr/bin/env bash
# tern-httpd on net_tap in a namespace, against curl, raw Python sockets and
# wrk: GET / and its body, GET /bytes/1048576 byte for byte, HEAD, 404 and
# 405, keep-alive (curl reuses the connection), Connection: close (the server
# closes), three pipelined requests answered in order, a malformed and an
# oversized head each answered with exactly one 400 and a FIN, then 3 s of wrk
# with keep-alive and 3 s with a connection per request. Every mbuf comes home.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

URL=http://$TERN_IP
PATTERN='0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+\n' # HTTPD_PATTERN
PAGE_LEN=129                                                               # index_page

# With "Connection: close" the server closes first, so every connection of
# the wrk run waits out TIME_WAIT (2 x 30 s) in Tern's pool: at a few thousand
# connections a second, 3 s could exhaust the default 16,384 tcbs per core.
CONF=$(mktemp /tmp/tern-http.XXXXXX.ini)
trap 'cleanup; rm -f "$CONF"' EXIT
printf '[port]\nport_id = 0\n[ip]\naddress = %s/24\n[limits]\nflows = 131072\n[tcp]\nconns = 65536\n' \
	"$TERN_IP" >"$CONF"

ns_create
# A client making many short connections (PLATFORM.md).
in_ns sysctl -qw net.ipv4.tcp_tw_reuse=1 net.ipv4.ip_local_port_range="1024 65535"
tern_start tern-httpd 0 --config "$CONF" --ip "$TERN_IP/24"

# ---- curl: GET /, HEAD, 404, 405 -------------------------------------------
out=$(in_ns curl -sS -v --max-time 5 "$URL/" 2>&1) || fail "curl GET /: $out"
echo "  curl -v $URL/:"
echo "$out" | sed 's/^/    | /'
echo "$out" | grep -q "^< HTTP/1.1 200 OK" || fail "GET /: no 200"
echo "$out" | grep -q "^< Content-Length: $PAGE_LEN" || fail "GET /: Content-Length is not $PAGE_LEN"
echo "$out" | grep -q "^< Connection: keep-alive" || fail "GET /: no keep-alive"
echo "$out" | grep -q "^Hello from tern-httpd" || fail "GET /: body missing"
# RFC 9110 6.6.1: an origin server with a clock sends Date, an IMF-fixdate
# (5.6.7) within a second or two of now (canned responses: once a second).
date=$(echo "$out" | sed -n 's/^< Date: \(.*\)\r$/\1/p')
echo "$date" | grep -Eq '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$' ||
	fail "GET /: no IMF-fixdate Date ('$date')"
skew=$(($(date -u +%s) - $(date -u -d "$date" +%s)))
[ "$skew" -ge -1 ] && [ "$skew" -le 3 ] || fail "GET /: Date '$date' is ${skew} s off"

status() { # status CURL-ARGS...: the status code curl got
	in_ns curl -sS -o /dev/null --max-time 5 -w '%{http_code}' "$@"
}
[ "$(status -I "$URL/")" = 200 ] || fail "HEAD / is not 200"
head=$(in_ns curl -sS -I --max-time 5 "$URL/bytes/1000")
echo "$head" | grep -q "^Content-Length: 1000" || fail "HEAD /bytes/1000: $head"
[ "$(status "$URL/nope")" = 404 ] || fail "GET /nope is not 404"
[ "$(status "$URL/bytes/1073741825")" = 404 ] || fail "GET /bytes/(1 GiB + 1) is not 404"
[ "$(status -X DELETE "$URL/")" = 405 ] || fail "DELETE / is not 405"
echo "  HEAD 200, /nope 404, /bytes/(1 GiB + 1) 404, DELETE 405"

# ---- GET /bytes/1048576 byte for byte -----------------------------------------
want=$(python3 -c "
import hashlib
n = 1048576
p = b'$PATTERN'
print(hashlib.sha256((p * (n // len(p) + 1))[:n]).hexdigest())")
got=$(in_ns curl -sS --max-time 10 "$URL/bytes/1048576" | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "GET /bytes/1048576: sha256 $got, expected $want"
echo "  GET /bytes/1048576: sha256 $got (as expected)"

# ---- keep-alive: two URLs, one connection -----------------------------------
out=$(in_ns curl -sS -v --max-time 5 -o /dev/null -o /dev/null "$URL/" "$URL/bytes/100" 2>&1) ||
	fail "curl with two URLs: $out"
echo "  curl -v $URL/ $URL/bytes/100:"
echo "$out" | sed 's/^/    | /'
echo "$out" | grep -q "Re-using existing connection" || fail "curl did not reuse the connection"
[ "$(echo "$out" | grep -c "^< HTTP/1.1 200 OK")" -eq 2 ] || fail "expected two 200s"

# ---- Connection: close, curl's view ---------------------------------------------
out=$(in_ns curl -sS -v --max-time 5 -o /dev/null -H 'Connection: close' "$URL/" 2>&1) ||
	fail "curl with Connection: close: $out"
echo "  curl -v -H 'Connection: close' $URL/:"
echo "$out" | sed 's/^/    | /'
echo "$out" | grep -q "^< Connection: close" || fail "no 'Connection: close' in the response"
echo "$out" | grep -q "Closing connection" || fail "curl did not see the connection close"
echo "  Connection: close -> '$(echo "$out" | grep "Closing connection" | head -n 1)'"

# ---- raw sockets: close, pipelining, malformed, oversized -------------------------
in_ns python3 - "$TERN_IP" "$PATTERN" <<'EOF' || fail "raw socket checks"
import socket, sys

ip, pattern = sys.argv[1], sys.argv[2].encode().decode('unicode_escape').encode()
PAGE_LEN = 129

def exchange(payload):
    """Send @payload in one write, read to EOF; a reset is a failure."""
    s = socket.create_connection((ip, 80), timeout=5)
    s.sendall(payload)
    data = b''
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            sys.exit(f'reset after {len(data)} bytes (no clean FIN)')
        except socket.timeout:
            sys.exit(f'no EOF within 5 s after {len(data)} bytes')
        if not chunk:
            break
        data += chunk
    s.close()
    return data

def responses(data, heads):
    """Split @data into responses; @heads[i] is True where request i was HEAD."""
    out = []
    for is_head in heads:
        end = data.find(b'\r\n\r\n')
        if end < 0:
            sys.exit(f'response {len(out) + 1}: no complete head in {data[:80]!r}')
        lines = data[:end].decode().split('\r\n')
        fields = dict(l.split(': ', 1) for l in lines[1:])
        n = 0 if is_head else int(fields['Content-Length'])
        body, data = data[end + 4:end + 4 + n], data[end + 4 + n:]
        out.append((lines[0], fields, body))
    if data:
        sys.exit(f'{len(data)} bytes after the last response: {data[:80]!r}')
    return out

def expect(got, status, body=None, **fields):
    line, f, b = got
    if line != 'HTTP/1.1 ' + status:
        sys.exit(f'status line {line!r}, expected HTTP/1.1 {status}')
    for k, v in fields.items():
        k = k.replace('_', '-')
        if f.get(k) != v:
            sys.exit(f'{line}: {k} is {f.get(k)!r}, expected {v!r}')
    if body is not None and b != body:
        sys.exit(f'{line}: body of {len(b)} bytes is not the expected {len(body)}')

H = b'Host: t\r\n'
# Connection: close -> the response, then the server's FIN.
[r] = responses(exchange(b'GET / HTTP/1.1\r\n' + H + b'Connection: close\r\n\r\n'), [False])
expect(r, '200 OK', Connection='close', Content_Length=str(PAGE_LEN))
print('  Connection: close: one 200, then EOF')

# Three requests in one write, the first larger than the send buffer (256 KiB),
# so the later ones wait for it: answered whole and in order.
n = 300000
reqs = (b'GET /bytes/%d HTTP/1.1\r\n' % n + H + b'\r\n' +
        b'HEAD / HTTP/1.1\r\n' + H + b'\r\n' +
        b'GET / HTTP/1.1\r\n' + H + b'Connection: close\r\n\r\n')
rs = responses(exchange(reqs), [False, True, False])
expect(rs[0], '200 OK', (pattern * (n // len(pattern) + 1))[:n], Connection='keep-alive')
expect(rs[1], '200 OK', b'', Content_Length=str(PAGE_LEN), Connection='keep-alive')
expect(rs[2], '200 OK', Connection='close', Content_Length=str(PAGE_LEN))
print('  pipelined GET /bytes/300000, HEAD /, GET /: three responses in order, then EOF')

# A malformed head (no colon), with a good request behind it in the same
# write: exactly one 400, nothing for the second request, then EOF.
[r] = responses(exchange(b'GET / HTTP/1.1\r\n' + H + b'Bogus\r\n\r\nGET / HTTP/1.1\r\n' + H + b'\r\n'),
                [False])
expect(r, '400 Bad Request', b'Bad Request\n', Connection='close')
print('  malformed head: exactly one 400, then EOF')

# A 9000-byte head (the limit is 8192): one 400, then EOF.
head = b'GET / HTTP/1.1\r\n' + H + b'X-Pad: '
head += b'a' * (9000 - len(head) - 4) + b'\r\n\r\n'
assert len(head) == 9000
[r] = responses(exchange(head), [False])
expect(r, '400 Bad Request', b'Bad Request\n', Connection='close')
print('  9000-byte head: exactly one 400, then EOF')
EOF

# ---- wrk: keep-alive, then a connection per request ------------------------------
wrk_run() { # wrk_run LABEL WRK-ARGS...: print its figures, fail on no requests
	local label=$1 out reqs rate
	shift
	out=$(in_ns timeout 20 wrk -t1 -c8 -d3s "$@" "$URL/" 2>&1) || fail "wrk ($label): $out"
	echo "  wrk -t1 -c8 -d3s ${*:+$(printf '%q ' "$@")}$URL/ ($label):"
	echo "$out" | sed 's/^/    | /'
	reqs=$(echo "$out" | sed -n 's/^ *\([0-9]*\) requests in .*/\1/p')
	rate=$(echo "$out" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
	[ "${reqs:-0}" -gt 0 ] || fail "wrk ($label) completed no requests"
	echo "$out" | grep -q "Non-2xx" && fail "wrk ($label) got non-2xx responses"
	echo "$out" | grep -q "Socket errors" && fail "wrk ($label) had socket errors"
	echo "  => $label: $rate requests/s"
}
wrk_run keep-alive
wrk_run "Connection: close" -H 'Connection: close'

tern_stop INT
grep "^httpd\." "$LOG" | sed 's/^/  /'
for c in tcp_conn_pool_empty tcp_resets_sent tcp_resets_received tcp_retransmits; do
	echo "  total.$c $(counter "$c")"
done
hcounter() { sed -n "s/^httpd\.$1 \([0-9]*\)$/\1/p" "$LOG"; }
[ "$(hcounter status_400)" = 2 ] || fail "expected two 400s, counted $(hcounter status_400)"
[ "$(hcounter conns_refused)" = 0 ] || fail "connections refused"
# wrk stops with requests in flight and closes its sockets: the kernel resets
# those with unread bytes (RFC 2525 2.17), at most one per connection, 8 per run.
[ "$(hcounter conns_aborted)" -le 16 ] || fail "$(hcounter conns_aborted) connections aborted (wrk explains 16 at most)"
[ "$(counter tcp_conn_pool_empty)" = 0 ] || fail "the connection pool ran dry"
pools_full || fail "mbufs missing at exit"
grep ": pool " "$LOG" | sed 's/^/  /'
echo "PASS"
