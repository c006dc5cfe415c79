#!/usr/bin/env bash
# Control-plane CPU per validated cache miss, boltdns against Unbound, on the
# signed fake hierarchy (issue 13: "no more than Unbound's").
#
#   bench/dnssec/valmiss.sh [-b BUILD] [-B BASE] [-n MISSES] [-r RATE] [-R ROUNDS] [-k pos|nx] [-p]
#
#   -b BUILD   meson build with boltdns-dp and boltdns-cp (default build; use a
#              release build of your own for figures)
#   -B BASE    another build measured in the same rounds as "base" (an A/B of
#              a change: the summary adds the ratio boltdns-cp / base-cp)
#   -n MISSES  unique names per run (default 1999; pos: at most 1999)
#   -r RATE    client queries per second (default 1000)
#   -R ROUNDS  runs per server (default 5); each starts the resolver cold
#   -k KIND    pos: hNNNN.bulk.boltnet A, existing names, each answer an A
#              RRset with its own RRSIG to verify (default); nx: unique
#              nonexistent names (NSEC denial; Unbound's aggressive NSEC
#              answers some of them without asking, so compare with care)
#   -p         after the last round, profile boltdns-cp over one more run
#              (perf record -g; WORK/boltdns/perf.data)
#
# Each run, in a private network namespace with the hierarchy of
# tests/hierarchy/ (bulk.boltnet is signed: ECDSA P-256, NSEC): the resolver
# starts with an empty cache, validating with the hierarchy's root key
# (bench/peers/ configurations, the same anchor for both), resolves one name
# of bulk.boltnet (zone cut, DS and DNSKEY chain now cached), then gets
# MISSES unique names at RATE with dnsperf; its CPU time (all threads,
# /proc/PID/task/*/sched) is read before and after. Per run: microseconds
# of CPU per answered miss for boltdns-cp, boltdns-dp and Unbound. The
# rounds alternate the order of the servers; the summary gives medians and
# the ratio boltdns-cp / Unbound of the medians, and of each round's pair.
#
# Needs root, dnsperf, nsd, unbound. Hold the bench lock:
#   flock /tmp/boltdns-bench.lock bench/dnssec/valmiss.sh -b build-release
# The figures are noisy on a shared machine: compare ratios within one run.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=build
MISSES=1999
RATE=1000
ROUNDS=5
KIND=pos
PROFILE=0
BASE=
while getopts "b:B:n:r:R:k:ph" opt; do
  case "$opt" in
  b) BUILD=$OPTARG ;;
  B) BASE=$OPTARG ;;
  n) MISSES=$OPTARG ;;
  r) RATE=$OPTARG ;;
  R) ROUNDS=$OPTARG ;;
  k) KIND=$OPTARG ;;
  p) PROFILE=1 ;;
  h) sed -n '2,20p' "$0"; exit 0 ;;
  *) exit 2 ;;
  esac
done
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
case "$BASE" in ''|/*) ;; *) BASE=$ROOT/$BASE ;; esac
NS=${VM_NS:-valmiss$$}
ADDR=198.18.91.1
WORK=${VM_WORK:-/tmp/boltdns-valmiss}
HINTS=$ROOT/tests/hierarchy/root.hints

die() { echo "valmiss: error: $*" >&2; exit 1; }
log() { echo "valmiss: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespace, port 53)"
for t in ip dig dnsperf unbound; do command -v "$t" >/dev/null || die "'$t' not found"; done
case "$MISSES$RATE$ROUNDS" in *[!0-9]*) die "-n, -r and -R take numbers" ;; esac
case "$KIND" in pos) [ "$MISSES" -le 1999 ] || die "-k pos: at most 1999 names" ;; nx) ;; *) die "-k pos|nx" ;; esac
for b in "$BUILD" $BASE; do
  [ -x "$b/dataplane/boltdns-dp" ] && [ -x "$b/control/boltdns-cp" ] || die "no boltdns-dp/boltdns-cp in $b"
done

BENCH_NS_REGION=/dev/shm/valmiss-$NS-region
. "$ROOT/bench/lib-ns.sh"

cpu_ns() {
  cat /proc/"$1"/task/*/sched 2>/dev/null |
    awk '/^se.sum_exec_runtime/ { s += $3 } END { printf "%.0f", s * 1e6 }'
}

wait_dns() {
  local i
  for i in $(seq 150); do
    in_ns dig +time=1 +tries=1 +short @"$ADDR" localhost A >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

bench_ns_start

# start NAME: the server cold; sets PIDS/LABELS (the processes whose CPU counts)
start() {
  local dir=$WORK/$1
  rm -rf "$dir"
  mkdir -p "$dir"
  PIDS=() LABELS=()
  case "$1" in
  boltdns|base)
    local bin=$BUILD
    [ "$1" = base ] && bin=$BASE
    rm -f "$BENCH_NS_REGION"
    sed -e "s|@ADDR@|$ADDR|g" -e "s|@WORKDIR@|$dir|g" -e "s|@HINTS@|$HINTS|g" \
        -e "s|@ANCHOR@|$WORK/hier/root.key|g" -e "s|^path = .*|path = $BENCH_NS_REGION|" \
        "$ROOT/bench/peers/boltdns-socket.conf.in" > "$dir/boltdns.conf"
    # Unbound has no per-zone limit: on a busy machine a resolution may
    # take over 100 ms and 100 in flight for bulk.boltnet would turn the
    # excess into cheap SERVFAILs, not validated misses
    sed -i '/^\[resolver\]/a max-inflight-per-zone = 0' "$dir/boltdns.conf"
    ip netns exec "$NS" "$bin/dataplane/boltdns-dp" -c "$dir/boltdns.conf" > "$dir/dp.log" 2>&1 &
    STARTED+=($!) PIDS+=($!) LABELS+=(dp)
    for _ in $(seq 50); do [ -e "$BENCH_NS_REGION" ] && break; sleep 0.1; done
    ip netns exec "$NS" "$bin/control/boltdns-cp" -c "$dir/boltdns.conf" -s "$dir/cp.stats" > "$dir/cp.log" 2>&1 &
    STARTED+=($!) PIDS+=($!) LABELS+=(cp)
    ;;
  unbound)
    sed -e "s|@ADDR@|$ADDR|g" -e "s|@PORT@|53|g" -e "s|@WORKDIR@|$dir|g" -e "s|@HINTS@|$HINTS|g" \
        -e "s|@ANCHOR@|$WORK/hier/root.key|g" "$ROOT/bench/peers/unbound.conf.in" > "$dir/unbound.conf"
    ip netns exec "$NS" unbound -d -c "$dir/unbound.conf" > "$dir/out.log" 2>&1 &
    STARTED+=($!) PIDS+=($!) LABELS+=(unbound)
    ;;
  esac
  wait_dns || die "$1 does not answer (logs in $dir)"
}

names() {   # names FILE TAG
  if [ "$KIND" = pos ]; then
    awk -v n="$MISSES" 'BEGIN { for (i = 2; i < n + 2; i++) printf "h%04d.bulk.boltnet A\n", i }' > "$1"
  else
    awk -v n="$MISSES" -v t="$2" 'BEGIN { for (i = 0; i < n; i++) printf "m%d-%s.bulk.boltnet A\n", i, t }' > "$1"
  fi
}

# run NAME ROUND: one cold run; appends "NAME ROUND LABEL US_PER_MISS ANSWERED" lines to $RES
run() {
  local s=$1 k=$2 dir=$WORK/$1 i
  start "$s"
  # zone cut and keys: the misses measured are validated with cached keys
  in_ns dig +dnssec +time=5 @"$ADDR" h0001.bulk.boltnet A > "$dir/warm.txt" 2>&1 || true
  grep -q 'flags:.* ad' "$dir/warm.txt" || die "$s: h0001.bulk.boltnet not validated (AD missing): see $dir/warm.txt"
  names "$dir/names.txt" "$s$k$$"
  sleep 0.3
  local -a c0=() c1=()
  for i in "${!PIDS[@]}"; do c0[$i]=$(cpu_ns "${PIDS[$i]}"); done
  in_ns dnsperf -s "$ADDR" -d "$dir/names.txt" -n 1 -Q "$RATE" -q 500 -t 5 -D > "$dir/dnsperf.txt" 2>&1 || true
  for i in "${!PIDS[@]}"; do c1[$i]=$(cpu_ns "${PIDS[$i]}"); done
  local answered other
  # per validated miss: the NOERROR answers (SERVFAILs would be cheap ones)
  answered=$(sed -n 's/.*NOERROR \([0-9]*\) .*/\1/p' "$dir/dnsperf.txt")
  other=$(awk '/Queries completed:/ { print $3 }' "$dir/dnsperf.txt")
  [ "${answered:-0}" -gt 0 ] || die "$s: no NOERROR answers (see $dir/dnsperf.txt)"
  [ "$answered" -eq "${other:-0}" ] || log "$s round $k: $answered NOERROR of ${other:-0} answers: $(grep 'Response codes' "$dir/dnsperf.txt")"
  # every answer validated: AD on them all (dnsperf -D sets DO; its
  # summary counts rcodes only, so look at the resolvers' own counters)
  for i in "${!PIDS[@]}"; do
    echo "$s $k ${LABELS[$i]} $(( (c1[$i] - c0[$i]) / 1000 )) $answered" >> "$RES"
  done
  if [ "$s" != unbound ]; then
    sleep 1.1
    local sec
    sec=$(awk '$1 == "dnssec_secure" { print $2 }' "$dir/cp.stats")
    [ "${sec:-0}" -ge "$answered" ] || log "$s: only ${sec:-0} secure answers for $answered"
    echo "$s $k secure ${sec:-0}" >> "$RES.check"
  fi
  kill_all "${PIDS[@]}"
}

RES=$WORK/results.txt
: > "$RES"
log "$ROUNDS rounds of $MISSES $KIND misses at $RATE/s; work directory $WORK"
for k in $(seq "$ROUNDS"); do
  if [ $((k % 2)) -eq 1 ]; then order="boltdns ${BASE:+base} unbound"; else order="unbound ${BASE:+base} boltdns"; fi
  for s in $order; do run "$s" "$k"; done
  awk -v k="$k" '$2 == k { printf "round %s %s %s: %.2f us/miss (%d answered)\n", k, $1, $3, $4 / $5, $5 }' "$RES" >&2
done

if [ "$PROFILE" = 1 ]; then
  start boltdns
  dir=$WORK/boltdns
  in_ns dig +dnssec @"$ADDR" h0001.bulk.boltnet A > /dev/null 2>&1 || true
  names "$dir/names.txt" "perf$$"
  perf record -q -g -o "$WORK/perf.data" -p "${PIDS[1]}" > "$WORK/perf.log" 2>&1 &
  perf_pid=$!
  sleep 0.5
  in_ns dnsperf -s "$ADDR" -d "$dir/names.txt" -n 1 -Q "$RATE" -q 500 -t 5 -D > /dev/null 2>&1 || true
  kill -INT "$perf_pid" 2>/dev/null || true
  wait "$perf_pid" 2>/dev/null || true
  kill_all "${PIDS[@]}"
  log "profile of boltdns-cp: perf report -i $WORK/perf.data"
fi

# Summary: per label the median of us/miss; per round the pair ratio cp/unbound.
echo "kind=$KIND misses=$MISSES rate=$RATE rounds=$ROUNDS"
awk '
  { key = $1 " " $3; v[key, $2] = $4 / $5; if (!(key in n)) keys[++nk] = key; n[key]++ }
  function median(cnt,   i, j, t) {
    for (i = 2; i <= cnt; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return cnt % 2 ? a[(cnt + 1) / 2] : (a[cnt / 2] + a[cnt / 2 + 1]) / 2
  }
  END {
    printf "%-16s %8s   %s\n", "process", "median", "per round (us CPU per validated miss)"
    for (k = 1; k <= nk; k++) {
      key = keys[k]; line = ""
      for (r = 1; r <= n[key]; r++) { a[r] = v[key, r]; line = line sprintf(" %.2f", v[key, r]) }
      med[key] = median(n[key])
      printf "%-16s %8.2f  %s\n", key, med[key], line
    }
    cp = med["boltdns cp"]; ub = med["unbound unbound"]; tot = cp + med["boltdns dp"]
    if (ub > 0) {
      printf "ratio boltdns-cp / unbound (medians): %.3f\n", cp / ub
      printf "ratio boltdns-cp+dp / unbound (medians): %.3f\n", tot / ub
      line = ""
      for (r = 1; r <= n["boltdns cp"]; r++) { a[r] = v["boltdns cp", r] / v["unbound unbound", r]; line = line sprintf(" %.3f", a[r]) }
      printf "ratio boltdns-cp / unbound per round: median %.3f (%s )\n", median(n["boltdns cp"]), line
    }
    if (med["base cp"] > 0) {
      printf "ratio boltdns-cp / base-cp (medians): %.3f\n", cp / med["base cp"]
      line = ""
      for (r = 1; r <= n["boltdns cp"]; r++) { a[r] = v["boltdns cp", r] / v["base cp", r]; line = line sprintf(" %.3f", a[r]) }
      printf "ratio boltdns-cp / base-cp per round: median %.3f (%s )\n", median(n["boltdns cp"]), line
      printf "ratio base-cp / unbound (medians): %.3f\n", med["base cp"] / ub
    }
  }' "$RES"
cat "$RES.check" 2>/dev/null | awk '{ printf "%s round %s: %s secure answers (dnssec_secure)\n", $1, $2, $4 }'
