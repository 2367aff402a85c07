package io.flopwatch.flops;

import java.util.Objects;

/**
 * A decoder-only transformer, described by the dimensions that decide its parameter count and
 * FLOPs. Built from a preset, a YAML spec, a Hugging Face {@code config.json}, or (for a rough
 * estimate) a parameter count alone; see {@link ModelSpecs}.
 *
 * @param name              a label for output
 * @param hiddenSize        d_model
 * @param numLayers         transformer blocks L
 * @param numHeads          query heads H
 * @param numKvHeads        key/value heads: H for MHA, fewer for GQA, 1 for MQA (ignored with MLA)
 * @param headDim           per-head dimension Q (often d/H, not always: Gemma, PaLM)
 * @param ffnSize           dense feed-forward width d_ff
 * @param ffnKind           2-matrix MLP or 3-matrix gated (SwiGLU / GeGLU); also the kind of each expert
 * @param vocabSize         vocabulary V
 * @param tiedEmbeddings    whether the output projection shares the input embedding matrix
 * @param slidingWindowTokens attention window W, 0 for full attention
 * @param slidingWindowLayers how many layers use the window (all of them for Mistral, half for Gemma 2)
 * @param normKind          LayerNorm or RMSNorm (exact parameter totals only)
 * @param normsPerLayer     normalization layers per block: 2 usually, 4 in Gemma 2
 * @param qkvBias           biases on the Q, K, V projections (Qwen2)
 * @param linearBias        biases on every linear layer (GPT-2, GPT-3, GPT-NeoX)
 * @param learnedPositions  rows of a learned absolute position embedding, 0 for rotary/relative
 * @param relativePositionParamsPerLayer extra weights per block for Transformer-XL-style relative
 *                          positions (Gopher/Chinchilla); counted in the total, not in FLOPs
 * @param moe               mixture of experts, or null for a dense model
 * @param mla               DeepSeek multi-head latent attention, or null for standard attention
 * @param approximateParams when the spec is only "--params N": N, with every other dimension 0
 */
public record ModelSpec(
        String name,
        int hiddenSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        int ffnSize,
        FfnKind ffnKind,
        int vocabSize,
        boolean tiedEmbeddings,
        int slidingWindowTokens,
        int slidingWindowLayers,
        NormKind normKind,
        int normsPerLayer,
        boolean qkvBias,
        boolean linearBias,
        int learnedPositions,
        long relativePositionParamsPerLayer,
        Moe moe,
        Mla mla,
        long approximateParams) {

    /**
     * Mixture-of-experts feed-forward (Mixtral, DeepSeek, Qwen MoE).
     *
     * @param routedExperts       experts a token can be routed to (E)
     * @param expertsPerToken     routed experts each token uses (k)
     * @param sharedExperts       experts every token uses (DeepSeek, Qwen MoE)
     * @param expertFfnSize       width of one routed expert
     * @param sharedExpertFfnSize width of one shared expert
     * @param denseLayers         blocks that keep a dense FFN of {@code ffnSize} (DeepSeek's first 3)
     */
    public record Moe(int routedExperts, int expertsPerToken, int sharedExperts, int expertFfnSize,
                      int sharedExpertFfnSize, int denseLayers) {
        public Moe {
            if (routedExperts <= 0 || expertsPerToken <= 0 || expertsPerToken > routedExperts) {
                throw new IllegalArgumentException("need 0 < experts_per_token <= routed_experts, got "
                        + expertsPerToken + " of " + routedExperts);
            }
            if (expertFfnSize <= 0 || sharedExperts < 0 || denseLayers < 0
                    || (sharedExperts > 0 && sharedExpertFfnSize <= 0)) {
                throw new IllegalArgumentException("MoE sizes must be positive");
            }
            if (sharedExperts == 0) {
                sharedExpertFfnSize = 0; // canonical, so equal models compare equal
            }
        }
    }

    /**
     * DeepSeek-V2/V3 multi-head latent attention (DeepSeek-V2 paper, section 2.1).
     *
     * @param qLoraRank     query compression rank, 0 when queries are projected directly
     * @param kvLoraRank    key/value compression rank d_c (the cached latent)
     * @param qkRopeHeadDim rotary part of each query/key head (its key part is shared and cached)
     * @param qkNopeHeadDim non-rotary part of each query/key head
     * @param vHeadDim      value head dimension
     */
    public record Mla(int qLoraRank, int kvLoraRank, int qkRopeHeadDim, int qkNopeHeadDim, int vHeadDim) {
        public Mla {
            if (qLoraRank < 0 || kvLoraRank <= 0 || qkRopeHeadDim < 0 || qkNopeHeadDim <= 0 || vHeadDim <= 0) {
                throw new IllegalArgumentException("MLA dimensions must be positive");
            }
        }
    }

    public ModelSpec {
        Objects.requireNonNull(name, "name");
        if (approximateParams <= 0) {
            validateArchitecture(hiddenSize, numLayers, numHeads, numKvHeads, headDim, ffnSize, ffnKind,
                    vocabSize, slidingWindowTokens, slidingWindowLayers, normKind, normsPerLayer,
                    learnedPositions, relativePositionParamsPerLayer, moe, mla);
        }
    }

    private static void validateArchitecture(int hiddenSize, int numLayers, int numHeads, int numKvHeads,
                                             int headDim, int ffnSize, FfnKind ffnKind, int vocabSize,
                                             int slidingWindowTokens, int slidingWindowLayers, NormKind normKind,
                                             int normsPerLayer, int learnedPositions,
                                             long relativePositionParamsPerLayer, Moe moe, Mla mla) {
        Objects.requireNonNull(ffnKind, "ffnKind");
        Objects.requireNonNull(normKind, "normKind");
        if (hiddenSize <= 0 || numLayers <= 0 || numHeads <= 0 || headDim <= 0 || vocabSize <= 0) {
            throw new IllegalArgumentException("hidden size, layers, heads, head dim and vocabulary must be positive");
        }
        if (mla == null && (numKvHeads <= 0 || numHeads % numKvHeads != 0)) {
            throw new IllegalArgumentException("num_kv_heads (" + numKvHeads + ") must divide num_heads ("
                    + numHeads + ")");
        }
        if (ffnSize <= 0 && (moe == null || moe.denseLayers() > 0)) {
            throw new IllegalArgumentException("ffn_size must be positive");
        }
        if (moe != null && moe.denseLayers() > numLayers) {
            throw new IllegalArgumentException("moe.dense_layers exceeds num_layers");
        }
        if (slidingWindowTokens < 0 || slidingWindowLayers < 0 || slidingWindowLayers > numLayers) {
            throw new IllegalArgumentException("sliding_window_layers must be between 0 and num_layers");
        }
        if (normsPerLayer < 0 || learnedPositions < 0 || relativePositionParamsPerLayer < 0) {
            throw new IllegalArgumentException("counts must not be negative");
        }
    }

    /** A spec known only by its parameter count: FLOPs ≈ 2N per forward token, no attention term. */
    public static ModelSpec ofParams(long params) {
        if (params <= 0) {
            throw new IllegalArgumentException("--params must be positive");
        }
        return new ModelSpec(String.format("%.3g parameters", (double) params), 0, 0, 0, 0, 0, 0, null, 0,
                false, 0, 0, null, 0, false, false, 0, 0, null, null, params);
    }

    /** True when only a parameter count is known. */
    public boolean isApproximate() {
        return approximateParams > 0;
    }

    /** Query/key head dimension that attention scores use. */
    public int queryKeyHeadDim() {
        return mla == null ? headDim : mla.qkNopeHeadDim() + mla.qkRopeHeadDim();
    }

    /** Value head dimension that attention over values and the output projection use. */
    public int valueHeadDim() {
        return mla == null ? headDim : mla.vHeadDim();
    }

    /** Number of blocks with a mixture-of-experts FFN. */
    public int moeLayers() {
        return moe == null ? 0 : numLayers - moe.denseLayers();
    }

    /** Number of blocks with a dense FFN. */
    public int denseFfnLayers() {
        return numLayers - moeLayers();
    }

    /** Builder for specs written in code (presets in tests, the YAML and HF readers). */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** Mutable builder; defaults are those of a Llama-style model (RMSNorm, no biases, untied). */
    public static final class Builder {
        private final String name;
        private int hiddenSize;
        private int numLayers;
        private int numHeads;
        private int numKvHeads;
        private int headDim;
        private int ffnSize;
        private FfnKind ffnKind = FfnKind.GATED;
        private int vocabSize;
        private boolean tiedEmbeddings;
        private int slidingWindowTokens;
        private int slidingWindowLayers = -1;
        private NormKind normKind = NormKind.RMSNORM;
        private int normsPerLayer = 2;
        private boolean qkvBias;
        private boolean linearBias;
        private int learnedPositions;
        private long relativePositionParamsPerLayer;
        private Moe moe;
        private Mla mla;

        private Builder(String name) {
            this.name = name;
        }

        public Builder hiddenSize(int v) { hiddenSize = v; return this; }
        public Builder numLayers(int v) { numLayers = v; return this; }
        public Builder numHeads(int v) { numHeads = v; return this; }
        public Builder numKvHeads(int v) { numKvHeads = v; return this; }
        public Builder headDim(int v) { headDim = v; return this; }
        public Builder ffnSize(int v) { ffnSize = v; return this; }
        public Builder ffnKind(FfnKind v) { ffnKind = v; return this; }
        public Builder vocabSize(int v) { vocabSize = v; return this; }
        public Builder tiedEmbeddings(boolean v) { tiedEmbeddings = v; return this; }
        public Builder slidingWindow(int tokens, int layers) { slidingWindowTokens = tokens; slidingWindowLayers = layers; return this; }
        public Builder slidingWindow(int tokens) { slidingWindowTokens = tokens; return this; }
        public Builder normKind(NormKind v) { normKind = v; return this; }
        public Builder normsPerLayer(int v) { normsPerLayer = v; return this; }
        public Builder qkvBias(boolean v) { qkvBias = v; return this; }
        public Builder linearBias(boolean v) { linearBias = v; return this; }
        public Builder learnedPositions(int v) { learnedPositions = v; return this; }
        public Builder relativePositionParamsPerLayer(long v) { relativePositionParamsPerLayer = v; return this; }
        public Builder moe(Moe v) { moe = v; return this; }
        public Builder mla(Mla v) { mla = v; return this; }

        public ModelSpec build() {
            int heads = numHeads;
            int kv = numKvHeads > 0 ? numKvHeads : heads;
            int hd = headDim > 0 ? headDim : (heads > 0 ? hiddenSize / heads : 0);
            int windowLayers = slidingWindowTokens > 0 ? (slidingWindowLayers < 0 ? numLayers : slidingWindowLayers) : 0;
            return new ModelSpec(name, hiddenSize, numLayers, heads, kv, hd, ffnSize, ffnKind, vocabSize,
                    tiedEmbeddings, slidingWindowTokens, windowLayers, normKind, normsPerLayer, qkvBias,
                    linearBias, learnedPositions, relativePositionParamsPerLayer, moe, mla, 0);
        }
    }
}
