package io.flopwatch.export;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.Ticker;
import io.flopwatch.workload.PushThroughputSource;
import io.flopwatch.workload.ThroughputObservation;
import io.flopwatch.workload.ThroughputScope;
import io.flopwatch.workload.TokenReading;
import io.flopwatch.workload.WorkloadPhase;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.springframework.security.crypto.bcrypt.BCrypt;

/**
 * The agent's HTTP endpoint (the JDK's server): {@code GET /metrics} (Prometheus text, or
 * OpenMetrics when the client asks for it), {@code GET /} (a short index) and the push endpoint
 * through which a workload reports its tokens. Handlers read only the registry, whose meters
 * read only the last snapshot: no request ever waits on a GPU. The agent's {@link Exposition}
 * renders the snapshot-derived series once per snapshot and the sample age on every scrape.
 */
public final class MetricsServer implements AutoCloseable {

    /**
     * Seconds a client may take to send its whole request (headers and body) before the JDK's
     * server closes the connection. Without a limit (the JDK's default) a client that sends half
     * its headers and stops holds a worker thread for ever, and a few of them (slowloris) starve
     * every scrape. 4 s, checked every {@link #TIMEOUT_CHECK_MILLIS}: a stalled client is cut
     * off 4 to 7 s after its request began, within Prometheus' default scrape timeout (10 s), so
     * a scrape queued behind stalled clients still answers in time; no real scraper or push (a
     * few hundred bytes) takes that long on a node.
     */
    static final long MAX_REQUEST_SECONDS = 4;
    /** Seconds a client may take to read the response (a scraper that stops reading). */
    static final long MAX_RESPONSE_SECONDS = 30;
    /**
     * How often the JDK's server looks for requests and responses over those limits (its
     * "req-rsp-timeout" thread; the JDK's default is every second). Every 3 s: that thread's
     * wake-ups were 0.1-0.8 ms of CPU a second of an idle agent (docs/BENCHMARKS.md, section 2),
     * and a limit enforced up to 3 s late still cuts a stalled client off in time (above).
     */
    static final long TIMEOUT_CHECK_MILLIS = 3000;
    /**
     * Bytes of an unread request body the server reads and discards before answering (the JDK's
     * default is 64 KiB). A push larger than push.max_body_bytes is answered 413; if its body were
     * not read, closing the connection with unread bytes makes TCP reset it and the client sees a
     * reset instead of the 413. Up to 1 MiB is drained; larger bodies get the reset.
     */
    static final long DRAIN_BYTES = 1 << 20;

    static {
        // The JDK's HTTP server reads these once, when its first server in this JVM is created,
        // so they are set here, before flopwatch creates any; a value given with -D wins.
        setIfAbsent("sun.net.httpserver.maxReqTime", Long.toString(MAX_REQUEST_SECONDS));
        setIfAbsent("sun.net.httpserver.maxRspTime", Long.toString(MAX_RESPONSE_SECONDS));
        setIfAbsent("sun.net.httpserver.timerMillis", Long.toString(TIMEOUT_CHECK_MILLIS));
        setIfAbsent("sun.net.httpserver.drainAmount", Long.toString(DRAIN_BYTES));
        // TCP_NODELAY: without it a scraper that keeps its connection alive (Prometheus does)
        // waits ~40 ms per small scrape for Nagle's algorithm and its own delayed ACK
        // (measured in docs/BENCHMARKS.md, section 3).
        setIfAbsent("sun.net.httpserver.nodelay", "true");
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    private static final String OPENMETRICS = Exposition.OPENMETRICS;
    private static final String TEXT = Exposition.TEXT;

    private final HttpServer server;
    private final ExecutorService executor;
    /** What /metrics answers; see {@link Exposition} for when it renders. */
    private final Exposition exposition;
    private final AgentConfig.Web web;
    private final AgentConfig.Push push;
    /** The push sources of the moment: a reload may add or remove push workloads under a running server. */
    private final Supplier<Map<String, PushThroughputSource>> pushSources;
    private final Ticker ticker;
    /** Built on first use: only push bodies and the snapshot endpoint read or write JSON, and a mapper is slow to build at start-up. */
    private static final class Json {
        static final ObjectMapper MAPPER = new ObjectMapper();
        static final SnapshotJson SNAPSHOT = new SnapshotJson(MAPPER);
    }
    /** Digests of credentials whose bcrypt check passed (see {@link #authorized}). */
    private final java.util.Set<String> bcryptPassed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final int BCRYPT_CACHE_ENTRIES = 64;
    private final boolean servesSnapshot;

    /** Where the last snapshot is served as JSON (GET; docs/agent.md "Snapshot endpoint"). */
    public static final String SNAPSHOT_PATH = "/api/v1/snapshot";

    public MetricsServer(AgentConfig.Web web, AgentConfig.Push push, PrometheusMeterRegistry registry,
                         Map<String, PushThroughputSource> pushSources, Ticker ticker) throws IOException {
        this(web, push, true, registry, pushSources, ticker);
    }

    /** @param serveMetrics false when exporters.prometheus is off (the server then only takes pushes) */
    public MetricsServer(AgentConfig.Web web, AgentConfig.Push push, boolean serveMetrics,
                         PrometheusMeterRegistry registry, Map<String, PushThroughputSource> pushSources, Ticker ticker)
            throws IOException {
        this(web, push, serveMetrics, registry, constant(Map.copyOf(pushSources)), ticker, null);
    }

    /** With a fixed set of push sources and the snapshot endpoint. */
    public MetricsServer(AgentConfig.Web web, AgentConfig.Push push, boolean serveMetrics,
                         PrometheusMeterRegistry registry, Map<String, PushThroughputSource> pushSources, Ticker ticker,
                         Supplier<Snapshot> snapshots) throws IOException {
        this(web, push, serveMetrics, registry, constant(Map.copyOf(pushSources)), ticker, snapshots);
    }

    private static Supplier<Map<String, PushThroughputSource>> constant(Map<String, PushThroughputSource> m) {
        return () -> m;
    }

    /**
     * @param pushSources asked on each push, so workloads reloaded under the server are found
     * @param snapshots   the agent's last published snapshot, served read-only at {@link #SNAPSHOT_PATH}
     *                    (with /metrics, under the same basic auth); null: no snapshot endpoint
     */
    public MetricsServer(AgentConfig.Web web, AgentConfig.Push push, boolean serveMetrics,
                         PrometheusMeterRegistry registry, Supplier<Map<String, PushThroughputSource>> pushSources,
                         Ticker ticker, Supplier<Snapshot> snapshots) throws IOException {
        this(web, push, serveMetrics, Exposition.uncached(registry), pushSources, ticker, snapshots);
    }

    /**
     * @param exposition  what /metrics answers (the agent's renders once per snapshot)
     * @param pushSources asked on each push, so workloads reloaded under the server are found
     * @param snapshots   the agent's last published snapshot, served read-only at {@link #SNAPSHOT_PATH}
     *                    (with /metrics, under the same basic auth); null: no snapshot endpoint
     */
    public MetricsServer(AgentConfig.Web web, AgentConfig.Push push, boolean serveMetrics,
                         Exposition exposition, Supplier<Map<String, PushThroughputSource>> pushSources,
                         Ticker ticker, Supplier<Snapshot> snapshots) throws IOException {
        this.web = web;
        this.push = push;
        this.exposition = java.util.Objects.requireNonNull(exposition, "exposition");
        this.servesSnapshot = serveMetrics && snapshots != null;
        this.pushSources = pushSources;
        this.ticker = ticker;
        InetSocketAddress address = new InetSocketAddress(web.host(), web.port());
        try {
            if (web.tlsCertFile().isPresent()) {
                SSLContext tls = Tls.context(web.tlsCertFile().get(), web.tlsKeyFile().orElseThrow());
                HttpsServer https = HttpsServer.create(address, 0);
                https.setHttpsConfigurator(new HttpsConfigurator(tls));
                server = https;
            } else {
                server = HttpServer.create(address, 0);
            }
        } catch (java.net.BindException e) {
            // A port in use (another flopwatch, another exporter) is the user's to fix, not a bug.
            throw new io.flopwatch.config.InputError("web.listen_address", 0, 0, null, web.host() + ":" + web.port()
                    + " cannot be bound (" + e.getMessage() + "): another process may be using it; choose another port");
        }
        AtomicInteger n = new AtomicInteger();
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "flopwatch-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        if (serveMetrics) {
            server.createContext("/metrics", ex -> handle(ex, this::metrics));
            if (snapshots != null) {
                server.createContext(SNAPSHOT_PATH, ex -> handle(ex, e -> snapshot(e, snapshots)));
            }
        }
        if (push.enabled()) {
            server.createContext(push.path(), push.bearerToken().isPresent()
                    ? ex -> handleWithBearer(ex, push.bearerToken().get(), this::push)
                    : ex -> handle(ex, this::push));
        }
        server.createContext("/", ex -> handle(ex, this::index));
    }

    public void start() {
        server.start();
    }

    /** A control for clients on this host only (e.g. CUPTI pause/resume): request → status and JSON body. */
    @FunctionalInterface
    public interface LocalControl {
        /**
         * @param method the HTTP method
         * @param path   the request path
         * @param header a request header's value by name, or null
         */
        Reply handle(String method, String path, java.util.function.Function<String, String> header);

        record Reply(int status, String json) {
        }
    }

    /**
     * Serves {@code path} and below to loopback clients only (others get 403, whatever
     * {@code listen_address} is); basic auth, when configured, applies as on every path. Call
     * before {@link #start()}.
     */
    public void addLocalControl(String path, LocalControl control) {
        server.createContext(path, ex -> handle(ex, e -> localControl(e, control)));
    }

    private void localControl(HttpExchange ex, LocalControl control) throws IOException {
        if (!ex.getRemoteAddress().getAddress().isLoopbackAddress()) {
            send(ex, 403, "text/plain; charset=utf-8", "this control is accepted from this host only\n");
            return;
        }
        try (InputStream in = ex.getRequestBody()) {
            in.readNBytes(4096); // no body is expected; drain a small one
        }
        LocalControl.Reply r = control.handle(ex.getRequestMethod(), ex.getRequestURI().getPath(),
                name -> ex.getRequestHeaders().getFirst(name));
        send(ex, r.status(), "application/json; charset=utf-8", r.json());
    }

    /** The port bound (useful with port 0). */
    public int port() {
        return server.getAddress().getPort();
    }

    public String url() {
        String host = web.host().equals("0.0.0.0") || web.host().equals("::") ? "127.0.0.1" : web.host();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return (web.tlsCertFile().isPresent() ? "https" : "http") + "://" + host + ":" + port() + "/metrics";
    }

    @FunctionalInterface
    private interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    private void handle(HttpExchange ex, Handler h) throws IOException {
        try (ex) {
            if (!authorized(ex)) {
                ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"flopwatch\"");
                send(ex, 401, "text/plain; charset=utf-8", "unauthorized\n");
                return;
            }
            h.handle(ex);
        } catch (RuntimeException e) {
            // A bug in a handler must not take the server down; the client sees a 500.
            try {
                send(ex, 500, "text/plain; charset=utf-8", "internal error: " + e + "\n");
            } catch (IOException | RuntimeException ignored) {
                // response already started
            }
        }
    }

    /**
     * The push path with {@code push.bearer_token_file}: the token replaces basic auth there, since
     * a request has one Authorization header and a training script holds a token, not a user.
     */
    private void handleWithBearer(HttpExchange ex, io.flopwatch.config.BearerToken token, Handler h)
            throws IOException {
        try (ex) {
            String presented = ex.getRequestHeaders().getFirst("Authorization");
            if (!token.matchesHeader(presented)) {
                // RFC 6750 §3: 401 names the scheme; error="invalid_token" only when one was sent.
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"flopwatch\""
                        + (presented == null ? "" : ", error=\"invalid_token\""));
                send(ex, 401, "text/plain; charset=utf-8", "unauthorized: send Authorization: Bearer <token>\n");
                return;
            }
            h.handle(ex);
        } catch (RuntimeException e) {
            try {
                send(ex, 500, "text/plain; charset=utf-8", "internal error: " + e + "\n");
            } catch (IOException | RuntimeException ignored) {
                // response already started
            }
        }
    }

    private void metrics(HttpExchange ex) throws IOException {
        if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
            send(ex, 405, "text/plain; charset=utf-8", "use GET\n");
            return;
        }
        String accept = ex.getRequestHeaders().getFirst("Accept");
        boolean openMetrics = accept != null && accept.contains("application/openmetrics-text");
        String contentType = openMetrics ? OPENMETRICS : TEXT;
        send(ex, 200, contentType, exposition.scrape(contentType));
    }

    /**
     * The last published snapshot as JSON ({@link SnapshotJson}; docs/agent.md). It formats what
     * the sampler already published and never waits on a GPU, so a client polling it (flopwatch
     * top) cannot slow sampling.
     */
    private void snapshot(HttpExchange ex, Supplier<Snapshot> snapshots) throws IOException {
        if (!ex.getRequestMethod().equals("GET") && !ex.getRequestMethod().equals("HEAD")) {
            send(ex, 405, "text/plain; charset=utf-8", "use GET\n");
            return;
        }
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        send(ex, 200, "application/json; charset=utf-8", Json.SNAPSHOT.toJsonText(snapshots.get()) + "\n");
    }

    private void index(HttpExchange ex) throws IOException {
        if (!ex.getRequestURI().getPath().equals("/")) {
            send(ex, 404, "text/plain; charset=utf-8", "not found; metrics are at /metrics\n");
            return;
        }
        send(ex, 200, "text/html; charset=utf-8", "<html><head><title>flopwatch</title></head><body>"
                + "<h1>flopwatch</h1><p><a href=\"/metrics\">/metrics</a></p>"
                + (servesSnapshot ? "<p><a href=\"" + SNAPSHOT_PATH + "\">" + SNAPSHOT_PATH + "</a> (JSON)</p>" : "")
                + "</body></html>\n");
    }

    /**
     * POST {"workload": NAME, "tokens": N} (tokens since the previous push) or
     * {"workload": NAME, "tokens_total": N} (tokens since the workload started).
     */
    private void push(HttpExchange ex) throws IOException {
        if (!push.allowRemote() && !ex.getRemoteAddress().getAddress().isLoopbackAddress()) {
            send(ex, 403, "text/plain; charset=utf-8", "pushes are accepted from this host only (push.allow_remote)\n");
            return;
        }
        if (!ex.getRequestMethod().equals("POST")) {
            send(ex, 405, "text/plain; charset=utf-8", "use POST\n");
            return;
        }
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes(push.maxBodyBytes() + 1);
        }
        if (body.length > push.maxBodyBytes()) {
            send(ex, 413, "text/plain; charset=utf-8", "body larger than " + push.maxBodyBytes() + " bytes\n");
            return;
        }
        JsonNode doc;
        try {
            doc = Json.MAPPER.readTree(body);
        } catch (IOException e) {
            send(ex, 400, "text/plain; charset=utf-8", "not JSON\n");
            return;
        }
        if (doc == null || !doc.isObject() || !doc.path("workload").isTextual()) {
            send(ex, 400, "text/plain; charset=utf-8", "expected {\"workload\": NAME, \"tokens\" or \"tokens_total\": N}\n");
            return;
        }
        PushThroughputSource source = pushSources.get().get(doc.get("workload").asText());
        if (source == null) {
            send(ex, 404, "text/plain; charset=utf-8", "no workload with throughput source push is named '"
                    + doc.get("workload").asText() + "'\n");
            return;
        }
        boolean delta = doc.has("tokens");
        JsonNode tokens = delta ? doc.get("tokens") : doc.get("tokens_total");
        if ((doc.has("tokens") == doc.has("tokens_total")) || tokens == null || !tokens.isNumber()
                || !(tokens.asDouble() >= 0) || Double.isInfinite(tokens.asDouble())) {
            send(ex, 400, "text/plain; charset=utf-8", "give exactly one of tokens, tokens_total: a number >= 0\n");
            return;
        }
        WorkloadPhase phase = doc.path("phase").asText("training").equals("inference")
                ? WorkloadPhase.PREFILL : WorkloadPhase.TRAINING;
        source.offer(ThroughputObservation.of(ticker.nanoTime(), phase,
                delta ? TokenReading.DELTA : TokenReading.CUMULATIVE, tokens.asDouble(), ThroughputScope.NODE));
        send(ex, 202, "text/plain; charset=utf-8", "accepted\n");
    }

    private boolean authorized(HttpExchange ex) {
        if (web.basicAuthUsers().isEmpty()) {
            return true;
        }
        String h = ex.getRequestHeaders().getFirst("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(h.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return false;
        }
        String stored = web.basicAuthUsers().get(decoded.substring(0, colon));
        if (stored == null) {
            return false;
        }
        String password = decoded.substring(colon + 1);
        if (!stored.startsWith("$2")) {
            return passwordMatches(stored, password);
        }
        // bcrypt is slow on purpose (2^cost rounds, ~50 ms at cost 10): checking it on every
        // scrape would make authentication the agent's largest cost. Like Prometheus'
        // exporter-toolkit, remember the credentials that passed, as a SHA-256 digest of hash and
        // password (never the password), in a small set that a new server (reload) starts empty.
        String key = HexFormat.of().formatHex(sha256(stored + "\u0000" + password));
        if (bcryptPassed.contains(key)) {
            return true;
        }
        if (!passwordMatches(stored, password)) {
            return false;
        }
        if (bcryptPassed.size() >= BCRYPT_CACHE_ENTRIES) {
            bcryptPassed.clear();
        }
        bcryptPassed.add(key);
        return true;
    }

    /**
     * Whether the password matches its stored form: a bcrypt hash ({@code $2a$}, {@code $2b$},
     * {@code $2y$}: Prometheus' web-config format), {@code sha256:hex} or {@code plain:text};
     * the last two compared in constant time.
     */
    static boolean passwordMatches(String stored, String password) {
        if (stored.startsWith("$2")) {
            try {
                return BCrypt.checkpw(password, stored);
            } catch (IllegalArgumentException e) {
                return false; // a hash the loader let through but bcrypt cannot read: deny
            }
        }
        byte[] expected;
        byte[] actual;
        if (stored.startsWith("sha256:")) {
            expected = HexFormat.of().parseHex(stored.substring(7).toLowerCase(java.util.Locale.ROOT));
            actual = sha256(password);
        } else {
            expected = sha256(stored.substring(6));
            actual = sha256(password);
        }
        return MessageDigest.isEqual(expected, actual);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
        send(ex, status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String contentType, byte[] bytes) throws IOException {
        ex.getResponseHeaders().set("Content-Type", contentType);
        boolean head = ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
