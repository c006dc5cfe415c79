#!/usr/bin/env bash
# End-to-end: forward and stub zones ([zone] sections, issue 17) with the
# real dataplane (io = socket), boltdns-cp over the fake hierarchy, Debian's
# Unbound as a forwarder on loopback, and boltctl.
#
# - forward: loopback.boltnet. is delegated to a loopback address that
#   boltdns never queries (do-not-query-localhost = yes), so it resolves
#   only through the Unbound forwarder on 127.0.0.1 (the configured server
#   itself is exempt), which answers only with RD=1; forwarded answers are
#   validated (sec.boltnet secure with AD, bogus-sig.boltnet SERVFAIL EDE 6);
# - stub: corp.internal. is delegated from nowhere; its NSD (auth1) is the
#   stub; b.corp.internal. on auth2 (over TCP: tcp = yes) wins for its
#   names (longest match) although auth1 holds a www.b of its own;
# - a private reverse zone: 10.in-addr.arpa. forwarded to auth3 takes over
#   the built-in RFC 6303 local zone (other private reverse zones stay local;
#   the public tree's bait PTR is never asked);
# - forward-first: a dead forwarder (port 9, refused) falls back to
#   iteration with forward-first = yes, SERVFAIL without;
# - boltctl zones; reload adding, changing and removing zones flushes the
#   cache entries of the zones that changed; an answer whose resolution ran
#   across such a reload is not cached.
#
# Usage: zones.sh BOLTDNS_DP BOLTDNS_CP DP_STATS BOLTCTL
. "$(dirname "$0")/lib.sh"
BOLTCTL=$4
e2e_init zones "$1" "$2" "$3"
command -v unbound >/dev/null 2>&1 || e2e_skip "unbound not installed"
UB_PORT=5399
# corp.internal is not in the signed public tree: as with Unbound's
# domain-insecure, the operator says so
E2E_EXTRA_DNSSEC="negative-trust-anchors = corp.internal"
e2e_write_conf
cp "$E2E_DIR/boltdns.conf" "$E2E_DIR/base.conf"
zone() { # NAME TYPE SERVERS [MORE KEY LINES...]
  printf '[zone]\nname = %s\ntype = %s\nservers = %s\n' "$1" "$2" "$3"
  shift 3
  for l in "$@"; do printf '%s\n' "$l"; done
}
fwd=127.0.0.1@$UB_PORT dead=127.0.0.1@9
zones_conf() { # the [zone] sections of each phase
  cp "$E2E_DIR/base.conf" "$E2E_DIR/boltdns.conf"
  {
    zone loopback.boltnet forward "$fwd"
    zone sec.boltnet forward "$fwd"
    zone bogus-sig.boltnet forward "$fwd"
    [ "$1" != removed ] && zone corp.internal stub 198.18.1.20
    [ "$1" != removed ] && zone b.corp.internal stub 198.18.1.21 "tcp = yes"
    zone 10.in-addr.arpa forward 198.18.1.22
    zone dom2.boltorg forward "$dead" "forward-first = yes"
    zone dom4.boltorg forward "$dead"
    [ "$1" = added ] && zone dom3.boltnet forward "$dead"
  } >> "$E2E_DIR/boltdns.conf"
}
zones_conf first
e2e_start_hierarchy
E2E_UNBOUND=$UB_PORT
ns bash "$E2E_HIER/unbound.sh" start "$UB_PORT" "$E2E_DIR" >>"$E2E_DIR/hier.log" 2>&1 ||
  { tail -5 "$E2E_DIR/hier.log"; echo "unbound did not start"; exit 1; }
e2e_start_dp
e2e_start_cp
e2e_wait_ctl
# zones_field N.server.K.state: a field of boltctl zones for the zone named
zfield() { # ZONE FIELD
  local idx
  idx=$(ctl zones | sed -n "s/^zone\.\([0-9]*\)\.name: $1\$/\1/p")
  ctl zones | sed -n "s/^zone\.$idx\.$2: //p"
}

# ---- forward zone to Unbound ----
expect_answers "forwarded to Unbound (loopback NS boltdns never asks itself)" NOERROR \
  "A 198.19.127.80 " www.loopback.boltnet A
expect_answers "a name of the hierarchy is iterated as usual" NOERROR "A 198.19.1.80 " www.dom1.boltnet A
f=$(flags_of +dnssec www.sec.boltnet A)
case " $f " in *" ad "*) ok "forwarded answer validated secure ($f)" ;; *) bad "forwarded secure answer flags: '$f'" ;; esac
out=$(q +dnssec www.bogus-sig.boltnet A)
if grep -q "status: SERVFAIL" <<<"$out" && grep -qi "EDE: 6" <<<"$out"; then
  ok "forwarded bogus answer: SERVFAIL with EDE 6"
else bad "forwarded bogus answer: $(grep -E 'status|EDE' <<<"$out" | tr '\n' ' ')"; fi
expect_answers "forwarded bogus answer with CD=1" NOERROR "A 198.19.13.50 " +cd www.bogus-sig.boltnet A
[ "$(zfield loopback.boltnet. server.0.state)" = up ] && ok "boltctl zones: the forwarder is up" ||
  bad "boltctl zones: $(ctl zones | grep -A12 'loopback')"
n=$(zfield loopback.boltnet. server.0.queries)
[ "${n:-0}" -ge 1 ] && ok "boltctl zones: queries to the forwarder counted ($n)" || bad "forwarder queries: '$n'"

# ---- stub zones, longest match, TCP ----
wait_stats
tcp0=$(cp_stat upstream_tcp)
expect_answers "stub zone not delegated from the root" NOERROR "A 198.19.20.80 " www.corp.internal A
expect_answers "stub zone CNAME" NOERROR "CNAME www.corp.internal. A 198.19.20.80 " alias.corp.internal A
expect_answers "longest match: b.corp.internal's own server" NOERROR "A 198.19.20.2 " www.b.corp.internal A
expect_answers "stub zone NXDOMAIN from its server" NXDOMAIN "" nx.corp.internal A
wait_stats
tcp1=$(cp_stat upstream_tcp)
[ "$tcp1" -gt "$tcp0" ] && ok "tcp = yes asks over TCP (upstream_tcp $tcp0 -> $tcp1)" ||
  bad "no TCP query for tcp = yes: $tcp0 -> $tcp1"

# ---- a private reverse zone over the built-in local zone ----
expect_answers "forwarded 10.in-addr.arpa over the local zone" NOERROR "PTR host1.corp.internal. " -x 10.0.0.1
out=$(q -x 10.0.0.99)
if grep -q "status: NXDOMAIN" <<<"$out" && grep -q "SOA.*ns1.corp.internal" <<<"$out"; then
  ok "NXDOMAIN of the forwarded reverse zone carries its server's SOA"
else bad "10.0.0.99: $(grep -E 'status|SOA' <<<"$out" | tr '\n' ' ')"; fi
out=$(q -x 192.168.1.1)
if grep -q "status: NXDOMAIN" <<<"$out" && grep -q "SOA.*localhost. nobody.invalid." <<<"$out"; then
  ok "other private reverse zones stay local"
else bad "192.168.1.1: $(grep -E 'status|SOA|PTR' <<<"$out" | tr '\n' ' ')"; fi

# ---- forward-first ----
expect_answers "dead forwarder, forward-first = yes: iterated" NOERROR "A 198.19.2.80 " www.dom2.boltorg A
out=$(q www.dom4.boltorg A)
grep -q "status: SERVFAIL" <<<"$out" && ok "dead forwarder, forward-first = no: SERVFAIL ($(grep -o 'EDE: [^)]*' <<<"$out" | head -1))" ||
  bad "dom4 through a dead forwarder: $(grep status <<<"$out")"
n=$(zfield dom2.boltorg. fallbacks)
[ "${n:-0}" -ge 1 ] && ok "boltctl zones: fallbacks counted ($n)" || bad "fallbacks: '$n'"
expect_answers "dead forwarder again" NOERROR "A 198.19.2.42 " x.wild.dom2.boltorg A
s=$(zfield dom2.boltorg. server.0.state)
[ "$s" = down ] && ok "boltctl zones: the dead forwarder is down" || bad "dead forwarder state '$s'"
out=$(ctl zones)
grep -q "^zone\.[0-9]*\.type: stub" <<<"$out" && grep -q "^zone\.[0-9]*\.server\.0\.rtt_ms: [0-9]" <<<"$out" &&
  ok "boltctl zones lists types and RTTs" || bad "boltctl zones: $out"
ctl --json zones | python3 -c 'import json,sys; d=json.load(sys.stdin)["result"]; assert d["zones"] == 8 and len(d["zone"]) == 8, d' &&
  ok "boltctl --json zones" || bad "boltctl --json zones"

# ---- reload: add a zone, remove two; the cache follows ----
expect_answers "dom3 iterated before the reload" NOERROR "A 198.19.3.80 " www.dom3.boltnet A
ctl lookup www.corp.internal A >/dev/null 2>&1 && ok "stub answer cached" || bad "stub answer not cached"
zones_conf removed
ctl reload >/dev/null || bad "reload (removed)"
if ctl lookup www.corp.internal A >/dev/null 2>&1; then bad "removed zone's answer still cached"
else ok "reload flushed the removed zone's answers"; fi
expect_answers "removed stub zone: the public tree says NXDOMAIN" NXDOMAIN "" www.corp.internal A
expect_answers "a zone that did not change keeps its cache" NOERROR "PTR host1.corp.internal. " -x 10.0.0.1
zones_conf added
ctl reload >/dev/null || bad "reload (added)"
expect_answers "stub zone back after reload (NXDOMAIN and its cut flushed)" NOERROR "A 198.19.20.80 " www.corp.internal A
expect_answers "added forward zone: its dead forwarder, no fallback" SERVFAIL "" www.dom3.boltnet A
n=$(ctl zones | grep -c '^zone\.[0-9]*\.name:')
[ "$n" = 9 ] && ok "boltctl zones after reload: 9 zones" || bad "zones after reload: $n"
# a bad [zone] is refused by reload with its line; the running zones stay
printf '[zone]\nname = bad..name\n' >> "$E2E_DIR/boltdns.conf"
err=$(ctl reload 2>&1) && bad "bad [zone] accepted" ||
  { grep -q "boltdns.conf:[0-9]*: \[zone\] name: bad name" <<<"$err" && ok "bad [zone]: $err" || bad "bad [zone]: $err"; }
expect_answers "zones unchanged after a refused reload" NOERROR "A 198.19.20.2 " www.b.corp.internal A

# a resolution running across a reload that changes the zones answers its
# client but is not cached (it may come from the old configuration): the
# silent server keeps www.dead.boltnet waiting for a few timeouts
ctl lookup www.dead.boltnet A >/dev/null 2>&1 && bad "www.dead.boltnet cached before"
q www.dead.boltnet A > "$E2E_DIR/dead.out" &
qpid=$!
sleep 0.4
zones_conf first
ctl reload >/dev/null || bad "reload (during a resolution)"
wait "$qpid"
if grep -q "status: SERVFAIL" "$E2E_DIR/dead.out" && ! ctl lookup www.dead.boltnet A >/dev/null 2>&1; then
  ok "a resolution across a zone reload is answered, not cached"
else bad "across a reload: $(grep status "$E2E_DIR/dead.out"), lookup: $(ctl lookup www.dead.boltnet A 2>&1 | head -1)"; fi
q www.dead.boltnet A >/dev/null
ctl lookup www.dead.boltnet A >/dev/null 2>&1 && ok "the same failure is cached without a reload" ||
  bad "SERVFAIL of www.dead.boltnet not cached"

e2e_finish
