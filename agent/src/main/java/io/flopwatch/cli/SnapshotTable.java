package io.flopwatch.cli;

import io.flopwatch.nvml.DeviceSample;
import io.flopwatch.nvml.GpmMetric;
import io.flopwatch.telemetry.ClockEventReason;
import io.flopwatch.telemetry.DeviceReading;
import io.flopwatch.telemetry.NodeReading;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** The human-readable form of {@code flopwatch snapshot}: one row per GPU, then details. */
final class SnapshotTable {

    private SnapshotTable() {}

    static void print(NodeReading r, PrintWriter out) {
        if (r.simulated()) {
            out.println("*** SIMULATED GPUs (flopwatch's simulated NVML library) — not real hardware ***");
        }
        out.printf(Locale.ROOT, "driver %s, NVML %s, CUDA %s, %d GPU(s), %s%n",
                r.system().driverVersion(), r.system().nvmlVersion(),
                r.system().cudaMajor().isPresent()
                        ? r.system().cudaMajor().getAsInt() + "." + r.system().cudaMinor().getAsInt() : "-",
                r.devices().size(), r.takenAt());
        out.println();
        String head = String.format(Locale.ROOT, "%-3s %-36s %5s %6s %6s %13s %11s %9s %5s %3s  %s",
                "GPU", "name", "util%", "SM%", "tensor", "memory GiB", "power W", "SM MHz", "temp", "P", "clock events");
        out.println(head);
        for (DeviceReading d : r.devices()) {
            String name = d.identity().map(i -> i.name()).orElse("?");
            if (name.length() > 36) {
                name = name.substring(0, 35) + "…";
            }
            DeviceSample s = d.sample().orElse(null);
            String util = s == null ? "-" : i(s.utilization().gpuPercent());
            String mem = s == null ? "-" : gib(s.memory().usedBytes()) + "/" + gib(s.memory().totalBytes());
            String power = s == null ? "-" : w(s.power().usageWatts()) + "/" + w(s.power().enforcedLimitWatts());
            String sm = s == null ? "-" : mhz(s.clocks().smHertz());
            String temp = s == null ? "-" : i(s.thermal().gpuTemperatureCelsius()) + "C";
            String pstate = s == null ? "-" : s.clocks().performanceState().isPresent()
                    ? "P" + s.clocks().performanceState().getAsInt() : "-";
            String events = s == null || s.clocks().eventReasons().isEmpty() ? "-"
                    : String.join(",", ClockEventReason.labels(s.clocks().eventReasons().getAsLong()));
            if (events.isEmpty()) {
                events = "none";
            }
            out.printf(Locale.ROOT, "%-3d %-36s %5s %6s %6s %13s %11s %9s %5s %3s  %s%n",
                    d.index(), name, util, gpm(d, GpmMetric.SM_UTIL), gpm(d, GpmMetric.ANY_TENSOR_UTIL),
                    mem, power, sm, temp, pstate, events);
        }
        printMig(r, out);
        out.println();
        out.println("util% = NVML utilization.gpu: time a kernel was running (not arithmetic use);");
        out.println("SM% and tensor = GPM SM-active and tensor-pipe-active ratios (Hopper+; '-' without GPM).");
        for (DeviceReading d : r.devices()) {
            for (String e : d.errors()) {
                out.println("GPU " + d.index() + ": " + e);
            }
        }
    }

    /** One row per MIG device under its GPU (docs/mig.md); nothing when no GPU has MIG on. */
    private static void printMig(NodeReading r, PrintWriter out) {
        if (r.devices().stream().noneMatch(d -> d.mig().enabled())) {
            return;
        }
        out.println();
        out.printf(Locale.ROOT, "%-3s %-12s %5s %7s %6s %6s %13s %5s  %s%n", "GPU", "MIG profile", "GI/CI", "slices",
                "SM%", "tensor", "memory GiB", "procs", "MIG UUID");
        for (DeviceReading d : r.devices()) {
            for (var m : d.mig().instances()) {
                var x = m.device();
                out.printf(Locale.ROOT, "%-3d %-12s %5s %7s %6s %6s %13s %5d  %s%n", d.index(), x.profile().orElse("?"),
                        x.gpuInstanceId() + "/" + x.computeInstanceId(),
                        x.computeInstanceSliceCount().isPresent() ? x.computeInstanceSliceCount().getAsInt() + "/7" : "-",
                        pct1(m.gpmValue(GpmMetric.SM_UTIL)), pct1(m.gpmValue(GpmMetric.ANY_TENSOR_UTIL)),
                        gib(x.memoryUsedBytes()) + "/" + gib(x.memoryTotalBytes()), x.processes().size(), x.uuid());
            }
        }
        out.println("MIG: util% is not supported on a GPU with MIG on (NVML); SM% and tensor per GPU instance (GPM).");
    }

    private static String pct1(OptionalDouble v) {
        return v.isPresent() ? String.format(Locale.ROOT, "%.1f", v.getAsDouble()) : "-";
    }

    private static String gpm(DeviceReading d, int metricId) {
        for (GpmMetric m : d.gpm()) {
            if (m.metricId() == metricId && m.value().isPresent()) {
                return String.format(Locale.ROOT, "%.1f", m.value().getAsDouble());
            }
        }
        return "-";
    }

    private static String i(OptionalInt v) {
        return v.isPresent() ? Integer.toString(v.getAsInt()) : "-";
    }

    private static String gib(OptionalLong bytes) {
        return bytes.isPresent() ? String.format(Locale.ROOT, "%.1f", bytes.getAsLong() / (double) (1L << 30)) : "-";
    }

    private static String w(OptionalDouble watts) {
        return watts.isPresent() ? String.format(Locale.ROOT, "%.0f", watts.getAsDouble()) : "-";
    }

    private static String mhz(OptionalLong hz) {
        return hz.isPresent() ? Long.toString(hz.getAsLong() / 1_000_000) : "-";
    }

    /** The analysis of the reading: peaks, the tensor-FLOP/s estimate and the diagnosis; workloads' MFU. */
    static void printAnalysis(io.flopwatch.telemetry.Snapshot s, PrintWriter out) {
        out.println();
        out.println("analysis (docs/diagnosis.md; estimate = tensor-active x dense peak, not a FLOP count)");
        out.printf(Locale.ROOT, "%-3s %-10s %-5s %12s %14s %16s  %s%n", "GPU", "catalog", "prec", "peak TFLOP/s",
                "at clock TF/s", "estimate TFLOP/s", "diagnosis");
        for (io.flopwatch.analysis.GpuAnalysis a : s.analyses()) {
            out.printf(Locale.ROOT, "%-3d %-10s %-5s %12s %14s %16s  %s%n", a.index(),
                    a.catalogId().isEmpty() ? "?" : a.catalogId(), a.precision().key(), tf(a.densePeakFlops()),
                    tf(a.clockAwarePeakFlops()), tf(a.tensorFlopsEstimate()), a.diagnosis().label());
        }
        for (io.flopwatch.analysis.WorkloadAnalysis w : s.workloads()) {
            out.printf(Locale.ROOT, "workload %s (%s, %s): %s tokens/s, %s GFLOPs/token, MFU %s, HFU %s, "
                            + "estimate %s of peak, %s%n", w.name(), w.model(), w.precision().key(),
                    Double.isNaN(w.tokensPerSecond()) ? "-" : String.format(Locale.ROOT, "%.0f", w.tokensPerSecond()),
                    String.format(Locale.ROOT, "%.2f", w.modelFlopsPerToken() / 1e9), pct(w.mfu()), pct(w.hfu()),
                    pct(w.hardwareEstimateRatio()), w.diagnosis().label());
        }
        if (s.analyses().stream().anyMatch(a -> Double.isNaN(a.tensorActiveRatio()))) {
            out.println("(no GPM on some GPUs: tensor activity, its estimate and most diagnosis rules need Hopper or newer)");
        }
        InterconnectTable.print(s, out);
    }

    private static String tf(double flops) {
        return Double.isNaN(flops) ? "-" : String.format(Locale.ROOT, "%.1f", flops / 1e12);
    }

    private static String pct(double ratio) {
        return Double.isNaN(ratio) ? "-" : String.format(Locale.ROOT, "%.1f%%", ratio * 100);
    }
}
