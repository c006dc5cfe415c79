#!/usr/bin/env bash
# End-to-end: what the serving side answers itself, with the real dataplane
# (io = socket) and boltdns-cp over the fake hierarchy.
# - AXFR/IXFR (and MAILA/MAILB, class CH) over UDP and TCP: REFUSED with EDE
#   21 Not Supported, never sent upstream.
# - ANY (RFC 8482): answered from the name's A answer (or the HINFO
#   "RFC8482" when the name has no A), never asked upstream as ANY, cached
#   (the next ANY over UDP is a dataplane hit).
# - RD=0: a miss is REFUSED with EDE 20 (as Unbound), never recursed; once
#   cached, answered.
# - A SERVFAIL carries an EDE, and so does the same SERVFAIL answered by the
#   dataplane from the cache (second query).
# - Locally served zones (RFC 6303, RFC 6761, RFC 7686): 1.0.168.192 PTR
#   NXDOMAIN with the zone's SOA, localhost A 127.0.0.1 / AAAA ::1, onion.
#   and invalid. NXDOMAIN, nothing sent upstream; the operator's [local]
#   data wins over them; test. is resolved as usual.
#   With "none" as the fifth argument: local-zones = none, and these names
#   are resolved upstream (the fake root says NXDOMAIN with its own SOA).
#
# Usage: serving.sh BOLTDNS_DP BOLTDNS_CP DP_STATS [none]
. "$(dirname "$0")/lib.sh"
MODE=${4:-default}
RAWQ="$(dirname "$0")/rawq.py"
E2E_EXTRA_RESOLVER="local-zones = $MODE"
e2e_init "serving-$MODE" "$1" "$2" "$3"
e2e_write_conf
cat >> "$E2E_DIR/boltdns.conf" <<CONF
[local]
data = 9.0.168.192.in-addr.arpa. 300 PTR printer.lan.
CONF
e2e_start_hierarchy
e2e_start_dp
e2e_start_cp

rawq() { ns python3 "$RAWQ" "$E2E_PORT" "$@"; }
ede_of() { q "$@" | sed -n 's/^; EDE: \([0-9]*\).*/\1/p' | head -1; }
upq() { wait_stats; cp_stat upstream_queries; }
expect_raw() { # DESCRIPTION WANT ARGS...
  local d=$1 want=$2; shift 2
  local got; got=$(rawq "$@")
  [ "$got" = "$want" ] && ok "$d: $got" || bad "$d: '$got', want '$want'"
}

if [ "$MODE" = default ]; then
  # ---- meta types and classes: refused here, never upstream ----
  u0=$(upq)
  for tr in udp tcp; do
    expect_raw "AXFR over $tr" "5 0 21" $tr dom1.boltnet AXFR
    expect_raw "IXFR over $tr" "5 0 21" $tr dom1.boltnet IXFR
  done
  expect_raw "MAILB" "5 0 21" udp dom1.boltnet MAILB
  expect_raw "AXFR without EDNS: REFUSED, no EDE" "5 0 -" udp dom1.boltnet AXFR noedns
  r=$(q www.dom1.boltnet CH TXT | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
  e=$(ede_of www.dom1.boltnet CH TXT)
  [ "$r" = REFUSED ] && [ "$e" = 21 ] && ok "class CH: REFUSED, EDE 21" || bad "class CH: $r EDE '$e'"
  u1=$(upq)
  [ "$u0" = "$u1" ] && ok "no upstream query for meta types ($u1)" || bad "upstream queries $u0 -> $u1"

  # ---- RD=0: cache only ----
  expect_raw "RD=0 miss: REFUSED, EDE 20" "5 0 20" udp www.dom2.boltorg A norec
  u2=$(upq)
  [ "$u1" = "$u2" ] && ok "RD=0 miss not recursed" || bad "RD=0 miss sent upstream ($u1 -> $u2)"
  s=$(short_of www.dom2.boltorg A)
  [ "$s" = "198.19.2.80 " ] && ok "RD=1 resolves: $s" || bad "RD=1: '$s'"
  s=$(short_of +norec www.dom2.boltorg A)
  [ "$s" = "198.19.2.80 " ] && ok "RD=0 once cached: $s" || bad "RD=0 cached: '$s'"

  # ---- ANY (RFC 8482) ----
  out=$(q www.dom2.boltorg ANY)
  r=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out")
  a=$(awk '$4 == "A" { print $5 }' <<<"$out")
  [ "$r" = NOERROR ] && [ "$a" = 198.19.2.80 ] && ok "ANY from the cached A answer" || bad "ANY: $r '$a'"
  # (dig asks ANY over TCP: the control plane answers those.)
  h0=$(dp_stat hits)
  a=$(q +notcp +short www.dom2.boltorg ANY)
  h1=$(dp_stat hits)
  [ "$a" = 198.19.2.80 ] && [ "$h1" -gt "$h0" ] && ok "ANY over UDP again: a dataplane hit" || bad "second ANY: '$a' hits $h0 -> $h1"
  # A name never asked: resolved as A, answered with it.
  a=$(q +short www.dom3.boltnet ANY)
  [ "$a" = 198.19.3.80 ] && ok "ANY resolved as A: $a" || bad "ANY resolved: '$a'"
  # The zone apex has no A: the synthesised HINFO.
  out=$(q dom3.boltnet ANY)
  h=$(awk '$4 == "HINFO" { print $5 }' <<<"$out")
  [ "$h" = '"RFC8482"' ] && ok "ANY of a name without A: HINFO $h" || bad "ANY apex: '$h'"
  n=$(rawq udp nx.dom3.boltnet ANY)
  [ "${n%% *}" = 3 ] && ok "ANY of a missing name: NXDOMAIN" || bad "ANY nx: '$n'"

  # ---- EDE on SERVFAIL, from the control plane and then the dataplane ----
  e1=$(ede_of www.dead.boltnet A)
  r=$(rcode_of www.dead.boltnet A)
  h0=$(dp_stat hits)
  e2=$(ede_of www.dead.boltnet A)
  h1=$(dp_stat hits)
  [ -n "$e1" ] && ok "SERVFAIL carries EDE $e1" || bad "SERVFAIL without EDE"
  [ "$r" = SERVFAIL ] && [ -n "$e2" ] && [ "$e2" = "$e1" ] && [ "$h1" -gt "$h0" ] &&
    ok "cached SERVFAIL from the dataplane: EDE $e2" || bad "cached SERVFAIL: $r EDE '$e2' hits $h0 -> $h1"

  # ---- locally served zones ----
  u0=$(upq)
  out=$(q -x 192.168.0.1)
  r=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out")
  soa=$(awk '$4 == "SOA" { print $1 }' <<<"$out")
  [ "$r" = NXDOMAIN ] && [ "$soa" = 168.192.in-addr.arpa. ] && ok "-x 192.168.0.1: NXDOMAIN, SOA $soa" ||
    bad "-x 192.168.0.1: $r SOA '$soa'"
  r=$(rcode_of -x 10.1.2.3); [ "$r" = NXDOMAIN ] && ok "-x 10.1.2.3: $r" || bad "-x 10.1.2.3: $r"
  r=$(rcode_of -x fd00::1); [ "$r" = NXDOMAIN ] && ok "-x fd00::1: $r" || bad "-x fd00::1: $r"
  s=$(short_of localhost A); [ "$s" = "127.0.0.1 " ] && ok "localhost A: $s" || bad "localhost A: '$s'"
  s=$(short_of www.localhost AAAA); [ "$s" = "::1 " ] && ok "www.localhost AAAA: $s" || bad "www.localhost AAAA: '$s'"
  r=$(rcode_of foo.onion A); [ "$r" = NXDOMAIN ] && ok "foo.onion: $r" || bad "foo.onion: $r"
  r=$(rcode_of foo.invalid A); [ "$r" = NXDOMAIN ] && ok "foo.invalid: $r" || bad "foo.invalid: $r"
  s=$(short_of 10.in-addr.arpa NS); [ "$s" = "localhost. " ] && ok "10.in-addr.arpa NS: $s" || bad "10.in-addr.arpa NS: '$s'"
  # The operator's local data goes first.
  s=$(short_of -x 192.168.0.9); [ "$s" = "printer.lan. " ] && ok "[local] data wins: $s" || bad "[local] PTR: '$s'"
  u1=$(upq)
  [ "$u0" = "$u1" ] && ok "local zones: nothing sent upstream" || bad "local zones: upstream $u0 -> $u1"
  # Answered into the cache: the next one is a dataplane hit.
  h0=$(dp_stat hits)
  r=$(rcode_of -x 192.168.0.1)
  h1=$(dp_stat hits)
  [ "$r" = NXDOMAIN ] && [ "$h1" -gt "$h0" ] && ok "local zone answer cached" || bad "local zone cached: $r hits $h0 -> $h1"
  # test. is not a local zone: asked upstream (the fake root has no test.).
  q www.test A >/dev/null
  u2=$(upq)
  [ "$u2" -gt "$u1" ] && ok "test. resolved upstream" || bad "test. not resolved upstream ($u1 -> $u2)"
else
  # ---- local-zones = none: resolved like any name ----
  u0=$(upq)
  out=$(q -x 192.168.0.1)
  soa=$(awk '$4 == "SOA" { print $1 }' <<<"$out")
  u1=$(upq)
  [ "$u1" -gt "$u0" ] && ok "local-zones = none: -x 192.168.0.1 asked upstream" || bad "none: upstream $u0 -> $u1"
  [ "$soa" != 168.192.in-addr.arpa. ] && ok "not the local zone's SOA ('$soa')" || bad "local SOA with none"
  s=$(short_of -x 192.168.0.9); [ "$s" = "printer.lan. " ] && ok "[local] data still answers: $s" || bad "[local] PTR: '$s'"
fi
e2e_finish
