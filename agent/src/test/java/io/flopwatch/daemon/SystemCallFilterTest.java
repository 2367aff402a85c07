package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every system call flopwatch makes, from JVM start-up through JNA to NVML, is one the unit's
 * {@code SystemCallFilter=} lets through: a real command runs under {@code strace -f}, and the
 * calls it made are compared with the groups the unit names, as {@code systemd-analyze
 * syscall-filter} expands them on this machine. A call outside the filter would fail with
 * EPERM only on a production node, so it is caught here instead.
 */
class SystemCallFilterTest {

    private static final Path ROOT = ShellRun.repositoryRoot();
    private static final Pattern CALL = Pattern.compile("^\\d+\\s+(?:<\\.\\.\\. )?([a-z0-9_]+)[( ]");

    @TempDir
    Path tmp;

    @Test
    void aSimulatedSnapshotUsesOnlyAllowedSystemCalls() throws IOException {
        Assumptions.assumeTrue(ShellRun.onPath("strace"), "strace is not installed: system calls not traced");
        Assumptions.assumeTrue(ShellRun.onPath("systemd-analyze"),
                "systemd-analyze is not installed (Debian package systemd): filter not expanded");
        Path trace = tmp.resolve("trace");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // The launcher's JVM flags (./flopwatch), with this test's class path instead of the jar.
        List<String> command = new ArrayList<>(List.of("strace", "-f", "-qq", "-o", trace.toString(),
                java.toString(), "-XX:+UseSerialGC", "-Xmx128m", "-XX:TieredStopAtLevel=1", "-Djna.nosys=true",
                "-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
                "io.flopwatch.cli.Main", "snapshot", "--simulate"));
        ShellRun r = ShellRun.run(Map.of(), command);
        Assumptions.assumeFalse(r.output().toLowerCase(Locale.ROOT).contains("ptrace")
                        && r.output().contains("Operation not permitted"),
                "ptrace is not permitted here: " + r.output().lines().findFirst().orElse(""));
        assertEquals(0, r.exitCode(), r.output());

        Set<String> used = new TreeSet<>();
        for (String line : Files.readAllLines(trace)) {
            Matcher m = CALL.matcher(line);
            if (m.find()) {
                used.add(m.group(1));
            }
        }
        assertTrue(used.size() > 20, "the trace looks empty: " + used);

        Set<String> allowed = new TreeSet<>();
        Set<String> denied = new TreeSet<>();
        for (String line : Files.readAllLines(ROOT.resolve("systemd/flopwatch.service"))) {
            if (line.startsWith("SystemCallFilter=")) {
                String value = line.substring("SystemCallFilter=".length()).strip();
                boolean deny = value.startsWith("~");
                for (String item : value.replaceFirst("^~", "").split("\\s+")) {
                    (deny ? denied : allowed).addAll(expand(item));
                }
            }
        }
        allowed.removeAll(denied);
        Set<String> refused = new TreeSet<>(used);
        refused.removeAll(allowed);
        assertEquals(Set.of(), refused, "system calls the unit's SystemCallFilter= would refuse with EPERM");
    }

    /** A system call, or a group expanded (recursively) the way this systemd defines it. */
    private static Set<String> expand(String item) {
        Set<String> out = new TreeSet<>();
        if (!item.startsWith("@")) {
            out.add(item);
            return out;
        }
        ShellRun r = ShellRun.run(Map.of(), "systemd-analyze", "syscall-filter", item);
        assertEquals(0, r.exitCode(), r.output());
        r.output().lines()
                .skip(1)                                   // the group's name
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .forEach(l -> out.addAll(expand(l)));
        return out;
    }
}
