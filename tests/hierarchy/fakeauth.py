#!/usr/bin/env python3
"""Misbehaving name servers for the boltdns test hierarchy (standard library only).

Two modes, each bound to ADDR port 53 over UDP and TCP:

  forge   authoritative for evil.boltorg, but every positive answer for
          www.evil.boltorg also carries forged records for names in other
          zones (answer, authority and additional sections), so a resolver's
          bailiwick scrubbing can be tested against a real wire response.
  silent  reads every query and never answers (UDP and TCP), so a
          delegation to it times out, like a host that drops packets.

Usage: fakeauth.py --mode forge|silent --addr ADDR [--port 53]
                   --pidfile FILE [--log FILE]
"""

import argparse
import socket
import struct
import sys
import time

import dnsserve  # beside this script

ZONE = "evil.boltorg."
NS_NAME = "ns.evil.boltorg."
NS_ADDR = "198.18.1.66"

TYPE_A, TYPE_NS, TYPE_SOA, TYPE_TXT, TYPE_OPT = 1, 2, 6, 16, 41
CLASS_IN = 1

# Records of the zone: name -> {type: [(ttl, rdata-builder-args)]}
RECORDS = {
    "evil.boltorg.": {TYPE_NS: [NS_NAME]},
    "ns.evil.boltorg.": {TYPE_A: [NS_ADDR]},
    "www.evil.boltorg.": {TYPE_A: ["198.19.66.80"], TYPE_TXT: ["www of evil"]},
}

# Forged records added to the positive answer for www.evil.boltorg: none of
# them is inside evil.boltorg, so a resolver must drop all of them.
FORGED_ANSWER = [("www.dom1.boltnet.", TYPE_A, "198.19.66.66")]
FORGED_AUTHORITY = [("dom1.boltnet.", TYPE_NS, NS_NAME)]
FORGED_ADDITIONAL = [
    ("www.dom2.boltorg.", TYPE_A, "198.19.66.66"),
    ("ns1.dom1.boltnet.", TYPE_A, "198.19.66.53"),
]

TTL = 3600
NEG_TTL = 300


def log(msg):
    sys.stdout.write(time.strftime("%H:%M:%S ") + msg + "\n")
    sys.stdout.flush()


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += struct.pack("!B", len(label)) + label.encode("ascii")
    return out + b"\x00"


def decode_question(msg):
    """Return (qname, qtype, qclass, end offset) or None when malformed.

    Compression is not allowed in a question, so labels are read plainly."""
    off = 12
    labels = []
    while True:
        if off >= len(msg):
            return None
        ln = msg[off]
        off += 1
        if ln == 0:
            break
        if ln > 63 or off + ln > len(msg):
            return None
        labels.append(msg[off:off + ln].decode("ascii", "replace").lower())
        off += ln
    if off + 4 > len(msg):
        return None
    qtype, qclass = struct.unpack("!HH", msg[off:off + 4])
    return (".".join(labels) + ".", qtype, qclass, off + 4)


def rdata(rtype, value):
    if rtype == TYPE_A:
        return socket.inet_aton(value)
    if rtype == TYPE_NS:
        return encode_name(value)
    if rtype == TYPE_TXT:
        raw = value.encode("ascii")
        return struct.pack("!B", len(raw)) + raw
    if rtype == TYPE_SOA:
        return (encode_name(NS_NAME) + encode_name("hostmaster." + ZONE) +
                struct.pack("!IIIII", 2026010101, 3600, 600, 86400, NEG_TTL))
    raise ValueError(rtype)


def rr(name, rtype, value, ttl=TTL):
    rd = rdata(rtype, value)
    return encode_name(name) + struct.pack("!HHIH", rtype, CLASS_IN, ttl, len(rd)) + rd


def soa_rr():
    # Unlike NSD, which already sends min(SOA TTL, MINIMUM) in negative
    # answers, send the SOA TTL (3600) untouched so that a resolver's own
    # RFC 2308 min() with MINIMUM (300) is what the test observes.
    return rr(ZONE, TYPE_SOA, None, TTL)


def in_zone(name):
    return name == ZONE or name.endswith("." + ZONE)


def has_opt(msg, qend):
    """True when the query carries an OPT record in its additional section."""
    arcount = struct.unpack("!H", msg[10:12])[0]
    # A plain query has exactly one additional RR, the OPT, with root owner.
    return arcount == 1 and msg[qend:qend + 3] == b"\x00\x00\x29"


def answer(msg):
    """Build the forge-mode response to msg, or None to drop it."""
    if len(msg) < 12:
        return None
    qid, flags, qdcount = struct.unpack("!HHH", msg[:6])
    if flags & 0x8000 or qdcount != 1:
        return None
    q = decode_question(msg)
    opcode = (flags >> 11) & 0xF
    rd_bit = flags & 0x0100
    if q is None or opcode != 0:
        hdr = struct.pack("!HHHHHH", qid, 0x8000 | rd_bit | 1, 0, 0, 0, 0)
        return hdr
    qname, qtype, qclass, qend = q
    question = msg[12:qend]
    an, ns, ar = [], [], []
    aa = 0x0400
    rcode = 0
    if qclass != CLASS_IN or not in_zone(qname):
        aa, rcode = 0, 5  # REFUSED: not our zone
    elif qname not in RECORDS:
        # Empty non-terminals do not exist in this zone, so this is NXDOMAIN.
        rcode = 3
        ns.append(soa_rr())
    else:
        node = RECORDS[qname]
        if qtype == TYPE_SOA and qname == ZONE:
            an.append(soa_rr())
        elif qtype in node:
            for value in node[qtype]:
                an.append(rr(qname, qtype, value))
            if qname == "www.evil.boltorg.":
                an += [rr(n, t, v) for n, t, v in FORGED_ANSWER]
                ns.append(rr(ZONE, TYPE_NS, NS_NAME))
                ns += [rr(n, t, v) for n, t, v in FORGED_AUTHORITY]
                ar.append(rr(NS_NAME, TYPE_A, NS_ADDR))
                ar += [rr(n, t, v) for n, t, v in FORGED_ADDITIONAL]
        else:
            ns.append(soa_rr())  # NODATA
    if has_opt(msg, qend):
        # OPT: root owner, UDP size 1232, no extended flags.
        ar.append(b"\x00" + struct.pack("!HHIH", TYPE_OPT, 1232, 0, 0))
    hflags = 0x8000 | aa | rd_bit | rcode
    hdr = struct.pack("!HHHHHH", qid, hflags, 1, len(an), len(ns), len(ar))
    return hdr + question + b"".join(an) + b"".join(ns) + b"".join(ar)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=("forge", "silent"), required=True)
    ap.add_argument("--addr", required=True)
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--pidfile", required=True)
    args = ap.parse_args()

    log("%s mode on %s:%d" % (args.mode, args.addr, args.port))
    if args.mode == "silent":
        dnsserve.serve(args.addr, args.port, args.pidfile, lambda msg, transport: None)
    else:
        dnsserve.serve(args.addr, args.port, args.pidfile, lambda msg, transport: answer(msg))


if __name__ == "__main__":
    main()
