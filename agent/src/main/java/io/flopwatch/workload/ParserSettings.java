package io.flopwatch.workload;

import java.util.OptionalLong;

/**
 * What some log formats leave out and the user has to say: a format that counts steps or samples
 * needs to know how many tokens a step or a sample holds.
 *
 * @param tokensPerStep  tokens in one optimizer step of the whole job (global batch size ×
 *                       sequence length), for formats that report steps or step times only
 * @param sequenceLength tokens per sample, for formats that report samples (Megatron-LM's global
 *                       batch size, DeepSpeed's and Hugging Face's samples per second)
 */
public record ParserSettings(OptionalLong tokensPerStep, OptionalLong sequenceLength) {
    public static final ParserSettings NONE = new ParserSettings(OptionalLong.empty(), OptionalLong.empty());

    public ParserSettings {
        if (tokensPerStep.isPresent() && tokensPerStep.getAsLong() < 1) {
            throw new IllegalArgumentException("tokensPerStep must be >= 1: " + tokensPerStep.getAsLong());
        }
        if (sequenceLength.isPresent() && sequenceLength.getAsLong() < 1) {
            throw new IllegalArgumentException("sequenceLength must be >= 1: " + sequenceLength.getAsLong());
        }
    }

    public static ParserSettings withSequenceLength(long n) {
        return new ParserSettings(OptionalLong.empty(), OptionalLong.of(n));
    }

    public static ParserSettings withTokensPerStep(long n) {
        return new ParserSettings(OptionalLong.of(n), OptionalLong.empty());
    }
}
