package io.flopwatch.telemetry.interconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.telemetry.FakeTicker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InfinibandReaderTest {

    @TempDir
    Path tmp;

    // Rate strings as drivers/infiniband/core/sysfs.c prints them: "%d%s Gb/sec (%dX%s)", with ".5"
    // only for 2.5 Gb/s lanes; IB lane rates per the IBA spec (SDR 2.5, QDR 10, EDR 25, HDR 50, NDR 100).
    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', textBlock = """
            400 Gb/sec (4X NDR) | 400000000000
            200 Gb/sec (4X HDR) | 200000000000
            100 Gb/sec (2X HDR) | 100000000000
            40 Gb/sec (4X QDR)  | 40000000000
            2.5 Gb/sec (1X SDR) | 2500000000
            800 Gb/sec (4X XDR) | 800000000000
            Unknown             |
            ''                  |
            """)
    void rate(String text, Long bitsPerSecond) {
        assertEquals(bitsPerSecond == null ? OptionalLong.empty() : OptionalLong.of(bitsPerSecond),
                InfinibandReader.parseRateBitsPerSecond(text == null ? "" : text));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            4: ACTIVE   | 4  | ACTIVE
            1: DOWN     | 1  | DOWN
            5: LinkUp   | 5  | LinkUp
            3: Disabled | 3  | Disabled
            garbage     | -1 | garbage
            """)
    void portState(String text, int code, String name) {
        assertEquals(new InfinibandPort.PortState(code, name), InfinibandPort.PortState.parse(text));
    }

    @Test
    void readsEveryPortOfTheFixtureNode() {
        Path root = SysfsFixture.install("two-socket-ib", tmp);
        List<InfinibandPort> ports = new InfinibandReader(root, new FakeTicker()).read();
        assertEquals(List.of("mlx5_0", "mlx5_1", "mlx5_2", "mlx5_3", "qib0", "rxe0"),
                ports.stream().map(InfinibandPort::device).collect(Collectors.toList()));

        InfinibandPort ndr = ports.get(0);
        assertEquals(1, ndr.port());
        assertEquals("InfiniBand", ndr.linkLayer());
        assertFalse(ndr.isRoce());
        assertTrue(ndr.isActive());
        assertEquals(new InfinibandPort.PortState(5, "LinkUp"), ndr.physState());
        assertEquals(OptionalLong.of(400_000_000_000L), ndr.rateBitsPerSecond());
        assertEquals(OptionalLong.of(238_334_949_937_759L), ndr.counter("port_xmit_data"));
        assertEquals(Optional.of("0000:1b:00.0"), ndr.pciAddress());
        assertEquals(OptionalInt.of(0), ndr.numaNode());
        assertEquals(Map.of("out_of_buffer", 0L, "duplicate_request", 0L, "local_ack_timeout_err", 0L),
                ndr.hwCounters());

        InfinibandPort roce = ports.get(2);
        assertTrue(roce.isRoce());
        assertEquals(OptionalInt.of(1), roce.numaNode());

        InfinibandPort down = ports.get(3);
        assertFalse(down.isActive());
        // "N/A" from a driver that cannot read a counter: left out, not zero.
        assertEquals(OptionalLong.empty(), down.counter("port_xmit_wait"));

        InfinibandPort legacy = ports.get(4);
        assertEquals(OptionalInt.empty(), legacy.numaNode(), "numa_node -1 means no affinity known");

        InfinibandPort soft = ports.get(5);
        assertEquals(Optional.empty(), soft.pciAddress(), "software RoCE (rxe) has no PCI function");
        assertEquals(OptionalInt.empty(), soft.numaNode());
    }

    @Test
    void aNodeWithoutRdmaDevicesReadsAsEmpty() {
        Path root = SysfsFixture.install("no-rdma", tmp);
        assertEquals(List.of(), new InfinibandReader(root, new FakeTicker()).read());
        assertEquals(List.of(), new InfinibandReader(tmp.resolve("does-not-exist"), new FakeTicker()).read());
    }

    @Test
    void ratesOverTwoReadings() {
        Path root = SysfsFixture.install("two-socket-ib", tmp);
        FakeTicker ticker = new FakeTicker();
        InfinibandReader reader = new InfinibandReader(root, ticker);
        List<InfinibandPort> first = reader.read();

        String mlx50 = "class/infiniband/mlx5_0/ports/1/counters/";
        // 10 s later: +12.5e9 four-octet words sent = 50 GB = 400 Gb = 40 Gb/s, 10% of NDR 400 Gb/s;
        // received +125e9 words = 500 GB = 4000 Gb → 400 Gb/s = 100% of the link.
        SysfsFixture.write(root, mlx50 + "port_xmit_data", Long.toString(238_334_949_937_759L + 12_500_000_000L));
        SysfsFixture.write(root, mlx50 + "port_rcv_data", Long.toString(237_159_415_345_822L + 125_000_000_000L));
        SysfsFixture.write(root, mlx50 + "port_xmit_packets", Long.toString(803_162_651_391L + 1_000_000));
        SysfsFixture.write(root, mlx50 + "symbol_error", "3");
        // The legacy HCA: transmit still saturated, receive wrapped once (IBA counters saturate; some
        // drivers wrap: CounterDelta's policy), received packets reset (100 → 5).
        String qib = "class/infiniband/qib0/ports/1/counters/";
        SysfsFixture.write(root, qib + "port_rcv_data", "1000");
        SysfsFixture.write(root, qib + "port_rcv_packets", "5");
        ticker.advance(Duration.ofSeconds(10));
        List<InfinibandPort> second = reader.read();

        Map<String, PortRates> rates = PortRates.between(first, second).stream()
                .collect(Collectors.toMap(PortRates::device, r -> r));
        assertEquals(6, rates.size());

        PortRates ndr = rates.get("mlx5_0");
        assertEquals(10.0, ndr.intervalSeconds());
        assertEquals(40e9, ndr.transmitBitsPerSecond().getAsDouble(), 1e-3);
        assertEquals(400e9, ndr.receiveBitsPerSecond().getAsDouble(), 1e-3);
        assertEquals(100_000.0, ndr.transmitPacketsPerSecond().getAsDouble(), 1e-9);
        assertEquals(0.0, ndr.receivePacketsPerSecond().getAsDouble());
        assertEquals(1.0, ndr.linkUtilizationRatio().getAsDouble(), 1e-12);
        assertEquals(Map.of("symbol_error", 3L), ndr.errorIncreases());
        assertEquals(Map.of(), ndr.unknownCounters());

        PortRates legacy = rates.get("qib0");
        assertEquals(OptionalDouble.empty(), legacy.transmitBitsPerSecond());
        // 2^32 - 4294967000 + 1000 = 1296 words × 32 bits / 10 s
        assertEquals(1296 * 32 / 10.0, legacy.receiveBitsPerSecond().getAsDouble(), 1e-9);
        assertEquals(Map.of("port_xmit_data", CounterDelta.Kind.SATURATED,
                "port_rcv_packets", CounterDelta.Kind.RESET), legacy.unknownCounters());
        // Utilization from the direction that is known.
        assertEquals(1296 * 32 / 10.0 / 40e9, legacy.linkUtilizationRatio().getAsDouble(), 1e-15);

        PortRates soft = rates.get("rxe0");
        assertEquals(0.0, soft.transmitBitsPerSecond().getAsDouble());
        assertEquals(OptionalDouble.empty(), soft.receiveBitsPerSecond(), "counter not exposed");
    }

    @Test
    void aNicThatDisappearsBetweenReadingsYieldsNoRates() {
        Path root = SysfsFixture.install("two-socket-ib", tmp);
        FakeTicker ticker = new FakeTicker();
        InfinibandReader reader = new InfinibandReader(root, ticker);
        List<InfinibandPort> first = reader.read();
        ticker.advance(Duration.ofSeconds(1));
        List<InfinibandPort> second = reader.read().stream().filter(p -> !p.device().equals("mlx5_1")).toList();
        assertEquals(5, PortRates.between(first, second).size());
        assertEquals(0, PortRates.between(second, reader.read()).size(), "same stamps: no rates for a zero interval");
    }
}
