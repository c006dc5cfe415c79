#!/usr/bin/env bash
# CPU time per resolved cache miss, for boltdns (dataplane and control plane
# separately) and for Unbound and Knot Resolver as configured in bench/peers/.
#
#   bench/miss-cost.sh [-b BUILD] [-r RATE] [-n MISSES] [-s "SERVERS"] [-p]
#
#   -b BUILD    meson build directory with boltdns-dp and boltdns-cp (default build)
#   -r RATE     client rate, queries per second (default 2000)
#   -n MISSES   unique names sent per server (default 10000)
#   -s SERVERS  any of "boltdns unbound kresd" (default all three)
#   -p          then profile boltdns-cp over a second pass of other unique
#               names (perf record -g; WORK/boltdns/perf.data)
#
# Everything runs in a private network namespace (MC_NS, default mcost):
# the fake hierarchy of tests/hierarchy/ on its own lo, the server under test
# on 198.18.$MC_SUBNET.1 (default subnet 90), dnsperf at a fixed rate. Each
# server starts cold, resolves one name of bulk.boltnet (so the zone cut is
# cached), then gets MISSES unique nonexistent names under bulk.boltnet, each
# answered with one upstream query. Its CPU time (every thread, from
# /proc/PID/task/*/sched) is read before and after dnsperf; the result is
# microseconds of CPU per answered miss. An idle period of the same length is
# measured first, so the idle cost (timers, polling) can be told apart.
# "udp/miss" counts every UDP datagram sent in the namespace per miss (client
# query, upstream query, authoritative answer, answer to the client): 4 means
# one upstream query per miss. bulk.boltnet is signed (NSEC): aggressive
# use of NSEC (RFC 8198) would answer most of the names from the ranges of
# the first NXDOMAIN, so it is off for boltdns and Unbound here (a miss must
# be a miss); bench/aggr/run.sh measures it.
#
# Needs root, dnsperf, nsd, and unbound/kresd for those peers. Timing: take
# the bench lock (flock /tmp/boltdns-bench.lock bench/miss-cost.sh ...), and
# compare figures as ratios within one run.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=build
RATE=2000
MISSES=10000
SERVERS="boltdns unbound kresd"
PROFILE=0
while getopts "b:r:n:s:ph" opt; do
  case "$opt" in
  b) BUILD=$OPTARG ;;
  r) RATE=$OPTARG ;;
  n) MISSES=$OPTARG ;;
  s) SERVERS=$OPTARG ;;
  p) PROFILE=1 ;;
  h) sed -n '2,14p' "$0"; exit 0 ;;
  *) exit 2 ;;
  esac
done
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
NS=${MC_NS:-mcost}
SUBNET=${MC_SUBNET:-90}
ADDR=198.18.$SUBNET.1
WORK=${MC_WORK:-/tmp/boltdns-misscost}
HINTS=$ROOT/tests/hierarchy/root.hints

die() { echo "miss-cost: error: $*" >&2; exit 1; }
log() { echo "miss-cost: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespace, port 53)"
for t in ip dig dnsperf; do command -v "$t" >/dev/null || die "'$t' not found"; done
case "$RATE$MISSES" in *[!0-9]*) die "-r and -n take numbers" ;; esac
[ "$RATE" -gt 0 ] && [ "$MISSES" -gt 0 ] || die "-r and -n must be positive"

BENCH_NS_REGION=/dev/shm/misscost-$NS-region
. "$ROOT/bench/lib-ns.sh"

# CPU nanoseconds of every thread of process $1: se.sum_exec_runtime of
# /proc/PID/task/*/sched (ns precision), else utime+stime of /proc/PID/stat
# (clock ticks; threads that exited count there too).
cpu_ns() {
  local t
  t=$(cat /proc/"$1"/task/*/sched 2>/dev/null |
      awk '/^se.sum_exec_runtime/ { s += $3; n++ } END { if (n) printf "%.0f", s * 1e6 }')
  if [ -z "$t" ]; then
    t=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($14 + $15) * 1e9 / hz }' /proc/"$1"/stat 2>/dev/null || echo 0)
  fi
  echo "${t:-0}"
}

udp_out() { in_ns awk '/^Udp:/ { if (h) print $5; h = 1 }' /proc/net/snmp; }

wait_dns() {   # wait_dns SECONDS — until the server answers at $ADDR
  local i
  for i in $(seq $(($1 * 10))); do
    if in_ns dig +time=1 +tries=1 +short @"$ADDR" h0001.bulk.boltnet A >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

bench_ns_start

# PIDS_<server>: the processes whose CPU time counts, with a label each.
start_server() {   # start_server NAME DIR — sets PIDS and LABELS
  local name=$1 dir=$2
  PIDS=()
  LABELS=()
  case "$name" in
  boltdns)
    local dp=$BUILD/dataplane/boltdns-dp cp=$BUILD/control/boltdns-cp
    [ -x "$dp" ] && [ -x "$cp" ] || die "no boltdns-dp/boltdns-cp in $BUILD"
    local region=$BENCH_NS_REGION
    rm -f "$region"
    sed -e "s|@ADDR@|$ADDR|g" -e "s|@WORKDIR@|$dir|g" -e "s|@HINTS@|$HINTS|g" -e "s|@ANCHOR@|$WORK/hier/root.key|g" \
        -e "s|^path = .*|path = $region|" -e 's|^\[dnssec\]$|[dnssec]\naggressive-nsec = no|' \
        "$ROOT/bench/peers/boltdns-socket.conf.in" \
        > "$dir/boltdns.conf"
    ip netns exec "$NS" "$dp" -c "$dir/boltdns.conf" > "$dir/dp.log" 2>&1 &
    STARTED+=($!)
    PIDS+=($!)
    LABELS+=(dp)
    local i
    for i in $(seq 50); do [ -e "$region" ] && break; sleep 0.1; done
    ip netns exec "$NS" "$cp" -c "$dir/boltdns.conf" -s "$dir/cp.stats" > "$dir/cp.log" 2>&1 &
    STARTED+=($!)
    PIDS+=($!)
    LABELS+=(cp)
    ;;
  unbound)
    command -v unbound >/dev/null || return 1
    sed -e "s|@ADDR@|$ADDR|g" -e "s|@PORT@|53|g" -e "s|@WORKDIR@|$dir|g" -e "s|@HINTS@|$HINTS|g" -e "s|@ANCHOR@|$WORK/hier/root.key|g" \
        -e 's|^    qname-minimisation: yes$|    qname-minimisation: yes\n    aggressive-nsec: no|' \
        "$ROOT/bench/peers/unbound.conf.in" > "$dir/unbound.conf"
    ip netns exec "$NS" unbound -d -c "$dir/unbound.conf" > "$dir/out.log" 2>&1 &
    STARTED+=($!)
    PIDS+=($!)
    LABELS+=(unbound)
    ;;
  kresd)
    command -v kresd >/dev/null || return 1
    sed -e "s|@ADDR@|$ADDR|g" -e "s|@PORT@|53|g" -e "s|@WORKDIR@|$dir|g" \
        "$ROOT/bench/peers/kresd.conf.in" > "$dir/kresd.conf"
    ip netns exec "$NS" kresd -n -q -c "$dir/kresd.conf" "$dir" > "$dir/out.log" 2>&1 &
    STARTED+=($!)
    PIDS+=($!)
    LABELS+=(kresd)
    ;;
  *) die "unknown server $name (boltdns, unbound, kresd)" ;;
  esac
  wait_dns 15
}

stop_server() {
  kill_all "${PIDS[@]}"
}

secs=$(( (MISSES + RATE - 1) / RATE ))
printf '%-8s %-8s %8s %9s %9s %8s %8s %9s %10s\n' server process misses answered avg_ms \
  udp/miss idle_us/s cpu_s us/miss
for s in $SERVERS; do
  dir=$WORK/$s
  mkdir -p "$dir"
  if ! start_server "$s" "$dir"; then
    log "$s: not installed or did not answer within 15 s (logs in $dir); skipped"
    stop_server
    continue
  fi
  # The zone cut of bulk.boltnet, then one unique name so every later one
  # costs one upstream query.
  in_ns dig +short @"$ADDR" "warm-$$.bulk.boltnet" A >/dev/null || true
  awk -v n="$MISSES" -v tag="$s$$" 'BEGIN { for (i = 0; i < n; i++) printf "m%d-%s.bulk.boltnet A\n", i, tag }' \
    > "$dir/names.txt"
  sleep 0.5
  # Idle cost over the same length as the run.
  declare -a idle0=() c0=() c1=()
  for i in "${!PIDS[@]}"; do idle0[$i]=$(cpu_ns "${PIDS[$i]}"); done
  sleep "$secs"
  declare -a idle_us=()
  for i in "${!PIDS[@]}"; do
    idle_us[$i]=$(( ($(cpu_ns "${PIDS[$i]}") - idle0[$i]) / 1000 / secs ))
  done
  u0=$(udp_out)
  for i in "${!PIDS[@]}"; do c0[$i]=$(cpu_ns "${PIDS[$i]}"); done
  in_ns dnsperf -s "$ADDR" -d "$dir/names.txt" -n 1 -Q "$RATE" -q 1000 -t 3 \
    > "$dir/dnsperf.txt" 2>&1 || true
  for i in "${!PIDS[@]}"; do c1[$i]=$(cpu_ns "${PIDS[$i]}"); done
  u1=$(udp_out)
  answered=$(awk '/Queries completed:/ { print $3 }' "$dir/dnsperf.txt")
  avg=$(awk '/Average Latency/ { gsub(/[(s]/, "", $4); printf "%.2f", $4 * 1000 }' "$dir/dnsperf.txt")
  [ -n "$answered" ] && [ "$answered" -gt 0 ] || { log "$s: no answers (see $dir/dnsperf.txt)"; stop_server; continue; }
  total=0
  for i in "${!PIDS[@]}"; do
    d=$((c1[$i] - c0[$i]))
    total=$((total + d))
    awk -v s="$s" -v p="${LABELS[$i]}" -v n="$MISSES" -v a="$answered" -v lat="$avg" \
        -v u=$((u1 - u0)) -v idle="${idle_us[$i]}" -v d="$d" \
      'BEGIN { printf "%-8s %-8s %8d %9d %9s %8.2f %9d %9.3f %10.2f\n", s, p, n, a, lat, u / a, idle, d / 1e9, d / 1e3 / a }'
  done
  if [ "${#PIDS[@]}" -gt 1 ]; then
    awk -v s="$s" -v n="$MISSES" -v a="$answered" -v lat="$avg" -v u=$((u1 - u0)) -v d="$total" \
      'BEGIN { printf "%-8s %-8s %8d %9d %9s %8.2f %9s %9.3f %10.2f\n", s, "total", n, a, lat, u / a, "-", d / 1e9, d / 1e3 / a }'
  fi
  if [ "$s" = boltdns ] && [ -f "$dir/cp.stats" ]; then
    sleep 1.1
    grep -E '^(upstream_queries|misses|resolutions|nxdomain|servfail) ' "$dir/cp.stats" | tr '\n' ' ' >&2
    echo >&2
  fi
  if [ "$PROFILE" = 1 ] && [ "$s" = boltdns ]; then
    # A second pass of other unique names under perf record, apart from
    # the measured one (perf adds its own cost).
    sed 's/^m/p/' "$dir/names.txt" > "$dir/names-perf.txt"
    perf record -q -g -o "$dir/perf.data" -p "${PIDS[1]}" > "$dir/perf.log" 2>&1 &
    perf_pid=$!
    sleep 0.5
    in_ns dnsperf -s "$ADDR" -d "$dir/names-perf.txt" -n 1 -Q "$RATE" -q 1000 -t 3 > /dev/null 2>&1 || true
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    log "profile of boltdns-cp: perf report -i $dir/perf.data"
  fi
  stop_server
done
