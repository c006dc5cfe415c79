#!/usr/bin/env bash
# Misses per second flat out, and CPU per miss, with 1 and 2 resolver
# workers ([resolver] workers, control/README.md "Workers") on the fake
# hierarchy.
#
#   flock /tmp/boltdns-bench.lock bench/workers/run.sh [-b BUILD] [-n MISSES]
#         [-r ROUNDS] [-q OUTSTANDING] [-w "1 2"] [-c PERCENT]
#
#   -b BUILD        meson build directory (default build-release)
#   -n MISSES       unique names per run (default 20000)
#   -r ROUNDS       rounds; each round runs every worker count once, in turn
#                   (default 3)
#   -q OUTSTANDING  dnsperf queries in flight (default 500)
#   -w COUNTS       worker counts to compare (default "1 2")
#   -c PERCENT      equal-budget mode: each resolver worker process in a
#                   cgroup (v1, /sys/fs/cgroup/cpu) of its own, capped at
#                   PERCENT % of one CPU (CFS quota PERCENT x 100 us per
#                   10 ms period); the dataplane, NSD and dnsperf uncapped.
#                   N workers then have N equal shares, so the workers, not
#                   this machine's 2 CPUs, are the bottleneck: the ratio
#                   shows how the design scales per worker. Default 0:
#                   uncapped
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
# Reported per run: misses answered per second, run time, CPU of the
# dataplane, of each worker, of the NSD servers and of dnsperf as % of one
# CPU over the run, microseconds of worker CPU (and of dataplane + workers)
# per miss, upstream queries per miss, the workers' context switches per
# miss (sleeps and wake-ups: all threads, then the loop thread's alone;
# the rest is mostly the bell thread's), how busy the machine's CPUs were
# (/proc/stat: everything else on the host shares them), the 1-minute load
# average, with -c the share of the workers' CFS periods that hit the quota
# (thrt), the dataplane's TX and miss ring drops and the UDP buffer errors.
# Then the medians per worker count and the paired ratio (2 workers / 1
# worker, same round).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=build-release
MISSES=20000
ROUNDS=3
OUT=500
COUNTS="1 2"
CAP=0
while getopts "b:n:r:q:w:c:h" opt; do
  case "$opt" in
  b) BUILD=$OPTARG ;;
  n) MISSES=$OPTARG ;;
  r) ROUNDS=$OPTARG ;;
  q) OUT=$OPTARG ;;
  w) COUNTS=$OPTARG ;;
  c) CAP=$OPTARG ;;
  h) sed -n '2,48p' "$0"; exit 0 ;;
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
# context switches of every thread of process $1 (a worker's sleeps and
# wake-ups on the rings' doorbell: its bell thread and its loop)
ctxsw() {
  cat /proc/"$1"/task/*/status 2>/dev/null |
    awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { print s + 0 }'
}
# of them, those of the loop thread (the main thread: the rest is mostly
# the bell thread, woken by a kick of the doorbell)
ctxsw_loop() {
  awk '/^(non)?voluntary_ctxt_switches/ { s += $2 } END { print s + 0 }' /proc/"$1"/status 2>/dev/null || echo 0
}
# busy and total jiffies of the machine
machine() { awk '/^cpu / { b = $2 + $3 + $4 + $7 + $8; t = b + $5 + $6; print b, t }' /proc/stat; }

# UDP receive-buffer and send-buffer overflows in the namespace (a lost
# query is one of these, not a miss the resolver dropped)
udp_errs() { in_ns awk '/^Udp:/ { if (h) print $6 + $7; h = 1 }' /proc/net/snmp; }

# CPU of the namespace's processes other than ours (the NSD servers of the
# hierarchy), in ns
others_ns() {
  local p t=0 mine=" ${PIDS[*]} "
  for p in $(ip netns pids "$NS" 2>/dev/null); do
    case "$mine" in *" $p "*) continue ;; esac
    t=$((t + $(cpu_ns "$p")))
  done
  echo "$t"
}

# upstream queries sent by every worker (their -s stats files, written once
# a second)
upstream() { cat "$1"/cp*.stats 2>/dev/null | awk '$1 == "upstream_queries" { s += $2 } END { print s + 0 }'; }

# Equal-budget mode (-c): one cgroup per worker process
CGROOT=/sys/fs/cgroup/cpu
CGROUPS=()
cap_worker() {   # cap_worker PID INDEX
  local g=$CGROOT/boltdns-wbench-$$-$2
  [ -d "$g" ] || mkdir "$g" || die "cannot create cgroup $g"
  echo 10000 > "$g/cpu.cfs_period_us"
  echo $((CAP * 100)) > "$g/cpu.cfs_quota_us"
  echo "$1" > "$g/cgroup.procs"
  CGROUPS+=("$g")
}
# CFS throttling of the workers' cgroups: periods throttled, of periods run
throttled() {
  local g n=0 t=0
  for g in "${CGROUPS[@]}"; do
    n=$((n + $(awk '$1 == "nr_periods" { print $2 }' "$g/cpu.stat")))
    t=$((t + $(awk '$1 == "nr_throttled" { print $2 }' "$g/cpu.stat")))
  done
  echo "$t $n"
}
cgroups_cleanup() {
  local g
  for g in "${CGROUPS[@]}"; do rmdir "$g" 2>/dev/null || true; done
  CGROUPS=()
}
if [ "$CAP" != 0 ]; then
  [ -w "$CGROOT/cpu.cfs_quota_us" ] || die "no writable cgroup v1 cpu controller at $CGROOT"
  [ "$CAP" -ge 10 ] && [ "$CAP" -le 100 ] || die "-c PERCENT: 10..100 (the CFS quota is at least 1000 us of 10 ms)"
fi

bench_ns_start
trap 'cgroups_cleanup; bench_ns_cleanup' EXIT

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
    if [ "$CAP" != 0 ]; then cap_worker $! "$i"; fi
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
  # the stats files are written once a second: let them show the warm-up
  sleep 1.2
  local -a c0=() c1=() x0=() x1=() y0=() y1=()
  local up0 up1 ue0 ue1 on0 on1 th0 th1 load
  up0=$(upstream "$dir")
  for i in "${!PIDS[@]}"; do c0[$i]=$(cpu_ns "${PIDS[$i]}"); x0[$i]=$(ctxsw "${PIDS[$i]}"); y0[$i]=$(ctxsw_loop "${PIDS[$i]}"); done
  on0=$(others_ns)
  read -r mb0 mt0 < <(machine)
  ue0=$(udp_errs)
  th0=$(throttled)
  in_ns /usr/bin/time -f "%U %S" -o "$dir/perf.cpu" \
    dnsperf -s "$ADDR" -d "$dir/names.txt" -n 1 -q "$OUT" -t 5 -b 8192 > "$dir/dnsperf.txt" 2>&1 || true
  read -r mb1 mt1 < <(machine)
  th1=$(throttled)
  ue1=$(udp_errs)
  for i in "${!PIDS[@]}"; do c1[$i]=$(cpu_ns "${PIDS[$i]}"); x1[$i]=$(ctxsw "${PIDS[$i]}"); y1[$i]=$(ctxsw_loop "${PIDS[$i]}"); done
  on1=$(others_ns)
  load=$(cut -d' ' -f1 /proc/loadavg)
  local answered qps lost el
  answered=$(awk '/Queries completed:/ { print $3 }' "$dir/dnsperf.txt")
  lost=$(awk '/Queries lost:/ { print $3 }' "$dir/dnsperf.txt")
  qps=$(awk '/Queries per second:/ { print $4 }' "$dir/dnsperf.txt")
  el=$(awk '/Run time \(s\):/ { print $4 }' "$dir/dnsperf.txt")
  local dp_s cp_s=0 split="" perf_s nsd_s cs=0 csl=0
  dp_s=$(awk -v d=$((c1[0] - c0[0])) 'BEGIN { printf "%.3f", d / 1e9 }')
  for i in $(seq 1 $nw); do
    local d=$((c1[$i] - c0[$i]))
    cs=$((cs + x1[$i] - x0[$i]))
    csl=$((csl + y1[$i] - y0[$i]))
    cp_s=$(awk -v a="$cp_s" -v d="$d" 'BEGIN { printf "%.3f", a + d / 1e9 }')
    split="$split$(awk -v d="$d" -v el="$el" 'BEGIN { printf "%.0f", 100 * d / 1e9 / el }')/"
  done
  perf_s=$(awk '{ printf "%.3f", $1 + $2 }' "$dir/perf.cpu" 2>/dev/null || echo 0)
  nsd_s=$(awk -v d=$((on1 - on0)) 'BEGIN { printf "%.3f", d / 1e9 }')
  local dps
  sleep 1.2
  up1=$(upstream "$dir")
  "$BUILD/dataplane/tools/dp-stats" "$BENCH_NS_REGION" > "$dir/dp.stats" 2>/dev/null || true
  dps=$(awk '$1 == "tx_drops" || $1 == "ring_drops" { printf "%s/", $2 }' "$dir/dp.stats")
  dps="${dps%/} $((ue1 - ue0))"
  local thr
  thr=$(awk -v a="$th0" -v b="$th1" 'BEGIN { split(a, x, " "); split(b, y, " ");
          n = y[2] - x[2]; printf "%.0f%%", (n > 0 ? 100 * (y[1] - x[1]) / n : 0) }')
  [ "$CAP" = 0 ] && thr=-
  awk -v r="$round" -v w="$nw" -v a="$answered" -v l="$lost" -v q="$qps" -v el="$el" \
      -v dp="$dp_s" -v cp="$cp_s" -v sp="${split%/}" -v mb=$((mb1 - mb0)) -v mt=$((mt1 - mt0)) \
      -v pf="$perf_s" -v ns="$nsd_s" -v up=$((up1 - up0)) -v ld="$load" -v thr="$thr" \
      -v dps="$dps" -v cs="$cs" -v csl="$csl" \
    'BEGIN { printf "%5d %7d %8d %6d %9.0f %6.2f %5.0f %-9s %5.0f %5.0f %8.1f %8.1f %5.2f %5.2f %5.2f %5.0f%% %5s %5s %s\n",
             r, w, a, l, q, el, 100 * dp / el, sp, 100 * ns / el, 100 * pf / el,
             cp * 1e6 / a, (cp + dp) * 1e6 / a, up / a, cs / a, csl / a, 100 * mb / mt, ld, thr, dps }'
  kill_all "${PIDS[@]}"
  cgroups_cleanup
}

[ "$CAP" = 0 ] || log "equal-budget mode: each worker capped at $CAP % of one CPU"
printf '%5s %7s %8s %6s %9s %6s %5s %-9s %5s %5s %8s %8s %5s %5s %5s %6s %5s %5s %s\n' round workers answered lost \
  misses/s run_s dp% w%each nsd% perf% cp_us/m all_us/m up/m cs/m loop busy load thrt \
  "dp_tx_drops/ring_drops udp_buf_errors"
for r in $(seq 1 "$ROUNDS"); do
  for w in $COUNTS; do
    run "$r" "$w"
  done
done | tee "$WORK/results.txt"
# medians per worker count, and the paired ratio of misses/s to the first count
awk -v counts="$COUNTS" '
  $1 ~ /^[0-9]+$/ { q[$2, $1] = $5; cu[$2, $1] = $11; up[$2, $1] = $13; xs[$2, $1] = $14; n[$2]++; rounds[$1] = 1 }
  function median(a, k,    i, j, t) {
    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
  END {
    split(counts, c, " "); base = c[1]
    for (x = 1; x in c; x++) {
      w = c[x]; k = 0
      for (r in rounds) { k++; a[k] = q[w, r]; b[k] = cu[w, r]; u[k] = up[w, r]; v[k] = xs[w, r]; rr[k] = q[w, r] / q[base, r] }
      printf "median workers=%s: %.0f misses/s, %.1f us of worker CPU per miss, %.2f upstream queries per miss, %.2f worker context switches per miss, paired ratio to %s worker(s) %.2f\n",
             w, median(a, k), median(b, k), median(u, k), median(v, k), base, median(rr, k)
    }
  }' "$WORK/results.txt"
