package io.flopwatch.flops;

import java.util.ArrayList;
import java.util.List;

/**
 * The decode roofline: for one decoding step of {@code batch} sequences at context C, how many
 * bytes must come from GPU memory (weights once per step, plus each sequence's KV cache) and
 * how many FLOPs are done, hence the token rate memory bandwidth allows, the rate compute
 * allows, and the attainable rate (the lower of the two: Williams, Waterman and Patterson 2009,
 * "Roofline"). The method and its assumptions are in docs/flops.md.
 */
public final class Roofline {

    private Roofline() {
    }

    /** The GPUs serving the model, together (tensor parallel): per-GPU figures times {@code gpus}. */
    public record Hardware(int gpus, double peakFlopsPerGpu, double memoryBandwidthBytesPerSecondPerGpu,
                           double memoryBytesPerGpu) {
        public Hardware {
            if (gpus <= 0 || !(peakFlopsPerGpu > 0) || !(memoryBandwidthBytesPerSecondPerGpu > 0)
                    || !(memoryBytesPerGpu > 0)) {
                throw new IllegalArgumentException("GPU count, peak, bandwidth and memory must be positive");
            }
        }
    }

    /**
     * @param batch                  sequences decoded together in each step
     * @param contextTokens          C: tokens already in each sequence's KV cache
     * @param weightBytesPerParam    bytes per stored weight (2 for bf16, 1 for fp8/int8, 0.5 for 4-bit)
     * @param kvCacheBytesPerElement bytes per cached key/value element
     * @param tokensPerSecond        a claimed or measured total rate to check, or NaN
     */
    public record Decode(long batch, long contextTokens, double weightBytesPerParam, double kvCacheBytesPerElement,
                         double tokensPerSecond) {
        public Decode {
            if (batch <= 0 || contextTokens <= 0 || !(weightBytesPerParam > 0) || !(kvCacheBytesPerElement > 0)) {
                throw new IllegalArgumentException("batch, context and byte widths must be positive");
            }
        }
    }

    /**
     * @param tokensPerSecond rates are totals over the batch; divide by batch for one sequence
     * @param mfuAtRequested  NaN when no rate was given
     */
    public record Result(
            double flopsPerToken,
            double flopsPerStep,
            double weightBytesReadPerStep,
            double kvCacheBytesReadPerStep,
            double bytesPerStep,
            double memoryTimePerStepSeconds,
            double computeTimePerStepSeconds,
            double bandwidthBoundTokensPerSecond,
            double computeBoundTokensPerSecond,
            double attainableTokensPerSecond,
            double attainableTokensPerSecondPerSequence,
            String bound,
            double mfuAtAttainable,
            double requestedTokensPerSecond,
            boolean requestedAttainable,
            double mfuAtRequested,
            double weightBytesStored,
            double kvCacheBytesStored,
            double memoryRequiredBytes,
            double memoryAvailableBytes,
            boolean fitsInMemory,
            double expertsReadPerMoeLayer,
            List<String> notes) {
        public Result {
            notes = List.copyOf(notes);
        }
    }

    /** KV-cache elements one token adds in one layer: 2·H_kv·Q, or the MLA latent d_c + rope dim. */
    public static long kvElementsPerTokenPerLayer(ModelSpec s) {
        if (s.isApproximate()) {
            return 0;
        }
        if (s.mla() != null) {
            // DeepSeek-V2 section 2.1.2: MLA caches the compressed latent c_KV and the shared rotary key.
            return (long) s.mla().kvLoraRank() + s.mla().qkRopeHeadDim();
        }
        return 2L * s.numKvHeads() * s.headDim();
    }

    /** Cached key/value elements per sequence at context C, summed over layers (windows honoured). */
    public static double kvElementsPerSequence(ModelSpec s, long contextTokens) {
        if (s.isApproximate()) {
            return 0;
        }
        int windowLayers = s.slidingWindowTokens() > 0 ? s.slidingWindowLayers() : 0;
        double tokens = windowLayers * (double) Math.min(contextTokens, s.slidingWindowTokens())
                + (s.numLayers() - windowLayers) * (double) contextTokens;
        return tokens * kvElementsPerTokenPerLayer(s);
    }

    /**
     * The energy per token a token rate implies if every GPU drew {@code wattsPerGpu} (its power
     * limit, for the ceiling): watts × GPUs ÷ tokens/s, since 1 W = 1 J/s. At the attainable rate and
     * the board's maximum power this is what a measured joules-per-token figure can be compared
     * with: a GPU at its limit that reaches the attainable rate uses this much; a measured figure
     * well above it means power is spent without tokens to show for it.
     */
    public static double joulesPerToken(double wattsPerGpu, int gpus, double tokensPerSecond) {
        if (!(wattsPerGpu > 0) || gpus <= 0 || !(tokensPerSecond > 0)) {
            throw new IllegalArgumentException("power, GPU count and token rate must be positive");
        }
        return wattsPerGpu * gpus / tokensPerSecond;
    }

    public static Result decode(ModelSpec s, Decode d, Hardware hw) {
        List<String> notes = new ArrayList<>();
        ParameterCounts p = FlopCounter.parameters(s);
        FlopsEstimate est = FlopCounter.estimate(s,
                new Workload(Mode.DECODE, 0, d.contextTokens(), Recompute.NONE, false, Formula.DETAILED));
        double flopsPerToken = est.modelFlopsPerToken();
        double flopsPerStep = flopsPerToken * d.batch();

        // Weights read once per step: everything but the rows of the input lookup table (when the
        // output projection is tied, that matrix is read in full for the logits anyway).
        double lookupParams = s.isApproximate() ? 0
                : (double) s.learnedPositions() * s.hiddenSize()
                + (s.tiedEmbeddings() ? 0 : (double) s.vocabSize() * s.hiddenSize());
        double paramsRead = p.total() - lookupParams;
        double expertsRead = 0;
        if (s.moe() != null) {
            // Uniform routing assumption: the chance an expert is picked by none of B tokens is
            // (1 − k/E)^B, so E·(1 − (1 − k/E)^B) distinct experts are read per MoE layer.
            ModelSpec.Moe m = s.moe();
            double e = m.routedExperts();
            expertsRead = e * (1 - Math.pow(1 - m.expertsPerToken() / e, d.batch()));
            double expertParams = FlopCounter.ffnParams(s, m.expertFfnSize());
            paramsRead -= s.moeLayers() * (e - expertsRead) * expertParams;
            notes.add(String.format("MoE: %.1f of %d routed experts read per layer per step (uniform routing)",
                    expertsRead, m.routedExperts()));
        }
        double weightBytesRead = paramsRead * d.weightBytesPerParam();
        double kvBytesRead = d.batch() * kvElementsPerSequence(s, d.contextTokens()) * d.kvCacheBytesPerElement();
        double bytesPerStep = weightBytesRead + kvBytesRead;

        double bandwidth = hw.gpus() * hw.memoryBandwidthBytesPerSecondPerGpu();
        double peak = hw.gpus() * hw.peakFlopsPerGpu();
        double memoryTime = bytesPerStep / bandwidth;
        double computeTime = flopsPerStep / peak;
        double stepTime = Math.max(memoryTime, computeTime);
        double attainable = d.batch() / stepTime;
        String bound = memoryTime >= computeTime ? "memory_bandwidth" : "compute";
        double mfuAttainable = attainable * flopsPerToken / peak;

        double requested = d.tokensPerSecond();
        boolean hasRequest = !Double.isNaN(requested);
        double mfuRequested = hasRequest ? requested * flopsPerToken / peak : Double.NaN;

        double weightBytesStored = p.total() * d.weightBytesPerParam();
        double kvBytesStored = kvBytesRead;
        double required = weightBytesStored + kvBytesStored;
        double available = hw.gpus() * hw.memoryBytesPerGpu();
        if (s.isApproximate()) {
            notes.add("only the parameter count is known: KV cache and attention FLOPs are not counted");
        }
        notes.add("activations, CUDA context and framework overhead are not counted in memory_required");
        return new Result(flopsPerToken, flopsPerStep, weightBytesRead, kvBytesRead, bytesPerStep, memoryTime,
                computeTime, d.batch() / memoryTime, d.batch() / computeTime, attainable, 1.0 / stepTime, bound,
                mfuAttainable, requested, hasRequest && requested <= attainable, mfuRequested, weightBytesStored,
                kvBytesStored, required, available, required <= available, expertsRead, notes);
    }
}
