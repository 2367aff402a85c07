package io.flopwatch.analysis;

/**
 * A workload's energy figures over its throughput window (docs/energy.md); NaN when not known
 * (a GPU without the energy counter, fewer than two readings, no token rate yet).
 *
 * @param averageWatts                Σ over its GPUs of the average power from the energy counter ({@link EnergyRate})
 * @param joulesPerToken              averageWatts ÷ tokens per second ({@link EnergyAnalysis#joulesPerToken})
 * @param modelFlopsPerSecondPerWatt  achieved model FLOP/s ÷ averageWatts (= model FLOPs per joule)
 */
public record WorkloadEnergy(double averageWatts, double joulesPerToken, double modelFlopsPerSecondPerWatt) {

    public static final WorkloadEnergy NONE = new WorkloadEnergy(Double.NaN, Double.NaN, Double.NaN);
}
