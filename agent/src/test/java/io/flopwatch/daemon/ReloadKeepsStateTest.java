package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.config.InputError;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.workload.PushThroughputSource;
import io.flopwatch.workload.ThroughputObservation;
import io.flopwatch.workload.ThroughputScope;
import io.flopwatch.workload.TokenReading;
import io.flopwatch.workload.WorkloadPhase;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A reload (SIGHUP) applied in place: what issue 7 asks of {@code systemctl reload} — "counters
 * and history survive" — checked on the analyzer (rate windows, push sources) and on the whole
 * agent (its registry, its Xid counts, series of removed workloads gone).
 */
class ReloadKeepsStateTest {

    private static final String PUSHED = """
              - name: pushed
                model: llama-3-8b
                seq_len: 8192
                gpus: [0]
                throughput: {source: push, window: 10s}
            """;

    private static String config(String... workloads) {
        return "web: {listen_address: \"127.0.0.1:0\"}\nworkloads:\n" + String.join("", workloads);
    }

    private static String fixed(String name, int tokensPerSecond) {
        return """
                  - name: %s
                    model: llama-3-8b
                    seq_len: 8192
                    gpus: [0]
                    throughput: {source: fixed, tokens_per_second: %d}
                """.formatted(name, tokensPerSecond);
    }

    private static void push(PushThroughputSource p, FakeTicker ticker, double total) {
        p.offer(ThroughputObservation.of(ticker.nanoTime(), WorkloadPhase.TRAINING, TokenReading.CUMULATIVE, total,
                ThroughputScope.NODE));
    }

    private static Map<String, WorkloadAnalysis> byName(List<WorkloadAnalysis> ws) {
        return ws.stream().collect(Collectors.toMap(WorkloadAnalysis::name, w -> w));
    }

    @Test
    void anUnchangedWorkloadKeepsItsSourceAndRateWindowAcrossAReload() {
        FakeTicker ticker = new FakeTicker();
        LiveAnalyzer analyzer = new LiveAnalyzer(ConfigLoader.parse("a", config(PUSHED, fixed("steady", 1000))),
                GpuCatalog.builtIn(), ticker);
        List<GpuRecord> gpus = List.of(LiveAnalyzerTest.gpu(0));
        PushThroughputSource before = analyzer.pushSources().get("pushed");
        // cumulative 0, 4000, 8000 tokens two seconds apart: 2000 tokens/s
        for (int i = 0; i < 3; i++) {
            push(before, ticker, 4000.0 * i);
            analyzer.analyze(gpus, ticker.nanoTime());
            ticker.advance(Duration.ofSeconds(2));
        }
        assertEquals(2000, byName(analyzer.analyze(gpus, ticker.nanoTime()).workloads()).get("pushed")
                .tokensPerSecond(), 1e-9);

        Set<String> kept = analyzer.reconfigure(
                ConfigLoader.parse("b", config(PUSHED, fixed("steady", 3000), fixed("added", 500))),
                GpuCatalog.builtIn());

        assertEquals(Set.of("pushed"), kept, "only the workload whose keys are all equal is kept");
        assertSame(before, analyzer.pushSources().get("pushed"), "the push endpoint keeps feeding the same source");
        Map<String, WorkloadAnalysis> after = byName(analyzer.analyze(gpus, ticker.nanoTime()).workloads());
        // No push since the reload, yet the rate is still known: its window survived.
        assertEquals(2000, after.get("pushed").tokensPerSecond(), 1e-9);
        assertEquals(3000, after.get("steady").tokensPerSecond(), 1e-9, "a changed workload uses its new keys");
        assertEquals(500, after.get("added").tokensPerSecond(), 1e-9);
        // and the next push continues the same cumulative series: 16000 at t = 8 s is still 2000/s over the window
        ticker.advance(Duration.ofSeconds(2));
        push(before, ticker, 16000);
        assertEquals(2000, byName(analyzer.analyze(gpus, ticker.nanoTime()).workloads()).get("pushed")
                .tokensPerSecond(), 1e-9);
    }

    @Test
    void aWorkloadThatCannotBeBuiltLeavesTheRunningConfigurationInForce() {
        FakeTicker ticker = new FakeTicker();
        LiveAnalyzer analyzer = new LiveAnalyzer(ConfigLoader.parse("a", config(fixed("steady", 1000))),
                GpuCatalog.builtIn(), ticker);
        List<GpuRecord> gpus = List.of(LiveAnalyzerTest.gpu(0));
        AgentConfig parsed = ConfigLoader.parse("b", config(fixed("steady", 1000), fixed("broken", 5)));
        // A model spec that resolves at load time but not at reload (its file went away) is the
        // realistic case; a record with an unknown preset stands in for it.
        AgentConfig.WorkloadConfig good = parsed.workloads().get(1);
        AgentConfig broken = new AgentConfig(parsed.web(), parsed.sampling(), parsed.analysis(), parsed.exporters(),
                parsed.push(), List.of(parsed.workloads().get(0), new AgentConfig.WorkloadConfig(good.name(),
                        "no-such-model-preset", good.mode(), good.seqLenTokens(), good.precision(), good.recompute(),
                        good.gpus(), good.throughput())), parsed.cupti(), parsed.attribution());
        assertThrows(InputError.class, () -> analyzer.reconfigure(broken, GpuCatalog.builtIn()));
        List<WorkloadAnalysis> ws = analyzer.analyze(gpus, ticker.nanoTime()).workloads();
        assertEquals(List.of("steady"), ws.stream().map(WorkloadAnalysis::name).toList());
    }

    @Test
    void theAgentKeepsItsRegistryAndDropsTheSeriesOfARemovedWorkload() throws Exception {
        Path scenario = Path.of(getClass().getClassLoader().getResource("scenarios/golden-2x-h100.scenario").toURI());
        FakeTicker ticker = new FakeTicker();
        AgentConfig first = ConfigLoader.parse("a", config(fixed("steady", 1000), fixed("leaving", 200)));
        try (Agent agent = new Agent(first, NvmlSource.simulated(scenario)::open, ticker,
                new PrintWriter(new StringWriter()), "test")) {
            agent.sampler().cycle();
            ticker.advance(Duration.ofSeconds(1));
            agent.sampler().cycle();
            String before = agent.scrape();
            assertTrue(before.contains("workload=\"leaving\""), "the workload's series exist before the reload");

            AgentConfig next = ConfigLoader.parse("b",
                    "web: {listen_address: \"127.0.0.1:0\"}\nsampling: {interval: 2s}\nworkloads:\n"
                            + fixed("steady", 1000));
            assertTrue(agent.reloadsInPlace(next));
            agent.reload(next);
            ticker.advance(Duration.ofSeconds(2));
            agent.sampler().cycle();
            String after = agent.scrape();
            assertFalse(after.contains("workload=\"leaving\""), "a removed workload's series are gone");
            assertTrue(after.contains("flopwatch_workload_tokens_per_second{model=\"llama-3-8b\",precision=\"bf16\","
                    + "workload=\"steady\"} 1000.0"), after);
            assertEquals(Duration.ofSeconds(2), agent.sampler().interval(), "the new interval is in force");

            AgentConfig otherCollectors = ConfigLoader.parse("c",
                    "sampling: {collectors: [device]}\nworkloads:\n" + fixed("steady", 1000));
            assertFalse(agent.reloadsInPlace(otherCollectors), "a new collector set needs NVML reopened");
        }
    }
}
