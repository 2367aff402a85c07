package io.flopwatch.telemetry.cupti;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.analysis.GpuAnalysis;
import io.flopwatch.analysis.GpuAnalyzer;
import io.flopwatch.cli.Main;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.cupti.PmDecodeResult;
import io.flopwatch.export.CuptiControl;
import io.flopwatch.export.MetricsServer;
import io.flopwatch.export.SnapshotMetrics;
import io.flopwatch.gpu.Precision;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.telemetry.Analyzer;
import io.flopwatch.telemetry.Collectors;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.telemetry.Sampler;
import io.flopwatch.telemetry.Snapshot;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The wiring end to end without a GPU: the simulated NVML library's H100 (GPM) and A100 (no GPM)
 * through the real Sampler, GpuAnalyzer, SnapshotMetrics and MetricsServer, with CUPTI's target
 * side a hand-written fake. CUPTI fills the A100's activity analysis; the H100 keeps GPM's.
 */
class CuptiInAgentTest {

    /** native-bindings' scenario: GPU 0 H100 (GPM sm_util 88) at 18:00.0, GPU 1 A100 (no GPM) at 3B:00.0. */
    private static final Path SCENARIO = Path.of("../native-bindings/src/test/resources/scenarios/two-devices.scenario");

    private static final Analyzer ANALYZE = (gpus, now) -> {
        List<GpuAnalysis> out = new ArrayList<>();
        gpus.forEach(g -> out.add(GpuAnalyzer.analyze(g, Optional.empty(), Precision.BF16)));
        return new Analyzer.Result(out, List.of());
    };

    private static String line(String scrape, String name, String... labels) {
        for (String l : scrape.split("\n")) {
            if (l.startsWith(name + "{") && java.util.Arrays.stream(labels).allMatch(l::contains)) {
                return l;
            }
        }
        return "";
    }

    @Test
    void cuptiFillsTheA100sAnalysisAndMetricsAndPausesThroughTheLocalControl() throws Exception {
        Assumptions.assumeTrue(Files.exists(SCENARIO), "scenario " + SCENARIO + " not found");
        FakeTicker ticker = new FakeTicker();
        FakePmTarget target = new FakePmTarget()
                .device("0000:18:00.0", new FakePmSampler("GH100"))
                .device("0000:3b:00.0", new FakePmSampler("GA100"));
        List<String> log = new ArrayList<>();
        CuptiDevices cupti = new CuptiDevices(CuptiMode.AUTO, CuptiCollectorSettings.defaults(), () -> target,
                CuptiMetricSets.builtIn(), ticker, log::add, true, false);
        NvmlSource nvml = NvmlSource.simulated(SCENARIO.toAbsolutePath());
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        String scrapeWithCupti;
        try (Sampler sampler = new Sampler(nvml::open, Collectors.builtIn(Set.of(Collectors.DEVICE, Collectors.GPM)),
                Duration.ofSeconds(1), Duration.ofSeconds(5), ticker, ANALYZE)) {
            sampler.setRecordSources(cupti::apply);
            SnapshotMetrics metrics = new SnapshotMetrics(registry, sampler::latest, ticker, "test");
            sampler.addListener(metrics::sync);

            sampler.cycle();
            cupti.stepAll(); // the A100's decode thread takes its counters
            FakePmSampler a100 = target.at("0000:3b:00.0");
            assertTrue(a100.countersHeld());
            assertFalse(target.at("0000:18:00.0").countersHeld(), "GPM on the H100: CUPTI not used there");
            a100.decodes.add(new PmDecodeResult(List.of(CuptiDevicesTest.sample("GA100", 42)), false));
            cupti.stepAll();
            Thread.sleep(20); // GPM's second sample must be later on the simulator's running clock
            Snapshot s = sampler.cycle();

            GpuAnalysis h100 = s.analyses().get(0);
            GpuAnalysis gpu1 = s.analyses().get(1);
            assertEquals(0.88, h100.smActiveRatio(), 1e-9, "the scenario's GPM sm_util");
            assertEquals(0.42, gpu1.smActiveRatio(), 1e-9, "CUPTI's sm__cycles_active through GPM's field");
            assertEquals(0.42, gpu1.tensorActiveRatio(), 1e-9);
            assertEquals(0.42, gpu1.dramBandwidthRatio(), 1e-9);
            String scrape = registry.scrape();
            assertTrue(line(scrape, "flopwatch_gpu_activity_source", "gpu=\"1\"", "source=\"cupti\"").endsWith(" 1.0"), scrape);
            assertTrue(line(scrape, "flopwatch_gpu_activity_source", "gpu=\"0\"", "source=\"gpm\"").endsWith(" 1.0"), scrape);
            assertTrue(line(scrape, "flopwatch_gpu_sm_active_ratio", "gpu=\"1\"").endsWith(" 0.42"), scrape);
            assertTrue(line(scrape, "flopwatch_cupti_up", "gpu=\"1\"").endsWith(" 1.0"), scrape);
            assertEquals("", line(scrape, "flopwatch_cupti_up", "gpu=\"0\""), "no CUPTI series where it is not used");
            assertTrue(line(scrape, "flopwatch_cupti_samples", "gpu=\"1\"").endsWith(" 1.0"), scrape);
            scrapeWithCupti = scrape;

            AgentConfig.Web web = new AgentConfig.Web("127.0.0.1", 0, Optional.empty(), Optional.empty(), Map.of());
            try (MetricsServer server = new MetricsServer(web, new AgentConfig.Push(false, "/api/v1/throughput", 1024, false),
                    registry, Map.of(), ticker)) {
                server.addLocalControl(CuptiControl.PATH, new CuptiControl(cupti, Duration.ZERO));
                server.start();
                String base = "http://127.0.0.1:" + server.port();
                HttpClient http = HttpClient.newHttpClient();
                HttpResponse<String> noHeader = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/cupti/pause"))
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(403, noHeader.statusCode(), "a POST a web page could forge is refused");
                assertTrue(a100.countersHeld());

                StringWriter out = new StringWriter();
                assertEquals(0, Main.execute(new PrintWriter(out), new PrintWriter(new StringWriter()),
                        "cupti", "pause", "--url", base));
                assertTrue(out.toString().contains("\"paused\":true"), out.toString());
                cupti.stepAll(); // the decode thread applies it
                assertFalse(a100.countersHeld(), "Nsight Compute can run now");
                sampler.cycle();
                assertTrue(line(registry.scrape(), "flopwatch_cupti_state", "gpu=\"1\"", "state=\"paused\"").endsWith(" 1.0"));

                HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/cupti")).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, status.statusCode());
                assertTrue(status.body().contains("\"gpu\":1,\"pci_bus_id\":\"00000000:3B:00.0\",\"state\":\"paused\""),
                        status.body());
                assertTrue(status.body().contains("\"settled\":true"), status.body());

                assertEquals(0, Main.execute(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()),
                        "cupti", "resume", "--url", base));
                cupti.stepAll();
                assertTrue(a100.countersHeld());
            }
        } finally {
            cupti.close();
        }
        assertFalse(target.at("0000:3b:00.0").countersHeld(), "shutdown releases the counters");
        assertTrue(target.closed);
        assertEquals(List.of("CUPTI PM sampling on GPU 1 (GA100) paused: counters released",
                "CUPTI PM sampling on GPU 1 (GA100) resumed"), log);
        // last, as it skips (visibly) without promtool
        assertEquals("", promtoolFindings(scrapeWithCupti), "promtool check metrics on the CUPTI series");
    }

    /** {@code promtool check metrics} on a scrape (Debian's prometheus package); skips visibly without it. */
    private static String promtoolFindings(String scrape) throws Exception {
        Path root = Path.of(System.getProperty("flopwatch.testPackages",
                System.getProperty("user.home") + "/.cache/flopwatch/test-packages/root"));
        Path promtool = root.resolve("usr/bin/promtool");
        Assumptions.assumeTrue(Files.isExecutable(promtool), "promtool absent under " + root);
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(scrape.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        String findings = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "promtool did not finish");
        return findings.trim();
    }

    @Test
    void theCliSaysWhenNoAgentAnswers() {
        StringWriter err = new StringWriter();
        int status = Main.execute(new PrintWriter(new StringWriter()), new PrintWriter(err),
                "cupti", "status", "--url", "http://127.0.0.1:1");
        assertEquals(6, status, "ExitStatus.AGENT_UNREACHABLE");
        assertTrue(err.toString().startsWith("flopwatch: cannot reach the agent at http://127.0.0.1:1/api/v1/cupti"),
                err.toString());
    }
}
