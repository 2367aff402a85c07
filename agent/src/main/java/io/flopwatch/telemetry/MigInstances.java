package io.flopwatch.telemetry;

import io.flopwatch.nvml.GpmMetric;
import io.flopwatch.nvml.MigDevice;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The MIG devices of one GPU as the collectors last read them; {@link #NONE} when MIG is off (or
 * the GPU has no MIG, or the device collector is off). Immutable; the last component of
 * {@link GpuRecord}.
 *
 * @param instances the MIG devices (compute instances), in NVML's MIG device index order
 */
public record MigInstances(List<MigInstance> instances) {

    public static final MigInstances NONE = new MigInstances(List.of());

    public MigInstances {
        instances = List.copyOf(instances);
    }

    public boolean enabled() {
        return !instances.isEmpty();
    }

    /** The MIG device with this UUID ("MIG-…"), if the GPU has it. */
    public Optional<MigInstance> byUuid(String uuid) {
        return instances.stream().filter(m -> m.device().uuid().equalsIgnoreCase(uuid)).findFirst();
    }

    /**
     * One MIG device and the GPM metrics of its GPU instance (GPM samples a GPU instance, so the
     * compute instances of one GPU instance share them).
     *
     * @param device what NVML reports for the MIG device
     * @param gpm    GPM metric id → value for its GPU instance; empty without GPM or on the first cycle
     */
    public record MigInstance(MigDevice device, Map<Integer, Double> gpm) {
        public MigInstance {
            gpm = Map.copyOf(gpm);
        }

        public OptionalDouble gpmValue(int metricId) {
            Double v = gpm.get(metricId);
            return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
        }
    }

    /** Built by the collectors of one cycle: devices from the device collector, GPM from the gpm collector. */
    static final class Builder {
        private List<MigDevice> devices;
        private final Map<Integer, Map<Integer, Double>> gpmByGpuInstance = new HashMap<>();

        boolean devicesRead() {
            return devices != null;
        }

        List<MigDevice> devices() {
            return devices == null ? List.of() : devices;
        }

        void devices(List<MigDevice> d) {
            devices = List.copyOf(d);
        }

        void gpm(int gpuInstanceId, List<GpmMetric> metrics) {
            Map<Integer, Double> values = gpmByGpuInstance.computeIfAbsent(gpuInstanceId, k -> new HashMap<>());
            for (GpmMetric m : metrics) {
                m.value().ifPresent(v -> values.put(m.metricId(), v));
            }
        }

        MigInstances build() {
            if (devices == null || devices.isEmpty()) {
                return NONE;
            }
            return new MigInstances(devices.stream()
                    .map(d -> new MigInstance(d, gpmByGpuInstance.getOrDefault(d.gpuInstanceId(), Map.of())))
                    .toList());
        }
    }
}
