package io.flopwatch.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.export.SnapshotMetrics;
import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.nvml.NvmlUnavailableException;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class SamplerTest {

    static final Analyzer NO_ANALYSIS = (gpus, now) -> new Analyzer.Result(List.of(), List.of());

    /**
     * Debian's real libnvidia-ml.so.1 on a machine without the NVIDIA driver: the sampler still
     * publishes, with NVML down and the driver's reason, and /metrics says flopwatch_up 0.
     */
    @Test
    void withoutTheDriverTheAgentServesUpZeroAndTheReason() throws Exception {
        Path root = Path.of(System.getProperty("flopwatch.testPackages",
                System.getProperty("user.home") + "/.cache/flopwatch/test-packages/root"));
        Path lib = root.resolve("usr/lib/x86_64-linux-gnu/nvidia/current/libnvidia-ml.so.1");
        Assumptions.assumeTrue(Files.exists(lib), "Debian's libnvidia-ml1 is not unpacked under " + root);
        FakeTicker ticker = new FakeTicker();
        NvmlSource source = NvmlSource.system(Optional.of(lib));
        try (Sampler sampler = new Sampler(source::open, Collectors.builtIn(Collectors.NAMES), Duration.ofSeconds(1),
                Duration.ofMillis(500), ticker, NO_ANALYSIS)) {
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            SnapshotMetrics metrics = new SnapshotMetrics(registry, sampler::latest, ticker, "test");
            sampler.addListener(metrics::sync);
            Snapshot s = sampler.cycle();
            assertFalse(s.nvmlUp());
            assertTrue(s.nvmlReason().contains("driver not loaded"), s.nvmlReason());
            String scrape = registry.scrape();
            assertTrue(scrape.contains("flopwatch_up 0.0"), scrape);
            assertTrue(scrape.contains("flopwatch_nvml_unavailable{reason=\"NVIDIA driver not loaded"), scrape);
        }
    }

    /** Retries with backoff 1 s, 2 s, 4 s, … (capped at 60 s) on the injected clock, then comes up. */
    @Test
    void retriesWithBackoffUntilNvmlOpens() throws Exception {
        FakeTicker ticker = new FakeTicker();
        AtomicInteger attempts = new AtomicInteger();
        Path scenario = Path.of(getClass().getClassLoader().getResource("scenarios/golden-2x-h100.scenario").toURI());
        NvmlSource simulated = NvmlSource.simulated(scenario);
        NvmlOpener opener = () -> {
            if (attempts.incrementAndGet() <= 3) {
                throw new NvmlUnavailableException("nvmlInit_v2", 9, "Driver Not Loaded",
                        "NVIDIA driver not loaded (NVML error 9: Driver Not Loaded)", null);
            }
            return simulated.open();
        };
        try (Sampler sampler = new Sampler(opener, Collectors.builtIn(Collectors.NAMES), Duration.ofSeconds(1),
                Duration.ofSeconds(5), ticker, NO_ANALYSIS)) {
            // attempt 1 at t=0 fails; next at t=1
            assertFalse(sampler.cycle().nvmlUp());
            ticker.advance(Duration.ofMillis(999));
            sampler.cycle();
            assertEquals(1, attempts.get(), "no attempt before the backoff ends");
            ticker.advance(Duration.ofMillis(1));
            sampler.cycle(); // attempt 2 at t=1 fails; next at t=3
            assertEquals(2, attempts.get());
            ticker.advance(Duration.ofMillis(1999));
            sampler.cycle();
            assertEquals(2, attempts.get());
            ticker.advance(Duration.ofMillis(1));
            sampler.cycle(); // attempt 3 at t=3 fails; next at t=7
            ticker.advance(Duration.ofSeconds(4));
            Snapshot s = sampler.cycle(); // attempt 4 opens the simulator
            assertEquals(4 + 1, attempts.get(), "the 4th try opens, then the one reader lane opens its own session");
            assertTrue(s.nvmlUp());
            assertEquals(2, s.gpus().size());
            assertTrue(s.gpus().stream().allMatch(GpuRecord::up));
        }
    }

    /** A collector that throws fails on its own: the others still report, the GPU stays up. */
    @Test
    void aFailingCollectorIsIsolated() throws Exception {
        FakeTicker ticker = new FakeTicker();
        Path scenario = Path.of(getClass().getClassLoader().getResource("scenarios/golden-2x-h100.scenario").toURI());
        NvmlSource simulated = NvmlSource.simulated(scenario);
        java.util.Map<String, Collector> collectors = new java.util.LinkedHashMap<>(
                Collectors.builtIn(java.util.Set.of(Collectors.DEVICE)));
        collectors.put("broken", (NvmlSession nvml, int index, GpuRecord.Builder into) -> {
            throw new IllegalStateException("boom");
        });
        try (Sampler sampler = new Sampler(simulated::open, collectors, Duration.ofSeconds(1), Duration.ofSeconds(5),
                ticker, NO_ANALYSIS)) {
            Snapshot s = sampler.cycle();
            assertTrue(s.gpus().stream().allMatch(GpuRecord::up));
            assertTrue(s.collectors().get("device").success());
            assertFalse(s.collectors().get("broken").success());
            assertTrue(s.gpus().get(0).sample().isPresent());
        }
    }
}
