#!/usr/bin/env python3
"""DoH checks over raw HTTP/2 frames (tests/e2e/edge/doh.sh): multiplexed
requests answered out of order, and bad input (bad frame lengths, a bad
preface) closed with GOAWAY while the service keeps serving. The client
writes frames by hand (HPACK literals without Huffman, which every decoder
must accept) so it can also write wrong ones; answers are told apart by
stream id and DNS ID, never by decoding the server's HPACK.

Usage: dohclient.py PORT; prints ok/FAIL lines, exits 1 on a failure.
"""
import base64
import os
import socket
import ssl
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from dnsmsg import check, failures, name, query  # noqa: E402  (tests/e2e/dnsmsg.py)

port = int(sys.argv[1])
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(ftype, flags, stream, payload):
    return struct.pack("!I", len(payload))[1:] + bytes([ftype, flags]) + struct.pack("!I", stream) + payload


def lit(n, v):
    n, v = n.encode(), v.encode()
    assert len(n) < 127 and len(v) < 127
    return b"\x00" + bytes([len(n)]) + n + bytes([len(v)]) + v


def get(stream, msg):
    path = "/dns-query?dns=" + base64.urlsafe_b64encode(msg).decode().rstrip("=")
    hb = lit(":method", "GET") + lit(":scheme", "https") + lit(":authority", "127.0.0.1") + lit(":path", path) + \
        lit("accept", "application/dns-message")
    return frame(1, 0x5, stream, hb)  # HEADERS, END_STREAM | END_HEADERS


def conn():
    c = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    c.check_hostname = False
    c.verify_mode = ssl.CERT_NONE
    c.set_alpn_protocols(["h2"])
    s = c.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=8))
    check(s.selected_alpn_protocol() == "h2", "ALPN h2 selected")
    return s


def frames(s, until):
    """Read frames until until(list) says so or the server closes."""
    buf = b""
    got = []
    while not until(got):
        try:
            d = s.recv(65536)
        except (socket.timeout, OSError, ssl.SSLError):
            break
        if not d:
            got.append(("closed", 0, 0, b""))
            break
        buf += d
        while len(buf) >= 9:
            ln = struct.unpack("!I", b"\0" + buf[:3])[0]
            if len(buf) < 9 + ln:
                break
            ft, fl = buf[3], buf[4]
            sid = struct.unpack("!I", buf[5:9])[0] & 0x7fffffff
            got.append((ft, fl, sid, buf[9:9 + ln]))
            buf = buf[9 + ln:]
    return got


def data_of(got):
    return [(sid, p) for ft, fl, sid, p in got if ft == 0 and p]


# Warm the cache for the hits below.
s = conn()
s.sendall(PREFACE + frame(4, 0, 0, b"") + get(1, query(1, "a.dom1.boltnet")))
frames(s, lambda g: len(data_of(g)) >= 1 or any(f[0] == "closed" for f in g))
s.close()

# Multiplexed GETs: a miss on stream 1, hits on 3 and 7, a miss on 5.
s = conn()
s.sendall(PREFACE + frame(4, 0, 0, b"") + get(1, query(1, "h0150.bulk.boltnet")) +
          get(3, query(3, "a.dom1.boltnet")) + get(5, query(5, "h0151.bulk.boltnet")) +
          get(7, query(7, "a.dom1.boltnet")))
got = frames(s, lambda g: len(data_of(g)) >= 4 or any(f[0] == "closed" for f in g))
d = data_of(got)
order = [sid for sid, p in d]
ids = {sid: struct.unpack("!H", p[:2])[0] for sid, p in d}
check(sorted(order) == [1, 3, 5, 7] and all(ids[k] == k for k in ids),
      "4 multiplexed GETs answered on their streams (%s)" % order)
check(order.index(3) < order.index(1) and order.index(7) < order.index(5),
      "hits answered before the misses asked first (out of order: %s)" % order)

# A SETTINGS frame whose length is not a multiple of 6: FRAME_SIZE_ERROR.
s.sendall(frame(4, 0, 0, b"\0" * 7))
got = frames(s, lambda g: any(f[0] == "closed" for f in g))
goaway = [p for ft, fl, sid, p in got if ft == 7]
check(goaway and struct.unpack("!I", goaway[0][4:8])[0] == 6 and got[-1][0] == "closed",
      "SETTINGS of 7 bytes: GOAWAY FRAME_SIZE_ERROR and closed")

# A DATA frame longer than the default maximum frame size (16384).
s = conn()
s.sendall(PREFACE + frame(4, 0, 0, b""))
hb = lit(":method", "POST") + lit(":scheme", "https") + lit(":authority", "x") + lit(":path", "/dns-query") + \
    lit("content-type", "application/dns-message")
s.sendall(frame(1, 0x4, 1, hb) + frame(0, 0x1, 1, b"\0" * 20000))
got = frames(s, lambda g: any(f[0] == "closed" for f in g))
goaway = [p for ft, fl, sid, p in got if ft == 7]
check(goaway and got[-1][0] == "closed", "DATA over the frame size: GOAWAY and closed")

# A frame header cut short, then EOF: closed.
s = conn()
s.sendall(PREFACE + frame(4, 0, 0, b"") + b"\x00\x00\x10\x01")
s.shutdown(socket.SHUT_WR)
got = frames(s, lambda g: any(f[0] == "closed" for f in g))
check(got and got[-1][0] == "closed", "truncated frame then EOF: closed")

# Not HTTP/2 at all after the handshake: closed.
s = conn()
s.sendall(b"GET /dns-query HTTP/1.1\r\nHost: x\r\n\r\n")
got = frames(s, lambda g: any(f[0] == "closed" for f in g))
check(got and got[-1][0] == "closed", "HTTP/1.1 on an h2 connection: closed")

# Still serving.
s = conn()
s.sendall(PREFACE + frame(4, 0, 0, b"") + get(1, query(99, "a.dom1.boltnet")))
got = frames(s, lambda g: len(data_of(g)) >= 1 or any(f[0] == "closed" for f in g))
d = data_of(got)
check(d and d[0][1][:2] == b"\x00\x63", "a new connection is served after the bad ones")

sys.exit(1 if failures() else 0)
