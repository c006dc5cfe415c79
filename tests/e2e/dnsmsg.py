"""DNS messages for the end-to-end tests' Python clients (tests/e2e/*):
names and queries in wire form, TCP framing (RFC 1035 4.2.2, as DoT uses
it too), and ok/FAIL lines counted for the exit status.

Scripts run as files add this folder to sys.path; heredocs in the shell
tests get it through PYTHONPATH ($E2E_PYLIB of tests/e2e/control/lib.sh).
"""
import struct

_fails = 0


def check(cond, what):
    """Print an ok/FAIL line for what; a FAIL counts."""
    global _fails
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        _fails += 1


def failures():
    """How many checks failed so far."""
    return _fails


def name(n):
    """A name in text to wire form (no escapes; "." is the root)."""
    out = b""
    for label in n.rstrip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(qid, n, t=1, opt=None):
    """A query with RD=1 for n, type t, class IN; opt: the OPT's RDATA (EDNS)."""
    ar = 1 if opt is not None else 0
    m = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, ar) + name(n) + struct.pack("!HH", t, 1)
    if opt is not None:
        m += b"\0" + struct.pack("!HHIH", 41, 1232, 0, len(opt)) + opt
    return m


def frame(m):
    """A message with its two-byte length, for a stream."""
    return struct.pack("!H", len(m)) + m


def read_msg(s):
    """The next framed message from stream socket s; None when it closes first."""
    hdr = b""
    while len(hdr) < 2:
        c = s.recv(2 - len(hdr))
        if not c:
            return None
        hdr += c
    n = struct.unpack("!H", hdr)[0]
    m = b""
    while len(m) < n:
        c = s.recv(n - len(m))
        if not c:
            return None
        m += c
    return m
