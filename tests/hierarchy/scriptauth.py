#!/usr/bin/env python3
"""Scriptable authoritative name server for the boltdns test hierarchy.

Standard library only. Serves the zones of a rules file on ADDR port 53 (UDP
and TCP, IPv4 or IPv6) and answers per (name, type) as the rules say: an
rcode, silence, an upward or sideways referral, records of the wrong type,
a negative answer without SOA, ... ; everything else like a plain
authoritative server (referrals with glue at zone cuts, CNAME, DNAME with a
synthesised CNAME, NODATA/NXDOMAIN with the SOA, empty non-terminals).

Every query received is logged, one line, to the query log (--log):
    EPOCH TRANSPORT QNAME QTYPE EDNS ACTION
    1764892800.123456 udp www.mis.boltnet. A edns answer
TRANSPORT is udp|tcp, EDNS is edns|noedns (an OPT record in the query),
ACTION what the server did (answer, referral, nxdomain, nodata, servfail,
drop, ...). Tests read it to assert which queries a resolver sent.

The rules file is re-read when its modification time changes, so a test can
change a server's behaviour while it runs (write a new file, then mv it).

Rules file (one statement a line, '#' starts a comment):
    option noedns      FORMERR (without OPT) to every query that has an OPT
    option noaa        answers without the AA bit (an intercepting resolver)
    option negns       negative answers carry the apex NS set after the SOA
    option authns      positive answers carry the apex NS set in authority
                       and its in-zone addresses in additional
    option delay MS    answer MS milliseconds late (a far-away server)
    zone NAME          the following records belong to zone NAME
    soa MNAME RNAME SERIAL REFRESH RETRY EXPIRE MINIMUM [TTL]
                       SOA of the zone (TTL default 3600; sent as is in
                       negative answers, no min() with MINIMUM)
    OWNER TTL TYPE RDATA...
                       a record; OWNER relative to the zone unless it ends
                       in '.', '@' is the apex. TYPE: A AAAA NS CNAME DNAME
                       TXT MX PTR HINFO DS. NS below the apex is a cut.
    rule NAME TYPE ACTION [ARG...]
                       NAME: a name, '*' (any) or '*.SUFFIX' (below SUFFIX);
                       TYPE: a mnemonic, TYPEnn or '*'. First match wins.
Actions:
    servfail | refused | notimp | formerr   that rcode, question only, no AA
    nxdomain | nodata                       with the SOA
    nxdomain-nosoa | nodata-nosoa           negative answer without SOA
    drop                                    never answer (a timeout)
    dropfirst N                             drop the first N, then answer
    upward                                  referral to the root (. NS
                                            a.root.boltnet, b.root.boltnet
                                            with glue), no AA
    sideways ZONE NSNAME ADDR               referral to ZONE (not below this
                                            zone) with NSNAME ADDR as glue
    alltypes                                the answer holds every RRset of
                                            the name, whatever the type asked
    nocname                                 DNAME answer without the
                                            synthesised CNAME
    emptynoaa                               NOERROR, no records, no AA
    answer                                  answer normally (to override a
                                            later, broader rule)

Usage: scriptauth.py --addr ADDR --rules FILE --log FILE --pidfile FILE
                     [--port 53]
"""

import argparse
import os
import shlex
import socket
import struct
import sys
import threading
import time

import dnsserve  # beside this script

TYPES = {
    "A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "HINFO": 13, "MX": 15,
    "TXT": 16, "AAAA": 28, "DS": 43, "OPT": 41, "DNAME": 39, "HTTPS": 65,
    "SVCB": 64, "IXFR": 251, "AXFR": 252, "ANY": 255, "DNSKEY": 48,
    "RRSIG": 46, "NSEC": 47, "SRV": 33, "CAA": 257,
}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
T_A, T_NS, T_CNAME, T_SOA, T_AAAA, T_DS, T_DNAME, T_OPT = 1, 2, 5, 6, 28, 43, 39, 41
RCODES = {"noerror": 0, "formerr": 1, "servfail": 2, "nxdomain": 3, "notimp": 4, "refused": 5}
ROOT_SERVERS = [("a.root.boltnet.", "198.18.1.1"), ("b.root.boltnet.", "198.18.1.2")]


def type_code(s):
    s = s.upper()
    if s in TYPES:
        return TYPES[s]
    if s.startswith("TYPE") and s[4:].isdigit():
        return int(s[4:])
    raise ValueError("unknown type " + s)


def type_name(t):
    return TYPE_NAMES.get(t, "TYPE%d" % t)


def fqdn(name, origin):
    name = name.lower()
    if name == "@":
        return origin
    if name.endswith("."):
        return name
    return name + "." + origin if origin != "." else name + "."


def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        if label:
            raw = label.encode("ascii")
            out += struct.pack("!B", len(raw)) + raw
    return out + b"\x00"


def is_below(name, zone):
    """name is zone or below it."""
    return zone == "." or name == zone or name.endswith("." + zone)


def parent(name):
    if name == ".":
        return None
    rest = name.split(".", 1)[1]
    return rest if rest else "."


def rdata(rtype, fields, origin):
    if rtype == T_A:
        return socket.inet_pton(socket.AF_INET, fields[0])
    if rtype == T_AAAA:
        return socket.inet_pton(socket.AF_INET6, fields[0])
    if rtype in (T_NS, T_CNAME, T_DNAME, TYPES["PTR"]):
        return encode_name(fqdn(fields[0], origin))
    if rtype == TYPES["MX"]:
        return struct.pack("!H", int(fields[0])) + encode_name(fqdn(fields[1], origin))
    if rtype in (TYPES["TXT"], TYPES["HINFO"]):
        out = b""
        for f in fields:
            raw = f.strip('"').encode("ascii")
            out += struct.pack("!B", len(raw)) + raw
        return out
    if rtype == T_DS:
        return struct.pack("!HBB", int(fields[0]), int(fields[1]), int(fields[2])) + \
            bytes.fromhex("".join(fields[3:]))
    if rtype == T_SOA:
        return (encode_name(fqdn(fields[0], origin)) + encode_name(fqdn(fields[1], origin)) +
                struct.pack("!IIIII", *[int(x) for x in fields[2:7]]))
    raise ValueError("no rdata encoder for type %d" % rtype)


class Zone:
    def __init__(self, name):
        self.name = name
        self.soa = None          # (ttl, rdata bytes)
        self.nodes = {}          # owner -> {type: (ttl, [rdata bytes])}
        self.targets = {}        # owner -> {type: [target name]} for NS/CNAME/DNAME

    def add(self, owner, ttl, rtype, rd, target=None):
        node = self.nodes.setdefault(owner, {})
        ttl0, rds = node.get(rtype, (ttl, []))
        rds.append(rd)
        node[rtype] = (min(ttl0, ttl), rds)
        if target is not None:
            self.targets.setdefault(owner, {}).setdefault(rtype, []).append(target)


class Rules:
    def __init__(self, path):
        self.path = path
        self.mtime = None
        self.options = set()
        self.zones = []
        self.rules = []
        self.counters = {}
        self.delay = 0.0
        self.lock = threading.Lock()
        self.reload()

    def reload(self):
        try:
            st = os.stat(self.path)
        except OSError:
            return
        if self.mtime == st.st_mtime_ns:
            return
        options, zones, rules, delay = set(), [], [], 0.0
        zone = None
        with open(self.path) as f:
            for lineno, line in enumerate(f, 1):
                w = shlex.split(line, comments=True)
                if not w:
                    continue
                try:
                    if w[0] == "option":
                        options.add(w[1])
                        if w[1] == "delay":
                            delay = int(w[2]) / 1000.0
                    elif w[0] == "zone":
                        zone = Zone(fqdn(w[1], "."))
                        zones.append(zone)
                    elif w[0] == "soa":
                        ttl = int(w[8]) if len(w) > 8 else 3600
                        zone.soa = (ttl, rdata(T_SOA, w[1:8], zone.name))
                    elif w[0] == "rule":
                        name = w[1].lower()
                        if name not in ("*",) and not name.endswith("."):
                            name += "."
                        rtype = None if w[2] == "*" else type_code(w[2])
                        rules.append((name, rtype, w[3].lower(), w[4:]))
                    else:
                        owner = fqdn(w[0], zone.name)
                        ttl = int(w[1])
                        rtype = type_code(w[2])
                        rd = rdata(rtype, w[3:], zone.name)
                        target = fqdn(w[3], zone.name) if rtype in (T_NS, T_CNAME, T_DNAME) else None
                        zone.add(owner, ttl, rtype, rd, target)
                except (IndexError, ValueError, AttributeError, OSError) as exc:
                    raise SystemExit("%s:%d: %s" % (self.path, lineno, exc))
        # Longest zone first, so the deepest zone of a name is found first.
        zones.sort(key=lambda z: -len(z.name))
        with self.lock:
            self.options, self.zones, self.rules, self.delay = options, zones, rules, delay
            self.counters = {}
            self.mtime = st.st_mtime_ns

    def match(self, qname, qtype):
        for i, (name, rtype, action, args) in enumerate(self.rules):
            if rtype is not None and rtype != qtype:
                continue
            if name == "*" or name == qname or \
                    (name.startswith("*.") and qname.endswith(name[1:])):
                return i, action, args
        return None, "answer", []


def rr(owner, rtype, ttl, rd):
    return encode_name(owner) + struct.pack("!HHIH", rtype, 1, ttl, len(rd)) + rd


def rrset(zone, owner, rtype):
    node = zone.nodes.get(owner, {})
    if rtype not in node:
        return []
    ttl, rds = node[rtype]
    return [rr(owner, rtype, ttl, rd) for rd in rds]


def glue(zone, nsnames):
    out = []
    for n in nsnames:
        if is_below(n, zone.name):
            out += rrset(zone, n, T_A) + rrset(zone, n, T_AAAA)
    return out


def decode_question(msg):
    off, labels = 12, []
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
    return (".".join(labels) + "." if labels else "."), qtype, qclass, off + 4


def find_opt(msg, qend):
    """(has OPT, requested UDP size) from the additional section; the
    answer and authority sections of a query are empty."""
    ancount, nscount, arcount = struct.unpack("!HHH", msg[6:12])
    if arcount == 0 or ancount or nscount:
        return False, 512
    off = qend
    for _ in range(arcount):
        if off >= len(msg):
            break
        if msg[off] == 0 and off + 11 <= len(msg):
            rtype, size = struct.unpack("!HH", msg[off + 1:off + 5])
            if rtype == T_OPT:
                return True, max(512, size)
        break
    return False, 512


class Server:
    def __init__(self, rules, logpath):
        self.rules = rules
        self.log = open(logpath, "a", buffering=1)
        self.log_lock = threading.Lock()

    def logq(self, transport, qname, qtype, edns, action):
        with self.log_lock:
            self.log.write("%.6f %s %s %s %s %s\n" % (time.time(), transport, qname,
                                                      type_name(qtype), "edns" if edns else "noedns",
                                                      action))

    def respond(self, msg, transport):
        """The response bytes to msg, or None to stay silent."""
        if len(msg) < 12:
            return None
        qid, flags, qdcount = struct.unpack("!HHH", msg[:6])
        if flags & 0x8000:
            return None
        rd_bit = flags & 0x0100
        opcode = (flags >> 11) & 0xF
        q = decode_question(msg) if qdcount == 1 else None
        if q is None or opcode != 0:
            return struct.pack("!HHHHHH", qid, 0x8000 | (opcode << 11) | rd_bit | (4 if opcode else 1), 0, 0, 0, 0)
        qname, qtype, qclass, qend = q
        question = msg[12:qend]
        edns, bufsize = find_opt(msg, qend)
        self.rules.reload()
        with self.rules.lock:
            opts = self.rules.options
            zones = self.rules.zones
            idx, action, args = self.rules.match(qname, qtype)
            if action == "dropfirst":
                n = self.rules.counters.get(idx, 0)
                self.rules.counters[idx] = n + 1
                action = "drop" if n < int(args[0]) else "answer"

        def out(rcode, an=(), ns=(), ar=(), aa=True, what=None, with_opt=True):
            self.logq(transport, qname, qtype, edns, what or action)
            ar = list(ar)
            if edns and with_opt:
                ar.append(b"\x00" + struct.pack("!HHIH", T_OPT, 1232, 0, 0))
            aa_bit = 0x0400 if aa and "noaa" not in opts else 0
            hdr = struct.pack("!HHHHHH", qid, 0x8000 | aa_bit | rd_bit | rcode,
                              1, len(an), len(ns), len(ar))
            resp = hdr + question + b"".join(an) + b"".join(ns) + b"".join(ar)
            limit = min(bufsize, 1232) if edns else 512
            if transport == "udp" and len(resp) > limit:
                opt = [ar[-1]] if edns and with_opt else []
                hdr = struct.pack("!HHHHHH", qid, 0x8000 | 0x0200 | aa_bit | rd_bit | rcode,
                                  1, 0, 0, len(opt))
                resp = hdr + question + b"".join(opt)
            return resp

        if "noedns" in opts and edns:
            return out(1, aa=False, what="formerr-edns", with_opt=False)
        if action == "drop":
            self.logq(transport, qname, qtype, edns, "drop")
            return None
        if action in ("servfail", "refused", "notimp", "formerr"):
            return out(RCODES[action], aa=False)
        if action == "upward":
            ns = [rr(".", T_NS, 518400, encode_name(n)) for n, _ in ROOT_SERVERS]
            ar = [rr(n, T_A, 518400, socket.inet_aton(a)) for n, a in ROOT_SERVERS]
            return out(0, ns=ns, ar=ar, aa=False)
        if action == "sideways":
            zname, nsname, addr = fqdn(args[0], "."), fqdn(args[1], "."), args[2]
            fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
            ns = [rr(zname, T_NS, 3600, encode_name(nsname))]
            ar = [rr(nsname, T_AAAA if fam == socket.AF_INET6 else T_A, 3600, socket.inet_pton(fam, addr))]
            return out(0, ns=ns, ar=ar, aa=False)

        zone = next((z for z in zones if is_below(qname, z.name)), None)
        if zone is None or qclass != 1:
            return out(5, aa=False, what="refused-notzone")

        def neg(rcode, what):
            ns = []
            # Without the SOA, no NS set either: NOERROR + NS alone would be
            # a referral, not a negative answer.
            if not action.endswith("-nosoa") and zone.soa:
                ns.append(rr(zone.name, T_SOA, zone.soa[0], zone.soa[1]))
                if "negns" in opts:
                    ns += rrset(zone, zone.name, T_NS)
            return out(rcode, ns=ns, what=what + ("-nosoa" if action.endswith("-nosoa") else ""))

        if action == "emptynoaa":
            return out(0, aa=False)
        if action in ("nxdomain", "nxdomain-nosoa"):
            return neg(3, "nxdomain")
        if action in ("nodata", "nodata-nosoa"):
            return neg(0, "nodata")

        # A zone cut between the apex and the name: referral (DS at the cut
        # itself is answered here, on the parent side).
        cuts = []
        n = qname
        while n != zone.name and n is not None:
            cuts.append(n)
            n = parent(n)
        for c in reversed(cuts):
            if T_NS in zone.nodes.get(c, {}) and not (qtype == T_DS and c == qname):
                nsnames = zone.targets[c][T_NS]
                return out(0, ns=rrset(zone, c, T_NS), ar=glue(zone, nsnames), aa=False, what="referral")
            if T_DNAME in zone.nodes.get(c, {}) and c != qname:
                target = zone.targets[c][T_DNAME][0]
                new = qname[:-len(c)] + target if target != "." else qname[:-len(c)]
                an = rrset(zone, c, T_DNAME)
                if action != "nocname":
                    an.append(rr(qname, T_CNAME, zone.nodes[c][T_DNAME][0], encode_name(new)))
                return out(0, an=an, what="dname")

        node = zone.nodes.get(qname)
        if node is None:
            if any(o.endswith("." + qname) for o in zone.nodes):
                return neg(0, "nodata-ent")
            return neg(3, "nxdomain")
        auth, add = [], []
        if "authns" in opts:
            auth = rrset(zone, zone.name, T_NS)
            add = glue(zone, zone.targets.get(zone.name, {}).get(T_NS, []))
        if action == "alltypes":
            an = []
            for t in node:
                an += rrset(zone, qname, t)
            return out(0, an=an, ns=auth, ar=add)
        if qtype == T_SOA and qname == zone.name and zone.soa:
            return out(0, an=[rr(zone.name, T_SOA, zone.soa[0], zone.soa[1])], ns=auth, ar=add)
        if qtype == TYPES["ANY"]:
            an = []
            for t in node:
                an += rrset(zone, qname, t)
            return out(0, an=an, what="any")
        if qtype == T_NS and qname == zone.name:
            # Like real servers: the addresses of the zone's own NS names.
            return out(0, an=rrset(zone, qname, T_NS), ar=glue(zone, zone.targets[qname][T_NS]))
        if qtype in node:
            return out(0, an=rrset(zone, qname, qtype), ns=auth, ar=add)
        if T_CNAME in node:
            an = rrset(zone, qname, T_CNAME)
            target = zone.targets[qname][T_CNAME][0]
            if is_below(target, zone.name):
                an += rrset(zone, target, qtype)
            return out(0, an=an, what="cname")
        return neg(0, "nodata")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--addr", required=True)
    ap.add_argument("--port", type=int, default=53)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--pidfile", required=True)
    args = ap.parse_args()

    rules = Rules(args.rules)
    if rules.mtime is None:
        raise SystemExit("cannot read " + args.rules)
    server = Server(rules, args.log)
    sys.stdout.write("scriptauth on %s:%d, rules %s\n" % (args.addr, args.port, args.rules))
    sys.stdout.flush()
    dnsserve.serve(args.addr, args.port, args.pidfile, server.respond,
                   lambda: server.rules.delay)


if __name__ == "__main__":
    main()
