#!/usr/bin/env python3
"""A forwarding name server that corrupts DNSSEC signatures, for the test of
boltdns asking again after a bogus answer (tests/e2e/dnssec/requery.sh).

Listens on --addr port 53 (UDP and TCP, tests/hierarchy/dnsserve.py),
forwards each query to --upstream (a real NSD of the signed hierarchy) over
the transport it came on and returns the answer, with the last byte of every
RRSIG's signature flipped when the query's transport is listed in the mode
file (--mode: one line, "udp", "tcp", "udp tcp" or "none", and "delay=MS"
to answer MS milliseconds late, a slower server that a resolver choosing by
RTT asks second; re-read at every query, so a test switches the behaviour
while the server runs). Each query
is logged to --log: "TRANSPORT QNAME QTYPE corrupted|clean".

Standard library only.
"""
import argparse
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../hierarchy"))
import dnsserve  # noqa: E402

T_RRSIG = 46


def skip_name(m, off):
    """Offset after the (possibly compressed) name at off."""
    while True:
        n = m[off]
        if n & 0xC0 == 0xC0:
            return off + 2
        if n == 0:
            return off + 1
        off += 1 + n


def qname_text(m):
    off, labels = 12, []
    while m[off] != 0:
        n = m[off]
        labels.append(m[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    qtype = struct.unpack("!H", m[off + 1:off + 3])[0]
    return ".".join(labels) + ".", qtype


def corrupt(resp):
    m = bytearray(resp)
    qd, an, ns, ar = struct.unpack("!HHHH", m[4:12])
    off = 12
    for _ in range(qd):
        off = skip_name(m, off) + 4
    n = 0
    for _ in range(an + ns + ar):
        off = skip_name(m, off)
        rtype, _, _, rdlen = struct.unpack("!HHIH", m[off:off + 10])
        off += 10
        if rtype == T_RRSIG and rdlen > 20:
            m[off + rdlen - 1] ^= 0x01
            n += 1
        off += rdlen
    return bytes(m), n


def forward(msg, transport, upstream):
    fam = socket.AF_INET6 if ":" in upstream else socket.AF_INET
    if transport == "udp":
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.settimeout(2)
        s.sendto(msg, (upstream, 53))
        resp, _ = s.recvfrom(65535)
        s.close()
        return resp
    s = socket.create_connection((upstream, 53), timeout=2)
    s.sendall(struct.pack("!H", len(msg)) + msg)
    hdr = b""
    while len(hdr) < 2:
        hdr += s.recv(2 - len(hdr))
    want = struct.unpack("!H", hdr)[0]
    resp = b""
    while len(resp) < want:
        chunk = s.recv(want - len(resp))
        if not chunk:
            break
        resp += chunk
    s.close()
    return resp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--addr", required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--mode", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--pidfile", required=True)
    a = ap.parse_args()

    def read_mode():
        try:
            with open(a.mode) as f:
                return f.read().split()
        except OSError:
            return []

    def delay():
        for w in read_mode():
            if w.startswith("delay="):
                return int(w[6:]) / 1000.0
        return 0

    def respond(msg, transport):
        mode = read_mode()
        resp = forward(msg, transport, a.upstream)
        what = "clean"
        if transport in mode:
            resp, n = corrupt(resp)
            what = "corrupted" if n > 0 else "clean"
        name, qtype = qname_text(msg)
        with open(a.log, "a") as f:
            f.write("%s %s %d %s\n" % (transport, name, qtype, what))
        return resp

    dnsserve.serve(a.addr, 53, a.pidfile, respond, delay)


if __name__ == "__main__":
    main()
