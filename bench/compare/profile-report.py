#!/usr/bin/env python3
"""Summarise a perf profile of the server CPU (bench/compare/profile.sh):
every sample is put in one class, by the task it interrupted and its stack.

  idle                   the CPU had nothing to run (swapper, no softirq)
  softirq on idle        network softirq run while the CPU was idle: charged to nobody
  softirq in server      network softirq run on the server's stack (its system calls
                         re-enable bottom halves, or an interrupt hit it): with no
                         IRQ time accounting (CONFIG_IRQ_TIME_ACCOUNTING unset) this
                         is charged to the server's cgroup
  softirq in other task  the same on another task's stack (ksoftirqd, ...)
  server syscall         the server's own system calls, by syscall
  server kernel other    page faults, timer interrupts, scheduling in the server
  server user: DSO       the server's user-space code, by binary/library
  other tasks            anything else that ran on the CPU

The user-space split is by leaf function (release builds have no frame
pointers, so user stacks stop at the leaf); kernel stacks are complete.
"""
import argparse
import collections
import re

SOFTIRQ = {"handle_softirqs", "__do_softirq", "net_rx_action", "do_softirq", "__napi_poll"}
SYSCALL_RE = re.compile(r"^(__x64_sys_|__se_sys_|__do_sys_|__ia32_sys_)(\w+)")
IDLE_COMMS = {"swapper"}


def parse(path):
    """Yield (comm, pid, tid, frames); frames leaf first, each (sym, dso)."""
    head = None
    frames = []
    hdr = re.compile(r"^\s*(.*?)\s+(\d+)/(\d+)\s*$")
    frame = re.compile(r"^\s+[0-9a-f]+\s+(.*?)\s+\((.*)\)\s*$")
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip():
                if head:
                    yield head + (frames,)
                head, frames = None, []
                continue
            if line[0] not in " \t":
                m = hdr.match(line)
                if m:
                    if head:
                        yield head + (frames,)
                    head = (m.group(1), int(m.group(2)), int(m.group(3)))
                    frames = []
                continue
            m = frame.match(line)
            if m and head:
                sym = re.sub(r"\+0x[0-9a-f]+$", "", m.group(1))
                frames.append((sym, m.group(2)))
    if head:
        yield head + (frames,)


def short_dso(d):
    d = d.rsplit("/", 1)[-1]
    return re.sub(r"\.so[.0-9]*$", "", d)


def classify(comm, tid, frames, server_tids):
    syms = [s for s, _ in frames]
    leaf_sym, leaf_dso = frames[0] if frames else ("[unknown]", "[unknown]")
    in_server = tid in server_tids
    in_softirq = any(s in SOFTIRQ for s in syms)
    idle = comm in IDLE_COMMS or tid == 0
    if idle:
        return ("softirq on idle (charged to nobody)" if in_softirq else "idle"), in_server
    if in_softirq:
        return ("softirq in server (charged to the server)" if in_server
                else f"softirq in other task ({comm})"), in_server
    if not in_server:
        return "other tasks (not the server: load, builds, kthreads)", False
    if leaf_dso.startswith("[kernel"):
        for s in syms:
            m = SYSCALL_RE.match(s)
            if m:
                return f"server syscall {m.group(2)}", True
        return "server kernel other (faults, timer, scheduler)", True
    return f"server user: {short_dso(leaf_dso)}", True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--script", required=True, help="perf script -F comm,pid,tid,ip,sym,dso output")
    ap.add_argument("--tids", required=True, help="the server cgroup's thread ids, one a line")
    ap.add_argument("--meta", help="lines to print first")
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args()
    server_tids = set()
    with open(a.tids) as f:
        for line in f:
            if line.strip().isdigit():
                server_tids.add(int(line))
    cls = collections.Counter()
    leaf = collections.Counter()
    softirq_leaf = collections.Counter()
    sys_leaf = collections.Counter()
    others = collections.Counter()
    total = charged = 0
    for comm, pid, tid, frames in parse(a.script):
        total += 1
        c, in_server = classify(comm, tid, frames, server_tids)
        cls[c] += 1
        if in_server:
            charged += 1
        elif c.startswith("other tasks"):
            others[comm] += 1
        if c == "idle":
            continue
        sym, dso = frames[0] if frames else ("[unknown]", "[unknown]")
        key = f"{sym} ({short_dso(dso)})"
        leaf[key] += 1
        if c.startswith("softirq"):
            softirq_leaf[key] += 1
        elif c.startswith("server syscall"):
            sys_leaf[key] += 1
    out = []
    if a.meta:
        with open(a.meta) as f:
            out += [line.rstrip("\n") for line in f]
    if total == 0:
        out.append("no samples (is perf allowed to sample the CPU?)")
        print("\n".join(out))
        return
    pct = lambda n: f"{100.0 * n / total:5.1f}"
    out.append(f"samples: {total}; in the server's threads (charged to its cgroup): {pct(charged)} %")
    out.append("")
    out.append("| class | % of the server CPU |")
    out.append("|---|---|")
    for c, n in cls.most_common():
        out.append(f"| {c} | {pct(n)} |")
    out.append("")
    out.append("other tasks on the CPU: " + ", ".join(f"{k} {pct(n).strip()} %" for k, n in others.most_common(8)))
    for title, counter in (("top leaf functions (idle excluded)", leaf),
                           ("top leaf functions in softirq", softirq_leaf),
                           ("top leaf functions in the server's system calls", sys_leaf)):
        out.append("")
        out.append(f"| {title} | % |")
        out.append("|---|---|")
        for k, n in counter.most_common(a.top if counter is leaf else 12):
            out.append(f"| {k} | {pct(n)} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
