package io.flopwatch.gpu;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One GPU model from the catalog (config/gpus.yaml), in base units.
 *
 * @param id                 catalog id, e.g. {@code h100-sxm}
 * @param name               marketing name
 * @param nvmlNames          names or {@code *} patterns NVML reports for it ({@code nvmlDeviceGetName})
 * @param architecture       e.g. hopper
 * @param smCount            streaming multiprocessors, 0 when not published
 * @param boostClockHz       maximum SM boost clock, at which vector (fp32, fp64) peaks are computed;
 *                           0 when not published
 * @param tensorClockHz      SM clock at which the datasheet's tensor-core peaks are computed
 *                           (peak ÷ (SMs × FLOP/clock/SM)); equals the boost clock on most parts,
 *                           lower on Hopper; 0 when not published
 * @param densePeakFlops     dense peak FLOP/s (or OP/s for int8) per precision the part supports
 * @param memoryBytes        device memory
 * @param memoryBandwidthBytesPerSecond device memory bandwidth
 * @param nvlinkBandwidthBytesPerSecond total NVLink bandwidth per GPU (both directions), 0 if none
 * @param tdpWatts           maximum board power from the datasheet (the default power limit; for
 *                           configurable parts the upper end); empty when the catalog has none
 * @param tdpSource          where {@code tdpWatts} comes from; empty string when absent
 * @param source             the datasheet the numbers come from
 * @param notes              caveats about the numbers
 */
public record GpuSpec(String id, String name, List<String> nvmlNames, String architecture, int smCount,
                      double boostClockHz, double tensorClockHz, Map<Precision, Double> densePeakFlops, double memoryBytes,
                      double memoryBandwidthBytesPerSecond, double nvlinkBandwidthBytesPerSecond,
                      OptionalDouble tdpWatts, String tdpSource, String source, String notes) {

    public GpuSpec {
        Objects.requireNonNull(id, "id");
        nvmlNames = List.copyOf(nvmlNames);
        densePeakFlops = Map.copyOf(densePeakFlops);
        Objects.requireNonNull(tdpWatts, "tdpWatts");
        tdpSource = tdpSource == null ? "" : tdpSource;
    }

    /** An entry without a board power figure (the shape before tdp_watts existed). */
    public GpuSpec(String id, String name, List<String> nvmlNames, String architecture, int smCount,
                   double boostClockHz, double tensorClockHz, Map<Precision, Double> densePeakFlops, double memoryBytes,
                   double memoryBandwidthBytesPerSecond, double nvlinkBandwidthBytesPerSecond,
                   String source, String notes) {
        this(id, name, nvmlNames, architecture, smCount, boostClockHz, tensorClockHz, densePeakFlops, memoryBytes,
                memoryBandwidthBytesPerSecond, nvlinkBandwidthBytesPerSecond, OptionalDouble.empty(), "", source,
                notes);
    }

    /** Dense datasheet peak for {@code precision}, empty when the part has no such path. */
    public Optional<Double> densePeak(Precision precision) {
        return Optional.ofNullable(densePeakFlops.get(precision));
    }

    /**
     * The peak at the SM clock the GPU runs now: datasheet peak × current SM clock / the clock the
     * datasheet peak assumes (tensor clock for tensor formats, boost clock otherwise), capped at
     * the datasheet peak. Work per clock is fixed, so a throttled or power-capped GPU has a lower
     * reachable peak; MFU against this peak shows how much of the shortfall is the clock. The cap
     * keeps MFU from ever being measured against more than the published peak.
     * Empty when the precision is unsupported or the catalog has no clock for the part.
     */
    public Optional<Double> clockAwarePeak(Precision precision, double currentSmClockHz) {
        double reference = precision.usesTensorClock() ? tensorClockHz : boostClockHz;
        if (reference <= 0 || !(currentSmClockHz >= 0)) {
            return Optional.empty();
        }
        return densePeak(precision).map(peak -> peak * Math.min(1.0, currentSmClockHz / reference));
    }
}
