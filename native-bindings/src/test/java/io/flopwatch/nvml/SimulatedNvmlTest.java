package io.flopwatch.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.nvml.jna.SimulatorControl;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every function the bindings map, called through JNA against the simulated library playing
 * scenarios/two-devices.scenario. Expected values come from that file (whose comments cite
 * datasheets); unit conversions are the bindings' (mW → W, mJ → J, MHz → Hz).
 * The simulated clock is frozen at {@value #T} s so the time-dependent values are exact.
 */
class SimulatedNvmlTest {

    static final double T = 2.0;
    static final long MIB = 1L << 20;
    static final long GIB = 1L << 30;

    private NvmlSession nvml;

    static Path scenario(String name) {
        try {
            return Path.of(SimulatedNvmlTest.class.getResource("/scenarios/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void open() {
        SimulatorControl.freezeClockAt(T);
        nvml = NvmlSource.simulated(scenario("two-devices.scenario")).open();
    }

    @AfterEach
    void close() {
        nvml.close();
        SimulatorControl.runClock();
    }

    @Test
    void systemVersions() {
        SystemInfo system = nvml.system();
        assertEquals(new SystemInfo("535.261.03", "12.535.261.03", OptionalInt.of(12020), true), system);
        assertEquals(OptionalInt.of(12), system.cudaMajor());
        assertEquals(OptionalInt.of(2), system.cudaMinor());
        assertTrue(nvml.simulated());
    }

    @Test
    void identityOfTheHopper() {
        assertEquals(2, nvml.deviceCount());
        GpuIdentity id = nvml.identity(0);
        assertEquals(new GpuIdentity(0, "GPU-5afe0000-0000-4000-8000-000000000000", "NVIDIA H100 80GB HBM3 (Simulated)",
                Optional.of("1650000000001"), "00000000:18:00.0", 0x233010DEL, 0x16C110DEL, GpuArchitecture.HOPPER,
                OptionalLong.of(9), OptionalInt.of(9), OptionalInt.of(0), OptionalInt.of(16896), OptionalInt.of(0),
                OptionalLong.of(81559 * MIB), OptionalInt.of(0), OptionalInt.of(0), id.supportedEventTypes(), true), id);
        assertTrue((id.supportedEventTypes().orElseThrow() & DeviceEvent.XID_CRITICAL_ERROR) != 0);
        assertEquals(GpuArchitecture.AMPERE, nvml.identity(1).architecture());
    }

    @Test
    void lookupByUuidAndPciBusId() {
        assertEquals(OptionalInt.of(1), nvml.indexOfUuid("GPU-5afe0001-0000-4000-8000-000000000001"));
        assertEquals(OptionalInt.of(0), nvml.indexOfPciBusId("00000000:18:00.0"));
        assertEquals(OptionalInt.empty(), nvml.indexOfUuid("GPU-00000000-0000-0000-0000-000000000000"));
    }

    @Test
    void sampleOfTheHopperInSiUnits() {
        DeviceSample s = nvml.sample(0);
        assertTrue(s.simulated());
        assertEquals(new DeviceSample.Utilization(OptionalInt.of(97), OptionalInt.of(45), OptionalInt.of(0), OptionalInt.of(0)),
                s.utilization());
        long total = 81559 * MIB;
        assertEquals(new DeviceSample.Memory(OptionalLong.of(total), OptionalLong.of(40 * GIB), OptionalLong.of(total - 40 * GIB),
                OptionalLong.of(512 * MIB), OptionalLong.of(128 * GIB), OptionalLong.of(2 * MIB),
                OptionalLong.of(128 * GIB - 2 * MIB)), s.memory());
        assertEquals(new DeviceSample.Clocks(hz(1755), hz(1755), hz(2619), hz(1545), hz(1980), hz(1980), hz(2619),
                hz(1755), hz(2619), OptionalInt.of(0), OptionalLong.of(0x4)), s.clocks());
        // energy = energy_offset_mj + power_mw × t = 1 000 000 mJ + 650 000 mW × 2 s = 2 300 000 mJ
        assertEquals(new DeviceSample.Power(OptionalDouble.of(650.0), OptionalDouble.of(700.0), OptionalDouble.of(700.0),
                OptionalDouble.of(2300.0)), s.power());
        // No fan in the scenario: NOT_SUPPORTED becomes an absent value.
        assertEquals(new DeviceSample.Thermal(OptionalInt.of(62), OptionalInt.empty()), s.thermal());
        assertEquals(new DeviceSample.Pcie(OptionalLong.of(2048), OptionalLong.of(4096), OptionalInt.of(5), OptionalInt.of(16),
                OptionalInt.of(5), OptionalInt.of(16)), s.pcie());
    }

    private static OptionalLong hz(long mhz) {
        return OptionalLong.of(mhz * 1_000_000L);
    }

    @Test
    void fieldValues() {
        List<FieldValue> values = nvml.fieldValues(0, List.of(
                new FieldValue.Request(165, 1),
                new FieldValue.Request(FieldValue.NVLINK_THROUGHPUT_DATA_TX, 0xFFFFFFFF),
                new FieldValue.Request(9999, 0)));
        assertEquals(3, values.size());
        assertEquals(NvmlReturn.SUCCESS, values.get(0).result());
        assertEquals(1, values.get(0).valueType());
        assertEquals(OptionalLong.of(1), values.get(0).longValue());
        // 1 700 000 000 s epoch + 2 s, in µs
        assertEquals(1_700_000_002_000_000L, values.get(0).timestampMicros());
        // cumulative KiB = 18 432 000 KiB/s × 2 s
        assertEquals(OptionalLong.of(36_864_000L), values.get(1).longValue());
        assertEquals(NvmlReturn.ERROR_NOT_SUPPORTED, values.get(2).result());
        assertEquals(OptionalLong.empty(), values.get(2).longValue());
    }

    @Test
    void processesAndProcessUtilization() {
        assertEquals(List.of(
                new GpuProcess(4242, OptionalLong.of(38 * GIB), OptionalInt.empty(), OptionalInt.empty()),
                new GpuProcess(4243, OptionalLong.of(GIB), OptionalInt.empty(), OptionalInt.empty())),
                nvml.computeProcesses(0));
        assertEquals(List.of(), nvml.computeProcesses(1));
        assertEquals(List.of(new ProcessUtilization(4242, 1_700_000_002_000_000L, 90, 40, 0, 0)),
                nvml.processUtilization(0, 0));
        // Nothing newer than the sample's own timestamp: NOT_FOUND means "no samples".
        assertEquals(List.of(), nvml.processUtilization(0, 1_700_000_002_000_000L));
    }

    @Test
    void reliability() {
        assertEquals(new Reliability(OptionalLong.of(3), OptionalLong.of(0), OptionalLong.of(10), OptionalLong.of(1),
                OptionalInt.empty(), OptionalInt.empty(), OptionalInt.of(2), OptionalInt.of(1), OptionalInt.of(0),
                OptionalInt.of(0)), nvml.reliability(0));
    }

    @Test
    void nvlinkStates() {
        assertEquals(18, nvml.nvlinkActive(0).size());
        assertTrue(nvml.nvlinkActive(0).stream().allMatch(b -> b));
        List<Boolean> a100 = nvml.nvlinkActive(1);
        assertEquals(12, a100.size());
        assertFalse(a100.get(11));
        assertTrue(a100.get(10));
    }

    @Test
    void gpmOnHopperOnly() {
        assertTrue(nvml.gpmSupported(0));
        assertFalse(nvml.gpmSupported(1));
        int[] ids = {GpmMetric.SM_UTIL, GpmMetric.ANY_TENSOR_UTIL, GpmMetric.DRAM_BW_UTIL};
        assertEquals(List.of(), nvml.gpmMetrics(0, OptionalInt.empty(), ids), "first sample: no interval yet");
        List<GpmMetric> metrics = nvml.gpmMetrics(0, OptionalInt.empty(), ids);
        assertEquals(3, metrics.size());
        assertEquals(OptionalDouble.of(88), metrics.get(0).value());
        assertEquals(OptionalDouble.of(55), metrics.get(1).value());
        assertEquals(OptionalDouble.of(35), metrics.get(2).value());
        assertEquals(GpmMetric.SM_UTIL, metrics.get(0).metricId());
        assertFalse(metrics.get(0).shortName().isEmpty(), "the simulator names its metrics");
        // The A100 has no GPM: absent, not an error.
        assertEquals(List.of(), nvml.gpmMetrics(1, OptionalInt.empty(), ids));
        assertEquals(List.of(), nvml.gpmMetrics(1, OptionalInt.empty(), ids));
        // MIG is off on the Hopper: nvmlGpmMigSampleGet is NOT_SUPPORTED → absent.
        assertEquals(List.of(), nvml.gpmMetrics(0, OptionalInt.of(1), ids));
    }

    @Test
    void xidEventsAreDeliveredOnce() {
        try (NvmlSession.EventWatcher events = nvml.watchEvents(DeviceEvent.XID_CRITICAL_ERROR)) {
            DeviceEvent xid = events.await(Duration.ofSeconds(5)).orElseThrow();
            assertEquals(new DeviceEvent(0, DeviceEvent.XID_CRITICAL_ERROR, 79, OptionalInt.empty(), OptionalInt.empty()), xid);
            assertTrue(xid.isXid());
            assertEquals(Optional.empty(), events.await(Duration.ZERO));
        }
    }

    @Test
    void aWaitingWatcherDoesNotBlockSamplingAndSeesTheXidWhenItsTimeComes() throws Exception {
        SimulatorControl.freezeClockAt(0.5); // the scenario's Xid 79 is at 1.0 s
        ExecutorService waiter = Executors.newSingleThreadExecutor();
        try (NvmlSession.EventWatcher events = nvml.watchEvents(DeviceEvent.XID_CRITICAL_ERROR)) {
            CountDownLatch waiting = new CountDownLatch(1);
            Future<Optional<DeviceEvent>> next = waiter.submit(() -> {
                waiting.countDown();
                return events.await(Duration.ofSeconds(10));
            });
            waiting.await();
            assertEquals(OptionalInt.of(97), nvml.sample(0).utilization().gpuPercent());
            SimulatorControl.freezeClockAt(1.5);
            assertEquals(79, next.get(10, TimeUnit.SECONDS).orElseThrow().eventData());
        } finally {
            waiter.shutdownNow();
        }
    }

    @Test
    void concurrentCallersReadConsistentSamples() throws Exception {
        DeviceSample expected = nvml.sample(0);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int device = t % 2;
                DeviceSample reference = device == 0 ? expected : nvml.sample(1);
                results.add(pool.submit(() -> {
                    for (int k = 0; k < 100; k++) {
                        if (!nvml.sample(device).equals(reference)) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> r : results) {
                assertTrue(r.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClosedSessionRefusesCalls() {
        nvml.close();
        assertThrows(IllegalStateException.class, () -> nvml.sample(0));
        nvml.close(); // idempotent
    }

    @Test
    void anotherScenarioWhileOneIsOpenIsRefused() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> NvmlSource.simulated(scenario("faults.scenario")).open());
        assertTrue(e.getMessage().contains("close its sessions"), e.getMessage());
        // The same scenario may be shared.
        try (NvmlSession second = NvmlSource.simulated(scenario("two-devices.scenario")).open()) {
            assertEquals(2, second.deviceCount());
        }
        assertEquals(2, nvml.deviceCount());
    }
}
