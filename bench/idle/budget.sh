#!/usr/bin/env bash
# The shipped example configuration against Unbound at an equal CPU budget,
# cache-hot: does the dataplane's idle-sleep default (auto: nap on shared or
# quota-limited CPUs) give back what a busy poller would burn?
#
#   bench/idle/budget.sh [-b BUILD] [-r ROUNDS] [-p PCT] [-d SECONDS] [-s "SERVERS"] [-o PREFIX]
#
#   -b BUILD    meson build with boltdns-dp and boltdns-cp (default build)
#   -r ROUNDS   interleaved rounds (default 5): every server once per round
#   -p PCT      CPU quota of the whole server, % of one core (default 5)
#   -d SECONDS  dnsperf time per measurement (default 4)
#   -s SERVERS  any of "boltdns unbound" (default both)
#   -i SLEEP    boltdns: set idle-sleep = SLEEP instead of leaving it unset
#   -o PREFIX   results: PREFIX-raw.txt (a header, then the lines printed
#               per measurement), PREFIX.md (bench/idle/report.py's tables,
#               the ratio's median against the target of 2, the changes to
#               the example) and PREFIX.png (with its .dat; gnuplot)
#               (default bench/results/DATE-budget, DATEb-budget, ... when it exists)
#
# boltdns runs deploy/boltdns.conf.example with only what ties it to a
# machine changed (the list is printed, and kept in WORK/boltdns/run/):
# the port (iface= of the af_xdp vdev: the server end of the benchmark's
# veth; without queue_count=2, as the af_xdp PMD sees one queue on a veth,
# so the second lcore has no queue and idles all the time), the EAL's
# memory (--no-huge -m 512: no hugetlbfs mounted here) and file prefix, the
# service and TCP addresses, the region and control-socket paths, no metrics
# listener, no outgoing address, the fake hierarchy's root hints, DNSSEC
# validation off (the fake root is not signed with the real root's key) and
# no rate limit (dnsperf is a single client address). Everything that shapes
# CPU use stays: io = dpdk, two lcores (-l 0-1), idle-sleep
# not set, cookies, prefetch, serve-stale. Unbound: bench/peers/unbound.conf.in
# (one thread) as bench/compare/run.sh runs it.
#
# Both servers run in one cgroup (bench/compare/lib.sh) on CPUs 0-1 with a
# quota of PCT % of one core over a 20 ms period (5 % = 1000 us, the
# smallest quota cgroup v1 takes); dnsperf runs in the client namespace on
# CPU 1 with 1000 queries in flight over the 4000 names of the hot workload,
# after the cache was warmed (passes until one sends nothing upstream).
# Prints one line per measurement and the medians with the ratio
# boltdns / Unbound of each round. Needs root, dnsperf, unbound, DPDK.
# Take the bench lock: flock /tmp/boltdns-bench.lock bench/idle/budget.sh
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CMDLINE="$0$(printf ' %q' "$@")"
BB_ROOT=$ROOT
BUILD=build
ROUNDS=5
BUDGET_PCT=5
DUR=4
SERVERS="boltdns unbound"
IDLE_SLEEP=""
OUT=""
while getopts "b:r:p:d:s:i:o:h" opt; do
  case "$opt" in
  b) BUILD=$OPTARG ;;
  r) ROUNDS=$OPTARG ;;
  p) BUDGET_PCT=$OPTARG ;;
  d) DUR=$OPTARG ;;
  s) SERVERS=$OPTARG ;;
  i) IDLE_SLEEP=$OPTARG ;;
  o) OUT=$OPTARG ;;
  h) sed -n '2,/^set -euo/{/^#/p}' "$0"; exit 0 ;;
  *) exit 2 ;;
  esac
done
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
export BB_NS=${BB_NS:-boltbudget} BB_SUBNET=${BB_SUBNET:-201} BB_CG=${BB_CG:-boltbudget}
export BB_CG_PERIOD_US=${BB_CG_PERIOD_US:-20000}
. "$ROOT/bench/compare/lib.sh"
. "$ROOT/bench/compare/servers.sh"
BB_SERVER_CPU=0-1
BB_CLIENT_CPU=1
BB_BUILD=$BUILD
BB_PEERS=$ROOT/bench/peers
WORK=${WORK:-/tmp/boltdns-budget}
REGION=/dev/shm/boltbudget-region
# EXAMPLE: another configuration to start from (an older example, for a before/after)
EXAMPLE=${EXAMPLE:-$ROOT/deploy/boltdns.conf.example}
[ "$(id -u)" -eq 0 ] || bb_die "must run as root"
for t in ip dig dnsperf python3 taskset; do command -v "$t" >/dev/null || bb_die "'$t' not found"; done
# today's file, or the next free suffix: never overwrite earlier results
[ -n "$OUT" ] || OUT=$(python3 "$ROOT/bench/idle/report.py" prefix --root "$ROOT" budget)
mkdir -p "$(dirname "$OUT")"
# the header now (the load average at the start); the file once set up
HEADER=$(python3 "$ROOT/bench/idle/report.py" header --root "$ROOT" --build "$BUILD" --cmd "$CMDLINE" \
  --param "rounds=$ROUNDS pct=$BUDGET_PCT quota_us=$((BB_CG_PERIOD_US * BUDGET_PCT / 100)) period_us=$BB_CG_PERIOD_US dnsperf_s=$DUR servers=${SERVERS// /,} idle_sleep=${IDLE_SLEEP:-unset} example=${EXAMPLE#"$ROOT"/} unbound=$(unbound -V 2>/dev/null | awk 'NR == 1 { print $2 }')")

rm -rf "$WORK"
mkdir -p "$WORK"
RAW=$WORK/raw.txt
: > "$RAW"
python3 "$ROOT/bench/compare/gen-queries.py" --queries 1000 --miss 10 "$WORK/q" >/dev/null
Q=$WORK/q

HIER_STARTED=0
SYSCTL_SAVED=()
cleanup() {
  set +e
  local kv
  for kv in "${SYSCTL_SAVED[@]}"; do sysctl -qw "$kv" >/dev/null; done
  bb_cg_quota max 2>/dev/null
  bb_cg_remove 2>/dev/null
  bb_net_down
  if [ "$HIER_STARTED" = 1 ]; then bash "$ROOT/tests/hierarchy/stop.sh" >/dev/null 2>&1; fi
  rm -f "$REGION"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for k in net.core.rmem_default net.core.wmem_default net.core.rmem_max net.core.wmem_max; do
  SYSCTL_SAVED+=("$k=$(sysctl -n "$k")")
  sysctl -qw "$k=4194304" >/dev/null || true
done
bb_net_up
for k in net.core.rmem_default net.core.wmem_default net.core.rmem_max net.core.wmem_max; do
  ip netns exec "$BB_NS" sysctl -qw "$k=4194304" >/dev/null 2>&1 || true
done
bb_cg_init
bb_cg_stop_all
BB_HINTS=$ROOT/tests/hierarchy/root.hints
hier_up() {
  dig +norec +time=1 +tries=1 @198.18.1.1 . SOA >/dev/null 2>&1 &&
    dig +norec +time=1 +tries=1 @198.18.1.20 h0001.bulk.boltnet A 2>/dev/null | grep -q 'status: NOERROR'
}
if ! hier_up; then
  HIER_STARTED=1
  bash "$ROOT/tests/hierarchy/start.sh" >"$WORK/hierarchy.log" 2>&1 ||
    bb_die "the fake hierarchy did not start (see $WORK/hierarchy.log)"
fi
export BB_HINTS

# deploy/boltdns.conf.example, tied to this machine (see the top).
boltdns_conf() {   # boltdns_conf WORKDIR
  local w=$1
  sed -e "s|iface=eth1,queue_count=2|iface=$BB_VS|" \
      -e "s|--file-prefix boltdns|--file-prefix boltbudget --no-huge -m 512 --no-pci --log-level=lib.eal:error|" \
      -e "s|^address = .*|address = $BB_SERVER_IP|" \
      -e "s|^path = .*|path = $REGION|" \
      -e "s|^socket = .*|socket = $w/control.sock|" \
      -e "s|^tcp-listen = .*|tcp-listen = $BB_SERVER_IP|" \
      -e "s|^metrics = .*|metrics =|" \
      -e "/^outgoing = /d" \
      -e "s|^root-hints = .*|root-hints = $BB_HINTS|" \
      -e "s|^validation = yes|validation = no|" \
      -e "s|^trust-anchor-state = .*|trust-anchor-state = $w/root.key|" \
      -e "s|^rate = 500|rate = 0|" \
      "$EXAMPLE" > "$w/boltdns.conf"
  if [ -n "$IDLE_SLEEP" ]; then
    sed -i "s|^#idle-sleep = auto|idle-sleep = $IDLE_SLEEP|" "$w/boltdns.conf"
  fi
  diff "$EXAMPLE" "$w/boltdns.conf" > "$w/changes.diff" || true
}

start_server() {   # start_server NAME WORKDIR
  local s=$1 w=$2
  bb_cg_stop_all
  if [ "$s" != boltdns ]; then
    bb_server_start "$s" "$w"
    return
  fi
  rm -rf "$w"
  mkdir -p "$w"
  rm -f "$REGION"
  boltdns_conf "$w"
  bb_cg_spawn "$w/dp.log" "$BUILD/dataplane/boltdns-dp" -c "$w/boltdns.conf" >/dev/null
  for _ in $(seq 100); do [ -e "$REGION" ] && break; sleep 0.1; done
  bb_cg_spawn "$w/cp.log" "$BUILD/control/boltdns-cp" -c "$w/boltdns.conf" >/dev/null
  bb_up_or_skip boltdns "$w/dp.log"
}

warm() {   # warm SERVER ROUND
  local s=$1 r=$2 pass lo0 lo1 out n rate=4000 done_n
  n=$(wc -l < "$Q/hot.txt")
  for pass in 1 2 3 4; do
    lo0=$(bb_lo_rx)
    out=$WORK/$s/r$r-warm$pass.txt
    bb_client dnsperf -s "$BB_SERVER_IP" -d "$Q/hot.txt" -n 1 -l 6 -t 1 -q 200 -Q "$rate" > "$out" 2>&1 || true
    lo1=$(bb_lo_rx)
    done_n=$(awk '/Queries completed:/ { print $3 }' "$out")
    if [ $((lo1 - lo0)) -le $((n / 200 + 10)) ] && [ "${done_n:-0}" -ge $((n * 99 / 100)) ]; then
      echo "passes=$pass"
      return 0
    fi
    [ "${done_n:-0}" -ge $((n * 99 / 100)) ] || [ "$rate" -le 500 ] || rate=$((rate / 2))
  done
  echo "passes=$pass(not-warm)"
}

# CPU ns of every thread in the group: "PID/TID COMM NS" lines.
threads_ns() {
  local p t
  for p in $(bb_cg_pids); do
    for t in /proc/"$p"/task/*; do
      awk -v id="${t#/proc/}" -v comm="$(tr ' ' _ < "$t/comm" 2>/dev/null)" \
        '/^se.sum_exec_runtime/ { printf "%s %s %.0f\n", id, comm, $3 * 1e6 }' "$t/sched" 2>/dev/null || true
    done
  done
}

measure() {   # measure SERVER ROUND
  local s=$1 r=$2 out u0 u1 t0 t1
  out=$WORK/$s/r$r-hot-budget.dnsperf
  threads_ns > "$out.threads0"
  bb_cg_quota "$BUDGET_PCT"
  u0=$(bb_cg_usage_ns); t0=$(date +%s%N)
  bb_client dnsperf -s "$BB_SERVER_IP" -d "$Q/hot.txt" -l "$DUR" -t 2 -q 1000 -b 4096 > "$out" 2>&1 || true
  t1=$(date +%s%N); u1=$(bb_cg_usage_ns)
  bb_cg_quota max
  threads_ns > "$out.threads1"
  # each thread's share of the measurement, % of one core (stderr, and kept)
  awk -v t=$((t1 - t0)) 'NR == FNR { a[$1] = $3; next }
    { d = $3 - a[$1]; if (d > 0) printf "  %-24s %-16s %6.2f %%\n", $1, $2, 100 * d / t }' \
    "$out.threads0" "$out.threads1" > "$out.threads"
  sort -k3 -rn "$out.threads" | head -8 >&2
  awk -v u=$((u1 - u0)) -v t=$((t1 - t0)) '
    /Queries per second:/ { qps = $4 }
    /Queries lost:/ { lost = $4; gsub(/[()%]/, "", lost) }
    /Average Latency/ { avg = $4 * 1e6 }
    /Response codes:/ { $1 = ""; $2 = ""; rc = $0; gsub(/^ +/, "", rc); gsub(/ /, "_", rc) }
    END { printf "qps=%.0f lost_pct=%s avg_us=%.0f cpu_pct=%.2f rcodes=%s\n", qps, lost, avg, 100 * u / t, rc }' "$out"
}

printf '%s\n' "$HEADER" > "$OUT-raw.txt"
bb_log "budget $BUDGET_PCT % of one core (quota $((BB_CG_PERIOD_US * BUDGET_PCT / 100)) us per ${BB_CG_PERIOD_US} us), $ROUNDS rounds, servers: $SERVERS"
for r in $(seq "$ROUNDS"); do
  for s in $SERVERS; do
    mkdir -p "$WORK/$s"
    if ! start_server "$s" "$WORK/$s/run"; then
      echo "round=$r server=$s skipped: $BB_SKIP_REASON" | tee -a "$RAW" "$OUT-raw.txt"
      continue
    fi
    w=$(warm "$s" "$r")
    m=$(measure "$s" "$r")
    echo "round=$r server=$s $w $m" | tee -a "$RAW" "$OUT-raw.txt"
    [ "$s" != boltdns ] || cp "$WORK/$s/run/dp.log" "$WORK/$s/r$r-dp.log"
    bb_cg_stop_all
  done
done
echo "changes to deploy/boltdns.conf.example:"
sed 's/^/  /' "$WORK/boltdns/run/changes.diff" 2>/dev/null || true
DPLOG_LINE=$(grep -h "idle-sleep" "$WORK"/boltdns/r*-dp.log 2>/dev/null | head -1 || true)
[ -z "$DPLOG_LINE" ] || echo "boltdns-dp: $DPLOG_LINE"
python3 - "$RAW" <<'PY'
import re, statistics, sys
rows = [dict(kv.split("=", 1) for kv in l.split() if "=" in kv) for l in open(sys.argv[1])]
by = {}
for r in rows:
    if "qps" in r:
        by.setdefault(r["server"], {})[r["round"]] = float(r["qps"])
for s, v in by.items():
    print(f"{s:8s} median qps {statistics.median(v.values()):9.0f}  runs {sorted(v.values())}")
if "boltdns" in by and "unbound" in by:
    rat = [by["boltdns"][k] / by["unbound"][k] for k in by["boltdns"] if k in by["unbound"] and by["unbound"][k] > 0]
    if rat:
        print(f"ratio boltdns/unbound per round {[round(x, 2) for x in rat]}, median {statistics.median(rat):.2f}")
PY
python3 "$ROOT/bench/idle/report.py" budget "$OUT-raw.txt" "$OUT.png" \
  --changes "$WORK/boltdns/run/changes.diff" --dplog-line "$DPLOG_LINE" > "$OUT.md" ||
  bb_die "bench/idle/report.py failed (the raw lines are in $OUT-raw.txt)"
echo "budget: wrote $OUT.md, $OUT-raw.txt, $OUT.png" >&2
