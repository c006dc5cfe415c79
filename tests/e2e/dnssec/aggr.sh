#!/usr/bin/env bash
# Aggressive use of the DNSSEC-validated cache (RFC 8198, issue 13) over the
# signed fake hierarchy: boltdns-dp (io = socket) and boltdns-cp validating.
# After one NXDOMAIN, random nonexistent names in the ranges its NSEC/NSEC3
# records prove empty are answered without a single upstream query (the
# control plane's upstream_queries counter), NXDOMAIN with AD and, for DO=1,
# the NSEC/NSEC3 proof with RRSIGs (the answer is checked by delv, which
# validates it itself from the trust anchor); NODATA and wildcard NODATA
# likewise; opt-out NSEC3 ranges are never used; a validating Unbound
# (aggressive-nsec: yes) gives the same rcode/AD/records for the same
# names; aggressive-nsec = no sends every name upstream.
#
# The counters are read from `boltctl stats_noreset` (no wait for the stats
# file) and checked in /metrics.
#
# Usage: aggr.sh BOLTDNS_DP BOLTDNS_CP DP_STATS [BOLTCTL]   (root; 77 = skipped)
. "$(dirname "$0")/../control/lib.sh"
. "$(dirname "$0")/lib.sh"

e2e_need dnssec-signzone dnssec-keygen ldns-signzone
BOLTCTL=${4:-}
E2E_EXTRA_RESOLVER="[control]
metrics = 127.0.0.1@9153"
e2e_init dnssec-aggr "$1" "$2" "$3"
e2e_start_all
echo "(started in ${SECONDS} s)"

rnd() { od -An -N4 -tx4 /dev/urandom | tr -d ' \n'; }
# ctl_stat NAME: a counter of boltdns-cp now (boltctl), else from the stats
# file of a second ago
ctl_stat() {
  local v=""
  [ -n "$BOLTCTL" ] && v=$("$BOLTCTL" -s "$E2E_DIR/control.sock" stats_noreset 2>/dev/null |
                           awk -v k="cp.$1:" '$1 == k { print $2 }')
  if [ -z "$v" ]; then wait_stats; v=$(cp_stat "$1"); fi
  echo "$v"
}
# upq: boltdns-cp's upstream queries so far
upq() { ctl_stat upstream_queries; }

# names N PREFIX ZONE: N random names PREFIX<hex>.ZONE, one a line
names() { for _ in $(seq 1 "$1"); do echo "$2$(rnd).$3"; done; }

# ask_all FILE TYPE QUERY RCODE AD RECORDS: every name of FILE answers so
ask_all() {
  local f=$1 type=$2 query=$3 wrc=$4 wad=$5 wrecs=$6 n=0 badn=0 got name
  while read -r name; do
    got=$(dnssec_dig "$name" "$type" "$query" </dev/null | dnssec_facts)
    n=$((n + 1))
    [ "$got" = "$wrc $wad - $wrecs -" ] || { badn=$((badn + 1)); [ "$badn" -le 3 ] && echo "     | $name $type $query: $got"; }
  done < "$f"
  if [ "$badn" -eq 0 ]; then ok "$n names $type $query: $wrc $wad $wrecs"; else bad "$badn of $n names $type $query not '$wrc $wad $wrecs'"; fi
}

# no_upstream WHAT BEFORE: no upstream query since BEFORE
no_upstream() {
  local now
  now=$(upq)
  if [ "$now" -eq "$2" ]; then ok "$1: no upstream query ($2 -> $now)"; else bad "$1: $((now - $2)) upstream queries"; fi
}

echo "== NSEC (sec.boltnet): one NXDOMAIN, then random names in its range"
# r-first sorts between ns1 and www: the range ns1 -> www, and the apex
# NSEC covers the wildcard *.sec.boltnet.
dnssec_check_case first r-first.sec.boltnet A do NXDOMAIN ad - auth -
a0=$(ctl_stat aggressive_nxdomain)
names 40 r sec.boltnet > "$E2E_DIR/sec-r.txt"
head -20 "$E2E_DIR/sec-r.txt" > "$E2E_DIR/sec-r-do.txt"
tail -20 "$E2E_DIR/sec-r.txt" > "$E2E_DIR/sec-r-plain.txt"
u0=$(upq)
ask_all "$E2E_DIR/sec-r-do.txt" A do NXDOMAIN ad auth
ask_all "$E2E_DIR/sec-r-plain.txt" A plain NXDOMAIN ad none
no_upstream "40 random names under sec.boltnet" "$u0"
a1=$(ctl_stat aggressive_nxdomain)
[ $((a1 - a0)) -eq 40 ] && ok "aggressive_nxdomain +40" || bad "aggressive_nxdomain $a0 -> $a1"
echo "== the same names again: from the dataplane's cache"
h0=$(dp_stat hits)
ask_all "$E2E_DIR/sec-r-do.txt" A do NXDOMAIN ad auth
h1=$(dp_stat hits)
[ $((h1 - h0)) -ge 20 ] && ok "dataplane hits +$((h1 - h0))" || bad "dataplane hits $h0 -> $h1"
no_upstream "again" "$u0"

echo "== NSEC: random names anywhere in the zone cost at most one query per range"
# sec.boltnet has 6 names: 6 NSEC ranges.
for _ in $(seq 1 40); do
  printf '%s.sec.boltnet\n' "$(tr -dc 'a-z0-9' </dev/urandom | head -c 8)"
done > "$E2E_DIR/sec-any.txt"
u0=$(upq)
ask_all "$E2E_DIR/sec-any.txt" A do NXDOMAIN ad auth
u1=$(upq)
[ $((u1 - u0)) -le 8 ] && ok "$(wc -l < "$E2E_DIR/sec-any.txt") random names: $((u1 - u0)) upstream queries" ||
  bad "random names: $((u1 - u0)) upstream queries (want <= 8)"

echo "== NODATA: the NSEC at www.sec.boltnet lacks the type"
dnssec_check_case first www.sec.boltnet AAAA do NOERROR ad - auth -
u0=$(upq)
for t in MX SRV CAA NAPTR; do
  dnssec_check_case aggr www.sec.boltnet "$t" do NOERROR ad - auth -
done
dnssec_check_case aggr www.sec.boltnet SSHFP plain NOERROR ad - none -
no_upstream "NODATA for 5 types" "$u0"
dnssec_check_case aggr www.sec.boltnet TXT do NOERROR ad - ans '"secure, NSEC"'

echo "== wildcard NODATA (wild.boltnet: *.wild has A and TXT)"
dnssec_check_case first x.wild.boltnet AAAA do NOERROR ad - auth -
u0=$(upq)
dnssec_check_case aggr y.wild.boltnet AAAA do NOERROR ad - auth -
dnssec_check_case aggr "z$(rnd).wild.boltnet" MX do NOERROR ad - auth -
no_upstream "wildcard NODATA" "$u0"
# The wildcard's own types are never denied: the expansion comes from upstream.
dnssec_check_case aggr y.wild.boltnet A do NOERROR ad - ans 198.19.13.30

echo "== NSEC3 (nsec3.boltnet): random names cost at most one query per range"
names 50 n nsec3.boltnet > "$E2E_DIR/n3.txt"
# The zone's keys first: their look-ups are not what is counted.
dnssec_check_case first www.nsec3.boltnet A do NOERROR ad - ans 198.19.13.20
n0=$(ctl_stat aggressive_nxdomain)
u0=$(upq)
ask_all "$E2E_DIR/n3.txt" A do NXDOMAIN ad auth
u1=$(upq)
# Five names (apex, ns1, www, the empty non-terminal wc, *.wc): five NSEC3
# ranges; each upstream NXDOMAIN brings the one its name falls in (and the
# apex's match and the wildcard's cover).
n1=$(ctl_stat aggressive_nxdomain)
[ $((u1 - u0)) -le 5 ] && ok "50 random names: $((u1 - u0)) upstream queries" || bad "50 random names: $((u1 - u0)) upstream queries (want <= 5)"
[ $((n1 - n0)) -ge 45 ] && ok "aggressive_nxdomain +$((n1 - n0))" || bad "aggressive_nxdomain +$((n1 - n0)) (want >= 45)"
dnssec_check_case first www.nsec3.boltnet AAAA do NOERROR ad - auth -
u0=$(upq)
dnssec_check_case aggr www.nsec3.boltnet MX do NOERROR ad - auth -
dnssec_check_case aggr wc.nsec3.boltnet A do NOERROR ad - auth -
no_upstream "NSEC3 NODATA (a name, an empty non-terminal)" "$u0"

echo "== opt-out NSEC3 (optout.boltnet): never used"
names 6 o optout.boltnet > "$E2E_DIR/oo.txt"
dnssec_check_case first nx.optout.boltnet A do NXDOMAIN - - auth -
a0=$(ctl_stat aggressive_nxdomain)
u0=$(upq)
ask_all "$E2E_DIR/oo.txt" A do NXDOMAIN - auth
u1=$(upq)
[ $((u1 - u0)) -ge 6 ] && ok "6 names under opt-out: $((u1 - u0)) upstream queries" || bad "opt-out: only $((u1 - u0)) upstream queries for 6 names"
[ "$(ctl_stat aggressive_nxdomain)" = "$a0" ] && ok "no aggressive answer under opt-out" || bad "aggressive answers under opt-out"

echo "== the counters in boltctl stats and /metrics"
if [ -n "$BOLTCTL" ]; then
  st=$("$BOLTCTL" -s "$E2E_DIR/control.sock" stats_noreset 2>&1)
  grep -qE '^cp\.aggressive_nxdomain: [1-9]' <<<"$st" && grep -qE '^cp\.aggressive_nodata: [1-9]' <<<"$st" &&
    grep -qE '^cp\.aggressive_records: [1-9]' <<<"$st" && ok "boltctl stats: $(grep -E '^cp\.aggressive_(nxdomain|nodata|records):' <<<"$st" | tr '\n' ' ')" ||
    bad "boltctl stats lacks the aggressive counters: $(grep aggressive <<<"$st" | tr '\n' ' ')"
fi
m=$(ns bash -c 'exec 3<>/dev/tcp/127.0.0.1/9153; printf "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n" >&3; cat <&3' 2>/dev/null || true)
grep -qE '^boltdns_cp_aggressive_nxdomain_total [1-9]' <<<"$m" && grep -qE '^boltdns_cp_aggressive_nodata_total [1-9]' <<<"$m" &&
  ok "/metrics: $(grep -E '^boltdns_cp_aggressive_(nxdomain|nodata)_total' <<<"$m" | tr '\n' ' ')" ||
  bad "/metrics lacks the aggressive counters: $(grep aggressive <<<"$m" | tr '\n' ' ')"

if [ -n "$BOLTCTL" ]; then
  echo "== boltctl flush_zone forgets the zone's ranges too"
  "$BOLTCTL" -s "$E2E_DIR/control.sock" flush_zone sec.boltnet >/dev/null
  u0=$(upq)
  dnssec_check_case flushed "r$(rnd).sec.boltnet" A do NXDOMAIN ad - auth -
  u1=$(upq)
  [ "$u1" -gt "$u0" ] && ok "after flush_zone: asked upstream ($u0 -> $u1)" || bad "after flush_zone: no upstream query"
  u0=$u1
  dnssec_check_case flushed "r$(rnd).sec.boltnet" A do NXDOMAIN ad - auth -
  no_upstream "learnt again after the flush" "$u0"
fi

echo "== delv validates the synthesised answers itself"
if command -v delv >/dev/null; then
  anchor="$E2E_DIR/delv.anchor"
  awk '$3 == "DNSKEY" && $4 == 257 { k = $7; for (i = 8; i <= NF; i++) k = k $i; printf "trust-anchors {\n  . static-key %s %s %s \"%s\";\n};\n", $4, $5, $6, k }' \
    "$E2E_DIR/hier/root.key" > "$anchor"
  u0=$(upq)
  for name in "r$(rnd).sec.boltnet" "n$(rnd).nsec3.boltnet"; do
    # the name is new to boltdns: synthesised now, checked by delv
    out=$(ns delv @127.0.0.1 -p "$E2E_PORT" -a "$anchor" +root=. "$name" A 2>&1)
    if grep -q "fully validated" <<<"$out" && grep -qi "nxdomain" <<<"$out"; then
      ok "delv: $name NXDOMAIN fully validated"
    else
      bad "delv: $name"; sed 's/^/     | /' <<<"$out"
    fi
  done
  out=$(ns delv @127.0.0.1 -p "$E2E_PORT" -a "$anchor" +root=. www.sec.boltnet NAPTR 2>&1)
  grep -q "fully validated" <<<"$out" && ok "delv: www.sec.boltnet NAPTR NODATA fully validated" ||
    { bad "delv: www.sec.boltnet NAPTR"; sed 's/^/     | /' <<<"$out"; }
  # delv's own DNSKEY/DS questions may go upstream; the names did not.
  [ "$(ctl_stat aggressive_nxdomain)" -gt 0 ] && ok "aggressive_nxdomain $(ctl_stat aggressive_nxdomain)" || bad "no aggressive answers"
fi

echo "== Unbound (validating, aggressive-nsec: yes) answers the same"
if command -v unbound >/dev/null; then
  UPORT=$((E2E_PORT + 1))
  if ns bash "$E2E_HIER/unbound.sh" start "$UPORT" "$E2E_DIR/ub" --validate "$E2E_DIR/hier/root.key" \
       >"$E2E_DIR/unbound.out" 2>&1; then
    same=0 diff=0
    while read -r name type query; do
      b=$(dnssec_dig "$name" "$type" "$query" </dev/null | dnssec_facts)
      u=$(DNSSEC_PORT=$UPORT dnssec_dig "$name" "$type" "$query" </dev/null | dnssec_facts)
      if [ "$b" = "$u" ]; then same=$((same + 1)); else diff=$((diff + 1)); echo "     | $name $type $query: boltdns $b, unbound $u"; fi
    done <<EOF
r-first.sec.boltnet A do
$(head -1 "$E2E_DIR/sec-r-do.txt") A do
$(head -1 "$E2E_DIR/sec-r-plain.txt") A plain
www.sec.boltnet MX do
y.wild.boltnet AAAA do
$(tail -1 "$E2E_DIR/n3.txt") A do
wc.nsec3.boltnet A do
$(head -1 "$E2E_DIR/oo.txt") A do
EOF
    [ "$diff" -eq 0 ] && ok "Unbound: $same answers alike (rcode, AD, records)" || bad "Unbound: $diff answers differ"
    ns bash "$E2E_HIER/unbound.sh" stop "$UPORT" "$E2E_DIR/ub" >/dev/null 2>&1
  else
    cat "$E2E_DIR/unbound.out"; bad "unbound did not start"
  fi
fi

echo "== aggressive-nsec = no: every random name goes upstream"
kill -9 "$E2E_CP_PID" "$E2E_DP_PID" 2>/dev/null
wait "$E2E_CP_PID" "$E2E_DP_PID" 2>/dev/null
rm -f "$E2E_REGION" "$E2E_DIR/cp.stats"
E2E_EXTRA_DNSSEC="aggressive-nsec = no"
e2e_write_conf
e2e_start_dp
e2e_start_cp
dnssec_check_case off r-first.sec.boltnet A do NXDOMAIN ad - auth -
names 10 r sec.boltnet > "$E2E_DIR/off.txt"
u0=$(upq)
ask_all "$E2E_DIR/off.txt" A do NXDOMAIN ad auth
u1=$(upq)
[ $((u1 - u0)) -ge 10 ] && ok "off: 10 names, $((u1 - u0)) upstream queries" || bad "off: only $((u1 - u0)) upstream queries for 10 names"
[ "$(ctl_stat aggressive_nxdomain)" = 0 ] && ok "off: aggressive_nxdomain 0" || bad "off: aggressive_nxdomain $(ctl_stat aggressive_nxdomain)"

echo "(${SECONDS} s)"
e2e_finish
