package io.flopwatch.telemetry.interconnect;

import io.flopwatch.nvml.DeviceSample;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * Is a GPU's PCIe link running below what it and its slot can do? A GPU that trained at x8 or at a
 * lower generation after a reseat, a marginal riser or a BIOS setting loses host-to-device
 * bandwidth silently: nothing errors, transfers are just slower.
 *
 * <p>The maximum compared against is NVML's {@code nvmlDeviceGetMaxPcieLinkGeneration} /
 * {@code …Width}, documented as the maximum "possible with this device and system": a Gen5 GPU in
 * a Gen4 slot reports 4, which is a platform limit, not a degraded link, and is not flagged.
 *
 * <p>Generation is judged only while the GPU is busy: NVIDIA GPUs lower the link generation when
 * idle to save power and raise it again under load. nvidia-smi's documentation of "GPU Link
 * information" says the current link generation and width "may be reduced when the GPU is not in
 * use", and NVIDIA's forum answer to "Prevent PCIe From Reducing Gen?" calls the downgrade "an
 * important integral part of the GPU's power management" with no user knob. Width below the
 * maximum is flagged in every state: flopwatch treats it as suspicious even though the same
 * sentence allows width to drop at idle, because in practice the GPUs flopwatch targets keep x16
 * and a narrow link seen while busy is always a fault. An idle narrow link is reported as
 * {@link Verdict#WIDTH_REDUCED_AT_IDLE} so the reader can tell the two apart.
 */
public final class PcieLinkCheck {

    private PcieLinkCheck() {
    }

    public enum Verdict {
        /** Current generation and width equal the maxima. */
        FULL,
        /** Idle and running a lower generation: the expected power-saving downshift. */
        GENERATION_DOWNSHIFTED_AT_IDLE,
        /** Idle with fewer lanes than the maximum: suspicious, confirm under load. */
        WIDTH_REDUCED_AT_IDLE,
        /** Busy with a lower generation than the maximum: degraded. */
        GENERATION_DEGRADED,
        /** Busy with fewer lanes than the maximum: degraded. */
        WIDTH_DEGRADED,
        /** Busy with both lower generation and fewer lanes: degraded. */
        GENERATION_AND_WIDTH_DEGRADED,
        /** NVML did not report all four values. */
        UNKNOWN;

        public boolean degraded() {
            return this == GENERATION_DEGRADED || this == WIDTH_DEGRADED || this == GENERATION_AND_WIDTH_DEGRADED;
        }
    }

    /**
     * @param busy whether work ran on the GPU during the sample (e.g. NVML utilization.gpu above zero,
     *             or any SM activity); the caller decides, so the rule stays testable
     */
    public static Verdict check(DeviceSample.Pcie pcie, boolean busy) {
        return check(pcie.linkGenerationCurrent(), pcie.linkGenerationMax(), pcie.linkWidthCurrent(),
                pcie.linkWidthMax(), busy);
    }

    public static Verdict check(OptionalInt generation, OptionalInt maxGeneration, OptionalInt width,
                                OptionalInt maxWidth, boolean busy) {
        if (generation.isEmpty() || maxGeneration.isEmpty() || width.isEmpty() || maxWidth.isEmpty()
                || maxGeneration.getAsInt() <= 0 || maxWidth.getAsInt() <= 0) {
            return Verdict.UNKNOWN;
        }
        boolean lowGen = generation.getAsInt() < maxGeneration.getAsInt();
        boolean narrow = width.getAsInt() < maxWidth.getAsInt();
        if (!busy) {
            if (narrow) {
                return Verdict.WIDTH_REDUCED_AT_IDLE;
            }
            return lowGen ? Verdict.GENERATION_DOWNSHIFTED_AT_IDLE : Verdict.FULL;
        }
        if (lowGen && narrow) {
            return Verdict.GENERATION_AND_WIDTH_DEGRADED;
        }
        if (lowGen) {
            return Verdict.GENERATION_DEGRADED;
        }
        return narrow ? Verdict.WIDTH_DEGRADED : Verdict.FULL;
    }

    /**
     * Usable bandwidth of a link per direction, in bytes per second: transfer rate per lane times
     * lanes times the line-code efficiency (PCI-SIG base specifications: Gen1 2.5 GT/s and Gen2 5 GT/s
     * with 8b/10b; Gen3 8, Gen4 16, Gen5 32 GT/s with 128b/130b). Before packet (TLP/DLLP) overhead,
     * so real transfers reach somewhat less. Empty for generations this table does not cover
     * (Gen6's FLIT mode has a different overhead model).
     */
    public static OptionalDouble bandwidthBytesPerSecondPerDirection(int generation, int width) {
        double gtPerSecond;
        double efficiency;
        switch (generation) {
            case 1 -> { gtPerSecond = 2.5e9; efficiency = 8.0 / 10; }
            case 2 -> { gtPerSecond = 5e9; efficiency = 8.0 / 10; }
            case 3 -> { gtPerSecond = 8e9; efficiency = 128.0 / 130; }
            case 4 -> { gtPerSecond = 16e9; efficiency = 128.0 / 130; }
            case 5 -> { gtPerSecond = 32e9; efficiency = 128.0 / 130; }
            default -> {
                return OptionalDouble.empty();
            }
        }
        if (width <= 0) {
            return OptionalDouble.empty();
        }
        // One transfer carries one bit per lane.
        return OptionalDouble.of(gtPerSecond * efficiency * width / 8);
    }
}
