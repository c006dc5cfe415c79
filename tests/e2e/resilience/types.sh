#!/usr/bin/env bash
# Resilience (issue 12, items 2, 4, 6): cuts, types and client meta types,
# against mis.boltnet (one scriptable server, tests/hierarchy/script/mis.rules).
# - DS goes to the parent side of the cut (RFC 4035 §3.1.4.1).
# - DNAME (RFC 6672): DNAME + synthesised CNAME + target; also when the
#   server leaves the CNAME out.
# - An AAAA question answered with only an A record is NODATA.
# - Negative answers without SOA are not cached (RFC 2308 §5).
# - TTL 2^31 counts as 0 (RFC 2181 §8): answered with TTL 0, not cached.
# - A negative answer keeps the server's SOA (and NS set) in authority.
# - Client AXFR/IXFR (UDP and TCP): REFUSED/NOTIMP locally; ANY (RFC 8482)
#   never sent upstream as ANY.
# - RD=0: answered from the cache only, never recursed.
#
# Usage: types.sh BOLTDNS_DP BOLTDNS_CP DP_STATS
. "$(dirname "$0")/lib.sh"
e2e_init rs-types "$1" "$2" "$3"
rs_start_all

# ---- DS at the parent ----
m=$(qmark mis)
got=$(rrs_of mis.boltnet DS)
case "$got" in "NOERROR|mis.boltnet. DS 22222 8 2 "*) ok "DS from the parent: ${got:0:40}..." ;;
  *) bad "DS: got '$got', want boltnet.'s DS 22222 (11111 is the child's)" ;; esac
n=$(qcount mis "$m" mis.boltnet. DS)
[ "$n" -eq 0 ] && ok "no DS query to the child's server" || bad "$n DS queries to the child's server (mis)"
# The zone itself still resolves after that.
expect "name in the zone after its DS" NOERROR "198.19.70.80 " www.mis.boltnet A

# ---- DNAME ----
expect_rrs "DNAME + synthesised CNAME + target" \
  "NOERROR|dn.mis.boltnet. DNAME dom1.boltnet.;www.dn.mis.boltnet. CNAME www.dom1.boltnet.;www.dom1.boltnet. A 198.19.1.80;" \
  www.dn.mis.boltnet A
expect_rrs "DNAME without the server's CNAME: synthesised by the resolver" \
  "NOERROR|dn2.mis.boltnet. DNAME dom2.boltorg.;www.dn2.mis.boltnet. CNAME www.dom2.boltorg.;www.dom2.boltorg. A 198.19.2.80;" \
  www.dn2.mis.boltnet A
expect_rrs "DNAME to a name that does not exist" \
  "NXDOMAIN|dn.mis.boltnet. DNAME dom1.boltnet.;nx.dn.mis.boltnet. CNAME nx.dom1.boltnet.;" \
  nx.dn.mis.boltnet A
expect_rrs "the DNAME itself" "NOERROR|dn.mis.boltnet. DNAME dom1.boltnet.;" dn.mis.boltnet DNAME

# ---- AAAA answered with an A ----
expect "AAAA question, only an A in the answer: NODATA" NOERROR "" v4only.mis.boltnet AAAA
expect "its A" NOERROR "198.19.70.4 " v4only.mis.boltnet A

# ---- negative answers without SOA are not cached ----
for n in nosoa-nx:NXDOMAIN nosoa-nd:NOERROR; do
  name=${n%%:*} want=${n#*:}
  m=$(qmark mis)
  r1=$(rcode_of $name.mis.boltnet A)
  r2=$(rcode_of $name.mis.boltnet A)
  c=$(qcount mis "$m" $name.mis.boltnet.)
  if [ "$r1" = "$want" ] && [ "$r2" = "$want" ]; then ok "$name: $r1, $r2"; else bad "$name: '$r1' then '$r2', want $want"; fi
  [ "$c" -ge 2 ] && ok "$name: asked upstream again ($c queries): not cached" ||
    bad "$name: $c upstream query(ies) for 2 client queries: cached without SOA (RFC 2308 §5)"
done

# ---- TTL 2^31 ----
m=$(qmark mis)
t1=$(ttl_of bigttl.mis.boltnet A)
sleep 1
t2=$(ttl_of bigttl.mis.boltnet A)
c=$(qcount mis "$m" bigttl.mis.boltnet. A)
[ "$t1" = 0 ] && [ "$t2" = 0 ] && ok "TTL 2^31 answered with TTL 0 ($t1, $t2)" || bad "TTL 2^31 answered with TTL '$t1', then '$t2' (RFC 2181 §8: 0)"
[ "$c" -ge 2 ] && ok "TTL 2^31: not cached ($c upstream queries)" || bad "TTL 2^31: $c upstream query(ies) for 2 client queries"
expect "TTL 2^31: the data" NOERROR "198.19.70.31 " bigttl.mis.boltnet A

# ---- the negative answer's SOA as sent ----
for i in 1 2; do
  out=$(q nx.mis.boltnet A)
  auth=$(section_rrs AUTHORITY <<<"$out")
  soattl=$(awk '/^;; AUTHORITY SECTION:/ { a = 1; next } a && $4 == "SOA" { print $2; exit }' <<<"$out")
  want="mis.boltnet. NS ns1.mis.boltnet.;mis.boltnet. SOA ns1.mis.boltnet. hostmaster.mis.boltnet. 2026120401 3600 600 86400 600;"
  grep -q 'status: NXDOMAIN' <<<"$out" && ok "nx.mis.boltnet ($i): NXDOMAIN" || bad "nx.mis.boltnet ($i): not NXDOMAIN"
  [ "$auth" = "$want" ] && ok "negative answer ($i) keeps the SOA and NS as sent" || bad "negative answer ($i) authority '$auth', want '$want'"
  [ -n "$soattl" ] && [ "$soattl" -le 120 ] && [ "$soattl" -ge 100 ] && ok "SOA TTL ($i) $soattl (sent 120, MINIMUM 600)" ||
    bad "SOA TTL ($i) '$soattl', want 100..120"
done

# ---- client meta types ----
m=$(qmark mis)
for tr in udp tcp; do
  for t in AXFR IXFR; do
    r=$(rawq $tr mis.boltnet $t)
    case "$r" in "5 0 "*|"4 0 "*) ok "$t over $tr: rcode $r (REFUSED=5/NOTIMP=4, no records)" ;;
      *) bad "$t over $tr: '$r', want REFUSED or NOTIMP from the resolver" ;; esac
    # RFC 8914: 21 Not Supported (or 18 Prohibited) says why.
    case "$r" in *ede=*21*|*ede=*18*) ok "$t over $tr: EDE ${r##*ede=}" ;;
      *) bad "$t over $tr: EDE '${r##*ede=}', want 21 (Not Supported) or 18 (Prohibited)" ;; esac
  done
done
r=$(ns dig @127.0.0.1 -p "$E2E_PORT" +time=6 +tries=1 mis.boltnet AXFR 2>&1 | grep -c 'IN.SOA')
[ "$r" -eq 0 ] && ok "dig AXFR through the resolver: no transfer" || bad "dig AXFR through the resolver transferred records"
for tr in udp tcp; do
  r=$(rawq $tr any.mis.boltnet ANY)
  case "$r" in "0 "*) ok "ANY over $tr: NOERROR ($r)" ;; *) bad "ANY over $tr: '$r', want NOERROR (RFC 8482)" ;; esac
done
types=$(qtypes mis "$m")
case " $types" in *" AXFR "*|*" IXFR "*|*" ANY "*) bad "meta types sent upstream: $types" ;;
  *) ok "no AXFR/IXFR/ANY sent to mis (types asked: ${types:-none})" ;; esac

# ---- RD=0: cache only ----
m=$(qmark mis)
out=$(q +norec rd.mis.boltnet A)
n=$(grep -o 'ANSWER: [0-9]*' <<<"$out" | awk '{ print $2 }')
r=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out")
[ "${n:-x}" = 0 ] && ok "RD=0, not cached: no answer ($r)" || bad "RD=0, not cached: ANSWER '$n' ($r)"
if [ "$r" = REFUSED ] || [ "$r" = SERVFAIL ]; then
  e=$(sed -n 's/^; EDE: \([0-9]*\).*/\1/p' <<<"$out" | tr '\n' ' ')
  [ -n "$e" ] && ok "RD=0 $r carries EDE $e" || bad "RD=0 $r without an EDE (RFC 8914; 20 Not Authoritative)"
fi
sleep 0.3
c=$(qcount mis "$m" rd.mis.boltnet.)
[ "$c" -eq 0 ] && ok "RD=0 query not recursed" || bad "RD=0 query sent upstream ($c queries to mis)"
expect "RD=1 resolves it" NOERROR "198.19.70.7 " rd.mis.boltnet A
expect "RD=0 answered from the cache" NOERROR "198.19.70.7 " +norec rd.mis.boltnet A

e2e_finish
