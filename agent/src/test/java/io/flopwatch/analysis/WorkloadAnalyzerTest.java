package io.flopwatch.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.gpu.Precision;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class WorkloadAnalyzerTest {

    static GpuAnalysis gpu(int index, double densePeak, double tensorActive) {
        return new GpuAnalysis(index, "GPU-" + index, "NVIDIA H100 80GB HBM3", "h100-sxm", 0.98, 0.86, 0.34,
                tensorActive, 0.38, 0, 0.06, 0.01, 0, 0, 0, 0, 1.83e9, 1.98e9, 0, 1, Precision.BF16, densePeak,
                densePeak, GpuAnalyzer.tensorFlopsEstimate(tensorActive, densePeak), DiagnosisState.COMPUTE_BOUND);
    }

    static Stream<Arguments> cases() {
        double h100 = 989.5e12; // H100 SXM dense bf16 (NVIDIA H100 datasheet, 1979 with sparsity / 2; config/gpus.yaml)
        return Stream.of(
                // Llama-3-8B at T=8192: 57.91e9 FLOPs/token (flopwatch flops; FlopCounterTest checks the engine).
                // 54 700 tok/s over 8 H100: 54700 × 57.91285248e9 / (8 × 989.5e12) = 0.400181
                Arguments.of(57.91285248e9, 57.91285248e9, 54_700.0, 8, h100, 0.400181, 0.400181),
                // Full recomputation adds one forward (4/3 of the model FLOPs; Korthikanti et al. 2022 §5): HFU = 4/3 MFU
                Arguments.of(57.91285248e9, 57.91285248e9 * 4 / 3, 54_700.0, 8, h100, 0.400181, 0.533575),
                // one A100 (312 TFLOP/s dense bf16, A100 datasheet), 1000 tok/s of a 1e11 FLOPs/token model: 0.3205
                Arguments.of(1e11, 1e11, 1000.0, 1, 312e12, 0.320513, 0.320513));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void mfuAndHfu(double modelPerToken, double hardwarePerToken, double tps, int gpus, double peak, double mfu,
                   double hfu) {
        List<GpuAnalysis> g = Collections.nCopies(gpus, gpu(0, peak, 0.47));
        WorkloadAnalysis w = WorkloadAnalyzer.analyze("w", "m", "train", Precision.BF16, modelPerToken, hardwarePerToken,
                tps, g);
        assertEquals(mfu, w.mfu(), 1e-6);
        assertEquals(hfu, w.hfu(), 1e-6);
        assertEquals(gpus * peak, w.peakFlops(), 1);
        // the hardware estimate: tensor-active × dense peak, summed; its ratio to the peak is the tensor-active ratio
        assertEquals(0.47, w.hardwareEstimateRatio(), 1e-12);
        assertEquals(0.47 - mfu, w.mfuGap(), 1e-6);
    }

    @org.junit.jupiter.api.Test
    void withoutThroughputMfuIsNaNNotZero() {
        WorkloadAnalysis w = WorkloadAnalyzer.analyze("w", "m", "train", Precision.BF16, 1e11, 1e11, Double.NaN,
                List.of(gpu(0, 989.5e12, 0.5)));
        assertTrue(Double.isNaN(w.mfu()));
        assertTrue(Double.isNaN(w.tokensPerSecond()));
    }
}
