package io.flopwatch.analysis;

import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.gpu.GpuSpec;
import io.flopwatch.gpu.Precision;
import io.flopwatch.nvml.DeviceSample;
import io.flopwatch.nvml.GpmMetric;
import io.flopwatch.telemetry.GpuRecord;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** Pure functions from one {@link GpuRecord} to its {@link GpuAnalysis}. */
public final class GpuAnalyzer {

    /** The simulated library names its devices "<real name> (Simulated)"; the catalog knows the real name. */
    static final String SIMULATED_SUFFIX = " (Simulated)";
    /** GPM reports PCIe and NVLink rates in MiB/s (nvml.h, nvmlGpmMetricId_t). */
    static final double MIB = 1024.0 * 1024.0;

    private GpuAnalyzer() {
    }

    /** The catalog entry of an NVML device name, simulated or not. */
    public static Optional<GpuSpec> catalogEntry(GpuCatalog catalog, String nvmlName) {
        String name = nvmlName.endsWith(SIMULATED_SUFFIX)
                ? nvmlName.substring(0, nvmlName.length() - SIMULATED_SUFFIX.length()) : nvmlName;
        return name.isEmpty() ? Optional.empty() : catalog.find(name);
    }

    public static GpuAnalysis analyze(GpuRecord gpu, Optional<GpuSpec> spec, Precision precision) {
        Optional<DeviceSample> s = gpu.sample();
        double kernelActive = s.map(x -> percent(x.utilization().gpuPercent())).orElse(Double.NaN);
        double smActive = gpmRatio(gpu, GpmMetric.SM_UTIL);
        double tensorActive = gpmRatio(gpu, GpmMetric.ANY_TENSOR_UTIL);
        double dram = gpmRatio(gpu, GpmMetric.DRAM_BW_UTIL);
        double nvlinkTx = value(gpu.gpmValue(GpmMetric.NVLINK_TOTAL_TX_PER_SEC)) * MIB;
        double nvlinkRx = value(gpu.gpmValue(GpmMetric.NVLINK_TOTAL_RX_PER_SEC)) * MIB;
        if (Double.isNaN(nvlinkTx) || Double.isNaN(nvlinkRx)) {
            // Without GPM (before Hopper, or gpm off): the interconnect collector's NVLink data
            // counters (field values 138/139), summed over the links.
            nvlinkTx = value(gpu.interconnect().nvlinkTransmitBytesPerSecond());
            nvlinkRx = value(gpu.interconnect().nvlinkReceiveBytesPerSecond());
        }
        double nicRatio = gpu.interconnect().nearestNic().map(n -> value(n.utilization())).orElse(Double.NaN);
        double pcieTx = value(gpu.gpmValue(GpmMetric.PCIE_TX_PER_SEC)) * MIB;
        double pcieRx = value(gpu.gpmValue(GpmMetric.PCIE_RX_PER_SEC)) * MIB;
        double nvlink = nvlinkTx + nvlinkRx;
        double pcie = pcieTx + pcieRx;
        double nvlinkBandwidth = spec.map(GpuSpec::nvlinkBandwidthBytesPerSecond).orElse(0.0);
        double nvlinkRatio = Double.isNaN(nvlink) ? Double.NaN
                : CommunicationBoundRule.nvlinkUtilization(nvlinkTx, nvlinkRx, nvlinkBandwidth).orElse(Double.NaN);
        double pcieBandwidth = s.map(x -> pcieBandwidthBytesPerSecond(x.pcie().linkGenerationCurrent(),
                x.pcie().linkWidthCurrent())).orElse(Double.NaN);
        // Busier direction over the per-direction bandwidth, as for NVLink.
        double pcieRatio = Math.max(pcieTx, pcieRx) / (pcieBandwidth / 2);
        double smClock = s.map(x -> value(x.clocks().smHertz())).orElse(Double.NaN);
        double smClockMax = s.map(x -> value(x.clocks().smMaxHertz())).orElse(Double.NaN);
        long reasons = s.map(x -> x.clocks().eventReasons().orElse(0L)).orElse(0L);
        int processes = gpu.collectors().containsKey(io.flopwatch.telemetry.Collectors.PROCESSES)
                && gpu.collectors().get(io.flopwatch.telemetry.Collectors.PROCESSES).success()
                ? gpu.processes().size() : -1;
        double densePeak = spec.flatMap(g -> g.densePeak(precision)).orElse(Double.NaN);
        double clockPeak = Double.isNaN(smClock) ? Double.NaN
                : spec.flatMap(g -> g.clockAwarePeak(precision, smClock)).orElse(Double.NaN);
        DiagnosisState state = Diagnosis.ofGpu(new Diagnosis.Input(kernelActive, smActive, tensorActive, dram,
                nvlinkRatio, pcieRatio, smClock / smClockMax, reasons, processes, nicRatio));
        return new GpuAnalysis(
                gpu.index(),
                gpu.identity().map(i -> i.uuid()).orElse(""),
                gpu.identity().map(i -> i.name()).orElse(""),
                spec.map(GpuSpec::id).orElse(""),
                kernelActive, smActive, gpmRatio(gpu, GpmMetric.SM_OCCUPANCY), tensorActive, dram,
                gpmRatio(gpu, GpmMetric.FP64_UTIL), gpmRatio(gpu, GpmMetric.FP32_UTIL),
                gpmRatio(gpu, GpmMetric.FP16_UTIL),
                nvlink, nvlinkRatio, pcie, pcieRatio, smClock, smClockMax, reasons, processes,
                precision, densePeak, clockPeak, tensorFlopsEstimate(tensorActive, densePeak), state);
    }

    /**
     * Tensor active × dense peak of the workload's precision. An estimate: the pipe counter
     * says a tensor pipe was busy, not how many FLOPs it did, and counts every tensor data type
     * (DESIGN.md, "GPU facts").
     */
    public static double tensorFlopsEstimate(double tensorActiveRatio, double densePeakFlops) {
        return tensorActiveRatio * densePeakFlops;
    }

    /**
     * Usable PCIe bandwidth of a link, both directions, bytes/s: lanes × per-lane rate × 2. Per lane
     * and direction: 2.5 and 5 GT/s with 8b/10b encoding (gen 1, 2: 250 and 500 MB/s); 8, 16, 32,
     * 64 GT/s with 128b/130b (gen 3–6; gen 6's FLIT mode treated the same) — PCI Express Base
     * Specification rates. NaN when the generation or width is unknown.
     */
    static double pcieBandwidthBytesPerSecond(OptionalInt generation, OptionalInt width) {
        if (generation.isEmpty() || width.isEmpty() || width.getAsInt() <= 0) {
            return Double.NaN;
        }
        double perLane = switch (generation.getAsInt()) {
            case 1 -> 2.5e9 * 8 / 10 / 8;
            case 2 -> 5e9 * 8 / 10 / 8;
            case 3 -> 8e9 * 128 / 130 / 8;
            case 4 -> 16e9 * 128 / 130 / 8;
            case 5 -> 32e9 * 128 / 130 / 8;
            case 6 -> 64e9 * 128 / 130 / 8;
            default -> Double.NaN;
        };
        return perLane * width.getAsInt() * 2;
    }

    private static double gpmRatio(GpuRecord gpu, int metricId) {
        return gpu.gpmValue(metricId).orElse(Double.NaN) / 100.0;
    }

    private static double percent(OptionalInt p) {
        return p.isPresent() ? p.getAsInt() / 100.0 : Double.NaN;
    }

    private static double value(OptionalLong v) {
        return v.isPresent() ? v.getAsLong() : Double.NaN;
    }

    private static double value(OptionalDouble v) {
        return v.isPresent() ? v.getAsDouble() : Double.NaN;
    }
}
