package io.flopwatch.nvml;

import io.flopwatch.nvml.jna.JnaNvmlSession;
import io.flopwatch.nvml.jna.NvmlLoader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Where NVML comes from: the system's library (what the NVIDIA driver installs), a file the
 * user names, or flopwatch's simulated library. Nothing is loaded until {@link #open()}.
 *
 * <p>The system library is searched as {@code libnvidia-ml.so.1} (installed by every driver),
 * then {@code libnvidia-ml.so} (only with development packages), the dynamic linker's way
 * (ld.so.cache, LD_LIBRARY_PATH, jna.library.path). A path override replaces the search: the
 * API parameter (from the config) first, else the environment variable
 * {@value #LIBRARY_ENV}. The simulated library is never loaded unless asked for with
 * {@link #simulated(Path)}, and everything read from it is marked simulated.
 */
public final class NvmlSource {

    /** Environment variable naming the NVML library file to load instead of the system one. */
    public static final String LIBRARY_ENV = "FLOPWATCH_NVML_LIBRARY";

    private final List<String> candidates;
    private final boolean simulated;
    private final Optional<Path> scenario;

    private NvmlSource(List<String> candidates, boolean simulated, Optional<Path> scenario) {
        this.candidates = List.copyOf(candidates);
        this.simulated = simulated;
        this.scenario = scenario;
    }

    /** The system's NVML, or the file in {@value #LIBRARY_ENV} when that is set. */
    public static NvmlSource system() {
        return system(Optional.empty(), System.getenv());
    }

    /**
     * The system's NVML unless {@code libraryOverride} (e.g. from the config) or else
     * {@value #LIBRARY_ENV} names a file.
     */
    public static NvmlSource system(Optional<Path> libraryOverride) {
        return system(libraryOverride, System.getenv());
    }

    /** As {@link #system(Optional)}, with the environment passed in (for tests). */
    public static NvmlSource system(Optional<Path> libraryOverride, Map<String, String> environment) {
        Objects.requireNonNull(libraryOverride, "libraryOverride");
        if (libraryOverride.isPresent()) {
            return new NvmlSource(List.of(libraryOverride.get().toAbsolutePath().toString()), false, Optional.empty());
        }
        String env = environment.get(LIBRARY_ENV);
        if (env != null && !env.isBlank()) {
            return new NvmlSource(List.of(Path.of(env.trim()).toAbsolutePath().toString()), false, Optional.empty());
        }
        return new NvmlSource(NvmlLoader.SYSTEM_NAMES, false, Optional.empty());
    }

    /**
     * flopwatch's simulated NVML ({@code libnvidia-ml-sim.so}, packaged in the jar) playing
     * {@code scenario} (format: docs/simulator.md).
     */
    public static NvmlSource simulated(Path scenario) {
        return new NvmlSource(List.of(NvmlLoader.SIMULATED_NAME), true, Optional.of(scenario.toAbsolutePath()));
    }

    /** True for {@link #simulated(Path)}. */
    public boolean isSimulated() {
        return simulated;
    }

    /** The library names or paths tried, in order. */
    public List<String> candidates() {
        return candidates;
    }

    /**
     * Loads the library (once per process per name) and initializes NVML.
     *
     * @throws NvmlUnavailableException library not found, driver not loaded, no permission,
     *                                  driver/library version mismatch: one clear message
     * @throws NvmlException            any other initialization failure
     */
    public NvmlSession open() {
        return JnaNvmlSession.open(candidates, simulated, scenario);
    }

    @Override
    public String toString() {
        return simulated ? "simulated NVML (" + scenario.map(Path::toString).orElse("") + ")" : "NVML " + candidates;
    }
}
