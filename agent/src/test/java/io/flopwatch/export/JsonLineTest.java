package io.flopwatch.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flopwatch.analysis.DiagnosisState;
import io.flopwatch.analysis.GpuAnalysis;
import io.flopwatch.analysis.WorkloadAnalysis;
import io.flopwatch.analysis.WorkloadEnergy;
import io.flopwatch.attribution.AttributedProcess;
import io.flopwatch.attribution.GpuAttribution;
import io.flopwatch.attribution.ProcessOwner;
import io.flopwatch.config.AgentConfig;
import io.flopwatch.config.ConfigLoader;
import io.flopwatch.daemon.LiveAnalyzer;
import io.flopwatch.gpu.GpuCatalog;
import io.flopwatch.gpu.Precision;
import io.flopwatch.nvml.DeviceSample;
import io.flopwatch.nvml.NvmlSource;
import io.flopwatch.nvml.jna.SimulatorControl;
import io.flopwatch.telemetry.Collectors;
import io.flopwatch.telemetry.FakeTicker;
import io.flopwatch.telemetry.GpuRecord;
import io.flopwatch.telemetry.Sampler;
import io.flopwatch.telemetry.Snapshot;
import io.flopwatch.telemetry.interconnect.GpuInterconnect;
import io.flopwatch.telemetry.interconnect.InfinibandPort;
import io.flopwatch.telemetry.interconnect.NodeNics;
import io.flopwatch.telemetry.interconnect.PortRates;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link LogLines#json} writes its line straight into text ({@link JsonLine}); it must be the same
 * characters as the Jackson tree it built before, serialized by Jackson itself
 * ({@code JsonNode.toString()}; {@link JsonText} wrote the same, JsonTextTest). The tree code is
 * kept below, copied from LogLines / InterconnectJson / ReadingJson.owner as they were before
 * the change, as the reference.
 */
class JsonLineTest {

    @AfterEach
    void runClock() {
        SimulatorControl.runClock();
    }

    static Stream<Arguments> snapshots() {
        return Stream.of(
                Arguments.of("LogLinesTest: busy GPU, stale GPU, one workload", LogLinesTest.snapshot()),
                Arguments.of("InterconnectLogLinesTest: NVLink errors, NIC, energy", InterconnectLogLinesTest.snapshot()),
                Arguments.of("NVML down, reason needing escapes", nvmlDown()),
                Arguments.of("empty lists", new Snapshot(Instant.EPOCH, 0, true, "", false, Optional.empty(),
                        List.of(), List.of(), List.of(), Map.of())),
                Arguments.of("processes, owners, jobs, NICs, NaN and infinities, escapes", odd()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("snapshots")
    void lineIsTheOldTreesText(String name, Snapshot s) {
        assertSameAsTree(s);
    }

    /** config/scenarios/demo-8x-h100-training.scenario, what `flopwatch demo` plays, with every built-in collector. */
    @Test
    void demoScenarioLineIsTheOldTreesText() throws Exception {
        String config = """
                sampling:
                  collectors: [device, gpm, processes, interconnect]
                workloads:
                  - name: demo
                    model: llama-3-8b
                    mode: train
                    seq_len: 8192
                    precision: bf16
                    gpus: [0, 1, 2, 3, 4, 5, 6, 7]
                    throughput:
                      source: fixed
                      tokens_per_second: 48000
                """;
        List<Snapshot> cycles = twoCycles(Path.of("../config/scenarios/demo-8x-h100-training.scenario"), config);
        String line = LogLines.json(cycles.get(1));
        assertTrue(line.contains("\"processes\":[") && line.contains("\"nvlink_links\":"), "the scenario has them");
        for (Snapshot s : cycles) {
            assertEquals(8, s.analyses().size());
            assertSameAsTree(s);
        }
    }

    /** agent/src/test/resources/scenarios/golden-2x-h100.scenario with AgentGoldenTest's workload. */
    @Test
    void goldenScenarioLineIsTheOldTreesText() throws Exception {
        for (Snapshot s : twoCycles(AgentGoldenTest.resource("scenarios/golden-2x-h100.scenario"), AgentGoldenTest.CONFIG)) {
            assertSameAsTree(s);
        }
    }

    /** config/scenarios/mig-h100.scenario: a GPU with MIG on (the "mig" array). */
    @Test
    void migScenarioLineIsTheOldTreesText() throws Exception {
        List<Snapshot> cycles = twoCycles(MigMetricsTest.MIG_SCENARIO,
                "sampling:\n  collectors: [device, gpm, processes]\n");
        assertTrue(LogLines.json(cycles.get(1)).contains("\"mig\":["), "the scenario has MIG devices");
        for (Snapshot s : cycles) {
            assertSameAsTree(s);
        }
    }

    /**
     * LogLines.json loads no Jackson databind class: every io.flopwatch.export class is loaded anew
     * by a loader that records each databind class it is asked for (its own classes' references,
     * from verification or from running, come to it); the rest comes from the test's loader.
     */
    @Test
    void writingTheLineLoadsNoDatabindClass() throws Exception {
        for (Snapshot s : List.of(odd(), InterconnectLogLinesTest.snapshot(), nvmlDown())) {
            ExportClassesAnew loader = new ExportClassesAnew(getClass().getClassLoader());
            Object line = Class.forName("io.flopwatch.export.LogLines", true, loader)
                    .getMethod("json", Snapshot.class).invoke(null, s);
            assertEquals(LogLines.json(s), line);
            assertEquals(List.of(), loader.databindAsked, "databind classes asked for");
        }
    }

    /** The control: the loader does see databind where an export class needs it. */
    @Test
    void theLoaderSeesDatabindWhereAClassNeedsIt() throws Exception {
        ExportClassesAnew loader = new ExportClassesAnew(getClass().getClassLoader());
        Class<?> reading = Class.forName("io.flopwatch.export.ReadingJson", true, loader);
        reading.getConstructor(loader.loadClass("com.fasterxml.jackson.databind.ObjectMapper"))
                .newInstance(new ObjectMapper());
        assertFalse(loader.databindAsked.isEmpty());
    }

    @Test
    void writerNestsAndEscapes() {
        JsonLine w = new JsonLine(16);
        w.beginObject().field("a\"b", "x\\y\n\u0001").beginArray("list").value("1").value(null).beginObject()
                .endObject().endArray().beginObject("o").nullField("n").field("d", Double.NaN)
                .finiteOrNull("f", Double.POSITIVE_INFINITY).field("l", -3L).field("b", false).endObject()
                .field("s", (String) null).endObject();
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("a\"b", "x\\y\n\u0001");
        ArrayNode list = o.putArray("list");
        list.add("1");
        list.add((String) null);
        list.addObject();
        ObjectNode inner = o.putObject("o");
        inner.putNull("n");
        inner.put("d", Double.NaN);
        inner.putNull("f");
        inner.put("l", -3L);
        inner.put("b", false);
        o.put("s", (String) null);
        assertEquals(o.toString(), w.toString());
    }

    private static void assertSameAsTree(Snapshot s) {
        ObjectNode tree = OldTree.json(s);
        String line = LogLines.json(s);
        assertEquals(tree.toString(), line);
        assertEquals(JsonText.of(tree), line);
    }

    private static List<Snapshot> twoCycles(Path scenario, String configText) throws Exception {
        AgentConfig config = ConfigLoader.parse("test", configText);
        FakeTicker ticker = new FakeTicker();
        SimulatorControl.freezeClockAt(20);
        try (Sampler sampler = new Sampler(NvmlSource.simulated(scenario)::open,
                Collectors.builtIn(config.sampling().collectors()), Duration.ofSeconds(1), Duration.ofSeconds(30),
                ticker, new LiveAnalyzer(config, GpuCatalog.load(Optional.empty()), ticker))) {
            List<Snapshot> out = new ArrayList<>();
            sampler.cycle();
            out.add(sampler.latest());
            SimulatorControl.freezeClockAt(21);
            ticker.advance(Duration.ofSeconds(1));
            sampler.cycle();
            out.add(sampler.latest());
            assertTrue(out.get(1).nvmlUp(), out.get(1).nvmlReason());
            return out;
        }
    }

    private static Snapshot nvmlDown() {
        Snapshot base = LogLinesTest.snapshot();
        return new Snapshot(base.takenAt(), base.nanoTime(), false, "nvmlInit: \"Driver/library mismatch\"\n\tat C:\\x",
                false, Optional.empty(), List.of(), List.of(), base.workloads(), Map.of());
    }

    /** Everything unusual at once: escapes everywhere, NaN and infinities, processes with and without owners, NICs. */
    private static Snapshot odd() {
        Snapshot base = InterconnectLogLinesTest.snapshot();
        ProcessOwner owner = new ProcessOwner("python3 -c \"print('\\\\')\"\u0007", "bob\u001f", "abc", "docker",
                "uid-1", "ml", "trainer-0", "main", "4242");
        GpuAttribution at = new GpuAttribution(List.of(
                new AttributedProcess(100, OptionalLong.of(40L << 30), OptionalDouble.of(0.5), OptionalDouble.empty(),
                        OptionalInt.empty(), owner),
                new AttributedProcess(101, OptionalLong.empty(), OptionalDouble.of(Double.NaN), OptionalDouble.empty(),
                        OptionalInt.empty(), ProcessOwner.UNKNOWN)), 3, List.of("777", "job\"\n8"));
        GpuRecord g0 = base.gpus().get(0);
        GpuRecord withProcs = new GpuRecord.Builder(0).sample(g0.sample().orElseThrow()).interconnect(g0.interconnect())
                .attribution(at).build(base.nanoTime(), true, "", Map.of());
        GpuRecord omittedOnly = new GpuRecord.Builder(1).attribution(new GpuAttribution(List.of(), 2, List.of()))
                .sample(new DeviceSample(1, g0.sample().orElseThrow().utilization(), g0.sample().orElseThrow().memory(),
                        g0.sample().orElseThrow().clocks(),
                        new DeviceSample.Power(OptionalDouble.of(Double.NaN), OptionalDouble.of(Double.POSITIVE_INFINITY),
                                OptionalDouble.empty(), OptionalDouble.of(-0.0)),
                        g0.sample().orElseThrow().thermal(), g0.sample().orElseThrow().pcie(), false))
                .build(base.nanoTime() - 1, true, "", Map.of());
        GpuAnalysis a1 = new GpuAnalysis(1, "GPU-\u00e9\"1\\", "H100", "h100-sxm", Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, 1e-300, 4.9e-324, 1.0E7, 0, 0.06, Double.NaN, 2e10, 0.02, 1e8, 0.001, 1.83e9,
                1.98e9, 0, 1, Precision.BF16, 989.5e12, 914.5e12, 123456789.0, DiagnosisState.UNKNOWN);
        GpuAnalysis noRecord = new GpuAnalysis(7, "GPU-7", "H100", "h100-sxm", 0.5, 0.5, 0.5, 0.5, 0.5, 0, 0.06, 0.01,
                2e10, 0.02, 1e8, 0.001, 1.83e9, 1.98e9, 0, 1, Precision.BF16, 989.5e12, 914.5e12, 1, DiagnosisState.IDLE);
        WorkloadAnalysis w0 = base.workloads().get(0);
        WorkloadAnalysis reported = new WorkloadAnalysis("line\u2028\"two\"", "m\\odel", "train", Precision.BF16,
                List.of(0, 1), Double.POSITIVE_INFINITY, 57.91e9, 57.91e9, 3.958e14, 3.958e14, 989.5e12, 0.40, 0.40,
                0.47 * 989.5e12, 0.47, 0.07, DiagnosisState.COMPUTE_BOUND, 0.38, 376.0, Double.NEGATIVE_INFINITY)
                .withEnergy(new WorkloadEnergy(Double.NaN, Double.POSITIVE_INFINITY, 5.65e11))
                .withDecodeCeiling(Double.POSITIVE_INFINITY);
        WorkloadAnalysis ceiling = w0.withDecodeCeiling(1234.5);
        InfinibandPort up = new InfinibandPort("mlx5_0", 1, "InfiniBand", InfinibandPort.PortState.parse("4: ACTIVE"),
                InfinibandPort.PortState.parse("5: LinkUp"), OptionalLong.of(400_000_000_000L), Map.of(), Map.of(),
                Optional.of("0000:1a:00.0"), OptionalInt.of(0), 0);
        InfinibandPort bare = new InfinibandPort("mlx5_\"1", 2, "Ethernet", InfinibandPort.PortState.UNKNOWN,
                InfinibandPort.PortState.UNKNOWN, OptionalLong.empty(), Map.of(), Map.of(), Optional.empty(),
                OptionalInt.empty(), 0);
        PortRates rates = new PortRates("mlx5_0", 1, 1.0, OptionalDouble.of(1e9), OptionalDouble.empty(),
                OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.of(Double.NaN),
                Map.of("symbol_error", 2L, "link_downed", 1L, "VL15_dropped", 0L), Map.of());
        return new Snapshot(base.takenAt(), base.nanoTime(), true, "", true, Optional.empty(),
                List.of(withProcs, omittedOnly), List.of(base.analyses().get(0), a1, noRecord),
                List.of(reported, ceiling), Map.of(), new NodeNics(List.of(up, bare), List.of(rates), ""));
    }

    /** Loads every io.flopwatch.export class itself and notes the databind classes it is asked for. */
    private static final class ExportClassesAnew extends ClassLoader {
        final List<String> databindAsked = new CopyOnWriteArrayList<>();

        ExportClassesAnew(ClassLoader parent) {
            super(parent);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            synchronized (getClassLoadingLock(name)) {
                if (name.startsWith("com.fasterxml.jackson.databind.")) {
                    databindAsked.add(name);
                }
                if (!name.startsWith("io.flopwatch.export.")) {
                    return super.loadClass(name, resolve);
                }
                Class<?> c = findLoadedClass(name);
                if (c == null) {
                    try (InputStream in = getParent().getResourceAsStream(name.replace('.', '/') + ".class")) {
                        if (in == null) {
                            throw new ClassNotFoundException(name);
                        }
                        byte[] bytes = in.readAllBytes();
                        c = defineClass(name, bytes, 0, bytes.length);
                    } catch (IOException e) {
                        throw new ClassNotFoundException(name, e);
                    }
                }
                if (resolve) {
                    resolveClass(c);
                }
                return c;
            }
        }
    }

    /** LogLines.json as it was: a Jackson tree (LogLines, InterconnectJson, ReadingJson.owner before JsonLine). */
    private static final class OldTree {
        private static final ObjectMapper JSON = new ObjectMapper();

        static ObjectNode json(Snapshot s) {
            ObjectNode root = JSON.createObjectNode();
            root.put("time", s.takenAt().toString());
            root.put("nvml_up", s.nvmlUp());
            if (!s.nvmlUp()) {
                root.put("nvml_reason", s.nvmlReason());
            }
            root.put("simulated", s.simulated());
            ArrayNode gpus = root.putArray("gpus");
            for (GpuAnalysis a : s.analyses()) {
                ObjectNode g = gpus.addObject();
                GpuRecord r = s.gpu(a.index()).orElse(null);
                g.put("gpu", a.index());
                g.put("uuid", a.uuid());
                g.put("up", r != null && r.up());
                if (r != null) {
                    num(g, "sample_age_seconds", s.sampleAgeSeconds(r));
                }
                num(g, "utilization_ratio", a.kernelActiveRatio());
                num(g, "sm_active_ratio", a.smActiveRatio());
                num(g, "sm_occupancy_ratio", a.smOccupancyRatio());
                num(g, "tensor_active_ratio", a.tensorActiveRatio());
                num(g, "dram_bandwidth_utilization_ratio", a.dramBandwidthRatio());
                num(g, "nvlink_bytes_per_second", a.nvlinkBytesPerSecond());
                num(g, "sm_clock_hertz", a.smClockHz());
                if (r != null && r.sample().isPresent()) {
                    var p = r.sample().get().power();
                    p.usageWatts().ifPresent(w -> g.put("power_watts", w));
                    r.sample().get().memory().usedBytes().ifPresent(b -> g.put("memory_used_bytes", b));
                }
                g.put("precision", a.precision().key());
                num(g, "peak_flops", a.densePeakFlops());
                num(g, "tensor_flops_estimate", a.tensorFlopsEstimate());
                g.put("diagnosis", a.diagnosis().label());
                if (r != null) {
                    attribution(g, r.attribution());
                    gpuInterconnect(g, r, a);
                }
                if (r != null && r.mig().enabled()) {
                    mig(g, r);
                }
            }
            ArrayNode workloads = root.putArray("workloads");
            for (WorkloadAnalysis w : s.workloads()) {
                ObjectNode o = workloads.addObject();
                o.put("workload", w.name());
                o.put("model", w.model());
                num(o, "tokens_per_second", w.tokensPerSecond());
                if (!Double.isNaN(w.decodeCeilingTokensPerSecond())) {
                    num(o, "decode_ceiling_tokens_per_second", w.decodeCeilingTokensPerSecond());
                }
                num(o, "model_flops_per_token", w.modelFlopsPerToken());
                num(o, "achieved_flops", w.achievedModelFlops());
                num(o, "peak_flops", w.peakFlops());
                num(o, "mfu_ratio", w.mfu());
                num(o, "hfu_ratio", w.hfu());
                num(o, "tensor_flops_estimate", w.tensorFlopsEstimate());
                num(o, "mfu_gap_ratio", w.mfuGap());
                if (Double.isFinite(w.reportedMfu())) {
                    o.put("reported_mfu_ratio", w.reportedMfu());
                    num(o, "mfu_disagreement", w.mfuDisagreement());
                }
                if (Double.isFinite(w.reportedTflopsPerGpu())) {
                    o.put("reported_tflops_per_gpu", w.reportedTflopsPerGpu());
                }
                o.put("diagnosis", w.diagnosis().label());
                num(o, "power_watts", w.energy().averageWatts());
                num(o, "joules_per_token", w.energy().joulesPerToken());
                num(o, "model_flops_per_watt", w.energy().modelFlopsPerSecondPerWatt());
            }
            nics(root, s);
            return root;
        }

        private static void mig(ObjectNode g, GpuRecord r) {
            ArrayNode migs = g.putArray("mig");
            for (var m : r.mig().instances()) {
                var d = m.device();
                ObjectNode o = migs.addObject();
                o.put("mig_uuid", d.uuid());
                o.put("mig_profile", d.profile().orElse(""));
                o.put("gpu_instance_id", d.gpuInstanceId());
                o.put("compute_instance_id", d.computeInstanceId());
                num(o, "compute_fraction_ratio", io.flopwatch.analysis.MigShare.computeFraction(d).orElse(Double.NaN));
                num(o, "sm_active_ratio", m.gpmValue(io.flopwatch.nvml.GpmMetric.SM_UTIL).orElse(Double.NaN) / 100);
                num(o, "tensor_active_ratio",
                        m.gpmValue(io.flopwatch.nvml.GpmMetric.ANY_TENSOR_UTIL).orElse(Double.NaN) / 100);
                d.memoryUsedBytes().ifPresent(b -> o.put("memory_used_bytes", b));
                o.put("processes", d.processes().size());
            }
        }

        private static void attribution(ObjectNode g, GpuAttribution at) {
            if (!at.processes().isEmpty()) {
                ArrayNode procs = g.putArray("processes");
                for (AttributedProcess p : at.processes()) {
                    ObjectNode o = procs.addObject();
                    o.put("pid", p.pid());
                    p.usedGpuMemoryBytes().ifPresentOrElse(b -> o.put("used_gpu_memory_bytes", b),
                            () -> o.putNull("used_gpu_memory_bytes"));
                    num(o, "sm_utilization_ratio", p.smUtilizationRatio().orElse(Double.NaN));
                    owner(o, p.owner());
                }
            }
            if (at.omittedProcesses() > 0) {
                g.put("processes_omitted", at.omittedProcesses());
            }
            if (!at.hpcJobs().isEmpty()) {
                ArrayNode jobs = g.putArray("hpc_jobs");
                at.hpcJobs().forEach(jobs::add);
            }
        }

        private static void owner(ObjectNode o, ProcessOwner w) {
            text(o, "command", w.command());
            text(o, "user", w.user());
            text(o, "container_id", w.containerId());
            text(o, "container_runtime", w.containerRuntime());
            text(o, "k8s_pod_uid", w.podUid());
            text(o, "k8s_namespace", w.podNamespace());
            text(o, "k8s_pod", w.podName());
            text(o, "k8s_container", w.containerName());
            text(o, "slurm_job", w.slurmJob());
        }

        private static void text(ObjectNode o, String field, String v) {
            if (v.isEmpty()) {
                o.putNull(field);
            } else {
                o.put(field, v);
            }
        }

        private static void gpuInterconnect(ObjectNode g, GpuRecord r, GpuAnalysis a) {
            num(g, "nvlink_utilization_ratio", a.nvlinkRatio());
            num(g, "pcie_utilization_ratio", a.pcieRatio());
            GpuInterconnect ic = r.interconnect();
            if (!ic.nvlinkActive().isEmpty()) {
                g.put("nvlink_links_active", ic.activeLinks());
                g.put("nvlink_links", ic.nvlinkActive().size());
            }
            if (!ic.errorCounts().isEmpty()) {
                ObjectNode e = g.putObject("nvlink_errors");
                new TreeMap<>(ic.errorCounts()).forEach(e::put);
            }
            ic.pcieReplays().ifPresent(v -> g.put("pcie_replays", v));
            g.put("pcie_link", GpuInterconnect.pcieLink(r).name().toLowerCase(Locale.ROOT));
            ic.nearestNic().ifPresent(n -> {
                ObjectNode o = g.putObject("nic");
                o.put("device", n.device());
                o.put("port", n.port());
                o.put("closeness", n.closeness().name());
                num(o, "utilization_ratio", n.utilization());
            });
            r.sample().ifPresent(x -> {
                x.power().totalEnergyJoules().ifPresent(j -> g.put("energy_total_joules", j));
                x.power().enforcedLimitWatts().ifPresent(w -> g.put("power_limit_watts", w));
            });
        }

        private static void nics(ObjectNode root, Snapshot s) {
            if (s.nics().ports().isEmpty()) {
                return;
            }
            ArrayNode a = root.putArray("nics");
            for (InfinibandPort p : s.nics().ports()) {
                ObjectNode o = a.addObject();
                o.put("nic", p.device());
                o.put("port", p.port());
                o.put("link_layer", p.linkLayer());
                o.put("state", p.state().name());
                p.pciAddress().ifPresent(x -> o.put("pci_address", x));
                p.rateBitsPerSecond().ifPresent(x -> o.put("rate_bits_per_second", x));
                s.nics().rates(p.device(), p.port()).ifPresent(r -> {
                    num(o, "transmit_bits_per_second", r.transmitBitsPerSecond());
                    num(o, "receive_bits_per_second", r.receiveBitsPerSecond());
                    num(o, "utilization_ratio", r.linkUtilizationRatio());
                    if (!r.errorIncreases().isEmpty()) {
                        ObjectNode e = o.putObject("error_increases");
                        new TreeMap<>(r.errorIncreases()).forEach(e::put);
                    }
                });
            }
        }

        private static void num(ObjectNode o, String field, double v) {
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                o.putNull(field);
            } else {
                o.put(field, v);
            }
        }

        private static void num(ObjectNode o, String field, OptionalDouble v) {
            num(o, field, v.isPresent() ? v.getAsDouble() : Double.NaN);
        }
    }
}
