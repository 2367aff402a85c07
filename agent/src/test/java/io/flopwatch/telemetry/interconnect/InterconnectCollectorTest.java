package io.flopwatch.telemetry.interconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flopwatch.nvml.DeviceSample;
import io.flopwatch.nvml.FieldValue;
import io.flopwatch.nvml.GpmMetric;
import io.flopwatch.nvml.GpuIdentity;
import io.flopwatch.nvml.GpuProcess;
import io.flopwatch.nvml.NvmlReturn;
import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.nvml.ProcessUtilization;
import io.flopwatch.nvml.Reliability;
import io.flopwatch.nvml.SystemInfo;
import io.flopwatch.telemetry.GpuRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The collector asks for the same field values while the links stay as they were (reusing the
 * requests it built), and for new ones as soon as a link changes state; rates always pair a
 * link's counter with that link's previous reading.
 */
class InterconnectCollectorTest {

    /** NVLink data counters that grow by 1,024 KiB per link per second of NVML time (1 MiB/s each way). */
    private static final class Links implements NvmlSession {
        List<Boolean> active = List.of(true, true);
        long micros = 1_000_000;
        final List<List<FieldValue.Request>> asked = new ArrayList<>();

        @Override
        public List<Boolean> nvlinkActive(int index) {
            return active;
        }

        @Override
        public List<FieldValue> fieldValues(int index, List<FieldValue.Request> requests) {
            asked.add(requests);
            List<FieldValue> out = new ArrayList<>();
            for (FieldValue.Request r : requests) {
                long kib = micros / 1_000_000 * 1024 * (r.scopeId() + 1); // link k moves (k + 1) MiB/s
                out.add(new FieldValue(r.fieldId(), r.scopeId(), micros, 0, NvmlReturn.SUCCESS, 3, OptionalLong.of(kib),
                        OptionalDouble.empty()));
            }
            return out;
        }

        @Override
        public OptionalLong pcieReplayCounter(int index) {
            return OptionalLong.of(0);
        }

        // ---- not used by the collector
        @Override public boolean simulated() { throw new UnsupportedOperationException(); }
        @Override public SystemInfo system() { throw new UnsupportedOperationException(); }
        @Override public int deviceCount() { throw new UnsupportedOperationException(); }
        @Override public GpuIdentity identity(int index) { throw new UnsupportedOperationException(); }
        @Override public OptionalInt indexOfUuid(String uuid) { throw new UnsupportedOperationException(); }
        @Override public OptionalInt indexOfPciBusId(String pciBusId) { throw new UnsupportedOperationException(); }
        @Override public DeviceSample sample(int index) { throw new UnsupportedOperationException(); }
        @Override public List<GpuProcess> computeProcesses(int index) { throw new UnsupportedOperationException(); }
        @Override public List<ProcessUtilization> processUtilization(int index, long since) { throw new UnsupportedOperationException(); }
        @Override public Reliability reliability(int index) { throw new UnsupportedOperationException(); }
        @Override public boolean gpmSupported(int index) { throw new UnsupportedOperationException(); }
        @Override public List<GpmMetric> gpmMetrics(int index, OptionalInt gi, int... ids) { throw new UnsupportedOperationException(); }
        @Override public EventWatcher watchEvents(long eventTypes) { throw new UnsupportedOperationException(); }
        @Override public void close() { }
    }

    private static GpuInterconnect collect(InterconnectCollector c, Links nvml) {
        GpuRecord.Builder b = new GpuRecord.Builder(0);
        c.collect(nvml, 0, b);
        nvml.micros += 2_000_000; // the next cycle's readings are 2 s later
        return b.build(0, true, "", Map.of()).interconnect();
    }

    private static List<Double> transmitRates(GpuInterconnect ic) {
        return ic.nvlinkLinks().stream().map(l -> l.transmitBytesPerSecond().orElse(Double.NaN)).toList();
    }

    @Test
    void requestsFollowTheLinksAndRatesPairByLink() {
        InterconnectCollector c = new InterconnectCollector();
        Links nvml = new Links();
        assertEquals(List.of(), collect(c, nvml).nvlinkLinks(), "first reading: a baseline, no rates");
        // Link k: (k + 1) MiB/s = (k + 1) * 1,048,576 B/s.
        assertEquals(List.of(1_048_576.0, 2_097_152.0), transmitRates(collect(c, nvml)));
        assertEquals(nvml.asked.get(0), nvml.asked.get(1));

        nvml.active = List.of(false, true); // link 0 went down
        GpuInterconnect oneLink = collect(c, nvml);
        assertEquals(NvlinkFields.requests(List.of(false, true)), nvml.asked.get(2));
        assertEquals(1, oneLink.nvlinkLinks().size());
        assertEquals(1, oneLink.nvlinkLinks().get(0).link());
        assertEquals(List.of(2_097_152.0), transmitRates(oneLink), "link 1 paired with its own last reading");

        nvml.active = List.of(true, true); // and came back
        GpuInterconnect back = collect(c, nvml);
        assertEquals(NvlinkFields.requests(List.of(true, true)), nvml.asked.get(3));
        assertEquals(List.of(0, 1), back.nvlinkLinks().stream().map(NvlinkFields.LinkRates::link).toList());
        assertEquals(OptionalDouble.empty(), back.nvlinkLinks().get(0).transmitBytesPerSecond(),
                "link 0 has no reading in the previous cycle");
        assertEquals(2_097_152.0, back.nvlinkLinks().get(1).transmitBytesPerSecond().getAsDouble());
    }
}
