package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.nvml.GpuArchitecture;
import io.flopwatch.nvml.GpuIdentity;
import io.flopwatch.nvml.GpuProcess;
import io.flopwatch.telemetry.Analyzer;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.workload.ThroughputObservation;
import io.flopwatch.workload.ThroughputScope;
import io.flopwatch.workload.TokenReading;
import io.flopwatch.workload.WorkloadPhase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LiveAnalyzerTest {

    static GpuRecord gpu(int index, long... pids) {
        GpuIdentity id = new GpuIdentity(index, "GPU-" + index, "NVIDIA H100 80GB HBM3", Optional.empty(),
                "00000000:1" + index + ":00.0", 0x233010DEL, 0, GpuArchitecture.HOPPER, OptionalLong.empty(),
                OptionalInt.of(9), OptionalInt.of(0), OptionalInt.empty(), OptionalInt.empty(), OptionalLong.empty(),
                OptionalInt.empty(), OptionalInt.empty(), OptionalLong.empty(), false);
        GpuRecord.Builder b = new GpuRecord.Builder(index).identity(id);
        b.processes(java.util.Arrays.stream(pids).mapToObj(p -> new GpuProcess(p, OptionalLong.empty(),
                OptionalInt.empty(), OptionalInt.empty())).toList());
        return b.build(0, true, "", Map.of());
    }

    static final String CONFIG = """
            workloads:
              - name: by-uuid
                model: llama-3-8b
                seq_len: 8192
                gpus: ["GPU-1", 3]
                throughput: {source: fixed, tokens_per_second: 1000}
              - name: by-process
                model: llama-3-8b
                seq_len: 8192
                precision: fp8
                gpus: {process: torchrun}
                throughput: {source: push, window: 10s}
            """;

    @Test
    void gpusAreSelectedByUuidIndexOrProcessAndPeaksFollowThePrecision() {
        AgentConfig c = ConfigLoader.parse("t", CONFIG);
        FakeTicker ticker = new FakeTicker();
        // pid 100 runs "torchrun", pid 200 something else
        LiveAnalyzer analyzer = new LiveAnalyzer(c, GpuCatalog.builtIn(), ticker,
                pid -> Optional.of(pid == 100 ? "torchrun" : "python3"));
        List<GpuRecord> gpus = List.of(gpu(0, 100), gpu(1), gpu(2, 200), gpu(3, 100));
        Analyzer.Result r = analyzer.analyze(gpus, ticker.nanoTime());
        WorkloadAnalysis byUuid = r.workloads().get(0);
        WorkloadAnalysis byProcess = r.workloads().get(1);
        assertEquals(List.of(1, 3), byUuid.gpuIndexes());
        assertEquals(List.of(0, 3), byProcess.gpuIndexes());
        // H100 SXM dense peaks (config/gpus.yaml, NVIDIA H100 datasheet, sparsity halved): bf16 989.5, fp8 1979 TFLOP/s
        assertEquals(2 * 989.5e12, byUuid.peakFlops(), 1e3);
        assertEquals(2 * 1979e12, byProcess.peakFlops(), 1e3);
        assertEquals(1000, byUuid.tokensPerSecond());
        assertTrue(Double.isNaN(byProcess.tokensPerSecond()), "nothing pushed yet");
    }

    @Test
    void gpusAreSelectedByACommandLinePattern() {
        AgentConfig c = ConfigLoader.parse("t", """
                workloads:
                  - name: llama-sft
                    model: llama-3-8b
                    seq_len: 8192
                    gpus: {cmdline: 'train\\.py .*--config sft'}
                    throughput: {source: fixed, tokens_per_second: 1000}
                """);
        FakeTicker ticker = new FakeTicker();
        Map<Long, String> cmdlines = Map.of(
                100L, "/usr/bin/python3 -u train.py --config sft.yaml",
                200L, "/usr/bin/python3 -u train.py --config pretrain.yaml",
                300L, "python3 eval.py --config sft.yaml");
        LiveAnalyzer analyzer = new LiveAnalyzer(c, GpuCatalog.builtIn(), ticker, pid -> Optional.of("python3"))
                .withCommandLines(pid -> Optional.ofNullable(cmdlines.get(pid)));
        // GPU 3 holds a process that has exited (no command line): not selected
        List<GpuRecord> gpus = List.of(gpu(0, 100), gpu(1, 200), gpu(2, 300), gpu(3, 400), gpu(4, 100, 200));
        WorkloadAnalysis w = analyzer.analyze(gpus, ticker.nanoTime()).workloads().get(0);
        assertEquals(List.of(0, 4), w.gpuIndexes(), "every GPU with a matching process, shared ones too");
    }

    @Test
    void pushedTokensBecomeASmoothedRate() {
        AgentConfig c = ConfigLoader.parse("t", CONFIG);
        FakeTicker ticker = new FakeTicker();
        LiveAnalyzer analyzer = new LiveAnalyzer(c, GpuCatalog.builtIn(), ticker, pid -> Optional.of("torchrun"));
        List<GpuRecord> gpus = List.of(gpu(0, 100));
        var push = analyzer.pushSources().get("by-process");
        // cumulative totals 0, 4000, 8000 tokens two seconds apart: 2000 tokens/s (TokenRate's increments)
        for (int i = 0; i < 3; i++) {
            push.offer(ThroughputObservation.of(ticker.nanoTime(), WorkloadPhase.TRAINING, TokenReading.CUMULATIVE,
                    4000.0 * i, ThroughputScope.NODE));
            analyzer.analyze(gpus, ticker.nanoTime());
            ticker.advance(Duration.ofSeconds(2));
        }
        WorkloadAnalysis w = analyzer.analyze(gpus, ticker.nanoTime()).workloads().get(1);
        assertEquals(2000, w.tokensPerSecond(), 1e-9);
        // MFU = 57.91e9 × 2000 / 1979e12 (one H100, fp8)
        assertEquals(57.91285248e9 * 2000 / 1979e12, w.mfu(), 1e-9);
    }
}
