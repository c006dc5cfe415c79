#!/usr/bin/env bash
# End-to-end: client DNS over TCP on boltdns-cp. Several queries in one
# segment (hits and misses) are all answered with their own IDs; a message
# split across segments is reassembled; garbage gets FORMERR or a close and
# never a crash; idle connections are closed; connections past the limit
# are refused while earlier ones keep working.
#
# Usage: tcp.sh BOLTDNS_DP BOLTDNS_CP DP_STATS
. "$(dirname "$0")/lib.sh"
e2e_init tcp "$1" "$2" "$3"
e2e_start_all

ns env PYTHONPATH="$E2E_PYLIB" python3 - "$E2E_PORT" <<'PY'
import socket, struct, sys, time
from dnsmsg import check, failures, frame, name, query, read_msg

port = int(sys.argv[1])

def conn():
    return socket.create_connection(("127.0.0.1", port), timeout=8)

# Pipelined: five queries in one write, misses and hits mixed.
s = conn()
names = ["www.dom1.boltnet", "h0100.bulk.boltnet", "nx.dom1.boltnet", "www.dom1.boltnet", "a.dom1.boltnet"]
s.sendall(b"".join(frame(query(100 + i, n)) for i, n in enumerate(names)))
got = {}
for _ in names:
    m = read_msg(s)
    if m is None:
        break
    got[struct.unpack("!H", m[:2])[0]] = m[3] & 0xf
check(sorted(got) == [100, 101, 102, 103, 104], "5 pipelined queries, 5 answers (ids %s)" % sorted(got))
check(got.get(102) == 3 and got.get(100) == 0, "pipelined rcodes %s" % got)

# A message split over several segments.
q = frame(query(7, "www.dom2.boltorg"))
for i in range(0, len(q), 3):
    s.sendall(q[i:i + 3])
    time.sleep(0.01)
m = read_msg(s)
check(m is not None and m[:2] == b"\x00\x07" and struct.unpack("!H", m[6:8])[0] == 1,
      "split message answered")

# Garbage: a header with QDCOUNT 2 -> FORMERR, then the connection still works.
bad = struct.pack("!HHHHHH", 9, 0, 2, 0, 0, 0) + name("x.test") + b"\0\1\0\1"
s.sendall(frame(bad))
m = read_msg(s)
check(m is not None and m[:2] == b"\x00\x09" and (m[3] & 0xf) == 1, "QDCOUNT 2: FORMERR")
s.sendall(frame(query(10, "www.dom1.boltnet")))
m = read_msg(s)
check(m is not None and m[:2] == b"\x00\x0a", "connection usable after FORMERR")
# A frame too short for a header: the server closes.
s.sendall(frame(b"\x01\x02\x03"))
check(read_msg(s) is None, "3-byte message: connection closed")
s.close()

# Idle connection closed after the idle timeout (10 s).
s = conn()
s.settimeout(15)
t0 = time.time()
try:
    closed = s.recv(1) == b""
except socket.timeout:
    closed = False
check(closed and 8 < time.time() - t0 < 14, "idle connection closed after %.1f s" % (time.time() - t0))
s.close()

# Connection limit (512): a burst of 530 connections; the first stay served.
first = conn()
many = []
for _ in range(530):
    try:
        many.append(conn())
    except OSError:
        break
refused = 0
for c in many[-20:]:
    c.settimeout(2)
    try:
        c.sendall(frame(query(11, "www.dom1.boltnet")))
        if read_msg(c) is None:
            refused += 1
    except OSError:
        refused += 1
check(refused > 0, "connections past the limit refused (%d of the last 20)" % refused)
first.sendall(frame(query(12, "www.dom1.boltnet")))
m = read_msg(first)
check(m is not None and m[:2] == b"\x00\x0c", "an earlier connection still served")
for c in many:
    c.close()
first.close()
sys.exit(1 if failures() else 0)
PY
rc=$?
[ $rc -eq 0 ] && ok "TCP client behaviour" || bad "TCP client behaviour"
if kill -0 "$E2E_CP_PID" 2>/dev/null; then ok "boltdns-cp still running"; else bad "boltdns-cp died"; fi
e2e_finish
