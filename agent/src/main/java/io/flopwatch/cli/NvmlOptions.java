package io.flopwatch.cli;

import io.flopwatch.config.InputError;
import io.flopwatch.nvml.NvmlSession;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.nvml.SimulatorScenarioException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * The {@code --simulate} option shared by the commands that read GPUs: without it they read
 * the system's NVML; with it, the simulated library plays a scenario (the shipped demo
 * scenario when no file is given).
 */
final class NvmlOptions {

    /** The scenario {@code --simulate} plays when given no file; packaged in the jar. */
    static final String DEMO_SCENARIO_RESOURCE = "config/scenarios/demo-8x-h100-training.scenario";

    @Option(names = "--simulate", arity = "0..1", fallbackValue = "", paramLabel = "SCENARIO",
            description = "Read the simulated NVML library playing SCENARIO (default: the shipped demo "
                    + "scenario, 8 simulated H100 SXM GPUs under a training load) instead of real GPUs.")
    String simulate;

    @Option(names = "--nvml-library", paramLabel = "PATH",
            description = "Load this NVML library instead of the system's libnvidia-ml.so.1 "
                    + "(also: environment variable FLOPWATCH_NVML_LIBRARY).")
    Path nvmlLibrary;

    NvmlSource source() {
        if (simulate == null) {
            return NvmlSource.system(Optional.ofNullable(nvmlLibrary));
        }
        if (nvmlLibrary != null) {
            throw new InputError("--nvml-library", 0, 0, null, "cannot be combined with --simulate");
        }
        if (simulate.isEmpty()) {
            return NvmlSource.simulated(demoScenario());
        }
        Path scenario = Path.of(simulate);
        if (!Files.isReadable(scenario)) {
            throw new InputError("--simulate", 0, 0, null, "scenario file " + scenario + " does not exist or is not readable");
        }
        return NvmlSource.simulated(scenario);
    }

    /**
     * Opens the chosen NVML. A scenario the simulator cannot play is the user's input error
     * (file and line come from the simulator), not a bug.
     */
    static NvmlSession open(NvmlSource source) {
        try {
            return source.open();
        } catch (SimulatorScenarioException e) {
            throw new InputError(e.file(), e.line(), 0, null, e.problem());
        }
    }

    /**
     * The demo scenario as a file (the simulated library reads a path): copied out of the jar
     * into a temporary file that is removed when the JVM exits.
     */
    static Path demoScenario() {
        try (InputStream in = NvmlOptions.class.getClassLoader().getResourceAsStream(DEMO_SCENARIO_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(DEMO_SCENARIO_RESOURCE + " is missing from the jar");
            }
            Path tmp = Files.createTempFile("flopwatch-demo-", ".scenario");
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return tmp;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the demo scenario to a temporary file", e);
        }
    }
}
