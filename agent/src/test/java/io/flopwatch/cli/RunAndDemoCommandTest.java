package io.flopwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunAndDemoCommandTest {

    @Test
    void demoPrintsItsUrlAndLiveMfuLines() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.execute(new PrintWriter(out), new PrintWriter(err), "demo", "--port", "0", "--interval", "500ms",
                "--duration", "2.5");
        assertEquals(0, rc, err.toString());
        String text = out.toString();
        assertTrue(text.matches("(?s)flopwatch: serving http://127\\.0\\.0\\.1:\\d+/metrics.*"), text);
        // 6 838 tokens/s per GPU tailed from the demo's torchtitan log: 40 % MFU on 8 simulated H100s (DemoCommandTest)
        assertTrue(text.contains("llama3-8b-pretrain: MFU 40.0%"), text);
        assertTrue(text.contains("compute_bound"), "GPM-based diagnosis from the second cycle on: " + text);
    }

    @Test
    void aBadConfigIsOneLocatedLineAndExitStatus3(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("flopwatch.yaml");
        Files.writeString(config, "sampling:\n  interval: 1s\n  colectors: [device]\n");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = Main.execute(new PrintWriter(out), new PrintWriter(err), "run", "--config", config.toString());
        assertEquals(ExitStatus.BAD_INPUT.code(), rc);
        assertTrue(err.toString().startsWith("flopwatch: " + config + ":3:3: sampling.colectors: unknown key"),
                err.toString());
        assertEquals(1, err.toString().strip().lines().count(), "one line, no stack trace");
    }

    @Test
    void runWithTheSimulatorServesAndStops(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("flopwatch.yaml");
        Files.writeString(config, """
                web: {listen_address: "127.0.0.1:0"}
                sampling: {simulate: demo, interval: 500ms}
                exporters: {log: {format: json}}
                """);
        StringWriter out = new StringWriter();
        int rc = Main.execute(new PrintWriter(out), new PrintWriter(new StringWriter()), "run", "--config",
                config.toString(), "--duration", "1.2");
        assertEquals(0, rc);
        assertTrue(out.toString().contains("\"nvml_up\":true"), out.toString());
    }

    @Test
    void aPortInUseIsAnInputErrorNotATrace() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            StringWriter err = new StringWriter();
            int rc = Main.execute(new PrintWriter(new StringWriter()), new PrintWriter(err), "demo", "--port",
                    Integer.toString(taken.getLocalPort()), "--duration", "1");
            assertEquals(ExitStatus.BAD_INPUT.code(), rc, err.toString());
            assertTrue(err.toString().startsWith("flopwatch: web.listen_address: 127.0.0.1:" + taken.getLocalPort()
                    + " cannot be bound"), err.toString());
        }
    }
}
