#!/usr/bin/env bash
# Idle cost and low-load miss latency of boltdns (io = socket): what the ring
# doorbells (boltdns/ring.h "Doorbell") are for.
#
#   bench/idle/run.sh [-b BUILD] [-t SECONDS] [-n QUERIES] [-g GAP_MS] [-o PREFIX]
#
#   -b BUILD    meson build directory with boltdns-dp and boltdns-cp (default build)
#   -t SECONDS  idle measurement (default 60)
#   -n QUERIES  queries of each latency measurement (default 2000)
#   -g GAP_MS   pause between two queries (default 5): low load, so both
#               processes go to sleep between queries
#   -o PREFIX   results: PREFIX-raw.txt (a header, then one line per
#               measurement), PREFIX.md (bench/idle/report.py's tables) and
#               PREFIX.png (with its .dat; gnuplot) (default
#               bench/results/DATE-idle, DATEb-idle, ... when it exists)
#
# In a private network namespace (IDLE_NS, default idlebench) with the fake
# hierarchy of tests/hierarchy/, boltdns-dp (io = socket, one worker,
# bench/peers/boltdns-socket.conf.in) and boltdns-cp on 198.18.91.1:
#
# 1. idle: after start-up and priming, nothing is sent for SECONDS; CPU time
#    of each process from /proc/PID/stat (utime + stime, clock ticks) and
#    from /proc/PID/task/*/sched (ns), in % of one core.
# 2. latency: one query at a time from a Python client (a UDP socket,
#    perf_counter_ns around send and receive), GAP_MS apart:
#    - hit: one cached name, answered by the dataplane alone (the client's
#      and the kernel's own share of every figure below);
#    - miss: unique names under invalid. (RFC 6761), which the dataplane
#      misses and the control plane answers from its own data with no
#      upstream query: the round trip dataplane -> miss ring -> control plane
#      -> answer ring -> dataplane;
#    - upstream: unique nonexistent names under bulk.boltnet (zone cut
#      cached): one upstream query each to the fake hierarchy on lo.
#    p50 / p90 / p99 in microseconds.
#
# Prints the figures; the results files hold the same numbers.
# Needs root, ip, dig, python3, nsd. Timing: take the bench lock
# (flock /tmp/boltdns-bench.lock bench/idle/run.sh ...).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CMDLINE="$0$(printf ' %q' "$@")"
BUILD=build
SECS=60
NQ=2000
GAP=5
OUT=""
while getopts "b:t:n:g:o:h" opt; do
  case "$opt" in
  b) BUILD=$OPTARG ;;
  t) SECS=$OPTARG ;;
  n) NQ=$OPTARG ;;
  g) GAP=$OPTARG ;;
  o) OUT=$OPTARG ;;
  h) sed -n '2,/^set -euo/{/^#/p}' "$0"; exit 0 ;;
  *) exit 2 ;;
  esac
done
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
NS=${IDLE_NS:-idlebench}
SUBNET=${IDLE_SUBNET:-91}
ADDR=198.18.$SUBNET.1
WORK=${IDLE_WORK:-/tmp/boltdns-idlebench}
HINTS=$ROOT/tests/hierarchy/root.hints

die() { echo "idle: error: $*" >&2; exit 1; }
log() { echo "idle: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "must run as root (network namespace)"
for t in ip dig python3; do command -v "$t" >/dev/null || die "'$t' not found"; done
case "$SECS$NQ$GAP" in *[!0-9]*) die "-t, -n and -g take numbers" ;; esac
# today's file, or the next free suffix: never overwrite earlier results
[ -n "$OUT" ] || OUT=$(python3 "$ROOT/bench/idle/report.py" prefix --root "$ROOT" idle)
mkdir -p "$(dirname "$OUT")"
RAW=$OUT-raw.txt
# the header now (the load average at the start); the file once the servers answer
HEADER=$(python3 "$ROOT/bench/idle/report.py" header --root "$ROOT" --build "$BUILD" --cmd "$CMDLINE" \
  --param "secs=$SECS queries=$NQ gap_ms=$GAP io=socket workers=1")

BENCH_NS_REGION=/dev/shm/idlebench-$NS-region
. "$ROOT/bench/lib-ns.sh"

ticks() { awk '{ print $14 + $15 }' /proc/"$1"/stat; }
sched_ns() {
  cat /proc/"$1"/task/*/sched 2>/dev/null |
    awk '/^se.sum_exec_runtime/ { s += $3 } END { printf "%.0f", s * 1e6 }'
}

bench_ns_start
dir=$WORK/boltdns
mkdir -p "$dir"
sed -e "s|@ADDR@|$ADDR|g" -e "s|@WORKDIR@|$dir|g" -e "s|@HINTS@|$HINTS|g" -e "s|@ANCHOR@|$WORK/hier/root.key|g" \
    -e "s|^path = .*|path = $BENCH_NS_REGION|" "$ROOT/bench/peers/boltdns-socket.conf.in" \
    > "$dir/boltdns.conf"
bench_ns_boltdns "$BUILD" "$dir"
dp_pid=$BOLT_DP_PID
cp_pid=$BOLT_CP_PID
bench_ns_wait_dns h0001.bulk.boltnet || die "boltdns did not answer within 15 s (logs in $dir)"
# The zone cut of bulk.boltnet, and the hit name cached.
in_ns dig +short @"$ADDR" "warm-$$.bulk.boltnet" A >/dev/null || true
in_ns dig +short @"$ADDR" h0001.bulk.boltnet A >/dev/null || true
sleep 3
printf '%s\n' "$HEADER" > "$RAW"

# ---- 1. idle ------------------------------------------------------------------
hz=$(getconf CLK_TCK)
t0d=$(ticks "$dp_pid"); t0c=$(ticks "$cp_pid")
n0d=$(sched_ns "$dp_pid"); n0c=$(sched_ns "$cp_pid")
s0=$(date +%s.%N)
sleep "$SECS"
s1=$(date +%s.%N)
t1d=$(ticks "$dp_pid"); t1c=$(ticks "$cp_pid")
n1d=$(sched_ns "$dp_pid"); n1c=$(sched_ns "$cp_pid")
awk -v hz="$hz" -v s0="$s0" -v s1="$s1" -v td=$((t1d - t0d)) -v tc=$((t1c - t0c)) \
    -v nd=$((n1d - n0d)) -v nc=$((n1c - n0c)) -v raw="$RAW" '
function line(p, t, n) {
  printf "idle proc=%s secs=%.3f hz=%d ticks=%d sched_ns=%.0f pct_ticks=%.4f pct_sched=%.5f\n",
    p, el, hz, t, n, 100 * t / hz / el, 100 * n / 1e9 / el >> raw
}
BEGIN {
  el = s1 - s0
  printf "idle over %.1f s, %% of one core (utime+stime ticks / sched ns):\n", el
  printf "  boltdns-dp  %6.3f %% / %7.4f %%\n", 100 * td / hz / el, 100 * nd / 1e9 / el
  printf "  boltdns-cp  %6.3f %% / %7.4f %%\n", 100 * tc / hz / el, 100 * nc / 1e9 / el
  printf "  total       %6.3f %% / %7.4f %%\n", 100 * (td + tc) / hz / el, 100 * (nd + nc) / 1e9 / el
  line("boltdns-dp", td, nd); line("boltdns-cp", tc, nc); line("total", td + tc, nd + nc)
}'

# ---- 2. latency ---------------------------------------------------------------
in_ns python3 - "$ADDR" "$NQ" "$GAP" "$$" "$RAW" <<'PY'
import os, random, socket, struct, sys, time

addr, nq, gap, tag = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]) / 1000.0, sys.argv[4]
raw = sys.argv[5]

def query(qid, name, qtype=1):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\0" + struct.pack(">HH", qtype, 1)

def run(label, names):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2.0)
    s.connect((addr, 53))
    lat, lost = [], 0
    for i, n in enumerate(names):
        qid = random.randrange(65536)
        pkt = query(qid, n)
        t0 = time.perf_counter_ns()
        s.send(pkt)
        try:
            while True:
                r = s.recv(4096)
                if r[:2] == pkt[:2]:
                    break
            lat.append((time.perf_counter_ns() - t0) / 1000.0)
        except socket.timeout:
            lost += 1
        time.sleep(gap)
    lat.sort()
    pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] if lat else float("nan")
    print(f"  {label:9s} n={len(lat):5d} lost={lost:3d}  p50 {pct(0.50):8.1f}  "
          f"p90 {pct(0.90):8.1f}  p99 {pct(0.99):8.1f}")
    nan = float("nan")
    with open(raw, "a") as f:
        f.write(f"latency kind={label} n={len(lat)} lost={lost} gap_ms={gap * 1000:.0f} "
                f"p50_us={pct(0.50):.1f} p90_us={pct(0.90):.1f} p99_us={pct(0.99):.1f} "
                f"min_us={lat[0] if lat else nan:.1f} max_us={lat[-1] if lat else nan:.1f} "
                f"mean_us={sum(lat) / len(lat) if lat else nan:.1f}\n")

print(f"latency, one query at a time, {gap * 1000:.0f} ms apart (us):")
run("hit", ["h0001.bulk.boltnet"] * nq)
run("miss", [f"q{i}-{tag}.invalid" for i in range(nq)])
run("upstream", [f"u{i}-{tag}.bulk.boltnet" for i in range(nq)])
PY
grep -E "warn|error" "$dir/dp.log" "$dir/cp.log" | head -5 >&2 || true
python3 "$ROOT/bench/idle/report.py" idle "$RAW" "$OUT.png" > "$OUT.md" ||
  die "bench/idle/report.py failed (the raw lines are in $RAW)"
log "wrote $OUT.md, $RAW, $OUT.png"
