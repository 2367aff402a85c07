package io.flopwatch.telemetry.interconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flopwatch.nvml.FieldValue;
import io.flopwatch.nvml.NvmlReturn;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class NvlinkFieldsTest {

    private static FieldValue value(int field, int scope, long micros, long v) {
        // valueType 3: unsigned long long (nvmlValueType_t NVML_VALUE_TYPE_UNSIGNED_LONG_LONG).
        return new FieldValue(field, scope, micros, 0, NvmlReturn.SUCCESS, 3, OptionalLong.of(v), OptionalDouble.empty());
    }

    private static FieldValue unsupported(int field, int scope) {
        return new FieldValue(field, scope, 0, 0, NvmlReturn.ERROR_NOT_SUPPORTED, 0, OptionalLong.empty(), OptionalDouble.empty());
    }

    @Test
    void requestsThroughputPerActiveLinkAndTheDeviceErrorTotals() {
        // nvml.h field ids: 138/139 NVLINK_THROUGHPUT_DATA_TX/RX (scopeId = link id), 38/45/52/59
        // the CRC flit / CRC data / replay / recovery totals, 94 PCIE_REPLAY_COUNTER.
        assertEquals(List.of(new FieldValue.Request(138, 0), new FieldValue.Request(139, 0),
                        new FieldValue.Request(138, 2), new FieldValue.Request(139, 2),
                        new FieldValue.Request(38, 0), new FieldValue.Request(45, 0), new FieldValue.Request(52, 0),
                        new FieldValue.Request(59, 0), new FieldValue.Request(94, 0)),
                NvlinkFields.requests(List.of(true, false, true)));
        assertEquals(5, NvlinkFields.requests(List.of()).size(), "no NVLink: only the error totals");
    }

    @Test
    void ratesFromKibCountersAndNvmlTimestamps() {
        long t0 = 1_700_000_000_000_000L;
        long t1 = t0 + 2_000_000; // NVML's timestamps are µs: 2 s later
        List<FieldValue> before = List.of(value(138, 0, t0, 1_000), value(139, 0, t0, 5_000),
                value(138, 1, t0, 0), value(139, 1, t0, 9_000_000),
                value(52, 0, t0, 7), value(38, 0, t0, 0), unsupported(94, 0));
        // Link 0: +48,828,125 KiB sent in 2 s = 25.0e9 B/s (one H100 NVLink4 link's 25 GB/s each way).
        // Link 1: receive counter went down (GPU reset): unknown.
        List<FieldValue> after = List.of(value(138, 0, t1, 1_000 + 48_828_125), value(139, 0, t1, 5_000),
                value(138, 1, t1, 1_024), value(139, 1, t1, 10),
                value(52, 0, t1, 9), value(38, 0, t1, 0), unsupported(94, 0));
        NvlinkFields.Traffic t = NvlinkFields.between(before, after);
        assertEquals(2, t.links().size());
        assertEquals(25.0e9, t.links().get(0).transmitBytesPerSecond().getAsDouble(), 1e-3);
        assertEquals(0.0, t.links().get(0).receiveBytesPerSecond().getAsDouble());
        // +1,024 KiB in 2 s = 524,288 B/s.
        assertEquals(524_288.0, t.links().get(1).transmitBytesPerSecond().getAsDouble(), 1e-9);
        assertEquals(OptionalDouble.empty(), t.links().get(1).receiveBytesPerSecond());
        assertEquals(25.0e9 + 524_288, t.totalTransmitBytesPerSecond().getAsDouble(), 1e-3);
        assertEquals(0.0, t.totalReceiveBytesPerSecond().getAsDouble());
        assertEquals(Map.of("nvlink_replay_errors", 2L, "nvlink_crc_flit_errors", 0L), t.errorIncreases());
    }

    @Test
    void sameTimestampMeansNvmlDidNotUpdate() {
        long t0 = 5_000_000;
        NvlinkFields.Traffic t = NvlinkFields.between(List.of(value(138, 0, t0, 1)), List.of(value(138, 0, t0, 2)));
        assertEquals(OptionalDouble.empty(), t.links().get(0).transmitBytesPerSecond());
        assertEquals(OptionalDouble.empty(), t.totalTransmitBytesPerSecond());
    }

    @Test
    void readingsPairByFieldAndLinkWhenTheRequestsChanged() {
        // Link 0 went inactive between the readings, so the second asks for link 1 only: its
        // values must pair with link 1's earlier ones, not with whatever stood at their position.
        long t0 = 1_000_000;
        long t1 = t0 + 1_000_000;
        List<FieldValue> before = List.of(value(138, 0, t0, 100), value(139, 0, t0, 200),
                value(138, 1, t0, 1_000), value(139, 1, t0, 2_000), value(52, 0, t0, 1));
        List<FieldValue> after = List.of(value(138, 1, t1, 1_001), value(139, 1, t1, 2_004), value(52, 0, t1, 3));
        NvlinkFields.Traffic t = NvlinkFields.between(before, after);
        assertEquals(1, t.links().size());
        assertEquals(1, t.links().get(0).link());
        // +1 KiB and +4 KiB in 1 s.
        assertEquals(1024.0, t.links().get(0).transmitBytesPerSecond().getAsDouble(), 1e-9);
        assertEquals(4096.0, t.links().get(0).receiveBytesPerSecond().getAsDouble(), 1e-9);
        assertEquals(Map.of("nvlink_replay_errors", 2L), t.errorIncreases());
        // The same readings in the other order (a link came up): link 1 pairs again, link 0 has no earlier value.
        NvlinkFields.Traffic back = NvlinkFields.between(after, before);
        assertEquals(List.of(0, 1), back.links().stream().map(NvlinkFields.LinkRates::link).toList());
        assertEquals(OptionalDouble.empty(), back.links().get(0).transmitBytesPerSecond());
    }
}
