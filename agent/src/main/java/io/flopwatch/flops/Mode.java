package io.flopwatch.flops;

/** What the workload does with each token. */
public enum Mode {
    /** Training on sequences of T tokens: forward plus backward (backward = 2 × forward). */
    TRAIN,
    /** Forward pass only over sequences of T tokens (evaluation, scoring). */
    FORWARD,
    /** Prefill of a prompt of T tokens: a forward pass, counted per prompt token. */
    PREFILL,
    /** Decoding one new token whose attention reads C cached keys. */
    DECODE
}
