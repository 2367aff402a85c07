package io.flopwatch.nvml.jna;

import com.sun.jna.Function;
import io.flopwatch.nvml.NvmlUnavailableException;
import java.util.List;

/**
 * The simulated library's clock control ({@code flopwatchSimSetFrozenClock}, docs/simulator.md):
 * tests freeze simulated time so that every reader sees the same values and fault windows are
 * entered deterministically. Loads the simulated library if needed; never touches a real one.
 */
public final class SimulatorControl {
    private SimulatorControl() {
    }

    /** Simulated time stands at {@code seconds} after nvmlInit until changed. */
    public static void freezeClockAt(double seconds) {
        if (!(seconds >= 0) || Double.isInfinite(seconds)) {
            throw new IllegalArgumentException("frozen clock must be finite and >= 0: " + seconds);
        }
        function().invokeVoid(new Object[] {seconds});
    }

    /** Simulated time runs again (or follows FLOPWATCH_SIM_CLOCK / the scenario's clock line). */
    public static void runClock() {
        function().invokeVoid(new Object[] {-1.0});
    }

    private static Function function() {
        Function f = NvmlLoader.load(List.of(NvmlLoader.SIMULATED_NAME)).functionOrNull("flopwatchSimSetFrozenClock");
        if (f == null) {
            throw new NvmlUnavailableException("flopwatchSimSetFrozenClock", -1, "symbol not found",
                    "the simulated NVML library has no clock control", null);
        }
        return f;
    }
}
