#!/usr/bin/env bash
# Misses per second flat out, and CPU per miss, with 1 and 2 resolver
# workers ([resolver] workers, control/README.md "Workers") on the fake
# hierarchy.
#
#   flock /tmp/boltdns-bench.lock bench/workers/run.sh [-b BUILD] [-n MISSES]
#         [-r ROUNDS] [-q OUTSTANDING] [-w "1 2"]
#
#   -b BUILD        meson build directory (default build-release)
#   -n MISSES       unique names per run (default 20000)
#   -r ROUNDS       rounds; each round runs every worker count once, in turn
#                   (default 3)
#   -q OUTSTANDING  dnsperf queries in flight (default 500)
#   -w COUNTS       worker counts to compare (default "1 2")
#
# Set-up as bench/miss-cost.sh: a private namespace with the fake hierarchy,
# boltdns (io = socket, bench/peers/boltdns-socket.conf.in, validating) on
# 198.18.$WK_SUBNET.1, a cold region per run, every worker warmed with 40
# names of bulk.boltnet (each learns the zone cut: the infra cache is per
# worker), then dnsperf with no rate limit (-q OUTSTANDING) sends MISSES
# unique nonexistent names of bulk.boltnet: one upstream query each. The
# flood limits (max-inflight-per-zone, max-inflight-per-server,
# zone-nxdomain-rate) are off: this many NXDOMAIN from one zone is what they
# are there to stop, and they would answer most of the run SERVFAIL; so is
# aggressive-nsec (RFC 8198), which would answer the names from the zone's
# NSEC records without a query. ring-slots = 1024 (not the peer
# configuration's 4096): the rings of 2 workers take 2 x 16 lcores x slots x
# 4.5 KiB, more than the 512M region at 4096.
# Reported per run: misses answered per second, CPU seconds of the
# dataplane and of each worker, microseconds of worker CPU (and of dataplane
# + workers) per miss, how busy the machine's CPUs were (/proc/stat: dnsperf,
# NSD and everything else on the host share them), the dataplane's TX and
# miss ring drops.
# Then the medians per worker count and the paired ratio (2 workers / 1
# worker, same round).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=build-release
MISSES=20000
ROUNDS=3
OUT=500
COUNTS="1 2"
while getopts "b:n:r:q:w:h" opt; do
  case "$opt" in
  b) BUILD=$OPTARG ;;
  n) MISSES=$OPTARG ;;
  r) ROUNDS=$OPTARG ;;
  q) OUT=$OPTARG ;;
  w) COUNTS=$OPTARG ;;
  h) sed -n '2,27p' "$0"; exit 0 ;;
  *) exit 2 ;;
  esac
done
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
NS=${WK_NS:-bwork$$}
SUBNET=${WK_SUBNET:-91}
ADDR=198.18.$SUBNET.1
WORK=${WK_WORK:-/tmp/boltdns-workers-bench.$$}
HINTS=$ROOT/tests/hierarchy/root.hints

die() { echo "workers-bench: error: $*" >&2; exit 1; }
log() { echo "workers-bench: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespace, port 53)"
for t in ip dig dnsperf; do command -v "$t" >/dev/null || die "'$t' not found"; done
DP=$BUILD/dataplane/boltdns-dp CP=$BUILD/control/boltdns-cp
[ -x "$DP" ] && [ -x "$CP" ] || die "no boltdns-dp/boltdns-cp in $BUILD"

BENCH_NS_REGION=/dev/shm/workers-bench-$$-region
. "$ROOT/bench/lib-ns.sh"

cpu_ns() {   # every thread of process $1
  cat /proc/"$1"/task/*/sched 2>/dev/null |
    awk '/^se.sum_exec_runtime/ { s += $3 } END { printf "%.0f", s * 1e6 }'
}
# busy and total jiffies of the machine
machine() { awk '/^cpu / { b = $2 + $3 + $4 + $7 + $8; t = b + $5 + $6; print b, t }' /proc/stat; }

# UDP receive-buffer and send-buffer overflows in the namespace (a lost
# query is one of these, not a miss the resolver dropped)
udp_errs() { in_ns awk '/^Udp:/ { if (h) print $6 + $7; h = 1 }' /proc/net/snmp; }

bench_ns_start

run() {   # run ROUND WORKERS
  local round=$1 nw=$2 dir=$WORK/r$1-w$2 i
  mkdir -p "$dir"
  PIDS=()
  rm -f "$BENCH_NS_REGION"
  sed -e "s|@ADDR@|$ADDR|g" -e "s|@WORKDIR@|$dir|g" -e "s|@HINTS@|$HINTS|g" \
      -e "s|@ANCHOR@|$WORK/hier/root.key|g" -e "s|^path = .*|path = $BENCH_NS_REGION|" \
      -e "s|^ring-slots = .*|ring-slots = 1024|" \
      -e "s|^\[dnssec\]|[dnssec]\naggressive-nsec = no|" \
      -e "s|^\[resolver\]|[resolver]\nworkers = $nw\nmax-inflight-per-zone = 0\nmax-inflight-per-server = 0\nzone-nxdomain-rate = 0|" \
      "$ROOT/bench/peers/boltdns-socket.conf.in" > "$dir/boltdns.conf"
  ip netns exec "$NS" "$DP" -c "$dir/boltdns.conf" > "$dir/dp.log" 2>&1 &
  STARTED+=($!); PIDS+=($!)
  for i in $(seq 50); do [ -e "$BENCH_NS_REGION" ] && break; sleep 0.1; done
  for i in $(seq 0 $((nw - 1))); do
    ip netns exec "$NS" "$CP" -c "$dir/boltdns.conf" -w "$i" -s "$dir/cp$i.stats" \
      > "$dir/cp$i.log" 2>&1 &
    STARTED+=($!); PIDS+=($!)
  done
  for i in $(seq 150); do
    in_ns dig +time=1 +tries=1 +short @"$ADDR" h0001.bulk.boltnet A >/dev/null 2>&1 && break
    sleep 0.1
  done
  # every worker holds its own set, none adopted (a worker that started
  # later gets its set back within a moment)
  sleep 1
  # warm each worker's infra cache: names hash over all workers
  for i in $(seq 1 40); do echo "warm$i-$round-$nw.bulk.boltnet A"; done > "$dir/warm.txt"
  in_ns dnsperf -s "$ADDR" -d "$dir/warm.txt" -n 1 -q 40 -t 5 > /dev/null 2>&1 || true
  awk -v n="$MISSES" -v tag="r$round-w$nw-$$" \
    'BEGIN { for (i = 0; i < n; i++) printf "m%d-%s.bulk.boltnet A\n", i, tag }' > "$dir/names.txt"
  sleep 0.5
  local -a c0=() c1=()
  for i in "${!PIDS[@]}"; do c0[$i]=$(cpu_ns "${PIDS[$i]}"); done
  read -r mb0 mt0 < <(machine)
  local ue0 ue1
  ue0=$(udp_errs)
  in_ns dnsperf -s "$ADDR" -d "$dir/names.txt" -n 1 -q "$OUT" -t 5 -b 8192 > "$dir/dnsperf.txt" 2>&1 || true
  read -r mb1 mt1 < <(machine)
  ue1=$(udp_errs)
  for i in "${!PIDS[@]}"; do c1[$i]=$(cpu_ns "${PIDS[$i]}"); done
  local answered qps lost el
  answered=$(awk '/Queries completed:/ { print $3 }' "$dir/dnsperf.txt")
  lost=$(awk '/Queries lost:/ { print $3 }' "$dir/dnsperf.txt")
  qps=$(awk '/Queries per second:/ { print $4 }' "$dir/dnsperf.txt")
  el=$(awk '/Run time \(s\):/ { print $4 }' "$dir/dnsperf.txt")
  local dp_s cp_s=0 split=""
  dp_s=$(awk -v d=$((c1[0] - c0[0])) 'BEGIN { printf "%.3f", d / 1e9 }')
  for i in $(seq 1 $nw); do
    local d=$((c1[$i] - c0[$i]))
    cp_s=$(awk -v a="$cp_s" -v d="$d" 'BEGIN { printf "%.3f", a + d / 1e9 }')
    split="$split$(awk -v d="$d" 'BEGIN { printf "%.2f", d / 1e9 }')/"
  done
  local ups dps
  sleep 1.2
  "$BUILD/dataplane/tools/dp-stats" "$BENCH_NS_REGION" > "$dir/dp.stats" 2>/dev/null || true
  dps=$(awk '$1 == "tx_drops" || $1 == "ring_drops" { printf "%s/", $2 }' "$dir/dp.stats")
  dps="${dps%/} $((ue1 - ue0))"
  ups=$(cat "$dir"/cp*.stats | awk '$1 == "upstream_queries" { s += $2 } END { print s }')
  awk -v r="$round" -v w="$nw" -v a="$answered" -v l="$lost" -v q="$qps" -v el="$el" \
      -v dp="$dp_s" -v cp="$cp_s" -v sp="${split%/}" -v mb=$((mb1 - mb0)) -v mt=$((mt1 - mt0)) \
      -v hz="$(getconf CLK_TCK)" -v up="$ups" \
      -v dps="$dps" \
    'BEGIN { printf "%5d %7d %8d %6d %9.0f %7.2f %7.2f %7.2f %-11s %8.1f %8.1f %6.0f%% %s\n",
             r, w, a, l, q, el, dp, cp, sp, cp * 1e6 / a, (cp + dp) * 1e6 / a,
             100 * mb / mt, dps }'
  kill_all "${PIDS[@]}"
}

printf '%5s %7s %8s %6s %9s %7s %7s %7s %-11s %8s %8s %7s %s\n' round workers answered lost \
  misses/s run_s dp_cpu cp_cpu cp_split cp_us/m all_us/m busy "dp_tx_drops/ring_drops udp_buf_errors" 
for r in $(seq 1 "$ROUNDS"); do
  for w in $COUNTS; do
    run "$r" "$w"
  done
done | tee "$WORK/results.txt"
# medians per worker count, and the paired ratio of misses/s to the first count
awk -v counts="$COUNTS" '
  $1 ~ /^[0-9]+$/ { q[$2, $1] = $5; cu[$2, $1] = $10; n[$2]++; rounds[$1] = 1 }
  function median(a, k,    i, j, t) {
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
  END {
    split(counts, c, " "); base = c[1]
    for (x in c) {
      w = c[x]; k = 0; kk = 0; kr = 0
      for (r in rounds) { k++; a[k] = q[w, r]; b[k] = cu[w, r]; rr[k] = q[w, r] / q[base, r] }
      printf "median workers=%s: %.0f misses/s, %.1f us of worker CPU per miss, paired ratio to %s worker(s) %.2f\n",
             w, median(a, k), median(b, k), base, median(rr, k)
    }
  }' "$WORK/results.txt"
