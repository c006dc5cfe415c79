#!/usr/bin/env python3
"""Header, tables and a plot for bench/idle/run.sh and bench/idle/budget.sh.

    report.py header --root ROOT --build BUILD --cmd CMDLINE [--param TEXT]
        '# key: value' lines for the top of a -raw.txt file: the command
        line, the UTC time, the commit (git rev-parse --short HEAD, with
        -dirty when tracked files differ), the CPU model, the build type of
        BUILD, the load average at the start, and TEXT as 'params'.
    report.py idle RAW [PNG]
        Markdown on stdout from run.sh's raw lines: idle % of one core per
        process and for both, latency p50/p90/p99 per kind; with PNG a
        gnuplot figure (latency percentiles per kind, idle % per process)
        and its .dat next to it.
    report.py budget RAW [PNG] [--changes FILE] [--dplog-line TEXT]
        Markdown on stdout from budget.sh's raw lines: qps per server per
        round, the per-round ratio boltdns / Unbound and its median (target
        >= 2); FILE (the diff against the example configuration) quoted;
        with PNG a gnuplot figure (qps per round per server, the ratio).

Raw lines are 'key=value' words (the first word may be a bare tag); lines
starting with '#' are the header. Several runs in one RAW (files appended
to one another) are summarised by their medians. Plain stdlib; the plot is
skipped, with a note in the Markdown, when gnuplot is not installed.
"""
import argparse
import datetime
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

NAN = float("nan")


def med(xs):
    xs = [x for x in xs if x == x]
    return statistics.median(xs) if xs else NAN


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return NAN


def fmt(x, spec):
    return "–" if x != x else format(x, spec)


def parse(path):
    """(header dict, header lines in order, list of (tag, dict)) of a raw file."""
    header, order, rows = {}, [], []
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.rstrip("\n")
        if line.startswith("#"):
            body = line[1:].strip()
            k, sep, v = body.partition(": ")
            if sep and re.fullmatch(r"[\w -]+", k):
                header[k] = v
            order.append(body)
            continue
        words = line.split()
        if not words:
            continue
        tag = words[0] if "=" not in words[0] else ""
        kv = dict(w.split("=", 1) for w in words if "=" in w)
        if "skipped:" in words:
            kv["skipped"] = line.split("skipped:", 1)[1].strip()
        rows.append((tag, kv))
    return header, order, rows


def gnuplot(script, png):
    """Run gnuplot (pngcairo, else png); None when it wrote PNG, else why not."""
    if not shutil.which("gnuplot"):
        return "gnuplot is not installed (deploy/install-deps.sh installs gnuplot-nox)"
    err = ""
    for term in ("pngcairo", "png"):
        r = subprocess.run(["gnuplot"], input=script.replace("@TERM@", term), text=True,
                           capture_output=True, check=False)
        if r.returncode == 0 and os.path.exists(png) and os.path.getsize(png) > 0:
            return None
        err = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit {r.returncode}"
    return f"gnuplot failed: {err}"


def plot_note(png, why):
    if why is None:
        return f"![plot]({os.path.basename(png)})\n"
    return f"_No plot: {why}._\n"


def header_block(order):
    return "".join(f"    {h}\n" for h in order)


# ---- header -----------------------------------------------------------------------
def cmd_header(a):
    def out(*argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=20,
                                  check=False).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    commit = out("git", "-C", a.root, "rev-parse", "--short", "HEAD") or "?"
    if commit != "?" and out("git", "-C", a.root, "status", "--porcelain", "--untracked-files=no"):
        commit += "-dirty"
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    build = "?"
    opts = out("meson", "introspect", a.build, "--buildoptions")
    if opts:
        try:
            import json
            o = {x["name"]: x["value"] for x in json.loads(opts)}
            build = f"buildtype={o.get('buildtype')}"
            for k in ("cpu", "b_lto"):
                if k in o:
                    build += f" {k}={o[k]}"
        except (ValueError, KeyError, TypeError):
            pass
    try:
        load = open("/proc/loadavg").read().split()[0]
    except OSError:
        load = "?"
    print(f"# command: {a.cmd}")
    print(f"# utc: {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}")
    print(f"# commit: {commit}")
    print(f"# cpu: {os.cpu_count()} CPUs, {model}")
    print(f"# build: {a.build} {build}")
    print(f"# load: {load} (1-minute load average at the start)")
    if a.param:
        print(f"# params: {a.param}")


# ---- idle -------------------------------------------------------------------------
KINDS = ["hit", "miss", "upstream"]
PROCS = ["boltdns-dp", "boltdns-cp", "total"]


def cmd_idle(a):
    header, order, rows = parse(a.raw)
    idle = [kv for tag, kv in rows if tag == "idle"]
    lat = [kv for tag, kv in rows if tag == "latency"]
    runs = max([sum(1 for kv in idle if kv.get("proc") == "total")] +
               [sum(1 for kv in lat if kv.get("kind") == k) for k in KINDS])

    def pick(rows_, key, val, field):
        return [num(kv.get(field)) for kv in rows_ if kv.get(key) == val]

    secs = med(pick(idle, "proc", "total", "secs"))
    out = []
    out.append("# Idle CPU and low-load latency of boltdns (`bench/idle/run.sh`)\n\n")
    out.append(header_block(order))
    out.append(
        "\nIn a private network namespace with the fake hierarchy of tests/hierarchy/: boltdns-dp "
        "(`io = socket`, one worker, bench/peers/boltdns-socket.conf.in) and boltdns-cp. "
        + (f"Medians of {runs} runs. " if runs > 1 else "One run. ") +
        "This machine is a shared 2-CPU VM: the figures are noisy.\n")

    out.append(f"\n## Idle: nothing sent for {fmt(secs, '.1f')} s, % of one core\n\n")
    out.append("From `/proc/PID/stat` (utime + stime, clock ticks) and `/proc/PID/task/*/sched` "
               "(`se.sum_exec_runtime`, ns).\n\n")
    out.append("| process | ticks | % (ticks) | % (sched ns) |\n| --- | --- | --- | --- |\n")
    idle_pct = {}
    for p in PROCS:
        t = pick(idle, "proc", p, "pct_ticks")
        if not t:
            continue
        s = med(pick(idle, "proc", p, "pct_sched"))
        idle_pct[p] = (med(t), s)
        name = "**both**" if p == "total" else p
        out.append(f"| {name} | {fmt(med(pick(idle, 'proc', p, 'ticks')), '.0f')} | "
                   f"{fmt(med(t), '.3f')} % | {fmt(s, '.4f')} % |\n")

    gap = med([num(kv.get("gap_ms")) for kv in lat])
    out.append(f"\n## Latency: one query at a time, {fmt(gap, '.0f')} ms apart, µs\n\n")
    out.append("*hit*: a cached name, the dataplane alone (the client's and the kernel's share); "
               "*miss*: unique names under `invalid.`, answered by the control plane from its own "
               "data (dataplane → miss ring → control plane → answer ring → dataplane); "
               "*upstream*: unique nonexistent names under `bulk.boltnet`, one upstream query each "
               "to the fake hierarchy.\n\n")
    out.append("| kind | answered | lost | p50 | p90 | p99 | max |\n| --- | --- | --- | --- | --- | --- | --- |\n")
    pcts = {}
    for k in KINDS:
        if not pick(lat, "kind", k, "n"):
            continue
        pcts[k] = [med(pick(lat, "kind", k, f)) for f in ("p50_us", "p90_us", "p99_us")]
        out.append(f"| {k} | {fmt(sum(pick(lat, 'kind', k, 'n')), '.0f')} | "
                   f"{fmt(sum(pick(lat, 'kind', k, 'lost')), '.0f')} | "
                   + " | ".join(fmt(x, ".1f") for x in pcts[k])
                   + f" | {fmt(med(pick(lat, 'kind', k, 'max_us')), '.1f')} |\n")

    if a.png:
        why = None
        dat = re.sub(r"\.png$", "", a.png) + ".dat"
        with open(dat, "w") as f:
            f.write("# kind p50_us p90_us p99_us\n")
            for k, v in pcts.items():
                f.write(f'"{k}" ' + " ".join(fmt(x, ".1f").replace("–", "NaN") for x in v) + "\n")
            f.write("\n\n# process idle_pct_ticks idle_pct_sched\n")
            for p, (t, s) in idle_pct.items():
                f.write(f'"{"both" if p == "total" else p}" {fmt(t, ".4f").replace("–", "NaN")} '
                        f'{fmt(s, ".5f").replace("–", "NaN")}\n')
        tot = idle_pct.get("total", (NAN, NAN))
        commit = header.get("commit", "?")
        script = f"""
set terminal @TERM@ size 1100,440 font ",10" noenhanced
set output "{a.png}"
set multiplot layout 1,2 title "boltdns idle and low-load latency (bench/idle/run.sh, {commit}; idle of both {fmt(tot[0], '.3f')} % of one core (ticks), {fmt(tot[1], '.4f')} % (sched ns) over {fmt(secs, '.0f')} s; shared 2-CPU VM)"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set key top left
set title "latency, one query at a time, {fmt(gap, '.0f')} ms apart"
set ylabel "microseconds (log)"
set logscale y
set yrange [*:*]
plot "{dat}" index 0 using 2:xtic(1) title "p50", "" index 0 using 3 title "p90", "" index 0 using 4 title "p99"
unset logscale y
set yrange [0:*]
set key below
set ylabel "% of one core"
set title "idle CPU over {fmt(secs, '.0f')} s"
plot "{dat}" index 1 using 2:xtic(1) title "utime+stime ticks", "" index 1 using 3 title "sched ns"
unset multiplot
"""
        if not pcts and not idle_pct:
            why = "no measurement in the raw file"
        else:
            why = gnuplot(script, a.png)
        out.append("\n## Plot\n\n" + plot_note(a.png, why))
    sys.stdout.write("".join(out))


# ---- budget -----------------------------------------------------------------------
def cmd_budget(a):
    header, order, rows = parse(a.raw)
    runs = [kv for _, kv in rows if "server" in kv and "round" in kv]
    meas = [kv for kv in runs if "qps" in kv]
    skipped = [kv for kv in runs if "skipped" in kv]
    servers = []
    for kv in runs:
        if kv["server"] not in servers:
            servers.append(kv["server"])
    rounds = sorted({int(num(kv["round"])) for kv in runs if num(kv["round"]) == num(kv["round"])})
    by = {(kv["server"], int(num(kv["round"]))): kv for kv in meas}

    def col(s, field):
        return [num(by[(s, r)].get(field)) for r in rounds if (s, r) in by]

    ratio = {}
    if "boltdns" in servers and "unbound" in servers:
        for r in rounds:
            b, u = by.get(("boltdns", r)), by.get(("unbound", r))
            if b and u and num(u.get("qps")) > 0:
                ratio[r] = num(b.get("qps")) / num(u.get("qps"))

    params = header.get("params", "")
    out = []
    out.append("# Equal CPU budget: the shipped example configuration against Unbound "
               "(`bench/idle/budget.sh`)\n\n")
    out.append(header_block(order))
    out.append(
        "\nBoth servers in one cgroup on CPUs 0-1 with a CPU quota (params above: `pct` % of one "
        "core), cache-hot: dnsperf in the client namespace on CPU 1, 1000 queries in flight over "
        "the hot workload after the cache was warmed. boltdns runs deploy/boltdns.conf.example with "
        "only what ties it to a machine changed (below). The servers are interleaved, every one "
        "once per round; the ratio is paired by round. This machine is a shared 2-CPU VM: the "
        "figures are noisy.\n")

    out.append("\n## qps per round\n\n")
    cols = []
    for s in servers:
        cols.append(f"{s} qps")
    if ratio:
        cols.append("boltdns / unbound")
    for s in servers:
        cols += [f"{s} CPU %", f"{s} lost %", f"{s} avg µs"]
    out.append("| round | " + " | ".join(cols) + " |\n|" + " --- |" * (len(cols) + 1) + "\n")

    def cell(s, r, field, spec):
        kv = by.get((s, r))
        if kv is None:
            return "skipped" if any(k["server"] == s and int(num(k["round"])) == r
                                    for k in skipped) else ""
        return fmt(num(kv.get(field)), spec)

    for r in rounds:
        c = [cell(s, r, "qps", ".0f") for s in servers]
        if ratio:
            c.append(fmt(ratio.get(r, NAN), ".2f"))
        for s in servers:
            c += [cell(s, r, "cpu_pct", ".2f"), cell(s, r, "lost_pct", ".2f"),
                  cell(s, r, "avg_us", ".0f")]
        out.append(f"| {r} | " + " | ".join(c) + " |\n")
    c = [f"**{fmt(med(col(s, 'qps')), '.0f')}**" for s in servers]
    if ratio:
        c.append(f"**{fmt(med(list(ratio.values())), '.2f')}**")
    for s in servers:
        c += [fmt(med(col(s, "cpu_pct")), ".2f"), fmt(med(col(s, "lost_pct")), ".2f"),
              fmt(med(col(s, "avg_us")), ".0f")]
    out.append("| **median** | " + " | ".join(c) + " |\n")

    if ratio:
        m = med(list(ratio.values()))
        verdict = "met" if m >= 2 else "not met"
        out.append(f"\n**boltdns / Unbound at an equal CPU budget, paired by round: median "
                   f"{m:.2f}** over {len(ratio)} round(s) "
                   f"[{min(ratio.values()):.2f}–{max(ratio.values()):.2f}]; target ≥ 2: {verdict}.\n")
    elif servers:
        out.append("\nNo ratio: it needs both boltdns and unbound measured in the same round.\n")
    if skipped:
        out.append("\nSkipped: " + "; ".join(f"round {k['round']} {k['server']}: {k['skipped']}"
                                           for k in skipped) + "\n")
    warm = [f"{kv['server']} r{kv['round']}" for kv in meas if "not-warm" in kv.get("passes", "")]
    if warm:
        out.append("\nNot warm after 4 passes (still sending upstream): " + ", ".join(warm) + "\n")
    # dnsperf's "NOERROR 24617 (100.00%)" as NOERROR_24617_(100.00%)
    odd = [f"{kv['server']} r{kv['round']} `{kv['rcodes']}`" for kv in meas
           if set(re.findall(r"([A-Z]+)_\d+", kv.get("rcodes", ""))) - {"NOERROR"}]
    if odd:
        out.append("\nResponse codes other than NOERROR: " + "; ".join(odd) + "\n")

    if a.changes:
        try:
            diff = open(a.changes, encoding="utf-8", errors="replace").read().rstrip("\n")
        except OSError:
            diff = ""
        if diff:
            out.append("\n## Changes to the example configuration\n\n```diff\n" + diff + "\n```\n")
    if a.dplog_line:
        out.append(f"\nboltdns-dp's log: `{a.dplog_line}`\n")

    if a.png:
        dat = re.sub(r"\.png$", "", a.png) + ".dat"
        with open(dat, "w") as f:
            f.write("# round " + " ".join(f"{s}_qps" for s in servers) + " ratio\n")
            for r in rounds:
                vals = [num(by[(s, r)].get("qps")) if (s, r) in by else NAN for s in servers]
                vals.append(ratio.get(r, NAN))
                f.write(f"{r} " + " ".join("NaN" if v != v else f"{v:.3f}" for v in vals) + "\n")
        plots = ", ".join(f'"{dat}" using 1:{i + 2} with linespoints pt 7 title "{s}"'
                          for i, s in enumerate(servers))
        m = med(list(ratio.values()))
        rcol = len(servers) + 2
        commit = header.get("commit", "?")
        pct = dict(w.split("=", 1) for w in params.split() if "=" in w).get("pct", "?")
        script = f"""
set terminal @TERM@ size 1100,440 font ",10" noenhanced
set output "{a.png}"
set multiplot layout 1,{2 if ratio else 1} title "equal CPU budget, cache-hot: {pct} % of one core, {len(rounds)} round(s) (bench/idle/budget.sh, {commit}; shared 2-CPU VM)"
set grid ytics
set key bottom right
set xlabel "round"
set xtics 1
set xrange [{(rounds[0] if rounds else 1) - 0.5}:{(rounds[-1] if rounds else 1) + 0.5}]
set yrange [0:*]
set ylabel "dnsperf qps"
set title "qps per round"
plot {plots}
"""
        if ratio:
            script += f"""
set ylabel "boltdns / unbound"
set title "ratio per round (median {fmt(m, '.2f')}, target >= 2)"
set style fill solid 0.6 border -1
set boxwidth 0.6
set key below
set yrange [0:*]
plot "{dat}" using 1:{rcol} with boxes title "ratio", 2 with lines dt 2 lw 2 title "target 2", {m if m == m else 0} with lines lw 1 title "median"
"""
        script += "unset multiplot\n"
        why = gnuplot(script, a.png) if meas else "no measurement in the raw file"
        out.append("\n## Plot\n\n" + plot_note(a.png, why))
    sys.stdout.write("".join(out))


def cmd_prefix(a):
    """Today's results prefix for kind, or the next free suffix: never
    overwrite earlier results (DATE-KIND, DATEb-KIND, ... DATEj-KIND)."""
    day = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    for sfx in ["", *"bcdefghij"]:
        out = os.path.join(a.root, "bench", "results", f"{day}{sfx}-{a.kind}")
        if not os.path.exists(out + ".md") and not os.path.exists(out + "-raw.txt"):
            break
    print(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    x = sub.add_parser("prefix")
    x.add_argument("--root", required=True)
    x.add_argument("kind")
    h = sub.add_parser("header")
    h.add_argument("--root", required=True)
    h.add_argument("--build", required=True)
    h.add_argument("--cmd", required=True)
    h.add_argument("--param", default="")
    i = sub.add_parser("idle")
    i.add_argument("raw")
    i.add_argument("png", nargs="?")
    b = sub.add_parser("budget")
    b.add_argument("raw")
    b.add_argument("png", nargs="?")
    b.add_argument("--changes")
    b.add_argument("--dplog-line", default="")
    a = ap.parse_args()
    {"prefix": cmd_prefix, "header": cmd_header, "idle": cmd_idle,
     "budget": cmd_budget}[a.what](a)


if __name__ == "__main__":
    main()
