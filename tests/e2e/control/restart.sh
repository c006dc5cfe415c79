#!/usr/bin/env bash
# End-to-end: SIGKILL boltdns-cp while the dataplane runs. Cached answers are
# still served (by the dataplane alone); a restarted boltdns-cp re-attaches to
# the region and resolves new names again; one started before the dataplane
# waits for the region instead of failing.
#
# The control socket (boltctl) follows the control plane's life.
#
# Usage: restart.sh BOLTDNS_DP BOLTDNS_CP DP_STATS [BOLTCTL]
. "$(dirname "$0")/lib.sh"
BOLTCTL=${4:-}
e2e_init restart "$1" "$2" "$3"
e2e_write_conf
e2e_start_hierarchy

# Control plane first: no region yet, it must wait and retry, not exit.
ip netns exec "$E2E_NS" "$E2E_CP" -c "$E2E_DIR/boltdns.conf" -s "$E2E_DIR/cp.stats" >>"$E2E_DIR/cp.log" 2>&1 &
E2E_CP_PID=$!
sleep 1.5
if kill -0 "$E2E_CP_PID" 2>/dev/null && grep -q 'retrying' "$E2E_DIR/cp.log"; then
  ok "boltdns-cp without a region waits and retries"
else
  bad "boltdns-cp without a region: not waiting"
fi
e2e_start_dp
e2e_wait_attached "$E2E_DIR/cp.stats" 30 && ok "attached once the dataplane created the region" ||
  bad "never attached"

expect() { # DESCRIPTION WANT_SHORT QUERY...
  local d=$1 ws=$2; shift 2
  local s; s=$(short_of "$@")
  if [ "$s" = "$ws" ]; then ok "$d: $s"; else bad "$d: got '$s', want '$ws'"; fi
}
expect "resolved before the kill" "198.19.1.80 " www.dom1.boltnet A
expect "resolved before the kill" "198.19.2.80 " www.dom2.boltorg A

if [ -n "$BOLTCTL" ]; then
  n=$("$BOLTCTL" -s "$E2E_DIR/control.sock" stats_noreset | awk '$1 == "cp.resolutions:" { print $2 }')
  [ "${n:-0}" -ge 2 ] && ok "boltctl stats: cp.resolutions $n" || bad "boltctl stats: '$n'"
  l=$("$BOLTCTL" -s "$E2E_DIR/control.sock" lookup www.dom1.boltnet A | grep -c 198.19.1.80)
  [ "$l" -ge 1 ] && ok "boltctl lookup finds the resolved entry" || bad "boltctl lookup"
fi
kill -9 "$E2E_CP_PID"
wait "$E2E_CP_PID" 2>/dev/null
E2E_CP_PID=

h0=$(dp_stat hits)
expect "hit with the control plane dead" "198.19.1.80 " www.dom1.boltnet A
expect "hit with the control plane dead" "198.19.2.80 " www.dom2.boltorg A
h1=$(dp_stat hits)
if [ $((h1 - h0)) -eq 2 ]; then ok "both answered from the cache ($h0 -> $h1)"; else bad "hits $h0 -> $h1"; fi
r=$(q +time=2 www.dom3.boltnet A | grep -c 'ANSWER SECTION')
if [ "$r" -eq 0 ]; then ok "a miss gets no answer while the control plane is down"; else bad "a miss was answered with no control plane"; fi

rm -f "$E2E_DIR/cp.stats"
e2e_start_cp
expect "resolves again after restart" "198.19.3.80 " www.dom3.boltnet A
expect "old entries survive the restart" "198.19.1.80 " www.dom1.boltnet A
if [ -n "$BOLTCTL" ]; then
  grep -q '^controlplane.pid: '"$E2E_CP_PID" <<<"$("$BOLTCTL" -s "$E2E_DIR/control.sock" status)" &&
    ok "control socket back with the new control plane" || bad "control socket after restart"
fi

# A second control plane on the same region must not attach: the miss rings
# have one reader. It waits, and takes over when the first one dies. (Its
# own control socket, no TCP listener: otherwise the busy TCP port alone
# would stop it. It runs in the namespace: the cleanup kills it on failure.)
sed -e '/^tcp-listen/d' -e "s|^socket = .*|socket = $E2E_DIR/control2.sock|" \
  "$E2E_DIR/boltdns.conf" >"$E2E_DIR/boltdns2.conf"
ip netns exec "$E2E_NS" "$E2E_CP" -c "$E2E_DIR/boltdns2.conf" -s "$E2E_DIR/cp2.stats" \
  >>"$E2E_DIR/cp2.log" 2>&1 &
CP2_PID=$!
sleep 2.5
if kill -0 "$CP2_PID" 2>/dev/null && grep -q "in use by another boltdns-cp (pid $E2E_CP_PID)" "$E2E_DIR/cp2.log" &&
   grep -q '^attached 0' "$E2E_DIR/cp2.stats"; then
  ok "a second boltdns-cp waits: the region is in use by pid $E2E_CP_PID"
else
  bad "a second boltdns-cp on the same region: $(tail -n 2 "$E2E_DIR/cp2.log" | tr '\n' ' ')"
fi
expect "the first one still resolves" "198.19.4.80 " www.dom4.boltorg A
kill -9 "$E2E_CP_PID"
wait "$E2E_CP_PID" 2>/dev/null
E2E_CP_PID=
e2e_wait_attached "$E2E_DIR/cp2.stats" 40 && ok "the waiting boltdns-cp took over when the first died" ||
  bad "no take-over"
expect "resolves after the take-over" "198.19.1.25 " mail.dom1.boltnet A
E2E_CP_PID=$CP2_PID
cat "$E2E_DIR/cp2.log" >>"$E2E_DIR/cp.log"
e2e_finish
