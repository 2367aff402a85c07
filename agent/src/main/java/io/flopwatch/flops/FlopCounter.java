package io.flopwatch.flops;

import java.util.ArrayList;
import java.util.List;

/**
 * Counts a transformer's parameters and FLOPs per token analytically. Pure functions over
 * records; docs/flops.md states every formula with its source.
 *
 * <p>Conventions: a matmul of an m×k by a k×n matrix is 2·m·k·n FLOPs (one multiply, one add);
 * element-wise work (norms, activations, softmax, biases, residual adds, rotary) is not counted,
 * as in PaLM Appendix B and Kaplan et al. Table 1, because it is a fraction of a percent for
 * models of interest and does not run on the tensor cores the peak refers to.
 */
public final class FlopCounter {

    private FlopCounter() {
    }

    /** Parameter counts: exact for the dimensions given (norms and biases included in the total). */
    public static ParameterCounts parameters(ModelSpec s) {
        if (s.isApproximate()) {
            long n = s.approximateParams();
            return new ParameterCounts(n, n, n, n, 0, 0);
        }
        long d = s.hiddenSize();
        long layers = s.numLayers();
        long attentionMatmul = layers * (attentionInputMatmulParams(s) + attentionOutputMatmulParams(s));
        long denseFfn = (long) s.denseFfnLayers() * ffnParams(s, s.ffnSize());
        long moeStored = 0;
        long moeActivated = 0;
        if (s.moe() != null) {
            ModelSpec.Moe m = s.moe();
            long router = d * m.routedExperts();
            long shared = (long) m.sharedExperts() * ffnParams(s, m.sharedExpertFfnSize());
            long expert = ffnParams(s, m.expertFfnSize());
            moeStored = s.moeLayers() * (router + shared + m.routedExperts() * expert);
            moeActivated = s.moeLayers() * (router + shared + m.expertsPerToken() * expert);
        }
        long unembedding = (long) s.vocabSize() * d;
        long matmulTotal = attentionMatmul + denseFfn + moeStored + unembedding;
        long matmul = attentionMatmul + denseFfn + moeActivated + unembedding;

        long embedding = (long) s.vocabSize() * d + (long) s.learnedPositions() * d;
        long perLayerOther = otherParamsPerLayer(s);
        long finalNorm = d * s.normKind().paramsPerChannel();
        long nonMatmul = layers * perLayerOther + finalNorm + embedding;
        // A tied output projection is the input embedding: count the matrix once in the total.
        long total = matmulTotal + nonMatmul - (s.tiedEmbeddings() ? unembedding : 0);
        long activated = total - (moeStored - moeActivated);
        return new ParameterCounts(total, activated, matmulTotal, matmul, embedding, unembedding);
    }

    /** Q, K and V projection weights of one block (MLA: the down- and up-projections). */
    static long attentionInputMatmulParams(ModelSpec s) {
        long d = s.hiddenSize();
        long h = s.numHeads();
        ModelSpec.Mla mla = s.mla();
        if (mla != null) {
            long qk = s.queryKeyHeadDim();
            long q = mla.qLoraRank() > 0 ? d * mla.qLoraRank() + (long) mla.qLoraRank() * h * qk : d * h * qk;
            long kvDown = d * (mla.kvLoraRank() + mla.qkRopeHeadDim());
            long kvUp = (long) mla.kvLoraRank() * h * (mla.qkNopeHeadDim() + mla.vHeadDim());
            return q + kvDown + kvUp;
        }
        long dh = s.headDim();
        return d * h * dh + 2 * d * s.numKvHeads() * dh;
    }

    static long attentionOutputMatmulParams(ModelSpec s) {
        return (long) s.numHeads() * s.valueHeadDim() * s.hiddenSize();
    }

    static long ffnParams(ModelSpec s, long width) {
        return s.ffnKind().matrices() * s.hiddenSize() * width;
    }

    private static long otherParamsPerLayer(ModelSpec s) {
        long d = s.hiddenSize();
        long pp = s.normKind().paramsPerChannel();
        long norms = s.normsPerLayer() * d * pp;
        if (s.mla() != null) {
            norms += (s.mla().qLoraRank() + (long) s.mla().kvLoraRank()) * pp;
        }
        long biases = 0;
        if (s.mla() == null && (s.qkvBias() || s.linearBias())) {
            biases += (long) s.numHeads() * s.headDim() + 2L * s.numKvHeads() * s.headDim();
        }
        if (s.linearBias()) {
            biases += d; // output projection
            if (s.moe() == null) {
                biases += (s.ffnKind().matrices() - 1L) * s.ffnSize() + d;
            }
        }
        return norms + biases + s.relativePositionParamsPerLayer();
    }

    /**
     * Keys one query attends to in a layer, averaged over the positions of the sequence.
     * Non-causal (the PaLM/nanoGPT convention): all T, or W in a window. Causal: on average T/2;
     * with a window W &lt; T, the mean of min(t, W) over t in [0, T] is W − W²/(2T). Decoding reads
     * C cached keys (or W).
     */
    static double keysPerQuery(Workload w, long window) {
        if (w.mode() == Mode.DECODE) {
            long c = w.contextTokens();
            return window > 0 ? Math.min(c, window) : c;
        }
        double t = w.seqLenTokens();
        if (!w.causal()) {
            return window > 0 ? Math.min(t, window) : t;
        }
        if (window > 0 && window < t) {
            return window - (double) window * window / (2.0 * t);
        }
        return t / 2.0;
    }

    /** Forward FLOPs per token of each operation, summed over the layers (the DETAILED formula). */
    public static List<FlopsEstimate.Component> forwardComponents(ModelSpec s, Workload w) {
        List<FlopsEstimate.Component> rows = new ArrayList<>();
        double factor = w.mode() == Mode.TRAIN ? 3.0 : 1.0;
        if (s.isApproximate()) {
            double f = 2.0 * s.approximateParams();
            rows.add(new FlopsEstimate.Component("weights_2n", f, f * factor));
            return rows;
        }
        double d = s.hiddenSize();
        double layers = s.numLayers();
        double h = s.numHeads();
        int windowLayers = s.slidingWindowTokens() > 0 ? s.slidingWindowLayers() : 0;
        double keysSum = windowLayers * keysPerQuery(w, s.slidingWindowTokens())
                + (s.numLayers() - windowLayers) * keysPerQuery(w, 0);
        add(rows, "attention_qkv", 2.0 * layers * attentionInputMatmulParams(s), factor);
        add(rows, "attention_scores", 2.0 * keysSum * h * s.queryKeyHeadDim(), factor);
        add(rows, "attention_values", 2.0 * keysSum * h * s.valueHeadDim(), factor);
        add(rows, "attention_output", 2.0 * layers * attentionOutputMatmulParams(s), factor);
        if (s.denseFfnLayers() > 0) {
            add(rows, "mlp", 2.0 * s.denseFfnLayers() * ffnParams(s, s.ffnSize()), factor);
        }
        if (s.moe() != null) {
            ModelSpec.Moe m = s.moe();
            add(rows, "moe_router", 2.0 * s.moeLayers() * d * m.routedExperts(), factor);
            add(rows, "moe_experts", 2.0 * s.moeLayers() * m.expertsPerToken() * ffnParams(s, m.expertFfnSize()),
                    factor);
            if (m.sharedExperts() > 0) {
                add(rows, "moe_shared_experts",
                        2.0 * s.moeLayers() * m.sharedExperts() * ffnParams(s, m.sharedExpertFfnSize()), factor);
            }
        }
        add(rows, "logits", 2.0 * s.vocabSize() * d, factor);
        return rows;
    }

    private static void add(List<FlopsEstimate.Component> rows, String name, double forward, double factor) {
        rows.add(new FlopsEstimate.Component(name, forward, forward * factor));
    }

    /** The three forward terms every formula is made of, so recomputation can be added uniformly. */
    private record ForwardTerms(double layerMatmul, double logits, double attention) {
        double sum() {
            return layerMatmul + logits + attention;
        }
    }

    /** FLOPs per token of {@code s} under {@code w}. */
    public static FlopsEstimate estimate(ModelSpec s, Workload w) {
        ParameterCounts p = parameters(s);
        List<FlopsEstimate.Component> components = forwardComponents(s, w);
        List<String> notes = new ArrayList<>();
        ForwardTerms terms = forwardTerms(s, w, p, components, notes);

        double forward = terms.sum();
        double model;
        double hardware;
        if (w.mode() == Mode.TRAIN) {
            // Backward = 2 × forward (one matmul for input gradients, one for weight gradients):
            // Kaplan et al. 2020 section 2.1, PaLM Appendix B.
            model = 3.0 * forward;
            double recomputed = switch (w.recompute()) {
                case NONE -> 0.0;
                case SELECTIVE -> terms.attention();
                case FULL -> terms.layerMatmul() + terms.attention();
            };
            hardware = model + recomputed;
        } else {
            model = forward;
            hardware = forward;
            if (w.recompute() != Recompute.NONE) {
                notes.add("recomputation applies to training only; ignored for " + w.mode().name().toLowerCase());
            }
        }
        if (w.mode() == Mode.DECODE && w.causal()) {
            notes.add("--causal has no effect when decoding: the new token attends to all C cached keys");
        }
        return new FlopsEstimate(s, w, p, forward, model, hardware, components, notes);
    }

    private static ForwardTerms forwardTerms(ModelSpec s, Workload w, ParameterCounts p,
                                             List<FlopsEstimate.Component> components, List<String> notes) {
        double n = p.matmul();
        double logits = 2.0 * p.unembedding();
        double t = w.attentionLengthTokens();
        if (s.isApproximate()) {
            if (w.formula() == Formula.KAPLAN || w.formula() == Formula.MEGATRON) {
                throw new IllegalArgumentException("formula " + w.formula().name().toLowerCase()
                        + " needs the architecture; --params gives only the parameter count");
            }
            notes.add("only the parameter count is known: FLOPs = 2N per forward token, attention not counted");
            return new ForwardTerms(2.0 * n, 0, 0);
        }
        double layers = s.numLayers();
        double h = s.numHeads();
        switch (w.formula()) {
            case DETAILED: {
                double attention = 0;
                for (FlopsEstimate.Component c : components) {
                    if (c.name().equals("attention_scores") || c.name().equals("attention_values")) {
                        attention += c.forwardFlopsPerToken();
                    }
                }
                return new ForwardTerms(2.0 * n - logits, logits, attention);
            }
            case PALM: {
                // PaLM Appendix B: 6N + 12·L·H·Q·T per trained token, i.e. 2N + 4·L·H·Q·T forward.
                // With different key and value head sizes (MLA) 4·Q becomes 2·(Q_k + Q_v).
                double attention = 2.0 * layers * h * (s.queryKeyHeadDim() + s.valueHeadDim())
                        * (w.mode() != Mode.DECODE && w.causal() ? t / 2.0 : t);
                if (s.slidingWindowTokens() > 0 && s.slidingWindowTokens() < t) {
                    notes.add("the palm formula ignores the sliding window; --formula detailed honours it");
                }
                return new ForwardTerms(2.0 * n - logits, logits, attention);
            }
            case KAPLAN: {
                // Kaplan et al. 2020, section 2.1 and Table 1: C_forward = 2N + 2·n_layer·n_ctx·d_attn
                // with N excluding embedding and unembedding matrices.
                double dAttn = h * s.valueHeadDim();
                return new ForwardTerms(2.0 * p.nonEmbeddingMatmul(), 0, 2.0 * layers * t * dAttn);
            }
            case MEGATRON: {
                // Narayanan et al. 2021 eq. (3) / Korthikanti et al. 2022: per trained token
                // 72·l·h²·(1 + s/(6h) + V/(12·l·h)) = 72·l·h² + 12·l·h·s + 6·h·V; a third of it forward.
                double hid = s.hiddenSize();
                boolean gptShaped = s.moe() == null && s.mla() == null && s.ffnKind() == FfnKind.MLP
                        && s.ffnSize() == 4 * s.hiddenSize() && s.numKvHeads() == s.numHeads()
                        && (long) s.numHeads() * s.headDim() == s.hiddenSize();
                if (!gptShaped) {
                    notes.add("the megatron formula assumes a GPT block (multi-head attention, 2-matrix MLP with "
                            + "d_ff = 4h); this model differs, so it over- or under-counts");
                }
                return new ForwardTerms(24.0 * layers * hid * hid, 2.0 * hid * s.vocabSize(),
                        4.0 * layers * hid * t);
            }
            case SIX_N:
                return new ForwardTerms(2.0 * n - logits, logits, 0);
            default:
                throw new IllegalStateException("unhandled formula " + w.formula());
        }
    }
}
