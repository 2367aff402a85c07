package io.flopwatch.flops;

/**
 * MFU and HFU as DESIGN.md defines them (PaLM, Chowdhery et al. 2022, Appendix B):
 * model FLOPs/token × tokens/s ÷ (Σ peak FLOP/s of the GPUs used); HFU the same with the
 * FLOPs actually executed (recomputation included).
 *
 * @param tokensPerSecond         total over all GPUs
 * @param achievedFlopsPerGpu     model FLOP/s per GPU
 * @param achievedHardwareFlopsPerGpu executed FLOP/s per GPU
 */
public record Utilization(double mfu, double hfu, double achievedFlopsPerGpu, double achievedHardwareFlopsPerGpu,
                          double peakFlopsPerGpu, double tokensPerSecond, int gpus) {

    public static Utilization of(FlopsEstimate estimate, double tokensPerSecond, int gpus, double peakFlopsPerGpu) {
        return of(estimate.modelFlopsPerToken(), estimate.hardwareFlopsPerToken(), tokensPerSecond, gpus,
                peakFlopsPerGpu);
    }

    public static Utilization of(double modelFlopsPerToken, double hardwareFlopsPerToken, double tokensPerSecond,
                                 int gpus, double peakFlopsPerGpu) {
        if (gpus <= 0 || !(peakFlopsPerGpu > 0) || !(tokensPerSecond >= 0)) {
            throw new IllegalArgumentException("need gpus > 0, peak > 0 and tokens/s >= 0");
        }
        double achieved = modelFlopsPerToken * tokensPerSecond / gpus;
        double achievedHardware = hardwareFlopsPerToken * tokensPerSecond / gpus;
        return new Utilization(achieved / peakFlopsPerGpu, achievedHardware / peakFlopsPerGpu, achieved,
                achievedHardware, peakFlopsPerGpu, tokensPerSecond, gpus);
    }
}
