package io.flopwatch.analysis;

import io.flopwatch.gpu.Precision;

/**
 * The analysis of one GPU in one cycle. Ratios are 0..1; every value is NaN when it was not
 * measured (no GPM, collector off, GPU not in the catalog) so that exporters show a gap, not a
 * made-up zero.
 *
 * @param index                 NVML device index
 * @param uuid                  GPU UUID ("" when unknown)
 * @param name                  NVML product name ("" when unknown)
 * @param catalogId             the GPU catalog entry the peaks come from ("" when not found)
 * @param kernelActiveRatio     NVML utilization.gpu: fraction of time one or more kernels ran
 * @param smActiveRatio         GPM SM activity: fraction of SMs with a warp resident, averaged over time
 * @param smOccupancyRatio      GPM SM occupancy: resident warps ÷ maximum
 * @param tensorActiveRatio     GPM any tensor pipe active
 * @param dramBandwidthRatio    GPM DRAM bandwidth used ÷ peak
 * @param fp64ActiveRatio       GPM FP64 pipe active
 * @param fp32ActiveRatio       GPM FP32 pipe active
 * @param fp16ActiveRatio       GPM FP16 pipe active
 * @param nvlinkBytesPerSecond  GPM NVLink tx + rx
 * @param nvlinkRatio           NVLink use: the busier direction ÷ half the catalog's (both-directions) NVLink bandwidth
 * @param pcieBytesPerSecond    GPM PCIe tx + rx
 * @param pcieRatio             PCIe use: the busier direction ÷ the link's per-direction bandwidth at its current generation and width
 * @param smClockHz             current SM clock
 * @param smClockMaxHz          maximum SM clock
 * @param clockEventReasons     clock event reason bits (0 when none or unknown)
 * @param processCount          compute processes; −1 when unknown
 * @param precision             the precision the peaks are for (the workload's, else the agent's default)
 * @param densePeakFlops        datasheet dense peak FLOP/s for {@code precision}
 * @param clockAwarePeakFlops   the same scaled to the current SM clock
 * @param tensorFlopsEstimate   tensor active × dense peak: an <em>estimate</em> (the pipe counter
 *                              does not count FLOPs; NVIDIA says it cannot be converted exactly)
 * @param diagnosis             the bottleneck state
 */
public record GpuAnalysis(
        int index,
        String uuid,
        String name,
        String catalogId,
        double kernelActiveRatio,
        double smActiveRatio,
        double smOccupancyRatio,
        double tensorActiveRatio,
        double dramBandwidthRatio,
        double fp64ActiveRatio,
        double fp32ActiveRatio,
        double fp16ActiveRatio,
        double nvlinkBytesPerSecond,
        double nvlinkRatio,
        double pcieBytesPerSecond,
        double pcieRatio,
        double smClockHz,
        double smClockMaxHz,
        long clockEventReasons,
        int processCount,
        Precision precision,
        double densePeakFlops,
        double clockAwarePeakFlops,
        double tensorFlopsEstimate,
        DiagnosisState diagnosis) {
}
