#!/usr/bin/env bash
# A spoofed SYN flood against tern-echo (issue 8): tern-synflood sends SYNs
# from random addresses of Tern's own /24 (never .1, Linux, or .2, Tern),
# random ports and ISNs, to 198.18.0.2:7, for at most 12 s, as fast as the
# tap carries them to Tern. Meanwhile 50 Linux clients connect to port 7 one after
# another and echo a line: at least 95% must connect within 3 s. Connections
# opened before the flood echo 64 KiB byte-exact after it. Past [tcp]
# syn_backlog every SYN gets a SYN cookie, so the half-open connections stay
# within the budget, the pool never runs dry and every mbuf comes back.
# The spoofed sources make Tern ARP for them (nobody answers): the ARP table
# and its queues must stay bounded and the resolved client unaffected.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

FLOOD=$BUILD/tests/tern-synflood
[ -x "$FLOOD" ] || fail "$FLOOD is not built"
FLOOD_S=12
FLOOD_MAX=5000000
BACKLOG=$(sed -n 's/^syn_backlog = \([0-9]*\)$/\1/p' "$HERE/../../config/tap.ini")
[ -n "$BACKLOG" ] || fail "no [tcp] syn_backlog in config/tap.ini"

ns_create
tern_start tern-echo 0 --ip "$TERN_IP/24"
# The flood on the second CPU, Tern polling the first, at the most the path
# carries: net_tap costs Tern a read and a signal per frame, and the kernel
# drops what Tern has not read when the tap's queue is full, legitimate SYNs
# with spoofed ones; flooding faster floods the link, which no SYN defence
# helps. So the flood adapts its rate to the tap's drops (tern-synflood's
# auto; FLOOD_RATE=N for a fixed rate), whatever the neighbours leave of the
# machine.
in_ns timeout 90 python3 "$HERE/syn_flood_client.py" "$TERN_IP" 5 50 "$TAP" "$FLOOD_S" \
	"$FLOOD_MAX" "${FLOOD_RATE:-auto}" -- \
	taskset -c 1 "$FLOOD" "$TAP" "$TERN_MAC" "$TERN_IP" 7 198.18.0.0/24 1,2 |
	tee "$LOG.client" | sed 's/^/  /'
client_rc=${PIPESTATUS[0]}
arp_now=$(in_ns ip neigh show dev "$TAP" | wc -l)
tern_stop INT
client_out=$(cat "$LOG.client")
rm -f "$LOG.client"

sent=$(echo "$client_out" | sed -n 's/^sent \([0-9]*\) SYNs in \([0-9.]*\) s.*/\1/p')
secs=$(echo "$client_out" | sed -n 's/^sent \([0-9]*\) SYNs in \([0-9.]*\) s.*/\2/p')
[ -n "$sent" ] && [ "$sent" -gt 0 ] || fail "the flood sent nothing"
tx=$(echo "$client_out" | sed -n 's/^tap: \([0-9]*\) frames taken, \([0-9]*\) dropped.*/\1/p')
dropped=$(echo "$client_out" | sed -n 's/^tap: \([0-9]*\) frames taken, \([0-9]*\) dropped.*/\2/p')
rx=$(counter rx_pkts)
cookies=$(counter tcp_syncookies_sent)
accepted=$(counter tcp_syncookies_accepted)
peak=$(counter tcp_syn_rcvd_peak)
echo "  flood: $sent SYNs offered in $secs s, $tx frames left the kernel's side of the tap ($dropped dropped there)"
echo "  reaching Tern during the flood: $(python3 -c "print(round($tx / $secs))") frames/s; Tern in all: rx_pkts $rx, SYN cookies sent $cookies, accepted $accepted, rejected $(counter tcp_syncookies_rejected)"
echo "  half-open peak $peak (syn_backlog $BACKLOG), pool empty $(counter tcp_conn_pool_empty), ARP requests $(counter arp_requests_sent), arp_queue_full $(counter drop.arp_queue_full), arp_unresolved $(counter drop.arp_unresolved), arp_table_full $(counter drop.arp_table_full), no_mbuf $(counter drop.no_mbuf), tx_full $(counter drop.tx_full)"
[ "$client_rc" -eq 0 ] || fail "legitimate clients or held connections failed (above)"
[ "$(counter tcp_conn_pool_empty)" -eq 0 ] || fail "the connection pool ran dry $(counter tcp_conn_pool_empty) times"
[ "$peak" -le "$BACKLOG" ] || fail "half-open peak $peak above syn_backlog $BACKLOG"
[ "$peak" -eq "$BACKLOG" ] || fail "the flood never filled the half-open budget (peak $peak of $BACKLOG)"
[ "$cookies" -gt 0 ] || fail "no SYN cookie was sent"
# Every legitimate client that connected during the flood did so through a
# cookie: the budget was full.
[ "$accepted" -ge 48 ] || fail "only $accepted cookie connections accepted, expected the clients' (>= 48)"
[ "$(counter drop.arp_table_full)" -eq 0 ] || fail "the ARP table filled up"
pools_full || fail "mbufs missing at exit"
echo "  kernel neighbour entries on the tap at the end: $arp_now"
echo "PASS"
