#!/usr/bin/env python3
"""flopwatch's validation on a real H200 (issue 10), or its dry run against the simulated NVML
library. Started by validate-h200.sh, which says how; this file does the five steps and writes
summary.json and summary.md (one table per step: what was compared, values, tolerance,
agree / disagree) next to the raw outputs.

Every child process runs in its own process group with a timeout and is killed on exit, on
SIGTERM and on SIGINT, so nothing outlives the script.
"""
import argparse
import atexit
import datetime
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CHILDREN = []

# H200 SXM datasheet numbers as flopwatch's catalog has them (config/gpus.yaml, entry h200).
H200_BF16_DENSE_PEAK_FLOPS = 989.5e12
H200_DRAM_BYTES_PER_SECOND = 4.8e12


# ---------------------------------------------------------------- processes

def _kill_children():
    for p in CHILDREN:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + 5
    for p in CHILDREN:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class Interrupted(Exception):
    """SIGTERM / SIGINT (the device command's `timeout`): stop, but still write the summary."""


def _on_signal(signum, _frame):
    signal.signal(signum, signal.SIG_IGN)  # once is enough
    raise Interrupted("signal %d" % signum)


def start(cmd, stdout, env=None, stderr=subprocess.STDOUT):
    """Starts a child in its own process group (so killpg ends its whole tree)."""
    p = subprocess.Popen(cmd, stdout=stdout, stderr=stderr, stdin=subprocess.DEVNULL,
                         env=env, start_new_session=True, text=True)
    CHILDREN.append(p)
    return p


def stop(p, grace=10):
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGTERM)
        try:
            p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    return p.returncode


def run(cmd, out_file, timeout, env=None):
    """Runs cmd to completion (bounded), stdout to out_file, stderr to out_file.err."""
    with open(out_file, "w") as out, open(out_file + ".err", "w") as err:
        p = start(cmd, out, env=env, stderr=err)
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop(p)
            return 124
    return p.returncode


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def wait_for_line(path, pattern, timeout, proc=None):
    """Waits until a line of file `path` matches `pattern`; False on timeout or child exit."""
    deadline = time.monotonic() + timeout
    rx = re.compile(pattern)
    while time.monotonic() < deadline:
        try:
            with open(path) as f:
                if any(rx.search(line) for line in f):
                    return True
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            return False
        time.sleep(0.2)
    return False


def tail(path, lines=3):
    """The last lines of a file, on one line: why a child failed, in the summary itself."""
    try:
        with open(path, errors="replace") as f:
            return " / ".join(l.strip() for l in f.readlines()[-lines:]) or "(empty)"
    except OSError:
        return "(missing)"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- comparisons

class Table:
    """Rows of one step's table: what, flopwatch, reference, tolerance, verdict."""

    def __init__(self, step, title, columns=("compared", "flopwatch", "reference", "tolerance", "verdict")):
        self.step, self.title, self.columns, self.rows, self.notes = step, title, columns, [], []

    def row(self, what, ours, ref, tolerance, verdict):
        self.rows.append({"compared": what, "flopwatch": ours, "reference": ref,
                          "tolerance": tolerance, "verdict": verdict})

    def exact(self, what, ours, ref):
        self.row(what, ours, ref, "equal", "agree" if ours == ref else "DISAGREE")

    def relative(self, what, ours, ref, rel, absolute=0.0):
        if not isinstance(ours, (int, float)) or not isinstance(ref, (int, float)):
            self.row(what, ours, ref, "±%g%%" % (rel * 100), "n/a")
            return
        ok = abs(ours - ref) <= max(rel * abs(ref), absolute)
        tol = "±%g%%" % (rel * 100) + (" or ±%g" % absolute if absolute else "")
        self.row(what, ours, ref, tol, "agree" if ok else "DISAGREE")

    def within(self, what, ours, lo, hi, slack_rel, label):
        """ours within [lo, hi] widened by slack_rel (a value read before and one after)."""
        if not all(isinstance(v, (int, float)) for v in (ours, lo, hi)):
            self.row(what, ours, "%s..%s" % (lo, hi), label, "n/a")
            return
        lo2, hi2 = min(lo, hi), max(lo, hi)
        ok = lo2 * (1 - slack_rel) - 1e-9 <= ours <= hi2 * (1 + slack_rel) + 1e-9
        ref = lo if lo == hi else "%s..%s" % (lo2, hi2)
        self.row(what, ours, ref, label, "agree" if ok else "DISAGREE")

    def info(self, what, ours, ref="", tolerance="(recorded)"):
        self.row(what, ours, ref, tolerance, "info")

    def to_dict(self):
        return {"step": self.step, "title": self.title, "rows": self.rows, "notes": self.notes}


def fmt(v):
    if isinstance(v, float):
        if v != 0 and (abs(v) >= 1e6 or abs(v) < 1e-3):
            return "%.4g" % v
        return "%.4f" % v if abs(v) < 10 else "%.1f" % v
    return "" if v is None else str(v)


def markdown(summary):
    lines = ["# flopwatch H200 validation: %s" % ("DRY RUN (simulated NVML, fake workload: NOT a measurement)"
                                                  if summary["dry_run"] else "real run"), ""]
    env = summary["environment"]
    lines += ["| | |", "|---|---|"]
    for k in ("date", "mode", "gpu", "driver_version", "cuda_driver_version", "torch", "pynvml", "flopwatch", "durations"):
        lines.append("| %s | %s |" % (k, fmt(env.get(k))))
    lines.append("")
    for t in summary["steps"]:
        lines += ["## Step %s: %s" % (t["step"], t["title"]), ""]
        if t["rows"]:
            lines += ["| compared | flopwatch | reference | tolerance | verdict |", "|---|---|---|---|---|"]
            for r in t["rows"]:
                lines.append("| %s | %s | %s | %s | %s |" % tuple(
                    fmt(r[c]).replace("|", "\\|") for c in ("compared", "flopwatch", "reference", "tolerance", "verdict")))
            lines.append("")
        for n in t["notes"]:
            lines.append("- " + n)
        if t["notes"]:
            lines.append("")
    c = summary["counts"]
    lines.append("Totals: %d agree, %d disagree, %d n/a, %d info; %d step error(s)." % (
        c["agree"], c["DISAGREE"], c["n/a"], c["info"], c["errors"]))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- the run

class Validation:
    def __init__(self, a):
        self.a = a
        self.dry = a.dry_run
        self.out = os.path.abspath(a.out)
        # Raw outputs under raw/ (the device returns at most 8 files: validate-h200.sh --pack
        # makes raw/ one raw.tar.gz), summaries beside it.
        self.raw = os.path.join(self.out, "raw")
        os.makedirs(self.raw, exist_ok=True)
        self.tables = []
        self.trainer = None
        self.facts = json.loads(subprocess.run(
            [sys.executable, os.path.join(HERE, "trainer.py"), "--print-facts"],
            capture_output=True, text=True, timeout=60, check=True).stdout)
        self.spec = os.path.join(self.raw, "toy-gpt.yaml")
        subprocess.run([sys.executable, os.path.join(HERE, "trainer.py"), "--write-spec", self.spec],
                       check=True, timeout=60)
        if self.dry:
            self.durations = dict(phase=4, step2=14, window=5, trainer_start=30, phase_start=20)
        else:
            self.durations = dict(phase=8, step2=40, window=15, trainer_start=180, phase_start=120)

    def path(self, name):
        return os.path.join(self.raw, name)

    # -- flopwatch and the simulated library

    def scenario(self, name, **values):
        """The dry run's simulated H200 with the given activity (percent) set."""
        v = dict(MEMUSED="20GiB", UTIL=0, MEMUTIL=0, SMCLK=345, POWER=75000, SM=0, OCC=0, TENSOR=0, DRAM=0)
        v.update(values)
        with open(os.path.join(HERE, "h200-sim.scenario.in")) as f:
            text = f.read()
        for k, val in v.items():
            text = text.replace("@%s@" % k, str(val))
        path = self.path("sim-%s.scenario" % name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def fw(self, *args, scenario=None):
        cmd = [self.a.flopwatch] + list(args)
        if scenario:
            cmd += ["--simulate", scenario]
        return cmd

    def env(self, **extra):
        e = dict(os.environ)
        e.pop("FLOPWATCH_SIM_CLOCK", None)
        e.update(extra)
        return e

    # -- step 1: nvidia-smi, doctor, snapshot, pynvml at the same moment

    def step1(self):
        t = Table(1, "NVML readings: flopwatch snapshot vs pynvml (and nvidia-smi)")
        self.tables.append(t)
        scen = self.scenario("idle", UTIL=0, SMCLK=345, POWER=75000) if self.dry else None
        # The dry run freezes the simulated clock so both bindings read identical values.
        env = self.env(FLOPWATCH_SIM_CLOCK="frozen:100", FLOPWATCH_SIM_SCENARIO=scen) if self.dry else self.env()
        if shutil.which("nvidia-smi") and not self.dry:
            run(["nvidia-smi", "-q"], self.path("nvidia-smi-q.txt"), 60)
            run(["nvidia-smi", "-q", "-x"], self.path("nvidia-smi-q.xml"), 60)
        else:
            t.notes.append("nvidia-smi: not run (%s)" % ("dry run: no driver; the simulated library is not nvidia-smi's"
                                                          if self.dry else "not on PATH"))
        run(self.fw("doctor", "--json", scenario=scen), self.path("doctor.json"), 120, env)
        reader = [sys.executable, os.path.join(HERE, "nvml_read.py")]
        if self.dry:
            reader += ["--lib", self.a.sim_lib, "--pynvml", self.a.pynvml]
        elif self.a.pynvml:
            reader += ["--pynvml", self.a.pynvml]
        run(reader, self.path("pynvml-before.json"), 60, env)
        rc = run(self.fw("snapshot", "--json", scenario=scen), self.path("snapshot.json"), 120, env)
        run(reader, self.path("pynvml-after.json"), 60, env)
        snap, before, after = (read_json(self.path(n)) for n in ("snapshot.json", "pynvml-before.json", "pynvml-after.json"))
        if not snap or not before or not after:
            t.row("snapshot / pynvml readings", "exit %s" % rc, None, "",
                  "ERROR: missing output (see snapshot.json.err, pynvml-*.json.err)")
            for name in ("snapshot.json.err", "pynvml-before.json.err"):
                t.notes.append("%s: %s" % (name, tail(self.path(name))))
            return
        self.gpu_name = snap["devices"][0]["name"] if snap.get("devices") else None
        self.system = snap.get("system", {})
        for k in ("driver_version", "nvml_version", "cuda_driver_version"):
            t.exact("system." + k, snap["system"].get(k), before["system"].get(k))
        t.exact("device count", len(snap["devices"]), len(before["devices"]))
        exact = ["name", "uuid", "serial", "pci_bus_id", "compute_capability", "gpu_cores", "memory_total_bytes",
                 "graphics_clock_max_hz", "sm_clock_max_hz", "memory_clock_max_hz", "power_limit_enforced_watts",
                 "pcie_link_generation", "pcie_link_width", "mig_mode_current", "gpm_supported"]
        # Values that move on a real GPU: flopwatch's reading must lie between pynvml's reading just
        # before and just after it, widened by the sampling noise named in the tolerance column.
        moving = [("memory_used_bytes", 0.01, "between before/after ±1%"),
                  ("sm_clock_hz", 0.05, "between before/after ±5% (clock moves)"),
                  ("graphics_clock_hz", 0.05, "between before/after ±5%"),
                  ("memory_clock_hz", 0.0, "between before/after"),
                  ("performance_state", 0.0, "between before/after"),
                  ("power_watts", 0.15, "between before/after ±15% (power sampling)"),
                  ("energy_total_joules", 0.0, "between before/after (counter)"),
                  ("temperature_celsius", 0.05, "between before/after ±5%"),
                  ("gpu_utilization_percent", 0.0, "between before/after")]
        for i, d in enumerate(snap["devices"]):
            b, a = before["devices"][i], after["devices"][i]
            for k in exact:
                t.exact("gpu%d.%s" % (i, k), d.get(k), b.get(k))
            for k, slack, label in moving:
                if self.dry:
                    t.exact("gpu%d.%s" % (i, k), d.get(k), b.get(k))
                else:
                    t.within("gpu%d.%s" % (i, k), d.get(k), b.get(k), a.get(k), slack, label)
        self.nvidia_smi_rows(t, snap)
        if self.dry:
            t.notes.append("dry run: simulated clock frozen at t=100 s, so moving values must be equal")

    def nvidia_smi_rows(self, t, snap):
        xml = self.path("nvidia-smi-q.xml")
        if not os.path.exists(xml):
            return
        try:
            import xml.etree.ElementTree as ET
            root = ET.parse(xml).getroot()
        except Exception as e:  # a malformed file is a finding, not a crash
            t.notes.append("nvidia-smi -q -x unreadable: %s" % e)
            return
        t.exact("nvidia-smi driver_version", snap["system"].get("driver_version"), root.findtext("driver_version"))
        t.exact("nvidia-smi cuda_version", snap["system"].get("cuda_driver_version"), root.findtext("cuda_version"))
        for i, g in enumerate(root.findall("gpu")):
            if i >= len(snap["devices"]):
                break
            d = snap["devices"][i]
            t.exact("nvidia-smi gpu%d product_name" % i, d.get("name"), g.findtext("product_name"))
            t.exact("nvidia-smi gpu%d uuid" % i, d.get("uuid"), g.findtext("uuid"))
            total = g.findtext("fb_memory_usage/total") or ""
            mib = int(total.split()[0]) if total.split() and total.split()[0].isdigit() else None
            ours = d.get("memory_total_bytes")
            t.relative("nvidia-smi gpu%d fb total (MiB)" % i, ours // (1 << 20) if ours else None, mib, 0.0, 1)

    # -- step 3: phases of known character

    def step3(self):
        t = Table(3, "Phases of known character: what flopwatch reports vs ground truth")
        self.tables.append(t)
        phases = [("matmul", "compute_bound"), ("copy", "memory_bound"), ("idle", "idle")]
        for kind, expected in phases:
            scen = None
            cmd = [sys.executable, os.path.join(HERE, "phases.py"), kind, "--seconds", str(self.durations["phase"])]
            if self.dry:
                # The simulated GPU does what the fake phase claims (illustrative values).
                act = {"matmul": dict(UTIL=100, MEMUTIL=30, SMCLK=1980, POWER=690000, SM=98, OCC=25, TENSOR=80, DRAM=25),
                       "copy": dict(UTIL=100, MEMUTIL=95, SMCLK=1980, POWER=450000, SM=60, OCC=50, TENSOR=0, DRAM=90),
                       "idle": dict()}[kind]
                scen = self.scenario(kind, **act)
                cmd += ["--fake", "--fake-flops", str(act.get("TENSOR", 0) / 100 * H200_BF16_DENSE_PEAK_FLOPS),
                        "--fake-bytes-per-second", str(act.get("DRAM", 0) / 100 * H200_DRAM_BYTES_PER_SECOND)]
            log = self.path("phase-%s.log" % kind)
            with open(log, "w") as f:
                p = start(cmd, f)
            if not wait_for_line(log, r"^ready", self.durations["phase_start"], p):
                stop(p)
                t.row(kind, None, None, "", "ERROR: phase did not start (see %s)" % os.path.basename(log))
                t.notes.append("%s: %s" % (os.path.basename(log), tail(log)))
                continue
            snap_file = self.path("snapshot-%s.json" % kind)
            run(self.fw("snapshot", "--json", "--gpm-interval", "1000", scenario=scen), snap_file, 60, self.env())
            try:
                p.wait(timeout=self.durations["phase"] + 60)
            except subprocess.TimeoutExpired:
                stop(p)
            truth = None
            with open(log) as f:
                for line in f:
                    if line.startswith("{"):
                        truth = json.loads(line)
            snap = read_json(snap_file)
            g = (snap or {}).get("analysis", {}).get("gpus", [{}])[0] if snap else {}
            dev = (snap or {}).get("devices", [{}])[0] if snap else {}
            t.info("%s: tensor_active_ratio" % kind, g.get("tensor_active_ratio"))
            t.info("%s: sm_active_ratio" % kind, g.get("sm_active_ratio"))
            t.info("%s: sm_clock_hz" % kind, dev.get("sm_clock_hz"))
            if kind == "matmul":
                t.relative("matmul: tensor FLOP/s estimate vs timed 2·n³ FLOP/s", g.get("tensor_flops_estimate"),
                           (truth or {}).get("flops_per_second"), 0.15)
            dram = g.get("dram_bandwidth_utilization_ratio")
            if kind == "copy":
                est = dram * H200_DRAM_BYTES_PER_SECOND if isinstance(dram, (int, float)) else None
                t.relative("copy: DRAM util × 4.8 TB/s vs timed copy bytes/s", est,
                           (truth or {}).get("bytes_per_second"), 0.15)
            else:
                t.info("%s: dram_bandwidth_utilization_ratio" % kind, dram)
            t.exact("%s: diagnosis" % kind, g.get("diagnosis"), expected)
        t.notes.append("phase length %d s each; flopwatch snapshot with a 1 s GPM interval taken after the "
                       "phase warmed up (`ready`)" % self.durations["phase"])
        t.notes.append("NVIDIA: tensor-pipe activity cannot be converted exactly into FLOP/s; the estimate "
                       "(tensor active × dense peak 989.5 TFLOP/s) is a cross-check, hence ±15%")
        if self.dry:
            t.notes.append("dry run: the simulated scenario of each phase was built from the same numbers as the "
                           "fake ground truth, so agreement only shows the plumbing works")

    # -- steps 2 and 5: trainer + flopwatch run; overhead windows

    def start_trainer(self, total_seconds):
        self.train_log = self.path("train.log")
        self.train_jsonl = self.path("train.jsonl")
        self.push_port = free_port()
        cmd = [sys.executable, os.path.join(HERE, "trainer.py"), "--seconds", str(total_seconds),
               "--log", self.train_log, "--jsonl", self.train_jsonl]
        if self.a.throughput == "push":
            # Only then: a POST per step to a live flopwatch would tax the B windows of step 5 alone.
            cmd += ["--push-url", "http://127.0.0.1:%d/api/v1/throughput" % self.push_port]
        if self.dry:
            cmd.append("--fake")
        self.trainer_out = open(self.path("trainer.out"), "w")
        self.trainer = start(cmd, self.trainer_out)
        ok = wait_for_line(self.train_log, r"^iter \d+", self.durations["trainer_start"], self.trainer)
        if ok:  # let the first iterations (allocator, autotuning) pass
            time.sleep(2 if self.dry else 10)
        return ok

    def trainer_rate(self, t0, t1):
        """Tokens/s and MFU of the trainer over [t0, t1] from its per-iteration records."""
        tokens = seconds = 0.0
        try:
            with open(self.train_jsonl) as f:
                for line in f:
                    r = json.loads(line)
                    if t0 <= r["time"] <= t1:
                        tokens += r["tokens"]
                        seconds += r["seconds"]
        except (OSError, ValueError):
            return None, None
        if seconds == 0:
            return None, None
        rate = tokens / seconds
        return rate, rate * self.facts["model_flops_per_token"] / H200_BF16_DENSE_PEAK_FLOPS

    def agent_config(self, name, interval, log_file, workload_source):
        scen = self.scenario("training", UTIL=100, MEMUTIL=45, SMCLK=1980, POWER=620000, SM=92, OCC=30,
                             TENSOR=45, DRAM=35) if self.dry else None
        lines = ["# flopwatch agent config for the H200 validation (%s); docs/configuration.md" % name,
                 "web:", "  listen_address: 127.0.0.1:%d" % self.push_port,
                 "sampling:", "  interval: %s" % interval, "  collectors: [device, gpm, processes]"]
        if scen:
            lines.append("  simulate: %s" % scen)
        lines += ["exporters:", "  log:", "    format: json", "    file: %s" % log_file]
        if workload_source:
            lines += ["workloads:", "  - name: toy-gpt", "    model: %s" % self.spec, "    mode: train",
                      "    seq_len: %d" % self.facts["arch"]["seq_len"], "    precision: bf16", "    gpus: all",
                      "    throughput:"] + ["      " + l for l in workload_source]
        path = self.path("agent-%s.yaml" % name)
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def throughput_source(self):
        if self.a.throughput == "log":
            # start_at end (the default) skips nanoGPT's header line, hence tokens_per_step.
            a = self.facts["arch"]
            return ["source: log", "paths: [%s]" % self.train_log, "format: nanogpt",
                    "tokens_per_step: %d" % (a["batch"] * a["seq_len"]), "window: 10s"]
        return ["source: push", "window: 10s"]

    def step2(self):
        t = Table(2, "Training loop: flopwatch MFU vs the trainer's own MFU")
        self.tables.append(t)
        t.exact("model matmul params N (flopwatch flops vs trainer)", self.flops_json.get("params_matmul"),
                self.facts["params_matmul"])
        t.exact("model FLOPs/token (flopwatch flops vs trainer)", self.flops_json.get("flops_per_token"),
                float(self.facts["model_flops_per_token"]))
        log = self.path("step2-flopwatch.jsonl")
        cfg = self.agent_config("step2", "1s", log, self.throughput_source())
        d = self.durations["step2"]
        t0 = time.time()
        run(self.fw("run", "--config", cfg, "--duration", str(d)), self.path("step2-run.out"), d + 60, self.env())
        t1 = time.time()
        lines = []
        try:
            with open(log) as f:
                lines = [json.loads(l) for l in f if l.strip().startswith("{")]
        except (OSError, ValueError) as e:
            t.notes.append("no flopwatch log lines: %s" % e)
        # Compare over the second half of the run: the 10 s smoothing window has filled by then.
        half = t0 + (t1 - t0) / 2
        mfus, rates, ests, reported, flags = [], [], [], [], []
        for l in lines:
            ts = datetime.datetime.fromisoformat(l["time"].replace("Z", "+00:00")).timestamp()
            for w in l.get("workloads", []):
                if w.get("workload") == "toy-gpt" and ts >= half and w.get("mfu_ratio") is not None:
                    mfus.append(w["mfu_ratio"])
                    rates.append(w["tokens_per_second"])
                    if w.get("reported_mfu_ratio") is not None:
                        reported.append(w["reported_mfu_ratio"])
                    if w.get("mfu_disagreement") is not None:
                        flags.append(w["mfu_disagreement"])
            for g in l.get("gpus", []):
                if ts >= half and g.get("tensor_flops_estimate") is not None:
                    ests.append(g["tensor_flops_estimate"])
        rate, mfu = self.trainer_rate(half - 10, t1)
        mean = lambda xs: sum(xs) / len(xs) if xs else None
        t.relative("tokens/s (flopwatch, from %s) vs trainer" % self.a.throughput, mean(rates), rate, 0.05)
        t.relative("MFU (flopwatch) vs trainer's 6N+12LHQT / 989.5 TFLOP/s", mean(mfus), mfu, 0.05)
        # flopwatch also reads the trainer's own `mfu` from the log line (reported_mfu_ratio) and
        # flags a disagreement over 10 % (docs/metrics.md); the trainer prints it against the same peak.
        t.relative("the trainer's own MFU as flopwatch read it from the log", mean(reported), mfu, 0.05)
        t.row("mfu_disagreement flag (1 = flopwatch and the log differ by > 10%)",
              max(flags) if flags else None, 0, "0 in every line", "agree" if flags and max(flags) == 0 else
              ("n/a" if not flags else "DISAGREE"))
        if mfu and ests:
            t.info("GPU tensor FLOP/s estimate vs trainer's model FLOP/s", mean(ests),
                   mfu * H200_BF16_DENSE_PEAK_FLOPS, "(HFU-like cross-check)")
        t.notes.append("flopwatch run for %d s with a 1 s interval and a 10 s throughput window; compared over "
                       "its second half (%d log lines used)" % (d, len(mfus)))
        t.notes.append("throughput source: %s%s" % (self.a.throughput, "" if self.a.throughput == "log" else
                       " (the trainer POSTs token deltas; `source: log` was not available in this build)"))
        t.notes.append("the `mfu` printed in the trainer's nanoGPT-format line is against the H200's 989.5 "
                       "TFLOP/s, not nanoGPT's hard-coded A100 312 TFLOPS")

    def step5(self):
        t = Table(5, "Overhead: trainer throughput without (A) and with (B) flopwatch sampling at 10 Hz")
        self.tables.append(t)
        w = self.durations["window"]
        rates = {"A": [], "B": []}
        for i, arm in enumerate("ABAB"):
            fw = None
            if arm == "B":
                log = self.path("step5-flopwatch-%d.jsonl" % i)
                cfg = self.agent_config("step5", "100ms", log, None)
                out = open(self.path("step5-run-%d.out" % i), "w")
                fw = start(self.fw("run", "--config", cfg, "--duration", str(w + 60)), out, env=self.env())
                if not wait_for_line(log, r"\{", 60, fw):
                    t.notes.append("window %d: flopwatch did not start (see step5-run-%d.out)" % (i, i))
            t0 = time.time()
            time.sleep(w)
            t1 = time.time()
            if fw:
                stop(fw)
                with open(log) as f:
                    n = sum(1 for l in f if l.startswith("{"))
                t.info("window %d (B): flopwatch log lines" % i, n, "≈ %d at 10 Hz" % int(w * 10))
            rate, _ = self.trainer_rate(t0, t1)
            rates[arm].append(rate)
            t.info("window %d (%s) trainer tokens/s" % (i, arm), rate)
        a = [r for r in rates["A"] if r]
        b = [r for r in rates["B"] if r]
        if a and b:
            ra, rb = sum(a) / len(a), sum(b) / len(b)
            overhead = 1 - rb / ra
            if self.dry:  # a sleeping fake trainer measures only this machine's CPU contention
                t.info("throughput cost of sampling (1 − B/A)", overhead, 0.0, "(dry run: not judged)")
            else:
                t.row("throughput cost of sampling (1 − B/A)", overhead, 0.0, "≤ 2% (budget)",
                      "agree" if overhead <= 0.02 else "DISAGREE")
        t.notes.append("windows of %d s, interleaved A/B/A/B; B = flopwatch run with collectors device, gpm, "
                       "processes at a 100 ms interval (CUPTI is not wired into the sampler, so not in B)" % w)
        if self.dry:
            t.notes.append("dry run: the fake trainer sleeps, so no overhead can show; this checks the plumbing only")

    # -- step 4: CUPTI

    def step4(self):
        t = Table(4, "CUPTI PM sampling vs GPM")
        self.tables.append(t)
        t.info("PM sampling of the trainer's work from the flopwatch process", "not available: collector not wired",
               "GPM (steps 2, 3)", "")
        doc = read_json(self.path("doctor.json")) or []
        for f in doc:
            if "CUPTI" in f.get("check", "") or "rofil" in f.get("check", ""):
                t.info("doctor: %s [%s]" % (f["check"], f.get("level")), f.get("detail"), f.get("advice", ""), "")
        t.notes.append("the CUPTI collector exists (bindings, metric sets) but the sampler does not run it yet; "
                       "only `flopwatch doctor`'s CUPTI findings are recorded")

    # -- everything

    def environment(self):
        e = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
             "mode": "dry run (simulated NVML library, fake trainer and phases)" if self.dry else "real",
             "gpu": getattr(self, "gpu_name", None),
             "driver_version": getattr(self, "system", {}).get("driver_version"),
             "cuda_driver_version": getattr(self, "system", {}).get("cuda_driver_version"),
             "durations": ", ".join("%s %ss" % kv for kv in self.durations.items())}
        try:
            e["flopwatch"] = subprocess.run(self.fw("--version"), capture_output=True, text=True,
                                            timeout=60).stdout.strip().splitlines()[0]
        except Exception as x:
            e["flopwatch"] = "unknown (%s)" % x
        if not self.dry:
            try:
                e["torch"] = subprocess.run([sys.executable, "-c", "import torch;print(torch.__version__, torch.version.cuda)"],
                                            capture_output=True, text=True, timeout=120).stdout.strip()
            except Exception as x:
                e["torch"] = "unknown (%s)" % x
        b = read_json(self.path("pynvml-before.json")) or {}
        e["pynvml"] = b.get("pynvml")
        return e

    def main(self):
        steps = []
        rc = run(self.fw("flops", "--model", self.spec, "--seq-len", str(self.facts["arch"]["seq_len"]), "--json"),
                 self.path("flops.json"), 60, self.env())
        self.flops_json = read_json(self.path("flops.json")) or {}
        errors = 0
        plan = [("1", self.step1), ("3", self.step3), ("train", None), ("2", self.step2), ("5", self.step5), ("4", self.step4)]
        total_train = self.durations["step2"] + 4 * self.durations["window"] + 60 + (20 if self.dry else 120)
        for name, fn in plan:
            started = time.monotonic()
            try:
                if name == "train":
                    if not self.start_trainer(total_train):
                        errors += 1
                        tb = Table("2/5", "trainer did not start (see trainer.out)")
                        tb.notes.append("trainer.out: %s" % tail(self.path("trainer.out")))
                        self.tables.append(tb)
                        self.skip_training = True
                    continue
                if name in ("2", "5") and getattr(self, "skip_training", False):
                    continue
                fn()
            except Interrupted as x:
                errors += 1
                self.tables.append(Table(name, "interrupted (%s) during step %s: later steps not run" % (x, name)))
                break
            except Exception as x:  # one broken step must not lose the others' results
                errors += 1
                tb = Table(name, "step %s failed: %s: %s" % (name, type(x).__name__, x))
                self.tables.append(tb)
            steps.append((name, round(time.monotonic() - started, 1)))
        # From here on, a signal must not cost the summary.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _kill_children()
        self.tables.sort(key=lambda t: str(t.step))
        summary = {"dry_run": self.dry, "environment": self.environment(),
                   "step_seconds": dict(steps), "steps": [t.to_dict() for t in self.tables]}
        counts = {"agree": 0, "DISAGREE": 0, "n/a": 0, "info": 0, "errors": errors}
        for t in self.tables:
            for r in t.rows:
                v = r["verdict"]
                counts[v if v in counts else "errors"] = counts.get(v if v in counts else "errors", 0) + 1
        summary["counts"] = counts
        with open(os.path.join(self.out, "summary.json"), "w") as f:
            json.dump(summary, f, indent=1)
        md = markdown(summary)
        with open(os.path.join(self.out, "summary.md"), "w") as f:
            f.write(md)
        print(md)
        return 0 if counts["DISAGREE"] == 0 and errors == 0 else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--out", required=True)
    ap.add_argument("--flopwatch", required=True, help="the flopwatch launcher")
    ap.add_argument("--sim-lib", help="libnvidia-ml-sim.so (dry run)")
    ap.add_argument("--pynvml", help="directory holding pynvml.py (dry run: Debian's, from the test packages)")
    ap.add_argument("--throughput", choices=("log", "push"), default="log",
                    help="step 2's throughput source: tail the trainer's nanoGPT log (default) or its pushes")
    a = ap.parse_args()
    atexit.register(_kill_children)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    return Validation(a).main()


if __name__ == "__main__":
    sys.exit(main())
