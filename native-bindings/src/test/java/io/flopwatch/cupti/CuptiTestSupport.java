package io.flopwatch.cupti;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Where the real CUPTI of /usr/local/cuda (or $CUDA_HOME) is, for tests that use it. */
public final class CuptiTestSupport {

    private CuptiTestSupport() {
    }

    /** The folder holding cupti_profiler_host.h, if any. */
    public static Optional<Path> includeDir() {
        for (String root : List.of(String.valueOf(System.getenv("CUDA_HOME")), "/usr/local/cuda")) {
            for (String sub : List.of("targets/x86_64-linux/include", "include", "extras/CUPTI/include")) {
                Path dir = Path.of(root, sub);
                if (Files.isRegularFile(dir.resolve("cupti_profiler_host.h")) && Files.isRegularFile(dir.resolve("cuda.h"))) {
                    return Optional.of(dir);
                }
            }
        }
        return Optional.empty();
    }

    /** The host API when libcupti loads, else why not. */
    public static CuptiHost hostOrSkip() {
        try {
            return Cupti.host(Optional.empty());
        } catch (CuptiException absent) {
            org.junit.jupiter.api.Assumptions.assumeTrue(false,
                    "CUPTI not found (" + absent.getMessage() + "): install the CUDA toolkit (12.6+) in /usr/local/cuda");
            throw absent;
        }
    }
}
