#!/usr/bin/env bash
# RFC 5011 reference test (issue 13): the fake root's KSK rolled with
# tests/hierarchy/rollroot.sh (publish, revoke, remove) is followed by a
# validating Unbound that starts from WORKDIR/root.key with
# auto-trust-anchor-file and hold-downs of 10 s: the new key becomes VALID
# after the hold-down, the old one REVOKED, answers stay secure throughout
# and across a restart. A resolver with the old anchor as a static anchor
# fails once the old key is revoked. This proves rollroot.sh produces a roll
# a real RFC 5011 resolver follows; the boltdns test does the same steps.
#
# Usage: rfc5011.sh        (root; exit 77 = skipped). Takes about 90 s: the
# root's DNSKEY TTL is 60 s, so Unbound probes it every 30 s.
. "$(dirname "$0")/../control/lib.sh"
. "$(dirname "$0")/lib.sh"

e2e_need unbound unbound-checkconf dnssec-signzone dnssec-keygen dnssec-revoke ldns-signzone
e2e_init dnssec-5011 "" "" ""
e2e_start_hierarchy
HIER="$E2E_DIR/hier"
ANCHOR="$HIER/root.key"
STATE="$E2E_DIR/unbound-root.key"
STATIC_PORT=5301

start_unbound() {
  ip netns exec "$E2E_NS" env UNBOUND_AUTO_TRUST=yes UNBOUND_ADD_HOLDDOWN=10 UNBOUND_DEL_HOLDDOWN=10 \
    bash "$E2E_HIER/unbound.sh" start "$E2E_PORT" "$E2E_DIR" --validate "$ANCHOR" >>"$E2E_DIR/unbound.out" 2>&1 ||
    { cat "$E2E_DIR/unbound.out"; echo "unbound did not start"; exit 1; }
  E2E_UNBOUND=$E2E_PORT
}
roll() { ns bash "$E2E_HIER/rollroot.sh" "$HIER" "$1" >>"$E2E_DIR/roll.out" 2>&1 || { cat "$E2E_DIR/roll.out"; echo "FAIL rollroot.sh $1"; exit 1; }; }

# key_state TAG: the RFC 5011 state Unbound wrote for key TAG (VALID, ADDPEND,
# REVOKED, ...), empty if the key is not in its state file
key_state() { sed -n "s/.*id = $1 ([a-z]*).*state=[0-9] \[ *\([A-Z]*\) *\].*/\1/p" "$STATE" 2>/dev/null; }

# wait_state TAG STATE SECONDS
wait_state() {
  local i
  for i in $(seq "$3"); do
    [ "$(key_state "$1")" = "$2" ] && { ok "key $1 is $2 after ${i}s"; return 0; }
    sleep 1
  done
  bad "key $1 is '$(key_state "$1")', not $2 after $3 s"
  sed 's/^/     | /' "$STATE"
  return 1
}

old=$(awk '$3 == "DS" { print $4; exit }' "$ANCHOR")
start_unbound
dnssec_check_case start www.sec.boltnet A do NOERROR ad - ans 198.19.13.10
[ "$(key_state "$old")" = VALID ] && ok "anchored key $old VALID" || bad "anchored key $old: '$(key_state "$old")'"
# A second resolver keeps the old key as a static anchor.
ip netns exec "$E2E_NS" bash "$E2E_HIER/unbound.sh" start "$STATIC_PORT" "$E2E_DIR/static" --validate "$ANCHOR" \
  >>"$E2E_DIR/unbound.out" 2>&1 || { cat "$E2E_DIR/unbound.out"; echo "static unbound did not start"; exit 1; }

echo "== publish a new KSK"
roll publish
new=$(awk '$3 == "DS" { print $4; exit }' "$HIER/root-new.key")
wait_state "$new" VALID 120
dnssec_check_case published www.sec.boltnet A do NOERROR ad - ans 198.19.13.10

echo "== revoke the old KSK"
roll revoke
revoked=$(ns bash "$E2E_HIER/rollroot.sh" "$HIER" status | awk '$3 == "revoked" { print $1; exit }')
wait_state "$revoked" REVOKED 90
dnssec_check_case revoked www.dom1.boltnet A do NOERROR ad - ans 198.19.1.80
# The static resolver's anchor no longer matches a usable key (flags changed).
rc=$(DNSSEC_PORT=$STATIC_PORT dnssec_dig www.sec.boltnet A do | dnssec_facts | awk '{ print $1 }')
[ "$rc" = SERVFAIL ] && ok "static old anchor after the revocation: SERVFAIL" || bad "static old anchor: $rc, not SERVFAIL"

echo "== restart: the state survives"
start_unbound
dnssec_check_case restarted www.wild.boltnet A do NOERROR ad - ans 198.19.13.31
[ "$(key_state "$new")" = VALID ] && ok "key $new still VALID" || bad "key $new: '$(key_state "$new")'"

echo "== remove the revoked key"
roll remove
sleep 2
dnssec_check_case removed www.nsec3.boltnet A do NOERROR ad - ans 198.19.13.20

ip netns exec "$E2E_NS" bash "$E2E_HIER/unbound.sh" stop "$STATIC_PORT" "$E2E_DIR/static" >/dev/null 2>&1
e2e_finish
