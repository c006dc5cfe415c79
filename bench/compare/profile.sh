#!/usr/bin/env bash
# Where one server's CPU goes under one of bench/compare/run.sh's loads: a
# system-wide perf profile of the server CPU while the load runs, split into
# the server's own code, its libraries (DPDK PMDs), its system calls, the
# kernel's softirq network work and idle. See bench/README.md, "Where the
# cycles go".
#
#   bench/compare/profile.sh [--server NAME] [--workload hot|realistic]
#                            [--method budget|flat] [--seconds N] [--out DIR]
#
# NAME: any server of run.sh (boltdns-xdp, boltdns-socket, unbound, kresd,
# pdns-recursor, dnsdist) or reflector-xdp / reflector-packet (the bare
# reflector on a net_af_xdp / net_af_packet port: the path with no DNS work).
# budget: dnsperf from the client namespace, the server's cgroup at
# BUDGET_PCT % of one core (as run.sh's method 1); flat: boltdns-loadgen flat
# out, no quota (method 2). The hot workload warms the cache first.
# Writes DIR/perf.data, DIR/summary.txt (also printed) and the load's output;
# DIR defaults to /tmp/boltdns-profile/NAME-WORKLOAD-METHOD.
# Needs root and perf. Timing: run it under the benchmark lock like run.sh.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BB_ROOT=$ROOT
. "$HERE/lib.sh"
. "$HERE/servers.sh"

SERVER=boltdns-xdp
WORKLOAD=hot
METHOD=budget
SECS=5
OUTDIR=""
BUDGET_PCT=${BUDGET_PCT:-10}
WIN_HOT=${WIN_HOT:-500}
WIN_COLD=${WIN_COLD:-200}
SOCKBUF=${SOCKBUF:-4194304}
PERF_FREQ=${PERF_FREQ:-2000}  # samples per second of the server CPU (cpu-clock)
BB_SERVER_CPU=${BB_SERVER_CPU:-0}
BB_CLIENT_CPU=${BB_CLIENT_CPU:-1}
BB_BUILD=${BB_BUILD:-$ROOT/build-bench}
BB_PEERS=$ROOT/bench/peers
while [ $# -gt 0 ]; do
  case "$1" in
  --server) SERVER=$2; shift ;;
  --workload) WORKLOAD=$2; shift ;;
  --method) METHOD=$2; shift ;;
  --seconds) SECS=$2; shift ;;
  --out) OUTDIR=$2; shift ;;
  -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
  *) bb_die "unknown argument $1 (see --help)" ;;
  esac
  shift
done
case "$WORKLOAD" in hot|realistic) ;; *) bb_die "--workload: hot or realistic, not '$WORKLOAD'" ;; esac
case "$METHOD" in budget|flat) ;; *) bb_die "--method: budget or flat, not '$METHOD'" ;; esac
case "$SECS" in ''|*[!0-9]*) bb_die "--seconds: a whole number, not '$SECS'" ;; esac
[ "$SECS" -ge 1 ] || bb_die "--seconds: at least 1"
[ "$(id -u)" -eq 0 ] || bb_die "must run as root (namespaces, cgroups, perf -a)"
for t in ip dig dnsperf perf python3 taskset; do
  command -v "$t" >/dev/null 2>&1 || bb_die "'$t' not found"
done
OUTDIR=${OUTDIR:-/tmp/boltdns-profile/$SERVER-$WORKLOAD-$METHOD}
rm -rf "$OUTDIR"
mkdir -p "$OUTDIR"
WORK=$OUTDIR
export BB_SERVER_CPU BB_CLIENT_CPU BB_BUILD BB_PEERS

LOADGEN=$BB_BUILD/bench/loadgen/boltdns-loadgen
REFLECTOR=$BB_BUILD/bench/loadgen/boltdns-reflector
for b in "$LOADGEN" "$REFLECTOR" "$BB_BUILD/dataplane/boltdns-dp"; do
  [ -x "$b" ] || bb_die "$b missing: build $BB_BUILD first (meson compile -C $BB_BUILD)"
done
BB_BOLT_EAL=${BB_BOLT_EAL:-"-l $BB_SERVER_CPU --no-huge -m 512 --no-pci --file-prefix=boltbench --log-level=lib.eal:error --vdev=net_af_xdp0,iface=$BB_VS"}
BB_BOLT_XDP=${BB_BOLT_XDP:-$BB_BUILD/dataplane/xdp/boltdns_xdp.o}
[ -f "$BB_BOLT_XDP" ] || BB_BOLT_XDP=""
export BB_BOLT_EAL BB_BOLT_XDP
LG_EAL=(-l "$BB_CLIENT_CPU" --no-huge --no-shconf -m 512
        "--vdev=net_af_packet0,iface=$BB_VC,blocksz=4096,framesz=2048,framecnt=8192")

python3 "$HERE/gen-queries.py" --queries 300000 "$WORK/q" >/dev/null
case "$WORKLOAD" in hot) QF=$WORK/q/hot.txt; WIN=$WIN_HOT ;; *) QF=$WORK/q/zipf.txt; WIN=$WIN_COLD ;; esac

HIER_STARTED=0
SYSCTL_SAVED=()
LOAD_PID=""
cleanup() {
  set +e
  local kv
  [ -n "$LOAD_PID" ] && kill "$LOAD_PID" 2>/dev/null
  for kv in "${SYSCTL_SAVED[@]}"; do sysctl -qw "$kv" >/dev/null; done
  bb_cg_quota max 2>/dev/null
  bb_cg_remove 2>/dev/null
  bb_net_down
  if [ "$HIER_STARTED" = 1 ]; then bash "$ROOT/tests/hierarchy/stop.sh" >/dev/null 2>&1; fi
  rm -f /dev/shm/boltbench-region
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for k in net.core.rmem_default net.core.wmem_default net.core.rmem_max net.core.wmem_max; do
  SYSCTL_SAVED+=("$k=$(sysctl -n "$k")")
  sysctl -qw "$k=$SOCKBUF" >/dev/null
done
bb_net_up
for k in net.core.rmem_default net.core.wmem_default net.core.rmem_max net.core.wmem_max; do
  ip netns exec "$BB_NS" sysctl -qw "$k=$SOCKBUF" >/dev/null 2>&1 || true
done
bb_cg_init
bb_cg_stop_all

# the fake hierarchy answers (it is shared: someone may stop it mid-run)
hier_up() {
  dig +norec +time=1 +tries=1 @198.18.1.1 . SOA >/dev/null 2>&1 &&
    dig +norec +time=1 +tries=1 @198.18.1.20 h0001.bulk.boltnet A 2>/dev/null | grep -q 'status: NOERROR'
}

DST=$BB_SERVER_IP
case "$SERVER" in
reflector-xdp|reflector-packet)
  DST=$BB_REFLECT_IP
  if [ "$SERVER" = reflector-xdp ]; then vdev="net_af_xdp1,iface=$BB_VS"; else vdev="net_af_packet1,iface=$BB_VS"; fi
  bb_cg_spawn "$WORK/reflector.log" "$REFLECTOR" -l "$BB_SERVER_CPU" --no-huge --no-shconf -m 256 \
    "--vdev=$vdev" -- --ip "$BB_REFLECT_IP" >/dev/null
  bb_wait_dns "$BB_REFLECT_IP" 53 15 || bb_die "the reflector does not answer (see $WORK/reflector.log)"
  ;;
*)
  BB_HINTS=$ROOT/tests/hierarchy/root.hints
  if ! hier_up; then
    HIER_STARTED=1
    BB_HINTS=$(bash "$ROOT/tests/hierarchy/start.sh" 2>"$WORK/hierarchy.log" | tail -n1) ||
      bb_die "the fake hierarchy did not start (see $WORK/hierarchy.log)"
  fi
  export BB_HINTS
  bb_server_start "$SERVER" "$WORK/run" || bb_die "$SERVER did not start: $BB_SKIP_REASON"
  if [ "$WORKLOAD" = hot ]; then
    # two paced passes fill the cache; the third must come from it
    for pass in 1 2 3; do
      bb_client dnsperf -s "$DST" -d "$QF" -n 1 -l 6 -t 1 -q 200 -Q 4000 > "$WORK/warm$pass.txt" 2>&1 || true
    done
  fi
  ;;
esac

# The load runs SECS + 3 s; the profile covers SECS s from its second second.
if [ "$METHOD" = budget ]; then
  bb_cg_quota "$BUDGET_PCT"
  bb_client dnsperf -s "$DST" -d "$QF" -l $((SECS + 3)) -t 2 -q "$WIN" -b 4096 > "$WORK/load.txt" 2>&1 &
else
  ip netns exec "$BB_NS" "$LOADGEN" "${LG_EAL[@]}" -- --queries "$QF" --src-ip "$BB_LOADGEN_IP" \
    --dst-ip "$DST" --dst-mac "$BB_VS_MAC" --duration $((SECS + 3)) --outstanding "$WIN" \
    --timeout 1000 --wait 500 --label "$SERVER/$WORKLOAD" > "$WORK/load.txt" 2>&1 &
fi
LOAD_PID=$!
sleep 1.5
# the server's threads now (pid/tid), for "charged to the server's cgroup"
tasks_file=$BB_CG_CPU/tasks
[ -f "$tasks_file" ] || tasks_file=$BB_CG_CPU/cgroup.threads
cat "$tasks_file" > "$WORK/tids.txt" 2>/dev/null || true
# CPU time of each of the server's processes (all threads, ns), and the
# cgroup's throttling counters: who in the group spends the budget
proc_ns() {
  local p
  for p in $(bb_cg_pids); do
    echo "$p $(tr -d '()' < "/proc/$p/comm" 2>/dev/null) $(cat /proc/"$p"/task/*/schedstat 2>/dev/null | awk '{ s += $1 } END { printf "%.0f", s }')"
  done
}
throttle() { cat "$BB_CG_CPU/cpu.stat" 2>/dev/null | tr '\n' ' '; }
proc_ns > "$WORK/proc0.txt"
thr0=$(throttle)
u0=$(bb_cg_usage_ns); t0=$(date +%s%N)
read -r -a st0 < <(grep "^cpu$BB_SERVER_CPU " /proc/stat)
# system calls per thread of the server over the same seconds (wake-up
# kicks of a PMD, naps of an idle lcore, socket I/O)
perf stat -x, --per-thread -p "$(bb_cg_pids | paste -sd, -)" -o "$WORK/syscalls.csv" \
  -e syscalls:sys_enter_recvfrom,syscalls:sys_enter_sendto,syscalls:sys_enter_poll,syscalls:sys_enter_clock_nanosleep,syscalls:sys_enter_recvmmsg,syscalls:sys_enter_sendmmsg \
  -- sleep "$SECS" > "$WORK/perf-stat.log" 2>&1 &
STAT_PID=$!
perf record -q -C "$BB_SERVER_CPU" -e cpu-clock -F "$PERF_FREQ" -g -o "$WORK/perf.data" -- sleep "$SECS" \
  > "$WORK/perf-record.log" 2>&1
wait "$STAT_PID" || true
read -r -a st1 < <(grep "^cpu$BB_SERVER_CPU " /proc/stat)
u1=$(bb_cg_usage_ns); t1=$(date +%s%N)
thr1=$(throttle)
proc_ns > "$WORK/proc1.txt"
cat "$tasks_file" >> "$WORK/tids.txt" 2>/dev/null || true
wait "$LOAD_PID" || true
LOAD_PID=""
bb_cg_quota max

# /proc/stat of the server CPU over the profile (USER_HZ ticks):
# user nice system idle iowait irq softirq
{
  echo "server=$SERVER workload=$WORKLOAD method=$METHOD seconds=$SECS budget_pct=$([ "$METHOD" = budget ] && echo "$BUDGET_PCT" || echo none)"
  # perf takes a while to start: CPU over the measured interval, not SECS
  echo "cgroup_cpu_pct=$(awk -v n=$((u1 - u0)) -v t=$((t1 - t0)) 'BEGIN { printf "%.1f", n / t * 100 }') over $(awk -v t=$((t1 - t0)) 'BEGIN { printf "%.2f", t / 1e9 }') s"
  echo "cgroup cpu.stat before: $thr0"
  echo "cgroup cpu.stat after:  $thr1"
  awk -v t=$((t1 - t0)) 'NR == FNR { a[$1] = $3; next } ($1 in a) { printf "process %s (%s): %.1f %% of a core\n", $2, $1, ($3 - a[$1]) / t * 100 }' \
    "$WORK/proc0.txt" "$WORK/proc1.txt"
  # per thread: "comm-tid,count,,event,..." -> system calls per second
  awk -F, -v s="$SECS" '$2 ~ /^[0-9]+$/ && $2 > 0 { sub(/syscalls:sys_enter_/, "", $4); printf "syscalls/s %s %s: %.0f\n", $1, $4, $2 / s }' \
    "$WORK/syscalls.csv" 2>/dev/null
  echo "procstat_ticks user=$(( st1[1] - st0[1] + st1[2] - st0[2] )) system=$(( st1[3] - st0[3] )) idle=$(( st1[4] - st0[4] + st1[5] - st0[5] )) irq=$(( st1[6] - st0[6] )) softirq=$(( st1[7] - st0[7] ))"
  case "$SERVER" in
  reflector-*) ;;
  *) hier_up || echo "WARNING: the fake hierarchy stopped answering during the run: misses failed" ;;
  esac
  if [ "$METHOD" = budget ]; then
    echo "load: $(grep -E 'Queries per second|Queries lost|Average Latency|Response codes' "$WORK/load.txt" | tr -s ' ' | tr '\n' ';')"
  else
    echo "load: $(grep '^RESULT' "$WORK/load.txt" | grep -oE '(answer_qps|lost_pct|avg_us|p99_us|noerror|nxdomain|servfail)=[^ ]*' | tr '\n' ' ')"
  fi
} > "$WORK/meta.txt"
perf script -i "$WORK/perf.data" -F comm,pid,tid,ip,sym,dso 2>/dev/null > "$WORK/perf.script"
python3 "$HERE/profile-report.py" --script "$WORK/perf.script" --tids "$WORK/tids.txt" \
  --meta "$WORK/meta.txt" | tee "$WORK/summary.txt"
bb_log "profile: $WORK/perf.data ($WORK/summary.txt; perf report -i $WORK/perf.data for more)"
