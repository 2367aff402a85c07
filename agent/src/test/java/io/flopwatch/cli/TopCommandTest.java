package io.flopwatch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.daemon.Agent;
import io.flopwatch.export.MetricsServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.Ticker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flopwatch top --once} against the simulated demo node (config/scenarios/
 * demo-8x-h100-training.scenario: 8 × H100 80GB HBM3 with 81559 MiB and a 700 W limit, under
 * bf16 training that keeps SMs and tensor pipes busy: compute_bound) with the demo's workload
 * at MFU 40.0 % (DemoCommand: 6838 tok/s per GPU × 57.91 GFLOP/token ÷ 989.5 TFLOP/s), sampled
 * in-process, read from a running agent's snapshot endpoint, and with no daemon to attach to.
 */
class TopCommandTest {

    @TempDir
    Path tmp;

    static void assertDemoRows(String frame) {
        List<String> lines = frame.lines().toList();
        for (int gpu = 0; gpu < 8; gpu++) {
            String prefix = String.format("%3d ", gpu);
            String row = lines.stream().filter(l -> l.startsWith(prefix)).findFirst()
                    .orElseThrow(() -> new AssertionError("no row for GPU in\n" + frame));
            assertTrue(row.contains(" 40.0% "), "MFU of the demo workload on its GPU: " + row);
            assertTrue(row.contains("/80G "), "81559 MiB = 79.6 GiB: " + row);
            assertTrue(row.contains("/700W "), "power_limit_mw 700000: " + row);
            assertTrue(row.endsWith("compute_bound"), "the diagnosis word: " + row);
        }
    }

    @Test
    void oneFrameOfTheSimulatedDemo() {
        CliRun r = CliRun.run("top", "--simulate", "--once");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(24, lines.size(), r.out());
        lines.forEach(l -> assertTrue(l.length() <= 80, "fits 80 columns: " + l));
        assertTrue(lines.get(0).contains("8 GPUs (simulated)"), lines.get(0));
        assertTrue(lines.get(0).contains("own sampler: simulated"), lines.get(0));
        assertTrue(lines.get(1).contains("llama3-8b-pretrain  MFU 40.0%  54.7k tok/s"), lines.get(1));
        assertDemoRows(r.out());
    }

    @Test
    void theWorkloadViewAtAGivenSize() {
        CliRun r = CliRun.run("top", "--simulate", "--once", "--view", "workloads", "--width", "120", "--height", "30",
                "--ascii");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(30, lines.size());
        lines.forEach(l -> assertTrue(l.length() <= 120, l));
        assertTrue(r.out().contains("model llama-3-8b  train bf16  GPUs 0-7"), r.out());
        // 8 x 6838 = 54704 tok/s; 57.91 GFLOP/token; 8 x 989.5 TFLOP/s = 7.916 PFLOP/s
        assertTrue(r.out().contains("54.7k tok/s  x 57.9 GFLOP/token  = 3.17 PFLOP/s  of peak 7.92 PFLOP/s"), r.out());
        assertTrue(r.out().contains("MFU ############"), "ASCII bar, 40 % of 30 cells: " + r.out());
    }

    @Test
    void attachesToARunningAgentAndFallsBackWithoutOne() throws Exception {
        AgentConfig c = ConfigLoader.parse("test", DemoCommand.demoConfig(0, "200ms", "json"));
        try (Agent agent = new Agent(c, RunCommand.opener(c), Ticker.system(), new PrintWriter(new StringWriter()),
                "test")) {
            agent.start();
            awaitFullSnapshot(agent);
            String url = agent.metricsUrl().orElseThrow().replace("/metrics", "/api/v1/snapshot");
            CliRun r = CliRun.run("top", "--once", "--url", url);
            assertEquals(0, r.status(), r.err());
            String authority = url.replaceFirst("^http://", "").replaceFirst("/api/v1/snapshot$", "");
            assertTrue(r.out().lines().findFirst().orElse("").contains("daemon " + authority), r.out());
            assertDemoRows(r.out());
        }

        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        Path config = tmp.resolve("flopwatch.yaml");
        Files.writeString(config, DemoCommand.demoConfig(closedPort, "1s", "json"));
        CliRun r = CliRun.run("top", "--once", "--config", config.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().lines().findFirst().orElse("")
                .contains("own sampler: no daemon at 127.0.0.1:" + closedPort), r.out());
        assertDemoRows(r.out());
    }

    @Test
    void badFlagsAreInputErrors() {
        CliRun view = CliRun.run("top", "--simulate", "--once", "--view", "nope");
        assertEquals(ExitStatus.BAD_INPUT.code(), view.status());
        assertTrue(view.err().contains("--view"), view.err());
        CliRun interval = CliRun.run("top", "--simulate", "--once", "--interval", "10ms");
        assertEquals(ExitStatus.BAD_INPUT.code(), interval.status());
        assertTrue(interval.err().contains("at least 100ms"), interval.err());
        // The test JVM's stdin is a pipe, not a terminal: the live screen refuses and says what to use.
        CliRun live = CliRun.run("top", "--simulate");
        assertEquals(ExitStatus.BAD_INPUT.code(), live.status());
        assertTrue(live.err().contains("needs an interactive terminal; use --once"), live.err());
    }

    @Test
    void aDaemonThatWantsCredentialsIsNotSampledBehindItsBack() throws Exception {
        try (MetricsServer server = new MetricsServer(
                new AgentConfig.Web("127.0.0.1", 0, Optional.empty(), Optional.empty(), Map.of("ops", "plain:pw")),
                new AgentConfig.Push(false, "/api/v1/throughput", 256, false), true,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Map.of(), Ticker.system(),
                () -> Snapshot.empty(Instant.EPOCH, 0, "not started"))) {
            server.start();
            CliRun r = CliRun.run("top", "--once", "--url",
                    "http://127.0.0.1:" + server.port() + MetricsServer.SNAPSHOT_PATH);
            assertEquals(ExitStatus.BAD_INPUT.code(), r.status(), r.out());
            assertTrue(r.err().contains("HTTP 401: set FLOPWATCH_TOP_AUTH=user:password"), r.err());
        }
    }

    /** Every GPU up with GPM rates, bounded: the agent's first cycles start its workers. */
    static void awaitFullSnapshot(Agent agent) throws InterruptedException {
        long giveUp = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < giveUp) {
            Snapshot s = agent.latest();
            if (s.nvmlUp() && s.gpus().size() == 8 && s.gpus().stream().allMatch(g -> g.up() && !g.gpm().isEmpty())) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the agent did not sample all 8 simulated GPUs within 30 s");
    }
}
