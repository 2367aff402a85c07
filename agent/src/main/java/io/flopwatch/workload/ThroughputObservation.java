package io.flopwatch.workload;

import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * One thing a workload said about its throughput: a token count of some {@link TokenReading kind},
 * in some {@link ThroughputScope scope}, for one {@link WorkloadPhase phase}, observed at one time;
 * optionally with the training step and the workload's own MFU or TFLOP/s per GPU.
 *
 * <p>An observation may carry no token count at all ({@code reading} null) when the line only
 * reports self-measured MFU or TFLOP/s (nanoGPT's first iterations, DeepSpeed's FLOPs profiler).
 *
 * @param nanoTime                 when flopwatch saw it, from {@link io.flopwatch.telemetry.Ticker#nanoTime()};
 *                                 not the workload's own timestamp, which may be absent or skewed
 * @param phase                    what the tokens were used for
 * @param reading                  how {@code tokens} is to be read, or null when there is no token count
 * @param tokens                   tokens per second ({@link TokenReading#RATE}), tokens since the last
 *                                 observation ({@link TokenReading#DELTA}) or tokens since start
 *                                 ({@link TokenReading#CUMULATIVE}); NaN when {@code reading} is null
 * @param scope                    whose work {@code tokens} counts
 * @param step                     the workload's training step or iteration, when it says
 * @param selfReportedMfu          the workload's own MFU as a fraction (0.42 = 42 %), when it says
 * @param selfReportedTflopsPerGpu the workload's own achieved TFLOP/s per GPU, when it says
 */
public record ThroughputObservation(
        long nanoTime,
        WorkloadPhase phase,
        TokenReading reading,
        double tokens,
        ThroughputScope scope,
        OptionalLong step,
        OptionalDouble selfReportedMfu,
        OptionalDouble selfReportedTflopsPerGpu) {

    public ThroughputObservation {
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(selfReportedMfu, "selfReportedMfu");
        Objects.requireNonNull(selfReportedTflopsPerGpu, "selfReportedTflopsPerGpu");
        if (reading == null) {
            if (!Double.isNaN(tokens)) {
                throw new IllegalArgumentException("tokens without a reading kind: " + tokens);
            }
        } else if (!(tokens >= 0) || Double.isInfinite(tokens)) {
            throw new IllegalArgumentException("tokens must be finite and >= 0: " + tokens);
        }
    }

    /** A token count with nothing else. */
    public static ThroughputObservation of(long nanoTime, WorkloadPhase phase, TokenReading reading, double tokens,
                                           ThroughputScope scope) {
        return new ThroughputObservation(nanoTime, phase, Objects.requireNonNull(reading, "reading"), tokens, scope,
                OptionalLong.empty(), OptionalDouble.empty(), OptionalDouble.empty());
    }

    public boolean hasTokens() {
        return reading != null;
    }

    public ThroughputObservation withStep(long s) {
        return new ThroughputObservation(nanoTime, phase, reading, tokens, scope, OptionalLong.of(s),
                selfReportedMfu, selfReportedTflopsPerGpu);
    }

    public ThroughputObservation withSelfReportedMfu(double fraction) {
        return new ThroughputObservation(nanoTime, phase, reading, tokens, scope, step,
                OptionalDouble.of(fraction), selfReportedTflopsPerGpu);
    }

    public ThroughputObservation withSelfReportedTflopsPerGpu(double tflops) {
        return new ThroughputObservation(nanoTime, phase, reading, tokens, scope, step, selfReportedMfu,
                OptionalDouble.of(tflops));
    }

    public ThroughputObservation withScope(ThroughputScope s) {
        return new ThroughputObservation(nanoTime, phase, reading, tokens, s, step, selfReportedMfu,
                selfReportedTflopsPerGpu);
    }

    /**
     * The same observation as this node's share, in {@link ThroughputScope#NODE} scope (see
     * {@link ScopeMapping}); self-reported MFU and TFLOP/s per GPU are per-GPU figures and stay.
     */
    public ThroughputObservation inNodeScope(int jobGpus, int nodeGpus) {
        double mapped = hasTokens() ? ScopeMapping.nodeTokensPerSecond(tokens, scope, jobGpus, nodeGpus) : tokens;
        return new ThroughputObservation(nanoTime, phase, reading, mapped, ThroughputScope.NODE, step,
                selfReportedMfu, selfReportedTflopsPerGpu);
    }
}
