package io.flopwatch.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.telemetry.FakeTicker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InferenceMetricsSourceTest {
    private final FakeTicker ticker = new FakeTicker();

    /** Serves the queued pages in order; an entry of null fails like an unreachable server. */
    static final class FakeFetcher implements MetricsFetcher {
        final Deque<String> pages = new ArrayDeque<>();

        FakeFetcher then(String page) {
            pages.addLast(page == null ? "\u0000fail" : page);
            return this;
        }

        @Override
        public String fetch() throws IOException {
            String p = pages.removeFirst();
            if (p.equals("\u0000fail")) {
                throw new IOException("connection refused");
            }
            return p;
        }
    }

    private static double tokens(List<ThroughputObservation> obs, WorkloadPhase phase) {
        return obs.stream().filter(o -> o.phase() == phase).findFirst().orElseThrow().tokens();
    }

    @Test
    void vllmRatesAcrossEnginesAndARestart() throws IOException {
        FakeFetcher f = new FakeFetcher()
                .then(PrometheusTextTest.fixture("vllm-t0.prom"))
                .then(null)
                .then(PrometheusTextTest.fixture("vllm-t10.prom"))
                .then(PrometheusTextTest.fixture("vllm-t20-engine1-restarted.prom"));
        InferenceMetricsSource src = new InferenceMetricsSource("vllm", f, TokenCounters.VLLM,
                Map.of("model_name", "meta-llama/Llama-3.1-8B-Instruct"), ticker);
        TokenRate prefill = new TokenRate(Duration.ofSeconds(60));
        TokenRate decode = new TokenRate(Duration.ofSeconds(60));

        List<ThroughputObservation> t0 = src.poll();
        assertEquals(0, tokens(t0, WorkloadPhase.PREFILL), "first page: baselines only");
        t0.forEach(o -> (o.phase() == WorkloadPhase.PREFILL ? prefill : decode).record(o));

        ticker.advance(Duration.ofSeconds(5));
        assertTrue(src.poll().isEmpty(), "fetch failed");
        assertEquals(1, src.fetchErrors());

        ticker.advance(Duration.ofSeconds(5));
        List<ThroughputObservation> t10 = src.poll();
        // prompt: (120000 − 100000) + (60000 − 50000) = 30000 tokens in 10 s
        assertEquals(30_000, tokens(t10, WorkloadPhase.PREFILL));
        // generation: (25000 − 20000) + (15000 − 10000) = 10000 tokens
        assertEquals(10_000, tokens(t10, WorkloadPhase.DECODE));
        t10.forEach(o -> (o.phase() == WorkloadPhase.PREFILL ? prefill : decode).record(o));
        assertEquals(3_000, prefill.tokensPerSecond(ticker.nanoTime()).getAsDouble(), 1e-9);
        assertEquals(1_000, decode.tokensPerSecond(ticker.nanoTime()).getAsDouble(), 1e-9);

        ticker.advance(Duration.ofSeconds(10));
        List<ThroughputObservation> t20 = src.poll();
        // engine 1 restarted (60000 → 4000: its 4000 are new since the restart, as Prometheus' rate()
        // reads a reset); engine 0 went on (+20000): 30000 + 24000
        assertEquals(54_000, tokens(t20, WorkloadPhase.PREFILL));
        // generation: 10000 + (30000 − 25000) + 1000
        assertEquals(16_000, tokens(t20, WorkloadPhase.DECODE));
        assertEquals(2, src.counterResets());
        t20.forEach(o -> (o.phase() == WorkloadPhase.PREFILL ? prefill : decode).record(o));
        // 54000 tokens over the 20 s since the first page
        assertEquals(2_700, prefill.tokensPerSecond(ticker.nanoTime()).getAsDouble(), 1e-9);
        assertTrue(t20.stream().allMatch(o -> o.scope() == ThroughputScope.JOB && o.reading() == TokenReading.CUMULATIVE));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            SGLANG | sglang.prom | 3.2e+06 | 3200100 | 880000.0 | 880010.0
            TGI    | tgi.prom    | _sum 61440 | _sum 61540 | _sum 30208 | _sum 30218
            """)
    void knownServersCounters(String server, String page, String prompt, String promptLater, String generation,
                              String generationLater) throws IOException {
        // the second scrape's page is the fixture with its two counters grown by 100 prompt and
        // 10 generated tokens (the values are written in the fixture page)
        TokenCounters counters = server.equals("SGLANG") ? TokenCounters.SGLANG : TokenCounters.TGI;
        String text = PrometheusTextTest.fixture(page);
        assertTrue(text.contains(prompt) && text.contains(generation));
        String later = text.replace(prompt, promptLater).replace(generation, generationLater);
        FakeFetcher f = new FakeFetcher().then(text).then(later);
        InferenceMetricsSource src = new InferenceMetricsSource(server, f, counters, Map.of(), ticker);
        src.poll();
        List<ThroughputObservation> obs = src.poll();
        assertEquals(100, tokens(obs, WorkloadPhase.PREFILL));
        assertEquals(10, tokens(obs, WorkloadPhase.DECODE));
    }

    @Test
    void customCounterWithLabelFilterAndPagesWithoutIt() {
        String page = "my_tokens_total{pool=\"a\"} 10\nmy_tokens_total{pool=\"b\"} 999\n";
        FakeFetcher f = new FakeFetcher().then(page).then(page.replace(" 10\n", " 60\n")).then("other_metric 1\n");
        InferenceMetricsSource src = new InferenceMetricsSource("custom", f,
                TokenCounters.of(null, "my_tokens_total"), Map.of("pool", "a"), ticker);
        assertEquals(0, tokens(src.poll(), WorkloadPhase.DECODE));
        List<ThroughputObservation> second = src.poll();
        assertEquals(1, second.size(), "no prompt counter configured");
        assertEquals(50, tokens(second, WorkloadPhase.DECODE), "only pool a");
        assertTrue(src.poll().isEmpty());
        assertEquals(1, src.pagesWithoutCounters());
    }

    /**
     * Mean request lengths over the window from the histograms' _sum and _count: 50 requests
     * with 40,000 prompt tokens → 800; a restart (values drop) counts its new values as the
     * increase, like the counters; no request in a later window keeps the last mean.
     */
    @Test
    void meanRequestLengthsFromTheHistogramsAcrossARestart() throws IOException {
        FakeFetcher f = new FakeFetcher()
                .then(io.flopwatch.daemon.ServerAverageFlopsTest.vllmPage(100_000, 20_000, 80_000, 20_000, 100))
                .then(io.flopwatch.daemon.ServerAverageFlopsTest.vllmPage(140_000, 30_000, 120_000, 30_000, 150))
                // restarted: 10 requests of 300 prompt and 50 generated tokens since
                .then(io.flopwatch.daemon.ServerAverageFlopsTest.vllmPage(3_000, 500, 3_000, 500, 10));
        InferenceMetricsSource src = new InferenceMetricsSource("vllm", f, TokenCounters.VLLM, RequestLengths.VLLM,
                Map.of(), Duration.ofSeconds(10), ticker);
        src.poll();
        assertTrue(src.meanPromptTokens(ticker.nanoTime()).isEmpty(), "one page: baselines only");
        ticker.advance(Duration.ofSeconds(10));
        src.poll();
        assertEquals(800, src.meanPromptTokens(ticker.nanoTime()).getAsDouble(), 1e-9);
        assertEquals(200, src.meanGenerationTokens(ticker.nanoTime()).getAsDouble(), 1e-9);
        ticker.advance(Duration.ofSeconds(10));
        src.poll();
        // window 10 s: the window starts at the 10 s point, so the 0 s one is dropped and the
        // mean is over the restart alone: 3,000 / 10 requests = 300 and 500 / 10 = 50
        // (with a 15 s window the 0 s point is the one at or before its start: 43,000 / 60)
        assertEquals(300, src.meanPromptTokens(ticker.nanoTime()).getAsDouble(), 1e-9);
        assertEquals(50, src.meanGenerationTokens(ticker.nanoTime()).getAsDouble(), 1e-9);
    }
}
