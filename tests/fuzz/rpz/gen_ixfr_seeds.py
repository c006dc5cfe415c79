#!/usr/bin/env python3
"""Seeds of fuzz_ixfr (see fuzz_ixfr.c for the input's form), written into
ixfr_seeds/: an incremental IXFR answer from serial 1 (two sequences, split
over messages), an AXFR-style IXFR answer, a single SOA, an AXFR answer,
and a signed NOTIFY. Built with tests/hierarchy/xfrprimary.py's helpers."""
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "hierarchy"))
import xfrprimary as xp  # noqa: E402

Z = "rpz.test."


def soa(serial):
    return (xp.wire_name(Z), xp.T_SOA, 60,
            xp.rdata_of(Z, xp.T_SOA, ["ns", "admin", str(serial), "3600", "60", "86400", "60"]))


def cname(owner, target="."):
    return (xp.wire_name(owner + "." + Z), xp.T_CNAME, 60, xp.rdata_of(Z, xp.T_CNAME, [target]))


def stream(mode, rrs, per=2):
    q = xp.wire_name(Z) + struct.pack("!HH", xp.T_IXFR, 1)
    out = bytes([mode])
    for i in range(0, len(rrs), per):
        chunk = rrs[i:i + per]
        msg = struct.pack("!HHHHHH", 7, 0x8400, 1, len(chunk), 0, 0) + q + \
            b"".join(xp.rr_bytes(r) for r in chunk)
        out += struct.pack("!H", len(msg)) + msg
    return out


www, bad = cname("www.example"), cname("*.bad")
seeds = {
    "incremental": stream(0, [soa(3), soa(1), www, soa(2), cname("new"), soa(2), cname("new"),
                              soa(3), cname("x.example", "rpz-drop."), soa(3)]),
    "axfr-style": stream(0, [soa(2), bad, cname("y"), soa(2)]),
    "single-soa": stream(0, [soa(1)], per=1),
    "axfr": stream(1, [soa(5), www, bad, soa(5)], per=3),
}
key = xp.Key("rpzkey:hmac-sha256:c2VjcmV0")
n = struct.pack("!HHHHHH", 9, 4 << 11, 1, 1, 0, 0) + xp.wire_name(Z) + \
    struct.pack("!HH", xp.T_SOA, 1) + xp.rr_bytes(soa(4))
seeds["notify"] = key.sign(n)[0]
os.makedirs(os.path.join(here, "ixfr_seeds"), exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(here, "ixfr_seeds", name), "wb") as f:
        f.write(data)
