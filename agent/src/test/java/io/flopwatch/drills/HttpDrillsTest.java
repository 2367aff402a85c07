package io.flopwatch.drills;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.export.MetricsServer;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.workload.PushThroughputSource;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Fault drills of the HTTP endpoint (issue 8; docs/RELIABILITY.md): many concurrent scrapes,
 * clients that never finish their request, malformed requests, oversized pushes and wrong
 * credentials each get their answer and nothing else breaks. Time limits here bound liveness
 * (a drill must end), they are not speed budgets.
 */
class HttpDrillsTest {
    private static final String USER = "prom:s3cret";

    private static MetricsServer server(Map<String, String> users) throws IOException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Gauge.builder("flopwatch.up", () -> 1).register(registry);
        MetricsServer s = new MetricsServer(new AgentConfig.Web("127.0.0.1", 0, Optional.empty(), Optional.empty(), users),
                new AgentConfig.Push(true, "/api/v1/throughput", 4096, false), registry,
                Map.of("train", new PushThroughputSource("train")), new FakeTicker());
        s.start();
        return s;
    }

    private static HttpRequest.Builder get(MetricsServer s, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).timeout(Duration.ofSeconds(30));
    }

    /** Run in a JVM of its own: loads MetricsServer and prints the JDK server limits it set. */
    public static final class PrintLimits {
        public static void main(String[] args) throws Exception {
            Class.forName(MetricsServer.class.getName());
            for (String k : List.of("maxReqTime", "maxRspTime", "timerMillis", "drainAmount")) {
                System.out.println(k + "=" + System.getProperty("sun.net.httpserver." + k));
            }
        }
    }

    @Test
    void metricsServerSetsTheJdkServersLimitsItself() throws Exception {
        // The surefire configuration sets them as well (test order), so this asks a fresh JVM
        // without them what MetricsServer's static initializer sets.
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), PrintLimits.class.getName())
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the JVM did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals("maxReqTime=4\nmaxRspTime=30\ntimerMillis=3000\ndrainAmount=1048576\n", out);
    }

    @Test
    void aThousandConcurrentScrapesAllAnswer() throws Exception {
        HttpClient http = HttpClient.newBuilder().build();
        try (MetricsServer s = server(Map.of())) {
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                all.add(http.sendAsync(get(s, "/metrics").build(), HttpResponse.BodyHandlers.ofString()));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            for (CompletableFuture<HttpResponse<String>> f : all) {
                assertEquals(200, f.get().statusCode());
                assertTrue(f.get().body().contains("flopwatch_up 1.0"));
            }
        }
    }

    @Test
    void clientsThatNeverFinishTheirRequestDoNotStarveAScrape() throws Exception {
        HttpClient http = HttpClient.newBuilder().build();
        try (MetricsServer s = server(Map.of())) {
            List<Socket> slow = new ArrayList<>();
            try {
                // More stalled requests than the server has worker threads, each stopped inside its headers.
                for (int i = 0; i < 32; i++) {
                    Socket c = new Socket("127.0.0.1", s.port());
                    OutputStream out = c.getOutputStream();
                    out.write("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    slow.add(c);
                }
                HttpResponse<String> r = http.send(get(s, "/metrics").build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
            } finally {
                for (Socket c : slow) {
                    c.close();
                }
            }
        }
    }

    @Test
    void malformedRequestsGetAnErrorAndTheServerGoesOn() throws Exception {
        HttpClient http = HttpClient.newBuilder().build();
        try (MetricsServer s = server(Map.of())) {
            // What each gets (the JDK's HTTP server parses requests; flopwatch's handlers answer
            // unknown paths): garbage and an over-long request line 400, an unknown method on an
            // unknown path 404, an unknown HTTP version is served (the JDK server is lenient).
            Map<String, String> expected = new java.util.LinkedHashMap<>();
            expected.put("\u0000\u0001\u0002garbage\r\n\r\n", "HTTP/1.1 400");
            expected.put("GET\r\n\r\n", "HTTP/1.1 400");
            expected.put("BREW /pot HTTP/1.1\r\n\r\n", "HTTP/1.1 404");
            expected.put("GET /metrics HTTP/9.9\r\nHost: x\r\n\r\n", "HTTP/1.1 200");
            expected.put("x".repeat(100_000) + "\r\n\r\n", "HTTP/1.1 400");
            for (Map.Entry<String, String> e : expected.entrySet()) {
                try (Socket c = new Socket("127.0.0.1", s.port())) {
                    c.setSoTimeout(20_000); // liveness bound: a read timeout fails the drill
                    c.getOutputStream().write(e.getKey().getBytes(StandardCharsets.ISO_8859_1));
                    c.getOutputStream().flush();
                    String status = new java.io.BufferedReader(new java.io.InputStreamReader(c.getInputStream(),
                            StandardCharsets.ISO_8859_1)).readLine();
                    assertTrue(status != null && status.startsWith(e.getValue()),
                            e.getKey().substring(0, Math.min(20, e.getKey().length())) + ": " + status);
                }
            }
            assertEquals(200, http.send(get(s, "/metrics").build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    @Test
    void oversizedPushesAndWrongCredentialsGetTheirStatus() throws Exception {
        HttpClient http = HttpClient.newBuilder().build();
        String hash = "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest("s3cret".getBytes(StandardCharsets.UTF_8)));
        try (MetricsServer s = server(Map.of("prom", hash))) {
            String right = "Basic " + Base64.getEncoder().encodeToString(USER.getBytes(StandardCharsets.UTF_8));
            String wrong = "Basic " + Base64.getEncoder().encodeToString("prom:guess".getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 200; i++) {
                assertEquals(401, http.send(get(s, "/metrics").header("Authorization", wrong).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode());
            }
            // Over max_body_bytes (4096) but within what the server drains (1 MiB): a clean 413.
            HttpResponse<String> tooBig = http.send(get(s, "/api/v1/throughput").header("Authorization", right)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1_000_000])).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(413, tooBig.statusCode());
            // Far larger: a 413 or the connection reset (docs/RELIABILITY.md), never a stuck server.
            try {
                HttpResponse<String> huge = http.send(get(s, "/api/v1/throughput").header("Authorization", right)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[64 << 20])).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(413, huge.statusCode());
            } catch (IOException reset) {
                // the server closed the connection with the rest of the body unread
            }
            assertEquals(200, http.send(get(s, "/metrics").header("Authorization", right).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }
}
