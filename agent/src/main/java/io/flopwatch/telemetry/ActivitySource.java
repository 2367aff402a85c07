package io.flopwatch.telemetry;

import io.flopwatch.telemetry.cupti.CuptiInterval;
import java.util.Optional;

/**
 * Where a GPU's activity fields came from: the tensor, SM, occupancy, DRAM, PCIe and NVLink
 * values in {@link GpuRecord#gpm()} are filled either by NVML GPM or, where GPM is absent (or
 * {@code cupti.mode: on}), by CUPTI PM sampling, in the same ids and units, so the analysis and
 * the exporters read them the same way. This says which one did, and how CUPTI is doing.
 *
 * @param source       {@link #GPM}, {@link #CUPTI}, or {@link #NONE} when neither gave values
 * @param gpmSupported whether NVML GPM works on the GPU; empty while unknown (the gpm collector
 *                     is off or has not answered)
 * @param cupti        the CUPTI collector's last interval and status, present when CUPTI is
 *                     configured for this GPU (even when it could not start: the status says why)
 */
public record ActivitySource(String source, Optional<Boolean> gpmSupported, Optional<CuptiInterval> cupti) {

    public static final String GPM = "gpm";
    public static final String CUPTI = "cupti";
    public static final String NONE = "none";

    /** What the NVML collectors alone give: GPM when it produced values. */
    public static ActivitySource ofNvml(boolean gpmValues, Optional<Boolean> gpmSupported) {
        return new ActivitySource(gpmValues ? GPM : NONE, gpmSupported, Optional.empty());
    }
}
