package io.flopwatch.telemetry;

import io.flopwatch.nvml.GpmMetric;
import io.flopwatch.nvml.GpuIdentity;
import io.flopwatch.nvml.NvmlException;
import io.flopwatch.nvml.NvmlSession;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * Reads every GPU once, completely: identity, counters, processes, reliability, NVLink state
 * and, where the GPU has GPM, the GPM metrics over a short interval. Used by
 * {@code flopwatch snapshot}; the live agent samples through its collectors instead.
 */
public final class NodeReader {

    /** The GPM metrics a snapshot shows: the activity ratios the analysis uses. */
    public static final int[] SNAPSHOT_GPM_METRICS = {
        GpmMetric.SM_UTIL, GpmMetric.SM_OCCUPANCY, GpmMetric.ANY_TENSOR_UTIL, GpmMetric.HMMA_TENSOR_UTIL,
        GpmMetric.DRAM_BW_UTIL, GpmMetric.FP64_UTIL, GpmMetric.FP32_UTIL, GpmMetric.FP16_UTIL,
        GpmMetric.PCIE_TX_PER_SEC, GpmMetric.PCIE_RX_PER_SEC,
        GpmMetric.NVLINK_TOTAL_TX_PER_SEC, GpmMetric.NVLINK_TOTAL_RX_PER_SEC,
    };

    /** NVML wants GPM samples at least 100 ms apart (nvml.h, nvmlGpmMetricsGet). */
    public static final Duration MIN_GPM_INTERVAL = Duration.ofMillis(100);

    private final NvmlSession nvml;
    private final Ticker ticker;
    private final Sleeper sleeper;

    /** Waits between the two GPM samples; a test passes one that advances a fake ticker. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;
    }

    public NodeReader(NvmlSession nvml, Ticker ticker, Sleeper sleeper) {
        this.nvml = nvml;
        this.ticker = ticker;
        this.sleeper = sleeper;
    }

    public NodeReading read(Duration gpmInterval) throws InterruptedException {
        if (gpmInterval.compareTo(MIN_GPM_INTERVAL) < 0) {
            throw new IllegalArgumentException("GPM interval must be at least " + MIN_GPM_INTERVAL.toMillis() + " ms");
        }
        var takenAt = ticker.now();
        var system = nvml.system();
        int count = nvml.deviceCount();
        List<Builder> builders = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            builders.add(new Builder(i));
        }
        boolean anyGpm = false;
        for (Builder b : builders) {
            b.read();
            if (b.gpmSupported) {
                // The first GPM call only takes the opening sample; metrics come with the second.
                b.attempt("nvmlGpmMetricsGet", () -> nvml.gpmMetrics(b.index, OptionalInt.empty(), SNAPSHOT_GPM_METRICS));
                b.migGpm();
                anyGpm = true;
            }
        }
        if (anyGpm) {
            sleeper.sleep(gpmInterval);
            for (Builder b : builders) {
                if (b.gpmSupported) {
                    b.gpm = b.attempt("nvmlGpmMetricsGet",
                            () -> nvml.gpmMetrics(b.index, OptionalInt.empty(), SNAPSHOT_GPM_METRICS)).orElse(List.of());
                    b.migGpm();
                }
            }
        }
        List<DeviceReading> devices = builders.stream().map(Builder::build).toList();
        return new NodeReading(takenAt, gpmInterval, nvml.simulated(), system, devices);
    }

    private final class Builder {
        final int index;
        final List<String> errors = new ArrayList<>();
        Optional<GpuIdentity> identity = Optional.empty();
        Optional<io.flopwatch.nvml.DeviceSample> sample = Optional.empty();
        List<io.flopwatch.nvml.GpuProcess> processes = List.of();
        Optional<io.flopwatch.nvml.Reliability> reliability = Optional.empty();
        List<Boolean> nvlink = List.of();
        boolean gpmSupported;
        List<GpmMetric> gpm = List.of();
        final MigInstances.Builder mig = new MigInstances.Builder();

        Builder(int index) {
            this.index = index;
        }

        void read() {
            identity = attempt("identity", () -> nvml.identity(index));
            sample = attempt("sample", () -> nvml.sample(index));
            processes = attempt("processes", () -> nvml.computeProcesses(index)).orElse(List.of());
            reliability = attempt("reliability", () -> nvml.reliability(index));
            nvlink = attempt("nvlink", () -> nvml.nvlinkActive(index)).orElse(List.of());
            gpmSupported = attempt("gpm support", () -> nvml.gpmSupported(index)).orElse(false);
            attempt("MIG devices", () -> nvml.migDevices(index)).ifPresent(mig::devices);
        }

        /** GPM of each MIG GPU instance (nvmlGpmMigSampleGet), like the device's own. */
        void migGpm() {
            mig.devices().stream().mapToInt(io.flopwatch.nvml.MigDevice::gpuInstanceId).distinct().forEach(gi ->
                    attempt("nvmlGpmMigSampleGet", () -> nvml.gpmMetrics(index, OptionalInt.of(gi), SNAPSHOT_GPM_METRICS))
                            .ifPresent(metrics -> mig.gpm(gi, metrics)));
        }

        <T> Optional<T> attempt(String what, Supplier<T> call) {
            try {
                return Optional.ofNullable(call.get());
            } catch (NvmlException e) {
                errors.add(e.getMessage());
                return Optional.empty();
            }
        }

        DeviceReading build() {
            return new DeviceReading(index, identity, sample, processes, reliability, nvlink, gpmSupported, gpm, errors,
                    mig.build());
        }
    }
}
