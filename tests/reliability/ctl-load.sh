#!/usr/bin/env bash
# Operating the control socket under load does not cost the dataplane
# answers. boltdns-dp (io = dpdk, net_af_packet on the host end of a veth
# pair, one lcore on CPU 0) answers cache-hot queries from boltdns-loadgen
# (in the namespace, CPU 1) at a fixed rate, in two windows of the same
# length: a baseline without control traffic, then one with three loops
# hammering the control socket as fast as commands complete (stats,
# stats_noreset, status, lookup, local_data add/remove, flush of names the
# load does not ask, reload; dump_cache of the whole cache, 4 x CTL_HOSTS
# entries; a /metrics scrape loop). Asserted:
#
#   - queries lost in the hammered window <= those lost in the baseline
#     + a tolerance of max(20, 0.05 % of sent) (see below);
#   - every answer in both windows is NOERROR with the question asked
#     (no miss, no SERVFAIL, no mismatch: the cache is not disturbed);
#   - every control command and scrape succeeded, and each loop ran (a
#     complete dump_cache ends with ";; N entries", N >= the seeded count
#     minus what the loop flushed);
#   - both processes are up at the end.
#
# The tolerance: the load generator, boltdns-cp and the control clients
# share CPU 1 (the lcore has CPU 0 to itself, as deployed: isolated lcores,
# control plane on housekeeping cores). A busy-polling load generator that
# loses CPU 1 for a scheduler slice sees answers late, and one descheduled
# past its 1 s timeout counts them lost without the dataplane having
# dropped anything; a handful of such queries is the client's noise, not a
# dataplane loss. Timings are reported (bench/ctl-load/run.sh measures
# them), never asserted.
#
#   ctl-load.sh BOLTDNS_DP BOLTDNS_CP BOLTCTL DP_STATS LOADGEN
set -uo pipefail
DP=$1 CP=$2 CTL=$3 DPSTATS=$4 LG=$5
SRC=$(cd "$(dirname "$0")/../.." && pwd)
NETNS=$SRC/tests/tools/netns.sh
HOSTS=${CTL_HOSTS:-10000}
HOT=${CTL_HOT:-1000}
RATE=${CTL_RATE:-20000}
WIN=${CTL_WIN:-6}
SUBNET=81

skip() { echo "SKIP: $*" >&2; exit 77; }
[ "$(id -u)" -eq 0 ] || skip "needs root (namespaces, DPDK ports)"
[ -x "$LG" ] || skip "boltdns-loadgen not built ($LG)"
for t in ip curl python3 taskset; do command -v $t >/dev/null || skip "$t not installed"; done
[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs (lcore on 0, clients on 1)"

FAILS=0 PASSES=0
ok() { PASSES=$((PASSES + 1)); echo "ok   $*"; }
bad() { FAILS=$((FAILS + 1)); echo "FAIL $*"; }

NSN="bctl$$"; NSN=${NSN:0:12}
T=$(mktemp -d /tmp/boltdns-rel-ctlload.XXXXXX)
REGION=/dev/shm/boltdns-rel-ctlload-$$
SOCK=$T/control.sock
MPORT=$((20000 + $$ % 20000))
DP_PID="" CP_PID="" LOOP_PIDS=""
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

cleanup() {
  local rc=$?
  set +e
  for p in $LOOP_PIDS; do kill "$p" 2>/dev/null; done
  for p in $CP_PID $DP_PID; do kill "$p" 2>/dev/null; done
  sleep 0.3
  for p in $CP_PID $DP_PID; do kill -9 "$p" 2>/dev/null; done
  bash "$NETNS" down "$NSN" >/dev/null 2>&1
  rm -f "$REGION"
  if [ "$rc" -ne 0 ]; then
    for f in dp.log cp.log loop-short.err loop-dump.err loop-metrics.err; do
      [ -s "$T/$f" ] && { echo "--- $f (tail)"; tail -15 "$T/$f"; }
    done
  fi
  rm -rf "$T"
  exit $rc
}
trap cleanup EXIT

eval "$(bash "$NETNS" up "$NSN" "$SUBNET" --no-host-addr)" || { echo "netns.sh up failed"; exit 1; }
LG_IP=198.18.$SUBNET.3
nsx() { ip netns exec "$NSN" "$@"; }

conf() { # conf FILE HOSTS_FILE
  cat > "$1" <<CONF
[dataplane]
io = dpdk
eal = -l 0 --no-huge -m 256 --no-pci --file-prefix=bctl-$$ --log-level=lib.eal:error --vdev=net_af_packet0,iface=$HOST_IF
address = $HOST_ADDR
[cache]
path = $REGION
size = 128M
ring-slots = 256
wipe = yes
[control]
socket = $SOCK
metrics = 127.0.0.1@$MPORT
verbosity = 1
[resolver]
root-hints = $SRC/tests/hierarchy/root.hints
prefetch = no
[local]
hosts = $2
data = reload1.ctl.test. 300 A 192.0.2.1
[acl]
allow = 198.18.0.0/15, 127.0.0.0/8
[ratelimit]
rate = 0
CONF
}
python3 - "$HOSTS" > "$T/hosts" <<'PY'
import sys
for i in range(int(sys.argv[1])):
    v = 0x0a000000 + i + 1
    print("%d.%d.%d.%d n%06d.hot.test" % (v >> 24, v >> 16 & 255, v >> 8 & 255, v & 255, i))
PY
head -n "$HOT" "$T/hosts" | awk '{ print $2 " A" }' > "$T/queries.txt"
conf "$T/seed.conf" "$T/hosts"
conf "$T/boltdns.conf" ""

ctl() { taskset -c 1 "$CTL" -s "$SOCK" -t 30 "$@"; }
entries() { ctl status 2>/dev/null | awk '$1 == "cache.entries:" { print $2 }'; }
start_cp() { # start_cp CONF LOG
  nsx taskset -c 1 "$CP" -c "$1" >> "$2" 2>&1 &
  CP_PID=$!
  for _ in $(seq 100); do
    ctl status 2>/dev/null | grep -q '^region.attached: yes' && return 0
    alive "$CP_PID" || { tail "$2"; echo "boltdns-cp exited"; exit 1; }
    sleep 0.1
  done
  echo "boltdns-cp did not attach"; exit 1
}
"$DP" -c "$T/boltdns.conf" > "$T/dp.log" 2>&1 &
DP_PID=$!
for _ in $(seq 150); do
  [ "$("$DPSTATS" "$REGION" 2>/dev/null | awk '$1 == "dp_lcores" { print $2 }')" = 1 ] && break
  alive "$DP_PID" || { cat "$T/dp.log"; echo "boltdns-dp exited"; exit 1; }
  sleep 0.1
done
# A control plane with the hosts file fills the cache and exits (the region
# keeps the entries); the one under test has one local record, so its
# reloads do not re-insert (and eventually evict) the whole cache.
start_cp "$T/seed.conf" "$T/cp-seed.log"
want=$((HOSTS * 4))
for _ in $(seq 300); do [ "$(entries)" -ge "$want" ] 2>/dev/null && break; sleep 0.1; done
kill "$CP_PID"; wait "$CP_PID" 2>/dev/null; CP_PID=""
start_cp "$T/boltdns.conf" "$T/cp.log"
n=$(entries)
[ "${n:-0}" -ge "$want" ] && ok "cache seeded: $n entries" || { bad "cache has ${n:-0} entries, $want expected"; exit 1; }

LG_EAL=(-l 1 --no-huge --no-shconf -m 256
        "--vdev=net_af_packet0,iface=$NS_IF,blocksz=4096,framesz=2048,framecnt=8192")
loadgen() { # loadgen LABEL SECONDS RATE
  nsx "$LG" "${LG_EAL[@]}" -- --queries "$T/queries.txt" --src-ip "$LG_IP" \
    --dst-ip "$HOST_ADDR" --dst-mac "$HOST_MAC" --duration "$2" --rate "$3" \
    --timeout 1000 --wait 500 --label "$1" > "$T/lg-$1.txt" 2>&1
  grep '^RESULT ' "$T/lg-$1.txt" | tail -n1
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
# the dataplane learns the load generator's MAC from its ARP; a short
# warm-up also faults in the pages both sides touch
loadgen warm 1 2000 > /dev/null

ctl_loop() { # ctl_loop NAME: until SIGTERM; writes "OK FAIL" to loop-NAME.count
  local name=$1 ok=0 fail=0 i=0 c
  trap 'echo "$ok $fail" > "$T/loop-$name.count"; exit 0' TERM
  while :; do
    i=$((i + 1))
    case $name in
    short)
      for c in stats stats_noreset status "lookup n000001.hot.test A" "lookup reload1.ctl.test" \
               "local_data add \"tmp$i.ctl.test 60 A 192.0.2.9\"" "lookup tmp$i.ctl.test" \
               "flush tmp$i.ctl.test" "local_data remove tmp$i.ctl.test" \
               "flush $(printf n%06d $((HOSTS - 1 - i % 100))).hot.test" reload; do
        if eval ctl "$c" > /dev/null 2>> "$T/loop-$name.err"; then ok=$((ok + 1))
        else fail=$((fail + 1)); echo "failed: $c" >> "$T/loop-$name.err"; fi
      done ;;
    dump)
      if ctl dump_cache > "$T/dump.out" 2>> "$T/loop-$name.err" &&
         tail -n1 "$T/dump.out" | grep -q '^;; [0-9]* entries$'; then
        ok=$((ok + 1)); tail -n1 "$T/dump.out" > "$T/dump.last"
      else fail=$((fail + 1)); echo "failed: dump_cache" >> "$T/loop-$name.err"; fi ;;
    metrics)
      if nsx taskset -c 1 curl -sf -o /dev/null "http://127.0.0.1:$MPORT/metrics"; then ok=$((ok + 1))
      else fail=$((fail + 1)); echo "failed: /metrics" >> "$T/loop-$name.err"; fi ;;
    esac
  done
}

base=$(loadgen base "$WIN" "$RATE")
for n in short dump metrics; do ctl_loop "$n" & LOOP_PIDS="$LOOP_PIDS $!"; done
sleep 0.5
hammer=$(loadgen ctl "$WIN" "$RATE")
for p in $LOOP_PIDS; do kill -TERM "$p" 2>/dev/null; done
for p in $LOOP_PIDS; do wait "$p" 2>/dev/null; done
LOOP_PIDS=""
[ -n "$base" ] && [ -n "$hammer" ] || { tail "$T"/lg-*.txt; bad "load generator failed"; exit 1; }
echo "baseline: $base"
echo "control:  $hammer"

for w in base ctl; do
  r=$base; [ $w = ctl ] && r=$hammer
  ans=$(field answered "$r") noe=$(field noerror "$r") mis=$(field mismatched "$r")
  [ "${ans:-0}" -gt 0 ] && [ "$noe" = "$ans" ] && [ "$mis" = 0 ] &&
    ok "$w: all $ans answers NOERROR, none mismatched" ||
    bad "$w: answered $ans, noerror $noe, mismatched $mis"
done
lb=$(field lost "$base") lc=$(field lost "$hammer") sc=$(field sent "$hammer")
tol=$((sc / 2000)); [ "$tol" -ge 20 ] || tol=20
[ "$lc" -le $((lb + tol)) ] &&
  ok "lost with control traffic $lc of $sc <= baseline $lb + $tol" ||
  bad "lost with control traffic $lc of $sc > baseline $lb + $tol"

for n in short dump metrics; do
  read -r o f < "$T/loop-$n.count" 2>/dev/null || { o=0; f=1; }
  [ "$f" = 0 ] && [ "$o" -gt 0 ] && ok "control loop $n: $o succeeded, 0 failed" ||
    { bad "control loop $n: $o succeeded, $f failed"; head -5 "$T/loop-$n.err" 2>/dev/null; }
done
dumped=$(awk '{ print $2 }' "$T/dump.last" 2>/dev/null)
# the short loop flushes at most 100 distinct hot.test names (2 entries each)
[ "${dumped:-0}" -ge $((want - 200)) ] && ok "dump_cache streamed the whole cache ($dumped entries)" ||
  bad "last complete dump_cache had ${dumped:-0} entries, >= $((want - 200)) expected"
alive "$DP_PID" && ok "boltdns-dp up" || bad "boltdns-dp died"
alive "$CP_PID" && ok "boltdns-cp up" || bad "boltdns-cp died"
if grep -qE 'Sanitizer|runtime error:' "$T/dp.log" "$T/cp.log" "$T/cp-seed.log" 2>/dev/null; then
  grep -E -A5 'Sanitizer|runtime error:' "$T/dp.log" "$T/cp.log" | head -30
  bad "sanitizer reports in the logs"
fi
echo "$PASSES passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
