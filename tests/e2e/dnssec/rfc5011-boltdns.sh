#!/usr/bin/env bash
# RFC 5011 with boltdns (issue 13): boltdns-cp starts from WORKDIR/root.key
# (the fake root's KSK as DS) with a hold-down of 4 s, and follows a root KSK
# roll made by tests/hierarchy/rollroot.sh: the new KSK is published
# (AddPend), becomes Valid after the hold-down, survives a restart of
# boltdns-cp through the state file; the old KSK, published revoked and
# self-signed, becomes Revoked (no longer trusted), then Removed after the
# hold-down, then forgotten once unpublished; names asked for the first time
# still validate (AD) with the new key alone.
#
# boltdns-cp fetches the root's DNSKEY set again when its key cache has
# none: each step restarts the control plane (the dataplane and its cache
# stay), which the roll must survive anyway, and asks a name never asked
# before, which validates through the root.
#
# Usage: rfc5011-boltdns.sh BOLTDNS_DP BOLTDNS_CP DP_STATS BOLTCTL  (root; 77 = skipped)
. "$(dirname "$0")/../control/lib.sh"
. "$(dirname "$0")/lib.sh"

e2e_need dnssec-signzone dnssec-keygen dnssec-revoke ldns-signzone
BOLTCTL=$4
HOLD=4
e2e_init dnssec-5011b "$1" "$2" "$3"
E2E_EXTRA_DNSSEC="trust-anchor-hold-down = $HOLD"
e2e_start_all
HIER="$E2E_DIR/hier"
STATE="$E2E_DIR/ta-state.key"

roll() { ns bash "$E2E_HIER/rollroot.sh" "$HIER" "$1" >>"$E2E_DIR/roll.out" 2>&1 || { cat "$E2E_DIR/roll.out"; echo "FAIL rollroot.sh $1"; exit 1; }; }

restart_cp() {
  kill "$E2E_CP_PID" 2>/dev/null
  wait "$E2E_CP_PID" 2>/dev/null
  rm -f "$E2E_DIR/cp.stats"
  e2e_start_cp
}

# key_state TAG: the state boltdns-cp wrote for key TAG in its state file
# (Valid, AddPend, Revoked, ...), empty when the key is not there
key_state() { sed -n "s/.*;;state=\([A-Za-z]*\) tag=$1 .*/\1/p" "$STATE" 2>/dev/null; }
expect_state() { # expect_state WHAT TAG STATE
  local got
  got=$(key_state "$2")
  [ "$got" = "$3" ] && ok "$1: key $2 is ${3:-gone}" || { bad "$1: key $2 is '$got', not '${3:-gone}'"; sed 's/^/     | /' "$STATE"; }
}
# ask WHAT N: a bulk name never asked before validates (secure, AD)
ask() { dnssec_check_case "$1" "$(printf 'h%04d' "$2").bulk.boltnet" A do NOERROR ad - ans "198.19.128.$2"; }

old=$(awk '$3 == "DS" { print $4; exit }' "$HIER/root.key")
ask start 1
# The DS anchor gave way to the key it vouches for (a state change: the file is written).
expect_state start "$old" Valid

echo "== publish a new KSK"
roll publish
new=$(awk '$3 == "DS" { print $4; exit }' "$HIER/root-new.key")
restart_cp
ask published 2
expect_state published "$new" AddPend
expect_state published "$old" Valid
sleep "$HOLD"
restart_cp
ask hold-down 3
expect_state hold-down "$new" Valid

echo "== revoke the old KSK (flags 385, its tag + 128, self-signed)"
roll revoke
revoked=$(ns bash "$E2E_HIER/rollroot.sh" "$HIER" status | awk '$3 == "revoked" { print $1; exit }')
[ "$revoked" = $(((old + 128) % 65536)) ] && ok "revoked key tag $revoked" || bad "revoked key tag '$revoked'"
restart_cp
ask revoked 4
expect_state revoked "$revoked" Revoked
expect_state revoked "$old" ""
grep -q "key $revoked published revoked, self-signed" "$E2E_DIR/cp.log" && ok "log: self-signed revocation" ||
  bad "no 'published revoked, self-signed' in the log"
st=$("$BOLTCTL" -s "$E2E_DIR/control.sock" dnssec status 2>&1)
tk=$(awk '$1 == "anchors.point.0.trusted_keys:" { print $2 }' <<<"$st")
[ "$tk" = 1 ] && ok "dnssec status: 1 trusted key" || { bad "dnssec status: trusted_keys '$tk'"; sed 's/^/     | /' <<<"$st"; }
sleep "$HOLD"
restart_cp
ask removal-hold-down 5
expect_state removal-hold-down "$revoked" Removed

echo "== remove the revoked key from the root"
roll remove
restart_cp
ask removed 6
expect_state removed "$revoked" ""
expect_state removed "$new" Valid
n=$(grep -c ' DNSKEY ' "$STATE")
[ "$n" = 1 ] && ok "state file: the new key only" || { bad "state file: $n keys"; sed 's/^/     | /' "$STATE"; }

echo "== restart once more: the state file alone"
restart_cp
ask restarted 7
dnssec_check_case restarted www.sec.boltnet A do NOERROR ad - ans 198.19.13.10
grep -q "not self-signed" "$E2E_DIR/cp.log" && bad "a revocation was refused" || ok "no refused revocation"
e2e_finish
