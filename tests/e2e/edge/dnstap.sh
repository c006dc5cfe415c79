#!/usr/bin/env bash
# End-to-end: dnstap of boltdns-edge's clients. Their misses reach
# boltdns-cp over TCP/53 from the edge's loopback connections; boltdns-cp
# logs CLIENT_QUERY / CLIENT_RESPONSE with the socket protocol DOT or DOH
# (http_protocol HTTP2), the client's own address and port and the edge's
# listener, which the edge passes with each miss (boltdns/edgeinfo.h). A
# client of TCP/53 stays TCP; a client without EDNS gets an answer without
# OPT (the option's OPT is taken out again); a client that sends the edge's
# own option gets FORMERR.
#
# Usage: dnstap.sh BOLTDNS_DP BOLTDNS_CP DP_STATS BOLTDNS_EDGE DNSTAP_READ
. "$(dirname "$0")/lib.sh"
READ=$5
edge_init dnstap "$1" "$2" "$3" "$4"
edge_cert resolver.test
edge_write_conf
cat >> "$E2E_DIR/boltdns.conf" <<CONF
[dnstap]
file = $E2E_DIR/tap.fstrm
identity = e2e-edge
CONF
e2e_start_hierarchy
e2e_start_dp
e2e_start_cp
edge_start

# DoT from 127.0.0.7, DoH from 127.0.0.8: each a miss the edge forwards.
out=$(ns kdig -b 127.0.0.7 @127.0.0.1 -p "$EDGE_DOT_PORT" +tls +time=6 +retry=0 www.dom1.boltnet A)
echo "$out" | grep -q 'status: NOERROR' && ok "DoT miss from 127.0.0.7 answered" || { echo "$out"; bad "DoT miss"; }
out=$(ns kdig -b 127.0.0.8 @127.0.0.1 -p "$EDGE_DOH_PORT" +https +time=6 +retry=0 www.dom2.boltorg A)
echo "$out" | grep -q 'status: NOERROR' && ok "DoH miss from 127.0.0.8 answered" || { echo "$out"; bad "DoH miss"; }
# Without EDNS: the edge adds an OPT for the option, boltdns-cp removes it.
out=$(ns kdig -b 127.0.0.7 @127.0.0.1 -p "$EDGE_DOT_PORT" +tls +noedns +time=6 +retry=0 multi.dom1.boltnet A)
echo "$out" | grep -q 'status: NOERROR' && ! echo "$out" | grep -q 'EDNS PSEUDOSECTION' &&
  ok "DoT miss without EDNS: answered without OPT" || { echo "$out"; bad "DoT miss without EDNS"; }
# A client may not say who it is: the edge's option from a client is FORMERR.
out=$(ns kdig -b 127.0.0.7 @127.0.0.1 -p "$EDGE_DOT_PORT" +tls +time=6 +retry=0 \
  +ednsopt=65431:0100010400350035c0000201c0000202 nothere.dom1.boltnet A)
echo "$out" | grep -q 'status: FORMERR' && ok "the edge's option sent by a client: FORMERR" ||
  { echo "$out"; bad "a client's edge option not refused"; }
s=$(ns dig @127.0.0.1 -p "$E2E_PORT" +tcp +short +time=5 +tries=1 mail.dom1.boltnet A 2>/dev/null | tr '\n' ' ')
[ "$s" = "198.19.1.25 " ] && ok "TCP/53 miss resolved" || bad "TCP/53 miss: '$s'"

# boltdns-cp ends the file (STOP) when it stops.
kill -TERM "$E2E_CP_PID"
wait "$E2E_CP_PID" 2>/dev/null
E2E_CP_PID=
"$READ" "$E2E_DIR/tap.fstrm" > "$E2E_DIR/tap.txt" 2>"$E2E_DIR/read.err" &&
  ok "dnstap file decodes ($(wc -l < "$E2E_DIR/tap.txt") messages)" || bad "dnstap-read: $(cat "$E2E_DIR/read.err")"
has() { grep -qE "$1" "$E2E_DIR/tap.txt" || { grep -E "$2" "$E2E_DIR/tap.txt"; return 1; }; }
# TYPE PROTO FAMILY QADDR QPORT RADDR RPORT QNAME QTYPE RCODE IDENTITY QTIME RTIME ZONE POLICY HTTP
has "^CLIENT_QUERY DOT INET 127\.0\.0\.7 [1-9][0-9]* 127\.0\.0\.1 $EDGE_DOT_PORT www\.dom1\.boltnet\. 1 - e2e-edge 1 0 - - -$" www.dom1 &&
  ok "CLIENT_QUERY DOT: the client's address and port, the DoT listener" || bad "no DOT CLIENT_QUERY"
has "^CLIENT_RESPONSE DOT INET 127\.0\.0\.7 [1-9][0-9]* 127\.0\.0\.1 $EDGE_DOT_PORT www\.dom1\.boltnet\. 1 NOERROR e2e-edge 1 1 - - -$" www.dom1 &&
  ok "CLIENT_RESPONSE DOT" || bad "no DOT CLIENT_RESPONSE"
has "^CLIENT_QUERY DOH INET 127\.0\.0\.8 [1-9][0-9]* 127\.0\.0\.1 $EDGE_DOH_PORT www\.dom2\.boltorg\. 1 - e2e-edge 1 0 - - HTTP2$" www.dom2 &&
  ok "CLIENT_QUERY DOH: the client's address and port, the DoH listener, HTTP2" || bad "no DOH CLIENT_QUERY"
has "^CLIENT_RESPONSE DOH INET 127\.0\.0\.8 [1-9][0-9]* 127\.0\.0\.1 $EDGE_DOH_PORT www\.dom2\.boltorg\. 1 NOERROR e2e-edge 1 1 - - HTTP2$" www.dom2 &&
  ok "CLIENT_RESPONSE DOH" || bad "no DOH CLIENT_RESPONSE"
has "^CLIENT_RESPONSE DOT INET 127\.0\.0\.7 .* multi\.dom1\.boltnet\. 1 NOERROR " multi.dom1 &&
  ok "the query without EDNS logged as DOT too" || bad "no DOT CLIENT_RESPONSE for multi.dom1.boltnet"
has "^CLIENT_QUERY TCP INET 127\.0\.0\.1 [1-9][0-9]* 127\.0\.0\.1 $E2E_PORT mail\.dom1\.boltnet\. 1 " mail.dom1 &&
  ok "a TCP/53 client stays TCP" || bad "no TCP CLIENT_QUERY for mail.dom1.boltnet"
! grep -qE "^CLIENT_(QUERY|RESPONSE) TCP .* (www\.dom1\.boltnet|www\.dom2\.boltorg|multi\.dom1\.boltnet)\. " "$E2E_DIR/tap.txt" &&
  ok "no edge client logged as TCP from the edge" || bad "an edge client logged as TCP"
edge_finish
