package io.flopwatch.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's class-data sharing (./flopwatch, FLOPWATCH_CDS): it uses an archive made for
 * this jar and this JVM, makes one in the background when there is none or the jar changed,
 * makes one on request, and never lets a missing, stale or unwritable one stop a run.
 *
 * <p>The JVM is a stand-in script (JAVA_HOME) that records its arguments and, for
 * {@code -XX:ArchiveClassesAtExit=FILE}, writes FILE as the real one would at exit; the jar is
 * a stand-in file (FLOPWATCH_JAR, so the launcher builds nothing). No JVM starts.
 */
class LauncherTest {

    private static final Path ROOT = ShellRun.repositoryRoot();

    @TempDir
    Path tmp;

    private Path javaLog;
    private Path jar;
    private Path cds;
    private final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void standIns() throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("jdk/bin"));
        javaLog = tmp.resolve("java.log");
        Path java = Files.writeString(bin.resolve("java"), """
                #!/usr/bin/env bash
                printf '%s\\n' "$*" >> "$FAKE_JAVA_LOG"
                for a in "$@"; do
                  case $a in
                    -XX:ArchiveClassesAtExit=*)
                      [[ ${FAKE_JAVA_DUMP:-ok} == ok ]] || exit 1
                      printf 'archive\\n' > "${a#*=}" ;;
                  esac
                done
                """);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        jar = Files.writeString(tmp.resolve("flopwatch.jar"), "stand-in jar, release 1\n");
        cds = tmp.resolve("cache/cds");
        env.put("JAVA_HOME", tmp.resolve("jdk").toString());
        env.put("FLOPWATCH_JAR", jar.toString());
        env.put("FLOPWATCH_CDS_DIR", cds.toString());
        env.put("FAKE_JAVA_LOG", javaLog.toString());
    }

    private ShellRun launch(Map<String, String> extra, String... args) {
        Map<String, String> e = new HashMap<>(env);
        e.putAll(extra);
        List<String> command = new java.util.ArrayList<>(List.of("bash", ROOT.resolve("flopwatch").toString()));
        command.addAll(List.of(args));
        ShellRun r = ShellRun.run(e, command);
        return r;
    }

    private ShellRun launch(String... args) {
        return launch(Map.of(), args);
    }

    /** The JVM command lines so far: the run's own and any archive-making one. */
    private List<String> javaCalls() throws IOException {
        return Files.exists(javaLog) ? Files.readAllLines(javaLog) : List.of();
    }

    private List<Path> archives() throws IOException {
        if (!Files.isDirectory(cds)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cds)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".jsa")).sorted().toList();
        }
    }

    /** The background maker is detached; wait (bounded) until its archive is in place and its lock gone. */
    private List<Path> awaitOneArchive() throws Exception {
        return awaitOneArchiveBut(List.of());
    }

    private List<Path> awaitOneArchiveBut(List<Path> old) throws Exception {
        for (int i = 0; i < 200; i++) {
            List<Path> a = archives();
            boolean locked;
            try (Stream<Path> s = Files.list(cds)) {
                locked = s.anyMatch(p -> p.getFileName().toString().endsWith(".lock"));
            }
            if (a.size() == 1 && !locked && !a.equals(old)) {
                return a;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no archive made in the background: " + archives() + " " + javaCalls());
    }

    private static String runLine(List<String> calls) {
        return calls.stream().filter(c -> !c.contains("ArchiveClassesAtExit")).findFirst()
                .orElseThrow(() -> new AssertionError("the run's JVM never started: " + calls));
    }

    @Test
    void firstRunGoesOnWithoutAnArchiveAndMakesOneForTheNext() throws Exception {
        ShellRun first = launch("run", "--config", "x.yaml");
        assertEquals(0, first.exitCode(), first.output());
        Path archive = awaitOneArchive().get(0);
        String run = runLine(javaCalls());
        assertFalse(run.contains("SharedArchiveFile"), run);
        assertTrue(run.endsWith("-jar " + jar.toRealPath() + " run --config x.yaml"), run);
        String make = javaCalls().stream().filter(c -> c.contains("ArchiveClassesAtExit")).findFirst().orElseThrow();
        assertTrue(make.contains(" -jar " + jar.toRealPath() + " demo --port 0 "), "a simulated run, no GPU: " + make);

        Files.delete(javaLog);
        ShellRun second = launch("run");
        assertEquals(0, second.exitCode(), second.output());
        assertEquals(List.of(runLine(javaCalls())), javaCalls(), "nothing made the second time");
        assertTrue(javaCalls().get(0).contains("-XX:SharedArchiveFile=" + archive + " -Xshare:auto -Xlog:cds*=off "),
                javaCalls().get(0));
    }

    @Test
    void aChangedJarGetsANewArchiveAndTheOldOneGoes() throws Exception {
        assertEquals(0, launch(Map.of("FLOPWATCH_CDS", "create")).exitCode());
        List<Path> before = archives();
        assertEquals(1, before.size());

        // A new release: other size, other mtime. The old archive must not be used with it.
        Files.writeString(jar, "stand-in jar, release 2 (longer)\n");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(5)));
        Files.delete(javaLog);
        ShellRun r = launch("run");

        assertEquals(0, r.exitCode(), r.output());
        assertFalse(runLine(javaCalls()).contains("SharedArchiveFile"), javaCalls().toString());
        // A new key for the new jar; the old archive is cleared when the new one is in place.
        List<Path> after = awaitOneArchiveBut(before);
        assertEquals(1, after.size(), after.toString());
    }

    @Test
    void createMakesItNowAndSaysWhere() throws Exception {
        ShellRun r = launch(Map.of("FLOPWATCH_CDS", "create"));
        assertEquals(0, r.exitCode(), r.output());
        List<Path> a = archives();
        assertEquals(1, a.size());
        assertEquals("flopwatch: class-data archive " + a.get(0), r.output().strip());
        assertEquals(1, javaCalls().size(), "only the archive's run: " + javaCalls());
    }

    @Test
    void aJvmThatCannotDumpIsNotAskedAtEveryStart() throws Exception {
        ShellRun r = launch(Map.of("FLOPWATCH_CDS", "create", "FAKE_JAVA_DUMP", "fail"));
        assertEquals(1, r.exitCode(), r.output());
        assertTrue(r.output().contains("no class-data archive made"), r.output());
        assertEquals(List.of(), archives());

        Files.delete(javaLog);
        ShellRun run = launch("run");
        assertEquals(0, run.exitCode(), run.output());
        assertEquals(1, javaCalls().size(), "the run only, no new attempt: " + javaCalls());
        assertFalse(javaCalls().get(0).contains("SharedArchiveFile"), javaCalls().get(0));
    }

    @Test
    void nowhereToWriteRunsWithoutAnArchive() throws Exception {
        Path file = Files.writeString(tmp.resolve("not-a-directory"), "");
        ShellRun r = launch(Map.of("FLOPWATCH_CDS_DIR", file.resolve("cds").toString()), "run");
        assertEquals(0, r.exitCode(), r.output());
        assertEquals("", r.output());
        assertEquals(1, javaCalls().size(), javaCalls().toString());
        assertFalse(javaCalls().get(0).contains("SharedArchiveFile"), javaCalls().get(0));

        ShellRun create = launch(Map.of("FLOPWATCH_CDS", "create", "FLOPWATCH_CDS_DIR", file.resolve("cds").toString()));
        assertEquals(1, create.exitCode(), create.output());
    }

    @Test
    void offNeitherUsesNorMakesOne() throws Exception {
        assertEquals(0, launch(Map.of("FLOPWATCH_CDS", "create")).exitCode());
        Files.delete(javaLog);
        ShellRun r = launch(Map.of("FLOPWATCH_CDS", "off", "FLOPWATCH_JAVA_OPTS", "-Dextra=1"), "--version");
        assertEquals(0, r.exitCode(), r.output());
        assertEquals(1, javaCalls().size(), javaCalls().toString());
        String run = javaCalls().get(0);
        assertFalse(run.contains("SharedArchiveFile"), run);
        assertTrue(run.endsWith(" -Djna.nosys=true -Dextra=1 -jar " + jar.toRealPath() + " --version"), run);
    }

    @Test
    void systemdsCacheDirectoryIsTheDefaultPlace() throws Exception {
        Path cacheDirectory = tmp.resolve("var/cache/flopwatch");
        Map<String, String> e = new HashMap<>();
        e.put("CACHE_DIRECTORY", cacheDirectory.toString());
        e.put("FLOPWATCH_CDS", "create");
        env.remove("FLOPWATCH_CDS_DIR");
        ShellRun r = launch(e);
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("class-data archive " + cacheDirectory + "/flopwatch_"), r.output());
    }
}
