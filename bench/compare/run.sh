#!/usr/bin/env bash
# boltdns against Unbound, Knot Resolver, PowerDNS Recursor and dnsdist, in
# one command. See bench/README.md for what is measured and how to read it.
#
#   bench/compare/run.sh [--quick] [--rounds N] [--servers "a b ..."] [--out FILE]
#
# Sets up a veth pair (server end here, client end in network namespace
# "boltbench"), starts the fake DNS hierarchy (tests/hierarchy/start.sh),
# then, one server at a time, in ROUNDS interleaved rounds:
#   hot        cache warmed until a pass sends nothing upstream
#   realistic  Zipf-distributed names, 30 % NXDOMAIN, mixed types, cold start
#   miss       unique names only (every query goes upstream), cold start
# each measured two ways:
#   budget     dnsperf/resperf from the namespace while the server's cgroup
#              may use BUDGET_PCT % of one core (equal CPU for every server)
#   loadgen    boltdns-loadgen (DPDK, net_af_packet) flat out for LG_DUR s
#              with WIN_HOT / WIN_COLD queries in flight, against the server
#              with a whole core
# Writes bench/results/DATE-HOST.md and PNG plots next to it.
# Needs root. Servers whose binary is missing or that fail to start are
# skipped with a note in the results.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BB_ROOT=$ROOT
. "$HERE/lib.sh"
. "$HERE/servers.sh"

ROUNDS=${ROUNDS:-3}
DUR=${DUR:-2}                 # seconds per dnsperf measurement
LG_DUR=${LG_DUR:-2}           # seconds of sending per load generator run
RAMP=${RAMP:-3}               # resperf ramp seconds (miss path, budget)
RAMP_MAX=${RAMP_MAX:-20000}   # resperf target at the end of the ramp, qps
# Queries in flight (dnsperf -q, loadgen --outstanding). Hot: enough that a
# throttled server (answers up to ~9 ms late) is not capped by the window.
# Cold workloads: a window of simultaneous misses, all aimed at the same
# fake authoritative servers; far larger windows measure how each resolver
# backs off from an overloaded upstream rather than how it resolves.
WIN_HOT=${WIN_HOT:-500}
# Hot at the budget (dnsperf): a throttled server answers a query about one
# quota period (10 ms) after it was sent, so qps <= window / 10 ms (Little's
# law): 500 caps every server at ~50 k. 1000 leaves room above the path's
# own ceiling at 10 % of a core (~63 k, bench/README.md) and below the
# af_xdp port's 1024-slot receive ring, which a larger window overflows.
WIN_BUDGET_HOT=${WIN_BUDGET_HOT:-1000}
WIN_COLD=${WIN_COLD:-200}
SOCKBUF=${SOCKBUF:-4194304}   # default socket buffers while the run lasts (bytes)
WARM_QPS=${WARM_QPS:-4000}    # rate of the first (all-miss) warming pass
BUDGET_PCT=${BUDGET_PCT:-10}  # CPU quota of the server under test, % of one core
BB_SERVER_CPU=${BB_SERVER_CPU:-0}
BB_CLIENT_CPU=${BB_CLIENT_CPU:-1}
SERVERS=${SERVERS:-$BB_SERVERS_ALL}
WORK=${WORK:-/tmp/boltdns-bench}
BB_BUILD=${BB_BUILD:-$ROOT/build-bench}
BB_PEERS=$ROOT/bench/peers
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
  --quick) ROUNDS=1; DUR=2; LG_DUR=1; RAMP=3 ;;
  --rounds) ROUNDS=$2; shift ;;
  --servers) SERVERS=$2; shift ;;
  --out) OUT=$2; shift ;;
  -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
  *) bb_die "unknown argument $1 (see --help)" ;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || bb_die "must run as root (namespaces, cgroups, DPDK)"
for t in ip dig dnsperf resperf python3 taskset; do
  command -v "$t" >/dev/null 2>&1 || bb_die "'$t' not found (bash deploy/install-deps.sh)"
done
HOSTNAME_S=$(hostname -s 2>/dev/null || echo host)
[ -n "$OUT" ] || OUT=$ROOT/bench/results/$(date -u +%Y-%m-%d)-$HOSTNAME_S.md
export BB_SERVER_CPU BB_CLIENT_CPU BB_BUILD BB_PEERS
T_START=$(date +%s)
rm -rf "$WORK"
mkdir -p "$WORK"
RAW=$WORK/raw.txt
NOTES=$WORK/notes.txt
: > "$RAW"
: > "$NOTES"
note() { echo "$*" >> "$NOTES"; bb_log "$*"; }

# ---- build: the load generator always, boltdns when the tree builds --------
build() {
  if [ ! -d "$BB_BUILD" ]; then
    meson setup "$BB_BUILD" "$ROOT" >"$WORK/meson-setup.log" 2>&1 || return 1
  fi
  # only what the comparison runs (the whole tree takes minutes on a busy machine)
  meson compile -C "$BB_BUILD" boltdns-dp boltdns-cp boltdns-loadgen boltdns-reflector \
    boltdns_xdp.o >"$WORK/meson-compile.log" 2>&1 ||
    meson compile -C "$BB_BUILD" >>"$WORK/meson-compile.log" 2>&1
}
LOADGEN=$BB_BUILD/bench/loadgen/boltdns-loadgen
REFLECTOR=$BB_BUILD/bench/loadgen/boltdns-reflector
if ! build; then
  note "meson build of the tree failed (see $WORK/meson-*.log): binaries already in $BB_BUILD are used as they are (possibly older than the tree), missing ones are skipped"
fi
if [ ! -x "$LOADGEN" ] || [ ! -x "$REFLECTOR" ]; then
  # the load generator needs only DPDK: build it on its own when the tree does not
  mkdir -p "$WORK/lg"
  for prog in loadgen reflector; do
    gcc -std=gnu11 -D_GNU_SOURCE -O2 -I"$ROOT/dataplane" -o "$WORK/lg/boltdns-$prog" "$ROOT/bench/loadgen/$prog.c" \
      "$ROOT/bench/loadgen/query_file.c" "$ROOT/bench/loadgen/frame.c" "$ROOT/bench/loadgen/hist.c" \
      "$ROOT/dataplane/pool.c" \
      $(pkg-config --cflags --libs libdpdk) -lm >>"$WORK/lg/build.log" 2>&1 || true
  done
  LOADGEN=$WORK/lg/boltdns-loadgen
  REFLECTOR=$WORK/lg/boltdns-reflector
  [ -x "$LOADGEN" ] && note "boltdns-loadgen built outside meson (the tree's meson build failed)"
fi
HAVE_LG=1
[ -x "$LOADGEN" ] || { HAVE_LG=0; note "boltdns-loadgen unavailable: loadgen measurements skipped"; }

# AF_XDP port of boltdns-dp on the server end; one lcore on the server CPU.
BB_BOLT_EAL=${BB_BOLT_EAL:-"-l $BB_SERVER_CPU --no-huge -m 512 --no-pci --file-prefix=boltbench --log-level=lib.eal:error --vdev=net_af_xdp0,iface=$BB_VS"}
# boltdns's XDP program steals UDP/53 only, so the kernel keeps ARP and ping
BB_BOLT_XDP=${BB_BOLT_XDP:-$BB_BUILD/dataplane/xdp/boltdns_xdp.o}
[ -f "$BB_BOLT_XDP" ] || BB_BOLT_XDP=""
export BB_BOLT_XDP
# a deep receive ring: the answers to a window of queries arrive in bursts
LG_EAL=(-l "$BB_CLIENT_CPU" --no-huge --no-shconf -m 512
        "--vdev=net_af_packet0,iface=$BB_VC,blocksz=4096,framesz=2048,framecnt=8192")

# ---- query files ---------------------------------------------------------
bb_log "generating query files"
python3 "$HERE/gen-queries.py" --queries 300000 "$WORK/q"
Q=$WORK/q

# ---- network, cgroup, hierarchy, cleanup ----------------------------------
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
  rm -f /dev/shm/boltbench-region
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# Every server gets the same, generous default socket buffers (the same on
# both ends): a server throttled by its quota for 9 ms must not lose queries
# only because its distribution's default buffer is 208 KB. Restored at exit.
for k in net.core.rmem_default net.core.wmem_default net.core.rmem_max net.core.wmem_max; do
  SYSCTL_SAVED+=("$k=$(sysctl -n "$k")")
done
for k in net.core.rmem_default net.core.wmem_default net.core.rmem_max net.core.wmem_max; do
  sysctl -qw "$k=$SOCKBUF" >/dev/null || note "cannot set $k"
done
bb_net_up
for k in net.core.rmem_default net.core.wmem_default net.core.rmem_max net.core.wmem_max; do
  ip netns exec "$BB_NS" sysctl -qw "$k=$SOCKBUF" >/dev/null 2>&1 || true
done
bb_cg_init
bb_cg_stop_all
BB_HINTS=$ROOT/tests/hierarchy/root.hints
# the fake hierarchy answers: the root, and a name of the bulk zone exists
hier_up() {
  dig +norec +time=1 +tries=1 @198.18.1.1 . SOA >/dev/null 2>&1 &&
    dig +norec +time=1 +tries=1 @198.18.1.20 h0001.bulk.boltnet A 2>/dev/null | grep -q 'status: NOERROR'
}
if hier_up; then
  # already running (another user of tests/hierarchy): use it, leave it running
  note "the fake hierarchy was already running; used as is"
else
  [ -f "$ROOT/tests/hierarchy/start.sh" ] || bb_die "tests/hierarchy/start.sh missing"
  HIER_STARTED=1
  BB_HINTS=$(bash "$ROOT/tests/hierarchy/start.sh" 2>"$WORK/hierarchy.log" | tail -n1) ||
    bb_die "the fake hierarchy did not start (see $WORK/hierarchy.log)"
  [ -f "$BB_HINTS" ] || BB_HINTS=$ROOT/tests/hierarchy/root.hints
fi
export BB_HINTS

# ---- measurement helpers --------------------------------------------------
# record KEY=VALUE... — one measurement, one line of $RAW
record() { echo "$*" >> "$RAW"; }

# cpu_pct NS_DELTA SECONDS
cpu_pct() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.1f", n / (s * 1e9) * 100; else print 0 }'; }

# dnsperf run; prints "qps= lost_pct= avg_us= p99_us= rcodes=" from its output
parse_dnsperf() {
  local out=$1 n p99=0
  awk '/^> / { print $NF }' "$out" | sort -g > "$out.lat"
  n=$(wc -l < "$out.lat")
  if [ "$n" -gt 0 ]; then
    p99=$(sed -n "$(( (n * 99 + 99) / 100 ))p" "$out.lat" | awk '{ printf "%d", $1 * 1e6 }')
  fi
  awk -v p99="$p99" '
    /Queries sent:/ { sent = $3 }
    /Queries lost:/ { lost = $4; gsub(/[()%]/, "", lost) }
    /Queries per second:/ { qps = $4 }
    /Average Latency/ { avg = $4 * 1e6 }
    /Response codes:/ { $1 = ""; $2 = ""; rc = $0; gsub(/^ +/, "", rc); gsub(/ /, "_", rc) }
    END { printf "qps=%.0f lost_pct=%s avg_us=%.0f p99_us=%s sent=%s rcodes=%s\n", qps, lost, avg, p99, sent, rc }' "$out"
}

win_of() { if [ "$1" = hot ]; then echo "$WIN_HOT"; else echo "$WIN_COLD"; fi; }

m_dnsperf() {   # m_dnsperf SERVER WORKLOAD FILE ROUND [DST_IP [PCT|max]]
  local s=$1 w=$2 f=$3 r=$4 dst=${5:-$BB_SERVER_IP} pct=${6:-$BUDGET_PCT} out u0 u1 t0 t1 secs method=budget
  [ "$pct" != max ] || method=dnsperf
  out=$WORK/$s/r$r-$w-$method.dnsperf
  bb_cg_quota "$pct"
  u0=$(bb_cg_usage_ns); t0=$(date +%s%N)
  local win
  win=$(win_of "$w")
  [ "$w" != hot ] || [ "$pct" = max ] || win=$WIN_BUDGET_HOT
  bb_client dnsperf -s "$dst" -d "$f" -l "$DUR" -t 2 -q "$win" -b 4096 -v > "$out" 2>&1 || true
  t1=$(date +%s%N); u1=$(bb_cg_usage_ns)
  bb_cg_quota max
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }')
  record "round=$r server=$s workload=$w method=$method tool=dnsperf window=$win $(parse_dnsperf "$out") cpu_pct=$(cpu_pct $((u1 - u0)) "$secs")"
}

m_resperf() {   # m_resperf SERVER FILE ROUND — the miss path under the budget
  local s=$1 f=$2 r=$3 out u0 u1 t0 t1 secs plot
  out=$WORK/$s/r$r-miss-budget.resperf
  plot=$WORK/$s/r$r-miss-budget.plot
  bb_cg_quota "$BUDGET_PCT"
  u0=$(bb_cg_usage_ns); t0=$(date +%s%N)
  bb_client resperf -s "$BB_SERVER_IP" -d "$f" -m "$RAMP_MAX" -r "$RAMP" -c 0 -t 1 -b 4096 \
    -P "$plot" > "$out" 2>&1 || true
  t1=$(date +%s%N); u1=$(bb_cg_usage_ns)
  bb_cg_quota max
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e9 }')
  # resperf's plot columns: time, target qps, actual qps, responses/s,
  # failures/s, average latency (s). A short ramp makes resperf's own
  # "maximum throughput" (the rate before loss first passes -L) mostly a
  # function of the ramp slope, so the figure kept is the best response rate
  # of any interval (the plateau the server reaches), with that interval's
  # latency; resperf's own figure is kept as resperf_max.
  awk '
    /Maximum throughput:/ { rmax = $3 }
    /Queries sent:/ { sent = $3 }
    /Queries lost:/ { lost = $3 }
    END { printf "resperf_max=%.0f lost_pct=%.2f sent=%d\n", rmax, sent ? 100 * lost / sent : 0, sent }' "$out" > "$out.kv"
  awk '!/^#/ && NF >= 6 { if ($4 > best) { best = $4; l = $6 } }
    END { printf "qps=%.0f avg_us=%.0f p99_us=NA\n", best, l * 1e6 }' "$plot" >> "$out.kv" 2>/dev/null || true
  record "round=$r server=$s workload=miss method=budget tool=resperf $(tr '\n' ' ' < "$out.kv")cpu_pct=$(cpu_pct $((u1 - u0)) "$secs")"
}

m_loadgen() {   # m_loadgen SERVER WORKLOAD FILE ROUND [DST_IP [PCT]]
  local s=$1 w=$2 f=$3 r=$4 dst=${5:-$BB_SERVER_IP} pct=${6:-max} out u0 u1 res secs method=loadgen
  [ "$HAVE_LG" = 1 ] || return 0
  local win
  win=$(win_of "$w")
  [ "$pct" = max ] || { method=loadgen-budget; [ "$w" != hot ] || win=$WIN_BUDGET_HOT; }
  out=$WORK/$s/r$r-$w-$method.txt
  bb_cg_quota "$pct"
  u0=$(bb_cg_usage_ns)
  ip netns exec "$BB_NS" "$LOADGEN" "${LG_EAL[@]}" -- --queries "$f" --src-ip "$BB_LOADGEN_IP" \
    --dst-ip "$dst" --dst-mac "$BB_VS_MAC" --duration "$LG_DUR" --outstanding "$win" \
    --timeout 1000 --wait 500 \
    --label "$s/$w" > "$out" 2>&1 || true
  u1=$(bb_cg_usage_ns)
  bb_cg_quota max
  res=$(grep '^RESULT ' "$out" | tail -n1 || true)
  if [ -z "$res" ]; then
    note "loadgen failed against $s ($w), see $out"
    return 0
  fi
  secs=$(sed -n 's/.* duration_s=\([0-9.]*\).*/\1/p' <<<"$res")
  record "round=$r server=$s workload=$w method=$method tool=loadgen $(sed 's/^RESULT //; s/label=[^ ]* //; s/answer_qps=/qps=/' <<<"$res") cpu_pct=$(cpu_pct $((u1 - u0)) "$secs")"
}

# Warm the cache with the hot set until one pass causes (almost) no upstream
# traffic; the hierarchy is on lo, so lo's packet counter is the upstream
# meter (others' traffic on lo can only make this stricter).
warm() {   # warm SERVER ROUND
  local s=$1 r=$2 pass lo0 lo1 n done_n out rate=$WARM_QPS
  n=$(wc -l < "$Q/hot.txt")
  for pass in 1 2 3 4; do
    lo0=$(bb_lo_rx)
    out=$WORK/$s/r$r-warm$pass.txt
    # Paced, as a real cache fills up, not as a burst of 4000 simultaneous
    # misses; a server that did not answer a pass gets the next one at half
    # the rate. -l bounds a pass against a server that stopped answering.
    bb_client dnsperf -s "$BB_SERVER_IP" -d "$Q/hot.txt" -n 1 -l 6 -t 1 -q 200 -Q "$rate" > "$out" 2>&1 || true
    lo1=$(bb_lo_rx)
    done_n=$(awk '/Queries completed:/ { print $3 }' "$out")
    if [ $((lo1 - lo0)) -le $((n / 200 + 10)) ] && [ "${done_n:-0}" -ge $((n * 99 / 100)) ]; then
      record "round=$r server=$s workload=hot method=warm passes=$pass upstream_pkts_last=$((lo1 - lo0)) answered_last=${done_n:-0}"
      return 0
    fi
    if [ "${done_n:-0}" -lt $((n * 99 / 100)) ] && [ "$rate" -gt 500 ]; then
      rate=$((rate / 2))
    fi
  done
  note "$s round $r: cache not warm after $pass passes (last pass at $rate qps: $((lo1 - lo0)) upstream packets, ${done_n:-0} of $n answered); its hot figures measure what it answers"
  record "round=$r server=$s workload=hot method=warm passes=$pass upstream_pkts_last=$((lo1 - lo0)) answered_last=${done_n:-0}"
}

# The fake hierarchy is shared with other users of this machine, who may
# stop it: check before every server and start it again when it is gone.
ensure_hier() {   # ensure_hier WHO
  hier_up && return 0
  note "the fake hierarchy was down before $1: started again"
  HIER_STARTED=1
  bash "$ROOT/tests/hierarchy/start.sh" >>"$WORK/hierarchy.log" 2>&1 ||
    note "the fake hierarchy did not start again (see $WORK/hierarchy.log): $1's cold figures are not resolution"
}

declare -A SKIPPED=()
run_server() {   # run_server SERVER ROUND
  local s=$1 r=$2
  [ -z "${SKIPPED[$s]:-}" ] || return 0
  mkdir -p "$WORK/$s"
  bb_log "round $r: $s"
  ensure_hier "$s round $r"
  start() {
    bb_cg_stop_all
    if ! bb_server_start "$s" "$WORK/$s/run"; then
      SKIPPED[$s]=$BB_SKIP_REASON
      note "skipped $s: $BB_SKIP_REASON"
      return 1
    fi
    # the logs of this start survive the next start's rm -rf of run/
    return 0
  }
  # hot: warm, then both methods on the warm cache
  start || return 0
  warm "$s" "$r"
  m_dnsperf "$s" hot "$Q/hot.txt" "$r"
  m_loadgen "$s" hot "$Q/hot.txt" "$r"
  # realistic: a cold cache for each method
  start || return 0
  m_dnsperf "$s" realistic "$Q/zipf.txt" "$r"
  if [ "$HAVE_LG" = 1 ]; then
    start || return 0
    m_loadgen "$s" realistic "$Q/zipf.txt" "$r"
  fi
  # miss path: a cold cache; resperf and the load generator use different
  # unique names, so the second run misses as much as the first
  start || return 0
  m_resperf "$s" "$Q/miss-rp.txt" "$r"
  m_loadgen "$s" miss "$Q/miss-lg.txt" "$r"
  bb_cg_stop_all
}

# ---- the path's own ceiling: a bare reflector on the server end -----------
# On both PMDs (net_af_packet as before, net_af_xdp as boltdns-xdp uses), in
# the server cgroup like any server: flat out with the load generator and
# with dnsperf, then with dnsperf and the load generator at the CPU budget.
# What a port answers at the budget with no DNS work at all bounds what any
# server on that port can answer at the budget.
ceiling() {
  local pmd s vdev out
  [ "$HAVE_LG" = 1 ] && [ -x "$REFLECTOR" ] || { note "no reflector: path ceiling not measured"; return 0; }
  for pmd in packet xdp; do
    s=reflector-$pmd
    out=$WORK/$s
    mkdir -p "$out"
    vdev="net_af_${pmd}1,iface=$BB_VS"
    bb_log "path ceiling: boltdns-reflector on $vdev"
    bb_cg_stop_all
    bb_cg_spawn "$out/reflector.log" "$REFLECTOR" -l "$BB_SERVER_CPU" --no-huge --no-shconf -m 256 \
      "--vdev=$vdev" -- --ip "$BB_REFLECT_IP" >/dev/null
    if ! bb_wait_dns "$BB_REFLECT_IP" 53 15; then
      note "the reflector on $vdev did not answer (log $out/reflector.log: $(tail -n 2 "$out/reflector.log" 2>/dev/null | tr '\n' ' ' | cut -c1-200))"
      bb_cg_stop_all
      continue
    fi
    m_loadgen "$s" hot "$Q/hot.txt" 0 "$BB_REFLECT_IP"
    m_dnsperf "$s" hot "$Q/hot.txt" 0 "$BB_REFLECT_IP" max
    m_dnsperf "$s" hot "$Q/hot.txt" 0 "$BB_REFLECT_IP" "$BUDGET_PCT"
    m_loadgen "$s" hot "$Q/hot.txt" 0 "$BB_REFLECT_IP" "$BUDGET_PCT"
    bb_cg_stop_all
  done
}

# ---- the load generator against dnsperf, at a low fixed rate ---------------
# Same server (Unbound, warm), same questions, same rate: the two clients
# should see the same rcodes and latencies of the same order.
validate() {
  local s=unbound dir=$WORK/validate rate=${VALIDATE_QPS:-2000}
  [ "$HAVE_LG" = 1 ] || return 0
  mkdir -p "$dir"
  bb_log "validating boltdns-loadgen against dnsperf at $rate qps (Unbound, warm)"
  bb_cg_stop_all
  if ! bb_server_start "$s" "$dir/run"; then
    note "load generator not validated: $BB_SKIP_REASON"
    return 0
  fi
  bb_client dnsperf -s "$BB_SERVER_IP" -d "$Q/hot.txt" -n 2 -t 2 -q 200 > "$dir/warm.txt" 2>&1 || true
  # a few alternating pairs: one pair can catch a busy moment of the machine
  local rep res
  for rep in $(seq 1 "${VALIDATE_REPS:-3}"); do
    bb_client dnsperf -s "$BB_SERVER_IP" -d "$Q/hot.txt" -l 2 -Q "$rate" -t 2 -q 200 -v > "$dir/dnsperf$rep.txt" 2>&1 || true
    record "round=$rep server=unbound workload=validate method=dnsperf tool=dnsperf rate=$rate $(parse_dnsperf "$dir/dnsperf$rep.txt")"
    ip netns exec "$BB_NS" "$LOADGEN" "${LG_EAL[@]}" -- --queries "$Q/hot.txt" --src-ip "$BB_LOADGEN_IP" \
      --dst-ip "$BB_SERVER_IP" --dst-mac "$BB_VS_MAC" --duration 2 --rate "$rate" \
      --timeout 2000 --wait 500 --label validate > "$dir/loadgen$rep.txt" 2>&1 || true
    res=$(grep '^RESULT ' "$dir/loadgen$rep.txt" | tail -n1 || true)
    if [ -n "$res" ]; then
      record "round=$rep server=unbound workload=validate method=loadgen tool=loadgen $(sed 's/^RESULT //; s/label=[^ ]* //; s/answer_qps=/qps=/' <<<"$res")"
    else
      note "load generator validation run failed, see $dir/loadgen$rep.txt"
    fi
  done
  bb_cg_stop_all
}

{
  echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "cgroup: $BB_CG_MODE; server CPU $BB_SERVER_CPU, client CPU $BB_CLIENT_CPU; budget $BUDGET_PCT % of one core (period ${BB_CG_PERIOD_US} us)"
  echo "rounds $ROUNDS; dnsperf ${DUR} s; loadgen ${LG_DUR} s; in flight: hot $WIN_HOT (dnsperf at the budget $WIN_BUDGET_HOT), realistic/miss $WIN_COLD; socket buffers $SOCKBUF B; resperf ramp ${RAMP} s to ${RAMP_MAX} qps"
  echo "versions: unbound $(unbound -V 2>/dev/null | awk 'NR == 1 { print $2 }'); $(kresd --version 2>/dev/null | head -n1); $(pdns_recursor --version 2>&1 | grep -m1 -o 'PowerDNS Recursor [0-9.]*'); $(dnsdist --version 2>/dev/null | head -n1 | cut -d'(' -f1 | sed 's/ *$//'); dnsperf $(dnsperf -h 2>&1 | awk '/^Version/ { print $2; exit }')"
  echo "boltdns: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null) $(git -C "$ROOT" status --porcelain 2>/dev/null | grep -q . && echo '(work tree has uncommitted changes)')"
} > "$WORK/meta.txt"

validate
ceiling
# Interleaved rounds: every server once per round, each round starting one
# server later, so slow drift of the machine is spread over all servers.
read -r -a SRV <<<"$SERVERS"
for r in $(seq 1 "$ROUNDS"); do
  n=${#SRV[@]}
  for i in $(seq 0 $((n - 1))); do
    run_server "${SRV[$(( (i + r - 1) % n ))]}" "$r"
  done
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); total $(( $(date +%s) - T_START )) s" >> "$WORK/meta.txt"

python3 "$HERE/report.py" --raw "$RAW" --meta "$WORK/meta.txt" --notes "$NOTES" \
  --servers "$SERVERS" --budget "$BUDGET_PCT" --out "$OUT"
bb_log "results: $OUT (raw data in $WORK)"
