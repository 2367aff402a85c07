package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus rules in config/prometheus pass {@code promtool check rules} and their unit tests
 * ({@code promtool test rules flopwatch-rules.test.yml}: the job-level MFU recording rules and every
 * alert, with input series and expected values written there). promtool is Debian's, fetched by
 * .ci/fetch-test-packages.sh; the test skips, saying why, when it is absent.
 */
class PromtoolRulesTest {

    static final Path RULES_DIR = Path.of("../config/prometheus");

    Path promtool;

    @BeforeEach
    void findPromtool() {
        Path root = Path.of(System.getProperty("flopwatch.testPackages",
                System.getProperty("user.home") + "/.cache/flopwatch/test-packages/root"));
        promtool = root.resolve("usr/bin/promtool");
        Assumptions.assumeTrue(Files.isExecutable(promtool),
                "promtool is not unpacked under " + root + " (run .ci/fetch-test-packages.sh)");
    }

    @Test
    void rulesPassPromtoolCheck() throws Exception {
        String out = promtool("check", "rules", "flopwatch-rules.yml");
        assertTrue(out.contains("SUCCESS"), out);
    }

    @Test
    void rulesPassTheirUnitTests() throws Exception {
        String out = promtool("test", "rules", "flopwatch-rules.test.yml");
        assertTrue(out.contains("SUCCESS"), out);
    }

    /** Runs promtool in the rules' directory (the test file names the rules relative to itself). */
    String promtool(String... args) throws Exception {
        String[] command = new String[args.length + 1];
        command[0] = promtool.toString();
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).directory(RULES_DIR.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "promtool did not finish");
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
