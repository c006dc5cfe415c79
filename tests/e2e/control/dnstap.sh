#!/usr/bin/env bash
# End-to-end: dnstap. boltdns-cp logs to fstrm_capture (fstrm-bin) over its
# unix socket; dnstap-read (the dnstap schema through protobuf-c) reads the
# captured file back: CLIENT_QUERY / CLIENT_RESPONSE of misses over UDP and
# TCP with the client's address and port, RESOLVER_QUERY / RESOLVER_RESPONSE
# to the fake hierarchy's servers, NXDOMAIN in the response, and the sampled
# dataplane hits (sample = 2), and the Policy of the answers an RPZ policy
# made (a QNAME trigger, a wildcard, a response IP). Then the collector is made slow (a listener
# that never answers the handshake) and then dead (nothing listens): every
# query is still answered and the lost frames are counted.
#
# Usage: dnstap.sh BOLTDNS_DP BOLTDNS_CP DP_STATS DNSTAP_READ BOLTCTL
. "$(dirname "$0")/lib.sh"
READ=$4
BOLTCTL=$5
command -v fstrm_capture >/dev/null 2>&1 || e2e_skip "fstrm_capture (fstrm-bin) not installed"
e2e_init dnstap "$1" "$2" "$3"
SOCK="$E2E_DIR/tap.sock"
CAP="$E2E_DIR/tap.fstrm"
e2e_write_conf
cat >> "$E2E_DIR/boltdns.conf" <<CONF
[dnstap]
socket = $SOCK
sample = 1/2
identity = e2e-tap
queue-size = 16
[rpz]
name = rpz.test
file = $E2E_DIR/rpz.zone
CONF
cat > "$E2E_DIR/rpz.zone" <<'ZONE'
$TTL 60
@ SOA ns.rpz.test. admin.rpz.test. 1 3600 600 86400 60
  NS ns.rpz.test.
blocked.dom1.boltnet   CNAME .
*.wild.dom2.boltorg    CNAME *.
short.dom1.boltnet     CNAME rpz-tcp-only.
32.3.3.19.198.rpz-ip   A 192.0.2.99
ZONE
e2e_start_hierarchy
# Collectors run in the test's namespace, so that its cleanup stops them
# whatever happens (a unix socket is a path: namespaces do not matter).
ip netns exec "$E2E_NS" fstrm_capture -t protobuf:dnstap.Dnstap -u "$SOCK" -w "$CAP" >"$E2E_DIR/capture.log" 2>&1 &
CAP_PID=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
e2e_start_dp
e2e_start_cp
for _ in $(seq 30); do [ "$(cp_stat dnstap_connected)" = 1 ] && break; sleep 0.1; done
[ "$(cp_stat dnstap_connected)" = 1 ] && ok "connected to fstrm_capture" ||
  bad "not connected: dnstap_connected '$(cp_stat dnstap_connected)'"

# The queries whose messages are looked for below; one at a time, so the
# writer's queue of 16 never fills.
s=$(short_of www.dom2.boltorg A)
[ "$s" = "198.19.2.80 " ] && ok "miss resolved: $s" || bad "miss: '$s'"
r=$(rcode_of nothere.dom1.boltnet A)
[ "$r" = NXDOMAIN ] && ok "nxdomain resolved" || bad "nxdomain: '$r'"
s=$(ns dig @127.0.0.1 -p "$E2E_PORT" +tcp +short +time=5 +tries=1 mail.dom1.boltnet A 2>/dev/null | tr '\n' ' ')
[ "$s" = "198.19.1.25 " ] && ok "TCP miss resolved: $s" || bad "TCP miss: '$s'"
r=$(rcode_of blocked.dom1.boltnet A)
[ "$r" = NXDOMAIN ] && ok "RPZ QNAME trigger: NXDOMAIN" || bad "blocked.dom1.boltnet: '$r'"
s=$(q x.wild.dom2.boltorg A | grep -c 'ANSWER: 0')
[ "$s" = 1 ] && ok "RPZ wildcard trigger: NODATA" || bad "x.wild.dom2.boltorg: not NODATA"
s=$(short_of c.dom3.boltnet A)
[ "$s" = "192.0.2.99 " ] && ok "RPZ response-IP trigger: local data" || bad "c.dom3.boltnet: '$s'"
f=$(q short.dom1.boltnet A | sed -n 's/^;; flags: \([a-z ]*\);.*/\1/p')
case " $f " in *" tc "*) ok "RPZ TCP-only over UDP: TC=1" ;; *) bad "short.dom1.boltnet over UDP: flags '$f'" ;; esac
s=$(ns dig @127.0.0.1 -p "$E2E_PORT" +tcp +short +time=5 +tries=1 short.dom1.boltnet A 2>/dev/null | tr '\n' ' ')
[ "$s" = "198.19.1.60 " ] && ok "RPZ TCP-only over TCP: resolved" || bad "short.dom1.boltnet over TCP: '$s'"
h0=$(dp_stat hits)
for _ in 1 2 3 4; do q +short www.dom2.boltorg A >/dev/null; done
h1=$(dp_stat hits)
[ $((h1 - h0)) -eq 4 ] && ok "4 dataplane hits" || bad "hits $h0 -> $h1"
ts=$(dp_stat tap_samples)
[ "${ts:-0}" -ge 2 ] && ok "dataplane samples sent: $ts" || bad "tap_samples '$ts'"
sleep 0.5
wait_stats
w=$(cp_stat dnstap_written)
[ "${w:-0}" -ge 8 ] && [ "$(cp_stat dnstap_drop_full)" = 0 ] && [ "$(cp_stat dnstap_drop_output)" = 0 ] &&
  ok "frames written: $w, none dropped" ||
  bad "written '$w' drop_full '$(cp_stat dnstap_drop_full)' drop_output '$(cp_stat dnstap_drop_output)'"
st=$("$BOLTCTL" -s "$E2E_DIR/control.sock" stats_noreset)
echo "$st" | grep -q "^cp.dnstap_written: [1-9]" && echo "$st" | grep -q "^cp.dnstap_drop_full: 0" &&
  echo "$st" | grep -q "^total.tap_samples: [1-9]" && ok "boltctl stats: dnstap counters (cp and per lcore)" ||
  bad "boltctl stats: $(echo "$st" | grep -i tap | tr '\n' ' ')"

# The collector ends its file when boltdns-cp closes the stream (STOP) and it
# is told to stop; boltdns-cp stops too, so the file is complete.
kill -TERM "$E2E_CP_PID"
wait "$E2E_CP_PID" 2>/dev/null
E2E_CP_PID=
kill -TERM "$CAP_PID"
wait "$CAP_PID" 2>/dev/null
"$READ" "$CAP" > "$E2E_DIR/tap.txt" 2>"$E2E_DIR/read.err" && ok "captured file decodes ($(wc -l < "$E2E_DIR/tap.txt") messages)" ||
  bad "dnstap-read: $(cat "$E2E_DIR/read.err")"
has() { grep -qE "$1" "$E2E_DIR/tap.txt"; }
cnt() { grep -cE "$1" "$E2E_DIR/tap.txt"; }
# TYPE PROTO FAMILY QADDR QPORT RADDR RPORT QNAME QTYPE RCODE IDENTITY QTIME RTIME ZONE POLICY HTTP
has "^CLIENT_QUERY UDP INET 127\.0\.0\.1 [1-9][0-9]* 127\.0\.0\.1 $E2E_PORT www\.dom2\.boltorg\. 1 - e2e-tap 1 0 - - -$" &&
  ok "CLIENT_QUERY of the miss: client address and port, server port, name, type" ||
  bad "no CLIENT_QUERY for www.dom2.boltorg"
has "^CLIENT_RESPONSE UDP INET 127\.0\.0\.1 [1-9][0-9]* 127\.0\.0\.1 $E2E_PORT www\.dom2\.boltorg\. 1 NOERROR e2e-tap 1 1 - - -$" &&
  ok "CLIENT_RESPONSE of the miss: NOERROR, query and response times" ||
  bad "no CLIENT_RESPONSE for www.dom2.boltorg"
has "^CLIENT_RESPONSE UDP .* nothere\.dom1\.boltnet\. 1 NXDOMAIN " && ok "CLIENT_RESPONSE NXDOMAIN" ||
  bad "no NXDOMAIN CLIENT_RESPONSE"
has "^CLIENT_QUERY TCP INET 127\.0\.0\.1 [1-9][0-9]* 127\.0\.0\.1 $E2E_PORT mail\.dom1\.boltnet\. 1 " &&
  has "^CLIENT_RESPONSE TCP .* mail\.dom1\.boltnet\. 1 NOERROR " && ok "TCP/53 query and response" ||
  bad "no TCP CLIENT_QUERY/RESPONSE for mail.dom1.boltnet"
pol() { # NAME RCODE POLICY: the CLIENT_RESPONSE of NAME carries POLICY
  has "^CLIENT_RESPONSE UDP INET 127\.0\.0\.1 [1-9][0-9]* 127\.0\.0\.1 $E2E_PORT $1 1 $2 e2e-tap 1 1 - $3 -$"
}
pol 'blocked\.dom1\.boltnet\.' NXDOMAIN 'RPZ,NXDOMAIN,QNAME,blocked\.dom1\.boltnet\.rpz\.test\.,blocked\.dom1\.boltnet\.' &&
  ok "Policy of a QNAME trigger: RPZ, NXDOMAIN, QNAME, the rule's owner, the name" ||
  bad "no Policy for blocked.dom1.boltnet: $(grep 'blocked' "$E2E_DIR/tap.txt" | tr '\n' '|')"
pol 'x\.wild\.dom2\.boltorg\.' NOERROR 'RPZ,NODATA,QNAME,\*\.wild\.dom2\.boltorg\.rpz\.test\.,x\.wild\.dom2\.boltorg\.' &&
  ok "Policy of a wildcard trigger: NODATA, the wildcard owner" ||
  bad "no Policy for x.wild.dom2.boltorg: $(grep 'wild' "$E2E_DIR/tap.txt" | tr '\n' '|')"
pol 'c\.dom3\.boltnet\.' NOERROR 'RPZ,LOCAL_DATA,RESPONSE_IP,32\.3\.3\.19\.198\.rpz-ip\.rpz\.test\.,198\.19\.3\.3' &&
  ok "Policy of a response-IP trigger: LOCAL_DATA, RESPONSE_IP, the address" ||
  bad "no Policy for c.dom3.boltnet: $(grep 'c\.dom3' "$E2E_DIR/tap.txt" | tr '\n' '|')"
pol 'short\.dom1\.boltnet\.' NOERROR 'RPZ,TRUNCATE,QNAME,short\.dom1\.boltnet\.rpz\.test\.,short\.dom1\.boltnet\.' &&
  ok "Policy of TCP-only over UDP: TRUNCATE" ||
  bad "no TRUNCATE Policy for short.dom1.boltnet: $(grep 'short' "$E2E_DIR/tap.txt" | tr '\n' '|')"
has "^CLIENT_RESPONSE TCP .* short\.dom1\.boltnet\. 1 NOERROR e2e-tap 1 1 - - -$" &&
  ok "no Policy on the TCP client TCP-only let through" ||
  bad "TCP answer of short.dom1.boltnet: $(grep '^CLIENT_RESPONSE TCP .*short' "$E2E_DIR/tap.txt" | tr '\n' '|')"
[ "$(cnt '^CLIENT_RESPONSE .* www\.dom2\.boltorg\. 1 NOERROR .* - -$')" -ge 1 ] &&
  ! has '^CLIENT_QUERY .* RPZ,' && ok "no Policy where none applied (other responses, queries)" ||
  bad "a Policy where none applied"
has "^RESOLVER_QUERY UDP INET - 0 198\.18\.[0-9.]+ 53 [a-z0-9.]*boltorg\. [0-9]+ - e2e-tap 1 0 boltorg\. - -$" &&
  ok "RESOLVER_QUERY to boltorg.'s server (address, port 53, query_zone)" || bad "no RESOLVER_QUERY"
has "^RESOLVER_RESPONSE UDP INET - 0 198\.18\.[0-9.]+ 53 www\.dom2\.boltorg\. 1 NOERROR e2e-tap 1 1 dom2\.boltorg\. - -$" &&
  ok "RESOLVER_RESPONSE from dom2.boltorg's server (query_zone dom2.boltorg.)" ||
  bad "no RESOLVER_RESPONSE for www.dom2.boltorg"
has "^RESOLVER_QUERY UDP INET - 0 .* 53 \. 2 - e2e-tap 1 0 \. - -$" && ok "root priming logged (. NS, zone .)" ||
  bad "no priming RESOLVER_QUERY"
# 1 miss + 4 hits of www.dom2.boltorg over UDP: the miss, plus every second hit.
nq=$(cnt "^CLIENT_QUERY UDP .* www\.dom2\.boltorg\. 1 ")
nr=$(cnt "^CLIENT_RESPONSE UDP .* www\.dom2\.boltorg\. 1 NOERROR ")
[ "$nq" -eq 3 ] && [ "$nr" -eq 3 ] && ok "sampled hits logged: 2 of 4 (queries $nq, responses $nr with the miss)" ||
  bad "www.dom2.boltorg: $nq CLIENT_QUERY, $nr CLIENT_RESPONSE (want 3 each)"

# Slow collector: accepts the connection and never answers the handshake.
rm -f "$SOCK"
ip netns exec "$E2E_NS" python3 - "$SOCK" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(4)
conns = []
end = time.time() + 60
while time.time() < end:
    s.settimeout(1)
    try:
        conns.append(s.accept()[0])
    except socket.timeout:
        pass
PY
SLOW_PID=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
e2e_start_cp
fails=0
t0=$(date +%s%N)
for i in $(seq 1 30); do
  r=$(rcode_of "slow$i.bulk.boltnet" A)
  [ "$r" = NXDOMAIN ] || fails=$((fails + 1))
done
t1=$(date +%s%N)
[ "$fails" -eq 0 ] && ok "slow collector: 30 misses answered ($(( (t1 - t0) / 1000000 )) ms)" ||
  bad "slow collector: $fails of 30 misses unanswered"
wait_stats
df=$(cp_stat dnstap_drop_full)
[ "${df:-0}" -gt 0 ] && [ "$(cp_stat dnstap_written)" = 0 ] && ok "slow collector: frames dropped at the full queue ($df)" ||
  bad "slow collector: drop_full '$df' written '$(cp_stat dnstap_written)'"

# Dead collector: nothing listens on the socket any more.
kill -9 "$SLOW_PID" 2>/dev/null
wait "$SLOW_PID" 2>/dev/null
sleep 1.5
do0=$(cp_stat dnstap_drop_output)
fails=0
for i in $(seq 1 10); do
  r=$(rcode_of "dead$i.bulk.boltnet" A)
  [ "$r" = NXDOMAIN ] || fails=$((fails + 1))
  sleep 0.1
done
[ "$fails" -eq 0 ] && ok "dead collector: 10 misses answered" || bad "dead collector: $fails of 10 unanswered"
wait_stats
do1=$(cp_stat dnstap_drop_output)
[ "${do1:-0}" -gt "${do0:-0}" ] && [ "$(cp_stat dnstap_connected)" = 0 ] &&
  ok "dead collector: frames dropped and counted ($do0 -> $do1)" ||
  bad "dead collector: drop_output $do0 -> $do1, connected '$(cp_stat dnstap_connected)'"
# Stopping does not hang on the collector.
t0=$(date +%s)
kill -TERM "$E2E_CP_PID"
for _ in $(seq 50); do kill -0 "$E2E_CP_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$E2E_CP_PID" 2>/dev/null && bad "boltdns-cp still running 5 s after SIGTERM" ||
  ok "boltdns-cp stopped ($(( $(date +%s) - t0 )) s)"
e2e_finish
