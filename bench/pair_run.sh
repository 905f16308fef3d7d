# shellcheck shell=bash
# One run of a workload on each stack, for bench/run.sh and bench/scale.sh.
# Sourced, not run. The caller sets B (the build) and DUR (seconds measured),
# calls pair_scratch for TMP (a scratch directory) and SERVER_PID (the
# servers' PIDs, space-separated, cleared when a run ends; the EXIT trap kills
# what is left), and may set:
#
#   ENGINES  engines a side (1): Tern's server runs that many lcores on CPUs
#            0..N-1 and its client N..2N-1 over a memif with N queues; Linux
#            runs N server/client pairs pinned the same way, one port each.
#            CPU numbers past the machine's wrap around (the caller says when
#            that oversubscribes it).
#   PERF     non-empty: perf stat watches the server for the run.
#   PAIR_CONFIG  Tern's configuration on both sides (config/pair.ini).
#   SERVER_APP   Tern's server program (tern-echo); tern-httpd for the HTTP
#                rows, given --port 7 among its arguments (the client
#                connects to port 7). Its own counters (httpd.requests ...)
#                join the result as "server_stats".
#   LOADGEN_APP  Tern's client program (tern-loadgen), in $B/app like the
#                server: another build of it, for bench/httpd_ab.sh -l.

ENGINES=${ENGINES:-1}
PERF=${PERF:-}
PAIR_CONFIG=${PAIR_CONFIG:-config/pair.ini}
SERVER_APP=${SERVER_APP:-tern-echo}
LOADGEN_APP=${LOADGEN_APP:-tern-loadgen}

# pair_scratch NAME: TMP, a scratch directory /tmp/NAME.XXXXXX, and an EXIT
# trap that kills the servers still running and removes it.
pair_scratch() {
	TMP=$(mktemp -d "/tmp/$1.XXXXXX")
	SERVER_PID=
	trap pair_cleanup EXIT
}
pair_cleanup() {
	# shellcheck disable=SC2086 # one PID a server
	[ -n "$SERVER_PID" ] && kill -KILL $SERVER_PID 2>/dev/null
	rm -rf "$TMP"
}

# pair_cpus FIRST: the comma list of ENGINES CPUs from FIRST, wrapped at nproc.
pair_cpus() {
	local first=$1 n i out=
	n=$(nproc)
	for i in $(seq 0 $((ENGINES - 1))); do
		out=$out${out:+,}$(((first + i) % n))
	done
	echo "$out"
}

# One Tern run: prints the loadgen's JSON line.
run_tern() {
	local args=$1 sargs=$2 sock=$TMP/memif.sock log=$TMP/server.log
	local scpus ccpus
	scpus=$(pair_cpus 0)
	ccpus=$(pair_cpus "$ENGINES")
	rm -f "$sock"
	# shellcheck disable=SC2086
	"${BENCH_PRIO[@]}" taskset -c "$scpus" "$B/app/$SERVER_APP" --no-huge -m 1024 --no-pci --file-prefix tbs$$ \
		--vdev "net_memif0,role=server,socket=$sock" -l "$scpus" -- --config "$PAIR_CONFIG" \
		--ip 198.18.1.1/24 $sargs >"$log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 100); do
		grep -q ": up on port" "$log" && break
		sleep 0.1
	done
	perf_server_start
	# shellcheck disable=SC2086
	"${BENCH_PRIO[@]}" timeout $((DUR + 30)) taskset -c "$ccpus" "$B/app/$LOADGEN_APP" --no-huge -m 1024 --no-pci \
		--file-prefix tbc$$ --vdev "net_memif0,role=client,socket=$sock" -l "$ccpus" -- \
		--config "$PAIR_CONFIG" --ip 198.18.1.2/24 --connect 198.18.1.1:7 \
		--duration "$DUR" $args >"$TMP/client.out" 2>/dev/null &
	local client=$!
	# Once the client has its result it stops polling and waits for the
	# server to leave first; stop the server then (runtime: a memif that
	# disconnects under a polling peer can crash that peer).
	# Nothing is started while it measures (a grep forked every 50 ms took
	# the pollers' CPUs for up to a millisecond each time): it cannot be
	# done before DUR seconds.
	sleep "$DUR"
	for _ in $(seq $(((DUR + 30) * 20))); do
		grep -q '^{"tool"' "$TMP/client.out" && break
		kill -0 "$client" 2>/dev/null || break
		sleep 0.05
	done
	kill -INT "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null
	local server_rc=$?
	wait "$client" 2>/dev/null
	local stats
	stats=$(pair_server_stats "$log")
	[ "$stats" = "{}" ] && stats= || stats=",\"server_stats\":$stats"
	stats="$stats,\"loop_stalls\":{\"server\":$(pair_stalls "$log"),\"client\":$(pair_stalls "$TMP/client.out")}"
	# The server's exit status goes with the result: a crash is never hidden.
	grep '^{"tool"' "$TMP/client.out" | tail -n 1 |
		sed "s/}\$/,\"server_exit\":$server_rc$stats$(perf_server_json)}/"
	SERVER_PID=
}

# pair_server_stats LOG: the server's "httpd.NAME VALUE" lines as
# {"requests":N,...} ({} if none), counted over its whole run (the cost rows
# divide its busy cycles by these: the client's counts cover only its window).
pair_server_stats() {
	awk 'BEGIN { printf "{" }
		/^httpd\.[a-z_0-9]+ [0-9]+$/ { sub(/^httpd\./, ""); printf "%s\"%s\":%s", (n++ ? "," : ""), $1, $2 }
		END { printf "}" }' "$1"
}

# pair_stalls LOG: a Tern process's loop stalls from its exit report, as
# {"100us":N,"1ms":N} (null when it printed none): how often its poller was
# held up, which a closed loop's tail follows.
pair_stalls() {
	awk 'BEGIN { a = "null"; b = "null" }
		/^total\.loop_stalls_100us [0-9]+$/ { a = $2 }
		/^total\.loop_stalls_1ms [0-9]+$/ { b = $2 }
		END { if (a == "null") print "null"; else printf "{\"100us\":%s,\"1ms\":%s}\n", a, b }' "$1"
}

# One Linux run: ENGINES pairs of tern-linux-echo and tern-linux-loadgen,
# each given ARGS; prints one JSON line (pair_merge_json's sum).
run_linux() {
	local args=$1 sargs=$2 base=$((20000 + RANDOM % 20000)) n i pids=() clients=()
	n=$(nproc)
	for i in $(seq 0 $((ENGINES - 1))); do
		# shellcheck disable=SC2086
		"${BENCH_PRIO[@]}" taskset -c $((i % n)) "$B/bench/tern-linux-echo" --listen "127.0.0.1:$((base + i))" \
			$LINUX_MSS $sargs >/dev/null 2>&1 &
		pids+=($!)
	done
	SERVER_PID=${pids[*]}
	for i in $(seq 0 $((ENGINES - 1))); do
		for _ in $(seq 50); do
			ss -ltnH "sport = :$((base + i))" 2>/dev/null | grep -q . && break
			sleep 0.1
		done
	done
	perf_server_start
	for i in $(seq 0 $((ENGINES - 1))); do
		# shellcheck disable=SC2086
		"${BENCH_PRIO[@]}" timeout $((DUR + 30)) taskset -c $(((ENGINES + i) % n)) "$B/bench/tern-linux-loadgen" \
			--connect "127.0.0.1:$((base + i))" --duration "$DUR" $LINUX_MSS $args \
			>"$TMP/linux.$i.out" 2>/dev/null &
		clients+=($!)
	done
	wait "${clients[@]}" 2>/dev/null
	for i in $(seq 0 $((ENGINES - 1))); do
		grep '^{"tool"' "$TMP/linux.$i.out" | tail -n 1
	done | pair_merge_json | sed "s/}\$/$(perf_server_json)}/"
	kill -TERM "${pids[@]}" 2>/dev/null
	wait "${pids[@]}" 2>/dev/null
	SERVER_PID=
}

# pair_merge_json: loadgen JSON lines in, one out. One line passes through;
# several (Linux's pairs) are summed: counts and rates added, the shortest
# duration kept, and each latency figure the worst of the pairs' (their
# histograms are not at hand to merge), marked "latency_of":"worst pair".
pair_merge_json() {
	/usr/bin/python3 -c '
import json, sys
rs = [json.loads(l) for l in sys.stdin if l.strip()]
if len(rs) == 1:
    print(json.dumps(rs[0], separators=(",", ":")))
elif rs:
    m = dict(rs[0])
    for k in ("requests", "connections", "requests_per_s", "connections_per_s", "tx_bytes",
              "rx_bytes", "tx_mbit_s", "rx_mbit_s", "errors", "stalled", "dropped", "conns"):
        if all(isinstance(r.get(k), (int, float)) for r in rs):
            m[k] = sum(r[k] for r in rs)
    m["duration_s"] = min(r.get("duration_s", 0) for r in rs)
    lat = [r.get("latency_us") for r in rs if isinstance(r.get("latency_us"), dict)]
    if lat:
        m["latency_us"] = {k: max(x.get(k, 0) for x in lat) for k in lat[0]}
        m["latency_us"]["count"] = sum(x.get("count", 0) for x in lat)
        m["latency_of"] = "worst pair"
    m["pairs"] = len(rs)
    print(json.dumps(m, separators=(",", ":")))
'
}

# With PERF set, perf stat watches the server for the run's duration; the
# figures join the result as "perf_server" (hardware counters are not
# available in this VM: perf reports them as not supported, kept as null).
perf_server_start() {
	[ -n "$PERF" ] || return 0
	rm -f "$TMP/perf.csv"
	perf stat -x, -o "$TMP/perf.csv" -e task-clock,context-switches,cpu-migrations,page-faults,cycles,instructions \
		-p "${SERVER_PID// /,}" -- sleep "$DUR" >/dev/null 2>&1 &
}
perf_server_json() {
	[ -n "$PERF" ] || return 0
	for _ in $(seq 100); do
		[ -s "$TMP/perf.csv" ] && grep -q instructions "$TMP/perf.csv" && break
		sleep 0.1
	done
	awk -F, 'BEGIN { printf ",\"perf_server\":{" }
		$3 != "" && $1 !~ /^#/ {
			v = ($1 ~ /^[0-9.]+$/) ? $1 : "null"
			printf "%s\"%s\":%s", (n++ ? "," : ""), $3, v
		}
		END { printf "}" }' "$TMP/perf.csv" 2>/dev/null
}
