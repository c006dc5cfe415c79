#!/usr/bin/env python3
"""Tables and a plot from hitpath-ab.sh's raw lines.

    hitpath-report.py RAW [PNG] [LABEL=BUILD_DIR ...]

Prints Markdown: per build the median (and range) over the rounds of the
whole-run ns/packet and of the median pass; the paired ratio of every build
to the first one (same round); the packet cache's hits per packet and per
probe (when the runs had one); the scale mode's aggregate and ratio. With
PNG, writes a bar plot (gnuplot) of the median pass ns/packet per build and
its .dat next to it.
"""
import re
import shutil
import statistics
import subprocess
import sys


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def rng(xs):
    return f"[{min(xs):.1f}–{max(xs):.1f}]" if xs else ""


def main():
    raw = sys.argv[1]
    png = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2].endswith(".png") else None
    labels = {}
    for a in sys.argv[2:]:
        if "=" in a:
            k, v = a.split("=", 1)
            labels[v] = k
    hit, pas, scale1, scale2, ratio, pkc = {}, {}, {}, {}, {}, {}
    order = []
    by_round = {}
    for line in open(raw):
        m = re.match(r"(hit|scale) round=(\d+) build=(\S+) load=(\S+) (.*)", line)
        if not m:
            continue
        kind, rnd, b, _load, rest = m.groups()
        if b not in order:
            order.append(b)
        if kind == "hit":
            a = re.search(r"([\d.]+) ns/pkt", rest)
            p = re.search(r"median ([\d.]+) ns/pkt", rest)
            if a and p:
                hit.setdefault(b, []).append(float(a.group(1)))
                pas.setdefault(b, []).append(float(p.group(1)))
                by_round.setdefault(int(rnd), {})[b] = (float(a.group(1)), float(p.group(1)))
            n = re.search(r"\((\d+) packets", rest)
            c = re.search(r"packet cache \(\d+ slots\): hits (\d+),.* probes (\d+)", rest)
            if n and c and int(c.group(2)) > 0:
                pkc.setdefault(b, []).append((int(c.group(1)) / int(n.group(1)),
                                              int(c.group(1)) / int(c.group(2))))
        else:
            s1 = re.search(r"scale-1\s+([\d.]+) Mpps", rest)
            s2 = re.search(r"scale-2\s+([\d.]+) Mpps", rest)
            sr = re.search(r"scale-ratio\s+([\d.]+) x", rest)
            if s1 and s2 and sr:
                scale1.setdefault(b, []).append(float(s1.group(1)))
                scale2.setdefault(b, []).append(float(s2.group(1)))
                ratio.setdefault(b, []).append(float(sr.group(1)))
    name = lambda b: labels.get(b, b)
    if labels:
        # The order the labels were given in (the first is the reference).
        order = [b for b in labels if b in order] + [b for b in order if b not in labels]
    print("| build | ns/packet, whole run | Mpps | ns/packet, median pass | Mpps |")
    print("|---|---|---|---|---|")
    for b in order:
        if b not in hit:
            continue
        h, p = med(hit[b]), med(pas[b])
        print(f"| {name(b)} | {h:.1f} {rng(hit[b])} | {1e3 / h:.2f} | {p:.1f} {rng(pas[b])} | {1e3 / p:.2f} |")
    if len(order) > 1 and order[0] in hit:
        base = order[0]
        print()
        print(f"Paired ratios to {name(base)} (same round; < 1 is faster):")
        print()
        print("| build | whole run | median pass |")
        print("|---|---|---|")
        for b in order[1:]:
            rw = [r[b][0] / r[base][0] for r in by_round.values() if b in r and base in r]
            rp = [r[b][1] / r[base][1] for r in by_round.values() if b in r and base in r]
            if rw:
                print(f"| {name(b)} | {med(rw):.3f} [{min(rw):.3f}–{max(rw):.3f}] | "
                      f"{med(rp):.3f} [{min(rp):.3f}–{max(rp):.3f}] |")
    if pkc:
        print()
        print("| build | packet cache hits / packets | hits / probes |")
        print("|---|---|---|")
        for b in order:
            if b in pkc:
                hp = [x[0] * 100 for x in pkc[b]]
                hq = [x[1] * 100 for x in pkc[b]]
                print(f"| {name(b)} | {med(hp):.1f} % {rng(hp)} | {med(hq):.1f} % {rng(hq)} |")
    if scale1:
        print()
        print("| build | 1 thread, Mpps per CPU second | 2 threads, sum | ratio |")
        print("|---|---|---|---|")
        for b in order:
            if b in scale1:
                print(f"| {name(b)} | {med(scale1[b]):.2f} {rng(scale1[b])} | "
                      f"{med(scale2[b]):.2f} {rng(scale2[b])} | {med(ratio[b]):.2f} "
                      f"[{min(ratio[b]):.2f}–{max(ratio[b]):.2f}] |")
    if png and shutil.which("gnuplot"):
        dat = png[:-4] + ".dat"
        with open(dat, "w") as f:
            f.write("# build median-pass-ns whole-run-ns\n")
            for b in order:
                if b in hit:
                    f.write(f"\"{name(b)}\" {med(pas[b]):.2f} {med(hit[b]):.2f}\n")
        script = f"""
set terminal pngcairo size 900,480 noenhanced font ',10'
set output '{png}'
set title 'dataplane hit path in memory, one core, bursts of 32 (median of the rounds)'
set ylabel 'ns per packet (lower is better)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key top right
set grid ytics
set yrange [0:*]
set xtics rotate by -15
plot '{dat}' using 2:xtic(1) title 'median pass', '' using 3 title 'whole run', 67 with lines dt 2 lw 2 title '15 Mpps (67 ns)'
"""
        r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
        if r.returncode != 0:
            script = script.replace("pngcairo", "png")
            subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)


if __name__ == "__main__":
    main()
