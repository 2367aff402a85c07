package io.flopwatch.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flopwatch.nvml.jna.SimulatorControl;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * MIG through the bindings against the simulated library playing scenarios/mig.scenario (clock
 * frozen): enumeration of MIG devices, their identity, memory and processes read through MIG
 * device handles, GPM samples per GPU instance, and the NVML semantics nvml.h documents for a
 * MIG-enabled GPU (no device or process utilization). Expected values come from the scenario.
 */
class SimulatedMigTest {

    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;

    private NvmlSession nvml;

    @BeforeEach
    void open() {
        SimulatorControl.freezeClockAt(2.0);
        nvml = NvmlSource.simulated(SimulatedNvmlTest.scenario("mig.scenario")).open();
    }

    @AfterEach
    void close() {
        nvml.close();
        SimulatorControl.runClock();
    }

    @Test
    void migDevicesAreEnumeratedWithTheirIdentityMemoryAndProcesses() {
        List<MigDevice> migs = nvml.migDevices(0);
        assertEquals(4, migs.size());
        MigDevice first = migs.get(0);
        assertEquals(0, first.parentIndex());
        assertEquals(0, first.migIndex());
        assertEquals("MIG-5afe0000-0000-4000-8000-00000000a110", first.uuid());
        assertEquals("NVIDIA H100 80GB HBM3 (Simulated) MIG 2c.3g.40gb", first.name());
        assertEquals(Optional.of("2c.3g.40gb"), first.profile());
        assertEquals(List.of(1, 0), List.of(first.gpuInstanceId(), first.computeInstanceId()));
        assertEquals(OptionalInt.of(3), first.gpuInstanceSliceCount());
        assertEquals(OptionalInt.of(2), first.computeInstanceSliceCount());
        assertEquals(OptionalInt.of(40), first.multiprocessorCount());
        assertEquals(OptionalLong.of(40448 * MIB), first.memoryTotalBytes());
        assertEquals(OptionalLong.of(30 * GIB), first.memoryUsedBytes());
        assertEquals(List.of(new GpuProcess(4100, OptionalLong.of(20 * GIB), OptionalInt.of(1), OptionalInt.of(0))),
                first.processes());

        MigDevice second = migs.get(1);
        assertEquals(List.of(1, 1), List.of(second.gpuInstanceId(), second.computeInstanceId()));
        assertEquals(List.of(4101L), second.processes().stream().map(GpuProcess::pid).toList());

        MigDevice gi5 = migs.get(2);
        assertEquals(Optional.of("2g.20gb"), gi5.profile());
        assertEquals(OptionalInt.of(2), gi5.gpuInstanceSliceCount());
        assertEquals(OptionalInt.of(2), gi5.computeInstanceSliceCount());
        // No sm_count in the scenario: 132 SMs × 2 of 7 slices, rounded down.
        assertEquals(OptionalInt.of(132 * 2 / 7), gi5.multiprocessorCount());

        MigDevice idle = migs.get(3);
        assertEquals(OptionalLong.of(0), idle.memoryUsedBytes());
        assertEquals(List.of(), idle.processes());
    }

    @Test
    void theGpuHandleAggregatesProcessesOfEveryInstance() {
        // nvml.h: "In MIG mode, if device handle is provided, the API returns aggregate information".
        assertEquals(List.of(4100L, 4101L, 4500L), nvml.computeProcesses(0).stream().map(GpuProcess::pid).toList());
    }

    @Test
    void deviceUtilizationIsNotSupportedWhileMigIsOn() {
        // nvml.h: "On MIG-enabled GPUs, querying device utilization rates is not currently supported."
        assertEquals(OptionalInt.empty(), nvml.sample(0).utilization().gpuPercent());
        assertEquals(List.of(), nvml.processUtilization(0, 0));
        assertEquals(OptionalDouble.of(400.0), nvml.sample(0).power().usageWatts(), "other readings unaffected");
        // MIG pending only: still a whole GPU with utilization and no MIG devices.
        assertEquals(OptionalInt.of(12), nvml.sample(1).utilization().gpuPercent());
        assertEquals(List.of(), nvml.migDevices(1));
        assertEquals(OptionalInt.of(1), nvml.identity(0).migModeCurrent());
        assertEquals(OptionalInt.of(0), nvml.identity(1).migModeCurrent());
    }

    @Test
    void gpmSamplesEachGpuInstanceSeparately() {
        int[] ids = {GpmMetric.SM_UTIL, GpmMetric.ANY_TENSOR_UTIL};
        assertEquals(List.of(), nvml.gpmMetrics(0, OptionalInt.of(1), ids), "first sample: no interval yet");
        assertEquals(List.of(), nvml.gpmMetrics(0, OptionalInt.of(5), ids));
        assertEquals(List.of(), nvml.gpmMetrics(0, OptionalInt.empty(), ids));
        assertEquals(List.of(OptionalDouble.of(88), OptionalDouble.of(61)), values(nvml.gpmMetrics(0, OptionalInt.of(1), ids)));
        assertEquals(List.of(OptionalDouble.of(40), OptionalDouble.of(0)), values(nvml.gpmMetrics(0, OptionalInt.of(5), ids)));
        assertEquals(OptionalDouble.of(55), nvml.gpmMetrics(0, OptionalInt.empty(), ids).get(0).value(), "the device's own");
    }

    @Test
    void aMigUuidIsNotAGpuIndex() {
        assertEquals(OptionalInt.of(0), nvml.indexOfUuid("GPU-5afe0000-0000-4000-8000-00000000a100"));
        assertEquals(OptionalInt.empty(), nvml.indexOfUuid("MIG-5afe0000-0000-4000-8000-00000000a150"));
    }

    private static List<OptionalDouble> values(List<GpmMetric> metrics) {
        return metrics.stream().map(GpmMetric::value).toList();
    }
}
