package io.flopwatch.config;

import io.flopwatch.config.AgentConfig.GpuSelection;
import io.flopwatch.config.LocatedTree.Node;
import io.flopwatch.flops.Mode;
import io.flopwatch.flops.Recompute;
import io.flopwatch.gpu.Precision;
import io.flopwatch.telemetry.Collectors;
import io.flopwatch.telemetry.cupti.CuptiCollectorSettings;
import io.flopwatch.telemetry.cupti.CuptiMode;
import io.flopwatch.workload.CustomPatternParser;
import io.flopwatch.workload.LogFormat;
import io.flopwatch.workload.ParserSettings;
import io.flopwatch.workload.ThroughputScope;
import io.flopwatch.workload.RequestLengths;
import io.flopwatch.workload.TokenCounters;
import io.flopwatch.workload.WorkloadPhase;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code flopwatch.yaml} into an {@link AgentConfig}. Every mistake is an
 * {@link InputError} with file, line, column and field; unknown keys are errors. Defaults are
 * those of docs/configuration.md.
 */
public final class ConfigLoader {
    /**
     * A bcrypt hash in the modular crypt format: $2a$/$2b$/$2y$, a two-digit cost 04–31, 22
     * characters of salt and 31 of hash in bcrypt's base-64 alphabet (Provos and Mazières 1999;
     * OpenBSD bcrypt(3)); the form Prometheus' web config takes in basic_auth_users.
     */
    static final java.util.regex.Pattern BCRYPT =
            java.util.regex.Pattern.compile("\\$2[aby]\\$(0[4-9]|[12][0-9]|3[01])\\$[./A-Za-z0-9]{53}");


    /** The default listen port; see docs/configuration.md for why this one. */
    public static final int DEFAULT_PORT = 9479;
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);
    /** NVML wants GPM samples at least 100 ms apart (nvml.h, nvmlGpmMetricsGet). */
    public static final Duration MIN_GPM_INTERVAL = Duration.ofMillis(100);
    public static final String DEFAULT_PUSH_PATH = "/api/v1/throughput";

    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)");

    private ConfigLoader() {
    }

    public static AgentConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new InputError(file.toString(), 0, 0, null, "cannot read the config file: " + e.getMessage());
        }
        return parse(file.toString(), text);
    }

    /** The configuration with every default: what an empty file gives. */
    public static AgentConfig defaults() {
        return parse("(defaults)", "{}");
    }

    /**
     * Reads a configuration. Each section (and each workload) is read even when another has an
     * error, so a file with several mistakes reports them all at once, one line each in file
     * order ({@link InputError#all}); within one section the first mistake is reported.
     */
    public static AgentConfig parse(String source, String text) {
        Node root = text.isBlank() ? LocatedTree.parseYaml(source, "{}") : LocatedTree.parseYaml(source, text);
        List<InputError> errors = new ArrayList<>();
        collect(errors, () -> {
            root.onlyKeys(Set.of("web", "sampling", "analysis", "exporters", "push", "workloads", "cupti",
                    "attribution"));
            return null;
        });
        AgentConfig.Sampling sampling = collect(errors, () -> sampling(root.get("sampling")));
        List<AgentConfig.WorkloadConfig> workloads = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Node list = root.get("workloads");
        if (list != null) {
            List<Node> elements = collect(errors, list::elements);
            for (Node w : elements == null ? List.<Node>of() : elements) {
                AgentConfig.WorkloadConfig wc = collect(errors, () -> workload(w));
                if (wc == null) {
                    continue;
                }
                if (!names.add(wc.name())) {
                    errors.add(w.require("name").error("two workloads are named '" + wc.name() + "'"));
                }
                workloads.add(wc);
            }
        }
        AgentConfig.Web web = collect(errors, () -> web(root.get("web")));
        AgentConfig.Analysis analysis = collect(errors, () -> analysis(root.get("analysis")));
        AgentConfig.Exporters exporters = collect(errors, () -> exporters(root.get("exporters")));
        AgentConfig.Push push = collect(errors, () -> push(root.get("push")));
        AgentConfig.Cupti cupti = collect(errors, () -> cupti(root.get("cupti")));
        AgentConfig.Attribution attribution = collect(errors, () -> attribution(root.get("attribution")));
        if (!errors.isEmpty()) {
            throw InputError.all(errors);
        }
        return new AgentConfig(web, sampling, analysis, exporters, push, workloads, cupti, attribution);
    }

    /** Runs one section's reader; its error is recorded (and null returned) instead of thrown. */
    private static <T> T collect(List<InputError> errors, java.util.function.Supplier<T> section) {
        try {
            return section.get();
        } catch (InputError e) {
            errors.add(e);
            return null;
        }
    }

    private static AgentConfig.Attribution attribution(Node n) {
        AgentConfig.Attribution d = AgentConfig.Attribution.DEFAULTS;
        if (n == null) {
            return d;
        }
        n.onlyKeys(Set.of("enabled", "proc_root", "passwd_file", "kubernetes_pod_logs", "kubernetes_container_logs",
                "hpc_job_mapping_dir", "max_processes_per_gpu", "command_max_chars", "read_environment"));
        int max = n.intOr("max_processes_per_gpu", d.maxProcessesPerGpu());
        if (max < 0) {
            throw n.get("max_processes_per_gpu").error("must be 0 (no per-process series) or more");
        }
        int chars = n.intOr("command_max_chars", d.commandMaxChars());
        if (chars < 1) {
            throw n.get("command_max_chars").error("must be at least 1");
        }
        return new AgentConfig.Attribution(n.boolOr("enabled", d.enabled()),
                n.get("proc_root") == null ? d.procRoot() : Path.of(n.get("proc_root").asText()),
                optionalPath(n, "passwd_file", d.passwdFile()),
                optionalPath(n, "kubernetes_pod_logs", d.kubernetesPodLogs()),
                optionalPath(n, "kubernetes_container_logs", d.kubernetesContainerLogs()),
                optionalPath(n, "hpc_job_mapping_dir", d.hpcJobMappingDir()), max, chars,
                n.boolOr("read_environment", d.readEnvironment()));
    }

    /** A path key; an empty string switches the default off. */
    private static Optional<Path> optionalPath(Node n, String key, Optional<Path> fallback) {
        Node v = n.get(key);
        if (v == null) {
            return fallback;
        }
        String text = v.asText().trim();
        return text.isEmpty() ? Optional.empty() : Optional.of(Path.of(text));
    }

    private static AgentConfig.Web web(Node n) {
        if (n == null) {
            return new AgentConfig.Web(DEFAULT_HOST, DEFAULT_PORT, Optional.empty(), Optional.empty(), Map.of());
        }
        n.onlyKeys(Set.of("listen_address", "tls_server_config", "basic_auth_users"));
        String host = DEFAULT_HOST;
        int port = DEFAULT_PORT;
        Node listen = n.get("listen_address");
        if (listen != null) {
            String a = listen.asText().trim();
            int colon = a.lastIndexOf(':');
            if (colon < 0) {
                throw listen.error("expected HOST:PORT, e.g. 127.0.0.1:" + DEFAULT_PORT + " or :" + DEFAULT_PORT);
            }
            host = a.substring(0, colon).isEmpty() ? "0.0.0.0" : a.substring(0, colon).replaceAll("^\\[|\\]$", "");
            try {
                port = Integer.parseInt(a.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 0 || port > 65535) {
                throw listen.error("port must be a number 0..65535");
            }
        }
        Optional<Path> cert = Optional.empty();
        Optional<Path> key = Optional.empty();
        Node tls = n.get("tls_server_config");
        if (tls != null) {
            tls.onlyKeys(Set.of("cert_file", "key_file"));
            Node c = tls.require("cert_file");
            Node k = tls.require("key_file");
            cert = Optional.of(readableFile(c));
            key = Optional.of(readableFile(k));
        }
        Map<String, String> users = new LinkedHashMap<>();
        Node auth = n.get("basic_auth_users");
        if (auth != null) {
            auth.object();
            for (String user : auth.keys()) {
                Node h = auth.get(user);
                String hash = h == null ? "" : h.asText();
                if (!hash.startsWith("sha256:") && !hash.startsWith("plain:") && !BCRYPT.matcher(hash).matches()) {
                    throw (h == null ? auth : h).error("expected a bcrypt hash ('$2y$10$…', as in Prometheus' web "
                            + "config; htpasswd -nbBC 10 '' PASSWORD | tr -d ':'), 'sha256:<hex of the password's "
                            + "SHA-256>' or 'plain:<password>'");
                }
                users.put(user, hash);
            }
        }
        return new AgentConfig.Web(host, port, cert, key, users);
    }

    private static Path readableFile(Node n) {
        Path p = Path.of(n.asText());
        if (!Files.isReadable(p)) {
            throw n.error("file " + p + " does not exist or is not readable");
        }
        return p;
    }

    private static AgentConfig.Sampling sampling(Node n) {
        Duration interval = DEFAULT_INTERVAL;
        Duration deadline = null;
        Set<String> collectors = new LinkedHashSet<>(
                List.of(Collectors.DEVICE, Collectors.GPM, Collectors.PROCESSES, Collectors.XID,
                        Collectors.INTERCONNECT, Collectors.INFINIBAND));
        Optional<Path> library = Optional.empty();
        Optional<String> simulate = Optional.empty();
        if (n != null) {
            n.onlyKeys(Set.of("interval", "deadline", "collectors", "nvml_library", "simulate"));
            if (n.get("interval") != null) {
                interval = duration(n.get("interval"));
            }
            if (n.get("deadline") != null) {
                deadline = duration(n.get("deadline"));
            }
            Node c = n.get("collectors");
            if (c != null) {
                collectors.clear();
                for (Node e : c.elements()) {
                    String name = e.asText();
                    if (!Collectors.NAMES.contains(name)) {
                        throw e.error("unknown collector '" + name + "' (known: "
                                + String.join(", ", new java.util.TreeSet<>(Collectors.NAMES)) + ")");
                    }
                    collectors.add(name);
                }
            }
            if (n.get("nvml_library") != null) {
                library = Optional.of(Path.of(n.get("nvml_library").asText()));
            }
            if (n.get("simulate") != null) {
                simulate = Optional.of(n.get("simulate").asText());
            }
            if (collectors.contains(Collectors.GPM) && interval.compareTo(MIN_GPM_INTERVAL) < 0) {
                throw n.get("interval").error("must be at least 100ms while the gpm collector is on "
                        + "(NVML needs GPM samples at least 100 ms apart)");
            }
        }
        if (deadline == null) {
            // Half the interval, at most 2 s: a stuck GPU shows within one cycle while a slow one is not yet stale.
            deadline = interval.dividedBy(2).compareTo(Duration.ofSeconds(2)) > 0 ? Duration.ofSeconds(2)
                    : interval.dividedBy(2);
        } else if (deadline.compareTo(interval) > 0 && n != null) {
            throw n.get("deadline").error("must not be longer than the interval (" + interval.toMillis() + " ms)");
        }
        return new AgentConfig.Sampling(interval, deadline, collectors, library, simulate);
    }

    private static AgentConfig.Analysis analysis(Node n) {
        if (n == null) {
            return new AgentConfig.Analysis(Precision.BF16, Optional.empty());
        }
        n.onlyKeys(Set.of("default_precision", "gpu_catalog"));
        Precision p = n.get("default_precision") == null ? Precision.BF16 : precision(n.get("default_precision"));
        Optional<Path> catalog = n.get("gpu_catalog") == null ? Optional.empty()
                : Optional.of(readableFile(n.get("gpu_catalog")));
        return new AgentConfig.Analysis(p, catalog);
    }

    private static AgentConfig.Exporters exporters(Node n) {
        boolean prometheus = true;
        AgentConfig.Log log = new AgentConfig.Log(false, "json", Optional.empty(), 100L << 20, 5, 1);
        AgentConfig.Otlp otlp = new AgentConfig.Otlp(false, "http://127.0.0.1:4318/v1/metrics",
                Duration.ofSeconds(10), Map.of());
        if (n == null) {
            return new AgentConfig.Exporters(prometheus, log, otlp);
        }
        n.onlyKeys(Set.of("prometheus", "log", "otlp"));
        Node p = n.get("prometheus");
        if (p != null) {
            p.onlyKeys(Set.of("enabled"));
            prometheus = p.boolOr("enabled", true);
        }
        Node l = n.get("log");
        if (l != null) {
            l.onlyKeys(Set.of("enabled", "format", "file", "max_size_bytes", "keep_files", "every"));
            String format = l.textOr("format", "json");
            if (!format.equals("json") && !format.equals("human")) {
                throw l.get("format").error("expected json or human");
            }
            long max = l.longOr("max_size_bytes", 100L << 20);
            if (max <= 0) {
                throw l.get("max_size_bytes").error("must be positive");
            }
            int keep = l.intOr("keep_files", 5);
            if (keep < 0) {
                throw l.get("keep_files").error("must be 0 or more");
            }
            int every = l.intOr("every", 1);
            if (every <= 0) {
                throw l.get("every").error("must be a positive number of intervals");
            }
            Optional<Path> file = l.get("file") == null ? Optional.empty() : Optional.of(Path.of(l.get("file").asText()));
            log = new AgentConfig.Log(l.boolOr("enabled", true), format, file, max, keep, every);
        }
        Node o = n.get("otlp");
        if (o != null) {
            o.onlyKeys(Set.of("enabled", "url", "step", "headers"));
            Map<String, String> headers = new LinkedHashMap<>();
            Node h = o.get("headers");
            if (h != null) {
                h.object();
                for (String k : h.keys()) {
                    headers.put(k, h.require(k).asText());
                }
            }
            String url = o.textOr("url", otlp.url());
            if (!url.startsWith("http://") && !url.startsWith("https://")) {
                throw o.get("url").error("expected an http:// or https:// URL");
            }
            otlp = new AgentConfig.Otlp(o.boolOr("enabled", true), url,
                    o.get("step") == null ? otlp.step() : duration(o.get("step")), headers);
        }
        return new AgentConfig.Exporters(prometheus, log, otlp);
    }

    private static AgentConfig.Push push(Node n) {
        if (n == null) {
            return new AgentConfig.Push(true, DEFAULT_PUSH_PATH, 64 * 1024, false);
        }
        n.onlyKeys(Set.of("enabled", "path", "max_body_bytes", "allow_remote", "bearer_token_file"));
        String path = n.textOr("path", DEFAULT_PUSH_PATH);
        if (!path.startsWith("/") || path.equals("/metrics")) {
            throw n.get("path").error("expected a path starting with '/', other than /metrics");
        }
        int max = n.intOr("max_body_bytes", 64 * 1024);
        if (max <= 0) {
            throw n.get("max_body_bytes").error("must be positive");
        }
        Optional<BearerToken> token = Optional.empty();
        Node t = n.get("bearer_token_file");
        if (t != null) {
            Path file = readableFile(t);
            String secret;
            try {
                secret = Files.readString(file).strip();
            } catch (IOException | java.io.UncheckedIOException e) {
                throw t.error("cannot read " + file + ": " + e.getMessage());
            }
            // A secret with a line break inside could never be sent in one header line.
            if (secret.isEmpty() || secret.chars().anyMatch(c -> c < 0x21 || c == 0x7f)) {
                throw t.error("the file must hold one token: printable characters without spaces "
                        + "(e.g. from `openssl rand -hex 32`)");
            }
            token = Optional.of(BearerToken.of(file, secret));
        }
        return new AgentConfig.Push(n.boolOr("enabled", true), path, max, n.boolOr("allow_remote", false), token);
    }

    /**
     * The {@code cupti} section. YAML 1.1 reads a bare {@code off}/{@code on} as a boolean, so
     * {@code mode: off} arrives as false: both spellings are accepted.
     */
    private static AgentConfig.Cupti cupti(Node n) {
        CuptiCollectorSettings d = CuptiCollectorSettings.defaults();
        if (n == null) {
            return new AgentConfig.Cupti(CuptiMode.OFF, d.samplingInterval(), d.decodeInterval(), Optional.empty(),
                    Optional.empty(), d.retryInterval(), d.hardwareBufferBytes());
        }
        n.onlyKeys(Set.of("mode", "sampling_interval", "decode_interval", "library", "cuda_driver_library",
                "retry_interval", "hardware_buffer_bytes"));
        CuptiMode mode = CuptiMode.OFF;
        Node m = n.get("mode");
        if (m != null) {
            String text = m.isBoolean() ? (m.asBoolean() ? "on" : "off") : m.asText();
            mode = switch (text.toLowerCase(Locale.ROOT)) {
                case "off" -> CuptiMode.OFF;
                case "auto" -> CuptiMode.AUTO;
                case "on" -> CuptiMode.ON;
                default -> throw m.error("expected off, auto or on");
            };
        }
        Duration sampling = n.get("sampling_interval") == null ? d.samplingInterval() : duration(n.get("sampling_interval"));
        if (sampling.compareTo(CuptiCollectorSettings.MIN_SAMPLING_INTERVAL) < 0) {
            throw n.get("sampling_interval").error("must be at least 10ms (the shortest PM sampling interval flopwatch "
                    + "decodes reliably)");
        }
        Duration decode;
        if (n.get("decode_interval") != null) {
            decode = duration(n.get("decode_interval"));
            if (decode.compareTo(sampling) < 0) {
                throw n.get("decode_interval").error("must not be shorter than sampling_interval ("
                        + sampling.toMillis() + " ms)");
            }
            if (decode.compareTo(Duration.ofSeconds(10)) > 0) {
                throw n.get("decode_interval").error("must be at most 10s (the hardware buffer would fill)");
            }
        } else {
            decode = sampling.compareTo(d.decodeInterval()) > 0 ? sampling : d.decodeInterval();
        }
        Duration retry = n.get("retry_interval") == null ? d.retryInterval() : duration(n.get("retry_interval"));
        if (retry.compareTo(Duration.ofSeconds(1)) < 0) {
            throw n.get("retry_interval").error("must be at least 1s");
        }
        long buffer = n.longOr("hardware_buffer_bytes", d.hardwareBufferBytes());
        if (buffer < (1L << 20)) {
            throw n.get("hardware_buffer_bytes").error("must be at least 1048576 (1 MiB)");
        }
        Optional<Path> library = n.get("library") == null ? Optional.empty() : Optional.of(readableFile(n.get("library")));
        Optional<Path> driver = n.get("cuda_driver_library") == null ? Optional.empty()
                : Optional.of(readableFile(n.get("cuda_driver_library")));
        return new AgentConfig.Cupti(mode, sampling, decode, library, driver, retry, buffer);
    }

    private static AgentConfig.WorkloadConfig workload(Node w) {
        w.onlyKeys(Set.of("name", "model", "mode", "seq_len", "precision", "recompute", "gpus", "throughput"));
        String name = w.require("name").asText();
        if (!name.matches("[A-Za-z0-9_.:-]+")) {
            throw w.get("name").error("use letters, digits and _ . : - only (it becomes a metric label)");
        }
        String model = w.require("model").asText();
        try {
            io.flopwatch.flops.ModelSpecs.resolve(model);
        } catch (InputError e) {
            // The spec's own file:line when it has one; else this config's line for the model key.
            throw e.line() > 0 ? e : w.get("model").error(e.problem());
        }
        Mode mode = Mode.TRAIN;
        Node m = w.get("mode");
        if (m != null) {
            mode = switch (m.asText().toLowerCase(Locale.ROOT)) {
                case "train" -> Mode.TRAIN;
                case "inference", "forward" -> Mode.FORWARD;
                case "prefill" -> Mode.PREFILL;
                default -> throw m.error("expected train, inference (forward) or prefill");
            };
        }
        long seqLen = w.require("seq_len").asLong();
        if (seqLen <= 0) {
            throw w.get("seq_len").error("must be a positive number of tokens");
        }
        Precision precision = w.get("precision") == null ? Precision.BF16 : precision(w.get("precision"));
        Recompute recompute = Recompute.NONE;
        Node r = w.get("recompute");
        if (r != null) {
            try {
                recompute = Recompute.valueOf(r.asText().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw r.error("expected none, selective or full");
            }
        }
        GpuSelection gpus = gpus(w.get("gpus"));
        AgentConfig.Throughput throughput = throughput(w.require("throughput"), mode, seqLen);
        if (gpus instanceof GpuSelection.ByLogWriter && throughput.log().isEmpty()) {
            throw w.get("gpus").get("log_writer").error("needs throughput.source log: the GPUs are found "
                    + "from the processes writing the tailed log");
        }
        return new AgentConfig.WorkloadConfig(name, model, mode, seqLen, precision, recompute, gpus, throughput);
    }

    private static GpuSelection gpus(Node n) {
        if (n == null) {
            return new GpuSelection.All();
        }
        if (n.isText()) {
            if (!n.asText().equals("all")) {
                throw n.error("expected 'all', a list of GPU indexes / UUIDs, {process: NAME}, {cmdline: REGEX} or "
                        + "{log_writer: true}");
            }
            return new GpuSelection.All();
        }
        if (n.isList()) {
            List<String> ids = new ArrayList<>();
            for (Node e : n.elements()) {
                String id = e.asText();
                if (!id.matches("\\d+") && !id.startsWith("GPU-") && !id.startsWith("MIG-")) {
                    throw e.error("expected a GPU index (0, 1, …), a GPU UUID (GPU-…) or a MIG device UUID (MIG-…)");
                }
                ids.add(id);
            }
            if (ids.isEmpty()) {
                throw n.error("an empty list selects no GPU");
            }
            return new GpuSelection.Listed(ids);
        }
        n.onlyKeys(Set.of("process", "cmdline", "log_writer"));
        int given = (n.get("process") == null ? 0 : 1) + (n.get("cmdline") == null ? 0 : 1)
                + (n.get("log_writer") == null ? 0 : 1);
        if (given != 1) {
            throw n.error("give exactly one of process: NAME, cmdline: REGEX or log_writer: true");
        }
        if (n.get("cmdline") != null) {
            Node c = n.get("cmdline");
            try {
                Pattern.compile(c.asText());
            } catch (java.util.regex.PatternSyntaxException e) {
                throw c.error("not a regular expression: " + e.getDescription() + " at index " + e.getIndex());
            }
            if (c.asText().isBlank()) {
                throw c.error("an empty pattern would match every process");
            }
            return new GpuSelection.ByCommandLine(c.asText());
        }
        if (n.get("log_writer") != null) {
            if (!n.get("log_writer").isBoolean() || !n.get("log_writer").asBoolean()) {
                throw n.get("log_writer").error("expected true (to select GPUs otherwise, use all or a list)");
            }
            return new GpuSelection.ByLogWriter();
        }
        return new GpuSelection.ByProcess(n.require("process").asText());
    }

    private static final Set<String> LOG_KEYS = Set.of("paths", "format", "pattern", "tokens_per_step", "seq_len",
            "start_at", "scope", "job_gpus");
    private static final Set<String> METRICS_KEYS = Set.of("url", "server", "counter", "labels", "phase", "interval",
            "job_gpus", "prompt_length_histogram", "generation_length_histogram");
    /** How long one fetch of a metrics endpoint may take: it runs on the sampler's thread. */
    public static final Duration METRICS_FETCH_TIMEOUT = Duration.ofSeconds(1);

    private static AgentConfig.Throughput throughput(Node n, Mode mode, long workloadSeqLen) {
        Set<String> all = new HashSet<>(Set.of("source", "tokens_per_second", "window"));
        all.addAll(LOG_KEYS);
        all.addAll(METRICS_KEYS);
        n.onlyKeys(all);
        Node s = n.require("source");
        String source = s.asText();
        Duration window = n.get("window") == null ? Duration.ofSeconds(60) : duration(n.get("window"));
        Set<String> own = switch (source) {
            case "fixed" -> Set.of("tokens_per_second");
            case "log" -> LOG_KEYS;
            case "metrics" -> METRICS_KEYS;
            default -> Set.of();
        };
        for (String k : n.keys()) {
            if (!k.equals("source") && !k.equals("window") && !own.contains(k)
                    && Set.of("fixed", "push", "log", "metrics").contains(source)) {
                throw n.get(k).error("the " + source + " source does not take " + k
                        + (own.isEmpty() ? "" : " (it takes " + String.join(", ", new java.util.TreeSet<>(own)) + ")"));
            }
        }
        switch (source) {
            case "fixed" -> {
                Node t = n.require("tokens_per_second");
                double v = t.asDouble();
                if (!(v >= 0) || Double.isInfinite(v)) {
                    throw t.error("must be a finite number >= 0");
                }
                return new AgentConfig.Throughput(source, OptionalDouble.of(v), window);
            }
            case "push" -> {
                return new AgentConfig.Throughput(source, OptionalDouble.empty(), window);
            }
            case "log" -> {
                return new AgentConfig.Throughput(source, OptionalDouble.empty(), window,
                        Optional.of(logSource(n, mode, workloadSeqLen)), Optional.empty());
            }
            case "metrics" -> {
                if (mode == Mode.TRAIN) {
                    throw s.error("the metrics source counts an inference server's tokens; "
                            + "set the workload's mode to inference");
                }
                return new AgentConfig.Throughput(source, OptionalDouble.empty(), window, Optional.empty(),
                        Optional.of(metricsSource(n)));
            }
            default -> throw s.error("expected fixed, push, log or metrics");
        }
    }

    private static AgentConfig.LogSource logSource(Node n, Mode mode, long workloadSeqLen) {
        Node p = n.require("paths");
        List<String> paths = new ArrayList<>();
        if (p.isText()) {
            paths.add(p.asText());
        } else {
            for (Node e : p.elements()) {
                paths.add(e.asText());
            }
        }
        if (paths.isEmpty()) {
            throw p.error("an empty list follows no file");
        }
        for (int i = 0; i < paths.size(); i++) {
            String path = paths.get(i);
            Node at = p.isText() ? p : p.elements().get(i);
            if (path.isBlank()) {
                throw at.error("expected a file path or a glob");
            }
            Path parent = Path.of(path).getParent();
            if (parent != null && parent.toString().matches(".*[*?\\[{].*")) {
                throw at.error("a glob may only be in the file name, not in the directories: " + path);
            }
        }
        OptionalLong tokensPerStep = positiveLong(n.get("tokens_per_step"), "tokens");
        // Formats counting samples need tokens per sample: the workload's own sequence length unless told.
        OptionalLong seqLen = n.get("seq_len") == null ? OptionalLong.of(workloadSeqLen)
                : positiveLong(n.get("seq_len"), "tokens");
        boolean startAtEnd = true;
        Node st = n.get("start_at");
        if (st != null) {
            startAtEnd = switch (st.asText()) {
                case "end" -> true;
                case "beginning" -> false;
                default -> throw st.error("expected end or beginning");
            };
        }
        OptionalInt jobGpus = OptionalInt.empty();
        Node j = n.get("job_gpus");
        if (j != null) {
            long v = j.asLong();
            if (v < 1 || v > 1_000_000) {
                throw j.error("must be the job's number of GPUs (its world size), at least 1");
            }
            jobGpus = OptionalInt.of((int) v);
        }
        Node f = n.get("format");
        Node pat = n.get("pattern");
        Node sc = n.get("scope");
        if ((f == null) == (pat == null)) {
            throw (f == null ? n.get("source") : pat).error("give exactly one of format (a preset) or pattern (a regex)");
        }
        ParserSettings settings = new ParserSettings(tokensPerStep, seqLen);
        if (f != null) {
            if (sc != null) {
                throw sc.error("format " + f.asText() + " says whose work its numbers count; scope is for a pattern");
            }
            LogFormat format = null;
            for (LogFormat lf : LogFormat.values()) {
                if (lf.configName().equals(f.asText())) {
                    format = lf;
                }
            }
            if (format == null) {
                throw f.error("unknown log format '" + f.asText() + "' (known: " + String.join(", ",
                        java.util.Arrays.stream(LogFormat.values()).map(LogFormat::configName).toList()) + ")");
            }
            return new AgentConfig.LogSource(paths, Optional.of(format), Optional.empty(), tokensPerStep, seqLen,
                    startAtEnd, ThroughputScope.NODE, jobGpus);
        }
        ThroughputScope scope = ThroughputScope.NODE;
        if (sc != null) {
            scope = switch (sc.asText()) {
                case "job" -> ThroughputScope.JOB;
                case "node" -> ThroughputScope.NODE;
                case "gpu" -> ThroughputScope.GPU;
                default -> throw sc.error("expected job, node or gpu");
            };
        }
        if (j != null && scope != ThroughputScope.JOB) {
            throw j.error("job_gpus is for readings in job scope (scope: job)");
        }
        try {
            // Compiled here only to report a bad pattern at start, with its line; the agent builds its own.
            new CustomPatternParser(pat.asText(), mode == Mode.TRAIN ? WorkloadPhase.TRAINING : WorkloadPhase.PREFILL,
                    scope, settings, n.source(), pat.path());
        } catch (InputError e) {
            throw pat.error(e.problem());
        }
        return new AgentConfig.LogSource(paths, Optional.empty(), Optional.of(pat.asText()), tokensPerStep, seqLen,
                startAtEnd, scope, jobGpus);
    }

    private static OptionalLong positiveLong(Node n, String unit) {
        if (n == null) {
            return OptionalLong.empty();
        }
        long v = n.asLong();
        if (v < 1) {
            throw n.error("must be a positive number of " + unit);
        }
        return OptionalLong.of(v);
    }

    private static AgentConfig.MetricsSource metricsSource(Node n) {
        Node u = n.require("url");
        URI url;
        try {
            url = new URI(u.asText());
        } catch (URISyntaxException e) {
            throw u.error("not a URL: " + e.getReason());
        }
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) {
            throw u.error("expected an http:// or https:// URL, e.g. http://127.0.0.1:8000/metrics");
        }
        Node sv = n.require("server");
        String server = sv.asText();
        Node c = n.get("counter");
        Node ph = n.get("phase");
        String phase = ph == null ? null : ph.asText();
        if (phase != null && !Set.of("prefill", "decode", "both").contains(phase)) {
            throw ph.error("expected prefill, decode or both");
        }
        TokenCounters counters = switch (server) {
            case "vllm" -> TokenCounters.VLLM;
            case "sglang" -> TokenCounters.SGLANG;
            case "tgi" -> TokenCounters.TGI;
            case "custom" -> {
                if (c == null) {
                    throw sv.error("server custom needs counter: the name of a counter of tokens (e.g. my_tokens_total)");
                }
                if (!c.asText().matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
                    throw c.error("not a Prometheus metric name");
                }
                if ("both".equals(phase)) {
                    throw ph.error("one custom counter is one phase: prefill or decode");
                }
                yield "prefill".equals(phase) ? TokenCounters.of(c.asText(), null) : TokenCounters.of(null, c.asText());
            }
            default -> throw sv.error("expected vllm, sglang, tgi or custom");
        };
        if (c != null && !server.equals("custom")) {
            throw c.error("counter is for server: custom (" + server + "'s counters are known)");
        }
        if (!server.equals("custom") && phase != null && !phase.equals("both")) {
            counters = phase.equals("prefill") ? new TokenCounters(counters.promptTokens(), Optional.empty())
                    : new TokenCounters(Optional.empty(), counters.generationTokens());
        }
        Map<String, String> labels = new LinkedHashMap<>();
        Node l = n.get("labels");
        if (l != null) {
            l.object();
            for (String k : l.keys()) {
                labels.put(k, l.require(k).asText());
            }
        }
        Duration interval = n.get("interval") == null ? Duration.ofSeconds(5) : duration(n.get("interval"));
        if (interval.compareTo(METRICS_FETCH_TIMEOUT) < 0) {
            throw n.get("interval").error("must be at least " + METRICS_FETCH_TIMEOUT.toMillis() + "ms (one fetch's timeout)");
        }
        OptionalInt jobGpus = OptionalInt.empty();
        Node j = n.get("job_gpus");
        if (j != null) {
            long v = j.asLong();
            if (v < 1 || v > 1_000_000) {
                throw j.error("must be the number of GPUs the server spans, at least 1");
            }
            jobGpus = OptionalInt.of((int) v);
        }
        RequestLengths lengths = RequestLengths.forServer(server);
        Node ph2 = n.get("prompt_length_histogram");
        Node gh = n.get("generation_length_histogram");
        for (Node h : new Node[] {ph2, gh}) {
            if (h != null && !server.equals("custom")) {
                throw h.error("only with server: custom (" + server + "'s histograms are known)");
            }
            if (h != null && !h.asText().matches("[a-zA-Z_:][a-zA-Z0-9_:]*")) {
                throw h.error("not a Prometheus metric name (the histogram's name without _sum/_count)");
            }
        }
        if (server.equals("custom")) {
            lengths = RequestLengths.of(ph2 == null ? null : ph2.asText(), gh == null ? null : gh.asText());
        }
        return new AgentConfig.MetricsSource(url, server, counters, labels, interval, jobGpus, lengths);
    }

    private static Precision precision(Node n) {
        return Precision.fromKey(n.asText().toLowerCase(Locale.ROOT)).orElseThrow(() -> n.error("unknown precision '"
                + n.asText() + "' (known: " + String.join(", ",
                java.util.Arrays.stream(Precision.values()).map(Precision::key).toList()) + ")"));
    }

    /** "500ms", "1s", "1.5s", "2m", "1h". */
    static Duration duration(Node n) {
        Matcher m = DURATION.matcher(n.asText().trim());
        if (!m.matches()) {
            throw n.error("expected a duration such as 500ms, 1s, 2m");
        }
        double v = Double.parseDouble(m.group(1));
        double millis = switch (m.group(2)) {
            case "ms" -> v;
            case "s" -> v * 1000;
            case "m" -> v * 60_000;
            default -> v * 3_600_000;
        };
        if (millis < 1) {
            throw n.error("must be at least 1ms");
        }
        return Duration.ofMillis(Math.round(millis));
    }
}
