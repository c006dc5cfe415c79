#!/usr/bin/env python3
"""Scriptable primary for zone-transfer tests: SOA, AXFR and IXFR with TSIG
HMAC-SHA256, and a NOTIFY sender. Standard library only (serving loops from
dnsserve.py).

  xfrprimary.py serve --addr ADDR --port PORT --zone NAME --dir DIR
                      --key NAME:SECRET --log FILE --pidfile FILE
      Serves the zone in DIR/zone (re-read when it changes; every version
      seen is kept, so IXFR from any of them is answered with the difference
      sequences of each version since, RFC 1995). A question must be signed
      with the key (else NOTAUTH). Answers are split two records a message,
      every message signed. DIR/mode (re-read at each question), one word:
        ixfr        the default
        axfr-style  IXFR answered with the whole zone
        single-soa  IXFR answered with the current SOA alone
        refuse      IXFR answered REFUSED (AXFR still served)
        notimp      IXFR answered NOTIMP
        truncate    IXFR answer cut after its first message (connection closed)
        badsig      IXFR answer signed with another secret
        huge        IXFR answer with 260 000 TXT records of 255 bytes more
                    in its additions (~70 MiB of changes, 200 records a
                    message)
      Every question is logged: EPOCH TRANSPORT QTYPE FROM-SERIAL ACTION.
  xfrprimary.py notify --server ADDR --port PORT --zone NAME --serial N
                       [--key NAME:SECRET] [--src ADDR] [--tcp] [--count N]
      Sends a NOTIFY (with the zone's SOA serial N in the answer section),
      signed when a key is given, from --src; prints the answer's rcode
      (NOERROR, REFUSED, NOTAUTH, ...) or "timeout".

Zone file: one record a line, "OWNER TTL TYPE RDATA", OWNER relative to
the zone unless it ends in '.', '@' the apex; TYPE SOA (MNAME RNAME SERIAL
REFRESH RETRY EXPIRE MINIMUM), NS, CNAME, A, AAAA or TXT; '#' comments.
"""

import argparse
import base64
import hashlib
import hmac
import os
import random
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dnsserve  # noqa: E402

T_SOA, T_NS, T_CNAME, T_A, T_AAAA, T_TXT = 6, 2, 5, 1, 28, 16
T_TSIG, T_IXFR, T_AXFR = 250, 251, 252
TYPES = {"SOA": T_SOA, "NS": T_NS, "CNAME": T_CNAME, "A": T_A, "AAAA": T_AAAA, "TXT": T_TXT}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP",
          5: "REFUSED", 9: "NOTAUTH"}
ALG = b"\x0bhmac-sha256\x00"
FUDGE = 300
PER_MSG = 2


def wire_name(text):
    text = text.rstrip(".")
    out = b""
    for label in text.split(".") if text else []:
        out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def skip_name(msg, pos):
    while True:
        n = msg[pos]
        if n == 0:
            return pos + 1
        if n & 0xC0 == 0xC0:
            return pos + 2
        pos += 1 + n


def read_name(msg, pos):
    """The name at pos (lower case, uncompressed wire) and the position after it."""
    out, end = b"", None
    for _ in range(128):
        n = msg[pos]
        if n & 0xC0 == 0xC0:
            if end is None:
                end = pos + 2
            pos = ((n & 0x3F) << 8) | msg[pos + 1]
            continue
        out += bytes([n]) + msg[pos + 1:pos + 1 + n].lower()
        pos += 1 + n
        if n == 0:
            break
    return out, (end if end is not None else pos)


# ---- the zone ----

def rdata_of(zone, rtype, fields):
    def absname(t):
        return wire_name(t if t.endswith(".") else t + "." + zone)
    if rtype == T_SOA:
        return absname(fields[0]) + absname(fields[1]) + struct.pack(
            "!IIIII", *[int(f) for f in fields[2:7]])
    if rtype in (T_NS, T_CNAME):
        return wire_name(fields[0]) if fields[0] == "." else absname(fields[0])
    if rtype == T_A:
        return socket.inet_pton(socket.AF_INET, fields[0])
    if rtype == T_AAAA:
        return socket.inet_pton(socket.AF_INET6, fields[0])
    if rtype == T_TXT:
        t = " ".join(fields).strip('"').encode()
        return bytes([len(t)]) + t
    raise ValueError("type")


def load_zone(path, zone):
    """(serial, SOA record, set of other records); a record is
    (owner wire, type, ttl, rdata)."""
    soa, recs = None, set()
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            p = line.split()
            owner = zone if p[0] == "@" else p[0] if p[0].endswith(".") else p[0] + "." + zone
            rtype = TYPES[p[2].upper()]
            rec = (wire_name(owner), rtype, int(p[1]), rdata_of(zone, rtype, p[3:]))
            if rtype == T_SOA:
                soa = rec
            else:
                recs.add(rec)
    serial = struct.unpack("!I", soa[3][-20:-16])[0]
    return serial, soa, frozenset(recs)


def rr_bytes(rec):
    owner, rtype, ttl, rdata = rec
    return owner + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


# ---- TSIG (RFC 8945) ----

class Key:
    def __init__(self, text):
        name, alg, secret = text.split(":", 2)
        assert alg.lower() == "hmac-sha256"
        self.name = wire_name(name.lower())
        self.secret = base64.b64decode(secret)

    def variables(self, t, full, error=0):
        v = b""
        if full:
            v += self.name + struct.pack("!HI", 255, 0) + ALG
        v += struct.pack("!HIH", t >> 32, t & 0xFFFFFFFF, FUDGE)
        if full:
            v += struct.pack("!HH", error, 0)
        return v

    def mac(self, data, secret=None):
        return hmac.new(secret or self.secret, data, hashlib.sha256).digest()

    def sign(self, msg, prior=None, full=True, secret=None):
        """msg with a TSIG record appended; and its MAC."""
        t = int(time.time())
        pre = struct.pack("!H", len(prior)) + prior if prior is not None else b""
        mac = self.mac(pre + msg + self.variables(t, full), secret)
        rdata = ALG + struct.pack("!HIHH", t >> 32, t & 0xFFFFFFFF, FUDGE, len(mac)) + mac + \
            msg[0:2] + struct.pack("!HH", 0, 0)
        rr = self.name + struct.pack("!HHIH", T_TSIG, 255, 0, len(rdata)) + rdata
        arcount = struct.unpack("!H", msg[10:12])[0] + 1
        return msg[:10] + struct.pack("!H", arcount) + msg[12:] + rr, mac

    def verify(self, msg):
        """The request's MAC when its last record is a TSIG of this key
        that verifies, else None."""
        qd, an, ns, ar = struct.unpack("!HHHH", msg[4:12])
        if ar == 0:
            return None
        pos = 12
        for _ in range(qd):
            pos = skip_name(msg, pos) + 4
        last = None
        for _ in range(an + ns + ar):
            last = pos
            pos = skip_name(msg, pos)
            rdlen = struct.unpack("!H", msg[pos + 8:pos + 10])[0]
            pos += 10 + rdlen
        owner, p = read_name(msg, last)
        if struct.unpack("!H", msg[p:p + 2])[0] != T_TSIG or owner != self.name:
            return None
        rd = p + 10
        alg, q = read_name(msg, rd)
        hi, lo, fudge, macl = struct.unpack("!HIHH", msg[q:q + 10])
        mac = msg[q + 10:q + 10 + macl]
        orig = msg[q + 10 + macl:q + 12 + macl]
        body = orig + msg[2:10] + struct.pack("!H", ar - 1) + msg[12:last]
        t = (hi << 32) | lo
        want = self.mac(body + self.variables(t, True))
        if not hmac.compare_digest(want, mac) or abs(time.time() - t) > fudge:
            return None
        return mac


# ---- serving ----

class Primary:
    def __init__(self, args):
        self.zone = args.zone.rstrip(".") + "."
        self.zwire = wire_name(self.zone)
        self.dir = args.dir
        self.key = Key(args.key)
        self.logf = open(args.log, "a", buffering=1)
        self.lock = threading.Lock()
        self.stamp = None
        self.versions = []  # (serial, soa, records), oldest first
        self.reload()

    def reload(self):
        path = os.path.join(self.dir, "zone")
        st = os.stat(path)
        stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
        if stamp == self.stamp:
            return
        self.stamp = stamp
        v = load_zone(path, self.zone)
        if not self.versions or self.versions[-1][0] != v[0]:
            self.versions.append(v)

    def mode(self):
        try:
            with open(os.path.join(self.dir, "mode")) as f:
                return f.read().strip() or "ixfr"
        except OSError:
            return "ixfr"

    def log(self, transport, qtype, frm, action):
        self.logf.write("%.6f %s %s %s %s\n" % (time.time(), transport, qtype, frm, action))

    def messages(self, query, rrs, qtype, prior, bad=False, cut=False, per=PER_MSG):
        """The answer stream: per records a message, each signed."""
        qend = skip_name(query, 12) + 4
        question = query[12:qend]
        out, mac = [], prior
        chunks = [rrs[i:i + per] for i in range(0, len(rrs), per)] or [[]]
        secret = os.urandom(32) if bad else None
        for i, chunk in enumerate(chunks):
            hdr = query[0:2] + struct.pack("!HHHHH", 0x8400, 1, len(chunk), 0, 0)
            msg = hdr + question + b"".join(rr_bytes(r) for r in chunk)
            msg, mac = self.key.sign(msg, mac, full=(i == 0), secret=secret)
            out.append(msg)
            if cut:
                return out + [None]
        return out

    def error(self, query, rcode, prior=None):
        qend = skip_name(query, 12) + 4
        msg = query[0:2] + struct.pack("!HHHHH", 0x8000 | rcode, 1, 0, 0, 0) + query[12:qend]
        return self.key.sign(msg, prior)[0] if prior is not None else msg

    def respond(self, query, transport):
        flags = struct.unpack("!H", query[2:4])[0]
        if flags & 0x8000 or (flags >> 11) & 0xF != 0:
            return None
        qname, p = read_name(query, 12)
        qtype = struct.unpack("!H", query[p:p + 2])[0]
        frm = "-"
        if qtype == T_IXFR:
            # The client's SOA in the authority section.
            pos = p + 4
            for _ in range(struct.unpack("!H", query[6:8])[0]):
                pos = skip_name(query, pos)
                pos += 10 + struct.unpack("!H", query[pos + 8:pos + 10])[0]
            pos = skip_name(query, pos)
            rdlen = struct.unpack("!H", query[pos + 8:pos + 10])[0]
            rdata = query[pos + 10:pos + 10 + rdlen]
            frm = struct.unpack("!I", rdata[-20:-16])[0]
        tname = {T_SOA: "SOA", T_IXFR: "IXFR", T_AXFR: "AXFR"}.get(qtype, str(qtype))
        mac = self.key.verify(query)
        if mac is None:
            self.log(transport, tname, frm, "notauth")
            return self.error(query, 9)
        with self.lock:
            self.reload()
            serial, soa, recs = self.versions[-1]
            mode = self.mode()
            if qname != self.zwire:
                self.log(transport, tname, frm, "refused")
                return self.error(query, 5, mac)
            if qtype == T_SOA:
                self.log(transport, tname, frm, "soa")
                return self.messages(query, [soa], qtype, mac)[0]
            if qtype == T_AXFR:
                self.log(transport, tname, frm, "axfr %d" % serial)
                return self.messages(query, [soa] + sorted(recs) + [soa], qtype, mac)
            if qtype != T_IXFR:
                return self.error(query, 4, mac)
            if mode in ("refuse", "notimp"):
                self.log(transport, tname, frm, mode)
                return self.error(query, 5 if mode == "refuse" else 4, mac)
            known = [v[0] for v in self.versions]
            if frm == serial or mode == "single-soa":
                self.log(transport, tname, frm, "single-soa %d" % serial)
                return self.messages(query, [soa], qtype, mac)
            if mode == "axfr-style" or frm not in known:
                self.log(transport, tname, frm, "axfr-style %d" % serial)
                return self.messages(query, [soa] + sorted(recs) + [soa], qtype, mac)
            rrs = [soa]
            i = known.index(frm)
            for old, new in zip(self.versions[i:], self.versions[i + 1:]):
                rrs += [old[1]] + sorted(old[2] - new[2]) + [new[1]] + sorted(new[2] - old[2])
            per = PER_MSG
            if mode == "huge":
                pad = (b"\x03pad" + self.zwire, T_TXT, 60, b"\xff" + b"x" * 255)
                rrs += [pad] * 260000
                per = 200
            rrs.append(soa)
            self.log(transport, tname, frm, "%s %d->%d" % (
                "ixfr" if mode == "ixfr" else mode, frm, serial))
            return self.messages(query, rrs, qtype, mac, bad=(mode == "badsig"),
                                 cut=(mode == "truncate"), per=per)


def serve(args):
    prim = Primary(args)
    dnsserve.serve(args.addr, args.port, args.pidfile, prim.respond)


def notify(args):
    zone = args.zone.rstrip(".") + "."
    zw = wire_name(zone)
    soa = (zw, T_SOA, 60, rdata_of(zone, T_SOA, ["ns", "admin", str(args.serial), "3600", "1",
                                                 "86400", "60"]))
    for _ in range(args.count):
        qid = random.randrange(65536)
        msg = struct.pack("!HHHHHH", qid, (4 << 11) | 0x0400, 1, 1, 0, 0) + zw + \
            struct.pack("!HH", T_SOA, 1) + rr_bytes(soa)
        if args.key:
            msg = Key(args.key).sign(msg)[0]
        fam = socket.AF_INET6 if ":" in args.server else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM if args.tcp else socket.SOCK_DGRAM)
        s.settimeout(3)
        if args.src:
            s.bind((args.src, 0))
        try:
            if args.tcp:
                s.connect((args.server, args.port))
                s.sendall(struct.pack("!H", len(msg)) + msg)
                ln = struct.unpack("!H", dnsserve._recv_exact(s, 2))[0]
                resp = dnsserve._recv_exact(s, ln)
            else:
                s.sendto(msg, (args.server, args.port))
                resp = s.recv(65535)
                while resp[0:2] != msg[0:2]:
                    resp = s.recv(65535)
        except (OSError, TypeError):
            print("timeout")
            continue
        finally:
            s.close()
        print(RCODES.get(struct.unpack("!H", resp[2:4])[0] & 0xF, "rcode?"))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("serve")
    for a in ("--addr", "--zone", "--dir", "--key", "--log", "--pidfile"):
        s.add_argument(a, required=True)
    s.add_argument("--port", type=int, default=53)
    n = sub.add_parser("notify")
    for a in ("--server", "--zone"):
        n.add_argument(a, required=True)
    n.add_argument("--port", type=int, default=53)
    n.add_argument("--serial", type=int, required=True)
    n.add_argument("--key")
    n.add_argument("--src")
    n.add_argument("--tcp", action="store_true")
    n.add_argument("--count", type=int, default=1)
    args = ap.parse_args()
    serve(args) if args.cmd == "serve" else notify(args)


if __name__ == "__main__":
    main()
