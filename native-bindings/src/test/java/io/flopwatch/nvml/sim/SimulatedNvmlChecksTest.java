package io.flopwatch.nvml.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Runs src/test/python/sim_checks.py: NVML semantics of the simulated library (init reference
 * count, error codes, buffer-size protocol), fault injection (error code, delay, hang window
 * that blocks one device only), cumulative counters, GPM interval means for metrics arrays of
 * 98/210/333 entries, and Xid events. It drives a frozen simulated clock, so it does not
 * depend on the machine's speed.
 */
class SimulatedNvmlChecksTest {
    @Test
    void simulatorChecksPass() {
        PythonRun.Result result = PythonRun.run(Map.of(),
                PythonRun.command(PythonRun.script("sim_checks.py"),
                                "--lib", PythonRun.simulatedLibrary().toString(),
                                "--scenarios", PythonRun.scenario("two-devices.scenario").getParent().toString())
                        .toArray(String[]::new));
        assertEquals(0, result.exitStatus(), result.output());
    }
}
