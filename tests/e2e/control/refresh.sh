#!/usr/bin/env bash
# End-to-end: a failed prefetch never overwrites a fresh entry (RFC 8767
# section 4). www.dom3.boltnet is cached with max-ttl = 60; its server is
# then killed, and a hit in the last 10 % of the TTL makes the
# dataplane hint a refresh, which fails (port unreachable). The entry must still
# answer NOERROR from the dataplane until it expires (before the fix the
# SERVFAIL of the refresh replaced it).
#
# Usage: refresh.sh BOLTDNS_DP BOLTDNS_CP DP_STATS
. "$(dirname "$0")/lib.sh"
E2E_EXTRA_RESOLVER="max-ttl = 60
serve-stale = no"
e2e_init refresh "$1" "$2" "$3"
e2e_start_all

s=$(short_of www.dom3.boltnet A)
t0=$(date +%s.%N)
[ "$s" = "198.19.3.80 " ] && ok "resolved: $s" || bad "resolve: '$s'"
# auth3 (198.18.1.22) serves dom3.boltnet: kill it, so that queries fail at
# once (a silent server makes the refresh outlast the entry).
tree() { local p; echo "$1"; for p in $(pgrep -P "$1"); do tree "$p"; done; }
pids=$(tree "$(cat "$E2E_DIR/hier/auth3/nsd.pid")" | tr '\n' ' ')
kill $pids
# Into the last 10 % of the TTL (54..60 s after the insert).
sleep "$(awk -v t0="$t0" -v now="$(date +%s.%N)" 'BEGIN { d = t0 + 54.3 - now; print (d > 0 ? d : 0) }')"
wait_stats
p0=$(cp_stat prefetches)
s=$(short_of www.dom3.boltnet A)
[ "$s" = "198.19.3.80 " ] && ok "late hit: $s" || bad "late hit: '$s'"
# The refresh starts and fails.
for _ in $(seq 1 10); do
  wait_stats
  [ "$(cp_stat kept_on_failure)" -ge 1 ] 2>/dev/null && break
done
p1=$(cp_stat prefetches)
k=$(cp_stat kept_on_failure)
[ "${p1:-0}" -gt "${p0:-0}" ] && ok "refresh started ($p0 -> $p1)" || bad "no refresh ($p0 -> $p1)"
[ "${k:-0}" -ge 1 ] && ok "failed refresh kept the entry ($k)" || bad "kept_on_failure '$k'"
left=$(awk -v t0="$t0" -v now="$(date +%s.%N)" 'BEGIN { print t0 + 60 - now }')
out=$(q www.dom3.boltnet A)
r=$(echo "$out" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
a=$(echo "$out" | awk '$4 == "A" { print $5; exit }')
if awk -v l="$left" 'BEGIN { exit !(l > 0.5) }'; then
  [ "$r" = NOERROR ] && [ "$a" = 198.19.3.80 ] && ok "still answered ($r $a, ${left}s left)" ||
    bad "after the failed refresh: $r '$a' (${left}s of TTL left)"
else
  echo "SKIP: the refresh took too long to check before expiry (${left}s left)"
fi
e2e_finish
