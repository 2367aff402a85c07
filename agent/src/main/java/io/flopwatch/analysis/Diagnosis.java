package io.flopwatch.analysis;

import io.flopwatch.telemetry.ClockEventReason;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The bottleneck rules: pure functions from counters to a {@link DiagnosisState}. Rules are
 * tried in a fixed order and the first that matches wins; docs/diagnosis.md explains each in
 * terms of "why is my utilization low?".
 *
 * <p>Thresholds are flopwatch's own choices unless noted: NVIDIA publishes no cut-offs for
 * these states. They are set wide enough that a ±5 point wobble of a counter does not flip
 * the state every second.
 */
public final class Diagnosis {

    /** Below this fraction of time with a kernel running, a GPU without processes is idle. */
    public static final double IDLE_KERNEL_ACTIVE = 0.05;
    /** Below this fraction of time with a kernel running, a GPU with a live process is starved by its host. */
    public static final double INPUT_BOUND_KERNEL_ACTIVE = 0.60;
    /** SM clock below this fraction of its maximum, with a power/thermal reason set, is throttled. */
    public static final double THROTTLED_CLOCK_RATIO = 0.85;
    /**
     * Communication-bound: {@link CommunicationBoundRule} with its default thresholds (link ≥ 60 %
     * of its per-direction capacity while tensor active < 20 %, or SM active < 50 % without
     * tensor activity; docs/interconnect.md), applied to the busiest of NVLink, PCIe and the GPU's
     * nearest RDMA NIC port.
     */
    public static final CommunicationBoundRule.Thresholds COMMUNICATION = CommunicationBoundRule.Thresholds.DEFAULT;
    /** DRAM bandwidth utilization at or above this is memory-bound. */
    public static final double MEMORY_DRAM_RATIO = 0.60;
    /** SM active at or above this (or tensor active at or above {@link #COMPUTE_TENSOR_ACTIVE}) is compute-bound. */
    public static final double COMPUTE_SM_ACTIVE = 0.60;
    public static final double COMPUTE_TENSOR_ACTIVE = 0.30;

    /** Power and thermal reasons: the clock is capped by a limit, not by an idle GPU or a user setting. */
    static final long LIMIT_REASONS = ClockEventReason.SW_POWER_CAP.bit() | ClockEventReason.HW_SLOWDOWN.bit()
            | ClockEventReason.SW_THERMAL_SLOWDOWN.bit() | ClockEventReason.HW_THERMAL_SLOWDOWN.bit()
            | ClockEventReason.HW_POWER_BRAKE_SLOWDOWN.bit();

    private Diagnosis() {
    }

    /**
     * The counters the rules read; ratios 0..1, NaN when not measured.
     *
     * @param kernelActive     NVML "a kernel was running" ratio (nvmlUtilization_t.gpu / 100)
     * @param smActive         GPM SM activity
     * @param tensorActive     GPM any-tensor-pipe activity
     * @param dramBandwidth    GPM DRAM bandwidth utilization
     * @param nvlinkRatio      NVLink use: the busier direction ÷ the per-direction capacity
     *                         ({@link CommunicationBoundRule#nvlinkUtilization})
     * @param pcieRatio        PCIe use: the busier direction ÷ the link's per-direction bandwidth
     *                         at its current generation and width
     * @param smClockRatio     current SM clock ÷ maximum SM clock
     * @param clockEventReasons NVML clock event reason bits (0 when none or unknown)
     * @param processCount     compute processes on the GPU; −1 when unknown
     * @param nicRatio         use of the GPU's nearest RDMA NIC port: the busier direction ÷ its rate
     */
    public record Input(double kernelActive, double smActive, double tensorActive, double dramBandwidth,
                        double nvlinkRatio, double pcieRatio, double smClockRatio, long clockEventReasons,
                        int processCount, double nicRatio) {

        /** Without NIC data. */
        public Input(double kernelActive, double smActive, double tensorActive, double dramBandwidth,
                     double nvlinkRatio, double pcieRatio, double smClockRatio, long clockEventReasons,
                     int processCount) {
            this(kernelActive, smActive, tensorActive, dramBandwidth, nvlinkRatio, pcieRatio, smClockRatio,
                    clockEventReasons, processCount, Double.NaN);
        }

        /** The busier interconnect, NaN when neither is measured. */
        double interconnectRatio() {
            if (Double.isNaN(nvlinkRatio)) {
                return pcieRatio;
            }
            return Double.isNaN(pcieRatio) ? nvlinkRatio : Math.max(nvlinkRatio, pcieRatio);
        }
    }

    /** The state of one GPU. */
    public static DiagnosisState ofGpu(Input in) {
        // Without the NVML ratio, SM active is the next best "is anything running" signal.
        double busy = !Double.isNaN(in.kernelActive()) ? in.kernelActive() : in.smActive();
        if (Double.isNaN(busy)) {
            return DiagnosisState.UNKNOWN;
        }
        boolean processAlive = in.processCount() > 0;
        if (busy < IDLE_KERNEL_ACTIVE && !processAlive) {
            return DiagnosisState.IDLE;
        }
        if ((in.clockEventReasons() & LIMIT_REASONS) != 0 && in.smClockRatio() < THROTTLED_CLOCK_RATIO) {
            return DiagnosisState.THROTTLED;
        }
        CommunicationBoundRule.Verdict comm = CommunicationBoundRule.verdict(new CommunicationBoundRule.Observation(
                optional(in.smActive()), optional(in.tensorActive()), optional(in.interconnectRatio()),
                optional(in.nicRatio())), COMMUNICATION);
        if (comm == CommunicationBoundRule.Verdict.COMMUNICATION_BOUND) {
            return DiagnosisState.COMMUNICATION_BOUND;
        }
        if (busy < INPUT_BOUND_KERNEL_ACTIVE) {
            // A process is alive (or we cannot see processes) but the GPU sits between kernels.
            return DiagnosisState.INPUT_BOUND;
        }
        if (in.dramBandwidth() >= MEMORY_DRAM_RATIO) {
            return DiagnosisState.MEMORY_BOUND;
        }
        if (in.smActive() >= COMPUTE_SM_ACTIVE || in.tensorActive() >= COMPUTE_TENSOR_ACTIVE) {
            return DiagnosisState.COMPUTE_BOUND;
        }
        if (Double.isNaN(in.smActive())) {
            // Kernels run most of the time but without GPM we cannot tell what limits them.
            return DiagnosisState.UNKNOWN;
        }
        return DiagnosisState.UNDERUTILIZED_SMS;
    }

    private static OptionalDouble optional(double v) {
        return Double.isNaN(v) ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    /**
     * The state of a workload: the state most of its GPUs are in; a tie goes to the state
     * whose rule comes first (the more specific explanation). UNKNOWN without GPUs.
     */
    public static DiagnosisState ofWorkload(List<DiagnosisState> gpuStates) {
        Map<DiagnosisState, Integer> counts = new EnumMap<>(DiagnosisState.class);
        for (DiagnosisState s : gpuStates) {
            counts.merge(s, 1, Integer::sum);
        }
        DiagnosisState best = DiagnosisState.UNKNOWN;
        int bestCount = 0;
        for (DiagnosisState s : DiagnosisState.values()) {
            int c = counts.getOrDefault(s, 0);
            if (c > bestCount) {
                best = s;
                bestCount = c;
            }
        }
        return best;
    }
}
