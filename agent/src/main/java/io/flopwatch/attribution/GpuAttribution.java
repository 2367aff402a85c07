package io.flopwatch.attribution;

import java.util.List;

/**
 * The attributed processes of one GPU in one cycle.
 *
 * @param processes        at most {@code attribution.max_processes_per_gpu}, most device memory first
 * @param omittedProcesses how many more NVML listed (the cap's cut: not exported one by one)
 * @param hpcJobs          the jobs dcgm-exporter's HPC job mapping lists for this GPU
 */
public record GpuAttribution(List<AttributedProcess> processes, int omittedProcesses, List<String> hpcJobs) {
    public static final GpuAttribution NONE = new GpuAttribution(List.of(), 0, List.of());

    public GpuAttribution {
        processes = List.copyOf(processes);
        hpcJobs = List.copyOf(hpcJobs);
    }

    /** The HPC job label value: the mapping's ids joined by ',' ("" when none). */
    public String hpcJobLabel() {
        return String.join(",", hpcJobs);
    }
}
