#!/usr/bin/env python3
# The Linux side of tern-bulk: send or sink bytes over an ordinary socket, as
# client or server, printing bytes, seconds, Mbit/s and the SHA-256 of what it
# saw. Byte i of a stream is (i * 7) mod 251, as in tern-bulk.
#
#   bulk_peer.py expect BYTES                       the pattern's SHA-256
#   bulk_peer.py client A.B.C.D:PORT (--send BYTES | --sink | --echo BYTES)
#                [--expect BYTES] [--repeat N] [--parallel N] [--timeout S]
#   bulk_peer.py server PORT (--send BYTES | --sink) [--expect BYTES] [--count N]
#
# One line per transfer:  bulk_peer: sent|received BYTES bytes in S s, X Mbit/s, sha256 HEX
# --repeat N: N connections one after another; --parallel N: N connections
# open at once (all connected before any is read). Both print one summary line
# and fail unless every transfer ends the same, with --expect's size if given.
# --expect BYTES: each transfer must be that size, and what it received (or
# sent) must hash as that much of the pattern.
# --echo BYTES (client, against an echo server such as tern-echo's port 7):
# send the pattern while reading what comes back, half-close, read to EOF; the
# line says "echoed" and its bytes and hash are those that came back.
# --timeout S bounds every wait for progress: a stall fails the transfer.
# Exit status 0 only if every transfer completed (and matched --expect).
import argparse
import functools
import hashlib
import resource
import socket
import sys
import threading
import time

PERIOD = 251
CHUNK = PERIOD * 4096  # a multiple of the period: every chunk starts at phase 0


def pattern(n):
    return bytes((i * 7) % PERIOD for i in range(n))


BLOCK = pattern(CHUNK)


@functools.lru_cache(maxsize=None)
def pattern_sha256(nbytes):
    h = hashlib.sha256()
    left = nbytes
    while left > 0:
        n = min(left, CHUNK)
        h.update(BLOCK[:n])
        left -= n
    return h.hexdigest()


def parse_bytes(s):
    units = {"": 1, "B": 1, "k": 1000, "K": 1000, "kB": 1000, "KB": 1000, "M": 10**6,
             "MB": 10**6, "G": 10**9, "GB": 10**9, "KiB": 1 << 10, "MiB": 1 << 20,
             "GiB": 1 << 30}
    digits = s.rstrip("BGKMikb")
    return int(digits) * units[s[len(digits):]]


def send_block(sock, view):
    # send(), not sendall(): sendall's timeout bounds the whole call (Python
    # 3.5+), so a slow but moving link would time out; each send's timeout
    # bounds one wait for progress.
    while len(view) > 0:
        view = view[sock.send(view):]


def send_all(sock, nbytes):
    h = hashlib.sha256()
    view = memoryview(BLOCK)
    left = nbytes
    while left > 0:
        n = min(left, CHUNK)
        send_block(sock, view[:n])
        h.update(view[:n])
        left -= n
    sock.shutdown(socket.SHUT_WR)
    # Read to the peer's FIN, so the time covers delivery, not only the
    # local socket buffer.
    while sock.recv(65536):
        pass
    return nbytes, h.hexdigest()


def sink_all(sock):
    h = hashlib.sha256()
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    total = 0
    while True:
        n = sock.recv_into(buf)
        if n == 0:
            break
        h.update(view[:n])
        total += n
    return total, h.hexdigest()


def echo_all(sock, nbytes):
    # Read while writing, as an echo client must: Tern's send buffer fills
    # with echoed bytes, and only our reading drains it.
    back = {}

    def reader():
        try:
            back["result"] = sink_all(sock)
        except OSError as e:
            back["error"] = e

    rd = threading.Thread(target=reader)
    rd.start()
    view = memoryview(BLOCK)
    left = nbytes
    try:
        while left > 0:
            n = min(left, CHUNK)
            send_block(sock, view[:n])
            left -= n
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        # Sending stalled or failed: end the reader now, not after its own
        # timeout (no EOF will come while our side stays open).
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        raise
    finally:
        rd.join()
    if "error" in back:
        raise back["error"]
    return back["result"]


def transfer(sock, args):
    t0 = time.monotonic()
    if getattr(args, "echo", None) is not None:
        nbytes, digest = echo_all(sock, args.echo)
    elif args.send is not None:
        nbytes, digest = send_all(sock, args.send)
    else:
        nbytes, digest = sink_all(sock)
    return nbytes, digest, time.monotonic() - t0


def report(what, nbytes, secs, digest):
    mbit = nbytes * 8 / secs / 1e6 if secs > 0 else 0.0
    print(f"bulk_peer: {what} {nbytes} bytes in {secs:.3f} s, {mbit:.1f} Mbit/s, sha256 {digest}",
          flush=True)


def check(args, nbytes, digest):
    """With --expect: the transfer's size, and its hash the pattern's (what a
    sink or an echo got back must be the pattern, byte for byte)."""
    if args.expect is None:
        return True
    return nbytes == args.expect and digest == pattern_sha256(args.expect)


def endpoint(s):
    host, port = s.rsplit(":", 1)
    return host, int(port)


def connect(args):
    sock = socket.create_connection(endpoint(args.endpoint), timeout=args.timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def verb(args):
    if getattr(args, "echo", None) is not None:
        return "echoed"
    return "sent" if args.send is not None else "received"


def client_once(args):
    with connect(args) as sock:
        nbytes, digest, secs = transfer(sock, args)
    report(verb(args), nbytes, secs, digest)
    return 0 if check(args, nbytes, digest) else 1


def summary(args, kind, n, results, secs):
    """results: list of (nbytes, digest) or None for a failed connection."""
    good = [r for r in results if r is not None and check(args, r[0], r[1])]
    digests = {r[1] for r in good}
    print(f"bulk_peer: {kind}: {len(good)} of {n} transfers complete, "
          f"{len(digests)} distinct sha256, {secs:.3f} s, {n / secs:.0f} conn/s", flush=True)
    return 0 if len(good) == n and len(digests) == 1 else 1


def client_repeat(args):
    results = []
    t0 = time.monotonic()
    for i in range(args.repeat):
        try:
            with connect(args) as sock:
                nbytes, digest, _ = transfer(sock, args)
            results.append((nbytes, digest))
        except OSError as e:
            print(f"bulk_peer: connection {i + 1}: {e}", file=sys.stderr, flush=True)
            results.append(None)
    return summary(args, "sequential", args.repeat, results, time.monotonic() - t0)


def client_parallel(args):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < args.parallel + 64:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.parallel + 64), hard))
    t0 = time.monotonic()
    socks = []
    failed = 0
    for i in range(args.parallel):
        try:
            socks.append(connect(args))
        except OSError as e:
            # The server is out of something (a leak shows this way): the
            # rest would wait out their timeouts the same way.
            print(f"bulk_peer: connection {i + 1}: {e}; not trying the other "
                  f"{args.parallel - i - 1}", file=sys.stderr, flush=True)
            failed = args.parallel - i
            break
    results = [None] * failed
    for sock in socks:
        try:
            nbytes, digest, _ = transfer(sock, args)
            results.append((nbytes, digest))
        except OSError as e:
            print(f"bulk_peer: transfer: {e}", file=sys.stderr, flush=True)
            results.append(None)
        sock.close()
    return summary(args, "parallel", args.parallel, results, time.monotonic() - t0)


def server(args):
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("0.0.0.0", args.port))
    lsock.listen(16)
    lsock.settimeout(args.timeout)
    print(f"bulk_peer: listening on {args.port}", flush=True)
    status = 0
    for _ in range(args.count):
        sock, _ = lsock.accept()
        with sock:
            sock.settimeout(args.timeout)
            nbytes, digest, secs = transfer(sock, args)
        report(verb(args), nbytes, secs, digest)
        status |= 0 if check(args, nbytes, digest) else 1
    lsock.close()
    return status


def main():
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="mode", required=True)
    e = sub.add_parser("expect", help="print the SHA-256 of BYTES of the pattern")
    e.add_argument("bytes", type=parse_bytes)
    for name in ("client", "server"):
        s = sub.add_parser(name)
        if name == "client":
            s.add_argument("endpoint", help="A.B.C.D:PORT")
            s.add_argument("--repeat", type=int, default=0)
            s.add_argument("--parallel", type=int, default=0)
        else:
            s.add_argument("port", type=int)
            s.add_argument("--count", type=int, default=1)
        d = s.add_mutually_exclusive_group(required=True)
        d.add_argument("--send", type=parse_bytes, metavar="BYTES")
        d.add_argument("--sink", action="store_true")
        if name == "client":
            d.add_argument("--echo", type=parse_bytes, metavar="BYTES")
        s.add_argument("--expect", type=parse_bytes, metavar="BYTES")
        s.add_argument("--timeout", type=float, default=30.0)
    args = p.parse_args()
    if args.mode == "expect":
        print(pattern_sha256(args.bytes))
        return 0
    try:
        if args.mode == "server":
            return server(args)
        if args.repeat:
            return client_repeat(args)
        if args.parallel:
            return client_parallel(args)
        return client_once(args)
    except OSError as e:
        print(f"bulk_peer: {e}", file=sys.stderr, flush=True)
        return 1


if __name__ == "__main__":
    sys.exit(main())
