#!/usr/bin/env python3
"""Send raw DNS bytes over UDP (or an ICMP echo) and print what came back.

  dnsraw.py udp SERVER PORT HEX [TIMEOUT]   -> "rcode=N id=N qd=N ar=N len=N" or "noreply"
  dnsraw.py query SERVER PORT KIND [TIMEOUT] -> same, KIND one of the built-in bad queries
  dnsraw.py ping SERVER [TIMEOUT]            -> "reply" or "noreply"
  dnsraw.py flood SERVER PORT NAME COUNT [COOKIE]
      -> "sent=N answered=N tc=N noreply=N seconds=N cookies=N cookie=HEX"
      COUNT queries for NAME/A, each from its own socket (source port), sent
      within one wall-clock second (started just after a second boundary);
      seconds: how many distinct seconds the sending spanned. COOKIE (hex):
      the queries carry EDNS with this COOKIE option; cookies: replies with a
      COOKIE option, cookie: the last one seen.
"""
import select
import socket
import struct
import sys
import time


def name(text):
    out = b""
    for label in text.strip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(qid, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qd, an, ns, ar)


def opt(version=0, udp=1232):
    # root owner, type OPT, class = UDP size, ttl = ext-rcode/version/flags, rdlen 0
    return b"\0" + struct.pack("!HHBBHH", 41, udp, 0, version, 0, 0)


KINDS = {
    # a compression pointer as the question name
    "compressed": header(0x1001, 0x0100) + b"\xc0\x0c" + struct.pack("!HH", 1, 1),
    # a 64-byte label
    "hugelabel": header(0x1002, 0x0100) + bytes([64]) + b"a" * 64 + b"\0" + struct.pack("!HH", 1, 1),
    # opcode STATUS
    "status": header(0x1003, 0x1000, qd=0),
    # EDNS version 1
    "badvers": header(0x1004, 0x0100, ar=1) + name("v1.example") + struct.pack("!HH", 1, 1) + opt(1),
    # shorter than a header
    "short": b"\x10\x05\x01\x00\x00",
    # two questions announced, one present
    "qdcount": header(0x1006, 0x0100, qd=2) + name("x.example") + struct.pack("!HH", 1, 1),
}


def udp(server, port, payload, timeout):
    fam = socket.AF_INET6 if ":" in server else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    s.sendto(payload, (server, port))
    try:
        data, _ = s.recvfrom(65535)
    except socket.timeout:
        print("noreply")
        return
    if len(data) < 12:
        print("short len=%d" % len(data))
        return
    qid, flags, qd, an, ns, ar = struct.unpack("!HHHHHH", data[:12])
    print("rcode=%d id=%d qd=%d an=%d ar=%d qr=%d len=%d" %
          (flags & 0xF, qid, qd, an, ar, flags >> 15, len(data)))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ping(server, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(timeout)
    body = struct.pack("!HH", 0x4242, 1) + b"boltdns-e2e"
    pkt = struct.pack("!BBH", 8, 0, 0) + body
    pkt = struct.pack("!BBH", 8, 0, csum(pkt)) + body
    s.sendto(pkt, (server, 0))
    try:
        while True:
            data, addr = s.recvfrom(2048)
            ihl = (data[0] & 0xF) * 4
            if addr[0] == server and data[ihl] == 0 and data[ihl + 4:ihl + 6] == b"\x42\x42":
                print("reply")
                return
    except socket.timeout:
        print("noreply")


def reply_cookie(data):
    """The COOKIE option of the OPT that ends a reply, as hex, or None."""
    _, _, qd, an, ns, ar = struct.unpack("!HHHHHH", data[:12])
    pos = 12

    def skip(pos):
        while True:
            l = data[pos]
            if l == 0:
                return pos + 1
            if l & 0xC0 == 0xC0:
                return pos + 2
            pos += l + 1
    for _ in range(qd):
        pos = skip(pos) + 4
    for _ in range(an + ns + ar):
        pos = skip(pos)
        rtype, _, _, rdlen = struct.unpack("!HHIH", data[pos:pos + 10])
        rd = data[pos + 10:pos + 10 + rdlen]
        pos += 10 + rdlen
        if rtype != 41:
            continue
        o = 0
        while o + 4 <= len(rd):
            code, olen = struct.unpack("!HH", rd[o:o + 4])
            if code == 10:
                return rd[o + 4:o + 4 + olen].hex()
            o += 4 + olen
    return None


def flood(server, port, qname, count, cookie=None):
    fam = socket.AF_INET6 if ":" in server else socket.AF_INET
    socks = [socket.socket(fam, socket.SOCK_DGRAM) for _ in range(count)]
    for s in socks:
        s.bind(("", 0))
    # Start just after a second boundary so that the burst fits one second.
    now = time.time()
    time.sleep(1.05 - (now - int(now)))
    start = time.time()
    tail = b""
    if cookie:
        c = bytes.fromhex(cookie)
        tail = b"\0" + struct.pack("!HHBBHH", 41, 1232, 0, 0, 0, 4 + len(c)) + \
            struct.pack("!HH", 10, len(c)) + c
    for i, s in enumerate(socks):
        s.sendto(header(0x2000 + i, 0x0100, ar=1 if cookie else 0) + name(qname) +
                 struct.pack("!HH", 1, 1) + tail, (server, port))
    end = time.time()
    answered = tc = cookies = 0
    last_cookie = ""
    pending = {s.fileno(): s for s in socks}
    deadline = time.time() + 2.0
    while pending and time.time() < deadline:
        ready, _, _ = select.select(list(pending.values()), [], [], 0.2)
        for s in ready:
            data = s.recv(65535)
            del pending[s.fileno()]
            if len(data) < 12:
                continue
            flags = struct.unpack("!H", data[2:4])[0]
            rc = reply_cookie(data)
            if rc:
                cookies += 1
                last_cookie = rc
            if flags & 0x0200:
                tc += 1
            else:
                answered += 1
    for s in socks:
        s.close()
    print("sent=%d answered=%d tc=%d noreply=%d seconds=%d cookies=%d cookie=%s" %
          (count, answered, tc, len(pending), int(end) - int(start) + 1, cookies,
           last_cookie or "-"))


def main():
    mode = sys.argv[1]
    if mode == "udp":
        udp(sys.argv[2], int(sys.argv[3]), bytes.fromhex(sys.argv[4]),
            float(sys.argv[5]) if len(sys.argv) > 5 else 1.0)
    elif mode == "query":
        udp(sys.argv[2], int(sys.argv[3]), KINDS[sys.argv[4]],
            float(sys.argv[5]) if len(sys.argv) > 5 else 1.0)
    elif mode == "flood":
        flood(sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]),
              sys.argv[6] if len(sys.argv) > 6 else None)
    elif mode == "ping":
        ping(sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 1.0)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    main()
