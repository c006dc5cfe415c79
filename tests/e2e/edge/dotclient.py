#!/usr/bin/env python3
"""DoT checks with Python's ssl module (tests/e2e/edge/dot.sh).

Usage: dotclient.py PORT WORKDIR; prints ok/FAIL lines, exits 1 on a failure.
"""
import os
import socket
import ssl
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from dnsmsg import check, failures, frame, name, query, read_msg  # noqa: E402  (tests/e2e/dnsmsg.py)

port = int(sys.argv[1])


def ctx(maxv=None, alpn=None, minv=None):
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    if maxv:
        c.maximum_version = maxv
    if minv:
        c.minimum_version = minv
    if alpn:
        c.set_alpn_protocols(alpn)
    return c


def tls(c=None, src=None, session=None):
    raw = socket.create_connection(("127.0.0.1", port), timeout=8,
                                   source_address=(src, 0) if src else None)
    return (c or ctx()).wrap_socket(raw, session=session)


def rcode(m):
    return m[3] & 0xf


def closed(s, wait=8):
    """Whether the server closes s within wait seconds."""
    s.settimeout(wait)
    try:
        while True:
            d = s.recv(4096)
            if not d:
                return True
    except (ConnectionError, ssl.SSLError, OSError):
        return True
    except socket.timeout:
        return False


# Warm the cache for the hit used below.
s = tls()
s.sendall(frame(query(1, "a.dom1.boltnet")))
m = read_msg(s)
check(m is not None and rcode(m) == 0, "warm-up query answered")

# Pipelined, out of order: a miss first, then a hit, in one write. The hit is
# answered from the cache at once, the miss when the resolver has it.
s.sendall(frame(query(200, "h0042.bulk.boltnet")) + frame(query(201, "a.dom1.boltnet")) +
          frame(query(202, "h0043.bulk.boltnet")) + frame(query(203, "a.dom1.boltnet")))
order = []
for _ in range(4):
    m = read_msg(s)
    if m is None:
        break
    order.append(struct.unpack("!H", m[:2])[0])
check(sorted(order) == [200, 201, 202, 203], "4 pipelined queries, 4 answers (%s)" % order)
check(order.index(201) < order.index(200) and order.index(203) < order.index(202),
      "hits answered before the misses sent ahead of them (out of order: %s)" % order)

# 40 pipelined queries in one write, all answered with their own IDs.
s.sendall(b"".join(frame(query(1000 + i, "h%04d.bulk.boltnet" % (100 + i % 20))) for i in range(40)))
got = set()
for _ in range(40):
    m = read_msg(s)
    if m is None:
        break
    got.add(struct.unpack("!H", m[:2])[0])
check(got == set(range(1000, 1040)), "40 pipelined queries answered (%d)" % len(got))

# EDNS TCP keepalive (RFC 7828): asked for, answered with our timeout.
s.sendall(frame(query(300, "a.dom1.boltnet", opt=struct.pack("!HH", 11, 0))))
m = read_msg(s)
check(m is not None and b"\x00\x0b\x00\x02" in m[-6:-2],
      "edns-tcp-keepalive in the answer (%s)" % (m[-6:].hex() if m else None))
if m is not None:
    t = struct.unpack("!H", m[-2:])[0]
    check(t == 20, "keepalive timeout 20 (x100 ms, the idle timeout): %d" % t)
# EDNS padding (RFC 7830, RFC 8467): a padded query gets an answer padded to
# a multiple of 468 bytes (with keepalive too: padding comes last).
s.sendall(frame(query(302, "a.dom1.boltnet", opt=struct.pack("!HH", 12, 8) + b"\0" * 8)))
m = read_msg(s)
check(m is not None and len(m) % 468 == 0 and b"\x00\x0c" in m, "padded query: answer of %d bytes" % len(m or b""))
s.sendall(frame(query(303, "a.dom1.boltnet", opt=struct.pack("!HH", 11, 0) + struct.pack("!HH", 12, 0))))
m = read_msg(s)
check(m is not None and len(m) % 468 == 0 and b"\x00\x0b\x00\x02" in m, "keepalive and padding: %d bytes" % len(m or b""))
s.sendall(frame(query(304, "a.dom1.boltnet", opt=b"")))
m = read_msg(s)
check(m is not None and len(m) % 468 != 0, "no padding when the query has none (%d bytes)" % len(m or b""))
s.sendall(frame(query(301, "a.dom1.boltnet", opt=b"")))
m = read_msg(s)
check(m is not None and b"\x00\x0b\x00\x02" not in m, "no keepalive when not asked for")
s.close()

# TLS 1.3 and 1.2, ALPN "dot".
for v, label in ((ssl.TLSVersion.TLSv1_3, "TLSv1.3"), (ssl.TLSVersion.TLSv1_2, "TLSv1.2")):
    s = tls(ctx(maxv=v, minv=v, alpn=["dot"]))
    s.sendall(frame(query(7, "a.dom1.boltnet")))
    m = read_msg(s)
    check(m is not None and s.version() == label and s.selected_alpn_protocol() == "dot",
          "%s with ALPN %s answered" % (s.version(), s.selected_alpn_protocol()))
    s.close()

# Session resumption (a ticket on TLS 1.3, a ticket or ID on TLS 1.2).
for v in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
    c = ctx(maxv=v, minv=v)
    s = tls(c)
    s.sendall(frame(query(8, "a.dom1.boltnet")))
    read_msg(s)
    sess = s.session
    s.close()
    s = tls(c, session=sess)
    s.sendall(frame(query(9, "a.dom1.boltnet")))
    m = read_msg(s)
    check(m is not None and s.session_reused, "%s session resumed" % v.name)
    s.close()

# The ACL: 127.0.0.9 is not allowed (action refuse): REFUSED, EDE 18 with EDNS.
s = tls(src="127.0.0.9")
s.sendall(frame(query(10, "a.dom1.boltnet", opt=b"")))
m = read_msg(s)
check(m is not None and rcode(m) == 5 and b"\x00\x0f\x00\x02\x00\x12" in m,
      "ACL: REFUSED with EDE 18 Prohibited")
s.close()

# Idle timeout (2 s): a quiet connection is closed.
s = tls()
s.sendall(frame(query(11, "a.dom1.boltnet")))
read_msg(s)
t0 = time.time()
check(closed(s, 6) and time.time() - t0 < 5, "idle connection closed after %.1f s" % (time.time() - t0))

# Per-client limit (6): the 7th and 8th connections of one address are closed.
conns = []
for i in range(8):
    try:
        conns.append(tls(src="127.0.0.3"))
    except (ssl.SSLError, OSError):
        conns.append(None)
alive = 0
for c in conns:
    if c is None:
        continue
    try:
        c.sendall(frame(query(12, "a.dom1.boltnet")))
        if read_msg(c) is not None:
            alive += 1
    except (ssl.SSLError, OSError):
        pass
check(alive == 6, "per-client limit: %d of 8 connections served" % alive)
for c in conns:
    if c:
        c.close()
s = tls(src="127.0.0.4")
s.sendall(frame(query(13, "a.dom1.boltnet")))
check(read_msg(s) is not None, "another client is still served")
s.close()

# Bad input. Not TLS at all: closed.
r = socket.create_connection(("127.0.0.1", port), timeout=5)
r.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" + b"\x00" * 100)
check(closed(r, 5), "plain-text garbage: closed")
# A truncated TLS record: a ClientHello header promising 512 bytes, 10 sent, then EOF.
r = socket.create_connection(("127.0.0.1", port), timeout=5)
r.sendall(b"\x16\x03\x01\x02\x00" + b"\x01\x00\x01\xfc\x03\x03" + b"\x00" * 4)
r.shutdown(socket.SHUT_WR)
check(closed(r, 5), "truncated TLS record then EOF: closed")
# Slowloris: a handshake trickled a byte every 0.5 s never finishes: the idle
# timeout closes it although bytes keep coming.
r = socket.create_connection(("127.0.0.1", port), timeout=5)
t0 = time.time()
gone = False
for b in b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x01" * 20:
    try:
        r.sendall(bytes([b]))
    except OSError:
        gone = True
        break
    time.sleep(0.5)
    r.setblocking(False)
    try:
        if r.recv(1) == b"":
            gone = True
            break
    except BlockingIOError:
        pass
    except OSError:
        gone = True
        break
    r.setblocking(True)
check(gone and time.time() - t0 < 6, "slowloris handshake closed after %.1f s" % (time.time() - t0))
# Garbage inside TLS: a frame shorter than a DNS header: closed.
s = tls()
s.sendall(b"\x00\x03abc")
check(closed(s, 5), "DoT frame shorter than a header: closed")
# Garbage DNS inside TLS: FORMERR, and the connection keeps working.
s = tls()
s.sendall(frame(struct.pack("!HHHHHH", 14, 0, 2, 0, 0, 0) + name("x.test") + b"\0\1\0\1"))
m = read_msg(s)
check(m is not None and rcode(m) == 1, "QDCOUNT 2: FORMERR")
s.sendall(frame(query(15, "a.dom1.boltnet")))
m = read_msg(s)
check(m is not None and m[:2] == b"\x00\x0f", "connection still answers after FORMERR")
s.close()

sys.exit(1 if failures() else 0)
