package io.flopwatch.export;

import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.analysis.WorkloadEnergy;
import io.flopwatch.telemetry.Snapshot;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Per-workload energy meters (docs/metrics.md, "Energy"): average power of its GPUs, joules per
 * token and model FLOP/s per watt, all over the workload's throughput window (docs/energy.md).
 * The per-GPU energy counter and power limit are in {@link SnapshotMetrics}. Workloads come from
 * the config; a reload that removes or changes one removes its meters ({@link #remove}).
 */
final class EnergyMetrics {

    private final MeterRegistry registry;
    private final Supplier<Snapshot> latest;
    /** Meters by workload name. */
    private final MeterGroups groups;

    EnergyMetrics(MeterRegistry registry, Supplier<Snapshot> latest) {
        this.registry = registry;
        this.latest = latest;
        this.groups = new MeterGroups(registry);
    }

    void sync(Snapshot s) {
        for (WorkloadAnalysis w : s.workloads()) {
            if (!groups.open(w.name())) {
                continue;
            }
            Tags t = Tags.of("workload", w.name(), "model", w.model(), "precision", w.precision().key());
            String n = w.name();
            gauge(t, n, "flopwatch.workload.power", "watts",
                    "Average power of the workload's GPUs on this node over its throughput window (from the energy counters)",
                    WorkloadEnergy::averageWatts);
            gauge(t, n, "flopwatch.workload.energy.per.token", "joules",
                    "Energy per token: average power / tokens per second over the same window (GPU board energy only)",
                    WorkloadEnergy::joulesPerToken);
            gauge(t, n, "flopwatch.workload.model.flops.per.watt", null,
                    "Achieved model FLOP/s per watt of GPU power (= model FLOPs per joule) over the throughput window",
                    WorkloadEnergy::modelFlopsPerSecondPerWatt);
        }
    }

    private void gauge(Tags t, String workload, String name, String unit, String help,
                       ToDoubleFunction<WorkloadEnergy> f) {
        groups.own(Gauge.builder(name, this, m -> m.latest.get().workloads().stream()
                        .filter(w -> w.name().equals(workload))
                        .findFirst().map(w -> f.applyAsDouble(w.energy())).orElse(Double.NaN))
                .tags(t).baseUnit(unit).description(help).strongReference(true).register(registry));
    }

    /** Removes a workload's meters (a reload removed or changed it; see SnapshotMetrics#removeWorkload). */
    void remove(String workload) {
        groups.removeIf(workload::equals);
    }
}
