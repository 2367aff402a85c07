package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.daemon.LiveAnalyzer;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.telemetry.Collectors;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.telemetry.Sampler;
import io.flopwatch.telemetry.Snapshot;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The exposition rendered once per snapshot against the reference: one registry holding every
 * meter, rendered whole by Micrometer at the same moment (what /metrics served before). The
 * golden scenario's two simulated H100s; time is the fake ticker's.
 */
class ExpositionTest {
    private FakeTicker ticker;
    private Sampler sampler;
    /** The reference: every meter in one registry, synced by the sampler. */
    private PrometheusMeterRegistry whole;
    private PrometheusMeterRegistry snapshotDerived;
    private PrometheusMeterRegistry scrapeTime;
    /** Synced by {@link #cycle()}, not by the sampler, so a test can publish without syncing. */
    private SnapshotMetrics split;
    private Exposition exposition;

    @BeforeEach
    void start() throws Exception {
        open(ConfigLoader.parse("golden", AgentGoldenTest.CONFIG), "scenarios/golden-2x-h100.scenario");
    }

    private void open(AgentConfig config, String scenarioResource) throws Exception {
        ticker = new FakeTicker();
        NvmlSource source = NvmlSource.simulated(AgentGoldenTest.resource(scenarioResource));
        sampler = new Sampler(source::open, Collectors.builtIn(config.sampling().collectors()),
                Duration.ofSeconds(1), Duration.ofSeconds(5), ticker,
                new LiveAnalyzer(config, GpuCatalog.load(Optional.empty()), ticker));
        whole = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        SnapshotMetrics reference = new SnapshotMetrics(whole, sampler::latest, ticker, "test");
        sampler.addListener(reference::sync);
        snapshotDerived = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        scrapeTime = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        split = new SnapshotMetrics(snapshotDerived, scrapeTime, sampler::latest, ticker, "test");
        exposition = new Exposition(snapshotDerived, scrapeTime,
                () -> new Exposition.Inputs(sampler.latest(), split.syncs()));
    }

    @AfterEach
    void stop() {
        sampler.close();
        whole.close();
        snapshotDerived.close();
        scrapeTime.close();
    }

    /** Publishes a snapshot and syncs the split meters, as the agent's listener does. */
    private Snapshot cycle() throws InterruptedException {
        Snapshot s = sampler.cycle();
        split.sync(s);
        return s;
    }

    /** GPM's opening sample, then a cycle with every metric. */
    private void twoCycles() throws InterruptedException {
        cycle();
        ticker.advance(Duration.ofSeconds(1));
        assertTrue(cycle().nvmlUp());
    }

    private String body(String contentType) {
        return new String(exposition.scrape(contentType), StandardCharsets.UTF_8);
    }

    private static double value(String body, String seriesPrefix) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(seriesPrefix) + ".*\\} (\\S+)$").matcher(body);
        assertTrue(m.find(), seriesPrefix + " in\n" + body);
        return Double.parseDouble(m.group(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {Exposition.TEXT, Exposition.OPENMETRICS})
    void aCachedBodyIsWhatAFullRenderingGivesAtThatMoment(String contentType) throws Exception {
        twoCycles();
        ticker.advance(Duration.ofMillis(300));
        assertEquals(whole.scrape(contentType), body(contentType), "first scrape of the snapshot");
        ticker.advance(Duration.ofMillis(450));
        // Same lines in the same order: the sample age family sits between its neighbours by name.
        assertEquals(whole.scrape(contentType), body(contentType), "second scrape, from the cache");
        assertEquals(1, exposition.partRenderings(), "two scrapes of one snapshot, one rendering of its part");
        assertTrue(body(contentType).contains("flopwatch_gpu_sample_age_seconds{"));
    }

    /**
     * The shape docs/BENCHMARKS.md section 3 measures, on the demo scenario: 8 GPUs with their
     * processes and 18 NVLink links each, 4 workloads on 2 GPUs each (bench/run.sh agent_config).
     */
    @ParameterizedTest
    @ValueSource(strings = {Exposition.TEXT, Exposition.OPENMETRICS})
    void theBenchmarksShapeIsRenderedTheSame(String contentType) throws Exception {
        stop();
        StringBuilder yaml = new StringBuilder("workloads:\n");
        for (int i = 0; i < 4; i++) {
            yaml.append("  - name: job").append(i).append("\n    model: llama-3-8b\n    mode: train\n")
                    .append("    seq_len: 8192\n    precision: bf16\n    gpus: [").append(2 * i).append(", ")
                    .append(2 * i + 1).append("]\n    throughput:\n      source: fixed\n")
                    .append("      tokens_per_second: 20000\n      window: 10s\n");
        }
        open(ConfigLoader.parse("bench", yaml.toString()), "config/scenarios/demo-8x-h100-training.scenario");
        twoCycles();
        ticker.advance(Duration.ofMillis(700));
        String body = body(contentType);
        assertEquals(whole.scrape(contentType), body);
        assertEquals(8, body.lines().filter(l -> l.startsWith("flopwatch_gpu_sample_age_seconds{")).count());
        assertTrue(body.contains("flopwatch_gpu_nvlink_link_"), "per-link series");
        assertTrue(body.contains("flopwatch_process_"), "per-process series");
        ticker.advance(Duration.ofMillis(200));
        assertEquals(whole.scrape(contentType), body(contentType), "from the cache");
        assertEquals(1, exposition.partRenderings());
    }

    @ParameterizedTest
    @ValueSource(strings = {Exposition.TEXT, Exposition.OPENMETRICS})
    void theSampleAgeGrowsBetweenTwoScrapesOfTheSameSnapshot(String contentType) throws Exception {
        twoCycles();
        double first = value(body(contentType), "flopwatch_gpu_sample_age_seconds{gpu=\"0\"");
        ticker.advance(Duration.ofMillis(2500));
        double second = value(body(contentType), "flopwatch_gpu_sample_age_seconds{gpu=\"0\"");
        assertEquals(first + 2.5, second, 1e-9, "the fake clock moved 2.5 s between the scrapes");
        assertEquals(1, exposition.partRenderings());
    }

    @ParameterizedTest
    @ValueSource(strings = {Exposition.TEXT, Exposition.OPENMETRICS})
    void aNewSnapshotGivesNewValues(String contentType) throws Exception {
        // The golden scenario's readings are constant; a meter of the snapshot's own time changes.
        for (PrometheusMeterRegistry r : new PrometheusMeterRegistry[] {whole, snapshotDerived}) {
            Gauge.builder("flopwatch.test.snapshot.time", () -> sampler.latest().nanoTime() / 1e9).register(r);
        }
        twoCycles();
        String before = body(contentType);
        ticker.advance(Duration.ofSeconds(1));
        cycle();
        String after = body(contentType);
        assertEquals(whole.scrape(contentType), after);
        assertEquals(2, exposition.partRenderings(), "a new snapshot renders its part again");
        Matcher was = Pattern.compile("(?m)^flopwatch_test_snapshot_time (\\S+)$").matcher(before);
        Matcher is = Pattern.compile("(?m)^flopwatch_test_snapshot_time (\\S+)$").matcher(after);
        assertTrue(was.find() && is.find(), after);
        assertEquals(Double.parseDouble(was.group(1)) + 1, Double.parseDouble(is.group(1)), 1e-9,
                "the next snapshot, taken 1 s later on the fake clock");
    }

    @Test
    void metersThatSyncRegistersAfterTheSnapshotWasPublishedShowOnTheNextScrape() throws Exception {
        twoCycles();
        ticker.advance(Duration.ofSeconds(1));
        Snapshot s = sampler.cycle(); // published; the split meters not synced yet
        body(Exposition.TEXT);
        split.sync(s);
        assertEquals(whole.scrape(Exposition.TEXT), body(Exposition.TEXT), "same snapshot, meters of its sync");
    }

    @Test
    void aGpuSeenFirstInALaterSyncShowsWithoutANewSnapshot() throws Exception {
        sampler.cycle(); // published, not synced: no GPU meters in the split registries yet
        String before = body(Exposition.TEXT);
        assertFalse(before.contains("flopwatch_gpu_info{"), before);
        assertFalse(before.contains("flopwatch_gpu_sample_age_seconds{"), before);
        split.sync(sampler.latest());
        String after = body(Exposition.TEXT);
        assertTrue(after.contains("flopwatch_gpu_info{"), after);
        assertTrue(after.contains("flopwatch_gpu_sample_age_seconds{"), after);
        assertEquals(whole.scrape(Exposition.TEXT), after);
    }

    @Test
    void aMeterAddedOrRemovedWithoutASyncShowsOnTheNextScrape() throws Exception {
        twoCycles();
        body(Exposition.TEXT);
        Gauge extra = Gauge.builder("flopwatch.test.extra", () -> 7).register(snapshotDerived);
        assertTrue(body(Exposition.TEXT).contains("flopwatch_test_extra 7.0"));
        snapshotDerived.remove(extra);
        assertFalse(body(Exposition.TEXT).contains("flopwatch_test_extra"));
        assertEquals(3, exposition.partRenderings(), "each change of the meter set renders again");
    }

    @ParameterizedTest
    @ValueSource(strings = {Exposition.TEXT, Exposition.OPENMETRICS})
    void openMetricsEndsWithExactlyOneEof(String contentType) throws Exception {
        twoCycles();
        String body = body(contentType);
        long eofs = body.lines().filter(l -> l.equals("# EOF")).count();
        boolean om = contentType.equals(Exposition.OPENMETRICS);
        assertEquals(om ? 1 : 0, eofs);
        assertEquals(om, body.endsWith("\n# EOF\n"));
    }

    @Test
    void withoutScrapeTimeMetersTheCachedBytesAreServedAsTheyAre() throws Exception {
        sampler.cycle(); // no GPU meters yet: the scrape-time registry is empty
        byte[] first = exposition.scrape(Exposition.OPENMETRICS);
        assertTrue(first == exposition.scrape(Exposition.OPENMETRICS), "one array, not a copy per scrape");
    }

    /**
     * The name the Prometheus client (1.4.3) sorts a family by, from its TYPE line. Expected
     * values: Micrometer 1.16's output for a gauge {@code a.b}, a counter {@code a} in joules and
     * a gauge {@code a.info} (which it exposes as an info metric), in both formats
     * (OpenMetrics: {@code # TYPE a_joules counter}, {@code # TYPE a info}; text 0.0.4:
     * {@code # TYPE a_joules_total counter}, {@code # TYPE a_info gauge}), sorted a, a_b, a_joules.
     */
    @ParameterizedTest
    @CsvSource({
        "a_b gauge,             false, a_b",
        "a_joules_total counter, false, a_joules",
        "a_info gauge,          false, a",
        "a_b gauge,             true,  a_b",
        "a_joules counter,      true,  a_joules",
        "a info,                true,  a",
        "x_total gauge,         false, x_total",
    })
    void familiesAreSortedByThePrometheusName(String typeLine, boolean openMetrics, String key) {
        assertEquals(key, Exposition.Families.sortKey(typeLine, openMetrics));
    }

    @Test
    void theServerAnswersWithTheJoinedBody() throws Exception {
        twoCycles();
        try (MetricsServer server = new MetricsServer(
                new AgentConfig.Web("127.0.0.1", 0, Optional.empty(), Optional.empty(), Map.of()),
                new AgentConfig.Push(false, "/api/v1/throughput", 256, false), true, exposition,
                Map::of, ticker, null)) {
            server.start();
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            for (String contentType : new String[] {Exposition.TEXT, Exposition.OPENMETRICS}) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.url()))
                        .header("Accept", contentType).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                assertEquals(contentType, r.headers().firstValue("Content-Type").orElse(""));
                assertEquals(whole.scrape(contentType), r.body());
            }
        }
    }
}
