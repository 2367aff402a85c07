package io.flopwatch.export;

import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.interconnect.GpuInterconnect;
import io.flopwatch.telemetry.interconnect.InfinibandPort;
import io.flopwatch.telemetry.interconnect.NvlinkFields;
import io.flopwatch.telemetry.interconnect.PcieLinkCheck;
import io.flopwatch.telemetry.interconnect.PortRates;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * The interconnect meters (docs/metrics.md, "Interconnect"): per GPU its NVLinks (state and data
 * rate per link, error counters), its PCIe link (generation and width against the maximum, the
 * degraded flag, replays) and its nearest RDMA NIC; per node each InfiniBand / RoCE port.
 * Like {@link SnapshotMetrics}, meters read only the latest snapshot and return NaN for what was
 * not measured; a GPU's or port's meters are removed when it leaves the snapshot. Called from
 * {@link SnapshotMetrics#sync} after each publish.
 */
final class InterconnectMetrics {

    /** NVML error field names ({@link NvlinkFields#ERROR_FIELDS}) → the {@code counter} label. */
    private static final Map<String, String> NVLINK_ERRORS = Map.of(
            "nvlink_crc_flit_errors", "crc_flit", "nvlink_crc_data_errors", "crc_data",
            "nvlink_replay_errors", "replay", "nvlink_recovery_errors", "recovery");

    private final MeterRegistry registry;
    private final Supplier<Snapshot> latest;
    private final MeterGroups groups;
    /** The shape whose meters are registered; null before the first sync. */
    private Shape registered;

    InterconnectMetrics(MeterRegistry registry, Supplier<Snapshot> latest) {
        this.registry = registry;
        this.latest = latest;
        this.groups = new MeterGroups(registry);
    }

    void sync(Snapshot s) {
        // The meters read the latest snapshot; only a change of links, error counters, nearest NIC
        // or ports adds or removes any (Shape). Unchanged, as in almost every cycle: nothing to do.
        Shape shape = Shape.of(s);
        if (shape.equals(registered)) {
            return;
        }
        Set<String> live = new HashSet<>();
        for (GpuRecord g : s.gpus()) {
            if (g.identity().isEmpty()) {
                continue;
            }
            String uuid = g.identity().get().uuid();
            Tags t = Tags.of("gpu", Integer.toString(g.index()), "uuid", uuid, "model", g.identity().get().name());
            String key = "gpu/" + g.index() + "/" + uuid;
            live.add(key);
            if (group(key)) {
                gpu(t, g.index());
            }
            GpuInterconnect ic = g.interconnect();
            for (int link = 0; link < ic.nvlinkActive().size(); link++) {
                String linkKey = key + "/nvlink/" + link;
                live.add(linkKey);
                if (group(linkKey)) {
                    nvlink(t.and("link", Integer.toString(link)), g.index(), link);
                }
            }
            for (String name : ic.errorCounts().keySet()) {
                String errKey = key + "/nvlink-errors/" + name;
                live.add(errKey);
                if (group(errKey) && NVLINK_ERRORS.containsKey(name)) {
                    int i = g.index();
                    own(FunctionCounter.builder("flopwatch.gpu.nvlink.errors", this,
                                    m -> m.gpu(i).map(x -> l(Optional.ofNullable(x.interconnect().errorCounts()
                                            .get(name)).map(OptionalLong::of).orElse(OptionalLong.empty())))
                                            .orElse(Double.NaN))
                            .tags(t.and("counter", NVLINK_ERRORS.get(name)))
                            .description("NVLink errors over all links since the driver loaded (NVML fields 38/45/52/59: "
                                    + "CRC flit, CRC data, replay, recovery)")
                            .register(registry));
                }
            }
            ic.nearestNic().ifPresent(n -> {
                String nicKey = key + "/nic/" + n.device() + "/" + n.port() + "/" + n.closeness();
                live.add(nicKey);
                if (group(nicKey)) {
                    own(Gauge.builder("flopwatch.gpu.nic.info", () -> 1)
                            .tags(t.and("nic", n.device(), "port", Integer.toString(n.port()),
                                    "closeness", n.closeness().name()))
                            .description("Always 1; the RDMA NIC port nearest the GPU on the PCIe tree (closeness: "
                                    + "the nvidia-smi topo -m legend, PIX nearest to SYS farthest)")
                            .strongReference(true).register(registry));
                }
            });
        }
        for (InfinibandPort p : s.nics().ports()) {
            String key = "nic/" + p.device() + "/" + p.port();
            live.add(key);
            if (group(key)) {
                port(p);
            }
            for (String counter : PortRates.ERROR_COUNTERS) {
                if (p.counters().containsKey(counter)) {
                    String errKey = key + "/errors/" + counter;
                    live.add(errKey);
                    if (group(errKey)) {
                        String dev = p.device();
                        int no = p.port();
                        own(FunctionCounter.builder("flopwatch.nic.port.errors", this,
                                        m -> m.port(dev, no).map(x -> l(x.counter(counter))).orElse(Double.NaN))
                                .tags(portTags(p).and("counter", counter))
                                .description("A port error counter as sysfs shows it (legacy counters stop at their "
                                        + "maximum instead of wrapping; docs/interconnect.md)")
                                .register(registry));
                    }
                }
            }
        }
        groups.removeIf(k -> !live.contains(k));
        registered = shape;
    }

    /**
     * What decides this class's meters: per identified GPU its index, UUID, number of NVLinks,
     * the error counters it reports and its nearest NIC port; per RDMA port its name and counters.
     * Labels read only at registration (the GPU model, a port's link layer) are not part of it.
     */
    private record Shape(List<GpuShape> gpus, List<PortShape> ports) {
        static Shape of(Snapshot s) {
            List<GpuShape> gpus = new ArrayList<>(s.gpus().size());
            for (GpuRecord g : s.gpus()) {
                if (g.identity().isPresent()) {
                    GpuInterconnect ic = g.interconnect();
                    gpus.add(new GpuShape(g.index(), g.identity().get().uuid(), ic.nvlinkActive().size(),
                            ic.errorCounts().keySet(), // of an immutable map (GpuInterconnect copies it)
                            ic.nearestNic().map(n -> n.device() + "/" + n.port() + "/" + n.closeness())));
                }
            }
            List<PortShape> ports = new ArrayList<>(s.nics().ports().size());
            for (InfinibandPort p : s.nics().ports()) {
                ports.add(new PortShape(p.device(), p.port(), p.counters().keySet()));
            }
            return new Shape(gpus, ports);
        }
    }

    private record GpuShape(int index, String uuid, int links, Set<String> errorCounters, Optional<String> nearestNic) {
    }

    /** {@code counters}: the port's immutable map's key set (InfinibandPort copies its maps). */
    private record PortShape(String device, int port, Set<String> counters) {
    }

    private void gpu(Tags t, int i) {
        gauge("flopwatch.gpu.nvlink.links.active", t, null, "Active NVLinks (nvmlDeviceGetNvLinkState)",
                s -> gpu(s, i).map(g -> g.interconnect().nvlinkActive().isEmpty() ? Double.NaN
                        : (double) g.interconnect().activeLinks()).orElse(Double.NaN));
        own(FunctionCounter.builder("flopwatch.gpu.pcie.replays", this,
                        m -> m.gpu(i).map(g -> l(g.interconnect().pcieReplays())).orElse(Double.NaN))
                .tags(t)
                .description("PCIe replays (link-level retransmissions) since the driver loaded "
                        + "(nvmlDeviceGetPcieReplayCounter); a steadily rising count marks a marginal link")
                .register(registry));
        pcie(t, i, "flopwatch.gpu.pcie.link.generation", "Current PCIe link generation (lowered at idle to save power)",
                p -> in(p.linkGenerationCurrent()));
        pcie(t, i, "flopwatch.gpu.pcie.link.generation.max",
                "Highest PCIe generation the GPU and its slot support (nvmlDeviceGetMaxPcieLinkGeneration)",
                p -> in(p.linkGenerationMax()));
        pcie(t, i, "flopwatch.gpu.pcie.link.width", "Current PCIe link width (lanes)", p -> in(p.linkWidthCurrent()));
        pcie(t, i, "flopwatch.gpu.pcie.link.width.max",
                "Widest PCIe link the GPU and its slot support (nvmlDeviceGetMaxPcieLinkWidth)",
                p -> in(p.linkWidthMax()));
        gauge("flopwatch.gpu.pcie.link.degraded", t, null,
                "1 when the GPU is busy on a PCIe link below its maximum generation or width, 0 otherwise "
                        + "(docs/interconnect.md, PCIe link degradation)",
                s -> gpu(s, i).map(g -> {
                    PcieLinkCheck.Verdict v = GpuInterconnect.pcieLink(g);
                    return v == PcieLinkCheck.Verdict.UNKNOWN ? Double.NaN : v.degraded() ? 1.0 : 0.0;
                }).orElse(Double.NaN));
        gauge("flopwatch.gpu.nic.utilization", t, "ratio",
                "Use of the GPU's nearest RDMA NIC port: the busier direction over the port's rate",
                s -> gpu(s, i).flatMap(g -> g.interconnect().nearestNic()).map(n -> d(n.utilization()))
                        .orElse(Double.NaN));
    }

    private void nvlink(Tags t, int i, int link) {
        gauge("flopwatch.gpu.nvlink.link.up", t, null, "1 when the NVLink is active, 0 when not",
                s -> gpu(s, i).map(g -> link < g.interconnect().nvlinkActive().size()
                        ? (g.interconnect().nvlinkActive().get(link) ? 1.0 : 0.0) : Double.NaN).orElse(Double.NaN));
        for (String dir : new String[] {"transmit", "receive"}) {
            boolean tx = dir.equals("transmit");
            gauge("flopwatch.gpu.nvlink.link.throughput", t.and("direction", dir), "bytes_per_second",
                    "NVLink data rate of the link, protocol overhead excluded (NVML fields 138/139, between cycles)",
                    s -> gpu(s, i).flatMap(g -> g.interconnect().nvlinkLinks().stream()
                                    .filter(r -> r.link() == link).findFirst())
                            .map(r -> d(tx ? r.transmitBytesPerSecond() : r.receiveBytesPerSecond()))
                            .orElse(Double.NaN));
        }
    }

    private static Tags portTags(InfinibandPort p) {
        return Tags.of("nic", p.device(), "port", Integer.toString(p.port()),
                "link_layer", p.linkLayer().isEmpty() ? "unknown" : p.linkLayer());
    }

    private void port(InfinibandPort p) {
        Tags t = portTags(p);
        String dev = p.device();
        int no = p.port();
        own(Gauge.builder("flopwatch.nic.port.info", () -> 1)
                .tags(t.and("pci_address", p.pciAddress().orElse(""),
                        "numa_node", p.numaNode().isPresent() ? Integer.toString(p.numaNode().getAsInt()) : ""))
                .description("Always 1; an InfiniBand / RoCE port, its PCI function and NUMA node (sysfs)")
                .strongReference(true).register(registry));
        gauge("flopwatch.nic.port.up", t, null, "1 when the port's logical state is ACTIVE",
                s -> port(s, dev, no).map(x -> x.isActive() ? 1.0 : 0.0).orElse(Double.NaN));
        gauge("flopwatch.nic.port.rate", t, "bytes_per_second",
                "Nominal rate of the port per direction (sysfs rate, Gb/s / 8)",
                s -> port(s, dev, no).map(x -> x.rateBitsPerSecond().isPresent()
                        ? x.rateBitsPerSecond().getAsLong() / 8.0 : Double.NaN).orElse(Double.NaN));
        for (String dir : new String[] {"transmit", "receive"}) {
            boolean tx = dir.equals("transmit");
            gauge("flopwatch.nic.port.throughput", t.and("direction", dir), "bytes_per_second",
                    "Data rate of the port between cycles (port_xmit_data / port_rcv_data x 4; wraps and "
                            + "saturation give a gap, not a spike)",
                    s -> rates(s, dev, no).map(r -> d(tx ? r.transmitBitsPerSecond() : r.receiveBitsPerSecond()) / 8)
                            .orElse(Double.NaN));
            gauge("flopwatch.nic.port.packets", t.and("direction", dir), "per_second",
                    "Packets per second of the port between cycles",
                    s -> rates(s, dev, no).map(r -> d(tx ? r.transmitPacketsPerSecond() : r.receivePacketsPerSecond()))
                            .orElse(Double.NaN));
        }
        gauge("flopwatch.nic.port.utilization", t, "ratio", "The busier direction's rate over the port's nominal rate",
                s -> rates(s, dev, no).map(r -> d(r.linkUtilizationRatio())).orElse(Double.NaN));
    }

    // ---- lookups and helpers -------------------------------------------------------------------

    private Optional<GpuRecord> gpu(int index) {
        return latest.get().gpu(index);
    }

    private static Optional<GpuRecord> gpu(Snapshot s, int index) {
        return s.gpu(index);
    }

    private Optional<InfinibandPort> port(String device, int port) {
        return port(latest.get(), device, port);
    }

    private static Optional<InfinibandPort> port(Snapshot s, String device, int port) {
        return s.nics().ports().stream().filter(p -> p.device().equals(device) && p.port() == port).findFirst();
    }

    private static Optional<PortRates> rates(Snapshot s, String device, int port) {
        return s.nics().rates(device, port);
    }

    private void pcie(Tags t, int i, String name, String help,
                      ToDoubleFunction<io.flopwatch.nvml.DeviceSample.Pcie> f) {
        gauge(name, t, null, help, s -> gpu(s, i).flatMap(GpuRecord::sample).map(x -> f.applyAsDouble(x.pcie()))
                .orElse(Double.NaN));
    }

    private boolean group(String key) {
        return groups.open(key);
    }

    private <M extends Meter> M own(M meter) {
        return groups.own(meter);
    }

    private void gauge(String name, Tags tags, String unit, String help, ToDoubleFunction<Snapshot> f) {
        own(Gauge.builder(name, this, m -> f.applyAsDouble(m.latest.get()))
                .tags(tags).baseUnit(unit).description(help).strongReference(true).register(registry));
    }

    private static double l(OptionalLong v) {
        return v.isPresent() ? v.getAsLong() : Double.NaN;
    }

    private static double d(OptionalDouble v) {
        return v.isPresent() ? v.getAsDouble() : Double.NaN;
    }

    private static double in(OptionalInt v) {
        return v.isPresent() ? v.getAsInt() : Double.NaN;
    }
}
