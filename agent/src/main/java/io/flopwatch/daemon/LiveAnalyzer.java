package io.flopwatch.daemon;

import io.flopwatch.analysis.GpuAnalysis;
import io.flopwatch.analysis.GpuAnalyzer;
import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.analysis.WorkloadAnalyzer;
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
import io.flopwatch.workload.FixedThroughputSource;
import io.flopwatch.workload.PushThroughputSource;
import io.flopwatch.workload.ThroughputObservation;
import io.flopwatch.workload.ThroughputSource;
import io.flopwatch.workload.TokenRate;
import io.flopwatch.workload.WorkloadPhase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongFunction;

/**
 * The agent's {@link Analyzer}: peaks and diagnosis per GPU, then per workload its tokens/s
 * (polled from its throughput source and smoothed by a {@link TokenRate}), FLOPs per token
 * (counted once, at start) and MFU / HFU over its GPUs. Runs on the sampler's thread.
 */
public final class LiveAnalyzer implements Analyzer {

    /** One configured workload with what is computed once and what it keeps between cycles. */
    private record Bound(AgentConfig.WorkloadConfig config, FlopsEstimate estimate, ThroughputSource source,
                         TokenRate rate) {
    }

    private final GpuCatalog catalog;
    private final Precision defaultPrecision;
    private final List<Bound> workloads = new ArrayList<>();
    private final Map<String, PushThroughputSource> pushSources = new LinkedHashMap<>();
    private final LongFunction<Optional<String>> processName;

    public LiveAnalyzer(AgentConfig config, GpuCatalog catalog, Ticker ticker) {
        this(config, catalog, ticker, LiveAnalyzer::procComm);
    }

    /** @param processName pid → command name (/proc/PID/comm), for workloads found by process */
    public LiveAnalyzer(AgentConfig config, GpuCatalog catalog, Ticker ticker,
                        LongFunction<Optional<String>> processName) {
        this.catalog = catalog;
        this.defaultPrecision = config.analysis().defaultPrecision();
        this.processName = processName;
        for (AgentConfig.WorkloadConfig w : config.workloads()) {
            FlopsEstimate est = FlopCounter.estimate(ModelSpecs.resolve(w.model()),
                    new Workload(w.mode(), w.seqLenTokens(), 0, w.recompute(), false, Formula.PALM));
            ThroughputSource source = switch (w.throughput().source()) {
                case "fixed" -> new FixedThroughputSource(w.throughput().tokensPerSecond().orElseThrow(),
                        phase(w.mode()), ticker);
                case "push" -> {
                    PushThroughputSource p = new PushThroughputSource(w.name());
                    pushSources.put(w.name(), p);
                    yield p;
                }
                default -> throw new IllegalStateException("unknown throughput source " + w.throughput().source());
            };
            workloads.add(new Bound(w, est, source, new TokenRate(w.throughput().window())));
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
            List<Integer> idx = select(b.config().gpus(), gpus);
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
            for (ThroughputObservation o : b.source().poll()) {
                b.rate().record(o);
            }
            double tps = b.rate().tokensPerSecond(nanoTime).orElse(Double.NaN);
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
            out.add(WorkloadAnalyzer.analyze(c.name(), c.model(), c.mode() == Mode.TRAIN ? "train" : "inference",
                    c.precision(), b.estimate().modelFlopsPerToken(), b.estimate().hardwareFlopsPerToken(), tps, its));
        }
        return new Result(analyses, out);
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
