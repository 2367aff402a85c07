package io.flopwatch.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the facts about the host that decide what flopwatch can see, without NVML: whether the
 * driver restricts profiling counters to administrators, this process's capabilities, and where
 * CUPTI is installed. Parsing is separate from reading (node_exporter's habit) so the parsers
 * are tested on fixture text; the file system root is injectable for the same reason.
 */
public final class HostProbe {

    /** Linux capability numbers, from include/uapi/linux/capability.h. */
    static final int CAP_SYS_ADMIN = 21;
    static final int CAP_PERFMON = 38;

    private final Path root;
    private final Map<String, String> env;

    public HostProbe(Path root, Map<String, String> env) {
        this.root = root;
        this.env = env;
    }

    public static HostProbe system() {
        return new HostProbe(Path.of("/"), System.getenv());
    }

    /**
     * Whether the NVIDIA driver restricts GPU performance counters to administrators, from
     * {@code /proc/driver/nvidia/params} ({@code RmProfilingAdminOnly: 1}; set by the module
     * parameter {@code NVreg_RestrictProfilingToAdminUsers}). Empty when the file is absent
     * (no driver loaded) or the line is missing.
     */
    public Optional<Boolean> profilingRestrictedToAdmins() {
        return readString("proc/driver/nvidia/params").flatMap(HostProbe::parseProfilingAdminOnly);
    }

    static Optional<Boolean> parseProfilingAdminOnly(String params) {
        Matcher m = Pattern.compile("(?m)^RmProfilingAdminOnly:\\s*(\\d+)\\s*$").matcher(params);
        return m.find() ? Optional.of(!"0".equals(m.group(1))) : Optional.empty();
    }

    /** The effective capability set of this process ({@code CapEff} in /proc/self/status). */
    public OptionalLong effectiveCapabilities() {
        return readString("proc/self/status").map(HostProbe::parseCapEff).orElse(OptionalLong.empty());
    }

    static OptionalLong parseCapEff(String status) {
        Matcher m = Pattern.compile("(?m)^CapEff:\\s*([0-9a-fA-F]+)\\s*$").matcher(status);
        return m.find() ? OptionalLong.of(Long.parseUnsignedLong(m.group(1), 16)) : OptionalLong.empty();
    }

    static boolean hasCapability(long capEff, int capability) {
        return (capEff & (1L << capability)) != 0;
    }

    /**
     * Candidate CUPTI libraries, in the order the CUPTI collector will try them: the CUDA path
     * variables, then {@code /usr/local/cuda*} (newest name last is not guaranteed, so all are
     * listed), in both the toolkit's {@code lib64} and the older {@code extras/CUPTI/lib64}.
     */
    public List<Path> cuptiLibraries() {
        Set<Path> dirs = new LinkedHashSet<>();
        for (String var : List.of("CUDA_HOME", "CUDA_PATH", "CUDA_ROOT")) {
            String v = env.get(var);
            if (v != null && !v.isBlank()) {
                Path p = Path.of(v);
                dirs.add(p.resolve("lib64"));
                dirs.add(p.resolve("extras/CUPTI/lib64"));
            }
        }
        Path usrLocal = root.resolve("usr/local");
        try (Stream<Path> s = Files.list(usrLocal)) {
            s.filter(p -> p.getFileName().toString().startsWith("cuda"))
                    .sorted()
                    .forEach(p -> {
                        dirs.add(p.resolve("lib64"));
                        dirs.add(p.resolve("extras/CUPTI/lib64"));
                    });
        } catch (IOException e) {
            // No /usr/local or unreadable: no toolkit there; the list stays as it is.
        }
        List<Path> found = new ArrayList<>();
        for (Path dir : dirs) {
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> p.getFileName().toString().matches("libcupti\\.so(\\.\\d+)*"))
                        .sorted()
                        .forEach(found::add);
            } catch (IOException e) {
                // Directory absent: nothing of CUPTI there.
            }
        }
        return found;
    }

    private Optional<String> readString(String relative) {
        try {
            return Optional.of(Files.readString(root.resolve(relative)));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
