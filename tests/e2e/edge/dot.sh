#!/usr/bin/env bash
# End-to-end: DNS over TLS (RFC 7858) on boltdns-edge with real clients.
# kdig +tls (opportunistic and strict, RFC 8310), a miss resolved through
# boltdns-cp and the same name then answered from the shared cache by the
# edge itself; Python ssl for pipelining with out-of-order answers, TLS 1.2
# and 1.3, ALPN "dot", session resumption, EDNS TCP keepalive (RFC 7828),
# the idle timeout, the per-client connection limit and the ACL; bad input
# (not TLS, a truncated record, a slowloris handshake, garbage after the
# handshake) closed and counted while the service keeps answering.
#
# Usage: dot.sh BOLTDNS_DP BOLTDNS_CP DP_STATS BOLTDNS_EDGE BOLTCTL
. "$(dirname "$0")/lib.sh"
EDGE_IDLE=2s
EDGE_PER_CLIENT=6
# 127.0.0.9 is refused (REFUSED with EDE 18), everyone else on loopback is allowed
EDGE_EXTRA_ACL="allow = 127.0.0.1/32, 127.0.0.2/31, 127.0.0.4/30, ::1/128
action = refuse"
edge_init dot "$1" "$2" "$3" "$4"
edge_start_all

# Start-up checks: a key that is not the certificate's, a missing certificate.
conf="$E2E_DIR/boltdns.conf"
sed "s|^key = .*|key = $E2E_DIR/other.key|" "$conf" > "$E2E_DIR/badkey.conf"
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$E2E_DIR/other.key" 2>/dev/null
kl=$(grep -n '^key = ' "$E2E_DIR/badkey.conf" | cut -d: -f1)
out=$("$4" -c "$E2E_DIR/badkey.conf" -t 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "^$E2E_DIR/badkey.conf:$kl: \[tls\] key: .* does not match the certificate" &&
  ok "a key that does not match: FILE:LINE at start-up" || { echo "$out"; bad "mismatched key not refused ($rc)"; }
sed "s|^certificate = .*|certificate = $E2E_DIR/missing.crt|" "$conf" > "$E2E_DIR/nocert.conf"
cl=$(grep -n '^certificate = ' "$E2E_DIR/nocert.conf" | cut -d: -f1)
out=$("$4" -c "$E2E_DIR/nocert.conf" -t 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "^$E2E_DIR/nocert.conf:$cl: \[tls\] certificate: cannot read" &&
  ok "a missing certificate: FILE:LINE at start-up" || { echo "$out"; bad "missing certificate not refused ($rc)"; }
printf 'not a certificate\n' > "$E2E_DIR/garbage.crt"
sed "s|^certificate = .*|certificate = $E2E_DIR/garbage.crt|" "$conf" > "$E2E_DIR/garbage.conf"
out=$("$4" -c "$E2E_DIR/garbage.conf" -t 2>&1); rc=$?
[ $rc -eq 1 ] && echo "$out" | grep -q "^$E2E_DIR/garbage.conf:$cl: \[tls\] certificate: .* is not a PEM certificate" &&
  ok "a file that is not PEM: FILE:LINE at start-up" || { echo "$out"; bad "garbage certificate not refused ($rc)"; }

kd() { ns kdig @127.0.0.1 -p "$EDGE_DOT_PORT" +tls +time=6 +retry=0 "$@"; }

out=$(kd www.dom1.boltnet A)
echo "$out" | grep -q 'status: NOERROR' && echo "$out" | grep -qE 'www\.dom1\.boltnet\.\s+[0-9]+\s+IN\s+A' &&
  ok "kdig +tls: a miss resolved through boltdns-cp" || { echo "$out"; bad "kdig +tls miss"; }
wait_stats
m0=$(edge_stat dot_misses); h0=$(edge_stat dot_hits)
out=$(kd www.dom1.boltnet A)
echo "$out" | grep -q 'status: NOERROR' && ok "kdig +tls: the same name again" || bad "kdig +tls again"
wait_stats
h1=$(edge_stat dot_hits); m1=$(edge_stat dot_misses)
[ "$h1" -gt "$h0" ] && [ "$m1" -eq "$m0" ] &&
  ok "answered from the shared cache by the edge (hits $h0 -> $h1, misses $m1)" ||
  bad "not a hit: hits $h0 -> $h1, misses $m0 -> $m1"

out=$(ns kdig @127.0.0.1 -p "$EDGE_DOT_PORT" +tls-ca="$E2E_DIR/edge.crt" +tls-hostname=resolver.test \
  +time=6 +retry=0 www.dom1.boltnet A)
echo "$out" | grep -q 'status: NOERROR' && ok "kdig strict profile (CA + hostname) verifies the certificate" ||
  { echo "$out"; bad "kdig strict profile"; }
out=$(ns kdig @127.0.0.1 -p "$EDGE_DOT_PORT" +tls-ca="$E2E_DIR/edge.crt" +tls-hostname=other.test \
  +time=3 +retry=0 www.dom1.boltnet A 2>&1)
echo "$out" | grep -q 'status: NOERROR' && bad "strict profile accepted a wrong hostname" ||
  ok "strict profile refuses a wrong hostname"
out=$(kd nx.dom1.boltnet A)
echo "$out" | grep -q 'status: NXDOMAIN' && ok "kdig +tls: NXDOMAIN" || bad "NXDOMAIN over DoT"

ns python3 "$(dirname "$0")/dotclient.py" "$EDGE_DOT_PORT" "$E2E_DIR" || bad "python DoT checks"
wait_stats

out=$(kd www.dom2.boltorg A)
echo "$out" | grep -q 'status: NOERROR' && ok "still serving after the bad clients" || bad "not serving after the bad clients"
wait_stats
for k in dot_handshake_failures dot_bad_input dot_idle_closed dot_conns_limited acl_refused dot_resumptions dot_tls13; do
  v=$(edge_stat $k)
  [ "${v:-0}" -gt 0 ] && ok "counter $k = $v" || bad "counter $k is ${v:-missing}"
done
grep -E '^(dot|doh)_' "$E2E_DIR/edge.stats" | tr '\n' ' '; echo
# The same counters through boltdns-cp's control socket (boltctl stats).
bs=$("$5" -s "$E2E_DIR/control.sock" stats_noreset)
v=$(echo "$bs" | awk '$1 == "cp.edge_dot_hits:" { print $2 }')
[ "${v:-0}" -gt 0 ] && ok "boltctl stats shows the edge's counters (cp.edge_dot_hits: $v)" ||
  { echo "$bs" | grep edge_ | head; bad "boltctl stats: no edge counters"; }

# A certificate replaced on disk is picked up without dropping connections.
ns python3 - "$EDGE_DOT_PORT" "$E2E_DIR" <<'PY' && ok "certificate reload: old connection kept, new one gets the new certificate" || bad "certificate reload"
import socket, ssl, struct, subprocess, sys, time, hashlib
port, d = int(sys.argv[1]), sys.argv[2]
def q(qid):
    n = b"\x03www\x04dom1\x07boltnet\x00"
    m = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + n + b"\x00\x01\x00\x01"
    return struct.pack("!H", len(m)) + m
def rx(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        assert c, "closed"
        b += c
    return b
def rd(s):
    return rx(s, struct.unpack("!H", rx(s, 2))[0])
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
old = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5))
fp_old = hashlib.sha256(old.getpeercert(True)).hexdigest()
subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-days", "2", "-subj", "/CN=resolver.test", "-keyout", d + "/new.key", "-out", d + "/new.crt"],
               check=True, capture_output=True)
import os
os.replace(d + "/new.key", d + "/edge.key"); os.replace(d + "/new.crt", d + "/edge.crt")
time.sleep(1.5)
old.sendall(q(1)); a = rd(old)
assert a[:2] == b"\x00\x01", "old connection lost"
new = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5))
fp_new = hashlib.sha256(new.getpeercert(True)).hexdigest()
assert fp_new != fp_old, "same certificate after the change"
new.sendall(q(2)); assert rd(new)[:2] == b"\x00\x02"
PY

# New certificate paths in the configuration (then `boltctl reload` for the
# other processes): the edge follows the edited file without a signal.
edge_cert resolver.test edge2
sed -i "s|^certificate = .*|certificate = $E2E_DIR/edge2.crt|; s|^key = .*|key = $E2E_DIR/edge2.key|" "$E2E_DIR/boltdns.conf"
"$5" -s "$E2E_DIR/control.sock" reload >/dev/null 2>&1
sleep 1.5
ns python3 - "$EDGE_DOT_PORT" "$E2E_DIR/edge2.crt" <<'PY' && ok "configuration edited to new certificate paths: new connections get it" || bad "certificate paths not followed"
import socket, ssl, sys
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5))
want = ssl.PEM_cert_to_DER_cert(open(sys.argv[2]).read())
sys.exit(0 if s.getpeercert(True) == want else 1)
PY

edge_finish
