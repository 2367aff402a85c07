package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.flops.ModelSpecs;
import io.flopwatch.flops.Roofline;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.telemetry.FakeTicker;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * An inference workload's decode ceiling: the roofline of one sequence on its GPUs, the same
 * figure `flopwatch roofline --batch 1` gives.
 */
class DecodeCeilingTest {

    @Test
    void anInferenceWorkloadCarriesTheSingleSequenceDecodeCeilingOfItsGpus() {
        LiveAnalyzer analyzer = new LiveAnalyzer(ConfigLoader.parse("t", """
                workloads:
                  - name: serve
                    model: llama-3-8b
                    mode: inference
                    seq_len: 2048
                    gpus: [0]
                    throughput: {source: fixed, tokens_per_second: 100}
                  - name: train
                    model: llama-3-8b
                    seq_len: 2048
                    gpus: [1]
                    throughput: {source: fixed, tokens_per_second: 100}
                """), GpuCatalog.builtIn(), new FakeTicker(), pid -> Optional.empty());
        List<WorkloadAnalysis> ws = analyzer.analyze(List.of(LiveAnalyzerTest.gpu(0), LiveAnalyzerTest.gpu(1)), 0)
                .workloads();
        double ceiling = ws.get(0).decodeCeilingTokensPerSecond();
        var h100 = GpuCatalog.builtIn().find("NVIDIA H100 80GB HBM3").orElseThrow();
        double expected = Roofline.decode(ModelSpecs.resolve("llama-3-8b"), new Roofline.Decode(1, 2048, 2, 2, Double.NaN),
                new Roofline.Hardware(1, 989.5e12, h100.memoryBandwidthBytesPerSecond(), h100.memoryBytes()))
                .attainableTokensPerSecondPerSequence();
        assertEquals(expected, ceiling, 1e-6);
        // By hand: H100 SXM HBM3 3.35 TB/s (datasheet) over the matmul weights read each step,
        // 7.505e9 parameters × 2 B = 15.01 GB (the embedding lookup reads one row, not the table),
        // plus a 2,048-token KV cache, 2,048 × 32 layers × 8 KV heads × 128 × 2 (K, V) × 2 B
        // = 0.27 GB: 3.35e12 / 15.28e9 ≈ 219 tokens/s for one sequence.
        assertTrue(ceiling > 215 && ceiling < 223, "ceiling " + ceiling);
        assertTrue(Double.isNaN(ws.get(1).decodeCeilingTokensPerSecond()), "no decode ceiling for training");
    }
}
