package io.flopwatch.workload;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;

/**
 * One bounded fetch of a metrics endpoint's text. In production an HTTP GET
 * ({@link #http(HttpClient, URI, Duration)}); in tests a hand-written fake.
 */
@FunctionalInterface
public interface MetricsFetcher {

    /**
     * @return the exposition text
     * @throws IOException when the endpoint cannot be reached, answers with a status other than
     *                     200, or does not answer within the fetcher's timeout
     */
    String fetch() throws IOException;

    /**
     * A GET of {@code uri} with {@code java.net.http}, bounded by {@code timeout} for the whole
     * response. The client's connect timeout is the caller's (build it with one).
     */
    static MetricsFetcher http(HttpClient client, URI uri, Duration timeout) {
        Objects.requireNonNull(client, "client");
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", "text/plain; version=0.0.4")
                .GET()
                .build();
        return () -> {
            try {
                HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IOException(uri + " answered HTTP " + r.statusCode());
                }
                return r.body();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while fetching " + uri, e);
            }
        };
    }
}
