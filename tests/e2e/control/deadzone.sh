#!/usr/bin/env bash
# End-to-end: a random-subdomain flood of a zone whose servers are down
# (issue 14 item 6; control/iter/zonedown.h).
#  - the first question for dead.boltnet (its server never answers) waits
#    out the timeouts: SERVFAIL, EDE 22 "all servers for dead.boltnet.
#    timed out" (the parent's referral is not counted as an answer from
#    the child's servers);
#  - from then on the zone is down: a question fails at once (EDE 22 "are
#    down"), and zone_down_marks counts the zone;
#  - a flood of random names under it (2000 qps here) is answered SERVFAIL
#    without the resolver asking anybody: the upstream queries during the
#    flood are the ordinary misses' and a few probes (before: one query to
#    the parent per flood question); the dataplane answers most of the flood
#    itself (throttled), SERVFAIL with EDE 22 "all servers for dead.boltnet.
#    are down" as the control plane would, and hands on only one in a
#    hundred (throttle_passed; the control plane's zone_down_hits stay near
#    that); ordinary misses to another zone still succeed;
#  - recovery: a zone whose server becomes unreachable (its address taken
#    away) is marked down and, flooded, published to the dataplane; once the
#    address is back, a probe finds the server within seconds, and the
#    zone is resolved again at once, the dataplane's throttle lifted with
#    the mark (not 2 s later);
#  - zone_down_hits / zone_down_probes / zone_down_marks in the stats file
#    and /metrics.
# Rates are scaled down for a 2-core machine; timing is asserted loosely
# (bench/flood/run.sh measures latency).
#
# Usage: deadzone.sh BOLTDNS_DP BOLTDNS_CP DP_STATS
. "$(dirname "$0")/lib.sh"
E2E_EXTRA_RESOLVER="[control]
metrics = 127.0.0.1@9153"
# dom3.boltnet is signed: with RFC 8198 its random names would be answered
# from the cached NSEC chain and never reach its (unreachable) server
E2E_EXTRA_DNSSEC="aggressive-nsec = no"
e2e_init deadzone "$1" "$2" "$3"
command -v dnsperf >/dev/null || { echo "SKIP: dnsperf not installed"; exit 77; }
e2e_start_all

ede_of() { echo "$1" | sed -n 's/.*EDE: \(.*\)/\1/p' | head -1; }
qtime_of() { echo "$1" | sed -n 's/.*Query time: \([0-9]*\) msec.*/\1/p'; }

# Cuts the loads use, as a running resolver has them.
rcode_of warm.wild.dom2.boltorg A >/dev/null
rcode_of warm.dom3.boltnet A >/dev/null

# ---- the first question waits out the timeouts, the next fails at once ----
out=$(q first.dead.boltnet A)
echo "$out" | grep -q "status: SERVFAIL" &&
  echo "$out" | grep -q "all servers for dead.boltnet. timed out" &&
  ok "first question: SERVFAIL, EDE 22 'all servers for dead.boltnet. timed out'" ||
  bad "first question: $(echo "$out" | grep -E 'status|EDE' | tr '\n' ' ')"
out=$(q second.dead.boltnet A)
t=$(qtime_of "$out")
echo "$out" | grep -q "status: SERVFAIL" &&
  echo "$out" | grep -q "all servers for dead.boltnet. are down" && [ "${t:-9999}" -lt 300 ] &&
  ok "next question: SERVFAIL at once (${t} ms), EDE 22 '$(ede_of "$out")'" ||
  bad "next question (${t:-?} ms): $(echo "$out" | grep -E 'status|EDE' | tr '\n' ' ')"
wait_stats
[ "$(cp_stat zone_down_marks)" -ge 1 ] && ok "zone_down_marks: $(cp_stat zone_down_marks)" ||
  bad "zone_down_marks: '$(cp_stat zone_down_marks)'"

# ---- a flood of the dead zone ----
awk 'BEGIN { srand(5); for (i = 0; i < 12000; i++) printf "d%d-%x.dead.boltnet A\n", i, int(rand() * 2^30) }' \
  > "$E2E_DIR/flood.txt"
awk 'BEGIN { for (i = 0; i < 240; i++) printf "o%d.wild.dom2.boltorg A\n", i }' > "$E2E_DIR/ord.txt"
# What an ordinary miss costs upstream (QNAME minimisation may ask twice).
wait_stats
c0=$(cp_stat upstream_queries)
for i in $(seq 1 10); do rcode_of "cost$i.wild.dom2.boltorg" A >/dev/null; done
wait_stats
per=$(( ($(cp_stat upstream_queries) - c0 + 9) / 10 ))
u0=$(cp_stat upstream_queries) to0=$(cp_stat upstream_timeouts) zh0=$(cp_stat zone_down_hits)
th0=$(dp_stat throttled) tp0=$(dp_stat throttle_passed)
ns dnsperf -s 127.0.0.1 -p "$E2E_PORT" -d "$E2E_DIR/flood.txt" -n 1 -Q 2000 -q 2000 -t 2 -l 4 \
  > "$E2E_DIR/flood-perf.txt" 2>&1 &
fpid=$!
sleep 0.5
ns dnsperf -s 127.0.0.1 -p "$E2E_PORT" -d "$E2E_DIR/ord.txt" -n 1 -Q 60 -q 100 -t 3 -v \
  > "$E2E_DIR/ord-perf.txt" 2>&1 &
opid=$!
# During the flood, the dataplane's own answer for the down zone: the
# control plane's reason (one text, BOLT_EDE_ZONE_DOWN_FMT).
sleep 0.5
dpans=0 dptexts=""
for i in 1 2 3 4 5; do
  out=$(q "during$i-$RANDOM.dead.boltnet" A)
  e=$(ede_of "$out")
  dptexts="$dptexts [$e]"
  echo "$out" | grep -q "status: SERVFAIL" &&
    [ "$e" = '22 (No Reachable Authority): (all servers for dead.boltnet. are down)' ] &&
    dpans=$((dpans + 1))
done
wait "$opid" 2>/dev/null || true
wait "$fpid" 2>/dev/null || true
wait_stats
u1=$(cp_stat upstream_queries) to1=$(cp_stat upstream_timeouts) zh1=$(cp_stat zone_down_hits)
th1=$(dp_stat throttled) tp1=$(dp_stat throttle_passed)
sent=$(awk '/Queries sent:/ { print $3 }' "$E2E_DIR/flood-perf.txt")
noerr=$(grep -c '^> NOERROR' "$E2E_DIR/ord-perf.txt" || true)
echo "dead-zone flood: $sent sent, upstream queries +$((u1 - u0)), timeouts +$((to1 - to0)), zone_down_hits +$((zh1 - zh0)), dataplane throttled +$((th1 - th0)) passed +$((${tp1:-0} - ${tp0:-0})), ordinary $noerr/240 NOERROR"
[ "${noerr:-0}" -ge 228 ] && ok "ordinary misses during the flood: $noerr/240 NOERROR" ||
  bad "ordinary misses during the flood: ${noerr:-0}/240 NOERROR (see $E2E_DIR/ord-perf.txt)"
# the ordinary misses' queries, plus a probe a second at most (each a
# query to the dead server or its parent): not one per flood name
[ "$((u1 - u0))" -le $((240 * per + 40)) ] &&
  ok "upstream queries bounded: +$((u1 - u0)) for $sent flood and 240 ordinary questions ($per each)" ||
  bad "upstream queries: +$((u1 - u0)) for $sent flood and 240 ordinary questions ($per each)"
[ "$((to1 - to0))" -le 10 ] && ok "the dead server waited on: $((to1 - to0)) timeouts" ||
  bad "upstream timeouts during the flood: +$((to1 - to0))"
[ "$((zh1 - zh0))" -gt 0 ] && ok "zone_down_hits: +$((zh1 - zh0))" || bad "zone_down_hits $zh0 -> $zh1"
[ "$((th1 - th0))" -gt $(( ${sent:-10000} / 2 )) ] &&
  ok "the dataplane answered most of the flood itself: throttled +$((th1 - th0))" ||
  bad "dataplane throttled +$((th1 - th0)) for $sent"
# EDE 22 from the dataplane (4 of 5: one in a hundred goes on, and the
# control plane's own answer has its longer text)
[ "$dpans" -ge 4 ] && ok "the dataplane's answer for the down zone: SERVFAIL, EDE 22 ($dpans of 5)" ||
  bad "the dataplane's answers for the down zone ($dpans of 5 EDE 22 'are down'):$dptexts"
# one in a hundred handed on (BOLT_THROTTLE_LET_THROUGH_DOWN), per lcore
if [ -n "${tp1:-}" ] && [ -n "${tp0:-}" ]; then
  tp=$((tp1 - tp0)) th=$((th1 - th0))
  [ "$tp" -ge 1 ] && [ $((tp * 100)) -le $((th + tp + 100)) ] && [ $((tp * 100)) -ge $((th + tp - 200)) ] &&
    ok "let-through of the down zone: $tp handed on, $th answered (1 in $(( (th + tp) / (tp > 0 ? tp : 1) )))" ||
    bad "let-through of the down zone: $tp handed on, $th answered (want 1 in 100)"
else
  bad "no throttle_passed counter in the dataplane's stats"
fi
# the control plane failed about that many, plus the flood's first moments
# before the zone was published (before: one in ten, ~$((sent / 10)))
[ "$((zh1 - zh0))" -le $(( ${sent:-8000} / 40 + 50 )) ] &&
  ok "the control plane saw little of the flood: zone_down_hits +$((zh1 - zh0)) of $sent" ||
  bad "the control plane saw too much of the flood: zone_down_hits +$((zh1 - zh0)) of $sent"

# ---- recovery: dom3.boltnet's server (auth3, 198.18.1.22) goes and comes back ----
ns ip addr del 198.18.1.22/32 dev lo
out=$(q gone.dom3.boltnet A)
echo "$out" | grep -q "status: SERVFAIL" && ok "server unreachable: SERVFAIL, EDE '$(ede_of "$out")'" ||
  bad "server unreachable: $(echo "$out" | grep -E 'status|EDE' | tr '\n' ' ')"
awk 'BEGIN { srand(9); for (i = 0; i < 10000; i++) printf "r%d-%x.dom3.boltnet A\n", i, int(rand() * 2^30) }' \
  > "$E2E_DIR/rflood.txt"
ns dnsperf -s 127.0.0.1 -p "$E2E_PORT" -d "$E2E_DIR/rflood.txt" -n 1 -Q 400 -q 400 -t 2 -l 24 \
  > "$E2E_DIR/rflood-perf.txt" 2>&1 &
fpid=$!
sleep 2
th2=$(dp_stat throttled)
ns ip addr add 198.18.1.22/32 dev lo
back=""
# within a probe interval plus the server's back-off, which a few failed
# probes may have taken to 8 s
for i in $(seq 1 80); do
  r=$(rcode_of "back$i.dom3.boltnet" A)
  [ "$r" != SERVFAIL ] && { back=$i; break; }
  sleep 0.25
done
[ -n "$back" ] && ok "back within $((back / 4)).$((back % 4 * 25)) s: back$back.dom3.boltnet $r" ||
  bad "dom3.boltnet not back within 20 s of its address"
after=""
for i in 1 2 3 4 5 6; do after="$after $(rcode_of "after$i-$RANDOM.dom3.boltnet" A)"; done
kill "$fpid" 2>/dev/null
wait "$fpid" 2>/dev/null || true
echo "$after" | grep -q SERVFAIL && bad "right after recovery, still throttled:$after" ||
  ok "right after recovery, fresh names resolved (throttle lifted):$after"
[ "$((th2 - th1))" -gt 0 ] && ok "the flooded down zone was published: throttled +$((th2 - th1))" ||
  bad "dom3 flood not throttled by the dataplane ($th1 -> $th2)"
wait_stats
[ "$(cp_stat zone_down_probes)" -ge 1 ] && ok "zone_down_probes: $(cp_stat zone_down_probes)" ||
  bad "zone_down_probes: '$(cp_stat zone_down_probes)'"
m=$(ns bash -c 'exec 3<>/dev/tcp/127.0.0.1/9153; printf "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n" >&3; cat <&3' 2>/dev/null || true)
grep -qE '^boltdns_cp_zone_down_hits_total [1-9]' <<<"$m" &&
  grep -qE '^boltdns_cp_zone_down_probes_total [1-9]' <<<"$m" &&
  grep -qE '^boltdns_cp_zone_down_marks_total [1-9]' <<<"$m" &&
  ok "/metrics: zone_down_hits, zone_down_probes, zone_down_marks" ||
  bad "/metrics lacks the zone-down counters: $(echo "$m" | grep -E 'zone_down' | tr '\n' ' ')"
e2e_finish
