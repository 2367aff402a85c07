package io.flopwatch.telemetry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.nvml.jna.SimulatorControl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same recovery through the real bindings and the simulated library (docs/simulator.md,
 * "Fault injection"): from simulated t = 10 s to 20 s every utilization read on every GPU and
 * every init return NVML_ERROR_DRIVER_NOT_LOADED (9), as with the kernel module unloaded. The
 * test moves the simulator's frozen clock across the window and the sampler's FakeTicker past
 * the backoff; nothing waits on real time.
 */
class SimulatedDriverLossTest {

    @TempDir
    Path dir;

    @AfterEach
    void runClock() {
        SimulatorControl.runClock();
    }

    private Path scenario() throws Exception {
        StringBuilder s = new StringBuilder("""
                fault nvmlInit_v2 device=all return=DRIVER_NOT_LOADED from=10 to=20
                fault nvmlDeviceGetUtilizationRates device=all return=DRIVER_NOT_LOADED from=10 to=20
                """);
        for (int i = 0; i < 2; i++) {
            s.append("device\nname Test GPU (Simulated)\nuuid GPU-7e570000-0000-4000-8000-00000000000").append(i)
                    .append("\npci_bus_id 00000000:0").append(i + 1).append(":00.0\narchitecture hopper\n")
                    .append("memory_total_bytes 80GiB\npower_mw 300000\ntemperature_c 50\ngpu_util_percent 10\n");
        }
        Path file = dir.resolve("driver-loss.scenario");
        Files.writeString(file, s);
        return file;
    }

    @Test
    void driverNotLoadedInTheWindowThenBack() throws Exception {
        SimulatorControl.freezeClockAt(5);
        NvmlSource source = NvmlSource.simulated(scenario());
        FakeTicker ticker = new FakeTicker();
        try (Sampler sampler = new Sampler(source::open, Collectors.builtIn(Set.of(Collectors.DEVICE)),
                Duration.ofSeconds(1), Duration.ofSeconds(30), ticker, SamplerTest.NO_ANALYSIS)) {
            Snapshot up = sampler.cycle();
            assertTrue(up.nvmlUp(), up.nvmlReason());
            assertEquals(2, up.gpus().size());
            assertTrue(up.gpus().stream().allMatch(GpuRecord::up));

            SimulatorControl.freezeClockAt(15); // the driver is gone
            ticker.advance(Duration.ofSeconds(1));
            Snapshot lost = sampler.cycle();
            assertFalse(lost.nvmlUp());
            assertTrue(lost.nvmlReason().contains("nvmlDeviceGetUtilizationRates"), lost.nvmlReason());
            assertTrue(lost.nvmlReason().contains("NVML error 9"), lost.nvmlReason());
            assertEquals(List.of(), lost.gpus());

            ticker.advance(Duration.ofSeconds(1));
            Snapshot retrying = sampler.cycle(); // the reopen fails: init returns 9 in the window
            assertFalse(retrying.nvmlUp());
            assertTrue(retrying.nvmlReason().contains("9"), retrying.nvmlReason());

            SimulatorControl.freezeClockAt(25); // the driver is back
            ticker.advance(Duration.ofSeconds(1)); // the first backoff (1 s) has passed
            Snapshot back = sampler.cycle();
            assertTrue(back.nvmlUp(), back.nvmlReason());
            assertEquals(2, back.gpus().size());
            assertTrue(back.gpus().stream().allMatch(GpuRecord::up), back.gpus().toString());
            assertTrue(back.gpus().get(1).sample().isPresent());
        }
    }
}
