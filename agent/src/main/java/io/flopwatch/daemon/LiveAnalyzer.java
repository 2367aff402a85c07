package io.flopwatch.daemon;

import io.flopwatch.analysis.EnergyAnalysis;
import io.flopwatch.analysis.EnergyRate;
import io.flopwatch.analysis.GpuAnalysis;
import io.flopwatch.analysis.GpuAnalyzer;
import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.analysis.MigShare;
import io.flopwatch.analysis.WorkloadAnalyzer;
import io.flopwatch.analysis.WorkloadEnergy;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.AgentConfig.GpuSelection;
import io.flopwatch.flops.FlopCounter;
import io.flopwatch.flops.FlopsEstimate;
import io.flopwatch.flops.Formula;
import io.flopwatch.flops.Mode;
import io.flopwatch.flops.ModelSpecs;
import io.flopwatch.flops.Workload;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.gpu.Precision;
import io.flopwatch.nvml.GpuProcess;
import io.flopwatch.telemetry.Analyzer;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Ticker;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.flops.ModelSpec;
import io.flopwatch.workload.CustomPatternParser;
import io.flopwatch.workload.FixedThroughputSource;
import io.flopwatch.workload.InferenceMetricsSource;
import io.flopwatch.workload.LineParser;
import io.flopwatch.workload.LogTailer;
import io.flopwatch.workload.LogThroughputSource;
import io.flopwatch.workload.MetricsFetcher;
import io.flopwatch.workload.PushThroughputSource;
import io.flopwatch.workload.ThroughputObservation;
import io.flopwatch.workload.ThroughputSource;
import io.flopwatch.workload.TokenRate;
import io.flopwatch.workload.WorkloadPhase;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's {@link Analyzer}: peaks and diagnosis per GPU, then per workload its tokens/s
 * (polled from its throughput source and smoothed by a {@link TokenRate}), FLOPs per token
 * (counted once, at start) and MFU / HFU over its GPUs. Runs on the sampler's thread.
 */
public final class LiveAnalyzer implements Analyzer {
    private static final Logger LOG = LoggerFactory.getLogger(LiveAnalyzer.class);

    /**
     * One configured workload with what is computed once (FLOPs per token of each phase) and what
     * it keeps between cycles (a token rate per phase, the last MFU / TFLOP/s it reported itself).
     */
    private static final class Bound {
        final AgentConfig.WorkloadConfig config;
        /** Replaced by a reload (the model spec file may have changed); the sampler thread reads it under the analyzer's lock. */
        Map<WorkloadPhase, FlopsEstimate> estimates;
        final ThroughputSource source;
        final Map<WorkloadPhase, TokenRate> rates = new EnumMap<>(WorkloadPhase.class);
        /** Average power per GPU (by UUID) over the same window as the token rates. */
        final Map<String, EnergyRate> energy = new HashMap<>();
        /** 0: poll every cycle; else poll at most this often (a metrics endpoint's interval). */
        final long pollEveryNanos;
        final OptionalInt jobGpus;
        long nextPollNanos = Long.MIN_VALUE;
        /** The prompt length and decode context the estimates are for (server averages); 0: seq_len. */
        long promptBasis;
        long contextBasis;
        /** The resolved model spec, kept for re-estimating at new lengths without re-reading files. */
        ModelSpec spec;
        double reportedMfu = Double.NaN;
        long reportedMfuNanos;
        double reportedTflops = Double.NaN;
        long reportedTflopsNanos;
        /** When the source last reported tokens; Long.MIN_VALUE: never. */
        long lastTokensNanos = Long.MIN_VALUE;
        /** {@code gpus: {log_writer: true}}: the last scan of /proc, and when to scan again. */
        LogWriterProcesses.Writers logWriters;
        long nextLogWriterScanNanos = Long.MIN_VALUE;
        LogWriterProcesses.Selection lastLogWriterSelection;

        Bound(AgentConfig.WorkloadConfig config, Map<WorkloadPhase, FlopsEstimate> estimates, ThroughputSource source,
              long pollEveryNanos, OptionalInt jobGpus) {
            this.config = config;
            this.estimates = estimates;
            this.source = source;
            this.pollEveryNanos = pollEveryNanos;
            this.jobGpus = jobGpus;
        }

        AgentConfig.WorkloadConfig config() {
            return config;
        }
    }

    // The fields below change only in reconfigure(); it and every reader are synchronized, so a
    // cycle's analysis sees one configuration from start to end.
    private GpuCatalog catalog;
    /**
     * {@link GpuAnalyzer#catalogEntry} by NVML device name for {@link #catalog}: every GPU asks in
     * every cycle, and the catalog look-up scans its entries (and may match globs) each time.
     * Cleared when the catalog is replaced.
     */
    private final Map<String, Optional<io.flopwatch.gpu.GpuSpec>> specByName = new HashMap<>();
    private Precision defaultPrecision;
    private List<Bound> workloads = new ArrayList<>();
    private Map<String, PushThroughputSource> pushSources = Map.of();
    private final Ticker ticker;
    private final LongFunction<Optional<String>> processName;
    /** pid → command line (/proc/PID/cmdline), for workloads found by {@code cmdline: REGEX}. */
    private LongFunction<Optional<String>> commandLine = LiveAnalyzer::procCmdline;
    private final Map<String, Pattern> patterns = new HashMap<>();
    private final Function<AgentConfig.MetricsSource, MetricsFetcher> fetchers;
    private final Function<List<String>, LogWriterProcesses.Writers> logWriters;
    /**
     * How often /proc is scanned for a log's writers: a scan reads every process's fd table, too
     * much for every 1 s cycle on a busy node; a job's writers change only when it (re)starts.
     */
    static final Duration LOG_WRITER_RESCAN = Duration.ofSeconds(10);

    public LiveAnalyzer(AgentConfig config, GpuCatalog catalog, Ticker ticker) {
        this(config, catalog, ticker, LiveAnalyzer::procComm);
    }

    /** @param processName pid → command name (/proc/PID/comm), for workloads found by process */
    public LiveAnalyzer(AgentConfig config, GpuCatalog catalog, Ticker ticker,
                        LongFunction<Optional<String>> processName) {
        this(config, catalog, ticker, processName, LiveAnalyzer::httpFetcher);
    }

    /** @param fetchers how a {@code source: metrics} endpoint is fetched (tests: a fake) */
    public LiveAnalyzer(AgentConfig config, GpuCatalog catalog, Ticker ticker,
                        LongFunction<Optional<String>> processName,
                        Function<AgentConfig.MetricsSource, MetricsFetcher> fetchers) {
        this(config, catalog, ticker, processName, fetchers,
                paths -> LogWriterProcesses.find(Path.of("/proc"), paths));
    }

    /** @param logWriters the tailed paths → the processes writing them (tests: a fixture /proc tree) */
    public LiveAnalyzer(AgentConfig config, GpuCatalog catalog, Ticker ticker,
                        LongFunction<Optional<String>> processName,
                        Function<AgentConfig.MetricsSource, MetricsFetcher> fetchers,
                        Function<List<String>, LogWriterProcesses.Writers> logWriters) {
        this.fetchers = fetchers;
        this.logWriters = logWriters;
        this.catalog = catalog;
        this.defaultPrecision = config.analysis().defaultPrecision();
        this.processName = processName;
        this.ticker = ticker;
        for (AgentConfig.WorkloadConfig w : config.workloads()) {
            workloads.add(bind(w, ticker));
        }
        pushSources = pushSourcesOf(workloads);
    }

    /**
     * Applies a reloaded configuration between two cycles. A workload whose configuration is
     * unchanged (equal in every key) keeps its throughput source — the log's read position, the
     * pushed token counts, the server's last counters — and its token-rate windows and reported
     * MFU, so tokens/s and MFU carry on without a gap; a changed or new one starts afresh; a removed
     * one is closed. The new workloads are built before anything is replaced: if one fails (a model
     * spec that no longer resolves), this throws and the running configuration stays in force.
     *
     * @return the names of the workloads that were kept as they were
     */
    public synchronized java.util.Set<String> reconfigure(AgentConfig next, GpuCatalog nextCatalog) {
        Map<String, Bound> old = new LinkedHashMap<>();
        for (Bound b : workloads) {
            old.put(b.config.name(), b);
        }
        List<Bound> built = new ArrayList<>();
        List<Bound> fresh = new ArrayList<>();
        Map<Bound, Map<WorkloadPhase, FlopsEstimate>> reread = new HashMap<>();
        java.util.Set<String> kept = new java.util.LinkedHashSet<>();
        try {
            for (AgentConfig.WorkloadConfig w : next.workloads()) {
                Bound b = old.get(w.name());
                if (b != null && b.config.equals(w)) {
                    reread.put(b, estimates(w)); // the same spec path may hold a new model
                    built.add(b);
                    kept.add(w.name());
                } else {
                    Bound n = bind(w, ticker);
                    fresh.add(n);
                    built.add(n);
                }
            }
        } catch (RuntimeException e) {
            fresh.forEach(b -> b.source.close());
            throw e;
        }
        for (Bound b : workloads) {
            if (!built.contains(b)) {
                b.source.close();
            }
        }
        reread.forEach((b, e) -> {
            b.estimates = e;
            b.spec = null; // read again: the spec file may have changed
            b.promptBasis = 0;
            b.contextBasis = 0;
        });
        workloads = built;
        pushSources = pushSourcesOf(built);
        catalog = nextCatalog;
        specByName.clear();
        defaultPrecision = next.analysis().defaultPrecision();
        return kept;
    }

    private static Map<String, PushThroughputSource> pushSourcesOf(List<Bound> bounds) {
        Map<String, PushThroughputSource> out = new LinkedHashMap<>();
        for (Bound b : bounds) {
            if (b.source instanceof PushThroughputSource p) {
                out.put(b.config.name(), p);
            }
        }
        return Map.copyOf(out);
    }

    private Bound bind(AgentConfig.WorkloadConfig w, Ticker ticker) {
        return bindSource(w, estimates(w), ticker);
    }

    /** FLOPs per token of each phase of the workload at its configured {@code seq_len}; reads its model spec. */
    private static Map<WorkloadPhase, FlopsEstimate> estimates(AgentConfig.WorkloadConfig w) {
        ModelSpec spec = ModelSpecs.resolve(w.model());
        return estimates(spec, w, w.seqLenTokens(), w.seqLenTokens());
    }

    /**
     * FLOPs per token of each phase. Training: one estimate at T = seq_len. Inference: prompt
     * tokens cost a forward pass over prompts of {@code promptTokens} (the workload's mode);
     * generated tokens cost one decode step each, whose attention reads a KV cache of
     * {@code decodeContextTokens}: the FLOPs engine's decode mode with that C (docs/throughput.md).
     */
    private static Map<WorkloadPhase, FlopsEstimate> estimates(ModelSpec spec, AgentConfig.WorkloadConfig w,
                                                               long promptTokens, long decodeContextTokens) {
        Map<WorkloadPhase, FlopsEstimate> estimates = new EnumMap<>(WorkloadPhase.class);
        FlopsEstimate own = FlopCounter.estimate(spec,
                new Workload(w.mode(), promptTokens, 0, w.recompute(), false, Formula.PALM));
        if (w.mode() == Mode.TRAIN) {
            estimates.put(WorkloadPhase.TRAINING, own);
        } else {
            estimates.put(WorkloadPhase.PREFILL, own);
            estimates.put(WorkloadPhase.DECODE, FlopCounter.estimate(spec,
                    new Workload(Mode.DECODE, promptTokens, decodeContextTokens, w.recompute(), false, Formula.PALM)));
        }
        return estimates;
    }

    /**
     * For a workload read from an inference server with request-length histograms: FLOPs per
     * token at the server's own mean prompt length P and mean decode context, instead of seq_len.
     * A request's i-th generated token (i = 1 … G) attends to P + i − 1 cached tokens; over the
     * request that averages P + (G − 1)/2, taken at the means: C = P̄ + (Ḡ − 1)/2 (≥ P̄). Without a
     * generation histogram C = P̄. Recomputed only when the rounded lengths change.
     */
    private void followServerAverages(Bound b, long nanoTime) {
        if (!(b.source instanceof InferenceMetricsSource ims) || b.config.mode() == Mode.TRAIN) {
            return;
        }
        java.util.OptionalDouble p = ims.meanPromptTokens(nanoTime);
        if (p.isEmpty() || p.getAsDouble() < 1) {
            return; // no histogram, or no request finished yet: seq_len stays the basis
        }
        java.util.OptionalDouble g = ims.meanGenerationTokens(nanoTime);
        long prompt = Math.max(1, Math.round(p.getAsDouble()));
        long context = Math.max(prompt, Math.round(p.getAsDouble()
                + (g.isPresent() ? Math.max(0, g.getAsDouble() - 1) / 2 : 0)));
        if (prompt == b.promptBasis && context == b.contextBasis) {
            return;
        }
        try {
            if (b.spec == null) {
                b.spec = ModelSpecs.resolve(b.config.model());
            }
            b.estimates = estimates(b.spec, b.config, prompt, context);
            b.promptBasis = prompt;
            b.contextBasis = context;
        } catch (RuntimeException e) {
            LOG.warn("workload {}: FLOPs at the server's mean lengths (prompt {}, context {}) failed: {}",
                    b.config.name(), prompt, context, e.toString());
            b.promptBasis = prompt;
            b.contextBasis = context;
        }
    }

    private Bound bindSource(AgentConfig.WorkloadConfig w, Map<WorkloadPhase, FlopsEstimate> estimates, Ticker ticker) {
        AgentConfig.Throughput t = w.throughput();
        ThroughputSource source;
        long pollEvery = 0;
        OptionalInt jobGpus = OptionalInt.empty();
        switch (t.source()) {
            case "fixed" -> source = new FixedThroughputSource(t.tokensPerSecond().orElseThrow(), phase(w.mode()), ticker);
            case "push" -> source = new PushThroughputSource(w.name());
            case "log" -> {
                AgentConfig.LogSource l = t.log().orElseThrow();
                LogTailer tailer = LogTailer.open(l.paths(),
                        LogTailer.Options.DEFAULTS.withStartAtEnd(l.startAtEnd()), ticker);
                Supplier<LineParser> parsers = l.format().isPresent()
                        ? () -> l.format().get().newParser(l.parserSettings())
                        : () -> new CustomPatternParser(l.pattern().orElseThrow(), phase(w.mode()), l.scope(),
                                l.parserSettings(), "workload " + w.name(), "throughput.pattern");
                source = new LogThroughputSource("log:" + String.join(",", l.paths()), tailer, parsers, ticker);
                jobGpus = l.jobGpus();
            }
            case "metrics" -> {
                AgentConfig.MetricsSource m = t.metrics().orElseThrow();
                source = new InferenceMetricsSource(m.server(), fetchers.apply(m), m.counters(), m.lengths(),
                        m.labels(), t.window(), ticker);
                pollEvery = m.interval().toNanos();
                jobGpus = m.jobGpus();
            }
            default -> throw new IllegalStateException("unknown throughput source " + t.source());
        }
        return new Bound(w, estimates, source, pollEvery, jobGpus);
    }

    /**
     * One GET bounded by {@link ConfigLoader#METRICS_FETCH_TIMEOUT}. It runs on the sampler's
     * thread, so a slow server can delay a cycle by that much, never a scrape (scrapes read the
     * last snapshot); the fetch happens once per the source's interval, not every cycle.
     */
    static MetricsFetcher httpFetcher(AgentConfig.MetricsSource m) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(ConfigLoader.METRICS_FETCH_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build();
        return MetricsFetcher.http(client, m.url(), ConfigLoader.METRICS_FETCH_TIMEOUT);
    }

    /** Closes the throughput sources (open log files); after the sampler has stopped. */
    public synchronized void close() {
        for (Bound b : workloads) {
            b.source.close();
        }
    }

    /** The push sources by workload name, for the push endpoint. */
    public synchronized Map<String, PushThroughputSource> pushSources() {
        return pushSources;
    }

    static WorkloadPhase phase(Mode mode) {
        return mode == Mode.TRAIN ? WorkloadPhase.TRAINING : WorkloadPhase.PREFILL;
    }

    @Override
    public synchronized Result analyze(List<GpuRecord> gpus, long nanoTime) {
        Map<Integer, List<Bound>> claims = new HashMap<>();
        Map<Bound, List<Integer>> selected = new LinkedHashMap<>();
        for (Bound b : workloads) {
            List<Integer> idx = b.config().gpus() instanceof GpuSelection.ByLogWriter
                    ? selectByLogWriter(b, gpus, nanoTime) : select(b.config().gpus(), gpus);
            selected.put(b, idx);
            for (int i : idx) {
                claims.computeIfAbsent(i, k -> new ArrayList<>()).add(b);
            }
        }
        List<GpuAnalysis> analyses = new ArrayList<>();
        Map<Integer, GpuAnalysis> byIndex = new HashMap<>();
        for (GpuRecord g : gpus) {
            List<Bound> owners = claims.getOrDefault(g.index(), List.of());
            // A GPU's peak is for the precision of the first workload on it; otherwise the default.
            Precision p = owners.isEmpty() ? defaultPrecision : owners.get(0).config().precision();
            GpuAnalysis a = GpuAnalyzer.analyze(g,
                    g.identity().flatMap(id -> specByName.computeIfAbsent(id.name(),
                            name -> GpuAnalyzer.catalogEntry(catalog, name))), p);
            analyses.add(a);
            byIndex.put(g.index(), a);
        }
        List<WorkloadAnalysis> out = new ArrayList<>();
        for (Map.Entry<Bound, List<Integer>> e : selected.entrySet()) {
            Bound b = e.getKey();
            int nodeGpus = e.getValue().size();
            if (nanoTime >= b.nextPollNanos) {
                b.nextPollNanos = nanoTime + b.pollEveryNanos;
                try {
                    for (ThroughputObservation o : b.source.poll()) {
                        record(b, o, nodeGpus);
                    }
                } catch (RuntimeException ex) {
                    // Sources do not throw for expected outcomes; a bug in one must not stop the
                    // analysis of the GPUs and the other workloads. Its rate goes stale.
                    LOG.warn("throughput source {} of workload {} failed: {}", b.source.name(), b.config.name(),
                            ex.toString());
                }
            }
            followServerAverages(b, nanoTime);
            double tps = 0;
            double modelFlops = 0;
            double hardwareFlops = 0;
            boolean any = false;
            int phases = 0;
            FlopsEstimate only = b.estimates.values().iterator().next();
            for (Map.Entry<WorkloadPhase, TokenRate> r : b.rates.entrySet()) {
                OptionalDouble v = r.getValue().tokensPerSecond(nanoTime);
                if (v.isPresent()) {
                    any = true;
                    FlopsEstimate est = b.estimates.get(r.getKey());
                    phases++;
                    only = est;
                    tps += v.getAsDouble();
                    modelFlops += v.getAsDouble() * est.modelFlopsPerToken();
                    hardwareFlops += v.getAsDouble() * est.hardwareFlopsPerToken();
                }
            }
            if (!any) {
                tps = Double.NaN;
            }
            // FLOPs per token of the mix of phases: achieved FLOP/s / tokens/s; one phase (or none
            // yet): its own count, exactly.
            double modelPerToken = phases > 1 && tps > 0 ? modelFlops / tps : only.modelFlopsPerToken();
            double hardwarePerToken = phases > 1 && tps > 0 ? hardwareFlops / tps : only.hardwareFlopsPerToken();
            long windowNanos = b.config.throughput().window().toNanos();
            double reportedMfu = nanoTime - b.reportedMfuNanos <= windowNanos ? b.reportedMfu : Double.NaN;
            double reportedTflops = nanoTime - b.reportedTflopsNanos <= windowNanos ? b.reportedTflops : Double.NaN;
            List<GpuAnalysis> its = new ArrayList<>();
            for (int i : e.getValue()) {
                GpuAnalysis a = byIndex.get(i);
                if (a != null && a.precision() != b.config().precision()) {
                    // Two workloads of different precisions on one GPU: peak for this one's precision.
                    a = GpuAnalyzer.analyze(gpus.stream().filter(g -> g.index() == i).findFirst().orElseThrow(),
                            catalog.find(a.catalogId()), b.config().precision());
                }
                if (a != null) {
                    // Bound to MIG devices of this GPU only: their share of its peak (docs/mig.md).
                    its.add(MigShare.of(a, migFraction(b.config().gpus(),
                            gpus.stream().filter(g -> g.index() == i).findFirst().orElseThrow())));
                }
            }
            AgentConfig.WorkloadConfig c = b.config();
            WorkloadAnalysis w = WorkloadAnalyzer.analyze(c.name(), c.model(),
                    c.mode() == Mode.TRAIN ? "train" : "inference", c.precision(), modelPerToken, hardwarePerToken,
                    tps, its, reportedMfu, reportedTflops);
            out.add(w.withEnergy(energy(b, e.getValue(), gpus, nanoTime, w)).withSource(sourceStatus(b, nanoTime))
                    .withDecodeCeiling(decodeCeiling(b, its)));
        }
        return new Result(analyses, out);
    }

    /**
     * For an inference workload: the fastest one sequence can be decoded on its GPUs (batch 1, at
     * the decode context its FLOPs are counted at), by the roofline of docs/flops.md — every step
     * reads all weights and the sequence's KV cache from memory (bf16/fp8 weights at the
     * workload's precision, a KV cache of ≥ 1 byte per element as `flopwatch roofline` assumes).
     * NaN for training, or when a GPU's bandwidth is not in the catalog.
     */
    private double decodeCeiling(Bound b, List<GpuAnalysis> its) {
        if (b.config.mode() == Mode.TRAIN || its.isEmpty()) {
            return Double.NaN;
        }
        try {
            if (b.spec == null) {
                b.spec = ModelSpecs.resolve(b.config.model());
            }
            double bandwidth = Double.POSITIVE_INFINITY;
            double memory = Double.POSITIVE_INFINITY;
            double peak = Double.POSITIVE_INFINITY;
            for (GpuAnalysis a : its) {
                Optional<io.flopwatch.gpu.GpuSpec> g = catalog.find(a.catalogId());
                if (g.isEmpty() || !(a.densePeakFlops() > 0)) {
                    return Double.NaN;
                }
                // tensor parallel across unequal GPUs runs at the slowest one's pace
                bandwidth = Math.min(bandwidth, g.get().memoryBandwidthBytesPerSecond());
                memory = Math.min(memory, g.get().memoryBytes());
                peak = Math.min(peak, a.densePeakFlops());
            }
            long context = b.contextBasis > 0 ? b.contextBasis : b.config.seqLenTokens();
            double bytes = b.config.precision().bytesPerElement();
            return io.flopwatch.flops.Roofline.decode(b.spec,
                    new io.flopwatch.flops.Roofline.Decode(1, context, bytes, Math.max(1.0, bytes), Double.NaN),
                    new io.flopwatch.flops.Roofline.Hardware(its.size(), peak, bandwidth, memory))
                    .attainableTokensPerSecondPerSequence();
        } catch (RuntimeException e) {
            return Double.NaN; // a spec the roofline cannot take (it reads the same specs as flops)
        }
    }

    private static io.flopwatch.analysis.SourceStatus sourceStatus(Bound b, long nanoTime) {
        Map<String, Long> events;
        try {
            events = b.source.events();
        } catch (RuntimeException e) {
            events = Map.of(); // a source's statistics must never break the analysis
        }
        double age = b.lastTokensNanos == Long.MIN_VALUE ? Double.NaN : (nanoTime - b.lastTokensNanos) / 1e9;
        Optional<String> match = Optional.ofNullable(b.lastLogWriterSelection)
                .map(sel -> sel.outcome().name().toLowerCase(java.util.Locale.ROOT));
        return new io.flopwatch.analysis.SourceStatus(b.config.throughput().source(), events, age, match);
    }

    /**
     * Average power of the workload's GPUs over its throughput window, and from it joules per token
     * and model FLOP/s per watt (docs/energy.md). Each GPU's energy counter is recorded at the time
     * it was read; a GPU the workload no longer runs on is forgotten.
     */
    private static WorkloadEnergy energy(Bound b, List<Integer> indexes, List<GpuRecord> gpus, long nanoTime,
                                         WorkloadAnalysis w) {
        List<OptionalDouble> watts = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (GpuRecord g : gpus) {
            if (!indexes.contains(g.index()) || g.identity().isEmpty()) {
                continue;
            }
            String uuid = g.identity().get().uuid();
            seen.add(uuid);
            EnergyRate rate = b.energy.computeIfAbsent(uuid, k -> new EnergyRate(b.config.throughput().window()));
            if (g.up()) {
                rate.record(g.sampledAtNanos(), g.sample().map(x -> x.power().totalEnergyJoules())
                        .orElse(OptionalDouble.empty()));
            }
            watts.add(rate.averageWatts(nanoTime));
        }
        b.energy.keySet().retainAll(seen);
        OptionalDouble total = EnergyAnalysis.totalWatts(watts);
        OptionalDouble tps = Double.isNaN(w.tokensPerSecond()) ? OptionalDouble.empty()
                : OptionalDouble.of(w.tokensPerSecond());
        OptionalDouble flops = Double.isNaN(w.achievedModelFlops()) ? OptionalDouble.empty()
                : OptionalDouble.of(w.achievedModelFlops());
        return new WorkloadEnergy(total.orElse(Double.NaN),
                EnergyAnalysis.joulesPerToken(total, tps).orElse(Double.NaN),
                EnergyAnalysis.modelFlopsPerSecondPerWatt(flops, total).orElse(Double.NaN));
    }

    /**
     * Brings an observation to this node's share (ScopeMapping) and into the rate of its phase.
     * A training workload counts every token as training; an inference one keeps prefill and
     * decode apart (training-phase readings of an inference workload are its forward passes).
     */
    private static void record(Bound b, ThroughputObservation o, int nodeGpus) {
        if (o.selfReportedMfu().isPresent()) {
            b.reportedMfu = o.selfReportedMfu().getAsDouble();
            b.reportedMfuNanos = o.nanoTime();
        }
        if (o.selfReportedTflopsPerGpu().isPresent()) {
            b.reportedTflops = o.selfReportedTflopsPerGpu().getAsDouble();
            b.reportedTflopsNanos = o.nanoTime();
        }
        if (o.hasTokens()) {
            b.lastTokensNanos = o.nanoTime();
        }
        if (!o.hasTokens() || nodeGpus < 1) {
            return; // no GPU of this node selected (yet): nothing to share the tokens over
        }
        int jobGpus = Math.max(nodeGpus, b.jobGpus.orElse(nodeGpus));
        WorkloadPhase phase = b.config.mode() == Mode.TRAIN ? WorkloadPhase.TRAINING
                : o.phase() == WorkloadPhase.DECODE ? WorkloadPhase.DECODE : WorkloadPhase.PREFILL;
        b.rates.computeIfAbsent(phase, k -> new TokenRate(b.config.throughput().window()))
                .record(o.inNodeScope(jobGpus, nodeGpus));
    }

    /**
     * The GPUs of the processes writing the workload's log (rescanned every {@link #LOG_WRITER_RESCAN});
     * the GPUs they are on are looked up every cycle. One INFO/WARN line when the outcome, the
     * writers or the GPUs change, so an ambiguous or failed match is visible without repeating.
     */
    private List<Integer> selectByLogWriter(Bound b, List<GpuRecord> gpus, long nanoTime) {
        if (b.logWriters == null || nanoTime >= b.nextLogWriterScanNanos) {
            b.nextLogWriterScanNanos = nanoTime + LOG_WRITER_RESCAN.toNanos();
            try {
                b.logWriters = logWriters.apply(b.config.throughput().log().orElseThrow().paths());
            } catch (RuntimeException e) {
                LOG.warn("workload {}: finding the writers of its log failed: {}", b.config.name(), e.toString());
                b.logWriters = new LogWriterProcesses.Writers(java.util.Set.of(), java.util.Set.of());
            }
        }
        LogWriterProcesses.Selection s = LogWriterProcesses.select(b.logWriters, gpus);
        LogWriterProcesses.Selection last = b.lastLogWriterSelection;
        if (last == null || last.outcome() != s.outcome() || !last.gpuIndexes().equals(s.gpuIndexes())
                || !last.writers().writerPids().equals(s.writers().writerPids())) {
            if (s.outcome() == LogWriterProcesses.Outcome.ONE_WRITER) {
                LOG.info(s.describe(b.config.name()));
            } else {
                LOG.warn(s.describe(b.config.name()));
            }
        }
        b.lastLogWriterSelection = s;
        return s.gpuIndexes();
    }

    /** The last log-writer match of a workload with {@code gpus: {log_writer: true}} (tests, doctor). */
    public synchronized Optional<LogWriterProcesses.Selection> logWriterSelection(String workload) {
        return workloads.stream().filter(b -> b.config.name().equals(workload))
                .map(b -> b.lastLogWriterSelection).filter(java.util.Objects::nonNull).findFirst();
    }

    /**
     * The share of GPU {@code g} a workload has: 1 unless it lists MIG devices of that GPU (and
     * not the GPU itself), then the sum of their compute fractions (slices / 7), at most 1.
     */
    static double migFraction(GpuSelection sel, GpuRecord g) {
        if (!(sel instanceof GpuSelection.Listed l) || listsWholeGpu(l, g)) {
            return 1.0;
        }
        double share = 0;
        for (var m : g.mig().instances()) {
            if (l.ids().stream().anyMatch(m.device().uuid()::equalsIgnoreCase)) {
                share += MigShare.computeFraction(m.device()).orElse(Double.NaN);
            }
        }
        return share == 0 ? 1.0 : Math.min(1.0, share);
    }

    private static boolean listsWholeGpu(GpuSelection.Listed l, GpuRecord g) {
        return l.ids().contains(Integer.toString(g.index()))
                || g.identity().map(id -> l.ids().contains(id.uuid())).orElse(false);
    }

    private List<Integer> select(GpuSelection sel, List<GpuRecord> gpus) {
        List<Integer> out = new ArrayList<>();
        for (GpuRecord g : gpus) {
            boolean match;
            if (sel instanceof GpuSelection.Listed l) {
                match = listsWholeGpu(l, g) || g.mig().instances().stream()
                        .anyMatch(m -> l.ids().stream().anyMatch(m.device().uuid()::equalsIgnoreCase));
            } else if (sel instanceof GpuSelection.ByProcess p) {
                match = g.processes().stream().map(GpuProcess::pid)
                        .anyMatch(pid -> processName.apply(pid).map(p.name()::equals).orElse(false));
            } else if (sel instanceof GpuSelection.ByCommandLine c) {
                Pattern regex = patterns.computeIfAbsent(c.regex(), Pattern::compile);
                match = g.processes().stream().map(GpuProcess::pid)
                        .anyMatch(pid -> commandLine.apply(pid).map(cl -> regex.matcher(cl).find()).orElse(false));
            } else {
                match = true;
            }
            if (match) {
                out.add(g.index());
            }
        }
        return out;
    }

    /** For tests: where command lines come from instead of /proc. */
    LiveAnalyzer withCommandLines(LongFunction<Optional<String>> source) {
        this.commandLine = source;
        return this;
    }

    /** /proc/PID/cmdline with its NUL separators as spaces; empty when unreadable (exited, hidden). */
    static Optional<String> procCmdline(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            String s = new String(raw, java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ').trim();
            return s.isEmpty() ? Optional.empty() : Optional.of(s);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static Optional<String> procComm(long pid) {
        try {
            return Optional.of(Files.readString(Path.of("/proc", Long.toString(pid), "comm")).trim());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
