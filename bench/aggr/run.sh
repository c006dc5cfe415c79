#!/usr/bin/env bash
# Upstream queries for random nonexistent names under a signed zone, with
# aggressive use of the DNSSEC-validated cache (RFC 8198, [dnssec]
# aggressive-nsec) on and off, and Unbound 1.17 (aggressive-nsec: yes and
# no) in the same run: issue 13's measurement.
#
#   bench/aggr/run.sh [-b BUILD] [-n NAMES] [-r RATE] [-k ROUNDS] [-z "ZONES"]
#
#   -b BUILD    meson build directory with boltdns-dp and boltdns-cp (default build)
#   -n NAMES    random names per round (default 10000)
#   -r RATE     client rate, queries per second (default 2000)
#   -k ROUNDS   rounds per server and zone, medians reported (default 3)
#   -z ZONES    signed zones of tests/hierarchy (default "bulk.boltnet nsec3.boltnet":
#               NSEC with 2000 names, NSEC3 with five)
#
# Everything runs in a private network namespace (AG_NS, default aggr): the
# fake hierarchy of tests/hierarchy/ (signed at start) on its own lo, the
# server under test on 198.18.91.1 with the peers' configurations of
# bench/peers/ (validating with the hierarchy's root key), dnsperf at a
# fixed rate. Each round starts the server cold, asks one existing name of
# the zone (the zone cut and its keys), then NAMES random names
# (8 characters of [a-z0-9]) under it, new in every round. Upstream queries
# are counted from the namespace's UDP datagrams (/proc/net/snmp
# OutDatagrams: each upstream query and its answer are two, each client
# query and its answer two more), the same way for every server; boltdns's
# own upstream_queries counter is shown next to it.
#
# Needs root, dnsperf, nsd, unbound. Take the bench lock
# (flock /tmp/boltdns-bench.lock bench/aggr/run.sh ...): the counts do not
# depend on timing, but the runs load the machine.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=build
NAMES=10000
RATE=2000
ROUNDS=3
ZONES="bulk.boltnet nsec3.boltnet"
die() { echo "aggr: error: $*" >&2; exit 1; }
log() { echo "aggr: $*" >&2; }
while getopts "b:n:r:k:z:h" opt; do
  case "$opt" in
  b) BUILD=$OPTARG ;;
  n) NAMES=$OPTARG ;;
  r) RATE=$OPTARG ;;
  k) ROUNDS=$OPTARG ;;
  z) ZONES=$OPTARG ;;
  h) sed -n '2,14p' "$0"; exit 0 ;;
  *) exit 2 ;;
  esac
done
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
case "$NAMES$RATE$ROUNDS" in *[!0-9]*) die "-n, -r and -k take numbers" ;; esac
for t in ip dig dnsperf unbound; do command -v "$t" >/dev/null || die "'$t' not found"; done
NS=${AG_NS:-aggr}
ADDR=198.18.91.1
WORK=${AG_WORK:-/tmp/boltdns-aggr-bench}
HINTS=$ROOT/tests/hierarchy/root.hints
BENCH_NS_REGION=/dev/shm/aggr-$NS-region
. "$ROOT/bench/lib-ns.sh"

udp_out() { in_ns awk '/^Udp:/ { if (h) print $5; h = 1 }' /proc/net/snmp; }

# start_server VARIANT DIR: boltdns-on, boltdns-off, unbound-on, unbound-off
start_server() {
  local v=$1 dir=$2
  PIDS=()
  case "$v" in
  boltdns-*)
    sed -e "s|@ADDR@|$ADDR|g" -e "s|@WORKDIR@|$dir|g" -e "s|@HINTS@|$HINTS|g" \
        -e "s|@ANCHOR@|$WORK/hier/root.key|g" -e "s|^path = .*|path = $BENCH_NS_REGION|" \
        -e "s|^\[dnssec\]\$|[dnssec]\naggressive-nsec = $([ "$v" = boltdns-on ] && echo yes || echo no)|" \
        "$ROOT/bench/peers/boltdns-socket.conf.in" > "$dir/boltdns.conf"
    bench_ns_boltdns "$BUILD" "$dir" -s "$dir/cp.stats"
    PIDS+=("$BOLT_DP_PID" "$BOLT_CP_PID")
    ;;
  unbound-*)
    sed -e "s|@ADDR@|$ADDR|g" -e "s|@PORT@|53|g" -e "s|@WORKDIR@|$dir|g" -e "s|@HINTS@|$HINTS|g" \
        -e "s|@ANCHOR@|$WORK/hier/root.key|g" \
        -e "s|^    qname-minimisation: yes\$|    qname-minimisation: yes\n    aggressive-nsec: $([ "$v" = unbound-on ] && echo yes || echo no)|" \
        "$ROOT/bench/peers/unbound.conf.in" > "$dir/unbound.conf"
    ip netns exec "$NS" unbound -d -c "$dir/unbound.conf" > "$dir/out.log" 2>&1 &
    STARTED+=($!)
    PIDS+=($!)
    ;;
  esac
}

cp_stat() { awk -v k="$1" '$1 == k { print $2 }' "$2/cp.stats" 2>/dev/null || true; }

bench_ns_start
VARIANTS="boltdns-on boltdns-off unbound-on unbound-off"
RES=$WORK/results.txt
: > "$RES"
for z in $ZONES; do
  # An existing name of the zone: its cut and keys, before the measurement.
  case "$z" in bulk.boltnet) known=h0001.$z ;; *) known=www.$z ;; esac
  for round in $(seq 1 "$ROUNDS"); do
    for v in $VARIANTS; do
      dir=$WORK/$z-$v-$round
      mkdir -p "$dir"
      start_server "$v" "$dir"
      bench_ns_wait_dns "$known" || { log "$v did not answer (logs in $dir)"; kill_all "${PIDS[@]}"; continue; }
      awk -v n="$NAMES" -v z="$z" -v seed="$RANDOM$round" 'BEGIN {
        srand(seed); c = "abcdefghijklmnopqrstuvwxyz0123456789"
        for (i = 0; i < n; i++) { s = ""; for (j = 0; j < 8; j++) s = s substr(c, int(rand() * 36) + 1, 1); print s "." z " A" }
      }' > "$dir/names.txt"
      sleep 1.2
      b0=$(cp_stat upstream_queries "$dir")
      u0=$(udp_out)
      in_ns dnsperf -s "$ADDR" -d "$dir/names.txt" -n 1 -Q "$RATE" -q 1000 -t 5 > "$dir/dnsperf.txt" 2>&1 || true
      u1=$(udp_out)
      sleep 1.2
      b1=$(cp_stat upstream_queries "$dir")
      answered=$(awk '/Queries completed:/ { print $3 }' "$dir/dnsperf.txt")
      nx=$(sed -n 's/.*NXDOMAIN \([0-9]*\) .*/\1/p' "$dir/dnsperf.txt")
      [ -n "$answered" ] || answered=0
      # Each answered client query: 2 datagrams; the rest: 2 per upstream query.
      up=$(( (u1 - u0 - 2 * answered) / 2 ))
      own=-
      [ -n "${b0:-}" ] && [ -n "${b1:-}" ] && own=$((b1 - b0))
      echo "$z $v $round $NAMES ${answered:-0} ${nx:-0} $up $own" | tee -a "$RES"
      kill_all "${PIDS[@]}"
    done
  done
done

echo
echo "medians over $ROUNDS rounds, $NAMES random names each"
printf '%-14s %-12s %9s %9s %10s %12s %10s\n' zone server answered nxdomain upstream "upstream/1k" "own count"
awk '
  { k = $1 " " $2; n[k]++; a[k, n[k]] = $5; x[k, n[k]] = $6; u[k, n[k]] = $7; o[k, n[k]] = $8; names[k] = $4; order[k] = order[k] ? order[k] : ++m; key[m] = k }
  function med(arr, k, c,   i, j, t, v) {
    for (i = 1; i <= c; i++) v[i] = arr[k, i]
    for (i = 2; i <= c; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] + 0 > t + 0; j--) v[j + 1] = v[j]; v[j + 1] = t }
    return v[int((c + 1) / 2)]
  }
  END {
    for (i = 1; i <= m; i++) {
      k = key[i]; split(k, p, " "); c = n[k]
      up = med(u, k, c)
      printf "%-14s %-12s %9d %9d %10d %12.1f %10s\n", p[1], p[2], med(a, k, c), med(x, k, c), up, up * 1000 / names[k], med(o, k, c)
    }
  }' "$RES"
