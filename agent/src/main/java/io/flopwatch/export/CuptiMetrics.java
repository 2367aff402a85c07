package io.flopwatch.export;

import io.flopwatch.analysis.GpuAnalysis;
import io.flopwatch.cupti.CuptiCondition;
import io.flopwatch.telemetry.ActivitySource;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.cupti.CuptiCollector;
import io.flopwatch.telemetry.cupti.CuptiInterval;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Which source filled each GPU's activity metrics ({@code flopwatch_gpu_activity_source}), and
 * the CUPTI collector's status per GPU ({@code flopwatch_cupti_*}, docs/metrics.md). Called by
 * {@link SnapshotMetrics#sync}; like it, reads only snapshots. A GPU's series go when it leaves
 * the snapshot; the CUPTI series exist only for GPUs CUPTI is configured on.
 */
final class CuptiMetrics {

    private static final List<String> SOURCES = List.of(ActivitySource.GPM, ActivitySource.CUPTI);

    private final MeterRegistry registry;
    private final Supplier<Snapshot> latest;
    private final MeterGroups groups;

    CuptiMetrics(MeterRegistry registry, Supplier<Snapshot> latest) {
        this.registry = registry;
        this.latest = latest;
        this.groups = new MeterGroups(registry);
    }

    void sync(Snapshot s) {
        Set<String> live = new HashSet<>();
        for (GpuAnalysis a : s.analyses()) {
            if (a.uuid().isEmpty()) {
                continue;
            }
            int i = a.index();
            String key = "gpu/" + i + "/" + a.uuid();
            live.add(key);
            if (groups.open(key)) {
                Tags t = tags(a);
                for (String source : SOURCES) {
                    groups.own(gauge(t.and("source", source), "flopwatch.gpu.activity.source",
                            "1 for the source of the GPU's tensor/SM/occupancy/DRAM/PCIe/NVLink activity metrics in "
                                    + "the last cycle (gpm: NVML GPM, cupti: CUPTI PM sampling), 0 for the other",
                            i, g -> source.equals(g.activity().source()) ? 1 : 0));
                }
            }
            boolean cupti = s.gpu(i).flatMap(g -> g.activity().cupti()).isPresent();
            if (cupti && groups.open(key + "/cupti")) {
                cuptiMeters(tags(a), i).forEach(groups::own);
            }
            live.add(key + "/cupti");
        }
        groups.removeIf(k -> !live.contains(k));
    }

    /** Built only when meters are registered: sorting tags every cycle for meters that exist cost more than the rest of sync. */
    private static Tags tags(GpuAnalysis a) {
        return Tags.of("gpu", Integer.toString(a.index()), "uuid", a.uuid(), "model", a.name());
    }

    private List<Meter> cuptiMeters(Tags t, int i) {
        List<Meter> m = new ArrayList<>();
        m.add(status(t, "flopwatch.cupti.up", "1 while CUPTI PM sampling runs on the GPU, 0 when it is paused, "
                + "retrying or unavailable (flopwatch_cupti_condition says why)", i,
                st -> st.state() == CuptiCollector.State.RUNNING ? 1 : 0));
        for (CuptiCollector.State state : CuptiCollector.State.values()) {
            String label = state.name().toLowerCase(Locale.ROOT);
            m.add(status(t.and("state", label), "flopwatch.cupti.state",
                    "1 for the CUPTI collector's current state on the GPU, 0 for the others", i,
                    st -> st.state() == state ? 1 : 0));
        }
        for (CuptiCondition c : CuptiCondition.values()) {
            String label = c.name().toLowerCase(Locale.ROOT);
            m.add(status(t.and("condition", label), "flopwatch.cupti.condition",
                    "1 while this condition holds CUPTI PM sampling back on the GPU (or, buffer_overflow, was "
                            + "the last one met), 0 otherwise; the log line says what to do",
                    i, st -> st.condition().map(x -> x == c ? 1.0 : 0.0).orElse(0.0)));
        }
        m.add(FunctionCounter.builder("flopwatch.cupti.buffer.overflows", this,
                        x -> interval(x.latest.get(), i).map(iv -> (double) iv.status().bufferOverflows()).orElse(Double.NaN))
                .tags(t).description("Hardware buffer overflows of CUPTI PM sampling on the GPU (each restarted the session)")
                .register(registry));
        m.add(FunctionCounter.builder("flopwatch.cupti.sessions.started", this,
                        x -> interval(x.latest.get(), i).map(iv -> (double) iv.status().sessionStarts()).orElse(Double.NaN))
                .tags(t).description("CUPTI PM sampling sessions started on the GPU (1 + restarts)").register(registry));
        m.add(Gauge.builder("flopwatch.cupti.samples", this,
                        x -> interval(x.latest.get(), i).map(iv -> (double) iv.sampleCount()).orElse(Double.NaN))
                .tags(t).strongReference(true)
                .description("CUPTI PM samples that completed in the last snapshot interval (0: no CUPTI values)")
                .register(registry));
        return m;
    }

    private static Optional<CuptiInterval> interval(Snapshot s, int gpu) {
        return s.gpu(gpu).flatMap(g -> g.activity().cupti());
    }

    private Meter gauge(Tags tags, String name, String help, int gpu, ToDoubleFunction<GpuRecord> f) {
        return Gauge.builder(name, this, x -> x.latest.get().gpu(gpu).map(f::applyAsDouble).orElse(Double.NaN))
                .tags(tags).description(help).strongReference(true).register(registry);
    }

    private Meter status(Tags tags, String name, String help, int gpu, ToDoubleFunction<CuptiCollector.Status> f) {
        return Gauge.builder(name, this, x -> interval(x.latest.get(), gpu).map(iv -> f.applyAsDouble(iv.status()))
                        .orElse(Double.NaN))
                .tags(tags).description(help).strongReference(true).register(registry);
    }
}
