#!/usr/bin/env python3
"""Turn bench/compare/run.sh's raw measurements into the results page
(Markdown tables, median and range over the rounds) and PNG plots (gnuplot).

Raw input: one measurement per line, KEY=VALUE words; keys round, server,
workload, method (budget | loadgen | warm | dnsperf), and figures qps,
lost_pct, avg_us, p99_us, cpu_pct, ...
"""
import argparse
import os
import shutil
import statistics
import subprocess

WORKLOADS = [("hot", "cache-hot"), ("realistic", "realistic (Zipf, cold start)"),
             ("miss", "miss path (unique names, cold)")]


def parse(path):
    rows = []
    with open(path) as f:
        for line in f:
            kv = {}
            for word in line.split():
                if "=" in word:
                    k, v = word.split("=", 1)
                    kv[k] = v
            if kv:
                rows.append(kv)
    return rows


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def summary(values, fmt="{:.0f}"):
    vals = [v for v in (num(x) for x in values) if v is not None]
    if not vals:
        return "–", None
    med = statistics.median(vals)
    if len(vals) == 1:
        return fmt.format(med), med
    return f"{fmt.format(med)} [{fmt.format(min(vals))}–{fmt.format(max(vals))}]", med


def collect(rows, server, workload, method):
    return [r for r in rows if r.get("server") == server and r.get("workload") == workload
            and r.get("method") == method]


def ms(v):
    x = num(v)
    return None if x is None else x / 1000.0


def table(rows, servers, workload, method, budget, out):
    hdr = ["server", "qps", "qps per core", "lost %", "avg ms", "p99 ms", "CPU used %", "rcodes (round 1)"]
    out.append("| " + " | ".join(hdr) + " |")
    out.append("|" + "---|" * len(hdr))
    data = {}
    for s in servers:
        rs = collect(rows, s, workload, method)
        if not rs:
            continue
        qps, qmed = summary([r.get("qps") for r in rs])
        per_core = []
        for r in rs:
            q, c = num(r.get("qps")), num(r.get("cpu_pct"))
            per_core.append(q / (c / 100.0) if q is not None and c else None)
        pc, _ = summary(per_core)
        lost, _ = summary([r.get("lost_pct") for r in rs], "{:.2f}")
        avg, amed = summary([ms(r.get("avg_us")) for r in rs], "{:.2f}")
        p99, pmed = summary([ms(r.get("p99_us")) for r in rs], "{:.2f}")
        cpu, _ = summary([r.get("cpu_pct") for r in rs], "{:.1f}")
        rc = rs[0].get("rcodes")
        if rc is None and "noerror" in rs[0]:
            rc = "NOERROR_{}_NXDOMAIN_{}_SERVFAIL_{}".format(
                rs[0].get("noerror"), rs[0].get("nxdomain"), rs[0].get("servfail"))
        rc = (rc or "–").replace("_", " ")
        out.append(f"| {s} | {qps} | {pc} | {lost} | {avg} | {p99} | {cpu} | {rc} |")
        data[s] = (qmed, amed, pmed)
    out.append("")
    return data


def plot(data_by_wl, title, ylabel, idx, png, servers):
    if shutil.which("gnuplot") is None:
        return False
    dat = png[:-4] + ".dat"
    present = [s for s in servers if any(s in d for d in data_by_wl.values())]
    if not present:
        return False
    with open(dat, "w") as f:
        f.write("# server " + " ".join(w for w, _ in WORKLOADS) + "\n")
        for s in present:
            vals = []
            for w, _ in WORKLOADS:
                v = data_by_wl.get(w, {}).get(s)
                x = v[idx] if v else None
                vals.append("NaN" if x is None else f"{x:.3f}")
            f.write(s + " " + " ".join(vals) + "\n")
    script = f"""
set terminal pngcairo size 900,480 noenhanced font ',10'
set output '{png}'
set title '{title}'
set ylabel '{ylabel}'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set key top right
set grid ytics
set yrange [0:*]
set xtics rotate by -20
plot '{dat}' using 2:xtic(1) title 'hot', '' using 3 title 'realistic', '' using 4 title 'miss'
"""
    r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if r.returncode != 0:
        # pngcairo may be missing in gnuplot-nox builds: fall back to the png terminal
        script = script.replace("pngcairo size 900,480 noenhanced font ',10'", "png size 900,480")
        r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    return r.returncode == 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--notes", required=True)
    ap.add_argument("--servers", required=True)
    ap.add_argument("--budget", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rows = parse(a.raw)
    servers = a.servers.split()
    base = os.path.splitext(a.out)[0]
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    out = []
    out.append(f"# boltdns comparison: {os.path.basename(base)}")
    out.append("")
    out.append("Produced by `bench/compare/run.sh`; how to read every figure: `bench/README.md`.")
    out.append("Figures are the median over the rounds, with [min–max] when there is more than one.")
    out.append("")
    out.append("```")
    with open(a.meta) as f:
        out.extend(line.rstrip("\n") for line in f)
    out.append("```")
    out.append("")
    # a machine busier than its CPU count makes every figure noisy: say so
    try:
        with open(a.meta) as f:
            meta = f.read()
        load = float(meta.split("load average at start: ")[1].split()[0])
        if load > (os.cpu_count() or 1):
            out.append(f"**Measured on a busy machine** (load average {load:.1f} on {os.cpu_count()} CPUs "
                       "at the start: other work competed for both cores). Expect wide [min–max] ranges; "
                       "compare servers within a table, not with runs on a quiet machine.")
            out.append("")
    except (OSError, IndexError, ValueError):
        pass
    notes = open(a.notes).read().strip()
    if notes:
        out.append("## Notes from the run")
        out.append("")
        for line in notes.splitlines():
            out.append(f"- {line}")
        out.append("")

    val = [r for r in rows if r.get("workload") == "validate"]
    if val:
        out.append("## Load generator check: boltdns-loadgen and dnsperf at the same fixed rate")
        out.append("")
        out.append("Unbound with a warm cache, the hot questions, one rate: the two clients should agree on "
                   "rcodes and on the order of the latency.")
        out.append("")
        out.append("| pair | client | target qps | answered qps | lost % | avg ms | p99 ms | rcodes |")
        out.append("|---|---|---|---|---|---|---|---|")
        for r in val:
            rc = r.get("rcodes")
            if rc is None:
                rc = "NOERROR_{}_NXDOMAIN_{}_SERVFAIL_{}".format(r.get("noerror"), r.get("nxdomain"),
                                                                 r.get("servfail"))
            out.append(f"| {r.get('round')} | {r.get('method')} | {r.get('rate')} | {r.get('qps')} | {r.get('lost_pct')} | "
                       f"{(ms(r.get('avg_us')) or 0):.3f} | {(ms(r.get('p99_us')) or 0):.3f} | "
                       f"{rc.replace('_', ' ')} |")
        out.append("")

    refl = [r for r in rows if r.get("server", "").startswith("reflector")]
    if refl:
        out.append("## The path's own ceiling (bare reflector, no DNS work)")
        out.append("")
        out.append("`boltdns-reflector` in the server's cgroup on the server CPU: it swaps addresses and "
                   "sets QR, nothing else. It busy-polls, so it holds the whole core (no quota) or the whole "
                   "quota whatever the load: *ns CPU per answer* = that share of a second / answered qps. "
                   "(*CPU used %* is measured over the client's whole run, set-up included, and so reads "
                   "above the core or the quota for the load generator.)")
        out.append("")
        out.append("| port | client | CPU quota | answered qps | CPU used % | ns CPU per answer | lost % | avg ms | p99 ms |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        pmd = {"reflector-packet": "net_af_packet", "reflector-xdp": "net_af_xdp", "reflector": "net_af_packet"}
        for r in refl:
            m = r.get("method")
            who = "boltdns-loadgen" if m.startswith("loadgen") else "dnsperf"
            quota = f"{a.budget} %" if m in ("budget", "loadgen-budget") else "none"
            q, c = num(r.get("qps")), num(r.get("cpu_pct"))
            if c is not None:
                c = min(c, float(a.budget) if quota != "none" else 100.0)
            per = f"{c / 100.0 * 1e9 / q:.0f}" if q and c else "–"
            out.append(f"| {pmd.get(r.get('server'), r.get('server'))} | {who} | {quota} | {r.get('qps')} | "
                       f"{r.get('cpu_pct', '–')} | {per} | {r.get('lost_pct')} | "
                       f"{(ms(r.get('avg_us')) or 0):.3f} | {(ms(r.get('p99_us')) or 0):.3f} |")
        out.append("")

    budget_data, lg_data = {}, {}
    out.append(f"## Method 1: equal CPU budget ({a.budget} % of one core per server)")
    out.append("")
    out.append("dnsperf (hot, realistic) and resperf (miss) from the client namespace; the server's cgroup "
               "gets the same CPU quota. *qps per core* = qps / CPU used.")
    out.append("")
    for w, title in WORKLOADS:
        out.append(f"### {title}")
        out.append("")
        budget_data[w] = table(rows, servers, w, "budget", a.budget, out)
    out.append("## Method 2: flat-out capacity (boltdns-loadgen, a whole core for the server)")
    out.append("")
    out.append("*qps* = answered queries per second of sending while the load generator sends as fast "
               "as its port takes frames; *lost %* includes everything the server dropped.")
    out.append("")
    for w, title in WORKLOADS:
        out.append(f"### {title}")
        out.append("")
        lg_data[w] = table(rows, servers, w, "loadgen", a.budget, out)

    warm = [r for r in rows if r.get("method") == "warm"]
    if warm:
        out.append("## Cache warming (hot workload)")
        out.append("")
        out.append("| server | round | passes | upstream packets in the last pass | answered in the last pass (of 4000) |")
        out.append("|---|---|---|---|---|")
        for r in warm:
            out.append(f"| {r.get('server')} | {r.get('round')} | {r.get('passes')} | "
                       f"{r.get('upstream_pkts_last')} | {r.get('answered_last', '–')} |")
        out.append("")

    plots = [
        (budget_data, f"qps at {a.budget} % of one core (median)", "queries/s", 0, "budget-qps"),
        (budget_data, f"average latency at {a.budget} % of one core", "ms", 1, "budget-latency"),
        (lg_data, "flat-out capacity with boltdns-loadgen (median)", "answered queries/s", 0, "loadgen-qps"),
        (lg_data, "p99 latency, flat out (boltdns-loadgen)", "ms", 2, "loadgen-p99"),
    ]
    made = []
    for data, title, ylabel, idx, suffix in plots:
        png = f"{base}-{suffix}.png"
        if plot(data, title, ylabel, idx, png, servers):
            made.append(png)
    if made:
        out.append("## Plots")
        out.append("")
        for png in made:
            out.append(f"![{os.path.basename(png)}]({os.path.basename(png)})")
            out.append("")

    skipped_servers = [s for s in servers if not any(r.get("server") == s for r in rows)]
    if skipped_servers:
        out.append("Not measured (see the notes above): " + ", ".join(skipped_servers))
        out.append("")
    with open(a.out, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
