package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.daemon.LiveAnalyzer;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.nvml.jna.SimulatorControl;
import io.flopwatch.telemetry.Collectors;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.telemetry.Sampler;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A GPU's series live as long as the GPU is in the snapshot: while the driver is gone (simulated
 * t = 10..20 s: every init and utilization read returns DRIVER_NOT_LOADED) no per-GPU series is
 * scraped, only flopwatch_up 0 with the reason; when the driver is back, the GPUs' series are
 * back. A GPU that vanished would otherwise keep NaN series forever, and a different GPU at the
 * same index would report under the old GPU's UUID.
 */
class GpuMetersFollowTheGpusTest {

    @TempDir
    Path dir;

    @AfterEach
    void runClock() {
        SimulatorControl.runClock();
    }

    @Test
    void seriesOfGpusThatAreGoneAreRemovedAndComeBackWithThem() throws Exception {
        Path scenario = dir.resolve("driver-loss.scenario");
        Files.writeString(scenario, """
                fault nvmlInit_v2 device=all return=DRIVER_NOT_LOADED from=10 to=20
                fault nvmlDeviceGetUtilizationRates device=all return=DRIVER_NOT_LOADED from=10 to=20
                device
                name NVIDIA H100 80GB HBM3 (Simulated)
                uuid GPU-90de0000-0000-4000-8000-000000000000
                pci_bus_id 00000000:18:00.0
                architecture hopper
                memory_total_bytes 80GiB
                power_mw 300000
                gpu_util_percent 10
                """);
        SimulatorControl.freezeClockAt(5);
        AgentConfig config = ConfigLoader.parse("test", "sampling:\n  collectors: [device]\n");
        FakeTicker ticker = new FakeTicker();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Sampler sampler = new Sampler(NvmlSource.simulated(scenario)::open,
                Collectors.builtIn(config.sampling().collectors()), Duration.ofSeconds(1), Duration.ofSeconds(30),
                ticker, new LiveAnalyzer(config, GpuCatalog.load(Optional.empty()), ticker))) {
            SnapshotMetrics metrics = new SnapshotMetrics(registry, sampler::latest, ticker, "test");
            sampler.addListener(metrics::sync);
            String gpuSeries = "flopwatch_gpu_power_watts{gpu=\"0\"";

            sampler.cycle();
            String before = registry.scrape();
            assertTrue(before.contains(gpuSeries), before);
            assertTrue(before.contains("flopwatch_up 1.0"), before);

            SimulatorControl.freezeClockAt(15); // the driver is gone
            ticker.advance(Duration.ofSeconds(1));
            sampler.cycle();
            String during = registry.scrape();
            assertTrue(during.contains("flopwatch_up 0.0"), during);
            assertFalse(during.contains("flopwatch_gpu_"), "no per-GPU series while no GPU is there:\n" + during);

            SimulatorControl.freezeClockAt(25); // the driver is back
            ticker.advance(Duration.ofSeconds(2));
            sampler.cycle();
            String after = registry.scrape();
            assertTrue(after.contains("flopwatch_up 1.0"), after);
            assertTrue(after.contains(gpuSeries), after);
        } finally {
            registry.close();
        }
    }
}
