package io.flopwatch.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.nvml.jna.SimulatorControl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Return codes injected by the simulator's faults become exceptions or absent values exactly
 * as the binding boundary promises (docs/nvml-bindings.md, "Errors").
 */
class SimulatedFaultsTest {

    @TempDir
    Path dir;

    @AfterEach
    void runClock() {
        SimulatorControl.runClock();
    }

    private Path scenario(String faults) throws IOException {
        Path file = dir.resolve("test.scenario");
        Files.writeString(file, faults + "\n"
                + "device\nname Test GPU (Simulated)\nuuid GPU-7e570000-0000-4000-8000-000000000000\n"
                + "pci_bus_id 00000000:01:00.0\narchitecture hopper\nmemory_total_bytes 80GiB\n"
                + "memory_reserved_bytes 1GiB\npower_mw 300000\ntemperature_c 50\ngpu_util_percent 10\n");
        return file;
    }

    @Test
    void aGpuLostInTheWindowIsAnExceptionWithNvmlsMessage() {
        SimulatorControl.freezeClockAt(15);
        try (NvmlSession nvml = NvmlSource.simulated(SimulatedNvmlTest.scenario("faults.scenario")).open()) {
            NvmlException e = assertThrows(NvmlException.class, () -> nvml.sample(0));
            assertEquals("nvmlDeviceGetPowerUsage", e.function());
            assertEquals(15, e.returnCode());
            assertEquals("GPU is lost", e.errorString());
            assertEquals("nvmlDeviceGetPowerUsage: NVML error 15: GPU is lost", e.getMessage());
            assertEquals(NvmlReturn.ERROR_GPU_IS_LOST, NvmlReturn.of(e.returnCode()));

            SimulatorControl.freezeClockAt(5); // before the window
            assertEquals(OptionalDouble.of(100.0), nvml.sample(0).power().usageWatts());

            SimulatorControl.freezeClockAt(40); // utilization fault, every device, from 40 s on
            NvmlException util = assertThrows(NvmlException.class, () -> nvml.sample(1));
            assertEquals("nvmlDeviceGetUtilizationRates", util.function());
        }
    }

    @Test
    void anInjectedDelayIsSatThrough() {
        SimulatorControl.freezeClockAt(5);
        try (NvmlSession nvml = NvmlSource.simulated(SimulatedNvmlTest.scenario("faults.scenario")).open()) {
            // faults.scenario delays nvmlDeviceGetTemperature by 200 ms on every device. A lower
            // bound only: the simulator sleeps at least that long, so this cannot flake.
            long start = System.nanoTime();
            DeviceSample s = nvml.sample(1);
            long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(OptionalInt.of(41), s.thermal().gpuTemperatureCelsius());
            assertTrue(elapsedMillis >= 200, "sample returned after " + elapsedMillis + " ms, before the injected delay");
        }
    }

    @Test
    void aHungCallHoldsUpOnlyItsOwnDevice() throws Exception {
        SimulatorControl.freezeClockAt(35); // inside the window in which device 1's clock reading hangs
        try (NvmlSession nvml = NvmlSource.simulated(SimulatedNvmlTest.scenario("faults.scenario")).open()) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Future<DeviceSample> hung = pool.submit(() -> nvml.sample(1));
                // Device 0 must answer while device 1's call is stuck in the driver. The timeout
                // only bounds a failing run; nothing is asserted about how long it took.
                DeviceSample other = pool.submit(() -> nvml.sample(0)).get(60, TimeUnit.SECONDS);
                assertEquals(OptionalDouble.of(100.0), other.power().usageWatts());
                assertTrue(!hung.isDone(), "device 1's call should still be hanging");

                SimulatorControl.freezeClockAt(40); // the hang window ends; the stuck call returns
                try {
                    hung.get(60, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    assertTrue(e.getCause() instanceof NvmlException, e.toString());
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void gpmSupportIsAskedOncePerSessionButAFailedQueryAgain() throws IOException {
        // GPM support is a property of the GPU and the driver, asked once per device and session;
        // a query that failed (here UNKNOWN between 10 and 20 s) is not remembered.
        Path file = scenario("fault nvmlGpmQueryDeviceSupport return=UNKNOWN from=10 to=20");
        Files.writeString(file, Files.readString(file) + "gpm on\n");
        SimulatorControl.freezeClockAt(15);
        try (NvmlSession nvml = NvmlSource.simulated(file).open()) {
            assertEquals("nvmlGpmQueryDeviceSupport", assertThrows(NvmlException.class, () -> nvml.gpmSupported(0)).function());
            SimulatorControl.freezeClockAt(25);
            assertTrue(nvml.gpmSupported(0), "asked again after the failure");
            SimulatorControl.freezeClockAt(15);
            assertTrue(nvml.gpmSupported(0), "remembered: not asked again, so the fault is not hit");
        }
    }

    @ParameterizedTest(name = "{0} from {1} → absent")
    @CsvSource({
        "NO_PERMISSION, nvmlDeviceGetPowerUsage",
        "NOT_SUPPORTED, nvmlDeviceGetPowerUsage",
        "13, nvmlDeviceGetPowerUsage", // FUNCTION_NOT_FOUND
    })
    void absentCodesBecomeAbsentValues(String code, String function) throws IOException {
        try (NvmlSession nvml = NvmlSource.simulated(scenario("fault " + function + " return=" + code)).open()) {
            DeviceSample s = nvml.sample(0);
            assertEquals(OptionalDouble.empty(), s.power().usageWatts());
            assertEquals(OptionalInt.of(50), s.thermal().gpuTemperatureCelsius(), "other readings unaffected");
        }
    }

    @Test
    void fieldValuesRefusedAsAWholeCarryTheCallsCode() throws IOException {
        try (NvmlSession nvml = NvmlSource.simulated(scenario("fault nvmlDeviceGetFieldValues return=NO_PERMISSION")).open()) {
            List<FieldValue> values = nvml.fieldValues(0, List.of(new FieldValue.Request(FieldValue.NVLINK_THROUGHPUT_DATA_TX, 0)));
            assertEquals(1, values.size());
            assertEquals(NvmlReturn.ERROR_NO_PERMISSION, values.get(0).result());
            assertEquals(OptionalLong.empty(), values.get(0).longValue());
        }
    }

    @Test
    void memoryFallsBackToV1WhenV2IsNotSupported() throws IOException {
        try (NvmlSession nvml = NvmlSource.simulated(scenario("fault nvmlDeviceGetMemoryInfo_v2 return=NOT_SUPPORTED")).open()) {
            DeviceSample.Memory m = nvml.sample(0).memory();
            assertEquals(OptionalLong.of(80L << 30), m.totalBytes());
            assertEquals(OptionalLong.empty(), m.reservedBytes(), "only v2 reports the reserved amount");
        }
    }

    @ParameterizedTest(name = "init {0}")
    @CsvSource(delimiter = '|', value = {
        "9  | NVIDIA driver not loaded (NVML error 9: Driver Not Loaded)",
        "4  | no permission to use the NVIDIA GPUs (NVML error 4: Insufficient Permissions)",
        "18 | NVIDIA driver and NVML library versions differ (reload the driver or reboot) (NVML error 18: Driver/library version mismatch)",
    })
    void initFailuresThatMeanNoGpuAreUnavailable(int code, String message) throws IOException {
        Path file = scenario("fault nvmlInit_v2 return=" + code);
        NvmlUnavailableException e = assertThrows(NvmlUnavailableException.class, () -> NvmlSource.simulated(file).open());
        assertEquals(message, e.getMessage());
        assertEquals(code, e.returnCode());
    }

    @Test
    void anUnreadableScenarioSaysWhere() throws IOException {
        Path file = dir.resolve("broken.scenario");
        Files.writeString(file, "device\nbogus_key 1\n");
        NvmlException e = assertThrows(NvmlException.class, () -> NvmlSource.simulated(file).open());
        assertEquals(999, e.returnCode());
        assertTrue(e.getMessage().contains("broken.scenario"), e.getMessage());
        // The failed open left no session behind: another scenario opens.
        try (NvmlSession nvml = NvmlSource.simulated(scenario("")).open()) {
            assertEquals(1, nvml.deviceCount());
        }
    }
}
