package io.flopwatch.flops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FlopCounterTest {

    private static Map<String, Double> forwardByComponent(FlopsEstimate e) {
        return e.components().stream().collect(Collectors.toMap(FlopsEstimate.Component::name,
                FlopsEstimate.Component::forwardFlopsPerToken));
    }

    private static Workload train(long t, Recompute r, boolean causal, Formula f) {
        return new Workload(Mode.TRAIN, t, 0, r, causal, f);
    }

    @Test
    void gpt3ForwardIsAbout350GflopsPerToken() {
        // "GPT-3 (175B) ≈ 350 GFLOPs per token" forward: 2N (Kaplan et al. 2020 section 2.1;
        // shared/seed/a-quick-intro-to-flops.md). N here is 174.6B, so 349.1 GFLOPs.
        FlopsEstimate e = FlopCounter.estimate(ModelSpecs.resolve("gpt3-175b"),
                new Workload(Mode.FORWARD, 2048, 0, Recompute.NONE, false, Formula.SIX_N));
        assertEquals(350e9, e.modelFlopsPerToken(), 350e9 * 0.01);
    }

    @Test
    void gpt2TrainingMatchesNanoGptEstimateMfu() {
        // nanoGPT model.py estimate_mfu: N = get_num_params() (non_embedding=True subtracts only
        // wpe: 124,439,808 - 786,432 = 123,653,376), L=12, H=12, Q=64, T=1024;
        // flops_per_token = 6*N + 12*L*H*Q*T = 741,920,256 + 113,246,208 = 855,166,464.
        // nanoGPT's N also holds the LayerNorm gains/biases and linear biases (121,344 values),
        // which are not matmul weights (DESIGN.md), so ours is exactly 6 x 121,344 lower.
        double nanoGpt = 6.0 * 123_653_376 + 12.0 * 12 * 12 * 64 * 1024;
        assertEquals(855_166_464.0, nanoGpt);
        FlopsEstimate e = FlopCounter.estimate(ModelSpecs.resolve("gpt2"), Workload.training(1024, Recompute.NONE));
        assertEquals(nanoGpt - 6.0 * 121_344, e.modelFlopsPerToken(), 0.5);
    }

    @Test
    void perOperationCountsMatchKaplanTable1() {
        // Kaplan et al. 2020, Table 1 (forward FLOPs per token): QKV 2·n_layer·d_model·3·d_attn,
        // Mask 2·n_layer·n_ctx·d_attn (both attention matmuls, causal half), Project
        // 2·n_layer·d_attn·d_model, Feedforward 2·n_layer·2·d_model·d_ff, De-embed 2·d_model·n_vocab.
        ModelSpec s = ModelSpecs.resolve("gpt3-175b");
        double l = 96;
        double d = 12288;
        double dAttn = 12288;
        double dff = 49152;
        double nCtx = 2048;
        double vocab = 50257;
        Map<String, Double> c = forwardByComponent(FlopCounter.estimate(s,
                train(2048, Recompute.NONE, true, Formula.DETAILED)));
        assertEquals(2 * l * d * 3 * dAttn, c.get("attention_qkv"));
        assertEquals(2 * l * nCtx * dAttn, c.get("attention_scores") + c.get("attention_values"));
        assertEquals(2 * l * dAttn * d, c.get("attention_output"));
        assertEquals(2 * l * 2 * d * dff, c.get("mlp"));
        assertEquals(2 * d * vocab, c.get("logits"));
    }

    @Test
    void megatronClosedFormsEqualTheComponentCountForAGptBlock() {
        // Narayanan et al. 2021 eq. (3): with full recomputation 96·B·s·l·h²·(1 + s/(6h) + V/(16·l·h))
        // per iteration; Korthikanti et al. 2022: model FLOPs 72·B·s·l·h²·(1 + s/(6h) + V/(12·l·h)).
        ModelSpec s = ModelSpecs.resolve("gpt3-175b");
        double l = 96;
        double h = 12288;
        double seq = 2048;
        double v = 50257;
        double model = 72 * l * h * h * (1 + seq / (6 * h) + v / (12 * l * h));
        double hardwareFull = 96 * l * h * h * (1 + seq / (6 * h) + v / (16 * l * h));
        FlopsEstimate detailed = FlopCounter.estimate(s, train(2048, Recompute.FULL, false, Formula.DETAILED));
        assertEquals(model, detailed.modelFlopsPerToken(), model * 1e-12);
        assertEquals(hardwareFull, detailed.hardwareFlopsPerToken(), hardwareFull * 1e-12);
        FlopsEstimate megatron = FlopCounter.estimate(s, train(2048, Recompute.FULL, false, Formula.MEGATRON));
        assertEquals(model, megatron.modelFlopsPerToken(), model * 1e-12);
        assertEquals(hardwareFull, megatron.hardwareFlopsPerToken(), hardwareFull * 1e-12);
    }

    @Test
    void palmFormulaIsSixNPlusTwelveLhqt() {
        // PaLM (Chowdhery et al. 2022) Appendix B: 6N + 12·L·H·Q·T per trained token.
        ModelSpec s = ModelSpecs.resolve("palm-540b");
        double n = FlopCounter.parameters(s).matmul();
        double expected = 6 * n + 12.0 * 118 * 48 * 256 * 2048;
        assertEquals(expected, FlopCounter.estimate(s, Workload.training(2048, Recompute.NONE)).modelFlopsPerToken(),
                expected * 1e-12);
        FlopsEstimate causal = FlopCounter.estimate(s, train(2048, Recompute.NONE, true, Formula.PALM));
        assertEquals(6 * n + 6.0 * 118 * 48 * 256 * 2048, causal.modelFlopsPerToken(), expected * 1e-12);
    }

    @Test
    void detailedEqualsPalmWithoutSlidingWindows() {
        // Both count 2N for weights and 4·H·Q·T per layer for attention (forward); they differ only
        // where a sliding window shortens attention.
        for (String id : new String[] {"llama-3-70b", "mixtral-8x7b", "deepseek-v3", "qwen2.5-72b"}) {
            ModelSpec s = ModelSpecs.resolve(id);
            double palm = FlopCounter.estimate(s, Workload.training(4096, Recompute.NONE)).modelFlopsPerToken();
            double detailed = FlopCounter.estimate(s, train(4096, Recompute.NONE, false, Formula.DETAILED))
                    .modelFlopsPerToken();
            assertEquals(palm, detailed, palm * 1e-12, id);
        }
    }

    @ParameterizedTest(name = "T={0} window={1} causal={2}: {3} keys")
    @CsvSource({
        "8192, 0,    false, 8192",
        "8192, 0,    true,  4096",
        "8192, 4096, false, 4096",
        // mean over t in [0, T] of min(t, W) = W - W²/(2T) = 4096 - 4096²/16384 = 3072
        "8192, 4096, true,  3072",
        "2048, 4096, true,  1024",
    })
    void keysPerQuery(long t, long window, boolean causal, double expected) {
        Workload w = new Workload(Mode.TRAIN, t, 0, Recompute.NONE, causal, Formula.DETAILED);
        assertEquals(expected, FlopCounter.keysPerQuery(w, window));
    }

    @Test
    void decodeAttendsToTheCachedContextCappedByTheWindow() {
        ModelSpec mistral = ModelSpec.builder("mistral-like").hiddenSize(4096).numLayers(32).numHeads(32)
                .numKvHeads(8).ffnSize(14336).vocabSize(32000).slidingWindow(4096).build();
        Workload decode = new Workload(Mode.DECODE, 0, 32768, Recompute.NONE, false, Formula.DETAILED);
        Map<String, Double> c = forwardByComponent(FlopCounter.estimate(mistral, decode));
        // 2 · keys · H · Q per layer, keys = min(C, W) = 4096
        assertEquals(32 * 2.0 * 4096 * 32 * 128, c.get("attention_scores"));
        double forward = FlopCounter.estimate(mistral, decode).modelFlopsPerToken();
        double n = FlopCounter.parameters(mistral).matmul();
        assertEquals(2 * n + 32 * 4.0 * 4096 * 32 * 128, forward, forward * 1e-12);
    }

    @Test
    void recomputationAddsToHardwareFlopsOnly() {
        ModelSpec s = ModelSpecs.resolve("llama-3-8b");
        FlopsEstimate none = FlopCounter.estimate(s, train(8192, Recompute.NONE, false, Formula.DETAILED));
        FlopsEstimate selective = FlopCounter.estimate(s, train(8192, Recompute.SELECTIVE, false, Formula.DETAILED));
        FlopsEstimate full = FlopCounter.estimate(s, train(8192, Recompute.FULL, false, Formula.DETAILED));
        Map<String, Double> c = forwardByComponent(none);
        assertEquals(none.modelFlopsPerToken(), selective.modelFlopsPerToken());
        assertEquals(none.modelFlopsPerToken(), full.modelFlopsPerToken());
        assertEquals(none.modelFlopsPerToken() + c.get("attention_scores") + c.get("attention_values"),
                selective.hardwareFlopsPerToken(), 1.0);
        assertEquals(none.modelFlopsPerToken() + none.forwardFlopsPerToken() - c.get("logits"),
                full.hardwareFlopsPerToken(), 1.0);
    }

    @Test
    void moeForwardCountsOnlyTheRoutedExpertsAToken() {
        // Mixtral: 2 of 8 experts per token, so forward matmul FLOPs = 2 × activated matmul params.
        ModelSpec s = ModelSpecs.resolve("mixtral-8x7b");
        FlopsEstimate e = FlopCounter.estimate(s, new Workload(Mode.FORWARD, 1, 0, Recompute.NONE, false,
                Formula.SIX_N));
        assertEquals(2.0 * FlopCounter.parameters(s).matmul(), e.modelFlopsPerToken());
        Map<String, Double> c = forwardByComponent(e);
        assertEquals(32 * 2.0 * 2 * 3 * 4096 * 14336, c.get("moe_experts"));
        assertEquals(32 * 2.0 * 4096 * 8, c.get("moe_router"));
    }

    @Test
    void kaplanLeavesOutEmbeddingsAndCountsTheCausalHalf() {
        // Kaplan et al. 2020 eq. 2.2: C_forward ≈ 2N + 2·n_layer·n_ctx·d_attn, N non-embedding.
        ModelSpec s = ModelSpecs.resolve("gpt3-175b");
        double nonEmbedding = 12.0 * 96 * 12288 * 12288;
        double expected = 3 * (2 * nonEmbedding + 2.0 * 96 * 2048 * 12288);
        assertEquals(expected, FlopCounter.estimate(s, train(2048, Recompute.NONE, false, Formula.KAPLAN))
                .modelFlopsPerToken(), expected * 1e-12);
    }

    @Test
    void aParameterCountAloneGivesSixN() {
        ModelSpec s = ModelSpec.ofParams(1_000_000_000_000L);
        assertEquals(6e12, FlopCounter.estimate(s, Workload.training(2048, Recompute.NONE)).modelFlopsPerToken());
        assertThrows(IllegalArgumentException.class, () -> FlopCounter.estimate(s,
                train(2048, Recompute.NONE, false, Formula.MEGATRON)));
    }

    @Test
    void palmTable3MfuIsReproducedFromItsOwnThroughput() {
        // PaLM (Chowdhery et al. 2022) Table 3 / Appendix B: PaLM 540B trained at 238.3K tokens/s
        // on 6144 TPU v4 chips of 275 TFLOP/s bf16 peak, sequence 2048: MFU 46.2%.
        FlopsEstimate e = FlopCounter.estimate(ModelSpecs.resolve("palm-540b"), Workload.training(2048, Recompute.NONE));
        Utilization u = Utilization.of(e, 238.3e3, 6144, 275e12);
        assertEquals(0.462, u.mfu(), 0.0005);
    }
}
