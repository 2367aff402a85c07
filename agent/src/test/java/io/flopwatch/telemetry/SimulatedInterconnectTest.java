package io.flopwatch.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.export.SnapshotMetrics;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.nvml.jna.SimulatorControl;
import io.flopwatch.telemetry.interconnect.GpuInterconnect;
import io.flopwatch.telemetry.interconnect.NvlinkFields;
import io.flopwatch.telemetry.interconnect.PcieLinkCheck;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The interconnect collector against the simulated library (scenarios/interconnect-2x-h100.scenario):
 * NVLink states, per-link data rates from field values 138/139, NVLink error totals, the PCIe replay
 * counter and a PCIe link that degrades while busy, down to the Prometheus text.
 */
class SimulatedInterconnectTest {

    @AfterEach
    void runClock() {
        SimulatorControl.runClock();
    }

    static Path scenario() throws Exception {
        return Path.of(SimulatedInterconnectTest.class.getClassLoader()
                .getResource("scenarios/interconnect-2x-h100.scenario").toURI());
    }

    @Test
    void nvlinkAndPcieCountersThroughTheCollector() throws Exception {
        SimulatorControl.freezeClockAt(10);
        NvmlSource source = NvmlSource.simulated(scenario());
        FakeTicker ticker = new FakeTicker();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Sampler sampler = new Sampler(source::open,
                Collectors.builtIn(Set.of(Collectors.DEVICE, Collectors.INTERCONNECT)),
                Duration.ofSeconds(1), Duration.ofSeconds(30), ticker, SamplerTest.NO_ANALYSIS)) {
            SnapshotMetrics metrics = new SnapshotMetrics(registry, sampler::latest, ticker, "test");
            Snapshot first = sampler.cycle();
            assertTrue(first.nvmlUp(), first.nvmlReason());
            GpuRecord g0 = first.gpu(0).orElseThrow();
            GpuInterconnect ic = g0.interconnect();
            List<Boolean> expectedLinks = new java.util.ArrayList<>(Collections.nCopies(18, true));
            expectedLinks.set(17, false); // nvlink_down 17
            assertEquals(expectedLinks, ic.nvlinkActive());
            assertEquals(17, ic.activeLinks());
            assertEquals(List.of(), ic.nvlinkLinks(), "one reading: no rate yet");
            // Counts = rate x simulated time (10 s): crc_flit 0.5/s -> 5, replay 0.1/s -> 1, the others 0.
            assertEquals(Map.of("nvlink_crc_flit_errors", 5L, "nvlink_crc_data_errors", 0L,
                    "nvlink_replay_errors", 1L, "nvlink_recovery_errors", 0L), ic.errorCounts());
            assertEquals(OptionalLong.of(20), ic.pcieReplays()); // 2/s x 10 s
            assertEquals(PcieLinkCheck.Verdict.FULL, GpuInterconnect.pcieLink(g0));

            SimulatorControl.freezeClockAt(20);
            ticker.advance(Duration.ofSeconds(10));
            Snapshot second = sampler.cycle();
            metrics.sync(second);
            GpuRecord h0 = second.gpu(0).orElseThrow();
            GpuInterconnect later = h0.interconnect();
            assertEquals(17, later.nvlinkLinks().size(), "active links only");
            for (NvlinkFields.LinkRates r : later.nvlinkLinks()) {
                // 512000 KiB/s and 256000 KiB/s per link, x 1024 bytes per KiB (nvml.h: "in KiB").
                assertEquals(OptionalDouble.of(524_288_000.0), r.transmitBytesPerSecond(), "link " + r.link());
                assertEquals(OptionalDouble.of(262_144_000.0), r.receiveBytesPerSecond(), "link " + r.link());
            }
            assertEquals(17 * 524_288_000.0, later.nvlinkTransmitBytesPerSecond().getAsDouble(), 1e-3);
            assertEquals(OptionalLong.of(40), later.pcieReplays());
            assertEquals(10L, later.errorCounts().get("nvlink_crc_flit_errors"));
            // pcie_degraded 4 8 from=15 while utilization.gpu = 80 %: busy below both maxima.
            assertEquals(PcieLinkCheck.Verdict.GENERATION_AND_WIDTH_DEGRADED, GpuInterconnect.pcieLink(h0));

            String text = registry.scrape();
            String g0Labels = "gpu=\"0\",model=\"NVIDIA H100 80GB HBM3 (Simulated)\","
                    + "uuid=\"GPU-1c000000-0000-4000-8000-000000000000\"";
            assertTrue(text.contains("flopwatch_gpu_pcie_link_degraded{" + g0Labels + "} 1.0"), text);
            assertTrue(text.contains("flopwatch_gpu_pcie_link_generation{" + g0Labels + "} 4.0"), text);
            assertTrue(text.contains("flopwatch_gpu_pcie_link_width{" + g0Labels + "} 8.0"), text);
            assertTrue(text.contains("flopwatch_gpu_pcie_replays_total{" + g0Labels + "} 40.0"), text);
            assertTrue(text.contains("flopwatch_gpu_nvlink_links_active{" + g0Labels + "} 17.0"), text);
            assertTrue(text.contains("flopwatch_gpu_nvlink_errors_total{counter=\"crc_flit\"," + g0Labels + "} 10.0"),
                    text);
            assertTrue(text.contains("flopwatch_gpu_nvlink_link_throughput_bytes_per_second{direction=\"transmit\","
                    + "gpu=\"0\",link=\"3\",model=\"NVIDIA H100 80GB HBM3 (Simulated)\","
                    + "uuid=\"GPU-1c000000-0000-4000-8000-000000000000\"} 5.24288E8"), text);
            assertTrue(text.contains("flopwatch_gpu_nvlink_link_up{gpu=\"0\",link=\"17\","
                    + "model=\"NVIDIA H100 80GB HBM3 (Simulated)\",uuid=\"GPU-1c000000-0000-4000-8000-000000000000\"} 0.0"),
                    text);
        } finally {
            registry.close();
        }
    }
}
