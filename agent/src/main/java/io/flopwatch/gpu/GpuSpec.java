package io.flopwatch.gpu;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One GPU model from the catalog (config/gpus.yaml), in base units.
 *
 * @param id                 catalog id, e.g. {@code h100-sxm}
 * @param name               marketing name
 * @param nvmlNames          names or {@code *} patterns NVML reports for it ({@code nvmlDeviceGetName})
 * @param architecture       e.g. hopper
 * @param smCount            streaming multiprocessors, 0 when not published
 * @param boostClockHz       the boost clock the datasheet peaks assume, 0 when not published
 * @param densePeakFlops     dense peak FLOP/s (or OP/s for int8) per precision the part supports
 * @param memoryBytes        device memory
 * @param memoryBandwidthBytesPerSecond device memory bandwidth
 * @param nvlinkBandwidthBytesPerSecond total NVLink bandwidth per GPU (both directions), 0 if none
 * @param source             the datasheet the numbers come from
 * @param notes              caveats about the numbers
 */
public record GpuSpec(String id, String name, List<String> nvmlNames, String architecture, int smCount,
                      double boostClockHz, Map<Precision, Double> densePeakFlops, double memoryBytes,
                      double memoryBandwidthBytesPerSecond, double nvlinkBandwidthBytesPerSecond,
                      String source, String notes) {

    public GpuSpec {
        Objects.requireNonNull(id, "id");
        nvmlNames = List.copyOf(nvmlNames);
        densePeakFlops = Map.copyOf(densePeakFlops);
    }

    /** Dense datasheet peak for {@code precision}, empty when the part has no such path. */
    public Optional<Double> densePeak(Precision precision) {
        return Optional.ofNullable(densePeakFlops.get(precision));
    }

    /**
     * The peak at the SM clock the GPU runs now: datasheet peak × current SM clock / boost clock.
     * Tensor throughput per clock is fixed, so a throttled or power-capped GPU has a lower
     * reachable peak; MFU against this peak shows how much of the loss is the clock.
     * Empty when the precision is unsupported or the catalog has no boost clock for the part.
     */
    public Optional<Double> clockAwarePeak(Precision precision, double currentSmClockHz) {
        if (boostClockHz <= 0 || currentSmClockHz < 0) {
            return Optional.empty();
        }
        return densePeak(precision).map(peak -> peak * currentSmClockHz / boostClockHz);
    }
}
