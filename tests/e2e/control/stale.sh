#!/usr/bin/env bash
# End-to-end: serve-stale (RFC 8767). With max-ttl = 2 every answer expires
# quickly; once the authoritative server of dom1.boltnet is gone, an expired
# answer is served with TTL 30 instead of SERVFAIL, and names never cached
# get SERVFAIL (with an EDE, also when the dataplane repeats it from the
# cache). Once the server of dom2.boltorg is stopped (silent: queries time
# out), the client-response timer (stale-answer-timeout, 200 ms here, below
# the 500 ms upstream timeout) answers with the expired entry and EDE 3
# while resolution goes on; when that resolution fails, the entry is still
# there (the failure did not replace it with a SERVFAIL).
#
# Usage: stale.sh BOLTDNS_DP BOLTDNS_CP DP_STATS
. "$(dirname "$0")/lib.sh"
E2E_EXTRA_RESOLVER="max-ttl = 2
serve-stale = yes
stale-answer-timeout = 200"
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
e=$(echo "$out" | sed -n 's/^; EDE: \([0-9]*\).*/\1/p')
[ "$e" = 3 ] && ok "stale answer carries EDE 3 (Stale Answer)" || bad "stale answer EDE '$e'"
r=$(rcode_of mail.dom1.boltnet A)
[ "$r" = SERVFAIL ] && ok "never-cached name: SERVFAIL" || bad "never-cached name: '$r'"
e1=$(q mail.dom1.boltnet A | sed -n 's/^; EDE: \([0-9]*\).*/\1/p')
[ -n "$e1" ] && ok "SERVFAIL from the cache carries EDE $e1" || bad "cached SERVFAIL without EDE"
wait_stats
n=$(cp_stat stale_answers)
[ "${n:-0}" -ge 1 ] && ok "stale_answers counter: $n" || bad "stale_answers counter: '$n'"

# ---- a silent server: the client-response timer ----
s=$(short_of www.dom2.boltorg A)
[ "$s" = "198.19.2.80 " ] && ok "resolved: $s" || bad "resolve dom2: '$s'"
# auth2 (198.18.1.21) serves dom2.boltorg: stop (not kill) its processes, so
# queries go unanswered instead of being refused.
tree() { local p; echo "$1"; for p in $(pgrep -P "$1"); do tree "$p"; done; }
pids=$(tree "$(cat "$E2E_DIR/hier/auth2/nsd.pid")" | tr '\n' ' ')
kill -STOP $pids
sleep 3
t0=$(cp_stat stale_timer_answers)
out=$(q www.dom2.boltorg A)
ttl=$(echo "$out" | awk '$4 == "A" { print $2; exit }')
addr=$(echo "$out" | awk '$4 == "A" { print $5; exit }')
e=$(echo "$out" | sed -n 's/^; EDE: \([0-9]*\).*/\1/p')
[ "$addr" = 198.19.2.80 ] && [ "$ttl" = 30 ] && [ "$e" = 3 ] &&
  ok "silent server: stale answer, TTL $ttl, EDE $e" || bad "silent server: '$addr' TTL '$ttl' EDE '$e'"
wait_stats
t1=$(cp_stat stale_timer_answers)
[ "${t1:-0}" -gt "${t0:-0}" ] && ok "answered by the client-response timer ($t0 -> $t1)" ||
  bad "stale_timer_answers $t0 -> $t1"
# Let the resolution run into its timeouts and fail.
for _ in $(seq 1 20); do
  [ "$(cp_stat in_flight)" = 0 ] && break
  sleep 0.5
done
wait_stats
k=$(cp_stat kept_on_failure)
[ "${k:-0}" -ge 1 ] && ok "the failure kept the entry (kept_on_failure $k)" || bad "kept_on_failure '$k'"
out=$(q www.dom2.boltorg A)
r=$(echo "$out" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
addr=$(echo "$out" | awk '$4 == "A" { print $5; exit }')
[ "$r" = NOERROR ] && [ "$addr" = 198.19.2.80 ] && ok "after the failed refresh: still the stale answer" ||
  bad "after the failed refresh: $r '$addr'"
kill -CONT $pids
e2e_finish
