#!/usr/bin/env python3
"""Runs the benchmark's clients against one server and prints a markdown table.

    drive.py --addr 127.0.0.1:PORT --label replay --rust-client BIN [--go-client BIN]
             [--impls tokio,blocking,async-imap,go-imap] [--workloads envelope,bodies,roundtrip]
             [--runs 5] [--cpu 0] [--json FILE]

Each implementation x workload runs `--runs` times, interleaved (run 1 of every client,
then run 2, ...), after one unmeasured warm-up round. Each run is one process pinned to
CPU `--cpu` (taskset); its wall and CPU time of the workload come from the client's own
output line, its peak RSS from the outside (`/usr/bin/time -f %M`, which sees the
client's whole life, connection and login included). The table shows medians; ratios are
against async-imap in the same workload.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

MAILBOX = {"envelope": "bench-envelope", "bodies": "bench-bodies", "roundtrip": "bench-envelope"}
USER, PASSWORD = "alice", "secret"
BASELINE = "async-imap"


def parse_line(out):
    """The client's `key=value ...` line."""
    for line in out.splitlines():
        if line.startswith("impl="):
            return dict(kv.split("=", 1) for kv in line.split())
    raise ValueError(f"no result line in {out!r}")


class Runner:
    def __init__(self, args):
        self.args = args
        self.time = shutil.which("time", path="/usr/bin:/bin") or None
        self.taskset = shutil.which("taskset")
        if not self.time:
            print("WARNING: /usr/bin/time not found (apt-get install time): peak RSS falls back to "
                  "os.wait4, which also counts this Python process's RSS at spawn time", file=sys.stderr)
        if not self.taskset:
            print("WARNING: taskset not found (util-linux): clients are not pinned", file=sys.stderr)

    def command(self, impl, workload):
        binary = self.args.go_client if impl == "go-imap" else self.args.rust_client
        return [binary, "--impl", impl, "--workload", workload, "--addr", self.args.addr,
                "--user", USER, "--pass", PASSWORD, "--mailbox", MAILBOX[workload]]

    def run(self, impl, workload):
        """One run: the client's result line (a dict) plus `rss_kib`."""
        cmd = self.command(impl, workload)
        if self.taskset:
            cmd = [self.taskset, "-c", str(self.args.cpu)] + cmd
        with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss, \
                tempfile.TemporaryFile("w+") as out_f, tempfile.TemporaryFile("w+") as err_f:
            if self.time:
                cmd = [self.time, "-f", "%M", "-o", rss.name] + cmd
            p = subprocess.Popen(cmd, stdout=out_f, stderr=err_f)
            _, status, usage = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
            out_f.seek(0)
            err_f.seek(0)
            out, err = out_f.read(), err_f.read()
            if p.returncode != 0:
                raise RuntimeError(f"{impl} {workload} failed ({p.returncode}):\n{out}{err}")
            rss_kib = int(rss.read().strip().splitlines()[-1]) if self.time else usage.ru_maxrss
        r = parse_line(out)
        r["rss_kib"] = rss_kib
        return r

    def floor_kib(self):
        """Peak RSS of the measuring chain itself (time -> taskset -> `true`)."""
        if not self.time:
            return None
        with tempfile.NamedTemporaryFile("r") as rss:
            cmd = [self.time, "-f", "%M", "-o", rss.name] + ([self.taskset, "-c", str(self.args.cpu)] if self.taskset else []) + ["true"]
            subprocess.run(cmd, check=True)
            return int(rss.read().strip().splitlines()[-1])


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[0]


def fmt_ratio(x):
    return "–" if x is None else f"{x:.2f}×"


def table(label, results, impls, workloads):
    rows = [f"\n### {label}\n",
            "| impl | workload | messages/s | client CPU µs/msg | peak RSS MiB | wall spread | "
            f"msg/s vs {BASELINE} | CPU vs {BASELINE} | RSS vs {BASELINE} |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    med = {}
    for w in workloads:
        for i in impls:
            runs = results.get((i, w))
            if not runs:
                continue
            n = int(runs[0]["messages"])
            walls = [float(r["wall_s"]) for r in runs]
            wall = statistics.median(walls)
            cpu = statistics.median(float(r["cpu_s"]) for r in runs)
            rss = statistics.median(r["rss_kib"] for r in runs) / 1024
            med[(i, w)] = (n / wall, cpu / n * 1e6, rss, (max(walls) - min(walls)) / wall)
    for w in workloads:
        base = med.get((BASELINE, w))
        for i in impls:
            if (i, w) not in med:
                continue
            rate, cpu_us, rss, spread = med[(i, w)]
            ratios = (rate / base[0], cpu_us / base[1], rss / base[2]) if base else (None, None, None)
            rows.append(f"| {i} | {w} | {rate:,.0f} | {cpu_us:.2f} | {rss:.1f} | ±{spread * 50:.0f}% | "
                        + " | ".join(fmt_ratio(x) for x in ratios) + " |")
    return "\n".join(rows)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--addr", required=True)
    p.add_argument("--label", required=True)
    p.add_argument("--rust-client", required=True)
    p.add_argument("--go-client")
    p.add_argument("--impls", default="tokio,blocking,async-imap,go-imap,floor")
    p.add_argument("--workloads", default="envelope,bodies,roundtrip")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--cpu", type=int, default=0)
    p.add_argument("--json", help="append every run as a JSON line to this file")
    args = p.parse_args()
    impls = [i for i in args.impls.split(",") if i]
    if "go-imap" in impls and not (args.go_client and os.access(args.go_client, os.X_OK)):
        print("WARNING: no go-imap client binary: the go-imap rows are SKIPPED", file=sys.stderr)
        impls.remove("go-imap")
    workloads = [w for w in args.workloads.split(",") if w]
    runner = Runner(args)

    load_before = loadavg()
    results = {}
    for round_ in range(args.runs + 1):  # round 0 warms up and is not counted
        for w in workloads:
            for i in impls:
                r = runner.run(i, w)
                if round_ == 0:
                    continue
                results.setdefault((i, w), []).append(r)
                if args.json:
                    with open(args.json, "a") as f:
                        f.write(json.dumps({"label": args.label, **r}) + "\n")
        print(f"  {args.label}: round {round_}/{args.runs} done{' (warm-up)' if round_ == 0 else ''}", file=sys.stderr)

    print(table(args.label, results, impls, workloads))
    floor = runner.floor_kib()
    print(f"\n{args.runs} runs each, medians; client pinned to CPU {args.cpu}. Peak RSS is the whole process "
          f"(connect and login included); the measuring chain alone (time, taskset) peaks at "
          f"{floor / 1024:.1f} MiB." if floor else f"\n{args.runs} runs each, medians.")
    print("wall spread: (max - min) / 2 of the runs' wall times, relative to the median. "
          f"Load average (1 min) before / after: {load_before} / {loadavg()} "
          "(above ~1 other work shared the CPUs and the numbers are noisier).")


if __name__ == "__main__":
    main()
