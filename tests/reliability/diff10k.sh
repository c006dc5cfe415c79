#!/usr/bin/env bash
# Differential test at scale: more than 10 000 queries (all 2000 bulk names
# with A, AAAA, MX and TXT, NXDOMAIN names, wildcard names, CNAME chains,
# NODATA cases and every hierarchy case with several types) through boltdns
# and through Unbound with the same root hints; every rcode and answer
# RRset (owner, type, data; TTLs aside) must agree. Queries run in parallel
# (tests/reliability/dnsclient.py), truncated answers are repeated over TCP.
# tests/e2e/control/differential.sh covers the slow cases (silent server)
# one query at a time; this test leaves them out and goes for volume.
#
# Usage: diff10k.sh BOLTDNS_DP BOLTDNS_CP DP_STATS
. "$(dirname "$0")/lib.sh"
command -v unbound >/dev/null 2>&1 || e2e_skip "unbound not installed"
command -v python3 >/dev/null 2>&1 || e2e_skip "python3 not installed"
e2e_init d10k "$1" "$2" "$3"
e2e_start_all
UB_PORT=5301
ns bash "$E2E_HIER/unbound.sh" start $UB_PORT "$E2E_DIR" >"$E2E_DIR/unbound.start.log" 2>&1 ||
  { cat "$E2E_DIR/unbound.start.log"; echo "unbound did not start"; exit 1; }
E2E_UNBOUND=$UB_PORT

queries="$E2E_DIR/queries"
{
  for t in A AAAA MX TXT; do bulk_list 1 2000 $t; done
  for i in $(seq 1 1200); do printf 'n%04d.bulk.boltnet A\n' "$i"; done
  for i in $(seq 2001 2100); do printf 'h%04d.bulk.boltnet AAAA\n' "$i"; done
  for i in $(seq 1 200); do printf 'w%03d.wild.dom2.boltorg A\nw%03d.wild.dom2.boltorg TXT\n' "$i" "$i"; done
  for i in $(seq 1 100); do printf 'nx%03d.dom1.boltnet A\nnx%03d.dom2.boltorg MX\n' "$i" "$i"; done
  for i in $(seq 1 50); do printf 'x%02d.y.wild.dom2.boltorg A\n' "$i"; done
  for n in www.dom1.boltnet multi.dom1.boltnet short.dom1.boltnet mail.dom1.boltnet \
           alias.dom1.boltnet a.dom1.boltnet dangling.dom1.boltnet nx.dom1.boltnet \
           v6only.dom1.boltnet dom1.boltnet ns1.dom1.boltnet ns3.dom1.boltnet \
           www.dom2.boltorg mx.dom2.boltorg b.dom2.boltorg nx.dom2.boltorg dom2.boltorg \
           txt.dom2.boltorg ns1.dom2.boltorg c.dom3.boltnet www.dom3.boltnet dom3.boltnet \
           www.dom4.boltorg dom4.boltorg www.half.boltorg ns.hosting.boltorg hosting.boltorg \
           www.evil.boltorg nx.evil.boltorg ns1.nic.boltnet www.lame.boltnet \
           nosuchtld nx.boltnet nx.boltorg bulk.boltnet boltnet boltorg; do
    for t in A AAAA TXT MX NS SOA CNAME; do echo "$n $t"; done
  done
  echo "big.dom1.boltnet TXT"
  echo "loop1.dom1.boltnet A"
  echo "loop2.dom1.boltnet AAAA"
} > "$queries"
total=$(wc -l < "$queries")
e2e_log "$total queries"
[ "$total" -ge 10000 ] && ok "$total queries generated" || bad "only $total queries"

# Unbound first: it warms nothing of boltdns. Each answer set is kept.
client 127.0.0.1 $UB_PORT "$queries" --parallel 48 --timeout 4 --tries 3 > "$E2E_DIR/unbound.out" ||
  bad "client against unbound failed"
client 127.0.0.1 $E2E_PORT "$queries" --parallel 48 --timeout 4 --tries 3 > "$E2E_DIR/boltdns.out" ||
  bad "client against boltdns failed"

n_ub=$(wc -l < "$E2E_DIR/unbound.out")
n_bd=$(wc -l < "$E2E_DIR/boltdns.out")
[ "$n_ub" -eq "$total" ] && [ "$n_bd" -eq "$total" ] && ok "every query has a result line" ||
  bad "result lines: unbound $n_ub boltdns $n_bd of $total"
noans=$(grep -c 'NO_ANSWER|' "$E2E_DIR/boltdns.out")
[ "$noans" -eq 0 ] && ok "boltdns answered every query" || bad "$noans queries unanswered by boltdns"

# The comparison means something only if the answers are the right ones.
grep -q $'^h1000.bulk.boltnet A\tNOERROR|h1000.bulk.boltnet. A 198.19.131.232$' "$E2E_DIR/boltdns.out" &&
  ok "h1000.bulk.boltnet A is 198.19.131.232" || bad "h1000.bulk.boltnet A: $(grep '^h1000.bulk.boltnet A' "$E2E_DIR/boltdns.out")"
nx=$(grep -c $'\tNXDOMAIN|' "$E2E_DIR/boltdns.out")
na=$(grep -c ' A 198.19.1[23][0-9]\.' "$E2E_DIR/boltdns.out")
[ "$nx" -ge 1400 ] && [ "$na" -ge 2000 ] && ok "$nx NXDOMAIN, $na bulk addresses" ||
  bad "only $nx NXDOMAIN and $na bulk addresses"
paste -d'\n' "$E2E_DIR/boltdns.out" "$E2E_DIR/unbound.out" | paste - - |
  awk -F'\t' '$2 != $4 { print $1 "\n  boltdns: " $2 "\n  unbound: " $4 }' > "$E2E_DIR/diffs"
ndiff=$(grep -c '^  boltdns' "$E2E_DIR/diffs")
if [ "$ndiff" -eq 0 ]; then
  ok "$total/$total queries agree with unbound (rcode and answer RRsets)"
else
  head -60 "$E2E_DIR/diffs"
  bad "$ndiff of $total queries differ from unbound"
fi
# A second pass through boltdns is answered from its cache: same results.
client 127.0.0.1 $E2E_PORT "$queries" --parallel 48 --timeout 4 --tries 3 > "$E2E_DIR/boltdns2.out"
h0=$(dp_stat hits)
n2=$(diff "$E2E_DIR/boltdns.out" "$E2E_DIR/boltdns2.out" | grep -c '^>')
[ "$n2" -eq 0 ] && ok "second (cached) pass gives the same results (dataplane hits $h0)" ||
  { diff "$E2E_DIR/boltdns.out" "$E2E_DIR/boltdns2.out" | head -20; bad "$n2 results changed from cache"; }
# REL_KEEP=DIR keeps both result files there (to study differences)
rel_keep=${REL_KEEP:-}; [ -n "$rel_keep" ] && cp "$E2E_DIR"/*.out "$rel_keep"/
e2e_finish
