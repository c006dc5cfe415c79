#!/usr/bin/env bash
# DoT and DoH, cache hot, at an equal CPU budget: boltdns (boltdns-edge next
# to boltdns-dp and boltdns-cp) against Unbound's DoT and DoH and Knot
# Resolver's DoT and DoH and dnsdist's in front of Unbound; plus latency
# percentiles at a fixed rate, and TLS handshakes per second (new
# connections, and resumed ones) with openssl s_time.
#
#   flock /tmp/boltdns-bench.lock bench/edge/run.sh [-b BUILD] [-B PCT] [-l SECONDS]
#                                                    [-s "SERVERS"] [-r RUNS] [-R RATE]
#
#   -b BUILD    meson build directory with boltdns-dp, -cp, -edge (default build)
#   -B PCT      the servers' CPU budget, percent of one core (default 25)
#   -l SECONDS  length of each dnsperf run (default 10)
#   -s SERVERS  any of "boltdns unbound kresd dnsdist" (default all; dnsdist
#               is dnsdist 1.7 with its packet cache in front of an Unbound,
#               both in the budget)
#   -r RUNS     dnsperf runs per (server, transport); the median is reported (default 3)
#   -P PHASES   any of "qps latency handshakes" (default all three)
#   -R RATE     queries per second of the latency runs (default 5000: under
#               every server's capacity at 25 %, so the percentiles are of
#               answering, not of a queue that grows for the whole run)
#
# Everything runs in a private network namespace (BE_NS, default bedge) with
# the fake hierarchy of tests/hierarchy/ on its lo; the server under test
# answers on 198.18.95.1 (UDP/53 to warm its cache, DoT on 853, DoH on 443)
# with a self-signed certificate made at start. The server's processes (for
# boltdns all three) run in one CPU cgroup (bench/compare/lib.sh: quota
# PCT % of one core, server CPU 1), dnsperf pinned to CPU 0. Each server is
# warmed with one UDP pass over the names (500 names of bulk.boltnet), then
# dnsperf -m dot and -m doh (POST) send the same names for SECONDS with
# 16 connections and up to 1000 queries in flight. Reported: median qps,
# the server's CPU used (cgroup time / wall time), qps per core (qps / CPU
# used), dnsperf's average latency and its standard deviation (dnsperf
# prints no percentiles); then RUNS latency runs at RATE qps (dnsperf -v
# prints every answer's latency): the medians of p50, p99 and p99.9 and the
# queries lost; then s_time's connections per second.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=build
PCT=25
SECS=10
SERVERS="boltdns unbound kresd dnsdist"
RUNS=3
RATE=5000
PHASES="qps latency handshakes"
while getopts "b:B:l:s:r:R:P:h" opt; do
  case "$opt" in
  b) BUILD=$OPTARG ;;
  B) PCT=$OPTARG ;;
  l) SECS=$OPTARG ;;
  s) SERVERS=$OPTARG ;;
  r) RUNS=$OPTARG ;;
  R) RATE=$OPTARG ;;
  P) PHASES=$OPTARG ;;
  *) sed -n '2,37p' "$0"; exit 2 ;;
  esac
done
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
[ "$(id -u)" -eq 0 ] || { echo "run as root (namespace, cgroup)" >&2; exit 1; }
for t in dnsperf openssl nsd; do command -v $t >/dev/null || { echo "$t not installed" >&2; exit 1; }; done

NS=${BE_NS:-bedge}
ADDR=198.18.95.1
WORK=/tmp/boltdns-bench-edge
BENCH_NS_REGION=/dev/shm/bedge-region
die() { echo "bench/edge: $*" >&2; exit 1; }
. "$ROOT/bench/lib-ns.sh"
BB_CG=boltedge BB_SERVER_CPU=1 BB_CLIENT_CPU=0
. "$ROOT/bench/compare/lib.sh"

bench_ns_start
trap 'bb_cg_stop_all; bb_cg_remove 2>/dev/null || true; bench_ns_cleanup' EXIT
bb_cg_init

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=resolver.test" -addext "subjectAltName=DNS:resolver.test,IP:$ADDR" \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" >/dev/null 2>&1
for i in $(seq -w 1 500); do echo "h0$i.bulk.boltnet A"; done > "$WORK/names.txt"

wait_port() {   # wait_port PORT: until something listens on ADDR:PORT/tcp
  for _ in $(seq 100); do
    in_ns bash -c "exec 3<>/dev/tcp/$ADDR/$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# unbound_conf DIR "LISTEN LINES": the Unbound of this benchmark (one thread,
# iterator only, caches big enough for the names), listening as told
unbound_conf() {
  cat > "$1/unbound.conf" <<CONF
server:
    verbosity: 0
    $2
    incoming-num-tcp: 1000
    tcp-idle-timeout: 30000
    do-ip6: no
    num-threads: 1
    so-reuseport: no
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "$1"
    pidfile: "$1/unbound.pid"
    logfile: "$1/unbound.log"
    use-syslog: no
    access-control: 0.0.0.0/0 allow
    root-hints: "$ROOT/tests/hierarchy/root.hints"
    do-not-query-localhost: no
    module-config: "iterator"
    msg-cache-size: 64m
    rrset-cache-size: 128m
    prefetch: no
    ratelimit: 0
remote-control:
    control-enable: no
CONF
}

start_server() {   # start_server NAME: every process in the cgroup, in the namespace
  local w=$WORK/$1
  rm -rf "$w"; mkdir -p "$w"
  case "$1" in
  boltdns)
    rm -f "$BENCH_NS_REGION"
    cat > "$w/boltdns.conf" <<CONF
[dataplane]
io = socket
listen = $ADDR@53
[cache]
path = $BENCH_NS_REGION
size = 256M
wipe = yes
[control]
socket = $w/control.sock
tcp-listen = $ADDR@53
[resolver]
root-hints = $ROOT/tests/hierarchy/root.hints
[dnssec]
validation = no
[tls]
certificate = $WORK/cert.pem
key = $WORK/key.pem
dot-listen = $ADDR@853
doh-listen = $ADDR@443
max-connections-per-client = 1000
stats-file = $w/edge.stats
CONF
    bb_cg_spawn "$w/dp.log" ip netns exec "$NS" "$BUILD/dataplane/boltdns-dp" -c "$w/boltdns.conf" >/dev/null
    for _ in $(seq 50); do [ -e "$BENCH_NS_REGION" ] && break; sleep 0.1; done
    bb_cg_spawn "$w/cp.log" ip netns exec "$NS" "$BUILD/control/boltdns-cp" -c "$w/boltdns.conf" >/dev/null
    bb_cg_spawn "$w/edge.log" ip netns exec "$NS" "$BUILD/edge/boltdns-edge" -c "$w/boltdns.conf" >/dev/null
    ;;
  unbound)
    unbound_conf "$w" "interface: $ADDR@53
    interface: $ADDR@853
    interface: $ADDR@443
    tls-port: 853
    https-port: 443
    http-endpoint: \"/dns-query\"
    tls-service-key: \"$WORK/key.pem\"
    tls-service-pem: \"$WORK/cert.pem\""
    bb_cg_spawn "$w/out.log" ip netns exec "$NS" unbound -d -c "$w/unbound.conf" >/dev/null
    ;;
  dnsdist)
    # dnsdist as deployed in front of a recursor: its packet cache answers
    # hits; Unbound (same settings as above, UDP/TCP only) behind it on lo
    unbound_conf "$w" "interface: 127.0.0.1@5300"
    bb_cg_spawn "$w/out.log" ip netns exec "$NS" unbound -d -c "$w/unbound.conf" >/dev/null
    cat > "$w/dnsdist.conf" <<CONF
setLocal("$ADDR:53")
addTLSLocal("$ADDR:853", "$WORK/cert.pem", "$WORK/key.pem")
addDOHLocal("$ADDR:443", "$WORK/cert.pem", "$WORK/key.pem", "/dns-query")
setACL({"0.0.0.0/0"})
newServer({address="127.0.0.1:5300", healthCheckMode="lazy"})
pc = newPacketCache(100000, {maxTTL=86400})
getPool(""):setCache(pc)
setMaxTCPClientThreads(1)
CONF
    bb_cg_spawn "$w/dnsdist.log" ip netns exec "$NS" dnsdist --supervised --disable-syslog -C "$w/dnsdist.conf" >/dev/null
    ;;
  kresd)
    cat > "$w/kresd.conf" <<CONF
net.ipv6 = false
net.listen('$ADDR', 53, { kind = 'dns' })
net.listen('$ADDR', 853, { kind = 'tls' })
net.listen('$ADDR', 443, { kind = 'doh2' })
net.tls('$WORK/cert.pem', '$WORK/key.pem')
trust_anchors.remove('.')
modules.unload('ta_signal_query')
modules.unload('ta_sentinel')
modules.unload('detect_time_skew')
modules.unload('detect_time_jump')
modules.unload('priming')
modules.load('hints > iterate')
hints.root({ ['a.root.boltnet.'] = '198.18.1.1', ['b.root.boltnet.'] = '198.18.1.2' })
cache.open(128 * MB, 'lmdb://$w/cache')
log_level('warning')
CONF
    bb_cg_spawn "$w/out.log" ip netns exec "$NS" kresd -n -q -c "$w/kresd.conf" "$w" >/dev/null
    ;;
  esac
  wait_port 853 && wait_port 443 || { echo "$1 did not listen on 853/443"; tail -5 "$w"/*.log; return 1; }
}

client() { ip netns exec "$NS" taskset -c "$BB_CLIENT_CPU" "$@"; }

# run_perf MODE: one dnsperf run; prints "qps cpu% avg_ms sd_ms"
run_perf() {
  local mode=$1 out u0 u1 t0 t1 extra=()
  [ "$mode" = doh ] && extra=(-O doh-uri="https://$ADDR/dns-query" -O doh-method=POST)
  u0=$(bb_cg_usage_ns); t0=$(date +%s%N)
  out=$(client dnsperf -m "$mode" -s "$ADDR" "${extra[@]}" -d "$WORK/names.txt" -l "$SECS" -c 16 -q 1000 -t 5 2>&1)
  t1=$(date +%s%N); u1=$(bb_cg_usage_ns)
  echo "$out" >> "$WORK/dnsperf.log"
  local qps avg sd
  qps=$(echo "$out" | awk '/Queries per second/ { print $4 }')
  avg=$(echo "$out" | awk '/Average Latency/ { print $4 }')
  sd=$(echo "$out" | awk '/Latency StdDev/ { print $4 }')
  awk -v q="${qps:-0}" -v u=$((u1 - u0)) -v t=$((t1 - t0)) -v a="${avg:-0}" -v s="${sd:-0}" \
    'BEGIN { printf "%.0f %.1f %.3f %.3f\n", q, 100 * u / t, a * 1000, s * 1000 }'
}

# run_latency MODE: RATE qps for SECS; prints "p50_ms p99_ms p999_ms lost"
run_latency() {
  local mode=$1 extra=()
  [ "$mode" = doh ] && extra=(-O doh-uri="https://$ADDR/dns-query" -O doh-method=POST)
  client dnsperf -m "$mode" -s "$ADDR" "${extra[@]}" -d "$WORK/names.txt" -l "$SECS" -c 16 \
    -q 1000 -t 5 -Q "$RATE" -v > "$WORK/latency.out" 2>&1 || true
  local sent done_
  sent=$(awk '/Queries sent:/ { print $3 }' "$WORK/latency.out")
  done_=$(awk '/Queries completed:/ { print $3 }' "$WORK/latency.out")
  # "> RCODE NAME TYPE SECONDS" for every answer
  awk '$1 == ">" { print $NF * 1000 }' "$WORK/latency.out" | sort -g |
    awk -v lost=$(( ${sent:-0} - ${done_:-0} )) '{ v[NR] = $1 }
      END { if (NR == 0) { print "0 0 0", lost; exit }
            i50 = int(NR * 0.50); i99 = int(NR * 0.99); i999 = int(NR * 0.999)
            if (i50 < 1) i50 = 1; if (i99 < 1) i99 = 1; if (i999 < 1) i999 = 1
            printf "%.3f %.3f %.3f %d\n", v[i50], v[i99], v[i999], lost }'
}

median_cols() {   # lines of numbers on stdin -> the median of each column
  awk '{ for (i = 1; i <= NF; i++) c[i, NR] = $i; n = NF } END {
    for (i = 1; i <= n; i++) {
      m = 0; for (r = 1; r <= NR; r++) a[r] = c[i, r]
      for (x = 1; x <= NR; x++) for (y = x + 1; y <= NR; y++) if (a[y] < a[x]) { t = a[x]; a[x] = a[y]; a[y] = t }
      printf "%s%s", (i > 1 ? " " : ""), a[int((NR + 1) / 2)]
    }
    print "" }' | awk '{ printf "p50=%sms p99=%sms p99.9=%sms lost=%s\n", $1, $2, $3, $4 }'
}

median_row() {   # lines "qps cpu avg sd" on stdin -> the line with the median qps
  sort -n -k1,1 | awk '{ l[NR] = $0 } END { print l[int((NR + 1) / 2)] }'
}

RES=$WORK/results.txt
: > "$RES"
for s in $SERVERS; do
  bb_cg_quota max
  if ! start_server "$s"; then
    echo "$s: did not start" | tee -a "$RES"; bb_cg_stop_all; continue
  fi
  # warm: every name resolved once over UDP, then once over each transport
  client dnsperf -s "$ADDR" -d "$WORK/names.txt" -n 1 -c 4 -t 5 >/dev/null 2>&1 || true
  sleep 1
  client dnsperf -s "$ADDR" -d "$WORK/names.txt" -n 1 -c 4 -t 5 >/dev/null 2>&1 || true
  bb_cg_quota "$PCT"
  phase() { case " $PHASES " in *" $1 "*) return 0 ;; esac; return 1; }
  for mode in dot doh; do
    phase qps || continue
    rows=$(for _ in $(seq "$RUNS"); do run_perf "$mode"; done)
    m=$(echo "$rows" | median_row)
    echo "$s $mode budget=$PCT% $m runs=[$(echo "$rows" | awk '{ print $1 }' | tr '\n' ' ')]" | tee -a "$RES"
  done
  # latency at a fixed rate, under every server's capacity at this budget
  for mode in dot doh; do
    phase latency || continue
    rows=$(for _ in $(seq "$RUNS"); do run_latency "$mode"; done)
    echo "$s $mode latency rate=$RATE budget=$PCT% $(echo "$rows" | median_cols)" \
         "runs=[$(echo "$rows" | awk '{ print $2 "/" $3 }' | tr '\n' ' ')]" | tee -a "$RES"
  done
  # handshakes per second at the same budget: full, then resumed
  # (s_time resumes only on TLS 1.2: it closes before a TLS 1.3 ticket arrives)
  for kind in "new tls1.3:-new" "new tls1.2:-new -tls1_2" "resumed tls1.2:-reuse -tls1_2"; do
    phase handshakes || continue
    u0=$(bb_cg_usage_ns)
    out=$(client openssl s_time -connect "$ADDR:853" ${kind#*:} -time 10 2>&1 || true)
    u1=$(bb_cg_usage_ns)
    echo "$out" >> "$WORK/s_time.log"
    cps=$(echo "$out" | awk '/connections in/ && /real seconds/ { n = $1; for (i = 1; i <= NF; i++) if ($i == "real") t = $(i - 1); if (t > 0) printf "%.0f", n / t; exit }')
    # the server's CPU per connection does not depend on how fast the one
    # s_time client is (it does the same handshake work on its own CPU)
    us=$(echo "$out" | awk -v u=$((u1 - u0)) '/connections in/ && /real seconds/ { if ($1 > 0) printf "%.0f", u / 1000 / $1; exit }')
    echo "$s handshakes ${kind%%:*} budget=$PCT% ${cps:-?} conn/s, server CPU ${us:-?} us/conn" | tee -a "$RES"
  done
  bb_cg_quota max
  bb_cg_stop_all
done
echo "results: $RES (raw: $WORK/dnsperf.log, $WORK/s_time.log)"
