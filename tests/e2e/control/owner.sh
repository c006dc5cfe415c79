#!/usr/bin/env bash
# End-to-end: one producer and one consumer per ring (region.h "Ownership").
#  - ring-drain refuses to read the miss rings while a boltdns-cp owns them;
#  - a second boltdns-cp whose wall clock is an hour ahead (an NTP step seen
#    by it alone, through clockstep.so) still finds the first alive and
#    waits: heartbeats are on CLOCK_BOOTTIME (with unix-second heartbeats it
#    took the rings over while the first kept reading them);
#  - a second boltdns-dp on the same region (wipe = no) refuses to start;
#  - a control plane, then a dataplane, whose role another process takes
#    stop at once and exit 1 with a message saying so.
# Misses are names of the fake hierarchy's bulk zone (h0001..h2000), each
# asked once: a miss answered means a control plane consumed it.
#
# Usage: owner.sh BOLTDNS_DP BOLTDNS_CP DP_STATS RING_DRAIN REGION_STEAL CLOCKSTEP_SO
. "$(dirname "$0")/lib.sh"
DRAIN=$4 STEAL=$5 CLOCKSTEP=$6
e2e_init owner "$1" "$2" "$3"
e2e_start_all

miss() { # N: a name asked once, never in the cache before, so a miss
  rcode_of +time=3 "$(printf 'h%04d' "$1").bulk.boltnet" A
}
[ "$(miss 1)" = NOERROR ] && ok "boltdns-cp answers misses" || bad "boltdns-cp does not answer misses"
if [ "$(dp_stat dp_owner_pid)" = "$E2E_DP_PID" ] && [ "$(dp_stat cp_owner_pid)" = "$E2E_CP_PID" ]; then
  ok "dp-stats: the region's owners are the running dataplane and control plane"
else
  bad "dp-stats owners: dp $(dp_stat dp_owner_pid), cp $(dp_stat cp_owner_pid)"
fi

# ---- ring-drain while boltdns-cp owns the rings
out=$(ns "$DRAIN" -w 1 "$E2E_REGION" 2>&1); rc=$?
if [ $rc -eq 3 ] && grep -q "in use by pid $E2E_CP_PID" <<<"$out"; then
  ok "ring-drain refuses while boltdns-cp (pid $E2E_CP_PID) owns the rings"
else
  bad "ring-drain with boltdns-cp running: exit $rc: $out"
fi
[ "$(miss 2)" = NOERROR ] && ok "boltdns-cp still answers after ring-drain tried" ||
  bad "misses lost after ring-drain tried"

# ---- a second control plane with its wall clock an hour ahead
sed -e '/^tcp-listen/d' -e "s|^socket = .*|socket = $E2E_DIR/control2.sock|" \
  "$E2E_DIR/boltdns.conf" >"$E2E_DIR/boltdns2.conf"
ip netns exec "$E2E_NS" env BOLT_TEST_CLOCK_STEP=3600 LD_PRELOAD="$CLOCKSTEP" \
  "$E2E_CP" -c "$E2E_DIR/boltdns2.conf" -s "$E2E_DIR/cp2.stats" >>"$E2E_DIR/cp2.log" 2>&1 &
CP2_PID=$!
sleep 2.5
m0=$(cp_stat misses)
a=$(miss 3) b=$(miss 4)
wait_stats
m1=$(cp_stat misses)
if kill -0 "$CP2_PID" 2>/dev/null && grep -q "in use by another boltdns-cp (pid $E2E_CP_PID)" "$E2E_DIR/cp2.log" &&
   grep -q '^attached 0' "$E2E_DIR/cp2.stats" && grep -q '^misses 0' "$E2E_DIR/cp2.stats"; then
  ok "a boltdns-cp stepped an hour ahead waits for the live one"
else
  bad "a boltdns-cp stepped an hour ahead: $(tail -n 2 "$E2E_DIR/cp2.log" | tr '\n' ' ') $(grep -E '^(attached|misses) ' "$E2E_DIR/cp2.stats" | tr '\n' ' ')"
fi
if [ "$a $b" = "NOERROR NOERROR" ] && [ $((m1 - m0)) -eq 2 ]; then
  ok "the first boltdns-cp alone took the misses ($m0 -> $m1)"
else
  bad "misses with two control planes: $a $b, first took $m0 -> $m1"
fi
kill "$CP2_PID" 2>/dev/null
wait "$CP2_PID" 2>/dev/null
# the one that waited gave nothing up on exit: it never had the role
out=$(ns "$DRAIN" -w 0.2 "$E2E_REGION" 2>&1)
grep -q "in use by pid $E2E_CP_PID" <<<"$out" && ok "the waiting one left the claim alone" ||
  bad "claim after the waiting one exited: $out"

# ---- a second dataplane on the same region
sed -e 's/^wipe = yes/wipe = no/' -e "s|^listen = .*|listen = 127.0.0.1@$((E2E_PORT + 1))|" \
  "$E2E_DIR/boltdns.conf" >"$E2E_DIR/boltdns-dp2.conf"
timeout 10 ip netns exec "$E2E_NS" "$E2E_DP" -c "$E2E_DIR/boltdns-dp2.conf" >"$E2E_DIR/dp2.log" 2>&1
rc=$?
if [ $rc -eq 1 ] && grep -q "in use by another boltdns-dp (pid $E2E_DP_PID)" "$E2E_DIR/dp2.log"; then
  ok "a second boltdns-dp on the region refuses to start"
else
  bad "a second boltdns-dp: exit $rc: $(tail -n 2 "$E2E_DIR/dp2.log" | tr '\n' ' ')"
fi
[ "$(dp_stat dp_pid)" = "$E2E_DP_PID" ] && ok "dp_pid still the first dataplane's" ||
  bad "dp_pid $(dp_stat dp_pid)"
[ "$(miss 5)" = NOERROR ] && ok "still served after the refused dataplane" || bad "service broken"

# ---- the control plane's role taken: it stops at once and exits 1
"$STEAL" "$E2E_REGION" cp $$ >/dev/null
for _ in $(seq 1 40); do kill -0 "$E2E_CP_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$E2E_CP_PID" 2>/dev/null; then
  bad "boltdns-cp still running 4 s after losing the region"
else
  wait "$E2E_CP_PID"; rc=$?
  if [ $rc -eq 1 ] && grep -q "lost region .* to another process (pid $$)" "$E2E_DIR/cp.log"; then
    ok "boltdns-cp that lost the region exited 1: $(grep -m1 'lost region' "$E2E_DIR/cp.log" | cut -c1-90)"
  else
    bad "boltdns-cp after losing the region: exit $rc, $(tail -n 2 "$E2E_DIR/cp.log" | tr '\n' ' ')"
  fi
fi
E2E_CP_PID=
r=$(rcode_of +time=2 h1999.bulk.boltnet A)
[ -z "$r" ] && ok "no control plane reads the rings any more" || bad "a miss was answered: $r"

# ---- the dataplane's role taken: it stops and exits 1
"$STEAL" "$E2E_REGION" dp $$ >/dev/null
for _ in $(seq 1 40); do kill -0 "$E2E_DP_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$E2E_DP_PID" 2>/dev/null; then
  bad "boltdns-dp still running 4 s after losing the region"
else
  wait "$E2E_DP_PID"; rc=$?
  if [ $rc -eq 1 ] && grep -q "lost region .* to another process (pid $$)" "$E2E_DIR/dp.log"; then
    ok "boltdns-dp that lost the region exited 1"
  else
    bad "boltdns-dp after losing the region: exit $rc, $(tail -n 2 "$E2E_DIR/dp.log" | tr '\n' ' ')"
  fi
fi
E2E_DP_PID=
cat "$E2E_DIR/cp2.log" >>"$E2E_DIR/cp.log"
e2e_finish
