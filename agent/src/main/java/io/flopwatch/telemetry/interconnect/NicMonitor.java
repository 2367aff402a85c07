package io.flopwatch.telemetry.interconnect;

import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Ticker;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The {@code infiniband} collector: reads the node's RDMA ports once per sampling cycle on the
 * sampler's thread (never in a scrape: each counter read makes the kernel query the port, see
 * docs/interconnect.md), turns consecutive readings into {@link PortRates}, and tells each GPU
 * which NIC port is nearest to it on the PCIe tree ({@link PciTopology#rankNics}).
 *
 * <p>The GPU-to-NIC ranking is computed once per GPU bus id and NIC set: the PCIe tree does not
 * change while the node runs. Not thread-safe: the sampler's thread only.
 */
public final class NicMonitor {

    private final InfinibandReader reader;
    private final PciTopology topology;
    private List<InfinibandPort> previous = List.of();
    private final Map<String, List<PciTopology.NicAffinity>> rankings = new HashMap<>();
    private Map<String, String> rankedFor = Map.of();

    /** @param sysfsRoot normally {@code /sys}; a fixture tree in tests */
    public NicMonitor(Path sysfsRoot, Ticker ticker) {
        this.reader = new InfinibandReader(sysfsRoot, ticker);
        this.topology = new PciTopology(sysfsRoot);
    }

    public static NicMonitor system(Ticker ticker) {
        return new NicMonitor(Path.of("/sys"), ticker);
    }

    /** One reading of every port, with rates against the previous one. */
    public NodeNics read() {
        List<InfinibandPort> ports;
        try {
            ports = reader.read();
        } catch (RuntimeException e) {
            // sysfs reads do not fail in normal operation; if one does, the NICs drop out of this
            // cycle and the next reading becomes the baseline.
            previous = List.of();
            return new NodeNics(List.of(), List.of(), e.toString());
        }
        List<PortRates> rates = PortRates.between(previous, ports);
        previous = ports;
        return new NodeNics(ports, rates, "");
    }

    /** The record with its nearest NIC port filled in (unchanged when it has no interconnect part or no bus id). */
    public GpuRecord attach(GpuRecord gpu, NodeNics nics) {
        Optional<String> busId = gpu.identity().map(id -> id.pciBusId()).filter(PciTopology::isPciAddress);
        if (busId.isEmpty() || nics.ports().isEmpty()) {
            return gpu;
        }
        return gpu.withInterconnect(gpu.interconnect().withNearestNic(nearest(busId.get(), nics)));
    }

    /**
     * The nearest NIC with an active port (ties by name, as {@link PciTopology#rankNics}); of its
     * active ports, the busiest. NICs without a PCI address (software RDMA: rxe, siw) are skipped:
     * they carry no GPU traffic of their own.
     */
    Optional<GpuInterconnect.NearestNic> nearest(String gpuBusId, NodeNics nics) {
        Map<String, String> addresses = new LinkedHashMap<>();
        for (InfinibandPort p : nics.ports()) {
            p.pciAddress().ifPresent(a -> addresses.putIfAbsent(p.device(), a));
        }
        if (!addresses.equals(rankedFor)) {
            rankings.clear();
            rankedFor = Map.copyOf(addresses);
        }
        List<PciTopology.NicAffinity> ranked = rankings.computeIfAbsent(gpuBusId,
                id -> topology.rankNics(id, addresses));
        for (PciTopology.NicAffinity nic : ranked) {
            Optional<GpuInterconnect.NearestNic> best = nics.ports().stream()
                    .filter(p -> p.device().equals(nic.nic()) && p.isActive())
                    .map(p -> new GpuInterconnect.NearestNic(p.device(), p.port(), nic.closeness(),
                            nics.rates(p.device(), p.port()).map(PortRates::linkUtilizationRatio)
                                    .orElse(OptionalDouble.empty())))
                    .max(Comparator.comparingDouble(n -> n.utilization().orElse(-1)));
            if (best.isPresent()) {
                return best;
            }
        }
        return Optional.empty();
    }
}
