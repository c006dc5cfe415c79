#!/usr/bin/env python3
"""One DNS query, as dig would not send it (AXFR over UDP, any type number).

Usage: rawq.py PORT udp|tcp QNAME QTYPE [norec] [noedns]
Prints "RCODE ANCOUNT EDE" (EDE: the info code of the first Extended DNS
Error option, or -), or "timeout".
"""
import random
import socket
import struct
import sys

port, transport, qname, qtype = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
opts = sys.argv[5:]
types = {"A": 1, "NS": 2, "SOA": 6, "PTR": 12, "AAAA": 28, "AXFR": 252, "IXFR": 251,
         "ANY": 255, "MAILA": 254, "MAILB": 253}
qt = types.get(qtype.upper()) or int(qtype)
flags = 0 if "norec" in opts else 0x0100
edns = "noedns" not in opts
qid = random.randrange(65536)
name = b"".join(bytes([len(l)]) + l.encode() for l in qname.rstrip(".").split(".") if l) + b"\0"
msg = struct.pack("!HHHHHH", qid, flags, 1, 0, 0, 1 if edns else 0) + name + struct.pack("!HH", qt, 1)
if edns:
    msg += b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0)


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise socket.timeout
        b += c
    return b


try:
    if transport == "tcp":
        s = socket.create_connection(("127.0.0.1", port), timeout=6)
        s.sendall(struct.pack("!H", len(msg)) + msg)
        n = struct.unpack("!H", recv_exact(s, 2))[0]
        resp = recv_exact(s, n)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(6)
        s.sendto(msg, ("127.0.0.1", port))
        resp = s.recv(65535)
except (socket.timeout, OSError):
    print("timeout")
    sys.exit(0)

rid, rflags, qd, an, ns, ar = struct.unpack("!HHHHHH", resp[:12])


def skip_name(p):
    while True:
        l = resp[p]
        if l == 0:
            return p + 1
        if l & 0xC0:
            return p + 2
        p += 1 + l


p = 12
for _ in range(qd):
    p = skip_name(p) + 4
ede = "-"
for i in range(an + ns + ar):
    p = skip_name(p)
    t, c, ttl, rdlen = struct.unpack("!HHIH", resp[p:p + 10])
    p += 10
    if t == 41:
        o = p
        while o + 4 <= p + rdlen:
            code, olen = struct.unpack("!HH", resp[o:o + 4])
            if code == 15 and ede == "-":
                ede = str(struct.unpack("!H", resp[o + 4:o + 6])[0])
            o += 4 + olen
    p += rdlen
print(rflags & 0xF, an, ede)
