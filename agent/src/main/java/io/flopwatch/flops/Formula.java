package io.flopwatch.flops;

/**
 * Published ways to count a transformer's FLOPs per token. docs/flops.md derives each one and
 * shows how they relate; they agree on the weight-matmul term 2N per forward token and differ
 * in what they count for attention, embeddings and logits.
 */
public enum Formula {
    /**
     * Per component, from the architecture (Kaplan et al. 2020 Table 1, Hoffmann et al. 2022
     * Appendix F): every weight matmul, plus attention scores and attention over values with
     * the keys each query really sees (sliding windows honoured, causal halving if asked).
     */
    DETAILED,
    /** PaLM Appendix B: 6N + 12·L·H·Q·T for training; the project's MFU definition (DESIGN.md). */
    PALM,
    /** Kaplan et al. 2020 section 2.1: C_forward = 2N + 2·n_layer·n_ctx·d_attn, N without embeddings. */
    KAPLAN,
    /**
     * Narayanan et al. 2021 (Megatron-LM) eq. (3) and Korthikanti et al. 2022: for a GPT with
     * d_ff = 4h and multi-head attention, 72·l·h²·(1 + s/(6h) + V/(12·l·h)) per trained token.
     */
    MEGATRON,
    /** The rule of thumb 6N per trained token (2N forward), attention ignored (Kaplan et al. 2020). */
    SIX_N
}
