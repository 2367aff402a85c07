package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd/install.sh into a temporary root (DESTDIR), as CI and packagers run it: the files
 * land where the unit expects them, a second run changes nothing, an edited configuration
 * survives upgrades and --uninstall, and --uninstall removes everything else.
 *
 * <p>The script runs from a copy of the source tree whose config/flopwatch.yaml the test can
 * change (the shipped default of a "new release"), with a stand-in jar passed by --jar so
 * that no build runs.
 */
class InstallScriptTest {

    private static final Path ROOT = ShellRun.repositoryRoot();

    private static final List<String> INSTALLED = List.of(
            "usr/bin/flopwatch",
            "usr/lib/flopwatch/flopwatch.jar",
            "usr/lib/flopwatch/flopwatch-launcher",
            "usr/lib/systemd/system/flopwatch.service",
            "usr/lib/sysusers.d/flopwatch.conf",
            "usr/share/flopwatch/flopwatch-cupti.conf",
            "usr/share/flopwatch/flopwatch.yaml.default",
            "etc/flopwatch/flopwatch.yaml");

    @TempDir
    Path tmp;

    private Path source;
    private Path destdir;
    private Path jar;

    @BeforeEach
    void sourceTree() throws IOException {
        source = Files.createDirectories(tmp.resolve("src"));
        Files.createDirectories(source.resolve("systemd"));
        for (String f : List.of("install.sh", "flopwatch.service", "flopwatch-cupti.conf", "flopwatch.sysusers")) {
            Files.copy(ROOT.resolve("systemd").resolve(f), source.resolve("systemd").resolve(f),
                    StandardCopyOption.COPY_ATTRIBUTES);
        }
        Files.copy(ROOT.resolve("flopwatch"), source.resolve("flopwatch"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.createDirectories(source.resolve("config"));
        shipDefaultConfig("# default configuration, release 1\n");
        jar = Files.writeString(tmp.resolve("stand-in.jar"), "not a real jar: install.sh only copies it\n");
        destdir = Files.createDirectories(tmp.resolve("root"));
    }

    private void shipDefaultConfig(String text) throws IOException {
        Files.writeString(source.resolve("config/flopwatch.yaml"), text);
    }

    private ShellRun install(String... args) {
        List<String> command = new ArrayList<>(List.of("bash", source.resolve("systemd/install.sh").toString()));
        command.addAll(List.of(args));
        ShellRun r = ShellRun.run(Map.of("DESTDIR", destdir.toString()), command);
        assertEquals(0, r.exitCode(), r.output());
        return r;
    }

    private ShellRun installWithJar() {
        return install("--jar", jar.toString());
    }

    private String config() throws IOException {
        return Files.readString(destdir.resolve("etc/flopwatch/flopwatch.yaml"));
    }

    /** Every file under the root with its content: two equal snapshots, nothing changed. */
    private Map<String, String> snapshot() throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> s = Files.walk(destdir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                if (Files.isRegularFile(p)) {
                    files.put(destdir.relativize(p) + " " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p)),
                            Files.readString(p));
                }
            }
        }
        return files;
    }

    @Test
    void installsEverythingWhereTheUnitLooksForIt() throws IOException {
        ShellRun r = installWithJar();
        // The class-data archive is the target JVM's: a staged install leaves it to the first start.
        assertTrue(r.output().contains("skipped    the class-data archive (staged"), r.output());
        assertFalse(Files.exists(destdir.resolve("var/cache/flopwatch")), "nothing cached in a staging root");
        for (String f : INSTALLED) {
            assertTrue(Files.isRegularFile(destdir.resolve(f)), f + " not installed");
        }
        assertTrue(Files.isExecutable(destdir.resolve("usr/bin/flopwatch")));
        assertTrue(Files.isExecutable(destdir.resolve("usr/lib/flopwatch/flopwatch-launcher")));
        String unit = Files.readString(destdir.resolve("usr/lib/systemd/system/flopwatch.service"));
        assertTrue(unit.contains("\nExecStart=/usr/bin/flopwatch run --config /etc/flopwatch/flopwatch.yaml\n"), unit);
        // The launcher runs the installed jar (FLOPWATCH_JAR stops the repository launcher from building).
        String launcher = Files.readString(destdir.resolve("usr/bin/flopwatch"));
        assertTrue(launcher.contains("FLOPWATCH_JAR=/usr/lib/flopwatch/flopwatch.jar"), launcher);
        assertTrue(launcher.contains("exec /usr/lib/flopwatch/flopwatch-launcher \"$@\""), launcher);
        assertEquals(Files.readString(jar), Files.readString(destdir.resolve("usr/lib/flopwatch/flopwatch.jar")));
    }

    @Test
    void aSecondRunChangesNothing() throws IOException {
        installWithJar();
        Map<String, String> first = snapshot();
        ShellRun again = installWithJar();
        assertEquals(first, snapshot());
        assertFalse(again.output().contains("installed "), again.output());
        assertTrue(again.output().contains("unchanged  /etc/flopwatch/flopwatch.yaml"), again.output());
    }

    @Test
    void anEditedConfigurationIsNeverOverwritten() throws IOException {
        installWithJar();
        Path config = destdir.resolve("etc/flopwatch/flopwatch.yaml");
        Files.writeString(config, "# edited by the operator\n");
        shipDefaultConfig("# default configuration, release 2\n");

        ShellRun upgrade = installWithJar();

        assertEquals("# edited by the operator\n", config());
        assertEquals("# default configuration, release 2\n",
                Files.readString(destdir.resolve("etc/flopwatch/flopwatch.yaml.new")), "new default beside it");
        assertTrue(upgrade.output().contains("kept       /etc/flopwatch/flopwatch.yaml (edited)"), upgrade.output());
    }

    @Test
    void anUneditedDefaultFollowsTheNewRelease() throws IOException {
        installWithJar();
        shipDefaultConfig("# default configuration, release 2\n");
        installWithJar();
        assertEquals("# default configuration, release 2\n", config());
        assertFalse(Files.exists(destdir.resolve("etc/flopwatch/flopwatch.yaml.new")));
    }

    @Test
    void uninstallRemovesEverythingButAnEditedConfiguration() throws IOException {
        installWithJar();
        Files.writeString(destdir.resolve("etc/flopwatch/flopwatch.yaml"), "# edited by the operator\n");

        ShellRun r = install("--uninstall");

        assertEquals(Map.of("etc/flopwatch/flopwatch.yaml rw-r--r--",
                "# edited by the operator\n"), snapshot(), r.output());
        assertTrue(r.output().contains("kept       /etc/flopwatch/flopwatch.yaml (edited"), r.output());
    }

    @Test
    void uninstallOfAnUntouchedInstallLeavesTheRootEmpty() throws IOException {
        installWithJar();
        install("--uninstall");
        try (Stream<Path> s = Files.list(destdir)) {
            assertEquals(List.of(), s.toList());
        }
        install("--uninstall"); // and again: nothing left to remove is not an error
    }

    @Test
    void prefixMovesTheProgramAndTheUnitFollows() throws IOException {
        ShellRun r = ShellRun.run(Map.of("DESTDIR", destdir.toString(), "PREFIX", "/usr/local"),
                "bash", source.resolve("systemd/install.sh").toString(), "--jar", jar.toString());
        assertEquals(0, r.exitCode(), r.output());
        String unit = Files.readString(destdir.resolve("usr/local/lib/systemd/system/flopwatch.service"));
        assertTrue(unit.contains("\nExecStart=/usr/local/bin/flopwatch run --config /etc/flopwatch/flopwatch.yaml\n"), unit);
        assertTrue(Files.readString(destdir.resolve("usr/local/bin/flopwatch"))
                .contains("FLOPWATCH_JAR=/usr/local/lib/flopwatch/flopwatch.jar"));
    }

    @Test
    void theInstalledUnitPassesVerify() throws IOException {
        Assumptions.assumeTrue(ShellRun.onPath("systemd-analyze"),
                "systemd-analyze is not installed (Debian package systemd): installed unit not checked");
        installWithJar();
        // verify needs ExecStart to exist on this machine: point it into the staging root.
        Path unit = destdir.resolve("usr/lib/systemd/system/flopwatch.service");
        Path check = Files.createDirectories(tmp.resolve("check")).resolve("flopwatch.service");
        Files.writeString(check, Files.readString(unit)
                .replace("ExecStart=/usr/bin/flopwatch ", "ExecStart=" + destdir.resolve("usr/bin/flopwatch") + " "));
        ShellRun r = ShellRun.run(Map.of(), "systemd-analyze", "verify", check.toString());
        assertEquals(0, r.exitCode(), r.output());
        assertEquals("", r.output().strip());
    }

    @Test
    void theStagedUserIsOneSystemdSysusersCanCreate() throws IOException {
        Assumptions.assumeTrue(ShellRun.onPath("systemd-sysusers"),
                "systemd-sysusers is not installed (Debian package systemd): sysusers file not checked");
        installWithJar();
        ShellRun r = ShellRun.run(Map.of(), "systemd-sysusers", "--root=" + destdir);
        assertEquals(0, r.exitCode(), r.output());
        String passwd = Files.readString(destdir.resolve("etc/passwd"));
        assertTrue(passwd.lines().anyMatch(l -> l.startsWith("flopwatch:x:") && l.endsWith(":/:/usr/sbin/nologin")),
                passwd);
    }

    @Test
    void unknownArgumentsAreRefused() {
        ShellRun r = ShellRun.run(Map.of("DESTDIR", destdir.toString()),
                "bash", source.resolve("systemd/install.sh").toString(), "--frobnicate");
        assertEquals(2, r.exitCode(), r.output());
        assertTrue(r.output().contains("unknown argument '--frobnicate'"), r.output());
    }
}
