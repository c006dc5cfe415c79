#!/usr/bin/env bash
# Differential test: the same queries (every hierarchy case, a few hundred
# bulk names, NXDOMAIN names) through boltdns and through Unbound with the
# same root hints must give the same rcode and the same answer RRsets
# (owner, type, data; TTLs aside). ANY is left out: Unbound answers it
# from whatever RRsets its cache holds, so it depends on earlier queries.
#
# Usage: differential.sh BOLTDNS_DP BOLTDNS_CP DP_STATS
. "$(dirname "$0")/lib.sh"
command -v unbound >/dev/null 2>&1 || e2e_skip "unbound not installed"
e2e_init diff "$1" "$2" "$3"
e2e_start_all
UB_PORT=5301
ns bash "$E2E_HIER/unbound.sh" start $UB_PORT "$E2E_DIR" >"$E2E_DIR/unbound.start.log" 2>&1 ||
  { cat "$E2E_DIR/unbound.start.log"; echo "unbound did not start"; exit 1; }
E2E_UNBOUND=$UB_PORT

queries="$E2E_DIR/queries"
{
  for n in www.dom1.boltnet multi.dom1.boltnet short.dom1.boltnet mail.dom1.boltnet \
           alias.dom1.boltnet a.dom1.boltnet dangling.dom1.boltnet nx.dom1.boltnet \
           dom1.boltnet www.dom2.boltorg mx.dom2.boltorg b.dom2.boltorg nx.dom2.boltorg \
           x.wild.dom2.boltorg wild.dom2.boltorg c.dom3.boltnet www.dom3.boltnet \
           www.dom4.boltorg www.half.boltorg ns.hosting.boltorg www.evil.boltorg \
           ns1.nic.boltnet v6only.dom1.boltnet www.lame.boltnet www.dead.boltnet \
           www.nxns.boltnet www.cyc1.boltnet www.cyc2.boltorg nosuchtld dom5.boltorg; do
    for t in A AAAA TXT MX NS; do echo "$n $t"; done
  done
  for nt in "loop1.dom1.boltnet A" "alias.dom1.boltnet CNAME" "www.dom1.boltnet CNAME" \
            "a.b.wild.dom2.boltorg A" "boltnet NS" "boltorg NS" ". NS" "dom3.boltnet SOA" \
            "ns1.dom2.boltorg A" "ns.cyc1.boltnet A"; do
    echo "$nt"
  done
  echo "big.dom1.boltnet TXT"
  echo "dom2.boltorg SOA"
  echo "txt.dom2.boltorg TXT"
  for i in $(seq 1 300); do printf 'h%04d.bulk.boltnet A\n' $((i * 7 % 2100 + 1)); done
  for i in $(seq 1 50); do printf 'n%04d.bulk.boltnet A\n' "$i"; done
  for i in $(seq 1 20); do printf 'nx%02d.dom2.boltorg AAAA\n' "$i"; done
} > "$queries"

# norm SERVER PORT NAME TYPE: "RCODE|sorted owner type data lines" (TCP for
# both, so the large TXT compares whole; lower-cased owners, no TTLs)
norm() {
  local out rcode
  out=$(ns dig @"$1" -p "$2" +tcp +time=10 +tries=1 +noall +comments +answer "$3" "$4" 2>&1)
  rcode=$(echo "$out" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
  [ -n "$rcode" ] || rcode=NO_ANSWER
  echo "$rcode|$(echo "$out" | grep -v '^;' | grep -v '^$' |
    awk '{ $1 = tolower($1); $2 = ""; $3 = ""; print }' | sort | tr '\n' '/')"
}

total=0 same=0
while read -r name type; do
  total=$((total + 1))
  a=$(norm 127.0.0.1 $E2E_PORT "$name" "$type")
  b=$(norm 127.0.0.1 $UB_PORT "$name" "$type")
  if [ "$a" = "$b" ]; then
    same=$((same + 1))
  else
    bad "$name $type: boltdns '$a' unbound '$b'"
  fi
done < "$queries"
if [ "$same" -eq "$total" ]; then ok "$same/$total queries agree with unbound"; fi
e2e_finish
