#!/usr/bin/env bash
# End-to-end: serve-stale (RFC 8767). With max-ttl = 2 every answer expires
# quickly; once the authoritative server of dom1.boltnet is gone, an expired
# answer is served with TTL 30 instead of SERVFAIL, and names never cached
# get SERVFAIL.
#
# Usage: stale.sh BOLTDNS_DP BOLTDNS_CP DP_STATS
. "$(dirname "$0")/lib.sh"
E2E_EXTRA_RESOLVER="max-ttl = 2
serve-stale = yes"
e2e_init stale "$1" "$2" "$3"
e2e_start_all

s=$(short_of www.dom1.boltnet A)
[ "$s" = "198.19.1.80 " ] && ok "resolved: $s" || bad "resolve: '$s'"

# auth1 (198.18.1.20) serves dom1.boltnet: stop it.
pid=$(cat "$E2E_DIR/hier/auth1/nsd.pid" 2>/dev/null)
[ -n "$pid" ] && kill "$pid"
for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
sleep 3

out=$(q www.dom1.boltnet A)
ttl=$(echo "$out" | awk '$4 == "A" { print $2; exit }')
addr=$(echo "$out" | awk '$4 == "A" { print $5; exit }')
if [ "$addr" = 198.19.1.80 ] && [ "$ttl" = 30 ]; then ok "stale answer served (TTL $ttl)"; else bad "stale: '$addr' TTL '$ttl'"; fi
r=$(rcode_of mail.dom1.boltnet A)
[ "$r" = SERVFAIL ] && ok "never-cached name: SERVFAIL" || bad "never-cached name: '$r'"
wait_stats
n=$(cp_stat stale_answers)
[ "${n:-0}" -ge 1 ] && ok "stale_answers counter: $n" || bad "stale_answers counter: '$n'"
e2e_finish
