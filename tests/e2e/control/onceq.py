#!/usr/bin/env python3
"""Ask each question exactly once, each from a socket (source port) of its
own, and count the responses every query gets.

    onceq.py SERVER PORT [--rate QPS] [--timeout S] < "NAME TYPE" lines

Queries go out at --rate per second (0: all at once); the client then waits
until every query has a response or --timeout seconds passed since the last
one was sent. It never retries: a query the resolver loses stays
unanswered. Output, one line per query in input order:

    NAME TYPE<TAB>RCODE|NO_ANSWER<TAB>RESPONSES<TAB>answer/answer/...

RESPONSES above 1 means the query was answered twice. Standard library
only; the wire helpers are tests/reliability/dnsclient.py's.
"""
import argparse
import os
import random
import select
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', '..', 'reliability'))
import dnsclient  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('server')
    ap.add_argument('port', type=int)
    ap.add_argument('--rate', type=float, default=0)
    ap.add_argument('--timeout', type=float, default=5)
    a = ap.parse_args()
    qs = [l.split() for l in sys.stdin if l.strip()]
    fam = socket.AF_INET6 if ':' in a.server else socket.AF_INET
    socks, ids = [], []
    for name, qtype in qs:
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.setblocking(False)
        socks.append(s)
        ids.append(random.randrange(65536))
    got = [0] * len(qs)
    res = [('NO_ANSWER', [])] * len(qs)
    by_fd = {s.fileno(): i for i, s in enumerate(socks)}
    poll = select.poll()
    for s in socks:
        poll.register(s, select.POLLIN)

    def drain(wait_ms):
        for fd, _ev in poll.poll(wait_ms):
            i = by_fd[fd]
            while True:
                try:
                    msg = socks[i].recv(65535)
                except BlockingIOError:
                    break
                try:
                    qid, _fl, _q, rcode, ans = dnsclient.parse(msg)
                except Exception:  # noqa: BLE001 - a malformed reply counts as one
                    qid, rcode, ans = ids[i], 'MALFORMED', []
                if qid != ids[i]:
                    continue
                got[i] += 1
                res[i] = (rcode, ans)

    start = time.monotonic()
    for i, (name, qtype) in enumerate(qs):
        if a.rate > 0:
            due = start + i / a.rate
            while time.monotonic() < due:
                drain(max(0, int((due - time.monotonic()) * 1000)))
        socks[i].sendto(dnsclient.build_query(ids[i], name, qtype), (a.server, a.port))
    deadline = time.monotonic() + a.timeout
    while time.monotonic() < deadline and not all(got):
        drain(50)
    # Late duplicates show up in the next moment too.
    drain(300)
    for i, (name, qtype) in enumerate(qs):
        print('%s %s\t%s\t%d\t%s' % (name, qtype, res[i][0], got[i], '/'.join(res[i][1])))


if __name__ == '__main__':
    main()
