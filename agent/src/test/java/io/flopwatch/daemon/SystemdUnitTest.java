package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.cli.ExitStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The unit file as systemd reads it: {@code systemd-analyze verify} finds nothing to say, and
 * {@code systemd-analyze security --offline=true} keeps the exposure at or below the figures
 * documented in docs/deploy-systemd.md. The checks run on a copy whose ExecStart names an
 * existing executable (verify insists on one) and, for the drop-in, with the copy's directory
 * on the unit search path ({@code SYSTEMD_UNIT_PATH}, trailing colon = plus the defaults).
 */
class SystemdUnitTest {

    /** Exposure documented in docs/deploy-systemd.md, measured with systemd 252 (Debian 12). */
    static final double DOCUMENTED_EXPOSURE = 1.7;
    /** The same with the CUPTI drop-in (CAP_PERFMON, @resources allowed again). */
    static final double DOCUMENTED_EXPOSURE_WITH_CUPTI = 1.9;

    private static final Path ROOT = ShellRun.repositoryRoot();

    @TempDir
    Path tmp;

    private static void assumeSystemdAnalyze() {
        Assumptions.assumeTrue(ShellRun.onPath("systemd-analyze"),
                "systemd-analyze is not installed (Debian package systemd): unit not checked");
    }

    /** A copy of the unit (and optionally the CUPTI drop-in) runnable by systemd-analyze. */
    private Path unitCopy(boolean withCuptiDropIn) throws IOException {
        Path stub = tmp.resolve("flopwatch");
        Files.writeString(stub, "#!/bin/sh\n");
        Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path units = Files.createDirectories(tmp.resolve("units"));
        String unit = Files.readString(ROOT.resolve("systemd/flopwatch.service"))
                .replace("ExecStart=/usr/bin/flopwatch ", "ExecStart=" + stub + " ");
        Path copy = units.resolve("flopwatch.service");
        Files.writeString(copy, unit);
        if (withCuptiDropIn) {
            Path dropIns = Files.createDirectories(units.resolve("flopwatch.service.d"));
            Files.copy(ROOT.resolve("systemd/flopwatch-cupti.conf"), dropIns.resolve("cupti.conf"));
        }
        return copy;
    }

    private Map<String, String> unitPath() {
        return Map.of("SYSTEMD_UNIT_PATH", tmp.resolve("units") + ":");
    }

    @Test
    void verifyFindsNothingToSay() throws IOException {
        assumeSystemdAnalyze();
        ShellRun r = ShellRun.run(unitPath(), "systemd-analyze", "verify", unitCopy(false).toString());
        assertEquals(0, r.exitCode(), r.output());
        assertEquals("", r.output().strip(), "systemd-analyze verify warns");
    }

    @Test
    void verifyFindsNothingToSayWithTheCuptiDropIn() throws IOException {
        assumeSystemdAnalyze();
        ShellRun r = ShellRun.run(unitPath(), "systemd-analyze", "verify", unitCopy(true).toString());
        assertEquals(0, r.exitCode(), r.output());
        assertEquals("", r.output().strip(), "systemd-analyze verify warns");
    }

    @ParameterizedTest(name = "CUPTI drop-in: {0}")
    @CsvSource({"false, " + DOCUMENTED_EXPOSURE, "true, " + DOCUMENTED_EXPOSURE_WITH_CUPTI})
    void exposureStaysAtTheDocumentedFigure(boolean withCuptiDropIn, double documented) throws IOException {
        assumeSystemdAnalyze();
        Path unit = unitCopy(withCuptiDropIn);
        // --threshold is in tenths: a non-zero exit when the exposure is above it.
        List<String> command = new ArrayList<>(List.of("systemd-analyze", "security", "--offline=true",
                "--threshold=" + Math.round(documented * 10), unit.toString()));
        ShellRun r = ShellRun.run(unitPath(), command);
        Matcher m = Pattern.compile("Overall exposure level for flopwatch\\.service: (\\d+\\.\\d+)").matcher(r.output());
        assertTrue(m.find(), r.output());
        double exposure = Double.parseDouble(m.group(1));
        String version = ShellRun.run(Map.of(), "systemd-analyze", "--version").output().lines().findFirst().orElse("?");
        assertTrue(exposure <= documented, "exposure " + exposure + " is above the documented " + documented
                + " (" + version + "); lower it again or document the new figure with its reason:\n" + r.output());
        assertEquals(0, r.exitCode(), r.output());
    }

    /** The settings the daemon's behaviour depends on, each with the reason it must stay. */
    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "Type|notify",                       // READY=1 after the first sample (SystemdNotifier)
            "NotifyAccess|main",                 // only the JVM, which the launcher exec()s into
            "WatchdogSec|30s",                   // fed by WatchdogPolicy while sampling progresses
            "ExecReload|/bin/kill -HUP $MAINPID",  // SIGHUP re-reads the config in place
            "Restart|on-failure",
            "SuccessExitStatus|143",             // the JVM's exit after SIGTERM and its shutdown hooks
            "User|flopwatch",                    // systemd/flopwatch.sysusers creates it
            "DevicePolicy|closed",
            "NoNewPrivileges|yes",
            "ProtectSystem|strict",
            "MemoryDenyWriteExecute|no",         // the JVM's JIT and interpreter need W+X memory
            "ProcSubset|all",                    // NVML reads /proc/driver/nvidia
    })
    void keepsTheSettingsTheDaemonReliesOn(String key, String value) throws IOException {
        assertTrue(settings().contains(key + "=" + value), key + "=" + value + " missing from systemd/flopwatch.service");
    }

    @Test
    void aBadConfigurationIsNotRestartedForever() throws IOException {
        // Restarting does not fix a bad config: the daemon exits with BAD_INPUT for it.
        assertTrue(settings().contains("RestartPreventExitStatus=" + ExitStatus.BAD_INPUT.code()));
    }

    @Test
    void noCapabilitiesWithoutTheDropIn() throws IOException {
        List<String> s = settings();
        assertTrue(s.contains("CapabilityBoundingSet="), "empty bounding set");
        assertTrue(s.contains("AmbientCapabilities="), "no ambient capabilities");
    }

    private static List<String> settings() throws IOException {
        return Files.readAllLines(ROOT.resolve("systemd/flopwatch.service")).stream()
                .map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .toList();
    }
}
