package io.flopwatch.telemetry;

import io.flopwatch.attribution.Attributor;
import io.flopwatch.nvml.GpmMetric;
import io.flopwatch.telemetry.interconnect.InterconnectCollector;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;

/** The built-in collectors, by the name the config enables them with. */
public final class Collectors {

    /** Device basics: utilization, memory, clocks, power, energy, temperature, PCIe ({@code nvmlDeviceGet…}). */
    public static final String DEVICE = "device";
    /** GPM activity ratios (Hopper and newer). */
    public static final String GPM = "gpm";
    /** Compute processes on each GPU. */
    public static final String PROCESSES = "processes";
    /** Xid error events, waited for on a thread of their own (not a per-cycle collector). */
    public static final String XID = "xid";
    /** NVLink link states, per-link traffic and error counters, PCIe replays (field values; docs/interconnect.md). */
    public static final String INTERCONNECT = "interconnect";
    /** The node's InfiniBand / RoCE ports from sysfs, read once per cycle on the sampler's thread (not per GPU). */
    public static final String INFINIBAND = "infiniband";

    /** What the GPM collector asks for: the activity ratios and interconnect rates the analysis uses. */
    static final int[] GPM_METRICS = {
        GpmMetric.GRAPHICS_UTIL, GpmMetric.SM_UTIL, GpmMetric.SM_OCCUPANCY, GpmMetric.ANY_TENSOR_UTIL,
        GpmMetric.HMMA_TENSOR_UTIL, GpmMetric.DRAM_BW_UTIL, GpmMetric.FP64_UTIL, GpmMetric.FP32_UTIL,
        GpmMetric.FP16_UTIL, GpmMetric.PCIE_TX_PER_SEC, GpmMetric.PCIE_RX_PER_SEC,
        GpmMetric.NVLINK_TOTAL_TX_PER_SEC, GpmMetric.NVLINK_TOTAL_RX_PER_SEC,
    };

    public static final Set<String> NAMES = Set.of(DEVICE, GPM, PROCESSES, XID, INTERCONNECT, INFINIBAND);

    private Collectors() {
    }

    /**
     * The built-in per-cycle collectors named in {@code enabled}, without /proc attribution, in a
     * fixed order ({@link #XID} and {@link #INFINIBAND} are not per-GPU collectors).
     */
    public static Map<String, Collector> builtIn(Set<String> enabled) {
        return builtIn(enabled, Attributor.nvmlOnly());
    }

    /** The built-in per-cycle collectors named in {@code enabled}, in a fixed order ({@link #XID} is not one). */
    public static Map<String, Collector> builtIn(Set<String> enabled, Attributor attributor) {
        Map<String, Collector> all = new LinkedHashMap<>();
        all.put(DEVICE, (nvml, i, into) -> {
            into.sample(nvml.sample(i));
            // MIG devices where MIG is on (nvmlDeviceGetMaxMigDeviceCount answers 0 otherwise).
            into.migDevices(nvml.migDevices(i));
        });
        all.put(GPM, (nvml, i, into) -> {
            // The first call per device takes only the opening sample and returns nothing;
            // from then on each call covers the interval since the previous cycle (≥ 100 ms,
            // which the config enforces).
            boolean supported = nvml.gpmSupported(i);
            into.gpmSupported(supported); // CUPTI's auto mode runs where this is false
            if (supported) {
                List<GpmMetric> metrics = nvml.gpmMetrics(i, OptionalInt.empty(), GPM_METRICS);
                into.gpm(metrics);
                migGpm(nvml, i, into);
            }
        });
        all.put(PROCESSES, new ProcessesCollector(attributor));
        all.put(INTERCONNECT, new InterconnectCollector());
        all.keySet().retainAll(enabled);
        return all;
    }

    /**
     * GPM of each MIG GPU instance ({@code nvmlGpmMigSampleGet}): once per GPU instance, which
     * its compute instances share. Uses the MIG devices the device collector read this cycle,
     * or reads them when that collector is off.
     */
    private static void migGpm(io.flopwatch.nvml.NvmlSession nvml, int i, GpuRecord.Builder into) {
        if (!into.migDevicesRead()) {
            into.migDevices(nvml.migDevices(i));
        }
        into.migDevices().stream().mapToInt(io.flopwatch.nvml.MigDevice::gpuInstanceId).distinct()
                .forEach(gi -> into.migGpm(gi, nvml.gpmMetrics(i, OptionalInt.of(gi), GPM_METRICS)));
    }
}
