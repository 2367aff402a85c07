package io.flopwatch.analysis;

import io.flopwatch.gpu.Precision;
import java.util.List;

/**
 * The analysis of one workload on this node in one cycle. NaN when not known (no throughput yet,
 * GPU not in the catalog).
 *
 * @param name                   the workload's name from the config
 * @param model                  the model spec it names
 * @param mode                   train / inference
 * @param precision              the precision its peak is for
 * @param gpuIndexes             the GPUs of this node it runs on
 * @param tokensPerSecond        smoothed tokens/s of this node's share
 * @param modelFlopsPerToken     model FLOPs per token (MFU's numerator per token)
 * @param hardwareFlopsPerToken  executed FLOPs per token, recomputation included (HFU's)
 * @param achievedModelFlops     model FLOPs/token × tokens/s
 * @param achievedHardwareFlops  hardware FLOPs/token × tokens/s
 * @param peakFlops              Σ dense peak FLOP/s of its GPUs for {@code precision}
 * @param mfu                    achievedModelFlops ÷ peakFlops (PaLM's definition)
 * @param hfu                    achievedHardwareFlops ÷ peakFlops
 * @param tensorFlopsEstimate    Σ tensor-active × dense peak over its GPUs (an estimate)
 * @param hardwareEstimateRatio  tensorFlopsEstimate ÷ peakFlops
 * @param mfuGap                 hardwareEstimateRatio − mfu: tensor-pipe time not explained by model FLOPs
 *                               (recomputation, padding, non-matmul tensor work, or a wrong token count)
 * @param diagnosis              the state most of its GPUs are in
 * @param reportedMfu            the workload's own MFU (its log), NaN when it reports none
 * @param reportedTflopsPerGpu   the workload's own achieved TFLOP/s per GPU, NaN when it reports none
 * @param mfuDisagreement        1 when {@code mfu} and {@code reportedMfu} differ by more than
 *                               {@link WorkloadAnalyzer#MFU_DISAGREEMENT_TOLERANCE} (relative), 0
 *                               when they agree, NaN when either is unknown
 * @param source                 how its throughput source is doing ({@link SourceStatus#NONE} outside the live agent)
 * @param decodeCeilingTokensPerSecond for an inference workload, the roofline ceiling of one
 *                               sequence's decode rate on its GPUs (batch 1, at its decode context):
 *                               no sequence can be generated faster; NaN for training or when the
 *                               GPUs' bandwidth is not in the catalog
 * @param energy                 average power, joules per token and model FLOP/s per watt over the
 *                               same window as tokens/s ({@link WorkloadEnergy#NONE} when not computed)
 */
public record WorkloadAnalysis(
        String name,
        String model,
        String mode,
        Precision precision,
        List<Integer> gpuIndexes,
        double tokensPerSecond,
        double modelFlopsPerToken,
        double hardwareFlopsPerToken,
        double achievedModelFlops,
        double achievedHardwareFlops,
        double peakFlops,
        double mfu,
        double hfu,
        double tensorFlopsEstimate,
        double hardwareEstimateRatio,
        double mfuGap,
        DiagnosisState diagnosis,
        double reportedMfu,
        double reportedTflopsPerGpu,
        double mfuDisagreement,
        SourceStatus source,
        WorkloadEnergy energy,
        double decodeCeilingTokensPerSecond) {

    public WorkloadAnalysis {
        gpuIndexes = List.copyOf(gpuIndexes);
        java.util.Objects.requireNonNull(energy, "energy");
    }

    /** Without source status or energy figures. */
    public WorkloadAnalysis(String name, String model, String mode, Precision precision, List<Integer> gpuIndexes,
                            double tokensPerSecond, double modelFlopsPerToken, double hardwareFlopsPerToken,
                            double achievedModelFlops, double achievedHardwareFlops, double peakFlops, double mfu,
                            double hfu, double tensorFlopsEstimate, double hardwareEstimateRatio, double mfuGap,
                            DiagnosisState diagnosis, double reportedMfu, double reportedTflopsPerGpu,
                            double mfuDisagreement) {
        this(name, model, mode, precision, gpuIndexes, tokensPerSecond, modelFlopsPerToken, hardwareFlopsPerToken,
                achievedModelFlops, achievedHardwareFlops, peakFlops, mfu, hfu, tensorFlopsEstimate,
                hardwareEstimateRatio, mfuGap, diagnosis, reportedMfu, reportedTflopsPerGpu, mfuDisagreement,
                SourceStatus.NONE, WorkloadEnergy.NONE, Double.NaN);
    }

    /** The same analysis with these energy figures. */
    public WorkloadAnalysis withEnergy(WorkloadEnergy e) {
        return new WorkloadAnalysis(name, model, mode, precision, gpuIndexes, tokensPerSecond, modelFlopsPerToken,
                hardwareFlopsPerToken, achievedModelFlops, achievedHardwareFlops, peakFlops, mfu, hfu,
                tensorFlopsEstimate, hardwareEstimateRatio, mfuGap, diagnosis, reportedMfu, reportedTflopsPerGpu,
                mfuDisagreement, source, e, decodeCeilingTokensPerSecond);
    }

    /** The same analysis with its throughput source's status. */
    public WorkloadAnalysis withSource(SourceStatus s) {
        return new WorkloadAnalysis(name, model, mode, precision, gpuIndexes, tokensPerSecond, modelFlopsPerToken,
                hardwareFlopsPerToken, achievedModelFlops, achievedHardwareFlops, peakFlops, mfu, hfu,
                tensorFlopsEstimate, hardwareEstimateRatio, mfuGap, diagnosis, reportedMfu, reportedTflopsPerGpu,
                mfuDisagreement, s, energy, decodeCeilingTokensPerSecond);
    }

    /** The same analysis with its single-sequence decode ceiling (tokens/s). */
    public WorkloadAnalysis withDecodeCeiling(double tokensPerSecond) {
        return new WorkloadAnalysis(name, model, mode, precision, gpuIndexes, this.tokensPerSecond, modelFlopsPerToken,
                hardwareFlopsPerToken, achievedModelFlops, achievedHardwareFlops, peakFlops, mfu, hfu,
                tensorFlopsEstimate, hardwareEstimateRatio, mfuGap, diagnosis, reportedMfu, reportedTflopsPerGpu,
                mfuDisagreement, source, energy, tokensPerSecond);
    }

    /** A workload that reports no MFU of its own. */
    public WorkloadAnalysis(String name, String model, String mode, Precision precision, List<Integer> gpuIndexes,
                            double tokensPerSecond, double modelFlopsPerToken, double hardwareFlopsPerToken,
                            double achievedModelFlops, double achievedHardwareFlops, double peakFlops, double mfu,
                            double hfu, double tensorFlopsEstimate, double hardwareEstimateRatio, double mfuGap,
                            DiagnosisState diagnosis) {
        this(name, model, mode, precision, gpuIndexes, tokensPerSecond, modelFlopsPerToken, hardwareFlopsPerToken,
                achievedModelFlops, achievedHardwareFlops, peakFlops, mfu, hfu, tensorFlopsEstimate,
                hardwareEstimateRatio, mfuGap, diagnosis, Double.NaN, Double.NaN, Double.NaN);
    }
}
