#!/usr/bin/env python3
"""Seeds for fuzz_cp_aggr from the validator's signed unit-test fixtures.

Usage: gen_seeds_aggr.py FIXTURE_DIR OUT_DIR
Each seed is what a secure negative answer of one fixture zone carries (the
SOA, NSEC or NSEC3 records, their RRSIGs and the SOA's) with one question,
in the input form of fuzz_validator (which fuzz_cp_aggr shares).
"""
import os
import struct
import sys


def wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def field(b):
    return bytes([len(b)]) + b


def load(path):
    """The records of a fixture zone (RFC 3597 generic form, as gen.sh writes it)."""
    rrs = []
    for line in open(path):
        f = line.split()
        if len(f) < 6 or f[4] != "\\#":
            continue
        rrs.append((f[0], int(f[3][4:]), int(f[1]), bytes.fromhex("".join(f[6:]))))
    return rrs


def covered(rd):
    return struct.unpack(">H", rd[:2])[0] if len(rd) >= 2 else 0


def main():
    fix, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    cases = [
        # zone, denial type, question, qtype, op (bit 0: small memory bound), skew
        ("nsec.test", 47, "nx.nsec.test", 1, 0, 0),
        ("nsec.test", 47, "x.wild.nsec.test", 28, 2, 0),
        ("nsec.test", 47, "b.nsec.test", 1, 1, 1),
        ("nsec.test", 47, "unsec.nsec.test", 43, 4, 0),
        ("nsec3.test", 50, "nx.nsec3.test", 1, 0, 0),
        ("nsec3.test", 50, "x.y.nsec3.test", 16, 3, 0),
        ("optout.test", 50, "nx.optout.test", 1, 0, 0),
        ("iter.test", 50, "nx.iter.test", 1, 0, 1),
    ]
    for i, (zone, dtype, qname, qtype, op, skew) in enumerate(cases):
        rrs = load(os.path.join(fix, zone + ".zone"))
        data = bytes([op, skew]) + struct.pack(">H", qtype) + field(wire(qname)) + field(wire(zone))
        for owner, t, ttl, rd in rrs:
            if t in (6, dtype) or (t == 46 and covered(rd) in (6, dtype)):
                data += field(wire(owner)) + struct.pack(">HIH", t, ttl, len(rd)) + rd
        with open(os.path.join(out, "seed%02d" % i), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
