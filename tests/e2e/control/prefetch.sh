#!/usr/bin/env bash
# End-to-end: prefetch. With max-ttl = 10 a name asked again after its answer
# expired is popular: boltdns-cp refreshes it before the next expiry, so a
# query just after that expiry is a dataplane cache hit.
# Hit-driven: a name hit at the dataplane in the last 10% of its TTL is
# hinted to boltdns-cp, which refreshes it before it expires: its TTL jumps
# back up and it never misses at the dataplane.
#
# Usage: prefetch.sh BOLTDNS_DP BOLTDNS_CP DP_STATS
. "$(dirname "$0")/lib.sh"
E2E_EXTRA_RESOLVER="max-ttl = 10
prefetch = yes"
e2e_init prefetch "$1" "$2" "$3"
e2e_start_all

s=$(short_of www.dom2.boltorg A)
[ "$s" = "198.19.2.80 " ] && ok "first resolution: $s" || bad "first resolution: '$s'"
sleep 11
m0=$(dp_stat misses)
s=$(short_of www.dom2.boltorg A)
m1=$(dp_stat misses)
[ "$s" = "198.19.2.80 " ] && [ $((m1 - m0)) -eq 1 ] && ok "asked again after expiry: a miss" ||
  bad "second query: '$s', misses $m0 -> $m1"
sleep 10.5
h0=$(dp_stat hits)
s=$(short_of www.dom2.boltorg A)
h1=$(dp_stat hits)
[ "$s" = "198.19.2.80 " ] && [ $((h1 - h0)) -eq 1 ] && ok "after the next expiry: a hit (prefetched)" ||
  bad "third query: '$s', hits $h0 -> $h1"

# Hit-driven: short.dom1.boltnet (TTL 60, capped to 10), asked every 0.25 s
# for 12.5 s, past the expiry of the first answer.
s=$(short_of short.dom1.boltnet A)
[ "$s" = "198.19.1.60 " ] && ok "short TTL name resolved: $s" || bad "short TTL name: '$s'"
m0=$(dp_stat misses)
hd0=$(dp_stat prefetch_hints)
low=0 back=0 gone=0 ttls=""
for _ in $(seq 50); do
  sleep 0.25
  t=$(q +noall +answer short.dom1.boltnet A | awk '$4 == "A" { print $2; exit }')
  ttls="$ttls ${t:-none}"
  case "$t" in
    ''|*[!0-9]*) gone=1 ;;
    *) if [ "$t" -le 1 ]; then low=1; elif [ "$low" = 1 ] && [ "$t" -ge 8 ]; then back=1; fi ;;
  esac
done
m1=$(dp_stat misses)
hd1=$(dp_stat prefetch_hints)
[ "$low" = 1 ] && [ "$back" = 1 ] && [ "$gone" = 0 ] &&
  ok "hit in its last 10%: refreshed before expiry (TTL jumped back up)" ||
  bad "no refresh before expiry: TTLs$ttls"
[ $((m1 - m0)) -eq 0 ] && ok "no miss at the dataplane while refreshed" ||
  bad "misses $m0 -> $m1 (TTLs$ttls)"
[ $((hd1 - hd0)) -ge 1 ] && ok "dataplane prefetch hints: $hd0 -> $hd1" ||
  bad "dataplane prefetch hints: $hd0 -> $hd1"
wait_stats
ph=$(cp_stat prefetch_hints)
[ "${ph:-0}" -ge 1 ] && ok "control plane got prefetch hints: $ph" || bad "cp prefetch_hints: '$ph'"
p=$(cp_stat prefetches)
[ "${p:-0}" -ge 1 ] && ok "prefetches counter: $p" || bad "prefetches counter: '$p'"
e2e_finish
