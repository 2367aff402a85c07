package io.flopwatch.top;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flopwatch.export.SnapshotJson;
import io.flopwatch.telemetry.Sampler;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Optional;

/**
 * Where top's snapshots come from: a running daemon's snapshot endpoint, or a sampler of its own.
 * Both give the same JSON document (docs/agent.md "Snapshot endpoint"), so the screen has one
 * input shape.
 */
public interface SnapshotFeed extends AutoCloseable {

    /** The latest snapshot document. */
    JsonNode latest() throws IOException;

    /** For the title line, e.g. "daemon 127.0.0.1:9479". */
    String describe();

    @Override
    default void close() {
    }

    /**
     * A daemon's {@code GET /api/v1/snapshot}. Only reads: the daemon formats what its sampler has
     * already published, so polling it never slows sampling.
     */
    final class Daemon implements SnapshotFeed {
        /** A local daemon answers in milliseconds; longer means it is not there (or hung). */
        static final Duration TIMEOUT = Duration.ofSeconds(2);

        private final URI uri;
        private final Optional<String> basicAuth;
        private final HttpClient http;
        private final ObjectMapper mapper = new ObjectMapper();

        /** @param userColonPassword for a daemon with web.basic_auth_users, else empty */
        public Daemon(URI uri, Optional<String> userColonPassword) {
            this.uri = uri;
            this.basicAuth = userColonPassword.map(u -> "Basic "
                    + Base64.getEncoder().encodeToString(u.getBytes(StandardCharsets.UTF_8)));
            this.http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        }

        @Override
        public JsonNode latest() throws IOException {
            HttpRequest.Builder req = HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "application/json")
                    .GET();
            basicAuth.ifPresent(a -> req.header("Authorization", a));
            HttpResponse<String> r;
            try {
                r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            if (r.statusCode() == 401) {
                throw new Unauthorized(uri + " answered HTTP 401: set FLOPWATCH_TOP_AUTH=user:password "
                        + "(one of the daemon's web.basic_auth_users)");
            }
            if (r.statusCode() != 200) {
                throw new IOException(uri + " answered HTTP " + r.statusCode()
                        + (r.statusCode() == 401 ? " (set FLOPWATCH_TOP_AUTH=user:password)" : "")
                        + (r.statusCode() == 404 ? " (a flopwatch without the snapshot endpoint?)" : ""));
            }
            return mapper.readTree(r.body());
        }

        @Override
        public String describe() {
            return "daemon " + uri.getAuthority();
        }

        /** The daemon is there but wants credentials: not a reason to sample behind its back. */
        public static final class Unauthorized extends IOException {
            private static final long serialVersionUID = 1L;

            Unauthorized(String message) {
                super(message);
            }
        }
    }

    /** A sampler of top's own, when no daemon answers (or with --simulate). */
    final class Local implements SnapshotFeed {
        private final Sampler sampler;
        private final AutoCloseable analyzer;
        private final String what;
        private final SnapshotJson json = new SnapshotJson(new ObjectMapper());

        /** @param analyzer closed after the sampler (it owns the workloads' throughput sources) */
        public Local(Sampler sampler, AutoCloseable analyzer, String what) {
            this.sampler = sampler;
            this.analyzer = analyzer;
            this.what = what;
        }

        @Override
        public JsonNode latest() {
            return json.toJson(sampler.latest());
        }

        @Override
        public String describe() {
            return what;
        }

        @Override
        public void close() {
            sampler.close(Duration.ofSeconds(2));
            try {
                analyzer.close();
            } catch (Exception e) {
                // closing log tailers on the way out: nothing left to tell the user
            }
        }
    }
}
