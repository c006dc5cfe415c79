#!/usr/bin/env bash
# End-to-end: boltdns-dp (io=socket) + boltdns-cp over the fake hierarchy.
# Every hierarchy case answers what the zones say, repeats are cache hits,
# TTLs count down, negative TTLs follow RFC 2308, the large TXT truncates over
# UDP and comes whole over TCP, a silent server gives SERVFAIL in bounded
# time, forged out-of-bailiwick records never reach the cache, NXNS and
# cyclic delegations end in SERVFAIL after few upstream queries, malformed
# TCP input gets FORMERR.
#
# Usage: resolver.sh BOLTDNS_DP BOLTDNS_CP DP_STATS [no-qmin]
#   no-qmin: the same with qname-minimisation = no
. "$(dirname "$0")/lib.sh"
if [ "${4:-}" = no-qmin ]; then
  E2E_EXTRA_RESOLVER="qname-minimisation = no"
  e2e_init resolver-nq "$1" "$2" "$3"
else
  e2e_init resolver "$1" "$2" "$3"
fi
e2e_start_all

AUTH1=198.18.1.20 AUTH2=198.18.1.21 AUTH3=198.18.1.22

# ---- answers match the authoritative servers ----
check_auth() { # NAME TYPE AUTH_SERVER
  local want got
  want=$(auth_short "$3" "$1" "$2")
  got=$(short_of "$1" "$2")
  if [ -n "$want" ] && [ "$got" = "$want" ]; then ok "$1 $2 = $got"; else bad "$1 $2: got '$got', authoritative '$want'"; fi
}
check_auth www.dom1.boltnet A $AUTH1
check_auth www.dom1.boltnet AAAA $AUTH1
check_auth multi.dom1.boltnet A $AUTH1
check_auth dom1.boltnet MX $AUTH1
check_auth www.dom2.boltorg A $AUTH2
check_auth txt.dom2.boltorg TXT $AUTH2
check_auth x.wild.dom2.boltorg A $AUTH2
check_auth www.dom3.boltnet A $AUTH3        # NS without glue (ns.hosting.boltorg)
check_auth www.dom4.boltorg A $AUTH3        # NS in another TLD without glue
check_auth www.half.boltorg A $AUTH2
check_auth h0042.bulk.boltnet A $AUTH1

expect_short "CNAME inside the zone" NOERROR "198.19.1.80 www.dom1.boltnet. " alias.dom1.boltnet A
expect_short "CNAME chain across zones" NOERROR "198.19.3.3 b.dom2.boltorg. c.dom3.boltnet. " a.dom1.boltnet A
expect_short "CNAME to NXDOMAIN" NXDOMAIN "nx.dom2.boltorg. " dangling.dom1.boltnet A
expect_short "NXDOMAIN" NXDOMAIN "" nx.dom1.boltnet A
expect_short "NXDOMAIN under bulk" NXDOMAIN "" n0001.bulk.boltnet A
expect_short "NODATA" NOERROR "" www.dom1.boltnet MX
expect_short "empty non-terminal (QNAME minimisation)" NOERROR "" wild.dom2.boltorg A
expect_short "lame delegation" SERVFAIL "" www.lame.boltnet A

# ---- negative answers carry the SOA, TTL = min(SOA TTL, MINIMUM) ----
soa_ttl() { q "$@" | awk '$4 == "SOA" { print $2; exit }'; }
t=$(soa_ttl nx.dom1.boltnet A)
if [ -n "$t" ] && [ "$t" -le 300 ] && [ "$t" -ge 290 ]; then ok "negative TTL dom1 (MINIMUM 300): $t"; else bad "negative TTL dom1: '$t'"; fi
t=$(soa_ttl nx.dom2.boltorg A)
if [ -n "$t" ] && [ "$t" -le 60 ] && [ "$t" -ge 50 ]; then ok "negative TTL dom2 (SOA TTL 60 < MINIMUM 600): $t"; else bad "negative TTL dom2: '$t'"; fi

# ---- second query is a cache hit; TTLs decrease ----
h0=$(dp_stat hits)
t1=$(q www.dom2.boltorg A | awk '$4 == "A" { print $2; exit }')
h1=$(dp_stat hits)
if [ "$h1" -gt "$h0" ]; then ok "repeat query is a dataplane cache hit ($h0 -> $h1)"; else bad "no cache hit ($h0 -> $h1)"; fi
sleep 2.2
t2=$(q www.dom2.boltorg A | awk '$4 == "A" { print $2; exit }')
if [ -n "$t1" ] && [ -n "$t2" ] && [ "$t2" -lt "$t1" ]; then ok "TTL decreases: $t1 -> $t2"; else bad "TTL did not decrease: '$t1' -> '$t2'"; fi
h0=$(dp_stat hits)
r=$(rcode_of nx.dom1.boltnet A)
h1=$(dp_stat hits)
if [ "$r" = NXDOMAIN ] && [ "$h1" -gt "$h0" ]; then ok "negative answer served from the cache"; else bad "negative answer not a hit ($r, $h0 -> $h1)"; fi

# ---- large TXT: TC over UDP, whole over TCP ----
out=$(q big.dom1.boltnet TXT)
if echo "$out" | grep -q 'flags: qr tc'; then ok "big TXT over UDP has TC"; else bad "big TXT over UDP without TC"; fi
n=$(ns dig @127.0.0.1 -p $E2E_PORT +tcp +time=6 +tries=1 +short big.dom1.boltnet TXT | wc -l)
if [ "$n" -eq 10 ]; then ok "big TXT over TCP: 10 records"; else bad "big TXT over TCP: $n records"; fi
n=$(ns dig @127.0.0.1 -p $E2E_PORT +tcp +time=6 +tries=1 +short www.dom4.boltorg TXT | wc -l)
if [ "$n" -eq 1 ]; then ok "TCP client query resolved (cache miss)"; else bad "TCP miss: $n records"; fi

# ---- silent server: SERVFAIL within bounded time ----
s=$(date +%s%N)
r=$(rcode_of www.dead.boltnet A)
ms=$(( ($(date +%s%N) - s) / 1000000 ))
if [ "$r" = SERVFAIL ] && [ "$ms" -lt 6000 ]; then ok "timeout server: SERVFAIL after $ms ms"; else bad "timeout server: '$r' after $ms ms"; fi

# ---- bailiwick: forged records from evil.boltorg do not stick ----
expect_short "evil zone itself answers" NOERROR "198.19.66.80 " www.evil.boltorg A
expect_short "forged www.dom1.boltnet ignored" NOERROR "198.19.1.80 " www.dom1.boltnet A
expect_short "forged www.dom2.boltorg ignored" NOERROR "198.19.2.80 " www.dom2.boltorg A
expect_short "forged glue ns1.dom1.boltnet ignored" NOERROR "198.18.1.20 " ns1.dom1.boltnet A
expect_short "dom1 still resolves through its real server" NOERROR "198.19.1.101 198.19.1.102 198.19.1.103 " multi.dom1.boltnet A

# ---- work limits: NXNS and cyclic delegations ----
limit_case() { # NAME MAX_QUERIES
  wait_stats
  local u0 u1 r
  u0=$(cp_stat upstream_queries)
  r=$(rcode_of "$1" A)
  wait_stats
  u1=$(cp_stat upstream_queries)
  local used=$((u1 - u0))
  if [ "$r" = SERVFAIL ] && [ "$used" -le "$2" ]; then ok "$1: SERVFAIL after $used upstream queries"; else bad "$1: '$r' after $used upstream queries (limit $2)"; fi
}
limit_case www.nxns.boltnet 64
limit_case www.cyc1.boltnet 64
limit_case www.cyc2.boltorg 64

# ---- coalescing: many clients, one resolution ----
wait_stats
r0=$(cp_stat resolutions)
pids=()
for i in $(seq 1 20); do q +short h0777.bulk.boltnet A >"$E2E_DIR/co.$i" & pids+=($!); done
wait "${pids[@]}"
wait_stats
r1=$(cp_stat resolutions)
same=$(cat "$E2E_DIR"/co.* | sort -u | tr '\n' ' ')
if [ "$same" = "198.19.131.9 " ] && [ $((r1 - r0)) -le 2 ]; then ok "20 identical queries: $((r1 - r0)) resolution(s)"; else bad "coalescing: '$same', $((r1 - r0)) resolutions"; fi

# ---- malformed TCP input ----
resp=$(ns python3 - "$E2E_PORT" <<'PY'
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
bad = bytes([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x3f])  # truncated question
s.sendall(struct.pack("!H", len(bad)) + bad)
hdr = s.recv(2)
n = struct.unpack("!H", hdr)[0]
msg = b""
while len(msg) < n:
    msg += s.recv(n - len(msg))
print("%04x %d" % (struct.unpack("!H", msg[:2])[0], msg[3] & 0xf))
PY
)
if [ "$resp" = "1234 1" ]; then ok "malformed TCP query: FORMERR"; else bad "malformed TCP query: '$resp'"; fi
if kill -0 "$E2E_CP_PID" 2>/dev/null; then ok "boltdns-cp still running"; else bad "boltdns-cp died"; fi

e2e_finish
