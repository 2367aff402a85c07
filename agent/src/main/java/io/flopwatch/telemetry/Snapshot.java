package io.flopwatch.telemetry;

import io.flopwatch.analysis.GpuAnalysis;
import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.nvml.SystemInfo;
import io.flopwatch.telemetry.interconnect.NodeNics;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything the agent knows after one sampling cycle: the GPUs' readings, each collector's
 * outcome, and the analysis. Immutable and published atomically by the {@link Sampler};
 * exporters (Prometheus, log lines, OTLP) read only snapshots and never call native code.
 *
 * @param takenAt     wall-clock time of the cycle (for log lines)
 * @param nanoTime    {@link Ticker#nanoTime()} of the cycle, against which sample ages are measured
 * @param nvmlUp      true when NVML is initialized
 * @param nvmlReason  why NVML is down ("" when up), e.g. "NVIDIA driver not loaded (NVML error 9: …)"
 * @param simulated   true when the readings come from the simulated NVML library
 * @param system      driver and NVML versions, when NVML is up
 * @param gpus        one record per GPU, by index
 * @param analyses    one analysis per GPU, same order as {@code gpus}
 * @param workloads   one analysis per configured workload
 * @param collectors  each collector over all devices in this cycle
 * @param nics        the node's InfiniBand / RoCE ports (the {@code infiniband} collector);
 *                    {@link NodeNics#NONE} when it is off
 */
public record Snapshot(
        Instant takenAt,
        long nanoTime,
        boolean nvmlUp,
        String nvmlReason,
        boolean simulated,
        Optional<SystemInfo> system,
        List<GpuRecord> gpus,
        List<GpuAnalysis> analyses,
        List<WorkloadAnalysis> workloads,
        Map<String, CollectorSummary> collectors,
        NodeNics nics) {

    public Snapshot {
        gpus = List.copyOf(gpus);
        analyses = List.copyOf(analyses);
        workloads = List.copyOf(workloads);
        collectors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(collectors));
        java.util.Objects.requireNonNull(nics, "nics");
    }

    /** A snapshot without NIC readings. */
    public Snapshot(Instant takenAt, long nanoTime, boolean nvmlUp, String nvmlReason, boolean simulated,
                    Optional<SystemInfo> system, List<GpuRecord> gpus, List<GpuAnalysis> analyses,
                    List<WorkloadAnalysis> workloads, Map<String, CollectorSummary> collectors) {
        this(takenAt, nanoTime, nvmlUp, nvmlReason, simulated, system, gpus, analyses, workloads, collectors,
                NodeNics.NONE);
    }

    /** Before the first cycle: nothing known yet. */
    public static Snapshot empty(Instant now, long nanoTime, String why) {
        return new Snapshot(now, nanoTime, false, why, false, Optional.empty(), List.of(), List.of(), List.of(),
                Map.of());
    }

    /** Seconds since {@code gpu}'s values were read, as of this snapshot. */
    public double sampleAgeSeconds(GpuRecord gpu) {
        return Math.max(0, nanoTime - gpu.sampledAtNanos()) / 1e9;
    }

    public Optional<GpuRecord> gpu(int index) {
        return gpus.stream().filter(g -> g.index() == index).findFirst();
    }

    /**
     * One collector over every device of a cycle.
     *
     * @param durationSeconds the longest time it took on one device (devices run in parallel)
     * @param success         true when it succeeded on every device it ran on
     */
    public record CollectorSummary(double durationSeconds, boolean success) {
    }
}
