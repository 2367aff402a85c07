package io.flopwatch.cli;

import io.flopwatch.nvml.NvmlException;
import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Ticker;
import io.flopwatch.telemetry.interconnect.InterconnectCollector;
import io.flopwatch.telemetry.interconnect.NicMonitor;
import io.flopwatch.telemetry.interconnect.NodeNics;
import java.util.HashMap;
import java.util.Map;

/**
 * The interconnect part of a one-off {@code flopwatch snapshot}: the interconnect collector run
 * before and after the reading (so its NVLink rates cover the reading's GPM interval) and, on real
 * GPUs, the node's NICs read the same way. A GPU whose counters cannot be read keeps none.
 */
final class SnapshotInterconnect {

    static final SnapshotInterconnect NONE = new SnapshotInterconnect(null);

    private final InterconnectCollector collector = new InterconnectCollector();
    private final NicMonitor nicMonitor;
    private final Map<Integer, GpuRecord.Builder> gpus = new HashMap<>();
    private NodeNics nics = NodeNics.NONE;

    private SnapshotInterconnect(NicMonitor nicMonitor) {
        this.nicMonitor = nicMonitor;
    }

    /** @param readNics false for simulated GPUs, which have no place in this host's PCIe tree */
    static SnapshotInterconnect start(NvmlSession nvml, boolean readNics) {
        SnapshotInterconnect s = new SnapshotInterconnect(readNics ? NicMonitor.system(Ticker.system()) : null);
        s.collect(nvml);
        if (s.nicMonitor != null) {
            s.nicMonitor.read();
        }
        return s;
    }

    void finish(NvmlSession nvml) {
        collect(nvml);
        if (nicMonitor != null) {
            nics = nicMonitor.read();
        }
    }

    private void collect(NvmlSession nvml) {
        for (int i = 0; i < nvml.deviceCount(); i++) {
            GpuRecord.Builder b = new GpuRecord.Builder(i);
            try {
                collector.collect(nvml, i, b);
                gpus.put(i, b);
            } catch (NvmlException e) {
                gpus.remove(i); // the reading's own errors say why
            }
        }
    }

    GpuRecord attach(GpuRecord r) {
        if (this == NONE) {
            return r;
        }
        GpuRecord.Builder b = gpus.get(r.index());
        GpuRecord withLinks = b == null ? r : r.withInterconnect(b.build(0, true, "", Map.of()).interconnect());
        return nicMonitor == null ? withLinks : nicMonitor.attach(withLinks, nics);
    }

    NodeNics nics() {
        return nics;
    }
}
