#!/usr/bin/env bash
# The end-to-end socket path under load, for ThreadSanitizer builds (and as a
# plain load test otherwise): boltdns-dp with io = socket and 2 workers,
# boltdns-cp, the fake hierarchy; for a bounded time, parallel misses (bulk
# names, NXDOMAIN names), dnsperf hits, TCP queries, and cache flushes and
# dumps through the control socket all at once. Fails on any sanitizer
# report in either daemon's log, or if an answer is wrong afterwards.
#
# Usage: tsan-load.sh BOLTDNS_DP BOLTDNS_CP DP_STATS BOLTCTL
# tests/reliability/tsan.sh builds a TSan tree and runs this.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null 2>&1 || e2e_skip "python3 not installed"
REL_CTL=$4
# TSan: report everything, do not stop at the first report, and write it to
# stderr (the daemons' logs).
export TSAN_OPTIONS="halt_on_error=0 second_deadlock_stack=1 history_size=4${TSAN_OPTIONS:+ $TSAN_OPTIONS}"
e2e_init tsan "$1" "$2" "$3"
e2e_write_conf
sed -i 's/^io = socket/io = socket\nworkers = 2/' "$E2E_DIR/boltdns.conf"
e2e_start_hierarchy
e2e_start_dp
e2e_start_cp
LOAD_SECONDS=${LOAD_SECONDS:-20}

{ bulk_list 1 1000 A; for i in $(seq 1 300); do printf 'n%04d.bulk.boltnet A\n' "$i"; done; } > "$E2E_DIR/misses"
bulk_list 1001 1300 A > "$E2E_DIR/hits"
client 127.0.0.1 "$E2E_PORT" "$E2E_DIR/hits" --parallel 16 > "$E2E_DIR/warm.out"

end=$((SECONDS + LOAD_SECONDS))
# hits, as long as the load lasts
if command -v dnsperf >/dev/null 2>&1; then
  ns dnsperf -s 127.0.0.1 -p "$E2E_PORT" -d "$E2E_DIR/hits" -l "$LOAD_SECONDS" -c 8 -Q 5000 -t 2 > "$E2E_DIR/perf" 2>&1 &
  PERF=$!
fi
# misses, flushed and resolved again round after round
( while [ $SECONDS -lt $end ]; do
    client 127.0.0.1 "$E2E_PORT" "$E2E_DIR/misses" --parallel 32 --timeout 3 > /dev/null
    ctl flush_zone bulk.boltnet > /dev/null
  done ) &
MISS=$!
# the control socket and TCP/53, meanwhile
rounds=0
while [ $SECONDS -lt $end ]; do
  ctl dump_cache > /dev/null
  ctl stats > /dev/null
  ctl status > /dev/null
  ctl flush_negative > /dev/null
  ns dig @127.0.0.1 -p "$E2E_PORT" +tcp +time=3 +tries=1 +short www.dom3.boltnet A > /dev/null
  ns dig @127.0.0.1 -p "$E2E_PORT" +tcp +time=3 +tries=1 +short big.dom1.boltnet TXT > /dev/null
  rounds=$((rounds + 1))
  sleep 0.2
done
wait $MISS
[ -n "${PERF:-}" ] && wait "$PERF"
ok "$LOAD_SECONDS s of load, $rounds control rounds"

client 127.0.0.1 "$E2E_PORT" "$E2E_DIR/hits" --parallel 16 > "$E2E_DIR/after.out"
cmp -s "$E2E_DIR/warm.out" "$E2E_DIR/after.out" && ok "answers unchanged after the load" || bad "answers changed after the load"
alive "$E2E_CP_PID" && alive "$E2E_DP_PID" && ok "both processes up" || bad "a process died"
# Stop both cleanly so that reports from exit paths are written too.
kill -TERM "$E2E_CP_PID" "$E2E_DP_PID" 2>/dev/null
for _ in $(seq 100); do alive "$E2E_CP_PID" || alive "$E2E_DP_PID" || break; sleep 0.1; done
n=$(grep -c 'WARNING: ThreadSanitizer' "$E2E_DIR/cp.log" "$E2E_DIR/dp.log" | awk -F: '{ s += $2 } END { print s }')
if [ "$n" -gt 0 ]; then
  for f in dp cp; do
    grep -q 'WARNING: ThreadSanitizer' "$E2E_DIR/$f.log" || continue
    echo "---- ThreadSanitizer reports in boltdns-$f ----"
    sed -n '/WARNING: ThreadSanitizer/,/^====/p' "$E2E_DIR/$f.log" | head -150
  done
  [ -n "${TSAN_KEEP:-}" ] && cp "$E2E_DIR/cp.log" "$E2E_DIR/dp.log" "$TSAN_KEEP/"
  bad "$n ThreadSanitizer reports"
else
  ok "no ThreadSanitizer report in either log"
fi
[ -n "${TSAN_KEEP:-}" ] && cp "$E2E_DIR/cp.log" "$E2E_DIR/dp.log" "$TSAN_KEEP/" 2>/dev/null
e2e_finish
