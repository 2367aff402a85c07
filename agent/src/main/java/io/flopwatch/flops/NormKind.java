package io.flopwatch.flops;

/** Normalization layers, which matter only for the exact total parameter count. */
public enum NormKind {
    /** LayerNorm: a gain and a bias per channel. */
    LAYERNORM(2),
    /** RMSNorm: a gain per channel. */
    RMSNORM(1);

    private final int paramsPerChannel;

    NormKind(int paramsPerChannel) {
        this.paramsPerChannel = paramsPerChannel;
    }

    public int paramsPerChannel() {
        return paramsPerChannel;
    }
}
