package io.flopwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.nvml.NvmlSource;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent that fails to build (here: its port is taken) gives back the NVML session that
 * {@link EarlyNvmlOpener} opened ahead for it: the simulated library, which plays one scenario
 * at a time, then opens another one in the same JVM, as the drills that follow in a test run do.
 */
class EarlySessionReleaseTest {

    @Test
    void aFailedStartLeavesNoSessionOpen(@TempDir Path dir) throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            int rc = Main.execute(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), "demo",
                    "--port", Integer.toString(taken.getLocalPort()), "--duration", "1");
            assertEquals(ExitStatus.BAD_INPUT.code(), rc);
        }
        Path other = Files.copy(NvmlOptions.demoScenario(), dir.resolve("other.scenario"));
        // The early session is closed once its open has finished, on that open's thread: bounded wait.
        IllegalStateException last = null;
        for (int i = 0; i < 200; i++) {
            try (NvmlSession s = NvmlSource.simulated(other).open()) {
                assertEquals(8, s.deviceCount());
                return;
            } catch (IllegalStateException e) {
                last = e; // "the simulated NVML library is playing …; close its sessions before opening …"
                Thread.sleep(50);
            }
        }
        throw new AssertionError("the early session of the failed agent was never closed", last);
    }
}
