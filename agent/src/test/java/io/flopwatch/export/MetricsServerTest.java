package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.BearerToken;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.workload.PushThroughputSource;
import io.flopwatch.workload.ThroughputObservation;
import io.flopwatch.workload.TokenReading;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class MetricsServerTest {
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    MetricsServer server(Map<String, String> users, PushThroughputSource push) throws Exception {
        MetricsServer s = new MetricsServer(
                new AgentConfig.Web("127.0.0.1", 0, Optional.empty(), Optional.empty(), users),
                new AgentConfig.Push(true, "/api/v1/throughput", 256, false),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Map.of("train", push), new FakeTicker());
        s.start();
        return s;
    }

    HttpResponse<String> post(MetricsServer s, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/api/v1/throughput"))
                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aPushBecomesAnObservationOfItsWorkload() throws Exception {
        PushThroughputSource push = new PushThroughputSource("train");
        try (MetricsServer s = server(Map.of(), push)) {
            assertEquals(202, post(s, "{\"workload\": \"train\", \"tokens\": 4096}").statusCode());
            assertEquals(202, post(s, "{\"workload\": \"train\", \"tokens_total\": 1e6}").statusCode());
            List<ThroughputObservation> seen = push.poll();
            assertEquals(2, seen.size());
            assertEquals(TokenReading.DELTA, seen.get(0).reading());
            assertEquals(4096, seen.get(0).tokens());
            assertEquals(TokenReading.CUMULATIVE, seen.get(1).reading());
            assertTrue(push.poll().isEmpty());
        }
    }

    static Stream<Arguments> badPushes() {
        return Stream.of(
                Arguments.of("not JSON", "tokens=5", 400),
                Arguments.of("no workload", "{\"tokens\": 5}", 400),
                Arguments.of("unknown workload", "{\"workload\": \"other\", \"tokens\": 5}", 404),
                Arguments.of("both kinds", "{\"workload\": \"train\", \"tokens\": 5, \"tokens_total\": 9}", 400),
                Arguments.of("negative", "{\"workload\": \"train\", \"tokens\": -5}", 400),
                Arguments.of("text number", "{\"workload\": \"train\", \"tokens\": \"5\"}", 400),
                Arguments.of("over max_body_bytes (256)", "{\"workload\": \"train\", \"tokens\": 5, \"pad\": \""
                        + "x".repeat(300) + "\"}", 413));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badPushes")
    void badPushesAreRefusedWith4xx(String why, String body, int status) throws Exception {
        PushThroughputSource push = new PushThroughputSource("train");
        try (MetricsServer s = server(Map.of(), push)) {
            assertEquals(status, post(s, body).statusCode(), why);
            assertTrue(push.poll().isEmpty());
        }
    }

    @Test
    void basicAuthGuardsEveryPath() throws Exception {
        String hash = HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest("s3cret".getBytes(StandardCharsets.UTF_8)));
        try (MetricsServer s = server(Map.of("prom", "sha256:" + hash), new PushThroughputSource("train"))) {
            URI metrics = URI.create("http://127.0.0.1:" + s.port() + "/metrics");
            assertEquals(401, http.send(HttpRequest.newBuilder(metrics).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            String wrong = Base64.getEncoder().encodeToString("prom:nope".getBytes(StandardCharsets.UTF_8));
            assertEquals(401, http.send(HttpRequest.newBuilder(metrics).header("Authorization", "Basic " + wrong).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
            String right = Base64.getEncoder().encodeToString("prom:s3cret".getBytes(StandardCharsets.UTF_8));
            HttpResponse<String> ok = http.send(HttpRequest.newBuilder(metrics).header("Authorization", "Basic " + right)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ok.statusCode());
        }
    }

    /**
     * bcrypt hashes in the modular crypt format (Prometheus' web config). "U*U" is a published
     * vector of Openwall's crypt_blowfish test suite (wrapper.c, tests[]); the "s3cret" hash was
     * made by another implementation, libxcrypt (Debian's libcrypt1) through Python's crypt module.
     */
    @ParameterizedTest(name = "{0} / {1}")
    @CsvSource(delimiter = '|', value = {
            "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW | U*U | true",
            "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW | U*V | false",
            "$2y$10$abcdefghijklmnopqrstuu3KWNuWLhBnmgYfnzONPueahDuedC/lu | s3cret | true",
            "$2y$10$abcdefghijklmnopqrstuu3KWNuWLhBnmgYfnzONPueahDuedC/lu | s3creT | false",
    })
    void bcryptHashesAreChecked(String hash, String password, boolean matches) {
        assertEquals(matches, MetricsServer.passwordMatches(hash, password));
    }

    @Test
    void bcryptBasicAuthAdmitsTheRightPasswordRepeatedly() throws Exception {
        String hash = "$2y$10$abcdefghijklmnopqrstuu3KWNuWLhBnmgYfnzONPueahDuedC/lu";
        try (MetricsServer s = server(Map.of("prom", hash), new PushThroughputSource("train"))) {
            URI metrics = URI.create("http://127.0.0.1:" + s.port() + "/metrics");
            String right = Base64.getEncoder().encodeToString("prom:s3cret".getBytes(StandardCharsets.UTF_8));
            String wrong = Base64.getEncoder().encodeToString("prom:s3creT".getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < 3; i++) { // the second and third come from the cache of passed checks
                assertEquals(200, http.send(HttpRequest.newBuilder(metrics).header("Authorization", "Basic " + right)
                        .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
                assertEquals(401, http.send(HttpRequest.newBuilder(metrics).header("Authorization", "Basic " + wrong)
                        .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            }
        }
    }

    MetricsServer serverWithToken(Map<String, String> users, PushThroughputSource push) throws Exception {
        MetricsServer s = new MetricsServer(
                new AgentConfig.Web("127.0.0.1", 0, Optional.empty(), Optional.empty(), users),
                new AgentConfig.Push(true, "/api/v1/throughput", 256, false,
                        Optional.of(BearerToken.of(Path.of("/etc/flopwatch/push-token"), "t0ken"))),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), Map.of("train", push), new FakeTicker());
        s.start();
        return s;
    }

    HttpResponse<String> post(MetricsServer s, String body, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/api/v1/throughput"))
                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static Stream<Arguments> bearerCases() {
        // RFC 6750 §3: 401 with "WWW-Authenticate: Bearer …"; error="invalid_token" when a token was sent.
        return Stream.of(
                Arguments.of("right token", "Bearer t0ken", 202, null),
                Arguments.of("right token, scheme in lower case (RFC 7235 §2.1)", "bearer t0ken", 202, null),
                Arguments.of("wrong token", "Bearer t0ke", 401, "Bearer realm=\"flopwatch\", error=\"invalid_token\""),
                Arguments.of("longer token", "Bearer t0ken2", 401, "Bearer realm=\"flopwatch\", error=\"invalid_token\""),
                Arguments.of("basic credentials instead", "Basic " + Base64.getEncoder().encodeToString(
                        "prom:t0ken".getBytes(StandardCharsets.UTF_8)), 401,
                        "Bearer realm=\"flopwatch\", error=\"invalid_token\""),
                Arguments.of("missing header", null, 401, "Bearer realm=\"flopwatch\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bearerCases")
    void aBearerTokenGuardsThePushEndpoint(String why, String authorization, int status, String challenge)
            throws Exception {
        PushThroughputSource push = new PushThroughputSource("train");
        try (MetricsServer s = serverWithToken(Map.of(), push)) {
            HttpResponse<String> r = post(s, "{\"workload\": \"train\", \"tokens_total\": 100}", authorization);
            assertEquals(status, r.statusCode(), why);
            assertEquals(Optional.ofNullable(challenge), r.headers().firstValue("WWW-Authenticate"), why);
            assertEquals(status == 202 ? 1 : 0, push.poll().size(), why);
        }
    }

    @Test
    void withATokenBasicAuthStillGuardsMetricsButNotThePushPath() throws Exception {
        try (MetricsServer s = serverWithToken(Map.of("prom", "plain:s3cret"), new PushThroughputSource("train"))) {
            URI metrics = URI.create("http://127.0.0.1:" + s.port() + "/metrics");
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, r.statusCode());
            assertEquals(Optional.of("Basic realm=\"flopwatch\""), r.headers().firstValue("WWW-Authenticate"));
            assertEquals(202, post(s, "{\"workload\": \"train\", \"tokens\": 1}", "Bearer t0ken").statusCode());
        }
    }

    @Test
    void openMetricsWhenAskedFor() throws Exception {
        try (MetricsServer s = server(Map.of(), new PushThroughputSource("train"))) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/metrics"))
                    .header("Accept", "application/openmetrics-text; version=1.0.0").build(),
                    HttpResponse.BodyHandlers.ofString());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
            assertTrue(r.body().endsWith("# EOF\n"), r.body());
        }
    }
}
