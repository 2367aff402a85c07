package io.flopwatch.analysis;

import java.util.Collection;
import java.util.OptionalDouble;

/**
 * Energy efficiency of a workload: joules per token and model FLOP/s per watt, from the average
 * power of its GPUs ({@link EnergyRate}, one per GPU) and its token rate over the same window
 * ({@link io.flopwatch.workload.TokenRate}).
 *
 * <p>Joules per token = (Σ over the workload's GPUs of average watts) ÷ tokens per second, since
 * 1 W = 1 J/s. Model FLOP/s per watt = achieved model FLOP/s ÷ average watts, which is also model
 * FLOPs per joule (the unit of the Green500 list's GFLOPS/W). Only what NVML's power and energy
 * readings cover is counted (nvml.h: power usage "for this GPU ... and its associated circuitry
 * (e.g. memory)"); CPUs, NICs, switches, fans and cooling are not, so these are lower bounds on
 * the node's energy per token.
 */
public final class EnergyAnalysis {

    private EnergyAnalysis() {
    }

    /**
     * Total average power of a workload's GPUs; empty when any of them has no value, because a
     * partial sum would understate the energy per token.
     */
    public static OptionalDouble totalWatts(Collection<OptionalDouble> perGpuAverageWatts) {
        if (perGpuAverageWatts.isEmpty()) {
            return OptionalDouble.empty();
        }
        double sum = 0;
        for (OptionalDouble w : perGpuAverageWatts) {
            if (w.isEmpty() || !(w.getAsDouble() >= 0)) {
                return OptionalDouble.empty();
            }
            sum += w.getAsDouble();
        }
        return OptionalDouble.of(sum);
    }

    /** Watts ÷ (tokens/s) = joules per token; empty without a positive token rate. */
    public static OptionalDouble joulesPerToken(OptionalDouble totalWatts, OptionalDouble tokensPerSecond) {
        if (totalWatts.isEmpty() || tokensPerSecond.isEmpty() || !(tokensPerSecond.getAsDouble() > 0)) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(totalWatts.getAsDouble() / tokensPerSecond.getAsDouble());
    }

    /** Achieved model FLOP/s ÷ watts (= model FLOP per joule); empty without positive power. */
    public static OptionalDouble modelFlopsPerSecondPerWatt(OptionalDouble modelFlopsPerSecond,
                                                            OptionalDouble totalWatts) {
        if (modelFlopsPerSecond.isEmpty() || totalWatts.isEmpty() || !(totalWatts.getAsDouble() > 0)) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(modelFlopsPerSecond.getAsDouble() / totalWatts.getAsDouble());
    }

    /**
     * Power draw over the limit the driver enforces ({@code nvmlDeviceGetPowerUsage} over
     * {@code nvmlDeviceGetEnforcedPowerLimit}); near 1 the GPU is power-capped and lowers its
     * clocks to stay under the limit. Empty without both values or with a non-positive limit.
     */
    public static OptionalDouble powerToLimitRatio(OptionalDouble usageWatts, OptionalDouble enforcedLimitWatts) {
        if (usageWatts.isEmpty() || enforcedLimitWatts.isEmpty() || !(enforcedLimitWatts.getAsDouble() > 0)) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(usageWatts.getAsDouble() / enforcedLimitWatts.getAsDouble());
    }
}
