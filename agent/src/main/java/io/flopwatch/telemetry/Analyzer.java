package io.flopwatch.telemetry;

import io.flopwatch.analysis.GpuAnalysis;
import io.flopwatch.analysis.WorkloadAnalysis;
import java.util.List;

/** Turns one cycle's GPU records into the analysis the snapshot carries; called on the sampler thread. */
@FunctionalInterface
public interface Analyzer {

    Result analyze(List<GpuRecord> gpus, long nanoTime);

    record Result(List<GpuAnalysis> gpus, List<WorkloadAnalysis> workloads) {
        public Result {
            gpus = List.copyOf(gpus);
            workloads = List.copyOf(workloads);
        }
    }
}
