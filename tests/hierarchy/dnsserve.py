"""UDP and TCP serving loops shared by the hierarchy's own name servers
(fakeauth.py, scriptauth.py, xfrprimary.py); standard library only.

serve(addr, port, pidfile, respond, delay) binds UDP and TCP on addr:port,
writes pidfile once both are bound (the readiness signal start.sh waits
for) and answers forever: respond(msg, transport) returns the response
bytes, a list of them (several messages over TCP, the first over UDP; a None
in the list closes the connection there) or None (no answer); delay()
returns seconds to wait before sending.
Bad input never kills the server: an exception in respond drops that query.
"""

import os
import socket
import struct
import sys
import threading
import time


def _send_quietly(sock, resp, peer):
    try:
        sock.sendto(resp, peer)
    except OSError:
        pass


def _serve_udp(sock, respond, delay):
    while True:
        try:
            msg, peer = sock.recvfrom(65535)
        except OSError:
            continue
        try:
            resp = respond(msg, "udp")
        except Exception as exc:  # bad input must never kill the server
            sys.stderr.write("udp: error %r from %s\n" % (exc, peer))
            continue
        if isinstance(resp, list):
            resp = resp[0] if resp else None
        if resp is None:
            continue
        wait = delay()
        if wait > 0:
            threading.Timer(wait, _send_quietly, (sock, resp, peer)).start()
        else:
            _send_quietly(sock, resp, peer)


def _recv_exact(conn, n):
    buf = b""
    while len(buf) < n:
        chunk = conn.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def _serve_tcp_conn(conn, respond, delay):
    conn.settimeout(30)
    try:
        while True:
            hdr = _recv_exact(conn, 2)
            if hdr is None:
                return
            msg = _recv_exact(conn, struct.unpack("!H", hdr)[0])
            if msg is None:
                return
            resp = respond(msg, "tcp")
            if resp is None:
                continue
            wait = delay()
            if wait > 0:
                time.sleep(wait)
            # A list: several messages (a zone transfer); None in it: close
            # the connection there (a transfer cut short).
            for part in resp if isinstance(resp, list) else [resp]:
                if part is None:
                    return
                conn.sendall(struct.pack("!H", len(part)) + part)
    except Exception:
        pass
    finally:
        conn.close()


def _serve_tcp(sock, respond, delay):
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            continue
        threading.Thread(target=_serve_tcp_conn, args=(conn, respond, delay),
                         daemon=True).start()


def serve(addr, port, pidfile, respond, delay=lambda: 0):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    udp = socket.socket(fam, socket.SOCK_DGRAM)
    udp.bind((addr, port))
    tcp = socket.socket(fam, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((addr, port))
    tcp.listen(64)

    tmp = pidfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(tmp, pidfile)

    threading.Thread(target=_serve_tcp, args=(tcp, respond, delay), daemon=True).start()
    _serve_udp(udp, respond, delay)
