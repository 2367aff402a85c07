package io.flopwatch.attribution;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads the /proc files attribution needs for one PID, under an injectable root (/proc on a host;
 * the host's /proc mounted elsewhere in a container without hostPID; a fixture tree in tests).
 *
 * <p>Why not OSHI: OSHI's {@code OSProcess} reads the same files, but only under the one global
 * proc path of its {@code oshi.util.proc.path} property, builds a full process object per call
 * (dozens of files), and offers neither the cgroup nor the environment; here four small files
 * per new process suffice and the root is a constructor argument.
 *
 * <p>cmdline, stat, status and cgroup are world-readable; environ needs ptrace read access
 * (proc(5)), so it is read only when allowed and a refusal is not an error.
 */
public final class ProcReader {
    private final Path procRoot;
    private final int commandMaxChars;
    private final boolean readEnvironment;

    public ProcReader(Path procRoot, int commandMaxChars, boolean readEnvironment) {
        this.procRoot = procRoot;
        this.commandMaxChars = commandMaxChars;
        this.readEnvironment = readEnvironment;
    }

    /** The process's start time, empty when it does not exist (exited) or stat is unreadable. */
    public OptionalLong startTime(long pid) {
        try {
            return parseStartTime(Files.readString(dir(pid).resolve("stat"), StandardCharsets.ISO_8859_1));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** Everything about {@code pid}; empty when the process is gone (or not in this PID namespace). */
    public Optional<ProcFacts> read(long pid) {
        OptionalLong start = startTime(pid);
        if (start.isEmpty()) {
            return Optional.empty();
        }
        Path dir = dir(pid);
        OptionalLong uid = OptionalLong.empty();
        try {
            uid = parseRealUid(Files.readString(dir.resolve("status"), StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            // gone between the reads: attributed with what was read
        }
        String command = "";
        try {
            command = command(Files.readAllBytes(dir.resolve("cmdline")), commandMaxChars);
            if (command.isEmpty()) {
                command = truncate(Files.readString(dir.resolve("comm"), StandardCharsets.UTF_8).trim(), commandMaxChars);
            }
        } catch (IOException e) {
            // idem
        }
        CgroupIdentity cgroup = CgroupIdentity.NONE;
        try {
            cgroup = CgroupPaths.parseFile(Files.readString(dir.resolve("cgroup"), StandardCharsets.UTF_8));
        } catch (IOException e) {
            // idem
        }
        String slurm = "";
        if (readEnvironment) {
            try {
                slurm = environmentValue(Files.readAllBytes(dir.resolve("environ")), "SLURM_JOB_ID");
            } catch (NoSuchFileException e) {
                // gone
            } catch (IOException | SecurityException e) {
                // another user's process without CAP_SYS_PTRACE: expected, not an error
            }
        }
        return Optional.of(new ProcFacts(start.getAsLong(), uid, command, cgroup, slurm));
    }

    private Path dir(long pid) {
        return procRoot.resolve(Long.toString(pid));
    }

    /** Field 22 of /proc/PID/stat; counted after the last ')' because comm (field 2) may hold spaces and ')'. */
    static OptionalLong parseStartTime(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return OptionalLong.empty();
        }
        String[] rest = stat.substring(close + 1).trim().split("\\s+");
        // rest[0] is field 3 (state), so field 22 is rest[19]
        if (rest.length < 20) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(rest[19]));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** The real uid: the first number of the "Uid:" line (real, effective, saved, filesystem; proc(5)). */
    static OptionalLong parseRealUid(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("Uid:")) {
                String[] f = line.substring(4).trim().split("\\s+");
                try {
                    return OptionalLong.of(Long.parseLong(f[0]));
                } catch (NumberFormatException e) {
                    return OptionalLong.empty();
                }
            }
        }
        return OptionalLong.empty();
    }

    /** argv joined by spaces, argv[0] reduced to its file name, truncated with "…". */
    static String command(byte[] cmdline, int maxChars) {
        String[] argv = new String(cmdline, StandardCharsets.UTF_8).split("\0");
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (i == 0) {
                a = a.substring(a.lastIndexOf('/') + 1);
            }
            if (a.isEmpty() && i > 0) {
                continue;
            }
            if (b.length() > 0) {
                b.append(' ');
            }
            b.append(a);
            if (b.length() > maxChars) {
                break;
            }
        }
        return truncate(b.toString().trim(), maxChars);
    }

    static String truncate(String s, int maxChars) {
        if (s.codePointCount(0, s.length()) <= maxChars) {
            return s;
        }
        return s.substring(0, s.offsetByCodePoints(0, Math.max(0, maxChars - 1))) + "…";
    }

    /** One variable of a NUL-separated environment block ("" when absent). */
    static String environmentValue(byte[] environ, String name) {
        String prefix = name + "=";
        for (String e : new String(environ, StandardCharsets.UTF_8).split("\0")) {
            if (e.startsWith(prefix)) {
                return e.substring(prefix.length()).trim();
            }
        }
        return "";
    }
}
