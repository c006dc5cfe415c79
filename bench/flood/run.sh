#!/usr/bin/env bash
# Random-subdomain ("water torture") flood: do ordinary misses to other zones
# keep their success rate and latency while one zone is flooded?
#
#   bench/flood/run.sh [-b BUILD] [-f FLOOD_QPS] [-o ORDINARY_QPS] [-t SECS] [-k ROUNDS]
#                      [-m "MODES"] [-z ZONE]
#
#   -b BUILD   meson build directory with boltdns-dp and boltdns-cp (default build)
#   -f QPS     flood rate: unique random names under ZONE (default 20000)
#   -z ZONE    the flooded zone (default bulk.boltnet: auth1 answers NXDOMAIN
#              at once; dead.boltnet: its server never answers, the case
#              where a flood piles up in the resolver)
#   -o QPS     ordinary rate: unique names under wild.dom2.boltorg (a wildcard,
#              so each is a miss answered NOERROR with one upstream query;
#              default 200)
#   -t SECS    length of each measurement (default 10)
#   -k ROUNDS  rounds; each figure is the median over them (default 3)
#   -m MODES   any of "base flood flood-norate flood-nolimits" (default
#              base flood flood-nolimits):
#                base            ordinary misses alone
#                flood           ordinary misses during the flood, default limits
#                flood-norate    the same with zone-nxdomain-rate = 0
#                flood-hits      the control: the same packet rate, but of one
#                                cached name (what receiving and answering
#                                FLOOD_QPS costs on this machine, with no
#                                resolution work at all)
#                flood-nolimits  the same with max-inflight-per-zone = 0,
#                                max-inflight-per-server = 0, nxdomain-cut = no,
#                                zone-nxdomain-rate = 0
#
# Everything runs in a private network namespace (FL_NS, default bflood)
# over the fake hierarchy of tests/hierarchy/ (auth1 198.18.1.20 serves
# bulk.boltnet, auth2 198.18.1.21 serves dom2.boltorg), boltdns with kernel
# sockets on 198.18.91.1 (bench/peers/boltdns-socket.conf.in), a fresh cache
# each round, and two dnsperf processes (flood and ordinary, -t 2 s timeout).
# Reported per mode: ordinary success (NOERROR answers / names sent), p50 and
# p99 latency of the answered ordinary queries (ms, from dnsperf -v), the
# flood's answered rate, and the control plane's overload counters.
# Needs root, dnsperf, nsd. Take the bench lock:
#   flock /tmp/boltdns-bench.lock bench/flood/run.sh -b BUILD
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=build
FLOOD=20000
ORD=200
SECS=10
ROUNDS=3
MODES="base flood flood-nolimits"
ZONE=bulk.boltnet
while getopts "b:f:o:t:k:m:z:h" opt; do
  case "$opt" in
  b) BUILD=$OPTARG ;;
  f) FLOOD=$OPTARG ;;
  o) ORD=$OPTARG ;;
  t) SECS=$OPTARG ;;
  k) ROUNDS=$OPTARG ;;
  m) MODES=$OPTARG ;;
  z) ZONE=$OPTARG ;;
  h) sed -n '2,33p' "$0"; exit 0 ;;
  *) exit 2 ;;
  esac
done
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
NS=${FL_NS:-bflood}
ADDR=198.18.91.1
WORK=${FL_WORK:-/tmp/boltdns-flood}
HINTS=$ROOT/tests/hierarchy/root.hints
REGION=/dev/shm/flood-$NS-region

die() { echo "flood: error: $*" >&2; exit 1; }
log() { echo "flood: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespace, port 53)"
for t in ip dig dnsperf; do command -v "$t" >/dev/null || die "'$t' not found"; done
case "$FLOOD$ORD$SECS$ROUNDS" in *[!0-9]*) die "-f -o -t -k take numbers" ;; esac

BENCH_NS_REGION=$REGION
. "$ROOT/bench/lib-ns.sh"

bench_ns_start

DP=""
CP=""
start_boltdns() {   # start_boltdns MODE DIR
  local mode=$1 dir=$2 extra=""
  [ "$mode" = flood-nolimits ] &&
    extra='max-inflight-per-zone = 0\nmax-inflight-per-server = 0\nnxdomain-cut = no\nzone-nxdomain-rate = 0'
  [ "$mode" = flood-norate ] && extra='zone-nxdomain-rate = 0'
  sed -e "s|@ADDR@|$ADDR|g" -e "s|@WORKDIR@|$dir|g" -e "s|@HINTS@|$HINTS|g" -e "s|@ANCHOR@|$WORK/hier/root.key|g" \
      -e "s|^path = .*|path = $REGION|" \
      -e "s|^\[resolver\]|[resolver]\n$extra|" \
      "$ROOT/bench/peers/boltdns-socket.conf.in" > "$dir/boltdns.conf"
  bench_ns_boltdns "$BUILD" "$dir" -s "$dir/cp.stats"
  DP=$BOLT_DP_PID
  CP=$BOLT_CP_PID
  bench_ns_wait_dns h0001.bulk.boltnet || die "boltdns did not answer (logs in $dir)"
}

stat_of() { awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' "$2" 2>/dev/null || echo 0; }

# One measurement: prints "success p50 p99 flood_answered_qps zone_hits server_hits nxcut ring_drops
# rate_hits down_hits upstream cp_cpu_ms dp_throttled dp_passed dp_nsec" (a counter the build lacks
# prints 0; cp_cpu_ms: the control plane's CPU time, user + system, over the whole round; dp_throttled
# and dp_passed: misses under throttled zones the dataplane answered itself, and handed on; dp_nsec:
# misses the dataplane answered NXDOMAIN from published NSEC ranges, boltdns/negrange.h).
measure() {   # measure MODE ROUND
  local mode=$1 round=$2 dir=$WORK/$1-$2 tag
  mkdir -p "$dir"
  start_boltdns "$mode" "$dir"
  tag=$RANDOM$round
  # Warm the cuts both loads use, as a running resolver has them.
  in_ns dig +short @"$ADDR" "warm$tag.wild.dom2.boltorg" A >/dev/null || true
  in_ns dig +short @"$ADDR" "warm$tag.bulk.boltnet" A >/dev/null || true
  awk -v n=$((ORD * SECS)) -v t="$tag" \
    'BEGIN { for (i = 0; i < n; i++) printf "o%d-%s.wild.dom2.boltorg A\n", i, t }' > "$dir/ord.txt"
  local fpid=""
  if [ "$mode" = flood-hits ]; then
    in_ns dig +short @"$ADDR" h0001.bulk.boltnet A >/dev/null || true
    echo "h0001.bulk.boltnet A" > "$dir/flood.txt"
  elif [ "$mode" != base ]; then
    awk -v n=$((FLOOD * (SECS + 2))) -v t="$tag" -v seed="$tag" -v z="$ZONE" \
      'BEGIN { srand(seed); for (i = 0; i < n; i++) printf "%x%x-%s.%s A\n", i, int(rand() * 2^30), t, z }' \
      > "$dir/flood.txt"
  fi
  if [ "$mode" != base ]; then
    # unique names go through once; the one cached name over and over
    local once="-n 1"
    [ "$mode" = flood-hits ] && once=""
    in_ns dnsperf -s "$ADDR" -d "$dir/flood.txt" $once -Q "$FLOOD" -q 10000 -t 2 -l $((SECS + 2)) \
      > "$dir/flood-perf.txt" 2>&1 &
    fpid=$!
    sleep 1
  fi
  in_ns dnsperf -s "$ADDR" -d "$dir/ord.txt" -n 1 -Q "$ORD" -q 1000 -t 2 -v \
    > "$dir/ord-perf.txt" 2>&1 || true
  [ -n "$fpid" ] && wait "$fpid" 2>/dev/null || true
  sleep 1.2
  local sent noerr lat fq
  sent=$(wc -l < "$dir/ord.txt")
  noerr=$(awk '/^> NOERROR/ { n++ } END { print n + 0 }' "$dir/ord-perf.txt")
  lat=$(awk '/^> NOERROR/ { print $NF * 1000 }' "$dir/ord-perf.txt" | sort -n |
        awk '{ a[NR] = $1 } END { if (NR == 0) { print "- -"; exit }
              i50 = int(NR * 0.50); if (i50 < 1) i50 = 1; i99 = int(NR * 0.99); if (i99 < 1) i99 = 1;
              printf "%.2f %.2f", a[i50], a[i99] }')
  fq=0
  [ "$mode" != base ] && fq=$(awk '/Queries per second:/ { printf "%d", $4 }' "$dir/flood-perf.txt")
  local cpu
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000 / hz }' "/proc/$CP/stat" 2>/dev/null || echo 0)
  "$BUILD/dataplane/tools/dp-stats" "$REGION" > "$dir/dp.stats" 2>/dev/null || true
  printf '%s %s %s %s %s %s %s %s %s %s %s %s %s %s\n' \
    "$(awk -v a="$noerr" -v s="$sent" 'BEGIN { printf "%.2f", 100 * a / s }')" "$lat" "${fq:-0}" \
    "$(stat_of zone_limit_hits "$dir/cp.stats")" "$(stat_of server_limit_hits "$dir/cp.stats")" \
    "$(stat_of nxdomain_cut_answers "$dir/cp.stats")" "$(stat_of dp_ring_drops "$dir/cp.stats")" \
    "$(stat_of zone_rate_hits "$dir/cp.stats")" "$(stat_of zone_down_hits "$dir/cp.stats")" \
    "$(stat_of upstream_queries "$dir/cp.stats")" "${cpu:-0}" \
    "$(stat_of throttled "$dir/dp.stats")" "$(stat_of throttle_passed "$dir/dp.stats")" \
    "$(stat_of negrange_answered "$dir/dp.stats")"
  kill_all "$DP" "$CP"
}

log "flood $FLOOD qps under $ZONE, ordinary $ORD qps under wild.dom2.boltorg, $SECS s, $ROUNDS rounds, $(nproc) cores"
for m in $MODES; do : > "$WORK/$m.txt"; done
for r in $(seq "$ROUNDS"); do
  for m in $MODES; do
    line=$(measure "$m" "$r")
    log "round $r $m: success% p50 p99 flood_qps zone_hits server_hits nxcut ring_drops rate_hits down_hits upstream cp_cpu_ms dp_throttled dp_passed dp_nsec = $line"
    echo "$line" >> "$WORK/$m.txt"
  done
done
med() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
printf '%-15s %9s %8s %8s %10s %10s %12s %10s %11s %10s %10s %10s %10s %10s %10s %10s\n' mode \
  success% p50_ms p99_ms flood_qps zone_hits server_hits nxcut ring_drops rate_hits down_hits upstream \
  cp_cpu_ms dp_thr dp_pass dp_nsec
for m in $MODES; do
  f=$WORK/$m.txt
  printf '%-15s' "$m"
  for c in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
    printf ' %9s' "$(awk -v c=$c '{ print $c }' "$f" | med)"
  done
  echo
done
