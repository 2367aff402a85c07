package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.daemon.LiveAnalyzer;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.telemetry.Collectors;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.telemetry.Sampler;
import io.flopwatch.telemetry.Snapshot;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The golden-file scrape: a fixed simulated node (agent/src/test/resources/scenarios/
 * golden-2x-h100.scenario: constants, frozen clock) with a fixed workload, sampled twice under a
 * fake ticker, must scrape exactly as agent/src/test/resources/golden/metrics.txt. Run with
 * {@code -Dflopwatch.updateGolden=true} to rewrite the golden file after an intended change,
 * then review its diff.
 */
class AgentGoldenTest {

    static final String CONFIG = """
            workloads:
              - name: golden-train
                model: llama-3-8b
                mode: train
                seq_len: 8192
                precision: bf16
                gpus: [0]
                throughput:
                  source: fixed
                  tokens_per_second: 6000
            """;

    static Path resource(String name) throws Exception {
        return Path.of(AgentGoldenTest.class.getClassLoader().getResource(name).toURI());
    }

    /** The scrape of the fixed scenario, with the JVM-dependent build label masked. */
    static String goldenScrape() throws Exception {
        AgentConfig config = ConfigLoader.parse("golden", CONFIG);
        FakeTicker ticker = new FakeTicker();
        NvmlSource source = NvmlSource.simulated(resource("scenarios/golden-2x-h100.scenario"));
        Sampler sampler = new Sampler(source::open, Collectors.builtIn(config.sampling().collectors()),
                Duration.ofSeconds(1), Duration.ofSeconds(5), ticker,
                new LiveAnalyzer(config, GpuCatalog.load(Optional.empty()), ticker));
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        SnapshotMetrics metrics = new SnapshotMetrics(registry, sampler::latest, ticker, "test");
        sampler.addListener(metrics::sync);
        try {
            sampler.cycle();               // GPM's opening sample
            ticker.advance(Duration.ofSeconds(1));
            Snapshot s = sampler.cycle();  // GPM metrics from here on
            assertTrue(s.nvmlUp(), s.nvmlReason());
            return registry.scrape().replaceAll("java_version=\"[^\"]*\"", "java_version=\"X\"");
        } finally {
            sampler.close();
            registry.close();
        }
    }

    @Test
    void scrapeOfTheFixedScenarioMatchesTheGoldenFile() throws Exception {
        String actual = goldenScrape();
        Path golden = Path.of("src/test/resources/golden/metrics.txt");
        if (Boolean.getBoolean("flopwatch.updateGolden")) {
            Files.writeString(golden, actual);
        }
        assertEquals(Files.readString(golden), actual,
                "scrape differs from " + golden + " (rerun with -Dflopwatch.updateGolden=true if intended)");
    }
}
