#!/usr/bin/env bash
# Resilience (issue 12, items 3 and 9): name server addresses.
# - glue.boltnet: in-zone NS name, address TTL 2 s (glue and child) under an
#   NS set of a day: once the address expires, names still resolve (the
#   resolver goes back to the parent for a fresh referral).
# - moved.boltnet: the child's own address record for its NS points to a
#   dead server (deadlog, 198.18.1.86, drops and logs): the resolver falls
#   back to the parent's glue.
# - v6.boltnet: glueless, its only NS name has only an AAAA (IPv6-only name
#   server on 2001:db8:18::77): looked up for AAAA and asked over IPv6.
# - loopback.boltnet: delegated to 127.0.18.70, never queried by default
#   (do-not-query-localhost = yes).
#
# Usage: addresses.sh BOLTDNS_DP BOLTDNS_CP DP_STATS [localhost-allowed]
#   localhost-allowed: only the loopback case, with do-not-query-localhost = no
. "$(dirname "$0")/lib.sh"

if [ "${4:-}" = localhost-allowed ]; then
  E2E_EXTRA_RESOLVER="do-not-query-localhost = no"
  e2e_init rs-lo "$1" "$2" "$3"
  rs_start_all
  m=$(qmark loopback)
  expect "do-not-query-localhost = no: loopback server asked" NOERROR "198.19.127.80 " www.loopback.boltnet A
  n=$(qcount loopback "$m" '*')
  [ "$n" -ge 1 ] && ok "loopback server got $n queries" || bad "loopback server got no query"
  e2e_finish
  exit
fi

e2e_init rs-addr "$1" "$2" "$3"
rs_start_all

# ---- loopback name server: never asked by default ----
m=$(qmark loopback)
r=$(rcode_of www.loopback.boltnet A)
[ "$r" = SERVFAIL ] && ok "delegation to 127.0.18.70: SERVFAIL" || bad "delegation to 127.0.18.70: '$r', want SERVFAIL"
sleep 0.3
n=$(qcount loopback "$m" '*')
[ "$n" -eq 0 ] && ok "loopback server never asked (do-not-query-localhost)" || bad "loopback server got $n queries"

# ---- IPv6-only name server, glueless ----
m6=$(qmark v6only) ms=$(qmark six)
expect "IPv6-only name server (glueless)" NOERROR "198.19.77.80 " www.v6.boltnet A
n=$(qcount six "$ms" ns.six.boltorg. AAAA)
[ "$n" -ge 1 ] && ok "ns.six.boltorg looked up for AAAA ($n)" || bad "ns.six.boltorg never looked up for AAAA"
n=$(qcount v6only "$m6" www.v6.boltnet.)
[ "$n" -ge 1 ] && ok "asked over IPv6 ($n queries to 2001:db8:18::77)" || bad "2001:db8:18::77 never asked"
expect "IPv6-only name server, AAAA" NOERROR "2001:db8:77::80 " www.v6.boltnet AAAA

# ---- in-zone NS, glue TTL 2 s, NS TTL 1 day ----
expect "in-zone NS with short glue" NOERROR "198.19.74.80 " www.glue.boltnet A
for i in 2 3; do
  sleep 3
  m=$(qmark glue)
  expect "after the glue expired ($i)" NOERROR "198.19.74.8$((i - 1)) " www$i.glue.boltnet A
  n=$(qcount glue "$m" www$i.glue.boltnet.)
  [ "$n" -ge 1 ] && ok "www$i.glue.boltnet asked of its server ($n)" || bad "www$i.glue.boltnet never reached glue's server"
done

# ---- child's address record leads to a dead server ----
md=$(qmark deadlog)
expect "moved: first name (learns the child's ns1 = 198.18.1.86)" NOERROR "198.19.75.80 " www.moved.boltnet A
expect "moved: the child's own address record" NOERROR "198.18.1.86 " ns1.moved.boltnet A
for i in 2 3; do
  m=$(qmark moved)
  t0=$(now_ms)
  expect "moved: www$i via the parent's glue" NOERROR "198.19.75.8$((i - 1)) " www$i.moved.boltnet A
  n=$(qcount moved "$m" www$i.moved.boltnet.)
  [ "$n" -ge 1 ] && ok "www$i.moved.boltnet asked of 198.18.1.75 ($n) after $(( $(now_ms) - t0 )) ms" ||
    bad "www$i.moved.boltnet never reached 198.18.1.75 (the glue address)"
done
# RFC 2181 §5.4.1 ranks the child's authoritative address above the glue, so
# a resolver may try it first; either way the names above resolved.
echo "note: the child's (dead) address 198.18.1.86 got $(qcount deadlog "$md" '*') queries"

e2e_finish
