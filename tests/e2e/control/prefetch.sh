#!/usr/bin/env bash
# End-to-end: prefetch. With max-ttl = 10 a name asked again after its answer
# expired is popular: boltdns-cp refreshes it before the next expiry, so a
# query just after that expiry is a dataplane cache hit.
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
wait_stats
p=$(cp_stat prefetches)
[ "${p:-0}" -ge 1 ] && ok "prefetches counter: $p" || bad "prefetches counter: '$p'"
e2e_finish
