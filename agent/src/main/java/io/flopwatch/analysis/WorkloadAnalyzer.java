package io.flopwatch.analysis;

import io.flopwatch.gpu.Precision;
import java.util.List;

/**
 * MFU and HFU of one workload on this node: PaLM's definition (Chowdhery et al. 2022, Appendix B;
 * DESIGN.md): model FLOPs/token × tokens/s ÷ Σ dense peak FLOP/s of the GPUs used. Pure.
 */
public final class WorkloadAnalyzer {

    /**
     * Relative difference between flopwatch's MFU and the workload's own above which they are
     * flagged as disagreeing. Both divide model FLOP/s by a peak, so a larger gap almost always
     * means the two use a different model FLOP count (another formula: nanoGPT's and torchtitan's
     * 6N + 12LHQT vs a spec with a different N, attention counted causally or not) or a different
     * peak (nanoGPT's {@code estimate_mfu} divides by an A100's 312 TFLOP/s whatever the GPU, so on
     * an H100 it reads about 3.2 × flopwatch's). 10 % is above the spread of formula variants for
     * the same model (docs/flops.md) and well below the 3× of a wrong peak.
     */
    public static final double MFU_DISAGREEMENT_TOLERANCE = 0.10;

    private WorkloadAnalyzer() {
    }

    /** 1 when the two MFUs differ by more than the tolerance relative to the reported one, 0 if not, NaN if unknown. */
    public static double mfuDisagreement(double mfu, double reportedMfu) {
        if (!Double.isFinite(mfu) || !Double.isFinite(reportedMfu) || reportedMfu <= 0) {
            return Double.NaN;
        }
        return Math.abs(mfu - reportedMfu) / reportedMfu > MFU_DISAGREEMENT_TOLERANCE ? 1 : 0;
    }

    /** As {@link #analyze}, with what the workload says of its own MFU and TFLOP/s per GPU (NaN: nothing). */
    public static WorkloadAnalysis analyze(String name, String model, String mode, Precision precision,
                                           double modelFlopsPerToken, double hardwareFlopsPerToken,
                                           double tokensPerSecond, List<GpuAnalysis> gpus, double reportedMfu,
                                           double reportedTflopsPerGpu) {
        WorkloadAnalysis a = analyze(name, model, mode, precision, modelFlopsPerToken, hardwareFlopsPerToken,
                tokensPerSecond, gpus);
        return new WorkloadAnalysis(a.name(), a.model(), a.mode(), a.precision(), a.gpuIndexes(), a.tokensPerSecond(),
                a.modelFlopsPerToken(), a.hardwareFlopsPerToken(), a.achievedModelFlops(), a.achievedHardwareFlops(),
                a.peakFlops(), a.mfu(), a.hfu(), a.tensorFlopsEstimate(), a.hardwareEstimateRatio(), a.mfuGap(),
                a.diagnosis(), reportedMfu, reportedTflopsPerGpu, mfuDisagreement(a.mfu(), reportedMfu), a.source(), a.energy(),
                a.decodeCeilingTokensPerSecond());
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
