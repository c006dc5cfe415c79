#!/usr/bin/env bash
# Resilience (issue 12, items 5 and 10): QNAME minimisation (RFC 9156) and
# locally served zones (RFC 6303, RFC 6761).
# - The PTR of 2a02:18::1 (34 labels, 24 below the zone cut of
#   8.1.0.0.2.0.a.2.ip6.arpa) resolves within the work budget, with at most
#   10 minimised queries (MAX_MINIMISE_COUNT) seen by arpa + ip6rev.
# - qm.boltnet: the first name below the apex answers SERVFAIL, REFUSED,
#   NOTIMP, FORMERR, nothing (timeout) or an empty non-authoritative
#   NOERROR; the full name x.y.BRANCH.qm.boltnet must still resolve (the
#   resolver falls back to the full name).
# - 192.168/16 and 10/8 reverse names: NXDOMAIN with an SOA, answered locally
#   (the arpa server holds PTRs for them and must never be asked);
#   localhost. A 127.0.0.1, AAAA ::1; invalid. and onion. NXDOMAIN; test. is
#   resolved normally; a public reverse name is resolved normally.
#
# Usage: qmin.sh BOLTDNS_DP BOLTDNS_CP DP_STATS
. "$(dirname "$0")/lib.sh"
e2e_init rs-qmin "$1" "$2" "$3"
rs_start_all

# ---- 34-label ip6.arpa name ----
full=1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.1.0.0.2.0.a.2.ip6.arpa.
ma=$(qmark arpa) mi=$(qmark ip6rev)
wait_stats
u0=$(cp_stat upstream_queries)
expect "PTR of 2a02:18::1 (34 labels)" NOERROR "host1.dom1.boltnet. " -x 2a02:18::1
wait_stats
u1=$(cp_stat upstream_queries)
minimised=$(( $(qsince arpa "$ma" | awk -v f="$full" '$1 != f' | wc -l) +
              $(qsince ip6rev "$mi" | awk -v f="$full" '$1 != f' | wc -l) ))
[ "$minimised" -le 10 ] && ok "34-label name: $minimised minimised queries to arpa + ip6rev" ||
  bad "34-label name: $minimised minimised queries to arpa + ip6rev (RFC 9156: at most 10)"
n=$(qcount ip6rev "$mi" "$full" PTR)
[ "$n" -ge 1 ] && ok "the full name asked of ip6rev ($n)" || bad "the full name never asked of ip6rev"
echo "note: $((u1 - u0)) upstream queries in all for the 34-label name; ip6rev got: $(qsince ip6rev "$mi" | awk '{ print $1 }' | awk -F. '{ print NF - 1 }' | tr '\n' ' ')(labels)"
expect "another name in the same /32 (uses the cut found)" NXDOMAIN "" -x 2a02:18::2

# ---- fall back to the full name when an ancestor misbehaves ----
# A branch without errors first (control); the timeout last, as timeouts
# rightly count against the server as a whole.
expect "qmin: a branch without errors" NOERROR "198.19.81.80 " x.y.ok.qm.boltnet A
for b in sf:2:servfail ref:5:refused nt:4:notimp fe:1:formerr na:8:empty-non-AA to:9:timeout; do
  IFS=: read -r br oct what <<<"$b"
  m=$(qmark qm)
  t0=$(now_ms)
  expect "qmin: ancestor $br.qm.boltnet answers $what" NOERROR "198.19.81.$oct " x.y.$br.qm.boltnet A
  ms=$(( $(now_ms) - t0 ))
  n=$(qcount qm "$m" x.y.$br.qm.boltnet.)
  [ "$n" -ge 1 ] && ok "  full name x.y.$br.qm.boltnet asked ($n) after $(qcount qm "$m" $br.qm.boltnet.) ancestor query(ies), $ms ms" ||
    bad "  full name x.y.$br.qm.boltnet never asked; qm got: $(qsince qm "$m" | awk '{ print $1, $2, $5 }' | tr '\n' ';')"
done

# ---- locally served zones ----
ma=$(qmark arpa)
for n in 192.168.1.1 10.0.0.1; do
  out=$(q -x $n)
  r=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out")
  soa=$(section_rrs AUTHORITY <<<"$out" | grep -c ' SOA ')
  [ "$r" = NXDOMAIN ] && [ "$soa" -ge 1 ] && ok "-x $n: NXDOMAIN with an SOA (RFC 6303)" ||
    bad "-x $n: '$r', SOA in authority: $soa (want NXDOMAIN + SOA, answered locally)"
done
sleep 0.3
n=$(qsince arpa "$ma" | grep -cE 'in-addr\.arpa\.' )
[ "$n" -eq 0 ] && ok "private reverse names never sent upstream" ||
  bad "arpa got $n queries for private reverse names: $(qsince arpa "$ma" | awk '{ print $1 }' | tr '\n' ' ')"
expect "public reverse name resolved normally" NOERROR "ptr-198-2-3-4.boltnet. " -x 198.2.3.4
expect "localhost. A (RFC 6761)" NOERROR "127.0.0.1 " localhost A
expect "localhost. AAAA" NOERROR "::1 " localhost AAAA
expect "invalid. (RFC 6761)" NXDOMAIN "" foo.invalid A
expect "onion. (RFC 7686)" NXDOMAIN "" foo.onion A
mt=$(qmark testtld)
expect "test. resolved normally (RFC 6761)" NOERROR "198.19.83.80 " www.test A
n=$(qcount testtld "$mt" '*')
[ "$n" -ge 1 ] && ok "test. asked of its server ($n)" || bad "test. never asked of its server"

e2e_finish
