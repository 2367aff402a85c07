package io.flopwatch.analysis;

import io.flopwatch.gpu.Precision;
import java.util.List;

/**
 * MFU and HFU of one workload on this node: PaLM's definition (Chowdhery et al. 2022, Appendix B;
 * DESIGN.md): model FLOPs/token × tokens/s ÷ Σ dense peak FLOP/s of the GPUs used. Pure.
 */
public final class WorkloadAnalyzer {

    private WorkloadAnalyzer() {
    }

    /**
     * @param tokensPerSecond this node's tokens/s, NaN when the source has said nothing yet
     * @param gpus            the analyses of the workload's GPUs (peaks for {@code precision})
     */
    public static WorkloadAnalysis analyze(String name, String model, String mode, Precision precision,
                                           double modelFlopsPerToken, double hardwareFlopsPerToken,
                                           double tokensPerSecond, List<GpuAnalysis> gpus) {
        double peak = gpus.isEmpty() ? Double.NaN : 0;
        double estimate = gpus.isEmpty() ? Double.NaN : 0;
        for (GpuAnalysis g : gpus) {
            peak += g.densePeakFlops();
            estimate += g.tensorFlopsEstimate();
        }
        double achieved = modelFlopsPerToken * tokensPerSecond;
        double achievedHardware = hardwareFlopsPerToken * tokensPerSecond;
        double mfu = achieved / peak;
        double hfu = achievedHardware / peak;
        double estimateRatio = estimate / peak;
        DiagnosisState state = Diagnosis.ofWorkload(gpus.stream().map(GpuAnalysis::diagnosis).toList());
        return new WorkloadAnalysis(name, model, mode, precision, gpus.stream().map(GpuAnalysis::index).toList(),
                tokensPerSecond, modelFlopsPerToken, hardwareFlopsPerToken, achieved, achievedHardware, peak,
                mfu, hfu, estimate, estimateRatio, estimateRatio - mfu, state);
    }
}
