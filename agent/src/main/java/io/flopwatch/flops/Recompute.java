package io.flopwatch.flops;

/**
 * Activation recomputation (checkpointing) during training. It changes the FLOPs the hardware
 * executes (HFU) but never the model FLOPs (MFU): Korthikanti et al. 2022, "Reducing Activation
 * Recomputation in Large Transformer Models", section 5.
 */
public enum Recompute {
    /** Nothing recomputed. */
    NONE,
    /** The attention core (scores, softmax, attention over values) recomputed in the backward pass. */
    SELECTIVE,
    /** Every layer's forward pass recomputed in the backward pass; the logits are not. */
    FULL
}
