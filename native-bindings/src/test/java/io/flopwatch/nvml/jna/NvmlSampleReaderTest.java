package io.flopwatch.nvml.jna;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flopwatch.nvml.DeviceSample;
import io.flopwatch.nvml.NvmlException;
import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.nvml.NvmlSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The C sample reader (NvmlSampleReader) gives exactly what the JNA path gives: same values,
 * same absent fields, same exception for the same first failing call. Both read the same
 * simulated node with the clock frozen (docs/simulator.md), so every value is identical.
 */
class NvmlSampleReaderTest {

    private static final Path DEMO = Path.of("../config/scenarios/demo-8x-h100-training.scenario");

    /**
     * Faults on the demo node (docs/simulator.md "fault"): absent codes on some calls of some
     * devices, the v2 memory struct refused (falls back to v1), and a GPU lost from t = 20 s.
     */
    private static final String FAULTS = """
            fault nvmlDeviceGetFanSpeed device=1 return=NOT_SUPPORTED
            fault nvmlDeviceGetEncoderUtilization device=2 return=NO_PERMISSION
            fault nvmlDeviceGetPcieThroughput device=2 return=NOT_SUPPORTED
            fault nvmlDeviceGetMemoryInfo_v2 device=3 return=ARGUMENT_VERSION_MISMATCH
            fault nvmlDeviceGetMemoryInfo_v2 device=4 return=NOT_SUPPORTED
            fault nvmlDeviceGetMemoryInfo device=4 return=NOT_SUPPORTED
            fault nvmlDeviceGetApplicationsClock device=5 return=NOT_SUPPORTED
            fault nvmlDeviceGetTotalEnergyConsumption device=6 return=GPU_IS_LOST from=20
            fault nvmlDeviceGetUtilizationRates device=7 return=UNKNOWN from=20
            """;

    @TempDir
    Path dir;

    @AfterEach
    void runClock() {
        SimulatorControl.runClock();
    }

    private static NvmlSampleReader reader() {
        Optional<NvmlSampleReader> reader = NvmlSampleReader.shared();
        assumeTrue(reader.isPresent(), "the C sample reader is not built (target/classes/linux-x86-64)");
        return reader.get();
    }

    private Path demoWithFaults() throws IOException {
        assumeTrue(Files.isRegularFile(DEMO), "demo scenario not found at " + DEMO.toAbsolutePath());
        String demo = Files.readString(DEMO);
        int firstDevice = demo.indexOf("\ndevice\n");
        Path file = dir.resolve("demo-faults.scenario");
        Files.writeString(file, demo.substring(0, firstDevice + 1) + FAULTS + demo.substring(firstDevice + 1));
        return file;
    }

    private static JnaNvmlSession open(Path scenario, Optional<NvmlSampleReader> reader) {
        return JnaNvmlSession.open(List.of(NvmlLoader.SIMULATED_NAME), true, Optional.of(scenario), reader);
    }

    @ParameterizedTest
    @ValueSource(doubles = {5, 37.5, 123})
    void everyDeviceOfTheDemoNodeReadsTheSameThroughTheReader(double seconds) {
        NvmlSampleReader reader = reader();
        SimulatorControl.freezeClockAt(seconds);
        try (JnaNvmlSession jna = open(DEMO, Optional.empty()); JnaNvmlSession c = open(DEMO, Optional.of(reader))) {
            assertFalse(jna.usesSampleReader());
            assertTrue(c.usesSampleReader());
            assertEquals(8, c.deviceCount());
            for (int i = 0; i < 8; i++) {
                DeviceSample expected = jna.sample(i);
                assertEquals(expected, c.sample(i), "device " + i + " at t=" + seconds);
                // Sanity: the demo's values are there, not absent on both sides.
                assertTrue(expected.power().usageWatts().isPresent());
                assertTrue(expected.memory().reservedBytes().isPresent());
            }
        }
    }

    @Test
    void absentFieldsAndTheV1FallbackAreTheSame() throws IOException {
        NvmlSampleReader reader = reader();
        Path scenario = demoWithFaults();
        SimulatorControl.freezeClockAt(5);
        try (JnaNvmlSession jna = open(scenario, Optional.empty()); JnaNvmlSession c = open(scenario, Optional.of(reader))) {
            for (int i = 0; i < 8; i++) {
                assertEquals(jna.sample(i), c.sample(i), "device " + i);
            }
            DeviceSample s = c.sample(1);
            assertEquals(OptionalInt.empty(), s.thermal().fanSpeedPercent());
            assertEquals(OptionalInt.empty(), c.sample(2).utilization().encoderPercent());
            assertEquals(OptionalLong.empty(), c.sample(2).pcie().txKilobytesPerSecond());
            // v2 refused: v1 has no reserved, the rest is there.
            assertEquals(OptionalLong.empty(), c.sample(3).memory().reservedBytes());
            assertTrue(c.sample(3).memory().totalBytes().isPresent());
            assertEquals(OptionalLong.empty(), c.sample(4).memory().totalBytes());
            assertEquals(OptionalLong.empty(), c.sample(5).clocks().applicationsGraphicsHertz());
        }
    }

    @Test
    void anInjectedErrorIsTheSameException() throws IOException {
        NvmlSampleReader reader = reader();
        Path scenario = demoWithFaults();
        SimulatorControl.freezeClockAt(25);
        try (JnaNvmlSession jna = open(scenario, Optional.empty()); JnaNvmlSession c = open(scenario, Optional.of(reader))) {
            for (int device : new int[] {6, 7}) {
                NvmlException expected = assertThrows(NvmlException.class, () -> jna.sample(device));
                NvmlException actual = assertThrows(NvmlException.class, () -> c.sample(device));
                assertEquals(expected.getMessage(), actual.getMessage());
                assertEquals(expected.function(), actual.function());
                assertEquals(expected.returnCode(), actual.returnCode());
            }
            NvmlException lost = assertThrows(NvmlException.class, () -> c.sample(6));
            assertEquals("nvmlDeviceGetTotalEnergyConsumption", lost.function());
            assertEquals(15, lost.returnCode()); // NVML_ERROR_GPU_IS_LOST, nvml.h
            assertEquals("nvmlDeviceGetUtilizationRates", assertThrows(NvmlException.class, () -> c.sample(7)).function());
            assertEquals(jna.sample(0), c.sample(0));
        }
    }

    @Test
    void nvlinkStatesAreTheSameThroughTheReader() throws IOException {
        // Device 0: two links down; device 1: NVLink not supported (an empty list); device 2: an
        // injected absent code on the state call (empty); device 3: an injected error (the same
        // exception); the other devices: the demo's 18 active links.
        NvmlSampleReader reader = reader();
        assumeTrue(Files.isRegularFile(DEMO), "demo scenario not found at " + DEMO.toAbsolutePath());
        String demo = Files.readString(DEMO);
        String[] devices = demo.split("\ndevice\n", -1);
        devices[1] = devices[1].replace("nvlink_links 18\n", "nvlink_links 18\nnvlink_down 3 17\n");
        devices[2] = devices[2].replace("nvlink_links 18\n", "nvlink_links 0\n");
        Path file = dir.resolve("demo-links.scenario");
        Files.writeString(file, String.join("\ndevice\n", devices).replaceFirst("\ndevice\n",
                "\nfault nvmlDeviceGetNvLinkState device=2 return=NOT_SUPPORTED\n"
                        + "fault nvmlDeviceGetNvLinkState device=3 return=UNKNOWN\ndevice\n"));
        SimulatorControl.freezeClockAt(5);
        try (JnaNvmlSession jna = open(file, Optional.empty()); JnaNvmlSession c = open(file, Optional.of(reader))) {
            for (int i : new int[] {0, 1, 2, 4, 5, 6, 7}) {
                assertEquals(jna.nvlinkActive(i), c.nvlinkActive(i), "device " + i);
            }
            List<Boolean> device0 = c.nvlinkActive(0);
            assertEquals(18, device0.size());
            assertEquals(List.of(false, false), List.of(device0.get(3), device0.get(17)));
            assertEquals(16, device0.stream().filter(b -> b).count());
            assertEquals(List.of(), c.nvlinkActive(1));
            assertEquals(List.of(), c.nvlinkActive(2));
            assertEquals(18, c.nvlinkActive(4).size());
            NvmlException expected = assertThrows(NvmlException.class, () -> jna.nvlinkActive(3));
            NvmlException actual = assertThrows(NvmlException.class, () -> c.nvlinkActive(3));
            assertEquals(expected.getMessage(), actual.getMessage());
            assertEquals("nvmlDeviceGetNvLinkState", actual.function());
        }
    }

    @Test
    void withoutTheReaderLibraryTheSessionUsesTheJnaPath() {
        assertEquals(Optional.empty(), NvmlSampleReader.load("flopwatch-no-such-reader"));
        SimulatorControl.freezeClockAt(5);
        try (JnaNvmlSession jna = open(DEMO, NvmlSampleReader.load("flopwatch-no-such-reader"))) {
            assertFalse(jna.usesSampleReader());
            assertTrue(jna.sample(0).power().usageWatts().isPresent());
            assertTrue(jna.sample(0).clocks().smHertz().isPresent());
        }
    }

    @Test
    void theBuiltReaderIsWhatPublicSessionsUse() {
        // Guards the benchmark's premise: with the library built, the packaged reader loads and
        // NvmlSource's sessions read through it (no silent fallback to the JNA path).
        Path lib = Path.of("target/classes/linux-x86-64/libflopwatch-nvml-reader.so");
        assumeTrue(Files.isRegularFile(lib), "sample reader not built at " + lib.toAbsolutePath());
        assertTrue(NvmlSampleReader.shared().isPresent(), "built but not loaded: " + lib.toAbsolutePath());
        SimulatorControl.freezeClockAt(5);
        try (NvmlSession nvml = NvmlSource.simulated(DEMO).open()) {
            assertTrue(((JnaNvmlSession) nvml).usesSampleReader());
        }
    }

    @Test
    void theTableNamesOnlyGetCalls() {
        assertTrue(NvmlSampleReader.SYMBOLS.stream().allMatch(s -> s.startsWith("nvmlDeviceGet")), NvmlSampleReader.SYMBOLS.toString());
        assertEquals(23, NvmlSampleReader.SYMBOLS.size());
    }
}
