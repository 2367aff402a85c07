package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flopwatch.cli.DemoCommandAccess;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.daemon.Agent;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.telemetry.Ticker;
import io.flopwatch.telemetry.interconnect.NicMonitor;
import io.flopwatch.telemetry.interconnect.SysfsFixture;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A real Prometheus (Debian's prometheus package, fetched by .ci/fetch-test-packages.sh) scrapes
 * the demo agent (simulated 8 × H100 node, Llama-3-8B training at a fixed 54 704 tokens/s, the demo's rate); the
 * test queries Prometheus' HTTP API for MFU, tensor-active and device metrics, and lints the
 * scrape with promtool. Prometheus loads config/prometheus/flopwatch-rules.yml: the job-level MFU
 * recording rule must return the demo workload, and every PromQL expression of the Grafana
 * dashboard (config/grafana/flopwatch-dashboard.json) must return a series. Skips, saying why, when the package is absent. Bounded: each wait polls
 * with a limit; Prometheus is killed in {@link #stop()}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrometheusIntegrationTest {

    static final Duration LIMIT = Duration.ofSeconds(30);
    static final Path RULES = Path.of("../config/prometheus/flopwatch-rules.yml");
    static final Path DASHBOARD = Path.of("../config/grafana/flopwatch-dashboard.json");
    static final String DEMO_WORKLOAD = "llama3-8b-pretrain";

    Path root;
    Path tmp;
    Agent agent;
    Process prometheus;
    int prometheusPort;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    void start() throws Exception {
        root = Path.of(System.getProperty("flopwatch.testPackages",
                System.getProperty("user.home") + "/.cache/flopwatch/test-packages/root"));
        Assumptions.assumeTrue(Files.isExecutable(root.resolve("usr/bin/prometheus")),
                "Debian's prometheus is not unpacked under " + root + " (run .ci/fetch-test-packages.sh)");
        tmp = Files.createTempDirectory("flopwatch-prom-it");
        AgentConfig config = ConfigLoader.parse("it", DemoCommandAccess.demoConfig(0, "500ms", "json"));
        agent = new Agent(config, NvmlSource.simulated(DemoCommandAccess.demoScenario())::open, Ticker.system(),
                new PrintWriter(new StringWriter()), "it");
        // The agent reads no host NICs beside simulated GPUs; the dashboard's NIC panels are
        // evaluated against a fixture sysfs tree with two InfiniBand ports instead.
        agent.sampler().readNics(new NicMonitor(
                SysfsFixture.install("two-socket-ib", tmp.resolve("sys")), Ticker.system()));
        agent.start();
        int agentPort = URI.create(agent.metricsUrl().orElseThrow()).getPort();
        prometheusPort = freePort();
        Path yml = tmp.resolve("prometheus.yml");
        Files.writeString(yml, """
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                rule_files:
                  - "%s"
                scrape_configs:
                  - job_name: flopwatch
                    static_configs:
                      - targets: ["127.0.0.1:%d"]
                """.formatted(RULES.toAbsolutePath().normalize(), agentPort));
        prometheus = new ProcessBuilder(root.resolve("usr/bin/prometheus").toString(),
                "--config.file=" + yml, "--storage.tsdb.path=" + tmp.resolve("data"),
                "--web.listen-address=127.0.0.1:" + prometheusPort, "--log.level=warn")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
    }

    @AfterAll
    void stop() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            if (!prometheus.waitFor(10, TimeUnit.SECONDS)) {
                prometheus.destroyForcibly();
            }
        }
        if (agent != null) {
            agent.close();
        }
        if (tmp != null) {
            try (Stream<Path> files = Files.walk(tmp)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void prometheusScrapesMfuTensorActiveAndDeviceMetrics() throws Exception {
        JsonNode mfu = awaitSeries("flopwatch_workload_mfu_ratio", 1);
        assertEquals("llama3-8b-pretrain", mfu.get(0).at("/metric/workload").asText());
        // 54 704 tokens/s × 57.91 GFLOPs/token ÷ (8 × 989.5 TFLOP/s): DemoCommandTest.
        assertEquals(0.40, Double.parseDouble(mfu.get(0).at("/value/1").asText()), 0.001);

        JsonNode tensor = awaitSeries("flopwatch_gpu_tensor_active_ratio", 8);
        for (JsonNode s : tensor) {
            double v = Double.parseDouble(s.at("/value/1").asText());
            // the demo scenario's any_tensor_util is sine(47, 6, …) percent on every GPU
            assertTrue(v >= 0.40 && v <= 0.54, "tensor active " + v);
        }
        JsonNode power = awaitSeries("flopwatch_gpu_power_watts", 8);
        assertTrue(Double.parseDouble(power.get(0).at("/value/1").asText()) > 500);
        awaitSeries("flopwatch_gpu_diagnosis{state=\"compute_bound\"} == 1", 8);
        awaitSeries("up{job=\"flopwatch\"} == 1", 1);
    }

    @Test
    void promtoolFindsNothingInTheScrape() throws Exception {
        Path promtool = root.resolve("usr/bin/promtool");
        Assumptions.assumeTrue(Files.isExecutable(promtool), "promtool absent under " + root);
        HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(URI.create(agent.metricsUrl().orElseThrow()))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, scrape.statusCode());
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(scrape.body().getBytes(StandardCharsets.UTF_8));
        }
        String findings = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "promtool did not finish");
        assertEquals(0, p.exitValue(), findings);
        assertEquals("", findings.trim());
    }

    @Test
    void jobLevelMfuRecordingRuleReturnsTheDemoWorkload() throws Exception {
        JsonNode mfu = awaitSeries("workload:flopwatch_workload_mfu:ratio{workload=\"" + DEMO_WORKLOAD + "\"}", 1);
        // one node: Σ achieved ÷ Σ peak is the node's MFU, 0.40 (DemoCommandTest)
        assertEquals(0.40, Double.parseDouble(mfu.get(0).at("/value/1").asText()), 0.001);
        JsonNode gpus = awaitSeries("workload:flopwatch_workload_gpus:sum{workload=\"" + DEMO_WORKLOAD + "\"}", 1);
        assertEquals(8, Double.parseDouble(gpus.get(0).at("/value/1").asText()));
    }

    @Test
    void everyDashboardExpressionReturnsASeries() throws Exception {
        JsonNode dashboard = json.readTree(DASHBOARD.toFile());
        List<String> exprs = new ArrayList<>();
        collectExprs(dashboard.path("panels"), exprs);
        assertTrue(exprs.size() >= 20, "dashboard expressions found: " + exprs.size());
        for (String expr : exprs) {
            awaitSeries(substituteVariables(expr), -1);
        }
        // template variables: label_values(selector, label) needs the selector to return that label
        Pattern labelValues = Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)");
        int variables = 0;
        for (JsonNode variable : dashboard.at("/templating/list")) {
            if (!"query".equals(variable.path("type").asText())) {
                continue;
            }
            Matcher m = labelValues.matcher(variable.at("/query/query").asText());
            assertTrue(m.matches(), "variable " + variable.path("name") + " is not label_values(…)");
            for (JsonNode series : awaitSeries(substituteVariables(m.group(1)), -1)) {
                assertTrue(series.at("/metric").has(m.group(2)), m.group(2) + " missing in " + series);
            }
            variables++;
        }
        assertEquals(3, variables, "instance, gpu and workload variables");
    }

    @Test
    void diagnosisTimelineEncodesTheStateItsValueMappingNames() throws Exception {
        JsonNode dashboard = json.readTree(DASHBOARD.toFile());
        JsonNode timeline = null;
        for (JsonNode panel : dashboard.path("panels")) {
            if ("Diagnosis per GPU".equals(panel.path("title").asText())) {
                timeline = panel;
            }
        }
        assertTrue(timeline != null, "no 'Diagnosis per GPU' panel");
        // every demo GPU is compute_bound (prometheusScrapesMfuTensorActiveAndDeviceMetrics)
        JsonNode series = awaitSeries(substituteVariables(timeline.at("/targets/0/expr").asText()), 8);
        JsonNode mapping = timeline.at("/fieldConfig/defaults/mappings/0/options");
        for (JsonNode s : series) {
            String code = String.valueOf((int) Double.parseDouble(s.at("/value/1").asText()));
            assertEquals("compute_bound", mapping.at("/" + code + "/text").asText(), "value " + code);
        }
    }

    static void collectExprs(JsonNode node, List<String> into) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getKey().equals("expr") && e.getValue().isTextual()) {
                    into.add(e.getValue().asText());
                } else {
                    collectExprs(e.getValue(), into);
                }
            });
        } else if (node.isArray()) {
            node.forEach(child -> collectExprs(child, into));
        }
    }

    /** "All" for the dashboard's multi-value variables (their allValue is {@code .*}); 1m for Grafana's rate interval. */
    static String substituteVariables(String expr) {
        String s = expr.replace("$__rate_interval", "1m")
                .replace("$instance", ".*").replace("$gpu", ".*").replace("$workload", ".*");
        assertFalse(s.contains("$"), "unknown template variable in " + expr);
        return s;
    }

    /** Queries Prometheus until the instant query returns {@code count} series ({@code -1}: at least one). */
    JsonNode awaitSeries(String query, int count) throws Exception {
        long giveUp = System.nanoTime() + LIMIT.toNanos();
        String last = "";
        while (System.nanoTime() < giveUp) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort
                                + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8)))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                last = r.body();
                JsonNode result = json.readTree(r.body()).at("/data/result");
                if (result.isArray() && (count < 0 ? result.size() > 0 : result.size() == count)) {
                    return result;
                }
            } catch (IOException e) {
                last = e.toString(); // Prometheus still starting
            }
            Thread.sleep(250);
        }
        throw new AssertionError("Prometheus did not return " + (count < 0 ? "a" : count) + " series for " + query + " within "
                + LIMIT.toSeconds() + " s; last answer: " + last + "; log: "
                + Files.readString(tmp.resolve("prometheus.log")));
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
