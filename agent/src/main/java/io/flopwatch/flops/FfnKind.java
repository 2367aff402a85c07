package io.flopwatch.flops;

/** How many weight matrices a feed-forward block (or one expert) has. */
public enum FfnKind {
    /** Two matrices, d→f→d, with GELU or ReLU in between (GPT-2, GPT-3, GPT-NeoX, Chinchilla). */
    MLP(2),
    /** Three matrices, gate and up d→f, down f→d: SwiGLU or GeGLU (Llama, PaLM, Gemma, DeepSeek). */
    GATED(3);

    private final int matrices;

    FfnKind(int matrices) {
        this.matrices = matrices;
    }

    public int matrices() {
        return matrices;
    }
}
