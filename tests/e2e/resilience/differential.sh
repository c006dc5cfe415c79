#!/usr/bin/env bash
# Resilience (issue 12, proof): the misbehaving-server cases through Unbound
# and through boltdns, over the same hierarchy. Every question Unbound
# resolves (NOERROR or NXDOMAIN) boltdns must answer with the same rcode and
# the same answer records (owner, type, data; TTLs aside). Where Unbound
# fails (SERVFAIL), boltdns may do better; those are listed, not judged.
# Unbound runs with do-ip6: yes here (the IPv6-only server) and, as for the
# other tests, do-not-query-localhost: no.
#
# Deliberate differences (skipped, with the reason):
#   www.loopback.boltnet A   boltdns keeps do-not-query-localhost = yes by
#                            default (issue 12 item 9, Unbound's own default);
#                            the test's Unbound is configured with "no".
#   www.test A               RFC 6761 §6.2 lets a resolver treat test. as
#                            special; Unbound answers it locally (NXDOMAIN),
#                            boltdns resolves it normally (issue 12 item 10).
#   any.mis.boltnet ANY      RFC 8482: the answer to ANY depends on what
#                            each cache holds.
#   *.pair.boltnet           when Unbound picks pair-bad, it may take its
#                            sideways (or upward) referral for NODATA: it
#                            scrubs the out-of-zone NS set and is left with
#                            an empty NOERROR. boltdns drops such a referral
#                            and asks the next server (RFC 1034 §4.3.2: a
#                            referral must lead closer to the name; issue 12
#                            item 1). Where the two differ, the answer of
#                            pair-good (dig +norec @198.18.1.72) decides.
#
# Usage: differential.sh BOLTDNS_DP BOLTDNS_CP DP_STATS
. "$(dirname "$0")/lib.sh"
command -v unbound >/dev/null 2>&1 || e2e_skip "unbound not installed"
e2e_init rs-diff "$1" "$2" "$3"
rs_start_all
UB_PORT=5301
UNBOUND_DO_IP6=yes ns bash "$E2E_HIER/unbound.sh" start $UB_PORT "$E2E_DIR" >"$E2E_DIR/unbound.start.log" 2>&1 ||
  { cat "$E2E_DIR/unbound.start.log"; echo "unbound did not start"; exit 1; }
E2E_UNBOUND=$UB_PORT

deliberate() {
  case "$1 $2" in
    "www.loopback.boltnet A") echo "do-not-query-localhost = yes by default (Unbound here: no)" ;;
    "www.test A") echo "RFC 6761 §6.2: test. resolved normally by boltdns, local NXDOMAIN in Unbound" ;;
    "any.mis.boltnet ANY") echo "RFC 8482: ANY answers depend on the cache" ;;
    *) return 1 ;;
  esac
}

queries="$E2E_DIR/queries"
{
  for n in www www2 https sf ref fe v4only nosoa-nx nosoa-nd bigttl nx www.dn www.dn2 nx.dn rd meta; do
    echo "$n.mis.boltnet A"
  done
  echo "www.mis.boltnet AAAA"; echo "v4only.mis.boltnet AAAA"; echo "https.mis.boltnet HTTPS"
  echo "dn.mis.boltnet DNAME"; echo "mis.boltnet DS"; echo "mis.boltnet SOA"; echo "mis.boltnet NS"
  echo "any.mis.boltnet ANY"
  for n in www up side sf ref nt fe odd; do echo "$n.pair.boltnet A"; echo "$n.pair.boltnet TXT"; done
  echo "pair.boltnet NS"
  for n in www www2 ns1; do echo "$n.glue.boltnet A"; done
  for n in www ns1 www2; do echo "$n.moved.boltnet A"; done
  echo "www.v6.boltnet A"; echo "www.v6.boltnet AAAA"; echo "ns.six.boltorg AAAA"; echo "ns.six.boltorg A"
  echo "www.old.boltnet A"; echo "www2.old.boltnet A"; echo "short.old.boltnet A"
  for b in ok sf ref nt fe na to; do echo "x.y.$b.qm.boltnet A"; done
  echo "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.1.0.0.2.0.a.2.ip6.arpa PTR"
  echo "4.3.2.198.in-addr.arpa PTR"; echo "1.1.168.192.in-addr.arpa PTR"; echo "1.0.0.10.in-addr.arpa PTR"
  echo "localhost A"; echo "www.test A"; echo "www.loopback.boltnet A"
  echo "www.stale.boltnet A"; echo "www.dead.boltnet A"; echo "foo.invalid A"; echo "foo.onion A"
} > "$queries"

# norm PORT NAME TYPE: "RCODE|answer records" (section_rrs format)
norm() {
  local out rcode
  out=$(ns dig @127.0.0.1 -p "$1" +time=10 +tries=1 +ignore +noall +comments +answer "$2" "$3" 2>&1)
  rcode=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out")
  echo "${rcode:-NO_ANSWER}|$(section_rrs ANSWER <<<"$out")"
}

# norm_auth SERVER NAME TYPE: the same for an authoritative server's answer
norm_auth() {
  local out rcode
  out=$(ns dig @"$1" +norec +time=3 +tries=1 +noall +comments +answer "$2" "$3" 2>&1)
  rcode=$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out")
  echo "${rcode:-NO_ANSWER}|$(section_rrs ANSWER <<<"$out")"
}

total=0 same=0 better=0 skipped=0
while read -r name type; do
  total=$((total + 1))
  b=$(norm $UB_PORT "$name" "$type")
  a=$(norm $E2E_PORT "$name" "$type")
  if why=$(deliberate "$name" "$type"); then
    skipped=$((skipped + 1))
    echo "note: $name $type skipped ($why): boltdns '$a' unbound '$b'"
  elif [ "$a" = "$b" ]; then
    same=$((same + 1))
  elif [[ "$name" == *.pair.boltnet ]] && [ "$a" = "$(norm_auth 198.18.1.72 "$name" "$type")" ]; then
    better=$((better + 1))
    echo "note: $name $type: unbound '$b', boltdns '$a' = pair-good's authoritative answer"
  elif [[ "$b" == SERVFAIL\|* ]] || [[ "$b" == NO_ANSWER\|* ]]; then
    better=$((better + 1))
    echo "note: $name $type: unbound '$b', boltdns '$a'"
  else
    bad "$name $type: boltdns '$a' unbound '$b'"
  fi
done < "$queries"
ok "$same/$total agree with unbound, $better where unbound fails or errs, $skipped deliberate differences"
e2e_finish
