package io.flopwatch.telemetry.interconnect;

import io.flopwatch.nvml.DeviceSample;
import io.flopwatch.telemetry.GpuRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * What the {@code interconnect} collector read from one GPU in one cycle, plus the NIC nearest to
 * it (filled in by the sampler from the node's {@link NodeNics}). Immutable; the last component of
 * {@link GpuRecord}.
 *
 * @param nvlinkActive  per-link NVLink state ({@code nvmlDeviceGetNvLinkState}); empty without NVLink
 * @param nvlinkLinks   per active link, data bytes per second in each direction since the previous
 *                      cycle (NVML field values 138/139; {@link NvlinkFields#between}); empty on the
 *                      first cycle or without NVLink
 * @param errorCounts   cumulative NVLink error counters since the driver loaded, by the names of
 *                      {@link NvlinkFields#ERROR_FIELDS} (pcie_replays is in {@code pcieReplays})
 * @param pcieReplays   {@code nvmlDeviceGetPcieReplayCounter} (field 94 when the function is absent)
 * @param nearestNic    the RDMA NIC port nearest the GPU on the PCIe tree, with its utilization
 */
public record GpuInterconnect(List<Boolean> nvlinkActive, List<NvlinkFields.LinkRates> nvlinkLinks,
                              Map<String, Long> errorCounts, OptionalLong pcieReplays,
                              Optional<NearestNic> nearestNic) {

    /** Nothing read (collector off, or a record built before it ran). */
    public static final GpuInterconnect NONE = new GpuInterconnect(List.of(), List.of(), Map.of(),
            OptionalLong.empty(), Optional.empty());

    public GpuInterconnect {
        nvlinkActive = List.copyOf(nvlinkActive);
        nvlinkLinks = List.copyOf(nvlinkLinks);
        errorCounts = Map.copyOf(errorCounts);
    }

    /**
     * The RDMA port a GPU's inter-node traffic most likely uses: the nearest NIC's busiest active port.
     *
     * @param utilization the busier direction over the port's rate in the last interval; empty
     *                    before two readings or without a rate
     */
    public record NearestNic(String device, int port, PciTopology.Closeness closeness, OptionalDouble utilization) {
    }

    public GpuInterconnect withNearestNic(Optional<NearestNic> nic) {
        return new GpuInterconnect(nvlinkActive, nvlinkLinks, errorCounts, pcieReplays, nic);
    }

    /** Active NVLinks. */
    public long activeLinks() {
        return nvlinkActive.stream().filter(Boolean::booleanValue).count();
    }

    /** Transmit and receive bytes per second summed over the links; empty when no link has a rate. */
    public OptionalDouble nvlinkTransmitBytesPerSecond() {
        return new NvlinkFields.Traffic(nvlinkLinks, Map.of()).totalTransmitBytesPerSecond();
    }

    public OptionalDouble nvlinkReceiveBytesPerSecond() {
        return new NvlinkFields.Traffic(nvlinkLinks, Map.of()).totalReceiveBytesPerSecond();
    }

    /**
     * The PCIe link verdict of a GPU's record ({@link PcieLinkCheck}); "busy" is NVML
     * utilization.gpu above zero in the same sample, the signal the check's documentation names.
     */
    public static PcieLinkCheck.Verdict pcieLink(GpuRecord gpu) {
        if (gpu.sample().isEmpty()) {
            return PcieLinkCheck.Verdict.UNKNOWN;
        }
        DeviceSample s = gpu.sample().get();
        boolean busy = s.utilization().gpuPercent().orElse(0) > 0;
        return PcieLinkCheck.check(s.pcie(), busy);
    }
}
