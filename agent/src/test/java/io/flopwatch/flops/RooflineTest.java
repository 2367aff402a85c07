package io.flopwatch.flops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RooflineTest {

    // NVIDIA H100 SXM datasheet: 3.35 TB/s HBM3, 80 GB, BF16 1979 TFLOPS with sparsity = 989.5 dense.
    private static final Roofline.Hardware H100X8 = new Roofline.Hardware(8, 989.5e12, 3.35e12, 80e9);

    @Test
    void semiAnalysisClaimAboutATrillionParameterDenseModelHolds() {
        // SemiAnalysis, "GPT-4 Architecture, Infrastructure..." (2023): "even 8x H100 cannot serve a
        // 1 trillion parameter dense model at 33.33 tokens per second ... the FLOPS utilization rate
        // of the 8xH100's at 20 tokens per second would still be under 5%". With 8-bit weights a
        // step reads 1 TB at 8 × 3.35 TB/s: 26.8 tokens/s at most.
        Roofline.Result r = Roofline.decode(ModelSpec.ofParams(1_000_000_000_000L),
                new Roofline.Decode(1, 2048, 1.0, 1.0, 20), H100X8);
        assertEquals(26.8, r.bandwidthBoundTokensPerSecond(), 1e-9);
        assertTrue(r.attainableTokensPerSecond() < 33.33);
        assertEquals("memory_bandwidth", r.bound());
        // 2e12 FLOPs/token × 20 tokens/s / (8 × 989.5e12) = 0.505%
        assertEquals(2e12 * 20 / (8 * 989.5e12), r.mfuAtRequested(), 1e-12);
        assertTrue(r.mfuAtRequested() < 0.05);
        assertTrue(r.requestedAttainable());
        // 1 TB of weights do not fit in 8 × 80 GB.
        assertFalse(r.fitsInMemory());
    }

    @Test
    void llama3_70bKvCacheIs320KibPerToken() {
        // GQA: 2 (K and V) × 8 KV heads × 128 dims × 80 layers × 2 bytes = 327,680 bytes per token.
        ModelSpec s = ModelSpecs.resolve("llama-3-70b");
        assertEquals(2 * 8 * 128, Roofline.kvElementsPerTokenPerLayer(s));
        Roofline.Result r = Roofline.decode(s, new Roofline.Decode(16, 4096, 2, 2, Double.NaN), H100X8);
        assertEquals(16.0 * 4096 * 327_680, r.kvCacheBytesReadPerStep());
        // Weights: every parameter except the untied input embedding table (128256 × 8192).
        double params = FlopCounter.parameters(s).total() - 128_256.0 * 8192;
        assertEquals(2 * params, r.weightBytesReadPerStep());
    }

    @Test
    void mlaCachesTheLatentAndTheRotaryKey() {
        // DeepSeek-V2 paper section 2.1.2: (d_c + d_h^R) · l elements per token = (512 + 64) × 61.
        ModelSpec s = ModelSpecs.resolve("deepseek-v3");
        assertEquals(576, Roofline.kvElementsPerTokenPerLayer(s));
        assertEquals(576.0 * 61 * 1000, Roofline.kvElementsPerSequence(s, 1000));
    }

    @Test
    void largeBatchesTurnDecodeComputeBound() {
        ModelSpec s = ModelSpecs.resolve("llama-3-8b");
        Roofline.Hardware one = new Roofline.Hardware(1, 989.5e12, 3.35e12, 80e9);
        assertEquals("memory_bandwidth", Roofline.decode(s, new Roofline.Decode(1, 1024, 2, 2, Double.NaN), one).bound());
        Roofline.Result big = Roofline.decode(s, new Roofline.Decode(4096, 16, 2, 2, Double.NaN), one);
        assertEquals("compute", big.bound());
        assertEquals(1.0, big.mfuAtAttainable(), 1e-9);
    }

    @Test
    void moeReadsOnlyTheExpertsTheBatchRoutesTo() {
        // Uniform routing: E·(1 − (1 − k/E)^B) = 8 · (1 − 0.75) = 2 experts for B = 1 (Mixtral, k = 2).
        ModelSpec s = ModelSpecs.resolve("mixtral-8x7b");
        Roofline.Result r = Roofline.decode(s, new Roofline.Decode(1, 128, 2, 2, Double.NaN), H100X8);
        assertEquals(2.0, r.expertsReadPerMoeLayer(), 1e-12);
        double unread = 32.0 * 6 * 3 * 4096 * 14336;
        double lookup = 32000.0 * 4096;
        assertEquals(2 * (FlopCounter.parameters(s).total() - lookup - unread), r.weightBytesReadPerStep(), 1.0);
    }

    @Test
    void energyPerTokenAtThePowerLimit() {
        // 8 H100 SXM at their 700 W maximum (NVIDIA H100 datasheet) reaching the 26.8 tokens/s
        // bandwidth bound above: 5,600 W ÷ 26.8 tokens/s = 208.96 J per token.
        assertEquals(5600 / 26.8, Roofline.joulesPerToken(700, 8, 26.8), 1e-9);
        assertEquals(0.56, Roofline.joulesPerToken(700, 8, 10_000), 1e-12);
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Roofline.joulesPerToken(700, 8, 0));
    }
}
