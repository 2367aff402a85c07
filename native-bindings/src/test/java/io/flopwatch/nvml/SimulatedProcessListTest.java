package io.flopwatch.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flopwatch.nvml.jna.SimulatorControl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Process lists longer than the bindings' per-thread buffer (16 entries): NVML answers
 * INSUFFICIENT_SIZE with the count it needs, the bindings grow the buffer and read again, and
 * every process arrives, in NVML's order, on the first and on later calls. The scenario is
 * two-devices.scenario with 30 more processes on device 0 (the simulator holds up to 32).
 */
class SimulatedProcessListTest {
    static final long GIB = 1L << 30;
    static final int EXTRA = 30;

    private NvmlSession nvml;

    @AfterEach
    void close() {
        if (nvml != null) {
            nvml.close();
        }
        SimulatorControl.runClock();
    }

    @Test
    void processListsLongerThanTheBufferArriveWhole(@TempDir Path dir) throws IOException {
        StringBuilder extra = new StringBuilder();
        for (int i = 0; i < EXTRA; i++) {
            extra.append("process ").append(5000 + i).append(" used_bytes=").append(i + 1).append("GiB sm=").append(i)
                    .append(" mem=").append(2 * i).append(" enc=0 dec=0\n");
        }
        String base = Files.readString(SimulatedNvmlTest.scenario("two-devices.scenario"));
        String anchor = "process 4243 used_bytes=1GiB\n";
        Path scenario = dir.resolve("many-processes.scenario");
        Files.writeString(scenario, base.replace(anchor, anchor + extra));
        SimulatorControl.freezeClockAt(SimulatedNvmlTest.T);
        nvml = NvmlSource.simulated(scenario).open();

        List<GpuProcess> expected = new ArrayList<>();
        expected.add(new GpuProcess(4242, OptionalLong.of(38 * GIB), OptionalInt.empty(), OptionalInt.empty()));
        expected.add(new GpuProcess(4243, OptionalLong.of(GIB), OptionalInt.empty(), OptionalInt.empty()));
        List<ProcessUtilization> samples = new ArrayList<>();
        // The scenario's epoch (1700000000 s) plus the frozen clock (2 s), in µs.
        long ts = 1_700_000_002_000_000L;
        samples.add(new ProcessUtilization(4242, ts, 90, 40, 0, 0));
        for (int i = 0; i < EXTRA; i++) {
            expected.add(new GpuProcess(5000 + i, OptionalLong.of((i + 1) * GIB), OptionalInt.empty(), OptionalInt.empty()));
            samples.add(new ProcessUtilization(5000 + i, ts, i, 2 * i, 0, 0));
        }
        for (int call = 0; call < 2; call++) { // the second call reads into the grown buffer
            assertEquals(expected, nvml.computeProcesses(0));
            assertEquals(samples, nvml.processUtilization(0, 0));
            assertEquals(List.of(), nvml.computeProcesses(1));
        }
        assertEquals(List.of(), nvml.processUtilization(0, ts));
    }
}
