package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flopwatch.analysis.WorkloadAnalysis;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * A workload with {@code source: log}, end to end: the simulated golden node (one H100 for the
 * workload), a torchtitan log written by the test, the sampler under a fake ticker, and the
 * Prometheus scrape: the tokens/s, MFU and the workload's own MFU are in the snapshot and on /metrics.
 */
class LogSourceScrapeTest {

    @Test
    void tokensPerSecondAndMfuFromATailedLogReachTheSnapshotAndTheScrape(@TempDir Path dir) throws Exception {
        Path log = dir.resolve("rank0.log");
        // torchtitan MetricsProcessor.log line; tps per device
        Files.writeString(log, "step: 50  loss:  3.1000  memory: 40.00GiB(50.00%)  tps: 6,000  tflops: 347.48  mfu: 35.12%\n");
        AgentConfig config = ConfigLoader.parse("t", """
                workloads:
                  - name: tailed
                    model: llama-3-8b
                    mode: train
                    seq_len: 8192
                    precision: bf16
                    gpus: [0]
                    throughput:
                      source: log
                      paths: ["%s"]
                      format: torchtitan
                      start_at: beginning
                """.formatted(log));
        FakeTicker ticker = new FakeTicker();
        NvmlSource source = NvmlSource.simulated(AgentGoldenTest.resource("scenarios/golden-2x-h100.scenario"));
        LiveAnalyzer analyzer = new LiveAnalyzer(config, GpuCatalog.load(Optional.empty()), ticker);
        Sampler sampler = new Sampler(source::open, Collectors.builtIn(config.sampling().collectors()),
                Duration.ofSeconds(1), Duration.ofSeconds(5), ticker, analyzer);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        SnapshotMetrics metrics = new SnapshotMetrics(registry, sampler::latest, ticker, "test");
        sampler.addListener(metrics::sync);
        try {
            sampler.cycle();
            ticker.advance(Duration.ofSeconds(1));
            Snapshot s = sampler.cycle();
            WorkloadAnalysis w = s.workloads().get(0);
            assertEquals(6000, w.tokensPerSecond(), 1e-9);
            // 57.91 GFLOPs/token (flopwatch flops --model llama-3-8b --seq-len 8192) × 6000 / 989.5 TFLOP/s
            // (H100 SXM dense bf16, config/gpus.yaml) = 0.3512, the same as the golden scrape's fixed workload
            double mfu = 57.91285248e9 * 6000 / 989.5e12;
            assertEquals(mfu, w.mfu(), 1e-9);
            String scrape = registry.scrape();
            assertEquals(6000, value(scrape, "flopwatch_workload_tokens_per_second"), 1e-9, scrape);
            assertEquals(mfu, value(scrape, "flopwatch_workload_mfu_ratio"), 1e-9, scrape);
            assertEquals(0.3512, value(scrape, "flopwatch_workload_reported_mfu_ratio"), 1e-12, scrape);
            assertEquals(347.48, value(scrape, "flopwatch_workload_reported_tflops_per_gpu"), 1e-12, scrape);
            assertEquals(0, value(scrape, "flopwatch_workload_mfu_disagreement"), scrape);
        } finally {
            sampler.close();
            analyzer.close();
            registry.close();
        }
    }

    /** The value of the tailed workload's series of {@code metric} in the exposition text. */
    private static double value(String scrape, String metric) {
        String prefix = metric + "{model=\"llama-3-8b\",precision=\"bf16\",workload=\"tailed\"} ";
        return scrape.lines().filter(l -> l.startsWith(prefix)).mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
                .findFirst().orElseThrow(() -> new AssertionError("no " + prefix + " in\n" + scrape));
    }
}
