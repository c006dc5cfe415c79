#!/usr/bin/env bash
# End-to-end: boltdns-cp's upstream I/O against an awkward root server
# (fakeroot.py): EDNS fallback after FORMERR, responses with a wrong ID or
# question ignored (RFC 5452), TC=1 retried over TCP.
#
# Usage: upstream.sh BOLTDNS_DP BOLTDNS_CP DP_STATS
. "$(dirname "$0")/lib.sh"
e2e_init upstream "$1" "$2" "$3"
e2e_write_conf
printf '. 3600 NS ns.fake.\nns.fake. 3600 A 198.18.2.1\n' > "$E2E_DIR/fake.hints"
sed -i "s|^root-hints = .*|root-hints = $E2E_DIR/fake.hints|" "$E2E_DIR/boltdns.conf"
ns ip addr add 198.18.2.1/32 dev lo
ns python3 "$(dirname "$0")/fakeroot.py" 198.18.2.1 >"$E2E_DIR/fakeroot.log" 2>&1 &
for _ in $(seq 1 50); do
  ns dig @198.18.2.1 +time=1 +tries=1 nx.fake >/dev/null 2>&1 && break
  sleep 0.1
done
e2e_start_dp
e2e_start_cp

expect_short "EDNS fallback after FORMERR" NOERROR "198.19.9.1 " noedns.fake A
expect_short "forged ID and question ignored" NOERROR "198.19.9.2 " spoof.fake A
out=$(ns dig @127.0.0.1 -p $E2E_PORT +tcp +time=6 +tries=1 +short tc.fake TXT)
[ "$out" = '"via-tcp"' ] && ok "TC=1 upstream retried over TCP: $out" || bad "TC upstream: '$out'"
expect_short "NXDOMAIN" NXDOMAIN "" nx.fake A
wait_stats
m=$(cp_stat upstream_mismatched); t=$(cp_stat upstream_tcp)
[ "${m:-0}" -ge 2 ] && ok "mismatched responses counted: $m" || bad "mismatched: '$m'"
[ "${t:-0}" -ge 1 ] && ok "upstream TCP queries counted: $t" || bad "upstream TCP: '$t'"
e2e_finish
