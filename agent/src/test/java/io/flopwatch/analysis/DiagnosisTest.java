package io.flopwatch.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One case per diagnosis state, plus the edges of each threshold. The thresholds are
 * flopwatch's own choices (Diagnosis' constants; docs/diagnosis.md): NVIDIA publishes none; the
 * communication-bound ones are CommunicationBoundRule's (docs/interconnect.md). The
 * counters of the "busy training" rows are those of the demo scenario (tensor 47 %, SM 86 %,
 * DRAM 38 %, NVML utilization 98 %); the clock values are H100 SXM's (max 1980 MHz).
 */
class DiagnosisTest {
    static final double NA = Double.NaN;
    static final long POWER_CAP = 0x4;   // nvml.h nvmlClocksEventReasonSwPowerCap
    static final long THERMAL = 0x40;    // nvml.h nvmlClocksEventReasonHwThermalSlowdown
    static final long GPU_IDLE = 0x1;    // nvml.h nvmlClocksEventReasonGpuIdle

    static Stream<Arguments> cases() {
        return Stream.of(
                // why,                                  kernel, sm,   tensor, dram, nvlink, clock, reasons,  procs, expected
                row("no counters at all", NA, NA, NA, NA, NA, NA, 0, -1, DiagnosisState.UNKNOWN),
                row("nothing running, no process", 0.0, 0.0, 0.0, 0.0, 0.0, 0.4, GPU_IDLE, 0, DiagnosisState.IDLE),
                row("4% busy, no process: still idle", 0.04, 0.01, 0.0, 0.0, 0.0, 0.4, GPU_IDLE, 0, DiagnosisState.IDLE),
                row("nothing running but a process holds the GPU", 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0, 1,
                        DiagnosisState.INPUT_BOUND),
                row("kernels 40% of the time, process alive", 0.40, 0.35, 0.2, 0.1, 0.0, 1.0, 0, 1,
                        DiagnosisState.INPUT_BOUND),
                row("power cap holds the clock at 80% of max", 0.98, 0.86, 0.47, 0.38, 0.0, 1584.0 / 1980, POWER_CAP, 1,
                        DiagnosisState.THROTTLED),
                row("thermal slowdown, clock 70%", 0.98, 0.86, 0.47, 0.38, 0.0, 0.70, THERMAL, 1,
                        DiagnosisState.THROTTLED),
                row("power cap but clock 92% of max: not throttled enough", 0.98, 0.86, 0.47, 0.38, 0.0, 1830.0 / 1980,
                        POWER_CAP, 1, DiagnosisState.COMPUTE_BOUND),
                row("NVLink 60% busy while 30% of SMs active", 0.95, 0.30, 0.05, 0.2, 0.60, 1.0, 0, 1,
                        DiagnosisState.COMMUNICATION_BOUND),
                Arguments.of("PCIe 70% busy (host offload) while 20% of SMs active",
                        new Diagnosis.Input(0.90, 0.20, 0.02, 0.1, NA, 0.70, 1.0, 0, 1), DiagnosisState.COMMUNICATION_BOUND),
                Arguments.of("nearest NIC port 70% busy, NVLink idle, tensor 5%",
                        new Diagnosis.Input(0.95, 0.30, 0.05, 0.1, 0.0, 0.01, 1.0, 0, 1, 0.70),
                        DiagnosisState.COMMUNICATION_BOUND),
                Arguments.of("nearest NIC port 59% busy: below the 60% threshold",
                        new Diagnosis.Input(0.95, 0.30, 0.05, 0.1, 0.0, 0.01, 1.0, 0, 1, 0.59),
                        DiagnosisState.UNDERUTILIZED_SMS),
                Arguments.of("NIC 90% busy while tensor pipes 47% busy: overlap, not communication-bound",
                        new Diagnosis.Input(0.98, 0.86, 0.47, 0.38, 0.02, 0.01, 1.0, 0, 1, 0.90),
                        DiagnosisState.COMPUTE_BOUND),
                row("NVLink busy but SMs busy too: not communication-bound", 0.98, 0.86, 0.47, 0.38, 0.60, 1.0, 0, 1,
                        DiagnosisState.COMPUTE_BOUND),
                row("DRAM 80% of peak", 0.99, 0.70, 0.10, 0.80, 0.0, 1.0, 0, 1, DiagnosisState.MEMORY_BOUND),
                row("demo training: SM 86%, tensor 47%", 0.98, 0.86, 0.47, 0.38, 0.02, 1830.0 / 1980, 0, 1,
                        DiagnosisState.COMPUTE_BOUND),
                row("tensor 30% alone is compute", 0.90, 0.50, 0.30, 0.20, 0.0, 1.0, 0, 1, DiagnosisState.COMPUTE_BOUND),
                row("kernels always running, few SMs", 0.99, 0.20, 0.02, 0.10, 0.0, 1.0, 0, 1,
                        DiagnosisState.UNDERUTILIZED_SMS),
                row("busy but no GPM: cannot tell why", 0.99, NA, NA, NA, NA, 1.0, 0, 1, DiagnosisState.UNKNOWN));
    }

    static Arguments row(String why, double kernel, double sm, double tensor, double dram, double nvlink,
                         double clockRatio, long reasons, int processes, DiagnosisState expected) {
        return Arguments.of(why, new Diagnosis.Input(kernel, sm, tensor, dram, nvlink, NA, clockRatio, reasons,
                processes), expected);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void gpuState(String why, Diagnosis.Input in, DiagnosisState expected) {
        assertEquals(expected, Diagnosis.ofGpu(in), why);
    }

    static Stream<Arguments> workloads() {
        return Stream.of(
                Arguments.of(List.of(), DiagnosisState.UNKNOWN),
                Arguments.of(List.of(DiagnosisState.COMPUTE_BOUND, DiagnosisState.COMPUTE_BOUND,
                        DiagnosisState.THROTTLED), DiagnosisState.COMPUTE_BOUND),
                // a tie goes to the rule tried first (the more specific explanation)
                Arguments.of(List.of(DiagnosisState.COMPUTE_BOUND, DiagnosisState.THROTTLED), DiagnosisState.THROTTLED),
                Arguments.of(List.of(DiagnosisState.INPUT_BOUND, DiagnosisState.INPUT_BOUND, DiagnosisState.IDLE),
                        DiagnosisState.INPUT_BOUND));
    }

    @ParameterizedTest
    @MethodSource("workloads")
    void workloadStateIsTheMajorityOfItsGpus(List<DiagnosisState> gpus, DiagnosisState expected) {
        assertEquals(expected, Diagnosis.ofWorkload(gpus));
    }
}
