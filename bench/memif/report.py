#!/usr/bin/env python3
"""Tables and a plot from bench/memif/run.sh's raw lines.

    report.py RAW [PNG]

Prints Markdown: per server (boltdns-dp, the bare reflector) and mode (flat
out, fixed rates) the median over the rounds, with the range, of the answered
qps, of the server's CPU share and of the answered qps per core (qps / share),
and of the latency percentiles; the ratio boltdns-dp / reflector, paired by
round, for the flat-out runs. With PNG, a gnuplot figure (and its .dat).
"""
import re
import shutil
import statistics
import subprocess
import sys


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def rng(xs, fmt):
    return f"[{fmt.format(min(xs))}–{fmt.format(max(xs))}]" if xs else ""


def parse(path):
    runs, header = [], []
    for line in open(path):
        if line.startswith("#"):
            header.append(line[1:].strip())
            continue
        if not line.startswith("run "):
            continue
        kv = dict(re.findall(r"(\w+)=(\S+)", line))
        if "answer_qps" not in kv:
            continue
        kv["mode"] = kv.get("bench_mode", "")  # RESULT's own mode= is rate/flat
        for k in list(kv):
            try:
                kv[k] = float(kv[k])
            except ValueError:
                pass
        share = kv.get("srv_cpu_share", 0) or float("nan")
        kv["per_core"] = kv["answer_qps"] / share if share == share and share > 0 else float("nan")
        runs.append(kv)
    return header, runs


def pick(runs, server, mode, key):
    return [r[key] for r in runs if r["server"] == server and r["mode"] == mode and r[key] == r[key]]


def mode_key(m):
    return (0, 0) if m == "flat" else (1, int(m[4:]) if m[4:].isdigit() else 0)


def main():
    raw = sys.argv[1]
    png = sys.argv[2] if len(sys.argv) > 2 else None
    header, runs = parse(raw)
    servers = ["dp", "reflector"]
    names = {"dp": "boltdns-dp", "reflector": "bare reflector"}
    modes = sorted({r["mode"] for r in runs}, key=mode_key)
    rounds = sorted({int(r["round"]) for r in runs})

    print("# Kernel-free end to end: boltdns-loadgen ↔ net_memif ↔ boltdns-dp\n")
    for h in header:
        print(f"    {h}")
    print(f"\n{len(rounds)} rounds; medians over the rounds, [min–max] after them. "
          "Both ends are DPDK processes polling their own CPU; memif is shared memory, "
          "no kernel on the path. *per core* = answered qps ÷ the server's CPU share "
          "over the run (read from /proc: the CPU is shared with other work).\n")

    print("## Flat out (at most OUTSTANDING queries in flight)\n")
    print("| server | answered qps | server CPU share | load generator CPU share | answered qps per server core | lost % | p50 µs | p99 µs | p99.9 µs |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for s in servers:
        q = pick(runs, s, "flat", "answer_qps")
        if not q:
            continue
        sh = pick(runs, s, "flat", "srv_cpu_share")
        lsh = pick(runs, s, "flat", "lg_cpu_share")
        pc = pick(runs, s, "flat", "per_core")
        lo = pick(runs, s, "flat", "lost_pct")
        p50, p99, p999 = (pick(runs, s, "flat", k) for k in ("p50_us", "p99_us", "p999_us"))
        print(f"| {names[s]} | {med(q)/1e6:.3f} M {rng([x/1e6 for x in q], '{:.2f}')} | "
              f"{med(sh):.2f} | {med(lsh):.2f} | {med(pc)/1e6:.3f} M {rng([x/1e6 for x in pc], '{:.2f}')} | "
              f"{med(lo):.2f} | {med(p50):.0f} | {med(p99):.0f} | {med(p999):.0f} |")

    ratio, ratio_pc = [], []
    for rd in rounds:
        d = [r for r in runs if r["server"] == "dp" and r["mode"] == "flat" and int(r["round"]) == rd]
        f = [r for r in runs if r["server"] == "reflector" and r["mode"] == "flat" and int(r["round"]) == rd]
        if d and f and f[0]["answer_qps"] > 0:
            ratio.append(d[0]["answer_qps"] / f[0]["answer_qps"])
            if d[0]["per_core"] == d[0]["per_core"] and f[0]["per_core"] == f[0]["per_core"]:
                ratio_pc.append(d[0]["per_core"] / f[0]["per_core"])
    if ratio:
        print(f"\n**boltdns-dp / reflector, flat out, paired by round: {med(ratio):.2f}** "
              f"{rng(ratio, '{:.2f}')} in answered qps; {med(ratio_pc):.2f} {rng(ratio_pc, '{:.2f}')} "
              "in answered qps per core (target ≥ 0.80).")

    # Busy-time costs: what each program spends per frame or query in the
    # loop turns that had work and kept their CPU (see run.sh).
    print("\n## Cost per query from busy time (flat out)\n")
    print("Each program's time per frame or query in its loop turns that had work and kept the CPU. "
          "It does not depend on how much CPU the scheduler left the program, so it is the steadier "
          "figure here. *1 core capacity* = 10⁹ ÷ ns; *path* = the smaller of the server's and the "
          "load generator's (each on a core of its own, the path answers what the slower end "
          "allows).\n")
    print("| server | server ns/query | server busy % | 1 core capacity | load generator ns/query | load generator capacity | path capacity |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    path = {}
    for s in servers:
        sn = pick(runs, s, "flat", "srv_busy_ns")
        ln = pick(runs, s, "flat", "lg_busy_ns_per_query")
        bp = pick(runs, s, "flat", "srv_busy_pct")
        if not sn or not ln:
            continue
        cap_s, cap_l = 1e3 / med(sn), 1e3 / med(ln)
        path[s] = min(cap_s, cap_l)
        print(f"| {names[s]} | {med(sn):.1f} {rng(sn, '{:.0f}')} | {med(bp):.1f} | {cap_s:.2f} Mqps | "
              f"{med(ln):.1f} {rng(ln, '{:.0f}')} | {cap_l:.2f} Mqps | {path[s]:.2f} Mqps |")
    pr = []
    for rd in rounds:
        d = [r for r in runs if r["server"] == "dp" and r["mode"] == "flat" and int(r["round"]) == rd]
        f = [r for r in runs if r["server"] == "reflector" and r["mode"] == "flat" and int(r["round"]) == rd]
        try:
            pd = min(1e3 / d[0]["srv_busy_ns"], 1e3 / d[0]["lg_busy_ns_per_query"])
            pf = min(1e3 / f[0]["srv_busy_ns"], 1e3 / f[0]["lg_busy_ns_per_query"])
            pr.append(pd / pf)
        except (IndexError, KeyError, TypeError, ZeroDivisionError):
            pass
    if pr:
        print(f"\n**boltdns-dp / reflector from busy time, paired by round: {med(pr):.2f}** "
              f"{rng(pr, '{:.2f}')} (path capacity with boltdns-dp ÷ path capacity with the reflector).")

    rate_modes = [m for m in modes if m != "flat"]
    if rate_modes:
        print("\n## Fixed rate: latency\n")
        print("| server | offered qps | answered % | p50 µs | p90 µs | p99 µs | p99.9 µs | max µs |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        for m in rate_modes:
            for s in servers:
                sent = pick(runs, s, m, "sent")
                if not sent:
                    continue
                ans = pick(runs, s, m, "answered")
                pct = [100.0 * a / b for a, b in zip(ans, sent) if b > 0]
                cols = [med(pick(runs, s, m, k)) for k in ("p50_us", "p90_us", "p99_us", "p999_us", "max_us")]
                p50 = pick(runs, s, m, "p50_us")
                print(f"| {names[s]} | {int(m[4:]):,} | {med(pct):.2f} | {cols[0]:.0f} {rng(p50, '{:.0f}')} | "
                      f"{cols[1]:.0f} | {cols[2]:.0f} | {cols[3]:.0f} | {cols[4]:.0f} |")

    print("\n## Raw runs\n")
    print("| round | server | mode | answered qps | server CPU share | loadgen CPU share | load avg | p50 | p99 | p99.9 | lost % |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in sorted(runs, key=lambda r: (int(r["round"]), r["server"], mode_key(r["mode"]))):
        print(f"| {int(r['round'])} | {names.get(r['server'], r['server'])} | {r['mode']} | "
              f"{r['answer_qps']:.0f} | {r['srv_cpu_share']:.2f} | {r.get('lg_cpu_share', float('nan')):.2f} | {r['load']} | {r['p50_us']:.0f} | "
              f"{r['p99_us']:.0f} | {r['p999_us']:.0f} | {r['lost_pct']:.2f} |")

    if png and shutil.which("gnuplot"):
        dat = re.sub(r"\.png$", "", png) + ".dat"
        with open(dat, "w") as f:
            f.write("# server answered_Mqps server_1core_Mqps path_Mqps (busy time)\n")
            for s in servers:
                sn = med(pick(runs, s, "flat", "srv_busy_ns"))
                ln = med(pick(runs, s, "flat", "lg_busy_ns_per_query"))
                f.write(f'"{names[s]}" {med(pick(runs, s, "flat", "answer_qps"))/1e6:.4f} '
                        f'{1e3 / sn:.4f} {min(1e3 / sn, 1e3 / ln):.4f}\n')
            f.write("\n\n# rate server p50 p99 p999\n")
            for m in rate_modes:
                for s in servers:
                    if pick(runs, s, m, "p50_us"):
                        f.write(f'"{names[s]} {int(m[4:])//1000}k" ' + " ".join(
                            f"{med(pick(runs, s, m, k)):.0f}" for k in ("p50_us", "p99_us", "p999_us")) + "\n")
        script = f"""
set terminal pngcairo size 1100,440 font ",10" noenhanced
set output "{png}"
set multiplot layout 1,2 title "boltdns-loadgen <-> net_memif <-> server, one server core (median of {len(rounds)} rounds, shared 2-CPU VM)"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set key top left
set ylabel "Mqps"
set yrange [0:*]
set title "flat out: measured, and from busy time"
plot "{dat}" index 0 using 2:xtic(1) title "answered (measured, CPU shared)", \\
     "" index 0 using 3 title "server, 1 core (busy time)", \\
     "" index 0 using 4 title "path: slower end (busy time)"
set ylabel "latency, us (log)"
set logscale y
set yrange [10:1000000]
set key top left
set title "latency at fixed rates (scheduler-bound here)"
set xtics rotate by -20
plot "{dat}" index 1 using 2:xtic(1) title "p50", "" index 1 using 3 title "p99", "" index 1 using 4 title "p99.9"
unset multiplot
"""
        subprocess.run(["gnuplot"], input=script.encode(), check=False)


if __name__ == "__main__":
    main()
