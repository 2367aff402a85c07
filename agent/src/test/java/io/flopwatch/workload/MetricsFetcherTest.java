package io.flopwatch.workload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The production fetcher against the JDK's own loopback HTTP server (no network). */
class MetricsFetcherTest {
    private HttpServer server;
    private URI base;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/metrics", ex -> {
            byte[] body = "vllm:generation_tokens_total{engine=\"0\"} 42.0\n".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(body);
            }
        });
        server.createContext("/broken", ex -> {
            ex.sendResponseHeaders(503, -1);
            ex.close();
        });
        server.start();
        base = URI.create("http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void fetchesThePageAndRejectsOtherStatuses() throws IOException {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        String page = MetricsFetcher.http(client, base.resolve("/metrics"), Duration.ofSeconds(2)).fetch();
        assertEquals(42.0, PrometheusText.parse(page).samples().get(0).value());
        IOException e = assertThrows(IOException.class,
                () -> MetricsFetcher.http(client, base.resolve("/broken"), Duration.ofSeconds(2)).fetch());
        assertEquals(base.resolve("/broken") + " answered HTTP 503", e.getMessage());
    }
}
