#!/usr/bin/env bash
# Random-subdomain ("water torture") flood: do ordinary misses to other zones
# keep their success rate and latency while one zone is flooded?
#
#   bench/flood/run.sh [-b BUILD] [-f FLOOD_QPS] [-o ORDINARY_QPS] [-t SECS] [-k ROUNDS]
#                      [-m "MODES"] [-z ZONE] [-p "GENS"]
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
#   -p GENS    how the load generators (both dnsperf processes, flood and
#              ordinary) are scheduled; a list runs each round once per
#              setting, paired (default first):
#                idle  chrt --idle 0 (SCHED_IDLE): they run when boltdns,
#                      NSD and the kernel leave a CPU free
#                nice  nice -n 19
#                none  as boltdns (the setup of the results before
#                      2026-12-05 17:00)
#                first the generators as before, but every thread of
#                      boltdns-dp, boltdns-cp and the NSD servers at
#                      nice -10 (the same order as idle, without letting
#                      other work on the machine starve the generators)
#                pin   the generators on CPU 0 (taskset), every thread of
#                      boltdns and NSD on CPU 1 at nice -10: the clients'
#                      side of the machine (CPU 0, with the kernel's work of
#                      sending over loopback) stands for the Internet, the
#                      resolver's side (CPU 1) for the server; the
#                      dataplane still receives and answers every flood
#                      packet on CPU 1
#              Why: the generators model clients on other machines, but here
#              they share boltdns's 2 CPUs: the flood's sender takes 3.1-3.5 s
#              of CPU per 10 s round, and with it (setting none) the control
#              plane waited 27-48 us on a run queue per wake-up against 16-25
#              unflooded (FL_DIAG, 2026-12-05-flood.md). first puts boltdns
#              and NSD ahead of the generators (idle and nice do the same
#              from the other side, but on this shared machine they also put
#              the generators behind everybody else's work: one idle round
#              sent 19 174 of 20 000 qps). The setting is the same in every
#              mode (base, flood, flood-hits). What it hides: loopback
#              delivers a packet in its sender's context, so part of the
#              kernel's receive work (softirq, the socket queue) runs in the
#              lower-priority sender, where a NIC would charge it to the
#              resolver's machine.
#   FL_DIAG=1  also writes, per round, DIR/diag.txt (CPU time, run-queue
#              wait and runs of every thread in the namespace and of
#              ksoftirqd, per CPU time split, over the ordinary load) and
#              DIR/slow.txt (the slowest 1 % of ordinary queries:
#              latency@seconds after the ordinary load began)
#   FL_LEAD=S  seconds the flood runs before the ordinary load starts
#              (default 1; 0 measures the flood's onset too)
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
GENS=first
while getopts "b:f:o:t:k:m:z:p:h" opt; do
  case "$opt" in
  b) BUILD=$OPTARG ;;
  f) FLOOD=$OPTARG ;;
  o) ORD=$OPTARG ;;
  t) SECS=$OPTARG ;;
  k) ROUNDS=$OPTARG ;;
  m) MODES=$OPTARG ;;
  z) ZONE=$OPTARG ;;
  p) GENS=$OPTARG ;;
  h) sed -n '2,60p' "$0"; exit 0 ;;
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
for g in $GENS; do case "$g" in idle|nice|none|first|pin) ;; *) die "-p: '$g' is not idle, nice, none, first or pin" ;; esac; done
# gen_cmd SETTING: the command prefix that schedules a load generator so
gen_cmd() {
  case "$1" in
  idle) echo "chrt --idle 0" ;;
  nice) echo "nice -n 19" ;;
  none|first) echo "" ;;
  pin) echo "taskset -c 0" ;;
  esac
}
# servers_nice N: every thread of every process in the namespace but the
# clients (dig, dnsperf) at nice N (boltdns and NSD; first: -10, else 0)
servers_nice() {
  local p t c
  for p in $(ip netns pids "$NS" 2>/dev/null); do
    read -r c < "/proc/$p/comm" 2>/dev/null || continue
    case "$c" in dig|dnsperf|chrt|nice) continue ;; esac
    for t in /proc/$p/task/*; do renice -n "$1" -p "${t##*/}" >/dev/null 2>&1 || true; done
  done
}
# servers_pin CPUS: every thread of boltdns and NSD on CPUS (taskset)
servers_pin() {
  local p c
  for p in $(ip netns pids "$NS" 2>/dev/null); do
    read -r c < "/proc/$p/comm" 2>/dev/null || continue
    case "$c" in dig|dnsperf|chrt|nice|taskset) continue ;; esac
    taskset -a -p -c "$1" "$p" >/dev/null 2>&1 || true
  done
}

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

# snap FILE: every thread of every process in the namespace (boltdns, NSD,
# dnsperf) with its CPU time, its time waiting on a run queue and its number
# of runs (/proc/PID/task/TID/schedstat, ns), and the CPUs' softirq time
# (/proc/stat, USER_HZ) and the ksoftirqd threads' schedstat: diff two with
# diag_of. Only with FL_DIAG=1.
snap() {
  local p t c
  {
    for p in $(ip netns pids "$NS" 2>/dev/null); do
      for t in /proc/$p/task/*; do
        c=$(tr ' ' '_' < "$t/comm" 2>/dev/null) || continue
        # (the ordinary client starts after the first snapshot and ends
        # before the second: only the flood's sender is seen in both)
        [ "$c" = dnsperf ] && c=dnsperf_flood
        printf 'T %s %s %s %s\n' "$p" "${t##*/}" "$c" "$(cat "$t/schedstat" 2>/dev/null)"
      done
    done
    for t in /proc/[0-9]*/comm; do
      read -r c < "$t" 2>/dev/null || continue
      case "$c" in ksoftirqd/*) p=${t%/comm}; printf 'T %s %s %s %s\n' "${p#/proc/}" "${p#/proc/}" "$c" "$(cat "$p/schedstat")" ;; esac
    done
    awk '/^cpu[0-9]/ { print "C", $1, $2 + $3, $4, $5, $7, $8 }' /proc/stat
  } > "$1"
}
# diag_of BEFORE AFTER SECS: per command name (threads of one name summed)
# CPU ms, run-queue wait ms, runs; per CPU user/system/idle/irq/softirq %.
diag_of() {
  awk -v secs="$3" '
    FNR == NR && $1 == "T" { run[$3] = $5; wait[$3] = $6; n[$3] = $7; next }
    FNR == NR && $1 == "C" { for (i = 3; i <= 7; i++) c0[$2, i] = $i; next }
    $1 == "T" { k = $4; sub(/[-:][0-9]+$/, "", k)
                cpu[k] += ($5 - run[$3]) / 1e6; wt[k] += ($6 - wait[$3]) / 1e6; ns[k] += $7 - n[$3] }
    $1 == "C" { printf "cpu %s user %.0f%% sys %.0f%% idle %.0f%% irq %.0f%% softirq %.0f%%\n", $2,
                  ($3 - c0[$2, 3]) / secs, ($4 - c0[$2, 4]) / secs, ($5 - c0[$2, 5]) / secs,
                  ($6 - c0[$2, 6]) / secs, ($7 - c0[$2, 7]) / secs }
    END { for (k in cpu) if (cpu[k] >= 1 || wt[k] >= 1)
            printf "%-18s cpu_ms %8.1f wait_ms %8.1f runs %8d wait_us_per_run %6.1f\n", k, cpu[k], wt[k], ns[k],
                   ns[k] ? 1000 * wt[k] / ns[k] : 0 }' "$1" "$2"
}

stat_of() { awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }' "$2" 2>/dev/null || echo 0; }

# One measurement: prints "success p50 p99 flood_answered_qps zone_hits server_hits nxcut ring_drops
# rate_hits down_hits upstream cp_cpu_ms dp_throttled dp_passed dp_nsec" (a counter the build lacks
# prints 0; cp_cpu_ms: the control plane's CPU time, user + system, over the whole round; dp_throttled
# and dp_passed: misses under throttled zones the dataplane answered itself, and handed on; dp_nsec:
# misses the dataplane answered NXDOMAIN from published NSEC ranges, boltdns/negrange.h).
measure() {   # measure MODE ROUND GENS
  local mode=$1 round=$2 gen dir=$WORK/$1-$3-$2 tag
  gen=$(gen_cmd "$3")
  mkdir -p "$dir"
  start_boltdns "$mode" "$dir"
  case "$3" in
  first) servers_nice -10; servers_pin 0-$(($(nproc) - 1)) ;;
  pin) servers_nice -10; servers_pin 1 ;;
  *) servers_nice 0; servers_pin 0-$(($(nproc) - 1)) ;;
  esac
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
    in_ns $gen dnsperf -s "$ADDR" -d "$dir/flood.txt" $once -Q "$FLOOD" -q 10000 -t 2 -l $((SECS + 2)) \
      > "$dir/flood-perf.txt" 2>&1 &
    fpid=$!
    sleep "${FL_LEAD:-1}"
  fi
  [ -n "${FL_DIAG:-}" ] && snap "$dir/snap0"
  in_ns $gen dnsperf -s "$ADDR" -d "$dir/ord.txt" -n 1 -Q "$ORD" -q 1000 -t 2 -v \
    > "$dir/ord-perf.txt" 2>&1 || true
  if [ -n "${FL_DIAG:-}" ]; then
    snap "$dir/snap1"
    diag_of "$dir/snap0" "$dir/snap1" "$SECS" | sort -k3 -g -r > "$dir/diag.txt"
    # when the slowest 1 % of the ordinary queries were sent (the name's
    # index / ORD: seconds after the ordinary load began, 1 s into the flood)
    awk -v q="$ORD" '/^> NOERROR/ { split($3, a, "-"); i = substr(a[1], 2); print $NF * 1000, i / q }' \
      "$dir/ord-perf.txt" | sort -g -r | head -$((ORD * SECS / 100)) |
      awk '{ printf "%.2fms@%.2fs ", $1, $2 } END { print "" }' > "$dir/slow.txt"
  fi
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

log "flood $FLOOD qps under $ZONE, ordinary $ORD qps under wild.dom2.boltorg, $SECS s, $ROUNDS rounds, generators: $GENS, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
for g in $GENS; do for m in $MODES; do : > "$WORK/$m-$g.txt"; done; done
for r in $(seq "$ROUNDS"); do
  for g in $GENS; do
    for m in $MODES; do
      line=$(measure "$m" "$r" "$g")
      log "round $r $m ($g, load $(cut -d' ' -f1 /proc/loadavg)): success% p50 p99 flood_qps zone_hits server_hits nxcut ring_drops rate_hits down_hits upstream cp_cpu_ms dp_throttled dp_passed dp_nsec = $line"
      echo "$line" >> "$WORK/$m-$g.txt"
    done
  done
done
log "load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
med() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
printf '%-15s %-5s %9s %8s %8s %10s %10s %12s %10s %11s %10s %10s %10s %10s %10s %10s %10s\n' mode gens \
  success% p50_ms p99_ms flood_qps zone_hits server_hits nxcut ring_drops rate_hits down_hits upstream \
  cp_cpu_ms dp_thr dp_pass dp_nsec
for g in $GENS; do
  for m in $MODES; do
    f=$WORK/$m-$g.txt
    printf '%-15s %-5s' "$m" "$g"
    for c in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
      printf ' %9s' "$(awk -v c=$c '{ print $c }' "$f" | med)"
    done
    echo
  done
done
# p99 per round, and each mode's p99 over base's of the same round (median)
for g in $GENS; do
  printf 'p99 per round (%s):' "$g"
  for m in $MODES; do printf ' %s %s;' "$m" "$(awk '{ printf "%s/", $3 }' "$WORK/$m-$g.txt")"; done
  echo
  [ -s "$WORK/base-$g.txt" ] || continue
  for m in $MODES; do
    [ "$m" = base ] && continue
    printf 'p99 %s/base paired by round (%s), median: %s\n' "$m" "$g" \
      "$(paste -d' ' "$WORK/$m-$g.txt" "$WORK/base-$g.txt" | awk '{ printf "%.3f\n", $3 / $18 }' | med)"
  done
done
