#!/usr/bin/env bash
# End-to-end: a NOTIFY over TCP reaches every resolver worker ([resolver]
# workers = 2; control/README.md "Workers", policy.h policy_xfr_notify).
# Each worker keeps its own copy of a transferred policy zone; a NOTIFY over
# UDP reaches all of them on the miss rings, but a TCP connection reaches
# the one worker the kernel gives it (SO_REUSEPORT). That worker relays an
# accepted NOTIFY through the region (bolt_worker_info rpz_notify) and posts
# the others' control bit of the miss bell:
#  - a change + one NOTIFY over TCP: both workers transfer the new serial
#    (their logs), one counts it relayed, and 16 new names under the new
#    NODATA rule are answered NOERROR (not NXDOMAIN) by both workers;
#  - the same again (the kernel may pick the other worker this time);
#  - worker 1 restarted from a file with a second [rpz] zone ahead of
#    rpz.test: two more NOTIFYs over TCP, both workers transfer each serial.
# The zone's SOA refresh is an hour: only the NOTIFY explains the transfers.
#
# Usage: workers-rpz.sh BOLTDNS_DP BOLTDNS_CP DP_STATS
. "$(dirname "$0")/lib.sh"
e2e_init wrpz "$1" "$2" "$3"
W_PID=()
trap 'rc=$?; for p in "${W_PID[@]}"; do kill -9 "$p" 2>/dev/null; done; (exit $rc); e2e_cleanup' EXIT
e2e_write_conf
sed -i "s|^\[resolver\]|[resolver]\nworkers = 2|" "$E2E_DIR/boltdns.conf"
PRIM_PORT=5394
KEY="rpzkey:hmac-sha256:$(head -c 32 /dev/urandom | base64)"
PD="$E2E_DIR/prim"
PRIM="$E2E_HIER/xfrprimary.py"
mkdir -p "$PD"
SERIAL=0
RULES="www.dom1.boltnet 60 CNAME ."
zone_write() {
  SERIAL=$((SERIAL + 1))
  { echo "@ 60 SOA ns admin $SERIAL 3600 1 86400 60"
    echo "@ 60 NS ns.rpz.test."
    echo "$RULES"; } > "$PD/zone.tmp"
  mv "$PD/zone.tmp" "$PD/zone"
}
zone_write
cat >> "$E2E_DIR/boltdns.conf" <<CONF
[rpz]
name = rpz.test
primary = 127.0.0.1@$PRIM_PORT
tsig-key = $KEY
CONF
e2e_start_hierarchy
ns python3 "$PRIM" serve --addr 127.0.0.1 --port $PRIM_PORT --zone rpz.test --dir "$PD" \
  --key "$KEY" --log "$PD/log" --pidfile "$PD/pid" >"$PD/out" 2>&1 &
for _ in $(seq 1 50); do [ -s "$PD/pid" ] && break; sleep 0.1; done
[ -s "$PD/pid" ] || { cat "$PD/out"; echo "primary did not start"; exit 1; }
e2e_start_dp
e2e_start_two_workers
wstat() { awk -v k="$2" '$1 == k { print $2 }' "$E2E_DIR/cp$1.stats"; }
# has_serial W N: worker W transferred serial N
has_serial() { grep -q "zone rpz.test transferred: serial $2," "$E2E_DIR/cp$1.log"; }
for _ in $(seq 50); do has_serial 0 1 && has_serial 1 1 && break; sleep 0.1; done
has_serial 0 1 && has_serial 1 1 && ok "both workers transferred the zone at start-up" ||
  bad "start-up transfers: $(grep -h 'transferred' "$E2E_DIR"/cp?.log)"

# count_nodata NAME...: how many answer NOERROR (the names do not exist: a
# NODATA rule's answer, NXDOMAIN without it)
count_nodata() {
  local name
  for name in "$@"; do echo "$name A"; done >"$E2E_DIR/batch.in"
  ns dig @127.0.0.1 -p "$E2E_PORT" +time=3 +tries=1 +noall +comments -f "$E2E_DIR/batch.in" |
    grep -c 'status: NOERROR'
}

for round in 1 2; do
  RULES="$RULES
*.r$round.dom1.boltnet 60 CNAME *."
  zone_write
  wait_stats
  m1=$(wstat 1 misses)
  a=$(ns python3 "$PRIM" notify --server 127.0.0.1 --port "$E2E_PORT" --zone rpz.test \
      --serial "$SERIAL" --key "$KEY" --tcp)
  [ "$a" = NOERROR ] || bad "round $round: the NOTIFY over TCP answered '$a'"
  for _ in $(seq 30); do has_serial 0 $SERIAL && has_serial 1 $SERIAL && break; sleep 0.1; done
  if has_serial 0 $SERIAL && has_serial 1 $SERIAL; then
    ok "round $round: one NOTIFY over TCP, both workers transferred serial $SERIAL"
  else
    bad "round $round: serial $SERIAL transferred by worker 0: $(has_serial 0 $SERIAL && echo yes || echo no), worker 1: $(has_serial 1 $SERIAL && echo yes || echo no)"
  fi
  N=(); for i in $(seq 1 16); do N+=("n$i.r$round.dom1.boltnet"); done
  n=$(count_nodata "${N[@]}")
  wait_stats
  m1b=$(wstat 1 misses)
  [ "$n" = 16 ] && [ $((m1b - m1)) -gt 0 ] &&
    ok "round $round: 16 new names under the new NODATA rule NOERROR, $((m1b - m1)) misses of worker 1" ||
    bad "round $round: $n of 16 NOERROR (NODATA rule), worker 1 took $((m1b - m1)) misses"
done
# Workers started from different versions of the file: worker 1 restarted
# after a second [rpz] zone with a primary was added before rpz.test (its
# zones with a primary in another order than worker 0's). A relayed NOTIFY
# names its zone by the zone's name, not by its place in the file: both
# still transfer rpz.test (before: the other worker checked rpz2.test, or
# nothing).
echo "== worker 1 restarted with a second [rpz] zone first in its file"
PD2="$E2E_DIR/prim2"
mkdir -p "$PD2"
{ echo "@ 60 SOA ns admin 1 3600 1 86400 60"; echo "@ 60 NS ns.rpz.test."
  echo "www.dom2.boltnet 60 CNAME ."; } > "$PD2/zone"
ns python3 "$PRIM" serve --addr 127.0.0.1 --port $((PRIM_PORT + 1)) --zone rpz2.test --dir "$PD2" \
  --key "$KEY" --log "$PD2/log" --pidfile "$PD2/pid" >"$PD2/out" 2>&1 &
for _ in $(seq 1 50); do [ -s "$PD2/pid" ] && break; sleep 0.1; done
awk -v p="$((PRIM_PORT + 1))" -v k="$KEY" '
  /^\[rpz\]$/ && !done { print "[rpz]\nname = rpz2.test\nprimary = 127.0.0.1@" p "\ntsig-key = " k; done = 1 }
  { print }' "$E2E_DIR/boltdns.conf" > "$E2E_DIR/boltdns1.conf"
kill -9 "${W_PID[1]}" 2>/dev/null; wait "${W_PID[1]}" 2>/dev/null
rm -f "$E2E_DIR/cp1.stats"
ip netns exec "$E2E_NS" "$E2E_CP" -c "$E2E_DIR/boltdns1.conf" -w 1 \
  -s "$E2E_DIR/cp1.stats" >>"$E2E_DIR/cp1.log" 2>&1 &
W_PID[1]=$!
e2e_wait_attached "$E2E_DIR/cp1.stats" 100 || bad "worker 1 did not attach again"
for _ in $(seq 30); do [ "$(dp_stat cp1_owner_pid)" = "${W_PID[1]}" ] && break; sleep 0.1; done
for _ in $(seq 50); do grep -q "zone rpz2.test transferred: serial 1," "$E2E_DIR/cp1.log" && break; sleep 0.1; done
grep -q "zone rpz2.test transferred: serial 1," "$E2E_DIR/cp1.log" || bad "worker 1: rpz2.test not transferred"
for round in 3 4; do
  zone_write
  a=$(ns python3 "$PRIM" notify --server 127.0.0.1 --port "$E2E_PORT" --zone rpz.test \
      --serial "$SERIAL" --key "$KEY" --tcp)
  [ "$a" = NOERROR ] || bad "round $round: the NOTIFY over TCP answered '$a'"
  for _ in $(seq 30); do has_serial 0 $SERIAL && has_serial 1 $SERIAL && break; sleep 0.1; done
  if has_serial 0 $SERIAL && has_serial 1 $SERIAL; then
    ok "round $round (files in other orders): one NOTIFY over TCP, both workers transferred serial $SERIAL"
  else
    bad "round $round (files in other orders): serial $SERIAL transferred by worker 0: $(has_serial 0 $SERIAL && echo yes || echo no), worker 1: $(has_serial 1 $SERIAL && echo yes || echo no)"
  fi
done
[ -s "$PD2/pid" ] && kill "$(cat "$PD2/pid")" 2>/dev/null
wait_stats
r=$(( $(wstat 0 rpz_notify_relayed) + $(wstat 1 rpz_notify_relayed) ))
[ "$r" -ge 2 ] && ok "$r NOTIFYs relayed since worker 1 restarted or before (worker 0: $(wstat 0 rpz_notify_relayed), worker 1: $(wstat 1 rpz_notify_relayed))" ||
  bad "rpz_notify_relayed: $(wstat 0 rpz_notify_relayed) + $(wstat 1 rpz_notify_relayed)"
for w in 0 1; do
  grep -qE 'Sanitizer|runtime error:' "$E2E_DIR/cp$w.log" && bad "sanitizer reports in cp$w.log"
done
e2e_finish
