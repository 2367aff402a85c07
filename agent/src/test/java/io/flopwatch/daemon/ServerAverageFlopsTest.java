package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.workload.MetricsFetcher;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An inference workload read from vLLM's metrics page counts its FLOPs per token at the
 * server's own mean request lengths (vllm:request_prompt_tokens / vllm:request_generation_tokens
 * histograms) instead of the configured seq_len, once requests have finished.
 */
public class ServerAverageFlopsTest {

    /** A vLLM page at one moment: token counters plus the two request-length histograms' sum and count. */
    public static String vllmPage(long promptTokens, long generatedTokens, long promptSum, long generationSum, long requests) {
        String l = "{engine=\"0\",model_name=\"m\"}";
        return """
                # TYPE vllm:prompt_tokens_total counter
                vllm:prompt_tokens_total%1$s %2$d.0
                # TYPE vllm:generation_tokens_total counter
                vllm:generation_tokens_total%1$s %3$d.0
                # TYPE vllm:request_prompt_tokens histogram
                vllm:request_prompt_tokens_bucket{engine="0",le="+Inf",model_name="m"} %6$d.0
                vllm:request_prompt_tokens_sum%1$s %4$d.0
                vllm:request_prompt_tokens_count%1$s %6$d.0
                # TYPE vllm:request_generation_tokens histogram
                vllm:request_generation_tokens_bucket{engine="0",le="+Inf",model_name="m"} %6$d.0
                vllm:request_generation_tokens_sum%1$s %5$d.0
                vllm:request_generation_tokens_count%1$s %6$d.0
                """.formatted(l, promptTokens, generatedTokens, promptSum, generationSum, requests);
    }

    /**
     * Llama-3-8B (32 layers, 32 heads of 128): N = 7,504,658,432 matmul parameters (from the
     * PaLM training count 6N + 12·L·H·Q·T = 57.91285248e9 at T = 8192 that LiveAnalyzerTest
     * uses); forward FLOPs/token 2N + 4·L·H·Q·T (PaLM App. B), decode 2N + 4·L·H·Q·C.
     * Between the two pages 50 requests finished with 40,000 prompt and 10,000 generated tokens:
     * P̄ = 800, Ḡ = 200, so prefill at T = 800 and decode at C = P̄ + (Ḡ − 1)/2 = 899.5 → 900.
     */
    @ParameterizedTest(name = "phase {0}")
    @CsvSource({
            "prefill, 15428747264",  // 2·7,504,658,432 + 4·32·32·128·800
            "decode,  15481176064",  // 2·7,504,658,432 + 4·32·32·128·900
    })
    void flopsPerTokenFollowTheServersMeanLengths(String phase, double expectedFlopsPerToken) {
        Deque<String> pages = new ArrayDeque<>(List.of(
                vllmPage(100_000, 20_000, 80_000, 20_000, 100),
                vllmPage(140_000, 30_000, 120_000, 30_000, 150)));
        MetricsFetcher fetcher = pages::removeFirst;
        FakeTicker ticker = new FakeTicker();
        LiveAnalyzer analyzer = new LiveAnalyzer(ConfigLoader.parse("t", """
                workloads:
                  - name: serve
                    model: llama-3-8b
                    mode: inference
                    seq_len: 4096
                    gpus: [0]
                    throughput:
                      source: metrics
                      url: http://127.0.0.1:8000/metrics
                      server: vllm
                      phase: %s
                      interval: 1s
                """.formatted(phase)), GpuCatalog.builtIn(), ticker, pid -> Optional.empty(), m -> fetcher);
        List<GpuRecord> gpus = List.of(LiveAnalyzerTest.gpu(0));

        WorkloadAnalysis before = analyzer.analyze(gpus, ticker.nanoTime()).workloads().get(0);
        // Before any request finished: seq_len = 4096 is the basis (2N + 4·L·H·Q·4096).
        assertEquals(2 * 7_504_658_432.0 + 4.0 * 32 * 32 * 128 * 4096, before.modelFlopsPerToken(), 1);

        ticker.advance(Duration.ofSeconds(10));
        WorkloadAnalysis after = analyzer.analyze(gpus, ticker.nanoTime()).workloads().get(0);
        assertEquals(expectedFlopsPerToken, after.modelFlopsPerToken(), 1);
    }
}
