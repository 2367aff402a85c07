package io.flopwatch.analysis;

import io.flopwatch.nvml.MigDevice;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * A workload bound to MIG devices gets the share of its GPU's peak that those MIG devices have.
 * Pure.
 *
 * <p>Share = compute slices / 7: on A100 and H100 a MIG device with n compute slices has n/7 of
 * the GPU's SMs (NVIDIA Multi-Instance GPU User Guide, "Supported MIG Profiles", the A100 and
 * H100 tables: "Fraction of SMs" 1/7, 2/7, 3/7, 4/7 and 7/7 for the 1g, 2g, 3g, 4g and 7g profiles),
 * and tensor throughput scales with SMs, so its dense peak is n/7 of the GPU's. This is the
 * nominal split; a MIG slice keeps back a few SMs (e.g. 3g.40gb on H100 SXM has fewer than
 * 3/7 × 132), so the share slightly overstates the peak and MFU on MIG is, if anything, low.
 */
public final class MigShare {

    /** Compute slices of an A100 / H100 (MIG user guide). */
    public static final int COMPUTE_SLICES_PER_GPU = 7;

    private MigShare() {
    }

    /** compute slices / 7; empty when NVML did not report the slices. */
    public static OptionalDouble computeFraction(MigDevice d) {
        OptionalInt slices = d.computeInstanceSliceCount();
        return slices.isPresent() ? OptionalDouble.of(slices.getAsInt() / (double) COMPUTE_SLICES_PER_GPU)
                : OptionalDouble.empty();
    }

    /**
     * The GPU's analysis as seen by a workload that has {@code fraction} of it: peaks scaled by
     * the fraction. The tensor-FLOP/s estimate is NaN (not measured): the GPU-level tensor-active
     * ratio covers every instance, and flopwatch does not yet turn the GPU instance's own GPM
     * ratio into an estimate. Everything else (activity ratios, diagnosis) stays the whole GPU's.
     *
     * @param fraction 0 < fraction ≤ 1; NaN when unknown (the peaks, hence MFU, become NaN)
     */
    public static GpuAnalysis of(GpuAnalysis gpu, double fraction) {
        if (fraction == 1.0) {
            return gpu;
        }
        return new GpuAnalysis(gpu.index(), gpu.uuid(), gpu.name(), gpu.catalogId(), gpu.kernelActiveRatio(),
                gpu.smActiveRatio(), gpu.smOccupancyRatio(), gpu.tensorActiveRatio(), gpu.dramBandwidthRatio(),
                gpu.fp64ActiveRatio(), gpu.fp32ActiveRatio(), gpu.fp16ActiveRatio(), gpu.nvlinkBytesPerSecond(),
                gpu.nvlinkRatio(), gpu.pcieBytesPerSecond(), gpu.pcieRatio(), gpu.smClockHz(), gpu.smClockMaxHz(),
                gpu.clockEventReasons(), gpu.processCount(), gpu.precision(), gpu.densePeakFlops() * fraction,
                gpu.clockAwarePeakFlops() * fraction, Double.NaN, gpu.diagnosis());
    }
}
