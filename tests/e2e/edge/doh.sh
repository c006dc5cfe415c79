#!/usr/bin/env bash
# End-to-end: DNS over HTTPS (RFC 8484) on boltdns-edge with real clients:
# kdig +https (POST) and +https-get, curl (POST, GET, --doh-url), HTTP/2
# multiplexing with out-of-order answers; bad input: bad base64url, a wrong
# path, method and content type, an oversized POST, HTTP/2 frames with bad
# lengths, a client without ALPN h2; each answered or closed and counted, and
# the service keeps serving.
#
# Usage: doh.sh BOLTDNS_DP BOLTDNS_CP DP_STATS BOLTDNS_EDGE
. "$(dirname "$0")/lib.sh"
edge_init doh "$1" "$2" "$3" "$4"
edge_start_all
command -v curl >/dev/null || e2e_skip "curl not installed"
URL="https://127.0.0.1:$EDGE_DOH_PORT/dns-query"

out=$(ns kdig @127.0.0.1 -p "$EDGE_DOH_PORT" +https +time=6 +retry=0 www.dom1.boltnet A)
echo "$out" | grep -q 'status: NOERROR' && echo "$out" | grep -qE 'www\.dom1\.boltnet\.\s+[0-9]+\s+IN\s+A' &&
  ok "kdig +https (POST): a miss resolved" || { echo "$out"; bad "kdig +https"; }
wait_stats
h0=$(edge_stat doh_hits)
out=$(ns kdig @127.0.0.1 -p "$EDGE_DOH_PORT" +https-get +time=6 +retry=0 www.dom1.boltnet A)
echo "$out" | grep -q 'status: NOERROR' && ok "kdig +https-get" || { echo "$out"; bad "kdig +https-get"; }
wait_stats
h1=$(edge_stat doh_hits)
[ "$h1" -gt "$h0" ] && ok "DoH hit answered from the shared cache ($h0 -> $h1)" || bad "DoH hits $h0 -> $h1"
out=$(ns kdig @127.0.0.1 -p "$EDGE_DOH_PORT" +https=/dns-query +tls-ca="$E2E_DIR/edge.crt" \
  +tls-hostname=resolver.test +time=6 +retry=0 nx.dom1.boltnet A)
echo "$out" | grep -q 'status: NXDOMAIN' && ok "kdig +https with the CA and hostname: NXDOMAIN" ||
  { echo "$out"; bad "kdig +https strict"; }

# curl: POST and GET by hand, then as curl's own resolver (--doh-url).
qhex=$(python3 -c 'import struct;n=b"\x03www\x04dom1\x07boltnet\x00";print((struct.pack("!HHHHHH",0x4242,0x100,1,0,0,0)+n+b"\x00\x01\x00\x01").hex())')
echo "$qhex" | xxd -r -p > "$E2E_DIR/q.bin" 2>/dev/null ||
  python3 -c "import sys;open(sys.argv[1],'wb').write(bytes.fromhex(sys.argv[2]))" "$E2E_DIR/q.bin" "$qhex"
b64=$(python3 -c "import base64,sys;print(base64.urlsafe_b64encode(open(sys.argv[1],'rb').read()).decode().rstrip('='))" "$E2E_DIR/q.bin")
hdr=$(ns curl -sk --http2 -o "$E2E_DIR/a.bin" -D - -H 'content-type: application/dns-message' \
  --data-binary @"$E2E_DIR/q.bin" "$URL")
echo "$hdr" | grep -q '^HTTP/2 200' && echo "$hdr" | grep -qi '^content-type: application/dns-message' &&
  [ "$(head -c2 "$E2E_DIR/a.bin" | od -An -tx1 | tr -d ' ')" = 4242 ] &&
  ok "curl POST: 200, application/dns-message, our ID" || { echo "$hdr"; bad "curl POST"; }
echo "$hdr" | grep -qiE '^cache-control: max-age=[0-9]+' && ok "Cache-Control max-age from the TTLs" ||
  bad "no Cache-Control"
code=$(ns curl -sk --http2 -o "$E2E_DIR/a2.bin" -w '%{http_code} %{http_version}' "$URL?dns=$b64")
[ "$code" = "200 2" ] && ok "curl GET ?dns=: $code" || bad "curl GET: $code"
addr=$(ns dig @127.0.0.1 -p "$E2E_PORT" +short www.dom1.boltnet A | head -1)
out=$(ns curl -sv --max-time 5 --doh-insecure --doh-url "$URL" "http://www.dom1.boltnet:9/" 2>&1)
echo "$out" | grep -qF "Trying $addr:9" && ok "curl --doh-url resolved www.dom1.boltnet to $addr" ||
  { echo "$out" | head -20; bad "curl --doh-url"; }

# Bad requests: each gets its HTTP error, the connection and service go on.
st() { ns curl -sk --http2 -o /dev/null -w '%{http_code}' "$@"; }
[ "$(st "$URL?dns=!!notbase64!!")" = 400 ] && ok "bad base64url: 400" || bad "bad base64url"
[ "$(st "$URL?dns=AAAA")" = 400 ] && ok "base64url shorter than a DNS header: 400" || bad "short GET"
[ "$(st "$URL?other=1")" = 400 ] && ok "GET without dns=: 400" || bad "GET without dns"
[ "$(st "https://127.0.0.1:$EDGE_DOH_PORT/other?dns=$b64")" = 404 ] && ok "other path: 404" || bad "path"
[ "$(st -X PUT --data-binary @"$E2E_DIR/q.bin" "$URL")" = 405 ] && ok "PUT: 405" || bad "PUT"
[ "$(st -H 'content-type: text/plain' --data-binary @"$E2E_DIR/q.bin" "$URL")" = 415 ] &&
  ok "POST of text/plain: 415" || bad "content type"
head -c 70000 /dev/zero > "$E2E_DIR/big.bin"
[ "$(st -H 'content-type: application/dns-message' --data-binary @"$E2E_DIR/big.bin" "$URL")" = 413 ] &&
  ok "POST of 70000 bytes: 413" || bad "oversized POST"
code=$(ns curl -sk --http1.1 -o /dev/null -w '%{http_code}' "$URL?dns=$b64" 2>&1)
[ "$code" = 000 ] && ok "a client without ALPN h2 is refused in the handshake" || bad "HTTP/1.1 client: $code"

# DDR (RFC 9462): the endpoints as SVCB, over UDP from the dataplane and over DoT/DoH.
for name in _dns.resolver.arpa _dns.resolver.test; do
  out=$(ns kdig @127.0.0.1 -p "$E2E_PORT" +time=6 +retry=0 "$name" SVCB)
  echo "$out" | grep -qE "SVCB\s+1 resolver\.test\. alpn=dot port=$EDGE_DOT_PORT" &&
    echo "$out" | grep -qE "SVCB\s+2 resolver\.test\. alpn=h2 port=$EDGE_DOH_PORT (key7|dohpath)=\"?/dns-query\{\?dns\}" &&
    ok "DDR: $name SVCB lists DoT and DoH (alpn, port, dohpath)" || { echo "$out"; bad "DDR $name"; }
done
out=$(ns kdig @127.0.0.1 -p "$EDGE_DOH_PORT" +https +time=6 +retry=0 _dns.resolver.arpa SVCB)
echo "$out" | grep -q 'alpn=dot' && ok "DDR answer over DoH" || { echo "$out"; bad "DDR over DoH"; }

# dnsperf as a client (the benchmark's): many answers in flight on each
# connection; every query must be answered (it loses answers that share a
# TLS record, so this also checks one record per answer).
if command -v dnsperf >/dev/null; then
  for i in $(seq 1 40); do echo "h0$((200 + i)).bulk.boltnet A"; done > "$E2E_DIR/names.txt"
  ns dnsperf -s 127.0.0.1 -p "$E2E_PORT" -d "$E2E_DIR/names.txt" -n 1 -t 5 >/dev/null 2>&1
  for mode in doh dot; do
    port=$EDGE_DOH_PORT; [ $mode = dot ] && port=$EDGE_DOT_PORT
    out=$(ns dnsperf -m $mode -s 127.0.0.1 -p "$port" -O doh-uri="https://127.0.0.1/dns-query" \
      -O doh-method=POST -d "$E2E_DIR/names.txt" -n 20 -c 2 -q 40 -t 5 2>&1)
    echo "$out" | grep -q 'Queries completed:.*(100.00%)' &&
      ok "dnsperf -m $mode: every query answered ($(echo "$out" | awk '/Queries completed/ { print $3 }'))" ||
      { echo "$out" | grep -E 'Queries|codes'; bad "dnsperf -m $mode lost queries"; }
  done
fi

ns python3 "$(dirname "$0")/dohclient.py" "$EDGE_DOH_PORT" || bad "python DoH checks"

out=$(ns kdig @127.0.0.1 -p "$EDGE_DOH_PORT" +https +time=6 +retry=0 www.dom2.boltorg A)
echo "$out" | grep -q 'status: NOERROR' && ok "still serving after the bad clients" || bad "not serving"
wait_stats
for k in doh_bad_request doh_too_large doh_bad_input doh_handshake_failures doh_hits doh_misses; do
  v=$(edge_stat $k)
  [ "${v:-0}" -gt 0 ] && ok "counter $k = $v" || bad "counter $k is ${v:-missing}"
done
grep -E '^doh_' "$E2E_DIR/edge.stats" | tr '\n' ' '; echo
edge_finish
