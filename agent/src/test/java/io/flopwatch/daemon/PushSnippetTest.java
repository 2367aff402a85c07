package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.export.MetricsServer;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.FakeTicker;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the Python snippet of docs/throughput.md ("Pushing from a training loop"), extracted
 * from between its markers, against the push endpoint on a loopback port, and checks that the
 * tokens it pushes become the workload's tokens/s.
 */
class PushSnippetTest {
    static final Path DOC = Path.of("../docs/throughput.md");

    @TempDir
    Path dir;

    /** The lines between the markers, without the code fence. */
    static List<String> snippet() throws IOException {
        List<String> lines = Files.readAllLines(DOC, StandardCharsets.UTF_8);
        int begin = lines.indexOf("<!-- flopwatch-push-snippet:begin -->");
        int end = lines.indexOf("<!-- flopwatch-push-snippet:end -->");
        assertTrue(begin >= 0 && end > begin, "markers in " + DOC);
        List<String> body = lines.subList(begin + 1, end);
        assertEquals("```python", body.get(0));
        assertEquals("```", body.get(body.size() - 1));
        return body.subList(1, body.size() - 1);
    }

    @Test
    void theDocumentedSnippetIsThreeLines() throws IOException {
        assertEquals(3, snippet().size(), String.join("\n", snippet()));
    }

    static boolean python3() {
        try {
            Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Test
    void theSnippetPushesTokensThatBecomeTheWorkloadsTokensPerSecond() throws Exception {
        Assumptions.assumeTrue(python3(), "python3 is not on the PATH: the snippet of docs/throughput.md is not run");
        AgentConfig config = ConfigLoader.parse("t", """
                web: {listen_address: "127.0.0.1:0"}
                workloads:
                  - name: train
                    model: llama-3-8b
                    seq_len: 8192
                    gpus: [0]
                    throughput: {source: push, window: 10s}
                """);
        FakeTicker ticker = new FakeTicker();
        LiveAnalyzer analyzer = new LiveAnalyzer(config, GpuCatalog.builtIn(), ticker);
        List<GpuRecord> gpus = List.of(LiveAnalyzerTest.gpu(0));
        try (MetricsServer server = new MetricsServer(config.web(), config.push(), false,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), analyzer.pushSources(), ticker)) {
            server.start();
            String url = "http://127.0.0.1:" + server.port() + config.push().path();
            // Cumulative totals 0, 4000, 8000 tokens two (fake) seconds apart: 2000 tokens/s.
            for (int i = 0; i < 3; i++) {
                runSnippet(url, 4000 * i);
                analyzer.analyze(gpus, ticker.nanoTime());
                ticker.advance(Duration.ofSeconds(2));
            }
            WorkloadAnalysis w = analyzer.analyze(gpus, ticker.nanoTime()).workloads().get(0);
            assertEquals(2000, w.tokensPerSecond(), 1e-9);
            // MFU = 57.91e9 FLOPs/token (PaLM 6N + 12LHQT, Llama-3-8B, T = 8192) × 2000 / 989.5e12 (H100 bf16)
            assertEquals(WorkloadSourcesTest.LLAMA3_8B_TRAIN_8192 * 2000 / WorkloadSourcesTest.H100_BF16, w.mfu(), 1e-9);
        }
    }

    private void runSnippet(String url, long tokensTotal) throws Exception {
        List<String> script = new java.util.ArrayList<>(snippet());
        script.add("flopwatch_push(" + tokensTotal + ", workload=\"train\", url=\"" + url + "\")");
        Path file = dir.resolve("push.py");
        Files.write(file, script, StandardCharsets.UTF_8);
        Process p = new ProcessBuilder("python3", file.toString()).redirectErrorStream(true).start();
        // Bounded: the snippet's own timeout is 2 s.
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "python3 did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
    }
}
