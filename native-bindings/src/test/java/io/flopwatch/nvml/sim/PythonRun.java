package io.flopwatch.nvml.sim;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Python helpers under src/test/python against the simulated NVML library built by
 * this module's compile phase. Skips (visibly) when python3, the library or Debian's pynvml is
 * missing; on CI they are all present.
 */
final class PythonRun {
    /** Bound on one helper run; they take well under a second. */
    private static final long TIMEOUT_SECONDS = 120;

    record Result(int exitStatus, String output) {
        /** Parses pynvml_read.py's --format flat output: one key.path=value per line. */
        Map<String, String> flat() {
            Map<String, String> values = new LinkedHashMap<>();
            for (String line : output.split("\n")) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    values.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
            return values;
        }
    }

    private PythonRun() {}

    static Path simulatedLibrary() {
        URL url = PythonRun.class.getResource("/linux-x86-64/libnvidia-ml-sim.so");
        assumeTrue(url != null && "file".equals(url.getProtocol()),
                "libnvidia-ml-sim.so was not built (gcc missing?); see native-bindings/src/main/c/build.sh");
        return toPath(url);
    }

    static Path scenario(String name) {
        URL url = PythonRun.class.getResource("/scenarios/" + name);
        if (url == null) {
            throw new IllegalStateException("test scenario missing: " + name);
        }
        return toPath(url);
    }

    static Path script(String name) {
        // Surefire runs with the module directory as working directory.
        Path path = Path.of("src/test/python", name).toAbsolutePath();
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException("helper script missing: " + path);
        }
        return path;
    }

    /** Directory holding Debian's pynvml.py (python3-pynvml), from the fetched test packages. */
    static Path pynvmlDirectory() {
        String root = System.getProperty("flopwatch.testPackages",
                System.getProperty("user.home") + "/.cache/flopwatch/test-packages/root");
        Path dir = Path.of(root, "usr/lib/python3/dist-packages");
        assumeTrue(Files.isRegularFile(dir.resolve("pynvml.py")),
                "Debian's pynvml.py is not under " + dir + " (.ci/fetch-test-packages.sh fetches it)");
        return dir;
    }

    static Result run(Map<String, String> environment, String... command) {
        assumeTrue(pythonAvailable(), "python3 is not on PATH");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove("FLOPWATCH_SIM_SCENARIO");
        pb.environment().remove("FLOPWATCH_SIM_CLOCK");
        pb.environment().putAll(environment);
        try {
            Process process = pb.start();
            process.getOutputStream().close();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("timed out after " + TIMEOUT_SECONDS + " s: " + String.join(" ", command));
            }
            return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    static List<String> command(Path script, String... args) {
        List<String> command = new ArrayList<>(List.of("python3", script.toString()));
        command.addAll(List.of(args));
        return command;
    }

    private static boolean pythonAvailable() {
        try {
            Process p = new ProcessBuilder("python3", "-c", "import ctypes").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Path toPath(URL url) {
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
