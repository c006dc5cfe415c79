#!/usr/bin/env bash
# End-to-end: a policy zone from a Knot DNS primary, the field's own IXFR
# and NOTIFY (tests/hierarchy/xfrprimary.py is ours, so this checks the
# client against another implementation): TSIG HMAC-SHA256, the zone's SOA
# refresh an hour. A change of the zone file, knotc zone-reload: Knot
# computes the difference (zonefile-load: difference), sends a signed NOTIFY
# to boltdns's dataplane, boltdns asks IXFR; the change is in effect within
# 2 s, by IXFR, and Knot saw boltdns's signed answer to its NOTIFY verify.
#
# Usage: rpz-knot.sh BOLTDNS_DP BOLTDNS_CP DP_STATS
. "$(dirname "$0")/lib.sh"
command -v knotd >/dev/null 2>&1 || e2e_skip "knotd not installed (Debian package knot)"
e2e_init rpzk "$1" "$2" "$3"
e2e_write_conf
PRIM_PORT=5393
SECRET=$(head -c 32 /dev/urandom | base64)
KD="$E2E_DIR/knot"
mkdir -p "$KD/db"
SERIAL=0
RULES="www.dom1.boltnet CNAME ."
zone_write() {
  SERIAL=$((SERIAL + 1))
  { echo "\$TTL 60"
    echo "@ SOA ns.rpz.test. admin.rpz.test. $SERIAL 3600 1 86400 60"
    echo "@ NS ns.rpz.test."
    echo "$RULES"; } > "$KD/rpz.test.zone.tmp"
  mv "$KD/rpz.test.zone.tmp" "$KD/rpz.test.zone"
}
zone_write
cat > "$KD/knot.conf" <<CONF
server:
    listen: 127.0.0.1@$PRIM_PORT
    rundir: "$KD"
    pidfile: "$KD/knot.pid"
log:
  - target: "$KD/knot.log"
    any: debug
control:
    listen: "$KD/knot.sock"
database:
    storage: "$KD/db"
key:
  - id: rpzkey
    algorithm: hmac-sha256
    secret: $SECRET
remote:
  - id: boltdns
    address: 127.0.0.1@$E2E_PORT
    key: rpzkey
acl:
  - id: xfr
    address: 127.0.0.0/8
    key: rpzkey
    action: transfer
zone:
  - domain: rpz.test
    storage: "$KD"
    file: rpz.test.zone
    zonefile-load: difference
    zonefile-sync: -1
    journal-content: changes
    notify: boltdns
    acl: xfr
CONF
cat >> "$E2E_DIR/boltdns.conf" <<CONF
[rpz]
name = rpz.test
primary = 127.0.0.1@$PRIM_PORT
tsig-key = rpzkey:hmac-sha256:$SECRET
CONF
e2e_start_hierarchy
ns knotd -c "$KD/knot.conf" -d || { echo "knotd did not start"; exit 1; }
for _ in $(seq 1 50); do
  ns kdig @127.0.0.1 -p $PRIM_PORT +time=1 +tries=1 +short rpz.test SOA | grep -q . && break
  sleep 0.1
done
e2e_start_dp
e2e_start_cp
knotc() { ns "$(command -v knotc)" -c "$KD/knot.conf" "$@"; }
wait_rcode() { # RCODE NAME TENTHS
  for _ in $(seq 1 "$3"); do
    [ "$(rcode_of "$2" A)" = "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

wait_rcode NXDOMAIN www.dom1.boltnet 50 && ok "first transfer (AXFR): the policy is in use" ||
  bad "www.dom1.boltnet after the first transfer: $(rcode_of www.dom1.boltnet A)"
[ "$(rcode_of mail.dom1.boltnet A)" = NOERROR ] && ok "a name without policy resolves" ||
  bad "mail.dom1.boltnet: $(rcode_of mail.dom1.boltnet A)"

# Knot's NOTIFYs at its start went unanswered (boltdns was not up yet): its
# log from here on is what this test reads.
l0=$(wc -l < "$KD/knot.log")
klog() { tail -n +$((l0 + 1)) "$KD/knot.log"; }
for step in add delete; do
  if [ $step = add ]; then
    RULES="$RULES
mail.dom1.boltnet CNAME ."; want=NXDOMAIN
  else
    RULES="www.dom1.boltnet CNAME ."; want=NOERROR
  fi
  zone_write
  t0=$(date +%s%N)
  knotc zone-reload rpz.test >/dev/null
  if wait_rcode $want mail.dom1.boltnet 20; then
    ok "$step on the primary, NOTIFY: in effect after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
  else bad "$step: not in effect 2 s after the reload: $(rcode_of mail.dom1.boltnet A)"; fi
done
sleep 0.5
klog | grep -qi "IXFR, outgoing.*started, serial 1 -> 2" &&
  klog | grep -qi "IXFR, outgoing.*started, serial 2 -> 3" &&
  ok "Knot served IXFR 1 -> 2 and 2 -> 3" ||
  bad "no IXFRs in Knot's log: $(klog | grep -i 'xfr, outgoing' | tail -3)"
n=$(klog | grep -ci "NOTIFY, outgoing.*serial")
klog | grep -i "NOTIFY, outgoing" | grep -qi "failed\|error\|TSIG\|timeout" &&
  bad "Knot's NOTIFY failed: $(klog | grep -i 'NOTIFY, outgoing' | tail -2)" ||
  { [ "$n" -ge 2 ] && ok "Knot's signed NOTIFYs answered and verified ($n)" ||
    bad "Knot's NOTIFYs: $(klog | grep -i 'NOTIFY' | tail -3)"; }
wait_stats
i=$(cp_stat rpz_ixfr) b=$(cp_stat rpz_axfr_fallbacks) f=$(cp_stat rpz_xfr_failures)
[ "${i:-0}" -ge 2 ] && [ "${b:-1}" -eq 0 ] && [ "${f:-1}" -eq 0 ] &&
  ok "rpz_ixfr = $i, no AXFR fallback, no failure" || bad "rpz_ixfr '$i', fallbacks '$b', failures '$f'"
[ "$E2E_FAILS" -eq 0 ] || { echo "--- knot log (tail)"; grep -v "debug" "$KD/knot.log" | tail -30; }
ns kill "$(cat "$KD/knot.pid")" 2>/dev/null
e2e_finish
