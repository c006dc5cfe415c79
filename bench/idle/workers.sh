#!/usr/bin/env bash
# Idle wake-ups of boltdns with several resolver workers ([resolver]
# workers = 2): what each process does while nothing is asked.
#
#   bench/idle/workers.sh [-t SECONDS] [-r ROUNDS] BUILD_A BUILD_B
#
#   BUILD_A, BUILD_B  meson build directories with boltdns-dp and boltdns-cp
#                     (a reference and the build measured), run alternately
#   -t SECONDS  idle measurement (default 20)
#   -r ROUNDS   rounds of each build (default 3)
#
# In a private network namespace (IDLE_NS, default idlewk$$) with the fake
# hierarchy, boltdns-dp (io = socket, bench/peers/boltdns-socket.conf.in,
# ring-slots 512: the rings of two workers in its 512 MiB)
# and boltdns-cp -w 0 and -w 1; after start-up, priming and 3 s of quiet,
# nothing is sent for SECONDS. Per process: wake-ups (voluntary and
# involuntary context switches of all its threads, /proc/PID/task/*/status)
# a second, and CPU time (/proc/PID/task/*/sched, ns) in % of one core.
#
# Needs root, ip, dig, nsd. Timing: take the bench lock
# (flock /tmp/boltdns-bench.lock bench/idle/workers.sh ...).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SECS=20
ROUNDS=3
while getopts "t:r:h" opt; do
  case "$opt" in
  t) SECS=$OPTARG ;;
  r) ROUNDS=$OPTARG ;;
  h) sed -n '2,20p' "$0"; exit 0 ;;
  *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { sed -n '2,20p' "$0"; exit 2; }
abs() { case "$1" in /*) echo "$1" ;; *) echo "$ROOT/$1" ;; esac; }
BUILDS=("$(abs "$1")" "$(abs "$2")")
NS=${IDLE_NS:-idlewk$$}
SUBNET=${IDLE_SUBNET:-92}
ADDR=198.18.$SUBNET.1
WORK=${IDLE_WORK:-/tmp/boltdns-idlewk-$$}
HINTS=$ROOT/tests/hierarchy/root.hints
BENCH_NS_REGION=/dev/shm/idlewk-$$-region

die() { echo "idle-workers: error: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespace)"
. "$ROOT/bench/lib-ns.sh"

switches() {
  cat /proc/"$1"/task/*/status 2>/dev/null |
    awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { print s + 0 }'
}
sched_ns() {
  cat /proc/"$1"/task/*/sched 2>/dev/null |
    awk '/^se.sum_exec_runtime/ { s += $3 } END { printf "%.0f", s * 1e6 }'
}

bench_ns_start
dir=$WORK/boltdns
mkdir -p "$dir"
sed -e "s|@ADDR@|$ADDR|g" -e "s|@WORKDIR@|$dir|g" -e "s|@HINTS@|$HINTS|g" \
    -e "s|@ANCHOR@|$WORK/hier/root.key|g" -e "s|^path = .*|path = $BENCH_NS_REGION|" \
    -e "s|^\[resolver\]|[resolver]\nworkers = 2|" -e "s|^ring-slots = .*|ring-slots = 512|" \
    "$ROOT/bench/peers/boltdns-socket.conf.in" > "$dir/boltdns.conf"

echo "build round     dp-wake/s cp0-wake/s cp1-wake/s  dp-cpu%  cp0-cpu%  cp1-cpu%"
for round in $(seq "$ROUNDS"); do
  for b in 0 1; do
    build=${BUILDS[$b]}
    rm -f "$BENCH_NS_REGION"
    ip netns exec "$NS" "$build/dataplane/boltdns-dp" -c "$dir/boltdns.conf" > "$dir/dp.log" 2>&1 &
    dp=$!; STARTED+=($dp)
    for _ in $(seq 50); do [ -e "$BENCH_NS_REGION" ] && break; sleep 0.1; done
    ip netns exec "$NS" "$build/control/boltdns-cp" -c "$dir/boltdns.conf" -w 0 > "$dir/cp0.log" 2>&1 &
    c0=$!; STARTED+=($c0)
    sleep 0.5
    ip netns exec "$NS" "$build/control/boltdns-cp" -c "$dir/boltdns.conf" -w 1 > "$dir/cp1.log" 2>&1 &
    c1=$!; STARTED+=($c1)
    bench_ns_wait_dns h0001.bulk.boltnet || die "boltdns did not answer within 15 s (logs in $dir)"
    for i in 1 2 3 4 5 6 7 8; do in_ns dig +short @"$ADDR" "w$i-$$.bulk.boltnet" A >/dev/null || true; done
    sleep 3
    declare -A s0 n0 s1 n1
    for p in $dp $c0 $c1; do s0[$p]=$(switches $p); n0[$p]=$(sched_ns $p); done
    t0=$(date +%s.%N)
    sleep "$SECS"
    t1=$(date +%s.%N)
    for p in $dp $c0 $c1; do s1[$p]=$(switches $p); n1[$p]=$(sched_ns $p); done
    awk -v name="$(basename "$(dirname "$build")")/$(basename "$build")" -v r="$round" \
        -v el="$(echo "$t1 - $t0" | bc)" \
        -v wd=$(( s1[$dp] - s0[$dp] )) -v w0=$(( s1[$c0] - s0[$c0] )) -v w1=$(( s1[$c1] - s0[$c1] )) \
        -v cd=$(( n1[$dp] - n0[$dp] )) -v c0=$(( n1[$c0] - n0[$c0] )) -v c1=$(( n1[$c1] - n0[$c1] )) \
        'BEGIN { printf "%-24s %d  %9.2f %10.2f %10.2f  %7.4f  %8.4f  %8.4f\n", name, r,
                 wd / el, w0 / el, w1 / el, 100 * cd / 1e9 / el, 100 * c0 / 1e9 / el,
                 100 * c1 / 1e9 / el }'
    kill_all $c1 $c0 $dp
    STARTED=()
  done
done
