package io.flopwatch.flops;

import java.util.Objects;

/**
 * What is counted: the mode, the sequence or context length, activation recomputation, whether
 * attention is counted causally (half of the score matrix), and the formula.
 *
 * @param seqLenTokens T: training/forward sequence length or prompt length (ignored by DECODE)
 * @param contextTokens C: keys already cached when one token is decoded (DECODE only)
 */
public record Workload(Mode mode, long seqLenTokens, long contextTokens, Recompute recompute, boolean causal,
                       Formula formula) {

    public Workload {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(recompute, "recompute");
        Objects.requireNonNull(formula, "formula");
        if (mode == Mode.DECODE) {
            if (contextTokens <= 0) {
                throw new IllegalArgumentException("decode needs a context length C > 0 (--context)");
            }
        } else if (seqLenTokens <= 0) {
            throw new IllegalArgumentException("mode " + mode.name().toLowerCase()
                    + " needs a sequence length T > 0 (--seq-len)");
        }
    }

    /** Training on length-T sequences with the project's default formula (PaLM). */
    public static Workload training(long seqLenTokens, Recompute recompute) {
        return new Workload(Mode.TRAIN, seqLenTokens, 0, recompute, false, Formula.PALM);
    }

    /** Length the attention term scales with: T, or C when decoding. */
    public long attentionLengthTokens() {
        return mode == Mode.DECODE ? contextTokens : seqLenTokens;
    }

    public Workload withFormula(Formula f) {
        return new Workload(mode, seqLenTokens, contextTokens, recompute, causal, f);
    }
}
