#!/usr/bin/env python3
"""Turns bench/run.sh's key=value results into the Markdown tables of docs/BENCHMARKS.md.

Usage: summarize.py bench/target/results.txt
"""
import re
import shlex
import statistics
import sys
from collections import defaultdict


def parse(path):
    rows = []
    for line in open(path, encoding="utf-8"):
        parts = shlex.split(line.strip())
        if not parts:
            continue
        kv = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
        kv["_section"] = parts[0]
        rows.append(kv)
    return rows


def med(values):
    values = [float(v) for v in values if v not in (None, "nan", "NaN")]
    return statistics.median(values) if values else float("nan")


def main():
    rows = parse(sys.argv[1])
    by = defaultdict(list)
    for r in rows:
        by[r["_section"]].append(r)
    out = []
    for m in by["machine"]:
        out.append("Machine: %s CPU(s), %s; %s; %s; quick run: %s\n" % (m["nproc"], m["cpu"], m["jdk"], m["python"], m["quick"]))

    if by["sample"]:
        out.append("### 1. Cost per sample (8 simulated GPUs, 28 NVML calls per GPU)\n")
        out.append("| binding | rounds | median CPU µs / sample (8 GPUs) | ratio to flopwatch |")
        out.append("|---|---|---|---|")
        meds = {}
        for b in ("flopwatch", "flopwatch-c2", "flopwatch-jna", "pynvml", "c-direct"):
            vals = [r["cpu_us_per_sample"] for r in by["sample"] if r.get("binding") == b]
            meds[b] = med(vals)
        for b in [b for b in ("flopwatch", "flopwatch-c2", "flopwatch-jna", "pynvml", "c-direct") if b in meds and meds[b] == meds[b]]:
            n = sum(1 for r in by["sample"] if r.get("binding") == b)
            out.append("| %s | %d | %.1f | %.2f× |" % (b, n, meds[b], meds[b] / meds["flopwatch"]))
        out.append("\npynvml / flopwatch CPU ratio: **%.2f×** (goal ≥ 10×)\n" % (meds["pynvml"] / meds["flopwatch"]))

    if by["overhead"]:
        out.append("### 2. Agent overhead (idle: nobody scrapes)\n")
        out.append("| process | sampling | window s | CPU % of one core | RSS MiB | peak RSS MiB |")
        out.append("|---|---|---|---|---|---|")
        for r in by["overhead"]:
            out.append("| %s | %s | %s | %s | %s | %s |" % (r["tool"], r["interval"], r["seconds"], r["cpu_percent_of_core"],
                                                       r["rss_mib"], r["hwm_mib"]))
        out.append("")

    if by["scrape"]:
        out.append("### 3. Scrape latency (8 GPUs, 64 processes, 4 workloads; medians over rounds)\n")
        out.append("| scrapers | flopwatch p50 ms | flopwatch p99 ms | node_exporter p50 ms | node_exporter p99 ms | p99 ratio fw/ne | body bytes fw / ne | failed scrapes fw / ne |")
        out.append("|---|---|---|---|---|---|---|---|")
        for c, pause in (("1", "0"), ("10", "0"), ("50", "0"), ("1", "1100")):
            f = [r for r in by["scrape"] if r.get("tool") == "flopwatch" and r.get("concurrency") == c
                 and r.get("pause_ms", "0") == pause]
            n = [r for r in by["scrape"] if r.get("tool") == "node_exporter" and r.get("concurrency") == c
                 and r.get("pause_ms", "0") == pause]
            if not f or not n:
                continue
            fp99, np99 = med(r["p99_ms"] for r in f), med(r["p99_ms"] for r in n)
            label = c if pause == "0" else "%s, paced (one scrape per %.1f s: every flopwatch scrape renders)" % (c, int(pause) / 1000)
            out.append("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %s / %s | %d / %d |" % (
                label, med(r["p50_ms"] for r in f), fp99, med(r["p50_ms"] for r in n), np99, fp99 / np99,
                f[-1]["bytes"], n[-1]["bytes"], sum(int(r["errors"]) for r in f), sum(int(r["errors"]) for r in n)))
        out.append("")

    if by["logs"]:
        out.append("### 4. Log throughput (lines per CPU-second, one core; medians)\n")
        out.append("| parser | lines | readings / grep matches | flopwatch lines/s | grep -cE lines/s | flopwatch / grep |")
        out.append("|---|---|---|---|---|---|")
        fw = {r["parser"]: r for r in by["logs"] if r.get("tool") == "flopwatch"}
        gr = {r["parser"]: r for r in by["logs"] if r.get("tool") == "grep"}
        for p, r in fw.items():
            g = gr.get(p)
            if g is None:
                continue
            a, b = float(r["lines_per_cpu_second"]), float(g["lines_per_cpu_second"])
            out.append("| %s | %s | %s / %s | %.0f | %.0f | %.2f |" % (p, r["lines"], r["observations"], g["matches"], a, b, a / b))
        out.append("\nGoal: flopwatch / grep ≥ 0.25.\n")

    if by["startup"]:
        out.append("### 5. Start-up: launch to first scrape with data\n")
        load = [r["load"] for r in by["startup"] if "load" in r]
        if load:
            out.append("Load average (1, 5, 15 min) when the section began: %s\n" % load[0])
        out.append("| mode | rounds | median ms | min ms | max ms | median CPU ms until then |")
        out.append("|---|---|---|---|---|---|")
        for mode in ("plain", "cds"):
            rows = [r for r in by["startup"] if r.get("mode") == mode]
            v = [float(r["ms_to_first_data"]) for r in rows]
            if v:
                out.append("| %s | %d | %.0f | %.0f | %.0f | %.0f |" % (mode, len(v), statistics.median(v), min(v), max(v),
                                                                  med(r.get("cpu_ms") for r in rows)))
        out.append("")

    if by["scaling"]:
        out.append("### 6. Scaling\n")
        out.append("| GPUs | processes | CPU µs / sample, all GPUs (device reads + process list) | µs per GPU | agent CPU % of a core at 1 Hz, idle | RSS MiB | scrape p50 ms (paced: full rendering) | scrape p99 ms (paced) | body bytes |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        shapes = []
        for r in by["scaling"]:
            k = (int(r["gpus"]), int(r["processes"]))
            if k not in shapes:
                shapes.append(k)
        for g, p in shapes:
            rs = [r for r in by["scaling"] if int(r["gpus"]) == g and int(r["processes"]) == p]
            s = med(r["cpu_us_per_sample"] for r in rs if "cpu_us_per_sample" in r)
            sc = [r for r in rs if "p50_ms" in r]
            idle = [r for r in rs if "idle_cpu_percent_of_core" in r]
            out.append("| %d | %d | %.1f | %.1f | %s | %s | %s | %s | %s |" % (g, p, s, s / g,
                                                                 idle[-1]["idle_cpu_percent_of_core"] if idle else "-",
                                                                 idle[-1]["rss_mib"] if idle else "-",
                                                                 sc[-1]["p50_ms"] if sc else "-",
                                                                 sc[-1]["p99_ms"] if sc else "-", sc[-1]["bytes"] if sc else "-"))
        out.append("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
