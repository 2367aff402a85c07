package io.flopwatch.cupti;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where libcupti is looked for, in order: the configured path; {@code $CUDA_HOME},
 * {@code $CUDA_PATH}, {@code $CUDA_ROOT} (lib64 and extras/CUPTI/lib64 under each);
 * {@code /usr/local/cuda}, then {@code /usr/local/cuda-*} newest first; then the bare sonames,
 * which the dynamic loader resolves through {@code LD_LIBRARY_PATH} and the {@code ldconfig}
 * cache. Pure: the environment and the file system root are parameters, so tests need neither.
 */
public final class CuptiLibraryPaths {

    /** Sonames, newest first: PM sampling exists from CUDA 12.6 (libcupti.so.12) on. */
    public static final List<String> SONAMES = List.of("libcupti.so.13", "libcupti.so.12", "libcupti.so");

    /** The CUDA driver library: installed by the driver, never by the toolkit. */
    public static final List<String> CUDA_DRIVER_NAMES = List.of("libcuda.so.1", "libcuda.so");

    private static final List<String> ENV_VARS = List.of("CUDA_HOME", "CUDA_PATH", "CUDA_ROOT");

    private CuptiLibraryPaths() {
    }

    /** Candidates on this machine. */
    public static List<String> candidates(Optional<Path> configured) {
        return candidates(configured, System.getenv(), Path.of("/usr/local"));
    }

    /** Candidates given an environment and the folder that holds {@code cuda*} installations. */
    public static List<String> candidates(Optional<Path> configured, Map<String, String> env, Path usrLocal) {
        LinkedHashSet<String> out = new LinkedHashSet<>();
        configured.ifPresent(p -> out.add(p.toString()));
        List<Path> roots = new ArrayList<>();
        for (String var : ENV_VARS) {
            String value = env.get(var);
            if (value != null && !value.isBlank()) {
                roots.add(Path.of(value));
            }
        }
        roots.add(usrLocal.resolve("cuda"));
        try (Stream<Path> entries = Files.isDirectory(usrLocal) ? Files.list(usrLocal) : Stream.empty()) {
            entries.filter(p -> p.getFileName().toString().startsWith("cuda-"))
                    .sorted(Comparator.comparing(CuptiLibraryPaths::versionKey).reversed())
                    .forEach(roots::add);
        } catch (IOException unreadable) {
            // a folder we cannot list adds no candidates; the sonames below still apply
        }
        for (Path root : roots) {
            for (String sub : List.of("lib64", "extras/CUPTI/lib64", "targets/x86_64-linux/lib")) {
                for (String soname : SONAMES) {
                    Path file = root.resolve(sub).resolve(soname);
                    if (Files.exists(file)) {
                        out.add(file.toString());
                    }
                }
            }
        }
        out.addAll(SONAMES);
        return List.copyOf(out);
    }

    /** "cuda-12.6" → 12.006 so that 12.10 sorts after 12.9. */
    private static double versionKey(Path p) {
        String v = p.getFileName().toString().substring("cuda-".length());
        String[] parts = v.split("\\.");
        try {
            double major = Double.parseDouble(parts[0]);
            double minor = parts.length > 1 ? Double.parseDouble(parts[1]) : 0;
            return major + minor / 1000;
        } catch (NumberFormatException notAVersion) {
            return -1;
        }
    }
}
