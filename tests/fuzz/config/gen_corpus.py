#!/usr/bin/env python3
"""Write the seed corpora of the config fuzz targets.

gen_corpus.py STAMP CONFIG_DIR HOSTS_DIR EXAMPLE.conf [MORE.conf...]

Seeds: each shipped file whole, each of its sections alone, each key line
alone under its section, and hand-made edge cases (long lines, bad values,
odd syntax). The directories are recreated, so fuzzing finds never pile up.
"""
import os
import shutil
import sys


def write(d, name, text):
    with open(os.path.join(d, name), "wb") as f:
        f.write(text.encode() if isinstance(text, str) else text)


def config_seeds(d, files):
    n = 0
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        write(d, "file-%d" % n, text)
        n += 1
        section, body = None, []
        for line in text.splitlines():
            s = line.strip()
            if s.startswith("["):
                if section and body:
                    write(d, "section-%d" % n, section + "\n" + "\n".join(body) + "\n")
                    n += 1
                section, body = s, []
            elif s and not s.startswith(("#", ";")) and section:
                body.append(s)
                write(d, "key-%d" % n, section + "\n" + s + "\n")
                n += 1
        if section and body:
            write(d, "section-%d" % n, section + "\n" + "\n".join(body) + "\n")
            n += 1
    edge = [
        "",
        "[cache]\nsize = 18446744073709551616\n",
        "[cache]\nsize = 16T\nshards = 256\nring-slots = 1048576\n",
        "[cache]\nsize = 1M\nring-slots = 16\n",
        "[cache]\nsize = 32M\nring-slots = 16\nshards = 16\n",
        "[dataplane]\neal = " + "x" * 198 + "\n",
        "[dataplane]\neal = " + "x" * 600 + " ; c\n",
        "[dataplane]\neal : \"" + "q" * 300 + "\"\n",
        "[" + "s" * 300 + "]\n",
        "[dataplane]\n    io = socket\n  listen = [::1]@5300, 127.0.0.1@5300\n",
        "[dataplane]\nio = socket\n",
        "[control]\nmetrics =\nsocket-mode = 0777\ntcp-listen =\n",
        "[resolver]\ntimeout = 2s\nmax-ttl = 1w\nservfail-ttl = 1h\n",
        "[acl]\nallow = 198.18.0.0/15\nallow = ::/0\n",
        "[local]\ndata = a. 1 A 1.2.3.4\ndata = b. 1 TXT \"x y\"\n",
        "key = value\n",
        "[cache\n",
        "[cache] x\n",
        "\ufeff[cache]\r\nwipe = on\r\n",
        "[cache]\nwipe = yes\nwipe = no\n",
        # repeatable sections: instances, their checks, the maximum count
        "[zone]\nname = corp.example\ntype = stub\nservers = 198.18.1.20, [2001:db8::1]@5353\n"
        "forward-first = yes\ntcp = yes\n[resolver]\nretries = 1\n"
        "[zone]\nname = .\nservers = 127.0.0.1@5300\n",
        "[zone]\nname = a.example\nservers = 198.18.0.1\n[zone]\nname = A.example.\n"
        "servers = 198.18.0.2\n",
        "[zone]\nservers = 198.18.0.1\n",
        "[zone]\nname = x\\.y.example\nservers = 198.18.0.1\ntype = forward\n",
        "".join("[zone]\nname = z%d.example\nservers = 198.18.0.1\n" % i for i in range(65)),
        "[rpz]\nname = rpz.example\nfile = /etc/rpz.zone\npolicy = nxdomain\nede = blocked\n"
        "log = yes\n[rpz]\nname = two.example\nfile = /b\n",
        "[rpz]\nname = rpz.example\nprimary = 192.0.2.1\ntsig-key = k:hmac-sha256:AAAA\n",
        "[rpz]\nname = a.example\nfile = /a\n[rpz]\nname = A.example.\nfile = /b\n",
        "".join("[rpz]\nname = r%d.example\nfile = /r\n" % i for i in range(33)),
    ]
    for i, t in enumerate(edge):
        write(d, "edge-%d" % i, t)
    # bare addresses exercise the address and prefix parsers
    for i, a in enumerate(["198.18.0.1@53", "[2001:db8::1]@53", "2001:db8::/32",
                           "198.18.0.0/15", "::ffff:198.18.0.1", "0.0.0.0/0"]):
        write(d, "addr-%d" % i, a)


def hosts_seeds(d):
    seeds = [
        "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n",
        "# comment\n\n198.18.0.1\tgw gw.example.  # trailing\n",
        "198.18.0.2 " + " ".join("h%d" % i for i in range(40)) + "\n",
        "2001:db8::1 " + "a" * 63 + "." + "b" * 63 + "\n",
        "198.18.0.1\n",
        "fe80::1%eth0 x\n",
        "198.18.0.1 a..b\n",
        "198.18.0.1 x\r\n198.18.0.2 y",
    ]
    for i, t in enumerate(seeds):
        write(d, "hosts-%d" % i, t)


def main():
    stamp, cdir, hdir, files = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    for d in (cdir, hdir):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    config_seeds(cdir, files)
    hosts_seeds(hdir)
    with open(stamp, "w") as f:
        f.write("ok\n")


if __name__ == "__main__":
    main()
