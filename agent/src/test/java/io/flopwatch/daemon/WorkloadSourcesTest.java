package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.flops.FlopCounter;
import io.flopwatch.flops.Formula;
import io.flopwatch.flops.Mode;
import io.flopwatch.flops.ModelSpecs;
import io.flopwatch.flops.Recompute;
import io.flopwatch.flops.Workload;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.telemetry.GpuRecord;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code log} and {@code metrics} throughput sources through the live analyzer: from the
 * workload's own words (a log file, a vLLM /metrics page) to tokens/s and MFU.
 */
class WorkloadSourcesTest {
    /** Llama-3-8B training at T = 8192, PaLM's 6N + 12LHQT: {@code flopwatch flops --model llama-3-8b --seq-len 8192}. */
    static final double LLAMA3_8B_TRAIN_8192 = 57.91285248e9;
    /** H100 SXM dense bf16 (config/gpus.yaml; NVIDIA H100 datasheet, sparsity halved). */
    static final double H100_BF16 = 989.5e12;

    @TempDir
    Path dir;

    private static final List<GpuRecord> TWO_GPUS = List.of(LiveAnalyzerTest.gpu(0), LiveAnalyzerTest.gpu(1));

    static String logWorkload(Path log, String extra) {
        return """
                workloads:
                  - name: train
                    model: llama-3-8b
                    seq_len: 8192
                    gpus: [0, 1]
                    throughput:
                      source: log
                      paths: [%s]
                      start_at: beginning
                """.formatted(log) + extra.indent(6);
    }

    private static void append(Path file, String... lines) throws IOException {
        Files.writeString(file, String.join("\n", lines) + "\n", StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void torchtitanPerGpuTpsBecomesTheNodesRateAndItsOwnMfuIsExported() throws IOException {
        Path log = dir.resolve("train.log");
        // torchtitan's MetricsProcessor.log line (torchtitan/components/metrics.py); tps is per device
        append(log, "step: 10  loss:  2.3456  memory: 60.12GiB(75.90%)  tps: 6,000  tflops: 350.00  mfu: 35.37%",
                "step: 20  loss:  2.3000  memory: 60.12GiB(75.90%)  tps: 7,000  tflops: 405.00  mfu: 40.93%");
        AgentConfig c = ConfigLoader.parse("t", logWorkload(log, "format: torchtitan"));
        FakeTicker ticker = new FakeTicker();
        LiveAnalyzer analyzer = new LiveAnalyzer(c, GpuCatalog.builtIn(), ticker, pid -> Optional.empty());
        try {
            WorkloadAnalysis w = analyzer.analyze(TWO_GPUS, ticker.nanoTime()).workloads().get(0);
            // rates in the window are averaged (TokenRate): (6000 + 7000) / 2 per GPU × 2 GPUs (ScopeMapping GPU row)
            assertEquals(13_000, w.tokensPerSecond(), 1e-9);
            double mfu = LLAMA3_8B_TRAIN_8192 * 13_000 / (2 * H100_BF16);   // 0.3804
            assertEquals(mfu, w.mfu(), 1e-9);
            assertEquals(0.4093, w.reportedMfu(), 1e-12);
            assertEquals(405.0, w.reportedTflopsPerGpu(), 1e-12);
            // |0.3804 − 0.4093| / 0.4093 = 7 % < 10 %: they agree
            assertEquals(0, w.mfuDisagreement());
            String json = io.flopwatch.export.LogLines.json(new io.flopwatch.telemetry.Snapshot(
                    java.time.Instant.EPOCH, 0, true, "", false, Optional.empty(), List.of(), List.of(), List.of(w), java.util.Map.of()));
            assertTrue(json.contains("\"reported_mfu_ratio\":0.4093,\"mfu_disagreement\":0.0,\"reported_tflops_per_gpu\":405.0"), json);

            ticker.advance(Duration.ofSeconds(1));
            append(log, "step: 30  loss:  2.2000  memory: 60.12GiB(75.90%)  tps: 8,000  tflops: 460.00  mfu: 46.50%");
            w = analyzer.analyze(TWO_GPUS, ticker.nanoTime()).workloads().get(0);
            assertEquals((6000 + 7000 + 8000) / 3.0 * 2, w.tokensPerSecond(), 1e-9, "the new line was tailed");
        } finally {
            analyzer.close();
        }
    }

    @Test
    void nanoGptsMfuAgainstAnA100PeakIsFlaggedOnAnH100() throws IOException {
        Path log = dir.resolve("nanogpt.log");
        // karpathy/nanoGPT train.py: the header once, then one line per iteration; tokens per
        // iteration are the whole job's (4 GPUs here, 2 of them on this node)
        double flopwatchMfu = LLAMA3_8B_TRAIN_8192 * 8192 / (2 * H100_BF16);          // 0.2397
        double nanoGptMfu = flopwatchMfu * H100_BF16 / 312e12;                         // estimate_mfu's A100 peak: 0.7603
        append(log, "tokens per iteration will be: 65,536",
                String.format(java.util.Locale.ROOT, "iter 100: loss 3.0000, time 4000.00ms, mfu %.2f%%", nanoGptMfu * 100));
        AgentConfig c = ConfigLoader.parse("t", logWorkload(log, "format: nanogpt\njob_gpus: 4"));
        FakeTicker ticker = new FakeTicker();
        LiveAnalyzer analyzer = new LiveAnalyzer(c, GpuCatalog.builtIn(), ticker, pid -> Optional.empty());
        try {
            WorkloadAnalysis w = analyzer.analyze(TWO_GPUS, ticker.nanoTime()).workloads().get(0);
            // 65536 tokens / 4 s = 16384 tokens/s for the job; this node's share: × 2 / 4 (ScopeMapping JOB row)
            assertEquals(8192, w.tokensPerSecond(), 1e-9);
            assertEquals(flopwatchMfu, w.mfu(), 1e-9);
            assertEquals(nanoGptMfu, w.reportedMfu(), 1e-4);
            assertEquals(1, w.mfuDisagreement(), "989.5 / 312 = 3.2 × apart");
            assertTrue(Double.isNaN(w.reportedTflopsPerGpu()), "nanoGPT prints no TFLOP/s");
        } finally {
            analyzer.close();
        }
    }

    @Test
    void aCustomPatternInJobScope() throws IOException {
        Path log = dir.resolve("custom.log");
        append(log, "[rank0] step 7 took 2.000s", "[rank0] step 8 took 2.000s");
        AgentConfig c = ConfigLoader.parse("t", logWorkload(log, """
                pattern: 'step (?<step>\\d+) took (?<step_time_seconds>[\\d.]+)s'
                tokens_per_step: 262144
                scope: job
                job_gpus: 8
                """));
        FakeTicker ticker = new FakeTicker();
        LiveAnalyzer analyzer = new LiveAnalyzer(c, GpuCatalog.builtIn(), ticker, pid -> Optional.empty());
        try {
            WorkloadAnalysis w = analyzer.analyze(TWO_GPUS, ticker.nanoTime()).workloads().get(0);
            // 262144 tokens / 2 s = 131072 tokens/s for 8 GPUs; 2 of them here: 32768
            assertEquals(32_768, w.tokensPerSecond(), 1e-9);
            assertTrue(Double.isNaN(w.reportedMfu()));
            assertTrue(Double.isNaN(w.mfuDisagreement()));
        } finally {
            analyzer.close();
        }
    }

    @Test
    void vllmCountersOverHttpGivePrefillAndDecodeRatesWithTheirOwnFlopsPerToken() throws Exception {
        AtomicReference<String> page = new AtomicReference<>(fixture("vllm-t0.prom"));
        AtomicInteger fetches = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/metrics", ex -> {
            fetches.incrementAndGet();
            byte[] body = page.get().getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        server.start();
        try {
            AgentConfig c = ConfigLoader.parse("t", """
                    workloads:
                      - name: serve
                        model: llama-3-8b
                        mode: inference
                        seq_len: 2048
                        gpus: [0, 1]
                        throughput:
                          source: metrics
                          url: http://127.0.0.1:%d/metrics
                          server: vllm
                          labels: {model_name: meta-llama/Llama-3.1-8B-Instruct}
                          interval: 5s
                    """.formatted(server.getAddress().getPort()));
            FakeTicker ticker = new FakeTicker();
            LiveAnalyzer analyzer = new LiveAnalyzer(c, GpuCatalog.builtIn(), ticker, pid -> Optional.empty());
            WorkloadAnalysis w = analyzer.analyze(TWO_GPUS, ticker.nanoTime()).workloads().get(0);
            assertTrue(Double.isNaN(w.tokensPerSecond()), "the first page only sets the baselines");
            ticker.advance(Duration.ofSeconds(2));
            analyzer.analyze(TWO_GPUS, ticker.nanoTime());
            assertEquals(1, fetches.get(), "no fetch before the interval has passed");

            page.set(fixture("vllm-t10.prom"));
            ticker.advance(Duration.ofSeconds(8));
            w = analyzer.analyze(TWO_GPUS, ticker.nanoTime()).workloads().get(0);
            assertEquals(2, fetches.get());
            // the fixtures' two engines: prompt +30000, generation +10000 tokens in 10 s
            // (InferenceMetricsSourceTest); the server spans this node's 2 GPUs, so all of it is this node's
            double prefill = 3_000;
            double decode = 1_000;
            assertEquals(prefill + decode, w.tokensPerSecond(), 1e-9);
            // prompt tokens: a forward pass at T = 2048; generated tokens: one decode step with a cache of 2048
            var spec = ModelSpecs.resolve("llama-3-8b");
            double forward = FlopCounter.estimate(spec,
                    new Workload(Mode.FORWARD, 2048, 0, Recompute.NONE, false, Formula.PALM)).modelFlopsPerToken();
            double decodeStep = FlopCounter.estimate(spec,
                    new Workload(Mode.DECODE, 2048, 2048, Recompute.NONE, false, Formula.PALM)).modelFlopsPerToken();
            assertEquals(prefill * forward + decode * decodeStep, w.achievedModelFlops(), 1);
            assertEquals((prefill * forward + decode * decodeStep) / (2 * H100_BF16), w.mfu(), 1e-12);
        } finally {
            server.stop(0);
        }
    }

    static String fixture(String name) throws IOException {
        try (var in = WorkloadSourcesTest.class.getClassLoader().getResourceAsStream("metrics/" + name)) {
            if (in == null) {
                throw new IOException("fixture missing: " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
