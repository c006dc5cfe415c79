#!/usr/bin/env python3
"""Bad input for the running boltdns processes (used by badinput.sh).

  badinput.py ctl SOCKET      control socket: oversized lines, control bytes,
                              binary junk, unterminated quotes, too many
                              words, a peer closing in the middle of a
                              dump_cache reply (plain close and reset)
  badinput.py tcp ADDR PORT   boltdns-cp's TCP/53: junk, zero and huge
                              length prefixes, half messages, responses
  badinput.py udp ADDR PORT   the dataplane's UDP port: truncated headers,
                              junk, compression loops, bad counts, responses

Each check prints "ok ..." or "FAIL ..."; the exit status is the number of
failed checks. After every kind of abuse the server must still answer a
well-formed request.
"""
import os
import random
import socket
import struct
import sys
import time

fails = 0


def ok(msg):
    print('ok   ' + msg)


def bad(msg):
    global fails
    fails += 1
    print('FAIL ' + msg)


def name_wire(name):
    out = b''
    for label in name.rstrip('.').split('.'):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b'\0'


def query(qid, name, qtype=1, flags=0x0100):
    return struct.pack('!HHHHHH', qid, flags, 1, 0, 0, 0) + name_wire(name) + struct.pack('!HH', qtype, 1)


# ---- control socket ----

def ctl_exchange(path, data, shut=True, timeout=5):
    """Send DATA, read until the server closes; return the reply text."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    out = b''
    try:
        try:
            s.sendall(data)
            if shut:
                s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed after an error, before reading all: read the reply
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
    finally:
        s.close()
    return out.decode('utf-8', 'replace')


def ctl_works(path, what):
    try:
        r = ctl_exchange(path, b'status\n')
    except OSError as e:
        bad('%s: status afterwards: %s' % (what, e))
        return
    if r.rstrip('\n').endswith('\nok') and 'region.attached: yes' in r:
        ok('%s: next command works' % what)
    else:
        bad('%s: status afterwards: %r' % (what, r[-200:]))


def expect_error(path, data, what, needle='error: '):
    try:
        r = ctl_exchange(path, data)
    except OSError as e:
        bad('%s: %s' % (what, e))
        return
    last = r.rstrip('\n').split('\n')[-1] if r else ''
    if needle in r and last.startswith('error: '):
        ok('%s: %s' % (what, last))
    else:
        bad('%s: reply %r' % (what, r[-200:]))


def ctl_tests(path):
    expect_error(path, b'A' * 5000 + b'\n', 'line of 5000 bytes', 'too long')
    expect_error(path, b'status ' + b'x' * 100000 + b'\n', 'line of 100 kB', 'too long')
    expect_error(path, b'sta\x01tus\n', 'control byte in a request')
    expect_error(path, b'\x00\xff\xfe garbage \x7f\n', 'binary junk')
    expect_error(path, b'lookup "www.dom1.boltnet A\n', 'unterminated quote')
    expect_error(path, b'lookup a"b A\n', 'quote inside an argument')
    expect_error(path, b'lookup a b c d e f g h i j k\n', 'too many words')
    expect_error(path, b'no_such_command\n', 'unknown command')
    expect_error(path, b'lookup ' + b'a.' * 200 + b' A\n', 'name longer than 255')
    expect_error(path, b'lookup www..dom1.boltnet A\n', 'empty label')
    expect_error(path, b'lookup www.dom1.boltnet NOSUCHTYPE\n', 'unknown type')
    expect_error(path, b'flush_type www.dom1.boltnet\n', 'missing argument')
    expect_error(path, b'verbosity 99\n', 'verbosity out of range')
    expect_error(path, b'verbosity -1\n', 'negative verbosity')
    expect_error(path, b'verbosity 99999999999999999999999\n', 'huge number')
    expect_error(path, b'local_data add "x.example 60 IN A 999.1.1.1"\n', 'bad local record')
    expect_error(path, b'local_data add "x.example notattl A 1.2.3.4"\n', 'bad local TTL')
    expect_error(path, b'local_data remove\n', 'local_data remove without a name')
    expect_error(path, b'json\n', 'json without a command')
    # Many requests on one connection, the last one bad and unterminated.
    r = ctl_exchange(path, b'status\nstatus\nlookup')
    if r.count('\nok\n') + r.startswith('ok\n') >= 2 and r.rstrip('\n').split('\n')[-1].startswith('error: '):
        ok('pipelined requests, last one unterminated and bad')
    else:
        bad('pipelined requests: %r' % r[-200:])
    ctl_works(path, 'after bad requests')

    # A peer that reads a little of a large dump_cache and goes away.
    for i in range(20):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(path)
        s.sendall(b'dump_cache\n')
        got = s.recv(1024 if i % 2 else 8192)
        if i % 2:
            # RST instead of FIN: SO_LINGER with a zero timeout.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        s.close()
        if not got:
            bad('dump_cache %d: no data before the close' % i)
    ok('20 dump_cache readers closed mid-reply')
    # One that never reads at all and keeps the socket open a while.
    idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    idle.connect(path)
    idle.sendall(b'dump_cache\n')
    time.sleep(0.5)
    ctl_works(path, 'with a stalled dump_cache reader')
    idle.close()
    r = ctl_exchange(path, b'dump_cache\n', timeout=30)
    last = r.rstrip('\n').split('\n')[-1] if r else ''
    if last == 'ok' and ' entries' in r:
        ok('a complete dump_cache after the aborted ones (%d lines)' % r.count('\n'))
    else:
        bad('complete dump_cache: %r' % r[-200:])
    ctl_works(path, 'after the aborted dumps')


# ---- TCP/53 ----

def tcp_answer(addr, port, name):
    s = socket.create_connection((addr, port), timeout=5)
    q = query(0x1234, name)
    s.sendall(struct.pack('!H', len(q)) + q)
    buf = b''
    while len(buf) < 2 or len(buf) < 2 + struct.unpack('!H', buf[:2])[0]:
        chunk = s.recv(65535)
        if not chunk:
            break
        buf += chunk
    s.close()
    if len(buf) < 14:
        return None
    msg = buf[2:]
    return struct.unpack('!HHHH', msg[:8])


def tcp_works(addr, port, what):
    try:
        r = tcp_answer(addr, port, 'www.dom1.boltnet')
    except OSError as e:
        bad('%s: TCP query afterwards: %s' % (what, e))
        return
    if r and r[0] == 0x1234 and r[1] & 0x8000 and r[1] & 0xF == 0 and r[3] >= 1:
        ok('%s: a TCP query is answered' % what)
    else:
        bad('%s: TCP query afterwards: %r' % (what, r))


def tcp_send_close(addr, port, data, wait=0.2, rst=False):
    s = socket.create_connection((addr, port), timeout=5)
    try:
        s.sendall(data)
        time.sleep(wait)
        if rst:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        else:
            s.shutdown(socket.SHUT_WR)
            s.settimeout(3)
            try:
                while s.recv(65535):
                    pass
            except OSError:
                pass
    except OSError:
        pass
    finally:
        s.close()


def tcp_tests(addr, port):
    rnd = random.Random(53)
    cases = [
        ('random bytes', bytes(rnd.randrange(256) for _ in range(3000))),
        ('zero length prefix', b'\0\0'),
        ('length prefix 65535, 10 bytes', b'\xff\xff' + b'x' * 10),
        ('one byte', b'\x01'),
        ('length 5, header cut', b'\0\x05abcde'),
        ('response instead of query', struct.pack('!H', 29) + query(1, 'www.dom1.boltnet', flags=0x8180)),
        ('qdcount 0', struct.pack('!H', 12) + struct.pack('!HHHHHH', 7, 0x0100, 0, 0, 0, 0)),
        ('qdcount 5, one question', lambda: (lambda q: struct.pack('!H', len(q)) + q)(
            struct.pack('!HHHHHH', 7, 0x0100, 5, 0, 0, 0) + name_wire('a.b') + b'\0\1\0\1')),
        ('compression loop', lambda: (lambda q: struct.pack('!H', len(q)) + q)(
            struct.pack('!HHHHHH', 7, 0x0100, 1, 0, 0, 0) + b'\xc0\x0c\0\1\0\1')),
        ('label past the end', struct.pack('!H', 15) + struct.pack('!HHHHHH', 7, 0x0100, 1, 0, 0, 0) + b'\x3fab'),
        ('opcode 15', struct.pack('!H', 29) + query(1, 'www.dom1.boltnet', flags=0x7900)),
    ]
    for what, data in cases:
        if callable(data):
            data = data()
        tcp_send_close(addr, port, data)
        tcp_send_close(addr, port, data, rst=True)
    ok('%d kinds of junk on TCP/53, closed and reset' % len(cases))
    # Many connections that send half a message and hang.
    hung = []
    for _ in range(50):
        try:
            s = socket.create_connection((addr, port), timeout=5)
            s.sendall(b'\0\x40abc')
            hung.append(s)
        except OSError:
            break
    tcp_works(addr, port, '%d half-sent connections open' % len(hung))
    for s in hung:
        s.close()
    # Pipelined good queries with junk between.
    s = socket.create_connection((addr, port), timeout=5)
    q = query(0x4242, 'www.dom1.boltnet')  # cached by tcp_works above
    s.sendall(struct.pack('!H', len(q)) + q + b'\0\x03abc' + struct.pack('!H', len(q)) + q)
    s.settimeout(3)
    got = b''
    try:
        while True:
            c = s.recv(65535)
            if not c:
                break
            got += c
    except OSError:
        pass
    s.close()
    # The query before the junk is answered; the junk may end the connection.
    if len(got) >= 14 and struct.unpack('!HH', got[:4])[1] == 0x4242:
        ok('pipelined query, junk, query: the first one answered (%d bytes back)' % len(got))
    else:
        bad('pipelined query, junk, query: %r' % got[:40])
    tcp_works(addr, port, 'after TCP junk')


# ---- UDP to the dataplane ----

def udp_works(addr, port, what):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    for _ in range(3):
        s.sendto(query(0x5151, 'www.dom1.boltnet'), (addr, port))
        try:
            r, _ = s.recvfrom(65535)
        except socket.timeout:
            continue
        if struct.unpack('!H', r[:2])[0] == 0x5151 and r[3] & 0xF == 0 and struct.unpack('!H', r[6:8])[0] >= 1:
            ok('%s: the dataplane still answers' % what)
            return
    bad('%s: no answer from the dataplane' % what)


def udp_tests(addr, port):
    rnd = random.Random(5353)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    hdr = lambda qd, an=0, ns=0, ar=0, flags=0x0100: struct.pack('!HHHHHH', rnd.randrange(65536), flags, qd, an, ns, ar)
    fixed = [
        b'', b'\0', b'\0' * 11, hdr(1), hdr(0), hdr(65535),
        hdr(1) + b'\xc0\x0c\0\1\0\1', hdr(1) + b'\xc0\x0e\0\1\0\1',
        hdr(1) + b'\x3f' + b'a' * 10, hdr(1) + b'\x40abc\0\0\1\0\1',
        hdr(1) + (b'\x3f' + b'a' * 63) * 5 + b'\0\0\1\0\1',
        hdr(1, flags=0x8180) + name_wire('www.dom1.boltnet') + b'\0\1\0\1',
        hdr(1, flags=0x7900) + name_wire('www.dom1.boltnet') + b'\0\1\0\1',
        hdr(1, ar=1) + name_wire('www.dom1.boltnet') + b'\0\1\0\1' + b'\0\0\x29\xff\xff',
        hdr(1, ar=1) + name_wire('www.dom1.boltnet') + b'\0\1\0\1' + b'\0\0\x29\x04\xd0\0\0\0\0\xff\xff',
        hdr(1, ar=2) + name_wire('www.dom1.boltnet') + b'\0\1\0\1' + (b'\0\0\x29\x04\xd0\0\0\0\0\0\0') * 2,
        hdr(1, an=3) + name_wire('www.dom1.boltnet') + b'\0\1\0\1',
        hdr(1) + name_wire('www.dom1.boltnet') + b'\0\1\0\xfe',
        hdr(1) + name_wire('www.dom1.boltnet') + b'\0\xfc\0\1',
        b'\xff' * 1500, b'\0' * 4000,
    ]
    sent = 0
    for _ in range(20):
        for p in fixed:
            s.sendto(p, (addr, port))
            sent += 1
    for _ in range(20000):
        n = rnd.choice([rnd.randrange(12), rnd.randrange(12, 80), rnd.randrange(80, 1500)])
        p = bytes(rnd.randrange(256) for _ in range(n))
        if n >= 12 and rnd.random() < 0.5:
            p = struct.pack('!HHH', rnd.randrange(65536), 0x0100, 1) + p[6:]
        s.sendto(p, (addr, port))
        sent += 1
        if sent % 2000 == 0:
            time.sleep(0.01)
    ok('%d junk datagrams sent to the dataplane' % sent)
    time.sleep(0.5)
    udp_works(addr, port, 'after UDP junk')


def main():
    mode = sys.argv[1]
    if mode == 'ctl':
        ctl_tests(sys.argv[2])
    elif mode == 'tcp':
        tcp_tests(sys.argv[2], int(sys.argv[3]))
    elif mode == 'udp':
        udp_tests(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)
    sys.exit(min(fails, 100))


if __name__ == '__main__':
    main()
