#!/usr/bin/env bash
# End-to-end: [acl] on every client-facing listener. With allow =
# 10.53.0.0/16, fd53::/16, a client from an allowed source is answered over
# UDP (dataplane) and TCP (boltdns-cp), IPv4 and IPv6; a client from
# 127.0.0.1 or ::1 gets REFUSED with EDE 18 (Prohibited) over both with
# action = refuse, and nothing with action = drop (UDP: no answer, TCP: the
# connection is closed at accept). Before the ACL reached TCP/53, the
# refused client was answered over TCP: this test failed there.
#
# The answers come from [local] data, so no hierarchy is needed.
#
# Usage: acl.sh BOLTDNS_DP BOLTDNS_CP DP_STATS
. "$(dirname "$0")/lib.sh"
e2e_init acl "$1" "$2" "$3"
# Allowed sources: addresses of the namespace's loopback, used with dig -b.
ns ip addr add 10.53.0.1/32 dev lo
ns ip addr add fd53::1/128 dev lo

acl_conf() { # ACTION
  cat > "$E2E_DIR/boltdns.conf" <<CONF
[dataplane]
io = socket
listen = 127.0.0.1@$E2E_PORT, [::1]@$E2E_PORT
[cache]
path = $E2E_REGION
size = 64M
ring-slots = 256
wipe = yes
[control]
socket = $E2E_DIR/control.sock
tcp-listen = 127.0.0.1@$E2E_PORT, [::1]@$E2E_PORT
verbosity = 2
[resolver]
root-hints = $E2E_HIER/root.hints
[local]
data = acl.test. 300 A 192.0.2.53
[acl]
allow = 10.53.0.0/16, fd53::/16
action = $1
CONF
}

# dg SERVER SOURCE TRANSPORT(udp|tcp): dig acl.test A, full output
dg() {
  local tr=+notcp; [ "$3" = tcp ] && tr=+tcp
  ns dig @"$1" -b "$2" -p "$E2E_PORT" $tr +time=2 +tries=1 +ignore acl.test A 2>&1
}

allowed() { # SERVER SOURCE TRANSPORT
  local out; out=$(dg "$@")
  if grep -q 'status: NOERROR' <<<"$out" && grep -q '^acl\.test\..*192\.0\.2\.53' <<<"$out"; then
    ok "$3 $1 from $2 (allowed): answered"
  else
    bad "$3 $1 from $2 (allowed): $(grep -E 'status:|;;.*(error|timed out|reached)' <<<"$out" | head -2 | tr '\n' ' ')"
  fi
}

refused() { # SERVER SOURCE TRANSPORT
  local out; out=$(dg "$@")
  if grep -q 'status: REFUSED' <<<"$out" && grep -q 'EDE: 18' <<<"$out" &&
     ! grep -q '^acl\.test\..*192\.0\.2\.53' <<<"$out"; then
    ok "$3 $1 from $2 (not allowed): REFUSED, EDE 18"
  else
    bad "$3 $1 from $2 (not allowed), want REFUSED + EDE 18: $(grep -E 'status:|EDE|^acl' <<<"$out" | tr '\n' ' ')"
  fi
}

dropped() { # SERVER SOURCE TRANSPORT
  local out; out=$(dg "$@")
  if ! grep -q 'status:' <<<"$out"; then
    ok "$3 $1 from $2 (not allowed): no answer ($(grep -m1 -E ';;' <<<"$out" | cut -c1-60))"
  else
    bad "$3 $1 from $2 (not allowed), want nothing: $(grep -E 'status:|^acl' <<<"$out" | tr '\n' ' ')"
  fi
}

start() { # ACTION
  acl_conf "$1"
  rm -f "$E2E_DIR/cp.stats"
  e2e_start_dp
  e2e_start_cp
  # The dataplane's sockets and the TCP listener answer once both are up.
  for _ in $(seq 1 50); do
    dg 127.0.0.1 10.53.0.1 udp | grep -q 'status:' && break
    sleep 0.1
  done
}

stop() {
  kill "$E2E_CP_PID" "$E2E_DP_PID" 2>/dev/null
  wait "$E2E_CP_PID" "$E2E_DP_PID" 2>/dev/null
  E2E_CP_PID= E2E_DP_PID=
}

# ---- action = refuse
start refuse
for tr in udp tcp; do
  allowed 127.0.0.1 10.53.0.1 $tr
  allowed ::1 fd53::1 $tr
  refused 127.0.0.1 127.0.0.1 $tr
  refused ::1 ::1 $tr
done

# Raw TCP from a refused client: every query of the connection is REFUSED
# (question echoed, no OPT without EDNS), malformed ones too, responses get
# nothing, and the connection stays open.
ns env PYTHONPATH="$E2E_PYLIB" python3 - "$E2E_PORT" <<'PY'
import socket, struct, sys
from dnsmsg import check, failures, frame, name, read_msg
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=5)
q = struct.pack("!HHHHHH", 21, 0x0100, 1, 0, 0, 0) + name("acl.test") + b"\0\1\0\1"
bad = struct.pack("!HHHHHH", 22, 0x0100, 2, 0, 0, 0) + name("acl.test") + b"\0\1\0\1"
resp = struct.pack("!HHHHHH", 23, 0x8100, 1, 0, 0, 0) + name("acl.test") + b"\0\1\0\1"
s.sendall(frame(resp) + frame(q) + frame(bad))
m1, m2 = read_msg(s), read_msg(s)
check(m1 is not None and m1[:2] == b"\x00\x15" and m1[3] & 0xf == 5 and m1[12:] == q[12:]
      and struct.unpack("!HHHH", m1[4:12]) == (1, 0, 0, 0),
      "no EDNS: REFUSED, question echoed, no OPT, no answer")
check(m2 is not None and m2[:2] == b"\x00\x16" and m2[3] & 0xf == 5, "QDCOUNT 2: REFUSED")
s.sendall(frame(q))
m3 = read_msg(s)
check(m3 is not None and m3[:2] == b"\x00\x15" and m3[3] & 0xf == 5,
      "a response got nothing; the connection is still served")
sys.exit(1 if failures() else 0)
PY
[ $? -eq 0 ] && ok "raw TCP from a refused client" || bad "raw TCP from a refused client"
wait_stats
n=$(cp_stat tcp_acl_refused)
[ "${n:-0}" -ge 5 ] && ok "tcp_acl_refused $n" || bad "tcp_acl_refused '$n', want >= 5"
d=$(dp_stat refused)
[ "${d:-0}" -ge 2 ] && ok "dataplane refused $d" || bad "dataplane refused '$d', want >= 2"
stop

# ---- action = drop
start drop
for tr in udp tcp; do
  allowed 127.0.0.1 10.53.0.1 $tr
  allowed ::1 fd53::1 $tr
  dropped 127.0.0.1 127.0.0.1 $tr
  dropped ::1 ::1 $tr
done
wait_stats
n=$(cp_stat tcp_acl_dropped)
[ "${n:-0}" -ge 2 ] && ok "tcp_acl_dropped $n" || bad "tcp_acl_dropped '$n', want >= 2"
n=$(cp_stat tcp_acl_refused)
[ "${n:-0}" -eq 0 ] && ok "nothing answered REFUSED over TCP with action = drop" ||
  bad "tcp_acl_refused $n with action = drop"
if kill -0 "$E2E_CP_PID" 2>/dev/null; then ok "boltdns-cp still running"; else bad "boltdns-cp died"; fi
e2e_finish
