package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.config.ConfigLoader;
import io.flopwatch.daemon.Agent;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.telemetry.FakeTicker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A throughput source's troubles reach /metrics: an inference server that refuses connections
 * (nothing listens on port 1 of the loopback) is counted as fetch errors and its tokens' age
 * is NaN (never reported), while the fixed workload beside it reports tokens each cycle.
 */
class SourceStatusMetricsTest {

    @Test
    void aServerThatCannotBeReachedIsCountedAndItsTokensHaveNoAge() throws Exception {
        FakeTicker ticker = new FakeTicker();
        var config = ConfigLoader.parse("t", """
                web: {listen_address: "127.0.0.1:0"}
                workloads:
                  - name: serve
                    model: llama-3-8b
                    mode: inference
                    seq_len: 2048
                    gpus: [0]
                    throughput: {source: metrics, url: "http://127.0.0.1:1/metrics", server: vllm, interval: 1s}
                  - name: steady
                    model: llama-3-8b
                    seq_len: 8192
                    gpus: [1]
                    throughput: {source: fixed, tokens_per_second: 1000}
                """);
        try (Agent agent = new Agent(config, NvmlSource.simulated(AgentGoldenTest.resource(
                "scenarios/golden-2x-h100.scenario"))::open, ticker, new PrintWriter(new StringWriter()), "test")) {
            agent.sampler().cycle();
            ticker.advance(Duration.ofSeconds(2));
            agent.sampler().cycle();
            String scrape = agent.scrape();
            assertTrue(scrape.contains(
                    "flopwatch_workload_source_events_total{event=\"fetch_errors\",source=\"metrics\",workload=\"serve\"} 2.0"),
                    scrape);
            assertTrue(scrape.contains("flopwatch_workload_source_last_tokens_age_seconds{workload=\"serve\"} NaN"), scrape);
            assertTrue(scrape.contains("flopwatch_workload_source_last_tokens_age_seconds{workload=\"steady\"} 0.0"), scrape);
        }
    }
}
