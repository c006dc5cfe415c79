#!/usr/bin/env bash
# Does operating the control socket delay or drop dataplane answers?
#
#   sudo bench/ctl-load/run.sh [--quick]
#
# One command, as root: sets up a veth pair (tests/tools/netns.sh, subnet
# 198.18.$SUBNET.0/24), boltdns-dp with io = dpdk on a net_af_xdp port of the
# host end (one lcore on CPU $DP_CPU), boltdns-cp and a cache of 2 x $NAMES
# ordinary answers (ctl-load-seed: nNNNNNN.hot.test A, DO=0 and DO=1), then sends
# cache-hot queries with boltdns-loadgen from the namespace end at a fixed
# rate ($RATE_PCT % of what the lcore answers flat out, measured first) in
# windows of $WIN s: "base" (no control traffic) and "ctl" (control commands
# in a loop as fast as they complete, plus a /metrics scrape loop), $ROUNDS
# rounds interleaved. The load generator, boltdns-cp and the control clients
# share CPU $CLIENT_CPU; the lcore has CPU $DP_CPU to itself, as in a
# deployment with isolated lcores and housekeeping cores.
#
# Output: one RESULT-style line per window on stdout and in
# $WORK/results.txt, then a table (median [min-max] per window kind).
# Everything is torn down on exit. See bench/ctl-load/README.md.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-$ROOT/build-bench}
SUBNET=${SUBNET:-80}
NSN=${NSN:-bctlload}
DP_CPU=${DP_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
NAMES=${NAMES:-100000}      # seeded names: 2 cache entries each
HOT=${HOT:-2000}            # names the load asks (the first HOT seeded)
WIN=${WIN:-10}              # seconds per window
ROUNDS=${ROUNDS:-3}
RATE_PCT=${RATE_PCT:-75}
RATE=${RATE:-}              # fixed rate (qps); empty: RATE_PCT of capacity
WINDOW=${WINDOW:-500}       # in flight for the capacity run
WORK=${WORK:-/tmp/boltdns-ctl-load}
if [ "${1:-}" = --quick ]; then NAMES=${QUICK_NAMES:-25000} WIN=4 ROUNDS=1; fi

log() { echo "ctl-load: $*" >&2; }
die() { echo "ctl-load: error: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (namespaces, AF_XDP)"
for t in ip taskset curl python3; do command -v $t >/dev/null || die "$t not installed"; done
DP=$BUILD/dataplane/boltdns-dp CP=$BUILD/control/boltdns-cp CTL=$BUILD/control/ctl/boltctl
LG=$BUILD/bench/loadgen/boltdns-loadgen DPSTATS=$BUILD/dataplane/tools/dp-stats
SEED=$BUILD/bench/ctl-load/ctl-load-seed
XDP=$BUILD/dataplane/xdp/boltdns_xdp.o
if [ ! -x "$LG" ] || [ ! -x "$SEED" ]; then
  [ -d "$BUILD" ] || meson setup "$BUILD" "$ROOT" -Ddpdk=enabled -Dbench=enabled >/dev/null ||
    die "meson setup $BUILD failed"
  ninja -C "$BUILD" >/dev/null || die "build of $BUILD failed"
fi
for f in "$DP" "$CP" "$CTL" "$LG" "$DPSTATS" "$SEED"; do [ -x "$f" ] || die "$f missing (DPDK and -Dbench=enabled?)"; done
[ -f "$XDP" ] || XDP=""

rm -rf "$WORK"; mkdir -p "$WORK"
# Everything this script starts runs on the client CPU (the control loops'
# own shells included) except the dataplane, started on DP_CPU: a deployment
# keeps the lcore's core isolated from all housekeeping work.
taskset -cp "$CLIENT_CPU" $$ > /dev/null || die "cannot pin to CPU $CLIENT_CPU"
REGION=/dev/shm/boltdns-ctl-load-$$
SOCK=$WORK/control.sock
METRICS_PORT=9380
DP_PID="" CP_PID="" LOOP_PIDS=""

cleanup() {
  set +e
  for p in $LOOP_PIDS; do kill "$p" 2>/dev/null; done
  [ -n "$CP_PID" ] && kill "$CP_PID" 2>/dev/null
  [ -n "$DP_PID" ] && kill "$DP_PID" 2>/dev/null
  sleep 0.5
  [ -n "$CP_PID" ] && kill -9 "$CP_PID" 2>/dev/null
  [ -n "$DP_PID" ] && kill -9 "$DP_PID" 2>/dev/null
  bash "$ROOT/tests/tools/netns.sh" down "$NSN" >/dev/null 2>&1
  rm -f "$REGION"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- network: veth pair, the load generator's address pinned -------------
eval "$(bash "$ROOT/tests/tools/netns.sh" up "$NSN" "$SUBNET")" || die "netns.sh up failed"
LG_IP=198.18.$SUBNET.3
ip neigh replace "$LG_IP" lladdr "$NS_MAC" dev "$HOST_IF" nud permanent
nsx() { ip netns exec "$NSN" "$@"; }
# ---- configuration -------------------------------------------------------
conf() { # conf FILE
  cat > "$1" <<CONF
[dataplane]
io = dpdk
eal = -l $DP_CPU --no-huge -m 512 --no-pci --file-prefix=ctlload-$$ --log-level=lib.eal:error --vdev=net_af_xdp0,iface=$HOST_IF
address = $HOST_ADDR
xdp-prog = $XDP
[cache]
path = $REGION
size = 512M
ring-slots = 1024
wipe = yes
[control]
socket = $SOCK
metrics = 127.0.0.1@$METRICS_PORT
verbosity = 1
[resolver]
root-hints = $ROOT/tests/hierarchy/root.hints
prefetch = no
[local]
data = reload1.ctl.test. 300 A 192.0.2.1
data = reload2.ctl.test. 300 TXT "reloaded"
[acl]
allow = 198.18.0.0/15, 127.0.0.0/8
[ratelimit]
rate = 0
CONF
}
# the load asks the first HOT seeded names
for i in $(seq 0 $((HOT - 1))); do printf 'n%06d.hot.test A\n' "$i"; done > "$WORK/queries.txt"
conf "$WORK/boltdns.conf"

# ---- processes -------------------------------------------------------------
ctl() { taskset -c "$CLIENT_CPU" "$CTL" -s "$SOCK" -t 30 "$@"; }
entries() { ctl status | awk '$1 == "cache.entries:" { print $2 }'; }
start_cp() { # start_cp CONF LOG
  # not through nsx: $! of a backgrounded function is its subshell's PID
  ip netns exec "$NSN" taskset -c "$CLIENT_CPU" "$CP" -c "$1" >> "$2" 2>&1 &
  CP_PID=$!
  for _ in $(seq 100); do
    ctl status 2>/dev/null | grep -q '^region.attached: yes' && return 0
    kill -0 "$CP_PID" 2>/dev/null || { tail "$2"; die "boltdns-cp exited"; }
    sleep 0.1
  done
  die "boltdns-cp did not attach"
}
log "boltdns-dp on CPU $DP_CPU (net_af_xdp on $HOST_IF, $HOST_ADDR)"
taskset -c "$DP_CPU" "$DP" -c "$WORK/boltdns.conf" > "$WORK/dp.log" 2>&1 &
DP_PID=$!
for _ in $(seq 100); do
  [ "$("$DPSTATS" "$REGION" 2>/dev/null | awk '$1 == "dp_lcores" { print $2 }')" = 1 ] && break
  kill -0 "$DP_PID" 2>/dev/null || { cat "$WORK/dp.log"; die "boltdns-dp exited"; }
  sleep 0.1
done
# Ordinary answers with a day's TTL, as resolution leaves them. Not local
# data: that is static, and every full `reload` deletes and re-inserts all
# of it (with 200 000 local records in a loop the FIFO log would wrap and
# evict the load's names). The control plane has two local records.
"$SEED" "$REGION" "$NAMES" hot.test > /dev/null || die "ctl-load-seed failed"
want=$((NAMES * 2))
start_cp "$WORK/boltdns.conf" "$WORK/cp.log"
ENTRIES=$(entries)
log "cache: $ENTRIES entries"
[ "${ENTRIES:-0}" -ge "$want" ] || die "cache has ${ENTRIES:-0} entries, expected $want"

# ---- load ------------------------------------------------------------------
LG_EAL=(-l "$CLIENT_CPU" --no-huge --no-shconf -m 512
        "--vdev=net_af_packet0,iface=$NS_IF,blocksz=4096,framesz=2048,framecnt=8192")
loadgen() { # loadgen LABEL DURATION [LOADGEN OPTIONS]
  local label=$1 dur=$2; shift 2
  nsx "$LG" "${LG_EAL[@]}" -- --queries "$WORK/queries.txt" --src-ip "$LG_IP" \
    --dst-ip "$HOST_ADDR" --dst-mac "$HOST_MAC" --duration "$dur" --timeout 1000 --wait 500 \
    --label "$label" "$@" > "$WORK/lg-$label.txt" 2>&1
  grep '^RESULT ' "$WORK/lg-$label.txt" | tail -n1
}
xdp_drops() { ethtool -S "$HOST_IF" 2>/dev/null | awk '/drop/ { s += $2 } END { print s + 0 }'; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
# the lcore thread (the dataplane thread with the most CPU time) and what the
# scheduler took from it: run_delay (ns runnable but not running) and
# involuntary context switches, from /proc
lcore_tid() { local t best=0 tid=""; for t in /proc/"$DP_PID"/task/*; do
  u=$(awk '{ print $14 + $15 }' "$t/stat" 2>/dev/null); [ "${u:-0}" -ge "$best" ] && { best=$u; tid=${t##*/}; }
  done; echo "$tid"; }
lcore_sched() { echo "$(awk '{ print $2 }' "/proc/$DP_PID/task/$LCORE/schedstat") $(awk '/^nonvoluntary_ctxt_switches/ { print $2 }' "/proc/$DP_PID/task/$LCORE/status")"; }
dp_counter() { "$DPSTATS" "$REGION" | awk -v k="$1" '$1 == k { print $2 }'; }

loadgen warm 2 --rate 20000 > /dev/null
LCORE=$(lcore_tid)
log "lcore thread $LCORE, affinity $(taskset -cp "$LCORE" | sed 's/.*: //')"
if [ -z "$RATE" ]; then
  res=$(loadgen capacity 3 --outstanding "$WINDOW")
  [ -n "$res" ] || { cat "$WORK/lg-capacity.txt"; die "load generator failed"; }
  CAP=$(field answer_qps "$res"); CAP=${CAP%.*}
  RATE=$((CAP * RATE_PCT / 100))
  log "capacity (flat out, $WINDOW in flight): $CAP qps; fixed rate: $RATE qps ($RATE_PCT %)"
else
  CAP=""
fi

# ---- control traffic ------------------------------------------------------
# One loop per kind, each a separate process on the client CPU, each as fast
# as its commands complete; every command's exit status is counted.
ctl_loop() { # ctl_loop NAME: runs until killed, writes NAME.ok / NAME.fail counts
  local name=$1 ok=0 fail=0 i=0
  trap 'echo "$ok $fail" > "$WORK/loop-$name.count"; exit 0' TERM
  while :; do
    i=$((i + 1))
    case $name in
    short)
      for c in stats stats_noreset status "lookup n000001.hot.test A" "lookup reload1.ctl.test A" \
               "local_data add \"tmp$i.ctl.test 60 A 192.0.2.9\"" "lookup tmp$i.ctl.test" \
               "flush tmp$i.ctl.test" "local_data remove tmp$i.ctl.test" \
               "flush $(printf n%06d $((NAMES - 1 - i % 1000))).hot.test" reload; do
        if eval ctl "$c" > /dev/null 2>>"$WORK/loop-$name.err"; then ok=$((ok + 1));
        else fail=$((fail + 1)); echo "failed: $c" >> "$WORK/loop-$name.err"; fi
      done ;;
    dump)
      # DUMP_FILE=1: into a file on disk (its page-cache writeback is kernel
      # work the scheduler may put on any CPU); default: through a pipe
      if [ "${DUMP_FILE:-0}" = 1 ]; then ctl dump_cache > "$WORK/dump.out" 2>>"$WORK/loop-$name.err"
      else ctl dump_cache 2>>"$WORK/loop-$name.err" | tail -n1 > "$WORK/dump.out"; fi
      if [ "${PIPESTATUS[0]}" = 0 ] && tail -n1 "$WORK/dump.out" | grep -q '^;; [0-9]* entries'; then ok=$((ok + 1));
      else fail=$((fail + 1)); echo "failed: dump_cache" >> "$WORK/loop-$name.err"; fi ;;
    metrics)
      # nsenter --net, not ip netns exec: that one builds and tears down a
      # mount namespace per call, kernel work that also lands on the lcore's
      # CPU (README: runs 4 and 5)
      if nsenter --net=/run/netns/"$NSN" curl -sf -o /dev/null "http://127.0.0.1:$METRICS_PORT/metrics"; then
        ok=$((ok + 1)); else fail=$((fail + 1)); fi ;;
    esac
  done
}
loops_start() {
  LOOP_PIDS=""
  for n in short dump metrics; do
    rm -f "$WORK/loop-$n.count"
    ctl_loop "$n" & LOOP_PIDS="$LOOP_PIDS $!"
  done
}
loops_stop() {
  for p in $LOOP_PIDS; do kill -TERM "$p" 2>/dev/null; done
  for p in $LOOP_PIDS; do wait "$p" 2>/dev/null; done
  LOOP_PIDS=""
}
loop_counts() { # "short=OK/FAIL dump=OK/FAIL metrics=OK/FAIL"
  local n s=""
  for n in short dump metrics; do
    read -r o f < "$WORK/loop-$n.count" 2>/dev/null || { o=0; f=0; }
    s="$s,$n=$o/$f"
  done
  echo "${s#,}"
}

# ---- windows ---------------------------------------------------------------
: > "$WORK/results.txt"
# The "cpu" window: the same number of processes as the control loops, each
# burning CPU $CLIENT_CPU without touching the control socket. It separates
# what the control socket costs from what sharing the client CPU with
# anything costs the load generator (a busy poller that loses its CPU sends
# the queries it owes in one burst when it gets it back).
hogs_start() {
  LOOP_PIDS=""
  for _ in 1 2 3; do taskset -c "$CLIENT_CPU" bash -c 'while :; do :; done' & LOOP_PIDS="$LOOP_PIDS $!"; done
}
window() { # window KIND ROUND
  local kind=$1 r=$2 res q0 q1 t0 t1 d0 d1 h0 h1 x0 x1 s0 s1 counts="-"
  x0=$(xdp_drops) s0=($(lcore_sched))
  q0=$(dp_counter queries) t0=$(dp_counter tx_pkts) d0=$(dp_counter tx_drops) h0=$(dp_counter hits)
  [ "$kind" = ctl ] && { loops_start; sleep 0.5; }
  [ "$kind" = cpu ] && { hogs_start; sleep 0.5; }
  # DIAG=1: in round 1, what else ran on the lcore's CPU (perf sched_switch)
  local perf_pid=""
  if [ "${DIAG:-0}" = 1 ] && [ "$r" = 1 ] && command -v perf >/dev/null; then
    perf record -q -e sched:sched_switch -C "$DP_CPU" -o "$WORK/sched-$kind.data" -- sleep "$WIN" > /dev/null 2>&1 &
    perf_pid=$!
  fi
  res=$(loadgen "r$r-$kind" "$WIN" --rate "$RATE")
  [ "$kind" = ctl ] && { loops_stop; counts=$(loop_counts); }
  [ "$kind" = cpu ] && loops_stop
  if [ -n "$perf_pid" ]; then
    wait "$perf_pid"
    # switches to a thread of this run's boltdns-cp are marked "(ours)"
    local ours; ours=" $(ls /proc/"$CP_PID"/task | tr '\n' ' ')"
    perf script -i "$WORK/sched-$kind.data" -F comm,pid,event,trace 2>/dev/null |
      sed -n 's/.*next_comm=\([^ ]*\) next_pid=\([0-9]*\).*/\1 \2/p' |
      awk -v ours="$ours" '{ c = $1; if (index(ours, " " $2 " ")) c = c "(ours)"; print c }' |
      sort | uniq -c | sort -rn | head -12 > "$WORK/sched-$kind.top"
    log "round 1 $kind: switches to, on CPU $DP_CPU: $(awk '{ printf "%s %s; ", $2, $1 }' "$WORK/sched-$kind.top")"
  fi
  sleep 0.2
  x1=$(xdp_drops) s1=($(lcore_sched))
  q1=$(dp_counter queries) t1=$(dp_counter tx_pkts) d1=$(dp_counter tx_drops) h1=$(dp_counter hits)
  [ -n "$res" ] || { tail "$WORK/lg-r$r-$kind.txt"; die "load generator failed"; }
  local line="round=$r window=$kind win=$WIN rate=$RATE sent=$(field sent "$res") answered=$(field answered "$res") lost=$(field lost "$res") lost_pct=$(field lost_pct "$res") avg_us=$(field avg_us "$res") p50_us=$(field p50_us "$res") p99_us=$(field p99_us "$res") p999_us=$(field p999_us "$res") max_us=$(field max_us "$res") dp_queries=$((q1 - q0)) dp_hits=$((h1 - h0)) dp_tx=$((t1 - t0)) dp_tx_drops=$((d1 - d0)) veth_drops=$((x1 - x0)) lcore_run_delay_ms=$(((s1[0] - s0[0]) / 1000000)) lcore_preempted=$((s1[1] - s0[1])) commands=$counts"
  echo "$line" | tee -a "$WORK/results.txt"
}
# interleaved, each round starting one kind later
KINDS=(base ctl cpu)
for r in $(seq 1 "$ROUNDS"); do
  for j in 0 1 2; do window "${KINDS[$(((r - 1 + j) % 3))]}" "$r"; done
done

kill -0 "$DP_PID" 2>/dev/null && dpup=yes || dpup=no
kill -0 "$CP_PID" 2>/dev/null && cpup=yes || cpup=no
dumped=$(tail -n1 "$WORK/dump.out" 2>/dev/null)
{
  echo "# ctl-load $(date -u +%F\ %H:%M) UTC, $(uname -r), $(nproc --all) CPUs; lcore CPU $DP_CPU, client CPU $CLIENT_CPU"
  echo "# cache $ENTRIES entries; last dump_cache: ${dumped:-none}; load: $HOT names, rate $RATE qps${CAP:+ of $CAP flat out}; windows ${WIN}s x $ROUNDS rounds"
  echo "# boltdns-dp up: $dpup, boltdns-cp up: $cpup"
} | tee -a "$WORK/results.txt"
python3 - "$WORK/results.txt" <<'PY'
import sys, statistics
rows = []
for line in open(sys.argv[1]):
    if line.startswith("round="):
        rows.append(dict(kv.split("=", 1) for kv in line.split()))
def agg(kind, key, fmt):
    v = [float(r[key]) for r in rows if r["window"] == kind]
    if not v:
        return "-"
    return (fmt + " [" + fmt + "-" + fmt + "]") % (statistics.median(v), min(v), max(v))
print("| window | sent qps | answered % | lost | lost before the dataplane | dataplane unanswered | avg us | p99 us | p99.9 us | lcore run delay ms |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    r["ans_pct"] = str(100.0 * float(r["answered"]) / max(1.0, float(r["sent"])))
    r["lost_before"] = str(int(r["sent"]) - int(r["dp_queries"]))
    r["dp_unanswered"] = str(int(r["dp_queries"]) - int(r["dp_tx"]))
    r["sent_qps"] = str(float(r["sent"]) / float(r.get("win", "1")))
for k in ("base", "ctl", "cpu"):
    print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (k, agg(k, "sent_qps", "%.0f"), agg(k, "ans_pct", "%.3f"),
          agg(k, "lost", "%.0f"), agg(k, "lost_before", "%.0f"), agg(k, "dp_unanswered", "%.0f"),
          agg(k, "avg_us", "%.0f"), agg(k, "p99_us", "%.0f"), agg(k, "p999_us", "%.0f"),
          agg(k, "lcore_run_delay_ms", "%.0f")))
ctl = [r["commands"] for r in rows if r["window"] == "ctl"]
print("\ncontrol commands completed/failed per ctl window (short loop, dump_cache loop, /metrics loop): " + "; ".join(ctl))
PY
