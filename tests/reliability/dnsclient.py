#!/usr/bin/env python3
"""Parallel stub-resolver client for the reliability tests.

Reads "NAME TYPE" lines, sends every query over UDP to SERVER:PORT with up
to --parallel queries in flight, retries lost ones, repeats truncated ones
over TCP, and prints one line per query (in input order):

    NAME TYPE<TAB>RCODE|owner type data/owner type data/...

The answer section is normalised so that two resolvers can be compared:
owners and domain names in the data lower-cased, TTLs left out, records
sorted. A query with no reply after every try prints RCODE NO_ANSWER.

Only the Python standard library is used.
"""
import argparse
import os
import random
import select
import socket
import struct
import sys
import time

TYPES = {'A': 1, 'NS': 2, 'CNAME': 5, 'SOA': 6, 'PTR': 12, 'MX': 15,
         'TXT': 16, 'AAAA': 28, 'SRV': 33, 'DS': 43, 'ANY': 255}
TYPE_NAMES = {v: k for k, v in TYPES.items()}
RCODES = {0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN',
          4: 'NOTIMP', 5: 'REFUSED'}


def encode_name(name):
    out = b''
    for label in name.rstrip('.').split('.'):
        if label:
            raw = label.encode()
            out += bytes([len(raw)]) + raw
    return out + b'\0'


def build_query(qid, name, qtype, edns=1232):
    hdr = struct.pack('!HHHHHH', qid, 0x0100, 1, 0, 0, 1 if edns else 0)
    q = encode_name(name) + struct.pack('!HH', TYPES.get(qtype.upper(), 0)
                                        or int(qtype.upper().lstrip('TYPE')), 1)
    opt = b''
    if edns:
        opt = b'\0' + struct.pack('!HHIH', 41, edns, 0, 0)
    return hdr + q + opt


def read_name(msg, off):
    """Return (name, offset after the name); follows compression pointers."""
    labels = []
    end = None
    hops = 0
    while True:
        if off >= len(msg):
            raise ValueError('name past end')
        ln = msg[off]
        if ln & 0xC0 == 0xC0:
            if off + 1 >= len(msg):
                raise ValueError('pointer past end')
            if end is None:
                end = off + 2
            off = ((ln & 0x3F) << 8) | msg[off + 1]
            hops += 1
            if hops > 64:
                raise ValueError('pointer loop')
            continue
        if ln & 0xC0:
            raise ValueError('bad label')
        off += 1
        if ln == 0:
            break
        labels.append(msg[off:off + ln].decode('latin-1'))
        off += ln
    name = '.'.join(labels).lower() + '.'
    return name, (end if end is not None else off)


def rdata_text(msg, rtype, off, rdlen):
    rd = msg[off:off + rdlen]
    if rtype == 1 and rdlen == 4:
        return socket.inet_ntop(socket.AF_INET, rd)
    if rtype == 28 and rdlen == 16:
        return socket.inet_ntop(socket.AF_INET6, rd)
    if rtype in (2, 5, 12):
        return read_name(msg, off)[0]
    if rtype == 15:
        return '%d %s' % (struct.unpack('!H', rd[:2])[0], read_name(msg, off + 2)[0])
    if rtype == 6:
        mname, o = read_name(msg, off)
        rname, o = read_name(msg, o)
        return '%s %s %d %d %d %d %d' % ((mname, rname) + struct.unpack('!IIIII', msg[o:o + 20]))
    if rtype == 16:
        parts, i = [], 0
        while i < len(rd):
            n = rd[i]
            parts.append('"%s"' % rd[i + 1:i + 1 + n].decode('latin-1'))
            i += 1 + n
        return ' '.join(parts)
    return '\\# %d %s' % (rdlen, rd.hex())


def parse(msg):
    """Return (id, flags, question, rcode name, sorted answer lines)."""
    qid, flags, qd, an, _ns, _ar = struct.unpack('!HHHHHH', msg[:12])
    off = 12
    question = None
    for _ in range(qd):
        qn, off = read_name(msg, off)
        qt, _qc = struct.unpack('!HH', msg[off:off + 4])
        off += 4
        question = (qn, qt)
    answers = []
    for _ in range(an):
        owner, off = read_name(msg, off)
        rtype, _cls, _ttl, rdlen = struct.unpack('!HHIH', msg[off:off + 10])
        off += 10
        if off + rdlen > len(msg):
            raise ValueError('rdata past end')
        answers.append('%s %s %s' % (owner, TYPE_NAMES.get(rtype, 'TYPE%d' % rtype),
                                     rdata_text(msg, rtype, off, rdlen)))
        off += rdlen
    return qid, flags, question, RCODES.get(flags & 0xF, 'RCODE%d' % (flags & 0xF)), sorted(answers)


def tcp_query(server, port, name, qtype, timeout):
    qid = random.randrange(65536)
    wire = build_query(qid, name, qtype, edns=0)
    try:
        with socket.create_connection((server, port), timeout=timeout) as s:
            s.sendall(struct.pack('!H', len(wire)) + wire)
            buf = b''
            while len(buf) < 2 or len(buf) < 2 + struct.unpack('!H', buf[:2])[0]:
                chunk = s.recv(65535)
                if not chunk:
                    return None
                buf += chunk
            return parse(buf[2:2 + struct.unpack('!H', buf[:2])[0]])
    except (OSError, ValueError, struct.error):
        return None


def run(server, port, queries, parallel, timeout, tries):
    fam = socket.AF_INET6 if ':' in server else socket.AF_INET
    sock = socket.socket(fam, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    sock.setblocking(False)
    results = [None] * len(queries)
    todo = list(range(len(queries)))[::-1]
    inflight = {}        # id -> [index, deadline, tries]
    used_ids = set()
    truncated = []
    while todo or inflight:
        now = time.monotonic()
        while todo and len(inflight) < parallel:
            idx = todo.pop()
            qid = random.randrange(65536)
            while qid in inflight:
                qid = random.randrange(65536)
            name, qtype = queries[idx]
            try:
                sock.sendto(build_query(qid, name, qtype), (server, port))
            except BlockingIOError:
                todo.append(idx)
                break
            inflight[qid] = [idx, now + timeout, 1]
        r, _, _ = select.select([sock], [], [], 0.05)
        if r:
            while True:
                try:
                    msg, _src = sock.recvfrom(65535)
                except BlockingIOError:
                    break
                try:
                    qid, flags, question, rcode, answers = parse(msg)
                except (ValueError, struct.error, IndexError):
                    continue
                ent = inflight.get(qid)
                if ent is None:
                    continue
                name, qtype = queries[ent[0]]
                want = (name.lower().rstrip('.') + '.', TYPES.get(qtype.upper(), 0))
                if question is not None and (question[0], question[1]) != want:
                    continue
                del inflight[qid]
                if flags & 0x0200:
                    truncated.append(ent[0])
                else:
                    results[ent[0]] = (rcode, answers)
        now = time.monotonic()
        for qid, ent in list(inflight.items()):
            if ent[1] <= now:
                del inflight[qid]
                if ent[2] < tries:
                    nid = random.randrange(65536)
                    while nid in inflight:
                        nid = random.randrange(65536)
                    name, qtype = queries[ent[0]]
                    try:
                        sock.sendto(build_query(nid, name, qtype), (server, port))
                    except BlockingIOError:
                        pass
                    inflight[nid] = [ent[0], now + timeout, ent[2] + 1]
    for idx in truncated:
        name, qtype = queries[idx]
        p = tcp_query(server, port, name, qtype, timeout * 2)
        if p is not None:
            results[idx] = (p[3], p[4])
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('server')
    ap.add_argument('port', type=int)
    ap.add_argument('queries', help='file of "NAME TYPE" lines')
    ap.add_argument('--parallel', type=int, default=64)
    ap.add_argument('--timeout', type=float, default=3.0)
    ap.add_argument('--tries', type=int, default=3)
    a = ap.parse_args()
    queries = []
    with open(a.queries) as f:
        for line in f:
            w = line.split()
            if len(w) >= 2:
                queries.append((w[0], w[1]))
    results = run(a.server, a.port, queries, a.parallel, a.timeout, a.tries)
    out = sys.stdout
    for (name, qtype), res in zip(queries, results):
        if res is None:
            out.write('%s %s\tNO_ANSWER|\n' % (name, qtype))
        else:
            out.write('%s %s\t%s|%s\n' % (name, qtype, res[0], '/'.join(res[1])))
    return 0


if __name__ == '__main__':
    sys.exit(main())
