package io.flopwatch.cupti;

import io.flopwatch.cupti.jna.JnaCupti;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Entry point to CUPTI. Libraries are loaded lazily, on the first call that needs them; a
 * missing library is a {@link CuptiException} with condition
 * {@link CuptiCondition#NOT_AVAILABLE}, never a linkage error.
 */
public final class Cupti {

    private Cupti() {
    }

    /** The host API from the first libcupti of {@link CuptiLibraryPaths#candidates}. */
    public static CuptiHost host(Optional<Path> configuredLibrary) {
        return JnaCupti.host(CuptiLibraryPaths.candidates(configuredLibrary));
    }

    /** The file the host API was loaded from (for {@code doctor}). */
    public static String libraryFile(Optional<Path> configuredLibrary) {
        return JnaCupti.libraryFile(CuptiLibraryPaths.candidates(configuredLibrary));
    }

    /** Whether the CUDA driver library loads (the target side needs it; the host API does not). */
    public static Optional<String> cudaDriverProblem(Optional<Path> configuredDriver) {
        return JnaCupti.cudaDriverProblem(driverCandidates(configuredDriver));
    }

    /**
     * The target side: {@code cuInit(0)}, {@code cuptiProfilerInitialize}, and a sampler per GPU.
     * Close it to deinitialize the profiler (after every sampler is disabled).
     */
    public static PmTarget target(Optional<Path> configuredLibrary, Optional<Path> configuredDriver) {
        return JnaCupti.target(CuptiLibraryPaths.candidates(configuredLibrary), driverCandidates(configuredDriver));
    }

    private static List<String> driverCandidates(Optional<Path> configured) {
        return configured.map(p -> List.of(p.toString())).orElse(CuptiLibraryPaths.CUDA_DRIVER_NAMES);
    }
}
