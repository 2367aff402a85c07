package io.flopwatch.analysis;

/**
 * Why a GPU (or a workload's GPUs) is not doing more arithmetic. The rules and thresholds are
 * in {@link Diagnosis} and docs/diagnosis.md; the order here is the order the rules are tried.
 */
public enum DiagnosisState {
    /** No utilization counters: nothing to judge. */
    UNKNOWN("unknown"),
    /** No kernel ran and no process holds the GPU. */
    IDLE("idle"),
    /** Clocks held well below maximum by a power or thermal limit. */
    THROTTLED("throttled"),
    /** NVLink busy while the SMs wait: collectives dominate. */
    COMMUNICATION_BOUND("communication_bound"),
    /** A process holds the GPU but kernels run only part of the time: the host or the input pipeline is the limit. */
    INPUT_BOUND("input_bound"),
    /** DRAM bandwidth near its limit. */
    MEMORY_BOUND("memory_bound"),
    /** SMs (and tensor pipes) busy: the GPU is doing arithmetic. */
    COMPUTE_BOUND("compute_bound"),
    /** Kernels run nearly all the time yet few SMs are active: kernels too small or too serial. */
    UNDERUTILIZED_SMS("underutilized_sms");

    private final String label;

    DiagnosisState(String label) {
        this.label = label;
    }

    /** The value of the {@code state} label and of the JSON field. */
    public String label() {
        return label;
    }
}
