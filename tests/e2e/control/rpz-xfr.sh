#!/usr/bin/env bash
# End-to-end: a policy zone transferred from an NSD primary (AXFR with TSIG
# HMAC-SHA256). The first transfer puts the policy in use; a change on the
# primary (new serial, NSD reloaded) is transferred at the next SOA refresh
# (1 s here) and takes effect within seconds, the cached answer it changes
# flushed; when the primary's key no longer matches (TSIG failure), the last
# good policy stays in use and the failure is counted.
#
# Usage: rpz-xfr.sh BOLTDNS_DP BOLTDNS_CP DP_STATS
. "$(dirname "$0")/lib.sh"
e2e_init rpzx "$1" "$2" "$3"
e2e_write_conf
PRIM_PORT=5391
SECRET=$(head -c 32 /dev/urandom | base64)
mkdir -p "$E2E_DIR/prim"
zone_v() { # SERIAL EXTRA_LINE
  cat > "$E2E_DIR/prim/rpz.test.zone" <<ZONE
\$TTL 60
@ SOA ns.rpz.test. admin.rpz.test. ( $1 1 1 86400 60 )
  NS ns.rpz.test.
www.dom1.boltnet CNAME .
$2
ZONE
}
prim_conf() { # SECRET
  cat > "$E2E_DIR/prim/nsd.conf" <<CONF
server:
    ip-address: 127.0.0.1
    port: $PRIM_PORT
    do-ip6: no
    server-count: 1
    username: ""
    chroot: ""
    database: ""
    zonelistfile: "$E2E_DIR/prim/zone.list"
    xfrdfile: "$E2E_DIR/prim/xfrd.state"
    xfrdir: "$E2E_DIR/prim"
    pidfile: "$E2E_DIR/prim/nsd.pid"
    logfile: "$E2E_DIR/prim/nsd.log"
    zonefiles-write: 0
remote-control:
    control-enable: no
key:
    name: rpzkey
    algorithm: hmac-sha256
    secret: "$1"
zone:
    name: rpz.test
    zonefile: "$E2E_DIR/prim/rpz.test.zone"
    provide-xfr: 127.0.0.0/8 rpzkey
CONF
}
prim_start() {
  ns nsd -c "$E2E_DIR/prim/nsd.conf" || { cat "$E2E_DIR/prim/nsd.log"; echo "primary did not start"; exit 1; }
  for _ in $(seq 1 50); do
    ns dig @127.0.0.1 -p $PRIM_PORT +time=1 +tries=1 +short rpz.test SOA | grep -q . && return 0
    sleep 0.1
  done
  echo "primary does not answer"; exit 1
}
prim_stop() { ns kill "$(cat "$E2E_DIR/prim/nsd.pid")" 2>/dev/null; sleep 0.5; }

zone_v 1 ""
prim_conf "$SECRET"
cat >> "$E2E_DIR/boltdns.conf" <<CONF
[rpz]
name = rpz.test
primary = 127.0.0.1@$PRIM_PORT
tsig-key = rpzkey:hmac-sha256:$SECRET
ede = blocked
CONF
e2e_start_hierarchy
prim_start
e2e_start_dp
e2e_start_cp

wait_rcode() { # RCODE NAME TYPE TENTHS
  for _ in $(seq 1 "$4"); do
    [ "$(rcode_of "$2" "$3")" = "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

wait_rcode NXDOMAIN www.dom1.boltnet A 50 && ok "first transfer: the policy is in use" ||
  bad "www.dom1.boltnet A after the first transfer: $(rcode_of www.dom1.boltnet A)"
grep -q "rpz: zone rpz.test transferred: serial 1" "$E2E_DIR/cp.log" && ok "transfer logged" ||
  bad "no transfer line in the log"
[ "$(rcode_of mail.dom1.boltnet A)" = NOERROR ] && ok "a name without policy resolves (and is cached)" ||
  bad "mail.dom1.boltnet A: $(rcode_of mail.dom1.boltnet A)"

# ---- a change on the primary: in effect within seconds ----
zone_v 2 "mail.dom1.boltnet CNAME ."
ns kill -HUP "$(cat "$E2E_DIR/prim/nsd.pid")"
t0=$(date +%s%N)
if wait_rcode NXDOMAIN mail.dom1.boltnet A 100; then
  ok "the change on the primary in effect after $(( ($(date +%s%N) - t0) / 1000000 )) ms (cached answer flushed)"
else bad "the change on the primary not in effect after 10 s: $(rcode_of mail.dom1.boltnet A)"; fi

# ---- TSIG failure: the last good policy stays ----
prim_stop
zone_v 3 "multi.dom1.boltnet CNAME ."
prim_conf "$(head -c 32 /dev/urandom | base64)"
prim_start
wait_stats; wait_stats; wait_stats
e0=$(cp_stat rpz_load_errors)
[ -n "$e0" ] && [ "$e0" -gt 0 ] && ok "TSIG failure counted (rpz_load_errors = $e0)" ||
  bad "rpz_load_errors = '$e0' after a key change on the primary"
grep -q "transfer failed: TSIG\|transfer failed: .*TSIG" "$E2E_DIR/cp.log" && ok "TSIG failure logged" ||
  bad "no TSIG failure in the log: $(grep 'transfer failed' "$E2E_DIR/cp.log" | tail -2)"
[ "$(rcode_of mail.dom1.boltnet A)" = NXDOMAIN ] && [ "$(rcode_of www.dom1.boltnet A)" = NXDOMAIN ] &&
  ok "the last good policy stays in use" || bad "policy lost after a TSIG failure"
[ "$(rcode_of multi.dom1.boltnet A)" = NOERROR ] && ok "the unverified version is not used" ||
  bad "multi.dom1.boltnet A: $(rcode_of multi.dom1.boltnet A)"
prim_stop
e2e_finish
