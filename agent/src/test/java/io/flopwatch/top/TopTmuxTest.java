package io.flopwatch.top;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flopwatch top --simulate} on a real terminal: tmux (Debian's package, unpacked by
 * .ci/fetch-test-packages.sh; else one on the PATH) runs it in a detached pane of a given size on
 * a server of the test's own, and the test reads the pane as a person would see it, presses keys,
 * resizes the window and quits. Every wait polls with a bound; nothing sleeps a fixed time.
 *
 * <p>The demo node's values (config/scenarios/demo-8x-h100-training.scenario): 8 GPUs under bf16
 * training, compute_bound, the demo workload at MFU 40.0 % (DemoCommand).
 */
class TopTmuxTest {
    /** A JVM start and the first sampling cycles on a loaded two-core machine take seconds, not minutes. */
    private static final long WAIT_MILLIS = 60_000;
    /** Any SGR sequence that sets a foreground or background color (30-37, 38;…, 40-47, 90-97). */
    private static final Pattern COLOR_SGR = Pattern.compile("\u001b\\[(?:[0-9]+;)*(?:3[0-8]|4[0-8]|9[0-7])(?:;[0-9]+)*m");

    @TempDir
    Path tmp;

    private List<String> tmux;
    private Map<String, String> env;

    @AfterEach
    void killServer() throws Exception {
        if (tmux != null) {
            run(List.of("kill-server"));
        }
    }

    @Test
    void theLiveScreenShowsTheDemoAnswersKeysResizesAndQuits() throws Exception {
        findTmux();
        Path script = tmp.resolve("top.sh");
        Path argfile = tmp.resolve("java.args");
        Files.writeString(argfile, "-cp\n\"" + System.getProperty("java.class.path").replace("\\", "\\\\") + "\"\n");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // NO_COLOR: monochrome must still show everything; the capture below has no color codes.
        Files.writeString(script, "unset LD_LIBRARY_PATH\ncd '" + tmp + "'\n"
                + "NO_COLOR=1 TERM=screen '" + java + "' -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djna.nosys=true @'"
                + argfile + "' io.flopwatch.cli.Main top --simulate --interval 500ms\n"
                + "echo \"top exited $?\"\nsleep 120\n");
        run(List.of("-f", "/dev/null", "new-session", "-d", "-s", "top", "-x", "100", "-y", "30",
                "bash '" + script + "'"));

        // Each GPU's diagnosis needs its own first interval: the first frames may show some rows
        // diagnosed and others not yet (seen in 2 of 6 runs), so wait for the frame with all 8.
        String first = await("the GPU table with every GPU diagnosed", TopTmuxTest::allGpusComputeBound);
        List<String> lines = first.lines().toList();
        assertEquals(30, lines.size(), first);
        assertTrue(lines.get(0).contains("8 GPUs (simulated)"), first);
        assertTrue(lines.get(29).contains("q quit"), "the key line at the bottom:\n" + first);
        String styled = capture(true);
        assertTrue(styled.contains("\u001b[7m") || styled.contains(";7m"), "the title bar is in reverse video");
        assertFalse(COLOR_SGR.matcher(styled).find(), "NO_COLOR: no color codes:\n" + styled);

        run(List.of("send-keys", "-t", "top", "3"));
        await("GPU 3's detail panel", s -> s.contains(" GPU 3  NVIDIA H100 80GB HBM3 (Simulated)"));

        run(List.of("send-keys", "-t", "top", "Tab"));
        await("the workloads view", s -> s.contains("model llama-3-8b  train bf16  GPUs 0-7"));

        run(List.of("resize-window", "-t", "top", "-x", "82", "-y", "24"));
        String resized = await("a redraw at 82x24", s -> {
            List<String> l = s.lines().toList();
            return l.size() == 24 && l.get(23).contains("tab view:workloads") && l.get(0).contains("8 GPUs");
        });
        resized.lines().forEach(l -> assertTrue(l.length() <= 82, l));

        run(List.of("send-keys", "-t", "top", "Tab", "Tab"));
        await("back at the GPU table after two tabs", s -> s.contains("tab view:gpus") && s.contains("  0  40.0%"));

        run(List.of("send-keys", "-t", "top", "q"));
        await("top to quit with status 0 and leave the alternate screen", s -> s.contains("top exited 0"));
    }

    private void findTmux() throws IOException {
        Path root = Path.of(System.getProperty("flopwatch.testPackages",
                System.getProperty("user.home") + "/.cache/flopwatch/test-packages"), "root");
        Path packaged = root.resolve("usr/bin/tmux");
        env = new HashMap<>();
        String program;
        if (Files.isExecutable(packaged)) {
            program = packaged.toString();
            // Debian's tmux needs libevent and libutempter, unpacked beside it, not installed.
            env.put("LD_LIBRARY_PATH", root.resolve("usr/lib/x86_64-linux-gnu") + ":" + root.resolve("lib/x86_64-linux-gnu"));
        } else {
            program = List.of(System.getenv().getOrDefault("PATH", "").split(":")).stream()
                    .map(d -> Path.of(d, "tmux")).filter(Files::isExecutable).map(Path::toString).findFirst()
                    .orElse(null);
        }
        Assumptions.assumeTrue(program != null, "tmux is absent (Debian package tmux, fetched by "
                + ".ci/fetch-test-packages.sh): the live screen is not tested");
        tmux = List.of(program, "-S", tmp.resolve("tmux.sock").toString());
    }

    private String capture(boolean withEscapes) throws Exception {
        List<String> args = new ArrayList<>(List.of("capture-pane", "-p", "-t", "top"));
        if (withEscapes) {
            args.add("-e");
        }
        return run(args);
    }

    private String await(String what, Predicate<String> condition) throws Exception {
        long giveUp = System.nanoTime() + WAIT_MILLIS * 1_000_000;
        String screen = "";
        while (System.nanoTime() < giveUp) {
            screen = capture(false);
            if (condition.test(screen)) {
                return screen;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("waited " + WAIT_MILLIS / 1000 + " s for " + what + "; the pane shows:\n" + screen);
    }

    private String run(List<String> args) throws Exception {
        List<String> command = new ArrayList<>(tmux);
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        pb.environment().put("TERM", "xterm-256color");
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish within 10 s");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0 && !args.get(0).equals("kill-server")) {
            throw new AssertionError(command + " exited " + p.exitValue() + ": " + text);
        }
        return text;
    }

    /** Every GPU row shows MFU 40.0 % and ends with the diagnosis compute_bound. */
    private static boolean allGpusComputeBound(String screen) {
        List<String> lines = screen.lines().toList();
        for (int gpu = 0; gpu < 8; gpu++) {
            String prefix = String.format("%3d  40.0%% ", gpu);
            if (lines.stream().noneMatch(l -> l.startsWith(prefix) && l.stripTrailing().endsWith("compute_bound"))) {
                return false;
            }
        }
        return true;
    }
}
