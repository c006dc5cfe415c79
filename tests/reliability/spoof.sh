#!/usr/bin/env bash
# Spoofing flood: while boltdns-cp resolves bulk names of the fake hierarchy
# (cache flushed between rounds, so every round resolves again), spoof.py
# floods its upstream ports with forged responses: blind ones (random IDs,
# spoofed server addresses, wrong source ports and addresses, forged
# referrals) and ones racing each real answer (wrong ID, wrong question,
# wrong port, and right ID with out-of-bailiwick records). Afterwards no
# cache entry holds a forged (6.6.6.x) address and every name resolved to
# its true address in every round.
#
# Usage: spoof.sh BOLTDNS_DP BOLTDNS_CP DP_STATS BOLTCTL
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null 2>&1 || e2e_skip "python3 not installed"
command -v ss >/dev/null 2>&1 || e2e_skip "ss not installed"
REL_CTL=$4
# Validation is on (the default): a forged answer that wins the race on
# the wire (the racer sees every query) lacks its RRSIGs and is bogus;
# boltdns-cp asks again (control/iter/resretry.c: the other servers, then
# TCP, which the racer cannot answer), so every name still resolves to its
# true address, secure.
e2e_init spoof "$1" "$2" "$3"
e2e_start_all

names="$E2E_DIR/names"
{
  bulk_list 1 400 A
  echo "www.dom1.boltnet A"; echo "www.dom2.boltorg A"; echo "ns1.dom1.boltnet A"
} > "$names"
# expected answers: the bulk mapping and the three names the racer poisons
{
  for i in $(seq 1 400); do printf 'h%04d.bulk.boltnet A\tNOERROR|h%04d.bulk.boltnet. A %s\n' "$i" "$i" "$(bulk_addr "$i")"; done
  printf 'www.dom1.boltnet A\tNOERROR|www.dom1.boltnet. A 198.19.1.80\n'
  printf 'www.dom2.boltorg A\tNOERROR|www.dom2.boltorg. A 198.19.2.80\n'
  printf 'ns1.dom1.boltnet A\tNOERROR|ns1.dom1.boltnet. A %s\n' \
    "$(auth_short 198.18.1.20 ns1.dom1.boltnet A | tr -d ' ')"
} > "$E2E_DIR/expected"

DURATION=${SPOOF_DURATION:-20}
ns python3 "$REL_DIR/spoof.py" --pid "$E2E_CP_PID" --duration "$DURATION" --last 400 \
  --ready "$E2E_DIR/flood.ready" > "$E2E_DIR/flood.out" 2>"$E2E_DIR/flood.err" &
FLOOD_PID=$!
for _ in $(seq 50); do [ -e "$E2E_DIR/flood.ready" ] && break; sleep 0.1; done
[ -e "$E2E_DIR/flood.ready" ] || { cat "$E2E_DIR/flood.err"; echo "flooder did not start"; exit 1; }

rounds=0 wrong=0
while kill -0 "$FLOOD_PID" 2>/dev/null; do
  ctl flush_all >/dev/null || bad "flush_all failed"
  client 127.0.0.1 "$E2E_PORT" "$names" --parallel 4 --timeout 3 --tries 3 > "$E2E_DIR/round.out"
  rounds=$((rounds + 1))
  d=$(diff "$E2E_DIR/expected" "$E2E_DIR/round.out" | grep -c '^>')
  if [ "$d" -ne 0 ]; then
    wrong=$((wrong + d))
    diff "$E2E_DIR/expected" "$E2E_DIR/round.out" | head -10
  fi
  # the cache right after a round, while the flood goes on
  forged=$(ctl dump_cache | grep -c '6\.6\.6\.')
  [ "$forged" -eq 0 ] || { ctl dump_cache | grep '6\.6\.6\.' | head; bad "round $rounds: $forged forged records in the cache"; }
done
wait "$FLOOD_PID"
cat "$E2E_DIR/flood.out"
sent=$(awk '$1 == "total" { print $2 }' "$E2E_DIR/flood.out")
seen=$(awk '$1 == "queries_seen" { print $2 }' "$E2E_DIR/flood.out")
raced=$(awk '$1 == "race_wrong_id" { print $2 }' "$E2E_DIR/flood.out")
[ "${sent:-0}" -gt 10000 ] && ok "flooder sent $sent forged packets" || bad "flooder sent only '${sent:-0}' packets"
[ "${seen:-0}" -gt 100 ] && [ "${raced:-0}" -gt 0 ] && ok "racer answered $seen upstream queries ($raced wrong-ID answers)" ||
  bad "racer saw '${seen:-0}' queries"
[ "$rounds" -ge 2 ] && ok "$rounds resolution rounds during the flood" || bad "only $rounds rounds"
[ "$wrong" -eq 0 ] && ok "every name resolved to its true address in every round" || bad "$wrong wrong answers"

# After the flood: the whole cache, and the counters.
forged=$(ctl dump_cache | grep -c '6\.6\.6\.')
[ "$forged" -eq 0 ] && ok "no forged record in dump_cache" || { ctl dump_cache | grep '6\.6\.6\.' | head; bad "$forged forged records in dump_cache"; }
for nt in "www.dom1.boltnet 198.19.1.80 " "www.dom2.boltorg 198.19.2.80 "; do
  set -- $nt
  s=$(short_of "$1" A)
  [ "$s" = "$2 " ] && ok "$1 still $2" || bad "$1: '$s'"
done
wait_stats
mm=$(cp_stat upstream_mismatched)
[ "${mm:-0}" -gt 0 ] && ok "boltdns-cp rejected $mm forged responses that reached its sockets (upstream_mismatched)" ||
  bad "upstream_mismatched '${mm:-}': the forgeries never reached the resolver"
# The racer's right-ID answers (true address, no RRSIG) that won were
# bogus, and were asked again rather than answered SERVFAIL.
rq=$(cp_stat dnssec_requeries) sec=$(cp_stat dnssec_secure)
[ "${rq:-0}" -gt 0 ] && ok "bogus (raced) answers asked again: $rq; secure answers: ${sec:-0}" ||
  bad "dnssec_requeries '${rq:-}': no raced answer was caught by validation"
alive "$E2E_CP_PID" && alive "$E2E_DP_PID" && ok "both processes up" || bad "a process died"
e2e_finish
