package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.top.TopData;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The snapshot document (GET /api/v1/snapshot, and what top reads in-process): the shape of
 * {@code snapshot --json} with the live agent's additions, and what {@link TopData} reads back.
 * The snapshot is {@link LogLinesTest#snapshot()}: GPU 0 busy (tensor 47 %, compute-bound),
 * GPU 1 stale 5 s, one workload "train" at MFU 40 % on GPU 0.
 */
class SnapshotJsonTest {
    final ObjectMapper mapper = new ObjectMapper();

    @Test
    void theDocumentHasTheSnapshotCommandsShapePlusLiveFields() {
        JsonNode j = new SnapshotJson(mapper).toJson(LogLinesTest.snapshot());
        assertTrue(j.get("simulated").asBoolean());
        assertEquals("2026-01-01T12:00:01Z", j.get("taken_at").asText());
        assertTrue(j.get("gpm_interval_seconds").isNull(), "a live agent has no single GPM pause");
        assertTrue(j.at("/system/driver_version").isNull(), "no SystemInfo in this snapshot");
        assertEquals(2, j.get("devices").size());
        assertTrue(j.at("/devices/0/up").asBoolean());
        assertFalse(j.at("/devices/1/up").asBoolean());
        assertEquals(5.0, j.at("/devices/1/sample_age_seconds").asDouble(), 1e-9);
        assertEquals("collection did not finish", j.at("/devices/1/errors/0").asText());
        assertTrue(j.at("/devices/0/nvlink_links").isNull(), "the sampler does not read link states");
        // analysis: LogLines.json's fields, plus the GPUs, mode and precision of each workload
        assertEquals(0.40, j.at("/analysis/workloads/0/mfu_ratio").asDouble(), 1e-12);
        assertEquals(0, j.at("/analysis/workloads/0/gpus/0").asInt());
        assertEquals("train", j.at("/analysis/workloads/0/mode").asText());
        assertEquals("bf16", j.at("/analysis/workloads/0/precision").asText());
        assertEquals("compute_bound", j.at("/analysis/gpus/0/diagnosis").asText());
    }

    @Test
    void topReadsTheDocumentBack() {
        TopData d = TopData.parse(new SnapshotJson(mapper).toJson(LogLinesTest.snapshot()));
        assertTrue(d.simulated());
        assertTrue(d.nvmlUp());
        assertEquals(2, d.gpus().size());
        TopData.Gpu g0 = d.gpu(0).orElseThrow();
        assertEquals(0.47, g0.tensorActive(), 1e-12);
        assertEquals(0.86, g0.smActive(), 1e-12);
        assertEquals(0.38, g0.dramBandwidth(), 1e-12);
        assertEquals(0.98, g0.kernelActive(), 1e-12);
        assertEquals("compute_bound", g0.diagnosis());
        assertEquals(0.40, d.workloadOn(0).orElseThrow().mfu(), 1e-12);
        assertTrue(d.workloadOn(1).isEmpty(), "the workload runs on GPU 0 only");
        assertFalse(d.gpu(1).orElseThrow().up());
        assertTrue(Double.isNaN(d.gpu(1).orElseThrow().tensorActive()), "unmeasured stays NaN, not 0");
        assertEquals(57.91e9, d.workloads().get(0).modelFlopsPerToken(), 1);
        assertTrue(Double.isNaN(d.workloads().get(0).reportedMfu()), "this workload reports no MFU of its own");
    }

    @Test
    void theEndpointServesItUnderTheSameBasicAuthAsMetrics() throws Exception {
        String hash = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest("s3cret".getBytes(StandardCharsets.UTF_8)));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try (MetricsServer s = new MetricsServer(
                new AgentConfig.Web("127.0.0.1", 0, Optional.empty(), Optional.empty(), Map.of("top", "sha256:" + hash)),
                new AgentConfig.Push(false, "/api/v1/throughput", 256, false), true,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Map.of(), new FakeTicker(),
                LogLinesTest::snapshot)) {
            s.start();
            URI uri = URI.create("http://127.0.0.1:" + s.port() + MetricsServer.SNAPSHOT_PATH);
            assertEquals(401, http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode());
            String auth = "Basic " + Base64.getEncoder().encodeToString("top:s3cret".getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(uri).header("Authorization", auth).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode());
            assertTrue(ok.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
            assertEquals(0.40, mapper.readTree(ok.body()).at("/analysis/workloads/0/mfu_ratio").asDouble(), 1e-12);
            HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri).header("Authorization", auth)
                    .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, post.statusCode(), "read-only");
        }
    }
}
