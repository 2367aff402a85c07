package io.flopwatch.daemon;

import io.flopwatch.analysis.EnergyAnalysis;
import io.flopwatch.analysis.EnergyRate;
import io.flopwatch.analysis.GpuAnalysis;
import io.flopwatch.analysis.GpuAnalyzer;
import io.flopwatch.analysis.WorkloadAnalysis;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.net.http.HttpClient;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongFunction;
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
        final Map<WorkloadPhase, FlopsEstimate> estimates;
        final ThroughputSource source;
        final Map<WorkloadPhase, TokenRate> rates = new EnumMap<>(WorkloadPhase.class);
        /** Average power per GPU (by UUID) over the same window as the token rates. */
        final Map<String, EnergyRate> energy = new HashMap<>();
        /** 0: poll every cycle; else poll at most this often (a metrics endpoint's interval). */
        final long pollEveryNanos;
        final OptionalInt jobGpus;
        long nextPollNanos = Long.MIN_VALUE;
        double reportedMfu = Double.NaN;
        long reportedMfuNanos;
        double reportedTflops = Double.NaN;
        long reportedTflopsNanos;
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

    private final GpuCatalog catalog;
    private final Precision defaultPrecision;
    private final List<Bound> workloads = new ArrayList<>();
    private final Map<String, PushThroughputSource> pushSources = new LinkedHashMap<>();
    private final LongFunction<Optional<String>> processName;
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
        for (AgentConfig.WorkloadConfig w : config.workloads()) {
            workloads.add(bind(w, ticker));
        }
    }

    private Bound bind(AgentConfig.WorkloadConfig w, Ticker ticker) {
        ModelSpec spec = ModelSpecs.resolve(w.model());
        Map<WorkloadPhase, FlopsEstimate> estimates = new EnumMap<>(WorkloadPhase.class);
        FlopsEstimate own = FlopCounter.estimate(spec,
                new Workload(w.mode(), w.seqLenTokens(), 0, w.recompute(), false, Formula.PALM));
        if (w.mode() == Mode.TRAIN) {
            estimates.put(WorkloadPhase.TRAINING, own);
        } else {
            // Prompt tokens cost a forward pass over sequences of seq_len (the workload's mode);
            // generated tokens cost one decode step each, whose attention reads a cache of seq_len
            // tokens: the FLOPs engine's decode mode with C = seq_len (docs/throughput.md).
            estimates.put(WorkloadPhase.PREFILL, own);
            estimates.put(WorkloadPhase.DECODE, FlopCounter.estimate(spec,
                    new Workload(Mode.DECODE, w.seqLenTokens(), w.seqLenTokens(), w.recompute(), false, Formula.PALM)));
        }
        AgentConfig.Throughput t = w.throughput();
        ThroughputSource source;
        long pollEvery = 0;
        OptionalInt jobGpus = OptionalInt.empty();
        switch (t.source()) {
            case "fixed" -> source = new FixedThroughputSource(t.tokensPerSecond().orElseThrow(), phase(w.mode()), ticker);
            case "push" -> {
                PushThroughputSource p = new PushThroughputSource(w.name());
                pushSources.put(w.name(), p);
                source = p;
            }
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
                source = new InferenceMetricsSource(m.server(),
                        fetchers.apply(m), m.counters(), m.labels(), ticker);
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
    public void close() {
        for (Bound b : workloads) {
            b.source.close();
        }
    }

    /** The push sources by workload name, for the push endpoint. */
    public Map<String, PushThroughputSource> pushSources() {
        return Map.copyOf(pushSources);
    }

    static WorkloadPhase phase(Mode mode) {
        return mode == Mode.TRAIN ? WorkloadPhase.TRAINING : WorkloadPhase.PREFILL;
    }

    @Override
    public Result analyze(List<GpuRecord> gpus, long nanoTime) {
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
                    g.identity().flatMap(id -> GpuAnalyzer.catalogEntry(catalog, id.name())), p);
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
                    its.add(a);
                }
            }
            AgentConfig.WorkloadConfig c = b.config();
            WorkloadAnalysis w = WorkloadAnalyzer.analyze(c.name(), c.model(),
                    c.mode() == Mode.TRAIN ? "train" : "inference", c.precision(), modelPerToken, hardwarePerToken,
                    tps, its, reportedMfu, reportedTflops);
            out.add(w.withEnergy(energy(b, e.getValue(), gpus, nanoTime, w)));
        }
        return new Result(analyses, out);
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
    public Optional<LogWriterProcesses.Selection> logWriterSelection(String workload) {
        return workloads.stream().filter(b -> b.config.name().equals(workload))
                .map(b -> b.lastLogWriterSelection).filter(java.util.Objects::nonNull).findFirst();
    }

    private List<Integer> select(GpuSelection sel, List<GpuRecord> gpus) {
        List<Integer> out = new ArrayList<>();
        for (GpuRecord g : gpus) {
            boolean match;
            if (sel instanceof GpuSelection.Listed l) {
                match = l.ids().contains(Integer.toString(g.index()))
                        || g.identity().map(id -> l.ids().contains(id.uuid())).orElse(false);
            } else if (sel instanceof GpuSelection.ByProcess p) {
                match = g.processes().stream().map(GpuProcess::pid)
                        .anyMatch(pid -> processName.apply(pid).map(p.name()::equals).orElse(false));
            } else {
                match = true;
            }
            if (match) {
                out.add(g.index());
            }
        }
        return out;
    }

    static Optional<String> procComm(long pid) {
        try {
            return Optional.of(Files.readString(Path.of("/proc", Long.toString(pid), "comm")).trim());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
