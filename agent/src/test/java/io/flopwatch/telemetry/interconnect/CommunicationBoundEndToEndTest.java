package io.flopwatch.telemetry.interconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.analysis.Diagnosis;
import io.flopwatch.analysis.DiagnosisState;
import io.flopwatch.analysis.GpuAnalysis;
import io.flopwatch.analysis.GpuAnalyzer;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.gpu.Precision;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.nvml.jna.SimulatorControl;
import io.flopwatch.telemetry.Analyzer;
import io.flopwatch.telemetry.Collectors;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Sampler;
import io.flopwatch.telemetry.Snapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The communication-bound diagnosis end to end: simulated GPUs (NVML through the simulated library),
 * the node's NICs from the fixture sysfs tree two-socket-ib, the sampler joining the two by PCIe
 * topology, and the GPU analysis applying CommunicationBoundRule (docs/interconnect.md).
 *
 * <p>Both GPUs run kernels 95 % of the time with SM activity 30 % and tensor activity 5 % (GPM).
 * GPU 0 (bus 1a:00.0, one PCIe switch from mlx5_0: PIX) has no NVLink traffic; GPU 1 (bus 22:00.0,
 * behind a second switch level: PXB) sends and receives 400 GB/s over NVLink, 0.89 of H100 SXM's
 * 450 GB/s per direction (900 GB/s total, H100 datasheet). mlx5_0 is a 400 Gb/s NDR port.
 */
class CommunicationBoundEndToEndTest {

    static final String MLX5_0_XMIT = "class/infiniband/mlx5_0/ports/1/counters/port_xmit_data";
    /** The fixture's port_xmit_data of mlx5_0. */
    static final long XMIT_START = 238_334_949_937_759L;

    @TempDir
    Path dir;

    @AfterEach
    void runClock() {
        SimulatorControl.runClock();
    }

    private Path scenario() throws Exception {
        String common = """
                architecture hopper
                memory_total_bytes 80GiB
                gpu_util_percent 95
                pcie_gen 5 5
                pcie_width 16 16
                gpm on
                gpm_metric sm_util 30
                gpm_metric any_tensor_util 5
                gpm_metric dram_bw_util 10
                """;
        String s = "device\nname NVIDIA H100 80GB HBM3 (Simulated)\nuuid GPU-c0000000-0000-4000-8000-000000000000\n"
                + "pci_bus_id 00000000:1A:00.0\n" + common
                + "device\nname NVIDIA H100 80GB HBM3 (Simulated)\nuuid GPU-c0000000-0000-4000-8000-000000000001\n"
                + "pci_bus_id 00000000:22:00.0\n" + common
                + "nvlink_links 18\nnvlink_tx_kibps 390625000\nnvlink_rx_kibps 390625000\n"; // 400e9 B/s / 1024
        Path file = dir.resolve("comm.scenario");
        Files.writeString(file, s);
        return file;
    }

    @Test
    void idleTensorPipesWithABusyNicOrNvlinkAreCommunicationBound() throws Exception {
        Path sysfs = SysfsFixture.install("two-socket-ib", dir.resolve("sys"));
        GpuCatalog catalog = GpuCatalog.load(Optional.empty());
        Analyzer analyzer = (gpus, now) -> new Analyzer.Result(gpus.stream()
                .map(g -> GpuAnalyzer.analyze(g, g.identity().flatMap(id -> GpuAnalyzer.catalogEntry(catalog, id.name())),
                        Precision.BF16)).toList(), List.of());
        FakeTicker ticker = new FakeTicker();
        SimulatorControl.freezeClockAt(10);
        NvmlSource source = NvmlSource.simulated(scenario());
        try (Sampler sampler = new Sampler(source::open,
                Collectors.builtIn(Set.of(Collectors.DEVICE, Collectors.GPM, Collectors.INTERCONNECT)),
                Duration.ofSeconds(1), Duration.ofSeconds(30), ticker, analyzer)) {
            sampler.readNics(new NicMonitor(sysfs, ticker));
            sampler.cycle(); // GPM's opening sample; the NICs' baseline

            SimulatorControl.freezeClockAt(20);
            ticker.advance(Duration.ofSeconds(10));
            Snapshot quietNic = sampler.cycle();
            GpuRecord g0 = quietNic.gpu(0).orElseThrow();
            GpuInterconnect.NearestNic nic = g0.interconnect().nearestNic().orElseThrow();
            assertEquals("mlx5_0", nic.device());
            assertEquals(PciTopology.Closeness.PIX, nic.closeness());
            assertEquals(0.0, nic.utilization().getAsDouble(), 1e-12, "counters unchanged: an idle port");
            assertEquals(PciTopology.Closeness.PXB,
                    quietNic.gpu(1).orElseThrow().interconnect().nearestNic().orElseThrow().closeness());
            // Kernels run 95 % of the time on 30 % of the SMs, links idle: not communication.
            assertEquals(DiagnosisState.UNDERUTILIZED_SMS, analysis(quietNic, 0).diagnosis());
            // 400 GB/s of 450 GB/s per direction = 0.889 >= 0.6 with tensor 5 % < 20 %.
            assertEquals(400e9 / 450e9, analysis(quietNic, 1).nvlinkRatio(), 1e-3);
            assertEquals(DiagnosisState.COMMUNICATION_BOUND, analysis(quietNic, 1).diagnosis());

            // mlx5_0 transmits at 70 % of 400 Gb/s for the next 10 s: 0.7 x 400e9 x 10 / 8 bytes
            // = 3.5e11 bytes = 8.75e10 four-byte units of port_xmit_data (sysfs-class-infiniband).
            SysfsFixture.write(sysfs, MLX5_0_XMIT, Long.toString(XMIT_START + 87_500_000_000L));
            SimulatorControl.freezeClockAt(30);
            ticker.advance(Duration.ofSeconds(10));
            Snapshot busyNic = sampler.cycle();
            assertEquals(0.7, busyNic.gpu(0).orElseThrow().interconnect().nearestNic().orElseThrow()
                    .utilization().getAsDouble(), 1e-9);
            assertEquals(DiagnosisState.COMMUNICATION_BOUND, analysis(busyNic, 0).diagnosis());
            assertEquals(DiagnosisState.COMMUNICATION_BOUND, Diagnosis.ofWorkload(
                    busyNic.analyses().stream().map(GpuAnalysis::diagnosis).toList()));
            assertTrue(busyNic.nics().rates("mlx5_0", 1).isPresent());
            assertTrue(busyNic.collectors().get(Collectors.INFINIBAND).success());

            // The same on /metrics: the port meters (which the demo, on simulated GPUs, cannot show).
            var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                    io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
            new io.flopwatch.export.SnapshotMetrics(registry, () -> busyNic, ticker, "test").sync(busyNic);
            String text = registry.scrape();
            String port = "link_layer=\"InfiniBand\",nic=\"mlx5_0\",port=\"1\"";
            assertTrue(text.contains("flopwatch_nic_port_utilization_ratio{" + port + "} 0.7"), text);
            assertTrue(text.contains("flopwatch_nic_port_throughput_bytes_per_second{direction=\"transmit\","
                    + port + "} 3.5E10"), text); // 3.5e11 bytes in 10 s
            assertTrue(text.contains("flopwatch_nic_port_rate_bytes_per_second{" + port + "} 5.0E10"), text);
            assertTrue(text.contains("flopwatch_gpu_nic_utilization_ratio{gpu=\"0\""), text);
            assertTrue(text.contains("flopwatch_gpu_nic_info{closeness=\"PIX\",gpu=\"0\""), text);
            registry.close();
        }
    }

    private static GpuAnalysis analysis(Snapshot s, int index) {
        return s.analyses().stream().filter(a -> a.index() == index).findFirst().orElseThrow();
    }

    @Test
    void aWrappedLegacyCounterGivesARateAndASaturatedOneAGap() throws Exception {
        Path sysfs = SysfsFixture.install("two-socket-ib", dir.resolve("sys"));
        FakeTicker ticker = new FakeTicker();
        NicMonitor monitor = new NicMonitor(sysfs, ticker);
        monitor.read();
        // qib0 (32-bit legacy counters): port_rcv_data 4294967000 -> 1000 is one wrap of
        // 2^32 - 4294967000 + 1000 = 1296 four-byte units; port_xmit_data stays at 2^32 - 1 (saturated).
        SysfsFixture.write(sysfs, "class/infiniband/qib0/ports/1/counters/port_rcv_data", "1000");
        ticker.advance(Duration.ofSeconds(1));
        PortRates r = monitor.read().rates("qib0", 1).orElseThrow();
        assertEquals(1296 * 4 * 8.0, r.receiveBitsPerSecond().getAsDouble(), 1e-9);
        assertTrue(r.transmitBitsPerSecond().isEmpty(), "saturated: increase unknown, not zero");
        assertEquals(CounterDelta.Kind.SATURATED, r.unknownCounters().get("port_xmit_data"));
    }

    @Test
    void aNodeWithoutRdmaDevicesLeavesTheGpusWithoutANic() throws Exception {
        Path sysfs = SysfsFixture.install("no-rdma", dir.resolve("sys"));
        NicMonitor monitor = new NicMonitor(sysfs, new FakeTicker());
        NodeNics nics = monitor.read();
        assertEquals(NodeNics.NONE.ports(), nics.ports());
        assertEquals("", nics.error());
        GpuRecord r = new GpuRecord.Builder(0).build(0, true, "", java.util.Map.of());
        assertEquals(r, monitor.attach(r, nics));
    }
}
