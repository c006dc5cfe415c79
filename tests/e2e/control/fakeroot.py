#!/usr/bin/env python3
"""A deliberately awkward root server for boltdns-cp's upstream tests.

Authoritative for "." on ADDR:53 (UDP and TCP):
  noedns.fake. A   FORMERR to any query with EDNS, the answer without it
  spoof.fake.  A   first a response with a wrong ID, then one with the right
                   ID but another question, then the real answer
  tc.fake.     TXT TC=1 over UDP; the answer only over TCP
  anything else    NXDOMAIN with the SOA
Usage: fakeroot.py ADDR
"""
import socket
import struct
import sys
import threading

ADDR = sys.argv[1]
SOA = (b"\x02ns\x04fake\x00" + b"\x04host\x04fake\x00" +
       struct.pack("!IIIII", 1, 3600, 600, 86400, 300))


def enc(n):
    out = b""
    for label in n.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def parse(q):
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", q[:12])
    pos, labels = 12, []
    while q[pos]:
        labels.append(q[pos + 1:pos + 1 + q[pos]].decode().lower())
        pos += 1 + q[pos]
    qtype, qclass = struct.unpack("!HH", q[pos + 1:pos + 5])
    return qid, ".".join(labels) + ".", q[12:pos + 5], qtype, ar > 0


def rr(owner, rtype, ttl, rdata):
    return owner + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


def msg(qid, question, rcode=0, answers=(), authority=(), tc=False):
    flags = 0x8400 | rcode | (0x0200 if tc else 0)
    return (struct.pack("!HHHHHH", qid, flags, 1, len(answers), len(authority), 0) +
            question + b"".join(answers) + b"".join(authority))


def respond(q, tcp):
    """List of responses to send for query q."""
    qid, name, question, qtype, edns = parse(q)
    owner = enc(name)
    if name == "noedns.fake.":
        if edns:
            return [msg(qid, question, rcode=1)]
        return [msg(qid, question, answers=[rr(owner, 1, 300, bytes([198, 19, 9, 1]))])]
    if name == "spoof.fake.":
        wrong_q = enc("other.fake.") + question[-4:]
        return [msg((qid + 1) & 0xffff, question, answers=[rr(owner, 1, 300, bytes([6, 6, 6, 6]))]),
                msg(qid, wrong_q, answers=[rr(enc("other.fake."), 1, 300, bytes([6, 6, 6, 7]))]),
                msg(qid, question, answers=[rr(owner, 1, 300, bytes([198, 19, 9, 2]))])]
    if name == "tc.fake." and qtype == 16:
        if not tcp:
            return [msg(qid, question, tc=True)]
        return [msg(qid, question, answers=[rr(owner, 16, 300, b"\x07via-tcp")])]
    return [msg(qid, question, rcode=3, authority=[rr(b"\0", 6, 300, SOA)])]


def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ADDR, 53))
    while True:
        q, peer = s.recvfrom(4096)
        try:
            for r in respond(q, False):
                s.sendto(r, peer)
        except Exception:
            pass


def tcp_client(c):
    with c:
        try:
            n = struct.unpack("!H", c.recv(2))[0]
            q = b""
            while len(q) < n:
                q += c.recv(n - len(q))
            for r in respond(q, True)[-1:]:
                c.sendall(struct.pack("!H", len(r)) + r)
        except Exception:
            pass


def tcp():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((ADDR, 53))
    s.listen(16)
    while True:
        c, _ = s.accept()
        threading.Thread(target=tcp_client, args=(c,), daemon=True).start()


threading.Thread(target=tcp, daemon=True).start()
udp()
