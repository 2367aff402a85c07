package io.flopwatch.export;

import io.flopwatch.analysis.DiagnosisState;
import io.flopwatch.analysis.GpuAnalysis;
import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.nvml.DeviceSample;
import io.flopwatch.telemetry.ClockEventReason;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.Ticker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Publishes {@link Snapshot}s as Micrometer meters (every metric in docs/metrics.md). Meters read
 * only the latest snapshot, through {@code latest}; they never call native code, so a scrape
 * answers even while a GPU hangs. A value not measured is NaN, never an exception.
 *
 * <p>Meters for a GPU, workload or collector are registered when it first appears in a
 * snapshot ({@link #sync}). A GPU's meters are removed when it is no longer in the snapshot
 * (it vanished, or NVML went away and came back with other GPUs: a new GPU at the same index gets
 * series of its own instead of continuing another UUID's), and {@code flopwatch_nvml_info} is
 * replaced when the driver version changes. Names follow Micrometer's conventions, which the Prometheus
 * registry turns into {@code flopwatch_…} with the base unit as suffix.
 *
 * <p>Every meter's value is a function of the latest snapshot and of what the last {@link #sync}
 * computed, except {@code flopwatch_gpu_sample_age_seconds}, which reads the ticker at the
 * scrape. Given a registry of their own for such meters ({@code scrapeTime}), the main registry
 * can be rendered once per snapshot ({@link Exposition}); a meter added here that reads anything
 * else (a clock, a live counter) must go to {@code scrapeTime} too.
 */
public final class SnapshotMetrics {

    private final MeterRegistry registry;
    private final Supplier<Snapshot> latest;
    private final Ticker ticker;
    /** Meters by the key of what they describe ("gpu/0/GPU-…", "workload/x", …). */
    private final MeterGroups groups;
    private final List<Meter> reasonMeters = new ArrayList<>();
    private String reasonShown;
    private final MigMetrics mig;
    private final CuptiMetrics cuptiMetrics;
    private final ProcessMetrics processes;
    private final InterconnectMetrics interconnect;
    /** The shape of the snapshot whose meters are registered; null: none yet, or some were removed. */
    private Shape registered;
    /** The key of the {@code flopwatch_nvml_info} series registered, or null. */
    private String nvmlInfoShown;
    /**
     * Where the meters computed at the scrape go (the sample age, from the ticker): {@code registry}
     * itself, or a registry of their own that {@link Exposition} renders on every scrape.
     */
    private final MeterRegistry scrapeTime;
    /** The scrape-time meters, in groups under the same keys as {@link #groups}' (removed with them). */
    private final MeterGroups scrapeTimeGroups;
    /** Syncs finished; volatile, not synchronized: {@link Exposition} reads it on every scrape. */
    private volatile long syncs;

    public SnapshotMetrics(MeterRegistry registry, Supplier<Snapshot> latest, Ticker ticker, String version) {
        this(registry, registry, latest, ticker, version);
    }

    /**
     * @param scrapeTime where the meters whose value is computed at the scrape go (the sample age):
     *                   with a registry of their own, every other meter's value is a function of the
     *                   latest snapshot and the last {@link #sync}, so {@link Exposition} can render
     *                   {@code registry} once per snapshot
     */
    public SnapshotMetrics(MeterRegistry registry, MeterRegistry scrapeTime, Supplier<Snapshot> latest, Ticker ticker,
                           String version) {
        this.registry = registry;
        this.groups = new MeterGroups(registry);
        this.scrapeTime = scrapeTime;
        this.scrapeTimeGroups = new MeterGroups(scrapeTime);
        this.latest = latest;
        this.ticker = ticker;
        this.mig = new MigMetrics(registry, latest);
        this.cuptiMetrics = new CuptiMetrics(registry, latest);
        this.processes = new ProcessMetrics(registry, latest);
        this.interconnect = new InterconnectMetrics(registry, latest);
        Gauge.builder("flopwatch.up", this, m -> m.latest.get().nvmlUp() ? 1 : 0)
                .description("1 when NVML is initialized and the GPUs are being sampled, 0 otherwise "
                        + "(see flopwatch_nvml_unavailable for the reason)")
                .strongReference(true).register(registry);
        Gauge.builder("flopwatch.build.info", () -> 1)
                .tags("version", version, "java_version", System.getProperty("java.version", ""))
                .description("Always 1; the labels say which flopwatch is running")
                .strongReference(true).register(registry);
    }

    /** Registers the meters of whatever is new in {@code s}; call after each publish. */
    public synchronized void sync(Snapshot s) {
        syncNvml(s);
        // The meters read the latest snapshot themselves; sync only adds and removes meters. Which
        // exist follows from a few facts of the snapshot (its Shape): when those did not change
        // since the last sync, as in almost every cycle, there is nothing to add or remove.
        Shape shape = Shape.of(s);
        if (!shape.equals(registered)) {
            syncShaped(s);
            registered = shape;
        }
        mig.sync(s);
        cuptiMetrics.sync(s);
        processes.sync(s);
        interconnect.sync(s);
        syncs++; // last: a rendering keyed by the new count sees every meter and value of this sync
    }

    /**
     * How many {@link #sync}s (and workload removals) have finished. With the latest snapshot it is
     * what the values of the meters in {@code registry} depend on besides the meters themselves
     * (the job series read what the last sync computed); see {@link Exposition}.
     */
    public long syncs() {
        return syncs;
    }

    /** The collector, GPU and workload meters: what {@link Shape} decides. */
    private void syncShaped(Snapshot s) {
        for (String c : s.collectors().keySet()) {
            if (group("collector/" + c)) {
                Tags t = Tags.of("collector", c);
                gauge("flopwatch.collector.duration", t, "seconds",
                        "Time the collector took in the last cycle (longest over the GPUs, which run in parallel)",
                        x -> Optional.ofNullable(x.collectors().get(c)).map(Snapshot.CollectorSummary::durationSeconds)
                                .orElse(Double.NaN));
                gauge("flopwatch.collector.success", t, null,
                        "1 when the collector succeeded on every GPU in the last cycle",
                        x -> Optional.ofNullable(x.collectors().get(c)).map(r -> r.success() ? 1.0 : 0.0)
                                .orElse(Double.NaN));
            }
        }
        java.util.Set<String> liveGpus = new java.util.HashSet<>();
        for (GpuAnalysis a : s.analyses()) {
            liveGpus.add("gpu/" + a.index() + "/" + a.uuid());
        }
        removeAll(k -> k.startsWith("gpu/") && !liveGpus.contains(gpuKeyOf(k)));
        for (GpuAnalysis a : s.analyses()) {
            syncGpu(s, a);
        }
        for (WorkloadAnalysis w : s.workloads()) {
            syncWorkload(w);
            syncWorkloadSource(w);
        }
    }

    /**
     * What decides which collector, GPU and workload meters {@link #sync} registers: the
     * collectors' names; each GPU's index, UUID and precision (the peak meters' label); each
     * workload's name, the kinds of events its source counted and whether it matches log writers.
     * Labels read only when a meter is registered (model names, catalog ids) are not part of it,
     * as they never changed a registered meter.
     */
    private record Shape(Set<String> collectors, List<GpuShape> gpus, List<WorkloadShape> workloads) {
        static Shape of(Snapshot s) {
            List<GpuShape> gpus = new ArrayList<>(s.analyses().size());
            for (GpuAnalysis a : s.analyses()) {
                gpus.add(new GpuShape(a.index(), a.uuid(), a.precision().key()));
            }
            List<WorkloadShape> workloads = new ArrayList<>(s.workloads().size());
            for (WorkloadAnalysis w : s.workloads()) {
                workloads.add(new WorkloadShape(w.name(), Set.copyOf(w.source().events().keySet()),
                        w.source().logWriterMatch().isPresent()));
            }
            return new Shape(Set.copyOf(s.collectors().keySet()), gpus, workloads);
        }
    }

    private record GpuShape(int index, String uuid, String precision) {
    }

    private record WorkloadShape(String name, Set<String> eventKinds, boolean logWriterMatch) {
    }

    /**
     * Removes a workload's series (a reload removed or changed it); if it is still configured its
     * meters are registered anew from the next snapshot, with the labels of its new configuration.
     */
    public synchronized void removeWorkload(String name) {
        registered = null; // the next sync registers it again if it is still configured
        removeAll(k -> k.equals("workload/" + name) || k.startsWith("workload/" + name + "/"));
        syncs++;
    }

    private void syncNvml(Snapshot s) {
        String reason = s.nvmlUp() ? "" : s.nvmlReason();
        if (!reason.equals(reasonShown)) {
            reasonMeters.forEach(registry::remove);
            reasonMeters.clear();
            if (!reason.isEmpty()) {
                reasonMeters.add(Gauge.builder("flopwatch.nvml.unavailable", () -> 1).tags("reason", reason)
                        .description("Present (value 1) while NVML cannot be used; the label says why. "
                                + "flopwatch retries with backoff")
                        .strongReference(true).register(registry));
            }
            reasonShown = reason;
        }
        if (s.nvmlUp() && s.system().isPresent()) {
            var sys = s.system().get();
            String key = "nvml-info/" + sys.driverVersion() + "/" + sys.nvmlVersion() + "/" + s.simulated();
            if (key.equals(nvmlInfoShown)) {
                return; // registered already: no need to look through every group for an old one
            }
            removeAll(k -> k.startsWith("nvml-info/") && !k.equals(key));
            nvmlInfoShown = key;
            if (!group(key)) {
                return;
            }
            own(Gauge.builder("flopwatch.nvml.info", () -> 1)
                    .tags("driver_version", sys.driverVersion(), "nvml_version", sys.nvmlVersion(),
                            "simulated", Boolean.toString(s.simulated()))
                    .description("Always 1; the NVIDIA driver and NVML versions (simulated=\"true\" for the simulator)")
                    .strongReference(true).register(registry));
        }
    }

    private void syncGpu(Snapshot s, GpuAnalysis a) {
        int i = a.index();
        if (a.uuid().isEmpty()) {
            return; // not identified yet: its labels are unknown
        }
        Tags t = Tags.of("gpu", Integer.toString(i), "uuid", a.uuid(), "model", a.name());
        if (group("gpu/" + i + "/" + a.uuid())) {
            own(Gauge.builder("flopwatch.gpu.info", () -> 1)
                    .tags(t.and("catalog_id", a.catalogId(),
                            "pci_bus_id", s.gpu(i).flatMap(GpuRecord::identity).map(x -> x.pciBusId()).orElse("")))
                    .description("Always 1; what each GPU is (catalog_id: the GPU catalog entry its peaks come from)")
                    .strongReference(true).register(registry));
            gauge("flopwatch.gpu.up", t, null,
                    "1 when the GPU answered within the sampling deadline in the last cycle, 0 when it is stale",
                    x -> x.gpu(i).map(g -> g.up() ? 1.0 : 0.0).orElse(Double.NaN));
            // Computed at the scrape (the ticker's now), so it goes where scrape-time meters go.
            scrapeTimeGroups.open("gpu/" + i + "/" + a.uuid());
            scrapeTimeGroups.own(Gauge.builder("flopwatch.gpu.sample.age", this,
                            m -> m.latest.get().gpu(i).map(g -> (m.ticker.nanoTime() - g.sampledAtNanos()) / 1e9)
                                    .orElse(Double.NaN))
                    .tags(t).baseUnit("seconds").strongReference(true)
                    .description("Time since the GPU's values were last read; grows while the GPU is stale")
                    .register(scrapeTime));
            analysis(t, i, "flopwatch.gpu.utilization", "ratio",
                    "Fraction of time one or more kernels ran (NVML utilization.gpu); says nothing about how much of the GPU they used",
                    GpuAnalysis::kernelActiveRatio);
            analysis(t, i, "flopwatch.gpu.sm.active", "ratio",
                    "Fraction of SMs with at least one warp resident, averaged over the interval (GPM SM_UTIL)",
                    GpuAnalysis::smActiveRatio);
            analysis(t, i, "flopwatch.gpu.sm.occupancy", "ratio",
                    "Resident warps relative to the maximum per SM (GPM SM_OCCUPANCY)", GpuAnalysis::smOccupancyRatio);
            analysis(t, i, "flopwatch.gpu.tensor.active", "ratio",
                    "Fraction of time any tensor pipe was active (GPM ANY_TENSOR_UTIL)", GpuAnalysis::tensorActiveRatio);
            analysis(t, i, "flopwatch.gpu.dram.bandwidth.utilization", "ratio",
                    "DRAM bandwidth used relative to the peak (GPM DRAM_BW_UTIL)", GpuAnalysis::dramBandwidthRatio);
            analysis(t, i, "flopwatch.gpu.fp64.active", "ratio", "FP64 pipe activity (GPM FP64_UTIL)",
                    GpuAnalysis::fp64ActiveRatio);
            analysis(t, i, "flopwatch.gpu.fp32.active", "ratio", "FP32 pipe activity (GPM FP32_UTIL)",
                    GpuAnalysis::fp32ActiveRatio);
            analysis(t, i, "flopwatch.gpu.fp16.active", "ratio", "FP16 pipe activity (GPM FP16_UTIL)",
                    GpuAnalysis::fp16ActiveRatio);
            analysis(t, i, "flopwatch.gpu.nvlink.throughput", "bytes_per_second",
                    "NVLink traffic, transmit plus receive (GPM NVLINK_TOTAL_TX/RX_PER_SEC; without GPM, NVML fields 138/139 summed over the links)",
                    GpuAnalysis::nvlinkBytesPerSecond);
            analysis(t, i, "flopwatch.gpu.pcie.throughput", "bytes_per_second",
                    "PCIe traffic, transmit plus receive (GPM PCIE_TX/RX_PER_SEC)", GpuAnalysis::pcieBytesPerSecond);
            analysis(t, i, "flopwatch.gpu.nvlink.utilization", "ratio",
                    "NVLink use: the busier direction relative to the per-direction NVLink bandwidth (half the catalog's total)",
                    GpuAnalysis::nvlinkRatio);
            analysis(t, i, "flopwatch.gpu.pcie.utilization", "ratio",
                    "PCIe use: the busier direction relative to the link's per-direction bandwidth at its current generation and width",
                    GpuAnalysis::pcieRatio);
            analysis(t, i, "flopwatch.gpu.tensor.flops.estimate", null,
                    "ESTIMATE of tensor FLOP/s: tensor-active ratio x dense peak of the precision label of "
                            + "flopwatch_gpu_peak_flops; the pipe counter does not count FLOPs",
                    GpuAnalysis::tensorFlopsEstimate);
            analysis(t, i, "flopwatch.gpu.processes", null, "Compute processes on the GPU",
                    a2 -> a2.processCount() < 0 ? Double.NaN : a2.processCount());
            sample(t, i, "flopwatch.gpu.memory.used", "bytes", "Device memory in use (NVML memory info)",
                    d -> l(d.memory().usedBytes()));
            sample(t, i, "flopwatch.gpu.memory.total", "bytes", "Device memory in total (NVML memory info)",
                    d -> l(d.memory().totalBytes()));
            sample(t, i, "flopwatch.gpu.power", "watts", "Board power draw", d -> dbl(d.power().usageWatts()));
            sample(t, i, "flopwatch.gpu.power.limit", "watts", "Power limit the driver enforces",
                    d -> dbl(d.power().enforcedLimitWatts()));
            sample(t, i, "flopwatch.gpu.sm.clock", "hertz", "Current SM clock", d -> l(d.clocks().smHertz()));
            sample(t, i, "flopwatch.gpu.sm.clock.max", "hertz", "Maximum SM clock", d -> l(d.clocks().smMaxHertz()));
            sample(t, i, "flopwatch.gpu.temperature", "celsius", "GPU die temperature",
                    d -> in(d.thermal().gpuTemperatureCelsius()));
            own(FunctionCounter.builder("flopwatch.gpu.energy", this,
                            m -> m.latest.get().gpu(i).flatMap(GpuRecord::sample)
                                    .map(d -> dbl(d.power().totalEnergyJoules())).orElse(Double.NaN))
                    .tags(t).baseUnit("joules")
                    .description("Energy used since the driver was loaded (NVML total energy consumption)")
                    .register(registry));
            own(FunctionCounter.builder("flopwatch.gpu.xid.errors", this,
                            m -> m.latest.get().gpu(i).map(g -> (double) g.xidErrors()).orElse(Double.NaN))
                    .tags(t)
                    .description("Xid error events on the GPU since the agent started (NVML events; the xid collector)")
                    .register(registry));
            gauge("flopwatch.gpu.last.xid", t, null, "The last Xid error code seen on the GPU, 0 when none",
                    x -> x.gpu(i).map(g -> (double) g.lastXid()).orElse(Double.NaN));
            for (ClockEventReason r : ClockEventReason.values()) {
                sample(t.and("reason", r.label()), i, "flopwatch.gpu.clock.event.reason.active", null,
                        "1 while this clock event (throttle) reason holds the clocks down (NVML clock event reasons)",
                        d -> d.clocks().eventReasons().isPresent()
                                ? ((d.clocks().eventReasons().getAsLong() & r.bit()) != 0 ? 1 : 0) : Double.NaN);
            }
            for (DiagnosisState st : DiagnosisState.values()) {
                analysis(t.and("state", st.label()), i, "flopwatch.gpu.diagnosis", null,
                        "1 for the GPU's current bottleneck state, 0 for the others (rules: docs/diagnosis.md)",
                        a2 -> a2.diagnosis() == st ? 1 : 0);
            }
        }
        String p = a.precision().key();
        if (group("gpu/" + i + "/" + a.uuid() + "/peak/" + p)) {
            Tags tp = t.and("precision", p);
            analysis(tp, i, "flopwatch.gpu.peak.flops", null,
                    "Dense datasheet peak FLOP/s of the GPU for the precision (GPU catalog)",
                    a2 -> a2.precision().key().equals(p) ? a2.densePeakFlops() : Double.NaN);
            analysis(tp, i, "flopwatch.gpu.clock.peak.flops", null,
                    "Peak FLOP/s at the current SM clock (datasheet peak x current clock / the clock it assumes)",
                    a2 -> a2.precision().key().equals(p) ? a2.clockAwarePeakFlops() : Double.NaN);
        }
    }

    /**
     * The throughput source's health: a counter per event kind it reports (registered when the
     * kind first appears), the age of its last tokens, and the log-writer match's outcome.
     */
    private void syncWorkloadSource(WorkloadAnalysis w) {
        String n = w.name();
        var src = w.source();
        for (String kind : src.events().keySet()) {
            if (group("workload/" + n + "/events/" + kind)) {
                own(FunctionCounter.builder("flopwatch.workload.source.events", this,
                                m -> m.latest.get().workloads().stream().filter(x -> x.name().equals(n)).findFirst()
                                        .map(x -> x.source().events().get(kind)).map(Long::doubleValue)
                                        .orElse(Double.NaN))
                        .tags("workload", n, "source", src.kind(), "event", kind)
                        .description("What the workload's throughput source counted since it opened, by event "
                                + "(failed fetches, skipped log lines, counter resets, …; docs/metrics.md)")
                        .register(registry));
            }
        }
        if (group("workload/" + n + "/age")) {
            workload(Tags.of("workload", n), n, "flopwatch.workload.source.last.tokens.age", "seconds",
                    "Seconds since the workload's source last reported tokens (NaN: never); a growing age with a "
                            + "live job means the source is not being read",
                    x -> x.source().lastTokensAgeSeconds());
        }
        if (src.logWriterMatch().isPresent() && group("workload/" + n + "/log-writer")) {
            for (String outcome : List.of("no_writer", "writer_on_no_gpu", "one_writer", "several_writers")) {
                workload(Tags.of("workload", n, "outcome", outcome), n, "flopwatch.workload.log.writer.match", null,
                        "1 for the outcome of the last search for the processes writing the workload's log "
                                + "(gpus: {log_writer: true}), 0 for the others",
                        x -> x.source().logWriterMatch().map(o -> o.equals(outcome) ? 1.0 : 0.0).orElse(Double.NaN));
            }
        }
    }

    private void syncWorkload(WorkloadAnalysis w) {
        String n = w.name();
        if (!group("workload/" + n)) {
            return;
        }
        Tags t = Tags.of("workload", n, "model", w.model(), "precision", w.precision().key());
        workload(t, n, "flopwatch.workload.tokens.per.second", null,
                "Tokens per second on this node, smoothed over the workload's window", WorkloadAnalysis::tokensPerSecond);
        workload(t, n, "flopwatch.workload.model.flops.per.token", null,
                "Model FLOPs per token (6N + 12LHQT when training; docs/flops.md)", WorkloadAnalysis::modelFlopsPerToken);
        workload(t, n, "flopwatch.workload.hardware.flops.per.token", null,
                "FLOPs executed per token, activation recomputation included", WorkloadAnalysis::hardwareFlopsPerToken);
        workload(t, n, "flopwatch.workload.achieved.flops", null,
                "Model FLOP/s achieved on this node: model FLOPs/token x tokens/s", WorkloadAnalysis::achievedModelFlops);
        workload(t, n, "flopwatch.workload.achieved.hardware.flops", null,
                "Hardware FLOP/s achieved on this node: hardware FLOPs/token x tokens/s",
                WorkloadAnalysis::achievedHardwareFlops);
        workload(t, n, "flopwatch.workload.peak.flops", null,
                "Sum of the dense peak FLOP/s of the workload's GPUs on this node", WorkloadAnalysis::peakFlops);
        workload(t, n, "flopwatch.workload.mfu", "ratio",
                "Model FLOPs utilization: achieved model FLOP/s / summed dense peak (PaLM)", WorkloadAnalysis::mfu);
        workload(t, n, "flopwatch.workload.hfu", "ratio",
                "Hardware FLOPs utilization: achieved hardware FLOP/s (recomputation included) / summed dense peak",
                WorkloadAnalysis::hfu);
        workload(t, n, "flopwatch.workload.tensor.flops.estimate", null,
                "ESTIMATE: sum over its GPUs of tensor-active x dense peak", WorkloadAnalysis::tensorFlopsEstimate);
        // Energy over the workload's throughput window (docs/energy.md); GPU board energy only.
        workload(t, n, "flopwatch.workload.power", "watts",
                "Average power of the workload's GPUs on this node over its throughput window (from the energy counters)",
                x -> x.energy().averageWatts());
        workload(t, n, "flopwatch.workload.energy.per.token", "joules",
                "Energy per token: average power / tokens per second over the same window (GPU board energy only)",
                x -> x.energy().joulesPerToken());
        workload(t, n, "flopwatch.workload.model.flops.per.watt", null,
                "Achieved model FLOP/s per watt of GPU power (= model FLOPs per joule) over the throughput window",
                x -> x.energy().modelFlopsPerSecondPerWatt());
        workload(t, n, "flopwatch.workload.decode.ceiling.tokens.per.second", null,
                "Inference: the roofline ceiling of one sequence's decode rate on the workload's GPUs (batch 1: "
                        + "every step reads all weights and the KV cache); NaN for training",
                WorkloadAnalysis::decodeCeilingTokensPerSecond);
        workload(t, n, "flopwatch.workload.mfu.gap", "ratio",
                "Tensor-active estimate / peak minus MFU: tensor-pipe time the model FLOPs do not explain",
                WorkloadAnalysis::mfuGap);
        workload(t, n, "flopwatch.workload.reported.mfu", "ratio",
                "The workload's own MFU from its log (nanoGPT, torchtitan, a pattern); NaN when it reports none",
                WorkloadAnalysis::reportedMfu);
        workload(t, n, "flopwatch.workload.reported.tflops.per.gpu", null,
                "The workload's own achieved TFLOP/s per GPU from its log; NaN when it reports none",
                WorkloadAnalysis::reportedTflopsPerGpu);
        workload(t, n, "flopwatch.workload.mfu.disagreement", null,
                "1 when flopwatch's MFU and the workload's own differ by more than 10% (relative), 0 when they agree",
                WorkloadAnalysis::mfuDisagreement);
        workload(t, n, "flopwatch.workload.gpus", null, "GPUs of this node the workload runs on",
                w2 -> w2.gpuIndexes().size());
        for (DiagnosisState st : DiagnosisState.values()) {
            workload(Tags.of("workload", n, "state", st.label()), n, "flopwatch.workload.diagnosis", null,
                    "1 for the workload's current bottleneck state (the state most of its GPUs are in), 0 for the others",
                    w2 -> w2.diagnosis() == st ? 1 : 0);
        }
    }

    // ---- meter ownership: a group of meters per thing described, so it can be removed whole ----

    /**
     * Starts recording meters under {@code key}; false (and nothing recorded) when the key's
     * meters exist already.
     */
    private boolean group(String key) {
        return groups.open(key);
    }

    private <M extends Meter> M own(M meter) {
        return groups.own(meter);
    }

    private void removeAll(java.util.function.Predicate<String> which) {
        groups.removeIf(which);
        scrapeTimeGroups.removeIf(which);
    }

    /** "gpu/0/GPU-x/peak/bf16" → "gpu/0/GPU-x". */
    private static String gpuKeyOf(String key) {
        String[] parts = key.split("/", 4);
        return parts.length >= 3 ? parts[0] + "/" + parts[1] + "/" + parts[2] : key;
    }

    // ---- helpers: every gauge reads the latest snapshot and returns NaN when the value is absent ----

    private void gauge(String name, Tags tags, String unit, String help, ToDoubleFunction<Snapshot> f) {
        own(Gauge.builder(name, this, m -> f.applyAsDouble(m.latest.get()))
                .tags(tags).baseUnit(unit).description(help).strongReference(true).register(registry));
    }

    private void analysis(Tags tags, int gpu, String name, String unit, String help, ToDoubleFunction<GpuAnalysis> f) {
        gauge(name, tags, unit, help, s -> s.analyses().stream().filter(a -> a.index() == gpu).findFirst()
                .map(f::applyAsDouble).orElse(Double.NaN));
    }

    private void sample(Tags tags, int gpu, String name, String unit, String help, ToDoubleFunction<DeviceSample> f) {
        gauge(name, tags, unit, help, s -> s.gpu(gpu).flatMap(GpuRecord::sample).map(f::applyAsDouble)
                .orElse(Double.NaN));
    }

    private void workload(Tags tags, String workload, String name, String unit, String help,
                          ToDoubleFunction<WorkloadAnalysis> f) {
        gauge(name, tags, unit, help, s -> s.workloads().stream().filter(w -> w.name().equals(workload)).findFirst()
                .map(f::applyAsDouble).orElse(Double.NaN));
    }

    private static double l(OptionalLong v) {
        return v.isPresent() ? v.getAsLong() : Double.NaN;
    }

    private static double dbl(OptionalDouble v) {
        return v.isPresent() ? v.getAsDouble() : Double.NaN;
    }

    private static double in(OptionalInt v) {
        return v.isPresent() ? v.getAsInt() : Double.NaN;
    }
}
