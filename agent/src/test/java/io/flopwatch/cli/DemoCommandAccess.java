package io.flopwatch.cli;

import java.nio.file.Path;

/** Lets tests in other packages build the demo's config and scenario as {@code flopwatch demo} does. */
public final class DemoCommandAccess {
    private DemoCommandAccess() {
    }

    public static String demoConfig(int port, String interval, String logFormat) {
        return DemoCommand.demoConfig(port, interval, logFormat);
    }

    public static Path demoScenario() {
        return NvmlOptions.demoScenario();
    }
}
