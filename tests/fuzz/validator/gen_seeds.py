#!/usr/bin/env python3
"""Seeds for fuzz_validator from the validator's signed unit-test fixtures.

Usage: gen_seeds.py FIXTURE_DIR OUT_DIR
Each seed is one question against one fixture zone with the zone's records
(RRSIGs, DNSKEYs, DS, NSEC/NSEC3) in the target's input form.
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
    rrs = []
    for line in open(path):
        f = line.split()
        if len(f) < 6 or f[4] != "\\#":
            continue
        rrs.append((f[0], int(f[3][4:]), int(f[1]), bytes.fromhex("".join(f[6:]))))
    return rrs


def seed(op, qtype, qname, zone, rrs, want):
    out = bytes([op, 0]) + struct.pack(">H", qtype) + field(wire(qname)) + field(wire(zone))
    for owner, t, ttl, rd in rrs:
        if want(owner, t, rd):
            out += field(wire(owner)) + struct.pack(">HIH", t, ttl, len(rd)) + rd
    return out


def main():
    fix, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    cases = [
        ("alg8.test", "www.alg8.test", 1, 3),
        ("alg13.test", "www.alg13.test", 1, 3),
        ("alg15.test", "www.alg15.test", 16, 3),
        ("alg16.test", "alg16.test", 48, 2),
        ("nsec.test", "nx.nsec.test", 1, 0),
        ("nsec.test", "x.wild.nsec.test", 1, 0),
        ("nsec.test", "unsec.nsec.test", 43, 0),
        ("nsec3.test", "nx.nsec3.test", 1, 0),
        ("nsec3.test", "www.nsec3.test", 16, 0),
        ("optout.test", "unsec.optout.test", 43, 0),
        ("iter.test", "nx.iter.test", 1, 0),
    ]
    for i, (zone, qname, qtype, op) in enumerate(cases):
        rrs = load(os.path.join(fix, zone + ".zone"))
        q = qname.lower() + "."
        if op:
            # the answer RRset first, then its signatures and the keys
            ans = [r for r in rrs if r[0] == q and r[1] == qtype]
            sig = [r for r in rrs if r[0] == q and r[1] == 46 and struct.unpack(">H", r[3][:2])[0] == qtype]
            keys = [r for r in rrs if r[1] in (48, 43)]
            dsig = [r for r in rrs if r[1] == 46 and struct.unpack(">H", r[3][:2])[0] == 48]
            sel = ans + sig + keys + dsig
        else:
            sel = [r for r in rrs if r[1] in (47, 50)]
        data = seed(op, qtype, qname, zone, sel, lambda o, t, rd: True)
        with open(os.path.join(out, "seed%02d" % i), "wb") as f:
            f.write(data)


main()
